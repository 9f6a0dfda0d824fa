/*  test_service: bs_service run in-process on ipc:// sockets in a private
    folder, driven turn by turn with bs_service_turn.

    What users rely on: a retried command is applied once and answered with
    the first reply's bytes; a mutating command without an id is refused; a
    refused command leaves nothing behind while the others of its turn
    commit; concurrent requests share turns (group commit); bad input gets
    a clear error and never stops the service; a command that outgrows the
    map still succeeds; events are numbered without gaps and only committed
    commands emit them; timers write in a transaction of their own; a
    deferred reply's work starts once, after its turn has committed, and
    its client gets exactly one reply.

    The clients here are plain DEALER sockets, so the test decides what lands
    in which turn; the group commit test uses bs_client from threads.
*/
#include "bs_test.h"

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

#define S_CALLS_MAX 256
#define S_WAIT_MS 5000 /* longest wait for a reply */
#define MIB ((size_t) 1 << 20)

static const char *const s_databases[] = {"reports", "counters", "blobs", NULL};

typedef struct {
    char *folder;                /* private temporary folder, removed afterwards */
    bs_config_t *config;         /* from folder/baosong.conf */
    bs_service_t *service;       /* "svc" */
    int turn;                    /* the turn the test is running (set by the test) */
    int calls;                   /* submit handler invocations, aborted ones included */
    int call_turns[S_CALLS_MAX]; /* the turn of each invocation */
    int delay_ms;                /* the submit handler sleeps this long */
    unsigned char *big;          /* what a "big" submit writes */
    size_t big_size;             /* its size */
    int ticks;                   /* runs of the counting timer */
    int refused_ticks;           /* runs of the failing timer */
    int deferrals;               /* runs of the deferring handler */
    int dropped;                 /* deferred work dropped */
    int started;                 /* deferred work started */
    size_t reports_at_start;     /* reports committed when the last work started */
} fixture_t;

static bool
s_quick (void)
{
    const char *quick = getenv ("BAOSONG_TEST_QUICK");
    return quick && *quick && strcmp (quick, "0") != 0;
}

/* Handlers                                                               */

/* intake.submit as a toy intake: counts the report, stores it, emits it.
   Title "refuse" writes and emits, then refuses; title "big" also writes
   fixture->big. */
static int
s_submit (bs_request_t *request, void *argument)
{
    fixture_t *fixture = (fixture_t *) argument;
    const bs_submit_t *submit = (const bs_submit_t *) request->message->data;
    if (fixture->calls < S_CALLS_MAX)
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
    fixture_t *fixture;
} s_work_t;

static size_t s_entries (fixture_t *fixture, const char *database);

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
    fixture_t *fixture = ((s_work_t *) work)->fixture;
    free (work);
    fixture->started++;
    fixture->reports_at_start = s_entries (fixture, "reports");
    bs_report_page_t page = {.next = 42};
    assert_int_equal (bs_deferred_reply (&deferred, &bs_report_page_schema, &page), BS_OK);
    assert_null (deferred);
}

/* intake.get as a command answered later (and publication.issue_get,
   registered as mutating, which may not be). */
static int
s_deferring (bs_request_t *request, void *argument)
{
    fixture_t *fixture = (fixture_t *) argument;
    fixture->deferrals++;
    s_work_t *work = calloc (1, sizeof *work);
    assert_non_null (work);
    work->fixture = fixture;
    return bs_request_defer (request, s_work_start, s_work_drop, work);
}

static int
s_tick (bs_service_t *service, MDB_txn *txn, uint64_t now, void *argument)
{
    (void) now;
    fixture_t *fixture = (fixture_t *) argument;
    fixture->ticks++;
    uint64_t value;
    return bs_store_next_counter (txn, bs_service_dbi (service, "counters"), "ticks", &value);
}

static int
s_tick_refused (bs_service_t *service, MDB_txn *txn, uint64_t now, void *argument)
{
    (void) now;
    fixture_t *fixture = (fixture_t *) argument;
    fixture->refused_ticks++;
    int rc = bs_store_put_u64 (txn, bs_service_dbi (service, "counters"), "doomed", 1);
    return rc != BS_OK ? rc : BS_E_CONFLICT;
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

static void
s_service_open (fixture_t *fixture)
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
}

