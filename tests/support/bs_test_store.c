/*  bs_test_store: reading a store in tests (see bs_test_store.h).
*/
#include "bs_test.h"

#include "bs_test_store.h"

size_t
bs_test_store_entries (bs_store_t *store, const char *name)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, bs_store_dbi (store, name), &stat), 0);
    mdb_txn_abort (txn);
    return stat.ms_entries;
}
