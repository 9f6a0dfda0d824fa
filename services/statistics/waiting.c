/*  waiting: counts waiting for their report; see waiting.h. */
#include "waiting.h"

#include <stdlib.h>
#include <string.h>

#include "bs_error.h"
#include "bs_schemas.h"
#include "bs_store.h"

/* The fixed part of a stored count; the unit and periodical follow, each
   with its NUL. */
typedef struct {
    uint64_t at[STATISTICS_BASES];
    uint64_t waited_ms;
    int64_t delta;
    uint32_t measure;
    uint8_t decision;
    uint8_t received_unknown;
    uint8_t unused[2];
} s_stored_t;

#define S_VALUE_MAX (sizeof (s_stored_t) + BS_UNIT_MAX + BS_NAME_MAX + 2)

static void
s_key (uint64_t report_id, uint32_t index, unsigned char key[12])
{
    bs_store_key (report_id, key);
    for (int i = 0; i < 4; i++)
        key[8 + i] = (unsigned char) (index >> (24 - 8 * i));
}

/* The index after the last count kept for report_id (0 when none). */
static int
s_next_index (MDB_cursor *cursor, uint64_t report_id, uint32_t *index)
{
    unsigned char after[12];
    s_key (report_id + 1, 0, after);
    MDB_val key = {sizeof after, after}, value;
    int rc = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    rc = rc == 0 ? mdb_cursor_get (cursor, &key, &value, MDB_PREV)
                 : rc == MDB_NOTFOUND ? mdb_cursor_get (cursor, &key, &value, MDB_LAST) : rc;
    *index = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc == 0 && key.mv_size == 12 && bs_store_key_value (key.mv_data) == report_id) {
        const unsigned char *bytes = key.mv_data;
        *index = ((uint32_t) bytes[8] << 24 | (uint32_t) bytes[9] << 16
                  | (uint32_t) bytes[10] << 8 | bytes[11])
                 + 1;
    }
    return rc;
}

int
statistics_waiting_keep (MDB_txn *txn, MDB_dbi waiting, uint64_t report_id,
                         const statistics_count_t *count)
{
    const char *unit = count->subject.unit ? count->subject.unit : "";
    const char *periodical = count->subject.values[STATISTICS_DIMENSION_PERIODICAL];
    periodical = periodical ? periodical : "";
    size_t unit_size = strlen (unit) + 1, periodical_size = strlen (periodical) + 1;
    if (unit_size > BS_UNIT_MAX + 1 || periodical_size > BS_NAME_MAX + 1)
        return BS_E_INVALID;
    unsigned char bytes[S_VALUE_MAX];
    s_stored_t stored = {
        .waited_ms = count->change.waited_ms,
        .delta = count->change.delta,
        .measure = (uint32_t) count->change.measure,
        .decision = count->change.decision,
        .received_unknown = count->received_unknown,
    };
    memcpy (stored.at, count->at, sizeof stored.at);
    memcpy (bytes, &stored, sizeof stored);
    memcpy (bytes + sizeof stored, unit, unit_size);
    memcpy (bytes + sizeof stored + unit_size, periodical, periodical_size);
    MDB_cursor *cursor = NULL;
    int rc = mdb_cursor_open (txn, waiting, &cursor);
    uint32_t index = 0;
    if (rc == 0)
        rc = s_next_index (cursor, report_id, &index);
    if (rc == 0) {
        unsigned char key_bytes[12];
        s_key (report_id, index, key_bytes);
        MDB_val key = {sizeof key_bytes, key_bytes};
        MDB_val value = {sizeof stored + unit_size + periodical_size, bytes};
        rc = bs_store_cursor_put (cursor, &key, &value, 0);
    }
    if (cursor)
        mdb_cursor_close (cursor);
    return rc ? bs_store_error (rc, "keep a count waiting for its report") : BS_OK;
}

/* A stored count back, its strings copied into taken. */
static bool
s_read (const MDB_val *value, statistics_waiting_t *taken)
{
    s_stored_t stored;
    if (value->mv_size < sizeof stored + 2 || value->mv_size > S_VALUE_MAX)
        return false;
    memcpy (&stored, value->mv_data, sizeof stored);
    const char *text = (const char *) value->mv_data + sizeof stored;
    size_t left = value->mv_size - sizeof stored, unit_size = strnlen (text, left) + 1;
    if (unit_size >= left || unit_size > BS_UNIT_MAX + 1
        || strnlen (text + unit_size, left - unit_size) + 1 != left - unit_size
        || stored.measure >= STATISTICS_MEASURES)
        return false;
    memcpy (taken->unit, text, unit_size);
    memcpy (taken->periodical, text + unit_size, left - unit_size);
    statistics_count_t *count = &taken->count;
    memset (count, 0, sizeof *count);
    count->change = (statistics_change_t){.measure = (statistics_measure_t) stored.measure,
                                          .delta = stored.delta,
                                          .decision = stored.decision,
                                          .waited_ms = stored.waited_ms};
    memcpy (count->at, stored.at, sizeof count->at);
    count->received_unknown = stored.received_unknown;
    return true;
}

int
statistics_waiting_take (MDB_txn *txn, MDB_dbi waiting, uint64_t report_id,
                         statistics_waiting_t **counts, size_t *count)
{
    *counts = NULL;
    *count = 0;
    /* Nearly always nothing waits (a report comes before what is said of
       it): then no cursor and no search for each report received. */
    MDB_stat stat;
    int rc = mdb_stat (txn, waiting, &stat);
    if (rc)
        return bs_store_error (rc, "count the waiting counts");
    if (stat.ms_entries == 0)
        return BS_OK;
    MDB_cursor *cursor;
    rc = mdb_cursor_open (txn, waiting, &cursor);
    if (rc)
        return bs_store_error (rc, "read the waiting counts");
    unsigned char first[12];
    s_key (report_id, 0, first);
    size_t capacity = 0;
    int result = BS_OK;
    /* Each count is forgotten once read: the first left is the next. */
    while (result == BS_OK) {
        MDB_val key = {sizeof first, first}, value;
        rc = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
        if (rc || key.mv_size != 12 || bs_store_key_value (key.mv_data) != report_id)
            break;
        if (*count == capacity) {
            capacity = capacity ? 2 * capacity : 8;
            statistics_waiting_t *more = realloc (*counts, capacity * sizeof *more);
            if (!more) {
                result = BS_E_SYSTEM;
                break;
            }
            *counts = more;
        }
        *count += s_read (&value, &(*counts)[*count]);
        rc = bs_store_cursor_del (cursor);
        if (rc)
            result = bs_store_error (rc, "take the waiting counts");
    }
    mdb_cursor_close (cursor);
    if (result == BS_OK && rc && rc != MDB_NOTFOUND)
        result = bs_store_error (rc, "take the waiting counts");
    /* The strings are in place now that the array no longer moves. */
    for (size_t i = 0; i < *count; i++) {
        statistics_waiting_t *taken = &(*counts)[i];
        taken->count.subject.unit = taken->unit;
        taken->count.subject.values[STATISTICS_DIMENSION_PERIODICAL] =
            *taken->periodical ? taken->periodical : NULL;
    }
    if (result != BS_OK) {
        free (*counts);
        *counts = NULL;
        *count = 0;
    }
    return result;
}