static fixture_t *
s_fixture_new (void **state, const char *extra)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof *fixture);
    assert_non_null (fixture);
    *state = fixture;
    fixture->folder = bs_test_temp_dir ("test-service");
    assert_non_null (fixture->folder);
    fixture->config = s_config_load (fixture->folder, extra);
    s_service_open (fixture);
    return fixture;
}

static int
s_setup (void **state)
{
    s_fixture_new (state, NULL);
    return 0;
}

static int
s_setup_small_map (void **state)
{
    s_fixture_new (state, "map_size_mb = 1\n");
    return 0;
}

static int
s_setup_expiring (void **state)
{
    s_fixture_new (state, "idempotency_days = 30\nidempotency_sweep_ms = 20\n");
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    bs_service_destroy (&fixture->service);
    bs_config_destroy (&fixture->config);
    bs_test_remove_tree (fixture->folder);
    free (fixture->folder);
    free (fixture->big);
    free (fixture);
    return 0;
}

/* Talking to the service                                                 */

static zsock_t *
s_dealer (fixture_t *fixture)
{
    zsock_t *dealer =
        bs_socket_new (ZMQ_DEALER, "svc", bs_config_endpoint (fixture->config, "svc", "command"),
                       BS_SOCKET_CONNECT, fixture->config);
    assert_non_null (dealer);
    return dealer;
}

static void
s_send_bytes (zsock_t *dealer, const void *bytes, size_t size)
{
    assert_int_equal (zmq_send (zsock_resolve (dealer), bytes, size, 0), (int) size);
}

static void
s_send (zsock_t *dealer, const bs_schema_t *schema, const void *record, const char *id)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_message (&buffer, schema, record, id, "test", 1, 0), BS_OK);
    s_send_bytes (dealer, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
}

static void
s_send_submit (zsock_t *dealer, const char *id, const char *title)
{
    bs_submit_t submit = {
        .unit = (char *) "县农业局", .title = (char *) title, .body = (char *) "春耕进展顺利。"};
    s_send (dealer, &bs_submit_schema, &submit, id);
}

static void
s_send_ping (zsock_t *dealer)
{
    bs_ping_t ping = {0};
    s_send (dealer, &bs_ping_schema, &ping, "ping");
}

/* The next reply on dealer, turning the service while waiting. */
static zframe_t *
s_reply (fixture_t *fixture, zsock_t *dealer)
{
    int64_t deadline = zclock_mono () + S_WAIT_MS;
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
    fail_msg ("no reply within %d ms", S_WAIT_MS);
    return NULL;
}

/* The next reply on dealer without turning (the service already did). */
static zframe_t *
s_reply_waiting (zsock_t *dealer)
{
    zsock_set_rcvtimeo (dealer, S_WAIT_MS);
    zframe_t *frame = zframe_recv (dealer);
    zsock_set_rcvtimeo (dealer, -1);
    assert_non_null (frame);
    return frame;
}

static void
s_decode (zframe_t *frame, bs_message_t *message)
{
    bs_error_t error;
    int rc = bs_message_decode (zframe_data (frame), zframe_size (frame), &bs_codec_default_limits,
                                message, &error);
    if (rc != BS_OK)
        fail_msg ("undecodable reply: %s", error.text);
}

/* Asserts frame is an ok submitted reply; returns its report id. */
static uint64_t
s_assert_submitted (zframe_t *frame)
{
    bs_message_t message;
    s_decode (frame, &message);
    if (message.schema != &bs_submitted_schema)
        fail_msg ("expected intake.submitted, got '%s'", message.type);
    uint64_t report_id = ((bs_submitted_t *) message.data)->report_id;
    bs_message_clear (&message);
    return report_id;
}

/* Asserts frame is an error reply with code and field; the text must
   contain says when says is not NULL. Destroys frame. */
