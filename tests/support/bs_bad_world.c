/*  bs_bad_world: the bad-input tests' system and its bookkeeping; see
    bs_bad_world.h.
*/
#include "bs_bad_world.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_schemas.h"
#include "bs_socket.h"
#include "bs_test.h"

const char *const bs_bad_services[BS_BAD_SERVICE_COUNT] = {"intake", "review", "publication",
                                                           "statistics"};
static const char *const s_units[BS_BAD_UNIT_COUNT] = {"壞輸入測試甲單位", "壞輸入測試乙單位",
                                                       "壞輸入測試丙單位"};

bs_bad_world_t bs_bad_world;

/* Raw sockets                                                            */

/* A DEALER to service's socket ("command" or "stream"). It presents
   admin's certificate to a command socket, and a stream reader's
   (statistics', which holds the role stream) to a stream socket: the bad
   input must reach the code that parses it. */
zsock_t *
bs_bad_dealer (const char *service, const char *socket_name)
{
    zsock_t *socket = zsock_new (ZMQ_DEALER);
    assert_non_null (socket);
    zsock_set_sndtimeo (socket, BS_BAD_REPLY_TIMEOUT_MS);
    bs_error_t error;
    bool stream = strcmp (socket_name, "stream") == 0;
    bs_config_set (bs_bad_world.config, "certificate", stream ? "statistics" : "admin", &error);
    assert_int_equal (bs_socket_secure (socket, service, BS_SOCKET_CONNECT, bs_bad_world.config),
                      BS_OK);
    bs_config_set (bs_bad_world.config, "certificate", "admin", &error);
    assert_int_equal (
        zsock_connect (socket, "%s",
                       bs_config_endpoint (bs_bad_world.config, service, socket_name)),
        0);
    return socket;
}

void
bs_bad_send_case (zsock_t *socket, const bs_bad_case_t *bad)
{
    void *handle = zsock_resolve (socket);
    for (size_t i = 0; i < bad->frame_count; i++) {
        int more = i + 1 < bad->frame_count ? ZMQ_SNDMORE : 0;
        int sent = zmq_send (handle, bad->frames[i].data, bad->frames[i].size, more);
        if (sent != (int) bad->frames[i].size)
            fail_msg ("%s: could not send: %s", bad->what, zmq_strerror (zmq_errno ()));
    }
}

/* One reply frame, decoded; false on timeout. */
bool
bs_bad_receive (zsock_t *socket, int timeout_ms, bs_message_t *reply, const char *what)
{
    zmq_pollitem_t item = {zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, timeout_ms) != 1)
        return false;
    zmq_msg_t part;
    zmq_msg_init (&part);
    assert_true (zmq_msg_recv (&part, zsock_resolve (socket), 0) >= 0);
    if (zmq_msg_more (&part))
        fail_msg ("%s: the reply has more than one frame", what);
    bs_error_t error;
    bs_codec_limits_t limits = bs_codec_default_limits;
    int rc = bs_message_decode (zmq_msg_data (&part), zmq_msg_size (&part), &limits, reply, &error);
    zmq_msg_close (&part);
    if (rc != BS_OK)
        fail_msg ("%s: the service's reply does not decode: %s", what, error.text);
    return true;
}

void
bs_bad_check_error (const bs_message_t *reply, const char *code, const char *field, const char *id,
                    const char *service, const char *what)
{
    if (reply->schema != &bs_error_reply_schema)
        fail_msg ("%s on %s: expected an error reply, got '%s'", what, service, reply->type);
    const bs_error_reply_t *failure = reply->data;
    if (strcmp (failure->code, code) != 0)
        fail_msg ("%s on %s: expected code '%s', got '%s' (%s)", what, service, code, failure->code,
                  failure->message);
    if (field && strcmp (failure->field ? failure->field : "", field) != 0)
        fail_msg ("%s on %s: expected field '%s', got '%s' (%s)", what, service, field,
                  failure->field ? failure->field : "", failure->message);
    if (id && *id && strcmp (reply->id, id) != 0)
        fail_msg ("%s on %s: the reply's id is '%s', not the request's '%s'", what, service,
                  reply->id, id);
    if (strlen (failure->message) == 0)
        fail_msg ("%s on %s: the error reply has no message", what, service);
}

/* A ping on socket whose answer must be the very next reply: whatever was
   sent before it got no reply. Returns the pong's oversize_refused. */
