/*  test_store_journal: bs_store's write-ahead journal (the option journal).

    What it promises: every turn whose bs_store_write returned is there
    after a kill -9 (the turn flushed to the journal and killed before its
    commit is replayed, once) and after a power cut (the data file a power
    cut can leave: each page either as the last checkpoint flushed it, as
    the page cache last had it, or torn between the two, with the meta
    pages of the newest commits, which LMDB alone cannot survive); a torn
    or damaged record at the journal's end is dropped and what follows is
    appended after the last good one; a child transaction that aborts
    leaves nothing in the journal; the map grows under journaled writes; a
    full disk refuses a turn and leaves the store usable.

    A "kill" is a child process that _exit()s between a turn's flush and
    its commit (bs_store_journal_flushed_hook); a "new boot" is another
    boot id in the file the store reads it from.
*/
#include "store_fixture.h"

#include "bs_folder.h"
#include "bs_store_state.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_PAGE 4096

static char s_boot_path[4096];

/* The whole file at path (malloc'd). */
static void
s_read (const char *path, unsigned char **bytes, size_t *size)
{
    FILE *file = fopen (path, "rb");
    assert_non_null (file);
    assert_int_equal (fseek (file, 0, SEEK_END), 0);
    long length = ftell (file);
    assert_true (length >= 0);
    rewind (file);
    *bytes = malloc ((size_t) length + 1);
    assert_non_null (*bytes);
    assert_int_equal (fread (*bytes, 1, (size_t) length, file), (size_t) length);
    fclose (file);
    *size = (size_t) length;
}

static void
s_boot (const store_fixture_t *fixture, char letter)
{
    snprintf (s_boot_path, sizeof s_boot_path, "%s/boot_id", fixture->folder);
    char id[37];
    memset (id, letter, 36);
    id[36] = 0;
    FILE *file = fopen (s_boot_path, "w");
    assert_non_null (file);
    fprintf (file, "%s\n", id);
    fclose (file);
}

static int s_checkpoint_ms = -1; /* the stores' checkpoints: only when asked */
static bool s_journal = true;
static size_t s_segment_max; /* 0: the default (a checkpoint starts a segment past a quarter) */

static bs_store_t *
s_open (const store_fixture_t *fixture, size_t map_size)
{
    bs_store_options_t options = {.map_size = map_size,
                                  .journal = s_journal,
                                  .journal_checkpoint_ms = s_checkpoint_ms,
                                  .journal_segment_max = s_segment_max,
                                  .journal_boot_id_path = s_boot_path};
    return store_fixture_open_with (fixture, &options);
}

/* A turn: report `turn` under its key (a value of size bytes that says
   which turn it is), the counter "turns" one up, an event in the log. */
typedef struct {
    bs_store_t *store;
    uint64_t turn;
    size_t size;
    bool abort_child; /* also a child transaction that puts and aborts */
} s_turn_t;

static void
s_value (uint64_t turn, size_t size, unsigned char *value)
{
    for (size_t i = 0; i < size; i++)
        value[i] = (unsigned char) (turn * 31 + i * 7);
}

static int
s_turn (MDB_txn *txn, void *argument)
{
    s_turn_t *turn = (s_turn_t *) argument;
    unsigned char key[8], *bytes = malloc (turn->size);
    assert_non_null (bytes);
    bs_store_key (turn->turn, key);
    s_value (turn->turn, turn->size, bytes);
    MDB_val k = {.mv_size = 8, .mv_data = key}, v = {.mv_size = turn->size, .mv_data = bytes};
    int rc = bs_store_error (bs_store_put (txn, bs_store_dbi (turn->store, "reports"), &k, &v, 0),
                             "put");
    free (bytes);
    uint64_t counted;
    if (rc == BS_OK)
        rc = bs_store_next_counter (txn, bs_store_dbi (turn->store, "counters"), "turns", &counted);
    if (rc == BS_OK && turn->abort_child) {
        MDB_txn *child;
        assert_int_equal (bs_store_child_begin (txn, &child), 0);
        unsigned char other[8];
        bs_store_key (1000000 + turn->turn, other);
        MDB_val ok = {.mv_size = 8, .mv_data = other};
        assert_int_equal (bs_store_put (child, bs_store_dbi (turn->store, "reports"), &ok, &ok, 0), 0);
        bs_store_child_abort (child);
    }
    if (rc == BS_OK) {
        bs_report_t report;
        store_fixture_report_fill (&report, turn->turn, (char *) "正文");
        uint64_t seq;
        rc = bs_eventlog_append (turn->store, txn, &bs_report_schema, &report, "test", 1, &seq);
    }
    return rc;
}