static void
s_assert_error (zframe_t **frame_p, const char *code, const char *field, const char *says)
{
    bs_message_t message;
    s_decode (*frame_p, &message);
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
static void
s_connect (fixture_t *fixture, zsock_t **dealers, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        s_send_ping (dealers[i]);
        zframe_t *pong = s_reply (fixture, dealers[i]);
        bs_message_t message;
        s_decode (pong, &message);
        assert_ptr_equal (message.schema, &bs_ping_reply_schema);
        bs_message_clear (&message);
        zframe_destroy (&pong);
    }
}

/* Reading the store                                                      */

static size_t
s_entries (fixture_t *fixture, const char *database)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->service), &txn), BS_OK);
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, bs_service_dbi (fixture->service, database), &stat), 0);
    mdb_txn_abort (txn);
    return stat.ms_entries;
}

static uint64_t
s_counter (fixture_t *fixture, const char *key)
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
static void
s_assert_no_report_titled (fixture_t *fixture, const char *title)
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
    assert_int_equal (seen, s_entries (fixture, "reports"));
}

/* Tests                                                                  */

static void
test_same_id_gets_the_first_reply (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    zsock_t *dealer = s_dealer (fixture);
    s_send_submit (dealer, "same-key", "防汛");
    zframe_t *first = s_reply (fixture, dealer);
    assert_int_equal (s_assert_submitted (first), 1);
    zclock_sleep (5); /* a re-run handler would reply with another time */
    s_send_submit (dealer, "same-key", "防汛");
    zframe_t *again = s_reply (fixture, dealer);
    assert_true (zframe_eq (first, again));
    assert_int_equal (fixture->calls, 1);
    assert_int_equal (s_entries (fixture, "reports"), 1);
    assert_int_equal (s_entries (fixture, "log"), 1);

    /* Another id is another command. */
    s_send_submit (dealer, "other-key", "防汛");
    zframe_t *other = s_reply (fixture, dealer);
    assert_int_equal (s_assert_submitted (other), 2);
    assert_false (zframe_eq (first, other));
    assert_int_equal (fixture->calls, 2);

    /* The same id twice in one turn: still once. */
    s_send_submit (dealer, "twin-key", "抗旱");
    s_send_submit (dealer, "twin-key", "抗旱");
    zclock_sleep (200);
    fixture->turn = 1;
    assert_int_equal (bs_service_turn (fixture->service, 1000), BS_OK);
    zframe_t *twin = s_reply_waiting (dealer);
    zframe_t *twin_again = s_reply_waiting (dealer);
    assert_int_equal (s_assert_submitted (twin), 3);
    assert_true (zframe_eq (twin, twin_again));
    assert_int_equal (fixture->calls, 3);
    assert_int_equal (fixture->call_turns[2], 1);

    /* The key is durable: a restarted service gives the same reply. */
    zsock_destroy (&dealer);
    bs_service_destroy (&fixture->service);
    s_service_open (fixture);
    dealer = s_dealer (fixture);
    s_send_submit (dealer, "same-key", "防汛");
    zframe_t *after_restart = s_reply (fixture, dealer);
    assert_true (zframe_eq (first, after_restart));
    assert_int_equal (fixture->calls, 3);
    assert_int_equal (s_entries (fixture, "reports"), 3);

    zframe_destroy (&first);
    zframe_destroy (&again);
    zframe_destroy (&other);
    zframe_destroy (&twin);
    zframe_destroy (&twin_again);
    zframe_destroy (&after_restart);
    zsock_destroy (&dealer);
}

static void
test_mutating_command_needs_an_id (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    zsock_t *dealer = s_dealer (fixture);
    s_send_submit (dealer, NULL, "没有编号");
    zframe_t *reply = s_reply (fixture, dealer);
    s_assert_error (&reply, "invalid", "id", "intake.submit");
    assert_int_equal (fixture->calls, 0);
    assert_int_equal (s_entries (fixture, "reports"), 0);
    assert_int_equal (s_entries (fixture, "idempotency"), 0);

    /* A command that changes nothing needs none. */
    bs_report_list_t list = {.limit = 10};
    s_send (dealer, &bs_report_list_schema, &list, NULL);
    reply = s_reply (fixture, dealer);
    bs_message_t message;
    s_decode (reply, &message);
    assert_ptr_equal (message.schema, &bs_report_page_schema);
    assert_int_equal (((bs_report_page_t *) message.data)->next, 7);
    bs_message_clear (&message);
    zframe_destroy (&reply);
    zsock_destroy (&dealer);
}

