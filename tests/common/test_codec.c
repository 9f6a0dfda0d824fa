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
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
