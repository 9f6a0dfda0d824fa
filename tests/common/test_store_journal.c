/*  test_store_journal: bs_store's write-ahead journal (the option journal)
    after a crash.

    What it promises: every turn whose bs_store_write returned is there
    after a kill -9 (the turn flushed to the journal and killed before its
    commit is replayed, once) and after a power cut (the data file a power
    cut can leave: each page either as the last checkpoint flushed it, as
    the page cache last had it, or torn between the two, with the meta
    pages of the newest commits, which LMDB alone cannot survive); a torn
    or damaged record at the journal's end is dropped and what follows is
    appended after the last good one; a child transaction that aborts
    leaves nothing in the journal; the map grows under journaled writes; a
    store opened without the journal (or with fewer names) replays it; a
    full disk refuses a turn and leaves the store usable. The segments and
    the checkpoints: test_store_journal_segments.c.

    A "kill" and a "new boot": journal_fixture.h.
*/
#include "journal_fixture.h"

#include "bs_folder.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_PAGE 4096

static void
test_kill_between_flush_and_commit_is_replayed (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    journal_fixture_boot (fixture, 'a');
    journal_fixture_child_t child = {
        .fixture = fixture, .from = 1, .to = 21, .size = 100, .last_size = 100};
    journal_fixture_child_run (&child);
    /* Same boot: the page cache holds turns 1..19; turn 20 is in the
       journal only. */
    bs_store_t *store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 20, 100);
    journal_fixture_assert_walks (store);
    /* A write after the replay follows it, and a clean close and reopen
       replays nothing twice. */
    assert_int_equal (journal_fixture_write (store, 21, 100, false), BS_OK);
    bs_store_destroy (&store);
    store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 21, 100);
    bs_store_destroy (&store);
}

/* The data file a power cut can leave: each page past the meta pages as
   the checkpoint flushed it (copy), as the page cache had it (the file
   now), or torn between the two; the meta pages as the file has them
   now (pointing to the newest commits). */
static void
s_power_cut (const char *data, const char *copy, unsigned seed)
{
    unsigned char *now, *old;
    size_t now_size, old_size;
    journal_fixture_read (data, &now, &now_size);
    journal_fixture_read (copy, &old, &old_size);
    size_t replaced = 0, torn = 0;
    for (size_t page = 2; page * S_PAGE < now_size; page++) {
        unsigned char *at = now + page * S_PAGE;
        unsigned char before[S_PAGE];
        if (page * S_PAGE < old_size)
            memcpy (before, old + page * S_PAGE, S_PAGE);
        else
            memset (before, 0, S_PAGE); /* the file's growth not on disk */
        int choice = rand_r (&seed) % 4;
        if (choice == 1 || choice == 2) {
            replaced += memcmp (at, before, S_PAGE) != 0;
            memcpy (at, before, S_PAGE);
        } else if (choice == 3) {
            size_t cut = 512 * (1 + (size_t) (rand_r (&seed) % 7));
            torn += memcmp (at, before, cut) != 0;
            memcpy (at, before, cut);
        }
    }
    assert_true (replaced + torn > 0);
    int fd = open (data, O_WRONLY);
    assert_true (fd >= 0);
    assert_int_equal (pwrite (fd, now, now_size, 0), (ssize_t) now_size);
    close (fd);
    free (now);
    free (old);
}

static void
s_power_cut_once (store_fixture_t *fixture, unsigned seed)
{
    char copy[4096], data[4096], segment[4096];
    snprintf (copy, sizeof copy, "%s/checkpointed.mdb", fixture->folder);
    snprintf (data, sizeof data, "%s/data.mdb", fixture->path);
    journal_fixture_boot (fixture, 'a');
    /* 30 turns, a checkpoint and its copy, 60 more that rewrite and free
       many pages, and one more that dies flushed and uncommitted. */
    journal_fixture_child_t child = {.fixture = fixture,
                                     .from = 1,
                                     .to = 92,
                                     .size = 1500,
                                     .last_size = 20000,
                                     .checkpoint_after = 30,
                                     .copy = copy};
    journal_fixture_child_run (&child);
    s_power_cut (data, copy, seed);
    /* The record of the last turn is torn: half of it reached the disk. */
    journal_fixture_last_segment (fixture, segment, sizeof segment);
    assert_int_equal (truncate (segment, journal_fixture_segment_end (segment) - 10000), 0);
    journal_fixture_boot (fixture, 'b');
    bs_store_t *store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 90, 1500);
    journal_fixture_assert_walks (store);
    /* The store goes on: written, closed, opened again in this boot. */
    assert_int_equal (journal_fixture_write (store, 91, 1500, false), BS_OK);
    bs_store_destroy (&store);
    store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 91, 1500);
    journal_fixture_assert_walks (store);
    bs_store_destroy (&store);
}

