/*  submission_duplicates: the content fingerprint's index (step 5 of
    submission.h): the same title and body from the same unit within
    intake.dedup_window_hours is the same report, which keeps this copy's
    provenance and attachments; see submission_internal.h.

    The index keeps a report id under 16 bytes: BLAKE2b-128 of the unit, a
    unit separator and the fingerprint in hex. A content hash puts every
    report on a random leaf, so the index is in parts, all searched, the
    newest first:

      filling              in memory, in intake's writer (a hash table,
                           recent_fingerprints.h): a report's entry goes
                           there, tagged with the sequence of its
                           report.received event;
      merging              in memory too: the table filled before, once it
                           held intake.fingerprints_merge_at entries
                           (65,536 by default), being merged into the whole
                           a slice of the key space at a time: a slice each
                           time filling takes another 1/64 of its capacity
                           (1,024 entries at most), so that the merge ends
                           as filling fills, and filling then becomes
                           merging;
      unit_fingerprints    the whole. A slice's entries go in in key order
                           through one cursor, so a merge writes each leaf
                           of the whole about once, and no turn more than
                           a slice's share of them (a merge in one turn
                           made the batches of that turn wait 0.2-0.5 s
                           more).
      a filter             in memory: which keys the whole may hold
                           (fingerprint_filter.h), made from it when
                           intake starts and told every key a merge puts,
                           so that the search for a key it does not hold,
                           nearly every report's, reads one cache line
                           instead of descending the whole's B-tree to a
                           random leaf. A merge that does not commit leaves
                           its keys in the filter: a search for one of them
                           looks in the whole, as every search did.

    Where the parts stand is in counters under fingerprints.state, written
    with every put in the same step, a batch's once at its end (s_state_t): the last event put, the
    last event whose entry is in the whole, the last event in merging and
    how far its merge went. The tables are what intake's log says past
    the last merge: the report.received events after merged_seq, up to
    frozen_seq into merging, the rest into filling, their fingerprints
    made again from title and body when intake starts. So a report
    acknowledged is in one part or another after kill -9, and nothing is
    written a report but the state.

    The tables live outside the transaction, which a turn may abort (a
    refused step, a full map) or a step's nested transaction may roll
    back: before a registration's search and put, or a batch's first,
    they are made true to the transaction at hand (s_recent_sync,
    s_recent_true). Entries put past its put_seq
    were put by a step that did not commit, and are dropped; a merged
    slice that did not commit is merged again (merging keeps its entries
    until its merge ends); a merge's end or a table's freeze that did not
    commit has the tables made again from the log. Stores made before
    kept the unit's name and hex as the key, in fingerprints: now only
    read, while it holds any entry; a recent part in recent_fingerprints,
    moved into unit_fingerprints at the first start; or the state as
    fingerprints.merged_seq and fingerprints.recent_seq, read once. */
#include "submission_internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attachments.h"
#include "bs_log.h"
#include "bs_store.h"
#include "databases.h"
#include "fingerprint.h"
#include "fingerprint_filter.h"
#include "recent_fingerprints.h"
#include "reports.h"

#define S_PROVENANCES_MAX 16
#define S_FINGERPRINT_KEY_MAX (BS_UNIT_MAX + INTAKE_FINGERPRINT_HEX + 2)
#define S_UNIT_FINGERPRINT_KEY RECENT_FINGERPRINT_KEY
#define S_STATE "fingerprints.state"           /* in counters: s_state_t */
#define S_MERGED_SEQ "fingerprints.merged_seq" /* a store made before's state, with */
#define S_RECENT_SEQ "fingerprints.recent_seq" /* the last event it put */
#define S_MOVED_BEFORE "fingerprints.merged"   /* a store made before's: its move's place */
#define S_MERGE_AT_MAX (1 << 26)               /* intake.fingerprints_merge_at at most */
#define S_SLICES 64                            /* a merge's slices at least */
#define S_SLICE_PUTS_MAX 1024                  /* puts into filling a slice at most */

_Static_assert(sizeof ((submission_work_t *) 0)->fingerprint_key == S_UNIT_FINGERPRINT_KEY,
               "a work's fingerprint key is the index's");

/* Where the parts stand; stored as four 8-byte big-endian numbers. */
typedef struct {
    uint64_t put_seq;    /* the last event put in filling */
    uint64_t merged_seq; /* every event's entry up to it is in the whole */
    uint64_t frozen_seq; /* 0, or merging holds the events (merged_seq, frozen_seq] */
    uint64_t merged_to;  /* merging's keys placed below it are in the whole too */
} s_state_t;