static int
s_write (bs_store_t *store, uint64_t turn, size_t size, bool abort_child)
{
    s_turn_t argument = {.store = store, .turn = turn, .size = size, .abort_child = abort_child};
    return bs_store_write (store, s_turn, &argument);
}

/* Turns first..last (last excluded) are there, with their values, the
   counter says how many there were, the log holds one event a turn, and
   nothing past them. */
static void
s_assert_turns (bs_store_t *store, uint64_t last, size_t size)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    MDB_dbi reports = bs_store_dbi (store, "reports");
    unsigned char *expected = malloc (size + 1);
    for (uint64_t turn = 1; turn <= last; turn++) {
        unsigned char key[8];
        bs_store_key (turn, key);
        MDB_val k = {.mv_size = 8, .mv_data = key}, v;
        int rc = mdb_get (txn, reports, &k, &v);
        if (rc != 0)
            fail_msg ("turn %llu is missing", (unsigned long long) turn);
        size_t turn_size = v.mv_size;
        s_value (turn, turn_size, expected);
        assert_memory_equal (v.mv_data, expected, turn_size);
    }
    free (expected);
    unsigned char key[8];
    bs_store_key (last + 1, key);
    MDB_val k = {.mv_size = 8, .mv_data = key}, v;
    assert_int_equal (mdb_get (txn, reports, &k, &v), MDB_NOTFOUND);
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, reports, &stat), 0);
    assert_int_equal (stat.ms_entries, last);
    uint64_t counted = 0;
    assert_int_equal (bs_store_get_u64 (txn, bs_store_dbi (store, "counters"), "turns", &counted),
                      BS_OK);
    assert_int_equal (counted, last);
    uint64_t seq = 0;
    assert_int_equal (bs_eventlog_last (store, txn, &seq), BS_OK);
    assert_int_equal (seq, last);
    assert_int_equal (mdb_stat (txn, bs_store_dbi (store, "log"), &stat), 0);
    assert_int_equal (stat.ms_entries, last);
    mdb_txn_abort (txn);
}

/* Every database (the free pages', the main one and each named one)
   has its statistics and walks whole. */
static void
s_assert_walks (bs_store_t *store)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    MDB_cursor *names;
    assert_int_equal (mdb_cursor_open (txn, 1, &names), 0);
    MDB_val name, value;
    size_t databases = 0;
    for (int found = mdb_cursor_get (names, &name, &value, MDB_FIRST); found == 0;
         found = mdb_cursor_get (names, &name, &value, MDB_NEXT)) {
        char text[256];
        snprintf (text, sizeof text, "%.*s", (int) name.mv_size, (char *) name.mv_data);
        MDB_dbi dbi;
        assert_int_equal (mdb_dbi_open (txn, text, 0, &dbi), 0);
        MDB_stat stat;
        assert_int_equal (mdb_stat (txn, dbi, &stat), 0);
        MDB_cursor *cursor;
        assert_int_equal (mdb_cursor_open (txn, dbi, &cursor), 0);
        size_t entries = 0;
        MDB_val k, v;
        int rc;
        for (rc = mdb_cursor_get (cursor, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get (cursor, &k, &v, MDB_NEXT))
            entries++;
        assert_int_equal (rc, MDB_NOTFOUND);
        assert_int_equal (entries, stat.ms_entries);
        mdb_cursor_close (cursor);
        databases++;
    }
    mdb_cursor_close (names);
    assert_true (databases >= 4);
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, 0, &stat), 0);
    MDB_cursor *free_pages;
    assert_int_equal (mdb_cursor_open (txn, 0, &free_pages), 0);
    size_t entries = 0;
    int rc;
    for (rc = mdb_cursor_get (free_pages, &name, &value, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (free_pages, &name, &value, MDB_NEXT))
        entries++;
    assert_int_equal (rc, MDB_NOTFOUND);
    assert_int_equal (entries, stat.ms_entries);
    mdb_cursor_close (free_pages);
    mdb_txn_abort (txn);
}

