/*  period: what a period text ("2026-Q1", "2026-03-15..2026-05-10") means
    as ranges of the figures' buckets.

    Figures are kept per unit in three buckets of the server's local
    calendar at once: the year ("Y2026"), the month ("M2026-11") and the
    day ("D2026-11-03"). A period is at most three spans of buckets of one
    kind each (head days, whole months, tail days), so any period is summed
    from a few dozen rows at most, never from the events.
*/
#ifndef STATISTICS_PERIOD_H_INCLUDED
#define STATISTICS_PERIOD_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define STATISTICS_BUCKET_MAX 12 /* "D2026-11-03" and its NUL */

typedef struct {
    char first[STATISTICS_BUCKET_MAX]; /* first bucket key, included */
    char last[STATISTICS_BUCKET_MAX];  /* last bucket key, included */
} statistics_span_t;

typedef struct {
    statistics_span_t spans[3]; /* the buckets that make the period */
    size_t count;               /* spans used */
} statistics_period_t;

/* Parse text: "" or "all", "2026", "2026-H1", "2026-Q3", "2026-11",
   "2026-11-03" or "2026-03-15..2026-05-10". Returns 0, or -1 when text is
   none of these (or a range ends before it starts). */
int statistics_period_parse (const char *text, statistics_period_t *period);

/* How long a period is: months, when it is whole months (a month, a
   quarter, a half year, a year; 0 otherwise), its days, and its start and
   end (local midnight after its last day) in ms; all zero for all time.
   Returns 0, or -1 when text is not a period. */
typedef struct {
    uint64_t months;
    uint64_t days;
    uint64_t start_ms;
    uint64_t end_ms;
} statistics_extent_t;

int statistics_period_extent (const char *text, statistics_extent_t *extent);

/* The year, month and day bucket keys of a time in ms (local calendar). */
void statistics_buckets_of (uint64_t at, char year[STATISTICS_BUCKET_MAX],
                            char month[STATISTICS_BUCKET_MAX], char day[STATISTICS_BUCKET_MAX]);

#endif
