/*  test_store: bs_store on real LMDB environments in a private folder.

    What services rely on: data survives a reopen, records and counters come
    back as written (a put asked not to overwrite does not), a write keeps
    its cursors, integer keys walk in numeric order, a refused write
    leaves nothing behind, the event log numbers events without gaps, a
    killed reader does not pin the store, and a backup is a store of its
    own. How a full map grows: test_store_map.c.
*/
#include "store_fixture.h"
#include "bs_test_store.h"

#include "bs_codec.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

typedef struct {
    bs_store_t *store;
    size_t count;     /* events to append */
    uint64_t seqs[4]; /* their sequences */
    int result;       /* what s_append_events returns after appending */
} events_append_t;

static int
s_append_events (MDB_txn *txn, void *argument)
{
    events_append_t *append = (events_append_t *) argument;
    bs_report_t report;
    store_fixture_report_fill (&report, 42, (char *) "堤坝出现险情。");
    for (size_t index = 0; index < append->count; index++) {
        int rc = bs_eventlog_append (append->store, txn, &bs_report_schema, &report, "intake",
                                     1764295391123, &append->seqs[index]);
        if (rc != BS_OK)
            return rc;
    }
    return append->result;
}

static uint64_t
s_append_one (bs_store_t *store, int result)
{
    events_append_t append = {.store = store, .count = 1, .result = result};
    assert_int_equal (bs_store_write (store, s_append_events, &append), result);
    return append.seqs[0];
}

static uint64_t
s_eventlog_last (bs_store_t *store)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    uint64_t last = 99;
    assert_int_equal (bs_eventlog_last (store, txn, &last), BS_OK);
    mdb_txn_abort (txn);
    return last;
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

static int
s_put_record_both_ways (MDB_txn *txn, void *argument)
{
    record_put_t *put = (record_put_t *) argument;
    MDB_dbi dbi = bs_store_dbi (put->store, "reports");
    int rc = bs_store_put_record (txn, dbi, 7, &bs_report_schema, put->report);
    if (rc == BS_OK)
        rc = bs_store_put_record_by_name (txn, dbi, "最新", &bs_report_schema, put->report);
    return rc;
}

static void
s_assert_report_equal (const bs_report_t *actual, const bs_report_t *expected)
{
    assert_int_equal (actual->report_id, expected->report_id);
    assert_string_equal (actual->reg_no, expected->reg_no);
    assert_string_equal (actual->unit, expected->unit);
    assert_string_equal (actual->title, expected->title);
    assert_string_equal (actual->body, expected->body);
    assert_string_equal (actual->kind, expected->kind);
    assert_true (actual->urgent == expected->urgent);
    assert_string_equal (actual->topic, expected->topic);
    assert_string_equal (actual->channel, expected->channel);
    assert_int_equal (actual->received_at, expected->received_at);
}

