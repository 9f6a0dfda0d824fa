/*  bs_mail_fixture: the email channel's system tests' world (see
    bs_mail_fixture.h).
*/
#include "bs_mail_fixture.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bs_test.h"

const bs_mail_fixture_t bs_mail_good[] = {
    {"gbk_base64.eml", "县委组织部召开基层党建工作推进会",
     "县委组织部召开基层党建工作推进会。\n会议部署了村（社区）“两委”换届准备工作，主持人：王喆。",
     NULL, NULL},
    {"gb18030_qp.eml", "城关镇干部监督专项检查",
     "城关镇开展干部监督专项检查。\n检查覆盖全部12个村，发现问题3项，已整改完毕。\n"
     "吉祥的𠮷字也要对。",
     NULL, NULL},
    {"big5_subject.eml", "信息報送工作會議紀要",
     "市委組織部召開信息工作會議。\n會議通報了上半年信息採用情況。", NULL, NULL},
    {"html_only.eml", "乡镇党委书记述职评议会",
     "乡镇党委书记“抓党建”述职评议会召开，朱镕同志主持。\n\n"
     "参会 人员：中国共产党员 42 名 & 列席代表。\n会议要求：立即整改。",
     NULL, NULL},
    {"docx_attachment.eml", "村委会换届选举情况报告", "附件是村委会换届选举情况报告，请审阅。",
     "report.docx", "换届报告.docx"},
};
const size_t bs_mail_good_count = sizeof bs_mail_good / sizeof bs_mail_good[0];

const bs_mail_bad_t bs_mail_bad[] = {
    {"bad_malformed.eml", "554 5.6.0 malformed MIME"},
    {"bad_charset.eml", "554 5.6.0 undecodable text"},
    {"bad_empty.eml", "554 5.6.0 the mail has no text"},
    {"oversize.eml", "552 5.3.4"}, /* written by the test */
};
const size_t bs_mail_bad_count = sizeof bs_mail_bad / sizeof bs_mail_bad[0];

char *
bs_mail_read_file (const char *path, size_t *size)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    fseek (file, 0, SEEK_END);
    long length = ftell (file);
    fseek (file, 0, SEEK_SET);
    char *bytes = malloc ((size_t) length + 1);
    size_t got = fread (bytes, 1, (size_t) length, file);
    bytes[got] = 0;
    fclose (file);
    if (size)
        *size = got;
    return bytes;
}

void
bs_mail_fixture_path (bs_system_t *system, const char *file, char *path, size_t size)
{
    if (strcmp (file, "oversize.eml") == 0)
        snprintf (path, size, "%s/oversize.eml", bs_system_folder (system));
    else
        snprintf (path, size, "%s/tests/data/mail/%s", BAOSONG_SOURCE_DIR, file);
}

void
bs_mail_write_oversize (bs_system_t *system)
{
    char path[1200];
    bs_mail_fixture_path (system, "oversize.eml", path, sizeof path);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file, "From: %s\nSubject: big\nContent-Type: text/plain; charset=utf-8\n\n",
             BS_MAIL_OFFICER);
    for (int i = 0; i < BS_MAIL_MAX_MESSAGE / 50 + 10; i++)
        fprintf (file, "%049d\n", i);
    fclose (file);
}