/* A child that opens the store, writes turns from..to (to excluded), the
   last one of size `last_size`, and _exit()s between the flush and the
   commit of that last one; checkpoint_after: turns after which it
   checkpoints and copies data.mdb to `copy` (0: never); checkpoint_every:
   it also checkpoints after every this many turns (0: never); from
   small_from on (0: never) the turns are of 100 bytes. */
typedef struct {
    const store_fixture_t *fixture;
    uint64_t from, to;
    size_t size, last_size;
    uint64_t checkpoint_after, checkpoint_every, small_from;
    const char *copy;
    size_t map_size;
    bool abort_child;
} s_child_t;

static uint64_t s_kill_at; /* the child's turn to die in */
static uint64_t s_turn_now;

static void
s_die (bs_store_t *store)
{
    (void) store;
    if (s_turn_now == s_kill_at)
        kill (getpid (), SIGKILL); /* a kill -9: no exit handler, no leak check under valgrind */
}

static void
s_copy_file (const char *from, const char *to)
{
    unsigned char *bytes;
    size_t size;
    s_read (from, &bytes, &size);
    int fd = open (to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true (fd >= 0);
    assert_int_equal (write (fd, bytes, size), (ssize_t) size);
    close (fd);
    free (bytes);
}

static void
s_child_run (const s_child_t *child)
{
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        alarm (60);
        bs_store_t *store = s_open (child->fixture, child->map_size);
        s_kill_at = child->to - 1;
        bs_store_journal_flushed_hook = s_die;
        for (uint64_t turn = child->from; turn < child->to; turn++) {
            s_turn_now = turn;
            size_t size = turn == child->to - 1                            ? child->last_size
                          : child->small_from && turn >= child->small_from ? 100
                                                                           : child->size;
            if (s_write (store, turn, size, child->abort_child) != BS_OK)
                _exit (2);
            if (child->checkpoint_every && turn % child->checkpoint_every == 0
                && bs_store_checkpoint (store) != BS_OK)
                _exit (3);
            if (turn == child->checkpoint_after) {
                if (bs_store_checkpoint (store) != BS_OK)
                    _exit (3);
                char data[4096];
                snprintf (data, sizeof data, "%s/data.mdb", child->fixture->path);
                s_copy_file (data, child->copy);
            }
        }
        _exit (4); /* the last turn should not have returned */
    }
    int status;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
        fail_msg ("the child did not die between a flush and its commit (status %d)", status);
}

static void
test_kill_between_flush_and_commit_is_replayed (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    s_boot (fixture, 'a');
    s_child_t child = {.fixture = fixture, .from = 1, .to = 21, .size = 100, .last_size = 100};
    s_child_run (&child);
    /* Same boot: the page cache holds turns 1..19; turn 20 is in the
       journal only. */
    bs_store_t *store = s_open (fixture, 0);
    s_assert_turns (store, 20, 100);
    s_assert_walks (store);
    /* A write after the replay follows it, and a clean close and reopen
       replays nothing twice. */
    assert_int_equal (s_write (store, 21, 100, false), BS_OK);
    bs_store_destroy (&store);
    store = s_open (fixture, 0);
    s_assert_turns (store, 21, 100);
    bs_store_destroy (&store);
}