uint64_t
bs_bad_ping_next (zsock_t *socket, const char *service, const char *what)
{
    const char *id = bs_bad_unique_id ("ping");
    bs_bad_blob_t ping = bs_bad_ping (id);
    assert_int_equal (zmq_send (zsock_resolve (socket), ping.data, ping.size, 0), (int) ping.size);
    free (ping.data);
    bs_message_t reply;
    if (!bs_bad_receive (socket, BS_BAD_REPLY_TIMEOUT_MS, &reply, what))
        fail_msg ("%s: %s does not answer a ping afterwards", what, service);
    if (reply.schema != &bs_ping_reply_schema || strcmp (reply.id, id) != 0)
        fail_msg ("%s: %s sent '%s' (id '%s') where only the pong '%s' was due", what, service,
                  reply.type, reply.id, id);
    assert_string_equal (((bs_ping_reply_t *) reply.data)->service, service);
    uint64_t refused = ((bs_ping_reply_t *) reply.data)->oversize_refused;
    bs_message_clear (&reply);
    return refused;
}

/* What must hold after each round of bad input                           */

static int

s_service_index (const char *service)
{
    for (int i = 0; i < BS_BAD_SERVICE_COUNT; i++)
        if (strcmp (bs_bad_services[i], service) == 0)
            return i;
    return -1;
}

static void
s_same_processes (void)
{
    for (int i = 0; i < BS_BAD_SERVICE_COUNT; i++) {
        pid_t pid = bs_system_pid (bs_bad_world.system, bs_bad_services[i]);
        int status;
        if (pid != bs_bad_world.pids[i] || kill (pid, 0) != 0
            || waitpid (pid, &status, WNOHANG) != 0) {
            bs_system_show_log (bs_bad_world.system, bs_bad_services[i]);
            fail_msg ("%s is no longer the process it was (pid %d, now %d)", bs_bad_services[i],
                      (int) bs_bad_world.pids[i], (int) pid);
        }
    }
}

static void
s_client_ping (const char *service)
{
    bs_ping_t ping = {0};
    bs_ping_reply_t pong;
    bs_error_t error;
    if (bs_system_call (bs_system_client (bs_bad_world.system, service), &bs_ping_schema, &ping,
                        &bs_ping_reply_schema, &pong, &error)
        != BS_OK)
        fail_msg ("%s does not answer a ping: %s", service, error.text);
    assert_int_equal (pong.pid, (uint64_t) bs_bad_world.pids[s_service_index (service)]);
    bs_codec_record_free (&bs_ping_reply_schema, &pong);
}

/* A valid submission through intake; it is expected in every figure. */
static void
s_submit_valid (void)
{
    size_t index = bs_bad_world.valid_count;
    assert_true (index < BS_BAD_VALID_MAX);
    int unit = (int) (index % BS_BAD_UNIT_COUNT);
    snprintf (bs_bad_world.titles[index], sizeof bs_bad_world.titles[index],
              "壞輸入之後的有效信息%zu", index + 1);
    bs_submit_t submit = {.unit = (char *) s_units[unit],
                          .title = bs_bad_world.titles[index],
                          .body = "壞輸入之後，服務仍照常登記。",
                          .channel = "walk_in",
                          .operator_name = "壞輸入測試員"};
    bs_submitted_t submitted;
    bs_error_t error;
    if (bs_system_call (bs_system_client (bs_bad_world.system, "intake"), &bs_submit_schema,
                        &submit, &bs_submitted_schema, &submitted, &error)
        != BS_OK)
        fail_msg ("a valid submission failed after bad input: %s", error.text);
    bs_bad_world.report_ids[index] = submitted.report_id;
    bs_bad_world.report_units[index] = unit;
    bs_bad_world.queued[bs_bad_world.queued_count++] = submitted.report_id;
    bs_bad_world.expected[unit].submitted++;
    bs_bad_world.valid_count++;
    bs_codec_record_free (&bs_submitted_schema, &submitted);
}

uint64_t
bs_bad_queued_in_review (void)
{
    bs_queue_request_t query = {.limit = 1};
    bs_case_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (bs_bad_world.system, "review"),
                                      &bs_queue_request_schema, &query, &bs_case_page_schema, &page,
                                      &error),
                      BS_OK);
    uint64_t queued = page.queued;
    bs_codec_record_free (&bs_case_page_schema, &page);
    return queued;
}

static size_t
s_pending_in_publication (void)
{
    bs_pending_request_t query = {.limit = 1000};
    bs_pending_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (bs_bad_world.system, "publication"),
                                      &bs_pending_request_schema, &query, &bs_pending_page_schema,
                                      &page, &error),
                      BS_OK);
    size_t count = page.items.count;
    bs_codec_record_free (&bs_pending_page_schema, &page);
    return count;
}