bs_system_t *
bs_mail_system_with (bool maildir, const char *const *extra)
{
    bs_system_t *system = bs_system_new ("baosong-mail");
    assert_non_null (system);
    char size[32], recipients[300], sendmail[1200], maildir_path[1200];
    snprintf (size, sizeof size, "%d", BS_MAIL_MAX_MESSAGE);
    snprintf (recipients, sizeof recipients, "%s, @county.example", BS_MAIL_RCPT);
    snprintf (sendmail, sizeof sendmail, "cat >> '%s/sent.mbox'", bs_system_folder (system));
    snprintf (maildir_path, sizeof maildir_path, "%s/Maildir", bs_system_folder (system));
    assert_int_equal (bs_system_configure (system, "mail.max_message_bytes", size), 0);
    assert_int_equal (bs_system_configure (system, "mail.recipients", recipients), 0);
    assert_int_equal (bs_system_configure (system, "mail.sendmail", sendmail), 0);
    assert_int_equal (bs_system_configure (system, "mail.receipt_from", "baosong@city.example"),
                      0);
    if (maildir) {
        assert_int_equal (bs_system_configure (system, "mail.maildir", maildir_path), 0);
        assert_int_equal (bs_system_configure (system, "mail.maildir_poll_ms", "100"), 0);
    }
    for (const char *const *setting = extra; setting && *setting; setting += 2)
        assert_int_equal (bs_system_configure (system, setting[0], setting[1]), 0);
    assert_int_equal (bs_system_start (system, "intake"), 0);
    bs_client_t *intake = bs_system_client (system, "intake");
    bs_error_t error;
    bs_unit_t unit = {.name = BS_MAIL_UNIT, .level = "county", .kind = "department"}, unit_reply;
    if (bs_system_call (intake, &bs_unit_schema, &unit, &bs_unit_schema, &unit_reply, &error)
        != BS_OK)
        fail_msg ("unit_put: %s", error.text);
    bs_codec_record_free (&bs_unit_schema, &unit_reply);
    bs_officer_t officer = {.login = "wangzhe",
                            .name = "王喆",
                            .unit = BS_MAIL_UNIT,
                            .roles = "officer",
                            .emails = BS_MAIL_OFFICER},
                 officer_reply;
    if (bs_system_call (intake, &bs_officer_schema, &officer, &bs_officer_schema, &officer_reply,
                        &error)
        != BS_OK)
        fail_msg ("officer_put: %s", error.text);
    bs_codec_record_free (&bs_officer_schema, &officer_reply);
    assert_int_equal (bs_system_start (system, "mail"), 0);
    return system;
}

bs_system_t *
bs_mail_system (bool maildir)
{
    return bs_mail_system_with (maildir, NULL);
}

char *
bs_mail_swaks (bs_system_t *system, const char *file, const char *to)
{
    char path[1200], address_path[1200], command[4000];
    snprintf (address_path, sizeof address_path, "%s/var/run/mail-lmtp.address",
              bs_system_folder (system));
    char *address = bs_mail_read_file (address_path, NULL);
    assert_non_null (address);
    address[strcspn (address, "\n")] = 0;
    bs_mail_fixture_path (system, file, path, sizeof path);
    char server[1300];
    if (strncmp (address, "unix:", 5) == 0)
        snprintf (server, sizeof server, "--socket '%s'", address + 5);
    else {
        char *colon = strrchr (address, ':');
        *colon = 0;
        snprintf (server, sizeof server, "--server %s --port %s", address, colon + 1);
    }
    snprintf (command, sizeof command,
              "swaks --protocol LMTP %s --from %s --to %s --data @'%s' --timeout 30 2>&1 "
              "| grep -E '^<'",
              server, BS_MAIL_OFFICER, to, path);
    free (address);
    FILE *pipe = popen (command, "r");
    assert_non_null (pipe);
    char *output = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&output, &size);
    char line[2048];
    while (fgets (line, sizeof line, pipe))
        fputs (line, out);
    pclose (pipe);
    fclose (out);
    return output;
}

void
bs_mail_reg_no (const char *output, char *reg_no, size_t size)
{
    const char *at = strstr (output, "registered as ");
    if (!at)
        fail_msg ("no registration number in the LMTP replies:\n%s", output);
    at += strlen ("registered as ");
    snprintf (reg_no, size, "%.*s", (int) strcspn (at, " \r\n"), at);
}

bs_report_t
bs_mail_get (bs_system_t *system, const char *reg_no)
{
    bs_report_get_t query = {.reg_no = (char *) reg_no};
    bs_report_t report;
    bs_error_t error;
    if (bs_system_call (bs_system_client (system, "intake"), &bs_report_get_schema, &query,
                        &bs_report_schema, &report, &error)
        != BS_OK)
        fail_msg ("intake.get %s: %s", reg_no, error.text);
    return report;
}

