/*  render_docx: an issue as a Word document (WordprocessingML in a zip,
    ECMA-376), so the office can still edit it in WPS or Word.

    The same structure as the PDF: the red masthead (name, 第N期（總第N
    期）, issuing unit and date, a red rule as the paragraph's bottom
    border), the editor's note, a contents list, then each item with its
    title in style Heading 1 (so a reader's navigation pane lists them),
    its note, its text (first lines indented two characters) and its
    source line. A draft says 草稿 in red above the masthead.

    The package holds the four parts Word needs: [Content_Types].xml, the
    package relationships, word/document.xml and word/styles.xml (with its
    relationship). libzip writes it in memory.
*/
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "bs_html.h"
#include "bs_log.h"
#include "bs_text.h"

static const char s_content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
    "<Override PartName=\"/word/styles.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>"
    "</Types>";

static const char s_package_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>";

static const char s_document_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/styles\" Target=\"styles.xml\"/></Relationships>";

/* Normal: 16 pt (三號) serif; Heading 1: 22 pt bold centred (the item
   titles); Heading 2: 16 pt bold sans (sections). Sizes are half-points. */
static const char s_styles[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
    "<w:docDefaults><w:rPrDefault><w:rPr>"
    "<w:rFonts w:ascii=\"Noto Serif CJK SC\" w:hAnsi=\"Noto Serif CJK SC\" "
    "w:eastAsia=\"Noto Serif CJK SC\"/><w:sz w:val=\"32\"/><w:lang w:eastAsia=\"zh-CN\"/>"
    "</w:rPr></w:rPrDefault></w:docDefaults>"
    "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/>"
    "<w:pPr><w:spacing w:line=\"560\" w:lineRule=\"exact\"/><w:jc w:val=\"both\"/></w:pPr>"
    "</w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>"
    "<w:pPr><w:keepNext/><w:spacing w:before=\"240\" w:after=\"240\" w:line=\"640\" "
    "w:lineRule=\"exact\"/><w:jc w:val=\"center\"/><w:outlineLvl w:val=\"0\"/></w:pPr>"
    "<w:rPr><w:b/><w:sz w:val=\"44\"/></w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading2\"><w:name w:val=\"heading 2\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>"
    "<w:pPr><w:keepNext/><w:outlineLvl w:val=\"1\"/></w:pPr>"
    "<w:rPr><w:rFonts w:ascii=\"Noto Sans CJK SC\" w:hAnsi=\"Noto Sans CJK SC\" "
    "w:eastAsia=\"Noto Sans CJK SC\"/><w:b/></w:rPr></w:style>"
    "</w:styles>";

/* One paragraph: style ("" for Normal), paragraph properties, run
   properties, then text. */
static void
s_paragraph (FILE *out, const char *style, const char *paragraph, const char *run, const char *text)
{
    fputs ("<w:p><w:pPr>", out);
    if (*style)
        fprintf (out, "<w:pStyle w:val=\"%s\"/>", style);
    fprintf (out, "%s</w:pPr><w:r><w:rPr>%s</w:rPr><w:t xml:space=\"preserve\">", paragraph, run);
    bs_html_escape (out, text);
    fputs ("</w:t></w:r></w:p>", out);
}

static const char s_indent[] = "<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/>";
static const char s_red[] = "<w:color w:val=\"E60012\"/>";

static void
s_masthead (FILE *out, const issue_document_t *document)
{
    if (document->draft)
        s_paragraph (out, "", "<w:jc w:val=\"right\"/>", s_red, "草稿");
    s_paragraph (out, "",
                 "<w:spacing w:line=\"1200\" w:lineRule=\"exact\"/><w:jc w:val=\"center\"/>",
                 "<w:b/><w:color w:val=\"E60012\"/><w:sz w:val=\"84\"/>", document->periodical);
    char number[160];
    snprintf (number, sizeof number, "%s%s%s%s", document->number_text,
              *document->total_text ? "（" : "", document->total_text,
              *document->total_text ? "）" : "");
    s_paragraph (out, "", "<w:jc w:val=\"center\"/>", "", number);
    /* issuing unit, a right tab, the date; the red rule is the border */
    fputs ("<w:p><w:pPr><w:pBdr><w:bottom w:val=\"single\" w:sz=\"18\" w:space=\"4\" "
           "w:color=\"E60012\"/></w:pBdr><w:tabs><w:tab w:val=\"right\" w:pos=\"8844\"/>"
           "</w:tabs></w:pPr><w:r><w:rPr><w:sz w:val=\"28\"/></w:rPr><w:t>",
           out);
    bs_html_escape (out, document->issuing_unit);
    fputs ("</w:t></w:r><w:r><w:rPr><w:sz w:val=\"28\"/></w:rPr><w:tab/><w:t>", out);
    bs_html_escape (out, document->date_text);
    fputs ("</w:t></w:r></w:p>", out);
}

static void
s_note (FILE *out, const char *note)
{
    char *text;
    if (asprintf (&text, "編者按：%s", note) < 0)
        return;
    s_paragraph (out, "", s_indent, "<w:rFonts w:eastAsia=\"Noto Sans CJK SC\"/>", text);
    free (text);
}

static void
s_body_paragraph (const char *paragraph, void *out)
{
    s_paragraph (out, "", s_indent, "", paragraph);
}

static void
s_item (FILE *out, const issue_document_item_t *item)
{
    if (item->section_starts) {
        char text[256];
        snprintf (text, sizeof text, "【%s】", item->section);
        s_paragraph (out, "Heading2", "", "", text);
    }
    s_paragraph (out, "Heading1", "", "", item->title);
    if (*item->note)
        s_note (out, item->note);
    issue_document_paragraphs (item->body, s_body_paragraph, out);
    char *source;
    if (asprintf (&source, "（來源：%s%s%s）", item->source_units, *item->author ? "　作者：" : "",
                  item->author)
        < 0)
        return;
    s_paragraph (out, "", "<w:jc w:val=\"right\"/>", "", source);
    free (source);
}

/* word/document.xml into *xml (malloc'd). */
static int
s_document_xml (const issue_document_t *document, char **xml, size_t *size)
{
    FILE *out = bs_text_stream_open (xml, size);
    if (!out)
        return BS_E_SYSTEM;
    fputs ("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
           "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
           "<w:body>",
           out);
    s_masthead (out, document);
    if (*document->note)
        s_note (out, document->note);
    s_paragraph (out, "", "<w:jc w:val=\"center\"/>", "<w:b/>", "目　錄");
    for (size_t i = 0; i < document->count; i++) {
        char *line;
        if (asprintf (&line, "%zu. %s", i + 1, document->items[i].title) >= 0) {
            s_paragraph (out, "", "", "", line);
            free (line);
        }
    }
    for (size_t i = 0; i < document->count; i++)
        s_item (out, &document->items[i]);
    char colophon[512] = "";
    if (*document->responsible_editor || *document->signed_off_by)
        snprintf (colophon, sizeof colophon, "%s%s%s%s",
                  *document->responsible_editor ? "責任編輯：" : "", document->responsible_editor,
                  *document->signed_off_by ? "　簽發：" : "", document->signed_off_by);
    if (*colophon)
        s_paragraph (out, "",
                     "<w:pBdr><w:top w:val=\"single\" w:sz=\"6\" w:space=\"4\" w:color=\"000000\"/>"
                     "</w:pBdr>",
                     "<w:sz w:val=\"28\"/>", colophon);
    /* A4, the margins of GB/T 9704 (twentieths of a point) */
    fputs ("<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"2098\" "
           "w:right=\"1474\" w:bottom=\"1984\" w:left=\"1588\" w:header=\"851\" w:footer=\"992\" "
           "w:gutter=\"0\"/></w:sectPr></w:body></w:document>",
           out);
    return bs_text_stream_close (out, xml) ? BS_OK : BS_E_SYSTEM;
}

static int
s_add (zip_t *archive, const char *name, const void *data, size_t size)
{
    zip_source_t *source = zip_source_buffer (archive, data, size, 0);
    if (!source)
        return BS_E_SYSTEM;
    if (zip_file_add (archive, name, source, ZIP_FL_ENC_UTF_8) < 0) {
        zip_source_free (source);
        return BS_E_SYSTEM;
    }
    return BS_OK;
}

/* The bytes of an in-memory zip source, after the archive is closed. */
static int
s_read_all (zip_source_t *source, unsigned char **bytes, size_t *size)
{
    zip_stat_t stat;
    if (zip_source_open (source) < 0)
        return BS_E_SYSTEM;
    int rc = BS_E_SYSTEM;
    if (zip_source_stat (source, &stat) == 0 && (stat.valid & ZIP_STAT_SIZE)) {
        *bytes = malloc (stat.size ? stat.size : 1);
        if (*bytes && zip_source_read (source, *bytes, stat.size) == (zip_int64_t) stat.size) {
            *size = stat.size;
            rc = BS_OK;
        } else {
            free (*bytes);
            *bytes = NULL;
        }
    }
    zip_source_close (source);
    return rc;
}

int
render_docx (const issue_document_t *document, unsigned char **bytes, size_t *size)
{
    char *xml = NULL;
    size_t xml_size = 0;
    int rc = s_document_xml (document, &xml, &xml_size);
    zip_error_t error;
    zip_error_init (&error);
    zip_source_t *source = rc == BS_OK ? zip_source_buffer_create (NULL, 0, 0, &error) : NULL;
    zip_t *archive = source ? zip_open_from_source (source, ZIP_TRUNCATE, &error) : NULL;
    if (!archive) {
        bs_log_error ("docx: cannot make a zip: %s", zip_error_strerror (&error));
        if (source)
            zip_source_free (source);
        zip_error_fini (&error);
        free (xml);
        return BS_E_SYSTEM;
    }
    zip_source_keep (source); /* read it after zip_close */
    rc = s_add (archive, "[Content_Types].xml", s_content_types, strlen (s_content_types));
    if (rc == BS_OK)
        rc = s_add (archive, "_rels/.rels", s_package_rels, strlen (s_package_rels));
    if (rc == BS_OK)
        rc = s_add (archive, "word/_rels/document.xml.rels", s_document_rels,
                    strlen (s_document_rels));
    if (rc == BS_OK)
        rc = s_add (archive, "word/styles.xml", s_styles, strlen (s_styles));
    if (rc == BS_OK)
        rc = s_add (archive, "word/document.xml", xml, xml_size);
    if (rc == BS_OK && zip_close (archive) < 0) {
        bs_log_error ("docx: cannot write the zip: %s", zip_strerror (archive));
        rc = BS_E_SYSTEM;
    }
    if (rc != BS_OK)
        zip_discard (archive);
    if (rc == BS_OK)
        rc = s_read_all (source, bytes, size);
    zip_source_free (source);
    zip_error_fini (&error);
    free (xml);
    return rc;
}
