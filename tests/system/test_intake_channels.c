/*  Intake channels, with a real intake process: the registry decides who
    may submit for which unit; a report mailed by an officer and phoned in
    from the officer's number is one report with two provenances, the
    second receipt saying "duplicate" of the first's registration number; a
    revision is version 2 of the same report, version 1 still readable; mail
    from an unknown sender is held and, once staff assign a unit,
    registered; attachments come back byte for byte and an oversized set is
    refused; every bad submission gets its error naming the field, a log
    line, and leaves nothing stored (same report ids, same log sequence,
    registration numbers without gaps).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bs_clock.h"
#include "bs_schemas.h"
#include "bs_system.h"
#include "bs_test.h"

#define ATTACHMENTS_MAX (4u << 20) /* intake.attachments_max_bytes in this test */

static bs_system_t *s_system;
static char s_token[80]; /* secret of the token of 林州市 */

static int
s_call (const bs_schema_t *schema, const void *record, const bs_schema_t *reply_schema, void *reply,
        bs_error_t *error)
{
    bs_error_clear (error);
    return bs_system_call (bs_system_client (s_system, "intake"), schema, record, reply_schema,
                           reply, error);
}

/* What intake holds: the ids of all reports (in order) and its last event. */
typedef struct {
    size_t count;
    uint64_t ids[64];
    uint64_t last_seq;
} snapshot_t;

static snapshot_t
s_snapshot (void)
{
    snapshot_t snapshot = {0};
    bs_report_list_t query = {.limit = 64};
    bs_report_page_t page;
    bs_error_t error;
    assert_int_equal (
        s_call (&bs_report_list_schema, &query, &bs_report_page_schema, &page, &error), BS_OK);
    const bs_report_t *reports = page.reports.items;
    for (size_t i = 0; i < page.reports.count; i++) {
        snapshot.ids[snapshot.count++] = reports[i].report_id;
        /* registration numbers run 1..N in the order of report ids */
        unsigned long number = strtoul (strchr (reports[i].reg_no, '-') + 1, NULL, 10);
        assert_int_equal (number, i + 1);
    }
    bs_codec_record_free (&bs_report_page_schema, &page);
    bs_ping_t ping = {0};
    bs_ping_reply_t pong;
    assert_int_equal (s_call (&bs_ping_schema, &ping, &bs_ping_reply_schema, &pong, &error), BS_OK);
    snapshot.last_seq = pong.last_seq;
    bs_codec_record_free (&bs_ping_reply_schema, &pong);
    return snapshot;
}

static void
s_assert_unchanged (const snapshot_t *before, const char *what)
{
    snapshot_t after = s_snapshot ();
    if (after.count != before->count || after.last_seq != before->last_seq
        || memcmp (after.ids, before->ids, before->count * sizeof before->ids[0]) != 0)
        fail_msg ("%s stored something: %zu reports (was %zu), log at %" PRIu64 " (was %" PRIu64
                  ")",
                  what, after.count, before->count, after.last_seq, before->last_seq);
}

/* Whether intake's log holds text. */
static bool
s_logged (const char *text)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/intake.log", bs_system_folder (s_system));
    FILE *file = fopen (path, "r");
    if (!file)
        return false;
    char line[4096];
    bool found = false;
    while (!found && fgets (line, sizeof line, file))
        found = strstr (line, text) != NULL;
    fclose (file);
    return found;
}

/* A submission that must be refused with code and field, storing nothing. */
static void
s_refused (const char *what, bs_submit_t *submit, int code, const char *field)
{
    snapshot_t before = s_snapshot ();
    bs_submitted_t receipt;
    bs_error_t error;
    int rc = s_call (&bs_submit_schema, submit, &bs_submitted_schema, &receipt, &error);
    if (rc == BS_OK) {
        bs_codec_record_free (&bs_submitted_schema, &receipt);
        fail_msg ("%s: accepted", what);
    }
    if (rc != code || strcmp (error.field, field) != 0)
        fail_msg ("%s: got %s (%s: %s), wanted %s (%s)", what, bs_error_name (rc), error.field,
                  error.text, bs_error_name (code), field);
    s_assert_unchanged (&before, what);
}

