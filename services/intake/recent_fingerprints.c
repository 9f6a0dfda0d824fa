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

_Static_assert (sizeof (s_entry_t) == 32, "an entry is 32 bytes");

struct recent_fingerprints {
    s_entry_t *entries; /* capacity of them, count in use, in the order put */
    uint32_t *slots;    /* mask + 1 of them: 0 empty, else 1 + the index of the
                           entry its key was last put with */
    size_t capacity;    /* entries */
    size_t count;       /* entries in use */
    size_t mask;        /* slots - 1, slots a power of two >= 2 * capacity */
};

recent_fingerprints_t *
recent_fingerprints_new (size_t capacity)
{
    assert (capacity >= 1 && capacity < UINT32_MAX / 2);
    size_t slots = 2;
    while (slots < 2 * capacity)
        slots *= 2;
    recent_fingerprints_t *self = calloc (1, sizeof *self);
    if (self) {
        /* calloc: pages the table never reaches are never touched */
        self->entries = calloc (capacity, sizeof *self->entries);
        self->slots = calloc (slots, sizeof *self->slots);
        self->capacity = capacity;
        self->mask = slots - 1;
    }
    if (self && (!self->entries || !self->slots))
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
    free (*self_p);
    *self_p = NULL;
}

/* Where key's slot begins: the key is a hash already. */
static size_t
s_home (const recent_fingerprints_t *self, const unsigned char *key)
{
    uint64_t bits;
    memcpy (&bits, key, sizeof bits);
    return (size_t) bits & self->mask;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t
s_find (const recent_fingerprints_t *self, const unsigned char *key)
{
    size_t at = s_home (self, key);
    while (self->slots[at]
           && memcmp (self->entries[self->slots[at] - 1].key, key, RECENT_FINGERPRINT_KEY) != 0)
        at = (at + 1) & self->mask;
    return at;
}

bool
recent_fingerprints_put (recent_fingerprints_t *self,
                         const unsigned char key[RECENT_FINGERPRINT_KEY], uint64_t report_id,
                         uint64_t seq)
{
    if (self->count == self->capacity || seq >= S_HID
        || seq <= recent_fingerprints_last_seq (self))
        return false;
    size_t at = s_find (self, key);
    s_entry_t *entry = &self->entries[self->count];
    memcpy (entry->key, key, RECENT_FINGERPRINT_KEY);
    entry->report_id = report_id;
    entry->seq = seq | (self->slots[at] ? S_HID : 0);
    self->slots[at] = (uint32_t) ++self->count;
    return true;
}

bool
recent_fingerprints_get (const recent_fingerprints_t *self,
                         const unsigned char key[RECENT_FINGERPRINT_KEY], uint64_t *report_id)
{
    size_t at = s_find (self, key);
    if (!self->slots[at])
        return false;
    *report_id = self->entries[self->slots[at] - 1].report_id;
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
            size_t home = s_home (self, self->entries[self->slots[next] - 1].key);
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
        assert (self->slots[at] == self->count + 1);
        size_t hidden = self->count;
        if (entry->seq & S_HID)
            while (hidden-- > 0
                   && memcmp (self->entries[hidden].key, entry->key, RECENT_FINGERPRINT_KEY) != 0)
                ;
        if (hidden < self->count)
            self->slots[at] = (uint32_t) hidden + 1;
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

/* Key order; of one key's entries, the one put last goes last. */
static int
s_key_then_seq (const s_entry_t *left, const s_entry_t *right)
{
    int order = memcmp (left->key, right->key, RECENT_FINGERPRINT_KEY);
    if (order)
        return order;
    uint64_t first = left->seq & ~S_HID, second = right->seq & ~S_HID;
    return first < second ? -1 : first > second;
}

static void
s_swap (s_entry_t *a, s_entry_t *b)
{
    s_entry_t kept = *a;
    *a = *b;
    *b = kept;
}

static void
s_sift_down (s_entry_t *entries, size_t root, size_t count)
{
    for (size_t child; (child = 2 * root + 1) < count; root = child) {
        if (child + 1 < count && s_key_then_seq (&entries[child], &entries[child + 1]) < 0)
            child++;
        if (s_key_then_seq (&entries[root], &entries[child]) >= 0)
            return;
        s_swap (&entries[root], &entries[child]);
    }
}

/* Heapsort, in place: glibc's qsort would allocate a copy of the
   entries (2 MiB for 65,536) a merge, and the free of a block that size
   raises malloc's threshold for mapping blocks of their own, so that
   later large blocks stay in the heap. */
static void
s_sort (s_entry_t *entries, size_t count)
{
    for (size_t root = count / 2; root-- > 0;)
        s_sift_down (entries, root, count);
    for (size_t end = count; end > 1;) {
        s_swap (&entries[0], &entries[--end]);
        s_sift_down (entries, 0, end);
    }
}

int
recent_fingerprints_take_sorted (recent_fingerprints_t *self, recent_fingerprints_fn *fn,
                                 void *argument)
{
    /* The entries themselves are sorted: the table is emptied after. */
    s_sort (self->entries, self->count);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < self->count; i++) {
        const s_entry_t *entry = &self->entries[i];
        bool last_of_key = i + 1 == self->count
                           || memcmp (entry->key, self->entries[i + 1].key, RECENT_FINGERPRINT_KEY)
                                  != 0;
        if (last_of_key)
            rc = fn (entry->key, entry->report_id, argument);
    }
    recent_fingerprints_clear (self);
    return rc;
}
