/*  bs_pdf: A4 PDF documents with Chinese typesetting (cairo + pango +
    fontconfig), for published issues and statistics bulletins.

    A document is a column of blocks laid down from the top of the first
    page: paragraphs, rules, space, bar charts. When a block does not fit,
    the rest goes on the next page, line by line (a paragraph breaks between
    lines, never inside one). The page follows GB/T 9704-2012: A4, text
    block 156 x 225 mm (top margin 37 mm, left 28 mm), page numbers
    "— N —" below it, odd pages right, even pages left.

    Text is UTF-8. Pango shapes and breaks it with the language set to
    Chinese, so lines break between any two Hanzi but never before closing
    punctuation (。，、；：？！）」』》) or after opening punctuation
    (（「『《): the line-breaking rules Chinese typesetting expects. Fonts
    come from fontconfig; BS_PDF_SERIF and BS_PDF_SANS name the families of
    Debian's fonts-noto-cjk, which cairo embeds (subset) in the PDF.

    Usage:
        bs_pdf_t *pdf = bs_pdf_new ();
        bs_pdf_style_t body = bs_pdf_style_body ();
        bs_pdf_paragraph (pdf, &body, "正文……");
        unsigned char *bytes; size_t size;
        if (bs_pdf_finish (pdf, &bytes, &size) == BS_OK) { ...; free (bytes); }
        bs_pdf_destroy (&pdf);

    Every call returns BS_OK or BS_E_SYSTEM (cairo failed: out of memory,
    or a font missing); after a failure the document stays failed and
    bs_pdf_finish says so.

    Caveats: cairo 1.16 keeps a few font caches for the life of the process
    (valgrind reports them as "possibly lost" or "still reachable";
    tests/valgrind.supp names them). Measuring a document before drawing it
    (for a table of contents) means laying it out twice: bs_pdf_new_dry
    gives a document that counts pages without writing any bytes.
*/
#ifndef BS_PDF_H_INCLUDED
#define BS_PDF_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BS_PDF_SERIF "Noto Serif CJK SC" /* 宋體-like: body text, titles */
#define BS_PDF_SANS "Noto Sans CJK SC"   /* 黑體-like: headings, charts */

#define BS_PDF_RED 0xE60012u /* the red of a masthead and its rule */
#define BS_PDF_BLACK 0x000000u

typedef enum { BS_PDF_LEFT, BS_PDF_CENTER, BS_PDF_RIGHT, BS_PDF_JUSTIFY } bs_pdf_align_t;

/* How a paragraph looks. */
typedef struct {
    const char *family;   /* fontconfig family, e.g. BS_PDF_SERIF */
    double size;          /* points (三號 = 16 pt, 小初 = 36 pt) */
    bool bold;            /* bold weight */
    uint32_t color;       /* 0xRRGGBB */
    bs_pdf_align_t align; /* alignment; JUSTIFY fills every line but the last */
    double indent;        /* first-line indent in characters (2 for body text) */
    double line_spacing;  /* line height as a multiple of size (1.0 = tight) */
    double space_after;   /* points of space after the paragraph */
    bool keep_with_next;  /* start a new page unless 3 lines fit after it */
} bs_pdf_style_t;

typedef struct bs_pdf bs_pdf_t;

/* Ready-made styles: body text (16 pt serif, justified, indent 2), a title
   (22 pt bold serif, centred), a heading (16 pt bold sans, left). */
bs_pdf_style_t bs_pdf_style_body (void);
bs_pdf_style_t bs_pdf_style_title (void);
bs_pdf_style_t bs_pdf_style_heading (void);

/* Load the fonts now: the first document of a process otherwise pays for
   fontconfig and pango finding and opening the CJK fonts (a second or
   more). A service that writes PDF calls it once at start. */
int bs_pdf_prepare (void);

/* A new document, one empty page, writing into memory. NULL if out of
   memory. */
bs_pdf_t *bs_pdf_new (void);

/* A document that lays out but writes nothing: for counting pages (where
   each item of a table of contents starts) before the real run. */
bs_pdf_t *bs_pdf_new_dry (void);

void bs_pdf_destroy (bs_pdf_t **self_p);

/* Set the PDF's Title metadata (before bs_pdf_finish). */
int bs_pdf_set_title (bs_pdf_t *self, const char *title);

/* Print page numbers ("— N —") on this and every later page (on by
   default); off leaves them out (a cover page). */
void bs_pdf_page_numbers (bs_pdf_t *self, bool on);

/* Write text (e.g. "草稿") diagonally in light grey across every page from
   the current one on, under the text. NULL stops it. text is copied. */
int bs_pdf_watermark (bs_pdf_t *self, const char *text);

/* Lay out a paragraph (UTF-8; '\n' starts a new line within it). */
int bs_pdf_paragraph (bs_pdf_t *self, const bs_pdf_style_t *style, const char *text);

/* One line of a table of contents: text on the left (wrapped if long), a
   dotted leader and page_text at the right of its last line. */
int bs_pdf_contents_line (bs_pdf_t *self, const bs_pdf_style_t *style, const char *text,
                          const char *page_text);

/* One line with left at the left edge and right at the right edge of the
   text block (a masthead's issuing unit and date). */
int bs_pdf_two_sides (bs_pdf_t *self, const bs_pdf_style_t *style, const char *left,
                      const char *right);

/* A horizontal rule across the text block: thickness in points. */
int bs_pdf_rule (bs_pdf_t *self, double thickness, uint32_t color);

/* Vertical space in points (none at the top of a page). */
void bs_pdf_space (bs_pdf_t *self, double points);

/* Start a new page (nothing happens on a page that is still empty). */
int bs_pdf_page_break (bs_pdf_t *self);

/* A horizontal bar chart: one bar per label, longest bar = largest value,
   the value printed at the end of each bar, caption above (may be NULL).
   Values must be >= 0. Kept on one page when it fits on one. */
typedef struct {
    const char *label; /* e.g. a unit's name */
    double value;      /* the bar's length */
} bs_pdf_bar_t;

int bs_pdf_bar_chart (bs_pdf_t *self, const char *caption, const bs_pdf_bar_t *bars, size_t count,
                      uint32_t color);

/* The page the next block starts on (1-based). */
int bs_pdf_page (bs_pdf_t *self);

/* Finish the document: the PDF's bytes (malloc'd, the caller's to free) in
   *bytes and *size. A dry document gives NULL and 0. The document takes
   no more blocks afterwards. */
int bs_pdf_finish (bs_pdf_t *self, unsigned char **bytes, size_t *size);

#endif
