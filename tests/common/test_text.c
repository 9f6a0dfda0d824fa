/*  bs_text: white space at the ends of a line cut off in place (the lines
    of configuration and periodicals files), and blank text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_test.h"
#include "bs_text.h"

/* bs_text_trim of a copy of text: what it returns, and that it returns a
   place inside the copy, cut at its end. */
static void
s_check_trim (const char *text, const char *expected)
{
    char copy[256];
    snprintf (copy, sizeof copy, "%s", text);
    char *trimmed = bs_text_trim (copy);
    assert_true (trimmed >= copy && trimmed <= copy + strlen (text));
    assert_string_equal (trimmed, expected);
}

static void
test_trim_cuts_ascii_white_space_at_both_ends (void **state)
{
    (void) state;
    s_check_trim ("  key = value \n", "key = value");
    s_check_trim ("\t\r\n\v\f name\t\r\n\v\f ", "name");
    s_check_trim ("inner  spaces  stay", "inner  spaces  stay");
    s_check_trim ("組工信息 | zgxx \n", "組工信息 | zgxx");
    s_check_trim ("", "");
    s_check_trim (" \t\n", "");
    s_check_trim ("x", "x");
}

static void
test_trim_keeps_full_width_space (void **state)
{
    (void) state;
    /* U+3000 is typed text, not ASCII white space: as bs_text_blank */
    s_check_trim ("　組工信息　", "　組工信息　");
    s_check_trim (" 　 ", "　");
}

static void
test_trim_in_place (void **state)
{
    (void) state;
    char line[] = "  a b  ";
    char *trimmed = bs_text_trim (line);
    assert_ptr_equal (trimmed, line + 2);
    assert_memory_equal (line, "  a b\0\0", sizeof line);
}

static void
test_blank (void **state)
{
    (void) state;
    assert_true (bs_text_blank (NULL));
    assert_true (bs_text_blank (""));
    assert_true (bs_text_blank (" \t\r\n"));
    assert_false (bs_text_blank (" x "));
    assert_false (bs_text_blank ("　"));
}

/* bs_text_decimal writes what snprintf's "%0*llu" writes, without a NUL. */
static void
s_check_decimal (uint64_t value, int width)
{
    char expected[32], written[32];
    snprintf (expected, sizeof expected, "%0*llu", width, (unsigned long long) value);
    memset (written, 'x', sizeof written);
    char *end = bs_text_decimal (written, value, width);
    assert_int_equal (end - written, strlen (expected));
    assert_int_equal (*end, 'x');
    *end = 0;
    assert_string_equal (written, expected);
}

static void
test_decimal (void **state)
{
    (void) state;
    s_check_decimal (0, 0);
    s_check_decimal (0, 1);
    s_check_decimal (7, 6);
    s_check_decimal (2026, 4);
    s_check_decimal (123456, 6);
    s_check_decimal (1234567, 6);
    s_check_decimal (10, 1);
    s_check_decimal (UINT64_MAX, 0);
    s_check_decimal (UINT64_MAX, 20);
}

/* A memory stream closed whole gives its text, its size set. (The
   failed case, NULL with the text freed, cannot be brought about here:
   glibc's memory streams fail only when memory runs out.) */
static void
test_stream_close (void **state)
{
    (void) state;
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream (&text, &size);
    assert_non_null (stream);
    fputs ("第1号通报", stream);
    char *closed = bs_text_stream_close (stream, &text);
    assert_ptr_equal (closed, text);
    assert_string_equal (closed, "第1号通报");
    assert_int_equal (size, strlen ("第1号通报"));
    free (text);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_trim_cuts_ascii_white_space_at_both_ends),
        cmocka_unit_test (test_trim_keeps_full_width_space),
        cmocka_unit_test (test_trim_in_place),
        cmocka_unit_test (test_blank),
        cmocka_unit_test (test_decimal),
        cmocka_unit_test (test_stream_close),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
