/*  figures: the aggregates of statistics; see figures.h. */
#include "figures.h"

#include "bs_store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_text.h"

#define S_KEY_MAX (4 + BS_NAME_MAX + BS_UNIT_MAX + STATISTICS_BUCKET_MAX + 8)

static const char s_basis_codes[] = {'p', 'd', 'r'};
static const char *const s_basis_names[] = {"published", "decided", "received"};
static const char s_dimension_codes[] = {'-', 'c', 'k', 't', 'p', 'a'};
static const char *const s_dimension_names[] = {"",      "channel",    "kind",
                                                "topic", "periodical", "author"};

const char *
statistics_basis_name (statistics_basis_t basis)
{
    return basis < STATISTICS_BASES ? s_basis_names[basis] : NULL;
}

int
statistics_basis_named (const char *name)
{
    if (!name || !*name)
        return STATISTICS_BASIS_PUBLISHED;
    for (int i = 0; i < STATISTICS_BASES; i++)
        if (strcmp (name, s_basis_names[i]) == 0)
            return i;
    return -1;
}

const char *
statistics_dimension_name (statistics_dimension_t dimension)
{
    return dimension < STATISTICS_DIMENSIONS ? s_dimension_names[dimension] : NULL;
}

int
statistics_dimension_named (const char *name)
{
    for (int i = 0; i < STATISTICS_DIMENSIONS; i++)
        if (strcmp (name ? name : "", s_dimension_names[i]) == 0)
            return i;
    return -1;
}

/* Append text to key (of length *length, at most S_KEY_MAX - 1 bytes:
   what does not fit is cut, as snprintf would). */
static void
s_key_put (char *key, size_t *length, const char *text, size_t size)
{
    size_t room = S_KEY_MAX - 1 - *length;
    size_t taken = size < room ? size : room;
    memcpy (key + *length, text, taken);
    *length += taken;
}

/* The key of a slice's unit up to the bucket ("p\x1f-\x1f\x1f滑縣\x1f"),
   written byte by byte: every count writes dozens of these. */
static size_t
s_prefix (char *key, statistics_basis_t basis, statistics_dimension_t dimension, const char *value,
          const char *unit)
{
    key[0] = s_basis_codes[basis];
    key[1] = '\x1f';
    key[2] = s_dimension_codes[dimension];
    key[3] = '\x1f';
    size_t length = 4;
    value = value ? value : "";
    s_key_put (key, &length, value, strlen (value));
    s_key_put (key, &length, "\x1f", 1);
    s_key_put (key, &length, unit, strlen (unit));
    s_key_put (key, &length, "\x1f", 1);
    key[length] = 0;
    return length;
}

/* Apply change to row; returns a bit for each slot it moved (figures.c's
   tally keeps them: s_write looks at those slots only). */
static uint64_t
s_apply (statistics_counters_t *row, const statistics_change_t *change)
{
    uint64_t amount = (uint64_t) (change->delta < 0 ? -change->delta : change->delta);
    uint64_t *slots = row->slot;
#define S_MOVE(slot, by)                                                                           \
    (slot) = change->delta >= 0 ? (slot) + (by) : ((slot) > (by) ? (slot) - (by) : 0)
    S_MOVE (slots[change->measure], amount);
    uint64_t moved = UINT64_C (1) << change->measure;
    if (change->decision) {
        size_t bin = STATISTICS_MEASURES + statistics_bin_of (change->waited_ms);
        S_MOVE (slots[STATISTICS_DECIDED], amount);
        S_MOVE (slots[STATISTICS_DECISION_MS], amount * change->waited_ms);
        S_MOVE (slots[bin], amount);
        moved |= UINT64_C (1) << STATISTICS_DECIDED | UINT64_C (1) << STATISTICS_DECISION_MS
                 | UINT64_C (1) << bin;
    }
#undef S_MOVE
    return moved;
}

/* A row is stored sparse (S_ROW_MAX bytes at most): for each slot that
   is not zero, in order, its code (a measure's index, or S_BIN_CODE plus
   a bin's, so that adding a measure moves no bin) and its value in
   LEB128 (7 bits a byte, low first, the high bit set on every byte but
   the last); when that makes a multiple of 8 bytes, S_ROW_END ends it.
   Most slots of a row are zero (a unit's day in one channel has a
   submitted and little else), so a row takes a few bytes instead of one
   uint64_t per slot: a leaf page holds several times the rows, and a turn
   dirties, and a period reads, that many times fewer pages. */
