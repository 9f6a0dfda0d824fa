/*  submission_duplicates: the content fingerprint's index (step 5 of
    submission.h): the same title and body from the same unit within
    intake.dedup_window_hours is the same report, which keeps this copy's
    provenance and attachments; see submission_internal.h.

    The index keeps a report id under 16 bytes: BLAKE2b-128 of the unit, a
    unit separator and the fingerprint in hex. A content hash puts every
    report on a random leaf, so the index is in two parts, both searched,
    the recent one first:

      the recent part      in memory, in intake's writer (a hash table,
                           recent_fingerprints.h): a report's entry goes
                           there, tagged with the sequence of its
                           report.received event;
      unit_fingerprints    the whole, into which the recent part is merged
                           in key order every intake.fingerprints_merge_at
                           entries (65,536 by default), in the
                           transaction that put the last of them, so a
                           merge writes each leaf of the whole once rather
                           than a turn a random leaf a report.

    The recent part is what intake's log says past the last merge: the
    report.received events after fingerprints.merged_seq (in counters,
    written with the merge), whose fingerprints are made again from their
    title and body when intake starts. So a report acknowledged is in one
    part or the other after kill -9, and nothing is written a report but
    the entry's sequence, under fingerprints.recent_seq in the same step.

    The table lives outside the transaction, which a turn may abort (a
    refused step, a full map) or a step's nested transaction may roll
    back: before every search and put it is made true to the transaction
    it serves (s_recent_sync). Entries put past the transaction's
    recent_seq were put by a step that did not commit, and are dropped;
    a merged_seq other than the table's (a merge that did not commit) has
    the table made again from the log. Stores made before kept the unit's
    name and hex as the key, in fingerprints: now only read, while it
    holds any entry; and a recent part in recent_fingerprints, moved into
    unit_fingerprints at the first start. */
#include "submission_internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attachments.h"
#include "bs_log.h"
#include "bs_store.h"
#include "fingerprint.h"
#include "recent_fingerprints.h"
#include "reports.h"

#define S_PROVENANCES_MAX 16
#define S_FINGERPRINT_KEY_MAX (BS_UNIT_MAX + INTAKE_FINGERPRINT_HEX + 2)
#define S_UNIT_FINGERPRINT_KEY RECENT_FINGERPRINT_KEY
#define S_MERGED_SEQ "fingerprints.merged_seq" /* in counters: the last event merged */
#define S_RECENT_SEQ "fingerprints.recent_seq" /* the last event put in the recent part */
#define S_MOVED_BEFORE "fingerprints.merged"   /* a store made before's: its move's place */
#define S_MERGE_AT_MAX (1 << 26)               /* intake.fingerprints_merge_at at most */

_Static_assert (sizeof ((submission_work_t *) 0)->fingerprint_key == S_UNIT_FINGERPRINT_KEY,
                "a work's fingerprint key is the index's");

/* The recent part, held by the service (bs_service_hold). */
typedef struct {
    recent_fingerprints_t *table;
    uint64_t merged_seq; /* the merge the table follows: it holds the log's entries past it */
    bool stale;          /* a merge or a making again did not finish: make it again */
} s_recent_t;

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
    crypto_generichash (key, S_UNIT_FINGERPRINT_KEY, (const unsigned char *) name, length, NULL,
                        0);
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

/* One entry of a merge, through the cursor on unit_fingerprints (in key
   order: LMDB finds the next place on the leaf it is on). */
static int
s_merge_entry (const unsigned char key[RECENT_FINGERPRINT_KEY], uint64_t report_id,
               void *argument)
{
    unsigned char value[8];
    bs_store_key (report_id, value);
    MDB_val mkey = {RECENT_FINGERPRINT_KEY, (void *) key}, mvalue = {sizeof value, value};
    return mdb_cursor_put (argument, &mkey, &mvalue, 0);
}

/* Merge the recent part into unit_fingerprints in txn; merged_seq says
   up to which event. */
