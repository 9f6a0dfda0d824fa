/*  test_client: bs_client against an in-process service on ipc:// sockets.

    What users rely on: a service that is not running is reported within
    about timeout x tries, naming the service and where it was looked for;
    a reply that comes late (after a try timed out) still means exactly one
    application of the command, because every try carries the same id; an
    error reply arrives as its code, field and sentence, and the reason and
    line a program speaking another language reads; a reply may be read by
    a view of its schema, which copies only the fields it keeps.
*/
#include "bs_test.h"

#include <czmq.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_client.h"
#include "bs_clock.h"
#include "bs_codec.h"
#include "bs_config.h"
#include "bs_schemas.h"
#include "bs_service.h"
#include "bs_socket.h"
#include "bs_store.h"
#include "bs_test_keys.h"

static const char *const s_databases[] = {"reports", "counters", NULL};

typedef struct {
    char *folder;          /* private temporary folder, removed afterwards */
    bs_config_t *config;   /* from folder/baosong.conf */
    bs_service_t *service; /* "svc", NULL unless the test starts it */
    pthread_t server;      /* turns the service, when serving */
    bool serving;          /* server runs */
    atomic_bool stop;      /* tells the server to stop */
    atomic_int calls;      /* submit handler invocations */
    atomic_int delay_ms;   /* the next submit handler call sleeps this long */
} fixture_t;

/* The service                                                            */

/* intake.submit: stores a report; title "refuse" is refused, "bad line"
   too, its body's line 3 at fault. */
static int
s_submit (bs_request_t *request, void *argument)
{
    fixture_t *fixture = (fixture_t *) argument;
    const bs_submit_t *submit = (const bs_submit_t *) request->message->data;
    atomic_fetch_add (&fixture->calls, 1);
    int delay = atomic_exchange (&fixture->delay_ms, 0);
    if (delay)
        zclock_sleep (delay);
    if (strcmp (submit->title, "refuse") == 0)
        return bs_request_refuse (request, BS_E_CONFLICT, "title", "exists",
                                  "a report titled '%s' cannot be taken", submit->title);
    if (strcmp (submit->title, "bad line") == 0) {
        bs_error_t error;
        bs_error_set (&error, BS_E_INVALID, "body", "line 3: not a key = value line");
        bs_error_reason (&error, "syntax", 3);
        return bs_request_fail_error (request, &error);
    }
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
    rc = bs_store_put_record (request->txn, bs_service_dbi (request->service, "reports"), report_id,
                              &bs_report_schema, &report);
    if (rc != BS_OK)
        return rc;
    bs_submitted_t reply = {
        .report_id = report_id, .reg_no = (char *) "R", .received_at = request->now};
    return bs_request_reply (request, &bs_submitted_schema, &reply);
}

static void
s_service_open (fixture_t *fixture)
{
    bs_error_t error;
    fixture->service = bs_service_new ("svc", fixture->config, s_databases, &error);
    if (!fixture->service)
        fail_msg ("bs_service_new: %s", error.text);
    assert_int_equal (bs_service_on (fixture->service, &bs_submit_schema, s_submit, fixture, true),
                      BS_OK);
}

static void *
s_serve (void *argument)
{
    fixture_t *fixture = (fixture_t *) argument;
    while (!atomic_load (&fixture->stop))
        bs_service_turn (fixture->service, 10);
    return NULL;
}

static void
s_serve_start (fixture_t *fixture)
{
    atomic_store (&fixture->stop, false);
    assert_int_equal (pthread_create (&fixture->server, NULL, s_serve, fixture), 0);
    fixture->serving = true;
}

static void
s_serve_stop (fixture_t *fixture)
{
    if (!fixture->serving)
        return;
    atomic_store (&fixture->stop, true);
    pthread_join (fixture->server, NULL);
    fixture->serving = false;
}

/* Reports stored; call only while the service is not being turned. */
static size_t
s_reports (fixture_t *fixture)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->service), &txn), BS_OK);
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, bs_service_dbi (fixture->service, "reports"), &stat), 0);
    mdb_txn_abort (txn);
    return stat.ms_entries;
}