#define S_BIN_CODE 128
#define S_ALL_SLOTS (STATISTICS_SLOTS == 64 ? UINT64_MAX : (UINT64_C (1) << STATISTICS_SLOTS) - 1)
#define S_ROW_END 0xFF
#define S_ROW_MAX (STATISTICS_SLOTS * 11 + 1)
_Static_assert(STATISTICS_MEASURES < S_BIN_CODE && STATISTICS_BINS < S_ROW_END - S_BIN_CODE,
               "a slot's code fits a byte");

/* row stored sparse into out; used: a bit for each slot that may not be
   zero (the others are not looked at). */
static size_t
s_write (const statistics_counters_t *row, uint64_t used, unsigned char *out)
{
    size_t size = 0;
    for (; used; used &= used - 1) {
        size_t i = (size_t) __builtin_ctzll (used); /* in order: the lowest slot first */
        uint64_t value = row->slot[i];
        if (!value)
            continue;
        out[size++] =
            (unsigned char) (i < STATISTICS_MEASURES ? i : S_BIN_CODE + i - STATISTICS_MEASURES);
        do {
            unsigned char low = value & 0x7F;
            value >>= 7;
            out[size++] = value ? low | 0x80 : low;
        } while (value);
    }
    if (size % sizeof (uint64_t) == 0)
        out[size++] = S_ROW_END;
    return size;
}

/* A sparse row (s_write); codes this version does not know (a later
   version's measures) are passed over. Returns a bit for each slot read. */
static uint64_t
s_read_sparse (const unsigned char *data, size_t size, statistics_counters_t *row)
{
    uint64_t used = 0;
    const unsigned char *end = data + size;
    while (data < end && *data != S_ROW_END) {
        unsigned code = *data++;
        uint64_t value = 0;
        for (unsigned shift = 0; data < end; shift += 7) {
            unsigned char byte = *data++;
            if (shift < 64)
                value |= (uint64_t) (byte & 0x7F) << shift;
            if (!(byte & 0x80))
                break;
        }
        size_t slot = code < S_BIN_CODE ? code : STATISTICS_MEASURES + code - S_BIN_CODE;
        if ((code < S_BIN_CODE && code < STATISTICS_MEASURES)
            || (code >= S_BIN_CODE && code - S_BIN_CODE < STATISTICS_BINS)) {
            row->slot[slot] = value;
            used |= UINT64_C (1) << slot;
        }
    }
    return used;
}

/* A stored row: sparse (its size is not a multiple of 8), or, as earlier
   versions stored it, its measures then STATISTICS_BINS bins as native
   uint64_t. A row stored by a version with fewer measures has its bins
   earlier: they are moved to where the bins are now, and the measures it
   lacks read as zeros. Returns a bit for each slot that may not be zero
   (s_write). */
static uint64_t
s_read (const MDB_val *value, statistics_counters_t *row)
{
    memset (row, 0, sizeof *row);
    if (value->mv_size % sizeof (uint64_t))
        return s_read_sparse (value->mv_data, value->mv_size, row);
    size_t slots = value->mv_size / sizeof (uint64_t);
    if (slots >= STATISTICS_SLOTS || slots <= STATISTICS_BINS) {
        size_t size = value->mv_size < sizeof *row ? value->mv_size : sizeof *row;
        memcpy (row, value->mv_data, size - size % sizeof (uint64_t));
        return S_ALL_SLOTS;
    }
    size_t measures = slots - STATISTICS_BINS;
    memcpy (row->slot, value->mv_data, measures * sizeof (uint64_t));
    memcpy (row->slot + STATISTICS_MEASURES, (const uint64_t *) value->mv_data + measures,
            STATISTICS_BINS * sizeof (uint64_t));
    return S_ALL_SLOTS;
}