#define S_STATE_SIZE 32

/* The recent parts, held by the service (bs_service_hold). */
typedef struct {
    recent_fingerprints_t *filling;
    recent_fingerprints_t *merging;
    fingerprint_filter_t *whole; /* the keys unit_fingerprints may hold */
    size_t slice_puts; /* a slice merged every that many puts into filling */
    s_state_t state;   /* what the tables hold */
    bool stale;        /* a making again did not finish: make them again */
} s_recent_t;

static int
s_state_get (MDB_txn *txn, MDB_dbi counters, s_state_t *state)
{
    const void *bytes;
    size_t size;
    int rc = bs_store_get_bytes (txn, counters, S_STATE, &bytes, &size);
    if (rc != BS_OK)
        return rc;
    if (size != S_STATE_SIZE) {
        bs_log_error ("%s is %zu bytes, not %d", S_STATE, size, S_STATE_SIZE);
        return BS_E_STORAGE;
    }
    const unsigned char *at = bytes;
    state->put_seq = bs_store_key_value (at);
    state->merged_seq = bs_store_key_value (at + 8);
    state->frozen_seq = bs_store_key_value (at + 16);
    state->merged_to = bs_store_key_value (at + 24);
    return BS_OK;
}

static int
s_state_put (MDB_txn *txn, MDB_dbi counters, const s_state_t *state)
{
    unsigned char bytes[S_STATE_SIZE];
    bs_store_key (state->put_seq, bytes);
    bs_store_key (state->merged_seq, bytes + 8);
    bs_store_key (state->frozen_seq, bytes + 16);
    bs_store_key (state->merged_to, bytes + 24);
    return bs_store_put_bytes (txn, counters, S_STATE, bytes, sizeof bytes);
}

/* The earlier index's key: the unit, a unit separator, the fingerprint
   (cut short to fit, as a printf of them would). Returns its length. */
static size_t
s_fingerprint_key (const char *unit, const char *fingerprint, char key[S_FINGERPRINT_KEY_MAX])
{
    size_t length = strnlen (unit, BS_UNIT_MAX);
    memcpy (key, unit, length);
    key[length++] = 0x1f;
    size_t hex = strnlen (fingerprint, S_FINGERPRINT_KEY_MAX - 1 - length);
    memcpy (key + length, fingerprint, hex);
    length += hex;
    key[length] = 0;
    return length;
}

/* The index's key: BLAKE2b-128 of the earlier key. */
static void
s_index_key (const char *unit, const char *fingerprint, unsigned char key[S_UNIT_FINGERPRINT_KEY])
{
    char name[S_FINGERPRINT_KEY_MAX];
    size_t length = s_fingerprint_key (unit, fingerprint, name);
    crypto_generichash (key, S_UNIT_FINGERPRINT_KEY, (const unsigned char *) name, length, NULL, 0);
}

/* The index's key of work, made once a registration (the search and the
   put both need it). */
static const unsigned char *
s_unit_fingerprint_key (submission_work_t *work, const char *fingerprint)
{
    if (!work->fingerprint_keyed) {
        s_index_key (work->identity->unit, fingerprint, work->fingerprint_key);
        work->fingerprint_keyed = true;
    }
    return work->fingerprint_key;
}

/* Where a merge puts its entries. */
typedef struct {
    MDB_cursor *cursor;          /* on unit_fingerprints */
    fingerprint_filter_t *whole; /* told each key */
} s_merge_t;

/* One entry of a merge, through the cursor on unit_fingerprints (in key
   order: LMDB finds the next place on the leaf it is on). */
static int
s_merge_entry (const unsigned char key[RECENT_FINGERPRINT_KEY], uint64_t report_id, void *argument)
{
    s_merge_t *merge = argument;
    unsigned char value[8];
    bs_store_key (report_id, value);
    fingerprint_filter_add (merge->whole, key);
    MDB_val mkey = {RECENT_FINGERPRINT_KEY, (void *) key}, mvalue = {sizeof value, value};
    return bs_store_cursor_put (merge->cursor, &mkey, &mvalue, 0);
}

/* Merge merging's keys placed in [merged_to, to) into unit_fingerprints
   in txn; the merge ends when to is the key space's end. */
