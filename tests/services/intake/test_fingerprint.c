/*  fingerprint: what counts as the same text. Full-width and half-width
    ASCII, spacing and punctuation (ASCII and Chinese) do not change a
    fingerprint; a different character does; short bodies have none. */
#include <string.h>

#include "bs_test.h"
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

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_full_width_ascii_folds_to_ascii),
        cmocka_unit_test (test_spaces_and_punctuation_are_removed),
        cmocka_unit_test (test_chinese_text_is_kept),
        cmocka_unit_test (test_transcription_matches_the_mail),
        cmocka_unit_test (test_short_bodies_have_no_fingerprint),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