/* Tally (figures.h): rows in an array, found by an open-addressing hash
   table of their indexes (linear probing; a table twice the rows at
   most, so probes stay short). Nothing is allocated per row, and
   emptying clears only the slots used.

   A row is read from figures the first time a count meets it and is
   then counted in memory; the rows counted since the last write are
   dirty, and statistics_tally_write puts each once, walking every row
   held in key order (the rows held are kept sorted: a turn that meets
   no new row sorts nothing).
   The rows stay held after that, as the transaction they were written
   in has them: when it has committed (the store's last committed
   transaction is it or later, at the forget that begins the next run),
   they are what figures holds, and the next runs count them without
   reading them again. Measure 2's turns count each unit's rows under
   three bases turn after turn; a search of the tree and a read a row a
   turn were a third of statistics' instructions (bench/README.md). When
   the run that wrote them did not commit, or rows were counted and not
   written (a run or an event given up), every row is dropped and read
   again: only statistics' writer puts rows in figures, so a row held
   from a committed run is never stale. A restart holds nothing. */

#define S_TALLY_ROWS 4096                /* rows held at most: 2.7 MB */
#define S_TALLY_SLOTS (2 * S_TALLY_ROWS) /* a power of two */

typedef struct {
    statistics_counters_t row; /* the counters, as counted so far */
    uint64_t used;             /* a bit for each slot that may not be zero */
    uint32_t slot;             /* its slot in the table */
    uint32_t length;           /* of key */
    bool dirty;                /* counted since it was written */
    char key[S_KEY_MAX];       /* NUL-terminated */
} s_held_t;
_Static_assert(STATISTICS_SLOTS <= 64, "a row's slots in used");

/* The slices met: a slice (basis, dimension, value, unit) and day with
   the rows of that day's three buckets. A count found each of its rows
   (a year, month and day for each basis and slice: 27 for a report of a
   batch) by making its key, hashing it and comparing it with the row's;
   with the rows held across turns, that was most of what a count cost
   (bench/README.md, issue 9). So the slices met are kept in a table of
   S_SLICES, two ways a hash (of the unit, the value, the day, the basis
   and the dimension, each text hashed once a count): a count whose slice
   and day are there finds its rows by index. A row's key is all that
   identifies it, so these are the rows the table would find. Rows are
   held by index until the tally lets them go (a run given up, the tally
   full), which makes every slice met stale: they are kept with the
   tally's generation, counted up each time. Measure 2 interleaves
   units in a turn, where the last slice of each basis and dimension,
   all that was kept before, was found for one count in six. */
#define S_SLICES 2048 /* a power of two */

typedef struct {
    uint64_t generation;             /* the tally's when kept; 0: none */
    uint64_t hash;                   /* s_slice_hash */
    uint32_t rows[3];                /* index + 1 of the year's, month's, day's row; 0: none */
    uint32_t length;                 /* of prefix */
    char day[STATISTICS_BUCKET_MAX]; /* the day bucket, NUL-terminated */
    char prefix[S_KEY_MAX];          /* the slice's keys up to the bucket */
} s_last_t;

struct statistics_tally {
    s_held_t *rows;   /* S_TALLY_ROWS, count used, in the order first met */
    size_t count;     /* rows held */
    uint32_t *slots;  /* S_TALLY_SLOTS: 0 empty, else index + 1 into rows */
    uint32_t *sorted; /* S_TALLY_ROWS: the indexes of the first sorted_count rows,
                         in key order (the rows met since come after) */
    size_t sorted_count;
    uint32_t *met;       /* S_TALLY_ROWS: room to sort the rows met since */
    size_t dirty;        /* rows counted since the last write */
    size_t written;      /* the transaction the rows were written in, not yet
                            seen committed; 0: none */
    MDB_env *env;        /* the store's, met at the first write */
    uint64_t generation; /* counted up each time the rows are let go */
    s_last_t *slices;    /* S_SLICES: the slices met */
};

statistics_tally_t *
statistics_tally_new (void)
{
    statistics_tally_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->generation = 1; /* a slice's last rows with 0 are none */
    self->rows = malloc (S_TALLY_ROWS * sizeof *self->rows);
    self->slots = calloc (S_TALLY_SLOTS, sizeof *self->slots);
    self->sorted = malloc (S_TALLY_ROWS * sizeof *self->sorted);
    self->met = malloc (S_TALLY_ROWS * sizeof *self->met);
    self->slices = calloc (S_SLICES, sizeof *self->slices);
    if (!self->rows || !self->slots || !self->sorted || !self->met || !self->slices)
        statistics_tally_destroy (&self);
    return self;
}

