/*  tables: a table of figures (rows of text cells under named columns) and
    the files it is written as: CSV, XLSX (libxlsxwriter, with a native bar
    chart when asked) and an HTML table.

    Columns have a field name (the API's: "adopted"), used as the heading
    of an export, and a label ("采用"), used as the heading in a bulletin.
    Cells of a number column are written as numbers in XLSX.

    CSV is RFC 4180 (fields quoted when they hold a comma, a quote or a
    line break), UTF-8 with a byte-order mark, so that Excel reads the
    Chinese right.

    libxlsxwriter writes to a file only (Debian's 1.1.4 has no memory
    output): the XLSX goes through a temporary file in TMPDIR (or /tmp),
    removed before returning.
*/
#ifndef STATISTICS_TABLES_H_INCLUDED
#define STATISTICS_TABLES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "bs_schema.h"

typedef struct {
    const char *field; /* heading of an export ("adopted"); not copied */
    const char *label; /* heading in a bulletin ("采用"); not copied */
    bool number;       /* cells are whole numbers */
} statistics_column_t;

typedef struct statistics_table statistics_table_t;

/* A new empty table; title names its sheet (copied). columns are kept,
   not copied (static tables). NULL if out of memory. */
statistics_table_t *statistics_table_new (const char *title, const statistics_column_t *columns,
                                          size_t count);
void statistics_table_destroy (statistics_table_t **self_p);

/* Append a row: one cell per column (copied; NULL is ""). */
int statistics_table_add (statistics_table_t *self, const char *const *cells);

size_t statistics_table_rows (const statistics_table_t *self);

/* The files. labels: headings are the columns' labels, else their
   fields. The bytes are malloc'd into out (the caller's to free). */
int statistics_table_csv (const statistics_table_t *self, bool labels, bs_bytes_t *out);

/* An HTML page: heading, then each table (its title as a caption). */
int statistics_tables_html (const char *heading, statistics_table_t *const *tables, size_t count,
                            bs_bytes_t *out);

/* A bar chart of one column by another, on the first table's sheet. */
typedef struct {
    const char *title;          /* the chart's title */
    const char *category_field; /* column of the bars' names */
    const char *value_field;    /* column of the bars' lengths */
} statistics_chart_t;

/* An XLSX workbook, one sheet per table (headings in row 1, rows
   below); chart (may be NULL) is drawn right of the first table. */
int statistics_tables_xlsx (statistics_table_t *const *tables, size_t count, bool labels,
                            const statistics_chart_t *chart, bs_bytes_t *out);

#endif