/* Fixture                                                                */

static int
s_setup (void **state)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof *fixture);
    assert_non_null (fixture);
    *state = fixture;
    fixture->folder = bs_test_temp_dir ("test-client");
    assert_non_null (fixture->folder);
    char *path = NULL;
    assert_true (asprintf (&path, "%s/baosong.conf", fixture->folder) > 0);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file,
             "data_dir = %s/data\nheartbeat_ms = 100\nlog_level = warning\n"
             "request_timeout_ms = 3000\nrequest_retries = 2\n",
             fixture->folder);
    fclose (file);
    bs_error_t error;
    fixture->config = bs_config_load (path, &error);
    free (path);
    if (!fixture->config)
        fail_msg ("bs_config_load: %s", error.text);
    bs_test_keys (fixture->config, (const char *const[]){"svc", NULL});
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_serve_stop (fixture);
    bs_service_destroy (&fixture->service);
    bs_config_destroy (&fixture->config);
    bs_folder_remove (fixture->folder);
    free (fixture->folder);
    free (fixture);
    return 0;
}

/* Tests                                                                  */

static void
test_absent_service_is_unavailable (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    char endpoint[600];
    snprintf (endpoint, sizeof endpoint, "%s",
              bs_config_endpoint (fixture->config, "svc", "command"));
    bs_client_t *client = bs_client_new (fixture->config, "svc", "test");
    assert_non_null (client);
    bs_client_set_patience (client, 150, 3);

    bs_ping_t ping = {0};
    bs_ping_reply_t pong = {0};
    bs_error_t error;
    int64_t started = zclock_mono ();
    int rc = bs_client_call (client, &bs_ping_schema, &ping, &bs_ping_reply_schema, &pong, &error);
    int64_t elapsed = zclock_mono () - started;
    assert_int_equal (rc, BS_E_UNAVAILABLE);
    assert_int_equal (error.code, BS_E_UNAVAILABLE);
    assert_null (pong.service); /* nothing was filled in */
    /* Three tries of 150 ms: not fewer, and it does give up (the upper
       bound only catches a client that waits forever; valgrind on a
       loaded machine is slow). */
    if (elapsed < 3 * 150 - 10 || elapsed > 30 * 1000)
        fail_msg ("gave up after %" PRId64 " ms, expected about 450", elapsed);
    /* The sentence names the service and the endpoint. */
    char *at = strstr (error.text, endpoint);
    if (!at)
        fail_msg ("'%s' does not name %s", error.text, endpoint);
    char before[BS_ERROR_TEXT_MAX];
    snprintf (before, sizeof before, "%.*s", (int) (at - error.text), error.text);
    if (!strstr (before, "svc"))
        fail_msg ("'%s' does not name the service", error.text);

    /* One try is one timeout. */
    bs_client_set_patience (client, 150, 1);
    started = zclock_mono ();
    assert_int_equal (
        bs_client_call (client, &bs_ping_schema, &ping, &bs_ping_reply_schema, &pong, &error),
        BS_E_UNAVAILABLE);
    elapsed = zclock_mono () - started;
    if (elapsed < 150 - 10 || elapsed > 150 + 400)
        fail_msg ("gave up after %" PRId64 " ms, expected about 150", elapsed);
    bs_client_destroy (&client);
    assert_null (client);
    bs_client_destroy (&client); /* idempotent */
}

typedef struct {
    bs_client_t *client;
    atomic_bool done;
    int rc;
    bs_submitted_t reply;
    bs_error_t error;
    int64_t elapsed; /* ms the call took */
} call_t;

static void *
s_call (void *argument)
{
    call_t *call = (call_t *) argument;
    bs_submit_t submit = {
        .unit = (char *) "县农业局", .title = (char *) "迟到", .body = (char *) "正文"};
    int64_t started = zclock_mono ();
    call->rc = bs_client_call (call->client, &bs_submit_schema, &submit, &bs_submitted_schema,
                               &call->reply, &call->error);
    call->elapsed = zclock_mono () - started;
    atomic_store (&call->done, true);
    return NULL;
}

