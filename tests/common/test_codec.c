/*  test_codec: bs_codec's round trips: every kind of field, records,
    messages and a command's envelope come back as they were sent.

    The codec's refusal of hostile bytes is tested beside it, a concern a
    file: test_codec_utf8 (broken UTF-8, lengths in bytes), test_codec_frames
    (lying lengths, truncation, nesting bombs, every msgpack type),
    test_codec_schema (wrong types, missing fields, every field of every
    schema past its limits), test_codec_envelope and test_codec_random
    (random bytes and mutations). Each must be refused with the right code
    and field, and nothing may crash or leak (the same programs run under
    the sanitizers and valgrind).
*/
#include "bs_test.h"
#include "bs_test_codec.h"

#include "bs_codec.h"
#include "bs_schemas.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const bs_codec_limits_t *s_limits = &bs_codec_default_limits;

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
    /* the 7 and attachments; called_at and commission, 0, are left out */
    assert_int_equal ((uint8_t) buffer.data[0], 0x88);

    bs_submit_t decoded;
    bs_error_t error;
    assert_int_equal (bs_test_decode_submit (&buffer, &decoded, &error), BS_OK);
    assert_string_equal (decoded.unit, submit.unit);
    assert_string_equal (decoded.title, submit.title);
    assert_string_equal (decoded.body, submit.body);
    assert_string_equal (decoded.kind, submit.kind);
    assert_true (decoded.urgent);
    assert_string_equal (decoded.topic, submit.topic);
    assert_string_equal (decoded.channel, submit.channel);
    bs_codec_record_free (&bs_submit_schema, &decoded);
    assert_true (bs_test_all_zero (&decoded, sizeof decoded));
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
    //  unit, title, body, urgent and attachments; NULL strings and the
    //  optional numbers that are 0 (called_at, commission) are left out.
    assert_int_equal ((uint8_t) buffer.data[0], 0x85);

    bs_submit_t decoded;
    bs_error_t error;
    assert_int_equal (bs_test_decode_submit (&buffer, &decoded, &error), BS_OK);
    assert_null (decoded.kind);
    assert_null (decoded.topic);
    assert_null (decoded.channel);
    assert_false (decoded.urgent);
    assert_int_equal (decoded.called_at, 0);
    assert_int_equal (decoded.commission, 0);
    bs_codec_record_free (&bs_submit_schema, &decoded);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_issue_round_trip (void **state)
{
    (void) state;
    bs_issue_t issue = bs_test_sample_issue ();
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_record (&buffer, &bs_issue_schema, &issue), BS_OK);

    bs_issue_t decoded;
    bs_error_t error;
    assert_int_equal (bs_codec_decode_record (buffer.data, buffer.size, &bs_issue_schema, s_limits,
                                              &decoded, &error),
                      BS_OK);
    bs_test_assert_issue_equal (&issue, &decoded);

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
    bs_test_pack_cstr (&packer, "name");
    bs_test_pack_cstr (&packer, "a.pdf");
    bs_test_pack_cstr (&packer, "content_type");
    bs_test_pack_cstr (&packer, "application/pdf");
    bs_test_pack_cstr (&packer, "data");
    bs_test_pack_cstr (&packer, "text");
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
    bs_issue_t issue = bs_test_sample_issue ();
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
    bs_test_assert_issue_equal (&issue, &copy);
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
    bs_test_encode_issue_message (&buffer);
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
    bs_issue_t issue = bs_test_sample_issue ();
    bs_test_assert_issue_equal (&issue, message.data);
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
        assert_int_equal (bs_message_decode (bad[i], strlen (bad[i]), s_limits, &message, &error),
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
//  One flag read where it lies

/* The flag as a full decode reads it, for a unit disabled or not, with
   every other field filled so "disabled" comes last. */
static void
test_map_bool_reads_the_flag_a_decode_reads (void **state)
{
    (void) state;
    for (int disabled = 0; disabled <= 1; disabled++) {
        bs_unit_t unit = {.name = "林州市",
                          .parent = "安陽市",
                          .level = "county",
                          .kind = "department",
                          .disabled = disabled};
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        assert_int_equal (bs_codec_encode_record (&buffer, &bs_unit_schema, &unit), BS_OK);
        bool value = !disabled;
        assert_int_equal (bs_codec_map_bool (buffer.data, buffer.size, "disabled", &value), BS_OK);
        assert_int_equal (value, disabled);
        /* another key is absent: false; a key that only starts the same too */
        value = true;
        assert_int_equal (bs_codec_map_bool (buffer.data, buffer.size, "hidden", &value), BS_OK);
        assert_false (value);
        value = true;
        assert_int_equal (bs_codec_map_bool (buffer.data, buffer.size, "disable", &value), BS_OK);
        assert_false (value);
        /* cut short anywhere before the flag's value ends (it is the last
           field): refused, never read past the bytes (the sanitizers) */
        for (size_t size = 0; size < buffer.size; size++)
            assert_int_equal (bs_codec_map_bool (buffer.data, size, "disabled", &value),
                              BS_E_MALFORMED);
        msgpack_sbuffer_destroy (&buffer);
    }
}

/* Values skipped on the way of every kind; nil is false; a value that is
   no bool, or bytes that are no map, are refused. */
static void
test_map_bool_skips_and_refuses (void **state)
{
    (void) state;
    bool value;
    /* {"a": [1, {"b": "x"}], 7: "y", "disabled": true} */
    const char skipped[] = "\x83\xa1" "a" "\x92\x01\x81\xa1" "b" "\xa1" "x" "\x07\xa1" "y"
                           "\xa8" "disabled" "\xc3";
    assert_int_equal (bs_codec_map_bool (skipped, sizeof skipped - 1, "disabled", &value), BS_OK);
    assert_true (value);
    const char nil[] = "\x81\xa8" "disabled" "\xc0";
    value = true;
    assert_int_equal (bs_codec_map_bool (nil, sizeof nil - 1, "disabled", &value), BS_OK);
    assert_false (value);
    const char number[] = "\x81\xa8" "disabled" "\x01";
    assert_int_equal (bs_codec_map_bool (number, sizeof number - 1, "disabled", &value),
                      BS_E_MALFORMED);
    const char array[] = "\x91\xc3";
    assert_int_equal (bs_codec_map_bool (array, sizeof array - 1, "disabled", &value),
                      BS_E_MALFORMED);
    /* a map16 that declares more entries than its bytes hold */
    const char lying[] = "\xde\xff\xff\xa1" "a" "\xc3";
    assert_int_equal (bs_codec_map_bool (lying, sizeof lying - 1, "disabled", &value),
                      BS_E_MALFORMED);
    assert_int_equal (bs_codec_map_bool (NULL, 0, "disabled", &value), BS_E_MALFORMED);
}

//  --------------------------------------------------------------------------
//  The encoder writes msgpack-c's bytes

/* A record of every kind of field, twenty of them (a map16), each
   required so none is left out. */
typedef struct {
    char *text;
} s_item_t;

static const bs_field_t s_item_fields[] = {
    {"text", 4, BS_FIELD_STR, true, 0, UINT64_MAX, offsetof (s_item_t, text), NULL},
};
static const bs_schema_t s_item_schema = {"test.item", 1, s_item_fields, 1, sizeof (s_item_t)};

#define S_WIDE_NUMBERS 15
typedef struct {
    char *text;
    bool flag;
    bs_u64_list_t numbers;
    bs_list_t items;
    bs_bytes_t bytes;
    uint64_t number[S_WIDE_NUMBERS];
} s_wide_t;

#define S_NUMBER_FIELD(i)                                                                          \
    {                                                                                              \
        "n" #i, sizeof "n" #i - 1, BS_FIELD_U64, true, 0, UINT64_MAX,                              \
            offsetof (s_wide_t, number) + (i) * sizeof (uint64_t), NULL                            \
    }
static const bs_field_t s_wide_fields[] = {
    {"text", 4, BS_FIELD_STR, true, 0, UINT64_MAX, offsetof (s_wide_t, text), NULL},
    {"flag", 4, BS_FIELD_BOOL, true, 0, 1, offsetof (s_wide_t, flag), NULL},
    {"numbers", 7, BS_FIELD_U64_LIST, true, 0, UINT64_MAX, offsetof (s_wide_t, numbers), NULL},
    {"items", 5, BS_FIELD_LIST, true, 0, UINT64_MAX, offsetof (s_wide_t, items), &s_item_schema},
    {"bytes", 5, BS_FIELD_BIN, true, 0, UINT64_MAX, offsetof (s_wide_t, bytes), NULL},
    S_NUMBER_FIELD (0),
    S_NUMBER_FIELD (1),
    S_NUMBER_FIELD (2),
    S_NUMBER_FIELD (3),
    S_NUMBER_FIELD (4),
    S_NUMBER_FIELD (5),
    S_NUMBER_FIELD (6),
    S_NUMBER_FIELD (7),
    S_NUMBER_FIELD (8),
    S_NUMBER_FIELD (9),
    S_NUMBER_FIELD (10),
    S_NUMBER_FIELD (11),
    S_NUMBER_FIELD (12),
    S_NUMBER_FIELD (13),
    S_NUMBER_FIELD (14),
};
static const bs_schema_t s_wide_schema = {"test.wide", 1, s_wide_fields,
                                          sizeof s_wide_fields / sizeof s_wide_fields[0],
                                          sizeof (s_wide_t)};

/* The record as msgpack-c's packer writes it, field by field. */
static void
s_pack_wide (msgpack_packer *packer, const s_wide_t *wide)
{
    msgpack_pack_map (packer, s_wide_schema.field_count);
    msgpack_pack_str_with_body (packer, "text", 4);
    msgpack_pack_str_with_body (packer, wide->text, strlen (wide->text));
    msgpack_pack_str_with_body (packer, "flag", 4);
    wide->flag ? msgpack_pack_true (packer) : msgpack_pack_false (packer);
    msgpack_pack_str_with_body (packer, "numbers", 7);
    msgpack_pack_array (packer, wide->numbers.count);
    for (size_t k = 0; k < wide->numbers.count; k++)
        msgpack_pack_uint64 (packer, wide->numbers.items[k]);
    msgpack_pack_str_with_body (packer, "items", 5);
    msgpack_pack_array (packer, wide->items.count);
    for (size_t k = 0; k < wide->items.count; k++) {
        const s_item_t *item = (const s_item_t *) wide->items.items + k;
        msgpack_pack_map (packer, 1);
        msgpack_pack_str_with_body (packer, "text", 4);
        msgpack_pack_str_with_body (packer, item->text, strlen (item->text));
    }
    msgpack_pack_str_with_body (packer, "bytes", 5);
    msgpack_pack_bin_with_body (packer, wide->bytes.size ? (const void *) wide->bytes.data : "",
                                wide->bytes.size);
    for (size_t i = 0; i < S_WIDE_NUMBERS; i++) {
        msgpack_pack_str_with_body (packer, s_wide_fields[5 + i].name,
                                    s_wide_fields[5 + i].name_size);
        msgpack_pack_uint64 (packer, wide->number[i]);
    }
}

/* Every width of every length and number msgpack has, each on both
   sides of its edge, encoded by bs_codec_encode_record and by msgpack-c's
   packer: the same bytes (stored records, events and stored replies are
   compared as bytes). */
static void
test_every_width_writes_as_msgpack_c (void **state)
{
    (void) state;
    static const size_t lengths[] = {0, 1, 31, 32, 255, 256, 65535, 65536, 70000};
    static const size_t counts[] = {0, 1, 15, 16, 255, 256, 65535, 65536};
    static const uint64_t numbers[] = {
        0, 1, 127, 128, 255, 256, 65535, 65536, UINT32_MAX, (uint64_t) UINT32_MAX + 1, UINT64_MAX};
    size_t length_count = sizeof lengths / sizeof lengths[0];
    size_t count_count = sizeof counts / sizeof counts[0];
    size_t number_count = sizeof numbers / sizeof numbers[0];
    char *text = malloc (70001);
    unsigned char *bytes = malloc (70000);
    uint64_t *list = calloc (65536, sizeof *list);
    s_item_t *items = calloc (65536, sizeof *items);
    assert_non_null (text);
    assert_non_null (bytes);
    assert_non_null (list);
    assert_non_null (items);
    memset (text, 'x', 70000);
    for (size_t k = 0; k < 70000; k++)
        bytes[k] = (unsigned char) k;
    for (size_t k = 0; k < 65536; k++) {
        list[k] = numbers[k % number_count];
        items[k].text = k % 2 ? "" : "an item";
    }

    for (size_t round = 0; round < 11; round++) {
        size_t length = lengths[round % length_count];
        text[length] = 0;
        s_wide_t wide = {
            .text = text,
            .flag = round % 2,
            .numbers = {counts[round % count_count], list},
            .items = {counts[(round + 3) % count_count], items},
            .bytes = {lengths[(round + 1) % length_count],
                      lengths[(round + 1) % length_count] ? bytes : NULL},
        };
        for (size_t i = 0; i < S_WIDE_NUMBERS; i++)
            wide.number[i] = numbers[(round + i) % number_count];

        msgpack_sbuffer ours, theirs;
        msgpack_sbuffer_init (&ours);
        msgpack_sbuffer_init (&theirs);
        msgpack_packer packer;
        msgpack_packer_init (&packer, &theirs, msgpack_sbuffer_write);
        s_pack_wide (&packer, &wide);
        assert_int_equal (bs_codec_encode_record (&ours, &s_wide_schema, &wide), BS_OK);
        assert_int_equal (ours.size, theirs.size);
        assert_memory_equal (ours.data, theirs.data, theirs.size);

        /* decoded back: the same record */
        s_wide_t back;
        bs_codec_limits_t limits = {.max_frame = ours.size, .max_depth = 8, .max_items = 1000000};
        bs_error_t error;
        assert_int_equal (
            bs_codec_decode_record (ours.data, ours.size, &s_wide_schema, &limits, &back, &error),
            BS_OK);
        assert_string_equal (back.text, text);
        assert_int_equal (back.numbers.count, wide.numbers.count);
        assert_int_equal (back.items.count, wide.items.count);
        assert_int_equal (back.bytes.size, wide.bytes.size);
        assert_memory_equal (back.number, wide.number, sizeof back.number);
        bs_codec_record_free (&s_wide_schema, &back);
        msgpack_sbuffer_destroy (&ours);
        msgpack_sbuffer_destroy (&theirs);
        text[length] = 'x';
    }
    free (text);
    free (bytes);
    free (list);
    free (items);
}

/* An event's envelope of a test.item, as msgpack-c's packer writes it,
   up to its data. */
static void
s_pack_event_head (msgpack_packer *packer, const char *id, uint64_t at, const char *src,
                   uint64_t seq)
{
    msgpack_pack_map (packer, 7);
    msgpack_pack_str_with_body (packer, "v", 1);
    msgpack_pack_uint64 (packer, BS_ENVELOPE_VERSION);
    msgpack_pack_str_with_body (packer, "type", 4);
    msgpack_pack_str_with_body (packer, "test.item", 9);
    msgpack_pack_str_with_body (packer, "id", 2);
    msgpack_pack_str_with_body (packer, id, strlen (id));
    msgpack_pack_str_with_body (packer, "at", 2);
    msgpack_pack_uint64 (packer, at);
    msgpack_pack_str_with_body (packer, "src", 3);
    msgpack_pack_str_with_body (packer, src, strlen (src));
    msgpack_pack_str_with_body (packer, "seq", 3);
    msgpack_pack_uint64 (packer, seq);
    msgpack_pack_str_with_body (packer, "data", 4);
}

/* An envelope with every key a command carries, and with data already
   packed: msgpack-c's bytes too. */
static void
test_envelope_writes_as_msgpack_c (void **state)
{
    (void) state;
    bs_principal_t principal = {.who = "li", .kind = "person", .unit = "u1", .roles = "editor"};
    s_item_t item = {"a text of more than thirty-one bytes, a str8"};
    bs_envelope_t envelope = {.id = "id-1",
                              .src = "test",
                              .at = 1733400000000ULL,
                              .deadline = 1733400005000ULL,
                              .principal = &principal};
    msgpack_sbuffer ours, theirs;
    msgpack_sbuffer_init (&ours);
    msgpack_sbuffer_init (&theirs);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &theirs, msgpack_sbuffer_write);
    /* the envelope's strings, keys and values in turn (NULL: a number
       or a map follows the key) */
    const char *const strings[] = {"v",         NULL, "type",  "test.item", "id",       "id-1",
                                   "at",        NULL, "src",   "test",      "deadline", NULL,
                                   "principal", NULL, "who",   "li",        "kind",     "person",
                                   "unit",      "u1", "roles", "editor",    "data",     NULL};
    const uint64_t numbers[] = {BS_ENVELOPE_VERSION, envelope.at, envelope.deadline};
    size_t number = 0;
    msgpack_pack_map (&packer, 8);
    for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++) {
        if (strings[k])
            msgpack_pack_str_with_body (&packer, strings[k], strlen (strings[k]));
        else if (strcmp (strings[k - 1], "principal") == 0)
            msgpack_pack_map (&packer, 4);
        else if (strcmp (strings[k - 1], "data") == 0) {
            msgpack_pack_map (&packer, 1);
            msgpack_pack_str_with_body (&packer, "text", 4);
            msgpack_pack_str_with_body (&packer, item.text, strlen (item.text));
        } else
            msgpack_pack_uint64 (&packer, numbers[number++]);
    }
    assert_int_equal (bs_codec_encode_command (&ours, &s_item_schema, &item, &envelope), BS_OK);
    assert_int_equal (ours.size, theirs.size);
    assert_memory_equal (ours.data, theirs.data, theirs.size);

    /* the same record already packed, after a seq, in a message */
    msgpack_sbuffer record, packed, expected;
    msgpack_sbuffer_init (&record);
    msgpack_sbuffer_init (&packed);
    msgpack_sbuffer_init (&expected);
    assert_int_equal (bs_codec_encode_record (&record, &s_item_schema, &item), BS_OK);
    assert_int_equal (bs_codec_encode_message_packed (&packed, &s_item_schema, record.data,
                                                      record.size, "id-2", "log", 7, 300),
                      BS_OK);
    assert_int_equal (
        bs_codec_encode_message (&expected, &s_item_schema, &item, "id-2", "log", 7, 300), BS_OK);
    assert_int_equal (packed.size, expected.size);
    assert_memory_equal (packed.data, expected.data, expected.size);
    msgpack_sbuffer_clear (&theirs);
    s_pack_event_head (&packer, "id-2", 7, "log", 300);
    msgpack_sbuffer_write (&theirs, record.data, record.size);
    assert_int_equal (packed.size, theirs.size);
    assert_memory_equal (packed.data, theirs.data, theirs.size);
    msgpack_sbuffer_destroy (&record);
    msgpack_sbuffer_destroy (&packed);
    msgpack_sbuffer_destroy (&expected);
    msgpack_sbuffer_destroy (&ours);
    msgpack_sbuffer_destroy (&theirs);
}

