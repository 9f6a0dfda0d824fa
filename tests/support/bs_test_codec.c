/*  bs_test_codec: what the codec's tests share; see bs_test_codec.h. */
#include "bs_test_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_test.h"

void
bs_test_pack_cstr (msgpack_packer *packer, const char *string)
{
    msgpack_pack_str_with_body (packer, string, strlen (string));
}

//  A str of length copies of fill.
void
bs_test_pack_filled_str (msgpack_packer *packer, char fill, size_t length)
{
    char *body = malloc (length + 1);
    assert_non_null (body);
    memset (body, fill, length);
    msgpack_pack_str_with_body (packer, body, length);
    free (body);
}

bool
bs_test_all_zero (const void *memory, size_t size)
{
    const unsigned char *bytes = memory;
    for (size_t i = 0; i < size; i++)
        if (bytes[i])
            return false;
    return true;
}

//  Decode buffer as a submit record; a refused record must hold nothing.
int
bs_test_decode_submit (const msgpack_sbuffer *buffer, bs_submit_t *submit, bs_error_t *error)
{
    memset (submit, 0xa5, sizeof *submit); /* decode must zero it */
    int rc = bs_codec_decode_record (buffer->data, buffer->size, &bs_submit_schema,
                                     &bs_codec_default_limits, submit, error);
    if (rc != BS_OK)
        assert_true (bs_test_all_zero (submit, sizeof *submit));
    return rc;
}

void
bs_test_assert_record_refused (msgpack_sbuffer *buffer, const bs_schema_t *schema,
                               const char *field, const char *text)
{
    void *record = malloc (schema->record_size);
    assert_non_null (record);
    memset (record, 0xa5, schema->record_size); /* decode must zero it */
    bs_error_t error;
    assert_int_equal (bs_codec_decode_record (buffer->data, buffer->size, schema,
                                              &bs_codec_default_limits, record, &error),
                      BS_E_INVALID);
    assert_true (bs_test_all_zero (record, schema->record_size));
    free (record);
    assert_int_equal (error.code, BS_E_INVALID);
    assert_string_equal (error.field, field);
    assert_string_equal (error.text, text);
    msgpack_sbuffer_destroy (buffer);
}

void
bs_test_assert_submit_refused (const char *skip, const char *name, const char *value, size_t size,
                               const char *field, const char *text)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    bs_test_pack_submit_base (&packer, 1, skip);
    bs_test_pack_cstr (&packer, name);
    msgpack_pack_str_with_body (&packer, value, size);
    bs_test_assert_record_refused (&buffer, &bs_submit_schema, field, text);
}

//  Pack the required submit fields except skip (NULL: none) into a map that
//  declares extra more entries, which the caller packs next.
void
bs_test_pack_submit_base (msgpack_packer *packer, size_t extra, const char *skip)
{
    static const char *const names[] = {"unit", "title", "body"};
    static const char *const values[] = {"市委办公室", "关于春耕的报告", "正文"};
    size_t count = extra;
    for (size_t i = 0; i < 3; i++)
        count += !(skip && strcmp (skip, names[i]) == 0);
    msgpack_pack_map (packer, count);
    for (size_t i = 0; i < 3; i++) {
        if (skip && strcmp (skip, names[i]) == 0)
            continue;
        bs_test_pack_cstr (packer, names[i]);
        bs_test_pack_cstr (packer, values[i]);
    }
}

void
bs_test_pack_envelope (msgpack_packer *packer, const char *type, const char *id)
{
    msgpack_pack_map (packer, 4);
    bs_test_pack_cstr (packer, "v");
    msgpack_pack_uint64 (packer, 1);
    bs_test_pack_cstr (packer, "type");
    bs_test_pack_cstr (packer, type);
    bs_test_pack_cstr (packer, "id");
    bs_test_pack_cstr (packer, id);
    bs_test_pack_cstr (packer, "data");
}

//  Every way a frame is refused must agree: the check, a record decode and
//  a message decode return code, and leave nothing behind.
void
bs_test_assert_refused (const void *bytes, size_t size, int code, const char *text)
{
    bs_error_t error;
    assert_int_equal (bs_codec_check (bytes, size, &bs_codec_default_limits, &error), code);
    assert_int_equal (error.code, code);
    if (text && !strstr (error.text, text))
        fail_msg ("error '%s' does not contain '%s'", error.text, text);

    bs_submit_t submit;
    assert_int_equal (bs_codec_decode_record (bytes, size, &bs_submit_schema,
                                              &bs_codec_default_limits, &submit, &error),
                      code);
    assert_true (bs_test_all_zero (&submit, sizeof submit));

    bs_message_t message;
    assert_int_equal (bs_message_decode (bytes, size, &bs_codec_default_limits, &message, &error),
                      code);
    assert_null (message.data);
    assert_null (message.schema);
}