static void
test_refused_command_leaves_nothing_while_its_turn_commits (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    zsock_t *dealers[3] = {s_dealer (fixture), s_dealer (fixture), s_dealer (fixture)};
    s_connect (fixture, dealers, 3);

    s_send_submit (dealers[0], "good-1", "春耕");
    s_send_submit (dealers[1], "bad-1", "refuse");
    s_send_submit (dealers[2], "good-2", "夏收");
    zclock_sleep (300); /* all three wait in the command socket */
    fixture->turn = 1;
    assert_int_equal (bs_service_turn (fixture->service, 1000), BS_OK);
    /* The turn runs straight until the refusal (2 calls), then again
       carefully, each command in a nested transaction (3 calls). */
    assert_int_equal (fixture->calls, 2 + 3);
    for (int i = 0; i < 5; i++)
        assert_int_equal (fixture->call_turns[i], 1); /* one turn, one transaction */

    zframe_t *first = s_reply_waiting (dealers[0]);
    zframe_t *refused = s_reply_waiting (dealers[1]);
    zframe_t *second = s_reply_waiting (dealers[2]);
    s_assert_error (&refused, "conflict", "title", "the title 'refuse' is refused");
    uint64_t first_id = s_assert_submitted (first);
    uint64_t second_id = s_assert_submitted (second);
    /* The refused command's counter increment was rolled back too. */
    assert_int_equal (first_id + second_id, 1 + 2);
    assert_int_equal (s_counter (fixture, "report"), 2);
    assert_int_equal (s_entries (fixture, "reports"), 2);
    s_assert_no_report_titled (fixture, "refuse");
    assert_int_equal (s_entries (fixture, "log"), 2);
    assert_int_equal (s_entries (fixture, "idempotency"), 2);

    /* Refused is not remembered: the same id runs again. */
    s_send_submit (dealers[1], "bad-1", "refuse");
    refused = s_reply (fixture, dealers[1]);
    s_assert_error (&refused, "conflict", "title", NULL);
    assert_int_equal (fixture->calls, 5 + 2);

    zframe_destroy (&first);
    zframe_destroy (&second);
    for (int i = 0; i < 3; i++)
        zsock_destroy (&dealers[i]);
}

/* A deferred reply: its work starts after the commit, once, though the
   turn ran twice (a refusal in it), and the client gets one reply. */
static void
test_deferred_reply_starts_once_after_the_commit (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    zsock_t *dealers[3] = {s_dealer (fixture), s_dealer (fixture), s_dealer (fixture)};
    s_connect (fixture, dealers, 3);

    bs_report_get_t get = {.report_id = 1};
    s_send (dealers[0], &bs_report_get_schema, &get, "later-1");
    s_send_submit (dealers[1], "good-1", "春耕");
    s_send_submit (dealers[2], "bad-1", "refuse");
    zclock_sleep (300); /* all three wait in the command socket */
    assert_int_equal (bs_service_turn (fixture->service, 1000), BS_OK);
    /* straight, then carefully: the first run's work is dropped */
    assert_int_equal (fixture->deferrals, 2);
    assert_int_equal (fixture->dropped, 1);
    assert_int_equal (fixture->started, 1);
    assert_int_equal (fixture->reports_at_start, 1); /* the turn was on disk */

    zframe_t *later = s_reply (fixture, dealers[0]);
    bs_message_t message;
    s_decode (later, &message);
    assert_ptr_equal (message.schema, &bs_report_page_schema);
    assert_string_equal (message.id, "later-1");
    assert_int_equal (((bs_report_page_t *) message.data)->next, 42);
    bs_message_clear (&message);
    zframe_destroy (&later);
    zframe_t *good = s_reply_waiting (dealers[1]);
    zframe_t *refused = s_reply_waiting (dealers[2]);
    assert_int_equal (s_assert_submitted (good), 1);
    s_assert_error (&refused, "conflict", "title", NULL);
    zframe_destroy (&good);

    /* No second reply, however long the service turns. */
    for (int i = 0; i < 20; i++)
        assert_int_equal (bs_service_turn (fixture->service, 10), BS_OK);
    zmsg_t *extra = bs_socket_receive (dealers[0]);
    assert_null (extra);
    assert_int_equal (fixture->started, 1);

    /* A command that changes state may not answer later. */
    bs_issue_get_t issue = {.issue_id = 1};
    s_send (dealers[0], &bs_issue_get_schema, &issue, "mutating-1");
    zframe_t *reply = s_reply (fixture, dealers[0]);
    s_assert_error (&reply, "system", "", "cannot answer later");
    assert_int_equal (fixture->started, 1);
    assert_int_equal (fixture->dropped, 1 + 2); /* refused straight, then carefully */
    assert_int_equal (s_entries (fixture, "idempotency"), 1);
    for (int i = 0; i < 3; i++)
        zsock_destroy (&dealers[i]);
}

