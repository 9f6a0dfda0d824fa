/*  test_mail_lmtp: the email channel end to end over LMTP: real intake
    and baosong-mail processes (tests/support/bs_mail_fixture), mail
    delivered by a real LMTP client (swaks) or a raw socket.

    Every mail of tests/data/mail is stored as exactly the expected UTF-8
    title and body, attachments byte for byte; bad mail gets a 5xx with its
    reason and stores nothing; an unknown sender is held for staff (and
    mail's log says "held as N"); a receipt with the registration number
    goes back on the LMTP reply and as a mail (outbox and sendmail); the
    same bytes again, after a lost reply, register once; the protocol's
    replies, pipelining and dot-unstuffing; LMTP on a Unix socket. */
#include "bs_test.h"
#include "bs_mail_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
test_lmtp_protocol (void **state)
{
    (void) state;
    bs_system_t *system = bs_mail_system (false);
    char *output = bs_mail_lmtp_raw (system, "EHLO test\r\n"
                                             "MAIL FROM:<" BS_MAIL_OFFICER ">\r\n"
                                             "LHLO test\r\n"
                                             "MAIL FROM:<" BS_MAIL_OFFICER "> SIZE=999999999\r\n"
                                             "RCPT TO:<" BS_MAIL_RCPT ">\r\n"
                                             "MAIL FROM:<" BS_MAIL_OFFICER "> BODY=8BITMIME\r\n"
                                             "RCPT TO:<" BS_MAIL_RCPT ">\r\n"
                                             "RSET\r\n"
                                             "DATA\r\n"
                                             "NOOP\r\n"
                                             "MAIL FROM:<>\r\n"
                                             "RCPT TO:<" BS_MAIL_RCPT ">\r\n"
                                             "DATA\r\n"
                                             "From: " BS_MAIL_OFFICER "\r\nSubject: 點\r\n"
                                             "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                                             "..開頭有點的一行\r\n正文\r\n.\r\n"
                                             "FOO\r\n"
                                             "QUIT\r\n");
    static const char *const expected[] = {"220 ",
                                           "500 5.5.1",
                                           "503 5.5.1",
                                           "250-",
                                           "250-PIPELINING",
                                           "250-ENHANCEDSTATUSCODES",
                                           "250-8BITMIME",
                                           "250 SIZE 100000",
                                           "552 5.3.4",
                                           "503 5.5.1",
                                           "250 2.1.0",
                                           "250 2.1.5",
                                           "250 2.0.0",
                                           "503 5.5.1",
                                           "250 2.0.0",
                                           "250 2.1.0",
                                           "250 2.1.5",
                                           "354 ",
                                           "250 2.0.0 <" BS_MAIL_RCPT "> registered as ",
                                           "500 5.5.2",
                                           "221 2.0.0"};
    const char *line = output;
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        if (!line || strncmp (line, expected[i], strlen (expected[i])) != 0)
            fail_msg ("reply %zu is not '%s':\n%s", i + 1, expected[i], output);
        line = strstr (line, "\r\n");
        line = line ? line + 2 : NULL;
    }
    char reg_no[32];
    bs_mail_reg_no (output, reg_no, sizeof reg_no);
    bs_report_t report = bs_mail_get (system, reg_no);
    assert_string_equal (report.title, "點");
    assert_string_equal (report.body, ".開頭有點的一行\n正文"); /* dot-unstuffed */
    bs_codec_record_free (&bs_report_schema, &report);
    free (output);
    bs_system_destroy (&system);
}

