/*  test_review_intake: a report.received as review's consumer reads it
    (review_intake_views; review driven in-process: review_desk.h): without
    what no case keeps, which is then not even checked, and a case opened
    from it with all it keeps.
*/
#include "review_desk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A report.received as review's consumer decodes it (review_intake_views):
   without what no case keeps, which is then not even checked (a sender
   that is not UTF-8 here, refused by the whole schema), and a case opened
   from it with all it keeps. */
static void
test_a_report_read_without_what_no_case_keeps (void **state)
{
    desk_t *desk = *state;
    bs_provenance_t provenance = {
        .channel = "direct", .sender = "\xff\xfe not UTF-8", .key = "item-1", .received_at = T0};
    bs_attachment_t attachment = {.name = "附件.pdf", .content_type = "application/pdf"};
    bs_report_t report = {.report_id = 41,
                          .reg_no = "2026-000041",
                          .unit = "林州市委組織部",
                          .title = "幹部監督工作情況",
                          .body = "第一句。第二句。",
                          .kind = "situation",
                          .urgent = true,
                          .topic = "幹部監督",
                          .channel = "direct",
                          .received_at = T0,
                          .officer = "張三",
                          .provenances = {1, &provenance},
                          .attachments = {1, &attachment}};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, &bs_report_schema, &report, "e-41", "intake", T0, 9),
        BS_OK);
    bs_message_t event;
    bs_error_t error;
    assert_int_equal (
        bs_message_decode (buffer.data, buffer.size, &bs_codec_default_limits, &event, &error),
        BS_E_INVALID);
    const bs_schema_t *const *views = review_intake_views ();
    assert_non_null (views);
    assert_ptr_equal (review_intake_views (), views); /* made once */
    assert_int_equal (bs_message_decode_view (buffer.data, buffer.size, &bs_codec_default_limits,
                                              views, &event, &error),
                      BS_OK);
    msgpack_sbuffer_destroy (&buffer);
    const bs_report_t *decoded = event.data;
    assert_ptr_equal (event.schema, &bs_report_schema);
    assert_null (decoded->channel);
    assert_null (decoded->officer);
    assert_int_equal (decoded->provenances.count, 0);
    assert_int_equal (decoded->attachments.count, 0);
    desk_consume (desk, review_on_intake, &event);
    bs_message_clear (&event);

    bs_review_case_t review_case;
    desk_case (desk, 41, &review_case);
    assert_string_equal (review_case.state, "queued");
    assert_string_equal (review_case.reg_no, "2026-000041");
    assert_string_equal (review_case.unit, "林州市委組織部");
    assert_string_equal (review_case.title, "幹部監督工作情況");
    assert_string_equal (review_case.body, "第一句。第二句。");
    assert_string_equal (review_case.kind, "situation");
    assert_string_equal (review_case.topic, "幹部監督");
    assert_true (review_case.urgent);
    assert_true (review_case.deadline > T0);
    assert_int_equal (review_case.received_at, T0);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    assert_int_equal (desk_audit_count (desk, 41, "receive"), 1);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_a_report_read_without_what_no_case_keeps, desk_setup,
                                         desk_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