/* Statistics' all-time figures equal what the test expects. */
static bool
s_statistics_equal (void)
{
    bs_stats_request_t query = {.period = "", .basis = "decided"};
    bs_stats_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (bs_bad_world.system, "statistics"),
                                      &bs_stats_request_schema, &query, &bs_stats_page_schema,
                                      &page, &error),
                      BS_OK);
    bool equal = true;
    size_t seen = 0;
    const bs_stats_row_t *rows = page.rows.items;
    for (size_t i = 0; i < page.rows.count; i++) {
        int unit = -1;
        for (int u = 0; u < BS_BAD_UNIT_COUNT; u++)
            if (strcmp (rows[i].unit, s_units[u]) == 0)
                unit = u;
        if (unit < 0) {
            equal = false; /* a unit only bad input named */
            continue;
        }
        seen++;
        const bs_bad_figures_t *want = &bs_bad_world.expected[unit];
        equal &= rows[i].submitted == want->submitted && rows[i].adopted == want->adopted
                 && rows[i].published == want->published && rows[i].returned == 0
                 && rows[i].declined == 0;
    }
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return equal && seen == BS_BAD_UNIT_COUNT; /* every registered unit, zeros included */
}

/* After bad input to service's command socket. */
void
bs_bad_command_still_serves (const char *service, zsock_t *socket, const char *what)
{
    bs_bad_ping_next (socket, service, what);
    s_client_ping (service);
    s_submit_valid ();
    s_same_processes ();
}

/* Adopt the oldest queued case; publication and statistics must see it. */
static void
s_adopt_one (void)
{
    assert_true (bs_bad_world.queued_count > 0);
    uint64_t report_id = bs_bad_world.queued[0];
    memmove (bs_bad_world.queued, bs_bad_world.queued + 1,
             --bs_bad_world.queued_count * sizeof (uint64_t));
    bs_decide_t decide = {.report_id = report_id,
                          .decision = "adopt",
                          .periodical = "組工信息",
                          .critique = "壞輸入之後仍可採用。",
                          .editor = "編輯"};
    bs_review_case_t decided;
    bs_error_t error;
    if (bs_system_decide (bs_system_client (bs_bad_world.system, "review"), NULL, &decide, &decided,
                          &error)
        != BS_OK)
        fail_msg ("a valid decision failed after bad input: %s", error.text);
    bs_codec_record_free (&bs_review_case_schema, &decided);
    for (size_t i = 0; i < bs_bad_world.valid_count; i++)
        if (bs_bad_world.report_ids[i] == report_id)
            bs_bad_world.expected[bs_bad_world.report_units[i]].adopted++;
    bs_bad_world.pending[bs_bad_world.pending_count++] = report_id;
    BS_WAIT_UNTIL (s_pending_in_publication () == bs_bad_world.pending_count,
                   "publication to receive an adoption");
}

/* Publish an issue of the oldest adoption; statistics must count it. */
static void
s_publish_one (void)
{
    if (bs_bad_world.pending_count == 0)
        s_adopt_one ();
    bs_client_t *publication = bs_system_client (bs_bad_world.system, "publication");
    bs_error_t error;
    bs_issue_create_t create = {.periodical = "組工信息"};
    bs_issue_t issue;
    assert_int_equal (bs_system_call (publication, &bs_issue_create_schema, &create,
                                      &bs_issue_schema, &issue, &error),
                      BS_OK);
    uint64_t issue_id = issue.issue_id;
    bs_codec_record_free (&bs_issue_schema, &issue);
    uint64_t report_id = bs_bad_world.pending[0];
    memmove (bs_bad_world.pending, bs_bad_world.pending + 1,
             --bs_bad_world.pending_count * sizeof (uint64_t));
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {1, &report_id}};
    assert_int_equal (
        bs_system_call (publication, &bs_issue_add_schema, &add, &bs_issue_schema, &issue, &error),
        BS_OK);
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_issue_publish_t publish = {.issue_id = issue_id};
    assert_int_equal (bs_system_call (publication, &bs_issue_publish_schema, &publish,
                                      &bs_issue_schema, &issue, &error),
                      BS_OK);
    /* Refused commands consumed no number. */
    assert_int_equal (issue.number, bs_bad_world.issues + 1);
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_bad_world.issues++;
    for (size_t i = 0; i < bs_bad_world.valid_count; i++)
        if (bs_bad_world.report_ids[i] == report_id)
            bs_bad_world.expected[bs_bad_world.report_units[i]].published++;
}