/* The last segment of the journal (the newest): its path into path. */
static void
s_last_segment (const store_fixture_t *fixture, char *path, size_t size)
{
    char command[4096];
    snprintf (command, sizeof command, "ls %s/journal-0* | sort | tail -1", fixture->path);
    FILE *ls = popen (command, "r");
    assert_non_null (ls);
    assert_non_null (fgets (path, (int) size, ls));
    pclose (ls);
    path[strcspn (path, "\n")] = 0;
}

static off_t
s_file_size (const char *path)
{
    struct stat status;
    assert_int_equal (stat (path, &status), 0);
    return status.st_size;
}

/* Where the records of the segment at path end (it is zero-filled
   ahead, or holds an earlier use's bytes after them): its header and
   names, then each record whose S follows from the name's. */
static off_t
s_segment_end (const char *path)
{
    unsigned char *bytes;
    size_t size;
    s_read (path, &bytes, &size);
    const char *name = strrchr (path, '/') + 1 + strlen ("journal-");
    uint64_t expect = strtoull (name, NULL, 16);
    assert_true (size >= 12);
    uint32_t names;
    memcpy (&names, bytes + 8, 4);
    size_t at = 12;
    for (uint32_t i = 0; i < names; i++) {
        uint16_t length;
        memcpy (&length, bytes + at, 2);
        at += 2 + length;
    }
    while (at + 16 <= size) {
        uint32_t length;
        uint64_t seq;
        memcpy (&length, bytes + at, 4);
        memcpy (&seq, bytes + at + 8, 8);
        if (length < 8 || at + 8 + length > size || seq != expect)
            break;
        at += 8 + length;
        expect++;
    }
    free (bytes);
    return (off_t) at;
}

static ino_t
s_file_inode (const char *path)
{
    struct stat status;
    assert_int_equal (stat (path, &status), 0);
    return status.st_ino;
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
    s_read (data, &now, &now_size);
    s_read (copy, &old, &old_size);
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
    s_boot (fixture, 'a');
    /* 30 turns, a checkpoint and its copy, 60 more that rewrite and free
       many pages, and one more that dies flushed and uncommitted. */
    s_child_t child = {.fixture = fixture,
                       .from = 1,
                       .to = 92,
                       .size = 1500,
                       .last_size = 20000,
                       .checkpoint_after = 30,
                       .copy = copy};
    s_child_run (&child);
    s_power_cut (data, copy, seed);
    /* The record of the last turn is torn: half of it reached the disk. */
    s_last_segment (fixture, segment, sizeof segment);
    assert_int_equal (truncate (segment, s_segment_end (segment) - 10000), 0);
    s_boot (fixture, 'b');
    bs_store_t *store = s_open (fixture, 0);
    s_assert_turns (store, 90, 1500);
    s_assert_walks (store);
    /* The store goes on: written, closed, opened again in this boot. */
    assert_int_equal (s_write (store, 91, 1500, false), BS_OK);
    bs_store_destroy (&store);
    store = s_open (fixture, 0);
    s_assert_turns (store, 91, 1500);
    s_assert_walks (store);
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
    s_boot (fixture, 'a');
    s_child_t child = {.fixture = fixture, .from = 1, .to = 11, .size = 100, .last_size = 3000};
    s_child_run (&child);
    char segment[4096];
    s_last_segment (fixture, segment, sizeof segment);
    /* Damage the last record (turn 10): a byte of its changes. */
    int fd = open (segment, O_RDWR);
    assert_true (fd >= 0);
    off_t size = s_segment_end (segment);
    unsigned char byte;
    assert_int_equal (pread (fd, &byte, 1, size - 100), 1);
    byte ^= 0x5a;
    assert_int_equal (pwrite (fd, &byte, 1, size - 100), 1);
    close (fd);
    /* A new boot goes back to the checkpoint (the open's) and replays
       turns 1..9 from the journal; turn 10 is dropped. */
    s_boot (fixture, 'b');
    bs_store_t *store = s_open (fixture, 0);
    s_assert_turns (store, 9, 100);
    bs_store_destroy (&store);
    /* The next turns follow turn 9: killed again, replayed again. */
    child = (s_child_t){.fixture = fixture, .from = 10, .to = 16, .size = 100, .last_size = 100};
    s_child_run (&child);
    s_boot (fixture, 'c');
    store = s_open (fixture, 0);
    s_assert_turns (store, 15, 100);
    s_assert_walks (store);
    bs_store_destroy (&store);
}

