/*  bs_stream_pair: two services in one process joined by the reliable
    stream (see bs_stream_pair.h).
*/
#include "bs_stream_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_proto.h"
#include "bs_socket.h"
#include "bs_test_keys.h"

static const char *const s_up_databases[] = {"counters", NULL};
static const char *const s_down_databases[] = {"seen", "counters", NULL};

static int
s_submit (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_submit_t *submit = (const bs_submit_t *) request->message->data;
    uint64_t report_id;
    int rc = bs_store_next_counter (request->txn, bs_service_dbi (request->service, "counters"),
                                    "report", &report_id);
    if (rc != BS_OK)
        return rc;
    bs_report_t report = {.report_id = report_id,
                          .reg_no = (char *) "R",
                          .unit = submit->unit,
                          .title = submit->title,
                          .body = submit->body,
                          .kind = (char *) "info",
                          .channel = (char *) "test",
                          .received_at = request->now};
    rc = bs_service_emit (request->service, request->txn, &bs_report_schema, &report, request->now);
    if (rc != BS_OK)
        return rc;
    bs_submitted_t reply = {.report_id = report_id, .reg_no = (char *) "R"};
    return bs_request_reply (request, &bs_submitted_schema, &reply);
}

/* Applies one event: marks its sequence seen, and counts what arrives
   twice ("again") or not right after the last one ("disorder"). */
static int
s_apply (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    MDB_dbi seen = bs_service_dbi (service, "seen");
    MDB_dbi counters = bs_service_dbi (service, "counters");
    uint64_t last, count;
    int rc = bs_store_get_u64 (txn, counters, "last", &last);
    if (rc == BS_OK && event->seq != last + 1)
        rc = bs_store_next_counter (txn, counters, "disorder", &count);
    unsigned char key_bytes[8];
    bs_store_key (event->seq, key_bytes);
    MDB_val key = {8, key_bytes}, value;
    if (rc == BS_OK && mdb_get (txn, seen, &key, &value) == 0)
        rc = bs_store_next_counter (txn, counters, "again", &count);
    if (rc == BS_OK)
        rc = bs_store_put_record (txn, seen, event->seq, &bs_report_schema, event->data);
    if (rc == BS_OK)
        rc = bs_store_put_u64 (txn, counters, "last", event->seq);
    if (rc == BS_OK)
        rc = bs_store_next_counter (txn, counters, "applied", &count);
    return rc;
}

void
bs_pair_decode (zframe_t *frame, bs_message_t *message)
{
    bs_error_t error;
    assert_int_equal (bs_message_decode (zframe_data (frame), zframe_size (frame),
                                         &bs_codec_default_limits, message, &error),
                      BS_OK);
}

void
bs_pair_up_start (bs_pair_t *pair)
{
    bs_error_t error;
    pair->up = bs_service_new ("up", pair->config, s_up_databases, &error);
    if (!pair->up)
        fail_msg ("bs_service_new (up): %s", error.text);
    assert_int_equal (bs_service_on (pair->up, &bs_submit_schema, s_submit, NULL, true), BS_OK);
    assert_int_equal (bs_service_produce (pair->up), BS_OK);
    pair->commands =
        bs_socket_new (ZMQ_DEALER, "up", bs_config_endpoint (pair->config, "up", "command"),
                       BS_SOCKET_CONNECT, pair->config);
    assert_non_null (pair->commands);
}

void
bs_pair_up_stop (bs_pair_t *pair)
{
    zsock_destroy (&pair->commands);
    bs_service_destroy (&pair->up);
}

void
bs_pair_down_start (bs_pair_t *pair)
{
    bs_error_t error;
    pair->down = bs_service_new ("down", pair->config, s_down_databases, &error);
    if (!pair->down)
        fail_msg ("bs_service_new (down): %s", error.text);
    assert_int_equal (bs_service_consume (pair->down, "up", s_apply, NULL), BS_OK);
}

void
bs_pair_turn_both (bs_pair_t *pair, int timeout_ms)
{
    if (pair->up)
        assert_int_equal (bs_service_turn (pair->up, timeout_ms), BS_OK);
    if (pair->down)
        assert_int_equal (bs_service_turn (pair->down, timeout_ms), BS_OK);
}

void
bs_pair_run_for (bs_pair_t *pair, int milliseconds)
{
    int64_t until = zclock_mono () + milliseconds;
    while (zclock_mono () < until)
        bs_pair_turn_both (pair, 5);
}

void
bs_pair_send_submits (bs_pair_t *pair, int count)
{
    for (int i = 0; i < count; i++) {
        char id[32], title[32];
        snprintf (id, sizeof id, "submit-%d", ++pair->submitted);
        snprintf (title, sizeof title, "报告 %d", pair->submitted);
        bs_submit_t submit = {.unit = (char *) "县农业局", .title = title, .body = (char *) "正文"};
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        assert_int_equal (
            bs_codec_encode_message (&buffer, &bs_submit_schema, &submit, id, "test", 1, 0), BS_OK);
        assert_int_equal (zmq_send (zsock_resolve (pair->commands), buffer.data, buffer.size, 0),
                          (int) buffer.size);
        msgpack_sbuffer_destroy (&buffer);
    }
}

