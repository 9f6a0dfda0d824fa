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

    //  A caller asking for more still gets at most 32 (BS_CODEC_DEPTH_CAP):
    //  32 levels are read (the record is then refused as not a map), 33 are
    //  refused by the scan.
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
//  The decoders check every head they read as the scan does, and scan a
//  frame only when they refuse it. Each frame here is a message or a
//  record the decoders read well up to one fault the scan finds, among
//  what they read or pass over: both must refuse it with the scan's words,
//  holding nothing. An exact copy, so that reading past it is caught.
static void
s_assert_refused_as_scanned (const msgpack_sbuffer *buffer, const bs_codec_limits_t *limits)
{
    void *bytes = malloc (buffer->size);
    assert_non_null (bytes);
    memcpy (bytes, buffer->data, buffer->size);
    bs_error_t scanned, error;
    assert_int_equal (bs_codec_check (bytes, buffer->size, limits, &scanned), BS_E_MALFORMED);

    bs_message_t message;
    assert_int_equal (bs_message_decode (bytes, buffer->size, limits, &message, &error),
                      BS_E_MALFORMED);
    assert_string_equal (error.text, scanned.text);
    assert_true (bs_test_all_zero (&message, sizeof message));

    bs_submit_t submit;
    assert_int_equal (
        bs_codec_decode_record (bytes, buffer->size, &bs_submit_schema, limits, &submit, &error),
        BS_E_MALFORMED);
    assert_string_equal (error.text, scanned.text);
    assert_true (bs_test_all_zero (&submit, sizeof submit));
    free (bytes);
}

//  The least max_items (or max_depth, when depth) under which the scan
//  passes the frame; the decoders then pass it too and refuse it with one
//  less, as the scan does.
static void
s_assert_limit_read_alike (const msgpack_sbuffer *buffer, bool depth, bool as_message)
{
    bs_codec_limits_t limits = bs_codec_default_limits;
    size_t *limit = depth ? &limits.max_depth : &limits.max_items;
    bs_error_t error;
    for (*limit = 0; bs_codec_check (buffer->data, buffer->size, &limits, &error) != BS_OK;)
        (*limit)++;
    bs_message_t message;
    bs_submit_t submit;
    if (as_message) {
        assert_int_equal (bs_message_decode (buffer->data, buffer->size, &limits, &message, &error),
                          BS_OK);
        bs_message_clear (&message);
    } else {
        assert_int_equal (bs_codec_decode_record (buffer->data, buffer->size, &bs_submit_schema,
                                                  &limits, &submit, &error),
                          BS_OK);
        bs_codec_record_free (&bs_submit_schema, &submit);
    }
    assert_true (*limit > 0);
    (*limit)--;
    s_assert_refused_as_scanned (buffer, &limits);
}

//  A submit record, then one more entry: name and the msgpack bytes of its
//  value (packed as they are).
static void
s_pack_submit_with (msgpack_sbuffer *buffer, const char *name, const void *value, size_t size)
{
    msgpack_sbuffer_init (buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);
    bs_test_pack_submit_base (&packer, 1, NULL);
    bs_test_pack_cstr (&packer, name);
    msgpack_sbuffer_write (buffer, value, size);
}

//  An intake.submit message whose data is a submit record with one more
//  entry (name, value), and after data, when after is set, one more
//  envelope entry "x" holding after (after_size bytes).
static void
s_pack_message_with (msgpack_sbuffer *buffer, const char *name, const void *value, size_t size,
                     const void *after, size_t after_size)
{
    msgpack_sbuffer_init (buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, after ? 5 : 4);
    bs_test_pack_cstr (&packer, "v");
    msgpack_pack_uint64 (&packer, 1);
    bs_test_pack_cstr (&packer, "type");
    bs_test_pack_cstr (&packer, "intake.submit");
    bs_test_pack_cstr (&packer, "id");
    bs_test_pack_cstr (&packer, "m-1");
    bs_test_pack_cstr (&packer, "data");
    bs_test_pack_submit_base (&packer, 1, NULL);
    bs_test_pack_cstr (&packer, name);
    msgpack_sbuffer_write (buffer, value, size);
    if (after) {
        bs_test_pack_cstr (&packer, "x");
        msgpack_sbuffer_write (buffer, after, after_size);
    }
}