static void
test_aborted_child_is_not_replayed (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    s_boot (fixture, 'a');
    s_child_t child = {
        .fixture = fixture, .from = 1, .to = 6, .size = 100, .last_size = 100, .abort_child = true};
    s_child_run (&child);
    /* A new boot: the store goes back to its open's checkpoint (empty),
       so every turn comes from the journal. */
    s_boot (fixture, 'b');
    bs_store_t *store = s_open (fixture, 0);
    s_assert_turns (store, 5, 100); /* no entry of an aborted child (ms_entries) */
    bs_store_destroy (&store);
}

static void
test_map_grows_under_the_journal (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    s_boot (fixture, 'a');
    /* 1 MiB of map, 40 turns of 100 KiB: the map grows several times. */
    s_child_t child = {.fixture = fixture,
                       .from = 1,
                       .to = 41,
                       .size = 100 * 1024,
                       .last_size = 100 * 1024,
                       .map_size = MIB};
    s_child_run (&child);
    s_boot (fixture, 'b');
    bs_store_t *store = s_open (fixture, MIB);
    s_assert_turns (store, 40, 100 * 1024);
    assert_true (bs_store_map_size (store) >= 4 * MIB);
    s_assert_walks (store);
    bs_store_destroy (&store);
}

/* Checkpoints every 5 ms beside the writes: every turn is there after a
   new boot, and the checkpoints removed the journal they covered. */
static void
test_checkpoints_beside_writes (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    s_boot (fixture, 'a');
    s_checkpoint_ms = 5;
    s_child_t child = {.fixture = fixture, .from = 1, .to = 301, .size = 2000, .last_size = 2000};
    s_child_run (&child);
    s_checkpoint_ms = -1;
    char command[4096];
    snprintf (command, sizeof command, "ls %s | grep -c '^journal-0'", fixture->path);
    FILE *ls = popen (command, "r");
    assert_non_null (ls);
    int segments = 0;
    assert_int_equal (fscanf (ls, "%d", &segments), 1);
    pclose (ls);
    assert_true (segments >= 1 && segments <= 3);
    s_boot (fixture, 'b');
    bs_store_t *store = s_open (fixture, 0);
    s_assert_turns (store, 300, 2000);
    s_assert_walks (store);
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
    s_boot (fixture, 'a');
    bs_store_t *store = s_open (fixture, MIB);
    assert_int_equal (s_write (store, 1, 100, false), BS_OK);
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
            assert_int_equal (s_write (store, ++turn, 100, false), BS_OK);
    }
    atomic_store (&remaps.stop, true);
    assert_int_equal (pthread_join (thread, NULL), 0);
    assert_int_equal (atomic_load (&remaps.failures), 0);
    assert_true (atomic_load (&remaps.checkpoints) > 0);
    bs_store_destroy (&store);
    s_boot (fixture, 'b');
    store = s_open (fixture, 0);
    s_assert_turns (store, turn, 100);
    bs_store_destroy (&store);
}

