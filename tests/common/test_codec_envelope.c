/*  test_codec_envelope: a message's envelope: an unknown type, every way
    an envelope can be wrong, refused with what a reply needs, and "data"
    anywhere among keys and values of any shape.
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
//  The envelope

static void
test_unknown_type (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    bs_test_pack_envelope (&packer, "intake.teleport", "m-9");
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
            bs_test_pack_cstr (&packer, "type");
            bs_test_pack_cstr (&packer, "service.ping");
            break;
        case 2:
            msgpack_pack_map (&packer, 1);
            bs_test_pack_cstr (&packer, "v");
            msgpack_pack_uint64 (&packer, 1);
            break;
        default:
            msgpack_pack_map (&packer, i == 15 ? 4 : i >= 8 && i <= 12 ? 3 : 2);
            bs_test_pack_cstr (&packer, "v");
            if (i == 3)
                msgpack_pack_uint64 (&packer, 0);
            else if (i == 4)
                msgpack_pack_int64 (&packer, -1);
            else
                msgpack_pack_uint64 (&packer, i == 15 ? 2 : 1);
            bs_test_pack_cstr (&packer, "type");
            if (i == 5)
                bs_test_pack_cstr (&packer, "");
            else if (i == 6)
                bs_test_pack_filled_str (&packer, 't', 64);
            else if (i == 7)
                msgpack_pack_uint64 (&packer, 5);
            else
                bs_test_pack_cstr (&packer, i == 13 ? "intake.submit" : "service.ping");
            if (i == 8) {
                bs_test_pack_cstr (&packer, "id");
                bs_test_pack_filled_str (&packer, 'i', 128);
            } else if (i == 9) {
                bs_test_pack_cstr (&packer, "src");
                bs_test_pack_filled_str (&packer, 's', 64);
            } else if (i == 10) {
                bs_test_pack_cstr (&packer, "at");
                bs_test_pack_cstr (&packer, "now");
            } else if (i == 11) {
                bs_test_pack_cstr (&packer, "seq");
                msgpack_pack_true (&packer);
            } else if (i == 12) {
                bs_test_pack_cstr (&packer, "data");
                msgpack_pack_array (&packer, 1);
                msgpack_pack_uint64 (&packer, 1);
            } else if (i == 15) {
                bs_test_pack_cstr (&packer, "at");
                msgpack_pack_uint64 (&packer, 5);
                bs_test_pack_cstr (&packer, "other");
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

/* "data" may come anywhere in the envelope, before "type" and among
   keys and values of any shape: its record is decoded once the type is
   known, what follows it is still read, and an envelope's error still
   comes before the record's. */
static void
test_data_anywhere_in_the_envelope (void **state)
{
    (void) state;
    //  [[{}], {[1]: [nil, 1.5]}]
    static const uint8_t nested[] = {0x92, 0x91, 0x80, 0x81, 0x91, 0x01, 0x92,
                                     0xc0, 0xca, 0x3f, 0xc0, 0x00, 0x00};
    const char *type = bs_token_check_schema.type;
    for (int variant = 0; variant < 4; variant++) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        msgpack_packer packer;
        msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
        msgpack_pack_map (&packer, variant == 3 ? 4 : 6);
        bs_test_pack_cstr (&packer, "data");
        msgpack_pack_map (&packer, 2);
        msgpack_sbuffer_write (&buffer, (const char *) nested, sizeof nested); /* a key */
        msgpack_sbuffer_write (&buffer, (const char *) nested, sizeof nested);
        bs_test_pack_cstr (&packer, "secret");
        if (variant == 0)
            bs_test_pack_cstr (&packer, "s3cret");
        else
            msgpack_pack_uint64 (&packer, 5);
        bs_test_pack_cstr (&packer, "extra");
        msgpack_sbuffer_write (&buffer, (const char *) nested, sizeof nested);
        bs_test_pack_cstr (&packer, "type");
        bs_test_pack_cstr (&packer, type);
        bs_test_pack_cstr (&packer, "at");
        if (variant == 2)
            bs_test_pack_cstr (&packer, "now");
        else
            msgpack_pack_uint64 (&packer, 5);
        if (variant != 3) {
            bs_test_pack_cstr (&packer, "principal");
            msgpack_pack_map (&packer, 4);
            msgpack_sbuffer_write (&buffer, (const char *) nested + 3, sizeof nested - 3);
            msgpack_pack_nil (&packer);
            bs_test_pack_cstr (&packer, "who");
            bs_test_pack_cstr (&packer, "ops");
            bs_test_pack_cstr (&packer, "other");
            msgpack_sbuffer_write (&buffer, (const char *) nested, sizeof nested);
            bs_test_pack_cstr (&packer, "kind");
            bs_test_pack_cstr (&packer, "officer");
            bs_test_pack_cstr (&packer, "v");
            msgpack_pack_uint64 (&packer, 1);
        }
        bs_message_t message;
        bs_error_t error;
        int rc = bs_message_decode (buffer.data, buffer.size, s_limits, &message, &error);
        switch (variant) {
        case 0: /* all of it read */
            if (rc != BS_OK)
                fail_msg ("%s", error.text);
            assert_ptr_equal (message.schema, &bs_token_check_schema);
            assert_string_equal (((bs_token_check_t *) message.data)->secret, "s3cret");
            assert_int_equal (message.at, 5);
            assert_int_equal (message.version, 1);
            assert_string_equal (message.principal.who, "ops");
            assert_string_equal (message.principal.kind, "officer");
            break;
        case 1: /* the record refused, the envelope kept for the reply */
            assert_int_equal (rc, BS_E_INVALID);
            assert_string_equal (error.field, "secret");
            assert_string_equal (message.type, type);
            assert_string_equal (message.principal.who, "ops");
            assert_null (message.data);
            break;
        case 2: /* the envelope's error first */
            assert_int_equal (rc, BS_E_MALFORMED);
            assert_string_equal (error.field, "at");
            assert_null (message.data);
            break;
        default: /* the keys after data are still read: no "v" */
            assert_int_equal (rc, BS_E_MALFORMED);
            assert_string_equal (error.field, "v");
            break;
        }
        bs_message_clear (&message);
        msgpack_sbuffer_destroy (&buffer);
    }
}