void
statistics_tally_destroy (statistics_tally_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    statistics_tally_t *self = *self_p;
    free (self->rows);
    free (self->slots);
    free (self->sorted);
    free (self->met);
    free (self->slices);
    free (self);
    *self_p = NULL;
}

/* Hold no row (the slices' last rows with them). */
static void
s_empty (statistics_tally_t *self)
{
    for (size_t i = 0; i < self->count; i++)
        self->slots[self->rows[i].slot] = 0;
    self->count = self->sorted_count = 0;
    self->dirty = 0;
    self->written = 0;
    self->generation++;
}

void
statistics_tally_forget (statistics_tally_t *self)
{
    if (!self->dirty && self->written && bs_store_txnid_committed (self->env) >= self->written)
        self->written = 0; /* committed: what figures holds */
    if (self->dirty || self->written)
        s_empty (self); /* counted in, or written in, a run that did not commit */
}

void
statistics_tally_count (const statistics_tally_t *self, size_t *held, size_t *dirty)
{
    *held = self->count;
    *dirty = self->dirty;
}

/* qsort_r's comparison of two indexes into rows by their keys. */
static int
s_held_order (const void *left, const void *right, void *rows)
{
    const s_held_t *a = (const s_held_t *) rows + *(const uint32_t *) left;
    const s_held_t *b = (const s_held_t *) rows + *(const uint32_t *) right;
    return strcmp (a->key, b->key); /* no key holds a NUL: the order of LMDB's memcmp */
}

/* The rows met since the last sort, sorted and merged into sorted: a
   turn of rows held before sorts nothing (most turns, once the rows of
   the day are met), where sorting its rows to write was a fifth of
   writing them. */
static void
s_sort (statistics_tally_t *self)
{
    size_t held = self->sorted_count, met = self->count - held;
    if (!met)
        return;
    for (size_t i = 0; i < met; i++)
        self->met[i] = (uint32_t) (held + i);
    qsort_r (self->met, met, sizeof *self->met, s_held_order, self->rows);
    /* merged from the end, in place: sorted has room for every row */
    const s_held_t *rows = self->rows;
    size_t i = held, j = met, k = held + met;
    while (j > 0) {
        if (i > 0 && strcmp (rows[self->sorted[i - 1]].key, rows[self->met[j - 1]].key) > 0)
            self->sorted[--k] = self->sorted[--i];
        else
            self->sorted[--k] = self->met[--j];
    }
    self->sorted_count = self->count;
}

/* Put the dirty rows into figures, in key order, and mark them clean.
   Returns 0 or an LMDB error code (then some may be written, some not). */
static int
s_write_dirty (statistics_tally_t *self, MDB_txn *txn, MDB_dbi figures)
{
    if (!self->dirty)
        return 0;
    s_sort (self);
    /* In key order, a row's leaf page is often the one the last row was
       written to, which LMDB's cursor checks before searching the tree;
       and often the row is the very next entry (a slice's year, month
       and day of this month's first day, or the next slice's year after
       a slice's last day), which the cursor steps to and replaces
       without a search. */
    MDB_cursor *cursor = NULL;
    int rc = mdb_cursor_open (txn, figures, &cursor);
    bool placed = false; /* the cursor stands on the row written last */
    for (size_t i = 0; rc == 0 && i < self->count; i++) {
        s_held_t *held = &self->rows[self->sorted[i]];
        if (!held->dirty)
            continue;
        unsigned char stored[S_ROW_MAX];
        MDB_val k = {held->length, held->key}, next, ignored;
        MDB_val v = {s_write (&held->row, held->used, stored), stored};
        bool current = placed && mdb_cursor_get (cursor, &next, &ignored, MDB_NEXT) == 0
                       && next.mv_size == k.mv_size
                       && memcmp (next.mv_data, k.mv_data, k.mv_size) == 0;
        rc = bs_store_cursor_put (cursor, &k, &v, current ? MDB_CURRENT : 0);
        placed = rc == 0;
        held->dirty = false;
    }
    if (cursor)
        mdb_cursor_close (cursor);
    self->dirty = 0;
    return rc;
}

