/*  fingerprint_filter: which keys the fingerprints' whole index
    (unit_fingerprints, submission_duplicates.c) may hold, in memory, so
    that the search for a key it does not hold (nearly every report's: a
    duplicate is rare) does not descend its B-tree. Each descent ends on a
    random leaf of an index of a few hundred thousand keys and more: cache
    misses at every level, 17% of intake's CPU in measure 4 for 4% of its
    instructions.

    A blocked Bloom filter: a key (16 bytes, already a BLAKE2b hash, so its
    bytes are used as they are) sets 7 bits in one block of 64 bytes,
    chosen by its last eight bytes; a lookup reads that one block. 16 bits
    a key, about 0.2% false positives. It never forgets a key and never
    answers "not held" for a key added: a false positive costs the search
    it would have made anyway. Added keys only grow it: when the newest
    part is full a part twice its size is added, and a lookup reads one
    block of each part. When memory runs out it answers "may hold" for
    every key from then on (the searches as before).

    This class knows no store: the caller adds every key it puts into the
    index (and every key the index held when it started).
*/
#ifndef INTAKE_FINGERPRINT_FILTER_H_INCLUDED
#define INTAKE_FINGERPRINT_FILTER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#define FINGERPRINT_FILTER_KEY 16

typedef struct fingerprint_filter fingerprint_filter_t;

/* A filter whose first part is sized for expected keys (at least
   262,144); NULL when out of memory. */
fingerprint_filter_t *fingerprint_filter_new (size_t expected);

/* Free the filter. Nulls *self_p; safe on NULL. */
void fingerprint_filter_destroy (fingerprint_filter_t **self_p);

/* Remember key (nothing on NULL). */
void fingerprint_filter_add (fingerprint_filter_t *self,
                             const unsigned char key[FINGERPRINT_FILTER_KEY]);

/* false only when key was never added (true on NULL: no filter). */
bool fingerprint_filter_may_hold (const fingerprint_filter_t *self,
                                  const unsigned char key[FINGERPRINT_FILTER_KEY]);

/* Keys added, and parts (for tests and logs). */
size_t fingerprint_filter_count (const fingerprint_filter_t *self);
size_t fingerprint_filter_parts (const fingerprint_filter_t *self);

#endif
