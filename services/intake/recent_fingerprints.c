/*  recent_fingerprints: the recent part of the fingerprints' index in
    memory; see recent_fingerprints.h. */
#include "recent_fingerprints.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* A seq never reaches 2^63: its top bit marks an entry that hid an
   earlier one under the same key, so dropping it looks for that one. */
#define S_HID ((uint64_t) 1 << 63)

typedef struct {
    unsigned char key[RECENT_FINGERPRINT_KEY];
    uint64_t report_id;
    uint64_t seq; /* the event's; S_HID set when it hid an earlier entry */
} s_entry_t;

_Static_assert(sizeof (s_entry_t) == 32, "an entry is 32 bytes");

struct recent_fingerprints {
    s_entry_t *entries;  /* capacity of them, count in use, in the order put */
    uint32_t *slots;     /* mask + 1 of them: 0 empty, else 1 + the index of the
                            entry its key was last put with (the low index_bits)
                            under the key's tag (the rest) */
    size_t capacity;     /* entries */
    size_t count;        /* entries in use */
    size_t mask;         /* slots - 1, slots a power of two >= 2 * capacity */
    unsigned bits;       /* slots = 2^bits: a key's home is its top bits */
    unsigned index_bits; /* of a slot: 1 + an entry's index; the rest a tag of the
                            key, so a probe reads an entry only when its tag is
                            the key's (a probe of a key not there, most of a
                            batch's, reads no entry at all: a cache miss each) */
    uint32_t *order;     /* capacity of them: a range's entries, sorted for it */
};

recent_fingerprints_t *
recent_fingerprints_new (size_t capacity)
{
    assert (capacity >= 1 && capacity < UINT32_MAX / 2);
    size_t slots = 2;
    unsigned bits = 1;
    while (slots < 2 * capacity) {
        slots *= 2;
        bits++;
    }
    recent_fingerprints_t *self = calloc (1, sizeof *self);
    if (self) {
        /* calloc: pages the table never reaches are never touched */
        self->entries = calloc (capacity, sizeof *self->entries);
        self->slots = calloc (slots, sizeof *self->slots);
        self->order = calloc (capacity, sizeof *self->order);
        self->capacity = capacity;
        self->mask = slots - 1;
        self->bits = bits;
        self->index_bits = 1;
        while (((uint64_t) 1 << self->index_bits) <= capacity)
            self->index_bits++;
    }
    if (self && (!self->entries || !self->slots || !self->order))
        recent_fingerprints_destroy (&self);
    return self;
}

void
recent_fingerprints_destroy (recent_fingerprints_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->entries);
    free ((*self_p)->slots);
    free ((*self_p)->order);
    free (*self_p);
    *self_p = NULL;
}

static uint64_t s_prefix (const unsigned char *key);

/* Where key's slot begins: the key is a hash already, and its top bits
   are its home, so the slots are in key order but for the runs of a
   probe (recent_fingerprints_range reads a range of keys from them). */
static size_t
s_home (const recent_fingerprints_t *self, const unsigned char *key)
{
    return (size_t) (s_prefix (key) >> (32 - self->bits));
}

/* The entry a non-empty slot holds. */
static uint32_t
s_index (const recent_fingerprints_t *self, uint32_t slot)
{
    return (slot & (((uint32_t) 1 << self->index_bits) - 1)) - 1;
}

/* Key's tag in a slot: bits of its second four bytes (its home is of the
   first four), above the index's. */