int
statistics_tally_write (statistics_tally_t *self, MDB_txn *txn, MDB_dbi figures)
{
    int rc = s_write_dirty (self, txn, figures);
    if (rc) {
        s_empty (self);
        return rc;
    }
    self->written = mdb_txn_id (txn);
    self->env = mdb_txn_env (txn);
    return 0;
}

/* The row at key, held; the first time,
   read from figures with *cursor (opened then, if NULL: the caller closes
   it; the next bucket's key is mostly on the same page). */
static int
s_tally_row (statistics_tally_t *self, MDB_txn *txn, MDB_dbi figures, MDB_cursor **cursor,
             const char *key, size_t length, s_held_t **row)
{
    uint32_t slot = (uint32_t) bs_text_table_hash (key, length) & (S_TALLY_SLOTS - 1);
    for (; self->slots[slot]; slot = (slot + 1) & (S_TALLY_SLOTS - 1)) {
        s_held_t *held = &self->rows[self->slots[slot] - 1];
        if (held->length == length && memcmp (held->key, key, length) == 0) {
            *row = held;
            return 0;
        }
    }
    if (self->count == S_TALLY_ROWS) { /* full: the dirty rows written, and every row let go */
        int rc = s_write_dirty (self, txn, figures);
        s_empty (self);
        if (rc)
            return rc;
        return s_tally_row (self, txn, figures, cursor, key, length, row);
    }
    s_held_t *held = &self->rows[self->count];
    MDB_val k = {length, (void *) key}, v;
    int rc = *cursor ? 0 : mdb_cursor_open (txn, figures, cursor);
    if (rc == 0)
        rc = mdb_cursor_get (*cursor, &k, &v, MDB_SET);
    if (rc == MDB_NOTFOUND) {
        memset (&held->row, 0, sizeof held->row);
        held->used = 0;
    } else if (rc == 0)
        held->used = s_read (&v, &held->row);
    else
        return rc;
    held->slot = slot;
    held->length = (uint32_t) length;
    held->dirty = false; /* until counted (s_count) */
    memcpy (held->key, key, length);
    held->key[length] = 0;
    self->slots[slot] = (uint32_t) ++self->count;
    *row = held;
    return 0;
}

int
statistics_figures_seen (MDB_txn *txn, MDB_dbi values, const statistics_subject_t *subject)
{
    int rc = 0;
    for (int d = STATISTICS_DIMENSION_TOTAL + 1; rc == 0 && d < STATISTICS_DIMENSIONS; d++) {
        const char *value = subject->values[d];
        if (!value || !*value)
            continue;
        /* "<dimension>\x1f<value>", an author's "a\x1f<unit>\x1f<author>" */
        char key[S_KEY_MAX];
        key[0] = s_dimension_codes[d];
        key[1] = '\x1f';
        size_t length = 2;
        if (d == STATISTICS_DIMENSION_AUTHOR) {
            s_key_put (key, &length, subject->unit, strlen (subject->unit));
            s_key_put (key, &length, "\x1f", 1);
        }
        s_key_put (key, &length, value, strlen (value));
        MDB_val k = {length, key}, v = {0, ""};
        rc = bs_store_put (txn, values, &k, &v, MDB_NOOVERWRITE);
        rc = rc == MDB_KEYEXIST ? 0 : rc;
    }
    return rc;
}

/* The hash of a slice and day: its texts' hashes (bs_text_table_hash),
   its basis and dimension. */
static uint64_t
s_slice_hash (uint64_t unit, uint64_t value, uint64_t day, statistics_basis_t basis,
              statistics_dimension_t dimension)
{
    uint64_t hash = bs_text_table_start (3);
    hash = bs_text_table_word (hash, unit);
    hash = bs_text_table_word (hash, value);
    hash = bs_text_table_word (hash, day ^ ((uint64_t) basis << 8 | (uint64_t) dimension));
    return bs_text_table_end (hash);
}

