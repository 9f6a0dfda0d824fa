/*  The email channel end to end: real intake and baosong-mail processes,
    mail delivered by a real LMTP client (swaks) and through a Maildir.

    Every fixture of tests/data/mail (written with iconv, see its README) is
    stored as exactly the expected UTF-8 title and body, attachments byte
    for byte; bad mail gets a 5xx with its reason over LMTP and goes to
    .failed with a .reason file from the Maildir, and stores nothing; an
    unknown sender is held for staff; a receipt with the registration
    number goes back on the LMTP reply and as a mail (outbox and sendmail);
    the same bytes again, after a lost reply or a kill -9 of the mail
    service, register once. */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bs_schemas.h"
#include "bs_system.h"
#include "bs_test.h"

#define S_UNIT "滑縣"
#define S_OFFICER_MAIL "officer@county.example"
#define S_RCPT "reports@city.example"

typedef struct {
    const char *file;       /* in tests/data/mail */
    const char *title;      /* expected, UTF-8 */
    const char *body;       /* expected, UTF-8 */
    const char *attachment; /* file whose bytes the one attachment must be, or NULL */
    const char *attachment_name;
} s_fixture_t;

static const s_fixture_t s_good[] = {
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
#define S_GOOD_COUNT (sizeof s_good / sizeof s_good[0])

typedef struct {
    const char *file;
    const char *reply; /* the start of the LMTP reply */
} s_bad_t;

static const s_bad_t s_bad[] = {
    {"bad_malformed.eml", "554 5.6.0 malformed MIME"},
    {"bad_charset.eml", "554 5.6.0 undecodable text"},
    {"bad_empty.eml", "554 5.6.0 the mail has no text"},
    {"oversize.eml", "552 5.3.4"}, /* written by the test */
};
#define S_BAD_COUNT (sizeof s_bad / sizeof s_bad[0])
#define S_MAX_MESSAGE 100000 /* mail.max_message_bytes in these tests */

static char *
s_read_file (const char *path, size_t *size)
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

/* The fixture's path: the source tree, or the oversize mail the test writes. */
static void
s_fixture_path (bs_system_t *system, const char *file, char *path, size_t size)
{
    if (strcmp (file, "oversize.eml") == 0)
        snprintf (path, size, "%s/oversize.eml", bs_system_folder (system));
    else
        snprintf (path, size, "%s/tests/data/mail/%s", BAOSONG_SOURCE_DIR, file);
}

static void
s_write_oversize (bs_system_t *system)
{
    char path[1200];
    s_fixture_path (system, "oversize.eml", path, sizeof path);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file, "From: %s\nSubject: big\nContent-Type: text/plain; charset=utf-8\n\n",
             S_OFFICER_MAIL);
    for (int i = 0; i < S_MAX_MESSAGE / 50 + 10; i++)
        fprintf (file, "%049d\n", i);
    fclose (file);
}

/* A system with intake and mail, a unit and an officer whose address is
   S_OFFICER_MAIL. maildir: ingest <folder>/Maildir. */
static bs_system_t *
s_system_with (bool maildir, const char *extra)
{
    bs_system_t *system = bs_system_new ("baosong-mail");
    assert_non_null (system);
    char path[1200];
    snprintf (path, sizeof path, "%s/baosong.conf", bs_system_folder (system));
    FILE *file = fopen (path, "a");
    assert_non_null (file);
    fprintf (file,
             "mail.max_message_bytes = %d\n"
             "mail.recipients = %s, @county.example\n"
             "mail.sendmail = cat >> '%s/sent.mbox'\n"
             "mail.receipt_from = baosong@city.example\n",
             S_MAX_MESSAGE, S_RCPT, bs_system_folder (system));
    if (maildir)
        fprintf (file, "mail.maildir = %s/Maildir\nmail.maildir_poll_ms = 100\n",
                 bs_system_folder (system));
    fputs (extra, file);
    fclose (file);
    assert_int_equal (bs_system_start (system, "intake"), 0);
    bs_client_t *intake = bs_system_client (system, "intake");
    bs_error_t error;
    bs_unit_t unit = {.name = S_UNIT, .level = "county", .kind = "department"}, unit_reply;
    if (bs_system_call (intake, &bs_unit_schema, &unit, &bs_unit_schema, &unit_reply, &error)
        != BS_OK)
        fail_msg ("unit_put: %s", error.text);
    bs_codec_record_free (&bs_unit_schema, &unit_reply);
    bs_officer_t officer = {.login = "wangzhe",
                            .name = "王喆",
                            .unit = S_UNIT,
                            .roles = "officer",
                            .emails = S_OFFICER_MAIL},
                 officer_reply;
    if (bs_system_call (intake, &bs_officer_schema, &officer, &bs_officer_schema, &officer_reply,
                        &error)
        != BS_OK)
        fail_msg ("officer_put: %s", error.text);
    bs_codec_record_free (&bs_officer_schema, &officer_reply);
    assert_int_equal (bs_system_start (system, "mail"), 0);
    return system;
}

