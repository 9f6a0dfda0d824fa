/*  test_store: bs_store on real LMDB environments in a private folder.

    What services rely on: data survives a reopen, records and counters come
    back as written (a put asked not to overwrite does not), a write keeps
    its cursors, integer keys walk in numeric order, a refused write
    leaves nothing behind, a killed reader does not pin the store, and a
    backup is a store of its own, and the file is zero-filled ahead of
    what the store holds without a byte of it touched. The event log: test_store_eventlog.c;
    how a full map grows: test_store_map.c; the journal:
    test_store_journal.c.
*/
#include "store_fixture.h"
#include "bs_test_store.h"

#include "bs_codec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Write functions and what they write. */

typedef struct {
    bs_store_t *store;
    uint64_t key;
    const void *bytes;
    size_t size;
} bytes_put_t;

static int
s_put_bytes (MDB_txn *txn, void *argument)
{
    bytes_put_t *put = (bytes_put_t *) argument;
    return bs_store_put_bytes (txn, bs_store_dbi (put->store, "reports"), "greeting", put->bytes,
                               put->size);
}

typedef struct {
    bs_store_t *store;
    const uint64_t *keys;
    size_t count;
    uint64_t counter; /* the counter's new value, set by s_put_reports */
    int result;       /* what s_put_reports returns after writing */
} reports_put_t;

static int
s_put_reports (MDB_txn *txn, void *argument)
{
    reports_put_t *put = (reports_put_t *) argument;
    MDB_dbi dbi = bs_store_dbi (put->store, "reports");
    bs_report_t report;
    for (size_t index = 0; index < put->count; index++) {
        store_fixture_report_fill (&report, put->keys[index] + 1,
                                   (char *) "正文：今日降雨量超过一百毫米。");
        int rc = bs_store_put_record (txn, dbi, put->keys[index], &bs_report_schema, &report);
        if (rc != BS_OK)
            return rc;
    }
    int rc =
        bs_store_next_counter (txn, bs_store_dbi (put->store, "counters"), "report", &put->counter);
    return rc != BS_OK ? rc : put->result;
}

static int
s_get_counter (bs_store_t *store, uint64_t *value)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    int rc = bs_store_get_u64 (txn, bs_store_dbi (store, "counters"), "report", value);
    mdb_txn_abort (txn);
    return rc;
}

static void
test_reopen_keeps_data (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    assert_int_equal (bs_store_map_size (store), 64 * MIB);
    const char greeting[] = "你好，报送";
    bytes_put_t put = {.store = store, .bytes = greeting, .size = sizeof greeting};
    assert_int_equal (bs_store_write (store, s_put_bytes, &put), BS_OK);
    bs_store_destroy (&store);
    assert_null (store);
    bs_store_destroy (&store);

    /* NULL options mean the defaults. */
    store = bs_store_new (fixture->path, store_fixture_names, NULL, NULL);
    assert_non_null (store);
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    const void *bytes;
    size_t size;
    assert_int_equal (
        bs_store_get_bytes (txn, bs_store_dbi (store, "reports"), "greeting", &bytes, &size),
        BS_OK);
    assert_int_equal (size, sizeof greeting);
    assert_memory_equal (bytes, greeting, sizeof greeting);
    assert_int_equal (
        bs_store_get_bytes (txn, bs_store_dbi (store, "reports"), "farewell", &bytes, &size),
        BS_E_NOT_FOUND);
    mdb_txn_abort (txn);
    bs_store_destroy (&store);
}

typedef struct {
    bs_store_t *store;
    bs_report_t *report;
} record_put_t;

static void
test_record_round_trip (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    bs_report_t written;
    store_fixture_report_fill (&written, 7, (char *) "某街道积水严重，请求支援。");
    store_fixture_report_put (store, 7, "最新", &written);

    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    MDB_dbi dbi = bs_store_dbi (store, "reports");
    bs_report_t read;
    assert_int_equal (bs_store_get_record (txn, dbi, 7, &bs_report_schema, &read), BS_OK);
    store_fixture_report_assert_equal (&read, &written);
    bs_codec_record_free (&bs_report_schema, &read);
    assert_int_equal (bs_store_get_record_by_name (txn, dbi, "最新", &bs_report_schema, &read),
                      BS_OK);
    store_fixture_report_assert_equal (&read, &written);
    bs_codec_record_free (&bs_report_schema, &read);
    assert_int_equal (bs_store_get_record (txn, dbi, 8, &bs_report_schema, &read), BS_E_NOT_FOUND);
    assert_null (read.title);
    assert_int_equal (bs_store_get_record_by_name (txn, dbi, "最旧", &bs_report_schema, &read),
                      BS_E_NOT_FOUND);
    mdb_txn_abort (txn);
    bs_store_destroy (&store);
}

