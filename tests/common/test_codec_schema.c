/*  test_codec_schema: a record must fit its schema: a wrong type or a
    missing required field is refused naming the field, and every field of
    every schema is pushed below and above its limits; nil is absent,
    unknown fields are ignored whatever their shape, duplicate keys and
    embedded NULs refused; every width msgpack has for a value reads alike.
*/
#include "bs_test.h"
#include "bs_test_codec.h"

#include "bs_codec.h"
#include "bs_schemas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const bs_codec_limits_t *s_limits = &bs_codec_default_limits;

//  --------------------------------------------------------------------------
//  Schema checks

static void
test_wrong_type_names_field (void **state)
{
    (void) state;
    bs_test_assert_submit_refused (NULL, "urgent", "yes", 3, "urgent",
                                   "field 'urgent' must be a boolean");
    msgpack_sbuffer buffer;
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);

    //  A negative number is not a u64.
    msgpack_sbuffer_init (&buffer);
    msgpack_pack_map (&packer, 2);
    bs_test_pack_cstr (&packer, "issue_id");
    msgpack_pack_int64 (&packer, -1);
    bs_test_pack_cstr (&packer, "report_ids");
    msgpack_pack_array (&packer, 1);
    msgpack_pack_uint64 (&packer, 1);
    bs_test_assert_record_refused (&buffer, &bs_issue_add_schema, "issue_id",
                                   "field 'issue_id' must be an unsigned integer");

    //  A list element that is not a map is named by its index.
    msgpack_sbuffer_init (&buffer);
    msgpack_pack_map (&packer, 1);
    bs_test_pack_cstr (&packer, "rows");
    msgpack_pack_array (&packer, 1);
    msgpack_pack_uint64 (&packer, 1);
    bs_test_assert_record_refused (&buffer, &bs_stats_page_schema, "rows[0]",
                                   "field 'rows[0]' must be a map");

    //  The record itself must be a map.
    msgpack_sbuffer_init (&buffer);
    msgpack_pack_array (&packer, 0);
    bs_test_assert_record_refused (&buffer, &bs_submit_schema, "", "record must be a map");
}

static void
test_missing_required_names_field (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    bs_test_pack_submit_base (&packer, 0, "title"); /* unit is optional since intake maps senders */
    bs_test_assert_record_refused (&buffer, &bs_submit_schema, "title",
                                   "field 'title' is required");

    //  Inside a list the path names the element; the strings of the element
    //  decoded before it are freed (the leak checkers see to that).
    bs_issue_t issue = bs_test_sample_issue ();
    bs_issue_item_t items[3];
    memcpy (items, bs_test_issue_items, sizeof items);
    items[1].title = NULL; /* a NULL required string is written as "" */
    issue.items.items = items;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_record (&buffer, &bs_issue_schema, &issue), BS_OK);
    bs_test_assert_record_refused (&buffer, &bs_issue_schema, "items[1].title",
                                   "field 'items[1].title' must not be empty");

    //  A required field missing from a list element.
    msgpack_sbuffer_init (&buffer);
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 1);
    bs_test_pack_cstr (&packer, "rows");
    msgpack_pack_array (&packer, 1);
    msgpack_pack_map (&packer, 0);
    bs_test_assert_record_refused (&buffer, &bs_stats_page_schema, "rows[0].unit",
                                   "field 'rows[0].unit' is required");

    //  An index of several digits: the 124th element is refused.
    msgpack_sbuffer_init (&buffer);
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 1);
    bs_test_pack_cstr (&packer, "rows");
    msgpack_pack_array (&packer, 124);
    for (int i = 0; i < 123; i++) {
        msgpack_pack_map (&packer, 2);
        bs_test_pack_cstr (&packer, "unit");
        bs_test_pack_cstr (&packer, "湯陰縣");
        bs_test_pack_cstr (&packer, "period");
        bs_test_pack_cstr (&packer, "2026");
    }
    msgpack_pack_map (&packer, 1);
    bs_test_pack_cstr (&packer, "unit");
    msgpack_pack_uint64 (&packer, 7);
    bs_test_assert_record_refused (&buffer, &bs_stats_page_schema, "rows[123].unit",
                                   "field 'rows[123].unit' must be a string");
}

