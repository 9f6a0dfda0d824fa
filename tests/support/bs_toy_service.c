/*  bs_toy_service: a toy intake over bs_service; see bs_toy_service.h.
 */
#include "bs_toy_service.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_schemas.h"
#include "bs_socket.h"
#include "bs_store.h"
#include "bs_test.h"
#include "bs_test_keys.h"

static const char *const s_databases[] = {"reports",  "counters",        "blobs",
                                          "versions", "versions_expiry", NULL};

/* intake.submit as a toy intake: counts the report, stores it, emits it.
   Title "refuse" writes and emits, then refuses; title "big" also writes
   fixture->big. */
static int
s_submit (bs_request_t *request, void *argument)
{
    bs_toy_t *fixture = (bs_toy_t *) argument;
    const bs_submit_t *submit = (const bs_submit_t *) request->message->data;
    if (fixture->calls < BS_TOY_CALLS_MAX)
        fixture->call_turns[fixture->calls] = fixture->turn;
    fixture->calls++;
    if (fixture->delay_ms)
        zclock_sleep (fixture->delay_ms);

    bs_service_t *service = request->service;
    uint64_t report_id;
    int rc = bs_store_next_counter (request->txn, bs_service_dbi (service, "counters"), "report",
                                    &report_id);
    if (rc != BS_OK)
        return rc;
    if (report_id < BS_TOY_CALLS_MAX)
        fixture->report_commits[report_id] = mdb_txn_id (request->txn);
    char reg_no[32];
    snprintf (reg_no, sizeof reg_no, "R-%04" PRIu64, report_id);
    bs_report_t report = {.report_id = report_id,
                          .reg_no = reg_no,
                          .unit = submit->unit,
                          .title = submit->title,
                          .body = submit->body,
                          .kind = (char *) "info",
                          .channel = (char *) "test",
                          .received_at = request->now};
    rc = bs_store_put_record (request->txn, bs_service_dbi (service, "reports"), report_id,
                              &bs_report_schema, &report);
    if (rc == BS_OK)
        rc = bs_service_emit (service, request->txn, &bs_report_schema, &report, request->now);
    if (rc != BS_OK)
        return rc;
    if (strcmp (submit->title, "refuse") == 0)
        return bs_request_fail (request, BS_E_CONFLICT, "title", "the title '%s' is refused",
                                submit->title);
    if (strcmp (submit->title, "big") == 0) {
        rc = bs_store_put_bytes (request->txn, bs_service_dbi (service, "blobs"), "big",
                                 fixture->big, fixture->big_size);
        if (rc != BS_OK)
            return rc;
    }
    bs_submitted_t reply = {.report_id = report_id, .reg_no = reg_no, .received_at = request->now};
    return bs_request_reply (request, &bs_submitted_schema, &reply);
}

/* review.claim, mutating: answers with the report; the stored reply
   leaves out its title and body (s_texts gives them back). */
static int
s_claim (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_claim_t *claim = (const bs_claim_t *) request->message->data;
    bs_report_t report;
    int rc = bs_store_get_record (request->txn, bs_service_dbi (request->service, "reports"),
                                  claim->report_id, &bs_report_schema, &report);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, "report_id", "no report %" PRIu64, claim->report_id);
    rc = bs_request_reply (request, &bs_report_schema, &report);
    unsigned char reference[16];
    bs_store_key (report.report_id, reference);
    bs_store_key (report.version, reference + 8);
    const char *const texts[] = {report.title, report.body};
    if (rc == BS_OK)
        rc = bs_request_store_without (request, reference, sizeof reference, texts, 2);
    bs_codec_record_free (&bs_report_schema, &report);
    return rc;
}

/* review.edit, mutating: a new version of the report's body, the
   earlier version kept (bs_service_keep_version) from this turn. */
static int
s_edit (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_edit_t *edit = (const bs_edit_t *) request->message->data;
    MDB_dbi reports = bs_service_dbi (request->service, "reports");
    bs_report_t report;
    int rc =
        bs_store_get_record (request->txn, reports, edit->report_id, &bs_report_schema, &report);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, "report_id", "no report %" PRIu64, edit->report_id);
    char key[48];
    bs_service_version_key (report.report_id, report.version, key, sizeof key);
    rc = bs_service_keep_version (request->service, request->txn, key, &bs_report_schema, &report,
                                  0);
    free (report.body);
    report.body = strdup (edit->body ? edit->body : "");
    report.version++;
    if (rc == BS_OK)
        rc = bs_store_put_record (request->txn, reports, report.report_id, &bs_report_schema,
                                  &report);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_report_schema, &report);
    bs_codec_record_free (&bs_report_schema, &report);
    return rc;
}