static void
s_check_attachment (bs_system_t *system, const bs_report_t *report,
                    const bs_mail_fixture_t *fixture)
{
    if (!fixture->attachment) {
        assert_int_equal (report->attachments.count, 0);
        return;
    }
    assert_int_equal (report->attachments.count, 1);
    const bs_attachment_t *description = report->attachments.items;
    assert_string_equal (description->name, fixture->attachment_name);
    char path[1200];
    snprintf (path, sizeof path, "%s/tests/data/mail/%s", BAOSONG_SOURCE_DIR, fixture->attachment);
    size_t size;
    char *expected = bs_mail_read_file (path, &size);
    assert_int_equal (description->size, size);
    bs_attachment_get_t query = {.report_id = report->report_id, .index = 0};
    bs_attachment_t stored;
    bs_error_t error;
    if (bs_system_call (bs_system_client (system, "intake"), &bs_attachment_get_schema, &query,
                        &bs_attachment_schema, &stored, &error)
        != BS_OK)
        fail_msg ("intake.attachment_get: %s", error.text);
    assert_int_equal (stored.data.size, size);
    assert_memory_equal (stored.data.data, expected, size);
    bs_codec_record_free (&bs_attachment_schema, &stored);
    free (expected);
}

void
bs_mail_check_report (bs_system_t *system, const char *reg_no, const bs_mail_fixture_t *fixture)
{
    bs_report_t report = bs_mail_get (system, reg_no);
    assert_string_equal (report.title, fixture->title);
    assert_string_equal (report.body, fixture->body);
    assert_string_equal (report.unit, BS_MAIL_UNIT);
    assert_string_equal (report.channel, "email");
    s_check_attachment (system, &report, fixture);
    bs_codec_record_free (&bs_report_schema, &report);
}

uint64_t
bs_mail_report_count (bs_system_t *system)
{
    bs_report_list_t query = {.limit = 1000};
    bs_report_page_t page;
    bs_error_t error;
    if (bs_system_call (bs_system_client (system, "intake"), &bs_report_list_schema, &query,
                        &bs_report_page_schema, &page, &error)
        != BS_OK)
        fail_msg ("intake.list: %s", error.text);
    uint64_t count = page.reports.count;
    bs_codec_record_free (&bs_report_page_schema, &page);
    return count;
}

bool
bs_mail_folder_has (const char *folder, const char *text)
{
    DIR *dir = opendir (folder);
    if (!dir)
        return false;
    bool found = false;
    struct dirent *entry;
    while (!found && (entry = readdir (dir))) {
        if (entry->d_name[0] == '.')
            continue;
        char path[1500];
        snprintf (path, sizeof path, "%s/%s", folder, entry->d_name);
        char *bytes = bs_mail_read_file (path, NULL);
        found = bytes && strstr (bytes, text);
        free (bytes);
    }
    closedir (dir);
    return found;
}

size_t
bs_mail_folder_count (const char *folder)
{
    DIR *dir = opendir (folder);
    if (!dir)
        return 0;
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir (dir)))
        count += entry->d_name[0] != '.';
    closedir (dir);
    return count;
}

void
bs_mail_check_receipt (bs_system_t *system, const char *reg_no, const char *message_id)
{
    char folder[1200], header[200], mbox[1200];
    snprintf (folder, sizeof folder, "%s/var/mail/outbox/new", bs_system_folder (system));
    snprintf (header, sizeof header, "X-Baosong-Reg-No: %s", reg_no);
    if (!bs_mail_folder_has (folder, header))
        fail_msg ("no receipt for %s in %s", reg_no, folder);
    char reference[300];
    snprintf (reference, sizeof reference, "In-Reply-To: <%s>", message_id);
    assert_true (bs_mail_folder_has (folder, reference));
    snprintf (mbox, sizeof mbox, "%s/sent.mbox", bs_system_folder (system));
    char *sent = bs_mail_read_file (mbox, NULL);
    if (!sent || !strstr (sent, header))
        fail_msg ("the receipt for %s was not handed to mail.sendmail", reg_no);
    free (sent);
}

bool
bs_mail_held (bs_system_t *system, const char *sender)
{
    bs_held_list_t query = {.limit = 100};
    bs_held_page_t page;
    bs_error_t error;
    if (bs_system_call (bs_system_client (system, "intake"), &bs_held_list_schema, &query,
                        &bs_held_page_schema, &page, &error)
        != BS_OK)
        fail_msg ("intake.held_list: %s", error.text);
    bool found = false;
    const bs_held_item_t *items = page.items.items;
    for (size_t i = 0; i < page.items.count; i++)
        found |= items[i].sender && strcmp (items[i].sender, sender) == 0;
    bs_codec_record_free (&bs_held_page_schema, &page);
    return found;
}