static int
s_merge_slice (bs_service_t *service, MDB_txn *txn, s_recent_t *recent, uint64_t to)
{
    s_merge_t merge = {.whole = recent->whole};
    int mrc =
        mdb_cursor_open (txn, intake_dbi (service, INTAKE_DB_UNIT_FINGERPRINTS), &merge.cursor);
    if (mrc)
        return bs_store_error (mrc, "open the fingerprints' index");
    mrc = recent_fingerprints_range (recent->merging, recent->state.merged_to, to, s_merge_entry,
                                     &merge);
    mdb_cursor_close (merge.cursor);
    if (mrc)
        return bs_store_error (mrc, "merge the recent fingerprints into the index");
    recent->state.merged_to = to;
    if (to == RECENT_FINGERPRINTS_SPACE) {
        /* the merge ends: its events are all in the whole */
        recent->state.merged_seq = recent->state.frozen_seq;
        recent->state.frozen_seq = 0;
        recent->state.merged_to = 0;
        recent_fingerprints_clear (recent->merging);
    }
    return BS_OK;
}

/* Filling, full, becomes merging (whose merge has ended: empty), and an
   empty table filling. */
static void
s_freeze (s_recent_t *recent)
{
    recent_fingerprints_t *full = recent->filling;
    recent->filling = recent->merging;
    recent->merging = full;
    recent->state.frozen_seq = recent_fingerprints_last_seq (full);
    recent->state.merged_to = 0;
}

/* Put report_id under key, by the event seq, into filling; a slice of
   merging merged when filling has taken another slice_puts, the rest
   and a freeze when it is full. */
static int
s_recent_put (bs_service_t *service, MDB_txn *txn, s_recent_t *recent,
              const unsigned char key[S_UNIT_FINGERPRINT_KEY], uint64_t report_id, uint64_t seq)
{
    recent_fingerprints_t *filling = recent->filling;
    size_t capacity = recent_fingerprints_capacity (filling);
    int rc = BS_OK;
    if (recent_fingerprints_count (filling) == capacity) {
        /* full before a put only when a start found it so (a smaller
           intake.fingerprints_merge_at than the store was made with) */
        if (recent->state.frozen_seq)
            rc = s_merge_slice (service, txn, recent, RECENT_FINGERPRINTS_SPACE);
        if (rc != BS_OK)
            return rc;
        s_freeze (recent);
        filling = recent->filling;
    }
    if (!recent_fingerprints_put (filling, key, report_id, seq)) {
        bs_log_error ("the recent fingerprints refused event %llu after %llu",
                      (unsigned long long) seq,
                      (unsigned long long) recent_fingerprints_last_seq (filling));
        return BS_E_SYSTEM;
    }
    recent->state.put_seq = seq;
    size_t count = recent_fingerprints_count (filling);
    if (recent->state.frozen_seq && (count % recent->slice_puts == 0 || count == capacity)) {
        uint64_t to = count * RECENT_FINGERPRINTS_SPACE / capacity;
        if (to > recent->state.merged_to)
            rc = s_merge_slice (service, txn, recent, to);
    }
    if (rc == BS_OK && count == capacity)
        s_freeze (recent); /* merging's merge ended at this count */
    return rc;
}

/* Make the tables again from intake's log in txn, as state says: every
   report.received event past merged_seq up to put_seq. Decoded one at a
   time (the thread's msgpack zone cleared after each, the record
   freed), nothing kept but the tables' entries. */