static void
test_out_of_limits (void **state)
{
    (void) state;
    bs_error_t error;
    msgpack_sbuffer buffer;
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);

    //  unit is at most 128 bytes.
    msgpack_sbuffer_init (&buffer);
    bs_test_pack_submit_base (&packer, 1, "unit");
    bs_test_pack_cstr (&packer, "unit");
    bs_test_pack_filled_str (&packer, 'u', 129);
    bs_test_assert_record_refused (&buffer, &bs_submit_schema, "unit",
                                   "field 'unit' must be at most 128 bytes (is 129)");

    //  year is at most 9999.
    bs_issue_t issue = bs_test_sample_issue ();
    issue.year = 10000;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_record (&buffer, &bs_issue_schema, &issue), BS_OK);
    bs_issue_t decoded;
    assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_issue_schema, s_limits,
                                              &decoded, &error),
                      BS_E_INVALID);
    assert_string_equal (error.field, "year");
    assert_string_equal (error.text, "field 'year' must be from 0 to 9999 (is 10000)");
    msgpack_sbuffer_destroy (&buffer);

    //  report_ids holds 1 to 1000 ids.
    for (size_t count = 0; count <= 1001; count += 1001) {
        uint64_t *ids = calloc (count + 1, sizeof (uint64_t));
        assert_non_null (ids);
        bs_issue_add_t add = {.issue_id = 1, .report_ids = {.count = count, .items = ids}};
        msgpack_sbuffer_init (&buffer);
        assert_int_equal (bs_codec_encode_record (&buffer, &bs_issue_add_schema, &add), BS_OK);
        bs_issue_add_t decoded_add;
        assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_issue_add_schema,
                                                  s_limits, &decoded_add, &error),
                          BS_E_INVALID);
        assert_string_equal (error.field, "report_ids");
        assert_string_equal (error.text,
                             count ? "field 'report_ids' must have at most 1000 elements (has 1001)"
                                   : "field 'report_ids' must have at least 1 elements (has 0)");
        free (ids);
        msgpack_sbuffer_destroy (&buffer);
    }
}

//  One field of a generated record made wrong in one way.
typedef enum {
    VARIANT_VALID,
    VARIANT_MISSING,
    VARIANT_NIL,
    VARIANT_WRONG_TYPE,
    VARIANT_TOO_SMALL,
    VARIANT_TOO_BIG,
    VARIANT_COUNT
} variant_t;

static bool
s_variant_applies (const bs_field_t *field, variant_t variant)
{
    switch (variant) {
    case VARIANT_TOO_SMALL:
        return field->type != BS_FIELD_BOOL && field->min > 0;
    case VARIANT_TOO_BIG:
        if (field->type == BS_FIELD_U64)
            return field->max < UINT64_MAX;
        return field->type != BS_FIELD_BOOL && field->max < 1000000;
    default:
        return true;
    }
}

static void s_pack_variant (msgpack_packer *packer, const bs_schema_t *schema, size_t target,
                            variant_t variant);

//  The value of field: a valid one, or one made wrong by variant.
static void
s_pack_field_value (msgpack_packer *packer, const bs_field_t *field, variant_t variant)
{
    uint64_t count = field->min ? field->min : (field->max ? 1 : 0);
    if (variant == VARIANT_TOO_SMALL)
        count = field->min - 1;
    else if (variant == VARIANT_TOO_BIG)
        count = field->max + 1;
    if (variant == VARIANT_NIL) {
        msgpack_pack_nil (packer);
        return;
    }
    switch (field->type) {
    case BS_FIELD_STR:
        if (variant == VARIANT_WRONG_TYPE)
            msgpack_pack_uint64 (packer, 7);
        else
            bs_test_pack_filled_str (packer, 'a', count);
        break;
    case BS_FIELD_U64:
        if (variant == VARIANT_WRONG_TYPE)
            bs_test_pack_cstr (packer, "7");
        else
            msgpack_pack_uint64 (packer, count); /* valid: not 0, which is left out */
        break;
    case BS_FIELD_BOOL:
        if (variant == VARIANT_WRONG_TYPE)
            msgpack_pack_uint64 (packer, 1);
        else
            msgpack_pack_true (packer);
        break;
    case BS_FIELD_U64_LIST:
        if (variant == VARIANT_WRONG_TYPE) {
            msgpack_pack_array (packer, 1);
            bs_test_pack_cstr (packer, "1");
            break;
        }
        msgpack_pack_array (packer, count);
        for (uint64_t k = 0; k < count; k++)
            msgpack_pack_uint64 (packer, k + 1);
        break;
    case BS_FIELD_BIN:
        if (variant == VARIANT_WRONG_TYPE) {
            bs_test_pack_cstr (packer, "bytes as a string");
            break;
        }
        msgpack_pack_bin (packer, (size_t) count);
        for (uint64_t k = 0; k < count; k++)
            msgpack_pack_bin_body (packer, "\x01", 1);
        break;
    case BS_FIELD_LIST:
        if (variant == VARIANT_WRONG_TYPE) {
            msgpack_pack_map (packer, 0);
            break;
        }
        msgpack_pack_array (packer, count);
        for (uint64_t k = 0; k < count; k++)
            if (variant == VARIANT_VALID)
                s_pack_variant (packer, field->item, SIZE_MAX, VARIANT_VALID);
            else
                msgpack_pack_map (packer, 0); /* the count is refused first */
        break;
    }
}

