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

static void
s_apply (statistics_counters_t *row, const statistics_change_t *change)
{
    uint64_t amount = (uint64_t) (change->delta < 0 ? -change->delta : change->delta);
    uint64_t *slots = row->slot;
#define S_MOVE(slot, by)                                                                           \
    (slot) = change->delta >= 0 ? (slot) + (by) : ((slot) > (by) ? (slot) - (by) : 0)
    S_MOVE (slots[change->measure], amount);
    if (change->decision) {
        S_MOVE (slots[STATISTICS_DECIDED], amount);
        S_MOVE (slots[STATISTICS_DECISION_MS], amount * change->waited_ms);
        S_MOVE (slots[STATISTICS_MEASURES + statistics_bin_of (change->waited_ms)], amount);
    }
#undef S_MOVE
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
#define S_ROW_END 0xFF
#define S_ROW_MAX (STATISTICS_SLOTS * 11 + 1)
_Static_assert(STATISTICS_MEASURES < S_BIN_CODE && STATISTICS_BINS < S_ROW_END - S_BIN_CODE,
               "a slot's code fits a byte");

static size_t
s_write (const statistics_counters_t *row, unsigned char *out)
{
    size_t size = 0;
    for (size_t i = 0; i < STATISTICS_SLOTS; i++) {
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
   version's measures) are passed over. */
static void
s_read_sparse (const unsigned char *data, size_t size, statistics_counters_t *row)
{
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
            || (code >= S_BIN_CODE && code - S_BIN_CODE < STATISTICS_BINS))
            row->slot[slot] = value;
    }
}

/* A stored row: sparse (its size is not a multiple of 8), or, as earlier
   versions stored it, its measures then STATISTICS_BINS bins as native
   uint64_t. A row stored by a version with fewer measures has its bins
   earlier: they are moved to where the bins are now, and the measures it
   lacks read as zeros. */
static void
s_read (const MDB_val *value, statistics_counters_t *row)
{
    memset (row, 0, sizeof *row);
    if (value->mv_size % sizeof (uint64_t)) {
        s_read_sparse (value->mv_data, value->mv_size, row);
        return;
    }
    size_t slots = value->mv_size / sizeof (uint64_t);
    if (slots >= STATISTICS_SLOTS || slots <= STATISTICS_BINS) {
        size_t size = value->mv_size < sizeof *row ? value->mv_size : sizeof *row;
        memcpy (row, value->mv_data, size - size % sizeof (uint64_t));
        return;
    }
    size_t measures = slots - STATISTICS_BINS;
    memcpy (row->slot, value->mv_data, measures * sizeof (uint64_t));
    memcpy (row->slot + STATISTICS_MEASURES, (const uint64_t *) value->mv_data + measures,
            STATISTICS_BINS * sizeof (uint64_t));
}

/* Tally (figures.h): rows in an array, found by an open-addressing hash
   table of their indexes (linear probing; a table twice the rows at
   most, so probes stay short). Nothing is allocated per row, and
   forgetting empties only the slots used.

   A row is written the first time a turn counts it, as it was read, with
   the cursor still on it (rewritten in place when its size is the same):
   a row counted once costs what it did before the tally, one search of
   the tree. Counted again, it changes only in memory and is marked
   rewrite; statistics_tally_write writes those once more, in key order.
   So a turn costs one search per row it counts, and one more per row it
   counts twice or more, however many times. */

#define S_TALLY_ROWS 4096                /* rows held at most: 2.7 MB */
#define S_TALLY_SLOTS (2 * S_TALLY_ROWS) /* a power of two */

typedef struct {
    statistics_counters_t row; /* the counters, as counted so far */
    uint32_t slot;             /* its slot in the table */
    uint32_t length;           /* of key */
    bool rewrite;              /* counted since it was written */
    char key[S_KEY_MAX];       /* NUL-terminated */
} s_held_t;

/* A slice's rows met last. A turn's events come in runs of one unit, day
   and dimensions' values (a batch is one token's, so one unit's, sent
   the same day), and each count found each of its rows (a year, month
   and day for each basis and slice: 27 for a report of a batch) by
   making its key, hashing it and comparing it with the row's: about
   8,000 instructions a report (bench/README.md, issue 9). So each basis
   and dimension keeps the key prefix of the slice it counted last
   (s_prefix: basis, dimension, value, unit), the day, and the rows of
   that day's three buckets; a count with the same prefix and day finds
   its rows there. A row's key is all that identifies it, so these are
   the rows the table would find. Rows are held by index until the tally
   forgets them (a turn written or given up, the tally full), which makes
   every slice's last rows stale: they are kept with the tally's
   generation, counted up by each forgetting. */
typedef struct {
    uint64_t generation;             /* the tally's when kept; 0: none */
    uint32_t rows[3];                /* index + 1 of the year's, month's, day's row; 0: none */
    uint32_t length;                 /* of prefix */
    char day[STATISTICS_BUCKET_MAX]; /* the day bucket, NUL-terminated */
    char prefix[S_KEY_MAX];          /* the slice's keys up to the bucket */
} s_last_t;

struct statistics_tally {
    s_held_t *rows;      /* S_TALLY_ROWS, count used, in the order first met */
    size_t count;        /* rows held */
    uint32_t *slots;     /* S_TALLY_SLOTS: 0 empty, else index + 1 into rows */
    uint32_t *order;     /* S_TALLY_ROWS: the rows to write, sorted by key */
    uint64_t generation; /* counted up each time the rows are forgotten */
    s_last_t last[STATISTICS_BASES][STATISTICS_DIMENSIONS]; /* each slice's rows met last */
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
    self->order = malloc (S_TALLY_ROWS * sizeof *self->order);
    if (!self->rows || !self->slots || !self->order)
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
    free (self->order);
    free (self);
    *self_p = NULL;
}

void
statistics_tally_forget (statistics_tally_t *self)
{
    for (size_t i = 0; i < self->count; i++)
        self->slots[self->rows[i].slot] = 0;
    self->count = 0;
    self->generation++; /* the slices' last rows with the rows */
}

/* qsort_r's comparison of two indexes into rows by their keys. */
static int
s_held_order (const void *left, const void *right, void *rows)
{
    const s_held_t *a = (const s_held_t *) rows + *(const uint32_t *) left;
    const s_held_t *b = (const s_held_t *) rows + *(const uint32_t *) right;
    return strcmp (a->key, b->key); /* no key holds a NUL: the order of LMDB's memcmp */
}

int
statistics_tally_write (statistics_tally_t *self, MDB_txn *txn, MDB_dbi figures)
{
    size_t count = 0;
    for (uint32_t i = 0; i < self->count; i++)
        if (self->rows[i].rewrite)
            self->order[count++] = i;
    /* In key order, a row's leaf page is often the one the last row was
       written to, which LMDB's cursor checks before searching the tree. */
    qsort_r (self->order, count, sizeof *self->order, s_held_order, self->rows);
    MDB_cursor *cursor = NULL;
    int rc = count ? mdb_cursor_open (txn, figures, &cursor) : 0;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        const s_held_t *held = &self->rows[self->order[i]];
        unsigned char stored[S_ROW_MAX];
        MDB_val k = {held->length, (void *) held->key};
        MDB_val v = {s_write (&held->row, stored), stored};
        rc = bs_store_cursor_put (cursor, &k, &v, 0);
    }
    if (cursor)
        mdb_cursor_close (cursor);
    statistics_tally_forget (self);
    return rc;
}