static void
test_lmtp (void **state)
{
    (void) state;
    bs_system_t *system = bs_mail_system (false);
    static const char *const message_ids[] = {
        "gbk-base64@county.example", "gb18030-qp@county.example", "big5-subject@county.example",
        "html-only@county.example", "docx-attachment@county.example"};
    char first_reg_no[32] = "";
    for (size_t i = 0; i < bs_mail_good_count; i++) {
        char *output = bs_mail_swaks (system, bs_mail_good[i].file, BS_MAIL_RCPT);
        char expected[200];
        snprintf (expected, sizeof expected, "<-  250 2.0.0 <%s> registered as ", BS_MAIL_RCPT);
        if (!strstr (output, expected)) {
            bs_system_show_log (system, "mail");
            fail_msg ("%s: no 250 with a registration number:\n%s", bs_mail_good[i].file, output);
        }
        char reg_no[32];
        bs_mail_reg_no (output, reg_no, sizeof reg_no);
        if (i == 0)
            snprintf (first_reg_no, sizeof first_reg_no, "%s", reg_no);
        bs_mail_check_report (system, reg_no, &bs_mail_good[i]);
        bs_mail_check_receipt (system, reg_no, message_ids[i]);
        free (output);
    }
    uint64_t registered = bs_mail_report_count (system);
    assert_int_equal (registered, bs_mail_good_count);

    /* The same bytes again (an MTA retrying after a lost reply): intake's
       first reply, not a second report, not even a "duplicate". */
    char *output = bs_mail_swaks (system, bs_mail_good[0].file, BS_MAIL_RCPT);
    char again[32];
    bs_mail_reg_no (output, again, sizeof again);
    assert_string_equal (again, first_reg_no);
    assert_null (strstr (output, "duplicate"));
    free (output);

    /* Two recipients: one reply each after DATA. */
    output = bs_mail_swaks (system, bs_mail_good[1].file, BS_MAIL_RCPT ",other@county.example");
    const char *first = strstr (output, "<" BS_MAIL_RCPT "> registered as");
    const char *second = strstr (output, "<other@county.example> registered as");
    if (!first || !second)
        fail_msg ("not one reply per recipient:\n%s", output);
    free (output);

    /* A recipient not in mail.recipients: 550 5.1.1 at RCPT. */
    output = bs_mail_swaks (system, bs_mail_good[2].file, "someone@elsewhere.example");
    if (!strstr (output, "550 5.1.1"))
        fail_msg ("an unknown recipient was not refused:\n%s", output);
    free (output);

    /* Bad mail: a 5xx with the reason, nothing stored. */
    bs_mail_write_oversize (system);
    for (size_t i = 0; i < bs_mail_bad_count; i++) {
        output = bs_mail_swaks (system, bs_mail_bad[i].file, BS_MAIL_RCPT);
        char expected[200];
        snprintf (expected, sizeof expected, "<** %s", bs_mail_bad[i].reply);
        if (!strstr (output, expected))
            fail_msg ("%s: expected '%s':\n%s", bs_mail_bad[i].file, expected, output);
        free (output);
    }
    assert_int_equal (bs_mail_report_count (system), registered);

    /* An unknown sender: held for staff, said so, not dropped. */
    output = bs_mail_swaks (system, "unknown_sender.eml", BS_MAIL_RCPT);
    if (!strstr (output, "250 2.0.0 <" BS_MAIL_RCPT "> held for staff to assign"))
        fail_msg ("the unknown sender's mail was not held:\n%s", output);
    free (output);
    assert_true (bs_mail_held (system, "stranger@elsewhere.example"));
    assert_int_equal (bs_mail_report_count (system), registered);
    /* mail's log says it plainly too: "held as N" */
    char log_path[1200];
    snprintf (log_path, sizeof log_path, "%s/mail.log", bs_system_folder (system));
    char *log = bs_mail_read_file (log_path, NULL);
    if (!log || !strstr (log, "from stranger@elsewhere.example: held as "))
        fail_msg ("mail's log does not say the mail was held as a number:\n%s", log ? log : "");
    free (log);
    bs_system_destroy (&system);
}

