/*  bs_html: every markup character escaped, everything else written as it
    is (Chinese, bytes that are not UTF-8), a NUL ends the text, long text
    whole. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_html.h"
#include "bs_test.h"

/* bs_html_escape of text after what the stream holds already ("["), and
   "]" after it: the escaper writes only its own part. Caller frees. */
static char *
s_escaped (const char *text, size_t *size)
{
    char *bytes = NULL;
    size_t length = 0;
    FILE *out = open_memstream (&bytes, &length);
    assert_non_null (out);
    fputc ('[', out);
    bs_html_escape (out, text);
    fputc (']', out);
    assert_int_equal (fclose (out), 0);
    if (size)
        *size = length;
    return bytes;
}

static void
s_check (const char *text, const char *expected)
{
    char *escaped = s_escaped (text, NULL);
    char *framed = NULL;
    assert_true (asprintf (&framed, "[%s]", expected) > 0);
    assert_string_equal (escaped, framed);
    free (framed);
    free (escaped);
}

static void
test_every_markup_character (void **state)
{
    (void) state;
    s_check ("&", "&amp;");
    s_check ("<", "&lt;");
    s_check (">", "&gt;");
    s_check ("\"", "&quot;");
    s_check ("'", "&#39;");
    s_check ("&<>\"'", "&amp;&lt;&gt;&quot;&#39;");
    s_check ("<script>alert('x')</script>",
             "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    s_check ("<a title=\"x\" href='y'>",
             "&lt;a title=&quot;x&quot; href=&#39;y&#39;&gt;");
    /* escaped again, not taken for a reference */
    s_check ("&amp; &#39; &lt;", "&amp;amp; &amp;#39; &amp;lt;");
}

static void
test_other_characters_as_they_are (void **state)
{
    (void) state;
    /* every other byte from 1 to 255, each alone and all in a row */
    char row[256];
    size_t used = 0;
    for (int byte = 1; byte < 256; byte++) {
        if (strchr ("&<>\"'", byte))
            continue;
        char one[2] = {(char) byte, 0};
        s_check (one, one);
        row[used++] = (char) byte;
    }
    row[used] = 0;
    s_check (row, row);
    s_check ("", "");
    s_check (NULL, "");
}

static void
test_chinese_unchanged (void **state)
{
    (void) state;
    s_check ("《組工信息》2026年第3期（總第15期）", "《組工信息》2026年第3期（總第15期）");
    s_check ("组工信息 𠮷野家 「引號」‘單’“雙”＆＜＞",
             "组工信息 𠮷野家 「引號」‘單’“雙”＆＜＞");
    s_check ("林州市<嚴格>職權管理&'自查'",
             "林州市&lt;嚴格&gt;職權管理&amp;&#39;自查&#39;");
}

static void
test_bytes_not_utf8_written_as_they_are (void **state)
{
    (void) state;
    /* a stray continuation byte, a character cut short, an overlong '<':
       bytes, not characters, and none of them is '<' */
    s_check ("\x80<\xe5\x9c", "\x80&lt;\xe5\x9c");
    s_check ("\xff\xfe'\xc0\xbc", "\xff\xfe&#39;\xc0\xbc");
    /* a character cut right before a markup character */
    s_check ("\xe5\x9c&\x8b", "\xe5\x9c&amp;\x8b");
}

static void
test_nul_ends_the_text (void **state)
{
    (void) state;
    const char text[] = "a<b\0<script>";
    s_check (text, "a&lt;b");
    const char first[] = "\0<";
    s_check (first, "");
}

static void
test_long_text_whole (void **state)
{
    (void) state;
    /* 1 MiB and more of pieces, each with a markup character at the end
       of a long plain run and at the start of the next */
    const char *piece = "報送信息 report <unit & 'name'> \"quoted\" ";
    const char *escaped_piece =
        "報送信息 report &lt;unit &amp; &#39;name&#39;&gt; &quot;quoted&quot; ";
    size_t pieces = 1u << 15;
    size_t piece_size = strlen (piece), escaped_size = strlen (escaped_piece);
    char *text = malloc (pieces * piece_size + 1);
    assert_non_null (text);
    for (size_t i = 0; i < pieces; i++)
        memcpy (text + i * piece_size, piece, piece_size);
    text[pieces * piece_size] = 0;
    size_t size = 0;
    char *escaped = s_escaped (text, &size);
    assert_int_equal (size, pieces * escaped_size + 2);
    assert_int_equal (escaped[0], '[');
    for (size_t i = 0; i < pieces; i++)
        assert_memory_equal (escaped + 1 + i * escaped_size, escaped_piece, escaped_size);
    assert_int_equal (escaped[size - 1], ']');
    free (escaped);
    free (text);
}

/* bs_html_entity names exactly the characters bs_html_escape escapes, with
   the same references, so a writer into its own buffer escapes alike. */
static void
test_entity_of_each_byte (void **state)
{
    (void) state;
    for (int c = 1; c < 256; c++) {
        char text[2] = {(char) c, 0};
        char *escaped = s_escaped (text, NULL);
        const char *entity = bs_html_entity ((char) c);
        bool markup = strchr (BS_HTML_MARKUP, c) != NULL;
        assert_int_equal (entity != NULL, markup);
        char expected[16];
        snprintf (expected, sizeof expected, "[%s]", entity ? entity : text);
        assert_string_equal (escaped, expected);
        free (escaped);
    }
    assert_null (bs_html_entity (0));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_every_markup_character),
        cmocka_unit_test (test_other_characters_as_they_are),
        cmocka_unit_test (test_chinese_unchanged),
        cmocka_unit_test (test_bytes_not_utf8_written_as_they_are),
        cmocka_unit_test (test_nul_ends_the_text),
        cmocka_unit_test (test_long_text_whole),
        cmocka_unit_test (test_entity_of_each_byte),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