/* A journaled store opened without the journal replays it and drops it. */
static void
test_opened_without_the_journal (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    s_boot (fixture, 'a');
    s_child_t child = {.fixture = fixture, .from = 1, .to = 11, .size = 100, .last_size = 100};
    s_child_run (&child);
    s_journal = false;
    bs_store_t *store = s_open (fixture, 0);
    s_journal = true;
    s_assert_turns (store, 10, 100);
    assert_int_equal (s_write (store, 11, 100, false), BS_OK);
    bs_store_destroy (&store);
    char command[4096];
    snprintf (command, sizeof command, "ls %s | grep -c '^journal'", fixture->path);
    FILE *ls = popen (command, "r");
    assert_non_null (ls);
    int files = -1;
    assert_int_equal (fscanf (ls, "%d", &files), 1);
    pclose (ls);
    assert_int_equal (files, 0);
    store = s_open (fixture, 0);
    s_assert_turns (store, 11, 100);
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
    s_boot (fixture, 'a');
    s_child_t child = {.fixture = fixture, .from = 1, .to = 11, .size = 100, .last_size = 100};
    s_child_run (&child);
    static const char *const none[] = {NULL};
    bs_error_t error;
    bs_error_clear (&error);
    bs_store_options_t without = {.journal_boot_id_path = s_boot_path};
    bs_store_t *store = bs_store_new (fixture->path, none, &without, &error);
    if (!store)
        fail_msg ("bs_store_new with fewer names: %s", error.text);
    bs_store_destroy (&store);
    fixture->names = NULL;
    store = s_open (fixture, 0);
    s_assert_turns (store, 10, 100);
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
    s_boot (fixture, 'a');
    s_segment_max = 64 * 1024; /* a checkpoint starts a segment past 16 KiB */
    bs_store_t *store = s_open (fixture, 0);
    assert_int_equal (s_write (store, 1, 3000, false), BS_OK);
    char first[4096];
    s_last_segment (fixture, first, sizeof first);
    off_t size = s_file_size (first);
    ino_t inode = s_file_inode (first);
    int grown = 0; /* turns whose flush changed the size */
    for (uint64_t turn = 2; turn <= 40; turn++) {
        assert_int_equal (s_write (store, turn, 3000, false), BS_OK);
        grown += s_file_size (first) != size;
        size = s_file_size (first);
    }
    assert_true (grown <= 2); /* it grows by as much as it has: 128, 320 KiB */
    assert_true (s_segment_end (first) > 40 * 3000 && s_segment_end (first) < size);
    /* A checkpoint; turns 41..50 start a segment (and pass 16 KiB); the
       next checkpoint covers the first, whose file is turn 51's segment. */
    assert_int_equal (bs_store_checkpoint (store), BS_OK);
    for (uint64_t turn = 41; turn <= 50; turn++)
        assert_int_equal (s_write (store, turn, 3000, false), BS_OK);
    assert_int_equal (bs_store_checkpoint (store), BS_OK);
    assert_int_equal (access (first, F_OK), -1);
    assert_int_equal (s_write (store, 51, 100, false), BS_OK);
    char recycled[4096];
    s_last_segment (fixture, recycled, sizeof recycled);
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
    s_child_t child = {.fixture = fixture,
                       .from = 1,
                       .to = 61,
                       .size = 3000,
                       .last_size = 100,
                       .checkpoint_every = 20,
                       .small_from = 41};
    s_child_run (&child);
    s_last_segment (fixture, recycled, sizeof recycled);
    assert_true (s_file_size (recycled) > s_segment_end (recycled) + 3000);
    s_boot (fixture, 'b');
    store = s_open (fixture, 0);
    s_assert_turns (store, 60, 3000); /* the counter 60: no turn 1..20 applied again */
    s_assert_walks (store);
    bs_store_destroy (&store);
    s_segment_max = 0;
}

/* A checkpoint starts a segment only past a quarter of segment_max: a
   store of few turns keeps its segment (a new one is a name made durable
   in a turn's flush, the folder's fsync); the segments past it are
   removed all the same. */