static bs_system_t *
s_system (bool maildir)
{
    return s_system_with (maildir, "");
}

/* Deliver file with swaks over LMTP; the server's replies (lines "<-"
   and "<**") in a string the caller frees. */
static char *
s_swaks (bs_system_t *system, const char *file, const char *to)
{
    char path[1200], address_path[1200], command[4000];
    snprintf (address_path, sizeof address_path, "%s/var/run/mail-lmtp.address",
              bs_system_folder (system));
    char *address = s_read_file (address_path, NULL);
    assert_non_null (address);
    address[strcspn (address, "\n")] = 0;
    s_fixture_path (system, file, path, sizeof path);
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
              server, S_OFFICER_MAIL, to, path);
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

/* The registration number in "registered as 2026-000123". */
static void
s_reg_no (const char *output, char *reg_no, size_t size)
{
    const char *at = strstr (output, "registered as ");
    if (!at)
        fail_msg ("no registration number in the LMTP replies:\n%s", output);
    at += strlen ("registered as ");
    snprintf (reg_no, size, "%.*s", (int) strcspn (at, " \r\n"), at);
}

static bs_report_t
s_get (bs_system_t *system, const char *reg_no)
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
s_check_attachment (bs_system_t *system, const bs_report_t *report, const s_fixture_t *fixture)
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
    char *expected = s_read_file (path, &size);
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

/* The stored report is exactly the fixture. */
static void
s_check_report (bs_system_t *system, const char *reg_no, const s_fixture_t *fixture)
{
    bs_report_t report = s_get (system, reg_no);
    assert_string_equal (report.title, fixture->title);
    assert_string_equal (report.body, fixture->body);
    assert_string_equal (report.unit, S_UNIT);
    assert_string_equal (report.channel, "email");
    s_check_attachment (system, &report, fixture);
    bs_codec_record_free (&bs_report_schema, &report);
}

static uint64_t
s_report_count (bs_system_t *system)
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

/* Whether a file in folder holds text. */
static bool
s_folder_has (const char *folder, const char *text)
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
        char *bytes = s_read_file (path, NULL);
        found = bytes && strstr (bytes, text);
        free (bytes);
    }
    closedir (dir);
    return found;
}

static size_t
s_folder_count (const char *folder)
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

static void
s_check_receipt (bs_system_t *system, const char *reg_no, const char *message_id)
{
    char folder[1200], header[200], mbox[1200];
    snprintf (folder, sizeof folder, "%s/var/mail/outbox/new", bs_system_folder (system));
    snprintf (header, sizeof header, "X-Baosong-Reg-No: %s", reg_no);
    if (!s_folder_has (folder, header))
        fail_msg ("no receipt for %s in %s", reg_no, folder);
    char reference[300];
    snprintf (reference, sizeof reference, "In-Reply-To: <%s>", message_id);
    assert_true (s_folder_has (folder, reference));
    snprintf (mbox, sizeof mbox, "%s/sent.mbox", bs_system_folder (system));
    char *sent = s_read_file (mbox, NULL);
    if (!sent || !strstr (sent, header))
        fail_msg ("the receipt for %s was not handed to mail.sendmail", reg_no);
    free (sent);
}

static bool
s_held (bs_system_t *system, const char *sender)
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

