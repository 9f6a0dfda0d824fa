/*  test_store_journal_segments: the segments of bs_store's write-ahead
    journal and the checkpoints that remove them.

    What it promises: checkpoints beside the writes (and beside remaps of
    the map) lose no turn and remove the segments they covered; a segment
    is zero-filled ahead and one a checkpoint covered becomes the next,
    and a kill after turns written over its start replays them alone; a
    checkpoint starts a segment only past a quarter of segment_max; a
    segment's header cut short holds nothing, one the store cannot read
    keeps it closed. The replay after a crash: test_store_journal.c.

    A "kill" and a "new boot": journal_fixture.h.
*/
#include "journal_fixture.h"

#include "bs_store_state.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static off_t
s_file_size (const char *path)
{
    struct stat status;
    assert_int_equal (stat (path, &status), 0);
    return status.st_size;
}

static ino_t
s_file_inode (const char *path)
{
    struct stat status;
    assert_int_equal (stat (path, &status), 0);
    return status.st_ino;
}

/* Checkpoints every 5 ms beside the writes: every turn is there after a
   new boot, and the checkpoints removed the journal they covered. */
static void
test_checkpoints_beside_writes (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    journal_fixture_boot (fixture, 'a');
    journal_fixture_checkpoint_ms = 5;
    journal_fixture_child_t child = {
        .fixture = fixture, .from = 1, .to = 301, .size = 2000, .last_size = 2000};
    journal_fixture_child_run (&child);
    journal_fixture_checkpoint_ms = -1;
    char command[4096];
    snprintf (command, sizeof command, "ls %s | grep -c '^journal-0'", fixture->path);
    FILE *ls = popen (command, "r");
    assert_non_null (ls);
    int segments = 0;
    assert_int_equal (fscanf (ls, "%d", &segments), 1);
    pclose (ls);
    assert_true (segments >= 1 && segments <= 3);
    journal_fixture_boot (fixture, 'b');
    bs_store_t *store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 300, 2000);
    journal_fixture_assert_walks (store);
    bs_store_destroy (&store);
}

/* Checkpoints beside remaps of the map, as the writer's thread makes
   them (s_grow after a full map, s_adopt of a map another process grew:
   the write side of map_lock, then mdb_env_set_mapsize, which unmaps the
   file and maps it again): a checkpoint reads the map (its meta pages)
   only under the read side of map_lock, so it never reads a page while
   the map is gone. Seen to fail (the checkpoint thread killed by SIGSEGV
   within the first thousands of remaps) with the page size read by
   mdb_env_stat outside the lock, as it was. */
typedef struct {
    bs_store_t *store;
    atomic_bool stop;
    atomic_int failures;
    atomic_ulong checkpoints;
} s_remaps_t;

static void *
s_checkpoint_loop (void *argument)
{
    s_remaps_t *remaps = (s_remaps_t *) argument;
    while (!atomic_load (&remaps->stop)) {
        if (bs_store_checkpoint (remaps->store) != BS_OK)
            atomic_fetch_add (&remaps->failures, 1);
        atomic_fetch_add (&remaps->checkpoints, 1);
    }
    return NULL;
}

static void
test_checkpoints_beside_remaps (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    journal_fixture_boot (fixture, 'a');
    bs_store_t *store = journal_fixture_open (fixture, MIB);
    assert_int_equal (journal_fixture_write (store, 1, 100, false), BS_OK);
    s_remaps_t remaps = {.store = store};
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_checkpoint_loop, &remaps), 0);
    uint64_t turn = 1;
    for (int i = 0; i < 20000; i++) {
        pthread_rwlock_wrlock (&store->map_lock);
        int rc = mdb_env_set_mapsize (store->env, bs_store_map_size (store));
        pthread_rwlock_unlock (&store->map_lock);
        assert_int_equal (rc, MDB_SUCCESS);
        if (i % 500 == 0) /* something new for the checkpoints to flush now and then */
            assert_int_equal (journal_fixture_write (store, ++turn, 100, false), BS_OK);
    }
    atomic_store (&remaps.stop, true);
    assert_int_equal (pthread_join (thread, NULL), 0);
    assert_int_equal (atomic_load (&remaps.failures), 0);
    assert_true (atomic_load (&remaps.checkpoints) > 0);
    bs_store_destroy (&store);
    journal_fixture_boot (fixture, 'b');
    store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, turn, 100);
    bs_store_destroy (&store);
}