/* Group commit: clients in threads, the service turned by the test. */

#define S_GROUP_CLIENTS 8

typedef struct {
    bs_client_t *client;
    atomic_int *ready; /* clients connected */
    atomic_bool *go;   /* all may submit */
    atomic_int *done;  /* clients finished */
    int index;
    int rc;             /* the submit's result */
    uint64_t report_id; /* its report */
} group_client_t;

static void *
s_group_client (void *argument)
{
    group_client_t *self = (group_client_t *) argument;
    bs_error_t error;
    bs_ping_t ping = {0};
    bs_ping_reply_t pong;
    self->rc =
        bs_client_call (self->client, &bs_ping_schema, &ping, &bs_ping_reply_schema, &pong, &error);
    if (self->rc == BS_OK)
        bs_codec_record_free (&bs_ping_reply_schema, &pong);
    atomic_fetch_add (self->ready, 1);
    while (!atomic_load (self->go))
        zclock_sleep (1);
    if (self->rc == BS_OK) {
        char title[32];
        snprintf (title, sizeof title, "group %d", self->index);
        bs_submit_t submit = {.unit = (char *) "unit", .title = title, .body = (char *) "body"};
        bs_submitted_t submitted;
        self->rc = bs_client_call (self->client, &bs_submit_schema, &submit, &bs_submitted_schema,
                                   &submitted, &error);
        if (self->rc == BS_OK) {
            self->report_id = submitted.report_id;
            bs_codec_record_free (&bs_submitted_schema, &submitted);
        }
    }
    atomic_fetch_add (self->done, 1);
    return NULL;
}

static void
test_group_commit (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    fixture->delay_ms = 20; /* requests arrive while a turn is busy */
    atomic_int ready = 0, done = 0;
    atomic_bool go = false;
    group_client_t clients[S_GROUP_CLIENTS];
    pthread_t threads[S_GROUP_CLIENTS];
    for (int i = 0; i < S_GROUP_CLIENTS; i++) {
        clients[i] = (group_client_t){.client = bs_client_new (fixture->config, "svc", "test"),
                                      .ready = &ready,
                                      .go = &go,
                                      .done = &done,
                                      .index = i};
        assert_non_null (clients[i].client);
        assert_int_equal (pthread_create (&threads[i], NULL, s_group_client, &clients[i]), 0);
    }
    int64_t deadline = zclock_mono () + 10000;
    while (atomic_load (&ready) < S_GROUP_CLIENTS && zclock_mono () < deadline)
        bs_service_turn (fixture->service, 5);
    assert_int_equal (fixture->calls, 0); /* pings are not commands */
    atomic_store (&go, true);

    int turns_with_writes = 0, largest_turn = 0;
    while (atomic_load (&done) < S_GROUP_CLIENTS && zclock_mono () < deadline) {
        int before = fixture->calls;
        fixture->turn++;
        assert_int_equal (bs_service_turn (fixture->service, 5), BS_OK);
        int applied = fixture->calls - before;
        if (applied > 0)
            turns_with_writes++;
        if (applied > largest_turn)
            largest_turn = applied;
    }
    for (int i = 0; i < S_GROUP_CLIENTS; i++) {
        pthread_join (threads[i], NULL);
        bs_client_destroy (&clients[i].client);
    }
    bool seen[S_GROUP_CLIENTS + 1] = {false};
    for (int i = 0; i < S_GROUP_CLIENTS; i++) {
        assert_int_equal (clients[i].rc, BS_OK);
        assert_in_range (clients[i].report_id, 1, S_GROUP_CLIENTS);
        assert_false (seen[clients[i].report_id]);
        seen[clients[i].report_id] = true;
    }
    assert_int_equal (fixture->calls, S_GROUP_CLIENTS);
    assert_int_equal (s_entries (fixture, "reports"), S_GROUP_CLIENTS);
    assert_true (turns_with_writes >= 1);
    if (turns_with_writes >= S_GROUP_CLIENTS)
        fail_msg ("%d requests took %d write turns: no group commit", S_GROUP_CLIENTS,
                  turns_with_writes);
    assert_true (largest_turn > 1);
}

