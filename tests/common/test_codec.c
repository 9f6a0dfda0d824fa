/*  test_codec: bs_codec's round trips, and its refusal of hostile bytes.

    The codec is the first code that touches bytes from a socket, so most of
    these tests break it on purpose, in the spirit of SQLite's: lying lengths,
    frames cut at every byte, nesting bombs, broken UTF-8, wrong types, every
    field of every schema pushed past its limits, and random bytes. Each must
    be refused with the right code and field, and nothing may crash or leak
    (the same program runs under the sanitizers and valgrind).

    BAOSONG_TEST_QUICK=1 runs a tenth of the random iterations.
*/
#include "bs_test.h"

#include "bs_codec.h"
#include "bs_schemas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  --------------------------------------------------------------------------
//  Helpers

static const bs_codec_limits_t *s_limits = &bs_codec_default_limits;

static void
s_pack_cstr (msgpack_packer *packer, const char *string)
{
    msgpack_pack_str_with_body (packer, string, strlen (string));
}

//  A str of length copies of fill.
static void
s_pack_filled_str (msgpack_packer *packer, char fill, size_t length)
{
    char *body = malloc (length + 1);
    assert_non_null (body);
    memset (body, fill, length);
    msgpack_pack_str_with_body (packer, body, length);
    free (body);
}

static bool
s_all_zero (const void *memory, size_t size)
{
    const unsigned char *bytes = memory;
    for (size_t i = 0; i < size; i++)
        if (bytes[i])
            return false;
    return true;
}

//  Decode buffer as a submit record; a refused record must hold nothing.
static int
s_decode_submit (const msgpack_sbuffer *buffer, bs_submit_t *submit, bs_error_t *error)
{
    memset (submit, 0xa5, sizeof *submit); /* decode must zero it */
    int rc = bs_codec_decode_record (buffer->data, buffer->size, &bs_submit_schema, s_limits,
                                     submit, error);
    if (rc != BS_OK)
        assert_true (s_all_zero (submit, sizeof *submit));
    return rc;
}

//  Pack the required submit fields except skip (NULL: none) into a map that
//  declares extra more entries, which the caller packs next.
static void
s_pack_submit_base (msgpack_packer *packer, size_t extra, const char *skip)
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
        s_pack_cstr (packer, names[i]);
        s_pack_cstr (packer, values[i]);
    }
}

//  Every way a frame is refused must agree: the check, a record decode and
//  a message decode return code, and leave nothing behind.
static void
s_assert_refused (const void *bytes, size_t size, int code, const char *text)
{
    bs_error_t error;
    assert_int_equal (bs_codec_check (bytes, size, s_limits, &error), code);
    assert_int_equal (error.code, code);
    if (text && !strstr (error.text, text))
        fail_msg ("error '%s' does not contain '%s'", error.text, text);

    bs_submit_t submit;
    assert_int_equal (
        bs_codec_decode_record (bytes, size, &bs_submit_schema, s_limits, &submit, &error), code);
    assert_true (s_all_zero (&submit, sizeof submit));

    bs_message_t message;
    assert_int_equal (bs_message_decode (bytes, size, s_limits, &message, &error), code);
    assert_null (message.data);
    assert_null (message.schema);
}

static uint64_t
s_random (uint64_t *state)
{
    //  xorshift64*: fixed seed, so a failure reproduces.
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545f4914f6cdd1dULL;
}

static unsigned
s_iterations (unsigned full)
{
    const char *quick = getenv ("BAOSONG_TEST_QUICK");
    return quick && *quick && strcmp (quick, "0") != 0 ? full / 10 : full;
}

static bs_issue_item_t s_items[] = {
    {.report_id = 1, .reg_no = "BS-2026-0001", .unit = "县农业局", .title = "春耕进展"},
    {.report_id = 2, .reg_no = "BS-2026-0002", .unit = "市水利局", .title = "汛期准备"},
    {.report_id = UINT64_MAX, .reg_no = "BS-2026-0003", .unit = "unit", .title = "t"},
};

static bs_issue_t
s_sample_issue (void)
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
        .items = {.count = 3, .items = s_items},
    };
    return issue;
}

static void
s_assert_issue_equal (const bs_issue_t *expected, const bs_issue_t *actual)
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
static void
s_encode_issue_message (msgpack_sbuffer *buffer)
{
    bs_issue_t issue = s_sample_issue ();
    msgpack_sbuffer_init (buffer);
    assert_int_equal (bs_codec_encode_message (buffer, &bs_issue_schema, &issue, "msg-1", "cli",
                                               1780000000000ULL, 7),
                      BS_OK);
}

//  --------------------------------------------------------------------------
//  Round trips

static void
test_submit_round_trip (void **state)
{
    (void) state;
    bs_submit_t submit = {
        .unit = "市委办公室",
        .title = "关于春耕生产情况的报告",
        .body = "今年全县春耕进展顺利。\n第二段：「引号」与 emoji 🌾。",
        .kind = "情况反映",
        .urgent = true,
        .topic = "农业",
        .channel = "cli",
    };
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_record (&buffer, &bs_submit_schema, &submit), BS_OK);
    /* the 7, called_at, commission and attachments */
    assert_int_equal ((uint8_t) buffer.data[0], 0x8a);

    bs_submit_t decoded;
    bs_error_t error;
    assert_int_equal (s_decode_submit (&buffer, &decoded, &error), BS_OK);
    assert_string_equal (decoded.unit, submit.unit);
    assert_string_equal (decoded.title, submit.title);
    assert_string_equal (decoded.body, submit.body);
    assert_string_equal (decoded.kind, submit.kind);
    assert_true (decoded.urgent);
    assert_string_equal (decoded.topic, submit.topic);
    assert_string_equal (decoded.channel, submit.channel);
    bs_codec_record_free (&bs_submit_schema, &decoded);
    assert_true (s_all_zero (&decoded, sizeof decoded));
    bs_codec_record_free (&bs_submit_schema, &decoded); /* safe on a zeroed record */
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_optional_fields_left_out (void **state)
{
    (void) state;
    bs_submit_t submit = {.unit = "u", .title = "t", .body = "b"};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_record (&buffer, &bs_submit_schema, &submit), BS_OK);
    //  unit, title, body, urgent, called_at, commission and attachments;
    //  NULL strings are left out.
    assert_int_equal ((uint8_t) buffer.data[0], 0x87);

    bs_submit_t decoded;
    bs_error_t error;
    assert_int_equal (s_decode_submit (&buffer, &decoded, &error), BS_OK);
    assert_null (decoded.kind);
    assert_null (decoded.topic);
    assert_null (decoded.channel);
    assert_false (decoded.urgent);
    bs_codec_record_free (&bs_submit_schema, &decoded);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_issue_round_trip (void **state)
{
    (void) state;
    bs_issue_t issue = s_sample_issue ();
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_record (&buffer, &bs_issue_schema, &issue), BS_OK);

    bs_issue_t decoded;
    bs_error_t error;
    assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_issue_schema, s_limits,
                                              &decoded, &error),
                      BS_OK);
    s_assert_issue_equal (&issue, &decoded);

    //  A decoded record encodes to the same bytes.
    msgpack_sbuffer again;
    msgpack_sbuffer_init (&again);
    assert_int_equal (bs_codec_encode_record (&again, &bs_issue_schema, &decoded), BS_OK);
    assert_int_equal (again.size, buffer.size);
    assert_memory_equal (again.data, buffer.data, buffer.size);

    bs_codec_record_free (&bs_issue_schema, &decoded);
    msgpack_sbuffer_destroy (&again);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_issue_add_round_trip (void **state)
{
    (void) state;
    uint64_t ids[] = {1, 127, 128, 65535, 65536, UINT32_MAX, (uint64_t) UINT32_MAX + 1, UINT64_MAX};
    bs_issue_add_t add = {.issue_id = 9, .report_ids = {.count = 8, .items = ids}};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_record (&buffer, &bs_issue_add_schema, &add), BS_OK);

    bs_issue_add_t decoded;
    bs_error_t error;
    assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_issue_add_schema,
                                              s_limits, &decoded, &error),
                      BS_OK);
    assert_int_equal (decoded.issue_id, 9);
    assert_int_equal (decoded.report_ids.count, 8);
    assert_memory_equal (decoded.report_ids.items, ids, sizeof ids);
    bs_codec_record_free (&bs_issue_add_schema, &decoded);
    msgpack_sbuffer_destroy (&buffer);
}

