/*  Notices (通知) and reporting guidance (報送要點) on a running review
    service: sent to units, listed per unit, one read receipt per officer
    however often they read, refused for an officer of a unit it was not
    sent to; only editors, leaders and admins send them.
*/
#include <string.h>

#include "bs_system.h"
#include "bs_test.h"

static bs_system_t *s_system;

static int
s_review (const bs_schema_t *schema, const void *request, const bs_schema_t *reply_schema,
          void *reply, bs_error_t *error)
{
    return bs_system_call (bs_system_client (s_system, "review"), schema, request, reply_schema,
                           reply, error);
}

static size_t
s_listed (const char *unit, const char *kind)
{
    bs_notice_list_t query = {.unit = (char *) unit, .kind = (char *) kind};
    bs_notice_page_t page;
    bs_error_t error;
    assert_int_equal (
        s_review (&bs_notice_list_schema, &query, &bs_notice_page_schema, &page, &error), BS_OK);
    size_t count = page.notices.count;
    bs_codec_record_free (&bs_notice_page_schema, &page);
    return count;
}

static void
test_notices_and_read_receipts (void **state)
{
    (void) state;
    bs_unit_ref_t units[] = {{.unit = "林州市"}, {.unit = "湯陰縣"}};
    bs_notice_send_t send = {.kind = "guidance",
                             .title = "2027年第一季度信息報送要點",
                             .body = "一、基層黨建；二、幹部監督；三、人才工作。",
                             .tier = "county",
                             .units = {2, units},
                             .editor = "陳編輯",
                             .role = "editor"};
    bs_notice_t notice;
    bs_error_t error;
    assert_int_equal (s_review (&bs_notice_send_schema, &send, &bs_notice_schema, &notice, &error),
                      BS_OK);
    uint64_t id = notice.notice_id;
    assert_string_equal (notice.kind, "guidance");
    bs_codec_record_free (&bs_notice_schema, &notice);
    bs_unit_ref_t one[] = {{.unit = "林州市"}};
    bs_notice_send_t plain = {.title = "關於召開信息員培訓會的通知",
                              .body = "請各單位信息員參加。",
                              .units = {1, one},
                              .editor = "陳編輯",
                              .role = "editor"};
    assert_int_equal (s_review (&bs_notice_send_schema, &plain, &bs_notice_schema, &notice, &error),
                      BS_OK);
    assert_string_equal (notice.kind, "notice");
    bs_codec_record_free (&bs_notice_schema, &notice);

    /* Listed per unit and kind. */
    assert_int_equal (s_listed ("林州市", NULL), 2);
    assert_int_equal (s_listed ("湯陰縣", NULL), 1);
    assert_int_equal (s_listed ("林州市", "guidance"), 1);
    assert_int_equal (s_listed ("衛輝市", NULL), 0);

    /* One receipt per officer, however often they read. */
    bs_notice_read_t read = {.notice_id = id, .unit = "林州市", .officer = "zhao"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal (
            s_review (&bs_notice_read_schema, &read, &bs_notice_schema, &notice, &error), BS_OK);
        bs_codec_record_free (&bs_notice_schema, &notice);
    }
    read = (bs_notice_read_t){.notice_id = id, .unit = "湯陰縣", .officer = "li"};
    assert_int_equal (s_review (&bs_notice_read_schema, &read, &bs_notice_schema, &notice, &error),
                      BS_OK);
    assert_int_equal (notice.reads.count, 2);
    const bs_notice_read_entry_t *reads = notice.reads.items;
    assert_string_equal (reads[0].officer, "zhao");
    assert_string_equal (reads[0].unit, "林州市");
    assert_string_equal (reads[1].officer, "li");
    bs_codec_record_free (&bs_notice_schema, &notice);

    /* Refusals change nothing. */
    read = (bs_notice_read_t){.notice_id = id, .unit = "衛輝市", .officer = "zhou"};
    assert_int_equal (s_review (&bs_notice_read_schema, &read, &bs_notice_schema, &notice, &error),
                      BS_E_NOT_FOUND);
    assert_non_null (strstr (error.text, "no notice"));
    send.role = "officer";
    assert_int_equal (s_review (&bs_notice_send_schema, &send, &bs_notice_schema, &notice, &error),
                      BS_E_INVALID);
    send.role = "editor";
    send.kind = "rumour";
    assert_int_equal (s_review (&bs_notice_send_schema, &send, &bs_notice_schema, &notice, &error),
                      BS_E_INVALID);
    bs_notice_get_t get = {.notice_id = id};
    assert_int_equal (s_review (&bs_notice_get_schema, &get, &bs_notice_schema, &notice, &error),
                      BS_OK);
    assert_int_equal (notice.reads.count, 2);
    bs_codec_record_free (&bs_notice_schema, &notice);
    assert_int_equal (s_listed (NULL, NULL), 2);
}

static int
s_setup (void **state)
{
    (void) state;
    s_system = bs_system_new ("baosong-notices");
    return s_system && bs_system_start (s_system, "review") == 0 ? 0 : -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    bs_system_destroy (&s_system);
    return 0;
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_notices_and_read_receipts),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