/* Store held's row at its key, where cursor stands after reading the
   row there (stored bytes; 0: there was none). */
static int
s_store (MDB_cursor *cursor, const s_held_t *held, size_t stored)
{
    unsigned char bytes[S_ROW_MAX];
    MDB_val k = {held->length, (void *) held->key};
    MDB_val v = {s_write (&held->row, bytes), bytes};
    return bs_store_cursor_put (cursor, &k, &v, stored == v.mv_size ? MDB_CURRENT : 0);
}

/* The row at key, held; the first time, read from figures with *cursor
   (opened then, if NULL: the caller closes it; the next bucket's key is
   mostly on the same page) and *stored set to its stored bytes (0: no
   such row), else *stored is SIZE_MAX. */
static int
s_tally_row (statistics_tally_t *self, MDB_txn *txn, MDB_dbi figures, MDB_cursor **cursor,
             const char *key, size_t length, s_held_t **row, size_t *stored)
{
    uint32_t slot = (uint32_t) bs_text_table_hash (key, length) & (S_TALLY_SLOTS - 1);
    for (; self->slots[slot]; slot = (slot + 1) & (S_TALLY_SLOTS - 1)) {
        s_held_t *held = &self->rows[self->slots[slot] - 1];
        if (held->length == length && memcmp (held->key, key, length) == 0) {
            *row = held;
            *stored = SIZE_MAX;
            return 0;
        }
    }
    if (self->count == S_TALLY_ROWS) { /* full: written, and the slots with them */
        int rc = statistics_tally_write (self, txn, figures);
        if (rc)
            return rc;
        return s_tally_row (self, txn, figures, cursor, key, length, row, stored);
    }
    s_held_t *held = &self->rows[self->count];
    MDB_val k = {length, (void *) key}, v;
    int rc = *cursor ? 0 : mdb_cursor_open (txn, figures, cursor);
    if (rc == 0)
        rc = mdb_cursor_get (*cursor, &k, &v, MDB_SET);
    *stored = 0;
    if (rc == MDB_NOTFOUND)
        memset (&held->row, 0, sizeof held->row);
    else if (rc == 0) {
        s_read (&v, &held->row);
        *stored = v.mv_size;
    } else
        return rc;
    held->slot = slot;
    held->length = (uint32_t) length;
    held->rewrite = false;
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

/* Whether last holds the rows of the slice whose key prefix s_prefix
   makes of value (value_size bytes) and unit (unit_size) for day (its
   bucket, day_size bytes). */
static bool
s_last_is (const statistics_tally_t *tally, const s_last_t *last, const char *value,
           size_t value_size, const char *unit, size_t unit_size, const char *day, size_t day_size)
{
    return last->generation == tally->generation
           && last->length == 4 + value_size + 1 + unit_size + 1
           && memcmp (last->day, day, day_size + 1) == 0
           && memcmp (last->prefix + 4, value, value_size) == 0
           && memcmp (last->prefix + 4 + value_size + 1, unit, unit_size) == 0;
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
    MDB_cursor *cursor = NULL;
    int rc = 0;
    for (int d = 0; rc == 0 && d < STATISTICS_DIMENSIONS; d++) {
        const char *value = d == STATISTICS_DIMENSION_TOTAL ? "" : subject->values[d];
        if (d != STATISTICS_DIMENSION_TOTAL && (!value || !*value))
            continue;
        s_last_t *last = &tally->last[basis][d];
        size_t value_size = strlen (value);
        if (s_last_is (tally, last, value, value_size, subject->unit, unit_size, buckets[2],
                       sizes[2])) {
            for (int b = 0; b < 3; b++) {
                if (!last->rows[b])
                    continue;
                s_held_t *held = &tally->rows[last->rows[b] - 1];
                s_apply (&held->row, change);
                held->rewrite = true; /* held since the count that kept it */
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
            size_t stored;
            rc = s_tally_row (tally, txn, figures, &cursor, key, prefix + sizes[b], &held, &stored);
            if (rc)
                break;
            s_apply (&held->row, change);
            if (stored == SIZE_MAX)
                held->rewrite = true;
            else
                rc = s_store (cursor, held, stored);
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