static int
s_recent_rebuild (bs_service_t *service, MDB_txn *txn, s_recent_t *recent, const s_state_t *state)
{
    recent_fingerprints_clear (recent->filling);
    recent_fingerprints_clear (recent->merging);
    recent->state = *state;
    recent->stale = true;
    MDB_cursor *cursor;
    int mrc = mdb_cursor_open (txn, bs_service_dbi (service, "log"), &cursor);
    if (mrc)
        return bs_store_error (mrc, "open intake's log");
    unsigned char from[8];
    bs_store_key (state->merged_seq + 1, from);
    MDB_val key = {sizeof from, from}, value;
    int rc = BS_OK;
    size_t events = 0;
    for (mrc = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE); mrc == 0 && rc == BS_OK;
         mrc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        if (key.mv_size != 8)
            continue;
        uint64_t seq = bs_store_key_value (key.mv_data);
        if (seq > state->put_seq)
            break;
        bs_codec_limits_t limits = bs_codec_default_limits;
        limits.max_frame = value.mv_size; /* intake's own events, any size it wrote */
        bs_message_t event;
        bs_error_t error;
        int decoded = bs_message_decode (value.mv_data, value.mv_size, &limits, &event, &error);
        if (decoded != BS_OK && decoded != BS_E_UNKNOWN_TYPE) {
            bs_log_error ("intake's event %llu cannot be read for its fingerprint: %s",
                          (unsigned long long) seq, error.text);
            continue;
        }
        const bs_report_t *report = event.schema == &bs_report_schema ? event.data : NULL;
        char hex[INTAKE_FINGERPRINT_HEX];
        if (report && report->unit && intake_fingerprint (report->title, report->body, hex)) {
            unsigned char index_key[S_UNIT_FINGERPRINT_KEY];
            s_index_key (report->unit, hex, index_key);
            recent_fingerprints_t *table =
                seq <= state->frozen_seq ? recent->merging : recent->filling;
            if (!recent_fingerprints_put (table, index_key, report->report_id, seq)) {
                bs_log_error ("the recent fingerprints have no room for event %llu",
                              (unsigned long long) seq);
                rc = BS_E_SYSTEM;
            }
            events++;
        }
        bs_message_clear (&event);
    }
    mdb_cursor_close (cursor);
    if (rc == BS_OK && mrc != 0 && mrc != MDB_NOTFOUND)
        rc = bs_store_error (mrc, "read intake's log");
    recent->stale = rc != BS_OK;
    if (rc != BS_OK)
        return rc;
    bs_log_info ("fingerprints: %zu reports past event %llu made again in memory", events,
                 (unsigned long long) state->merged_seq);
    return BS_OK;
}

/* Make the tables true to txn (see the top of this file). */
static int
s_recent_sync (bs_service_t *service, MDB_txn *txn, s_recent_t *recent)
{
    s_state_t stored;
    int rc = s_state_get (txn, intake_dbi (service, INTAKE_DB_COUNTERS), &stored);
    if (rc != BS_OK)
        return rc;
    if (recent->stale || stored.merged_seq != recent->state.merged_seq
        || stored.frozen_seq != recent->state.frozen_seq)
        return s_recent_rebuild (service, txn, recent, &stored);
    recent_fingerprints_drop_after (recent->filling, stored.put_seq);
    recent->state = stored; /* a slice that did not commit is merged again */
    return BS_OK;
}

/* Make the tables true to work's transaction, once a registration or a
   batch: a batch's items are registered one after another in its
   transaction, whose state nothing else writes meanwhile (a failure
   after a write fails the whole batch, and a turn run again runs it with
   new numbers), so after the first sync the tables stay true by the
   batch's own puts; a report alone syncs for its search, and its put
   follows with nothing written to the state between them. */
static int
s_recent_true (submission_work_t *work, s_recent_t *recent)
{
    bool *synced = work->numbers ? &work->numbers->fingerprints_true : &work->fingerprints_true;
    if (*synced)
        return BS_OK;
    int rc = s_recent_sync (work->service, work->txn, recent);
    *synced = rc == BS_OK;
    return rc;
}

int
submission_fingerprint_put (submission_work_t *work, const char *fingerprint, uint64_t report_id,
                            uint64_t seq)
{
    if (!fingerprint)
        return BS_OK;
    s_recent_t *recent = bs_service_held (work->service);
    int rc = s_recent_true (work, recent);
    if (rc == BS_OK)
        rc = s_recent_put (work->service, work->txn, recent,
                           s_unit_fingerprint_key (work, fingerprint), report_id, seq);
    if (rc != BS_OK)
        return rc;
    if (work->numbers) {
        work->numbers->fingerprints_put = true; /* written once, at the batch's end */
        return BS_OK;
    }
    return s_state_put (work->txn, intake_dbi (work->service, INTAKE_DB_COUNTERS), &recent->state);
}

int
submission_fingerprints_keep (bs_service_t *service, MDB_txn *txn)
{
    s_recent_t *recent = bs_service_held (service);
    return s_state_put (txn, intake_dbi (service, INTAKE_DB_COUNTERS), &recent->state);
}

/* The report id kept under work's unit and fingerprint: in the recent
   part, the whole, else in a store made before's. BS_E_NOT_FOUND when
   none has it. */