/* An event's envelope, written at once (s_encode_envelope), at every
   width of its strings (fixstr, str8 up to the longest each may be) and
   numbers (at, seq: from a fixint to a uint64): msgpack-c's bytes. */
static void
test_envelope_at_every_width (void **state)
{
    (void) state;
    const uint64_t numbers[] = {1,     127,   128,           255,           256,
                                65535, 65536, 4294967295ULL, 4294967296ULL, UINT64_MAX};
    const size_t lengths[] = {0, 1, 31, 32, 63, 127};
    char text[BS_ID_MAX];
    memset (text, 'x', sizeof text);
    s_item_t item = {"a"};
    msgpack_sbuffer ours, theirs;
    msgpack_sbuffer_init (&ours);
    msgpack_sbuffer_init (&theirs);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &theirs, msgpack_sbuffer_write);
    for (size_t n = 0; n < sizeof numbers / sizeof numbers[0]; n++)
        for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
            size_t id_length = lengths[l], src_length = lengths[l] < 63 ? lengths[l] : 63;
            char id[BS_ID_MAX], src[BS_SRC_MAX];
            memcpy (id, text, id_length);
            id[id_length] = 0;
            memcpy (src, text, src_length);
            src[src_length] = 0;
            uint64_t seq = numbers[sizeof numbers / sizeof numbers[0] - 1 - n];
            msgpack_sbuffer_clear (&ours);
            msgpack_sbuffer_clear (&theirs);
            assert_int_equal (
                bs_codec_encode_message (&ours, &s_item_schema, &item, id, src, numbers[n], seq),
                BS_OK);
            s_pack_event_head (&packer, id, numbers[n], src, seq);
            msgpack_pack_map (&packer, 1);
            msgpack_pack_str_with_body (&packer, "text", 4);
            msgpack_pack_str_with_body (&packer, "a", 1);
            assert_int_equal (ours.size, theirs.size);
            assert_memory_equal (ours.data, theirs.data, theirs.size);
        }
    msgpack_sbuffer_destroy (&ours);
    msgpack_sbuffer_destroy (&theirs);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_submit_round_trip),
        cmocka_unit_test (test_optional_fields_left_out),
        cmocka_unit_test (test_issue_round_trip),
        cmocka_unit_test (test_issue_add_round_trip),
        cmocka_unit_test (test_bytes_round_trip),
        cmocka_unit_test (test_record_copy),
        cmocka_unit_test (test_message_round_trip),
        cmocka_unit_test (test_command_envelope),
        cmocka_unit_test (test_encode_refuses_long_envelope_strings),
        cmocka_unit_test (test_map_bool_reads_the_flag_a_decode_reads),
        cmocka_unit_test (test_map_bool_skips_and_refuses),
        cmocka_unit_test (test_every_width_writes_as_msgpack_c),
        cmocka_unit_test (test_envelope_writes_as_msgpack_c),
        cmocka_unit_test (test_envelope_at_every_width),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
