/*  test_pdf: bs_pdf's documents, read back with poppler's tools as a
    person's PDF reader would read them.

    Each test writes its PDF (and page 1 as PNG, for a person to look at)
    under <build>/tests/output/common_test_pdf/, then checks with pdftotext
    that the text is there and broken as Chinese typesetting wants it, and
    with pdffonts that the CJK font is embedded.
*/
#include "bs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bs_error.h"
#include "bs_pdf.h"

#define S_OUTPUT BAOSONG_BINARY_DIR "/tests/output/common_test_pdf"

static char *
s_run (const char *command)
{
    FILE *pipe = popen (command, "r");
    assert_non_null (pipe);
    size_t capacity = 1 << 16, size = 0;
    char *text = malloc (capacity);
    assert_non_null (text);
    size_t got;
    while ((got = fread (text + size, 1, capacity - size - 1, pipe)) > 0) {
        size += got;
        if (size + 1 == capacity) {
            capacity *= 2;
            text = realloc (text, capacity);
            assert_non_null (text);
        }
    }
    text[size] = 0;
    assert_int_equal (pclose (pipe), 0);
    return text;
}

/* Finish pdf into S_OUTPUT/name.pdf (and name-1.png); return the path. */
static char *
s_save (bs_pdf_t *pdf, const char *name)
{
    unsigned char *bytes;
    size_t size;
    assert_int_equal (bs_pdf_finish (pdf, &bytes, &size), BS_OK);
    assert_true (size > 1000);
    assert_memory_equal (bytes, "%PDF-", 5);
    mkdir (BAOSONG_BINARY_DIR "/tests/output", 0755);
    mkdir (S_OUTPUT, 0755);
    char *path;
    assert_true (asprintf (&path, "%s/%s.pdf", S_OUTPUT, name) > 0);
    FILE *file = fopen (path, "wb");
    assert_non_null (file);
    assert_int_equal (fwrite (bytes, 1, size, file), size);
    fclose (file);
    free (bytes);
    char command[1024];
    snprintf (command, sizeof command, "pdftoppm -png -r 60 -f 1 -l 1 -singlefile '%s' '%s/%s-1'",
              path, S_OUTPUT, name);
    free (s_run (command));
    return path;
}

static char *
s_text_of (const char *path)
{
    char command[1024];
    snprintf (command, sizeof command, "pdftotext -enc UTF-8 '%s' -", path);
    return s_run (command);
}

/* Closing punctuation never starts a line, opening never ends one. */
static const char *const s_no_line_start[] = {"，", "。", "、", "；", "：", "？",
                                              "！", "）", "」", "》", NULL};
static const char *const s_no_line_end[] = {"（", "「", "《", NULL};

static void
s_check_line_breaks (const char *text)
{
    const char *line = text;
    while (*line) {
        const char *end = strchr (line, '\n');
        size_t length = end ? (size_t) (end - line) : strlen (line);
        for (size_t i = 0; s_no_line_start[i]; i++) {
            size_t mark = strlen (s_no_line_start[i]);
            if (length >= mark && memcmp (line, s_no_line_start[i], mark) == 0)
                fail_msg ("a line starts with %s: %.*s", s_no_line_start[i], (int) length, line);
        }
        for (size_t i = 0; s_no_line_end[i]; i++) {
            size_t mark = strlen (s_no_line_end[i]);
            if (length >= mark && memcmp (line + length - mark, s_no_line_end[i], mark) == 0)
                fail_msg ("a line ends with %s: %.*s", s_no_line_end[i], (int) length, line);
        }
        line = end ? end + 1 : line + length;
    }
}

/* A long paragraph of commas and full stops across several pages: every
   line broken by the rules, every page numbered, the font embedded. */
