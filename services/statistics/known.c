/*  known: subjects whose unit and values are stored; see known.h. */
#include "known.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bs_store.h"
#include "bs_text.h"

#define S_ENTRIES_MAX 4096     /* subjects; then the set is emptied */
#define S_SLOTS 8192           /* a power of two, twice the entries */
#define S_BYTES_MAX (1u << 20) /* of subjects' bytes; then the set is emptied */

typedef struct {
    uint64_t hash;
    uint32_t at, size; /* its bytes in bytes */
    size_t txnid;      /* 0: known; else the transaction that put it (pending) */
} s_entry_t;

struct statistics_known {
    s_entry_t entries[S_ENTRIES_MAX];
    size_t count;
    uint32_t pending[S_ENTRIES_MAX]; /* the indexes of the entries with a txnid */
    size_t pending_count;
    uint32_t slots[S_SLOTS]; /* 0 empty, else entry index + 1 */
    char *bytes;
    size_t used, capacity;
    MDB_env *env; /* the store's, met with the first pending subject */
};

statistics_known_t *
statistics_known_new (void)
{
    return calloc (1, sizeof (statistics_known_t));
}

void
statistics_known_destroy (statistics_known_t **self_p)
{
    if (!*self_p)
        return;
    free ((*self_p)->bytes);
    free (*self_p);
    *self_p = NULL;
}

static void
s_empty (statistics_known_t *self)
{
    memset (self->slots, 0, sizeof self->slots);
    self->count = self->pending_count = self->used = 0;
}

static void
s_place (statistics_known_t *self, size_t index)
{
    size_t slot = self->entries[index].hash & (S_SLOTS - 1);
    while (self->slots[slot])
        slot = (slot + 1) & (S_SLOTS - 1);
    self->slots[slot] = (uint32_t) index + 1;
}

/* subject (size bytes, hash) as a new entry put in txnid; false when
   there is no room for it (nothing kept: the subject is put again). */
static bool
s_add (statistics_known_t *self, const void *subject, size_t size, uint64_t hash, size_t txnid)
{
    if (self->count == S_ENTRIES_MAX || self->used + size > S_BYTES_MAX)
        s_empty (self);
    if (self->used + size > self->capacity) {
        size_t more = self->capacity ? self->capacity * 2 : 16384;
        while (more < self->used + size)
            more *= 2;
        char *bytes = realloc (self->bytes, more);
        if (!bytes)
            return false;
        self->bytes = bytes;
        self->capacity = more;
    }
    memcpy (self->bytes + self->used, subject, size);
    self->entries[self->count] = (s_entry_t){
        .hash = hash, .at = (uint32_t) self->used, .size = (uint32_t) size, .txnid = txnid};
    self->used += size;
    self->pending[self->pending_count++] = (uint32_t) self->count;
    s_place (self, self->count++);
    return true;
}

bool
statistics_known_met (statistics_known_t *self, MDB_txn *txn, const void *subject, size_t size)
{
    uint64_t hash = bs_text_table_hash (subject, size);
    size_t txnid = mdb_txn_id (txn);
    for (size_t slot = hash & (S_SLOTS - 1); self->slots[slot]; slot = (slot + 1) & (S_SLOTS - 1)) {
        s_entry_t *entry = &self->entries[self->slots[slot] - 1];
        if (entry->hash != hash || entry->size != size
            || memcmp (self->bytes + entry->at, subject, size) != 0)
            continue;
        if (entry->txnid == 0 || entry->txnid == txnid)
            return true;
        /* put by a transaction no forget has settled: put again, in this one */
        entry->txnid = txnid;
        return false;
    }
    if (s_add (self, subject, size, hash, txnid))
        self->env = mdb_txn_env (txn);
    return false;
}

/* Only the entries known kept, their bytes moved together. */
static void
s_drop_pending (statistics_known_t *self)
{
    size_t kept = 0, used = 0;
    for (size_t i = 0; i < self->count; i++) {
        s_entry_t entry = self->entries[i];
        if (entry.txnid)
            continue;
        memmove (self->bytes + used, self->bytes + entry.at, entry.size);
        entry.at = (uint32_t) used;
        used += entry.size;
        self->entries[kept++] = entry;
    }
    memset (self->slots, 0, sizeof self->slots);
    self->count = kept;
    self->used = used;
    for (size_t i = 0; i < kept; i++)
        s_place (self, i);
}

void
statistics_known_forget (statistics_known_t *self)
{
    if (!self->pending_count)
        return;
    size_t committed = bs_store_txnid_committed (self->env);
    bool dropped = false;
    for (size_t i = 0; i < self->pending_count; i++) {
        s_entry_t *entry = &self->entries[self->pending[i]];
        if (entry->txnid > committed)
            dropped = true; /* its run did not commit */
        else
            entry->txnid = 0;
    }
    self->pending_count = 0;
    if (dropped)
        s_drop_pending (self);
}

void
statistics_known_count (const statistics_known_t *self, size_t *known, size_t *pending)
{
    *known = self->count - self->pending_count;
    *pending = self->pending_count;
}
