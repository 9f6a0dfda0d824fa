/*  test_json: bs_json's mapping of records to JSON and back.

    The gateway turns untrusted JSON into records with it, so besides the
    round trip these tests feed it what a careless or hostile client sends:
    wrong types, unknown and misspelt fields, over-long strings, too many
    items, broken base64, negative and huge numbers, and check that each is
    refused with the field named and nothing leaked.
*/
#include "bs_test.h"

#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_json.h"
#include "bs_schemas.h"

static json_t *
s_parse (const char *text)
{
    json_error_t parse_error;
    json_t *value = json_loads (text, JSON_ALLOW_NUL, &parse_error);
    if (!value)
        fail_msg ("bad test JSON: %s", parse_error.text);
    return value;
}

/* Expect text (an object) to be refused for submit with field named. */
static void
s_expect_refused (const bs_schema_t *schema, const char *text, const char *field)
{
    json_t *object = s_parse (text);
    char record[4096];
    assert_true (schema->record_size <= sizeof record);
    bs_error_t error;
    int rc = bs_json_to_record (object, schema, record, &error);
    json_decref (object);
    if (rc == BS_OK) {
        bs_codec_record_free (schema, record);
        fail_msg ("accepted: %s", text);
    }
    assert_int_equal (rc, BS_E_INVALID);
    if (strcmp (error.field, field) != 0)
        fail_msg ("for %s expected field '%s', got '%s' (%s)", text, field, error.field,
                  error.text);
    /* Nothing left to free: a zeroed record. */
    for (size_t i = 0; i < schema->record_size; i++)
        assert_int_equal (record[i], 0);
}

static void
test_submit_round_trip (void **state)
{
    (void) state;
    const unsigned char bytes[] = {0x00, 0xff, 0x10, 0x80, 'a', 0xe4, 0xb8, 0xad};
    bs_attachment_t attachment = {.name = "照片.jpg",
                                  .content_type = "image/jpeg",
                                  .data = {sizeof bytes, (unsigned char *) bytes}};
    bs_submit_t submit = {.unit = "城關鎮",
                          .title = "黨建工作情況",
                          .body = "全文「引號」\n第二行",
                          .urgent = true,
                          .called_at = UINT64_MAX,
                          .attachments = {1, &attachment}};
    json_t *object = bs_json_from_record (&bs_submit_schema, &submit);
    assert_non_null (object);
    assert_string_equal (json_string_value (json_object_get (object, "title")), "黨建工作情況");
    assert_true (json_is_null (json_object_get (object, "kind")));
    /* Beyond jansson's signed range: digits as a string. */
    assert_string_equal (json_string_value (json_object_get (object, "called_at")),
                         "18446744073709551615");
    /* Through text, as over HTTP. */
    char *text = json_dumps (object, JSON_COMPACT);
    json_decref (object);
    object = s_parse (text);
    free (text);
    /* The echo has every field, absent ones as null: null reads as absent. */
    bs_submit_t back;
    bs_error_t error;
    assert_int_equal (bs_json_to_record (object, &bs_submit_schema, &back, &error), BS_OK);
    json_decref (object);
    assert_string_equal (back.unit, "城關鎮");
    assert_string_equal (back.body, "全文「引號」\n第二行");
    assert_null (back.kind);
    assert_true (back.urgent);
    assert_true (back.called_at == UINT64_MAX);
    assert_int_equal (back.attachments.count, 1);
    bs_attachment_t *copy = back.attachments.items;
    assert_string_equal (copy->name, "照片.jpg");
    assert_int_equal (copy->data.size, sizeof bytes);
    assert_memory_equal (copy->data.data, bytes, sizeof bytes);
    bs_codec_record_free (&bs_submit_schema, &back);
}

static void
test_list_round_trip (void **state)
{
    (void) state;
    uint64_t ids[] = {1, 2, 3};
    bs_issue_add_t add = {.issue_id = 7, .report_ids = {3, ids}};
    json_t *object = bs_json_from_record (&bs_issue_add_schema, &add);
    bs_issue_add_t back;
    bs_error_t error;
    assert_int_equal (bs_json_to_record (object, &bs_issue_add_schema, &back, &error), BS_OK);
    json_decref (object);
    assert_int_equal (back.issue_id, 7);
    assert_int_equal (back.report_ids.count, 3);
    assert_int_equal (back.report_ids.items[2], 3);
    bs_codec_record_free (&bs_issue_add_schema, &back);
}

