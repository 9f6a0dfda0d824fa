/*  bs_pdf: A4 PDF documents with Chinese typesetting; see bs_pdf.h.

    The document keeps one cairo context on a PDF surface and a cursor (y,
    in points from the top of the page). Each paragraph is one PangoLayout
    as wide as the text block; its lines are drawn one at a time so a
    paragraph can continue on the next page. Page furniture (watermark under
    the text, page number under the block) is drawn when a page starts and
    when it ends.
*/
#include "bs_pdf.h"

#include <cairo-pdf.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

#include "bs_error.h"
#include "bs_log.h"

/* A4 and the text block of GB/T 9704-2012, in points (1 mm = 72 / 25.4). */
#define S_MM (72.0 / 25.4)
#define S_PAGE_WIDTH (210 * S_MM)
#define S_PAGE_HEIGHT (297 * S_MM)
#define S_LEFT (28 * S_MM)
#define S_TOP (37 * S_MM)
#define S_WIDTH (156 * S_MM)
#define S_HEIGHT (225 * S_MM)
#define S_BOTTOM (S_TOP + S_HEIGHT)

struct bs_pdf {
    cairo_surface_t *surface; /* the PDF surface */
    cairo_t *cr;              /* drawing context on it */
    bool dry;                 /* lay out only: bytes are thrown away */
    unsigned char *bytes;     /* the PDF so far (not dry) */
    size_t size;              /* bytes used */
    size_t capacity;          /* bytes allocated */
    bool out_of_memory;       /* a write could not grow bytes */
    int page;                 /* the current page, 1-based */
    double y;                 /* cursor: top of the next block, points */
    double baseline;          /* page y of the last line drawn's baseline */
    bool blank;               /* nothing drawn on this page yet */
    bool page_numbers;        /* print the number on this page */
    char *watermark;          /* text across each page, or NULL */
    bool failed;              /* a cairo call failed; the document is lost */
    bool finished;            /* bs_pdf_finish was called */
};