static int
s_fingerprint_get (submission_work_t *work, const char *fingerprint, uint64_t *report_id)
{
    const unsigned char *index_key = s_unit_fingerprint_key (work, fingerprint);
    s_recent_t *recent = bs_service_held (work->service);
    int rc = s_recent_true (work, recent);
    if (rc != BS_OK)
        return rc;
    if (recent_fingerprints_get (recent->filling, index_key, report_id)
        || recent_fingerprints_get (recent->merging, index_key, report_id))
        return BS_OK;
    MDB_val mkey = {S_UNIT_FINGERPRINT_KEY, (void *) index_key}, value;
    rc = fingerprint_filter_may_hold (recent->whole, index_key) ? mdb_get (
             work->txn, intake_dbi (work->service, INTAKE_DB_UNIT_FINGERPRINTS), &mkey, &value)
                                                                : MDB_NOTFOUND;
    if (rc == 0 && value.mv_size != 8)
        return BS_E_NOT_FOUND;
    if (rc == 0) {
        *report_id = bs_store_key_value (value.mv_data);
        return BS_OK;
    }
    if (rc != MDB_NOTFOUND)
        return bs_store_error (rc, "look a fingerprint up");
    MDB_dbi earlier = intake_dbi (work->service, INTAKE_DB_FINGERPRINTS);
    bool held = false;
    rc = submission_earlier_held (
        work->txn, earlier, work->numbers ? &work->numbers->earlier_fingerprints : NULL, &held);
    if (rc != BS_OK || !held)
        return rc == BS_OK ? BS_E_NOT_FOUND : rc;
    char name[S_FINGERPRINT_KEY_MAX];
    s_fingerprint_key (work->identity->unit, fingerprint, name);
    const void *bytes;
    size_t size;
    rc = bs_store_get_bytes (work->txn, earlier, name, &bytes, &size);
    if (rc == BS_OK && size != 8)
        return BS_E_NOT_FOUND;
    if (rc == BS_OK)
        *report_id = bs_store_key_value (bytes);
    return rc;
}

/* A store made before this one kept its recent part in the database
   recent_fingerprints, every report's entry in it or in the whole:
   moved into the whole, in key order. */