/* The title and body of a report's version (bs_reply_texts_fn); with
   fixture->texts_wrong, the current version's whatever was asked. */
static bs_toy_t *s_texts_fixture;

static int
s_texts (bs_service_t *service, MDB_txn *txn, const void *reference, size_t reference_size,
         char *texts[], size_t count)
{
    assert_int_equal (reference_size, 16);
    assert_int_equal (count, 2);
    uint64_t report_id = bs_store_key_value (reference);
    uint64_t version = bs_store_key_value ((const unsigned char *) reference + 8);
    bs_report_t report;
    int rc = bs_store_get_record (txn, bs_service_dbi (service, "reports"), report_id,
                                  &bs_report_schema, &report);
    if (rc == BS_OK && report.version != version && !s_texts_fixture->texts_wrong) {
        bs_codec_record_free (&bs_report_schema, &report);
        char key[48];
        bs_service_version_key (report_id, version, key, sizeof key);
        rc = bs_store_get_record_by_name (txn, bs_service_dbi (service, "versions"), key,
                                          &bs_report_schema, &report);
    }
    if (rc != BS_OK)
        return rc;
    s_texts_fixture->texts_given++;
    texts[0] = report.title;
    texts[1] = report.body;
    report.title = report.body = NULL;
    bs_codec_record_free (&bs_report_schema, &report);
    return BS_OK;
}

/* intake.list, registered as not mutating: answers without an id. */
static int
s_list (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_report_page_t page = {.next = 7};
    return bs_request_reply (request, &bs_report_page_schema, &page);
}

/* Deferred work: the fixture, and whether it was dropped or started. */
typedef struct {
    bs_toy_t *fixture;
} s_work_t;

static void
s_work_drop (void *work)
{
    ((s_work_t *) work)->fixture->dropped++;
    free (work);
}

/* Started by the loop after the commit: what the store holds then, and
   the reply (from this thread: bs_deferred_* may be called from any). */
static void
s_work_start (bs_deferred_t *deferred, void *work)
{
    bs_toy_t *fixture = ((s_work_t *) work)->fixture;
    free (work);
    fixture->started++;
    fixture->reports_at_start = bs_toy_entries (fixture, "reports");
    bs_report_page_t page = {.next = 42};
    assert_int_equal (bs_deferred_reply (&deferred, &bs_report_page_schema, &page), BS_OK);
    assert_null (deferred);
}

/* intake.get as a command answered later (and publication.issue_get,
   registered as mutating, which may not be). */
static int
s_deferring (bs_request_t *request, void *argument)
{
    bs_toy_t *fixture = (bs_toy_t *) argument;
    fixture->deferrals++;
    s_work_t *work = calloc (1, sizeof *work);
    assert_non_null (work);
    work->fixture = fixture;
    return bs_request_defer (request, s_work_start, s_work_drop, work);
}

/* Fixture                                                                */

static bs_config_t *
s_config_load (const char *folder, const char *extra)
{
    char *path = NULL;
    assert_true (asprintf (&path, "%s/baosong.conf", folder) > 0);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file,
             "data_dir = %s/data\nheartbeat_ms = 100\nlog_level = warning\n"
             "request_timeout_ms = 5000\nrequest_retries = 0\n%s",
             folder, extra ? extra : "");
    fclose (file);
    bs_error_t error;
    bs_config_t *config = bs_config_load (path, &error);
    free (path);
    if (!config)
        fail_msg ("bs_config_load: %s", error.text);
    bs_test_keys (config, (const char *const[]){"svc", NULL});
    return config;
}

