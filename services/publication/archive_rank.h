/*  archive_rank: a search's candidates taken best first, without sorting
    them all.

    A search can match most of the archive and show a page of 20. The
    candidates are made a binary heap in place (linear time) and the next
    best is taken off its top (log n each), so a page at offset o of n
    candidates costs n + (o + limit) log n rather than n log n, and the
    candidates below the page are never ordered.

    Order: the higher score first; among equal scores the newer item (the
    higher doc id) first. Doc ids differ, so the order is total: taking
    every candidate gives exactly the sorted order.

    Leaf: uses nothing else. The heap borrows the caller's array.
*/
#ifndef ARCHIVE_RANK_H_INCLUDED
#define ARCHIVE_RANK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t doc;
    double score;
} archive_candidate_t;

typedef struct {
    archive_candidate_t *items; /* the caller's; reordered */
    size_t count;               /* candidates not yet taken */
} archive_rank_t;

/* Whether a ranks before b. */
bool archive_rank_before (const archive_candidate_t *a, const archive_candidate_t *b);

/* Start taking count candidates at items (reordered in place) best first. */
void archive_rank_start (archive_rank_t *self, archive_candidate_t *items, size_t count);

/* The best candidate not yet taken into *next; false when none is left. */
bool archive_rank_next (archive_rank_t *self, archive_candidate_t *next);

#endif
