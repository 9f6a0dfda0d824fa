/*  fingerprint: what counts as the same text. Full-width and half-width
    ASCII, spacing and punctuation (ASCII and Chinese) do not change a
    fingerprint; a different character does; short bodies have none. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bs_test.h"
#include "bs_utf8.h"
#include "fingerprint.h"

static void
s_assert_normal (const char *text, const char *expected)
{
    char out[512];
    size_t chars;
    size_t length = intake_fingerprint_normalize (text, out, sizeof out, &chars);
    assert_string_equal (out, expected);
    assert_int_equal (length, strlen (expected));
}

static void
test_full_width_ascii_folds_to_ascii (void **state)
{
    (void) state;
    s_assert_normal ("ＡＢＣ１２３ｘｙｚ", "abc123xyz");
    s_assert_normal ("ABC123xyz", "abc123xyz");
    s_assert_normal ("２０２６年", "2026年");
}

static void
test_spaces_and_punctuation_are_removed (void **state)
{
    (void) state;
    s_assert_normal ("a b\tc\nd\u3000e\u00a0f", "abcdef");
    s_assert_normal ("林州市，嚴格。管理！「自查」《自糾》、“幹部”（超職數）……",
                     "林州市嚴格管理自查自糾幹部超職數");
    s_assert_normal ("Hello, world! (2026-11-28)", "helloworld20261128");
    s_assert_normal ("，。！？", "");
}

static void
test_chinese_text_is_kept (void **state)
{
    (void) state;
    size_t chars;
    char out[64];
    intake_fingerprint_normalize ("組工信息報送", out, sizeof out, &chars);
    assert_string_equal (out, "組工信息報送");
    assert_int_equal (chars, 6);
    /* bytes that are not UTF-8 are dropped, not copied */
    s_assert_normal ("a\xff\xfe"
                     "b",
                     "ab");
    /* a character cut short: its lead byte is dropped, what follows kept */
    s_assert_normal ("a\xe4"
                     "b\xe4\xb8",
                     "ab");
    s_assert_normal ("\xf8\x88\x80\x80\x80x", "x"); /* no 5-byte characters */
}

static void
test_transcription_matches_the_mail (void **state)
{
    (void) state;
    char mailed[INTAKE_FINGERPRINT_HEX], phoned[INTAKE_FINGERPRINT_HEX],
        other[INTAKE_FINGERPRINT_HEX], retitled[INTAKE_FINGERPRINT_HEX];
    assert_true (intake_fingerprint (
        "湯陰縣實行創業承諾", "湯陰縣在全縣村級幹部中推行創業承諾制，共１２０人簽約。", mailed));
    assert_true (intake_fingerprint ("湯陰縣 實行創業承諾",
                                     "湯陰縣在全縣村級幹部中推行創業承諾制 共120人簽約", phoned));
    assert_string_equal (mailed, phoned);
    /* BLAKE2b-128 of the normal title, NUL, the normal body: fingerprints
       are stored, so a change here would miss every earlier duplicate */
    assert_string_equal (mailed, "4b95c1d009c7f9edb31d71a69497a3ea");
    assert_true (intake_fingerprint (
        "湯陰縣實行創業承諾", "湯陰縣在全縣村級幹部中推行創業承諾制，共１２１人簽約。", other));
    assert_string_not_equal (mailed, other);
    assert_true (intake_fingerprint (
        "另一個標題", "湯陰縣在全縣村級幹部中推行創業承諾制，共１２０人簽約。", retitled));
    assert_string_not_equal (mailed, retitled);
    /* title and body are kept apart: moving text across them differs */
    char joined_a[INTAKE_FINGERPRINT_HEX], joined_b[INTAKE_FINGERPRINT_HEX];
    assert_true (intake_fingerprint ("甲乙", "丙丁戊己庚辛壬癸子丑", joined_a));
    assert_true (intake_fingerprint ("甲", "乙丙丁戊己庚辛壬癸子丑", joined_b));
    assert_string_not_equal (joined_a, joined_b);
}

static void
test_short_bodies_have_no_fingerprint (void **state)
{
    (void) state;
    char hex[INTAKE_FINGERPRINT_HEX];
    assert_false (intake_fingerprint ("附件", "見附件。", hex));
    assert_false (intake_fingerprint ("標題", "，。 ！ ", hex));
    assert_true (intake_fingerprint ("", "一二三四五六七八九十", hex)); /* exactly the minimum */
}

