/*  test_codec_frames: bs_codec refuses hostile frames, in the spirit of
    SQLite's tests: lying lengths, frames cut at every byte, trailing bytes,
    nesting bombs, item and frame limits, the unused byte 0xc1; every
    msgpack type is scanned, and cut short.
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
        bs_test_assert_refused (cases[i].bytes, cases[i].size, BS_E_MALFORMED, cases[i].text);
}

static void
test_truncated_at_every_byte (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    bs_test_encode_issue_message (&buffer);
    assert_true (buffer.size > 100);
    bs_error_t error;
    assert_int_equal (bs_codec_check (buffer.data, buffer.size, s_limits, &error), BS_OK);
    for (size_t size = 0; size < buffer.size; size++) {
        //  A copy of exactly size bytes, so reading past it is caught.
        void *prefix = malloc (size ? size : 1);
        assert_non_null (prefix);
        memcpy (prefix, buffer.data, size);
        bs_test_assert_refused (prefix, size, BS_E_MALFORMED, size ? NULL : "frame is empty");

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
    bs_test_encode_issue_message (&buffer);
    msgpack_sbuffer_write (&buffer, "\xc0", 1);
    bs_test_assert_refused (buffer.data, buffer.size, BS_E_MALFORMED, "1 trailing bytes");
    bs_test_assert_refused ("\x01\x02\x03", 3, BS_E_MALFORMED, "2 trailing bytes");
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
    bs_test_assert_refused (bomb, 201, BS_E_MALFORMED, "deeper than 8 levels");
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
    bs_test_assert_refused ("\xc1", 1, BS_E_MALFORMED, "0xc1");
    bs_test_assert_refused ("\x81\xa1x\xc1", 4, BS_E_MALFORMED, "byte 0xc1 at 3");
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

        //  As the value of an unknown field, and as its key, it is passed
        //  over exactly: the field after it is read.
        bs_test_assert_passed_over (objects[i].bytes, objects[i].size);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_lying_lengths),
        cmocka_unit_test (test_truncated_at_every_byte),
        cmocka_unit_test (test_trailing_bytes),
        cmocka_unit_test (test_depth_bomb),
        cmocka_unit_test (test_item_and_frame_limits),
        cmocka_unit_test (test_unused_byte_c1),
        cmocka_unit_test (test_every_msgpack_type),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