int
bs_mail_connect (bs_system_t *system)
{
    char address_path[1200];
    snprintf (address_path, sizeof address_path, "%s/var/run/mail-lmtp.address",
              bs_system_folder (system));
    char *address = bs_mail_read_file (address_path, NULL);
    assert_non_null (address);
    char *colon = strrchr (address, ':');
    *colon = 0;
    struct sockaddr_in peer = {.sin_family = AF_INET,
                               .sin_port = htons ((uint16_t) atoi (colon + 1))};
    inet_pton (AF_INET, address, &peer.sin_addr);
    free (address);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    assert_true (fd >= 0);
    assert_int_equal (connect (fd, (struct sockaddr *) &peer, sizeof peer), 0);
    return fd;
}

void
bs_mail_read_all (int fd, char *buffer, size_t size)
{
    size_t used = 0;
    ssize_t got;
    while (used + 1 < size && (got = recv (fd, buffer + used, size - used - 1, 0)) > 0)
        used += (size_t) got;
    buffer[used] = 0;
}

char *
bs_mail_lmtp_raw (bs_system_t *system, const char *script)
{
    int fd = bs_mail_connect (system);
    assert_int_equal (send (fd, script, strlen (script), 0), (ssize_t) strlen (script));
    char *output = malloc (16384);
    bs_mail_read_all (fd, output, 16384);
    close (fd);
    return output;
}

void
bs_mail_drop (bs_system_t *system, const char *file, const char *name)
{
    char source[1200], temporary[1300], final[1300];
    bs_mail_fixture_path (system, file, source, sizeof source);
    size_t size = 0;
    char *bytes = bs_mail_read_file (source, &size);
    assert_non_null (bytes);
    snprintf (temporary, sizeof temporary, "%s/Maildir/tmp/%s", bs_system_folder (system), name);
    snprintf (final, sizeof final, "%s/Maildir/new/%s", bs_system_folder (system), name);
    FILE *out = fopen (temporary, "wb");
    assert_non_null (out);
    assert_int_equal (fwrite (bytes, 1, size, out), size);
    fclose (out);
    assert_int_equal (rename (temporary, final), 0);
    free (bytes);
}

bool
bs_mail_wait_empty (bs_system_t *system, int seconds)
{
    char folder[1200];
    snprintf (folder, sizeof folder, "%s/Maildir/new", bs_system_folder (system));
    for (int i = 0; i < seconds * 20; i++) {
        if (bs_mail_folder_count (folder) == 0)
            return true;
        usleep (50 * 1000);
    }
    return false;
}

bool
bs_mail_exists (bs_system_t *system, const char *relative)
{
    char path[1500];
    snprintf (path, sizeof path, "%s/Maildir/%s", bs_system_folder (system), relative);
    struct stat status;
    return stat (path, &status) == 0;
}

char *
bs_mail_find (bs_system_t *system, const char *title)
{
    bs_report_list_t query = {.limit = 1000};
    bs_report_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (system, "intake"), &bs_report_list_schema,
                                      &query, &bs_report_page_schema, &page, &error),
                      BS_OK);
    char *reg_no = NULL;
    const bs_report_t *reports = page.reports.items;
    for (size_t i = 0; i < page.reports.count; i++)
        if (strcmp (reports[i].title, title) == 0)
            reg_no = strdup (reports[i].reg_no);
    bs_codec_record_free (&bs_report_page_schema, &page);
    if (!reg_no)
        fail_msg ("no report titled %s", title);
    return reg_no;
}

void
bs_mail_read_reply (int fd, char *buffer, size_t size)
{
    size_t used = 0;
    ssize_t got;
    buffer[0] = 0;
    while (used + 1 < size && !strstr (buffer, "\r\n")
           && (got = recv (fd, buffer + used, size - used - 1, 0)) > 0) {
        used += (size_t) got;
        buffer[used] = 0;
    }
}
