/*  test_store_eventlog: the event log of bs_store, on real LMDB
    environments in a private folder.

    The log numbers events without gaps, also after a write that was
    given up, a nested transaction that appended, or a write run again
    after its map grew (the last sequence is kept from append to append);
    an event reads back as the message it was appended as, and appended
    from its record already encoded it is the same bytes; a record an
    event carries is stored once, under its key a reference to the event.
*/
#include "store_fixture.h"
#include "bs_test_store.h"

#include "bs_codec.h"

#include <stdlib.h>
#include <string.h>

static void
test_eventlog_numbers_without_gaps (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    assert_int_equal (store_fixture_log_last (store), 0);
    assert_int_equal (store_fixture_event_append (store, BS_OK), 1);
    assert_int_equal (store_fixture_event_append (store, BS_OK), 2);
    /* An aborted transaction gives its sequence back. */
    assert_int_equal (store_fixture_event_append (store, BS_E_CONFLICT), 3);
    assert_int_equal (store_fixture_log_last (store), 2);
    bs_store_destroy (&store);

    store = store_fixture_open (fixture, 0, 0);
    assert_int_equal (store_fixture_log_last (store), 2);
    assert_int_equal (store_fixture_event_append (store, BS_OK), 3);
    uint64_t seqs[2];
    assert_int_equal (store_fixture_events_append (store, 2, BS_OK, seqs), BS_OK);
    assert_int_equal (seqs[0], 4);
    assert_int_equal (seqs[1], 5);
    assert_int_equal (store_fixture_log_last (store), 5);
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
    uint64_t aborted[3], after[2];
    assert_int_equal (store_fixture_events_append (store, 3, BS_E_CONFLICT, aborted),
                      BS_E_CONFLICT);
    assert_int_equal (aborted[2], 3);
    assert_int_equal (store_fixture_events_append (store, 2, BS_OK, after), BS_OK);
    assert_int_equal (after[0], 1);
    assert_int_equal (after[1], 2);

    nested_append_t nested = {.store = store};
    assert_int_equal (bs_store_write (store, s_append_nested, &nested), BS_OK);
    const uint64_t expected[] = {3, 4, 4, 5, 6, 7};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal (nested.seqs[i], expected[i]);
    assert_int_equal (store_fixture_log_last (store), 7);
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
    assert_int_equal (store_fixture_log_last (store), 9);
    assert_int_equal (bs_test_store_entries (store, "log"), 9);
    free (body);
    bs_store_destroy (&store);
}

static void
test_eventlog_event_decodes (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_store_t *store = store_fixture_open (fixture, 0, 0);
    assert_int_equal (store_fixture_event_append (store, BS_OK), 1);

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
    store_fixture_report_assert_equal ((bs_report_t *) message.data, &expected);
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
    assert_int_equal (store_fixture_event_append (store, BS_OK), 1);
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
    store_fixture_report_assert_equal ((bs_report_t *) message.data, &report);
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
    assert_int_equal (store_fixture_event_append (store, BS_OK), 1);
    /* under 7 (and "最新"), records as a store before references has them */
    store_fixture_report_put (store, 7, "最新", &written);
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
    store_fixture_report_assert_equal (&read, &report);
    bs_codec_record_free (&bs_report_schema, &read);
    assert_int_equal (bs_store_get_record (txn, dbi, 7, &bs_report_schema, &read), BS_OK);
    store_fixture_report_assert_equal (&read, &written);
    bs_codec_record_free (&bs_report_schema, &read);

    /* a listing reads both kinds, and passes over the record under a
       name: its key is not a u64's 8 bytes, so no page follows */
    bs_list_t list;
    uint64_t next;
    assert_int_equal (bs_store_page (txn, dbi, &bs_report_schema, 0, 2, NULL, NULL, &list, &next),
                      BS_OK);
    assert_int_equal (list.count, 2);
    store_fixture_report_assert_equal (&((bs_report_t *) list.items)[0], &written);
    store_fixture_report_assert_equal (&((bs_report_t *) list.items)[1], &report);
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
    store_fixture_report_put (store, 42, NULL, &written);
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    assert_int_equal (bs_store_get_record (txn, dbi, 42, &bs_report_schema, &read), BS_OK);
    store_fixture_report_assert_equal (&read, &written);
    bs_codec_record_free (&bs_report_schema, &read);
    mdb_txn_abort (txn);
    msgpack_sbuffer_destroy (&packed);
    bs_store_destroy (&store);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
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
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
