/*  mail_receipt: receipts to the outbox and sendmail; see mail_receipt.h. */
#include "mail_receipt.h"

#include <errno.h>
#include <fcntl.h>
#include <gmime/gmime.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_folder.h"
#include "bs_log.h"
#include "mail_text.h"

extern char **environ;

int
mail_receipt_prepare (mail_t *mail, bs_error_t *error)
{
    const char *data_dir = bs_config_get (mail->config, "data_dir");
    char folders[6][1200];
    snprintf (folders[0], sizeof folders[0], "%s", data_dir);
    snprintf (folders[1], sizeof folders[1], "%s/mail", data_dir);
    snprintf (folders[2], sizeof folders[2], "%s", mail->outbox);
    snprintf (folders[3], sizeof folders[3], "%s/tmp", mail->outbox);
    snprintf (folders[4], sizeof folders[4], "%s/new", mail->outbox);
    snprintf (folders[5], sizeof folders[5], "%s/cur", mail->outbox);
    for (size_t i = 0; i < 6; i++) {
        int rc = bs_folder_private (folders[i]);
        if (rc != 0)
            return bs_error_set (error, BS_E_SYSTEM, "data_dir", "cannot create %s: %s", folders[i],
                                 strerror (rc));
    }
    return BS_OK;
}

GMimeMessage *
mail_message_new (mail_t *mail, const char *subject)
{
    GMimeMessage *message = g_mime_message_new (TRUE);
    g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, "報送系統", mail->sender);
    g_mime_message_set_subject (message, subject, "utf-8");
    GDateTime *now = g_date_time_new_now_local ();
    g_mime_message_set_date (message, now);
    g_date_time_unref (now);
    char *message_id = g_mime_utils_generate_message_id (mail->hostname);
    g_mime_message_set_message_id (message, message_id);
    g_free (message_id);
    return message;
}

char *
mail_message_finish (GMimeMessage *message, const char *text)
{
    GMimeTextPart *part = g_mime_text_part_new_with_subtype ("plain");
    g_mime_text_part_set_text (part, text);
    g_mime_part_set_content_encoding (GMIME_PART (part), GMIME_CONTENT_ENCODING_BASE64);
    g_mime_message_set_mime_part (message, GMIME_OBJECT (part));
    g_object_unref (part);
    char *built = g_mime_object_to_string (GMIME_OBJECT (message), NULL);
    g_object_unref (message);
    char *copy = built ? strdup (built) : NULL;
    g_free (built);
    return copy;
}

char *
mail_receipt_build (mail_t *mail, const mail_report_t *report, const mail_outcome_t *outcome)
{
    char subject[256], received[64];
    const char *note;
    if (strcmp (outcome->status, "duplicate") == 0) {
        snprintf (subject, sizeof subject, "回執：已登記 %s（重複報送）", outcome->reg_no);
        note = "這份信息與已登記的信息相同，已合併登記，不另編號。";
    } else if (strcmp (outcome->status, "revised") == 0) {
        snprintf (subject, sizeof subject, "回執：已登記 %s（第 %llu 版）", outcome->reg_no,
                  (unsigned long long) outcome->version);
        note = "修改稿已登記為原信息的新版本。";
    } else {
        snprintf (subject, sizeof subject, "回執：已登記 %s", outcome->reg_no);
        note = "您報送的信息已登記。";
    }
    bs_clock_format (outcome->received_at, received, sizeof received);
    char commission[160] = "";
    if (outcome->commission)
        snprintf (commission, sizeof commission, "約稿：已作為第 %llu 號約稿的答覆登記\n",
                  (unsigned long long) outcome->commission);
    else if (report->submit.commission)
        snprintf (commission, sizeof commission,
                  "約稿：貴單位已答覆過第 %llu 號約稿，這份信息按一般信息登記\n",
                  (unsigned long long) report->submit.commission);
    char *text = NULL;
    if (asprintf (&text,
                  "%s\n\n登記號：%s\n標題：%s\n收到時間：%s\n%s\n"
                  "此郵件由系統自動發出，請勿回覆。\n",
                  note, outcome->reg_no, report->submit.title, received, commission)
        < 0)
        return NULL;

    /* mail_parse refuses these already; checked again here because a
       header is where a stray CR LF does its harm. */
    if (!report->reply_to || !mail_text_header_safe (report->reply_to)) {
        bs_log_error ("receipt %s not built: the address holds a control character",
                      outcome->reg_no);
        free (text);
        return NULL;
    }
    const char *in_reply_to = report->submit.message_id;
    if (in_reply_to && !mail_text_header_safe (in_reply_to)) {
        bs_log_error ("receipt %s: Message-ID with a control character left out", outcome->reg_no);
        in_reply_to = NULL;
    }
    GMimeMessage *message = mail_message_new (mail, subject);
    g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, NULL, report->reply_to);
    if (in_reply_to) {
        char reference[1024];
        snprintf (reference, sizeof reference, "<%s>", in_reply_to);
        g_mime_object_set_header (GMIME_OBJECT (message), "In-Reply-To", reference, NULL);
        g_mime_object_set_header (GMIME_OBJECT (message), "References", reference, NULL);
    }
    g_mime_object_set_header (GMIME_OBJECT (message), "Auto-Submitted", "auto-replied", NULL);
    g_mime_object_set_header (GMIME_OBJECT (message), "X-Baosong-Reg-No", outcome->reg_no, NULL);
    if (outcome->commission) {
        char number[24];
        snprintf (number, sizeof number, "%llu", (unsigned long long) outcome->commission);
        g_mime_object_set_header (GMIME_OBJECT (message), "X-Baosong-Commission", number, NULL);
    }
    char *built = mail_message_finish (message, text);
    free (text);
    return built;
}