static cairo_status_t
s_write (void *closure, const unsigned char *data, unsigned int length)
{
    bs_pdf_t *self = closure;
    if (self->dry)
        return CAIRO_STATUS_SUCCESS;
    if (self->size + length > self->capacity) {
        size_t capacity = self->capacity ? self->capacity : 65536;
        while (capacity < self->size + length)
            capacity *= 2;
        unsigned char *bytes = realloc (self->bytes, capacity);
        if (!bytes) {
            self->out_of_memory = true;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        self->bytes = bytes;
        self->capacity = capacity;
    }
    memcpy (self->bytes + self->size, data, length);
    self->size += length;
    return CAIRO_STATUS_SUCCESS;
}

static int
s_check (bs_pdf_t *self)
{
    if (!self->failed && self->cr && cairo_status (self->cr) != CAIRO_STATUS_SUCCESS) {
        bs_log_error ("pdf: cairo failed: %s", cairo_status_to_string (cairo_status (self->cr)));
        self->failed = true;
    }
    return self->failed ? BS_E_SYSTEM : BS_OK;
}

static void
s_color (cairo_t *cr, uint32_t color)
{
    cairo_set_source_rgb (cr, ((color >> 16) & 0xff) / 255.0, ((color >> 8) & 0xff) / 255.0,
                          (color & 0xff) / 255.0);
}

/* A layout in the document's context: Chinese, unhinted metrics (the PDF
   is scaled by whoever reads it, so positions must be exact). */
static PangoLayout *
s_layout (bs_pdf_t *self, const char *family, double size, bool bold)
{
    PangoLayout *layout = pango_cairo_create_layout (self->cr);
    PangoContext *context = pango_layout_get_context (layout);
    cairo_font_options_t *options = cairo_font_options_create ();
    cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options (context, options);
    cairo_font_options_destroy (options);
    pango_context_set_language (context, pango_language_from_string ("zh-cn"));
    pango_layout_context_changed (layout);
    PangoFontDescription *font = pango_font_description_new ();
    pango_font_description_set_family (font, family);
    pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
    pango_font_description_set_weight (font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description (layout, font);
    pango_font_description_free (font);
    return layout;
}

/* Draw text with its centre at (x, y). */
static void
s_text_centered (bs_pdf_t *self, const char *text, const char *family, double size, double x,
                 double y)
{
    PangoLayout *layout = s_layout (self, family, size, false);
    pango_layout_set_text (layout, text, -1);
    int width, height;
    pango_layout_get_size (layout, &width, &height);
    cairo_move_to (self->cr, x - width / 2.0 / PANGO_SCALE, y - height / 2.0 / PANGO_SCALE);
    pango_cairo_show_layout (self->cr, layout);
    g_object_unref (layout);
}

static void
s_page_start (bs_pdf_t *self)
{
    self->y = S_TOP;
    self->blank = true;
    if (!self->watermark)
        return;
    cairo_save (self->cr);
    cairo_translate (self->cr, S_PAGE_WIDTH / 2, S_PAGE_HEIGHT / 2);
    cairo_rotate (self->cr, -M_PI / 5);
    s_color (self->cr, 0xD8D8D8);
    s_text_centered (self, self->watermark, BS_PDF_SANS, 110, 0, 0);
    cairo_restore (self->cr);
}

/* Page number: 14 pt (四號), 7 mm below the text block; odd pages at the
   right, even pages at the left, as official documents have it. */
static void
s_page_end (bs_pdf_t *self)
{
    if (!self->page_numbers)
        return;
    char text[32];
    snprintf (text, sizeof text, "— %d —", self->page);
    PangoLayout *layout = s_layout (self, BS_PDF_SERIF, 14, false);
    pango_layout_set_text (layout, text, -1);
    int width, height;
    pango_layout_get_size (layout, &width, &height);
    double x = self->page % 2 ? S_LEFT + S_WIDTH - width / (double) PANGO_SCALE - 7 * S_MM
                              : S_LEFT + 7 * S_MM;
    s_color (self->cr, BS_PDF_BLACK);
    cairo_move_to (self->cr, x, S_BOTTOM + 7 * S_MM);
    pango_cairo_show_layout (self->cr, layout);
    g_object_unref (layout);
}

static void
s_new_page (bs_pdf_t *self)
{
    s_page_end (self);
    cairo_show_page (self->cr);
    self->page++;
    s_page_start (self);
}

static bs_pdf_t *
s_new (bool dry)
{
    bs_pdf_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->dry = dry;
    self->surface =
        cairo_pdf_surface_create_for_stream (s_write, self, S_PAGE_WIDTH, S_PAGE_HEIGHT);
    self->cr = cairo_create (self->surface);
    if (cairo_status (self->cr) != CAIRO_STATUS_SUCCESS) {
        bs_pdf_destroy (&self);
        return NULL;
    }
    cairo_pdf_surface_set_metadata (self->surface, CAIRO_PDF_METADATA_CREATOR, "baosong");
    self->page = 1;
    self->page_numbers = true;
    s_page_start (self);
    return self;
}

int
bs_pdf_prepare (void)
{
    bs_pdf_t *pdf = bs_pdf_new_dry ();
    if (!pdf)
        return BS_E_SYSTEM;
    bs_pdf_style_t body = bs_pdf_style_body ();
    bs_pdf_style_t heading = bs_pdf_style_heading ();
    int rc = bs_pdf_paragraph (pdf, &body, "字體");
    if (rc == BS_OK)
        rc = bs_pdf_paragraph (pdf, &heading, "字體");
    unsigned char *bytes;
    size_t size;
    if (rc == BS_OK)
        rc = bs_pdf_finish (pdf, &bytes, &size);
    bs_pdf_destroy (&pdf);
    return rc;
}

bs_pdf_t *
bs_pdf_new (void)
{
    return s_new (false);
}

bs_pdf_t *
bs_pdf_new_dry (void)
{
    return s_new (true);
}

void
bs_pdf_destroy (bs_pdf_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bs_pdf_t *self = *self_p;
    if (self->cr)
        cairo_destroy (self->cr);
    if (self->surface) {
        cairo_surface_finish (self->surface);
        cairo_surface_destroy (self->surface);
    }
    free (self->bytes);
    free (self->watermark);
    free (self);
    *self_p = NULL;
}

bs_pdf_style_t
bs_pdf_style_body (void)
{
    return (bs_pdf_style_t){.family = BS_PDF_SERIF,
                            .size = 16,
                            .color = BS_PDF_BLACK,
                            .align = BS_PDF_JUSTIFY,
                            .indent = 2,
                            .line_spacing = 1.5,
                            .space_after = 0};
}

bs_pdf_style_t
bs_pdf_style_title (void)
{
    return (bs_pdf_style_t){.family = BS_PDF_SERIF,
                            .size = 22,
                            .bold = true,
                            .color = BS_PDF_BLACK,
                            .align = BS_PDF_CENTER,
                            .line_spacing = 1.4,
                            .space_after = 12,
                            .keep_with_next = true};
}

bs_pdf_style_t
bs_pdf_style_heading (void)
{
    return (bs_pdf_style_t){.family = BS_PDF_SANS,
                            .size = 16,
                            .bold = true,
                            .color = BS_PDF_BLACK,
                            .align = BS_PDF_LEFT,
                            .line_spacing = 1.5,
                            .space_after = 6,
                            .keep_with_next = true};
}

int
bs_pdf_set_title (bs_pdf_t *self, const char *title)
{
    cairo_pdf_surface_set_metadata (self->surface, CAIRO_PDF_METADATA_TITLE, title);
    return s_check (self);
}

void
bs_pdf_page_numbers (bs_pdf_t *self, bool on)
{
    self->page_numbers = on;
}

int
bs_pdf_watermark (bs_pdf_t *self, const char *text)
{
    free (self->watermark);
    self->watermark = text ? strdup (text) : NULL;
    if (text && !self->watermark)
        return BS_E_SYSTEM;
    if (self->watermark && self->blank) { /* this page too */
        bool blank = self->blank;
        double y = self->y;
        s_page_start (self);
        self->blank = blank;
        self->y = y;
    }
    return s_check (self);
}

/* Draw layout's lines from the cursor down, continuing on new pages, and
   leave the cursor under its last line. */
static void
s_draw_lines (bs_pdf_t *self, PangoLayout *layout, uint32_t color)
{
    PangoLayoutIter *iter = pango_layout_get_iter (layout);
    double offset = self->y; /* page y of the layout's top */
    do {
        int top, bottom;
        pango_layout_iter_get_line_yrange (iter, &top, &bottom);
        double line_top = top / (double) PANGO_SCALE, line_bottom = bottom / (double) PANGO_SCALE;
        if (offset + line_bottom > S_BOTTOM && !self->blank) {
            s_new_page (self);
            offset = self->y - line_top;
        }
        PangoRectangle logical;
        pango_layout_iter_get_line_extents (iter, NULL, &logical);
        double baseline = pango_layout_iter_get_baseline (iter) / (double) PANGO_SCALE;
        s_color (self->cr, color);
        cairo_move_to (self->cr, S_LEFT + logical.x / (double) PANGO_SCALE, offset + baseline);
        pango_cairo_show_layout_line (self->cr, pango_layout_iter_get_line_readonly (iter));
        self->baseline = offset + baseline;
        self->y = offset + line_bottom;
        self->blank = false;
    } while (pango_layout_iter_next_line (iter));
    pango_layout_iter_free (iter);
}

static PangoLayout *
s_paragraph_layout (bs_pdf_t *self, const bs_pdf_style_t *style, const char *text, double width)
{
    PangoLayout *layout = s_layout (self, style->family, style->size, style->bold);
    pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
    pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_indent (layout, (int) (style->indent * style->size * PANGO_SCALE));
    pango_layout_set_line_spacing (layout,
                                   (float) (style->line_spacing > 0 ? style->line_spacing : 1.0));
    static const PangoAlignment alignments[] = {
        [BS_PDF_LEFT] = PANGO_ALIGN_LEFT,
        [BS_PDF_CENTER] = PANGO_ALIGN_CENTER,
        [BS_PDF_RIGHT] = PANGO_ALIGN_RIGHT,
        [BS_PDF_JUSTIFY] = PANGO_ALIGN_LEFT,
    };
    pango_layout_set_alignment (layout, alignments[style->align]);
    pango_layout_set_justify (layout, style->align == BS_PDF_JUSTIFY);
    pango_layout_set_text (layout, text, -1);
    return layout;
}

/* keep_with_next: the paragraph (up to 3 lines) and 3 lines of body text
   after it must fit, else it starts the next page. */
static void
s_keep_with_next (bs_pdf_t *self, const bs_pdf_style_t *style, PangoLayout *layout)
{
    if (!style->keep_with_next || self->blank)
        return;
    int lines = pango_layout_get_line_count (layout);
    double line = style->size * (style->line_spacing > 0 ? style->line_spacing : 1.0);
    double needed = (lines < 3 ? lines : 3) * line + style->space_after + 3 * 16 * 1.5;
    if (self->y + needed > S_BOTTOM)
        s_new_page (self);
}

int
bs_pdf_paragraph (bs_pdf_t *self, const bs_pdf_style_t *style, const char *text)
{
    if (self->failed || self->finished)
        return BS_E_SYSTEM;
    PangoLayout *layout = s_paragraph_layout (self, style, text, S_WIDTH);
    s_keep_with_next (self, style, layout);
    s_draw_lines (self, layout, style->color);
    g_object_unref (layout);
    bs_pdf_space (self, style->space_after);
    return s_check (self);
}

int
bs_pdf_contents_line (bs_pdf_t *self, const bs_pdf_style_t *style, const char *text,
                      const char *page_text)
{
    if (self->failed || self->finished)
        return BS_E_SYSTEM;
    PangoLayout *number = s_layout (self, style->family, style->size, style->bold);
    pango_layout_set_text (number, page_text, -1);
    int number_width, number_height;
    pango_layout_get_size (number, &number_width, &number_height);
    double gap = 4 * style->size; /* room for the leader */
    double text_width = S_WIDTH - number_width / (double) PANGO_SCALE - gap;
    bs_pdf_style_t left = *style;
    left.align = BS_PDF_LEFT;
    PangoLayout *layout = s_paragraph_layout (self, &left, text, text_width);
    s_draw_lines (self, layout, style->color);
    /* the last line's right end and baseline, on the page now */
    PangoLayoutLine *last =
        pango_layout_get_line_readonly (layout, pango_layout_get_line_count (layout) - 1);
    PangoRectangle logical;
    pango_layout_line_get_extents (last, NULL, &logical);
    double baseline = self->baseline;
    double leader_start = S_LEFT + (logical.x + logical.width) / (double) PANGO_SCALE + 4;
    double number_x = S_LEFT + S_WIDTH - number_width / (double) PANGO_SCALE;
    s_color (self->cr, style->color);
    cairo_save (self->cr);
    cairo_set_line_width (self->cr, 1);
    double dashes[] = {1, 3};
    cairo_set_dash (self->cr, dashes, 2, 0);
    cairo_move_to (self->cr, leader_start, baseline - 3);
    cairo_line_to (self->cr, number_x - 4, baseline - 3);
    cairo_stroke (self->cr);
    cairo_restore (self->cr);
    PangoLayoutLine *number_line = pango_layout_get_line_readonly (number, 0);
    cairo_move_to (self->cr, number_x, baseline);
    pango_cairo_show_layout_line (self->cr, number_line);
    g_object_unref (number);
    g_object_unref (layout);
    bs_pdf_space (self, style->space_after);
    return s_check (self);
}

int
bs_pdf_two_sides (bs_pdf_t *self, const bs_pdf_style_t *style, const char *left, const char *right)
{
    if (self->failed || self->finished)
        return BS_E_SYSTEM;
    bs_pdf_style_t plain = *style;
    plain.align = BS_PDF_LEFT;
    plain.indent = 0;
    PangoLayout *layout = s_paragraph_layout (self, &plain, left, S_WIDTH / 2);
    s_draw_lines (self, layout, style->color);
    g_object_unref (layout);
    PangoLayout *end = s_layout (self, style->family, style->size, style->bold);
    pango_layout_set_text (end, right, -1);
    int width, height;
    pango_layout_get_size (end, &width, &height);
    s_color (self->cr, style->color);
    cairo_move_to (self->cr, S_LEFT + S_WIDTH - width / (double) PANGO_SCALE, self->baseline);
    pango_cairo_show_layout_line (self->cr, pango_layout_get_line_readonly (end, 0));
    g_object_unref (end);
    bs_pdf_space (self, style->space_after);
    return s_check (self);
}

int
bs_pdf_rule (bs_pdf_t *self, double thickness, uint32_t color)
{
    if (self->failed || self->finished)
        return BS_E_SYSTEM;
    if (self->y + thickness > S_BOTTOM)
        s_new_page (self);
    s_color (self->cr, color);
    cairo_rectangle (self->cr, S_LEFT, self->y, S_WIDTH, thickness);
    cairo_fill (self->cr);
    self->y += thickness;
    self->blank = false;
    return s_check (self);
}

void
bs_pdf_space (bs_pdf_t *self, double points)
{
    if (self->blank)
        return;
    self->y += points;
    if (self->y > S_BOTTOM)
        s_new_page (self);
}

int
bs_pdf_page_break (bs_pdf_t *self)
{
    if (self->failed || self->finished)
        return BS_E_SYSTEM;
    if (!self->blank)
        s_new_page (self);
    return s_check (self);
}

int
bs_pdf_page (bs_pdf_t *self)
{
    return self->page;
}

/* The width of text in points at size, in the sans face. */
static double
s_text_width (bs_pdf_t *self, const char *text, double size)
{
    PangoLayout *layout = s_layout (self, BS_PDF_SANS, size, false);
    pango_layout_set_text (layout, text, -1);
    int width, height;
    pango_layout_get_size (layout, &width, &height);
    g_object_unref (layout);
    return width / (double) PANGO_SCALE;
}

static void
s_text_at (bs_pdf_t *self, const char *text, double size, double x, double middle, double max_width)
{
    PangoLayout *layout = s_layout (self, BS_PDF_SANS, size, false);
    pango_layout_set_text (layout, text, -1);
    pango_layout_set_width (layout, (int) (max_width * PANGO_SCALE));
    pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    int width, height;
    pango_layout_get_size (layout, &width, &height);
    cairo_move_to (self->cr, x, middle - height / 2.0 / PANGO_SCALE);
    pango_cairo_show_layout (self->cr, layout);
    g_object_unref (layout);
}

int
bs_pdf_bar_chart (bs_pdf_t *self, const char *caption, const bs_pdf_bar_t *bars, size_t count,
                  uint32_t color)
{
    if (self->failed || self->finished)
        return BS_E_SYSTEM;
    const double size = 12, row = 22;
    double largest = 0, label_width = 0;
    for (size_t i = 0; i < count; i++) {
        if (bars[i].value > largest)
            largest = bars[i].value;
        double width = s_text_width (self, bars[i].label, size);
        if (width > label_width)
            label_width = width;
    }
    if (label_width > S_WIDTH * 0.35)
        label_width = S_WIDTH * 0.35;
    bs_pdf_style_t heading = bs_pdf_style_heading ();
    double height = count * row + (caption ? 2 * heading.size * heading.line_spacing : 0);
    if (self->y + height > S_BOTTOM && height <= S_HEIGHT)
        s_new_page (self);
    if (caption)
        bs_pdf_paragraph (self, &heading, caption);
    double bar_left = S_LEFT + label_width + 8, value_room = 60;
    double bar_room = S_WIDTH - label_width - 8 - value_room;
    for (size_t i = 0; i < count; i++) {
        if (self->y + row > S_BOTTOM)
            s_new_page (self);
        double middle = self->y + row / 2;
        s_color (self->cr, BS_PDF_BLACK);
        s_text_at (self, bars[i].label, size, S_LEFT, middle, label_width);
        double length = largest > 0 ? bar_room * bars[i].value / largest : 0;
        s_color (self->cr, color);
        cairo_rectangle (self->cr, bar_left, middle - row * 0.3, length, row * 0.6);
        cairo_fill (self->cr);
        char value[32];
        snprintf (value, sizeof value, "%g", bars[i].value);
        s_color (self->cr, BS_PDF_BLACK);
        s_text_at (self, value, size, bar_left + length + 4, middle, value_room);
        self->y += row;
        self->blank = false;
    }
    bs_pdf_space (self, 12);
    return s_check (self);
}

int
bs_pdf_finish (bs_pdf_t *self, unsigned char **bytes, size_t *size)
{
    *bytes = NULL;
    *size = 0;
    if (self->failed || self->finished)
        return BS_E_SYSTEM;
    self->finished = true;
    s_page_end (self);
    cairo_destroy (self->cr);
    self->cr = NULL;
    cairo_surface_finish (self->surface);
    cairo_status_t status = cairo_surface_status (self->surface);
    if (status != CAIRO_STATUS_SUCCESS || self->out_of_memory) {
        bs_log_error ("pdf: cannot finish the document: %s",
                      self->out_of_memory ? "out of memory" : cairo_status_to_string (status));
        self->failed = true;
        return BS_E_SYSTEM;
    }
    if (!self->dry) {
        *bytes = self->bytes;
        *size = self->size;
        self->bytes = NULL;
        self->size = self->capacity = 0;
    }
    return BS_OK;
}