static void
test_refusals (void **state)
{
    (void) state;
    const bs_schema_t *submit = &bs_submit_schema;
    s_expect_refused (submit, "{}", "title");
    s_expect_refused (submit, "{\"title\": \"t\"}", "body");
    s_expect_refused (submit, "{\"title\": \"\", \"body\": \"b\"}", "title");
    s_expect_refused (submit, "{\"title\": 5, \"body\": \"b\"}", "title");
    s_expect_refused (submit, "{\"title\": \"t\", \"body\": \"b\", \"urgent\": \"yes\"}", "urgent");
    s_expect_refused (submit, "{\"title\": \"t\", \"body\": \"b\", \"titel\": \"x\"}", "titel");
    s_expect_refused (submit, "{\"title\": \"t\", \"body\": \"b\", \"called_at\": -1}",
                      "called_at");
    s_expect_refused (submit, "{\"title\": \"t\", \"body\": \"b\", \"called_at\": \"12x\"}",
                      "called_at");
    s_expect_refused (submit, "{\"title\": \"t\", \"body\": \"a\\u0000b\"}", "body");
    s_expect_refused (submit, "{\"title\": \"t\", \"body\": \"b\", \"attachments\": {}}",
                      "attachments");
    s_expect_refused (submit, "{\"title\": \"t\", \"body\": \"b\", \"attachments\": [5]}",
                      "attachments[0]");
    s_expect_refused (submit,
                      "{\"title\": \"t\", \"body\": \"b\", \"attachments\": "
                      "[{\"name\": \"a\", \"content_type\": \"x/y\"}, {\"name\": \"b\"}]}",
                      "attachments[1].content_type");
    s_expect_refused (submit,
                      "{\"title\": \"t\", \"body\": \"b\", \"attachments\": "
                      "[{\"name\": \"a\", \"content_type\": \"x/y\", \"data\": \"@@@\"}]}",
                      "attachments[0].data");
    s_expect_refused (submit,
                      "{\"title\": \"t\", \"body\": \"b\", \"attachments\": "
                      "[{\"name\": \"a\", \"content_type\": \"x/y\", \"size\": 99999999999}]}",
                      "attachments[0].size");
    s_expect_refused (&bs_issue_add_schema, "{\"issue_id\": 0, \"report_ids\": [1]}", "issue_id");
    s_expect_refused (&bs_issue_add_schema, "{\"issue_id\": 1, \"report_ids\": []}", "report_ids");
    s_expect_refused (&bs_issue_add_schema, "{\"issue_id\": 1, \"report_ids\": [1, true]}",
                      "report_ids[1]");
    s_expect_refused (submit, "[1, 2]", "");

    /* One byte over the title's limit. */
    char *long_title = malloc (BS_TITLE_MAX + 64);
    memset (long_title, 'x', BS_TITLE_MAX + 1);
    long_title[BS_TITLE_MAX + 1] = 0;
    json_t *object = json_pack ("{s:s, s:s}", "title", long_title, "body", "b");
    free (long_title);
    bs_submit_t record;
    bs_error_t error;
    assert_int_equal (bs_json_to_record (object, submit, &record, &error), BS_E_INVALID);
    assert_string_equal (error.field, "title");
    json_decref (object);
}

static void
test_too_many_items (void **state)
{
    (void) state;
    json_t *items = json_array ();
    for (int i = 0; i < BS_BATCH_MAX + 1; i++)
        json_array_append_new (items, json_pack ("{s:s, s:s}", "title", "t", "body", "b"));
    json_t *object = json_pack ("{s:s, s:o}", "token", "secret", "items", items);
    bs_batch_t batch;
    bs_error_t error;
    assert_int_equal (bs_json_to_record (object, &bs_batch_schema, &batch, &error), BS_E_INVALID);
    assert_string_equal (error.field, "items");
    /* At the limit it is fine. */
    json_array_remove (items, 0);
    assert_int_equal (bs_json_to_record (object, &bs_batch_schema, &batch, &error), BS_OK);
    assert_int_equal (batch.items.count, BS_BATCH_MAX);
    bs_codec_record_free (&bs_batch_schema, &batch);
    json_decref (object);
}

static void
test_error_body (void **state)
{
    (void) state;
    bs_error_t error;
    bs_error_set (&error, BS_E_INVALID, "title", "title is empty");
    json_t *body = bs_json_error (&error);
    char *text = json_dumps (body, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal (text, "{\"error\":{\"code\":\"invalid\",\"field\":\"title\","
                               "\"message\":\"title is empty\"}}");
    free (text);
    json_decref (body);
    bs_error_set (&error, BS_E_UNAVAILABLE, "", "intake is down");
    body = bs_json_error (&error);
    assert_true (json_is_null (json_object_get (json_object_get (body, "error"), "field")));
    json_decref (body);
    /* What is wrong in a word, and where, when the error says it. */
    bs_error_set (&error, BS_E_INVALID, "text", "line 4: 'two' is not a whole number");
    bs_error_reason (&error, "not_whole", 4);
    body = bs_json_error (&error);
    text = json_dumps (body, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal (text, "{\"error\":{\"code\":\"invalid\",\"field\":\"text\",\"line\":4,"
                               "\"message\":\"line 4: 'two' is not a whole number\","
                               "\"reason\":\"not_whole\"}}");
    free (text);
    json_decref (body);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_submit_round_trip), cmocka_unit_test (test_list_round_trip),
        cmocka_unit_test (test_refusals),          cmocka_unit_test (test_too_many_items),
        cmocka_unit_test (test_error_body),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
