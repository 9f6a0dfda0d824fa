/*  submission_duplicates: the content fingerprint's index (step 5 of
    submission.h): the same title and body from the same unit within
    intake.dedup_window_hours is the same report, which keeps this copy's
    provenance and attachments; see submission_internal.h.

    The index keeps a report id under 16 bytes: BLAKE2b-128 of the unit, a
    unit separator and the fingerprint in hex. A content hash puts every
    report on a random leaf, so the entries are kept small (about twice as
    many to a page as under the unit's name and the hex fingerprint), and
    the index is in two parts, both searched:

      recent_fingerprints  where a report's entry goes first: small (at
                           most S_RECENT_MIN entries, or the eighth part
                           of the whole), so a turn of a few thousand
                           reports finds most of its leaves already dirty;
      unit_fingerprints    the whole, which recent_fingerprints' entries
                           move into one by one, in key order: each move
                           takes the first entry at or past the one moved
                           last (kept in counters under S_MERGED; from the
                           first again past the last), so the moves of a
                           turn land side by side on a few leaves of the
                           whole instead of one random leaf each.

    An entry in recent_fingerprints is never older than the same key's in
    unit_fingerprints (a move overwrites), so recent_fingerprints is
    searched first. Both are written in the caller's transaction: an entry
    is in one of them or the other at every commit. Stores made before
    kept the unit's name and hex as the key, in fingerprints: now only
    read, while it holds any entry. */
#include "submission_internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attachments.h"
#include "bs_log.h"
#include "bs_store.h"
#include "fingerprint.h"
#include "reports.h"

#define S_PROVENANCES_MAX 16
#define S_FINGERPRINT_KEY_MAX (BS_UNIT_MAX + INTAKE_FINGERPRINT_HEX + 2)
#define S_UNIT_FINGERPRINT_KEY 16
#define S_RECENT_MIN 16384 /* entries recent_fingerprints may keep in any case */
#define S_RECENT_SHARE 8   /* or the whole index's entries / this */
#define S_MERGED "fingerprints.merged" /* in counters: the key moved last */

_Static_assert (sizeof ((submission_work_t *) 0)->fingerprint_key == S_UNIT_FINGERPRINT_KEY,
                "a work's fingerprint key is the index's");

/* The earlier index's key: the unit, a unit separator, the fingerprint
   (cut short to fit, as a printf of them would). Returns its length. */
static size_t
s_fingerprint_key (const submission_work_t *work, const char *fingerprint,
                   char key[S_FINGERPRINT_KEY_MAX])
{
    _Static_assert (sizeof work->identity->unit + 1 < S_FINGERPRINT_KEY_MAX, "a unit fits");
    size_t length = strlen (work->identity->unit);
    memcpy (key, work->identity->unit, length);
    key[length++] = 0x1f;
    size_t hex = strnlen (fingerprint, S_FINGERPRINT_KEY_MAX - 1 - length);
    memcpy (key + length, fingerprint, hex);
    length += hex;
    key[length] = 0;
    return length;
}

/* The index's key: BLAKE2b-128 of the earlier key, made once a
   registration (the search and the put both need it). */
static const unsigned char *
s_unit_fingerprint_key (submission_work_t *work, const char *fingerprint)
{
    if (!work->fingerprint_keyed) {
        char name[S_FINGERPRINT_KEY_MAX];
        size_t length = s_fingerprint_key (work, fingerprint, name);
        crypto_generichash (work->fingerprint_key, S_UNIT_FINGERPRINT_KEY,
                            (const unsigned char *) name, length, NULL, 0);
        work->fingerprint_keyed = true;
    }
    return work->fingerprint_key;
}

/* Move the entry of recent_fingerprints at the merge's place into
   unit_fingerprints (nothing when recent is empty). */
