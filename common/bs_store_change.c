/*  bs_store_change: the changes a write transaction makes, every one of
    them. Services and the store's own files put, delete and clear through
    these, never by LMDB's calls directly (tests/system/test_store_changes.sh
    fails when one does): so there is one place that sees each change a
    turn makes, in order, which is what a journal of the store's writes
    needs. Each takes LMDB's arguments and returns LMDB's code, as the call
    it stands for.
*/
#include "bs_store.h"

int
bs_store_put (MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *value, unsigned flags)
{
    return mdb_put (txn, dbi, key, value, flags);
}

int
bs_store_del (MDB_txn *txn, MDB_dbi dbi, MDB_val *key)
{
    return mdb_del (txn, dbi, key, NULL);
}

int
bs_store_cursor_put (MDB_cursor *cursor, MDB_val *key, MDB_val *value, unsigned flags)
{
    return mdb_cursor_put (cursor, key, value, flags);
}

int
bs_store_cursor_del (MDB_cursor *cursor)
{
    return mdb_cursor_del (cursor, 0);
}

int
bs_store_clear (MDB_txn *txn, MDB_dbi dbi)
{
    return mdb_drop (txn, dbi, 0);
}

int
bs_store_drop (MDB_txn *txn, MDB_dbi dbi)
{
    return mdb_drop (txn, dbi, 1);
}

int
bs_store_child_begin (MDB_txn *parent, MDB_txn **child_p)
{
    return mdb_txn_begin (mdb_txn_env (parent), parent, 0, child_p);
}

int
bs_store_child_commit (MDB_txn *child)
{
    return mdb_txn_commit (child);
}

void
bs_store_child_abort (MDB_txn *child)
{
    mdb_txn_abort (child);
}