/* Whatever was sent on a stream socket before has been read by the producer
   once it answers a stream.credit from this (unsubscribed) socket with an
   "unknown" heartbeat. Exactly answers + 1 such heartbeats must arrive (one
   for each valid credit among the bad input, one for this) and nothing
   else: no bad message made this socket a subscriber. */
void
bs_bad_stream_barrier (zsock_t *socket, const char *service, size_t answers, const char *what)
{
    bs_bad_blob_t credit = bs_bad_message_raw_data ("stream.credit", NULL,
                                                    "\x81\xa6"
                                                    "credit"
                                                    "\x00",
                                                    9);
    assert_int_equal (zmq_send (zsock_resolve (socket), credit.data, credit.size, 0),
                      (int) credit.size);
    free (credit.data);
    for (size_t received = 0; received < answers + 1; received++) {
        bs_message_t message;
        if (!bs_bad_receive (socket, BS_BAD_REPLY_TIMEOUT_MS, &message, what))
            fail_msg ("%s: %s's producer sent %zu of %zu heartbeats to an unknown consumer", what,
                      service, received, answers + 1);
        if (message.schema != &bs_stream_heartbeat_schema
            || !((bs_stream_heartbeat_t *) message.data)->unknown)
            fail_msg ("%s: %s's producer sent '%s' to a socket that never subscribed", what,
                      service, message.type);
        bs_message_clear (&message);
    }
    bs_message_t extra;
    if (bs_bad_receive (socket, 100, &extra, what))
        fail_msg ("%s: %s's producer sent an extra '%s'", what, service, extra.type);
}

/* After bad input to service's stream socket: the service answers, and its
   stream still reaches its consumer. */
void
bs_bad_stream_still_flows (const char *service)
{
    s_client_ping (service);
    if (strcmp (service, "intake") == 0) {
        s_submit_valid ();
        BS_WAIT_UNTIL (bs_bad_queued_in_review () == bs_bad_world.queued_count,
                       "review to receive a report submitted after bad input");
    } else if (strcmp (service, "review") == 0)
        s_adopt_one ();
    else {
        s_publish_one ();
        BS_WAIT_UNTIL (s_statistics_equal (),
                       "statistics to count an issue published after bad input");
    }
    s_same_processes ();
}

/* Random bytes                                                           */

void
bs_bad_nothing_changed_but_what_was_valid (void **state)
{
    (void) state;
    s_same_processes ();
    bs_error_t error;

    /* intake holds exactly the valid submissions, numbered without gaps. */
    bs_report_list_t list = {.limit = 1000};
    bs_report_page_t page;
    assert_int_equal (bs_system_call (bs_system_client (bs_bad_world.system, "intake"),
                                      &bs_report_list_schema, &list, &bs_report_page_schema, &page,
                                      &error),
                      BS_OK);
    assert_int_equal (page.reports.count, bs_bad_world.valid_count);
    const bs_report_t *reports = page.reports.items;
    unsigned year = bs_clock_year (bs_clock_now ());
    for (size_t i = 0; i < page.reports.count; i++) {
        char reg_no[32];
        snprintf (reg_no, sizeof reg_no, "%04u-%06zu", year, i + 1);
        assert_int_equal (reports[i].report_id, i + 1);
        assert_int_equal (reports[i].report_id, bs_bad_world.report_ids[i]);
        assert_string_equal (reports[i].reg_no, reg_no);
        assert_string_equal (reports[i].title, bs_bad_world.titles[i]);
        assert_string_equal (reports[i].unit, s_units[bs_bad_world.report_units[i]]);
    }
    bs_codec_record_free (&bs_report_page_schema, &page);

    /* review, publication and statistics hold what the valid commands made. */
    BS_WAIT_UNTIL (bs_bad_queued_in_review () == bs_bad_world.queued_count,
                   "review's queue to settle");
    assert_int_equal (s_pending_in_publication (), bs_bad_world.pending_count);
    bs_issue_list_request_t issues_query = {.limit = 1000};
    bs_issue_page_t issues;
    assert_int_equal (bs_system_call (bs_system_client (bs_bad_world.system, "publication"),
                                      &bs_issue_list_request_schema, &issues_query,
                                      &bs_issue_page_schema, &issues, &error),
                      BS_OK);
    assert_int_equal (issues.issues.count, bs_bad_world.issues);
    for (size_t i = 0; i < issues.issues.count; i++) {
        const bs_issue_t *issue = &((const bs_issue_t *) issues.issues.items)[i];
        assert_int_equal (issue->number, i + 1);
        assert_string_equal (issue->state, "published");
    }
    bs_codec_record_free (&bs_issue_page_schema, &issues);
    BS_WAIT_UNTIL (s_statistics_equal (), "statistics to equal the valid input");

    /* A clean stop, and no sanitizer report in any log. */
    s_same_processes ();
    for (int s = 0; s < BS_BAD_SERVICE_COUNT; s++) {
        bs_system_kill (bs_bad_world.system, bs_bad_services[s], SIGTERM);
        char path[1200];
        snprintf (path, sizeof path, "%s/%s.log", bs_system_folder (bs_bad_world.system),
                  bs_bad_services[s]);
        FILE *file = fopen (path, "r");
        assert_non_null (file);
        char line[4096];
        bool stopped = false;
        while (fgets (line, sizeof line, file)) {
            if (strstr (line, "Sanitizer") || strstr (line, "runtime error"))
                fail_msg ("%s's log has a sanitizer report: %s", bs_bad_services[s], line);
            stopped |= strstr (line, "is stopping") != NULL;
        }
        fclose (file);
        if (!stopped)
            fail_msg ("%s did not stop cleanly on SIGTERM", bs_bad_services[s]);
    }
}