static void
test_record_round_trip (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    bs_report_t written;
    store_fixture_report_fill (&written, 7, (char *) "某街道积水严重，请求支援。");
    record_put_t put = {.store = store, .report = &written};
    assert_int_equal (bs_store_write (store, s_put_record_both_ways, &put), BS_OK);

    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    MDB_dbi dbi = bs_store_dbi (store, "reports");
    bs_report_t read;
    assert_int_equal (bs_store_get_record (txn, dbi, 7, &bs_report_schema, &read), BS_OK);
    s_assert_report_equal (&read, &written);
    bs_codec_record_free (&bs_report_schema, &read);
    assert_int_equal (bs_store_get_record_by_name (txn, dbi, "最新", &bs_report_schema, &read),
                      BS_OK);
    s_assert_report_equal (&read, &written);
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
    s_assert_report_equal (&read, expected);
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
    record_put_t put = {.store = store, .report = &first};
    assert_int_equal (bs_store_write (store, s_put_record_both_ways, &put), BS_OK);
    put.report = &second;
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
    s_assert_report_equal (&read, put->report);
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

static void
test_eventlog_numbers_without_gaps (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    assert_int_equal (s_eventlog_last (store), 0);
    assert_int_equal (s_append_one (store, BS_OK), 1);
    assert_int_equal (s_append_one (store, BS_OK), 2);
    /* An aborted transaction gives its sequence back. */
    assert_int_equal (s_append_one (store, BS_E_CONFLICT), 3);
    assert_int_equal (s_eventlog_last (store), 2);
    bs_store_destroy (&store);

    store = store_fixture_open (fixture, 0, 0);
    assert_int_equal (s_eventlog_last (store), 2);
    assert_int_equal (s_append_one (store, BS_OK), 3);
    events_append_t append = {.store = store, .count = 2};
    assert_int_equal (bs_store_write (store, s_append_events, &append), BS_OK);
    assert_int_equal (append.seqs[0], 4);
    assert_int_equal (append.seqs[1], 5);
    assert_int_equal (s_eventlog_last (store), 5);
    assert_int_equal (bs_test_store_entries (store, "log"), 5);
    bs_store_destroy (&store);
}

/* Appends in one write, some in nested transactions: the write's kept
   last sequence (bs_store_kept_log_last) must follow what commits. */
typedef struct {
    bs_store_t *store;
    uint64_t seqs[6];
} nested_append_t;

static uint64_t
s_append_in (bs_store_t *store, MDB_txn *txn)
{
    bs_report_t report;
    store_fixture_report_fill (&report, 42, (char *) "堤坝出现险情。");
    uint64_t seq = 0;
    assert_int_equal (
        bs_eventlog_append (store, txn, &bs_report_schema, &report, "intake", 1764295391123, &seq),
        BS_OK);
    return seq;
}

static int
s_append_nested (MDB_txn *txn, void *argument)
{
    nested_append_t *append = (nested_append_t *) argument;
    append->seqs[0] = s_append_in (append->store, txn);
    MDB_txn *child;
    assert_int_equal (bs_store_child_begin (txn, &child), 0);
    append->seqs[1] = s_append_in (append->store, child);
    bs_store_child_abort (child); /* gives its sequence back */
    append->seqs[2] = s_append_in (append->store, txn);
    assert_int_equal (bs_store_child_begin (txn, &child), 0);
    append->seqs[3] = s_append_in (append->store, child);
    assert_int_equal (bs_store_child_commit (child), 0);
    append->seqs[4] = s_append_in (append->store, txn);
    append->seqs[5] = s_append_in (append->store, txn);
    return BS_OK;
}

/* An event appended, then about 20 MiB in a map of 1 MiB (the write
   runs again, grown), then another event. */
typedef struct {
    bs_store_t *store;
    char *body;
    size_t calls;
    uint64_t seqs[2];
} grown_append_t;

static int
s_append_around_growth (MDB_txn *txn, void *argument)
{
    grown_append_t *append = (grown_append_t *) argument;
    append->calls++;
    append->seqs[0] = s_append_in (append->store, txn);
    bs_report_t report;
    for (size_t index = 0; index < 1280; index++) {
        store_fixture_report_fill (&report, index + 1, append->body);
        int rc = bs_store_put_record (txn, bs_store_dbi (append->store, "reports"), index,
                                      &bs_report_schema, &report);
        if (rc != BS_OK)
            return rc;
    }
    append->seqs[1] = s_append_in (append->store, txn);
    return BS_OK;
}

/* The log's last sequence is searched once a run of a write and kept
   from append to append (bs_store_eventlog.c); it must never be stale:
   not after a write that was aborted, nor after a nested transaction
   that appended and was aborted or committed, nor in a write run again
   after its map grew. Stale, a sequence would be skipped (a gap the
   consumers never fill) or given twice (MDB_APPEND refuses it). */
static void
test_eventlog_kept_sequence_never_stale (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 1 * MIB, 0);
    events_append_t aborted = {.store = store, .count = 3, .result = BS_E_CONFLICT};
    assert_int_equal (bs_store_write (store, s_append_events, &aborted), BS_E_CONFLICT);
    assert_int_equal (aborted.seqs[2], 3);
    events_append_t after = {.store = store, .count = 2};
    assert_int_equal (bs_store_write (store, s_append_events, &after), BS_OK);
    assert_int_equal (after.seqs[0], 1);
    assert_int_equal (after.seqs[1], 2);

    nested_append_t nested = {.store = store};
    assert_int_equal (bs_store_write (store, s_append_nested, &nested), BS_OK);
    const uint64_t expected[] = {3, 4, 4, 5, 6, 7};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal (nested.seqs[i], expected[i]);
    assert_int_equal (s_eventlog_last (store), 7);
    assert_int_equal (bs_test_store_entries (store, "log"), 7);

    char *body = malloc (16 * 1024);
    assert_non_null (body);
    memset (body, 'x', 16 * 1024 - 1);
    body[16 * 1024 - 1] = 0;
    grown_append_t grown = {.store = store, .body = body};
    assert_int_equal (bs_store_write (store, s_append_around_growth, &grown), BS_OK);
    assert_true (grown.calls > 1);
    assert_int_equal (grown.seqs[0], 8);
    assert_int_equal (grown.seqs[1], 9);
    assert_int_equal (s_eventlog_last (store), 9);
    assert_int_equal (bs_test_store_entries (store, "log"), 9);
    free (body);
    bs_store_destroy (&store);
}

