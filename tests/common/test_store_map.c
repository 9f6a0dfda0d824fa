/*  test_store_map: a full map of bs_store grows, on real LMDB
    environments in a private folder.

    A write that fills the map grows it and runs again (also when the
    write hides MDB_MAP_FULL behind a code of its own), up to map_size_max,
    where it is "disk full"; a map grows only when no other thread reads,
    and a map grown by another process is adopted only then. What a write
    does just before its commit (bs_store_write_then) happens once, for
    the run that commits.
*/
#include "store_fixture.h"
#include "bs_test_store.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A body of size - 1 bytes or a little less: Chinese characters, 3 bytes each. */
static char *
s_body_new (size_t size)
{
    static const char pattern[] = "报送信息";
    char *body = malloc (size);
    assert_non_null (body);
    size_t used = 0;
    while (used + 3 < size) {
        memcpy (body + used, pattern + used % (sizeof pattern - 1), 3);
        used += 3;
    }
    body[used] = '\0';
    return body;
}

typedef struct {
    bs_store_t *store;
    size_t count; /* records to write */
    char *body;   /* their body */
    size_t calls; /* how often bs_store_write ran s_put_bulk */
    bool swallow; /* turn every put failure into BS_E_STORAGE */
} bulk_put_t;

/* Re-runnable: every attempt writes the same keys from the start. */
static int
s_put_bulk (MDB_txn *txn, void *argument)
{
    bulk_put_t *bulk = (bulk_put_t *) argument;
    bulk->calls++;
    MDB_dbi dbi = bs_store_dbi (bulk->store, "reports");
    bs_report_t report;
    for (size_t index = 0; index < bulk->count; index++) {
        store_fixture_report_fill (&report, index + 1, bulk->body);
        int rc = bs_store_put_record (txn, dbi, index, &bs_report_schema, &report);
        if (rc != BS_OK)
            return bulk->swallow ? BS_E_STORAGE : rc;
    }
    return BS_OK;
}

static void
test_map_full_grows_and_retries (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 1 * MIB, 0);
    assert_int_equal (bs_store_map_size (store), 1 * MIB);
    /* About 20 MiB in one transaction: 1280 records of 16 KiB. */
    bulk_put_t bulk = {.store = store, .count = 1280, .body = s_body_new (16 * 1024)};
    assert_int_equal (bs_store_write (store, s_put_bulk, &bulk), BS_OK);
    assert_true (bulk.calls > 1);
    assert_true (bs_store_map_size (store) >= 20 * MIB);
    assert_int_equal (bs_test_store_entries (store, "reports"), 1280);
    assert_int_equal (store_fixture_report_lookup (store, 0), BS_OK);
    assert_int_equal (store_fixture_report_lookup (store, 1279), BS_OK);
    size_t grown = bs_store_map_size (store);
    bs_store_destroy (&store);

    /* Reopened with the small size, the store keeps a map that holds it. */
    store = store_fixture_open (fixture, 1 * MIB, 0);
    assert_true (bs_store_map_size (store) >= 20 * MIB);
    assert_true (bs_store_map_size (store) <= grown);
    assert_int_equal (store_fixture_report_lookup (store, 1279), BS_OK);
    bs_store_destroy (&store);
    free (bulk.body);
}

typedef struct {
    bulk_put_t bulk; /* what the thread writes */
    int result;      /* bs_store_write's code */
} s_grower_t;

static void *
s_grow_in_thread (void *argument)
{
    s_grower_t *grower = argument;
    grower->result = bs_store_write (grower->bulk.store, s_put_bulk, &grower->bulk);
    return NULL;
}

/* What a stream reader holds: the first record written, read under
   bs_store_read_lock in an open transaction, and a copy to compare it
   with while another thread or process grows the map. */
typedef struct {
    bulk_put_t first;
    MDB_txn *txn;
    MDB_val value;
    void *copy;
} held_record_t;

/* The store of fixture opened with a map of 1 MiB, its first record
   written and held. */