/* Runs one submit in a thread while the test turns the service: not at
   all for wait_ms, then until the call returns. */
static void
s_late_call (fixture_t *fixture, call_t *call, int wait_ms)
{
    call->client = bs_client_new (fixture->config, "svc", "test");
    assert_non_null (call->client);
    bs_client_set_patience (call->client, 200, 6);
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_call, call), 0);
    zclock_sleep (wait_ms);
    int64_t deadline = zclock_mono () + 5000;
    while (!atomic_load (&call->done) && zclock_mono () < deadline)
        assert_int_equal (bs_service_turn (fixture->service, 10), BS_OK);
    pthread_join (thread, NULL);
    bs_client_destroy (&call->client);
}

static void
test_late_reply_applies_once (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_service_open (fixture);

    /* The service turns only after the first try timed out. */
    call_t call = {0};
    s_late_call (fixture, &call, 300);
    assert_int_equal (call.rc, BS_OK);
    assert_true (call.elapsed >= 250);
    assert_int_equal (call.reply.report_id, 1);
    bs_codec_record_free (&bs_submitted_schema, &call.reply);
    assert_int_equal (atomic_load (&fixture->calls), 1);
    assert_int_equal (s_reports (fixture), 1);

    /* The service takes the first try at once but answers after the
       client gave up on it: the next try gets the stored reply. */
    atomic_store (&fixture->delay_ms, 500);
    call_t slow = {0};
    s_late_call (fixture, &slow, 0);
    assert_int_equal (slow.rc, BS_OK);
    assert_true (slow.elapsed >= 400);
    assert_int_equal (slow.reply.report_id, 2);
    bs_codec_record_free (&bs_submitted_schema, &slow.reply);
    assert_int_equal (atomic_load (&fixture->calls), 2);
    assert_int_equal (s_reports (fixture), 2);
}

/* A reply read by a view of its schema (bs_schema_view): the fields the
   view keeps as the schema would decode them, the others neither checked
   nor copied (NULL); the full schema still reads them all; a view of
   another type is still another type. */
static void
test_reply_read_by_a_view (void **state)
{
    static const char *const unread[] = {"reg_no", NULL};
    bs_field_t fields[16];
    bs_schema_t view;
    assert_int_equal (bs_schema_view (&bs_submitted_schema, unread, fields, 16, &view), BS_OK);
    fixture_t *fixture = (fixture_t *) *state;
    s_service_open (fixture);
    s_serve_start (fixture);
    bs_client_t *client = bs_client_new (fixture->config, "svc", "test");
    assert_non_null (client);
    bs_submit_t submit = {
        .unit = (char *) "县农业局", .title = (char *) "一份報告", .body = (char *) "正文"};
    bs_submitted_t reply;
    bs_error_t error;
    int rc = bs_client_call (client, &bs_submit_schema, &submit, &view, &reply, &error);
    if (rc != BS_OK)
        fail_msg ("the call by a view failed: %s", error.text);
    assert_int_equal (reply.report_id, 1);
    assert_true (reply.received_at > 0);
    assert_null (reply.reg_no); /* not read */
    bs_codec_record_free (&view, &reply);

    submit.title = (char *) "另一份報告";
    assert_int_equal (
        bs_client_call (client, &bs_submit_schema, &submit, &bs_submitted_schema, &reply, &error),
        BS_OK);
    assert_int_equal (reply.report_id, 2);
    assert_string_equal (reply.reg_no, "R");
    bs_codec_record_free (&bs_submitted_schema, &reply);

    bs_field_t report_fields[32];
    bs_schema_t report_view;
    assert_int_equal (bs_schema_view (&bs_report_schema, unread, report_fields, 32, &report_view),
                      BS_OK);
    bs_report_t report;
    submit.title = (char *) "第三份報告";
    assert_int_equal (
        bs_client_call (client, &bs_submit_schema, &submit, &report_view, &report, &error),
        BS_E_MALFORMED);
    assert_string_equal (error.field, "type");
    bs_client_destroy (&client);
}

