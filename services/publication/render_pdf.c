/*  render_pdf: an issue as a PDF in the manner of GB/T 9704-2012.

    Page 1 opens with the masthead (版頭): the periodical's name in large
    red type, 第N期（總第N期）, the issuing unit at the left and the date
    at the right, and the red rule. Then the issue's editor's note, the
    table of contents, and the items, each with its title, editor's note,
    text and source line; sections (欄目) head their first item. The end
    carries 責任編輯 and 簽發 over a black rule. Drafts carry a 草稿
    watermark on every page.

    The table of contents needs the page each item starts on, so the issue
    is laid out twice: once dry (bs_pdf_new_dry) to learn the pages, once
    for real with them.
*/
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_pdf.h"

static void
s_masthead (bs_pdf_t *pdf, const issue_document_t *document)
{
    bs_pdf_style_t name = bs_pdf_style_title ();
    name.size = 42;
    name.color = BS_PDF_RED;
    name.keep_with_next = false;
    name.space_after = 10;
    bs_pdf_paragraph (pdf, &name, document->periodical);
    bs_pdf_style_t number = bs_pdf_style_body ();
    number.align = BS_PDF_CENTER;
    number.indent = 0;
    number.space_after = 14;
    char line[160];
    snprintf (line, sizeof line, "%s%s%s%s", document->number_text,
              *document->total_text ? "（" : "", document->total_text,
              *document->total_text ? "）" : "");
    bs_pdf_paragraph (pdf, &number, line);
    bs_pdf_style_t issuer = bs_pdf_style_body ();
    issuer.size = 14;
    issuer.space_after = 4;
    bs_pdf_two_sides (pdf, &issuer, document->issuing_unit, document->date_text);
    bs_pdf_rule (pdf, 2, BS_PDF_RED);
    bs_pdf_space (pdf, 18);
}

static void
s_body_paragraph (const char *paragraph, void *argument)
{
    bs_pdf_style_t style = bs_pdf_style_body ();
    bs_pdf_paragraph (argument, &style, paragraph);
}

/* The body's paragraphs (issue_document_paragraphs). */
static void
s_body (bs_pdf_t *pdf, const char *body)
{
    issue_document_paragraphs (body, s_body_paragraph, pdf);
}

static void
s_note (bs_pdf_t *pdf, const char *note)
{
    bs_pdf_style_t style = bs_pdf_style_body ();
    style.family = BS_PDF_SANS;
    style.space_after = 8;
    char *text;
    if (asprintf (&text, "編者按：%s", note) < 0)
        return;
    bs_pdf_paragraph (pdf, &style, text);
    free (text);
}

static void
s_contents (bs_pdf_t *pdf, const issue_document_t *document, const int *pages)
{
    bs_pdf_style_t heading = bs_pdf_style_heading ();
    heading.align = BS_PDF_CENTER;
    bs_pdf_paragraph (pdf, &heading, "目　錄");
    bs_pdf_style_t line = bs_pdf_style_body ();
    line.indent = 0;
    line.align = BS_PDF_LEFT;
    for (size_t i = 0; i < document->count; i++) {
        char page[16];
        snprintf (page, sizeof page, "%d", pages ? pages[i] : 0);
        bs_pdf_contents_line (pdf, &line, document->items[i].title, page);
    }
    bs_pdf_space (pdf, 18);
}

static void
s_item (bs_pdf_t *pdf, const issue_document_item_t *item, int *page)
{
    if (item->section_starts) {
        bs_pdf_style_t section = bs_pdf_style_heading ();
        char text[256];
        snprintf (text, sizeof text, "【%s】", item->section);
        bs_pdf_paragraph (pdf, &section, text);
    }
    bs_pdf_style_t title = bs_pdf_style_title ();
    bs_pdf_paragraph (pdf, &title, item->title);
    *page = bs_pdf_page (pdf); /* where its title ended up */
    if (*item->note)
        s_note (pdf, item->note);
    s_body (pdf, item->body);
    bs_pdf_style_t source = bs_pdf_style_body ();
    source.align = BS_PDF_RIGHT;
    source.indent = 0;
    source.space_after = 20;
    char *text;
    if (asprintf (&text, "（來源：%s%s%s）", item->source_units, *item->author ? "　作者：" : "",
                  item->author)
        < 0)
        return;
    bs_pdf_paragraph (pdf, &source, text);
    free (text);
}

static void
s_colophon (bs_pdf_t *pdf, const issue_document_t *document)
{
    if (!*document->responsible_editor && !*document->signed_off_by)
        return;
    bs_pdf_space (pdf, 12);
    bs_pdf_rule (pdf, 0.75, BS_PDF_BLACK);
    bs_pdf_space (pdf, 4);
    bs_pdf_style_t style = bs_pdf_style_body ();
    style.size = 14;
    char left[256] = "", right[256] = "";
    if (*document->responsible_editor)
        snprintf (left, sizeof left, "責任編輯：%s", document->responsible_editor);
    if (*document->signed_off_by)
        snprintf (right, sizeof right, "簽發：%s", document->signed_off_by);
    bs_pdf_two_sides (pdf, &style, left, right);
}

/* Lay the whole issue out on pdf; pages: the contents' page numbers (NULL
   on the dry run); found: where each item's title landed. */
static void
s_issue (bs_pdf_t *pdf, const issue_document_t *document, const int *pages, int *found)
{
    bs_pdf_set_title (pdf, document->heading);
    if (document->draft)
        bs_pdf_watermark (pdf, "草稿");
    s_masthead (pdf, document);
    if (*document->note)
        s_note (pdf, document->note);
    s_contents (pdf, document, pages);
    for (size_t i = 0; i < document->count; i++)
        s_item (pdf, &document->items[i], &found[i]);
    s_colophon (pdf, document);
}

int
render_pdf (const issue_document_t *document, unsigned char **bytes, size_t *size)
{
    int *pages = calloc (document->count + 1, sizeof *pages);
    if (!pages)
        return BS_E_SYSTEM;
    int rc = BS_E_SYSTEM;
    bs_pdf_t *dry = bs_pdf_new_dry ();
    if (dry) {
        s_issue (dry, document, NULL, pages);
        unsigned char *none;
        size_t zero;
        rc = bs_pdf_finish (dry, &none, &zero);
        bs_pdf_destroy (&dry);
    }
    bs_pdf_t *pdf = rc == BS_OK ? bs_pdf_new () : NULL;
    if (pdf) {
        int *again = calloc (document->count + 1, sizeof *again);
        if (again) {
            s_issue (pdf, document, pages, again);
            rc = bs_pdf_finish (pdf, bytes, size);
        } else
            rc = BS_E_SYSTEM;
        free (again);
        bs_pdf_destroy (&pdf);
    } else
        rc = BS_E_SYSTEM;
    free (pages);
    return rc;
}