/* The report stored under key is expected. */
static void
s_assert_stored (bs_store_t *store, uint64_t key, const bs_report_t *expected)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    bs_report_t read;
    assert_int_equal (
        bs_store_get_record (txn, bs_store_dbi (store, "reports"), key, &bs_report_schema, &read),
        BS_OK);
    store_fixture_report_assert_equal (&read, expected);
    bs_codec_record_free (&bs_report_schema, &read);
    mdb_txn_abort (txn);
}

/* A put by cursor with MDB_NOOVERWRITE over a stored record, then beside
   it (s_put_refusing). */
static int
s_put_refusing (MDB_txn *txn, void *argument)
{
    record_put_t *put = (record_put_t *) argument;
    MDB_dbi dbi = bs_store_dbi (put->store, "reports");
    MDB_cursor *cursor;
    assert_int_equal (bs_store_cursor (txn, dbi, &cursor), BS_OK);
    unsigned char key[8];
    bs_store_key (7, key);
    int refused = bs_store_put_record_by_cursor (cursor, key, sizeof key, MDB_NOOVERWRITE,
                                                 &bs_report_schema, put->report);
    bs_store_key (8, key);
    int put_beside = bs_store_put_record_by_cursor (cursor, key, sizeof key, MDB_NOOVERWRITE,
                                                    &bs_report_schema, put->report);
    bs_store_cursor_done (cursor);
    assert_int_equal (refused, BS_E_CONFLICT);
    return put_beside;
}

/* A record put with MDB_NOOVERWRITE leaves one stored under its key as
   it is (BS_E_CONFLICT, the transaction still good), and goes in beside. */
static void
test_record_put_keeps_what_is_there (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    bs_report_t first, second;
    store_fixture_report_fill (&first, 7, (char *) "先到的正文。");
    store_fixture_report_fill (&second, 8, (char *) "後到的正文。");
    store_fixture_report_put (store, 7, "最新", &first);
    record_put_t put = {.store = store, .report = &second};
    assert_int_equal (bs_store_write (store, s_put_refusing, &put), BS_OK);
    s_assert_stored (store, 7, &first);
    s_assert_stored (store, 8, &second);
    bs_store_destroy (&store);
}

typedef struct {
    bs_store_t *store;
    int writes; /* bs_store_write's calls of s_use_cursors */
} cursors_use_t;

/* The cursor bs_store_cursor gives in bs_store_write's transaction is
   the one given before, where its last user left it; in a nested
   transaction, one of its own. */
static int
s_use_cursors (MDB_txn *txn, void *argument)
{
    cursors_use_t *use = (cursors_use_t *) argument;
    use->writes++;
    MDB_dbi dbi = bs_store_dbi (use->store, "reports");
    const char greeting[] = "你好";
    assert_int_equal (bs_store_put_bytes (txn, dbi, "greeting", greeting, sizeof greeting), BS_OK);
    MDB_cursor *cursor, *again, *nested;
    assert_int_equal (bs_store_cursor (txn, dbi, &cursor), BS_OK);
    MDB_val key = {8, "greeting"}, value;
    assert_int_equal (mdb_cursor_get (cursor, &key, &value, MDB_SET), 0);
    bs_store_cursor_done (cursor);
    assert_int_equal (bs_store_cursor (txn, dbi, &again), BS_OK);
    assert_ptr_equal (again, cursor);
    memset (&key, 0, sizeof key);
    assert_int_equal (mdb_cursor_get (again, &key, &value, MDB_GET_CURRENT), 0);
    assert_int_equal (key.mv_size, 8);
    assert_memory_equal (key.mv_data, "greeting", 8);
    bs_store_cursor_done (again);

    MDB_txn *child;
    assert_int_equal (bs_store_child_begin (txn, &child), 0);
    assert_int_equal (bs_store_cursor (child, dbi, &nested), BS_OK);
    assert_ptr_not_equal (nested, cursor);
    assert_int_equal (mdb_cursor_get (nested, &key, &value, MDB_GET_CURRENT), EINVAL);
    bs_store_cursor_done (nested);
    assert_int_equal (bs_store_child_commit (child), 0);
    return BS_OK;
}

