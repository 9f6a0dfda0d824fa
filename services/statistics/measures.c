/*  measures: names, decision words and histogram of the counters; see
    measures.h. */
#include "measures.h"

#include <stdio.h>
#include <string.h>

#define S_MEASURE_NAME(X, IDENT, field, decision) #field,
static const char *const s_names[] = {BS_STATS_MEASURES (S_MEASURE_NAME, _)};

#define S_MEASURE_DECISION(X, IDENT, field, decision) decision,
static const char *const s_decisions[] = {BS_STATS_MEASURES (S_MEASURE_DECISION, _)};

#define S_ROW_OFFSET(X, IDENT, field, decision) offsetof (bs_stats_row_t, field),
static const size_t s_row_offsets[] = {BS_STATS_MEASURES (S_ROW_OFFSET, _)};

#define S_CHANGED_OFFSET(X, IDENT, field, decision) offsetof (bs_stats_changed_t, field),
static const size_t s_changed_offsets[] = {BS_STATS_MEASURES (S_CHANGED_OFFSET, _)};

static const uint64_t s_bounds_hours[] = STATISTICS_BIN_BOUNDS_HOURS;
_Static_assert(sizeof s_bounds_hours / sizeof s_bounds_hours[0] == STATISTICS_BINS - 1,
               "one bound per bin but the last");

const char *
statistics_measure_name (statistics_measure_t measure)
{
    return measure < STATISTICS_MEASURES ? s_names[measure] : NULL;
}

statistics_measure_t
statistics_measure_named (const char *name)
{
    for (size_t i = 0; name && i < STATISTICS_MEASURES; i++)
        if (strcmp (name, s_names[i]) == 0)
            return (statistics_measure_t) i;
    return STATISTICS_NONE;
}

bool
statistics_measure_is_decision (statistics_measure_t measure)
{
    return measure < STATISTICS_MEASURES && *s_decisions[measure];
}

statistics_measure_t
statistics_measure_of_decision (const char *decision)
{
    for (size_t i = 0; decision && *decision && i < STATISTICS_MEASURES; i++)
        if (strcmp (decision, s_decisions[i]) == 0)
            return (statistics_measure_t) i;
    return STATISTICS_NONE;
}

static statistics_measure_t
s_measure_at (const char *prefix, const char *level)
{
    char name[48];
    snprintf (name, sizeof name, "%s_%s", prefix, level ? level : "");
    return statistics_measure_named (name);
}

statistics_measure_t
statistics_measure_adopted_at (const char *level)
{
    return s_measure_at ("adopted", level);
}

statistics_measure_t
statistics_measure_instructed_at (const char *level)
{
    return s_measure_at ("instructed", level);
}

size_t
statistics_bin_of (uint64_t waited_ms)
{
    size_t bin = 0;
    while (bin < STATISTICS_BINS - 1 && waited_ms > s_bounds_hours[bin] * 3600000u)
        bin++;
    return bin;
}

uint64_t
statistics_percentile_ms (const statistics_counters_t *counters, double fraction)
{
    const uint64_t *bins = counters->slot + STATISTICS_MEASURES;
    uint64_t total = 0;
    for (size_t i = 0; i < STATISTICS_BINS; i++)
        total += bins[i];
    if (total == 0)
        return 0;
    /* The smallest bin whose cumulative count reaches ceil(fraction * total). */
    uint64_t wanted = (uint64_t) (fraction * (double) total);
    if ((double) wanted < fraction * (double) total)
        wanted++;
    if (wanted == 0)
        wanted = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < STATISTICS_BINS - 1; i++) {
        seen += bins[i];
        if (seen >= wanted)
            return s_bounds_hours[i] * 3600000u;
    }
    return UINT64_MAX;
}

void
statistics_counters_to_row (const statistics_counters_t *counters, bs_stats_row_t *row)
{
    for (size_t i = 0; i < STATISTICS_MEASURES; i++)
        *(uint64_t *) ((char *) row + s_row_offsets[i]) = counters->slot[i];
    row->decision_p50_ms = statistics_percentile_ms (counters, 0.5);
    row->decision_p90_ms = statistics_percentile_ms (counters, 0.9);
}

void
statistics_counters_to_changed (const statistics_counters_t *counters, bs_stats_changed_t *changed)
{
    for (size_t i = 0; i < STATISTICS_MEASURES; i++)
        *(uint64_t *) ((char *) changed + s_changed_offsets[i]) = counters->slot[i];
}

uint64_t
statistics_row_value (const bs_stats_row_t *row, statistics_measure_t measure)
{
    return measure < STATISTICS_MEASURES
               ? *(const uint64_t *) ((const char *) row + s_row_offsets[measure])
               : 0;
}

bool
statistics_counters_zero (const statistics_counters_t *counters)
{
    for (size_t s = 0; s < STATISTICS_MEASURES; s++)
        if (counters->slot[s])
            return false;
    return true;
}