static int
s_connect (bs_system_t *system)
{
    char address_path[1200];
    snprintf (address_path, sizeof address_path, "%s/var/run/mail-lmtp.address",
              bs_system_folder (system));
    char *address = s_read_file (address_path, NULL);
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

/* Everything the server sends until it closes (at most size - 1 bytes). */
static void
s_read_all (int fd, char *buffer, size_t size)
{
    size_t used = 0;
    ssize_t got;
    while (used + 1 < size && (got = recv (fd, buffer + used, size - used - 1, 0)) > 0)
        used += (size_t) got;
    buffer[used] = 0;
}

/* Send script to the LMTP server in one write (pipelining) and return
   everything it answers until it closes; caller frees. */
static char *
s_lmtp_raw (bs_system_t *system, const char *script)
{
    int fd = s_connect (system);
    assert_int_equal (send (fd, script, strlen (script), 0), (ssize_t) strlen (script));
    char *output = malloc (16384);
    s_read_all (fd, output, 16384);
    close (fd);
    return output;
}

static void
test_lmtp_protocol (void **state)
{
    (void) state;
    bs_system_t *system = s_system (false);
    char *output = s_lmtp_raw (system, "EHLO test\r\n"
                                       "MAIL FROM:<" S_OFFICER_MAIL ">\r\n"
                                       "LHLO test\r\n"
                                       "MAIL FROM:<" S_OFFICER_MAIL "> SIZE=999999999\r\n"
                                       "RCPT TO:<" S_RCPT ">\r\n"
                                       "MAIL FROM:<" S_OFFICER_MAIL "> BODY=8BITMIME\r\n"
                                       "RCPT TO:<" S_RCPT ">\r\n"
                                       "RSET\r\n"
                                       "DATA\r\n"
                                       "NOOP\r\n"
                                       "MAIL FROM:<>\r\n"
                                       "RCPT TO:<" S_RCPT ">\r\n"
                                       "DATA\r\n"
                                       "From: " S_OFFICER_MAIL "\r\nSubject: 點\r\n"
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
                                           "250 2.0.0 <" S_RCPT "> registered as ",
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
    s_reg_no (output, reg_no, sizeof reg_no);
    bs_report_t report = s_get (system, reg_no);
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
    bs_system_t *system = s_system (false);
    static const char *const message_ids[] = {
        "gbk-base64@county.example", "gb18030-qp@county.example", "big5-subject@county.example",
        "html-only@county.example", "docx-attachment@county.example"};
    char first_reg_no[32] = "";
    for (size_t i = 0; i < S_GOOD_COUNT; i++) {
        char *output = s_swaks (system, s_good[i].file, S_RCPT);
        char expected[200];
        snprintf (expected, sizeof expected, "<-  250 2.0.0 <%s> registered as ", S_RCPT);
        if (!strstr (output, expected)) {
            bs_system_show_log (system, "mail");
            fail_msg ("%s: no 250 with a registration number:\n%s", s_good[i].file, output);
        }
        char reg_no[32];
        s_reg_no (output, reg_no, sizeof reg_no);
        if (i == 0)
            snprintf (first_reg_no, sizeof first_reg_no, "%s", reg_no);
        s_check_report (system, reg_no, &s_good[i]);
        s_check_receipt (system, reg_no, message_ids[i]);
        free (output);
    }
    uint64_t registered = s_report_count (system);
    assert_int_equal (registered, S_GOOD_COUNT);

    /* The same bytes again (an MTA retrying after a lost reply): intake's
       first reply, not a second report, not even a "duplicate". */
    char *output = s_swaks (system, s_good[0].file, S_RCPT);
    char again[32];
    s_reg_no (output, again, sizeof again);
    assert_string_equal (again, first_reg_no);
    assert_null (strstr (output, "duplicate"));
    free (output);

    /* Two recipients: one reply each after DATA. */
    output = s_swaks (system, s_good[1].file, S_RCPT ",other@county.example");
    const char *first = strstr (output, "<" S_RCPT "> registered as");
    const char *second = strstr (output, "<other@county.example> registered as");
    if (!first || !second)
        fail_msg ("not one reply per recipient:\n%s", output);
    free (output);

    /* A recipient not in mail.recipients: 550 5.1.1 at RCPT. */
    output = s_swaks (system, s_good[2].file, "someone@elsewhere.example");
    if (!strstr (output, "550 5.1.1"))
        fail_msg ("an unknown recipient was not refused:\n%s", output);
    free (output);

    /* Bad mail: a 5xx with the reason, nothing stored. */
    s_write_oversize (system);
    for (size_t i = 0; i < S_BAD_COUNT; i++) {
        output = s_swaks (system, s_bad[i].file, S_RCPT);
        char expected[200];
        snprintf (expected, sizeof expected, "<** %s", s_bad[i].reply);
        if (!strstr (output, expected))
            fail_msg ("%s: expected '%s':\n%s", s_bad[i].file, expected, output);
        free (output);
    }
    assert_int_equal (s_report_count (system), registered);

    /* An unknown sender: held for staff, said so, not dropped. */
    output = s_swaks (system, "unknown_sender.eml", S_RCPT);
    if (!strstr (output, "250 2.0.0 <" S_RCPT "> held for staff to assign"))
        fail_msg ("the unknown sender's mail was not held:\n%s", output);
    free (output);
    assert_true (s_held (system, "stranger@elsewhere.example"));
    assert_int_equal (s_report_count (system), registered);
    bs_system_destroy (&system);
}

/* Copy a fixture into the Maildir as a mail server does: tmp/, then new/. */
static void
s_drop (bs_system_t *system, const char *file, const char *name)
{
    char source[1200], temporary[1300], final[1300];
    s_fixture_path (system, file, source, sizeof source);
    size_t size = 0;
    char *bytes = s_read_file (source, &size);
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

static bool
s_wait_empty (bs_system_t *system, int seconds)
{
    char folder[1200];
    snprintf (folder, sizeof folder, "%s/Maildir/new", bs_system_folder (system));
    for (int i = 0; i < seconds * 20; i++) {
        if (s_folder_count (folder) == 0)
            return true;
        usleep (50 * 1000);
    }
    return false;
}

static bool
s_exists (bs_system_t *system, const char *relative)
{
    char path[1500];
    snprintf (path, sizeof path, "%s/Maildir/%s", bs_system_folder (system), relative);
    struct stat status;
    return stat (path, &status) == 0;
}

/* The report whose title is title, or fail. */
static char *
s_find (bs_system_t *system, const char *title)
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

static void
test_maildir (void **state)
{
    (void) state;
    bs_system_t *system = s_system (true);
    s_write_oversize (system);
    char name[64];
    for (size_t i = 0; i < S_GOOD_COUNT; i++) {
        snprintf (name, sizeof name, "1700000000.good%zu.host", i);
        s_drop (system, s_good[i].file, name);
    }
    for (size_t i = 0; i < S_BAD_COUNT; i++) {
        snprintf (name, sizeof name, "1700000000.bad%zu.host", i);
        s_drop (system, s_bad[i].file, name);
    }
    s_drop (system, "unknown_sender.eml", "1700000000.stranger.host");
    if (!s_wait_empty (system, 20)) {
        bs_system_show_log (system, "mail");
        fail_msg ("the Maildir's new/ was not emptied");
    }
    for (size_t i = 0; i < S_GOOD_COUNT; i++) {
        snprintf (name, sizeof name, "cur/1700000000.good%zu.host:2,S", i);
        assert_true (s_exists (system, name));
        char *reg_no = s_find (system, s_good[i].title);
        s_check_report (system, reg_no, &s_good[i]);
        free (reg_no);
    }
    for (size_t i = 0; i < S_BAD_COUNT; i++) {
        snprintf (name, sizeof name, ".failed/cur/1700000000.bad%zu.host:2,", i);
        if (!s_exists (system, name))
            fail_msg ("%s did not move to .failed", s_bad[i].file);
        char path[1500];
        snprintf (path, sizeof path, "%s/Maildir/.failed/1700000000.bad%zu.host.reason",
                  bs_system_folder (system), i);
        char *reason = s_read_file (path, NULL);
        if (!reason || !strstr (reason, s_bad[i].reply))
            fail_msg ("%s: the reason file does not say '%s': %s", s_bad[i].file, s_bad[i].reply,
                      reason ? reason : "(none)");
        free (reason);
    }
    assert_true (s_exists (system, "cur/1700000000.stranger.host:2,S"));
    assert_true (s_held (system, "stranger@elsewhere.example"));
    assert_int_equal (s_report_count (system), S_GOOD_COUNT);

    /* A crash after intake's reply but before the move leaves the mail in
       new/: the same bytes again register nothing new. */
    s_drop (system, s_good[0].file, "1700000001.again.host");
    assert_true (s_wait_empty (system, 20));
    assert_true (s_exists (system, "cur/1700000001.again.host:2,S"));
    assert_int_equal (s_report_count (system), S_GOOD_COUNT);
    bs_system_destroy (&system);
}

static void
test_maildir_kill (void **state)
{
    (void) state;
    bs_system_t *system = s_system (true);
    bs_system_kill (system, "mail", SIGKILL);
    enum { COUNT = 40 };
    for (int i = 0; i < COUNT; i++) {
        char path[1300], final[1300];
        snprintf (path, sizeof path, "%s/Maildir/tmp/m%02d", bs_system_folder (system), i);
        snprintf (final, sizeof final, "%s/Maildir/new/1700000000.m%02d.host",
                  bs_system_folder (system), i);
        FILE *file = fopen (path, "w");
        fprintf (file,
                 "From: %s\nSubject: 第%d份報告\nMessage-ID: <m%d@county.example>\n"
                 "Content-Type: text/plain; charset=utf-8\n\n第%d份報告的正文。\n",
                 S_OFFICER_MAIL, i, i, i);
        fclose (file);
        assert_int_equal (rename (path, final), 0);
    }
    char folder[1200];
    snprintf (folder, sizeof folder, "%s/Maildir/cur", bs_system_folder (system));
    for (int round = 0; round < 3; round++) {
        assert_int_equal (bs_system_start (system, "mail"), 0);
        size_t before = s_folder_count (folder);
        for (int i = 0; i < 400 && s_folder_count (folder) < before + 5; i++)
            usleep (5 * 1000);
        bs_system_kill (system, "mail", SIGKILL); /* in the middle of the Maildir */
        if (round == 0)
            assert_true (s_folder_count (folder) < COUNT); /* the kill did cut it short */
    }
    assert_int_equal (bs_system_start (system, "mail"), 0);
    assert_true (s_wait_empty (system, 30));
    assert_int_equal (s_folder_count (folder), COUNT);
    assert_int_equal (s_report_count (system), COUNT);
    for (int i = 0; i < COUNT; i++) {
        char title[64];
        snprintf (title, sizeof title, "第%d份報告", i);
        free (s_find (system, title));
    }
    bs_system_destroy (&system);
}

/* At most mail.lmtp_connections sessions; a silent client is closed. */
static void
test_lmtp_limits (void **state)
{
    (void) state;
    bs_system_t *system =
        s_system_with (false, "mail.lmtp_connections = 2\nmail.lmtp_timeout_ms = 1000\n");
    int first = s_connect (system), second = s_connect (system);
    char buffer[4096];
    assert_true (recv (first, buffer, sizeof buffer, 0) > 0); /* both greeted */
    assert_true (recv (second, buffer, sizeof buffer, 0) > 0);
    int third = s_connect (system);
    s_read_all (third, buffer, sizeof buffer);
    if (strncmp (buffer, "421 4.3.2", 9) != 0)
        fail_msg ("a third connection was not refused: %s", buffer);
    close (third);
    /* a command line longer than 4 KiB is refused, the session goes on */
    char line[6000];
    memset (line, 'x', sizeof line - 3);
    memcpy (line + sizeof line - 3, "\r\n", 3);
    assert_int_equal (send (first, line, strlen (line), 0), (ssize_t) strlen (line));
    ssize_t got = recv (first, buffer, sizeof buffer - 1, 0);
    assert_true (got > 0);
    buffer[got] = 0;
    assert_non_null (strstr (buffer, "500 5.5.2 line too long"));
    s_read_all (second, buffer, sizeof buffer); /* silent: closed after 1 s */
    if (strncmp (buffer, "421 4.4.2", 9) != 0)
        fail_msg ("a silent client was not closed: %s", buffer);
    close (first);
    close (second);
    int fourth = s_connect (system); /* the slots are free again */
    got = recv (fourth, buffer, sizeof buffer - 1, 0);
    assert_true (got > 0);
    buffer[got] = 0;
    assert_int_equal (strncmp (buffer, "220 ", 4), 0);
    close (fourth);
    bs_system_destroy (&system);
}

/* Read one reply (a full line at least) from fd into buffer. */
static void
s_read_reply (int fd, char *buffer, size_t size)
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

/* A client that stalls in the middle of DATA is dropped after the
   timeout, and meanwhile another client is served as usual. */
static void
test_lmtp_stall_in_data (void **state)
{
    (void) state;
    bs_system_t *system = s_system_with (false, "mail.lmtp_timeout_ms = 1000\n");
    int staller = s_connect (system);
    char buffer[4096];
    s_read_reply (staller, buffer, sizeof buffer);
    const char *opening = "LHLO stall.example\r\nMAIL FROM:<" S_OFFICER_MAIL ">\r\n"
                          "RCPT TO:<" S_RCPT ">\r\nDATA\r\n";
    assert_int_equal (send (staller, opening, strlen (opening), 0), (ssize_t) strlen (opening));
    size_t used = 0;
    while (!strstr (buffer, "354") && used + 1 < sizeof buffer) {
        ssize_t got = recv (staller, buffer + used, sizeof buffer - used - 1, 0);
        assert_true (got > 0);
        used += (size_t) got;
        buffer[used] = 0;
    }
    const char *half = "Subject: =?UTF-8?B?5Y2K?=\r\n\r\nhalf a body, then nothing";
    assert_int_equal (send (staller, half, strlen (half), 0), (ssize_t) strlen (half));
    /* another client is not kept waiting by it */
    int other = s_connect (system);
    s_read_reply (other, buffer, sizeof buffer);
    assert_int_equal (strncmp (buffer, "220 ", 4), 0);
    assert_int_equal (send (other, "NOOP\r\n", 6, 0), 6);
    s_read_reply (other, buffer, sizeof buffer);
    if (strncmp (buffer, "250", 3) != 0)
        fail_msg ("a client beside a stalled one was not served: %s", buffer);
    close (other);
    /* the staller is told and closed */
    s_read_all (staller, buffer, sizeof buffer);
    if (!strstr (buffer, "421 4.4.2"))
        fail_msg ("a client stalled in DATA was not dropped: %s", buffer);
    close (staller);
    bs_system_destroy (&system);
}

/* A client that sends a byte every 100 ms: never silent, never done. */
typedef struct {
    int fd;
    char reply[1024]; /* what the server said before closing */
    bool closed;      /* the server closed the connection */
} s_trickler_t;

static void *
s_trickle (void *argument)
{
    s_trickler_t *trickler = argument;
    for (int i = 0; i < 600 && !trickler->closed; i++) { /* 60 s at most */
        if (send (trickler->fd, "x", 1, MSG_NOSIGNAL) != 1)
            break;
        usleep (100 * 1000);
        struct pollfd item = {.fd = trickler->fd, .events = POLLIN};
        if (poll (&item, 1, 0) > 0) {
            s_read_all (trickler->fd, trickler->reply, sizeof trickler->reply);
            trickler->closed = true;
        }
    }
    return NULL;
}

/* A session that trickles a byte at a time is never silent for
   mail.lmtp_timeout_ms, yet it is dropped: a mail must be whole within
   mail.lmtp_data_timeout_ms, a command line within mail.lmtp_timeout_ms.
   Meanwhile a mail from another client registers. */
static void
test_lmtp_trickle (void **state)
{
    (void) state;
    bs_system_t *system =
        s_system_with (false, "mail.lmtp_timeout_ms = 5000\nmail.lmtp_data_timeout_ms = 1500\n");
    s_trickler_t in_data = {.fd = s_connect (system)}, in_command = {.fd = s_connect (system)};
    char buffer[4096];
    s_read_reply (in_data.fd, buffer, sizeof buffer);
    const char *opening = "LHLO trickle.example\r\nMAIL FROM:<" S_OFFICER_MAIL ">\r\n"
                          "RCPT TO:<" S_RCPT ">\r\nDATA\r\nSubject: slow\r\n\r\n";
    assert_int_equal (send (in_data.fd, opening, strlen (opening), 0), (ssize_t) strlen (opening));
    size_t used = 0;
    while (!strstr (buffer, "354") && used + 1 < sizeof buffer) {
        ssize_t got = recv (in_data.fd, buffer + used, sizeof buffer - used - 1, 0);
        assert_true (got > 0);
        used += (size_t) got;
        buffer[used] = 0;
    }
    s_read_reply (in_command.fd, buffer, sizeof buffer);
    assert_int_equal (strncmp (buffer, "220 ", 4), 0);
    pthread_t threads[2];
    assert_int_equal (pthread_create (&threads[0], NULL, s_trickle, &in_data), 0);
    assert_int_equal (pthread_create (&threads[1], NULL, s_trickle, &in_command), 0);
    /* another client delivers a whole mail meanwhile */
    char *output = s_swaks (system, s_good[0].file, S_RCPT);
    char reg_no[32];
    s_reg_no (output, reg_no, sizeof reg_no);
    s_check_report (system, reg_no, &s_good[0]);
    free (output);
    pthread_join (threads[0], NULL);
    pthread_join (threads[1], NULL);
    close (in_data.fd);
    close (in_command.fd);
    if (!in_data.closed || !strstr (in_data.reply, "421 4.4.2")
        || !strstr (in_data.reply, "the mail took more than"))
        fail_msg ("a mail trickled a byte at a time was not cut off: '%s'", in_data.reply);
    if (!in_command.closed || !strstr (in_command.reply, "421 4.4.2 ")
        || !strstr (in_command.reply, "no command for"))
        fail_msg ("a command line trickled a byte at a time was not cut off: '%s'",
                  in_command.reply);
    assert_int_equal (s_report_count (system), 1); /* the cut mail is not stored */
    bs_system_destroy (&system);
}

/* LMTP on a Unix socket (Postfix: lmtp:unix:PATH). */
static void
test_lmtp_unix_socket (void **state)
{
    (void) state;
    char *folder = bs_test_temp_dir ("baosong-lmtp-unix");
    char extra[1200];
    snprintf (extra, sizeof extra, "mail.lmtp = unix:%s/lmtp.sock\n", folder);
    bs_system_t *system = s_system_with (false, extra);
    char *output = s_swaks (system, s_good[1].file, S_RCPT);
    char reg_no[32];
    s_reg_no (output, reg_no, sizeof reg_no);
    s_check_report (system, reg_no, &s_good[1]);
    free (output);
    bs_system_destroy (&system);
    bs_test_remove_tree (folder);
    free (folder);
}

/* intake away: LMTP says 451 (the mail server keeps the mail and tries
   again), the Maildir keeps the mail in new/; once intake is back both
   register. */
static void
test_intake_away (void **state)
{
    (void) state;
    bs_system_t *system = s_system_with (true, "request_timeout_ms = 200\nrequest_retries = 1\n");
    bs_system_kill (system, "intake", SIGKILL);
    char *output = s_swaks (system, s_good[2].file, S_RCPT);
    if (!strstr (output, "<** 451 4.3.0 intake is not answering"))
        fail_msg ("no 451 while intake is away:\n%s", output);
    free (output);
    s_drop (system, s_good[3].file, "1700000000.waiting.host");
    usleep (1000 * 1000);
    assert_true (s_exists (system, "new/1700000000.waiting.host"));
    assert_int_equal (bs_system_start (system, "intake"), 0);
    assert_true (s_wait_empty (system, 20));
    assert_true (s_exists (system, "cur/1700000000.waiting.host:2,S"));
    output = s_swaks (system, s_good[2].file, S_RCPT);
    char reg_no[32];
    s_reg_no (output, reg_no, sizeof reg_no);
    s_check_report (system, reg_no, &s_good[2]);
    free (output);
    bs_system_destroy (&system);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_lmtp),        cmocka_unit_test (test_lmtp_protocol),
        cmocka_unit_test (test_maildir),     cmocka_unit_test (test_maildir_kill),
        cmocka_unit_test (test_lmtp_limits), cmocka_unit_test (test_lmtp_unix_socket),
        cmocka_unit_test (test_intake_away), cmocka_unit_test (test_lmtp_stall_in_data),
        cmocka_unit_test (test_lmtp_trickle),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
