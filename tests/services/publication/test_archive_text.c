/*  archive_text: folding Traditional to Simplified (and full-width,
    upper case), and the runs the index is made of. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_text.h"
#include "archive_fold_table.h" /* generated: the rows archive_text_fold uses */
#include "bs_test.h"

static void
test_traditional_folds_to_simplified (void **state)
{
    (void) state;
    assert_int_equal (archive_text_fold (0x570B), 0x56FD); /* 國 -> 国 */
    assert_int_equal (archive_text_fold (0x767C), 0x53D1); /* 發 -> 发 */
    assert_int_equal (archive_text_fold (0x9AEE), 0x53D1); /* 髮 -> 发 */
    assert_int_equal (archive_text_fold (0x9EE8), 0x515A); /* 黨 -> 党 */
    assert_int_equal (archive_text_fold (0x7D44), 0x7EC4); /* 組 -> 组 */
    /* Simplified and unchanged characters stay */
    assert_int_equal (archive_text_fold (0x56FD), 0x56FD); /* 国 */
    assert_int_equal (archive_text_fold (0x4EBA), 0x4EBA); /* 人 */
}

static void
test_latin_folds_to_lower_ascii (void **state)
{
    (void) state;
    assert_int_equal (archive_text_fold ('A'), 'a');
    assert_int_equal (archive_text_fold ('z'), 'z');
    assert_int_equal (archive_text_fold (0xFF21), 'a'); /* Ａ */
    assert_int_equal (archive_text_fold (0xFF11), '1'); /* １ */
    assert_int_equal (archive_text_fold (0x3002), 0x3002); /* 。 stays */
}

/* The terms of text as the index makes them, joined by spaces. */
static void
s_terms (const char *text, char *out, size_t size)
{
    archive_text_t decoded;
    assert_int_equal (archive_text_decode (text, strlen (text), &decoded), 0);
    out[0] = 0;
    size_t at = 0;
    archive_run_t run;
    char term[ARCHIVE_TERM_MAX + 1];
    while (archive_text_next_run (&decoded, &at, &run)) {
        if (run.han)
            for (size_t i = run.first; i + 1 < run.end; i++) {
                assert_true (archive_text_term (&decoded, i, i + 2, term) > 0);
                snprintf (out + strlen (out), size - strlen (out), "%s ", term);
            }
        size_t first = run.han ? run.end - 1 : run.first;
        assert_true (archive_text_term (&decoded, first, run.end, term) > 0);
        snprintf (out + strlen (out), size - strlen (out), "%s%s ", run.han ? "" : "w:", term);
    }
    archive_text_release (&decoded);
}

static void
test_runs_make_bigrams_and_words (void **state)
{
    (void) state;
    char terms[512];
    s_terms ("組織工作，ABC 2026年", terms, sizeof terms);
    assert_string_equal (terms, "组织 织工 工作 作 w:abc w:2026 年 ");
    s_terms ("黨", terms, sizeof terms);
    assert_string_equal (terms, "党 ");
    s_terms ("  。、！  ", terms, sizeof terms);
    assert_string_equal (terms, "");
}

static void
test_offsets_point_into_the_original (void **state)
{
    (void) state;
    const char *text = "a國b";
    archive_text_t decoded;
    assert_int_equal (archive_text_decode (text, strlen (text), &decoded), 0);
    assert_int_equal (decoded.count, 3);
    assert_int_equal (decoded.offsets[0], 0);
    assert_int_equal (decoded.offsets[1], 1);
    assert_int_equal (decoded.offsets[2], 4);
    assert_int_equal (decoded.offsets[3], 5);
    assert_int_equal (decoded.folded[1], 0x56FD);
    archive_text_release (&decoded);
}

static void
test_bad_utf8_separates_runs (void **state)
{
    (void) state;
    char terms[512];
    s_terms ("組\xff織\xe7\x84", terms, sizeof terms);
    assert_string_equal (terms, "组 织 ");
}

static void
test_long_words_are_cut (void **state)
{
    (void) state;
    char terms[512];
    s_terms ("abcdefghijklmnopqrstuvwxyz0123456789xyz next", terms, sizeof terms);
    assert_string_equal (terms, "w:abcdefghijklmnopqrstuvwxyz012345 w:next ");
}

/* Every row of the generated table folds as it says (the bitmap that
   lets most characters through misses none, and the ranks that find a
   row below U+10000 without a search find its own), and from U+3400 to
   the full-width forms nothing else folds. */
static void
test_the_whole_table_folds (void **state)
{
    (void) state;
    size_t rows = sizeof s_fold_pairs / sizeof s_fold_pairs[0], below = 0;
    for (size_t i = 0; i < rows; i++) {
        assert_int_equal (archive_text_fold (s_fold_pairs[i][0]), s_fold_pairs[i][1]);
        below += s_fold_pairs[i][0] < 0x10000;
    }
    size_t folded = 0;
    for (uint32_t codepoint = 0x3400; codepoint < 0xFF00; codepoint++) /* then full-width */
        folded += archive_text_fold (codepoint) != codepoint;
    assert_int_equal (folded, below);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_traditional_folds_to_simplified),
        cmocka_unit_test (test_latin_folds_to_lower_ascii),
        cmocka_unit_test (test_runs_make_bigrams_and_words),
        cmocka_unit_test (test_offsets_point_into_the_original),
        cmocka_unit_test (test_bad_utf8_separates_runs),
        cmocka_unit_test (test_long_words_are_cut),
        cmocka_unit_test (test_the_whole_table_folds),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