static bs_submitted_t
s_submitted (bs_submit_t *submit, const char *status)
{
    bs_submitted_t receipt;
    bs_error_t error;
    if (s_call (&bs_submit_schema, submit, &bs_submitted_schema, &receipt, &error) != BS_OK)
        fail_msg ("submit '%s' refused: %s (%s)", submit->title, error.text, error.field);
    assert_string_equal (receipt.status, status);
    return receipt;
}

static bs_report_t
s_report (uint64_t report_id, uint64_t version)
{
    bs_report_get_t get = {.report_id = report_id, .version = version};
    bs_report_t report;
    bs_error_t error;
    assert_int_equal (s_call (&bs_report_get_schema, &get, &bs_report_schema, &report, &error),
                      BS_OK);
    return report;
}

static void
s_put (const bs_schema_t *schema, const void *record, const bs_schema_t *reply_schema)
{
    void *reply = calloc (1, reply_schema->record_size);
    bs_error_t error;
    if (s_call (schema, record, reply_schema, reply, &error) != BS_OK)
        fail_msg ("%s: %s", schema->type, error.text);
    if (schema == &bs_token_create_schema)
        snprintf (s_token, sizeof s_token, "%s", ((bs_token_t *) reply)->secret);
    bs_codec_record_free (reply_schema, reply);
    free (reply);
}

/* 安陽市 above 林州市, 湯陰縣, 殷都區 and a disabled 北關區; officers li
   (湯陰縣, mail and phone), zhao (林州市), a disabled one; a token of
   林州市. */
