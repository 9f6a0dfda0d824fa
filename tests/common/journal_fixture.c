/*  journal_fixture: what the tests of bs_store's write-ahead journal
    share (journal_fixture.h). */
#include "journal_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char journal_fixture_boot_path[4096];
int journal_fixture_checkpoint_ms = -1;
bool journal_fixture_journal = true;
size_t journal_fixture_segment_max;

bs_store_t *
journal_fixture_open (const store_fixture_t *fixture, size_t map_size)
{
    bs_store_options_t options = {.map_size = map_size,
                                  .journal = journal_fixture_journal,
                                  .journal_checkpoint_ms = journal_fixture_checkpoint_ms,
                                  .journal_segment_max = journal_fixture_segment_max,
                                  .journal_boot_id_path = journal_fixture_boot_path};
    return store_fixture_open_with (fixture, &options);
}

void
journal_fixture_read (const char *path, unsigned char **bytes, size_t *size)
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

void
journal_fixture_boot (const store_fixture_t *fixture, char letter)
{
    snprintf (journal_fixture_boot_path, sizeof journal_fixture_boot_path, "%s/boot_id",
              fixture->folder);
    char id[37];
    memset (id, letter, 36);
    id[36] = 0;
    FILE *file = fopen (journal_fixture_boot_path, "w");
    assert_non_null (file);
    fprintf (file, "%s\n", id);
    fclose (file);
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
        assert_int_equal (bs_store_put (child, bs_store_dbi (turn->store, "reports"), &ok, &ok, 0),
                          0);
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

int
journal_fixture_write (bs_store_t *store, uint64_t turn, size_t size, bool abort_child)
{
    s_turn_t argument = {.store = store, .turn = turn, .size = size, .abort_child = abort_child};
    return bs_store_write (store, s_turn, &argument);
}

void
journal_fixture_assert_turns (bs_store_t *store, uint64_t last, size_t size)
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

void
journal_fixture_assert_walks (bs_store_t *store)
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

static uint64_t s_kill_at; /* the child's turn to die in */
static uint64_t s_turn_now;

static void
s_die (bs_store_t *store)
{
    (void) store;
    if (s_turn_now == s_kill_at)
        kill (getpid (), SIGKILL); /* a kill -9: no exit handler, no leak check under valgrind */
}

void
journal_fixture_copy_file (const char *from, const char *to)
{
    unsigned char *bytes;
    size_t size;
    journal_fixture_read (from, &bytes, &size);
    int fd = open (to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true (fd >= 0);
    assert_int_equal (write (fd, bytes, size), (ssize_t) size);
    close (fd);
    free (bytes);
}

void
journal_fixture_child_run (const journal_fixture_child_t *child)
{
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        alarm (60);
        bs_store_t *store = journal_fixture_open (child->fixture, child->map_size);
        s_kill_at = child->to - 1;
        bs_store_journal_flushed_hook = s_die;
        for (uint64_t turn = child->from; turn < child->to; turn++) {
            s_turn_now = turn;
            size_t size = turn == child->to - 1                            ? child->last_size
                          : child->small_from && turn >= child->small_from ? 100
                                                                           : child->size;
            if (journal_fixture_write (store, turn, size, child->abort_child) != BS_OK)
                _exit (2);
            if (child->checkpoint_every && turn % child->checkpoint_every == 0
                && bs_store_checkpoint (store) != BS_OK)
                _exit (3);
            if (turn == child->checkpoint_after) {
                if (bs_store_checkpoint (store) != BS_OK)
                    _exit (3);
                char data[4096];
                snprintf (data, sizeof data, "%s/data.mdb", child->fixture->path);
                journal_fixture_copy_file (data, child->copy);
            }
        }
        _exit (4); /* the last turn should not have returned */
    }
    int status;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
        fail_msg ("the child did not die between a flush and its commit (status %d)", status);
}

void
journal_fixture_last_segment (const store_fixture_t *fixture, char *path, size_t size)
{
    char command[4096];
    snprintf (command, sizeof command, "ls %s/journal-0* | sort | tail -1", fixture->path);
    FILE *ls = popen (command, "r");
    assert_non_null (ls);
    assert_non_null (fgets (path, (int) size, ls));
    pclose (ls);
    path[strcspn (path, "\n")] = 0;
}

off_t
journal_fixture_segment_end (const char *path)
{
    unsigned char *bytes;
    size_t size;
    journal_fixture_read (path, &bytes, &size);
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