/* Packs an envelope of type with data {key: value} for each pair. */
static void
s_pack_envelope (msgpack_sbuffer *buffer, const char *type, const char *id,
                 const char *const *pairs)
{
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);
    size_t pair_count = 0;
    while (pairs[pair_count * 2])
        pair_count++;
    const char *strings[] = {"type", type, "id", id, "src", "test"};
    msgpack_pack_map (&packer, 6);
    msgpack_pack_str_with_body (&packer, "v", 1);
    msgpack_pack_uint64 (&packer, 1);
    for (size_t i = 0; i < 6; i++)
        msgpack_pack_str_with_body (&packer, strings[i], strlen (strings[i]));
    msgpack_pack_str_with_body (&packer, "at", 2);
    msgpack_pack_uint64 (&packer, 1);
    msgpack_pack_str_with_body (&packer, "data", 4);
    msgpack_pack_map (&packer, pair_count);
    for (size_t i = 0; i < pair_count * 2; i++)
        msgpack_pack_str_with_body (&packer, pairs[i], strlen (pairs[i]));
}

static void
test_bad_input_is_answered_and_serving_goes_on (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    zsock_t *dealer = s_dealer (fixture);
    msgpack_sbuffer buffer;

    const char *const none[] = {NULL};
    msgpack_sbuffer_init (&buffer);
    s_pack_envelope (&buffer, "no.such.type", "x-1", none);
    s_send_bytes (dealer, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    zframe_t *reply = s_reply (fixture, dealer);
    s_assert_error (&reply, "unknown_type", "type", "no.such.type");

    /* A known message type this service has no handler for. */
    bs_case_get_t get = {.report_id = 1};
    s_send (dealer, &bs_case_get_schema, &get, "x-2");
    reply = s_reply (fixture, dealer);
    s_assert_error (&reply, "unknown_type", "type", "review.get");

    /* Data that do not fit the schema: no title. */
    const char *const untitled[] = {"unit", "县农业局", "body", "正文", NULL};
    msgpack_sbuffer_init (&buffer);
    s_pack_envelope (&buffer, "intake.submit", "x-3", untitled);
    s_send_bytes (dealer, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    reply = s_reply (fixture, dealer);
    s_assert_error (&reply, "invalid", "title", NULL);

    /* Bytes that are no message: truncated, a length bomb, nothing, text. */
    const struct {
        const char *bytes;
        size_t size;
    } malformed[] = {
        {"\x93\x01", 2}, {"\xdd\xff\xff\xff\xff", 5}, {"", 0}, {"hello", 5}, {"\xc1", 1}};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        s_send_bytes (dealer, malformed[i].bytes, malformed[i].size);
        reply = s_reply (fixture, dealer);
        s_assert_error (&reply, "malformed", "", NULL);
    }

    /* Two frames: refused as a whole. */
    bs_submit_t submit = {.unit = (char *) "u", .title = (char *) "t", .body = (char *) "b"};
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, &bs_submit_schema, &submit, "x-4", "test", 1, 0), BS_OK);
    assert_int_equal (zmq_send (zsock_resolve (dealer), buffer.data, buffer.size, ZMQ_SNDMORE),
                      (int) buffer.size);
    s_send_bytes (dealer, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    reply = s_reply (fixture, dealer);
    s_assert_error (&reply, "malformed", "", "one frame");
    assert_int_equal (fixture->calls, 0); /* no handler saw any of it */

    /* Still serving. */
    s_send_ping (dealer);
    reply = s_reply (fixture, dealer);
    bs_message_t message;
    s_decode (reply, &message);
    assert_ptr_equal (message.schema, &bs_ping_reply_schema);
    assert_string_equal (((bs_ping_reply_t *) message.data)->service, "svc");
    bs_message_clear (&message);
    zframe_destroy (&reply);
    s_send_submit (dealer, "x-5", "好");
    reply = s_reply (fixture, dealer);
    assert_int_equal (s_assert_submitted (reply), 1);
    zframe_destroy (&reply);
    assert_int_equal (fixture->calls, 1);
    assert_int_equal (s_entries (fixture, "reports"), 1);
    zsock_destroy (&dealer);
}