static void
test_paragraphs_break_the_chinese_way (void **state)
{
    (void) state;
    bs_pdf_t *pdf = bs_pdf_new ();
    assert_non_null (pdf);
    assert_int_equal (bs_pdf_set_title (pdf, "排版測試"), BS_OK);
    bs_pdf_style_t title = bs_pdf_style_title ();
    bs_pdf_style_t body = bs_pdf_style_body ();
    assert_int_equal (bs_pdf_paragraph (pdf, &title, "全市組織工作信息報送情況通報"), BS_OK);
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream (&text, &size);
    for (int i = 0; i < 120; i++)
        fprintf (stream, "第%d段，信息工作（報送）「採用」《組工信息》。", i);
    fclose (stream);
    assert_int_equal (bs_pdf_paragraph (pdf, &body, text), BS_OK);
    free (text);
    assert_true (bs_pdf_page (pdf) >= 2);
    int pages = bs_pdf_page (pdf);
    char *path = s_save (pdf, "paragraphs");
    bs_pdf_destroy (&pdf);

    char *read = s_text_of (path);
    assert_non_null (strstr (read, "全市組織工作信息報送情況通報"));
    assert_non_null (strstr (read, "第119段"));
    s_check_line_breaks (read);
    char number[32];
    snprintf (number, sizeof number, "—%d—", pages); /* pdftotext drops the spaces */
    assert_non_null (strstr (read, number));
    free (read);

    char command[1024];
    snprintf (command, sizeof command, "pdffonts '%s'", path);
    char *fonts = s_run (command);
    assert_non_null (strstr (fonts, "NotoSerifCJK"));
    /* every font line says emb yes */
    for (char *line = strstr (fonts, "NotoSerifCJK"); line;
         line = strstr (line + 1, "NotoSerifCJK")) {
        char *end = strchr (line, '\n');
        assert_non_null (end);
        *end = 0;
        assert_non_null (strstr (line, " yes "));
        *end = '\n';
    }
    free (fonts);
    free (path);
}

/* A dry document counts the same pages and writes nothing. */
static void
test_dry_run_counts_the_same_pages (void **state)
{
    (void) state;
    bs_pdf_t *real = bs_pdf_new (), *dry = bs_pdf_new_dry ();
    bs_pdf_style_t body = bs_pdf_style_body ();
    for (int i = 0; i < 60; i++) {
        assert_int_equal (
            bs_pdf_paragraph (real, &body, "全市各級組織部門信息員認真履職，及時報送。"), BS_OK);
        assert_int_equal (
            bs_pdf_paragraph (dry, &body, "全市各級組織部門信息員認真履職，及時報送。"), BS_OK);
    }
    assert_true (bs_pdf_page (real) > 1);
    assert_int_equal (bs_pdf_page (real), bs_pdf_page (dry));
    unsigned char *bytes;
    size_t size;
    assert_int_equal (bs_pdf_finish (dry, &bytes, &size), BS_OK);
    assert_null (bytes);
    assert_int_equal (size, 0);
    assert_int_equal (bs_pdf_finish (dry, &bytes, &size), BS_E_SYSTEM); /* once only */
    bs_pdf_destroy (&dry);
    bs_pdf_destroy (&real); /* unfinished: nothing leaks */
    bs_pdf_destroy (&real); /* idempotent */
}

/* A bar chart, a watermark, a rule and a contents line come out as text
   a reader finds. */
static void
test_bar_chart_watermark_and_contents (void **state)
{
    (void) state;
    bs_pdf_t *pdf = bs_pdf_new ();
    assert_int_equal (bs_pdf_watermark (pdf, "草稿"), BS_OK);
    bs_pdf_style_t heading = bs_pdf_style_heading ();
    bs_pdf_style_t body = bs_pdf_style_body ();
    body.indent = 0;
    assert_int_equal (bs_pdf_rule (pdf, 2, BS_PDF_RED), BS_OK);
    assert_int_equal (bs_pdf_contents_line (pdf, &body, "一、縣委組織部報送信息情況", "3"), BS_OK);
    const bs_pdf_bar_t bars[] = {{"中原區委組織部", 42}, {"金水區委組織部", 17}, {"新鄭市", 0}};
    assert_int_equal (bs_pdf_bar_chart (pdf, "各單位採用數", bars, 3, BS_PDF_RED), BS_OK);
    assert_int_equal (bs_pdf_paragraph (pdf, &heading, "說明"), BS_OK);
    char *path = s_save (pdf, "chart");
    bs_pdf_destroy (&pdf);
    char *read = s_text_of (path);
    /* the watermark is rotated: pdftotext reads its characters apart */
    const char *expected[] = {"草",
                              "稿",
                              "一、縣委組織部報送信息情況",
                              "各單位採用數",
                              "中原區委組織部",
                              "42",
                              "金水區委組織部",
                              "17",
                              "新鄭市",
                              "說明",
                              NULL};
    for (size_t i = 0; expected[i]; i++)
        if (!strstr (read, expected[i]))
            fail_msg ("'%s' is not in the PDF's text:\n%s", expected[i], read);
    free (read);
    free (path);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_paragraphs_break_the_chinese_way),
        cmocka_unit_test (test_dry_run_counts_the_same_pages),
        cmocka_unit_test (test_bar_chart_watermark_and_contents),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
