/*  render_html: an issue as one HTML page, for the web and for printing
    from a browser (print CSS: A4, the red masthead, items kept whole where
    they fit, no page furniture of the browser's own).
*/
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_html.h"
#include "bs_text.h"

static const char s_style[] =
    "body{font-family:'Noto Serif CJK SC','Songti SC',serif;max-width:42em;margin:2em auto;"
    "padding:0 1em;font-size:16pt;line-height:1.6}"
    ".masthead{text-align:center;color:#e60012}"
    ".masthead h1{font-size:42pt;letter-spacing:.2em;margin:.2em 0}"
    ".masthead .number{color:#000;font-size:16pt}"
    ".issuer{display:flex;justify-content:space-between;font-size:14pt;"
    "border-bottom:3px solid #e60012;padding-bottom:.3em}"
    ".draft{position:fixed;top:40%;left:0;right:0;text-align:center;font-size:110pt;"
    "color:rgba(0,0,0,.12);transform:rotate(-36deg);pointer-events:none}"
    "h2{font-size:22pt;text-align:center;margin:1.2em 0 .6em}"
    "h3.section{font-family:'Noto Sans CJK SC',sans-serif;font-size:16pt}"
    "p.body{text-indent:2em;margin:0;text-align:justify}"
    ".note{font-family:'Noto Sans CJK SC',sans-serif}"
    ".source{text-align:right}"
    "nav ol{padding-left:1.5em}"
    "footer{border-top:1px solid #000;margin-top:2em;font-size:14pt}"
    "@media print{@page{size:A4;margin:37mm 26mm 35mm 28mm}"
    "body{margin:0;max-width:none;padding:0}"
    "article{break-inside:avoid-page}h2,h3{break-after:avoid-page}nav{break-after:page}}";

static void
s_element (FILE *out, const char *open, const char *text, const char *close)
{
    fputs (open, out);
    bs_html_escape (out, text);
    fputs (close, out);
}

static void
s_body_paragraph (const char *paragraph, void *out)
{
    s_element (out, "<p class=\"body\">", paragraph, "</p>\n");
}

static void
s_body (FILE *out, const char *body)
{
    issue_document_paragraphs (body, s_body_paragraph, out);
}

static void
s_item (FILE *out, const issue_document_item_t *item, size_t index)
{
    if (item->section_starts)
        s_element (out, "<h3 class=\"section\">【", item->section, "】</h3>\n");
    fprintf (out, "<article id=\"item-%zu\">\n", index + 1);
    s_element (out, "<h2>", item->title, "</h2>\n");
    if (*item->note)
        s_element (out, "<p class=\"note\">編者按：", item->note, "</p>\n");
    s_body (out, item->body);
    s_element (out, "<p class=\"source\">（來源：", item->source_units, "");
    if (*item->author)
        s_element (out, "　作者：", item->author, "");
    fputs ("）</p>\n</article>\n", out);
}

int
render_html (const issue_document_t *document, unsigned char **bytes, size_t *size)
{
    char *text = NULL;
    FILE *out = bs_text_stream_open (&text, size);
    if (!out)
        return BS_E_SYSTEM;
    fputs ("<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n", out);
    s_element (out, "<title>", document->heading, "</title>\n");
    fprintf (out, "<style>%s</style>\n</head>\n<body>\n", s_style);
    if (document->draft)
        fputs ("<div class=\"draft\" aria-label=\"draft\">草稿</div>\n", out);
    fputs ("<header class=\"masthead\">\n", out);
    s_element (out, "<h1>", document->periodical, "</h1>\n");
    s_element (out, "<div class=\"number\">", document->number_text, "");
    if (*document->total_text)
        s_element (out, "（", document->total_text, "）");
    fputs ("</div>\n</header>\n<div class=\"issuer\">", out);
    s_element (out, "<span>", document->issuing_unit, "</span>");
    s_element (out, "<span>", document->date_text, "</span></div>\n");
    if (*document->note)
        s_element (out, "<p class=\"note\">編者按：", document->note, "</p>\n");
    fputs ("<nav><h3>目　錄</h3><ol>\n", out);
    for (size_t i = 0; i < document->count; i++) {
        fprintf (out, "<li><a href=\"#item-%zu\">", i + 1);
        bs_html_escape (out, document->items[i].title);
        fputs ("</a></li>\n", out);
    }
    fputs ("</ol></nav>\n<main>\n", out);
    for (size_t i = 0; i < document->count; i++)
        s_item (out, &document->items[i], i);
    fputs ("</main>\n<footer>", out);
    if (*document->responsible_editor)
        s_element (out, "責任編輯：", document->responsible_editor, "　");
    if (*document->signed_off_by)
        s_element (out, "簽發：", document->signed_off_by, "");
    fputs ("</footer>\n</body>\n</html>\n", out);
    if (!bs_text_stream_close (out, &text))
        return BS_E_SYSTEM;
    *bytes = (unsigned char *) text;
    return BS_OK;
}