static void
test_map_grows_inside_a_command (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    size_t map_before = bs_store_map_size (bs_service_store (fixture->service));
    assert_true (map_before <= 2 * MIB);
    fixture->big_size = (s_quick () ? 3 : 6) * MIB;
    fixture->big = (unsigned char *) malloc (fixture->big_size);
    assert_non_null (fixture->big);
    for (size_t i = 0; i < fixture->big_size; i++)
        fixture->big[i] = (unsigned char) (i * 31 + i / 4099);

    zsock_t *dealer = s_dealer (fixture);
    s_send_submit (dealer, "big-1", "big");
    zframe_t *reply = s_reply (fixture, dealer);
    assert_int_equal (s_assert_submitted (reply), 1);
    zframe_destroy (&reply);
    assert_true (fixture->calls > 1); /* the turn was retried on a grown map */
    assert_true (bs_store_map_size (bs_service_store (fixture->service)) > fixture->big_size);

    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->service), &txn), BS_OK);
    const void *bytes;
    size_t size;
    assert_int_equal (
        bs_store_get_bytes (txn, bs_service_dbi (fixture->service, "blobs"), "big", &bytes, &size),
        BS_OK);
    assert_int_equal (size, fixture->big_size);
    assert_memory_equal (bytes, fixture->big, size);
    mdb_txn_abort (txn);
    /* The attempts that ran out of room left nothing behind. */
    assert_int_equal (s_counter (fixture, "report"), 1);
    assert_int_equal (s_entries (fixture, "reports"), 1);
    assert_int_equal (s_entries (fixture, "log"), 1);

    /* Later commands go on as usual. */
    s_send_submit (dealer, "small-1", "小");
    reply = s_reply (fixture, dealer);
    assert_int_equal (s_assert_submitted (reply), 2);
    zframe_destroy (&reply);
    zsock_destroy (&dealer);
}

static void
test_emitted_events_are_numbered_without_gaps (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    zsock_t *dealer = s_dealer (fixture);
    const char *titles[] = {"一", "refuse", "二", "refuse", "三"};
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf (id, sizeof id, "emit-%d", i);
        s_send_submit (dealer, id, titles[i]);
        zframe_t *reply = s_reply (fixture, dealer);
        zframe_destroy (&reply);
    }
    /* One turn each; a refused one runs twice: straight, then carefully. */
    assert_int_equal (fixture->calls, 5 + 2);

    const char *expected[] = {"一", "二", "三"};
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->service), &txn), BS_OK);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_service_dbi (fixture->service, "log"), &cursor), 0);
    MDB_val key, value;
    uint64_t count = 0;
    int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    for (; rc == 0; rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        count++;
        assert_int_equal (key.mv_size, 8);
        assert_int_equal (bs_store_key_value (key.mv_data), count);
        bs_message_t event;
        bs_error_t error;
        assert_int_equal (bs_message_decode (value.mv_data, value.mv_size, &bs_codec_default_limits,
                                             &event, &error),
                          BS_OK);
        assert_ptr_equal (event.schema, &bs_report_schema);
        assert_int_equal (event.seq, count);
        assert_string_equal (event.src, "svc");
        assert_true (count <= 3);
        const bs_report_t *report = (const bs_report_t *) event.data;
        assert_string_equal (report->title, expected[count - 1]);
        assert_int_equal (report->report_id, count);
        bs_message_clear (&event);
    }
    assert_int_equal (rc, MDB_NOTFOUND);
    assert_int_equal (count, 3);
    uint64_t last;
    assert_int_equal (bs_eventlog_last (bs_service_store (fixture->service), txn, &last), BS_OK);
    assert_int_equal (last, 3);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    zsock_destroy (&dealer);
}