/* LMTP on a Unix socket (Postfix: lmtp:unix:PATH). */
static void
test_lmtp_unix_socket (void **state)
{
    (void) state;
    char *folder = bs_test_temp_dir ("baosong-lmtp-unix");
    char lmtp[1200];
    snprintf (lmtp, sizeof lmtp, "unix:%s/lmtp.sock", folder);
    const char *extra[] = {"mail.lmtp", lmtp, NULL};
    bs_system_t *system = bs_mail_system_with (false, extra);
    char *output = bs_mail_swaks (system, bs_mail_good[1].file, BS_MAIL_RCPT);
    char reg_no[32];
    bs_mail_reg_no (output, reg_no, sizeof reg_no);
    bs_mail_check_report (system, reg_no, &bs_mail_good[1]);
    free (output);
    bs_system_destroy (&system);
    bs_folder_remove (folder);
    free (folder);
}

/* A burst of mail while intake is down: every mail gets 451 (try again
   later) and mail lives on, even when its sessions want more ZeroMQ
   sockets than libzmq allows the process (here 40, ZSYS_MAX_SOCKETS,
   for 60 sessions; czmq once aborted the process instead); once intake
   is back, mail is taken again. */
static void
test_lmtp_burst_while_intake_is_down (void **state)
{
    (void) state;
    const char *extra[] = {"mail.lmtp_connections", "64", NULL};
    bs_system_t *system = bs_mail_system_with (false, extra);
    /* mail alone gives up on intake after one try of 400 ms */
    bs_system_kill (system, "mail", SIGTERM);
    assert_int_equal (bs_system_configure (system, "request_timeout_ms", "400"), 0);
    assert_int_equal (bs_system_configure (system, "request_retries", "0"), 0);
    setenv ("ZSYS_MAX_SOCKETS", "40", 1);
    assert_int_equal (bs_system_start (system, "mail"), 0);
    unsetenv ("ZSYS_MAX_SOCKETS");
    assert_int_equal (bs_system_configure (system, "request_timeout_ms", "2000"), 0);
    assert_int_equal (bs_system_configure (system, "request_retries", "5"), 0);
    pid_t mail = bs_system_pid (system, "mail");
    bs_system_kill (system, "intake", SIGTERM);

    enum { SESSIONS = 60 };
    static const char script[] = "LHLO test\r\n"
                                 "MAIL FROM:<" BS_MAIL_OFFICER ">\r\nRCPT TO:<" BS_MAIL_RCPT ">\r\n"
                                 "DATA\r\nFrom: " BS_MAIL_OFFICER "\r\nSubject: a\r\n\r\nA\r\n.\r\n"
                                 "MAIL FROM:<" BS_MAIL_OFFICER ">\r\nRCPT TO:<" BS_MAIL_RCPT ">\r\n"
                                 "DATA\r\nFrom: " BS_MAIL_OFFICER "\r\nSubject: b\r\n\r\nB\r\n.\r\n"
                                 "QUIT\r\n";
    int fds[SESSIONS];
    for (int i = 0; i < SESSIONS; i++) {
        fds[i] = bs_mail_connect (system);
        assert_int_equal (send (fds[i], script, strlen (script), 0), (ssize_t) strlen (script));
    }
    for (int i = 0; i < SESSIONS; i++) {
        char output[8192];
        bs_mail_read_all (fds[i], output, sizeof output);
        close (fds[i]);
        int refusals = 0;
        for (const char *at = output; (at = strstr (at, "\r\n451 4.")); at++)
            refusals++;
        if (refusals != 2 || !strstr (output, "\r\n221 "))
            fail_msg ("session %d while intake is down:\n%s", i, output);
    }
    assert_int_equal (bs_system_pid (system, "mail"), mail);
    assert_int_equal (kill (mail, 0), 0);

    assert_int_equal (bs_system_start (system, "intake"), 0);
    char *output = bs_mail_lmtp_raw (system, script);
    if (!strstr (output, "250 2.0.0 <" BS_MAIL_RCPT "> registered as "))
        fail_msg ("intake is back, yet:\n%s", output);
    free (output);
    bs_system_destroy (&system);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_lmtp),
        cmocka_unit_test (test_lmtp_protocol),
        cmocka_unit_test (test_lmtp_unix_socket),
        cmocka_unit_test (test_lmtp_burst_while_intake_is_down),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