void
bs_toy_open (bs_toy_t *fixture)
{
    bs_error_t error;
    fixture->service = bs_service_new ("svc", fixture->config, s_databases, &error);
    if (!fixture->service)
        fail_msg ("bs_service_new: %s", error.text);
    assert_int_equal (bs_service_on (fixture->service, &bs_submit_schema, s_submit, fixture, true),
                      BS_OK);
    assert_int_equal (
        bs_service_on (fixture->service, &bs_report_list_schema, s_list, fixture, false), BS_OK);
    assert_int_equal (
        bs_service_on (fixture->service, &bs_report_get_schema, s_deferring, fixture, false),
        BS_OK);
    assert_int_equal (
        bs_service_on (fixture->service, &bs_issue_get_schema, s_deferring, fixture, true), BS_OK);
    assert_int_equal (bs_service_on (fixture->service, &bs_claim_schema, s_claim, fixture, true),
                      BS_OK);
    assert_int_equal (bs_service_on (fixture->service, &bs_edit_schema, s_edit, fixture, true),
                      BS_OK);
    s_texts_fixture = fixture;
    bs_service_reply_texts (fixture->service, s_texts);
}

static bs_toy_t *
s_fixture_new (void **state, const char *extra)
{
    zsys_init (); /* once; czmq's own log would only repeat ours */
    zsys_set_logstream (NULL);
    bs_toy_t *fixture = (bs_toy_t *) calloc (1, sizeof *fixture);
    assert_non_null (fixture);
    *state = fixture;
    fixture->folder = bs_test_temp_dir ("test-service");
    assert_non_null (fixture->folder);
    fixture->config = s_config_load (fixture->folder, extra);
    bs_toy_open (fixture);
    return fixture;
}

int
bs_toy_setup (void **state)
{
    s_fixture_new (state, NULL);
    return 0;
}

int
bs_toy_setup_small_map (void **state)
{
    s_fixture_new (state, "map_size_mb = 1\n");
    return 0;
}

int
bs_toy_setup_expiring (void **state)
{
    s_fixture_new (state, "idempotency_days = 30\nidempotency_sweep_ms = 20\n");
    return 0;
}

int
bs_toy_setup_journaled (void **state)
{
    /* No checkpoint while a test runs: only the journal's flushes make
       its turns durable. */
    s_fixture_new (state, "store.journal = 1\nstore.journal_checkpoint_ms = 600000\n");
    return 0;
}

int
bs_toy_setup_unjournaled (void **state)
{
    s_fixture_new (state, "store.journal = 0\n");
    return 0;
}

int
bs_toy_teardown (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    bs_service_destroy (&fixture->service);
    bs_config_destroy (&fixture->config);
    bs_folder_remove (fixture->folder);
    free (fixture->folder);
    free (fixture->big);
    free (fixture);
    return 0;
}

/* Talking to the service                                                 */

zsock_t *
bs_toy_dealer (bs_toy_t *fixture)
{
    zsock_t *dealer =
        bs_socket_new (ZMQ_DEALER, "svc", bs_config_endpoint (fixture->config, "svc", "command"),
                       BS_SOCKET_CONNECT, fixture->config);
    assert_non_null (dealer);
    return dealer;
}

void
bs_toy_send_bytes (zsock_t *dealer, const void *bytes, size_t size)
{
    assert_int_equal (zmq_send (zsock_resolve (dealer), bytes, size, 0), (int) size);
}

void
bs_toy_send (zsock_t *dealer, const bs_schema_t *schema, const void *record, const char *id)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_message (&buffer, schema, record, id, "test", 1, 0), BS_OK);
    bs_toy_send_bytes (dealer, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
}

void
bs_toy_send_submit (zsock_t *dealer, const char *id, const char *title)
{
    bs_submit_t submit = {
        .unit = (char *) "县农业局", .title = (char *) title, .body = (char *) "春耕进展顺利。"};
    bs_toy_send (dealer, &bs_submit_schema, &submit, id);
}

void
bs_toy_send_ping (zsock_t *dealer)
{
    bs_ping_t ping = {0};
    bs_toy_send (dealer, &bs_ping_schema, &ping, "ping");
}

/* The next reply on dealer, turning the service while waiting. */
zframe_t *
bs_toy_reply (bs_toy_t *fixture, zsock_t *dealer)
{
    int64_t deadline = zclock_mono () + BS_TOY_WAIT_MS;
    while (zclock_mono () < deadline) {
        zmsg_t *message = bs_socket_receive (dealer);
        if (message) {
            assert_int_equal (zmsg_size (message), 1);
            zframe_t *frame = zmsg_pop (message);
            zmsg_destroy (&message);
            return frame;
        }
        assert_int_equal (bs_service_turn (fixture->service, 5), BS_OK);
    }
    fail_msg ("no reply within %d ms", BS_TOY_WAIT_MS);
    return NULL;
}

