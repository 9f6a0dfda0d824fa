/*  tables: figure tables as CSV, HTML and XLSX; see tables.h. */
#include "tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "bs_error.h"
#include "bs_html.h"
#include "bs_text.h"

struct statistics_table {
    char *title;                        /* owned */
    const statistics_column_t *columns; /* kept */
    size_t columns_count;
    char **cells; /* rows * columns_count, owned */
    size_t rows, capacity;
};

statistics_table_t *
statistics_table_new (const char *title, const statistics_column_t *columns, size_t count)
{
    statistics_table_t *self = calloc (1, sizeof *self);
    if (self && !(self->title = strdup (title))) {
        free (self);
        self = NULL;
    }
    if (self) {
        self->columns = columns;
        self->columns_count = count;
    }
    return self;
}

void
statistics_table_destroy (statistics_table_t **self_p)
{
    statistics_table_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->rows * self->columns_count; i++)
        free (self->cells[i]);
    free (self->cells);
    free (self->title);
    free (self);
    *self_p = NULL;
}

int
statistics_table_add (statistics_table_t *self, const char *const *cells)
{
    if (self->rows == self->capacity) {
        size_t grown = self->capacity ? 2 * self->capacity : 64;
        char **more = realloc (self->cells, grown * self->columns_count * sizeof *more);
        if (!more)
            return BS_E_SYSTEM;
        self->cells = more;
        self->capacity = grown;
    }
    char **row = self->cells + self->rows * self->columns_count;
    int rc = BS_OK;
    for (size_t c = 0; c < self->columns_count; c++)
        if (!(row[c] = strdup (cells[c] ? cells[c] : "")))
            rc = BS_E_SYSTEM;
    self->rows++; /* even when short of memory: destroy frees what was copied */
    return rc;
}

size_t
statistics_table_rows (const statistics_table_t *self)
{
    return self->rows;
}

static const char *
s_heading (const statistics_table_t *self, size_t column, bool labels)
{
    return labels ? self->columns[column].label : self->columns[column].field;
}

/* Closes the memory stream of a table's text: its bytes go to out. */
static int
s_close (FILE *stream, char **text, const size_t *size, bs_bytes_t *out)
{
    if (!bs_text_stream_close (stream, text))
        return BS_E_SYSTEM;
    out->data = (unsigned char *) *text;
    out->size = *size; /* set by the close */
    return BS_OK;
}

static void
s_csv_field (FILE *stream, const char *text)
{
    if (!strpbrk (text, ",\"\r\n")) {
        fputs (text, stream);
        return;
    }
    fputc ('"', stream);
    for (const char *c = text; *c; c++) {
        if (*c == '"') /* a quote inside is doubled */
            fputc ('"', stream);
        fputc (*c, stream);
    }
    fputc ('"', stream);
}

int
statistics_table_csv (const statistics_table_t *self, bool labels, bs_bytes_t *out)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = bs_text_stream_open (&text, &size);
    if (!stream)
        return BS_E_SYSTEM;
    fputs ("\xEF\xBB\xBF", stream);
    for (size_t c = 0; c < self->columns_count; c++) {
        fputs (c ? "," : "", stream);
        s_csv_field (stream, s_heading (self, c, labels));
    }
    fputs ("\r\n", stream);
    for (size_t r = 0; r < self->rows; r++) {
        for (size_t c = 0; c < self->columns_count; c++) {
            fputs (c ? "," : "", stream);
            s_csv_field (stream, self->cells[r * self->columns_count + c]);
        }
        fputs ("\r\n", stream);
    }
    return s_close (stream, &text, &size, out);
}

int
statistics_tables_html (const char *heading, statistics_table_t *const *tables, size_t count,
                        bs_bytes_t *out)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = bs_text_stream_open (&text, &size);
    if (!stream)
        return BS_E_SYSTEM;
    fputs ("<!DOCTYPE html>\n<html lang=\"zh-Hans\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<title>",
           stream);
    bs_html_escape (stream, heading);
    fputs ("</title>\n<style>table{border-collapse:collapse;margin:1em 0}"
           "td,th{border:1px solid #999;padding:2px 6px}td.n{text-align:right}"
           "</style>\n</head>\n<body>\n<h1>",
           stream);
    bs_html_escape (stream, heading);
    fputs ("</h1>\n", stream);
    for (size_t t = 0; t < count; t++) {
        const statistics_table_t *table = tables[t];
        fputs ("<table>\n<caption>", stream);
        bs_html_escape (stream, table->title);
        fputs ("</caption>\n<tr>", stream);
        for (size_t c = 0; c < table->columns_count; c++) {
            fputs ("<th>", stream);
            bs_html_escape (stream, table->columns[c].label);
            fputs ("</th>", stream);
        }
        fputs ("</tr>\n", stream);
        for (size_t r = 0; r < table->rows; r++) {
            fputs ("<tr>", stream);
            for (size_t c = 0; c < table->columns_count; c++) {
                fputs (table->columns[c].number ? "<td class=\"n\">" : "<td>", stream);
                bs_html_escape (stream, table->cells[r * table->columns_count + c]);
                fputs ("</td>", stream);
            }
            fputs ("</tr>\n", stream);
        }
        fputs ("</table>\n", stream);
    }
    fputs ("</body>\n</html>\n", stream);
    return s_close (stream, &text, &size, out);
}

