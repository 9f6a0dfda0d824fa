/*  render_txt: an issue as plain UTF-8 text, for mail and terminals.

        組工信息
        第3期（總第15期）
        中共某市委組織部                2026年12月3日
        ══════════════════
        編者按：……
        目錄 / 欄目 / items with 【來源：…】
*/
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_text.h"

/* Each '\n'-separated paragraph of body, indented by two ideographic
   spaces as Chinese text is. */
static void
s_body_paragraph (const char *paragraph, void *out)
{
    fprintf (out, "　　%s\n", paragraph);
}

static void
s_body (FILE *out, const char *body)
{
    issue_document_paragraphs (body, s_body_paragraph, out);
}

int
render_txt (const issue_document_t *document, unsigned char **bytes, size_t *size)
{
    char *text = NULL;
    FILE *out = bs_text_stream_open (&text, size);
    if (!out)
        return BS_E_SYSTEM;
    if (document->draft)
        fprintf (out, "【草稿】\n");
    fprintf (out, "%s\n", document->periodical);
    fprintf (out, "%s%s%s%s\n", document->number_text, *document->total_text ? "（" : "",
             document->total_text, *document->total_text ? "）" : "");
    fprintf (out, "%s　　%s\n", document->issuing_unit, document->date_text);
    fprintf (out, "══════════════════════════════\n");
    if (*document->note)
        fprintf (out, "編者按：%s\n\n", document->note);
    fprintf (out, "目　錄\n");
    for (size_t i = 0; i < document->count; i++)
        fprintf (out, "%zu. %s\n", i + 1, document->items[i].title);
    for (size_t i = 0; i < document->count; i++) {
        const issue_document_item_t *item = &document->items[i];
        fprintf (out, "\n");
        if (item->section_starts)
            fprintf (out, "【%s】\n\n", item->section);
        fprintf (out, "%s\n\n", item->title);
        if (*item->note)
            fprintf (out, "編者按：%s\n\n", item->note);
        s_body (out, item->body);
        fprintf (out, "（來源：%s%s%s）\n", item->source_units, *item->author ? "　作者：" : "",
                 item->author);
    }
    fprintf (out, "──────────────────────────────\n");
    if (*document->responsible_editor)
        fprintf (out, "責任編輯：%s　", document->responsible_editor);
    if (*document->signed_off_by)
        fprintf (out, "簽發：%s", document->signed_off_by);
    fprintf (out, "\n");
    if (!bs_text_stream_close (out, &text))
        return BS_E_SYSTEM;
    *bytes = (unsigned char *) text;
    return BS_OK;
}