/* A write transaction keeps its cursors (one malloc a database, not one
   a use) and the next write starts without them. */
static void
test_a_write_keeps_its_cursors (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    cursors_use_t use = {.store = store};
    assert_int_equal (bs_store_write (store, s_use_cursors, &use), BS_OK);
    assert_int_equal (bs_store_write (store, s_use_cursors, &use), BS_OK);
    assert_int_equal (use.writes, 2);
    /* a read transaction's cursor is its own, closed when given back */
    MDB_txn *txn;
    MDB_cursor *cursor;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    assert_int_equal (bs_store_cursor (txn, bs_store_dbi (store, "reports"), &cursor), BS_OK);
    MDB_val key, value;
    assert_int_equal (mdb_cursor_get (cursor, &key, &value, MDB_FIRST), 0);
    bs_store_cursor_done (cursor);
    mdb_txn_abort (txn);
    bs_store_destroy (&store);
}

/* Where the cursor the write keeps on dbi stands: its key (size bytes)
   is expected. */
static void
s_assert_kept_on (MDB_txn *txn, MDB_dbi dbi, const void *expected, size_t size)
{
    MDB_cursor *cursor;
    assert_int_equal (bs_store_cursor (txn, dbi, &cursor), BS_OK);
    MDB_val key = {0, NULL}, value;
    assert_int_equal (mdb_cursor_get (cursor, &key, &value, MDB_GET_CURRENT), 0);
    assert_int_equal (key.mv_size, size);
    assert_memory_equal (key.mv_data, expected, size);
    bs_store_cursor_done (cursor);
}

/* Records and raw bytes go by the cursor the write keeps on their
   database, which each leaves on its key; in a nested transaction they
   go without it. */
static int
s_records_by_kept_cursor (MDB_txn *txn, void *argument)
{
    record_put_t *put = (record_put_t *) argument;
    MDB_dbi dbi = bs_store_dbi (put->store, "reports");
    unsigned char key[8];
    bs_store_key (7, key);
    assert_int_equal (bs_store_put_record (txn, dbi, 7, &bs_report_schema, put->report), BS_OK);
    s_assert_kept_on (txn, dbi, key, sizeof key);
    const char greeting[] = "你好";
    assert_int_equal (bs_store_put_bytes (txn, dbi, "greeting", greeting, sizeof greeting), BS_OK);
    s_assert_kept_on (txn, dbi, "greeting", 8);
    bs_report_t read;
    assert_int_equal (bs_store_get_record (txn, dbi, 7, &bs_report_schema, &read), BS_OK);
    store_fixture_report_assert_equal (&read, put->report);
    bs_codec_record_free (&bs_report_schema, &read);
    s_assert_kept_on (txn, dbi, key, sizeof key);
    const void *bytes;
    size_t size;
    assert_int_equal (bs_store_get_bytes (txn, dbi, "greeting", &bytes, &size), BS_OK);
    assert_int_equal (size, sizeof greeting);
    assert_memory_equal (bytes, greeting, size);
    s_assert_kept_on (txn, dbi, "greeting", 8);

    MDB_txn *child;
    assert_int_equal (bs_store_child_begin (txn, &child), 0);
    assert_int_equal (bs_store_put_record (child, dbi, 8, &bs_report_schema, put->report), BS_OK);
    assert_int_equal (bs_store_get_record (child, dbi, 7, &bs_report_schema, &read), BS_OK);
    bs_codec_record_free (&bs_report_schema, &read);
    assert_int_equal (bs_store_child_commit (child), 0);
    int rc = bs_store_get_record (txn, dbi, 8, &bs_report_schema, &read);
    if (rc == BS_OK)
        bs_codec_record_free (&bs_report_schema, &read);
    return rc;
}

static void
test_records_go_by_the_kept_cursor (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    bs_report_t written;
    store_fixture_report_fill (&written, 7, (char *) "某街道积水严重，请求支援。");
    record_put_t put = {.store = store, .report = &written};
    assert_int_equal (bs_store_write (store, s_records_by_kept_cursor, &put), BS_OK);
    s_assert_stored (store, 7, &written);
    bs_store_destroy (&store);
}