static void
test_error_reply_fills_the_error (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_service_open (fixture);
    s_serve_start (fixture);
    bs_client_t *client = bs_client_new (fixture->config, "svc", "test");
    assert_non_null (client);
    bs_submitted_t reply = {0};
    bs_error_t error;

    /* Refused by the handler. */
    bs_submit_t submit = {
        .unit = (char *) "县农业局", .title = (char *) "refuse", .body = (char *) "正文"};
    int rc =
        bs_client_call (client, &bs_submit_schema, &submit, &bs_submitted_schema, &reply, &error);
    assert_int_equal (rc, BS_E_CONFLICT);
    assert_int_equal (error.code, BS_E_CONFLICT);
    assert_string_equal (error.field, "title");
    assert_string_equal (error.text, "a report titled 'refuse' cannot be taken");
    assert_string_equal (error.reason, "exists");
    assert_int_equal (error.line, 0);
    assert_int_equal (reply.report_id, 0);
    submit.title = (char *) "bad line";
    rc = bs_client_call (client, &bs_submit_schema, &submit, &bs_submitted_schema, &reply, &error);
    assert_int_equal (rc, BS_E_INVALID);
    assert_string_equal (error.field, "body");
    assert_string_equal (error.text, "line 3: not a key = value line");
    assert_string_equal (error.reason, "syntax");
    assert_int_equal (error.line, 3);

    /* Refused before any handler: data outside the schema's limits. */
    char title[700];
    memset (title, 'x', sizeof title - 1);
    title[sizeof title - 1] = 0;
    submit.title = title;
    rc = bs_client_call (client, &bs_submit_schema, &submit, &bs_submitted_schema, &reply, &error);
    assert_int_equal (rc, BS_E_INVALID);
    assert_int_equal (error.code, BS_E_INVALID);
    assert_string_equal (error.field, "title");
    assert_true (strlen (error.text) > 0);
    assert_string_equal (error.reason, "");
    assert_int_equal (error.line, 0);

    /* A command the service does not have. */
    bs_case_get_t get = {.report_id = 1};
    bs_review_case_t review_case = {0};
    rc = bs_client_call (client, &bs_case_get_schema, &get, &bs_review_case_schema, &review_case,
                         &error);
    assert_int_equal (rc, BS_E_UNKNOWN_TYPE);
    assert_int_equal (error.code, BS_E_UNKNOWN_TYPE);
    assert_string_equal (error.field, "type");
    assert_non_null (strstr (error.text, "review.get"));

    /* A good call clears what the last one left. */
    submit.title = (char *) "好";
    rc = bs_client_call (client, &bs_submit_schema, &submit, &bs_submitted_schema, &reply, &error);
    assert_int_equal (rc, BS_OK);
    assert_int_equal (error.code, BS_OK);
    assert_string_equal (error.field, "");
    assert_string_equal (error.text, "");
    assert_string_equal (error.reason, "");
    assert_int_equal (reply.report_id, 1);
    assert_string_equal (reply.reg_no, "R");
    bs_codec_record_free (&bs_submitted_schema, &reply);

    bs_client_destroy (&client);
    s_serve_stop (fixture);
    /* The refused ones twice each (a turn runs again carefully) and the good one. */
    assert_int_equal (atomic_load (&fixture->calls), 5);
    assert_int_equal (s_reports (fixture), 1);
}

/* A fake service: a ROUTER on svc's command endpoint that answers as the
   test says. */
static zmsg_t *
s_fake_request (zsock_t *router, bs_message_t *request)
{
    int64_t deadline = zclock_mono () + 5000;
    while (zclock_mono () < deadline) {
        zmsg_t *message = bs_socket_receive (router);
        if (message) {
            assert_int_equal (zmsg_size (message), 2);
            zframe_t *payload = zmsg_last (message);
            bs_error_t error;
            assert_int_equal (bs_message_decode (zframe_data (payload), zframe_size (payload),
                                                 &bs_codec_default_limits, request, &error),
                              BS_OK);
            return message;
        }
        zclock_sleep (5);
    }
    fail_msg ("the client sent nothing");
    return NULL;
}