static int
s_merge (bs_service_t *service, MDB_txn *txn, s_recent_t *recent)
{
    uint64_t last = recent_fingerprints_last_seq (recent->table);
    MDB_cursor *cursor;
    int mrc = mdb_cursor_open (txn, bs_service_dbi (service, "unit_fingerprints"), &cursor);
    if (mrc)
        return bs_store_error (mrc, "open the fingerprints' index");
    recent->stale = true; /* the table is emptied: made again unless all of it went in */
    mrc = recent_fingerprints_take_sorted (recent->table, s_merge_entry, cursor);
    mdb_cursor_close (cursor);
    if (mrc)
        return bs_store_error (mrc, "merge the recent fingerprints into the index");
    int rc = bs_store_put_u64 (txn, bs_service_dbi (service, "counters"), S_MERGED_SEQ, last);
    if (rc == BS_OK) {
        recent->merged_seq = last;
        recent->stale = false;
    }
    return rc;
}

/* Put report_id under key, by the event seq, into the recent part; merged
   into the whole when that fills it. */
static int
s_recent_put (bs_service_t *service, MDB_txn *txn, s_recent_t *recent,
              const unsigned char key[S_UNIT_FINGERPRINT_KEY], uint64_t report_id, uint64_t seq)
{
    if (!recent_fingerprints_put (recent->table, key, report_id, seq)) {
        bs_log_error ("the recent fingerprints refused event %llu after %llu",
                      (unsigned long long) seq,
                      (unsigned long long) recent_fingerprints_last_seq (recent->table));
        return BS_E_SYSTEM;
    }
    if (recent_fingerprints_count (recent->table) == recent_fingerprints_capacity (recent->table))
        return s_merge (service, txn, recent);
    return BS_OK;
}

/* Make the recent part again from intake's log in txn: every
   report.received event past merged. Decoded one at a time (the thread's
   msgpack zone cleared after each, the record freed), nothing kept but
   the table's entries. */
static int
s_recent_rebuild (bs_service_t *service, MDB_txn *txn, s_recent_t *recent, uint64_t merged)
{
    recent_fingerprints_clear (recent->table);
    recent->merged_seq = merged;
    recent->stale = true;
    MDB_cursor *cursor;
    int mrc = mdb_cursor_open (txn, bs_service_dbi (service, "log"), &cursor);
    if (mrc)
        return bs_store_error (mrc, "open intake's log");
    unsigned char from[8];
    bs_store_key (merged + 1, from);
    MDB_val key = {sizeof from, from}, value;
    int rc = BS_OK;
    size_t events = 0;
    for (mrc = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE); mrc == 0 && rc == BS_OK;
         mrc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        if (key.mv_size != 8)
            continue;
        uint64_t seq = bs_store_key_value (key.mv_data);
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
            rc = s_recent_put (service, txn, recent, index_key, report->report_id, seq);
            events++;
        }
        bs_message_clear (&event);
    }
    mdb_cursor_close (cursor);
    if (rc == BS_OK && mrc != MDB_NOTFOUND)
        rc = bs_store_error (mrc, "read intake's log");
    recent->stale = rc != BS_OK;
    if (rc != BS_OK)
        return rc;
    bs_log_info ("fingerprints: %zu reports past event %llu made again in memory", events,
                 (unsigned long long) merged);
    return BS_OK;
}

/* Make the recent part true to txn (see the top of this file). */
static int
s_recent_sync (bs_service_t *service, MDB_txn *txn, s_recent_t *recent)
{
    MDB_dbi counters = bs_service_dbi (service, "counters");
    uint64_t merged, put_last;
    int rc = bs_store_get_u64 (txn, counters, S_MERGED_SEQ, &merged);
    if (rc == BS_OK)
        rc = bs_store_get_u64 (txn, counters, S_RECENT_SEQ, &put_last);
    if (rc != BS_OK)
        return rc;
    if (recent->stale || merged != recent->merged_seq)
        return s_recent_rebuild (service, txn, recent, merged);
    recent_fingerprints_drop_after (recent->table, put_last);
    return BS_OK;
}

int
submission_fingerprint_put (submission_work_t *work, const char *fingerprint, uint64_t report_id,
                            uint64_t seq)
{
    if (!fingerprint)
        return BS_OK;
    s_recent_t *recent = bs_service_held (work->service);
    int rc = s_recent_sync (work->service, work->txn, recent);
    if (rc == BS_OK)
        rc = bs_store_put_u64 (work->txn, bs_service_dbi (work->service, "counters"), S_RECENT_SEQ,
                               seq);
    if (rc == BS_OK)
        rc = s_recent_put (work->service, work->txn, recent,
                           s_unit_fingerprint_key (work, fingerprint), report_id, seq);
    return rc;
}

/* The report id kept under work's unit and fingerprint: in the recent
   part, the whole, else in a store made before's. BS_E_NOT_FOUND when
   none has it. */