static int
s_write_file (const char *path, const char *text, bs_error_t *error)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1)
        return bs_error_set (error, BS_E_SYSTEM, "outbox", "cannot create %s: %s", path,
                             strerror (errno));
    size_t size = strlen (text), done = 0;
    while (done < size) {
        ssize_t wrote = write (fd, text + done, size - done);
        if (wrote <= 0) {
            int saved = errno;
            close (fd);
            unlink (path);
            return bs_error_set (error, BS_E_SYSTEM, "outbox", "cannot write %s: %s", path,
                                 strerror (saved));
        }
        done += (size_t) wrote;
    }
    if (fsync (fd) != 0 || close (fd) != 0) {
        unlink (path);
        return bs_error_set (error, BS_E_SYSTEM, "outbox", "cannot write %s: %s", path,
                             strerror (errno));
    }
    return BS_OK;
}

/* Pipe text to `/bin/sh -c <mail.sendmail>` (posix_spawn: never fork a
   process holding a ZeroMQ context). */
static int
s_sendmail (mail_t *mail, const char *text, bs_error_t *error)
{
    int pipe_fds[2];
    if (pipe2 (pipe_fds, O_CLOEXEC) != 0)
        return bs_error_set (error, BS_E_SYSTEM, "sendmail", "pipe: %s", strerror (errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_adddup2 (&actions, pipe_fds[0], 0);
    char *argv[] = {"/bin/sh", "-c", mail->sendmail, NULL};
    pid_t pid;
    int rc = posix_spawn (&pid, "/bin/sh", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy (&actions);
    close (pipe_fds[0]);
    if (rc != 0) {
        close (pipe_fds[1]);
        return bs_error_set (error, BS_E_SYSTEM, "sendmail", "cannot run %s: %s", mail->sendmail,
                             strerror (rc));
    }
    size_t size = strlen (text), done = 0;
    while (done < size) {
        ssize_t wrote = write (pipe_fds[1], text + done, size - done);
        if (wrote <= 0)
            break; /* EPIPE (SIGPIPE is ignored): the command's status says why */
        done += (size_t) wrote;
    }
    close (pipe_fds[1]);
    int status = 0;
    while (waitpid (pid, &status, 0) == -1 && errno == EINTR)
        ;
    if (!WIFEXITED (status) || WEXITSTATUS (status) != 0 || done < size)
        return bs_error_set (error, BS_E_SYSTEM, "sendmail", "'%s' failed (status %d)",
                             mail->sendmail, WIFEXITED (status) ? WEXITSTATUS (status) : -1);
    return BS_OK;
}

int
mail_outbox_write (mail_t *mail, const char *name, const char *text, bs_error_t *error)
{
    char final[1400], temporary[1400], seen[1400];
    snprintf (final, sizeof final, "%s/new/%s", mail->outbox, name);
    snprintf (seen, sizeof seen, "%s/cur/%s:2,S", mail->outbox, name);
    if (access (final, F_OK) == 0 || access (seen, F_OK) == 0)
        return BS_OK; /* written before (a retry) */
    snprintf (temporary, sizeof temporary, "%s/tmp/%s", mail->outbox, name);
    int rc = s_write_file (temporary, text, error);
    if (rc == BS_OK && rename (temporary, final) != 0)
        rc = bs_error_set (error, BS_E_SYSTEM, "outbox", "cannot move %s to new/: %s", temporary,
                           strerror (errno));
    if (rc == BS_OK && *mail->sendmail) {
        bs_error_t sendmail_error;
        if (s_sendmail (mail, text, &sendmail_error) != BS_OK)
            bs_log_error ("%s is in the outbox but was not sent: %s", name, sendmail_error.text);
    }
    return rc;
}

int
mail_receipt_send (mail_t *mail, const mail_report_t *report, const mail_outcome_t *outcome,
                   bs_error_t *error)
{
    char name[200];
    snprintf (name, sizeof name, "%s.receipt", outcome->id + 5); /* after "mail-" */
    char final[1400], seen[1400];
    snprintf (final, sizeof final, "%s/new/%s", mail->outbox, name);
    snprintf (seen, sizeof seen, "%s/cur/%s:2,S", mail->outbox, name);
    if (access (final, F_OK) == 0 || access (seen, F_OK) == 0)
        return BS_OK; /* this mail's receipt was written before (a retry) */
    char *text = mail_receipt_build (mail, report, outcome);
    if (!text)
        return bs_error_set (error, BS_E_SYSTEM, "receipt", "cannot build the receipt");
    int rc = mail_outbox_write (mail, name, text, error);
    free (text);
    return rc;
}