//  A record of schema with every field valid except the one at target.
static void
s_pack_variant (msgpack_packer *packer, const bs_schema_t *schema, size_t target, variant_t variant)
{
    size_t count =
        schema->field_count - (target < schema->field_count && variant == VARIANT_MISSING);
    msgpack_pack_map (packer, count);
    for (size_t i = 0; i < schema->field_count; i++) {
        if (i == target && variant == VARIANT_MISSING)
            continue;
        bs_test_pack_cstr (packer, schema->fields[i].name);
        s_pack_field_value (packer, &schema->fields[i], i == target ? variant : VARIANT_VALID);
    }
}

//  Every schema the codec knows: the protocol's, then the application's;
//  NULL after the last.
static const bs_schema_t *
s_schema_at (size_t index)
{
    size_t protocol = 0;
    while (bs_proto_all[protocol])
        protocol++;
    return index < protocol ? bs_proto_all[index] : bs_schema_all[index - protocol];
}

//  Every field of every schema: valid, missing, nil, mistyped, too small
//  and too big, each decoded with the right code and the field named.
static void
test_every_field_of_every_schema (void **state)
{
    (void) state;
    size_t checked = 0;
    for (size_t s = 0; s_schema_at (s); s++) {
        const bs_schema_t *schema = s_schema_at (s);
        void *record = malloc (schema->record_size);
        assert_non_null (record);
        for (size_t f = 0; f < schema->field_count; f++) {
            const bs_field_t *field = &schema->fields[f];
            for (variant_t variant = 0; variant < VARIANT_COUNT; variant++) {
                if (!s_variant_applies (field, variant))
                    continue;
                msgpack_sbuffer buffer;
                msgpack_sbuffer_init (&buffer);
                msgpack_packer packer;
                msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
                s_pack_variant (&packer, schema, f, variant);

                bool absent = variant == VARIANT_MISSING || variant == VARIANT_NIL;
                int expected =
                    variant == VARIANT_VALID || (absent && !field->required) ? BS_OK : BS_E_INVALID;
                bs_error_t error;
                int rc = bs_codec_decode_record (buffer.data, buffer.size, schema, s_limits, record,
                                                 &error);
                if (rc != expected)
                    fail_msg ("%s.%s variant %d: got %d (%s), expected %d", schema->type,
                              field->name, variant, rc, rc ? error.text : "", expected);
                if (rc == BS_OK) {
                    //  What decodes encodes back to the same bytes, when
                    //  nothing was left out.
                    if (variant == VARIANT_VALID) {
                        msgpack_sbuffer again;
                        msgpack_sbuffer_init (&again);
                        assert_int_equal (bs_codec_encode_record (&again, schema, record), BS_OK);
                        assert_int_equal (again.size, buffer.size);
                        assert_memory_equal (again.data, buffer.data, buffer.size);
                        msgpack_sbuffer_destroy (&again);
                    }
                    bs_codec_record_free (schema, record);
                } else {
                    assert_string_equal (error.field, field->name);
                    assert_true (bs_test_all_zero (record, schema->record_size));
                    if (absent)
                        assert_true (strstr (error.text, "is required"));
                }
                checked++;
                msgpack_sbuffer_destroy (&buffer);
            }
        }
        free (record);
    }
    assert_true (checked > 500);
}