static bs_store_t *
s_open_holding_first (const store_fixture_t *fixture, held_record_t *held)
{
    bs_store_t *store = store_fixture_open (fixture, 1 * MIB, 0);
    held->first = (bulk_put_t){.store = store, .count = 1, .body = s_body_new (4096)};
    assert_int_equal (bs_store_write (store, s_put_bulk, &held->first), BS_OK);
    bs_store_read_lock (store);
    assert_int_equal (bs_store_read_begin (store, &held->txn), BS_OK);
    unsigned char key_bytes[8];
    bs_store_key (0, key_bytes);
    MDB_val key = {8, key_bytes};
    assert_int_equal (mdb_get (held->txn, bs_store_dbi (store, "reports"), &key, &held->value), 0);
    held->copy = malloc (held->value.mv_size);
    assert_non_null (held->copy);
    memcpy (held->copy, held->value.mv_data, held->value.mv_size);
    return store;
}

/* A thread writes count records of size bytes while the record is held:
   for half a second the map keeps its size and the record stays readable;
   then the reader lets go and the thread must finish its writing. Returns
   how often bs_store_write ran the write (more than once: it grew the
   map). */
static size_t
s_hold_while_growing (bs_store_t *store, held_record_t *held, size_t count, size_t size)
{
    s_grower_t grower = {.bulk = {.store = store, .count = count, .body = s_body_new (size)}};
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_grow_in_thread, &grower), 0);
    for (int look = 0; look < 50; look++) {
        usleep (10 * 1000);
        assert_int_equal (bs_store_map_size (store), 1 * MIB);
        assert_memory_equal (held->value.mv_data, held->copy, held->value.mv_size);
    }
    mdb_txn_abort (held->txn);
    bs_store_read_unlock (store);
    assert_int_equal (pthread_join (thread, NULL), 0);
    assert_int_equal (grower.result, BS_OK);
    free (grower.bulk.body);
    return grower.bulk.calls;
}

static void
s_held_free (held_record_t *held)
{
    free (held->copy);
    free (held->first.body);
}

/* The service loop reads its log (streams) while its writer thread
   writes: growing the map remaps the file, so it must wait until no
   other thread holds bs_store_read_lock. Without the wait, the record
   read below would be unmapped under this thread (a crash). */
static void
test_map_grows_only_when_other_threads_do_not_read (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    held_record_t held;
    bs_store_t *store = s_open_holding_first (fixture, &held);

    /* About 20 MiB from another thread: the map must grow several times. */
    assert_true (s_hold_while_growing (store, &held, 1280, 16 * 1024) > 1);
    assert_true (bs_store_map_size (store) >= 20 * MIB);
    assert_int_equal (bs_test_store_entries (store, "reports"), 1280);
    bs_store_destroy (&store);
    s_held_free (&held);
}

/* In a child: open the store with a map of 1 MiB and write count records
   of 16 KiB. */
static bool
s_child_grow (const store_fixture_t *fixture, size_t count)
{
    bs_store_options_t options = {.map_size = 1 * MIB};
    bs_store_t *store = bs_store_new (fixture->path, store_fixture_names, &options, NULL);
    bulk_put_t bulk = {.store = store, .count = count, .body = s_body_new (16 * 1024)};
    bool done = store && bs_store_write (store, s_put_bulk, &bulk) == BS_OK;
    bs_store_destroy (&store);
    return done;
}

/* Another process (the CLI, a restore) grows the map on its own: a child
   writes count records of 16 KiB and is killed. */
static void
s_grow_in_child (const store_fixture_t *fixture, size_t count)
{
    store_fixture_child_kill (store_fixture_child_start (fixture, s_child_grow, count));
}

/* A map grown by another process is adopted (remapped) by this one when
   a transaction begins: like the growth, the adoption must wait until no
   other thread holds bs_store_read_lock. Without the wait, the record
   read below would be unmapped under this thread (a crash). */
static void
test_map_adopted_only_when_other_threads_do_not_read (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    held_record_t held;
    bs_store_t *store = s_open_holding_first (fixture, &held);

    s_grow_in_child (fixture, 1280); /* about 20 MiB */
    /* A small write from another thread meets the grown map first. */
    s_hold_while_growing (store, &held, 1, 4096);
    assert_true (bs_store_map_size (store) >= 20 * MIB);
    assert_int_equal (bs_test_store_entries (store, "reports"), 1280);

    /* A reader that holds the lock meets the next growth: it lets go of
       the lock to adopt the map (or it would wait for itself). */
    s_grow_in_child (fixture, 3200); /* about 50 MiB */
    bs_store_read_lock (store);
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    mdb_txn_abort (txn);
    bs_store_read_unlock (store);
    assert_true (bs_store_map_size (store) >= 50 * MIB);
    assert_int_equal (bs_test_store_entries (store, "reports"), 3200);
    bs_store_destroy (&store);
    s_held_free (&held);
}