//  Bytes (attachments) keep every byte, NULs and invalid UTF-8 included,
//  survive a copy, and an empty optional one is left out.
static void
test_bytes_round_trip (void **state)
{
    (void) state;
    unsigned char raw[300];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (unsigned char) (i * 7); /* 0x00 and 0xff included */
    bs_attachment_t attachment = {
        .name = "報告.docx", .content_type = "application/octet-stream", .data = {sizeof raw, raw}};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_record (&buffer, &bs_attachment_schema, &attachment), BS_OK);
    bs_attachment_t decoded, copy;
    bs_error_t error;
    assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_attachment_schema,
                                              s_limits, &decoded, &error),
                      BS_OK);
    assert_int_equal (decoded.data.size, sizeof raw);
    assert_memory_equal (decoded.data.data, raw, sizeof raw);
    assert_int_equal (bs_codec_record_copy (&bs_attachment_schema, &decoded, &copy), BS_OK);
    assert_memory_equal (copy.data.data, raw, sizeof raw);
    bs_codec_record_free (&bs_attachment_schema, &decoded);
    bs_codec_record_free (&bs_attachment_schema, &copy);

    //  A string where bytes belong is refused by name.
    msgpack_sbuffer_clear (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 3);
    s_pack_cstr (&packer, "name");
    s_pack_cstr (&packer, "a.pdf");
    s_pack_cstr (&packer, "content_type");
    s_pack_cstr (&packer, "application/pdf");
    s_pack_cstr (&packer, "data");
    s_pack_cstr (&packer, "text");
    assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_attachment_schema,
                                              s_limits, &decoded, &error),
                      BS_E_INVALID);
    assert_string_equal (error.field, "data");

    //  Empty optional bytes are left out of the encoding.
    attachment.data.size = 0;
    attachment.data.data = NULL;
    msgpack_sbuffer_clear (&buffer);
    assert_int_equal (bs_codec_encode_record (&buffer, &bs_attachment_schema, &attachment), BS_OK);
    assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_attachment_schema,
                                              s_limits, &decoded, &error),
                      BS_OK);
    assert_null (decoded.data.data);
    assert_null (memmem (buffer.data, buffer.size, "data", 4));
    bs_codec_record_free (&bs_attachment_schema, &decoded);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_record_copy (void **state)
{
    (void) state;
    bs_issue_t issue = s_sample_issue ();
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_record (&buffer, &bs_issue_schema, &issue), BS_OK);
    bs_issue_t decoded, copy;
    bs_error_t error;
    assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_issue_schema, s_limits,
                                              &decoded, &error),
                      BS_OK);
    assert_int_equal (bs_codec_record_copy (&bs_issue_schema, &decoded, &copy), BS_OK);
    //  The copy owns its own memory: it outlives the original.
    assert_ptr_not_equal (copy.periodical, decoded.periodical);
    assert_ptr_not_equal (copy.items.items, decoded.items.items);
    bs_codec_record_free (&bs_issue_schema, &decoded);
    s_assert_issue_equal (&issue, &copy);
    bs_codec_record_free (&bs_issue_schema, &copy);

    bs_issue_add_t add = {.issue_id = 1, .report_ids = {.count = 2, .items = (uint64_t[]){5, 6}}};
    bs_issue_add_t add_copy;
    assert_int_equal (bs_codec_record_copy (&bs_issue_add_schema, &add, &add_copy), BS_OK);
    assert_int_equal (add_copy.report_ids.items[1], 6);
    assert_ptr_not_equal (add_copy.report_ids.items, add.report_ids.items);
    bs_codec_record_free (&bs_issue_add_schema, &add_copy);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_message_round_trip (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    s_encode_issue_message (&buffer);
    bs_message_t message;
    bs_error_t error;
    assert_int_equal (bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error),
                      BS_OK);
    assert_int_equal (message.version, BS_ENVELOPE_VERSION);
    assert_string_equal (message.type, "publication.issue");
    assert_string_equal (message.id, "msg-1");
    assert_string_equal (message.src, "cli");
    assert_int_equal (message.at, 1780000000000ULL);
    assert_int_equal (message.seq, 7);
    assert_ptr_equal (message.schema, &bs_issue_schema);
    bs_issue_t issue = s_sample_issue ();
    s_assert_issue_equal (&issue, message.data);
    bs_message_clear (&message);
    assert_null (message.data);
    bs_message_clear (&message);
    msgpack_sbuffer_destroy (&buffer);

    //  seq 0, NULL id and src: "seq" is left out, id and src read as "".
    bs_submit_t submit = {.unit = "市委办公室", .title = "标题", .body = "正文"};
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, &bs_submit_schema, &submit, NULL, NULL, 5, 0), BS_OK);
    assert_int_equal ((uint8_t) buffer.data[0], 0x86);
    assert_int_equal (bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error),
                      BS_OK);
    assert_int_equal (message.seq, 0);
    assert_string_equal (message.id, "");
    assert_string_equal (message.src, "");
    assert_string_equal (((bs_submit_t *) message.data)->title, "标题");
    bs_message_clear (&message);
    msgpack_sbuffer_destroy (&buffer);
}

