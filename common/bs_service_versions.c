/*  bs_service_versions: the copies of a record a service keeps under a
    version's key (bs_service_keep_version) for the stored replies that
    refer to it, their expiry index, and their sweep at the age of the
    idempotency keys (called by bs_service_idempotency_sweep).
*/
#include "bs_service.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bs_log.h"
#include "bs_service_state.h"

/* versions_expiry holds, for each copy bs_service_keep_version kept,
   'k' and its key -> the time it is kept from (8 bytes, big-endian), and
   't', that time and its key -> nothing: the sweep's order. */
#define S_VERSION_AT 'k'
#define S_VERSION_ORDER 't'
#define S_VERSION_KEY_MAX 256

/* The versions_expiry key of kind for a version's key (and time). */
static MDB_val
s_version_index (char kind, uint64_t at, const void *key, size_t length, unsigned char *index)
{
    size_t head = kind == S_VERSION_ORDER ? 9 : 1;
    index[0] = (unsigned char) kind;
    if (kind == S_VERSION_ORDER)
        bs_store_key (at, index + 1);
    memcpy (index + head, key, length);
    return (MDB_val){head + length, index};
}

/* Put the copy under key (length bytes) in the sweep's order from at, or
   from the later time it was already there from. */
static int
s_version_expire (bs_service_t *self, MDB_txn *txn, const void *key, size_t length, uint64_t at)
{
    unsigned char by_key[1 + S_VERSION_KEY_MAX], by_time[9 + S_VERSION_KEY_MAX], time[8];
    if (length > S_VERSION_KEY_MAX)
        return BS_E_LIMIT;
    MDB_val index = s_version_index (S_VERSION_AT, 0, key, length, by_key), value;
    int rc = mdb_get (txn, self->versions_expiry, &index, &value);
    if (rc == 0 && value.mv_size == 8) {
        uint64_t before = bs_store_key_value (value.mv_data);
        if (before >= at)
            return BS_OK;
        MDB_val order = s_version_index (S_VERSION_ORDER, before, key, length, by_time);
        rc = bs_store_del (txn, self->versions_expiry, &order);
    }
    if (rc && rc != MDB_NOTFOUND)
        return bs_store_error (rc, "refresh a kept version");
    bs_store_key (at, time);
    value = (MDB_val){8, time};
    rc = bs_store_put (txn, self->versions_expiry, &index, &value, 0);
    MDB_val order = s_version_index (S_VERSION_ORDER, at, key, length, by_time), empty = {0, ""};
    if (rc == 0)
        rc = bs_store_put (txn, self->versions_expiry, &order, &empty, 0);
    return rc ? bs_store_error (rc, "index a kept version") : BS_OK;
}

void
bs_service_version_key (uint64_t id, uint64_t version, char *key, size_t size)
{
    snprintf (key, size, "%" PRIu64 ".%" PRIu64, id, version);
}

int
bs_service_keep_version (bs_service_t *self, MDB_txn *txn, const char *key,
                         const bs_schema_t *schema, const void *record, uint64_t at)
{
    if (!self->keeps_versions)
        return BS_E_SYSTEM; /* a defect: its databases do not name versions_expiry */
    if (strlen (key) > S_VERSION_KEY_MAX)
        return BS_E_LIMIT;
    int rc = bs_store_put_record_by_name (txn, self->versions, key, schema, record);
    if (rc == BS_OK)
        rc = s_version_expire (self, txn, key, strlen (key), at ? at : self->now);
    return rc;
}

/* Copies kept before versions_expiry existed (or by an older build) have
   no time: they get now, so they outlive every reply stored by then
   (none is older than idempotency_days) and then go. At most *budget
   of them, the rest at the next sweep; none to look for while each copy
   has its two entries. */
int
bs_service_versions_adopt (bs_service_t *self, MDB_txn *txn, uint64_t now, size_t *budget)
{
    MDB_stat versions, expiry;
    int rc = mdb_stat (txn, self->versions, &versions);
    if (rc == 0)
        rc = mdb_stat (txn, self->versions_expiry, &expiry);
    if (rc)
        return bs_store_error (rc, "count kept versions");
    if (2 * versions.ms_entries <= expiry.ms_entries)
        return BS_OK;
    MDB_cursor *cursor;
    rc = mdb_cursor_open (txn, self->versions, &cursor);
    if (rc)
        return bs_store_error (rc, "adopt kept versions");
    MDB_val key, value;
    size_t adopted = 0;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    for (; found == 0 && rc == BS_OK && adopted < *budget;
         found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        unsigned char by_key[1 + S_VERSION_KEY_MAX];
        if (key.mv_size > S_VERSION_KEY_MAX)
            continue; /* never kept by bs_service_keep_version */
        MDB_val index = s_version_index (S_VERSION_AT, 0, key.mv_data, key.mv_size, by_key), at;
        found = mdb_get (txn, self->versions_expiry, &index, &at);
        if (found == MDB_NOTFOUND) {
            rc = s_version_expire (self, txn, key.mv_data, key.mv_size, now);
            adopted++;
        } else if (found)
            rc = bs_store_error (found, "adopt kept versions");
    }
    mdb_cursor_close (cursor);
    *budget -= adopted;
    if (adopted)
        bs_log_info ("kept versions: %zu copies from before their expiry, forgotten in %" PRIu64
                     " days",
                     adopted, bs_config_get_number (self->config, "idempotency_days"));
    return rc;
}

/* Forget the kept copies older than before, oldest first, at most
 *budget of them. */
int
bs_service_versions_sweep (bs_service_t *self, MDB_txn *txn, uint64_t before, size_t *budget)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->versions_expiry, &cursor);
    if (rc)
        return bs_store_error (rc, "sweep kept versions");
    for (; *budget && rc == 0; (*budget)--) {
        unsigned char start = S_VERSION_ORDER, key[S_VERSION_KEY_MAX],
                      by_key[1 + S_VERSION_KEY_MAX];
        MDB_val index = {1, &start}, value;
        if (mdb_cursor_get (cursor, &index, &value, MDB_SET_RANGE) != 0 || index.mv_size <= 9
            || index.mv_size > 9 + S_VERSION_KEY_MAX
            || *(const unsigned char *) index.mv_data != S_VERSION_ORDER
            || bs_store_key_value ((const unsigned char *) index.mv_data + 1) >= before)
            break;
        size_t length = index.mv_size - 9;
        memcpy (key, (const unsigned char *) index.mv_data + 9, length);
        rc = bs_store_cursor_del (cursor);
        MDB_val version = {length, key};
        if (rc == 0)
            rc = bs_store_del (txn, self->versions, &version);
        MDB_val at = s_version_index (S_VERSION_AT, 0, key, length, by_key);
        if (rc == 0 || rc == MDB_NOTFOUND)
            rc = bs_store_del (txn, self->versions_expiry, &at);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    mdb_cursor_close (cursor);
    return rc ? bs_store_error (rc, "forget a kept version") : BS_OK;
}