/* The normal form as fingerprint.h says it, a character at a time
   (bs_utf8_decode, fold, drop the noise, bs_utf8_encode), stopping at
   the first character that does not fit: what the fast paths must
   write. */
static bool
s_reference_noise (uint32_t point)
{
    if (point < 0x80)
        return !((point >= '0' && point <= '9') || (point >= 'a' && point <= 'z'));
    return point == 0xA0 || point == 0xB7 || (point >= 0x2000 && point <= 0x206F)
           || (point >= 0x3000 && point <= 0x303F) || (point >= 0xFE30 && point <= 0xFE6F)
           || (point >= 0xFF61 && point <= 0xFF65) || point == 0xFEFF;
}

static size_t
s_reference (const char *text, char *out, size_t size, size_t *chars)
{
    size_t left = strlen (text), used = 0;
    *chars = 0;
    while (left) {
        size_t length;
        uint32_t point = bs_utf8_decode (text, left, &length);
        text += length;
        left -= length;
        if (point == UINT32_MAX)
            continue;
        if (point >= 0xFF01 && point <= 0xFF5E)
            point -= 0xFEE0;
        else if (point == 0x3000)
            point = ' ';
        if (point >= 'A' && point <= 'Z')
            point += 'a' - 'A';
        if (s_reference_noise (point))
            continue;
        char bytes[4];
        size_t encoded = bs_utf8_encode (point, bytes);
        if (used + encoded + 1 > size)
            break;
        memcpy (out + used, bytes, encoded);
        used += encoded;
        ++*chars;
    }
    out[used] = 0;
    return used;
}

/* Texts made of pieces of every kind the form treats apart: runs of
   ideographs (leads e4..e9) long and short, other characters kept (kana,
   Hangul, U+1000..U+3FFF), Chinese punctuation and full-width forms,
   ASCII, characters of two and four bytes, and bytes that are not UTF-8
   (cut short, overlong, surrogates, a lone continuation): the form of
   each, whole and into every smaller room, is the reference's. */
static void
test_normal_form_is_the_reference (void **state)
{
    (void) state;
    static const char *const pieces[] = {
        "組工信息報送", "黨建引領基層治理", "堅", "丁", "龥", "一二三四五六七八九十", "あいう",
        "한국", "ሀ", "㐀", "，", "、", "。", "（", "）", "「", "」", "ＡＢ", "１２", "ｚ",
        "\u3000", "\u00b7", "\u00a0", "é", "Ω", "😀", "A", "z", "9", " ", "-", ".",
        "\xe4\xb8", "\xe4", "\xe0\x80\x80", "\xed\xa0\x80", "\x80", "\xff", "\xef\xbc",
        "\xe9\xbf\xbf", "\xea\x80\x80", "\xe3\x80\x81", "\xef\xb8\xb0", "\xe2\x80\x94"};
    size_t count = sizeof pieces / sizeof pieces[0];
    srand (25);
    for (int round = 0; round < 3000; round++) {
        char text[512] = "";
        size_t length = 0;
        int parts = rand () % 24;
        for (int k = 0; k < parts; k++) {
            const char *piece = pieces[rand () % count];
            int times = rand () % 4 == 0 ? 1 + rand () % 12 : 1;
            for (int t = 0; t < times && length + strlen (piece) < sizeof text; t++) {
                memcpy (text + length, piece, strlen (piece) + 1);
                length += strlen (piece);
            }
        }
        for (size_t size = length + 1;; size = size > 8 ? size - 1 - (size_t) rand () % 8 : size - 1) {
            char out[512], expected[512];
            size_t chars = 0, expected_chars = 0;
            size_t form = intake_fingerprint_normalize (text, out, size, &chars);
            size_t expected_form = s_reference (text, expected, size, &expected_chars);
            if (form != expected_form || strcmp (out, expected) != 0 || chars != expected_chars)
                fail_msg ("round %d, room %zu: \"%s\" (%zu) against \"%s\" (%zu)", round, size,
                          out, chars, expected, expected_chars);
            if (size == 1)
                break;
        }
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_full_width_ascii_folds_to_ascii),
        cmocka_unit_test (test_spaces_and_punctuation_are_removed),
        cmocka_unit_test (test_chinese_text_is_kept),
        cmocka_unit_test (test_transcription_matches_the_mail),
        cmocka_unit_test (test_short_bodies_have_no_fingerprint),
        cmocka_unit_test (test_normal_form_is_the_reference),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
