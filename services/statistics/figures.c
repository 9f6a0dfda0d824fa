/*  figures: the aggregates of statistics; see figures.h. */
#include "figures.h"

#include <stdio.h>
#include <string.h>

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

/* Apply change to the row at key: one search for a row that exists (the
   cursor stays on it and the row is rewritten in place when its size
   has not changed), two for a new one. */
static int
s_add_row (MDB_cursor *cursor, const char *key, size_t length, const statistics_change_t *change,
           statistics_counters_t *after)
{
    MDB_val k = {length, (void *) key}, v;
    statistics_counters_t row;
    int rc = mdb_cursor_get (cursor, &k, &v, MDB_SET);
    if (rc == MDB_NOTFOUND)
        memset (&row, 0, sizeof row);
    else if (rc)
        return rc;
    else
        s_read (&v, &row);
    s_apply (&row, change);
    unsigned char stored[S_ROW_MAX];
    size_t size = s_write (&row, stored);
    bool in_place = rc == 0 && v.mv_size == size;
    k = (MDB_val){length, (void *) key};
    v = (MDB_val){size, stored};
    rc = mdb_cursor_put (cursor, &k, &v, in_place ? MDB_CURRENT : 0);
    if (rc == 0 && after)
        *after = row;
    return rc;
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
        rc = mdb_put (txn, values, &k, &v, MDB_NOOVERWRITE);
        rc = rc == MDB_KEYEXIST ? 0 : rc;
    }
    return rc;
}

int
statistics_figures_add (MDB_txn *txn, MDB_dbi figures, statistics_basis_t basis, uint64_t at,
                        const statistics_subject_t *subject, const statistics_change_t *change,
                        statistics_counters_t *month_total)
{
    char buckets[3][STATISTICS_BUCKET_MAX];
    statistics_buckets_of (at, buckets[0], buckets[1], buckets[2]);
    size_t sizes[3] = {strlen (buckets[0]), strlen (buckets[1]), strlen (buckets[2])};
    MDB_cursor *cursor = NULL;
    int rc = mdb_cursor_open (txn, figures, &cursor);
    for (int d = 0; rc == 0 && d < STATISTICS_DIMENSIONS; d++) {
        const char *value = d == STATISTICS_DIMENSION_TOTAL ? "" : subject->values[d];
        if (d != STATISTICS_DIMENSION_TOTAL && (!value || !*value))
            continue;
        char key[S_KEY_MAX];
        size_t prefix = s_prefix (key, basis, (statistics_dimension_t) d, value, subject->unit);
        for (int b = 0; rc == 0 && b < 3; b++) {
            if (prefix + sizes[b] >= S_KEY_MAX)
                continue;
            memcpy (key + prefix, buckets[b], sizes[b] + 1);
            bool wanted = month_total && d == STATISTICS_DIMENSION_TOTAL && b == 1;
            rc = s_add_row (cursor, key, prefix + sizes[b], change, wanted ? month_total : NULL);
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