/* A command's deadline and principal travel in the envelope; a principal
   that is not a map of strings with who and kind is refused. */
static void
test_command_envelope (void **state)
{
    (void) state;
    bs_principal_t principal;
    bs_principal_set (&principal, "li", "officer", "滑縣", "officer,editor");
    bs_envelope_t envelope = {
        .id = "c-1", .src = "gateway", .at = 5, .deadline = 2005, .principal = &principal};
    bs_submit_t submit = {.unit = "滑縣", .title = "标题", .body = "正文"};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_command (&buffer, &bs_submit_schema, &submit, &envelope),
                      BS_OK);
    bs_message_t message;
    bs_error_t error;
    assert_int_equal (bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error),
                      BS_OK);
    assert_int_equal (message.deadline, 2005);
    assert_string_equal (message.principal.who, "li");
    assert_string_equal (message.principal.kind, "officer");
    assert_string_equal (message.principal.unit, "滑縣");
    assert_true (bs_principal_has_role (&message.principal, "editor"));
    assert_false (bs_principal_has_role (&message.principal, "edit"));
    assert_true (bs_principal_is (&message.principal, "li"));
    bs_message_clear (&message);
    msgpack_sbuffer_destroy (&buffer);

    /* none: neither key is written, and both read as absent */
    envelope = (bs_envelope_t){.id = "c-2", .at = 5};
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_command (&buffer, &bs_submit_schema, &submit, &envelope),
                      BS_OK);
    assert_int_equal ((uint8_t) buffer.data[0], 0x86);
    assert_int_equal (bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error),
                      BS_OK);
    assert_int_equal (message.deadline, 0);
    assert_false (bs_principal_present (&message.principal));
    bs_message_clear (&message);
    msgpack_sbuffer_destroy (&buffer);

    /* {"v":1,"type":"intake.submit","principal":X}: X not a map, a map
       without kind, a map with a number for who */
    const char *bad[] = {"\x83\xa1v\x01\xa4type\xadintake.submit\xa9principal\xa2li",
                         "\x83\xa1v\x01\xa4type\xadintake.submit\xa9principal\x81\xa3who\xa2li",
                         "\x83\xa1v\x01\xa4type\xadintake.submit\xa9principal\x82\xa3who\x05"
                         "\xa4kind\xa7officer"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal (
            bs_message_decode (bad[i], strlen (bad[i]), s_limits, &message, &error),
            BS_E_MALFORMED);
        assert_string_equal (error.field, i == 2 ? "who" : "principal");
    }
}

static void
test_encode_refuses_long_envelope_strings (void **state)
{
    (void) state;
    char id[BS_ID_MAX + 1];
    memset (id, 'i', BS_ID_MAX);
    id[BS_ID_MAX] = 0;
    bs_submit_t submit = {.unit = "u", .title = "t", .body = "b"};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_message (&buffer, &bs_submit_schema, &submit, id, "s", 1, 0),
                      BS_E_INVALID);
    assert_int_equal (buffer.size, 0); /* nothing half-written */
    id[BS_ID_MAX - 1] = 0;             /* 127 bytes: the longest id */
    assert_int_equal (bs_codec_encode_message (&buffer, &bs_submit_schema, &submit, id, "s", 1, 0),
                      BS_OK);
    bs_message_t message;
    bs_error_t error;
    assert_int_equal (bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error),
                      BS_OK);
    assert_string_equal (message.id, id);
    bs_message_clear (&message);
    msgpack_sbuffer_destroy (&buffer);
}

//  --------------------------------------------------------------------------
//  UTF-8