static void
test_keys_walk_in_numeric_order (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    unsigned char key[8];
    bs_store_key (0x0102030405060708u, key);
    const unsigned char expected_key[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_memory_equal (key, expected_key, 8);
    assert_int_equal (bs_store_key_value (key), 0x0102030405060708u);

    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    const uint64_t keys[] = {1, 256, 2, 65536};
    reports_put_t put = {.store = store, .keys = keys, .count = 4};
    assert_int_equal (bs_store_write (store, s_put_reports, &put), BS_OK);

    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_store_dbi (store, "reports"), &cursor), 0);
    const uint64_t ordered[] = {1, 2, 256, 65536};
    size_t seen = 0;
    MDB_val cursor_key, value;
    while (mdb_cursor_get (cursor, &cursor_key, &value, seen ? MDB_NEXT : MDB_FIRST) == 0) {
        assert_true (seen < 4);
        assert_int_equal (cursor_key.mv_size, 8);
        assert_int_equal (bs_store_key_value (cursor_key.mv_data), ordered[seen]);
        seen++;
    }
    assert_int_equal (seen, 4);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    bs_store_destroy (&store);
}

typedef struct {
    bs_store_t *store;
    uint64_t value;
} u64_put_t;

static int
s_put_big_u64 (MDB_txn *txn, void *argument)
{
    u64_put_t *put = (u64_put_t *) argument;
    return bs_store_put_u64 (txn, bs_store_dbi (put->store, "counters"), "cursor", put->value);
}

static void
test_counters (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    uint64_t value = 99;
    assert_int_equal (s_get_counter (store, &value), BS_OK);
    assert_int_equal (value, 0);

    for (uint64_t expected = 1; expected <= 3; expected++) {
        reports_put_t put = {.store = store, .keys = NULL, .count = 0};
        assert_int_equal (bs_store_write (store, s_put_reports, &put), BS_OK);
        assert_int_equal (put.counter, expected);
        assert_int_equal (s_get_counter (store, &value), BS_OK);
        assert_int_equal (value, expected);
    }

    u64_put_t put = {.store = store, .value = ((uint64_t) 1 << 40) + 5};
    assert_int_equal (bs_store_write (store, s_put_big_u64, &put), BS_OK);
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    MDB_dbi dbi = bs_store_dbi (store, "counters");
    assert_int_equal (bs_store_get_u64 (txn, dbi, "cursor", &value), BS_OK);
    assert_int_equal (value, put.value);
    const void *bytes;
    size_t size;
    assert_int_equal (bs_store_get_bytes (txn, dbi, "cursor", &bytes, &size), BS_OK);
    const unsigned char big_endian[8] = {0, 0, 1, 0, 0, 0, 0, 5};
    assert_int_equal (size, 8);
    assert_memory_equal (bytes, big_endian, 8);
    mdb_txn_abort (txn);
    bs_store_destroy (&store);
}

static void
test_refused_write_leaves_nothing (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    const uint64_t keys[] = {5};
    reports_put_t put = {.store = store, .keys = keys, .count = 1, .result = BS_E_CONFLICT};
    assert_int_equal (bs_store_write (store, s_put_reports, &put), BS_E_CONFLICT);
    assert_int_equal (put.counter, 1); /* it was written, then rolled back */
    assert_int_equal (store_fixture_report_lookup (store, 5), BS_E_NOT_FOUND);
    uint64_t value = 99;
    assert_int_equal (s_get_counter (store, &value), BS_OK);
    assert_int_equal (value, 0);

    put.result = BS_OK;
    assert_int_equal (bs_store_write (store, s_put_reports, &put), BS_OK);
    assert_int_equal (put.counter, 1);
    bs_store_destroy (&store);
}

/* Reader slots held by pid, from LMDB's own reader table. */
typedef struct {
    pid_t pid;
    int slots;
} reader_count_t;

static int
s_count_reader (const char *line, void *argument)
{
    reader_count_t *count = (reader_count_t *) argument;
    int pid;
    if (sscanf (line, "%d", &pid) == 1 && pid == count->pid)
        count->slots++;
    return 0;
}

static int
s_reader_slots (bs_store_t *store, pid_t pid)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    reader_count_t count = {.pid = pid};
    assert_true (mdb_reader_list (mdb_txn_env (txn), s_count_reader, &count) >= 0);
    mdb_txn_abort (txn);
    return count.slots;
}

/* In a child: open the store and hold a read transaction. */
static bool
s_child_read (const store_fixture_t *fixture, size_t count)
{
    (void) count;
    bs_store_t *store = bs_store_new (fixture->path, store_fixture_names, NULL, NULL);
    MDB_txn *txn = NULL;
    return store && bs_store_read_begin (store, &txn) == BS_OK;
}