static void
test_nil_is_absent (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    bs_test_pack_submit_base (&packer, 2, NULL);
    bs_test_pack_cstr (&packer, "topic");
    msgpack_pack_nil (&packer);
    bs_test_pack_cstr (&packer, "urgent");
    msgpack_pack_nil (&packer);
    bs_submit_t submit;
    bs_error_t error;
    assert_int_equal (bs_test_decode_submit (&buffer, &submit, &error), BS_OK);
    assert_null (submit.topic);
    assert_false (submit.urgent);
    bs_codec_record_free (&bs_submit_schema, &submit);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_unknown_fields_ignored (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    bs_test_pack_submit_base (&packer, 5, NULL);
    bs_test_pack_cstr (&packer, "future_field");
    msgpack_pack_array (&packer, 2);
    msgpack_pack_double (&packer, 1.5);
    msgpack_pack_map (&packer, 1);
    bs_test_pack_cstr (&packer, "deep");
    msgpack_pack_bin_with_body (&packer, "\x00\x01", 2);
    msgpack_pack_uint64 (&packer, 5); /* a non-string key */
    bs_test_pack_cstr (&packer, "five");
    msgpack_pack_nil (&packer);
    bs_test_pack_cstr (&packer, "nil key");
    bs_test_pack_cstr (&packer, "Unit"); /* names match exactly, not ignoring case */
    msgpack_pack_uint64 (&packer, 1);
    bs_test_pack_cstr (&packer, "uni"); /* nor by prefix */
    msgpack_pack_uint64 (&packer, 1);
    bs_submit_t submit;
    bs_error_t error;
    assert_int_equal (bs_test_decode_submit (&buffer, &submit, &error), BS_OK);
    assert_string_equal (submit.unit, "市委办公室");
    bs_codec_record_free (&bs_submit_schema, &submit);
    msgpack_sbuffer_destroy (&buffer);
}

/* A view decodes its type without the fields it leaves out: they are
   neither checked (a body that is not UTF-8, a required title missing)
   nor copied, the rest is as the whole schema decodes it, and the
   message keeps its type's own schema. A list's items go by their view. */
static void
test_a_view_leaves_its_fields_out (void **state)
{
    (void) state;
    bs_report_t report = {.report_id = 7, .reg_no = "R-7", .unit = "市委办公室", .title = "標題",
                          .body = "\xff\xfe not UTF-8", .kind = "info", .channel = "web",
                          .received_at = 1000};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, &bs_report_schema, &report, "e-1", "intake", 1, 3),
        BS_OK);
    bs_message_t message;
    bs_error_t error;
    assert_int_equal (bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error),
                      BS_E_INVALID);
    assert_string_equal (error.field, "body");

    static const char *const texts[] = {"title", "body", NULL};
    bs_field_t fields[32], few[4];
    bs_schema_t view, small;
    assert_int_equal (bs_schema_view (&bs_report_schema, texts, few, 4, &small), BS_E_LIMIT);
    assert_int_equal (bs_schema_view (&bs_report_schema, texts, fields, 32, &view), BS_OK);
    assert_int_equal (view.field_count, bs_report_schema.field_count - 2);
    assert_null (bs_schema_field (&view, "body"));
    assert_non_null (bs_schema_field (&view, "unit"));
    const bs_schema_t *views[] = {&view, NULL};
    assert_int_equal (
        bs_message_decode_view (buffer.data, buffer.size, s_limits, views, &message, &error),
        BS_OK);
    assert_ptr_equal (message.schema, &bs_report_schema);
    const bs_report_t *decoded = message.data;
    assert_null (decoded->title);
    assert_null (decoded->body);
    assert_int_equal (decoded->report_id, 7);
    assert_string_equal (decoded->unit, "市委办公室");
    assert_string_equal (decoded->channel, "web");
    assert_int_equal (message.seq, 3);
    bs_message_clear (&message);

    //  Another type's views do not apply; no title is still refused there.
    report.title = NULL;
    report.body = "正文";
    msgpack_sbuffer_clear (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, &bs_report_schema, &report, "e-2", "intake", 1, 4),
        BS_OK);
    const bs_schema_t *others[] = {&bs_decision_schema, NULL};
    assert_int_equal (
        bs_message_decode_view (buffer.data, buffer.size, s_limits, others, &message, &error),
        BS_E_INVALID);
    assert_string_equal (error.field, "title");
    assert_int_equal (
        bs_message_decode_view (buffer.data, buffer.size, s_limits, views, &message, &error),
        BS_OK);
    assert_null (((bs_report_t *) message.data)->body);
    assert_string_equal (((bs_report_t *) message.data)->kind, "info");
    bs_message_clear (&message);

    //  An issue's items by the items' view.
    bs_issue_item_t items[2] = {{.report_id = 1, .reg_no = "R-1", .unit = "甲", .title = "一",
                                 .body = "\xc0\x80"},
                                {.report_id = 2, .reg_no = "R-2", .unit = "乙", .title = "二"}};
    bs_issue_published_t issue = {.issue_id = 1, .periodical = "刊", .year = 2026, .number = 1,
                                  .total = 2, .published_at = 5, .items = {2, items}};
    msgpack_sbuffer_clear (&buffer);
    assert_int_equal (bs_codec_encode_message (&buffer, &bs_issue_published_schema, &issue, "e-3",
                                               "publication", 1, 5),
                      BS_OK);
    bs_field_t item_fields[32], issue_fields[32];
    bs_schema_t item_view, issue_view;
    static const char *const none[] = {NULL};
    assert_int_equal (bs_schema_view (&bs_issue_item_schema, texts, item_fields, 32, &item_view),
                      BS_OK);
    assert_int_equal (
        bs_schema_view (&bs_issue_published_schema, none, issue_fields, 32, &issue_view), BS_OK);
    for (size_t i = 0; i < issue_view.field_count; i++)
        if (issue_fields[i].item == &bs_issue_item_schema)
            issue_fields[i].item = &item_view;
    const bs_schema_t *issue_views[] = {&issue_view, NULL};
    assert_int_equal (bs_message_decode_view (buffer.data, buffer.size, s_limits, issue_views,
                                              &message, &error),
                      BS_OK);
    const bs_issue_published_t *published = message.data;
    assert_int_equal (published->items.count, 2);
    const bs_issue_item_t *item = published->items.items;
    assert_null (item[0].title);
    assert_null (item[0].body);
    assert_string_equal (item[1].unit, "乙");
    assert_int_equal (item[1].report_id, 2);
    bs_message_clear (&message);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_duplicate_key (void **state)
{
    (void) state;
    bs_test_assert_submit_refused (NULL, "title", "另一个标题", strlen ("另一个标题"), "title",
                                   "field 'title' appears twice");
    msgpack_sbuffer buffer;
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);

    //  In the envelope too.
    msgpack_sbuffer_init (&buffer);
    msgpack_pack_map (&packer, 3);
    bs_test_pack_cstr (&packer, "v");
    msgpack_pack_uint64 (&packer, 1);
    bs_test_pack_cstr (&packer, "type");
    bs_test_pack_cstr (&packer, "service.ping");
    bs_test_pack_cstr (&packer, "type");
    bs_test_pack_cstr (&packer, "intake.submit");
    bs_message_t message;
    bs_error_t error;
    assert_int_equal (bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error),
                      BS_E_MALFORMED);
    assert_string_equal (error.text, "envelope key 'type' appears twice");
    assert_null (message.data);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_embedded_nul (void **state)
{
    (void) state;
    bs_test_assert_submit_refused ("body", "body", "ok\0hidden", 9, "body",
                                   "field 'body' must not contain a NUL byte");
    msgpack_sbuffer buffer;
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);

    msgpack_sbuffer_init (&buffer);
    msgpack_pack_map (&packer, 2);
    bs_test_pack_cstr (&packer, "v");
    msgpack_pack_uint64 (&packer, 1);
    bs_test_pack_cstr (&packer, "type");
    msgpack_pack_str_with_body (&packer, "service.ping\0x", 14);
    bs_message_t message;
    bs_error_t error;
    assert_int_equal (bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error),
                      BS_E_MALFORMED);
    assert_string_equal (error.field, "type");
    msgpack_sbuffer_destroy (&buffer);
}

