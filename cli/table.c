/*  table: aligned text tables for listings (queue, reports, stats...).

    Units and titles are mostly Chinese, and a Chinese character takes two
    columns on a terminal while taking three bytes, so widths are measured
    in display columns, not bytes or characters. wcwidth() would need a
    UTF-8 locale that scripts and CI often do not set, so the wide ranges
    of Unicode's East Asian Width table are checked here directly.
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct cli_table {
    size_t columns;    /* number of columns */
    char **headers;    /* column titles, '>' prefix removed */
    bool *right;       /* right-align this column */
    size_t *max_width; /* widest cell allowed, 0 for no limit */
    char **cells;      /* rows * columns cells, row-major, owned */
    size_t rows;       /* rows added */
    size_t capacity;   /* rows allocated */
};

/* Decode one UTF-8 character at text; *length gets its byte count. */
static uint32_t
s_decode (const unsigned char *text, size_t *length)
{
    if (text[0] < 0x80) {
        *length = 1;
        return text[0];
    }
    size_t count = text[0] >= 0xF0 ? 4 : text[0] >= 0xE0 ? 3 : text[0] >= 0xC0 ? 2 : 1;
    uint32_t code = count == 1 ? text[0] : text[0] & (0x7F >> count);
    size_t used = 1;
    while (used < count && (text[used] & 0xC0) == 0x80)
        code = (code << 6) | (text[used++] & 0x3F);
    *length = used;
    return code;
}

static size_t
s_char_width (uint32_t code)
{
    if (code == 0 || (code >= 0x300 && code <= 0x36F) || code == 0x200B)
        return 0; /* combining marks, zero-width space */
    if ((code >= 0x1100 && code <= 0x115F) || (code >= 0x2E80 && code <= 0x303E)
        || (code >= 0x3041 && code <= 0x33FF) || (code >= 0x3400 && code <= 0x4DBF)
        || (code >= 0x4E00 && code <= 0x9FFF) || (code >= 0xA000 && code <= 0xA4CF)
        || (code >= 0xAC00 && code <= 0xD7A3) || (code >= 0xF900 && code <= 0xFAFF)
        || (code >= 0xFE30 && code <= 0xFE4F) || (code >= 0xFF00 && code <= 0xFF60)
        || (code >= 0xFFE0 && code <= 0xFFE6) || (code >= 0x1F300 && code <= 0x1F64F)
        || (code >= 0x20000 && code <= 0x3FFFD))
        return 2;
    return 1;
}

size_t
cli_display_width (const char *text)
{
    size_t width = 0;
    const unsigned char *at = (const unsigned char *) (text ? text : "");
    while (*at) {
        size_t length;
        width += s_char_width (s_decode (at, &length));
        at += length;
    }
    return width;
}

/* A copy of text cut to at most width columns, ending in "…" when cut.
   Newlines and tabs become spaces so a row stays on one line. */
static char *
s_cell (const char *text, size_t width)
{
    const unsigned char *at = (const unsigned char *) (text ? text : "");
    size_t size = strlen ((const char *) at);
    char *copy = malloc (size + 4);
    if (!copy)
        return NULL;
    bool cut = width > 0 && cli_display_width ((const char *) at) > width;
    size_t used = 0, columns = 0;
    while (*at) {
        size_t length;
        size_t char_width = s_char_width (s_decode (at, &length));
        if (cut && columns + char_width > width - 1)
            break;
        if (*at == '\n' || *at == '\t' || *at == '\r')
            copy[used++] = ' ';
        else {
            memcpy (copy + used, at, length);
            used += length;
        }
        columns += char_width;
        at += length;
    }
    if (cut) {
        memcpy (copy + used, "…", 3);
        used += 3;
    }
    copy[used] = 0;
    return copy;
}

cli_table_t *
cli_table_new (size_t columns, const char *const *headers)
{
    cli_table_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->columns = columns;
    self->headers = calloc (columns, sizeof *self->headers);
    self->right = calloc (columns, sizeof *self->right);
    self->max_width = calloc (columns, sizeof *self->max_width);
    if (!self->headers || !self->right || !self->max_width) {
        cli_table_destroy (&self);
        return NULL;
    }
    for (size_t i = 0; i < columns; i++) {
        const char *title = headers[i];
        self->right[i] = title[0] == '>';
        self->headers[i] = strdup (title + (self->right[i] ? 1 : 0));
    }
    return self;
}

void
cli_table_destroy (cli_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cli_table_t *self = *self_p;
    for (size_t i = 0; self->headers && i < self->columns; i++)
        free (self->headers[i]);
    for (size_t i = 0; i < self->rows * self->columns; i++)
        free (self->cells[i]);
    free (self->headers);
    free (self->right);
    free (self->max_width);
    free (self->cells);
    free (self);
    *self_p = NULL;
}

void
cli_table_set_max_width (cli_table_t *self, size_t column, size_t width)
{
    if (column < self->columns)
        self->max_width[column] = width < 2 ? 2 : width;
}

int
cli_table_add (cli_table_t *self, const char *const *cells)
{
    if (self->rows == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 16;
        char **grown = realloc (self->cells, capacity * self->columns * sizeof *grown);
        if (!grown)
            return BS_E_SYSTEM;
        self->cells = grown;
        self->capacity = capacity;
    }
    char **row = self->cells + self->rows * self->columns;
    for (size_t i = 0; i < self->columns; i++)
        row[i] = s_cell (cells[i], self->max_width[i]);
    self->rows++;
    return BS_OK;
}

size_t
cli_table_rows (cli_table_t *self)
{
    return self->rows;
}

static void
s_print_cell (FILE *file, const char *text, size_t width, bool right, bool last)
{
    text = text ? text : "";
    size_t pad = width - cli_display_width (text);
    if (right)
        fprintf (file, "%*s%s", (int) pad, "", text);
    else if (last)
        fputs (text, file); /* no trailing blanks at the end of a line */
    else
        fprintf (file, "%s%*s", text, (int) pad, "");
}

void
cli_table_print (cli_table_t *self, FILE *file)
{
    size_t *widths = calloc (self->columns, sizeof *widths);
    if (!widths)
        return;
    for (size_t column = 0; column < self->columns; column++) {
        widths[column] = cli_display_width (self->headers[column]);
        for (size_t row = 0; row < self->rows; row++) {
            size_t width = cli_display_width (self->cells[row * self->columns + column]);
            if (width > widths[column])
                widths[column] = width;
        }
    }
    for (size_t column = 0; column < self->columns; column++) {
        fputs (column ? "  " : "", file);
        s_print_cell (file, self->headers[column], widths[column], self->right[column],
                      column + 1 == self->columns);
    }
    fputc ('\n', file);
    for (size_t row = 0; row < self->rows; row++) {
        for (size_t column = 0; column < self->columns; column++) {
            fputs (column ? "  " : "", file);
            s_print_cell (file, self->cells[row * self->columns + column], widths[column],
                          self->right[column], column + 1 == self->columns);
        }
        fputc ('\n', file);
    }
    free (widths);
}

void
cli_table_finish (cli_table_t **self_p, const char *empty)
{
    if (cli_table_rows (*self_p) == 0)
        printf ("%s\n", empty);
    else
        cli_table_print (*self_p, stdout);
    cli_table_destroy (self_p);
}
