/*  test_codec_envelope: a message's envelope: an unknown type, and every
    way an envelope can be wrong, refused with what a reply needs.
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

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_unknown_type),
        cmocka_unit_test (test_envelope_errors),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
