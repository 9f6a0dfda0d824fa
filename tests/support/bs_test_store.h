/*  bs_test_store: what tests read of a bs_store directly, beside the
    service that owns it: how many entries one of its databases holds.
    Apart from bs_test, so that a test that opens no store does not
    depend on it.
*/
#ifndef BS_TEST_STORE_H_INCLUDED
#define BS_TEST_STORE_H_INCLUDED

#include <stddef.h>

#include "bs_store.h"

/* The number of entries of the store's database name (one of those the
   store was opened with), read in a read transaction of its own; fails
   the test when it cannot be read. */
size_t bs_test_store_entries (bs_store_t *store, const char *name);

#endif