static size_t
s_column_of (const statistics_table_t *self, const char *field)
{
    for (size_t c = 0; c < self->columns_count; c++)
        if (strcmp (self->columns[c].field, field) == 0)
            return c;
    return SIZE_MAX;
}

/* "$C$2:$C$46" of a column's cells below the heading. */
static void
s_range (const char *sheet, size_t column, size_t rows, char *buffer, size_t size)
{
    char letters[4] = {0};
    if (column < 26)
        letters[0] = (char) ('A' + column);
    else {
        letters[0] = (char) ('A' + column / 26 - 1);
        letters[1] = (char) ('A' + column % 26);
    }
    snprintf (buffer, size, "='%s'!$%s$2:$%s$%zu", sheet, letters, letters, rows + 1);
}

static void
s_sheet (lxw_worksheet *sheet, const statistics_table_t *table, bool labels, lxw_format *bold)
{
    for (size_t c = 0; c < table->columns_count; c++) {
        worksheet_write_string (sheet, 0, (lxw_col_t) c, s_heading (table, c, labels), bold);
        worksheet_set_column (sheet, (lxw_col_t) c, (lxw_col_t) c,
                              table->columns[c].number ? 10 : 16, NULL);
    }
    for (size_t r = 0; r < table->rows; r++)
        for (size_t c = 0; c < table->columns_count; c++) {
            const char *cell = table->cells[r * table->columns_count + c];
            if (table->columns[c].number && *cell)
                worksheet_write_number (sheet, (lxw_row_t) (r + 1), (lxw_col_t) c,
                                        strtod (cell, NULL), NULL);
            else
                worksheet_write_string (sheet, (lxw_row_t) (r + 1), (lxw_col_t) c, cell, NULL);
        }
}

static void
s_chart (lxw_workbook *book, lxw_worksheet *sheet, const statistics_table_t *table,
         const statistics_chart_t *chart)
{
    size_t names = s_column_of (table, chart->category_field);
    size_t values = s_column_of (table, chart->value_field);
    if (names == SIZE_MAX || values == SIZE_MAX || table->rows == 0)
        return;
    char categories[128], lengths[128];
    s_range (table->title, names, table->rows, categories, sizeof categories);
    s_range (table->title, values, table->rows, lengths, sizeof lengths);
    lxw_chart *bars = workbook_add_chart (book, LXW_CHART_BAR);
    lxw_chart_series *series = chart_add_series (bars, categories, lengths);
    chart_series_set_name (series, chart->title);
    chart_title_set_name (bars, chart->title);
    chart_legend_set_position (bars, LXW_CHART_LEGEND_NONE);
    lxw_chart_options placement = {.x_scale = 1.5, .y_scale = 1.0 + (double) table->rows / 12};
    worksheet_insert_chart_opt (sheet, 1, (lxw_col_t) (table->columns_count + 1), bars, &placement);
}

/* The whole of a file, read into out. */
static int
s_slurp (const char *path, bs_bytes_t *out)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return BS_E_SYSTEM;
    int rc = BS_E_SYSTEM;
    if (fseek (file, 0, SEEK_END) == 0) {
        long size = ftell (file);
        out->data = size > 0 ? malloc ((size_t) size) : NULL;
        if (out->data && fseek (file, 0, SEEK_SET) == 0
            && fread (out->data, 1, (size_t) size, file) == (size_t) size) {
            out->size = (size_t) size;
            rc = BS_OK;
        } else {
            free (out->data);
            out->data = NULL;
        }
    }
    fclose (file);
    return rc;
}

int
statistics_tables_xlsx (statistics_table_t *const *tables, size_t count, bool labels,
                        const statistics_chart_t *chart, bs_bytes_t *out)
{
    const char *folder = getenv ("TMPDIR");
    char path[4096];
    snprintf (path, sizeof path, "%s/baosong-xlsx-XXXXXX", folder && *folder ? folder : "/tmp");
    int fd = mkstemp (path);
    if (fd < 0)
        return BS_E_SYSTEM;
    close (fd);
    lxw_workbook *book = workbook_new (path);
    int rc = book ? BS_OK : BS_E_SYSTEM;
    lxw_format *bold = book ? workbook_add_format (book) : NULL;
    if (bold)
        format_set_bold (bold);
    for (size_t t = 0; rc == BS_OK && t < count; t++) {
        lxw_worksheet *sheet = workbook_add_worksheet (book, tables[t]->title);
        if (!sheet) {
            rc = BS_E_SYSTEM;
            break;
        }
        s_sheet (sheet, tables[t], labels, bold);
        if (t == 0 && chart)
            s_chart (book, sheet, tables[t], chart);
    }
    if (book && workbook_close (book) != LXW_NO_ERROR)
        rc = BS_E_SYSTEM;
    if (rc == BS_OK)
        rc = s_slurp (path, out);
    unlink (path);
    return rc;
}