static void
test_decoders_refuse_what_the_scan_refuses (void **state)
{
    (void) state;
    static const struct {
        uint8_t bytes[16];
        size_t size;
    } faults[] = {
        {{0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0xc0}, 9}, /* deeper than 8 */
        {{0x81, 0xa1, 'k', 0x81, 0xa1, 'k', 0x81, 0xa1, 'k', 0x91, 0x91, 0x91, 0x91, 0x91, 0xc0},
         15},                                      /* maps count as nesting */
        {{0x92, 0xc0, 0xc1}, 3},                   /* the unused byte */
        {{0x92, 0xc0}, 2},                         /* an element short */
        {{0xa5, 'a', 'b'}, 3},                     /* a str's lie */
        {{0xdb, 0, 0, 1}, 4},                      /* a length cut short */
        {{0xc7, 0x05, 1, 2}, 4},                   /* an ext's lie */
        {{0xd8, 1, 2}, 3},                         /* a fixext cut short */
        {{0xcb, 0x3f, 0xf0}, 3},                   /* a float cut short */
        {{0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0}, 6}, /* an array's lie */
        {{0x83, 0xc0, 0xc0}, 3},                   /* a map's lie */
        {{0xc0, 0xc0}, 2},                         /* a byte after the frame */
    };
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        msgpack_sbuffer buffer;
        //  The fault as the value of a field nobody knows and of one the
        //  schema reads (a second title: refused as invalid unless the
        //  scan speaks first), in a record and in a message's data; after
        //  data in the envelope; in the data of a type no schema knows.
        static const char *const names[] = {"extra", "title"};
        for (size_t n = 0; n < 2; n++) {
            s_pack_submit_with (&buffer, names[n], faults[i].bytes, faults[i].size);
            s_assert_refused_as_scanned (&buffer, s_limits);
            msgpack_sbuffer_destroy (&buffer);
            s_pack_message_with (&buffer, names[n], faults[i].bytes, faults[i].size, NULL, 0);
            s_assert_refused_as_scanned (&buffer, s_limits);
            msgpack_sbuffer_destroy (&buffer);
        }
        s_pack_message_with (&buffer, "extra", "\xc0", 1, faults[i].bytes, faults[i].size);
        s_assert_refused_as_scanned (&buffer, s_limits);
        msgpack_sbuffer_destroy (&buffer);
        msgpack_sbuffer_init (&buffer);
        msgpack_packer packer;
        msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
        bs_test_pack_envelope (&packer, "no.such.type", "m-2");
        msgpack_pack_map (&packer, 1);
        bs_test_pack_cstr (&packer, "k");
        msgpack_sbuffer_write (&buffer, (const char *) faults[i].bytes, faults[i].size);
        s_assert_refused_as_scanned (&buffer, s_limits);
        msgpack_sbuffer_destroy (&buffer);
    }

    //  The frame's and the objects' limits, and the depth, read at the
    //  edge: the decoders pass what the scan passes and refuse one less.
    msgpack_sbuffer buffer;
    s_pack_message_with (&buffer, "extra", "\x92\x91\xc0\x81\xa1k\x90", 7, "\x91\x80", 2);
    s_assert_limit_read_alike (&buffer, false, true);
    s_assert_limit_read_alike (&buffer, true, true);
    bs_codec_limits_t limits = {buffer.size, 8, 200000};
    bs_message_t message;
    bs_error_t error;
    assert_int_equal (bs_message_decode (buffer.data, buffer.size, &limits, &message, &error),
                      BS_OK);
    bs_message_clear (&message);
    limits.max_frame--;
    s_assert_refused_as_scanned (&buffer, &limits);
    msgpack_sbuffer_destroy (&buffer);
    s_pack_submit_with (&buffer, "extra", "\x92\x91\xc0\x81\xa1k\x90", 7);
    s_assert_limit_read_alike (&buffer, false, false);
    s_assert_limit_read_alike (&buffer, true, false);
    msgpack_sbuffer_destroy (&buffer);
}

//  A frame refused both as invalid (a field the schema refuses, an
//  envelope without "v") and as malformed (a fault after it) is refused as
//  malformed, with the scan's words, as when the scan ran first.
static void
test_malformed_before_invalid (void **state)
{
    (void) state;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    bs_test_pack_submit_base (&packer, 2, "title"); /* no title: invalid */
    bs_test_pack_cstr (&packer, "unit");            /* twice: invalid */
    bs_test_pack_cstr (&packer, "again");
    bs_test_pack_cstr (&packer, "x");
    msgpack_sbuffer_write (&buffer, "\xc1", 1);
    s_assert_refused_as_scanned (&buffer, s_limits);
    msgpack_sbuffer_destroy (&buffer);

    msgpack_sbuffer_init (&buffer);
    msgpack_pack_map (&packer, 2);
    bs_test_pack_cstr (&packer, "type"); /* no "v": a malformed envelope */
    bs_test_pack_cstr (&packer, "intake.submit");
    bs_test_pack_cstr (&packer, "data");
    msgpack_sbuffer_write (&buffer,
                           "\x81\xa1k\xa3"
                           "ab",
                           6);
    s_assert_refused_as_scanned (&buffer, s_limits);
    msgpack_sbuffer_destroy (&buffer);
}

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

//  --------------------------------------------------------------------------
//  A frame of several messages (a stream's events, one after another)

