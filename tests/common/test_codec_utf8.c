/*  test_codec_utf8: bs_codec accepts only valid UTF-8, refuses broken
    UTF-8 naming the field, and bounds lengths in bytes (a Chinese
    character is three).
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

//  UTF-8 as the standard defines it, one character at a time: what the
//  validator's fast ways (ASCII eight bytes at a time, Chinese two and eight
//  characters at a time) must agree with.
static bool
s_utf8_by_the_book (const unsigned char *bytes, size_t size)
{
    size_t index = 0;
    while (index < size) {
        unsigned char lead = bytes[index];
        size_t length = lead < 0x80                    ? 1
                        : lead >= 0xc2 && lead <= 0xdf ? 2
                        : lead >= 0xe0 && lead <= 0xef ? 3
                        : lead >= 0xf0 && lead <= 0xf4 ? 4
                                                       : 0;
        if (length == 0 || length > size - index)
            return false;
        uint32_t code = length == 1 ? lead : lead & (0x7f >> length);
        for (size_t i = 1; i < length; i++) {
            if ((bytes[index + i] & 0xc0) != 0x80)
                return false;
            code = code << 6 | (bytes[index + i] & 0x3f);
        }
        static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (code < least[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
            return false;
        index += length;
    }
    return true;
}

//  Runs of Chinese after 0 to 8 ASCII bytes (so each fast way starts at
//  every offset), each byte in turn replaced by bytes that break or bend
//  a character (a lead e0 or ed, a continuation out of range, ASCII, NUL),
//  and the run cut at every length: the validator agrees with the book. In
//  an exact copy, so reading past the string is caught.
static void
test_utf8_fast_ways_agree (void **state)
{
    (void) state;
    static const unsigned char replacements[] = {0x00, 0x41, 0x7f, 0x80, 0x9f, 0xa0, 0xbf,
                                                 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed,
                                                 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
    unsigned char text[8 + 3 * 20];
    size_t checked = 0, valid = 0;
    for (size_t ascii = 0; ascii <= 8; ascii++) {
        memset (text, 'a', ascii);
        for (size_t k = 0; k < 20; k++) /* 中 文 ， in turn: e4 b8 ad, e6 96 87, ef bc 8c */
            memcpy (text + ascii + 3 * k,
                    (k % 3 == 0   ? "\xe4\xb8\xad"
                     : k % 3 == 1 ? "\xe6\x96\x87"
                                  : "\xef\xbc\x8c"),
                    3);
        size_t size = ascii + 3 * 20;
        for (size_t at = 0; at <= size; at++)
            for (size_t r = 0; r <= sizeof replacements; r++) {
                if (at == size && r > 0)
                    break;
                unsigned char *copy = malloc (size);
                assert_non_null (copy);
                memcpy (copy, text, size);
                if (at < size && r < sizeof replacements)
                    copy[at] = replacements[r];
                for (size_t cut = at < size ? at + 1 : 0; cut <= size;
                     cut += cut < at + 8 ? 1 : 5) {
                    unsigned char *exact = malloc (cut ? cut : 1);
                    assert_non_null (exact);
                    memcpy (exact, copy, cut);
                    bool expected = s_utf8_by_the_book (exact, cut);
                    if (bs_codec_utf8_valid ((const char *) exact, cut) != expected)
                        fail_msg ("%zu ASCII, byte %zu replaced by %02x, cut to %zu: expected %s",
                                  ascii, at, r < sizeof replacements ? replacements[r] : text[at],
                                  cut, expected ? "valid" : "invalid");
                    checked++;
                    valid += expected;
                    free (exact);
                }
                free (copy);
            }
    }
    assert_true (valid > 0 && valid < checked);
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
            bs_test_pack_submit_base (&packer, 1, NULL);
            if (in_key) {
                msgpack_pack_str_with_body (&packer, bad[i].bytes, bad[i].size);
                bs_test_pack_cstr (&packer, "x");
            } else {
                bs_test_pack_cstr (&packer, "topic");
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
                assert_true (bs_test_all_zero (&submit, sizeof submit));
            }
            msgpack_sbuffer_destroy (&buffer);
        }
        //  In an envelope: the reply can still name the request's id.
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        msgpack_packer packer;
        msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
        bs_test_pack_envelope (&packer, "intake.submit", "request-7");
        bs_test_pack_submit_base (&packer, 1, NULL);
        bs_test_pack_cstr (&packer, "topic");
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
        int rc = bs_test_decode_submit (&buffer, &decoded, &error);
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

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_utf8_valid),
        cmocka_unit_test (test_utf8_fast_ways_agree),
        cmocka_unit_test (test_invalid_utf8_refused),
        cmocka_unit_test (test_chinese_length_in_bytes),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