static void
test_utf8_valid (void **state)
{
    (void) state;
    static const struct {
        const char *bytes;
        size_t size;
        bool valid;
    } cases[] = {
        {"", 0, true},
        {"plain ascii", 11, true},
        {"中文", 6, true},
        {"\xc2\x80", 2, true},          /* U+0080, least 2-byte */
        {"\xe0\xa0\x80", 3, true},      /* U+0800, least 3-byte */
        {"\xed\x9f\xbf", 3, true},      /* U+D7FF, just below surrogates */
        {"\xee\x80\x80", 3, true},      /* U+E000, just above */
        {"\xf0\x90\x80\x80", 4, true},  /* U+10000 */
        {"\xf4\x8f\xbf\xbf", 4, true},  /* U+10FFFF, the last */
        {"\xc3\x28", 2, false},         /* bad continuation */
        {"\xed\xa0\x80", 3, false},     /* U+D800 surrogate */
        {"\xed\xbf\xbf", 3, false},     /* U+DFFF surrogate */
        {"\xc0\xaf", 2, false},         /* overlong '/' */
        {"\xc1\xbf", 2, false},         /* overlong */
        {"\xe0\x80\xaf", 3, false},     /* overlong 3-byte */
        {"\xf0\x80\x80\xaf", 4, false}, /* overlong 4-byte */
        {"\xf4\x90\x80\x80", 4, false}, /* U+110000 */
        {"\xf8\x88\x80\x80\x80", 5, false},
        {"\xff", 1, false},
        {"\x80", 1, false},         /* lone continuation */
        {"\xe4\xb8", 2, false},     /* truncated 中 */
        {"ok\xe4", 3, false},       /* truncated at the end */
        {"\xf0\x9f\x8c", 3, false}, /* truncated emoji */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (bs_codec_utf8_valid (cases[i].bytes, cases[i].size) != cases[i].valid)
            fail_msg ("case %zu: expected %s", i, cases[i].valid ? "valid" : "invalid");
}

//  Broken UTF-8 in a field is refused naming the field, with the envelope
//  (and so the id a reply needs) still read; in a key it matches no field
//  and is ignored like any unknown key.
static void
test_invalid_utf8_refused (void **state)
{
    (void) state;
    static const struct {
        const char *bytes;
        size_t size;
    } bad[] = {
        {"\xc3\x28", 2},         {"\xed\xa0\x80", 3}, {"\xc0\xaf", 2},
        {"\xf4\x90\x80\x80", 4}, {"\xe4\xb8", 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (int in_key = 0; in_key < 2; in_key++) {
            msgpack_sbuffer buffer;
            msgpack_sbuffer_init (&buffer);
            msgpack_packer packer;
            msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
            s_pack_submit_base (&packer, 1, NULL);
            if (in_key) {
                msgpack_pack_str_with_body (&packer, bad[i].bytes, bad[i].size);
                s_pack_cstr (&packer, "x");
            } else {
                s_pack_cstr (&packer, "topic");
                msgpack_pack_str_with_body (&packer, bad[i].bytes, bad[i].size);
            }
            bs_error_t error;
            assert_int_equal (bs_codec_check (buffer.data, buffer.size, s_limits, &error), BS_OK);
            bs_submit_t submit;
            int rc = bs_codec_decode_record (buffer.data, buffer.size, &bs_submit_schema, s_limits,
                                             &submit, &error);
            if (in_key) {
                assert_int_equal (rc, BS_OK);
                bs_codec_record_free (&bs_submit_schema, &submit);
            } else {
                assert_int_equal (rc, BS_E_INVALID);
                assert_string_equal (error.field, "topic");
                assert_non_null (strstr (error.text, "not valid UTF-8"));
                assert_true (s_all_zero (&submit, sizeof submit));
            }
            msgpack_sbuffer_destroy (&buffer);
        }
        //  In an envelope: the reply can still name the request's id.
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        msgpack_packer packer;
        msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
        msgpack_pack_map (&packer, 4);
        s_pack_cstr (&packer, "v");
        msgpack_pack_uint64 (&packer, 1);
        s_pack_cstr (&packer, "type");
        s_pack_cstr (&packer, "intake.submit");
        s_pack_cstr (&packer, "id");
        s_pack_cstr (&packer, "request-7");
        s_pack_cstr (&packer, "data");
        s_pack_submit_base (&packer, 1, NULL);
        s_pack_cstr (&packer, "topic");
        msgpack_pack_str_with_body (&packer, bad[i].bytes, bad[i].size);
        bs_message_t message;
        bs_error_t error;
        assert_int_equal (bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error),
                          BS_E_INVALID);
        assert_string_equal (message.id, "request-7");
        assert_string_equal (error.field, "topic");
        bs_message_clear (&message);
        msgpack_sbuffer_destroy (&buffer);
    }
}

static void
test_chinese_length_in_bytes (void **state)
{
    (void) state;
    //  The title limit is 600 bytes: 200 Chinese characters, not 201.
    for (int characters = 200; characters <= 201; characters++) {
        char *title = malloc ((size_t) characters * 3 + 1);
        assert_non_null (title);
        for (int i = 0; i < characters; i++)
            memcpy (title + i * 3, "报", 3);
        title[characters * 3] = 0;
        bs_submit_t submit = {.unit = "单位", .title = title, .body = "正文"};
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        assert_int_equal (bs_codec_encode_record (&buffer, &bs_submit_schema, &submit), BS_OK);
        bs_submit_t decoded;
        bs_error_t error;
        int rc = s_decode_submit (&buffer, &decoded, &error);
        if (characters == 200) {
            assert_int_equal (rc, BS_OK);
            assert_string_equal (decoded.title, title);
            bs_codec_record_free (&bs_submit_schema, &decoded);
        } else {
            assert_int_equal (rc, BS_E_INVALID);
            assert_string_equal (error.field, "title");
            assert_string_equal (error.text, "field 'title' must be at most 600 bytes (is 603)");
        }
        free (title);
        msgpack_sbuffer_destroy (&buffer);
    }
}

//  --------------------------------------------------------------------------
//  Hostile bytes

static void
test_lying_lengths (void **state)
{
    (void) state;
    static const struct {
        uint8_t bytes[16];
        size_t size;
        const char *text;
    } cases[] = {
        {{0xdd, 0xff, 0x00, 0x00, 0x00},
         5,
         "array declares 4278190080 elements but 0 bytes remain"},
        {{0xdd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3},
         8,
         "array declares 4294967295 elements but 3 bytes remain"},
        {{0xdc, 0xff, 0xff, 0xc0}, 4, "array declares 65535 elements but 1 bytes remain"},
        {{0x93, 0xc0, 0xc0}, 3, "array declares 3 elements but 2 bytes remain"},
        {{0xdb, 0xff, 0xff, 0xff, 0xff}, 5, "str declares 4294967295 bytes but 0 bytes remain"},
        {{0xda, 0x01, 0x00, 'a'}, 4, "str declares 256 bytes but 1 bytes remain"},
        {{0xd9, 0x05, 'a'}, 3, "str declares 5 bytes but 1 bytes remain"},
        {{0xa5, 'a', 'b'}, 3, "str declares 5 bytes but 2 bytes remain"},
        {{0xc6, 0xff, 0xff, 0xff, 0xff, 0}, 6, "bin declares 4294967295 bytes but 1 bytes remain"},
        {{0xc5, 0xff, 0xff}, 3, "bin declares 65535 bytes but 0 bytes remain"},
        {{0xc4, 0x10, 1, 2}, 4, "bin declares 16 bytes but 2 bytes remain"},
        {{0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0, 0xc0},
         7,
         "map declares 4294967295 entries but 2 bytes remain"},
        {{0xde, 0x00, 0x02, 0xc0, 0xc0, 0xc0}, 6, "map declares 2 entries but 3 bytes remain"},
        {{0x82, 0xc0, 0xc0, 0xc0}, 4, "map declares 2 entries but 3 bytes remain"},
        {{0xc9, 0xff, 0xff, 0xff, 0xff, 0x01}, 6, "ext declares 4294967295 bytes"},
        {{0xc8, 0x00, 0x04, 0x01, 0xaa}, 5, "ext declares 4 bytes"},
        {{0xc7, 0x00}, 2, "ext declares 0 bytes and a type byte but 0 bytes remain"},
        {{0xd8, 0x01, 0, 0}, 4, "ext declares 16 bytes"},
        {{0xcf, 1, 2, 3}, 4, "needs 8 bytes but 3 remain"},
        {{0xcb, 1}, 2, "needs 8 bytes but 1 remain"},
        {{0xd2, 1, 2}, 3, "needs 4 bytes but 2 remain"},
        //  A lie nested inside a well-formed map.
        {{0x81, 0xa1, 'x', 0xdd, 0xff, 0xff, 0xff, 0xff},
         8,
         "array declares 4294967295 elements but 0 bytes remain"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_assert_refused (cases[i].bytes, cases[i].size, BS_E_MALFORMED, cases[i].text);
}

static void
test_truncated_at_every_byte (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    s_encode_issue_message (&buffer);
    assert_true (buffer.size > 100);
    bs_error_t error;
    assert_int_equal (bs_codec_check (buffer.data, buffer.size, s_limits, &error), BS_OK);
    for (size_t size = 0; size < buffer.size; size++) {
        //  A copy of exactly size bytes, so reading past it is caught.
        void *prefix = malloc (size ? size : 1);
        assert_non_null (prefix);
        memcpy (prefix, buffer.data, size);
        s_assert_refused (prefix, size, BS_E_MALFORMED, size ? NULL : "frame is empty");

        bs_issue_t issue;
        assert_int_equal (
            bs_codec_decode_record (prefix, size, &bs_issue_schema, s_limits, &issue, &error),
            BS_E_MALFORMED);
        free (prefix);
    }
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_trailing_bytes (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    s_encode_issue_message (&buffer);
    msgpack_sbuffer_write (&buffer, "\xc0", 1);
    s_assert_refused (buffer.data, buffer.size, BS_E_MALFORMED, "1 trailing bytes");
    s_assert_refused ("\x01\x02\x03", 3, BS_E_MALFORMED, "2 trailing bytes");
    msgpack_sbuffer_destroy (&buffer);
}

//  depth arrays of one element each around a nil.
static uint8_t *
s_nested_arrays (size_t depth)
{
    uint8_t *bytes = malloc (depth + 1);
    assert_non_null (bytes);
    memset (bytes, 0x91, depth);
    bytes[depth] = 0xc0;
    return bytes;
}

static void
test_depth_bomb (void **state)
{
    (void) state;
    bs_error_t error;
    uint8_t *bomb = s_nested_arrays (200);
    s_assert_refused (bomb, 201, BS_E_MALFORMED, "deeper than 8 levels");
    free (bomb);

    //  Default limit 8: eight levels pass the check, nine do not.
    uint8_t *eight = s_nested_arrays (8);
    assert_int_equal (bs_codec_check (eight, 9, s_limits, &error), BS_OK);
    free (eight);
    uint8_t *nine = s_nested_arrays (9);
    assert_int_equal (bs_codec_check (nine, 10, s_limits, &error), BS_E_MALFORMED);
    free (nine);

    //  A caller asking for more still gets at most 32, which is what
    //  msgpack-c can unpack: 32 levels reach msgpack-c and unpack (the record
    //  is then refused as not a map), 33 are refused by the scan.
    bs_codec_limits_t deep = {1 << 20, 1000, 200000};
    uint8_t *levels32 = s_nested_arrays (32);
    bs_submit_t submit;
    assert_int_equal (
        bs_codec_decode_record (levels32, 33, &bs_submit_schema, &deep, &submit, &error),
        BS_E_INVALID);
    assert_string_equal (error.text, "record must be a map");
    free (levels32);
    uint8_t *levels33 = s_nested_arrays (33);
    assert_int_equal (bs_codec_check (levels33, 34, &deep, &error), BS_E_MALFORMED);
    free (levels33);

    //  Maps count as nesting too.
    uint8_t maps[] = {0x81, 0xa1, 'a', 0x81, 0xa1, 'b', 0x81, 0xa1, 'c', 0xc0};
    bs_codec_limits_t shallow = {1 << 20, 2, 200000};
    assert_int_equal (bs_codec_check (maps, sizeof maps, &shallow, &error), BS_E_MALFORMED);
    shallow.max_depth = 3;
    assert_int_equal (bs_codec_check (maps, sizeof maps, &shallow, &error), BS_OK);
}

static void
test_item_and_frame_limits (void **state)
{
    (void) state;
    bs_error_t error;
    //  An array of 9 nils is 10 objects.
    uint8_t array[] = {0x99, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0};
    bs_codec_limits_t limits = {1 << 20, 8, 10};
    assert_int_equal (bs_codec_check (array, sizeof array, &limits, &error), BS_OK);
    limits.max_items = 9;
    assert_int_equal (bs_codec_check (array, sizeof array, &limits, &error), BS_E_MALFORMED);
    assert_string_equal (error.text, "frame holds more than 9 objects");

    limits = (bs_codec_limits_t){sizeof array, 8, 100};
    assert_int_equal (bs_codec_check (array, sizeof array, &limits, &error), BS_OK);
    limits.max_frame = sizeof array - 1;
    assert_int_equal (bs_codec_check (array, sizeof array, &limits, &error), BS_E_MALFORMED);
    assert_string_equal (error.text, "frame of 10 bytes is larger than the limit of 9");
}

static void
test_unused_byte_c1 (void **state)
{
    (void) state;
    s_assert_refused ("\xc1", 1, BS_E_MALFORMED, "0xc1");
    s_assert_refused ("\x81\xa1x\xc1", 4, BS_E_MALFORMED, "byte 0xc1 at 3");
}

//  Every msgpack type the scan must accept, each then cut short.
static void
test_every_msgpack_type (void **state)
{
    (void) state;
    static const struct {
        uint8_t bytes[24];
        size_t size;
    } objects[] = {
        {{0xc0}, 1},
        {{0xc2}, 1},
        {{0xc3}, 1},
        {{0x00}, 1},
        {{0x7f}, 1},
        {{0xe0}, 1},
        {{0xff}, 1},
        {{0xcc, 1}, 2},
        {{0xcd, 1, 2}, 3},
        {{0xce, 1, 2, 3, 4}, 5},
        {{0xcf, 1, 2, 3, 4, 5, 6, 7, 8}, 9},
        {{0xd0, 0x80}, 2},
        {{0xd1, 1, 2}, 3},
        {{0xd2, 1, 2, 3, 4}, 5},
        {{0xd3, 1, 2, 3, 4, 5, 6, 7, 8}, 9},
        {{0xca, 0x3f, 0x80, 0, 0}, 5},
        {{0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}, 9},
        {{0xa0}, 1},
        {{0xa3, 'a', 'b', 'c'}, 4},
        {{0xd9, 3, 0xe4, 0xb8, 0xad}, 5},
        {{0xda, 0, 2, 'h', 'i'}, 5},
        {{0xdb, 0, 0, 0, 2, 'h', 'i'}, 7},
        {{0xc4, 2, 0xff, 0x00}, 4},
        {{0xc5, 0, 2, 0xff, 0x00}, 5},
        {{0xc6, 0, 0, 0, 2, 0xc1, 0x00}, 7}, /* bin bytes are not msgpack */
        {{0x90}, 1},
        {{0x92, 1, 2}, 3},
        {{0xdc, 0, 2, 1, 2}, 5},
        {{0xdd, 0, 0, 0, 2, 1, 2}, 7},
        {{0x80}, 1},
        {{0x81, 0xa1, 'k', 1}, 4},
        {{0x81, 0x01, 0x02}, 3}, /* non-string keys are msgpack too */
        {{0xde, 0, 1, 0xa1, 'k', 1}, 6},
        {{0xdf, 0, 0, 0, 1, 0xa1, 'k', 1}, 8},
        {{0xd4, 1, 0xaa}, 3},
        {{0xd5, 1, 1, 2}, 4},
        {{0xd6, 1, 1, 2, 3, 4}, 6},
        {{0xd7, 0xff, 1, 2, 3, 4, 5, 6, 7, 8}, 10},
        {{0xd8, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 18},
        {{0xc7, 0, 5}, 3},
        {{0xc7, 2, 5, 'a', 'b'}, 5},
        {{0xc8, 0, 2, 5, 'a', 'b'}, 6},
        {{0xc9, 0, 0, 0, 2, 5, 'a', 'b'}, 8},
    };
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++) {
        bs_error_t error;
        if (bs_codec_check (objects[i].bytes, objects[i].size, s_limits, &error) != BS_OK)
            fail_msg ("object %zu refused: %s", i, error.text);
        for (size_t size = 0; size < objects[i].size; size++)
            if (bs_codec_check (objects[i].bytes, size, s_limits, &error) != BS_E_MALFORMED)
                fail_msg ("object %zu cut to %zu bytes was accepted", i, size);

        //  As the value of an unknown field it reaches msgpack-c and is
        //  ignored.
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        msgpack_packer packer;
        msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
        s_pack_submit_base (&packer, 1, NULL);
        s_pack_cstr (&packer, "extra");
        msgpack_sbuffer_write (&buffer, (const char *) objects[i].bytes, objects[i].size);
        bs_submit_t submit;
        if (s_decode_submit (&buffer, &submit, &error) != BS_OK)
            fail_msg ("object %zu in an unknown field: %s", i, error.text);
        bs_codec_record_free (&bs_submit_schema, &submit);
        msgpack_sbuffer_destroy (&buffer);
    }
}

//  --------------------------------------------------------------------------
//  Schema checks

static void
test_wrong_type_names_field (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    s_pack_submit_base (&packer, 1, NULL);
    s_pack_cstr (&packer, "urgent");
    s_pack_cstr (&packer, "yes");
    bs_submit_t submit;
    bs_error_t error;
    assert_int_equal (s_decode_submit (&buffer, &submit, &error), BS_E_INVALID);
    assert_int_equal (error.code, BS_E_INVALID);
    assert_string_equal (error.field, "urgent");
    assert_string_equal (error.text, "field 'urgent' must be a boolean");
    msgpack_sbuffer_destroy (&buffer);

    //  A negative number is not a u64.
    msgpack_sbuffer_init (&buffer);
    msgpack_pack_map (&packer, 2);
    s_pack_cstr (&packer, "issue_id");
    msgpack_pack_int64 (&packer, -1);
    s_pack_cstr (&packer, "report_ids");
    msgpack_pack_array (&packer, 1);
    msgpack_pack_uint64 (&packer, 1);
    bs_issue_add_t add;
    assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_issue_add_schema,
                                              s_limits, &add, &error),
                      BS_E_INVALID);
    assert_string_equal (error.field, "issue_id");
    assert_string_equal (error.text, "field 'issue_id' must be an unsigned integer");
    msgpack_sbuffer_destroy (&buffer);

    //  A list element that is not a map is named by its index.
    msgpack_sbuffer_init (&buffer);
    msgpack_pack_map (&packer, 1);
    s_pack_cstr (&packer, "rows");
    msgpack_pack_array (&packer, 1);
    msgpack_pack_uint64 (&packer, 1);
    bs_stats_page_t page;
    assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_stats_page_schema,
                                              s_limits, &page, &error),
                      BS_E_INVALID);
    assert_string_equal (error.field, "rows[0]");
    assert_string_equal (error.text, "field 'rows[0]' must be a map");
    msgpack_sbuffer_destroy (&buffer);

    //  The record itself must be a map.
    assert_int_equal (
        bs_codec_decode_record ("\x90", 1, &bs_submit_schema, s_limits, &submit, &error),
        BS_E_INVALID);
    assert_string_equal (error.field, "");
    assert_string_equal (error.text, "record must be a map");
}