static int
s_fingerprint_get (submission_work_t *work, const char *fingerprint, uint64_t *report_id)
{
    const unsigned char *index_key = s_unit_fingerprint_key (work, fingerprint);
    s_recent_t *recent = bs_service_held (work->service);
    int rc = s_recent_sync (work->service, work->txn, recent);
    if (rc != BS_OK)
        return rc;
    if (recent_fingerprints_get (recent->table, index_key, report_id))
        return BS_OK;
    MDB_val mkey = {S_UNIT_FINGERPRINT_KEY, (void *) index_key}, value;
    rc = mdb_get (work->txn, bs_service_dbi (work->service, "unit_fingerprints"), &mkey, &value);
    if (rc == 0 && value.mv_size != 8)
        return BS_E_NOT_FOUND;
    if (rc == 0) {
        *report_id = bs_store_key_value (value.mv_data);
        return BS_OK;
    }
    if (rc != MDB_NOTFOUND)
        return bs_store_error (rc, "look a fingerprint up");
    MDB_dbi earlier = bs_service_dbi (work->service, "fingerprints");
    MDB_stat stat;
    rc = mdb_stat (work->txn, earlier, &stat);
    if (rc)
        return bs_store_error (rc, "count the fingerprints of an earlier store");
    if (stat.ms_entries == 0)
        return BS_E_NOT_FOUND;
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
    MDB_dbi stored = bs_service_dbi (service, "recent_fingerprints");
    MDB_cursor *from, *into;
    int mrc = mdb_cursor_open (txn, stored, &from);
    if (mrc)
        return bs_store_error (mrc, "open the stored recent fingerprints");
    mrc = mdb_cursor_open (txn, bs_service_dbi (service, "unit_fingerprints"), &into);
    if (mrc) {
        mdb_cursor_close (from);
        return bs_store_error (mrc, "open the fingerprints' index");
    }
    MDB_val key, value;
    size_t moved = 0;
    for (mrc = mdb_cursor_get (from, &key, &value, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get (from, &key, &value, MDB_NEXT), moved++)
        if ((mrc = mdb_cursor_put (into, &key, &value, 0)) != 0)
            break;
    mdb_cursor_close (from);
    mdb_cursor_close (into);
    if (mrc == MDB_NOTFOUND)
        mrc = mdb_drop (txn, stored, 0);
    if (mrc == 0) {
        MDB_val place = {strlen (S_MOVED_BEFORE), S_MOVED_BEFORE};
        mrc = mdb_del (txn, bs_service_dbi (service, "counters"), &place, NULL);
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
} s_open_t;

static int
s_open_write (MDB_txn *txn, void *argument)
{
    s_open_t *open = argument;
    MDB_dbi counters = bs_service_dbi (open->service, "counters");
    const void *bytes;
    size_t size;
    int rc = bs_store_get_bytes (txn, counters, S_MERGED_SEQ, &bytes, &size);
    if (rc == BS_E_NOT_FOUND) {
        /* a new store, or one made before the recent part was in memory:
           every event's entry is in the stored index already */
        uint64_t last;
        rc = bs_eventlog_last (bs_service_store (open->service), txn, &last);
        if (rc == BS_OK)
            rc = s_move_stored_recent (open->service, txn);
        if (rc == BS_OK)
            rc = bs_store_put_u64 (txn, counters, S_MERGED_SEQ, last);
    }
    uint64_t merged = 0;
    if (rc == BS_OK)
        rc = bs_store_get_u64 (txn, counters, S_MERGED_SEQ, &merged);
    if (rc == BS_OK)
        rc = s_recent_rebuild (open->service, txn, open->recent, merged);
    return rc;
}

static void
s_recent_destroy (void *held)
{
    s_recent_t *recent = held;
    if (recent)
        recent_fingerprints_destroy (&recent->table);
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
    if (recent)
        recent->table = recent_fingerprints_new ((size_t) merge_at);
    if (!recent || !recent->table) {
        s_recent_destroy (recent);
        return BS_E_SYSTEM;
    }
    int rc = bs_service_hold (service, recent, NULL, NULL, s_recent_destroy);
    if (rc != BS_OK) {
        s_recent_destroy (recent);
        return rc;
    }
    s_open_t open = {service, recent};
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
        rc = bs_store_put_record (work->txn, bs_service_dbi (work->service, "reports"),
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
