/*  review_audit: the audit trail of every case. Each action (who, in which
    role, when, what, from which state to which, and a note) is one entry
    under the key (report id, n), both big-endian, so one cursor range lists
    a case's history in order. Entries are written in the same transaction
    as the change they describe and never change afterwards.

    The entries live in "cases", beside the case: its own key is the report
    id's 8 bytes, its entries' keys those 8 bytes and n, so they sort right
    after it, and a change of a case and its entry write the same page
    rather than a page in each of two trees (listings of cases pass over
    keys that are not 8 bytes long, bs_store_page). A store written before
    keeps its older entries in "audit", under the same keys: they are read
    there, first, and the next n follows the last of either. Whether a
    store has any there is read once, as the service starts
    (review_audit_start): nothing writes there now, so a store that had
    none never looks there again.
*/
#include "review.h"

#include <stdlib.h>
#include <string.h>

#include "bs_store.h"

/* What review holds in memory beside its store (bs_service_hold). */
typedef struct {
    bool trails_apart; /* "audit" holds entries of an older build */
} s_held_t;

int
review_audit_start (bs_service_t *service)
{
    size_t entries;
    int rc = bs_store_entries (bs_service_store (service), "audit", &entries);
    if (rc != BS_OK)
        return rc;
    s_held_t *held = calloc (1, sizeof *held);
    if (!held)
        return BS_E_SYSTEM;
    held->trails_apart = entries > 0;
    rc = bs_service_hold (service, held, NULL, NULL, free);
    if (rc != BS_OK)
        free (held);
    return rc;
}

/* Whether trails may be in "audit" too: until review_audit_start has
   looked, they may. */
static bool
s_trails_apart (bs_service_t *service)
{
    const s_held_t *held = bs_service_held (service);
    return !held || held->trails_apart;
}

/* The last n of report_id's trail in the tree cursor walks (0: none),
   cursor left on that entry (or where one would go). */
static uint64_t
s_last_seq (MDB_cursor *cursor, uint64_t report_id)
{
    unsigned char start[8];
    bs_store_key (report_id + 1, start);
    MDB_val key = {8, start}, value;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    found = found == 0 ? mdb_cursor_get (cursor, &key, &value, MDB_PREV)
                       : mdb_cursor_get (cursor, &key, &value, MDB_LAST);
    if (found == 0 && key.mv_size == 16 && bs_store_key_value (key.mv_data) == report_id)
        return bs_store_key_value ((unsigned char *) key.mv_data + 8);
    return 0;
}

/* The next n of a case's trail: one after its last entry beside the case
   (found with cursor, which is left there: the new entry goes on the same
   page), or, when none is there yet, after its last in "audit" (when the
   store has trails there). */
static int
s_next_seq (bs_service_t *service, MDB_txn *txn, MDB_cursor *cursor, uint64_t report_id,
            uint64_t *seq_p)
{
    *seq_p = s_last_seq (cursor, report_id) + 1;
    if (*seq_p > 1 || !s_trails_apart (service))
        return BS_OK;
    MDB_cursor *earlier;
    int rc = mdb_cursor_open (txn, bs_service_dbi (service, "audit"), &earlier);
    if (rc)
        return bs_store_error (rc, "open the earlier audit trail");
    *seq_p = s_last_seq (earlier, report_id) + 1;
    mdb_cursor_close (earlier);
    return BS_OK;
}

/* The key of entry n of report_id's trail. */
static void
s_entry_key (uint64_t report_id, uint64_t n, unsigned char key[16])
{
    bs_store_key (report_id, key);
    bs_store_key (n, key + 8);
}

/* entry put as the first of its case's trail, numbered 1, without
   looking for the last: *first false (nothing put) when an entry 1 is
   there already. Put by the cursor the transaction keeps on "cases". */
static int
s_put_first (bs_service_t *service, MDB_txn *txn, bs_audit_entry_t *entry, bool *first)
{
    entry->seq = 1;
    MDB_cursor *cursor;
    int rc = bs_store_cursor (txn, bs_service_dbi (service, "cases"), &cursor);
    if (rc != BS_OK)
        return rc;
    unsigned char key[16];
    s_entry_key (entry->report_id, 1, key);
    rc = bs_store_put_record_by_cursor (cursor, key, sizeof key, MDB_NOOVERWRITE,
                                        &bs_audit_entry_schema, entry);
    bs_store_cursor_done (cursor);
    *first = rc == BS_OK;
    return rc == BS_E_CONFLICT ? BS_OK : rc;
}

/* entry put after the last of its case's trail: last, when this write
   knows it (an entry it just added), else looked for. */
