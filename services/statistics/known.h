/*  known: the subjects (a unit and its values, as counts.h writes them)
    whose unit and values statistics has put in units and values, kept
    across turns, so that a count of a subject met before neither looks
    its unit up nor puts its values again. Those puts find what they put
    once (MDB_NOOVERWRITE), and were most of a count's own instructions
    after the figures' rows (bench/README.md).

    A subject is known only once the transaction that put it has
    committed: what a run of a turn puts is pending, under the
    transaction's id (mdb_txn_id). At each forget (bs_service_hold's: the
    start of every run of a turn, and an event given up when a turn runs
    carefully) the pending subjects become known when the store's last
    committed transaction is theirs (its ids only grow with commits) and
    are dropped otherwise: their run did not commit, and the next run of
    the turn has the same id. A subject put in the transaction being run
    is found too (a turn's run of counts of one subject puts it once).
    Nothing takes a unit or a value out of their databases while
    statistics runs, so a subject known stays true. A restart knows
    nothing; a table full is emptied and fills again.

    Leaf file: counts.c and counting.c use it.
*/
#ifndef STATISTICS_KNOWN_H_INCLUDED
#define STATISTICS_KNOWN_H_INCLUDED

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct statistics_known statistics_known_t;

/* An empty set; NULL when out of memory. */
statistics_known_t *statistics_known_new (void);
void statistics_known_destroy (statistics_known_t **self_p);

/* Whether subject (size bytes) is known, or put in txn already; if not,
   it is pending under txn (the caller puts its unit and values in txn
   now, and a failure there fails the run). */
bool statistics_known_met (statistics_known_t *self, MDB_txn *txn, const void *subject,
                           size_t size);

/* The pending subjects known if their transaction committed, dropped if
   not (bs_service_hold's forget). */
void statistics_known_forget (statistics_known_t *self);

/* How many subjects are known, and how many pending (for tests). */
void statistics_known_count (const statistics_known_t *self, size_t *known, size_t *pending);

#endif
