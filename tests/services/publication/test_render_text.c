/*  render: the texts of an issue as the HTML and DOCX files print them,
    exactly: markup characters a person typed (& < > " ') escaped once,
    Chinese as typed. A document built here, not from a store. */
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "bs_error.h"
#include "bs_test.h"
#include "render.h"

static const char s_title[] = "湯陰縣'創業承諾'<試點> & \"公開\"";
static const char s_title_escaped[] =
    "湯陰縣&#39;創業承諾&#39;&lt;試點&gt; &amp; &quot;公開&quot;";

/* A published issue of one item whose every text has markup characters. */
static void
s_document (issue_document_t *document, issue_document_item_t *item)
{
    memset (document, 0, sizeof *document);
    memset (item, 0, sizeof *item);
    item->title = s_title;
    item->body = "第一段：村'兩委'幹部<承諾>。\n第二段：A&B。";
    item->section = "工作'動態'";
    item->section_starts = true;
    item->note = "請閱'讀'";
    item->source_units = "湯陰縣&殷都區";
    item->author = "李'信息員'";
    item->reg_no = "2026-000002";
    document->periodical = "組工'信息'";
    document->issuing_unit = "中共安陽市委組織部<辦>";
    snprintf (document->number_text, sizeof document->number_text, "第1期");
    snprintf (document->total_text, sizeof document->total_text, "總第1期");
    snprintf (document->date_text, sizeof document->date_text, "2026年12月4日");
    snprintf (document->heading, sizeof document->heading, "《組工'信息'》2026年第1期");
    document->note = "本期'三篇'";
    document->responsible_editor = "張'編輯'";
    document->signed_off_by = "王\"簽發\"";
    document->items = item;
    document->count = 1;
}

/* The file of format as a string (NUL added). Caller frees. */
static char *
s_render (const char *format, size_t *size)
{
    issue_document_t document;
    issue_document_item_t item;
    s_document (&document, &item);
    const render_format_t *found = render_find (format);
    assert_non_null (found);
    unsigned char *bytes = NULL;
    assert_int_equal (found->render (&document, &bytes, size), BS_OK);
    char *text = malloc (*size + 1);
    assert_non_null (text);
    memcpy (text, bytes, *size);
    text[*size] = 0;
    free (bytes);
    return text;
}

static void
s_contains (const char *text, const char *expected)
{
    if (!strstr (text, expected))
        fail_msg ("missing: %s", expected);
}

static void
test_html_texts_escaped_once (void **state)
{
    (void) state;
    size_t size;
    char *html = s_render ("html", &size);
    assert_int_equal (strlen (html), size);
    s_contains (html, "<title>《組工&#39;信息&#39;》2026年第1期</title>\n");
    s_contains (html, "<h1>組工&#39;信息&#39;</h1>\n<div class=\"number\">第1期（總第1期）</div>");
    s_contains (html, "<span>中共安陽市委組織部&lt;辦&gt;</span><span>2026年12月4日</span>");
    s_contains (html, "<p class=\"note\">編者按：本期&#39;三篇&#39;</p>\n");
    char line[512];
    snprintf (line, sizeof line, "<li><a href=\"#item-1\">%s</a></li>\n", s_title_escaped);
    s_contains (html, line);
    s_contains (html, "<h3 class=\"section\">【工作&#39;動態&#39;】</h3>\n");
    snprintf (line, sizeof line, "<article id=\"item-1\">\n<h2>%s</h2>\n", s_title_escaped);
    s_contains (html, line);
    s_contains (html, "<p class=\"note\">編者按：請閱&#39;讀&#39;</p>\n"
                      "<p class=\"body\">第一段：村&#39;兩委&#39;幹部&lt;承諾&gt;。</p>\n"
                      "<p class=\"body\">第二段：A&amp;B。</p>\n"
                      "<p class=\"source\">（來源：湯陰縣&amp;殷都區　作者：李&#39;信息員&#39;）</p>\n");
    s_contains (html, "<footer>責任編輯：張&#39;編輯&#39;　簽發：王&quot;簽發&quot;</footer>");
    /* no markup character of the texts is left bare: every ' is in the style */
    const char *style_end = strstr (html, "</style>");
    assert_non_null (style_end);
    assert_null (strchr (style_end, '\''));
    assert_null (strstr (html, "&amp;amp;"));
    free (html);
}

/* The part name of the DOCX file (a zip) as a string. Caller frees. */
static char *
s_docx_part (const char *docx, size_t size, const char *name)
{
    zip_error_t error;
    zip_error_init (&error);
    zip_source_t *source = zip_source_buffer_create (docx, size, 0, &error);
    assert_non_null (source);
    zip_t *archive = zip_open_from_source (source, ZIP_RDONLY, &error);
    assert_non_null (archive);
    zip_stat_t stat;
    assert_int_equal (zip_stat (archive, name, 0, &stat), 0);
    char *part = malloc (stat.size + 1);
    assert_non_null (part);
    zip_file_t *file = zip_fopen (archive, name, 0);
    assert_non_null (file);
    assert_int_equal (zip_fread (file, part, stat.size), (zip_int64_t) stat.size);
    part[stat.size] = 0;
    zip_fclose (file);
    zip_close (archive);
    zip_error_fini (&error);
    return part;
}

static void
test_docx_texts_escaped_once (void **state)
{
    (void) state;
    size_t size;
    char *docx = s_render ("docx", &size);
    char *xml = s_docx_part (docx, size, "word/document.xml");
    char line[512];
    snprintf (line, sizeof line, "<w:t xml:space=\"preserve\">%s</w:t>", s_title_escaped);
    s_contains (xml, line);
    s_contains (xml, "<w:t xml:space=\"preserve\">組工&#39;信息&#39;</w:t>");
    s_contains (xml, "<w:t>中共安陽市委組織部&lt;辦&gt;</w:t>");
    s_contains (xml, "<w:t xml:space=\"preserve\">第一段：村&#39;兩委&#39;幹部&lt;承諾&gt;。</w:t>");
    s_contains (xml, "<w:t xml:space=\"preserve\">第二段：A&amp;B。</w:t>");
    /* no text's quote is left bare between tags */
    assert_null (strstr (xml, "'創業"));
    assert_null (strstr (xml, "&amp;amp;"));
    free (xml);
    free (docx);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_html_texts_escaped_once),
        cmocka_unit_test (test_docx_texts_escaped_once),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