static void
test_check_readers_clears_killed_reader (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    pid_t child = store_fixture_child_start (fixture, s_child_read, 0);
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    assert_int_equal (s_reader_slots (store, child), 1);
    assert_int_equal (bs_store_check_readers (store), 0); /* alive: not stale */

    store_fixture_child_kill (child);
    /* The dead process's slot stays until someone checks. */
    assert_int_equal (s_reader_slots (store, child), 1);
    assert_int_equal (bs_store_check_readers (store), 1);
    assert_int_equal (s_reader_slots (store, child), 0);
    assert_int_equal (bs_store_check_readers (store), 0);
    bs_store_destroy (&store);

    /* Killed while nobody else had the store open: the slot is gone by the
       time the next process has opened it. LMDB resets the reader table
       when the first process opens, so this is not reader_check's count. */
    child = store_fixture_child_start (fixture, s_child_read, 0);
    store_fixture_child_kill (child);
    store = store_fixture_open (fixture, 0, 0);
    assert_int_equal (s_reader_slots (store, child), 0);
    assert_int_equal (bs_store_check_readers (store), 0);
    bs_store_destroy (&store);
}

static void
test_backup_is_a_store (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    const uint64_t keys[] = {0, 9};
    reports_put_t put = {.store = store, .keys = keys, .count = 2};
    assert_int_equal (bs_store_write (store, s_put_reports, &put), BS_OK);
    assert_int_equal (store_fixture_event_append (store, BS_OK), 1);
    assert_int_equal (store_fixture_event_append (store, BS_OK), 2);

    char *backup_path;
    assert_true (asprintf (&backup_path, "%s/backup/intake", fixture->folder) > 0);
    assert_int_equal (bs_store_backup (store, backup_path), BS_OK);
    /* A backup never overwrites an earlier one. */
    assert_int_not_equal (bs_store_backup (store, backup_path), BS_OK);
    /* Later writes do not reach the backup. */
    assert_int_equal (store_fixture_event_append (store, BS_OK), 3);
    bs_store_destroy (&store);

    bs_store_t *backup = bs_store_new (backup_path, store_fixture_names, NULL, NULL);
    assert_non_null (backup);
    assert_int_equal (store_fixture_report_lookup (backup, 0), BS_OK);
    assert_int_equal (store_fixture_report_lookup (backup, 9), BS_OK);
    assert_int_equal (bs_test_store_entries (backup, "reports"), 2);
    uint64_t counter = 0;
    assert_int_equal (s_get_counter (backup, &counter), BS_OK);
    assert_int_equal (counter, 1);
    assert_int_equal (store_fixture_log_last (backup), 2);
    bs_store_destroy (&backup);
    free (backup_path);
}

/* Values of 3,000 bytes, each its own, under keys "value-N": what
   test_filled_ahead writes, a write at a time, and reads back. */
#define FILL_VALUE_SIZE 3000

typedef struct {
    bs_store_t *store;
    size_t first; /* the values first .. first + count - 1 */
    size_t count;
} values_put_t;

static void
s_value (size_t index, unsigned char *value)
{
    for (size_t at = 0; at < FILL_VALUE_SIZE; at++)
        value[at] = (unsigned char) (1 + (index * 31 + at) % 251); /* no zero byte */
}

static int
s_put_values (MDB_txn *txn, void *argument)
{
    values_put_t *put = (values_put_t *) argument;
    unsigned char value[FILL_VALUE_SIZE];
    for (size_t index = put->first; index < put->first + put->count; index++) {
        char key[32];
        snprintf (key, sizeof key, "value-%zu", index);
        s_value (index, value);
        int rc = bs_store_put_bytes (txn, bs_store_dbi (put->store, "reports"), key, value,
                                     sizeof value);
        if (rc != BS_OK)
            return rc;
    }
    return BS_OK;
}

/* Whether the file at path holds only zeros from offset to its end. */
static bool
s_zeros_from (const char *path, uint64_t offset, uint64_t *end)
{
    int fd = open (path, O_RDONLY);
    assert_true (fd >= 0);
    struct stat file;
    assert_int_equal (fstat (fd, &file), 0);
    *end = (uint64_t) file.st_size;
    bool zeros = true;
    static unsigned char buffer[64 << 10];
    for (uint64_t at = offset; zeros && at < *end;) {
        ssize_t got = pread (fd, buffer, sizeof buffer, (off_t) at);
        assert_true (got > 0);
        for (ssize_t i = 0; i < got && zeros; i++)
            zeros = buffer[i] == 0;
        at += (uint64_t) got;
    }
    close (fd);
    return zeros;
}