static int
s_move_stored_recent (bs_service_t *service, MDB_txn *txn)
{
    MDB_dbi stored = intake_dbi (service, INTAKE_DB_RECENT_FINGERPRINTS);
    MDB_cursor *from, *into;
    int mrc = mdb_cursor_open (txn, stored, &from);
    if (mrc)
        return bs_store_error (mrc, "open the stored recent fingerprints");
    mrc = mdb_cursor_open (txn, intake_dbi (service, INTAKE_DB_UNIT_FINGERPRINTS), &into);
    if (mrc) {
        mdb_cursor_close (from);
        return bs_store_error (mrc, "open the fingerprints' index");
    }
    MDB_val key, value;
    size_t moved = 0;
    for (mrc = mdb_cursor_get (from, &key, &value, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get (from, &key, &value, MDB_NEXT), moved++)
        if ((mrc = bs_store_cursor_put (into, &key, &value, 0)) != 0)
            break;
    mdb_cursor_close (from);
    mdb_cursor_close (into);
    if (mrc == MDB_NOTFOUND)
        mrc = bs_store_clear (txn, stored);
    if (mrc == 0) {
        MDB_val place = {strlen (S_MOVED_BEFORE), S_MOVED_BEFORE};
        mrc = bs_store_del (txn, intake_dbi (service, INTAKE_DB_COUNTERS), &place);
        mrc = mrc == MDB_NOTFOUND ? 0 : mrc;
    }
    if (mrc)
        return bs_store_error (mrc, "move the stored recent fingerprints into the index");
    if (moved)
        bs_log_info ("fingerprints: %zu recent entries of a store made before moved into the "
                     "index",
                     moved);
    return BS_OK;
}

typedef struct {
    bs_service_t *service;
    s_recent_t *recent;
    size_t merge_at;
} s_open_t;

/* A store made before this one's state, into *state, its keys removed:
   fingerprints.merged_seq and .recent_seq (no merge under way), or
   neither (every event's entry in the stored index). */
static int
s_state_before (bs_service_t *service, MDB_txn *txn, s_state_t *state)
{
    MDB_dbi counters = intake_dbi (service, INTAKE_DB_COUNTERS);
    const void *bytes;
    size_t size;
    int rc = bs_store_get_bytes (txn, counters, S_MERGED_SEQ, &bytes, &size);
    *state = (s_state_t){0};
    if (rc == BS_E_NOT_FOUND) {
        rc = bs_eventlog_last (bs_service_store (service), txn, &state->merged_seq);
        if (rc == BS_OK)
            rc = s_move_stored_recent (service, txn);
    } else if (rc == BS_OK) {
        rc = bs_store_get_u64 (txn, counters, S_MERGED_SEQ, &state->merged_seq);
        if (rc == BS_OK)
            rc = bs_store_get_u64 (txn, counters, S_RECENT_SEQ, &state->put_seq);
    }
    const char *names[] = {S_MERGED_SEQ, S_RECENT_SEQ};
    for (size_t i = 0; rc == BS_OK && i < 2; i++) {
        MDB_val name = {strlen (names[i]), (void *) names[i]};
        int mrc = bs_store_del (txn, counters, &name);
        if (mrc && mrc != MDB_NOTFOUND)
            rc = bs_store_error (mrc, "drop a store made before's fingerprints state");
    }
    if (state->put_seq < state->merged_seq)
        state->put_seq = state->merged_seq;
    return rc;
}

/* Tables for capacity entries each, unless they are. */
static int
s_tables (s_recent_t *recent, size_t capacity)
{
    if (recent->filling && recent_fingerprints_capacity (recent->filling) == capacity)
        return BS_OK;
    recent_fingerprints_destroy (&recent->filling);
    recent_fingerprints_destroy (&recent->merging);
    recent->filling = recent_fingerprints_new (capacity);
    recent->merging = recent_fingerprints_new (capacity);
    recent->slice_puts = capacity / S_SLICES;
    if (recent->slice_puts > S_SLICE_PUTS_MAX)
        recent->slice_puts = S_SLICE_PUTS_MAX;
    if (recent->slice_puts < 1)
        recent->slice_puts = 1;
    return recent->filling && recent->merging ? BS_OK : BS_E_SYSTEM;
}

/* The filter of the whole, made from every key it holds in txn: room for
   twice as many before it takes a second part. */
static int
s_whole_filter (bs_service_t *service, MDB_txn *txn, s_recent_t *recent)
{
    fingerprint_filter_destroy (&recent->whole);
    MDB_dbi whole = intake_dbi (service, INTAKE_DB_UNIT_FINGERPRINTS);
    MDB_stat stat;
    int mrc = mdb_stat (txn, whole, &stat);
    if (mrc)
        return bs_store_error (mrc, "count the fingerprints' index");
    recent->whole = fingerprint_filter_new (2 * stat.ms_entries);
    if (!recent->whole)
        return BS_E_SYSTEM;
    MDB_cursor *cursor;
    mrc = mdb_cursor_open (txn, whole, &cursor);
    if (mrc)
        return bs_store_error (mrc, "open the fingerprints' index");
    MDB_val key, value;
    for (mrc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT))
        if (key.mv_size == S_UNIT_FINGERPRINT_KEY)
            fingerprint_filter_add (recent->whole, key.mv_data);
    mdb_cursor_close (cursor);
    if (mrc != MDB_NOTFOUND)
        return bs_store_error (mrc, "read the fingerprints' index");
    return BS_OK;
}

static int
s_open_write (MDB_txn *txn, void *argument)
{
    s_open_t *open = argument;
    MDB_dbi counters = intake_dbi (open->service, INTAKE_DB_COUNTERS);
    s_state_t state = {0};
    int rc = s_state_get (txn, counters, &state);
    if (rc == BS_E_NOT_FOUND) {
        rc = s_state_before (open->service, txn, &state);
        if (rc == BS_OK)
            rc = s_state_put (txn, counters, &state);
    }
    /* room for what the log holds past the last merge, if a store made
       with a larger intake.fingerprints_merge_at left more */
    size_t capacity = open->merge_at;
    uint64_t frozen = state.frozen_seq ? state.frozen_seq : state.merged_seq;
    if (state.frozen_seq && state.frozen_seq - state.merged_seq > capacity)
        capacity = (size_t) (state.frozen_seq - state.merged_seq);
    if (state.put_seq > frozen && state.put_seq - frozen > capacity)
        capacity = (size_t) (state.put_seq - frozen);
    if (rc == BS_OK)
        rc = s_tables (open->recent, capacity);
    if (rc == BS_OK)
        rc = s_whole_filter (open->service, txn, open->recent);
    if (rc == BS_OK)
        rc = s_recent_rebuild (open->service, txn, open->recent, &state);
    return rc;
}

