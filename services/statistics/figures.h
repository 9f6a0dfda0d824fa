/*  figures: the maintained aggregates of statistics, in one LMDB database.

    Every count goes into rows of counters (statistics_counters_t) keyed
        <basis> \x1f <dimension> \x1f <value> \x1f <unit> \x1f <bucket>
    basis: p (published), d (decided) or r (received), the date that places
    the count; dimension: - (totals), c (channel), k (kind), t (topic),
    p (periodical) or a (author: the officer who wrote the report), with
    its value ("" for totals); bucket: the year, month
    and day of that date (period.h). One count is therefore written to
    (1 + dimensions with a value) x 3 rows per basis, and read back from a
    handful: a period is summed from at most three key ranges per unit.

    Values are the counters (the measures, then the histogram's bins),
    stored sparse: each counter that is not zero as a byte naming it and
    its value in LEB128, a few bytes for most rows. Rows stored by earlier
    versions, every counter as a native uint64_t, still read (a shorter
    one, from a version with fewer measures, with its bins in place and
    zeros for the measures it lacks), and are written sparse when next
    counted. Counters never go below zero.

    The values database lists the values seen per dimension
    ("<dimension>\x1f<value>"), for listing a dimension. An author is
    listed with the unit it wrote for ("a\x1f<unit>\x1f<author>"): an
    author's figures are an author's within a unit.
*/
#ifndef STATISTICS_FIGURES_H_INCLUDED
#define STATISTICS_FIGURES_H_INCLUDED

#include <lmdb.h>
#include <stdbool.h>

#include "measures.h"
#include "period.h"

typedef enum {
    STATISTICS_BASIS_PUBLISHED,
    STATISTICS_BASIS_DECIDED,
    STATISTICS_BASIS_RECEIVED,
    STATISTICS_BASES
} statistics_basis_t;

typedef enum {
    STATISTICS_DIMENSION_TOTAL,
    STATISTICS_DIMENSION_CHANNEL,
    STATISTICS_DIMENSION_KIND,
    STATISTICS_DIMENSION_TOPIC,
    STATISTICS_DIMENSION_PERIODICAL,
    STATISTICS_DIMENSION_AUTHOR,
    STATISTICS_DIMENSIONS
} statistics_dimension_t;

/* Who a count is for: the unit and the report's value of each dimension
   (NULL or "" when it has none; values[TOTAL] is unused). */
typedef struct {
    const char *unit;
    const char *values[STATISTICS_DIMENSIONS];
} statistics_subject_t;

/* What is counted: measure by delta (negative takes away); a decision
   (adopted, returned, declined, forwarded) also counts in decided, adds
   waited_ms to decision_ms and counts in the histogram. */
typedef struct {
    statistics_measure_t measure;
    int64_t delta;
    bool decision;
    uint64_t waited_ms;
} statistics_change_t;

/* "published", "decided", "received"; NULL out of range. */
const char *statistics_basis_name (statistics_basis_t basis);
/* The basis named name ("" is published); -1 if unknown. */
int statistics_basis_named (const char *name);
/* "", "channel", "kind", "topic", "periodical", "author". */
const char *statistics_dimension_name (statistics_dimension_t dimension);
int statistics_dimension_named (const char *name);

/* The rows of figures counted, held in memory: each row is read from
   figures the first time a count meets it; every later count adds to it
   in memory, and statistics_tally_write writes the rows counted since
   the last write once, in key order. Events of a turn hit the same rows
   again and again (a unit's totals for the year, the month and the day
   under each basis), and so do the next turns: the rows stay held once
   written, and once the transaction they were written in has committed
   the next runs count them without reading them (statistics_tally_forget
   tells). Past S_TALLY_ROWS rows held, the rows counted are written and
   every row is let go before the next is read (memory stays bounded). */
typedef struct statistics_tally statistics_tally_t;

/* NULL when out of memory. */
statistics_tally_t *statistics_tally_new (void);
void statistics_tally_destroy (statistics_tally_t **self_p);

/* Before a run counts (bs_service_hold's forget): the rows held are kept
   when the transaction they were last written in has committed and
   nothing was counted since; else every row is dropped, unwritten (what
   was counted or written will not commit), and read again when met. */
void statistics_tally_forget (statistics_tally_t *self);

/* Write every row counted since the last write into figures (in txn,
   where they were read) and keep holding them. Returns 0 or an LMDB
   error code (then every row is dropped). */
int statistics_tally_write (statistics_tally_t *self, MDB_txn *txn, MDB_dbi figures);

/* How many rows are held, and how many of them counted since the last
   write (for tests). */
void statistics_tally_count (const statistics_tally_t *self, size_t *held, size_t *dirty);

/* Apply change for subject at time `at` under basis, in every slice and
   bucket, to the rows tally holds (read from figures in txn the first
   time); tally must be written into txn before it commits. When
   month_total is not NULL it receives the totals row of the unit's month
   after the change. Returns 0 or an LMDB error code. */
int statistics_figures_add (statistics_tally_t *tally, MDB_txn *txn, MDB_dbi figures,
                            statistics_basis_t basis, uint64_t at,
                            const statistics_subject_t *subject, const statistics_change_t *change,
                            statistics_counters_t *month_total);

/* Remember subject's values of each dimension in the values database (an
   author with its unit), once for a count whatever its bases. Returns 0
   or an LMDB error code. */
int statistics_figures_seen (MDB_txn *txn, MDB_dbi values, const statistics_subject_t *subject);

/* Add to sum the unit's counters of one slice (dimension, value) over
   period. Returns 0 or an LMDB error code. */
int statistics_figures_sum (MDB_cursor *cursor, statistics_basis_t basis,
                            statistics_dimension_t dimension, const char *value, const char *unit,
                            const statistics_period_t *period, statistics_counters_t *sum);

/* Call fn for each value seen of dimension, in order (of the author
   dimension: "<unit>\x1f<author>"; with unit, only that unit's). Returns
   0, an LMDB error code, or what fn returned when not 0. */
typedef int (statistics_value_fn) (const char *value, void *argument);
int statistics_figures_values (MDB_txn *txn, MDB_dbi values, statistics_dimension_t dimension,
                               const char *unit, statistics_value_fn *fn, void *argument);

#endif