static void
test_map_full_seen_by_a_put_grows (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 1 * MIB, 0);
    /* The function hides MDB_MAP_FULL behind its own code; the transaction
       is dead all the same, and the write must still grow and retry. */
    bulk_put_t bulk = {
        .store = store, .count = 256, .body = s_body_new (16 * 1024), .swallow = true};
    assert_int_equal (bs_store_write (store, s_put_bulk, &bulk), BS_OK);
    assert_true (bulk.calls > 1);
    assert_int_equal (bs_test_store_entries (store, "reports"), 256);
    bs_store_destroy (&store);
    free (bulk.body);
}

static void
test_map_size_max_is_disk_full (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 1 * MIB, 2 * MIB);
    bulk_put_t bulk = {.store = store, .count = 1280, .body = s_body_new (16 * 1024)};
    assert_int_equal (bs_store_write (store, s_put_bulk, &bulk), BS_E_DISK_FULL);
    assert_int_equal (bulk.calls, 2); /* 1 MiB, then 2 MiB, then no further */
    assert_int_equal (bs_store_map_size (store), 2 * MIB);
    assert_int_equal (bs_test_store_entries (store, "reports"), 0);
    assert_int_equal (store_fixture_report_lookup (store, 0), BS_E_NOT_FOUND);

    /* What fits still goes in. */
    bulk.count = 4;
    assert_int_equal (bs_store_write (store, s_put_bulk, &bulk), BS_OK);
    assert_int_equal (bs_test_store_entries (store, "reports"), 4);
    bs_store_destroy (&store);
    free (bulk.body);
}

/* What bs_store_write_then's then saw: the runs of the write so far, and
   whether another thread could read the last record yet. */
typedef struct {
    bulk_put_t bulk;
    size_t thens;        /* calls of then */
    size_t calls_at;     /* bulk.calls when then ran */
    int seen_by_another; /* the last record looked up from another thread, in then */
} s_then_t;

static void *
s_lookup_last (void *argument)
{
    s_then_t *then = argument;
    then->seen_by_another =
        store_fixture_report_lookup (then->bulk.store, then->bulk.count - 1);
    return NULL;
}

static void
s_then (void *argument)
{
    s_then_t *then = argument;
    then->thens++;
    then->calls_at = then->bulk.calls;
    pthread_t reader;
    pthread_create (&reader, NULL, s_lookup_last, then);
    pthread_join (reader, NULL);
}

static int
s_then_put (MDB_txn *txn, void *argument)
{
    return s_put_bulk (txn, &((s_then_t *) argument)->bulk);
}

static int
s_then_refuse (MDB_txn *txn, void *argument)
{
    int rc = s_then_put (txn, argument);
    return rc == BS_OK ? BS_E_CONFLICT : rc;
}

/* then runs once, after the run of fn that commits and before its
   commit: the map filled and grew (fn ran again), and what then does
   comes before any other thread can read the write; a write that fn
   refuses calls no then. */
static void
test_then_runs_once_before_the_commit (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 1 * MIB, 0);
    s_then_t then = {.bulk = {.store = store, .count = 200, .body = s_body_new (16 * 1024)}};
    assert_int_equal (bs_store_write_then (store, s_then_put, s_then, &then), BS_OK);
    assert_true (then.bulk.calls > 1); /* 3 MiB in a map of 1 */
    assert_int_equal (then.thens, 1);
    assert_int_equal (then.calls_at, then.bulk.calls);
    assert_int_equal (then.seen_by_another, BS_E_NOT_FOUND);
    assert_int_equal (store_fixture_report_lookup (store, then.bulk.count - 1), BS_OK);
    then.bulk.count = 400;
    assert_int_equal (bs_store_write_then (store, s_then_refuse, s_then, &then), BS_E_CONFLICT);
    assert_int_equal (then.thens, 1);
    assert_int_equal (store_fixture_report_lookup (store, then.bulk.count - 1), BS_E_NOT_FOUND);
    bs_store_destroy (&store);
    free (then.bulk.body);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_map_full_grows_and_retries, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_map_full_seen_by_a_put_grows, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_map_grows_only_when_other_threads_do_not_read,
                                         store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_map_adopted_only_when_other_threads_do_not_read,
                                         store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_map_size_max_is_disk_full, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_then_runs_once_before_the_commit,
                                         store_fixture_setup, store_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