static void
test_timers_write_in_a_transaction (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    assert_int_equal (bs_service_every (fixture->service, 40, s_tick, fixture), BS_OK);
    assert_int_equal (bs_service_every (fixture->service, 40, s_tick_refused, fixture), BS_OK);
    int64_t until = zclock_mono () + 500;
    while (zclock_mono () < until)
        assert_int_equal (bs_service_turn (fixture->service, 20), BS_OK);
    /* A turn whose timer fails runs again carefully, so each due tick is
       called twice and committed once. */
    int ticks = (int) s_counter (fixture, "ticks");
    assert_in_range (ticks, 3, 13); /* about every 40 ms, not every turn */
    assert_int_equal (fixture->ticks, 2 * ticks);
    assert_true (fixture->refused_ticks >= 3);
    assert_int_equal (s_counter (fixture, "doomed"), 0); /* a failing timer leaves nothing */

    /* The writes are durable: a new service on the same folder sees them. */
    bs_service_destroy (&fixture->service);
    s_service_open (fixture);
    assert_int_equal (s_counter (fixture, "ticks"), ticks);
    assert_int_equal (s_counter (fixture, "doomed"), 0);
}

/* The test's clock, moved by hand. */
static uint64_t s_fake_now;

static uint64_t
s_fake_clock (void)
{
    return s_fake_now;
}

/* Turn the service for at least ms milliseconds, so due timers run. */
static void
s_turn_for (fixture_t *fixture, int ms)
{
    int64_t until = zclock_mono () + ms;
    while (zclock_mono () < until)
        assert_int_equal (bs_service_turn (fixture->service, 5), BS_OK);
}

/* Idempotency keys are kept idempotency_days, then swept: a retry within
   the window gets the first reply; after it, the command applies again. */
static void
test_idempotency_keys_expire (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    const uint64_t day = 24 * 3600 * 1000;
    s_fake_now = 1800000000000; /* 2027-01-15 */
    bs_clock_set_source (s_fake_clock);
    zsock_t *dealer = s_dealer (fixture);

    s_send_submit (dealer, "key-1", "first");
    zframe_t *frame = s_reply (fixture, dealer);
    uint64_t first = s_assert_submitted (frame);
    zframe_destroy (&frame);

    s_fake_now += 29 * day; /* inside the window: the same reply */
    s_turn_for (fixture, 60);
    s_send_submit (dealer, "key-1", "first");
    frame = s_reply (fixture, dealer);
    assert_int_equal (s_assert_submitted (frame), first);
    zframe_destroy (&frame);
    assert_int_equal (fixture->calls, 1);

    s_fake_now += 2 * day; /* 31 days: swept, so applied again */
    s_turn_for (fixture, 60);
    s_send_submit (dealer, "key-1", "first");
    frame = s_reply (fixture, dealer);
    assert_int_equal (s_assert_submitted (frame), first + 1);
    zframe_destroy (&frame);
    assert_int_equal (fixture->calls, 2);

    zsock_destroy (&dealer);
    bs_clock_set_source (NULL);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_same_id_gets_the_first_reply, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_mutating_command_needs_an_id, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_refused_command_leaves_nothing_while_its_turn_commits,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_deferred_reply_starts_once_after_the_commit, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_group_commit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_input_is_answered_and_serving_goes_on, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_map_grows_inside_a_command, s_setup_small_map,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_emitted_events_are_numbered_without_gaps, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_timers_write_in_a_transaction, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_idempotency_keys_expire, s_setup_expiring,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