static void
s_recent_destroy (void *held)
{
    s_recent_t *recent = held;
    if (recent) {
        recent_fingerprints_destroy (&recent->filling);
        recent_fingerprints_destroy (&recent->merging);
        fingerprint_filter_destroy (&recent->whole);
    }
    free (recent);
}

int
submission_fingerprints_open (bs_service_t *service)
{
    uint64_t merge_at =
        bs_config_get_number (bs_service_config (service), "intake.fingerprints_merge_at");
    if (merge_at < 1 || merge_at > S_MERGE_AT_MAX) {
        bs_log_error ("intake.fingerprints_merge_at is %llu: give 1 to %d",
                      (unsigned long long) merge_at, S_MERGE_AT_MAX);
        return BS_E_INVALID;
    }
    s_recent_t *recent = calloc (1, sizeof *recent);
    if (!recent)
        return BS_E_SYSTEM;
    int rc = bs_service_hold (service, recent, NULL, NULL, s_recent_destroy);
    if (rc != BS_OK) {
        s_recent_destroy (recent);
        return rc;
    }
    s_open_t open = {service, recent, (size_t) merge_at};
    return bs_store_write (bs_service_store (service), s_open_write, &open);
}

int
submission_find_duplicate (submission_work_t *work, const char *fingerprint, bs_report_t *report,
                           bool *found)
{
    *found = false;
    if (!fingerprint)
        return BS_OK;
    uint64_t report_id;
    int rc = s_fingerprint_get (work, fingerprint, &report_id);
    if (rc == BS_E_NOT_FOUND)
        return BS_OK;
    if (rc != BS_OK)
        return rc;
    rc = intake_report_load (work->service, work->txn, report_id, 0, report);
    if (rc != BS_OK)
        return rc;
    uint64_t window =
        bs_config_get_number (bs_service_config (work->service), "intake.dedup_window_hours") * 3600
        * 1000;
    *found = work->now <= report->received_at + window;
    if (!*found)
        bs_codec_record_free (&bs_report_schema, report);
    return BS_OK;
}

int
submission_register_duplicate (submission_work_t *work, bs_report_t *report)
{
    const bs_list_t *attachments = &work->submission->attachments;
    size_t have = report->attachments.count, count = report->provenances.count;
    bs_provenance_t *provenances = calloc (count + 1, sizeof *provenances);
    bs_attachment_t *all = calloc (have + attachments->count + 1, sizeof *all);
    char (*sha256)[65] = calloc (attachments->count + 1, sizeof *sha256);
    int rc = provenances && all && sha256 ? BS_OK : BS_E_SYSTEM;
    if (rc == BS_OK) {
        if (count)
            memcpy (provenances, report->provenances.items, count * sizeof *provenances);
        if (count < S_PROVENANCES_MAX)
            provenances[count++] = work->provenance;
        if (have)
            memcpy (all, report->attachments.items, have * sizeof *all);
    }
    const bs_attachment_t *items = attachments->items;
    size_t total = have;
    for (size_t i = 0; rc == BS_OK && i < attachments->count && total < BS_ATTACHMENTS_MAX; i++) {
        unsigned char hash[crypto_hash_sha256_BYTES];
        char hex[65];
        crypto_hash_sha256 (hash, items[i].data.data, items[i].data.size);
        sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
        bool known = false;
        for (size_t k = 0; k < total; k++)
            known |= all[k].sha256 && strcmp (all[k].sha256, hex) == 0;
        if (known)
            continue;
        bs_list_t one = {1, (void *) &items[i]};
        rc = intake_attachments_store (work->service, work->txn, report->report_id,
                                       report->version ? report->version : 1, total, &one,
                                       &all[total], &sha256[i]);
        total++;
    }
    if (rc == BS_OK) {
        bs_report_t updated = *report;
        updated.provenances = (bs_list_t){count, provenances};
        updated.attachments = (bs_list_t){total, all};
        rc = bs_store_put_record (work->txn, intake_dbi (work->service, INTAKE_DB_REPORTS),
                                  report->report_id, &bs_report_schema, &updated);
    }
    if (rc == BS_OK) {
        submission_receipt_report (work, report, "duplicate");
        bs_log_info ("a %s copy of report %s from %s is a duplicate", work->channel->name,
                     report->reg_no, work->identity->unit);
    }
    free (provenances);
    free (all);
    free (sha256);
    return rc;
}
