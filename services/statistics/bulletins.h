/*  bulletins: the monthly notice (月通报) and the quarterly bulletin (季度
    通报), issued once per period and frozen.

    Issuing one computes the period's scores (statistics.scores, basis
    published unless asked, the rules in force, ranked by score within
    tiers), compares
    the previous bulletin of the same kind with what its period's figures
    are now (corrections: a decision reverted or a late adoption since),
    and renders its files at once: PDF (bs_pdf: the ranking per tier as
    text, the units short of their quota, the corrections, and a page with
    a bar chart of adoptions by unit), XLSX (a sheet of scores with a
    native bar chart, a sheet of corrections), CSV and HTML. The record and
    the files go to the kept store (kept.h), never written again: an issued
    bulletin's figures and files stay the same byte for byte whatever
    happens later, a rebuild of statistics' store from the logs included.

    Kept databases: bulletins (id -> statistics.bulletin) and
    bulletin_files (id as 8 bytes, then the format -> the file's bytes).
*/
#ifndef STATISTICS_BULLETINS_H_INCLUDED
#define STATISTICS_BULLETINS_H_INCLUDED

#include "bs_service.h"

/* The commands statistics.bulletin_issue, .bulletin_get, .bulletins and
   .bulletin_file; argument: the kept store (kept.h). */
int statistics_bulletin_issue (bs_request_t *request, void *argument);
int statistics_bulletin_get (bs_request_t *request, void *argument);
int statistics_bulletin_list (bs_request_t *request, void *argument);
int statistics_bulletin_file (bs_request_t *request, void *argument);

#endif