static void
test_eventlog_event_decodes (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    assert_int_equal (s_append_one (store, BS_OK), 1);

    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    unsigned char key_bytes[8];
    bs_store_key (1, key_bytes);
    MDB_val key = {.mv_size = 8, .mv_data = key_bytes}, value;
    assert_int_equal (mdb_get (txn, bs_store_dbi (store, "log"), &key, &value), 0);
    bs_message_t message;
    bs_error_t error;
    bs_error_clear (&error);
    assert_int_equal (bs_message_decode (value.mv_data, value.mv_size, &bs_codec_default_limits,
                                         &message, &error),
                      BS_OK);
    mdb_txn_abort (txn);
    assert_string_equal (message.type, "report.received");
    assert_ptr_equal (message.schema, &bs_report_schema);
    assert_int_equal (message.seq, 1);
    assert_string_equal (message.src, "intake");
    assert_string_equal (message.id, "intake:1");
    assert_int_equal (message.at, 1764295391123);
    assert_non_null (message.data);
    bs_report_t expected;
    store_fixture_report_fill (&expected, 42, (char *) "堤坝出现险情。");
    s_assert_report_equal ((bs_report_t *) message.data, &expected);
    bs_message_clear (&message);
    bs_store_destroy (&store);
}

/* An event appended with its record already encoded (a report stored
   and emitted, encoded once) is byte for byte the event appended from
   the record. */
typedef struct {
    bs_store_t *store;
    msgpack_sbuffer *packed; /* the report, as bs_codec_encode_record wrote it */
    uint64_t seq;
} packed_append_t;

static int
s_append_packed (MDB_txn *txn, void *argument)
{
    packed_append_t *append = (packed_append_t *) argument;
    return bs_eventlog_append_packed (append->store, txn, &bs_report_schema, append->packed->data,
                                      append->packed->size, "intake", 1764295391123, &append->seq);
}