/* Whether last holds the rows of the slice whose key prefix s_prefix
   makes of basis, dimension, value (value_size bytes) and unit
   (unit_size) for day (its bucket, day_size bytes); hash is theirs. */
static bool
s_last_is (const statistics_tally_t *tally, const s_last_t *last, uint64_t hash,
           statistics_basis_t basis, statistics_dimension_t dimension, const char *value,
           size_t value_size, const char *unit, size_t unit_size, const char *day, size_t day_size)
{
    return last->generation == tally->generation && last->hash == hash
           && last->length == 4 + value_size + 1 + unit_size + 1
           && last->prefix[0] == s_basis_codes[basis]
           && last->prefix[2] == s_dimension_codes[dimension]
           && memcmp (last->day, day, day_size + 1) == 0
           && memcmp (last->prefix + 4, value, value_size) == 0
           && memcmp (last->prefix + 4 + value_size + 1, unit, unit_size) == 0;
}

/* Where the slice of hash is kept, or is to be kept: of its two ways,
   the one that holds it, else a stale one, else the one hash picks. */
static s_last_t *
s_slice_find (statistics_tally_t *tally, uint64_t hash, statistics_basis_t basis,
              statistics_dimension_t dimension, const char *value, size_t value_size,
              const char *unit, size_t unit_size, const char *day, size_t day_size, bool *found)
{
    s_last_t *ways = &tally->slices[hash & (S_SLICES - 2)];
    for (int w = 0; w < 2; w++)
        if (s_last_is (tally, &ways[w], hash, basis, dimension, value, value_size, unit, unit_size,
                       day, day_size)) {
            *found = true;
            return &ways[w];
        }
    *found = false;
    for (int w = 0; w < 2; w++)
        if (ways[w].generation != tally->generation)
            return &ways[w];
    return &ways[hash >> 63];
}

/* Count change in held, dirty from now on. */
static void
s_count (statistics_tally_t *tally, s_held_t *held, const statistics_change_t *change)
{
    held->used |= s_apply (&held->row, change);
    if (!held->dirty) {
        held->dirty = true;
        tally->dirty++;
    }
}

int
statistics_figures_add (statistics_tally_t *tally, MDB_txn *txn, MDB_dbi figures,
                        statistics_basis_t basis, uint64_t at, const statistics_subject_t *subject,
                        const statistics_change_t *change, statistics_counters_t *month_total)
{
    char buckets[3][STATISTICS_BUCKET_MAX];
    statistics_buckets_of (at, buckets[0], buckets[1], buckets[2]);
    size_t sizes[3] = {strlen (buckets[0]), strlen (buckets[1]), strlen (buckets[2])};
    size_t unit_size = strlen (subject->unit);
    uint64_t unit_hash = bs_text_table_hash (subject->unit, unit_size);
    uint64_t day_hash = bs_text_table_hash (buckets[2], sizes[2]);
    MDB_cursor *cursor = NULL;
    int rc = 0;
    for (int d = 0; rc == 0 && d < STATISTICS_DIMENSIONS; d++) {
        const char *value = d == STATISTICS_DIMENSION_TOTAL ? "" : subject->values[d];
        if (d != STATISTICS_DIMENSION_TOTAL && (!value || !*value))
            continue;
        size_t value_size = strlen (value);
        uint64_t hash = s_slice_hash (unit_hash, bs_text_table_hash (value, value_size), day_hash,
                                      basis, (statistics_dimension_t) d);
        bool found;
        s_last_t *last =
            s_slice_find (tally, hash, basis, (statistics_dimension_t) d, value, value_size,
                          subject->unit, unit_size, buckets[2], sizes[2], &found);
        if (found) {
            for (int b = 0; b < 3; b++) {
                if (!last->rows[b])
                    continue;
                s_held_t *held = &tally->rows[last->rows[b] - 1];
                s_count (tally, held, change);
                if (month_total && d == STATISTICS_DIMENSION_TOTAL && b == 1)
                    *month_total = held->row;
            }
            continue;
        }
        char key[S_KEY_MAX];
        size_t prefix = s_prefix (key, basis, (statistics_dimension_t) d, value, subject->unit);
        uint64_t generation = tally->generation;
        uint32_t rows[3] = {0, 0, 0};
        for (int b = 0; rc == 0 && b < 3; b++) {
            if (prefix + sizes[b] >= S_KEY_MAX)
                continue;
            memcpy (key + prefix, buckets[b], sizes[b] + 1);
            s_held_t *held;
            rc = s_tally_row (tally, txn, figures, &cursor, key, prefix + sizes[b], &held);
            if (rc)
                break;
            s_count (tally, held, change);
            if (month_total && d == STATISTICS_DIMENSION_TOTAL && b == 1)
                *month_total = held->row;
            rows[b] = (uint32_t) (held - tally->rows) + 1;
        }
        /* kept with the generation the rows were met in: stale already
           if the tally was full and let them go meanwhile; not kept when
           the prefix was cut (S_KEY_MAX) */
        last->generation = 0;
        if (rc == 0 && prefix == 4 + value_size + 1 + unit_size + 1) {
            memcpy (last->rows, rows, sizeof rows);
            memcpy (last->day, buckets[2], sizes[2] + 1);
            memcpy (last->prefix, key, prefix);
            last->length = (uint32_t) prefix;
            last->hash = hash;
            last->generation = generation;
        }
    }
    if (cursor)
        mdb_cursor_close (cursor);
    return rc;
}

