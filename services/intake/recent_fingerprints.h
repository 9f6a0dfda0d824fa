/*  recent_fingerprints: the recent part of the fingerprints' index, in
    memory: a hash table of a unit's fingerprint key (16 bytes, already a
    BLAKE2b hash) -> the report id, for the reports registered since the
    index was last merged into unit_fingerprints (submission_duplicates.c
    keeps it true to the writer's transaction; this class knows no store).

    Sized once, at new, for capacity entries, and never grown: the caller
    merges it (recent_fingerprints_range, a range of keys at a time) and
    clears it. Memory: an entry is 32 bytes (key, report id, the sequence
    of the event that registered it), kept in the order put; the hash
    part is 4 bytes a slot (the entry's index in its low bits, a tag of
    the key in the rest, so a probe reads an entry only when the tags
    match: a key not there, most of a batch's, reads no entry), at least
    twice as many slots as entries (linear probing, at most half full),
    and a range is
    sorted in 4 bytes an entry: 44 bytes an entry in all, 2.75 MiB for
    65,536.

    A key's slot is chosen by its top bits, so the slots are in key order
    but for the short runs of a probe: a range of keys is read from a
    range of slots and sorted in place, without sorting the whole table.

    Each entry carries its event's sequence, and entries are put in the
    order of their sequences, so what a step or a transaction that did
    not commit put is the entries past a sequence: dropped from the end
    (recent_fingerprints_drop_after), an entry it replaced found again.
*/
#ifndef INTAKE_RECENT_FINGERPRINTS_H_INCLUDED
#define INTAKE_RECENT_FINGERPRINTS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECENT_FINGERPRINT_KEY 16

typedef struct recent_fingerprints recent_fingerprints_t;

/* A table for capacity entries (at least 1); NULL when out of memory. */
recent_fingerprints_t *recent_fingerprints_new (size_t capacity);

/* Free the table. Nulls *self_p; safe on NULL. */
void recent_fingerprints_destroy (recent_fingerprints_t **self_p);

/* Keep report_id under key, put by the event seq (above every seq put
   before): it hides an entry already under key. false when the table is
   full (merge first) or seq is not above the last. */
bool recent_fingerprints_put (recent_fingerprints_t *self,
                              const unsigned char key[RECENT_FINGERPRINT_KEY], uint64_t report_id,
                              uint64_t seq);

/* The report id last put under key, into *report_id: false when none. */
bool recent_fingerprints_get (const recent_fingerprints_t *self,
                              const unsigned char key[RECENT_FINGERPRINT_KEY], uint64_t *report_id);

/* Forget the entries put by events past seq (the last put first); an
   entry one of them hid is found again. */
void recent_fingerprints_drop_after (recent_fingerprints_t *self, uint64_t seq);

/* Forget every entry. */
void recent_fingerprints_clear (recent_fingerprints_t *self);

/* Entries, the table's capacity, and the sequence of the last entry put
   (0 when empty). */
size_t recent_fingerprints_count (const recent_fingerprints_t *self);
size_t recent_fingerprints_capacity (const recent_fingerprints_t *self);
uint64_t recent_fingerprints_last_seq (const recent_fingerprints_t *self);

/* A merge's key space: a key's place in it is its first four bytes,
   big-endian, so [0, RECENT_FINGERPRINTS_SPACE) holds every key. */
#define RECENT_FINGERPRINTS_SPACE ((uint64_t) 1 << 32)

/* For a merge, a slice of it: the key and report id of the entry each key
   whose place is in [from, to) was last put with, in key order, by fn
   (argument passed on) until it returns anything but 0, which is
   returned. The table keeps its entries. */
typedef int (recent_fingerprints_fn) (const unsigned char key[RECENT_FINGERPRINT_KEY],
                                      uint64_t report_id, void *argument);
int recent_fingerprints_range (recent_fingerprints_t *self, uint64_t from, uint64_t to,
                               recent_fingerprints_fn *fn, void *argument);

#endif