static void
test_eventlog_packed_is_the_same_event (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    bs_report_t report;
    store_fixture_report_fill (&report, 42, (char *) "堤坝出现险情。");
    msgpack_sbuffer packed, expected;
    msgpack_sbuffer_init (&packed);
    msgpack_sbuffer_init (&expected);
    assert_int_equal (bs_codec_encode_record (&packed, &bs_report_schema, &report), BS_OK);
    assert_int_equal (s_append_one (store, BS_OK), 1);
    packed_append_t append = {.store = store, .packed = &packed};
    assert_int_equal (bs_store_write (store, s_append_packed, &append), BS_OK);
    assert_int_equal (append.seq, 2);
    assert_int_equal (bs_codec_encode_message (&expected, &bs_report_schema, &report, "intake:2",
                                               "intake", 1764295391123, 2),
                      BS_OK);

    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    unsigned char key_bytes[8];
    bs_store_key (2, key_bytes);
    MDB_val key = {.mv_size = 8, .mv_data = key_bytes}, value;
    assert_int_equal (mdb_get (txn, bs_store_dbi (store, "log"), &key, &value), 0);
    assert_int_equal (value.mv_size, expected.size);
    assert_memory_equal (value.mv_data, expected.data, expected.size);
    bs_message_t message;
    bs_error_t error;
    assert_int_equal (bs_message_decode (value.mv_data, value.mv_size, &bs_codec_default_limits,
                                         &message, &error),
                      BS_OK);
    mdb_txn_abort (txn);
    s_assert_report_equal ((bs_report_t *) message.data, &report);
    bs_message_clear (&message);
    msgpack_sbuffer_destroy (&packed);
    msgpack_sbuffer_destroy (&expected);
    bs_store_destroy (&store);
}

/* A record an event carries, stored once (bs_store_put_event_record):
   report 42 as event 2, a reference to it under 42. */
static int
s_put_event_record (MDB_txn *txn, void *argument)
{
    packed_append_t *append = (packed_append_t *) argument;
    int rc = s_append_packed (txn, argument);
    if (rc == BS_OK)
        rc = bs_store_put_event_record (txn, bs_store_dbi (append->store, "reports"), 42,
                                        append->seq, append->packed->size);
    return rc;
}

/* Under 43 a reference to an event the log does not hold. */
static int
s_put_dangling_record (MDB_txn *txn, void *argument)
{
    packed_append_t *append = (packed_append_t *) argument;
    return bs_store_put_event_record (txn, bs_store_dbi (append->store, "reports"), 43,
                                      append->seq + 5, append->packed->size);
}

static int
s_replace_record (MDB_txn *txn, void *argument)
{
    record_put_t *put = (record_put_t *) argument;
    return bs_store_put_record (txn, bs_store_dbi (put->store, "reports"), 42, &bs_report_schema,
                                put->report);
}

