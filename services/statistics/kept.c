/*  kept: the store of what no log gives back; see kept.h. */
#include "kept.h"

#include <stdio.h>
#include <string.h>

#include "bs_log.h"

const char *const statistics_kept_databases[] = {"rules", "bulletins", "bulletin_files", "requests",
                                                 NULL};

bs_store_t *
statistics_kept_open (bs_service_t *service, bs_error_t *error)
{
    return bs_service_open_kept (service, "statistics_kept", statistics_kept_databases, error);
}

typedef struct {
    bs_store_t *kept;
    const bs_message_t *request;
    statistics_keep_fn *fn;
    void *argument;
    uint64_t *key;
    bs_error_t *error;
} s_once_t;

static int
s_once (MDB_txn *txn, void *argument)
{
    s_once_t *once = argument;
    MDB_dbi requests = bs_store_dbi (once->kept, "requests");
    char name[BS_TYPE_MAX + BS_ID_MAX + 2];
    snprintf (name, sizeof name, "%s\x1f%s", once->request->type, once->request->id);
    bool filed = once->request->id[0] != 0;
    if (filed) {
        int rc = bs_store_get_u64 (txn, requests, name, once->key);
        if (rc != BS_OK)
            return bs_error_set (once->error, rc, "", "cannot read the kept requests");
        if (*once->key)
            return BS_OK;
    }
    int rc = once->fn (txn, once->argument, once->key, once->error);
    if (rc == BS_OK && filed)
        rc = bs_store_put_u64 (txn, requests, name, *once->key);
    return rc;
}

int
statistics_kept_once (bs_store_t *kept, const bs_message_t *request, statistics_keep_fn *fn,
                      void *argument, uint64_t *key, bs_error_t *error)
{
    s_once_t once = {kept, request, fn, argument, key, error};
    *key = 0;
    memset (error, 0, sizeof *error);
    int rc = bs_store_write (kept, s_once, &once);
    if (rc != BS_OK && !error->text[0])
        bs_error_set (error, rc, "", "cannot keep it: %s", bs_error_name (rc));
    return rc;
}

/* The databases an older version kept in statistics' own store. */
static const char *const s_old_databases[] = {"rules", "bulletins", "bulletin_files"};
#define S_OLD_DATABASES (sizeof s_old_databases / sizeof s_old_databases[0])
#define S_MIGRATED "migrated\x1fstatistics"

typedef struct {
    bs_store_t *kept;
    MDB_txn *old_txn;                 /* statistics' store, writing */
    MDB_dbi old[S_OLD_DATABASES];     /* its old databases */
    bool found[S_OLD_DATABASES];      /* which it has */
    size_t moved;                     /* entries copied */
    bs_error_t *error;
} s_migration_t;

static int
s_entries (MDB_txn *txn, MDB_dbi dbi, size_t *entries)
{
    MDB_stat stat;
    int rc = mdb_stat (txn, dbi, &stat);
    *entries = rc == 0 ? stat.ms_entries : 0;
    return rc;
}

/* In a write transaction of the kept store: copy every entry of the old
   databases, unless moved before; refused when the kept store has its
   own. */
static int
s_copy (MDB_txn *txn, void *argument)
{
    s_migration_t *migration = argument;
    MDB_dbi requests = bs_store_dbi (migration->kept, "requests");
    uint64_t done = 0;
    int rc = bs_store_get_u64 (txn, requests, S_MIGRATED, &done);
    if (rc != BS_OK || done)
        return rc;
    migration->moved = 0;
    for (size_t d = 0; d < S_OLD_DATABASES; d++) {
        size_t own = 0;
        int mdb = s_entries (txn, bs_store_dbi (migration->kept, s_old_databases[d]), &own);
        if (mdb)
            return bs_store_error (mdb, "count the kept store");
        if (own && migration->found[d])
            return bs_error_set (migration->error, BS_E_CONFLICT, "",
                                 "statistics' store holds %s of an older version, and the kept "
                                 "store has %s of its own: the old ones are left where they are",
                                 s_old_databases[d], s_old_databases[d]);
    }
    for (size_t d = 0; d < S_OLD_DATABASES; d++) {
        if (!migration->found[d])
            continue;
        MDB_cursor *cursor = NULL;
        int mdb = mdb_cursor_open (migration->old_txn, migration->old[d], &cursor);
        MDB_val key, value;
        int got = mdb ? mdb : mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
        MDB_dbi into = bs_store_dbi (migration->kept, s_old_databases[d]);
        while (got == 0 && mdb == 0) {
            mdb = bs_store_put (txn, into, &key, &value, 0);
            migration->moved++;
            got = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
        }
        if (cursor)
            mdb_cursor_close (cursor);
        if (mdb || (got && got != MDB_NOTFOUND))
            return bs_store_error (mdb ? mdb : got, "copy into the kept store");
    }
    return bs_store_put_u64 (txn, requests, S_MIGRATED, 1);
}

/* In a write transaction of statistics' store: find the old databases,
   copy them (s_copy), drop them. */
static int
s_move (MDB_txn *txn, void *argument)
{
    s_migration_t *migration = argument;
    migration->old_txn = txn;
    bool any = false;
    for (size_t d = 0; d < S_OLD_DATABASES; d++) {
        int mdb = mdb_dbi_open (txn, s_old_databases[d], 0, &migration->old[d]);
        if (mdb && mdb != MDB_NOTFOUND)
            return bs_store_error (mdb, "look for an older version's databases");
        migration->found[d] = mdb == 0;
        any |= migration->found[d];
    }
    if (!any)
        return BS_OK;
    int rc = bs_store_write (migration->kept, s_copy, migration);
    for (size_t d = 0; rc == BS_OK && d < S_OLD_DATABASES; d++)
        if (migration->found[d]) {
            int mdb = bs_store_drop (txn, migration->old[d]);
            if (mdb)
                rc = bs_store_error (mdb, "drop an older version's database");
        }
    return rc;
}

int
statistics_kept_migrate (bs_store_t *store, bs_store_t *kept, bs_error_t *error)
{
    s_migration_t migration = {.kept = kept, .error = error};
    memset (error, 0, sizeof *error);
    int rc = bs_store_write (store, s_move, &migration);
    if (rc != BS_OK && !error->text[0])
        bs_error_set (error, rc, "", "cannot move the rules and bulletins of an older version: %s",
                      bs_error_name (rc));
    else if (rc == BS_OK && migration.moved)
        bs_log_info ("statistics: moved %zu rules, bulletins and files of an older version into "
                     "the kept store",
                     migration.moved);
    return rc;
}