//  --------------------------------------------------------------------------
//  Every width msgpack has

//  A frame assembled byte by byte, each head in the form asked for.
typedef struct {
    uint8_t bytes[512];
    size_t size;
} frame_t;

static void
s_put (frame_t *frame, const void *bytes, size_t size)
{
    assert_true (frame->size + size <= sizeof frame->bytes);
    memcpy (frame->bytes + frame->size, bytes, size);
    frame->size += size;
}

//  tag, then value in width big-endian bytes.
static void
s_put_head (frame_t *frame, uint8_t tag, uint64_t value, size_t width)
{
    s_put (frame, &tag, 1);
    for (size_t i = 0; i < width; i++) {
        uint8_t byte = (uint8_t) (value >> (8 * (width - 1 - i)));
        s_put (frame, &byte, 1);
    }
}

//  value (at most 127, so every form holds it) in form % 9: fixint, uint
//  8 to 64, int 8 to 64.
static void
s_put_number (frame_t *frame, uint64_t value, unsigned form)
{
    static const uint8_t tags[] = {0, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3};
    form %= 9;
    if (form == 0)
        s_put_head (frame, (uint8_t) value, 0, 0);
    else
        s_put_head (frame, tags[form], value, (size_t) 1 << ((form - 1) % 4));
}