static void
test_event_record_stored_once (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    bs_report_t report, written;
    store_fixture_report_fill (&report, 42, (char *) "堤坝出现险情，请求支援。");
    store_fixture_report_fill (&written, 41, (char *) "早先的版本存下的报告。");
    msgpack_sbuffer packed;
    msgpack_sbuffer_init (&packed);
    assert_int_equal (bs_codec_encode_record (&packed, &bs_report_schema, &report), BS_OK);
    assert_int_equal (s_append_one (store, BS_OK), 1);
    /* under 7 (and "最新"), records as a store before references has them */
    record_put_t put = {.store = store, .report = &written};
    assert_int_equal (bs_store_write (store, s_put_record_both_ways, &put), BS_OK);
    packed_append_t append = {.store = store, .packed = &packed};
    assert_int_equal (bs_store_write (store, s_put_event_record, &append), BS_OK);
    assert_int_equal (append.seq, 2);

    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    MDB_dbi dbi = bs_store_dbi (store, "reports");
    unsigned char key_bytes[8];
    bs_store_key (42, key_bytes);
    MDB_val key = {.mv_size = 8, .mv_data = key_bytes}, value;
    assert_int_equal (mdb_get (txn, dbi, &key, &value), 0);
    assert_int_equal (value.mv_size, 13); /* the reference, not the record again */
    bs_report_t read;
    assert_int_equal (bs_store_get_record (txn, dbi, 42, &bs_report_schema, &read), BS_OK);
    s_assert_report_equal (&read, &report);
    bs_codec_record_free (&bs_report_schema, &read);
    assert_int_equal (bs_store_get_record (txn, dbi, 7, &bs_report_schema, &read), BS_OK);
    s_assert_report_equal (&read, &written);
    bs_codec_record_free (&bs_report_schema, &read);

    /* a listing reads both kinds, and passes over the record under a
       name: its key is not a u64's 8 bytes, so no page follows */
    bs_list_t list;
    uint64_t next;
    assert_int_equal (bs_store_page (txn, dbi, &bs_report_schema, 0, 2, NULL, NULL, &list, &next),
                      BS_OK);
    assert_int_equal (list.count, 2);
    s_assert_report_equal (&((bs_report_t *) list.items)[0], &written);
    s_assert_report_equal (&((bs_report_t *) list.items)[1], &report);
    assert_int_equal (next, 0);
    for (size_t i = 0; i < list.count; i++)
        bs_codec_record_free (&bs_report_schema, &((bs_report_t *) list.items)[i]);
    free (list.items);
    mdb_txn_abort (txn);

    /* a reference to an event the log does not hold is a damaged store,
       for a listing too */
    assert_int_equal (bs_store_write (store, s_put_dangling_record, &append), BS_OK);
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    assert_int_equal (bs_store_get_record (txn, dbi, 43, &bs_report_schema, &read), BS_E_STORAGE);
    bs_codec_record_free (&bs_report_schema, &read);
    assert_int_equal (bs_store_page (txn, dbi, &bs_report_schema, 42, 2, NULL, NULL, &list, &next),
                      BS_E_STORAGE);
    for (size_t i = 0; i < list.count; i++)
        bs_codec_record_free (&bs_report_schema, &((bs_report_t *) list.items)[i]);
    free (list.items);
    mdb_txn_abort (txn);

    /* a record put later under the key replaces the reference */
    put.report = &written;
    assert_int_equal (bs_store_write (store, s_replace_record, &put), BS_OK);
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    assert_int_equal (bs_store_get_record (txn, dbi, 42, &bs_report_schema, &read), BS_OK);
    s_assert_report_equal (&read, &written);
    bs_codec_record_free (&bs_report_schema, &read);
    mdb_txn_abort (txn);
    msgpack_sbuffer_destroy (&packed);
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
    assert_int_equal (s_append_one (store, BS_OK), 1);
    assert_int_equal (s_append_one (store, BS_OK), 2);

    char *backup_path;
    assert_true (asprintf (&backup_path, "%s/backup/intake", fixture->folder) > 0);
    assert_int_equal (bs_store_backup (store, backup_path), BS_OK);
    /* A backup never overwrites an earlier one. */
    assert_int_not_equal (bs_store_backup (store, backup_path), BS_OK);
    /* Later writes do not reach the backup. */
    assert_int_equal (s_append_one (store, BS_OK), 3);
    bs_store_destroy (&store);

    bs_store_t *backup = bs_store_new (backup_path, store_fixture_names, NULL, NULL);
    assert_non_null (backup);
    assert_int_equal (store_fixture_report_lookup (backup, 0), BS_OK);
    assert_int_equal (store_fixture_report_lookup (backup, 9), BS_OK);
    assert_int_equal (bs_test_store_entries (backup, "reports"), 2);
    uint64_t counter = 0;
    assert_int_equal (s_get_counter (backup, &counter), BS_OK);
    assert_int_equal (counter, 1);
    assert_int_equal (s_eventlog_last (backup), 2);
    bs_store_destroy (&backup);
    free (backup_path);
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
        cmocka_unit_test_setup_teardown (test_eventlog_numbers_without_gaps, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_eventlog_kept_sequence_never_stale,
                                         store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_eventlog_event_decodes, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_eventlog_packed_is_the_same_event,
                                         store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_event_record_stored_once, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_check_readers_clears_killed_reader,
                                         store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_backup_is_a_store, store_fixture_setup,
                                         store_fixture_teardown),
        cmocka_unit_test (test_error_codes),
        cmocka_unit_test_setup_teardown (test_open_failure_is_reported, store_fixture_setup,
                                         store_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
