/*  exports: figure tables as files (statistics.export), and the tables a
    bulletin is made of.

    Two tables: figures (one row per statistics.row: the unit, its place
    in the tree, and every measure) and scores (one row per
    statistics.score, in ranking order). Either goes out as CSV or XLSX;
    the headings of an export are the API's field names, so a program
    reads an export as it reads the JSON.
*/
#ifndef STATISTICS_EXPORTS_H_INCLUDED
#define STATISTICS_EXPORTS_H_INCLUDED

#include "bs_service.h"
#include "bs_schemas.h"
#include "tables.h"

/* The scores table of rows (NULL if out of memory); title names it. */
statistics_table_t *statistics_scores_table (const char *title, const bs_stats_score_t *rows,
                                             size_t count);

/* The figures table of a statistics.query page (NULL if out of memory). */
statistics_table_t *statistics_figures_table (const char *title, const bs_stats_page_t *page);

/* The tier's name in a bulletin ("县级"); the tier itself when unknown. */
const char *statistics_tier_label (const char *tier);

/* The statistics.export command; argument: the kept store (kept.h). */
int statistics_export (bs_request_t *request, void *argument);

#endif