static int
s_setup (void **state)
{
    (void) state;
    setenv ("BAOSONG_REGISTRY_PASSWORD_COST", "min", 1);
    char limit[32];
    snprintf (limit, sizeof limit, "%u", ATTACHMENTS_MAX);
    setenv ("BAOSONG_INTAKE_ATTACHMENTS_MAX_BYTES", limit, 1);
    s_system = bs_system_new ("baosong-intake-channels");
    if (!s_system || bs_system_start (s_system, "intake") != 0)
        return -1;
    bs_unit_t units[] = {
        {.name = "安陽市", .level = "city"},
        {.name = "林州市", .level = "county", .parent = "安陽市"},
        {.name = "湯陰縣", .level = "county", .parent = "安陽市"},
        {.name = "殷都區", .level = "county", .parent = "安陽市", .kind = "key_unit"},
        {.name = "北關區", .level = "county", .parent = "安陽市", .disabled = true},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        s_put (&bs_unit_schema, &units[i], &bs_unit_schema);
    bs_officer_t officers[] = {
        {.login = "li",
         .name = "李信息員",
         .unit = "湯陰縣",
         .roles = "officer",
         .emails = "li@tangyin.example.cn",
         .phones = "0372-5511234",
         .password = "湯陰縣信息員的密碼"},
        {.login = "zhao", .name = "趙信息員", .unit = "林州市", .roles = "officer"},
        {.login = "gone",
         .name = "離職信息員",
         .unit = "殷都區",
         .roles = "officer",
         .emails = "gone@yindu.example.cn",
         .disabled = true},
    };
    for (size_t i = 0; i < sizeof officers / sizeof officers[0]; i++)
        s_put (&bs_officer_schema, &officers[i], &bs_officer_schema);
    bs_token_create_t token = {.name = "林州直報", .unit = "林州市"};
    s_put (&bs_token_create_schema, &token, &bs_token_schema);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    bs_system_destroy (&s_system);
    return 0;
}

static void
test_mailed_and_phoned_is_one_report (void **state)
{
    (void) state;
    snapshot_t before = s_snapshot ();
    bs_submit_t mail = {.channel = "email",
                        .sender = "Li@TangYin.Example.CN",
                        .message_id = "<20261128.1@tangyin.example.cn>",
                        .title = "湯陰縣在村級幹部中實行創業承諾",
                        .body = "湯陰縣在全縣村級幹部中推行創業承諾制，共１２０名村幹部簽約。"};
    bs_submitted_t first = s_submitted (&mail, "registered");
    bs_submit_t call = {.channel = "phone",
                        .sender = "(0372) 551-1234",
                        .operator_name = "張接線員",
                        .called_at = bs_clock_now () - 60000,
                        .title = "湯陰縣在村級幹部中實行創業承諾",
                        .body = "湯陰縣在全縣村級幹部中推行創業承諾制 共120名村幹部簽約"};
    bs_submitted_t second = s_submitted (&call, "duplicate");
    assert_string_equal (second.reg_no, first.reg_no);
    assert_int_equal (second.report_id, first.report_id);

    snapshot_t after = s_snapshot ();
    assert_int_equal (after.count, before.count + 1);
    assert_int_equal (after.last_seq, before.last_seq + 1); /* one report.received */
    bs_report_t report = s_report (first.report_id, 0);
    assert_string_equal (report.unit, "湯陰縣");
    assert_string_equal (report.officer, "li");
    assert_int_equal (report.provenances.count, 2);
    const bs_provenance_t *from = report.provenances.items;
    assert_string_equal (from[0].channel, "email");
    assert_string_equal (from[0].message_id, "<20261128.1@tangyin.example.cn>");
    assert_string_equal (from[1].channel, "phone");
    assert_string_equal (from[1].sender, "(0372) 551-1234");
    assert_string_equal (from[1].operator_name, "張接線員");
    assert_int_equal (from[1].called_at, call.called_at);
    bs_codec_record_free (&bs_report_schema, &report);

    /* The mail delivered again (same Message-ID) gets its first receipt. */
    bs_submitted_t again = s_submitted (&mail, "registered");
    assert_string_equal (again.reg_no, first.reg_no);
    s_assert_unchanged (&after, "the same mail again");

    /* The same text from another unit is another report. */
    bs_submit_t other = {.channel = "walk_in",
                         .unit = "殷都區",
                         .operator_name = "趙文書",
                         .title = mail.title,
                         .body = mail.body};
    bs_submitted_t third = s_submitted (&other, "registered");
    assert_int_not_equal (third.report_id, first.report_id);
    bs_codec_record_free (&bs_submitted_schema, &first);
    bs_codec_record_free (&bs_submitted_schema, &second);
    bs_codec_record_free (&bs_submitted_schema, &again);
    bs_codec_record_free (&bs_submitted_schema, &third);
}

static void
test_revision_is_the_next_version (void **state)
{
    (void) state;
    bs_submit_t draft = {.channel = "web",
                         .officer = "zhao",
                         .title = "林州市幹部超職數配備自查",
                         .body = "林州市委組織部開展幹部超職數配備問題自查自糾，初稿。"};
    bs_submitted_t first = s_submitted (&draft, "registered");
    snapshot_t before = s_snapshot ();
    bs_submit_t revised = {.channel = "web",
                           .officer = "zhao",
                           .revision_of = first.reg_no,
                           .title = "林州市幹部超職數配備自查（修改稿）",
                           .body = "林州市委組織部開展幹部超職數配備問題自查自糾，補充了數字："
                                   "清理超配幹部十二名。"};
    bs_submitted_t second = s_submitted (&revised, "revised");
    assert_int_equal (second.report_id, first.report_id);
    assert_string_equal (second.reg_no, first.reg_no);
    assert_int_equal (second.version, 2);
    snapshot_t after = s_snapshot ();
    assert_int_equal (after.count, before.count);           /* not a new report */
    assert_int_equal (after.last_seq, before.last_seq + 1); /* report.received, version 2 */

    bs_report_t now = s_report (first.report_id, 0);
    assert_int_equal (now.version, 2);
    assert_string_equal (now.title, revised.title);
    assert_string_equal (now.reg_no, first.reg_no);
    bs_codec_record_free (&bs_report_schema, &now);
    bs_report_t old = s_report (first.report_id, 1);
    assert_int_equal (old.version, 1);
    assert_string_equal (old.body, draft.body);
    bs_codec_record_free (&bs_report_schema, &old);
    bs_report_get_t get = {.report_id = first.report_id, .version = 3};
    bs_report_t none;
    bs_error_t error;
    assert_int_equal (s_call (&bs_report_get_schema, &get, &bs_report_schema, &none, &error),
                      BS_E_NOT_FOUND);
    assert_string_equal (error.field, "version");

    /* Only the same unit revises; an unknown reg_no is refused. */
    bs_submit_t foreign = {.channel = "walk_in",
                           .unit = "殷都區",
                           .operator_name = "趙文書",
                           .revision_of = first.reg_no,
                           .title = "殷都區改林州市的信息",
                           .body = "殷都區試圖修改林州市報送的信息，應被拒絕。"};
    s_refused ("revision by another unit", &foreign, BS_E_DENIED, "revision_of");
    foreign.unit = "林州市";
    foreign.revision_of = "1999-000001";
    s_refused ("revision of an unknown report", &foreign, BS_E_NOT_FOUND, "revision_of");
    bs_codec_record_free (&bs_submitted_schema, &first);
    bs_codec_record_free (&bs_submitted_schema, &second);
}

static void
test_mail_from_unknown_sender_is_held_then_assigned (void **state)
{
    (void) state;
    snapshot_t before = s_snapshot ();
    bs_submit_t mail = {.channel = "email",
                        .sender = "stranger@163.example.com",
                        .message_id = "<held.1@163.example.com>",
                        .title = "某鄉鎮黨委換屆選舉情況",
                        .body = "某鄉鎮順利完成黨委換屆選舉工作，發件人不在名冊中。"};
    bs_submitted_t held = s_submitted (&mail, "held");
    assert_true (held.hold_id > 0);
    s_assert_unchanged (&before, "a held mail");
    assert_true (s_logged ("no officer has the address stranger@163.example.com"));

    bs_held_list_t list = {0};
    bs_held_page_t page;
    bs_error_t error;
    assert_int_equal (s_call (&bs_held_list_schema, &list, &bs_held_page_schema, &page, &error),
                      BS_OK);
    assert_int_equal (page.items.count, 1);
    assert_int_equal (((bs_held_item_t *) page.items.items)[0].hold_id, held.hold_id);
    bs_codec_record_free (&bs_held_page_schema, &page);

    bs_held_assign_t assign = {.hold_id = held.hold_id, .unit = "無此縣", .staff = "王文書"};
    bs_submitted_t receipt;
    assert_int_equal (
        s_call (&bs_held_assign_schema, &assign, &bs_submitted_schema, &receipt, &error),
        BS_E_NOT_FOUND);
    assert_string_equal (error.field, "unit");
    assign.unit = "殷都區";
    assert_int_equal (
        s_call (&bs_held_assign_schema, &assign, &bs_submitted_schema, &receipt, &error), BS_OK);
    assert_string_equal (receipt.status, "registered");
    snapshot_t after = s_snapshot ();
    assert_int_equal (after.count, before.count + 1);
    bs_report_t report = s_report (receipt.report_id, 0);
    assert_string_equal (report.unit, "殷都區");
    assert_string_equal (report.channel, "email");
    const bs_provenance_t *from = report.provenances.items;
    assert_string_equal (from[0].sender, "stranger@163.example.com");
    assert_string_equal (from[0].operator_name, "王文書");
    bs_codec_record_free (&bs_report_schema, &report);
    assert_int_equal (s_call (&bs_held_list_schema, &list, &bs_held_page_schema, &page, &error),
                      BS_OK);
    assert_int_equal (page.items.count, 0);
    bs_codec_record_free (&bs_held_page_schema, &page);
    /* Delivered again, the mail gets the registered receipt. */
    bs_submitted_t again = s_submitted (&mail, "registered");
    assert_string_equal (again.reg_no, receipt.reg_no);
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    /* Assigned once: it is held no more. */
    assert_int_equal (
        s_call (&bs_held_assign_schema, &assign, &bs_submitted_schema, &receipt, &error),
        BS_E_NOT_FOUND);
    assert_string_equal (error.field, "hold_id");
    bs_codec_record_free (&bs_submitted_schema, &held);
    bs_codec_record_free (&bs_submitted_schema, &again);
}

static void
s_fill (unsigned char *data, size_t size, unsigned seed)
{
    for (size_t i = 0; i < size; i++) {
        seed = seed * 1103515245u + 12345u;
        data[i] = (unsigned char) (seed >> 16);
    }
}

static void
test_attachments_come_back_byte_exact (void **state)
{
    (void) state;
    size_t sizes[] = {3u << 20, 1000, 1};
    unsigned char *data[3];
    bs_attachment_t files[3];
    const char *names[] = {"材料.pdf", "說明.txt", "一個字節.bin"};
    for (int i = 0; i < 3; i++) {
        data[i] = malloc (sizes[i]);
        s_fill (data[i], sizes[i], (unsigned) i + 7);
        files[i] = (bs_attachment_t){.name = (char *) names[i],
                                     .content_type = "application/octet-stream",
                                     .data = {sizes[i], data[i]}};
    }
    bs_submit_t submit = {.channel = "direct",
                          .token = s_token,
                          .key = "attach-1",
                          .title = "帶附件的直報信息",
                          .body = "這條直報信息帶有三個附件，取回時須一字不差。",
                          .attachments = {3, files}};
    bs_submitted_t receipt = s_submitted (&submit, "registered");
    bs_report_t report = s_report (receipt.report_id, 0);
    assert_string_equal (report.unit, "林州市");
    assert_int_equal (report.attachments.count, 3);
    const bs_attachment_t *described = report.attachments.items;
    for (int i = 0; i < 3; i++) {
        assert_int_equal (described[i].size, sizes[i]);
        assert_int_equal (described[i].data.size, 0); /* descriptions only */
        unsigned char hash[crypto_hash_sha256_BYTES];
        char hex[65];
        crypto_hash_sha256 (hash, data[i], sizes[i]);
        sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
        assert_string_equal (described[i].sha256, hex);
        bs_attachment_get_t get = {.report_id = receipt.report_id, .index = (uint64_t) i};
        bs_attachment_t fetched;
        bs_error_t error;
        assert_int_equal (
            s_call (&bs_attachment_get_schema, &get, &bs_attachment_schema, &fetched, &error),
            BS_OK);
        assert_string_equal (fetched.name, names[i]);
        assert_int_equal (fetched.data.size, sizes[i]);
        assert_memory_equal (fetched.data.data, data[i], sizes[i]);
        bs_codec_record_free (&bs_attachment_schema, &fetched);
    }
    bs_codec_record_free (&bs_report_schema, &report);
    bs_attachment_get_t get = {.report_id = receipt.report_id, .index = 3};
    bs_attachment_t none;
    bs_error_t error;
    assert_int_equal (
        s_call (&bs_attachment_get_schema, &get, &bs_attachment_schema, &none, &error),
        BS_E_NOT_FOUND);
    assert_string_equal (error.field, "index");
    bs_codec_record_free (&bs_submitted_schema, &receipt);

    /* More than intake.attachments_max_bytes in all: refused, nothing kept. */
    unsigned char *big = malloc (ATTACHMENTS_MAX);
    s_fill (big, ATTACHMENTS_MAX, 99);
    bs_attachment_t too_much[2] = {files[0],
                                   {.name = "大.bin",
                                    .content_type = "application/octet-stream",
                                    .data = {ATTACHMENTS_MAX - sizes[0] + 1, big}}};
    submit.key = "attach-2";
    submit.title = "附件過大的直報信息";
    submit.attachments = (bs_list_t){2, too_much};
    s_refused ("attachments over the limit", &submit, BS_E_INVALID, "attachments");
    bs_attachment_t empty = {.name = "空.txt", .content_type = "text/plain"};
    submit.attachments = (bs_list_t){1, &empty};
    s_refused ("an empty attachment", &submit, BS_E_INVALID, "attachments");
    free (big);
    for (int i = 0; i < 3; i++)
        free (data[i]);
}

static void
test_bad_submissions_store_nothing (void **state)
{
    (void) state;
    char body[] = "這是一條應被拒絕的信息，不應登記。";
    struct {
        const char *what;
        bs_submit_t submit;
        int code;
        const char *field;
    } cases[] = {
        {"blank body",
         {.unit = "林州市", .operator_name = "甲", .title = "空白正文", .body = " \n "},
         BS_E_INVALID,
         "body"},
        {"unknown unit",
         {.unit = "無此縣", .operator_name = "甲", .title = "t", .body = body},
         BS_E_NOT_FOUND,
         "unit"},
        {"disabled unit",
         {.unit = "北關區", .operator_name = "甲", .title = "t", .body = body},
         BS_E_DENIED,
         "unit"},
        {"walk-in without operator",
         {.unit = "林州市", .title = "t", .body = body},
         BS_E_INVALID,
         "operator"},
        {"wrong token",
         {.channel = "direct", .token = "bst_0000", .title = "t", .body = body},
         BS_E_DENIED,
         "token"},
        {"direct without token",
         {.channel = "direct", .unit = "林州市", .title = "t", .body = body},
         BS_E_INVALID,
         "token"},
        {"a unit's token for another unit",
         {.channel = "direct", .token = s_token, .unit = "湯陰縣", .title = "t", .body = body},
         BS_E_DENIED,
         "unit"},
        {"officer of another unit",
         {.channel = "web", .officer = "zhao", .unit = "湯陰縣", .title = "t", .body = body},
         BS_E_DENIED,
         "unit"},
        {"unknown officer",
         {.channel = "web", .officer = "nobody", .title = "t", .body = body},
         BS_E_NOT_FOUND,
         "officer"},
        {"web without officer or token",
         {.channel = "web", .unit = "林州市", .title = "t", .body = body},
         BS_E_INVALID,
         "officer"},
        {"disabled officer's mail",
         {.channel = "email", .sender = "gone@yindu.example.cn", .title = "t", .body = body},
         BS_E_DENIED,
         "sender"},
        {"email without sender",
         {.channel = "email", .title = "t", .body = body},
         BS_E_INVALID,
         "sender"},
        {"phone without operator",
         {.channel = "phone", .sender = "0372-5511234", .title = "t", .body = body},
         BS_E_INVALID,
         "operator"},
        {"caller of one unit for another",
         {.channel = "phone",
          .sender = "0372-5511234",
          .operator_name = "甲",
          .unit = "林州市",
          .title = "t",
          .body = body},
         BS_E_DENIED,
         "unit"},
        {"unknown kind",
         {.unit = "林州市", .operator_name = "甲", .title = "t", .body = body, .kind = "rumour"},
         BS_E_INVALID,
         "kind"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_refused (cases[i].what, &cases[i].submit, cases[i].code, cases[i].field);
    assert_true (s_logged ("submit refused (unit): unit '無此縣' is not registered"));
    /* and a good one still registers with the next number */
    bs_submit_t good = {.unit = "林州市", .operator_name = "甲", .title = "終於合格", .body = body};
    bs_submitted_t receipt = s_submitted (&good, "registered");
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    s_snapshot (); /* numbers still gap-free */
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_mailed_and_phoned_is_one_report),
        cmocka_unit_test (test_revision_is_the_next_version),
        cmocka_unit_test (test_mail_from_unknown_sender_is_held_then_assigned),
        cmocka_unit_test (test_attachments_come_back_byte_exact),
        cmocka_unit_test (test_bad_submissions_store_nothing),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