static void
test_missing_required_names_field (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    s_pack_submit_base (&packer, 0, "title"); /* unit is optional since intake maps senders */
    bs_submit_t submit;
    bs_error_t error;
    assert_int_equal (s_decode_submit (&buffer, &submit, &error), BS_E_INVALID);
    assert_string_equal (error.field, "title");
    assert_string_equal (error.text, "field 'title' is required");
    msgpack_sbuffer_destroy (&buffer);

    //  Inside a list the path names the element; the strings of the element
    //  decoded before it are freed (the leak checkers see to that).
    bs_issue_t issue = s_sample_issue ();
    bs_issue_item_t items[3];
    memcpy (items, s_items, sizeof items);
    items[1].title = NULL; /* a NULL required string is written as "" */
    issue.items.items = items;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_record (&buffer, &bs_issue_schema, &issue), BS_OK);
    bs_issue_t decoded;
    assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_issue_schema, s_limits,
                                              &decoded, &error),
                      BS_E_INVALID);
    assert_string_equal (error.field, "items[1].title");
    assert_string_equal (error.text, "field 'items[1].title' must not be empty");
    assert_true (s_all_zero (&decoded, sizeof decoded));
    msgpack_sbuffer_destroy (&buffer);

    //  A required field missing from a list element.
    msgpack_sbuffer_init (&buffer);
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 1);
    s_pack_cstr (&packer, "rows");
    msgpack_pack_array (&packer, 1);
    msgpack_pack_map (&packer, 0);
    bs_stats_page_t page;
    assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_stats_page_schema,
                                              s_limits, &page, &error),
                      BS_E_INVALID);
    assert_string_equal (error.field, "rows[0].unit");
    assert_string_equal (error.text, "field 'rows[0].unit' is required");
    msgpack_sbuffer_destroy (&buffer);
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
    s_pack_submit_base (&packer, 1, "unit");
    s_pack_cstr (&packer, "unit");
    s_pack_filled_str (&packer, 'u', 129);
    bs_submit_t submit;
    assert_int_equal (s_decode_submit (&buffer, &submit, &error), BS_E_INVALID);
    assert_string_equal (error.field, "unit");
    assert_string_equal (error.text, "field 'unit' must be at most 128 bytes (is 129)");
    msgpack_sbuffer_destroy (&buffer);

    //  year is at most 9999.
    bs_issue_t issue = s_sample_issue ();
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
            s_pack_filled_str (packer, 'a', count);
        break;
    case BS_FIELD_U64:
        if (variant == VARIANT_WRONG_TYPE)
            s_pack_cstr (packer, "7");
        else
            msgpack_pack_uint64 (packer, variant == VARIANT_VALID ? field->min : count);
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
            s_pack_cstr (packer, "1");
            break;
        }
        msgpack_pack_array (packer, count);
        for (uint64_t k = 0; k < count; k++)
            msgpack_pack_uint64 (packer, k + 1);
        break;
    case BS_FIELD_BIN:
        if (variant == VARIANT_WRONG_TYPE) {
            s_pack_cstr (packer, "bytes as a string");
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
        s_pack_cstr (packer, schema->fields[i].name);
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
                    assert_true (s_all_zero (record, schema->record_size));
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
    s_pack_submit_base (&packer, 2, NULL);
    s_pack_cstr (&packer, "topic");
    msgpack_pack_nil (&packer);
    s_pack_cstr (&packer, "urgent");
    msgpack_pack_nil (&packer);
    bs_submit_t submit;
    bs_error_t error;
    assert_int_equal (s_decode_submit (&buffer, &submit, &error), BS_OK);
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
    s_pack_submit_base (&packer, 5, NULL);
    s_pack_cstr (&packer, "future_field");
    msgpack_pack_array (&packer, 2);
    msgpack_pack_double (&packer, 1.5);
    msgpack_pack_map (&packer, 1);
    s_pack_cstr (&packer, "deep");
    msgpack_pack_bin_with_body (&packer, "\x00\x01", 2);
    msgpack_pack_uint64 (&packer, 5); /* a non-string key */
    s_pack_cstr (&packer, "five");
    msgpack_pack_nil (&packer);
    s_pack_cstr (&packer, "nil key");
    s_pack_cstr (&packer, "Unit"); /* names match exactly, not ignoring case */
    msgpack_pack_uint64 (&packer, 1);
    s_pack_cstr (&packer, "uni"); /* nor by prefix */
    msgpack_pack_uint64 (&packer, 1);
    bs_submit_t submit;
    bs_error_t error;
    assert_int_equal (s_decode_submit (&buffer, &submit, &error), BS_OK);
    assert_string_equal (submit.unit, "市委办公室");
    bs_codec_record_free (&bs_submit_schema, &submit);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_duplicate_key (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    s_pack_submit_base (&packer, 1, NULL);
    s_pack_cstr (&packer, "title");
    s_pack_cstr (&packer, "另一个标题");
    bs_submit_t submit;
    bs_error_t error;
    assert_int_equal (s_decode_submit (&buffer, &submit, &error), BS_E_INVALID);
    assert_string_equal (error.field, "title");
    assert_string_equal (error.text, "field 'title' appears twice");
    msgpack_sbuffer_destroy (&buffer);

    //  In the envelope too.
    msgpack_sbuffer_init (&buffer);
    msgpack_pack_map (&packer, 3);
    s_pack_cstr (&packer, "v");
    msgpack_pack_uint64 (&packer, 1);
    s_pack_cstr (&packer, "type");
    s_pack_cstr (&packer, "service.ping");
    s_pack_cstr (&packer, "type");
    s_pack_cstr (&packer, "intake.submit");
    bs_message_t message;
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
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    s_pack_submit_base (&packer, 1, "body");
    s_pack_cstr (&packer, "body");
    msgpack_pack_str_with_body (&packer, "ok\0hidden", 9);
    bs_submit_t submit;
    bs_error_t error;
    assert_int_equal (s_decode_submit (&buffer, &submit, &error), BS_E_INVALID);
    assert_string_equal (error.field, "body");
    assert_string_equal (error.text, "field 'body' must not contain a NUL byte");
    msgpack_sbuffer_destroy (&buffer);

    msgpack_sbuffer_init (&buffer);
    msgpack_pack_map (&packer, 2);
    s_pack_cstr (&packer, "v");
    msgpack_pack_uint64 (&packer, 1);
    s_pack_cstr (&packer, "type");
    msgpack_pack_str_with_body (&packer, "service.ping\0x", 14);
    bs_message_t message;
    assert_int_equal (bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error),
                      BS_E_MALFORMED);
    assert_string_equal (error.field, "type");
    msgpack_sbuffer_destroy (&buffer);
}