uint64_t
bs_test_random (uint64_t *state)
{
    //  xorshift64*: fixed seed, so a failure reproduces.
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545f4914f6cdd1dULL;
}

unsigned
bs_test_iterations (unsigned full)
{
    return bs_test_quick () ? full / 10 : full;
}

bs_issue_item_t bs_test_issue_items[3] = {
    {.report_id = 1, .reg_no = "BS-2026-0001", .unit = "县农业局", .title = "春耕进展"},
    {.report_id = 2, .reg_no = "BS-2026-0002", .unit = "市水利局", .title = "汛期准备"},
    {.report_id = UINT64_MAX, .reg_no = "BS-2026-0003", .unit = "unit", .title = "t"},
};

bs_issue_t
bs_test_sample_issue (void)
{
    bs_issue_t issue = {
        .issue_id = 42,
        .periodical = "《信息专报》",
        .year = 2026,
        .number = 3,
        .total = 118,
        .state = "published",
        .created_at = 1780000000000ULL,
        .published_at = 1780000500000ULL,
        .items = {.count = 3, .items = bs_test_issue_items},
    };
    return issue;
}

void
bs_test_assert_issue_equal (const bs_issue_t *expected, const bs_issue_t *actual)
{
    assert_int_equal (actual->issue_id, expected->issue_id);
    assert_string_equal (actual->periodical, expected->periodical);
    assert_int_equal (actual->year, expected->year);
    assert_int_equal (actual->number, expected->number);
    assert_int_equal (actual->total, expected->total);
    assert_string_equal (actual->state, expected->state);
    assert_int_equal (actual->created_at, expected->created_at);
    assert_int_equal (actual->published_at, expected->published_at);
    assert_int_equal (actual->items.count, expected->items.count);
    for (size_t i = 0; i < expected->items.count; i++) {
        const bs_issue_item_t *want = (const bs_issue_item_t *) expected->items.items + i;
        const bs_issue_item_t *got = (const bs_issue_item_t *) actual->items.items + i;
        assert_int_equal (got->report_id, want->report_id);
        assert_string_equal (got->reg_no, want->reg_no);
        assert_string_equal (got->unit, want->unit);
        assert_string_equal (got->title, want->title);
    }
}

//  A valid envelope holding an issue, for truncation and mutation.
void
bs_test_encode_issue_message (msgpack_sbuffer *buffer)
{
    bs_issue_t issue = bs_test_sample_issue ();
    msgpack_sbuffer_init (buffer);
    assert_int_equal (bs_codec_encode_message (buffer, &bs_issue_schema, &issue, "msg-1", "cli",
                                               1780000000000ULL, 7),
                      BS_OK);
}

void
bs_test_assert_passed_over (const void *bytes, size_t size)
{
    for (int as_key = 0; as_key < 2; as_key++) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        msgpack_packer packer;
        msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
        bs_test_pack_submit_base (&packer, 2, "unit");
        if (!as_key)
            bs_test_pack_cstr (&packer, "extra");
        msgpack_sbuffer_write (&buffer, (const char *) bytes, size);
        if (as_key)
            msgpack_pack_true (&packer);
        bs_test_pack_cstr (&packer, "unit");
        bs_test_pack_cstr (&packer, "单位");
        bs_submit_t submit;
        bs_error_t error;
        if (bs_test_decode_submit (&buffer, &submit, &error) != BS_OK)
            fail_msg ("an object as an unknown field's %s: %s", as_key ? "key" : "value",
                      error.text);
        assert_string_equal (submit.unit, "单位");
        bs_codec_record_free (&bs_submit_schema, &submit);
        msgpack_sbuffer_destroy (&buffer);
    }
}

void
bs_test_data_keys (const void *bytes, size_t size, char *keys, size_t capacity)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    assert_int_equal (msgpack_unpack_next (&unpacked, bytes, size, &offset),
                      MSGPACK_UNPACK_SUCCESS);
    assert_int_equal (offset, size);
    msgpack_object envelope = unpacked.data;
    assert_int_equal (envelope.type, MSGPACK_OBJECT_MAP);
    keys[0] = 0;
    size_t used = 0;
    for (uint32_t i = 0; i < envelope.via.map.size; i++) {
        msgpack_object_kv *entry = &envelope.via.map.ptr[i];
        if (entry->key.via.str.size != 4 || memcmp (entry->key.via.str.ptr, "data", 4) != 0)
            continue;
        assert_int_equal (entry->val.type, MSGPACK_OBJECT_MAP);
        for (uint32_t j = 0; j < entry->val.via.map.size; j++) {
            msgpack_object *key = &entry->val.via.map.ptr[j].key;
            used += (size_t) snprintf (keys + used, capacity - used, "%s%.*s", j ? " " : "",
                                       (int) key->via.str.size, key->via.str.ptr);
            assert_true (used < capacity);
        }
    }
    msgpack_unpacked_destroy (&unpacked);
}