static void
s_fake_reply (zsock_t *router, zmsg_t *request, const void *bytes, size_t size)
{
    assert_int_equal (bs_socket_send (router, zmsg_first (request), bytes, size), BS_OK);
}

static void
s_fake_reply_submitted (zsock_t *router, zmsg_t *request, const char *id, uint64_t report_id)
{
    bs_submitted_t reply = {.report_id = report_id, .reg_no = (char *) "R"};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, &bs_submitted_schema, &reply, id, "svc", 1, 0), BS_OK);
    s_fake_reply (router, request, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_bad_and_stray_replies (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    bs_keyring_t *keyring = bs_test_keys_serve (fixture->config, "svc");
    zsock_t *router = bs_socket_new (ZMQ_ROUTER, "svc",
                                     bs_config_bind_endpoint (fixture->config, "svc", "command"),
                                     BS_SOCKET_BIND, fixture->config);
    assert_non_null (router);

    /* A reply that is not a message: said clearly, with the decoder's
       reason after the service's name. */
    call_t call = {.client = bs_client_new (fixture->config, "svc", "test")};
    assert_non_null (call.client);
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_call, &call), 0);
    bs_message_t request;
    zmsg_t *message = s_fake_request (router, &request);
    assert_ptr_equal (request.schema, &bs_submit_schema);
    assert_true (strlen (request.id) > 0);
    bs_message_clear (&request);
    s_fake_reply (router, message, "\xc1", 1);
    zmsg_destroy (&message);
    pthread_join (thread, NULL);
    bs_message_t garbage;
    bs_error_t reason;
    assert_int_equal (bs_message_decode ("\xc1", 1, &bs_codec_default_limits, &garbage, &reason),
                      BS_E_MALFORMED);
    char expected[BS_ERROR_TEXT_MAX];
    snprintf (expected, sizeof expected, "svc sent a bad reply: %s", reason.text);
    assert_int_equal (call.rc, BS_E_MALFORMED);
    assert_int_equal (call.error.code, BS_E_MALFORMED);
    assert_string_equal (call.error.text, expected);

    /* A reply to another id (an earlier call's, late) is passed over, and
       so is a frame after a reply. */
    atomic_store (&call.done, false);
    assert_int_equal (pthread_create (&thread, NULL, s_call, &call), 0);
    message = s_fake_request (router, &request);
    s_fake_reply_submitted (router, message, "someone-else", 99);
    bs_submitted_t late = {.report_id = 98, .reg_no = (char *) "R"};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, &bs_submitted_schema, &late, "late", "svc", 1, 0), BS_OK);
    zframe_t *identity = zmsg_first (message);
    void *handle = zsock_resolve (router);
    assert_int_equal (zmq_send (handle, zframe_data (identity), zframe_size (identity), ZMQ_SNDMORE),
                      (int) zframe_size (identity));
    assert_int_equal (zmq_send (handle, buffer.data, buffer.size, ZMQ_SNDMORE), (int) buffer.size);
    assert_int_equal (zmq_send (handle, "\xc1", 1, 0), 1);
    msgpack_sbuffer_destroy (&buffer);
    s_fake_reply_submitted (router, message, request.id, 7);
    bs_message_clear (&request);
    zmsg_destroy (&message);
    pthread_join (thread, NULL);
    assert_int_equal (call.rc, BS_OK);
    assert_int_equal (call.reply.report_id, 7);
    bs_codec_record_free (&bs_submitted_schema, &call.reply);

    bs_client_destroy (&call.client);
    zsock_destroy (&router);
    bs_test_keys_unserve ("svc", &keyring);
}

/* The ids bs_client gives its calls (bs_clock_random_id) sort in the order
   they were made, so a service's idempotency index takes a turn's keys at
   its end (a few dirty pages, not one a command); and no two are alike. */