//  --------------------------------------------------------------------------
//  The envelope

static void
test_unknown_type (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 4);
    s_pack_cstr (&packer, "v");
    msgpack_pack_uint64 (&packer, 1);
    s_pack_cstr (&packer, "type");
    s_pack_cstr (&packer, "intake.teleport");
    s_pack_cstr (&packer, "id");
    s_pack_cstr (&packer, "m-9");
    s_pack_cstr (&packer, "data");
    msgpack_pack_map (&packer, 0);
    bs_message_t message;
    bs_error_t error;
    assert_int_equal (bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error),
                      BS_E_UNKNOWN_TYPE);
    assert_int_equal (error.code, BS_E_UNKNOWN_TYPE);
    assert_string_equal (message.type, "intake.teleport");
    assert_string_equal (message.id, "m-9");
    assert_null (message.schema);
    assert_null (message.data);
    bs_message_clear (&message);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_envelope_errors (void **state)
{
    (void) state;
    static const struct {
        const char *json; /* for the reader: what the frame holds */
        int code;
        const char *field;
    } cases[] = {
        {"[1]", BS_E_MALFORMED, ""},
        {"{type: service.ping}", BS_E_MALFORMED, "v"},
        {"{v: 1}", BS_E_MALFORMED, "type"},
        {"{v: 0, type: service.ping}", BS_E_MALFORMED, "v"},
        {"{v: -1, type: service.ping}", BS_E_MALFORMED, "v"},
        {"{v: 1, type: ''}", BS_E_MALFORMED, "type"},
        {"{v: 1, type: 64 bytes}", BS_E_MALFORMED, "type"},
        {"{v: 1, type: 5}", BS_E_MALFORMED, "type"},
        {"{v: 1, type: service.ping, id: 128 bytes}", BS_E_MALFORMED, "id"},
        {"{v: 1, type: service.ping, src: 64 bytes}", BS_E_MALFORMED, "src"},
        {"{v: 1, type: service.ping, at: 'now'}", BS_E_MALFORMED, "at"},
        {"{v: 1, type: service.ping, seq: true}", BS_E_MALFORMED, "seq"},
        {"{v: 1, type: service.ping, data: [1]}", BS_E_MALFORMED, "data"},
        {"{v: 1, type: intake.submit}", BS_E_INVALID, "title"},
        {"{v: 1, type: service.ping}", BS_OK, ""},
        {"{v: 2, type: service.ping, at: 5, other: {}}", BS_OK, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        msgpack_packer packer;
        msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
        switch (i) {
        case 0:
            msgpack_pack_array (&packer, 1);
            msgpack_pack_uint64 (&packer, 1);
            break;
        case 1:
            msgpack_pack_map (&packer, 1);
            s_pack_cstr (&packer, "type");
            s_pack_cstr (&packer, "service.ping");
            break;
        case 2:
            msgpack_pack_map (&packer, 1);
            s_pack_cstr (&packer, "v");
            msgpack_pack_uint64 (&packer, 1);
            break;
        default:
            msgpack_pack_map (&packer, i == 15 ? 4 : i >= 8 && i <= 12 ? 3 : 2);
            s_pack_cstr (&packer, "v");
            if (i == 3)
                msgpack_pack_uint64 (&packer, 0);
            else if (i == 4)
                msgpack_pack_int64 (&packer, -1);
            else
                msgpack_pack_uint64 (&packer, i == 15 ? 2 : 1);
            s_pack_cstr (&packer, "type");
            if (i == 5)
                s_pack_cstr (&packer, "");
            else if (i == 6)
                s_pack_filled_str (&packer, 't', 64);
            else if (i == 7)
                msgpack_pack_uint64 (&packer, 5);
            else
                s_pack_cstr (&packer, i == 13 ? "intake.submit" : "service.ping");
            if (i == 8) {
                s_pack_cstr (&packer, "id");
                s_pack_filled_str (&packer, 'i', 128);
            } else if (i == 9) {
                s_pack_cstr (&packer, "src");
                s_pack_filled_str (&packer, 's', 64);
            } else if (i == 10) {
                s_pack_cstr (&packer, "at");
                s_pack_cstr (&packer, "now");
            } else if (i == 11) {
                s_pack_cstr (&packer, "seq");
                msgpack_pack_true (&packer);
            } else if (i == 12) {
                s_pack_cstr (&packer, "data");
                msgpack_pack_array (&packer, 1);
                msgpack_pack_uint64 (&packer, 1);
            } else if (i == 15) {
                s_pack_cstr (&packer, "at");
                msgpack_pack_uint64 (&packer, 5);
                s_pack_cstr (&packer, "other");
                msgpack_pack_map (&packer, 0);
            }
            break;
        }
        bs_message_t message;
        bs_error_t error;
        int rc = bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error);
        if (rc != cases[i].code)
            fail_msg ("case %zu %s: got %d (%s)", i, cases[i].json, rc, error.text);
        if (rc) {
            assert_string_equal (error.field, cases[i].field);
            assert_null (message.data);
        } else {
            //  Absent data reads as an empty map.
            assert_non_null (message.data);
            assert_ptr_equal (message.schema, &bs_ping_schema);
            assert_int_equal (message.version, i == 15 ? 2 : 1);
        }
        bs_message_clear (&message);
        msgpack_sbuffer_destroy (&buffer);
    }
}