/* The next reply on dealer without turning (the service already did). */
zframe_t *
bs_toy_reply_waiting (zsock_t *dealer)
{
    zsock_set_rcvtimeo (dealer, BS_TOY_WAIT_MS);
    zframe_t *frame = zframe_recv (dealer);
    zsock_set_rcvtimeo (dealer, -1);
    assert_non_null (frame);
    return frame;
}

void
bs_toy_decode (zframe_t *frame, bs_message_t *message)
{
    bs_error_t error;
    int rc = bs_message_decode (zframe_data (frame), zframe_size (frame), &bs_codec_default_limits,
                                message, &error);
    if (rc != BS_OK)
        fail_msg ("undecodable reply: %s", error.text);
}

/* Asserts frame is an ok submitted reply; returns its report id. */
uint64_t
bs_toy_assert_submitted (zframe_t *frame)
{
    bs_message_t message;
    bs_toy_decode (frame, &message);
    if (message.schema != &bs_submitted_schema)
        fail_msg ("expected intake.submitted, got '%s'", message.type);
    uint64_t report_id = ((bs_submitted_t *) message.data)->report_id;
    bs_message_clear (&message);
    return report_id;
}

/* Asserts frame is an error reply with code and field; the text must
   contain says when says is not NULL. Destroys frame. */
void
bs_toy_assert_error (zframe_t **frame_p, const char *code, const char *field, const char *says)
{
    bs_message_t message;
    bs_toy_decode (*frame_p, &message);
    if (message.schema != &bs_error_reply_schema)
        fail_msg ("expected an error reply, got '%s'", message.type);
    const bs_error_reply_t *failure = (const bs_error_reply_t *) message.data;
    assert_string_equal (failure->code, code);
    assert_string_equal (failure->field ? failure->field : "", field);
    if (says && !strstr (failure->message, says))
        fail_msg ("error text '%s' does not say '%s'", failure->message, says);
    bs_message_clear (&message);
    zframe_destroy (frame_p);
}

/* Sends a ping on each dealer and waits for the pongs, so every connection
   is up before the test times anything. */
void
bs_toy_connect (bs_toy_t *fixture, zsock_t **dealers, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        bs_toy_send_ping (dealers[i]);
        zframe_t *pong = bs_toy_reply (fixture, dealers[i]);
        bs_message_t message;
        bs_toy_decode (pong, &message);
        assert_ptr_equal (message.schema, &bs_ping_reply_schema);
        bs_message_clear (&message);
        zframe_destroy (&pong);
    }
}

/* Reading the store                                                      */

size_t
bs_toy_entries (bs_toy_t *fixture, const char *database)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->service), &txn), BS_OK);
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, bs_service_dbi (fixture->service, database), &stat), 0);
    mdb_txn_abort (txn);
    return stat.ms_entries;
}

uint64_t
bs_toy_counter (bs_toy_t *fixture, const char *key)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->service), &txn), BS_OK);
    uint64_t value = 99;
    assert_int_equal (
        bs_store_get_u64 (txn, bs_service_dbi (fixture->service, "counters"), key, &value), BS_OK);
    mdb_txn_abort (txn);
    return value;
}

/* Asserts no stored report has title. */
void
bs_toy_assert_no_report_titled (bs_toy_t *fixture, const char *title)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->service), &txn), BS_OK);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_service_dbi (fixture->service, "reports"), &cursor),
                      0);
    MDB_val key, value;
    int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    size_t seen = 0;
    for (; rc == 0; rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT), seen++) {
        bs_report_t report;
        bs_error_t error;
        assert_int_equal (bs_codec_decode_record (value.mv_data, value.mv_size, &bs_report_schema,
                                                  &bs_codec_default_limits, &report, &error),
                          BS_OK);
        bool same = strcmp (report.title, title) == 0;
        bs_codec_record_free (&bs_report_schema, &report);
        if (same)
            fail_msg ("a report titled '%s' was stored", title);
    }
    assert_int_equal (rc, MDB_NOTFOUND);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    assert_int_equal (seen, bs_toy_entries (fixture, "reports"));
}