/* A synced store is zero-filled ahead of what LMDB has written (its
   commits then allocate no blocks and change no size: bench/README.md):
   after every write the file reaches at least half a MiB past where the
   store's last page was before it, with nothing but zeros past the last
   page, and every value
   written comes back after a reopen (the zeros never overwrote a page).
   Without the fill the file ends at the last page; a fill that began
   before the file's end would overwrite values and fail the read-back. */
static void
test_filled_ahead (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    struct statvfs space;
    assert_int_equal (statvfs (fixture->folder, &space), 0);
    if ((uint64_t) space.f_bavail * space.f_frsize < (uint64_t) 512 << 20) {
        printf ("skipped: less than 512 MiB free, where the store does not zero-fill\n");
        return;
    }
    bs_store_options_t options = {.fill_from = 0, .fill_from_set = true};
    bs_store_t *store = store_fixture_open_with (fixture, &options);
    char *data;
    assert_true (asprintf (&data, "%s/data.mdb", fixture->path) > 0);
    size_t writes = bs_test_quick () ? 12 : 40, per_write = 20;
    uint64_t size, used, end;
    bs_store_map_use (store, &size, &used);
    for (size_t write = 0; write < writes; write++) {
        /* Each write's transaction fills before it writes: past where the
           last one left the store's last page, half a MiB at least. */
        uint64_t before = used;
        values_put_t put = {.store = store, .first = write * per_write, .count = per_write};
        assert_int_equal (bs_store_write (store, s_put_values, &put), BS_OK);
        bs_store_map_use (store, &size, &used);
        assert_true (used > before);
        assert_true (s_zeros_from (data, used, &end));
        assert_true (end >= before + (512 << 10));
    }
    bs_store_destroy (&store);

    store = store_fixture_open_with (fixture, &options);
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    unsigned char expected[FILL_VALUE_SIZE];
    for (size_t index = 0; index < writes * per_write; index++) {
        char key[32];
        snprintf (key, sizeof key, "value-%zu", index);
        const void *bytes;
        size_t bytes_size;
        assert_int_equal (
            bs_store_get_bytes (txn, bs_store_dbi (store, "reports"), key, &bytes, &bytes_size),
            BS_OK);
        s_value (index, expected);
        assert_int_equal (bytes_size, FILL_VALUE_SIZE);
        assert_memory_equal (bytes, expected, FILL_VALUE_SIZE);
    }
    mdb_txn_abort (txn);
    bs_store_destroy (&store);
    free (data);
}

static void
test_error_codes (void **state)
{
    (void) state;
    assert_int_equal (bs_store_error (MDB_SUCCESS, "test"), BS_OK);
    assert_int_equal (bs_store_error (MDB_NOTFOUND, "test"), BS_E_NOT_FOUND);
    assert_int_equal (bs_store_error (MDB_MAP_FULL, "test"), BS_E_MAP_FULL);
    assert_int_equal (bs_store_error (ENOSPC, "test (expected)"), BS_E_DISK_FULL);
    assert_int_equal (bs_store_error (MDB_CORRUPTED, "test (expected)"), BS_E_STORAGE);
    assert_int_equal (bs_store_error (EIO, "test (expected)"), BS_E_STORAGE);
}

static void
test_open_failure_is_reported (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    char *file_path;
    assert_true (asprintf (&file_path, "%s/plain-file", fixture->folder) > 0);
    FILE *file = fopen (file_path, "w");
    assert_non_null (file);
    fclose (file);
    bs_error_t error;
    bs_error_clear (&error);
    assert_null (bs_store_new (file_path, store_fixture_names, NULL, &error));
    assert_int_not_equal (error.code, BS_OK);
    assert_string_equal (error.field, "path");
    free (file_path);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_reopen_keeps_data, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_record_round_trip, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_record_put_keeps_what_is_there, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_a_write_keeps_its_cursors, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_records_go_by_the_kept_cursor, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_keys_walk_in_numeric_order, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_counters, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_refused_write_leaves_nothing, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_check_readers_clears_killed_reader,
                                         store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_backup_is_a_store, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_filled_ahead, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test (test_error_codes),
        cmocka_unit_test_setup_teardown (test_open_failure_is_reported, store_fixture_setup,
                                         store_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