//  --------------------------------------------------------------------------
//  Random bytes

static void
test_random_bytes (void **state)
{
    (void) state;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    unsigned iterations = s_iterations (200000);
    unsigned accepted = 0;
    uint8_t bytes[64];
    for (unsigned i = 0; i < iterations; i++) {
        size_t size = s_random (&seed) % (sizeof bytes + 1);
        for (size_t k = 0; k < size; k++)
            bytes[k] = (uint8_t) s_random (&seed);
        //  A map header up front half the time, to reach deeper.
        if (size && i % 2)
            bytes[0] = 0x80 | (bytes[0] & 0x0f);
        //  A heap copy of exactly size bytes, so an over-read is caught.
        uint8_t *frame = malloc (size ? size : 1);
        assert_non_null (frame);
        memcpy (frame, bytes, size);

        bs_error_t error;
        int check = bs_codec_check (frame, size, s_limits, &error);
        if (check == BS_OK) {
            //  What the scan passes, msgpack-c must unpack whole.
            accepted++;
            msgpack_zone zone;
            msgpack_zone_init (&zone, 1024);
            msgpack_object object;
            size_t offset = 0;
            assert_int_equal (msgpack_unpack ((const char *) frame, size, &offset, &zone, &object),
                              MSGPACK_UNPACK_SUCCESS);
            assert_int_equal (offset, size);
            msgpack_zone_destroy (&zone);
        } else {
            assert_int_equal (check, BS_E_MALFORMED);
            assert_true (error.text[0]);
        }
        bs_message_t message;
        int rc = bs_message_decode (frame, size, s_limits, &message, &error);
        if (check != BS_OK)
            assert_int_equal (rc, check);
        bs_message_clear (&message);
        bs_submit_t submit;
        rc = bs_codec_decode_record (frame, size, &bs_submit_schema, s_limits, &submit, &error);
        if (rc == BS_OK)
            bs_codec_record_free (&bs_submit_schema, &submit);
        else
            assert_true (s_all_zero (&submit, sizeof submit));
        free (frame);
    }
    assert_true (accepted > 0);
}