//  A str (under 32 bytes) in form % 4: fixstr, str 8, 16, 32.
static void
s_put_str (frame_t *frame, const char *text, unsigned form)
{
    size_t length = strlen (text);
    form %= 4;
    if (form == 0)
        s_put_head (frame, (uint8_t) (0xa0 | length), 0, 0);
    else
        s_put_head (frame, (uint8_t) (0xd8 + form), length, (size_t) 1 << (form - 1));
    s_put (frame, text, length);
}

//  An array's or a map's head (count under 16) in form % 3: fix, 16, 32.
static void
s_put_container (frame_t *frame, bool map, uint64_t count, unsigned form)
{
    form %= 3;
    if (form == 0)
        s_put_head (frame, (uint8_t) ((map ? 0x80 : 0x90) | count), 0, 0);
    else
        s_put_head (frame, (uint8_t) ((map ? 0xdd : 0xdb) + form), count, (size_t) 2 << (form - 1));
}

/* A number, a string, bytes, an array and a map read alike in every width
   msgpack has for them; a signed int that is not negative is an unsigned
   integer (as msgpack-c always read it), a negative one in any width is
   not, nor a float. */
static void
test_every_width_reads_alike (void **state)
{
    (void) state;
    bs_error_t error;
    for (unsigned form = 0; form < 36; form++) {
        frame_t frame = {.size = 0};
        s_put_container (&frame, true, 2, form);
        s_put_str (&frame, "issue_id", form);
        s_put_number (&frame, 5, form);
        s_put_str (&frame, "report_ids", form + 1);
        s_put_container (&frame, false, 2, form + 1);
        s_put_number (&frame, 100, form + 1);
        s_put_number (&frame, 127, form + 2);
        bs_issue_add_t add;
        if (bs_codec_decode_record (frame.bytes, frame.size, &bs_issue_add_schema, s_limits, &add,
                                    &error)
            != BS_OK)
            fail_msg ("form %u: %s", form, error.text);
        assert_int_equal (add.issue_id, 5);
        assert_int_equal (add.report_ids.count, 2);
        assert_int_equal (add.report_ids.items[0], 100);
        assert_int_equal (add.report_ids.items[1], 127);
        bs_codec_record_free (&bs_issue_add_schema, &add);

        bs_token_t token;
        frame.size = 0;
        s_put_container (&frame, true, 4, form);
        s_put_str (&frame, "name", form);
        s_put_str (&frame, "接口", form + 1);
        s_put_str (&frame, "unit", form + 2);
        s_put_str (&frame, "市委办公室", form + 3);
        s_put_str (&frame, "created_at", form);
        s_put_number (&frame, 9, form);
        s_put_str (&frame, "revoked", form);
        s_put_head (&frame, 0xc3, 0, 0);
        if (bs_codec_decode_record (frame.bytes, frame.size, &bs_token_schema, s_limits, &token,
                                    &error)
            != BS_OK)
            fail_msg ("form %u: %s", form, error.text);
        assert_string_equal (token.name, "接口");
        assert_string_equal (token.unit, "市委办公室");
        assert_int_equal (token.created_at, 9);
        assert_true (token.revoked);
        bs_codec_record_free (&bs_token_schema, &token);
    }

    //  Numbers in all their bytes, big-endian.
    static const struct {
        uint8_t bytes[9];
        size_t size;
        uint64_t value;
    } wide[] = {
        {{0xcd, 0x12, 0x34}, 3, 0x1234},
        {{0xce, 0x12, 0x34, 0x56, 0x78}, 5, 0x12345678},
        {{0xcf, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0}, 9, 0x123456789abcdef0},
        {{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9, UINT64_MAX},
        {{0xd1, 0x7f, 0xff}, 3, 0x7fff},
        {{0xd2, 0x7f, 0xff, 0xff, 0xff}, 5, 0x7fffffff},
        {{0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9, INT64_MAX},
    };
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
        frame_t frame = {.size = 0};
        s_put_container (&frame, true, 2, 0);
        s_put_str (&frame, "issue_id", 0);
        s_put (&frame, wide[i].bytes, wide[i].size);
        s_put_str (&frame, "report_ids", 0);
        s_put_container (&frame, false, 1, 0);
        s_put (&frame, wide[i].bytes, wide[i].size);
        bs_issue_add_t add;
        assert_int_equal (bs_codec_decode_record (frame.bytes, frame.size, &bs_issue_add_schema,
                                                  s_limits, &add, &error),
                          BS_OK);
        assert_true (add.issue_id == wide[i].value);
        assert_true (add.report_ids.items[0] == wide[i].value);
        bs_codec_record_free (&bs_issue_add_schema, &add);
    }

    //  Negative in every width, a float: no unsigned integer, alone or
    //  after good elements of a list.
    static const struct {
        uint8_t bytes[9];
        size_t size;
    } refused[] = {
        {{0xff}, 1},
        {{0xe0}, 1},
        {{0xd0, 0xff}, 2},
        {{0xd1, 0x80, 0x00}, 3},
        {{0xd2, 0xff, 0xff, 0xff, 0xfe}, 5},
        {{0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}, 9},
        {{0xca, 0x3f, 0x80, 0, 0}, 5},
        {{0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}, 9},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        frame_t frame = {.size = 0};
        s_put_container (&frame, true, 2, 0);
        s_put_str (&frame, "report_ids", 0);
        s_put_container (&frame, false, 1, 0);
        s_put_number (&frame, 1, 0);
        s_put_str (&frame, "issue_id", 0);
        s_put (&frame, refused[i].bytes, refused[i].size);
        msgpack_sbuffer_write (&buffer, (const char *) frame.bytes, frame.size);
        bs_test_assert_record_refused (&buffer, &bs_issue_add_schema, "issue_id",
                                       "field 'issue_id' must be an unsigned integer");

        msgpack_sbuffer_init (&buffer);
        frame.size = 0;
        s_put_container (&frame, true, 2, 0);
        s_put_str (&frame, "issue_id", 0);
        s_put_number (&frame, 1, 0);
        s_put_str (&frame, "report_ids", 0);
        s_put_container (&frame, false, 3, 0);
        s_put_number (&frame, 1, 0);
        s_put_number (&frame, 2, 8);
        s_put (&frame, refused[i].bytes, refused[i].size);
        msgpack_sbuffer_write (&buffer, (const char *) frame.bytes, frame.size);
        bs_test_assert_record_refused (&buffer, &bs_issue_add_schema, "report_ids",
                                       "field 'report_ids' must be an array of unsigned integers");
    }

    //  Bytes in bin 8, 16 and 32.
    for (unsigned form = 0; form < 3; form++) {
        frame_t frame = {.size = 0};
        s_put_container (&frame, true, 5, form);
        s_put_str (&frame, "issue_id", 0);
        s_put_number (&frame, 1, 0);
        s_put_str (&frame, "format", 0);
        s_put_str (&frame, "pdf", 0);
        s_put_str (&frame, "content_type", 0);
        s_put_str (&frame, "application/pdf", 0);
        s_put_str (&frame, "filename", 0);
        s_put_str (&frame, "a.pdf", 0);
        s_put_str (&frame, "content", 0);
        s_put_head (&frame, (uint8_t) (0xc4 + form), 3, (size_t) 1 << form);
        s_put (&frame, "\x00\xc1\xff", 3);
        bs_document_t document;
        assert_int_equal (bs_codec_decode_record (frame.bytes, frame.size, &bs_document_schema,
                                                  s_limits, &document, &error),
                          BS_OK);
        assert_int_equal (document.content.size, 3);
        assert_memory_equal (document.content.data, "\x00\xc1\xff", 3);
        bs_codec_record_free (&bs_document_schema, &document);
    }
}

/* What a record does not know is passed over whatever its shape: values
   nested as deep as the limits allow, keys that are arrays and maps, a
   list's items holding more of the same; what follows is still read, a
   duplicate after them still refused. */
static void
test_what_is_unknown_is_passed_over (void **state)
{
    (void) state;
    //  [[[[{}]]], {[1]: {a: [nil, 1.5]}}]: depth 5 of the 8 allowed.
    static const uint8_t nested[] = {0x92, 0x91, 0x91, 0x91, 0x80, 0x81, 0x91, 0x01, 0x81,
                                     0xa1, 'a',  0x92, 0xc0, 0xca, 0x3f, 0xc0, 0x00, 0x00};
    frame_t frame = {.size = 0};
    s_put_container (&frame, true, 5, 1);
    s_put_str (&frame, "before", 0);
    s_put (&frame, nested, sizeof nested);
    s_put (&frame, nested, sizeof nested); /* an array as a key */
    s_put_str (&frame, "ignored", 0);
    s_put_str (&frame, "issue_id", 0);
    s_put_number (&frame, 7, 4);
    s_put (&frame, nested + 5, sizeof nested - 5); /* a map as a key */
    s_put (&frame, nested, sizeof nested);
    s_put_str (&frame, "report_ids", 2);
    s_put_container (&frame, false, 1, 2);
    s_put_number (&frame, 8, 0);
    bs_issue_add_t add;
    bs_error_t error;
    if (bs_codec_decode_record (frame.bytes, frame.size, &bs_issue_add_schema, s_limits, &add,
                                &error)
        != BS_OK)
        fail_msg ("%s", error.text);
    assert_int_equal (add.issue_id, 7);
    assert_int_equal (add.report_ids.count, 1);
    assert_int_equal (add.report_ids.items[0], 8);
    bs_codec_record_free (&bs_issue_add_schema, &add);

    //  The same before a duplicate: still refused.
    frame.size = 0;
    s_put_container (&frame, true, 4, 0);
    s_put_str (&frame, "issue_id", 0);
    s_put_number (&frame, 7, 0);
    s_put (&frame, nested, sizeof nested);
    s_put (&frame, nested, sizeof nested);
    s_put_str (&frame, "report_ids", 0);
    s_put_container (&frame, false, 1, 0);
    s_put_number (&frame, 8, 0);
    s_put_str (&frame, "issue_id", 3);
    s_put_number (&frame, 7, 0);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_sbuffer_write (&buffer, (const char *) frame.bytes, frame.size);
    bs_test_assert_record_refused (&buffer, &bs_issue_add_schema, "issue_id",
                                   "field 'issue_id' appears twice");

    //  Inside a list's items, which are named when they fail.
    frame.size = 0;
    s_put_container (&frame, true, 1, 0);
    s_put_str (&frame, "rows", 0);
    s_put_container (&frame, false, 2, 1);
    s_put_container (&frame, true, 3, 2);
    s_put_str (&frame, "extra", 0);
    s_put (&frame, nested, sizeof nested);
    s_put_str (&frame, "unit", 1);
    s_put_str (&frame, "市", 2);
    s_put_str (&frame, "period", 3);
    s_put_str (&frame, "", 3);
    s_put_container (&frame, true, 2, 0);
    s_put (&frame, nested, sizeof nested);
    s_put_number (&frame, 1, 0);
    s_put_str (&frame, "unit", 0);
    s_put_number (&frame, 1, 0);
    msgpack_sbuffer_init (&buffer);
    msgpack_sbuffer_write (&buffer, (const char *) frame.bytes, frame.size);
    bs_test_assert_record_refused (&buffer, &bs_stats_page_schema, "rows[1].unit",
                                   "field 'rows[1].unit' must be a string");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_wrong_type_names_field),
        cmocka_unit_test (test_missing_required_names_field),
        cmocka_unit_test (test_out_of_limits),
        cmocka_unit_test (test_every_field_of_every_schema),
        cmocka_unit_test (test_nil_is_absent),
        cmocka_unit_test (test_unknown_fields_ignored),
        cmocka_unit_test (test_a_view_leaves_its_fields_out),
        cmocka_unit_test (test_duplicate_key),
        cmocka_unit_test (test_embedded_nul),
        cmocka_unit_test (test_every_width_reads_alike),
        cmocka_unit_test (test_what_is_unknown_is_passed_over),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