static void
test_power_cut_goes_back_to_the_checkpoint (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    for (unsigned seed = 1; seed <= 6; seed++) {
        s_power_cut_once (fixture, seed);
        bs_folder_remove (fixture->path);
    }
}

static void
test_torn_tail_is_dropped_and_appends_follow (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    journal_fixture_boot (fixture, 'a');
    journal_fixture_child_t child = {
        .fixture = fixture, .from = 1, .to = 11, .size = 100, .last_size = 3000};
    journal_fixture_child_run (&child);
    char segment[4096];
    journal_fixture_last_segment (fixture, segment, sizeof segment);
    /* Damage the last record (turn 10): a byte of its changes. */
    int fd = open (segment, O_RDWR);
    assert_true (fd >= 0);
    off_t size = journal_fixture_segment_end (segment);
    unsigned char byte;
    assert_int_equal (pread (fd, &byte, 1, size - 100), 1);
    byte ^= 0x5a;
    assert_int_equal (pwrite (fd, &byte, 1, size - 100), 1);
    close (fd);
    /* A new boot goes back to the checkpoint (the open's) and replays
       turns 1..9 from the journal; turn 10 is dropped. */
    journal_fixture_boot (fixture, 'b');
    bs_store_t *store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 9, 100);
    bs_store_destroy (&store);
    /* The next turns follow turn 9: killed again, replayed again. */
    child = (journal_fixture_child_t){
        .fixture = fixture, .from = 10, .to = 16, .size = 100, .last_size = 100};
    journal_fixture_child_run (&child);
    journal_fixture_boot (fixture, 'c');
    store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 15, 100);
    journal_fixture_assert_walks (store);
    bs_store_destroy (&store);
}

static void
test_aborted_child_is_not_replayed (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    journal_fixture_boot (fixture, 'a');
    journal_fixture_child_t child = {
        .fixture = fixture, .from = 1, .to = 6, .size = 100, .last_size = 100, .abort_child = true};
    journal_fixture_child_run (&child);
    /* A new boot: the store goes back to its open's checkpoint (empty),
       so every turn comes from the journal. */
    journal_fixture_boot (fixture, 'b');
    bs_store_t *store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 5, 100); /* no entry of an aborted child (ms_entries) */
    bs_store_destroy (&store);
}

static void
test_map_grows_under_the_journal (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    journal_fixture_boot (fixture, 'a');
    /* 1 MiB of map, 40 turns of 100 KiB: the map grows several times. */
    journal_fixture_child_t child = {.fixture = fixture,
                                     .from = 1,
                                     .to = 41,
                                     .size = 100 * 1024,
                                     .last_size = 100 * 1024,
                                     .map_size = MIB};
    journal_fixture_child_run (&child);
    journal_fixture_boot (fixture, 'b');
    bs_store_t *store = journal_fixture_open (fixture, MIB);
    journal_fixture_assert_turns (store, 40, 100 * 1024);
    assert_true (bs_store_map_size (store) >= 4 * MIB);
    journal_fixture_assert_walks (store);
    bs_store_destroy (&store);
}