static void
test_random_mutations (void **state)
{
    (void) state;
    msgpack_sbuffer valid;
    s_encode_issue_message (&valid);
    uint64_t seed = 0x5eed5eed5eedULL;
    unsigned iterations = s_iterations (100000);
    unsigned outcomes[4] = {0};
    for (unsigned i = 0; i < iterations; i++) {
        size_t size = valid.size;
        uint8_t *frame = malloc (size);
        assert_non_null (frame);
        memcpy (frame, valid.data, size);
        unsigned changes = 1 + (unsigned) (s_random (&seed) % 3);
        for (unsigned c = 0; c < changes; c++)
            frame[s_random (&seed) % size] = (uint8_t) s_random (&seed);
        if (s_random (&seed) % 8 == 0)
            size = s_random (&seed) % size; /* and sometimes cut short */

        bs_message_t message;
        bs_error_t error;
        int rc = bs_message_decode (frame, size, s_limits, &message, &error);
        assert_true (rc >= BS_OK && rc <= BS_E_UNKNOWN_TYPE);
        outcomes[rc]++;
        if (rc == BS_OK)
            assert_non_null (message.data);
        else
            assert_null (message.data);
        if (rc == BS_E_UNKNOWN_TYPE)
            assert_true (message.type[0]);
        bs_message_clear (&message);
        free (frame);
    }
    //  The mutations reach every outcome, so the decoder's paths all ran.
    for (int rc = BS_OK; rc <= BS_E_UNKNOWN_TYPE; rc++)
        if (outcomes[rc] == 0)
            fail_msg ("no mutation ended with code %d", rc);
    msgpack_sbuffer_destroy (&valid);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_submit_round_trip),
        cmocka_unit_test (test_optional_fields_left_out),
        cmocka_unit_test (test_issue_round_trip),
        cmocka_unit_test (test_issue_add_round_trip),
        cmocka_unit_test (test_record_copy),
        cmocka_unit_test (test_bytes_round_trip),
        cmocka_unit_test (test_message_round_trip),
        cmocka_unit_test (test_command_envelope),
        cmocka_unit_test (test_encode_refuses_long_envelope_strings),
        cmocka_unit_test (test_utf8_valid),
        cmocka_unit_test (test_invalid_utf8_refused),
        cmocka_unit_test (test_chinese_length_in_bytes),
        cmocka_unit_test (test_lying_lengths),
        cmocka_unit_test (test_truncated_at_every_byte),
        cmocka_unit_test (test_trailing_bytes),
        cmocka_unit_test (test_depth_bomb),
        cmocka_unit_test (test_item_and_frame_limits),
        cmocka_unit_test (test_unused_byte_c1),
        cmocka_unit_test (test_every_msgpack_type),
        cmocka_unit_test (test_wrong_type_names_field),
        cmocka_unit_test (test_missing_required_names_field),
        cmocka_unit_test (test_out_of_limits),
        cmocka_unit_test (test_every_field_of_every_schema),
        cmocka_unit_test (test_nil_is_absent),
        cmocka_unit_test (test_unknown_fields_ignored),
        cmocka_unit_test (test_duplicate_key),
        cmocka_unit_test (test_embedded_nul),
        cmocka_unit_test (test_unknown_type),
        cmocka_unit_test (test_envelope_errors),
        cmocka_unit_test (test_random_bytes),
        cmocka_unit_test (test_random_mutations),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