static void
test_segment_kept_across_checkpoints (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    s_boot (fixture, 'a');
    s_segment_max = 256 * 1024; /* past 64 KiB */
    bs_store_t *store = s_open (fixture, 0);
    char first[4096], now[4096];
    for (uint64_t turn = 1; turn <= 10; turn++) {
        assert_int_equal (s_write (store, turn, 1000, false), BS_OK);
        assert_int_equal (bs_store_checkpoint (store), BS_OK);
        s_last_segment (fixture, now, sizeof now);
        if (turn == 1)
            strcpy (first, now);
        assert_string_equal (now, first);
    }
    /* 100 turns of 1000 bytes pass 64 KiB: a checkpoint then starts a
       segment, and the next one takes the first away. */
    for (uint64_t turn = 11; turn <= 110; turn++)
        assert_int_equal (s_write (store, turn, 1000, false), BS_OK);
    assert_int_equal (bs_store_checkpoint (store), BS_OK);
    assert_int_equal (s_write (store, 111, 1000, false), BS_OK);
    assert_int_equal (bs_store_checkpoint (store), BS_OK);
    s_last_segment (fixture, now, sizeof now);
    assert_string_not_equal (now, first);
    assert_int_equal (access (first, F_OK), -1);
    bs_store_destroy (&store);
    s_segment_max = 0;
    s_boot (fixture, 'b');
    store = s_open (fixture, 0);
    s_assert_turns (store, 111, 1000);
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
    s_read (from, &bytes, &size);
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
    bs_store_options_t options = {
        .journal = true, .journal_checkpoint_ms = -1, .journal_boot_id_path = s_boot_path};
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
    s_boot (fixture, 'a');
    s_child_t child = {.fixture = fixture, .from = 1, .to = 11, .size = 100, .last_size = 100};
    s_child_run (&child);
    char segment[4096];
    s_last_segment (fixture, segment, sizeof segment);
    s_segment_with (fixture, segment, 11, 0, 0, 0);
    s_segment_with (fixture, segment, 12, 0, 0, 7);
    s_segment_with (fixture, segment, 13, 0, 0, 14); /* a header, a part of its first name */
    s_boot (fixture, 'b');
    bs_store_t *store = s_open (fixture, 0);
    s_assert_turns (store, 10, 100);
    bs_store_destroy (&store);

    child = (s_child_t){.fixture = fixture, .from = 11, .to = 16, .size = 100, .last_size = 100};
    s_child_run (&child);
    s_last_segment (fixture, segment, sizeof segment);
    char kept[4096];
    snprintf (kept, sizeof kept, "%s/kept-segment", fixture->folder);
    s_copy_file (segment, kept);
    unlink (segment);
    s_segment_with (fixture, kept, 11, 3, 0, SIZE_MAX); /* a later version's */
    s_boot (fixture, 'c');
    s_assert_refused (fixture);
    s_segment_with (fixture, kept, 11, 0, 1025, SIZE_MAX); /* past BS_JOURNAL_NAMES_MAX */
    s_assert_refused (fixture);
    s_segment_with (fixture, kept, 11, 0, 0x7fffffff, SIZE_MAX);
    s_assert_refused (fixture);
    /* Its own header back: every turn is there. */
    s_segment_with (fixture, kept, 11, 0, 0, SIZE_MAX);
    store = s_open (fixture, 0);
    s_assert_turns (store, 15, 100);
    s_assert_walks (store);
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
    s_boot (fixture, 'a');
    bs_store_t *store = s_open (fixture, MIB);
    uint64_t turn = 1;
    int rc = BS_OK;
    for (; turn < 200 && rc == BS_OK; turn++)
        rc = s_write (store, turn, 64 * 1024, false);
    assert_int_equal (rc, BS_E_DISK_FULL);
    uint64_t stored = turn - 2;
    assert_true (stored > 5);
    s_assert_turns (store, stored, 64 * 1024);
    /* Small turns still fit (or the checkpoint makes room by removing the
       journal it covers). */
    assert_int_equal (bs_store_checkpoint (store), BS_OK);
    assert_int_equal (s_write (store, stored + 1, 100, false), BS_OK);
    bs_store_destroy (&store);
    store = s_open (fixture, MIB);
    s_assert_turns (store, stored + 1, 64 * 1024);
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
        cmocka_unit_test_setup_teardown (test_checkpoints_beside_writes, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_checkpoints_beside_remaps, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_opened_without_the_journal, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_opened_with_fewer_names, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_segments_preallocated_and_recycled,
                                         store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_segment_kept_across_checkpoints, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_segment_headers, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_disk_full_leaves_the_store_usable,
                                         store_fixture_setup, store_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