void
bs_pair_submit (bs_pair_t *pair, int count)
{
    bs_pair_send_submits (pair, count);
    int replies = 0;
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    while (replies < count && zclock_mono () < deadline) {
        bs_pair_turn_both (pair, 5);
        zmsg_t *message;
        while ((message = bs_socket_receive (pair->commands))) {
            zframe_t *frame = zmsg_first (message);
            bs_message_t reply;
            bs_pair_decode (frame, &reply);
            assert_ptr_equal (reply.schema, &bs_submitted_schema);
            bs_message_clear (&reply);
            zmsg_destroy (&message);
            replies++;
        }
    }
    assert_int_equal (replies, count);
}

uint64_t
bs_pair_down_value (bs_pair_t *pair, const char *database, const char *key)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (pair->down), &txn), BS_OK);
    uint64_t value = 0;
    assert_int_equal (bs_store_get_u64 (txn, bs_service_dbi (pair->down, database), key, &value),
                      BS_OK);
    mdb_txn_abort (txn);
    return value;
}

uint64_t
bs_pair_applied (bs_pair_t *pair)
{
    return bs_pair_down_value (pair, "counters", "applied");
}

void
bs_pair_run_until_applied (bs_pair_t *pair, uint64_t count)
{
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    while (bs_pair_applied (pair) < count && zclock_mono () < deadline)
        bs_pair_turn_both (pair, 5);
    assert_int_equal (bs_pair_applied (pair), count);
}

void
bs_pair_assert_exactly_once (bs_pair_t *pair, uint64_t count)
{
    bs_pair_run_for (pair, 300);
    assert_int_equal (bs_pair_applied (pair), count);
    assert_int_equal (bs_pair_down_value (pair, "counters", "again"), 0);
    assert_int_equal (bs_pair_down_value (pair, "counters", "disorder"), 0);
    assert_int_equal (bs_pair_down_value (pair, "counters", "last"), count);
    assert_int_equal (bs_pair_down_value (pair, "cursors", "up"), count);

    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (pair->down), &txn), BS_OK);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_service_dbi (pair->down, "seen"), &cursor), 0);
    MDB_val key, value;
    uint64_t seq = 0;
    int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    for (; rc == 0; rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        seq++;
        assert_int_equal (bs_store_key_value (key.mv_data), seq);
        bs_report_t report;
        bs_error_t error;
        assert_int_equal (bs_codec_decode_record (value.mv_data, value.mv_size, &bs_report_schema,
                                                  &bs_codec_default_limits, &report, &error),
                          BS_OK);
        assert_int_equal (report.report_id, seq); /* the event of that sequence */
        bs_codec_record_free (&bs_report_schema, &report);
    }
    assert_int_equal (rc, MDB_NOTFOUND);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    assert_int_equal (seq, count);
}

static int
s_setup_window (void **state, int window)
{
    bs_pair_t *pair = (bs_pair_t *) calloc (1, sizeof *pair);
    assert_non_null (pair);
    *state = pair;
    pair->folder = bs_test_temp_dir ("test-stream");
    assert_non_null (pair->folder);
    char *path = NULL;
    assert_true (asprintf (&path, "%s/baosong.conf", pair->folder) > 0);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file,
             "data_dir = %s/data\nheartbeat_ms = 100\nlog_level = warning\nstream_window = %d\n",
             pair->folder, window);
    fclose (file);
    bs_error_t error;
    pair->config = bs_config_load (path, &error);
    free (path);
    if (!pair->config)
        fail_msg ("bs_config_load: %s", error.text);
    /* Both services run here, and present down's certificate as clients:
       down reads up's stream. */
    bs_test_keys (pair->config, (const char *const[]){"up", "down", NULL});
    bs_config_set (pair->config, "certificate", "down", &error);
    return 0;
}

int
bs_pair_setup (void **state)
{
    return s_setup_window (state, 8);
}

int
bs_pair_setup_window_5 (void **state)
{
    return s_setup_window (state, 5);
}

int
bs_pair_teardown (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    bs_service_destroy (&pair->down);
    bs_pair_up_stop (pair);
    bs_config_destroy (&pair->config);
    bs_folder_remove (pair->folder);
    free (pair->folder);
    free (pair);
    return 0;
}

void
bs_pair_send_control (zsock_t *dealer, const bs_schema_t *schema, const void *record)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_message (&buffer, schema, record, NULL, "test", 1, 0), BS_OK);
    assert_int_equal (zmq_send (zsock_resolve (dealer), buffer.data, buffer.size, 0),
                      (int) buffer.size);
    msgpack_sbuffer_destroy (&buffer);
}