//  The message at the start of frame (size bytes to the frame's end) as
//  the consumer read it before: its size by the scan, then its bytes
//  alone decoded; bs_message_decode_next must give the same code, size,
//  words and message.
static void
s_assert_next_as_alone (const uint8_t *frame, size_t size, int expected)
{
    bs_message_t alone, next;
    bs_error_t alone_error, next_error;
    size_t object_size = 0, length = 99;
    int alone_rc = bs_codec_object_size (frame, size, s_limits, &object_size, &alone_error);
    if (alone_rc == BS_OK)
        alone_rc = bs_message_decode_view (frame, object_size, s_limits, NULL, &alone,
                                           &alone_error);
    else
        memset (&alone, 0, sizeof alone);
    int rc = bs_message_decode_next (frame, size, s_limits, NULL, &next, &length, &next_error);
    if (expected >= 0)
        assert_int_equal (rc, expected);
    assert_int_equal (rc, alone_rc);
    assert_int_equal (length, object_size);
    if (rc != BS_OK)
        assert_string_equal (next_error.text, alone_error.text);
    assert_string_equal (next.type, alone.type);
    assert_string_equal (next.id, alone.id);
    assert_int_equal (next.seq, alone.seq);
    assert_int_equal (next.schema == alone.schema, true);
    assert_int_equal (next.data != NULL, alone.data != NULL);
    if (rc == BS_OK && next.schema == &bs_issue_schema)
        bs_test_assert_issue_equal (alone.data, next.data);
    bs_message_clear (&alone);
    bs_message_clear (&next);
}

static void
test_next_message_as_its_bytes_alone (void **state)
{
    (void) state;
    //  An issue; a submit with an envelope entry after its data; a type
    //  no schema knows (its data unread: its size by the scan); the issue
    //  again; each read where the one before ended.
    msgpack_sbuffer frame, issue, after, unknown;
    bs_test_encode_issue_message (&issue);
    s_pack_message_with (&after, "extra", "\x92\x01\x02", 3, "\x91\x80", 2);
    msgpack_sbuffer_init (&unknown);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &unknown, msgpack_sbuffer_write);
    bs_test_pack_envelope (&packer, "no.such.type", "m-2");
    msgpack_pack_map (&packer, 1);
    bs_test_pack_cstr (&packer, "k");
    bs_test_pack_cstr (&packer, "v");
    msgpack_sbuffer_init (&frame);
    const msgpack_sbuffer *parts[] = {&issue, &after, &unknown, &issue};
    static const int codes[] = {BS_OK, BS_OK, BS_E_UNKNOWN_TYPE, BS_OK};
    for (size_t i = 0; i < 4; i++)
        msgpack_sbuffer_write (&frame, parts[i]->data, parts[i]->size);
    size_t offset = 0;
    for (size_t i = 0; i < 4; i++) {
        s_assert_next_as_alone ((const uint8_t *) frame.data + offset, frame.size - offset,
                                codes[i]);
        offset += parts[i]->size;
    }
    assert_int_equal (offset, frame.size);

    //  The first message cut short, or changed at random, before the
    //  whole issue: refused as alone, or read to the same end.
    uint64_t seed = 0x6e657874ULL;
    unsigned iterations = bs_test_iterations (20000);
    unsigned outcomes[BS_E_UNKNOWN_TYPE + 1] = {0};
    for (unsigned i = 0; i < iterations; i++) {
        size_t size = issue.size;
        uint8_t *bytes = malloc (size + issue.size);
        assert_non_null (bytes);
        memcpy (bytes, issue.data, size);
        unsigned changes = 1 + (unsigned) (bs_test_random (&seed) % 3);
        for (unsigned c = 0; c < changes; c++)
            bytes[bs_test_random (&seed) % size] = (uint8_t) bs_test_random (&seed);
        if (bs_test_random (&seed) % 8 == 0)
            size = bs_test_random (&seed) % size;
        memcpy (bytes + size, issue.data, issue.size);
        bs_message_t message;
        bs_error_t error;
        size_t length;
        int rc = bs_message_decode_next (bytes, size + issue.size, s_limits, NULL, &message,
                                         &length, &error);
        assert_true (rc >= BS_OK && rc <= BS_E_UNKNOWN_TYPE);
        outcomes[rc]++;
        bs_message_clear (&message);
        s_assert_next_as_alone (bytes, size + issue.size, -1);
        free (bytes);
    }
    for (int rc = BS_OK; rc <= BS_E_UNKNOWN_TYPE; rc++)
        if (outcomes[rc] == 0)
            fail_msg ("no change ended with code %d", rc);
    msgpack_sbuffer_destroy (&frame);
    msgpack_sbuffer_destroy (&issue);
    msgpack_sbuffer_destroy (&after);
    msgpack_sbuffer_destroy (&unknown);
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
        cmocka_unit_test (test_decoders_refuse_what_the_scan_refuses),
        cmocka_unit_test (test_malformed_before_invalid),
        cmocka_unit_test (test_next_message_as_its_bytes_alone),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
