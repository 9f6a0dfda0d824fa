/*  measures: the counters of one figures row, generated from
    BS_STATS_MEASURES (schemas/statistics.def), and the histogram of times
    to decision kept beside them.

    A row of counters (statistics_counters_t) is what the figures database
    stores for one unit, bucket and slice: one uint64_t per measure, then
    one per histogram bin. Adding a measure is one line in statistics.def:
    the enum, the names, the row fields and the decision words follow.
*/
#ifndef STATISTICS_MEASURES_H_INCLUDED
#define STATISTICS_MEASURES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bs_schemas.h"

#define S_MEASURE_ENUM(X, IDENT, field, decision) STATISTICS_##IDENT,
typedef enum { BS_STATS_MEASURES (S_MEASURE_ENUM, _) STATISTICS_MEASURES } statistics_measure_t;
#undef S_MEASURE_ENUM

#define STATISTICS_NONE STATISTICS_MEASURES

/* Upper bounds of the time-to-decision bins, in hours; the last bin has
   none (STATISTICS_BINS - 1 bounds for STATISTICS_BINS bins). */
#define STATISTICS_BIN_BOUNDS_HOURS                                                                \
    {                                                                                              \
        1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720                           \
    }
#define STATISTICS_BINS 17

/* One stored row of counters: measures, then histogram bins. */
#define STATISTICS_SLOTS (STATISTICS_MEASURES + STATISTICS_BINS)
typedef struct {
    uint64_t slot[STATISTICS_SLOTS];
} statistics_counters_t;

/* The field name of a measure ("adopted"); NULL out of range. */
const char *statistics_measure_name (statistics_measure_t measure);

/* The measure named name, or STATISTICS_NONE. */
statistics_measure_t statistics_measure_named (const char *name);

/* Whether measure counts a decision of review (adopted, returned, ...). */
bool statistics_measure_is_decision (statistics_measure_t measure);

/* The measure a decision word ("adopt") counts, or STATISTICS_NONE. */
statistics_measure_t statistics_measure_of_decision (const char *decision);

/* The measure adopted_<level> / instructed_<level> for level (county, city,
   province, central), or STATISTICS_NONE. */
statistics_measure_t statistics_measure_adopted_at (const char *level);
statistics_measure_t statistics_measure_instructed_at (const char *level);

/* The histogram bin of a time to decision in ms. */
size_t statistics_bin_of (uint64_t waited_ms);

/* The upper bound in ms of the bin holding the given fraction (0.5, 0.9)
   of the decisions in counters; 0 when there are none, UINT64_MAX when it
   is the last (unbounded) bin. */
uint64_t statistics_percentile_ms (const statistics_counters_t *counters, double fraction);

/* Copy counters into the measure fields of a statistics.row / .changed. */
void statistics_counters_to_row (const statistics_counters_t *counters, bs_stats_row_t *row);
void statistics_counters_to_changed (const statistics_counters_t *counters,
                                     bs_stats_changed_t *changed);

/* Whether every measure of counters is 0 (the bins are not looked at). */
bool statistics_counters_zero (const statistics_counters_t *counters);

/* A row's value of measure. */
uint64_t statistics_row_value (const bs_stats_row_t *row, statistics_measure_t measure);

#endif