/* A segment is zero-filled ahead, so few turns' flushes change its size
   (a metadata write of the file system in the flush); a segment a
   checkpoint covered
   is kept and becomes the next segment, its blocks written already; a
   kill after turns appended to such a segment replays them and stops
   before the older bytes after them, as it stops at the zeros. */
static void
test_segments_preallocated_and_recycled (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    journal_fixture_boot (fixture, 'a');
    journal_fixture_segment_max = 64 * 1024; /* a checkpoint starts a segment past 16 KiB */
    bs_store_t *store = journal_fixture_open (fixture, 0);
    assert_int_equal (journal_fixture_write (store, 1, 3000, false), BS_OK);
    char first[4096];
    journal_fixture_last_segment (fixture, first, sizeof first);
    off_t size = s_file_size (first);
    ino_t inode = s_file_inode (first);
    int grown = 0; /* turns whose flush changed the size */
    for (uint64_t turn = 2; turn <= 40; turn++) {
        assert_int_equal (journal_fixture_write (store, turn, 3000, false), BS_OK);
        grown += s_file_size (first) != size;
        size = s_file_size (first);
    }
    assert_true (grown <= 2); /* it grows by as much as it has: 128, 320 KiB */
    assert_true (journal_fixture_segment_end (first) > 40 * 3000
                 && journal_fixture_segment_end (first) < size);
    /* A checkpoint; turns 41..50 start a segment (and pass 16 KiB); the
       next checkpoint covers the first, whose file is turn 51's segment. */
    assert_int_equal (bs_store_checkpoint (store), BS_OK);
    for (uint64_t turn = 41; turn <= 50; turn++)
        assert_int_equal (journal_fixture_write (store, turn, 3000, false), BS_OK);
    assert_int_equal (bs_store_checkpoint (store), BS_OK);
    assert_int_equal (access (first, F_OK), -1);
    assert_int_equal (journal_fixture_write (store, 51, 100, false), BS_OK);
    char recycled[4096];
    journal_fixture_last_segment (fixture, recycled, sizeof recycled);
    assert_string_not_equal (recycled, first);
    assert_int_equal (s_file_inode (recycled), inode);
    assert_int_equal (s_file_size (recycled), size);
    bs_store_destroy (&store);
    bs_folder_remove (fixture->path);

    /* Killed: turns 1..20 of 3000 bytes, then 21..40 in a segment of its
       own; the first becomes a spare and turns 41..60, of 100 bytes,
       are written over its start (turn 60 flushed, not committed). A new
       boot goes back to the checkpoint of turn 40 and replays 41..60
       from the recycled segment, and none of the turns 1..20 whose
       records follow them in the file. */
    journal_fixture_child_t child = {.fixture = fixture,
                                     .from = 1,
                                     .to = 61,
                                     .size = 3000,
                                     .last_size = 100,
                                     .checkpoint_every = 20,
                                     .small_from = 41};
    journal_fixture_child_run (&child);
    journal_fixture_last_segment (fixture, recycled, sizeof recycled);
    assert_true (s_file_size (recycled) > journal_fixture_segment_end (recycled) + 3000);
    journal_fixture_boot (fixture, 'b');
    store = journal_fixture_open (fixture, 0);
    /* the counter 60: no turn 1..20 applied again */
    journal_fixture_assert_turns (store, 60, 3000);
    journal_fixture_assert_walks (store);
    bs_store_destroy (&store);
    journal_fixture_segment_max = 0;
}

/* A checkpoint starts a segment only past a quarter of segment_max: a
   store of few turns keeps its segment (a new one is a name made durable
   in a turn's flush, the folder's fsync); the segments past it are
   removed all the same. */
static void
test_segment_kept_across_checkpoints (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    journal_fixture_boot (fixture, 'a');
    journal_fixture_segment_max = 256 * 1024; /* past 64 KiB */
    bs_store_t *store = journal_fixture_open (fixture, 0);
    char first[4096], now[4096];
    for (uint64_t turn = 1; turn <= 10; turn++) {
        assert_int_equal (journal_fixture_write (store, turn, 1000, false), BS_OK);
        assert_int_equal (bs_store_checkpoint (store), BS_OK);
        journal_fixture_last_segment (fixture, now, sizeof now);
        if (turn == 1)
            strcpy (first, now);
        assert_string_equal (now, first);
    }
    /* 100 turns of 1000 bytes pass 64 KiB: a checkpoint then starts a
       segment, and the next one takes the first away. */
    for (uint64_t turn = 11; turn <= 110; turn++)
        assert_int_equal (journal_fixture_write (store, turn, 1000, false), BS_OK);
    assert_int_equal (bs_store_checkpoint (store), BS_OK);
    assert_int_equal (journal_fixture_write (store, 111, 1000, false), BS_OK);
    assert_int_equal (bs_store_checkpoint (store), BS_OK);
    journal_fixture_last_segment (fixture, now, sizeof now);
    assert_string_not_equal (now, first);
    assert_int_equal (access (first, F_OK), -1);
    bs_store_destroy (&store);
    journal_fixture_segment_max = 0;
    journal_fixture_boot (fixture, 'b');
    store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 111, 1000);
    bs_store_destroy (&store);
}