void
bs_bad_warm_up (void)
{
    for (int s = 0; s < BS_BAD_PRODUCER_COUNT; s++)
        bs_bad_stream_still_flows (bs_bad_services[s]);
    /* The render thread loads its fonts before it renders: a PDF answered
       means they are loaded. */
    bs_document_request_t render = {.issue_id = bs_bad_world.issues, .format = "pdf"};
    bs_document_t document;
    bs_error_t error;
    bs_client_t *publication = bs_system_client (bs_bad_world.system, "publication");
    /* Seconds on a cold font cache, many more under a sanitizer: one long
       try, then the configured patience again. */
    bs_client_set_patience (publication, 180 * 1000, 1);
    int rc = bs_system_call (publication, &bs_document_request_schema, &render, &bs_document_schema,
                             &document, &error);
    bs_client_set_patience (
        publication, (int) bs_config_get_number (bs_bad_world.config, "request_timeout_ms"),
        1 + (int) bs_config_get_number (bs_bad_world.config, "request_retries"));
    if (rc != BS_OK)
        fail_msg ("publication did not render issue %zu: %s", bs_bad_world.issues, error.text);
    bs_codec_record_free (&bs_document_schema, &document);
}

int
bs_bad_setup (void **state)
{
    (void) state;
    /* Under AddressSanitizer freed memory waits in a quarantine (256 MiB by
       default) before it is reused, so the services' VmRSS would measure
       the quarantine rather than the services. A small one keeps
       use-after-free detection and gives the memory bound of the random
       bytes the same meaning in both builds; a build without ASan ignores
       the variable. Options already set come after, so they win. */
    const char *options = getenv ("ASAN_OPTIONS");
    char asan_options[1024];
    snprintf (asan_options, sizeof asan_options, "quarantine_size_mb=4%s%s",
              options && *options ? ":" : "", options ? options : "");
    setenv ("ASAN_OPTIONS", asan_options, 1);
    /* One frame limit for every service (intake's own is bigger, for
       batches and attachments), so the oversized cases hold for all. */
    setenv ("BAOSONG_INTAKE_MESSAGE_MAX_BYTES", "1048576", 1);
    bs_bad_world.system = bs_system_new ("baosong-bad-input");
    if (!bs_bad_world.system)
        return -1;
    bs_bad_world.config = bs_system_config (bs_bad_world.system);
    if (bs_system_start_all (bs_bad_world.system) != 0
        || bs_system_register_units (bs_bad_world.system, s_units, BS_BAD_UNIT_COUNT) != 0)
        return -1;
    for (int i = 0; i < BS_BAD_SERVICE_COUNT; i++)
        bs_bad_world.pids[i] = bs_system_pid (bs_bad_world.system, bs_bad_services[i]);
    bs_bad_world.cases = bs_bad_cases_build (bs_bad_world.config, &bs_bad_world.case_count);
    return 0;
}

int
bs_bad_teardown (void **state)
{
    (void) state;
    bs_bad_cases_free (bs_bad_world.cases, bs_bad_world.case_count);
    bs_system_destroy (&bs_bad_world.system);
    return 0;
}