static int
s_merge_one (submission_work_t *work, MDB_dbi recent, MDB_dbi whole)
{
    MDB_dbi counters = bs_service_dbi (work->service, "counters");
    unsigned char from[S_UNIT_FINGERPRINT_KEY] = {0}, value[8];
    const void *bytes;
    size_t size;
    int rc = bs_store_get_bytes (work->txn, counters, S_MERGED, &bytes, &size);
    if (rc == BS_OK && size == sizeof from)
        memcpy (from, bytes, sizeof from);
    else if (rc != BS_OK && rc != BS_E_NOT_FOUND)
        return rc;
    MDB_cursor *cursor;
    int mrc = mdb_cursor_open (work->txn, recent, &cursor);
    if (mrc)
        return bs_store_error (mrc, "open the recent fingerprints");
    MDB_val mkey = {sizeof from, from}, mvalue;
    mrc = mdb_cursor_get (cursor, &mkey, &mvalue, MDB_SET_RANGE);
    if (mrc == MDB_NOTFOUND)
        mrc = mdb_cursor_get (cursor, &mkey, &mvalue, MDB_FIRST);
    if (mrc == 0 && (mkey.mv_size != sizeof from || mvalue.mv_size != sizeof value))
        mrc = MDB_CORRUPTED;
    if (mrc == 0) {
        memcpy (from, mkey.mv_data, sizeof from);
        memcpy (value, mvalue.mv_data, sizeof value);
        mrc = mdb_cursor_del (cursor, 0);
    }
    mdb_cursor_close (cursor);
    if (mrc == MDB_NOTFOUND)
        return BS_OK;
    if (mrc == 0) {
        MDB_val key = {sizeof from, from}, moved = {sizeof value, value};
        mrc = mdb_put (work->txn, whole, &key, &moved, 0);
    }
    if (mrc)
        return bs_store_error (mrc, "move a recent fingerprint into the index");
    return bs_store_put_bytes (work->txn, counters, S_MERGED, from, sizeof from);
}

int
submission_fingerprint_put (submission_work_t *work, const char *fingerprint, uint64_t report_id)
{
    if (!fingerprint)
        return BS_OK;
    unsigned char value[8];
    bs_store_key (report_id, value);
    MDB_val mkey = {S_UNIT_FINGERPRINT_KEY, (void *) s_unit_fingerprint_key (work, fingerprint)},
            mvalue = {sizeof value, value};
    MDB_dbi recent = bs_service_dbi (work->service, "recent_fingerprints");
    MDB_dbi whole = bs_service_dbi (work->service, "unit_fingerprints");
    int rc = mdb_put (work->txn, recent, &mkey, &mvalue, 0);
    if (rc)
        return bs_store_error (rc, "index a report's fingerprint");
    MDB_stat recent_stat, whole_stat;
    rc = mdb_stat (work->txn, recent, &recent_stat);
    if (rc == 0)
        rc = mdb_stat (work->txn, whole, &whole_stat);
    if (rc)
        return bs_store_error (rc, "count the fingerprints");
    size_t keep = whole_stat.ms_entries / S_RECENT_SHARE;
    if (keep < S_RECENT_MIN)
        keep = S_RECENT_MIN;
    int moved = BS_OK;
    /* One over, moved; two at most, should recent be over by more (its
       share of a whole that shrank). */
    for (size_t n = recent_stat.ms_entries, moves = 0; moved == BS_OK && n > keep && moves < 2;
         n--, moves++)
        moved = s_merge_one (work, recent, whole);
    return moved;
}

/* The report id kept under work's unit and fingerprint: in the index, else
   in a store made before's. BS_E_NOT_FOUND when neither has it. */
static int
s_fingerprint_get (submission_work_t *work, const char *fingerprint, uint64_t *report_id)
{
    MDB_val mkey = {S_UNIT_FINGERPRINT_KEY, (void *) s_unit_fingerprint_key (work, fingerprint)},
            value;
    int rc =
        mdb_get (work->txn, bs_service_dbi (work->service, "recent_fingerprints"), &mkey, &value);
    if (rc == MDB_NOTFOUND)
        rc = mdb_get (work->txn, bs_service_dbi (work->service, "unit_fingerprints"), &mkey,
                      &value);
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
    s_fingerprint_key (work, fingerprint, name);
    const void *bytes;
    size_t size;
    rc = bs_store_get_bytes (work->txn, earlier, name, &bytes, &size);
    if (rc == BS_OK && size != 8)
        return BS_E_NOT_FOUND;
    if (rc == BS_OK)
        *report_id = bs_store_key_value (bytes);
    return rc;
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