/* A segment of the journal under the name of the first turn `first`:
   the bytes of the segment at `from` with the version and the count of
   names set (keep: 0), cut to their first `keep` bytes (SIZE_MAX: all). */
static void
s_segment_with (const store_fixture_t *fixture, const char *from, uint64_t first, uint32_t version,
                uint32_t names, size_t keep)
{
    unsigned char *bytes;
    size_t size;
    journal_fixture_read (from, &bytes, &size);
    assert_true (size > 12);
    if (version)
        memcpy (bytes + 4, &version, 4);
    if (names)
        memcpy (bytes + 8, &names, 4);
    size = keep < size ? keep : size;
    char path[4096];
    snprintf (path, sizeof path, "%s/journal-%016llx", fixture->path, (unsigned long long) first);
    FILE *file = fopen (path, "wb");
    assert_non_null (file);
    assert_int_equal (fwrite (bytes, 1, size, file), size);
    fclose (file);
    free (bytes);
}

/* The store at fixture cannot be opened: BS_E_STORAGE. */
static void
s_assert_refused (const store_fixture_t *fixture)
{
    bs_error_t error;
    bs_error_clear (&error);
    bs_store_options_t options = {.journal = true,
                                  .journal_checkpoint_ms = -1,
                                  .journal_boot_id_path = journal_fixture_boot_path};
    bs_store_t *store = bs_store_new (fixture->path, store_fixture_names, &options, &error);
    if (store)
        fail_msg ("a store whose journal has a header it cannot read was opened");
    assert_int_equal (error.code, BS_E_STORAGE);
}

/* The segments' headers, checked alike for the names a store makes room
   for and for the replay: a segment cut before its first record was
   flushed (empty, within its header, within its names) holds nothing and
   the journal's earlier segments are replayed; a header of a later
   version, or with more names than a segment may have, keeps the store
   closed (its records cannot be read, and dropping them could lose
   acknowledged turns) and nothing of the store is changed. */
static void
test_segment_headers (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    journal_fixture_boot (fixture, 'a');
    journal_fixture_child_t child = {
        .fixture = fixture, .from = 1, .to = 11, .size = 100, .last_size = 100};
    journal_fixture_child_run (&child);
    char segment[4096];
    journal_fixture_last_segment (fixture, segment, sizeof segment);
    s_segment_with (fixture, segment, 11, 0, 0, 0);
    s_segment_with (fixture, segment, 12, 0, 0, 7);
    s_segment_with (fixture, segment, 13, 0, 0, 14); /* a header, a part of its first name */
    journal_fixture_boot (fixture, 'b');
    bs_store_t *store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 10, 100);
    bs_store_destroy (&store);

    child = (journal_fixture_child_t){
        .fixture = fixture, .from = 11, .to = 16, .size = 100, .last_size = 100};
    journal_fixture_child_run (&child);
    journal_fixture_last_segment (fixture, segment, sizeof segment);
    char kept[4096];
    snprintf (kept, sizeof kept, "%s/kept-segment", fixture->folder);
    journal_fixture_copy_file (segment, kept);
    unlink (segment);
    s_segment_with (fixture, kept, 11, 3, 0, SIZE_MAX); /* a later version's */
    journal_fixture_boot (fixture, 'c');
    s_assert_refused (fixture);
    s_segment_with (fixture, kept, 11, 0, 1025, SIZE_MAX); /* past BS_JOURNAL_NAMES_MAX */
    s_assert_refused (fixture);
    s_segment_with (fixture, kept, 11, 0, 0x7fffffff, SIZE_MAX);
    s_assert_refused (fixture);
    /* Its own header back: every turn is there. */
    s_segment_with (fixture, kept, 11, 0, 0, SIZE_MAX);
    store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 15, 100);
    journal_fixture_assert_walks (store);
    bs_store_destroy (&store);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_checkpoints_beside_writes, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_checkpoints_beside_remaps, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_segments_preallocated_and_recycled,
                                         store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_segment_kept_across_checkpoints, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_segment_headers, store_fixture_setup,
                                         store_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
