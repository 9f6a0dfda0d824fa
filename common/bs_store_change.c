/*  bs_store_change: the changes a write transaction makes, every one of
    them. Services and the store's own files put, delete and clear through
    these, never by LMDB's calls directly (tests/system/test_store_changes.sh
    fails when one does): so there is one place that sees each change a
    turn makes, in order, which is what a journal of the store's writes
    needs. Each takes LMDB's arguments and returns LMDB's code, as the call
    it stands for.

    With the store's journal (bs_store_journal.c) each change that
    succeeded is recorded for the turn: a put as a put of the value now
    stored (MDB_CURRENT, MDB_APPEND and MDB_NOOVERWRITE puts alike: a put
    that did not store returns non-zero and is not recorded), a delete by
    a cursor as a delete of the key it stood on, a database emptied as a
    clear; a database dropped is not said (the turn ends in a checkpoint
    instead). MDB_RESERVE is used nowhere (the value would be written after
    the put, past what the journal saw): bs_store_put refuses it.
*/
#include "bs_store.h"

#include <assert.h>
#include <stdbool.h>

#include "bs_store_state.h"

/* Whether txn's store keeps a journal: without one nothing is recorded,
   and the cursor reads below that only say what to record are skipped
   (they are on every cursor put and delete of every service). */
static bool
s_journaled (MDB_txn *txn)
{
    bs_store_t *store = (bs_store_t *) mdb_env_get_userctx (mdb_txn_env (txn));
    return store && store->journal;
}

int
bs_store_put (MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *value, unsigned flags)
{
    assert (!(flags & MDB_RESERVE));
    int rc = mdb_put (txn, dbi, key, value, flags);
    if (rc == MDB_SUCCESS)
        bs_store_journal_put (txn, dbi, key, value);
    return rc;
}

int
bs_store_del (MDB_txn *txn, MDB_dbi dbi, MDB_val *key)
{
    int rc = mdb_del (txn, dbi, key, NULL);
    if (rc == MDB_SUCCESS)
        bs_store_journal_del (txn, dbi, key, NULL);
    return rc;
}

int
bs_store_cursor_put (MDB_cursor *cursor, MDB_val *key, MDB_val *value, unsigned flags)
{
    assert (!(flags & MDB_RESERVE));
    int rc = mdb_cursor_put (cursor, key, value, flags);
    if (rc == MDB_SUCCESS && s_journaled (mdb_cursor_txn (cursor))) {
        /* MDB_CURRENT replaces the entry the cursor stands on: its key is
           the one recorded, whatever key the caller passed. */
        MDB_val stored = *key, ignored;
        if ((flags & MDB_CURRENT)
            && mdb_cursor_get (cursor, &stored, &ignored, MDB_GET_CURRENT) != MDB_SUCCESS)
            stored = *key;
        bs_store_journal_put (mdb_cursor_txn (cursor), mdb_cursor_dbi (cursor), &stored, value);
    }
    return rc;
}

int
bs_store_cursor_del (MDB_cursor *cursor)
{
    if (!s_journaled (mdb_cursor_txn (cursor)))
        return mdb_cursor_del (cursor, 0);
    MDB_val key, value;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_GET_CURRENT);
    int rc = mdb_cursor_del (cursor, 0);
    if (rc == MDB_SUCCESS) {
        if (found == MDB_SUCCESS) /* key points into the map: recorded before anything moves */
            bs_store_journal_del (mdb_cursor_txn (cursor), mdb_cursor_dbi (cursor), &key, NULL);
        else
            bs_store_journal_unrecorded (mdb_cursor_txn (cursor));
    }
    return rc;
}

int
bs_store_clear (MDB_txn *txn, MDB_dbi dbi)
{
    int rc = mdb_drop (txn, dbi, 0);
    if (rc == MDB_SUCCESS)
        bs_store_journal_clear (txn, dbi);
    return rc;
}

int
bs_store_drop (MDB_txn *txn, MDB_dbi dbi)
{
    int rc = mdb_drop (txn, dbi, 1);
    if (rc == MDB_SUCCESS)
        bs_store_journal_unrecorded (txn);
    return rc;
}

int
bs_store_child_begin (MDB_txn *parent, MDB_txn **child_p)
{
    int rc = mdb_txn_begin (mdb_txn_env (parent), parent, 0, child_p);
    if (rc == MDB_SUCCESS)
        bs_store_journal_child_begin (parent, *child_p);
    return rc;
}

int
bs_store_child_commit (MDB_txn *child)
{
    MDB_env *env = mdb_txn_env (child);
    size_t mark = bs_store_journal_child_end (child, true);
    int rc = mdb_txn_commit (child);
    if (rc != MDB_SUCCESS) /* LMDB aborted it: its changes are not the parent's */
        bs_store_journal_cut (env, mark);
    return rc;
}

void
bs_store_child_abort (MDB_txn *child)
{
    bs_store_journal_child_end (child, false);
    mdb_txn_abort (child);
}