/* A journaled store opened without the journal replays it and drops it. */
static void
test_opened_without_the_journal (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    journal_fixture_boot (fixture, 'a');
    journal_fixture_child_t child = {
        .fixture = fixture, .from = 1, .to = 11, .size = 100, .last_size = 100};
    journal_fixture_child_run (&child);
    journal_fixture_journal = false;
    bs_store_t *store = journal_fixture_open (fixture, 0);
    journal_fixture_journal = true;
    journal_fixture_assert_turns (store, 10, 100);
    assert_int_equal (journal_fixture_write (store, 11, 100, false), BS_OK);
    bs_store_destroy (&store);
    char command[4096];
    snprintf (command, sizeof command, "ls %s | grep -c '^journal'", fixture->path);
    FILE *ls = popen (command, "r");
    assert_non_null (ls);
    int files = -1;
    assert_int_equal (fscanf (ls, "%d", &files), 1);
    pclose (ls);
    assert_int_equal (files, 0);
    store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 11, 100);
    bs_store_destroy (&store);
}

/* A journaled store with many databases, opened with fewer names and
   without the journal (a later version, a tool, a test reading a stopped
   service's log): the replay opens every database its segments name, so
   the store makes room for them (maxdbs). */
static void
test_opened_with_fewer_names (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    static const char *const many[] = {"reports", "counters", "cases",    "trail",   "issues",
                                       "waiting", "figures",  "subjects", "replies", NULL};
    fixture->names = many;
    journal_fixture_boot (fixture, 'a');
    journal_fixture_child_t child = {
        .fixture = fixture, .from = 1, .to = 11, .size = 100, .last_size = 100};
    journal_fixture_child_run (&child);
    static const char *const none[] = {NULL};
    bs_error_t error;
    bs_error_clear (&error);
    bs_store_options_t without = {.journal_boot_id_path = journal_fixture_boot_path};
    bs_store_t *store = bs_store_new (fixture->path, none, &without, &error);
    if (!store)
        fail_msg ("bs_store_new with fewer names: %s", error.text);
    bs_store_destroy (&store);
    fixture->names = NULL;
    store = journal_fixture_open (fixture, 0);
    journal_fixture_assert_turns (store, 10, 100);
    bs_store_destroy (&store);
}

/* A turn the disk has no room for is refused (disk full) and the store
   takes the next turn that fits: a small tmpfs (skipped where none can be
   mounted). */
static void
test_disk_full_leaves_the_store_usable (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    char mount_point[4096];
    snprintf (mount_point, sizeof mount_point, "%s/small", fixture->folder);
    assert_int_equal (mkdir (mount_point, 0700), 0);
    if (mount ("journal-disk-full", mount_point, "tmpfs", 0, "size=3m") != 0) {
        rmdir (mount_point);
        skip ();
    }
    free (fixture->path);
    assert_true (asprintf (&fixture->path, "%s/store", mount_point) > 0);
    journal_fixture_boot (fixture, 'a');
    bs_store_t *store = journal_fixture_open (fixture, MIB);
    uint64_t turn = 1;
    int rc = BS_OK;
    for (; turn < 200 && rc == BS_OK; turn++)
        rc = journal_fixture_write (store, turn, 64 * 1024, false);
    assert_int_equal (rc, BS_E_DISK_FULL);
    uint64_t stored = turn - 2;
    assert_true (stored > 5);
    journal_fixture_assert_turns (store, stored, 64 * 1024);
    /* Small turns still fit (or the checkpoint makes room by removing the
       journal it covers). */
    assert_int_equal (bs_store_checkpoint (store), BS_OK);
    assert_int_equal (journal_fixture_write (store, stored + 1, 100, false), BS_OK);
    bs_store_destroy (&store);
    store = journal_fixture_open (fixture, MIB);
    journal_fixture_assert_turns (store, stored + 1, 64 * 1024);
    bs_store_destroy (&store);
    assert_int_equal (umount (mount_point), 0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_kill_between_flush_and_commit_is_replayed,
                                         store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_power_cut_goes_back_to_the_checkpoint,
                                         store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_torn_tail_is_dropped_and_appends_follow,
                                         store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_aborted_child_is_not_replayed, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_map_grows_under_the_journal, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_opened_without_the_journal, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_opened_with_fewer_names, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_disk_full_leaves_the_store_usable,
                                         store_fixture_setup, store_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