static int
s_put_next (bs_service_t *service, MDB_txn *txn, bs_audit_entry_t *entry, uint64_t last)
{
    MDB_cursor *cursor;
    int rc = bs_store_cursor (txn, bs_service_dbi (service, "cases"), &cursor);
    if (rc != BS_OK)
        return rc;
    entry->seq = last + 1;
    if (!last)
        rc = s_next_seq (service, txn, cursor, entry->report_id, &entry->seq);
    unsigned char key[16];
    s_entry_key (entry->report_id, entry->seq, key);
    /* Put by the cursor: LMDB looks on the page it stands on first. */
    if (rc == BS_OK)
        rc = bs_store_put_record_by_cursor (cursor, key, sizeof key, 0, &bs_audit_entry_schema,
                                            entry);
    bs_store_cursor_done (cursor);
    return rc;
}

/* The entry of an action on report_id's case. */
static bs_audit_entry_t
s_entry (uint64_t report_id, const char *action, const review_actor_t *actor,
         const char *from_state, const char *to_state, const char *note, uint64_t now)
{
    return (bs_audit_entry_t){
        .report_id = report_id,
        .at = now,
        .action = (char *) action,
        .actor = (char *) actor->name,
        .role = (char *) actor->role,
        .from_state = (char *) from_state,
        .to_state = (char *) to_state,
        .note = (char *) note,
    };
}

int
review_audit_add (bs_service_t *service, MDB_txn *txn, uint64_t report_id, const char *action,
                  const review_actor_t *actor, const char *from_state, const char *to_state,
                  const char *note, uint64_t now)
{
    bs_audit_entry_t entry = s_entry (report_id, action, actor, from_state, to_state, note, now);
    return s_put_next (service, txn, &entry, 0);
}

int
review_audit_add_after (bs_service_t *service, MDB_txn *txn, uint64_t report_id, const char *action,
                        const review_actor_t *actor, const char *from_state, const char *to_state,
                        const char *note, uint64_t now, uint64_t *trail)
{
    bs_audit_entry_t entry = s_entry (report_id, action, actor, from_state, to_state, note, now);
    int rc = s_put_next (service, txn, &entry, *trail);
    if (rc == BS_OK)
        *trail = entry.seq;
    return rc;
}

/* A case just opened has no trail: cases are never deleted and report
   ids never reused, so no entry of its report id is beside it, nor in
   "audit" (an older build wrote entries only with a case). Its first
   entry is numbered 1 without a search for the last (about a seventh of
   what opening a case cost, bench/README.md); were an entry 1 there after
   all, the put refuses to overwrite it and the entry follows the last. */
int
review_audit_open (bs_service_t *service, MDB_txn *txn, uint64_t report_id, const char *action,
                   const review_actor_t *actor, const char *from_state, const char *to_state,
                   const char *note, uint64_t now)
{
    bs_audit_entry_t entry = s_entry (report_id, action, actor, from_state, to_state, note, now);
    bool first = false;
    int rc = s_trails_apart (service) ? BS_OK : s_put_first (service, txn, &entry, &first);
    return rc == BS_OK && !first ? s_put_next (service, txn, &entry, 0) : rc;
}

/* Append report_id's entries in dbi, in order, to *entries (count used,
   capacity allocated; grown as needed). */
static int
s_read_trail (MDB_txn *txn, MDB_dbi dbi, uint64_t report_id, bs_audit_entry_t **entries,
              size_t *count, size_t *capacity)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, dbi, &cursor);
    if (rc)
        return bs_store_error (rc, "open the audit trail");
    unsigned char start[16];
    bs_store_key (report_id, start);
    memset (start + 8, 0, 8);
    MDB_val key = {16, start}, value;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    rc = BS_OK;
    while (rc == BS_OK && found == 0 && key.mv_size == 16
           && bs_store_key_value (key.mv_data) == report_id) {
        if (*count == *capacity) {
            bs_audit_entry_t *grown = realloc (*entries, 2 * *capacity * sizeof **entries);
            if (!grown) {
                rc = BS_E_SYSTEM;
                break;
            }
            *entries = grown;
            *capacity *= 2;
        }
        rc = bs_codec_decode_record (value.mv_data, value.mv_size, &bs_audit_entry_schema,
                                     &bs_codec_default_limits, &(*entries)[*count], NULL);
        if (rc == BS_OK)
            (*count)++;
        found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    return rc;
}

int
review_audit_read (bs_service_t *service, MDB_txn *txn, uint64_t report_id, bs_audit_page_t *page)
{
    *page = (bs_audit_page_t){0};
    size_t count = 0, capacity = 16;
    bs_audit_entry_t *entries = calloc (capacity, sizeof *entries);
    int rc = entries ? BS_OK : BS_E_SYSTEM;
    /* An older store's entries first: every entry beside the case is
       numbered after them. */
    if (rc == BS_OK && s_trails_apart (service))
        rc = s_read_trail (txn, bs_service_dbi (service, "audit"), report_id, &entries, &count,
                           &capacity);
    if (rc == BS_OK)
        rc = s_read_trail (txn, bs_service_dbi (service, "cases"), report_id, &entries, &count,
                           &capacity);
    page->entries = (bs_list_t){count, entries};
    if (rc != BS_OK)
        bs_codec_record_free (&bs_audit_page_schema, page);
    return rc;
}