static uint32_t
s_tag (const recent_fingerprints_t *self, const unsigned char *key)
{
    uint32_t bits;
    memcpy (&bits, key + 4, sizeof bits);
    return bits << self->index_bits;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t
s_find (const recent_fingerprints_t *self, const unsigned char *key)
{
    size_t at = s_home (self, key);
    uint32_t tag = s_tag (self, key);
    for (uint32_t slot; (slot = self->slots[at]) != 0; at = (at + 1) & self->mask)
        if ((slot >> self->index_bits) == (tag >> self->index_bits)
            && memcmp (self->entries[s_index (self, slot)].key, key, RECENT_FINGERPRINT_KEY) == 0)
            break;
    return at;
}

bool
recent_fingerprints_put (recent_fingerprints_t *self,
                         const unsigned char key[RECENT_FINGERPRINT_KEY], uint64_t report_id,
                         uint64_t seq)
{
    if (self->count == self->capacity || seq >= S_HID || seq <= recent_fingerprints_last_seq (self))
        return false;
    size_t at = s_find (self, key);
    s_entry_t *entry = &self->entries[self->count];
    memcpy (entry->key, key, RECENT_FINGERPRINT_KEY);
    entry->report_id = report_id;
    entry->seq = seq | (self->slots[at] ? S_HID : 0);
    self->slots[at] = s_tag (self, key) | (uint32_t) ++self->count;
    return true;
}

bool
recent_fingerprints_get (const recent_fingerprints_t *self,
                         const unsigned char key[RECENT_FINGERPRINT_KEY], uint64_t *report_id)
{
    size_t at = s_find (self, key);
    if (!self->slots[at])
        return false;
    *report_id = self->entries[s_index (self, self->slots[at])].report_id;
    return true;
}

/* Empty slot at, moving back the slots after it whose probe passed it
   (linear probing's deletion, without tombstones). */
static void
s_slot_empty (recent_fingerprints_t *self, size_t at)
{
    for (size_t next = at;;) {
        self->slots[at] = 0;
        for (;;) {
            next = (next + 1) & self->mask;
            if (!self->slots[next])
                return;
            size_t home = s_home (self, self->entries[s_index (self, self->slots[next])].key);
            /* it stays when its home lies cyclically in (at, next] */
            bool stays = at <= next ? at < home && home <= next : at < home || home <= next;
            if (!stays)
                break;
        }
        self->slots[at] = self->slots[next];
        at = next;
    }
}

void
recent_fingerprints_drop_after (recent_fingerprints_t *self, uint64_t seq)
{
    while (self->count && (self->entries[self->count - 1].seq & ~S_HID) > seq) {
        const s_entry_t *entry = &self->entries[--self->count];
        size_t at = s_find (self, entry->key);
        assert (s_index (self, self->slots[at]) == self->count);
        size_t hidden = self->count;
        if (entry->seq & S_HID)
            while (hidden-- > 0
                   && memcmp (self->entries[hidden].key, entry->key, RECENT_FINGERPRINT_KEY) != 0)
                ;
        if (hidden < self->count)
            self->slots[at] = s_tag (self, entry->key) | ((uint32_t) hidden + 1);
        else
            s_slot_empty (self, at);
    }
}

void
recent_fingerprints_clear (recent_fingerprints_t *self)
{
    if (self->count)
        memset (self->slots, 0, (self->mask + 1) * sizeof *self->slots);
    self->count = 0;
}

size_t
recent_fingerprints_count (const recent_fingerprints_t *self)
{
    return self->count;
}

size_t
recent_fingerprints_capacity (const recent_fingerprints_t *self)
{
    return self->capacity;
}

uint64_t
recent_fingerprints_last_seq (const recent_fingerprints_t *self)
{
    return self->count ? self->entries[self->count - 1].seq & ~S_HID : 0;
}

/* The first four bytes of key, big-endian: its place in a merge's key
   space (recent_fingerprints_range). */
static uint64_t
s_prefix (const unsigned char *key)
{
    return (uint64_t) key[0] << 24 | (uint64_t) key[1] << 16 | (uint64_t) key[2] << 8 | key[3];
}

/* Insertion sort of indexes into entries by key: the slots they were
   gathered from are in key order but for the runs of a probe, short at
   half full, so nearly sorted already. */
static void
s_sort_by_key (const s_entry_t *entries, uint32_t *order, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        uint32_t moved = order[i];
        size_t at = i;
        while (at > 0
               && memcmp (entries[order[at - 1]].key, entries[moved].key, RECENT_FINGERPRINT_KEY)
                      > 0) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = moved;
    }
}

int
recent_fingerprints_range (recent_fingerprints_t *self, uint64_t from, uint64_t to,
                           recent_fingerprints_fn *fn, void *argument)
{
    assert (from <= to && to <= RECENT_FINGERPRINTS_SPACE);
    if (from >= to || !self->count)
        return 0;
    /* A key's home is its top bits, so the keys of [from, to) have their
       homes in [first, end): they sit there or after, up to the first
       empty slot past end (their probes), wrapping at the last slot. */
    unsigned shift = 32 - self->bits;
    size_t first = (size_t) (from >> shift);
    size_t end = (size_t) ((to + ((uint64_t) 1 << shift) - 1) >> shift);
    size_t count = 0;
    for (size_t i = first; i < first + self->mask + 1; i++) { /* each slot once at most */
        uint32_t slot = self->slots[i & self->mask];
        if (i >= end && !slot)
            break;
        if (slot) {
            uint32_t index = s_index (self, slot);
            uint64_t prefix = s_prefix (self->entries[index].key);
            if (prefix >= from && prefix < to)
                self->order[count++] = index;
        }
    }
    s_sort_by_key (self->entries, self->order, count);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        const s_entry_t *entry = &self->entries[self->order[i]];
        rc = fn (entry->key, entry->report_id, argument);
    }
    return rc;
}