static void
test_ids_sort_in_time (void **state)
{
    (void) state;
    char earlier[40], later[40];
    for (int i = 0; i < 8; i++) {
        bs_clock_random_id (earlier, sizeof earlier);
        zclock_sleep (2);
        bs_clock_random_id (later, sizeof later);
        assert_int_equal (strlen (earlier), 32);
        assert_int_equal (strlen (later), 32);
        assert_true (strcmp (earlier, later) < 0);
    }
    for (int i = 0; i < 100; i++) {
        bs_clock_random_id (earlier, sizeof earlier);
        bs_clock_random_id (later, sizeof later);
        assert_string_not_equal (earlier, later);
    }
    /* bs_client's ids, their random bits drawn 32 ids at a time: the same
       form and order, and none repeats across the draws. */
    bs_clock_id_pool_t *pool = calloc (1, sizeof *pool);
    assert_non_null (pool);
    enum { IDS = 100 };
    static char ids[IDS][40];
    for (int i = 0; i < IDS; i++) {
        bs_clock_pooled_id (pool, ids[i], sizeof ids[i]);
        assert_int_equal (strlen (ids[i]), 32);
        assert_int_equal (strspn (ids[i], "0123456789abcdef"), 32);
        for (int j = 0; j < i; j++)
            assert_string_not_equal (ids[i] + 12, ids[j] + 12);
    }
    for (int i = 0; i < 8; i++) {
        bs_clock_pooled_id (pool, earlier, sizeof earlier);
        zclock_sleep (2);
        bs_clock_pooled_id (pool, later, sizeof later);
        assert_true (strcmp (earlier, later) < 0);
    }
    free (pool);
}

/* A process that has every ZeroMQ socket libzmq allows it (here the test
   holds them all; a mail server whose LMTP clients pipeline mail while
   intake is down once did, sockets closing slower than it opened them)
   gets a clear "unavailable" from a call instead of czmq's abort, and
   calls normally once sockets are free again. */
static void
test_no_socket_left_is_unavailable (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_service_open (fixture);
    s_serve_start (fixture);
    bs_client_t *client = bs_client_new (fixture->config, "svc", "test");
    assert_non_null (client);
    bs_client_set_patience (client, 5000, 1);
    void *context = zsys_init ();
    int slots = zmq_ctx_get (context, ZMQ_MAX_SOCKETS);
    assert_true (slots > 0);
    void **held = calloc ((size_t) slots, sizeof *held);
    assert_non_null (held);
    int count = 0; /* raw libzmq sockets: their creation fails softly */
    while (count < slots && (held[count] = zmq_socket (context, ZMQ_PAIR)))
        count++;
    assert_int_equal (zmq_errno (), EMFILE);
    bs_ping_t ping = {0};
    bs_ping_reply_t pong = {0};
    bs_error_t error;
    for (int i = 0; i < 3; i++) {
        assert_int_equal (
            bs_client_call (client, &bs_ping_schema, &ping, &bs_ping_reply_schema, &pong, &error),
            BS_E_UNAVAILABLE);
        if (!strstr (error.text, "ZeroMQ sockets"))
            fail_msg ("'%s' does not say why", error.text);
    }
    for (int i = 0; i < count; i++)
        zmq_close (held[i]);
    free (held);
    if (bs_client_call (client, &bs_ping_schema, &ping, &bs_ping_reply_schema, &pong, &error)
        != BS_OK)
        fail_msg ("with sockets free again: %s", error.text);
    assert_string_equal (pong.service, "svc");
    bs_codec_record_free (&bs_ping_reply_schema, &pong);
    bs_client_destroy (&client);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_absent_service_is_unavailable, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_late_reply_applies_once, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_reply_read_by_a_view, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_error_reply_fills_the_error, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_and_stray_replies, s_setup, s_teardown),
        cmocka_unit_test (test_ids_sort_in_time),
        cmocka_unit_test_setup_teardown (test_no_socket_left_is_unavailable, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