static void
s_sum (statistics_counters_t *sum, const statistics_counters_t *row)
{
    for (size_t i = 0; i < STATISTICS_SLOTS; i++)
        sum->slot[i] += row->slot[i];
}

int
statistics_figures_sum (MDB_cursor *cursor, statistics_basis_t basis,
                        statistics_dimension_t dimension, const char *value, const char *unit,
                        const statistics_period_t *period, statistics_counters_t *sum)
{
    char first[S_KEY_MAX], last[S_KEY_MAX];
    size_t prefix = s_prefix (first, basis, dimension, value, unit);
    memcpy (last, first, prefix);
    for (size_t s = 0; s < period->count; s++) {
        const statistics_span_t *span = &period->spans[s];
        snprintf (first + prefix, S_KEY_MAX - prefix, "%s", span->first);
        snprintf (last + prefix, S_KEY_MAX - prefix, "%s", span->last);
        MDB_val key = {strlen (first), first}, row_value;
        MDB_val bound = {strlen (last), last};
        int rc = mdb_cursor_get (cursor, &key, &row_value, MDB_SET_RANGE);
        while (rc == 0) {
            size_t common = key.mv_size < bound.mv_size ? key.mv_size : bound.mv_size;
            int order = memcmp (key.mv_data, bound.mv_data, common);
            if (order > 0 || (order == 0 && key.mv_size > bound.mv_size))
                break;
            statistics_counters_t row;
            s_read (&row_value, &row);
            s_sum (sum, &row);
            rc = mdb_cursor_get (cursor, &key, &row_value, MDB_NEXT);
        }
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    return 0;
}

int
statistics_figures_values (MDB_txn *txn, MDB_dbi values, statistics_dimension_t dimension,
                           const char *unit, statistics_value_fn *fn, void *argument)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, values, &cursor);
    if (rc)
        return rc;
    char start[4 + BS_UNIT_MAX + 1];
    bool one_unit = dimension == STATISTICS_DIMENSION_AUTHOR && unit && *unit;
    int written = snprintf (start, sizeof start, "%c\x1f%s%s", s_dimension_codes[dimension],
                            one_unit ? unit : "", one_unit ? "\x1f" : "");
    size_t prefix = written > 0 && (size_t) written < sizeof start ? (size_t) written : 2;
    MDB_val key = {prefix, start}, value;
    rc = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    while (rc == 0 && key.mv_size >= prefix && memcmp (key.mv_data, start, prefix) == 0) {
        char text[BS_UNIT_MAX + BS_NAME_MAX + 2];
        size_t length = key.mv_size - 2 < sizeof text - 1 ? key.mv_size - 2 : sizeof text - 1;
        memcpy (text, (char *) key.mv_data + 2, length);
        text[length] = 0;
        rc = fn (text, argument);
        if (rc == 0)
            rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    return rc == MDB_NOTFOUND ? 0 : rc;
}