/* A frame too large to decode: its type and id come from its first
   bytes, as bs_codec_encode_command writes them, whatever follows. */
static void
test_peek_at_a_frame_too_large (void **state)
{
    (void) state;
    size_t size = 3 << 20;
    char *body = malloc (size + 1);
    assert_non_null (body);
    memset (body, 'b', size);
    body[size] = 0;
    bs_submit_t submit = {.title = "大", .body = body};
    bs_principal_t principal = {.who = "ops", .kind = "officer", .roles = "admin"};
    bs_envelope_t envelope = {.id = "over-1", .src = "test", .at = 1, .principal = &principal};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_command (&buffer, &bs_submit_schema, &submit, &envelope),
                      BS_OK);
    bs_message_t message;
    bs_codec_envelope_peek (buffer.data, buffer.size, &message);
    assert_string_equal (message.type, "intake.submit");
    assert_string_equal (message.id, "over-1");
    /* Cut short anywhere after the id, the same. */
    bs_codec_envelope_peek (buffer.data, 64, &message);
    assert_string_equal (message.id, "over-1");
    msgpack_sbuffer_destroy (&buffer);
    free (body);

    /* An id after 4 KiB of data is not looked for; neither is a bad one. */
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 3);
    msgpack_pack_str_with_body (&packer, "type", 4);
    msgpack_pack_str_with_body (&packer, "intake.submit", 13);
    msgpack_pack_str_with_body (&packer, "data", 4);
    char filler[5000];
    memset (filler, 'f', sizeof filler);
    msgpack_pack_bin_with_body (&packer, filler, sizeof filler);
    msgpack_pack_str_with_body (&packer, "id", 2);
    msgpack_pack_str_with_body (&packer, "late", 4);
    bs_codec_envelope_peek (buffer.data, buffer.size, &message);
    assert_string_equal (message.type, "intake.submit");
    assert_string_equal (message.id, "");
    msgpack_sbuffer_destroy (&buffer);
    static const struct {
        const char *bytes;
        size_t size;
    } bad[] = {
        {"\x81\xa2id\xa3"
         "a\xff"
         "b",
         8}, /* not UTF-8 */
        {"\x81\xa2id\xa3"
         "a\x00"
         "b",
         8},                                   /* a NUL */
        {"\x81\xa2id\x2a", 5},                 /* not a string */
        {"\x81\xa2id\xdb\xff\xff\xff\xff", 9}, /* longer than the frame */
        {"\x91\xa2id", 4},                     /* not a map */
        {"", 0},                               /* nothing */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bs_codec_envelope_peek (bad[i].bytes, bad[i].size, &message);
        assert_string_equal (message.id, "");
        assert_string_equal (message.type, "");
    }
    bs_codec_envelope_peek ("\x82\xa2id\x2a\xa2id\xa2ok", 11, &message);
    assert_string_equal (message.id, "ok");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_unknown_type),
        cmocka_unit_test (test_envelope_errors),
        cmocka_unit_test (test_data_anywhere_in_the_envelope),
        cmocka_unit_test (test_peek_at_a_frame_too_large),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
