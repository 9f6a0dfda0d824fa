/*  Idempotency: a mutating command retried with the same idempotency key
    after its reply was lost changes nothing the second time and gets the
    first reply back, for intake.submit, review.decide (with its claim
    before it, or in it), review.decide_many (many decisions, each with
    its claim) and publication.issue_create; a different key is
    a new command. And a submit
    whose intake was killed -9 right after it was sent, retried with the same
    key against the restarted intake, registers exactly one report whatever
    the timing of the kill. Publication's replies that carry an issue's
    items are stored without their titles and bodies, and a retry still
    gets the first reply's bytes after the issue changed, publication
    restarted, the issue was published; the copies of an issue kept for
    them go with them, idempotency_days after the issue's last change.

    A lost reply is made honestly: the envelope goes out on a raw DEALER
    socket that is closed without reading, either after the reply has
    arrived on it (the service did answer) or at once (the reply finds no
    peer).
*/
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_publication_steps.h"
#include "bs_review_steps.h"
#include "bs_schemas.h"
#include "bs_socket.h"
#include "bs_system.h"
#include "bs_test.h"

#define REPLY_TIMEOUT_MS 5000

static bs_system_t *s_system;

/* Helpers                                                                */

typedef enum {
    LOSE_AFTER_ARRIVAL, /* wait until the reply is on the socket, then close unread */
    LOSE_AT_ONCE        /* close right after sending (linger delivers the request) */
} lose_t;

static zsock_t *
s_raw_send (const char *service, const bs_schema_t *schema, const void *record, const char *id)
{
    zsock_t *socket = zsock_new (ZMQ_DEALER);
    assert_non_null (socket);
    zsock_set_linger (socket, 2000); /* the request leaves even if we close at once */
    assert_int_equal (
        bs_socket_secure (socket, service, BS_SOCKET_CONNECT, bs_system_config (s_system)), BS_OK);
    assert_int_equal (
        zsock_connect (socket, "%s",
                       bs_config_endpoint (bs_system_config (s_system), service, "command")),
        0);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, schema, record, id, "test", bs_clock_now (), 0), BS_OK);
    assert_int_equal (zmq_send (zsock_resolve (socket), buffer.data, buffer.size, 0),
                      (int) buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    return socket;
}

/* Send a command with key id whose reply is lost. */
static void
s_send_and_lose_reply (const char *service, const bs_schema_t *schema, const void *record,
                       const char *id, lose_t how)
{
    zsock_t *socket = s_raw_send (service, schema, record, id);
    if (how == LOSE_AFTER_ARRIVAL) {
        zmq_pollitem_t item = {zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, REPLY_TIMEOUT_MS) != 1)
            fail_msg ("%s sent no reply to the first %s", service, schema->type);
    }
    zsock_destroy (&socket); /* unread */
}

static void
s_new_key (char *key, size_t size)
{
    bs_clock_random_id (key, size);
}

static uint64_t
s_last_seq (const char *service)
{
    bs_ping_t ping = {0};
    bs_ping_reply_t pong;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (s_system, service), &bs_ping_schema, &ping,
                                      &bs_ping_reply_schema, &pong, &error),
                      BS_OK);
    uint64_t last = pong.last_seq;
    bs_codec_record_free (&bs_ping_reply_schema, &pong);
    return last;
}

/* Every report intake holds, in report id order. Caller frees the page. */
static void
s_all_reports (bs_report_page_t *page)
{
    bs_report_list_t list = {.limit = 1000};
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (s_system, "intake"), &bs_report_list_schema,
                                      &list, &bs_report_page_schema, page, &error),
                      BS_OK);
    assert_int_equal (page->next, 0); /* every report fits one page here */
}

/* How many reports carry title; the last one's id and reg_no. */
static size_t
s_reports_titled (const char *title, uint64_t *report_id, char *reg_no, size_t reg_no_size)
{
    bs_report_page_t page;
    s_all_reports (&page);
    size_t count = 0;
    const bs_report_t *reports = page.reports.items;
    for (size_t i = 0; i < page.reports.count; i++)
        if (strcmp (reports[i].title, title) == 0) {
            count++;
            if (report_id)
                *report_id = reports[i].report_id;
            if (reg_no)
                snprintf (reg_no, reg_no_size, "%s", reports[i].reg_no);
        }
    bs_codec_record_free (&bs_report_page_schema, &page);
    return count;
}

static size_t
s_report_count (void)
{
    bs_report_page_t page;
    s_all_reports (&page);
    size_t count = page.reports.count;
    bs_codec_record_free (&bs_report_page_schema, &page);
    return count;
}

static int
s_submit (const char *key, const bs_submit_t *submit, bs_submitted_t *submitted)
{
    bs_error_t error;
    int rc = bs_system_call_with_id (bs_system_client (s_system, "intake"), key, &bs_submit_schema,
                                     submit, &bs_submitted_schema, submitted, &error);
    if (rc != BS_OK)
        fail_msg ("submit with key %s failed: %s", key, error.text);
    return rc;
}

static bool
s_case_exists (uint64_t report_id)
{
    bs_case_get_t query = {.report_id = report_id};
    bs_review_case_t review_case;
    bs_error_t error;
    int rc = bs_system_call (bs_system_client (s_system, "review"), &bs_case_get_schema, &query,
                             &bs_review_case_schema, &review_case, &error);
    if (rc == BS_OK)
        bs_codec_record_free (&bs_review_case_schema, &review_case);
    else
        assert_int_equal (rc, BS_E_NOT_FOUND);
    return rc == BS_OK;
}

/* Every case review holds. */
static size_t
s_case_count (void)
{
    bs_queue_request_t query = {.all = true, .limit = 1000};
    bs_case_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (s_system, "review"),
                                      &bs_queue_request_schema, &query, &bs_case_page_schema, &page,
                                      &error),
                      BS_OK);
    size_t count = page.cases.count;
    bs_codec_record_free (&bs_case_page_schema, &page);
    return count;
}

/* Statistics' all-time figures of one unit (zero if it has none). */
static bs_stats_row_t
s_unit_figures (const char *unit)
{
    bs_stats_request_t query = {.period = "", .unit = (char *) unit, .basis = "decided"};
    bs_stats_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (s_system, "statistics"),
                                      &bs_stats_request_schema, &query, &bs_stats_page_schema,
                                      &page, &error),
                      BS_OK);
    bs_stats_row_t figures = {0};
    if (page.rows.count == 1) {
        const bs_stats_row_t *row = page.rows.items;
        figures.submitted = row->submitted;
        figures.adopted = row->adopted;
        figures.published = row->published;
    } else
        assert_int_equal (page.rows.count, 0);
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return figures;
}

/* intake.submit                                                          */

static void
test_submit_retried_after_lost_reply_registers_once (void **state)
{
    (void) state;
    static const lose_t ways[] = {LOSE_AFTER_ARRIVAL, LOSE_AT_ONCE};
    for (size_t w = 0; w < 2; w++) {
        char key[40], title[128];
        s_new_key (key, sizeof key);
        snprintf (title, sizeof title, "冪等提交測試第%zu條", w + 1);
        bs_submit_t submit = {.unit = "冪等測試甲單位",
                              .title = title,
                              .body = "同一冪等鍵重試，只登記一次。",
                              .channel = "walk_in",
                              .operator_name = "冪等測試員"};
        size_t before = s_report_count ();
        uint64_t events_before = s_last_seq ("intake");

        s_send_and_lose_reply ("intake", &bs_submit_schema, &submit, key, ways[w]);
        bs_submitted_t first, second;
        s_submit (key, &submit, &first);
        s_submit (key, &submit, &second);
        assert_int_equal (first.report_id, second.report_id);
        assert_string_equal (first.reg_no, second.reg_no);
        assert_int_equal (first.received_at, second.received_at);

        uint64_t report_id = 0;
        char reg_no[32] = "";
        assert_int_equal (s_reports_titled (title, &report_id, reg_no, sizeof reg_no), 1);
        assert_int_equal (report_id, first.report_id);
        assert_string_equal (reg_no, first.reg_no);
        assert_int_equal (s_report_count (), before + 1);
        assert_int_equal (s_last_seq ("intake"), events_before + 1); /* one report.received */

        /* The same key with other content is still the first command: the
           stored reply, nothing new (bs_service.h). */
        bs_submit_t other = submit;
        other.title = "同一冪等鍵但內容不同";
        bs_submitted_t third;
        s_submit (key, &other, &third);
        assert_int_equal (third.report_id, first.report_id);
        assert_string_equal (third.reg_no, first.reg_no);
        assert_int_equal (s_reports_titled (other.title, NULL, NULL, 0), 0);

        /* A new key is a new submission. */
        char new_key[40];
        s_new_key (new_key, sizeof new_key);
        bs_submitted_t fresh;
        bs_submit_t again = submit; /* the same text again would be a duplicate */
        again.body = "同一內容換一個冪等鍵，是另一次提交。";
        s_submit (new_key, &again, &fresh);
        assert_int_not_equal (fresh.report_id, first.report_id);
        assert_string_not_equal (fresh.reg_no, first.reg_no);
        assert_int_equal (s_reports_titled (title, NULL, NULL, 0), 2);
        assert_int_equal (s_report_count (), before + 2);
        assert_int_equal (s_last_seq ("intake"), events_before + 2);

        bs_codec_record_free (&bs_submitted_schema, &first);
        bs_codec_record_free (&bs_submitted_schema, &second);
        bs_codec_record_free (&bs_submitted_schema, &third);
        bs_codec_record_free (&bs_submitted_schema, &fresh);
    }
}

/* review.decide                                                          */

/* A report of the decision tests' unit, submitted, once review has its
   case; its report id. */
static uint64_t
s_case_to_decide (const char *title, const char *body)
{
    bs_submit_t submit = {.unit = "冪等測試乙單位",
                          .title = (char *) title,
                          .body = (char *) body,
                          .channel = "walk_in",
                          .operator_name = "冪等測試員"};
    char key[40];
    s_new_key (key, sizeof key);
    bs_submitted_t submitted;
    s_submit (key, &submit, &submitted);
    uint64_t report_id = submitted.report_id;
    bs_codec_record_free (&bs_submitted_schema, &submitted);
    BS_WAIT_UNTIL (s_case_exists (report_id), "review to open the case");
    return report_id;
}

static int
s_decide (const char *key, uint64_t report_id, bs_review_case_t *decided, bs_error_t *error)
{
    bs_decide_t decide = {.report_id = report_id,
                          .decision = "adopt",
                          .periodical = "組工信息",
                          .critique = "內容翔實，予以採用。",
                          .editor = "冪等編輯"};
    return bs_system_decide (bs_system_client (s_system, "review"), key, &decide, decided, error);
}

static void
test_decide_retried_after_lost_reply_decides_once (void **state)
{
    (void) state;
    const char *unit = "冪等測試乙單位";
    uint64_t report_id = s_case_to_decide ("冪等決定測試", "採用決定重試，只採用一次。");
    uint64_t events_before = s_last_seq ("review");
    char key[40];

    bs_decide_t decide = {.report_id = report_id,
                          .decision = "adopt",
                          .periodical = "組工信息",
                          .critique = "內容翔實，予以採用。",
                          .editor = "冪等編輯",
                          .role = "editor"};
    s_new_key (key, sizeof key);
    bs_error_t claim_error;
    assert_int_equal (bs_system_claim (bs_system_client (s_system, "review"), report_id, "冪等編輯",
                                       &claim_error),
                      BS_OK);
    s_send_and_lose_reply ("review", &bs_decide_schema, &decide, key, LOSE_AFTER_ARRIVAL);

    bs_review_case_t first, second;
    bs_error_t error;
    if (s_decide (key, report_id, &first, &error) != BS_OK)
        fail_msg ("the retried decision was refused: %s", error.text);
    assert_string_equal (first.state, "adopted");
    assert_string_equal (first.periodical, "組工信息");
    if (s_decide (key, report_id, &second, &error) != BS_OK)
        fail_msg ("the second retry was refused: %s", error.text);
    assert_string_equal (second.state, "adopted");
    assert_int_equal (second.decided_at, first.decided_at);
    assert_string_equal (second.critique, first.critique);
    assert_int_equal (s_last_seq ("review"), events_before + 1); /* one review.decided */

    /* A new key is a new decision, which the case now refuses. */
    char new_key[40];
    s_new_key (new_key, sizeof new_key);
    bs_review_case_t refused;
    assert_int_equal (s_decide (new_key, report_id, &refused, &error), BS_E_CONFLICT);
    assert_string_equal (error.field, "report_id");
    if (!strstr (error.text, "already adopted"))
        fail_msg ("the conflict does not say 'already adopted': %s", error.text);
    assert_int_equal (s_last_seq ("review"), events_before + 1);

    /* Downstream saw one adoption. */
    bs_client_t *publication = bs_system_client (s_system, "publication");
    size_t found = 0;
    for (int attempt = 0; attempt < 1500 && found == 0; attempt++) {
        bs_pending_request_t query = {.periodical = "組工信息", .limit = 1000};
        bs_pending_page_t page;
        assert_int_equal (bs_system_call (publication, &bs_pending_request_schema, &query,
                                          &bs_pending_page_schema, &page, &error),
                          BS_OK);
        const bs_pending_item_t *items = page.items.items;
        for (size_t i = 0; i < page.items.count; i++)
            found += items[i].report_id == report_id;
        bs_codec_record_free (&bs_pending_page_schema, &page);
        if (!found)
            zclock_sleep (20);
    }
    assert_int_equal (found, 1);
    BS_WAIT_UNTIL (s_unit_figures (unit).adopted == 1, "statistics to count the adoption");
    zclock_sleep (200); /* a second adoption event would arrive within this */
    assert_int_equal (s_unit_figures (unit).adopted, 1);
    assert_int_equal (s_unit_figures (unit).submitted, 1);

    bs_codec_record_free (&bs_review_case_schema, &first);
    bs_codec_record_free (&bs_review_case_schema, &second);
}

/* The same for a decision that claims its case in the same command: the
   retry neither claims nor decides again, and the trail has one claim and
   one adoption. */
static void
test_decide_with_its_claim_retried_decides_once (void **state)
{
    (void) state;
    uint64_t report_id = s_case_to_decide ("冪等一次決定測試", "認領與採用一次完成，重試不重複。");
    uint64_t events_before = s_last_seq ("review");
    char key[40];

    bs_decide_t decide = {.report_id = report_id,
                          .decision = "adopt",
                          .periodical = "組工信息",
                          .critique = "內容翔實，予以採用。",
                          .editor = "冪等編輯",
                          .role = "editor",
                          .claim = true};
    s_new_key (key, sizeof key);
    s_send_and_lose_reply ("review", &bs_decide_schema, &decide, key, LOSE_AFTER_ARRIVAL);
    bs_review_case_t first, second;
    bs_error_t error;
    bs_client_t *review = bs_system_client (s_system, "review");
    if (bs_system_decide (review, key, &decide, &first, &error) != BS_OK)
        fail_msg ("the retried decision was refused: %s", error.text);
    assert_string_equal (first.state, "adopted");
    if (bs_system_decide (review, key, &decide, &second, &error) != BS_OK)
        fail_msg ("the second retry was refused: %s", error.text);
    assert_int_equal (second.decided_at, first.decided_at);
    assert_int_equal (s_last_seq ("review"), events_before + 1); /* one review.decided */
    assert_int_equal (bs_steps_audit_count (s_system, report_id, "claim"), 1);
    assert_int_equal (bs_steps_audit_count (s_system, report_id, "adopt"), 1);

    /* A new key is a new decision, which the case now refuses. */
    char new_key[40];
    s_new_key (new_key, sizeof new_key);
    bs_review_case_t refused;
    assert_int_equal (bs_system_decide (review, new_key, &decide, &refused, &error), BS_E_CONFLICT);
    assert_string_equal (error.reason, "closed");
    assert_int_equal (s_last_seq ("review"), events_before + 1);
    assert_int_equal (bs_steps_audit_count (s_system, report_id, "claim"), 1);
    bs_codec_record_free (&bs_review_case_schema, &first);
    bs_codec_record_free (&bs_review_case_schema, &second);
}

/* review.decide_many retried with its key after the reply was lost: the
   first reply again, every case decided once (one claim, one decision,
   one review.decided each); a new key decides again, which each case
   refuses as decided, in its result. */
static void
test_decide_many_retried_decides_once (void **state)
{
    (void) state;
    uint64_t adopted = s_case_to_decide ("冪等批量審核甲", "批量採用，重試不重複。");
    uint64_t declined = s_case_to_decide ("冪等批量審核乙", "批量不採用，重試不重複。");
    uint64_t events_before = s_last_seq ("review");
    bs_decide_item_t items[] = {
        {.report_id = adopted,
         .decision = "adopt",
         .periodical = "組工信息",
         .critique = "批量採用。",
         .claim = true},
        {.report_id = declined, .decision = "decline", .critique = "批量不採用。", .claim = true}};
    bs_decide_many_t many = {.editor = "冪等編輯", .role = "editor", .decisions = {2, items}};
    char key[40];
    s_new_key (key, sizeof key);
    s_send_and_lose_reply ("review", &bs_decide_many_schema, &many, key, LOSE_AFTER_ARRIVAL);
    bs_client_t *review = bs_system_client (s_system, "review");
    for (int retry = 0; retry < 2; retry++) {
        bs_decide_results_t page;
        bs_error_t error;
        if (bs_system_decide_many (review, key, &many, &page, &error) != BS_OK)
            fail_msg ("the retried decisions were refused: %s", error.text);
        assert_int_equal (page.results.count, 2);
        const bs_decide_result_t *results = page.results.items;
        assert_int_equal (results[0].report_id, adopted);
        assert_string_equal (results[0].state, "adopted");
        assert_null (results[0].code);
        assert_int_equal (results[1].report_id, declined);
        assert_string_equal (results[1].state, "declined");
        assert_null (results[1].code);
        bs_codec_record_free (&bs_decide_results_schema, &page);
    }
    assert_int_equal (s_last_seq ("review"), events_before + 2); /* one review.decided each */
    assert_int_equal (bs_steps_audit_count (s_system, adopted, "claim"), 1);
    assert_int_equal (bs_steps_audit_count (s_system, adopted, "adopt"), 1);
    assert_int_equal (bs_steps_audit_count (s_system, declined, "claim"), 1);
    assert_int_equal (bs_steps_audit_count (s_system, declined, "decline"), 1);

    /* A new key: the cases refuse, each in its result. */
    char new_key[40];
    s_new_key (new_key, sizeof new_key);
    bs_decide_results_t page;
    bs_error_t error;
    assert_int_equal (bs_system_decide_many (review, new_key, &many, &page, &error), BS_OK);
    const bs_decide_result_t *results = page.results.items;
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal (results[i].code, "conflict");
        assert_string_equal (results[i].reason, "closed");
    }
    bs_codec_record_free (&bs_decide_results_schema, &page);
    assert_int_equal (s_last_seq ("review"), events_before + 2);
}

/* publication.issue_create                                               */

static void
s_issue_create (const char *key, bs_issue_t *issue)
{
    bs_issue_create_t create = {.periodical = "重點上報信息"};
    bs_error_t error;
    if (bs_system_call_with_id (bs_system_client (s_system, "publication"), key,
                                &bs_issue_create_schema, &create, &bs_issue_schema, issue, &error)
        != BS_OK)
        fail_msg ("issue_create with key %s failed: %s", key, error.text);
}

static size_t
s_issue_count (const char *periodical)
{
    bs_issue_list_request_t query = {.periodical = (char *) periodical, .limit = 1000};
    bs_issue_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (s_system, "publication"),
                                      &bs_issue_list_request_schema, &query, &bs_issue_page_schema,
                                      &page, &error),
                      BS_OK);
    size_t count = page.issues.count;
    bs_codec_record_free (&bs_issue_page_schema, &page);
    return count;
}

static void
test_issue_create_retried_after_lost_reply_creates_one_issue (void **state)
{
    (void) state;
    assert_int_equal (s_issue_count ("重點上報信息"), 0);
    bs_issue_create_t create = {.periodical = "重點上報信息"};
    char key[40];
    s_new_key (key, sizeof key);
    s_send_and_lose_reply ("publication", &bs_issue_create_schema, &create, key,
                           LOSE_AFTER_ARRIVAL);

    bs_issue_t first, second, third;
    s_issue_create (key, &first);
    s_issue_create (key, &second);
    assert_int_equal (second.issue_id, first.issue_id);
    assert_int_equal (first.number, 0); /* numbered when published */
    assert_int_equal (s_issue_count ("重點上報信息"), 1);

    /* Lost at once this time, with another key: the next issue, and
       retries of it create no further one. */
    char second_key[40];
    s_new_key (second_key, sizeof second_key);
    s_send_and_lose_reply ("publication", &bs_issue_create_schema, &create, second_key,
                           LOSE_AT_ONCE);
    s_issue_create (second_key, &third);
    assert_int_equal (third.issue_id, first.issue_id + 1);
    bs_codec_record_free (&bs_issue_schema, &third);
    s_issue_create (second_key, &third);
    assert_int_equal (third.issue_id, first.issue_id + 1);
    assert_int_equal (s_issue_count ("重點上報信息"), 2);

    /* A new key: the id after, so no retry created an issue. */
    char new_key[40];
    s_new_key (new_key, sizeof new_key);
    bs_issue_t fresh;
    s_issue_create (new_key, &fresh);
    assert_int_equal (fresh.issue_id, first.issue_id + 2);
    assert_int_equal (s_issue_count ("重點上報信息"), 3);

    bs_codec_record_free (&bs_issue_schema, &first);
    bs_codec_record_free (&bs_issue_schema, &second);
    bs_codec_record_free (&bs_issue_schema, &third);
    bs_codec_record_free (&bs_issue_schema, &fresh);
}

/* publication: an issue's replies stored without its items' texts       */

/* Send a command with key id and take its reply's bytes. */
static zframe_t *
s_raw_call (const char *service, const bs_schema_t *schema, const void *record, const char *id)
{
    zsock_t *socket = s_raw_send (service, schema, record, id);
    zmq_pollitem_t item = {zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, REPLY_TIMEOUT_MS) != 1)
        fail_msg ("%s sent no reply to %s %s", service, schema->type, id);
    zframe_t *reply = zframe_recv (socket);
    assert_non_null (reply);
    zsock_destroy (&socket);
    return reply;
}

/* A read transaction on publication's store, beside the running
   service (mdb_env_close (mdb_txn_env (txn)) after mdb_txn_abort). */
static MDB_txn *
s_publication_read (void)
{
    char path[1200];
    snprintf (path, sizeof path, "%s/var/publication", bs_system_folder (s_system));
    MDB_env *env;
    MDB_txn *txn;
    assert_int_equal (mdb_env_create (&env), 0);
    assert_int_equal (mdb_env_set_maxdbs (env, 64), 0);
    assert_int_equal (mdb_env_open (env, path, MDB_RDONLY, 0600), 0);
    assert_int_equal (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn), 0);
    return txn;
}

static void
s_publication_done (MDB_txn *txn)
{
    MDB_env *env = mdb_txn_env (txn);
    mdb_txn_abort (txn);
    mdb_env_close (env);
}

/* The size of what publication stored for (type, id). */
static size_t
s_stored_size (const char *type, const char *id)
{
    char key[BS_TYPE_MAX + BS_ID_MAX + 2];
    snprintf (key, sizeof key, "%s\x1f%s", type, id);
    MDB_txn *txn = s_publication_read ();
    MDB_dbi dbi;
    assert_int_equal (mdb_dbi_open (txn, "idempotency", 0, &dbi), 0);
    MDB_val name = {strlen (key), key}, value;
    assert_int_equal (mdb_get (txn, dbi, &name, &value), 0);
    size_t size = value.mv_size;
    s_publication_done (txn);
    return size;
}

/* Entries in database of publication's store. */
static size_t
s_publication_entries (const char *database)
{
    MDB_txn *txn = s_publication_read ();
    MDB_dbi dbi;
    MDB_stat stat;
    assert_int_equal (mdb_dbi_open (txn, database, 0, &dbi), 0);
    assert_int_equal (mdb_stat (txn, dbi, &stat), 0);
    s_publication_done (txn);
    return stat.ms_entries;
}

/* The same reply again for key id. */
static void
s_same_again (const bs_schema_t *schema, const void *record, const char *id, zframe_t *first)
{
    zframe_t *again = s_raw_call ("publication", schema, record, id);
    if (!zframe_eq (first, again))
        fail_msg ("%s %s: a retry got %zu bytes, not the first reply's %zu", schema->type, id,
                  zframe_size (again), zframe_size (first));
    zframe_destroy (&again);
}

/* The replies of issue_add, issue_item_edit and issue_publish carry every
   item's title and body, which the issue keeps: they are stored without
   them, and a retry gets the first reply byte for byte all the same, after
   later changes moved, took out and rewrote items, after publication was
   killed and started again, and after the issue was published. */
static void
test_issue_replies_stored_without_the_items_texts (void **state)
{
    (void) state;
    static const char *const titles[] = {"冪等測試：縣農業局推進春耕生產標準化建設的做法",
                                         "冪等測試：鎮黨委建立分片聯繫定期研判工作機制",
                                         "冪等測試：街道社區網格化治理的三點經驗"};
    uint64_t reports[3];
    size_t texts = 0; /* bytes of the items' titles and bodies */
    for (int i = 0; i < 3; i++) {
        reports[i] = bs_publication_adopt (s_system, "冪等測試甲單位", titles[i], "組工信息");
        texts += strlen (titles[i]) + strlen ("組織工作信息。第二句。");
    }
    bs_issue_create_t create = {.periodical = "組工信息"};
    bs_issue_t issue;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (s_system, "publication"),
                                      &bs_issue_create_schema, &create, &bs_issue_schema, &issue,
                                      &error),
                      BS_OK);
    uint64_t issue_id = issue.issue_id;
    bs_codec_record_free (&bs_issue_schema, &issue);

    char add_key[40], edit_key[40], publish_key[40], key[40];
    s_new_key (add_key, sizeof add_key);
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {3, reports}};
    zframe_t *added = s_raw_call ("publication", &bs_issue_add_schema, &add, add_key);
    assert_non_null (
        memmem (zframe_data (added), zframe_size (added), titles[2], strlen (titles[2])));
    /* Stored: the reply without the texts, with a reference and where
       they were (under 64 bytes here). */
    assert_true (s_stored_size ("publication.issue_add", add_key) + texts
                 < zframe_size (added) + 64);
    s_same_again (&bs_issue_add_schema, &add, add_key, added);

    /* Later changes rewrite, move and take out items. */
    s_new_key (edit_key, sizeof edit_key);
    bs_issue_item_edit_t edit = {.issue_id = issue_id,
                                 .report_id = reports[1],
                                 .body = "編輯後的正文：分片聯繫、定期研判，春耕生產進展順利。"};
    zframe_t *edited = s_raw_call ("publication", &bs_issue_item_edit_schema, &edit, edit_key);
    assert_non_null (
        memmem (zframe_data (edited), zframe_size (edited), edit.body, strlen (edit.body)));
    bs_issue_move_t move = {.issue_id = issue_id, .report_id = reports[2], .position = 1};
    s_new_key (key, sizeof key);
    zframe_t *moved = s_raw_call ("publication", &bs_issue_move_schema, &move, key);
    zframe_destroy (&moved);
    bs_issue_remove_t remove = {.issue_id = issue_id, .report_ids = {1, &reports[0]}};
    s_new_key (key, sizeof key);
    zframe_t *removed = s_raw_call ("publication", &bs_issue_remove_schema, &remove, key);
    zframe_destroy (&removed);
    s_same_again (&bs_issue_add_schema, &add, add_key, added);
    s_same_again (&bs_issue_item_edit_schema, &edit, edit_key, edited);

    /* And after a kill -9 and a start. */
    bs_system_kill (s_system, "publication", SIGKILL);
    assert_int_equal (bs_system_start (s_system, "publication"), 0);
    s_same_again (&bs_issue_add_schema, &add, add_key, added);
    s_same_again (&bs_issue_item_edit_schema, &edit, edit_key, edited);

    /* Published (组工信息 needs no sign-off by default): the issue's texts
       for ever. */
    bs_issue_publish_t publish = {.issue_id = issue_id};
    s_new_key (publish_key, sizeof publish_key);
    zframe_t *published =
        s_raw_call ("publication", &bs_issue_publish_schema, &publish, publish_key);
    assert_non_null (memmem (zframe_data (published), zframe_size (published), edit.body,
                             strlen (edit.body)));
    assert_true (s_stored_size ("publication.issue_publish", publish_key) + strlen (edit.body)
                     + strlen (titles[1]) + strlen (titles[2])
                 < zframe_size (published) + 64);
    s_same_again (&bs_issue_publish_schema, &publish, publish_key, published);
    s_same_again (&bs_issue_add_schema, &add, add_key, added);
    s_same_again (&bs_issue_item_edit_schema, &edit, edit_key, edited);

    zframe_destroy (&added);
    zframe_destroy (&edited);
    zframe_destroy (&published);
}

/* Wait (5 s at most) until publication's versions hold count copies. */
static void
s_wait_versions (size_t count)
{
    for (int i = 0; i < 100 && s_publication_entries ("versions") != count; i++)
        zclock_sleep (50);
    assert_int_equal (s_publication_entries ("versions"), count);
    assert_int_equal (s_publication_entries ("versions_expiry"), 2 * count);
}

/* The copies of an issue kept for its stored replies (versions) go with
   them: each idempotency_days (30) after the issue's last change before
   it was kept, with the last reply that may refer to it, and none sooner:
   a retry of a reply still stored gets its first bytes after the sweep. */
static void
test_kept_issue_texts_go_with_their_replies (void **state)
{
    (void) state;
    const long long day = 24LL * 3600 * 1000;
    assert_int_equal (bs_system_configure (s_system, "idempotency_sweep_ms", "100"), 0);
    bs_system_kill (s_system, "publication", SIGKILL);
    assert_int_equal (bs_system_start (s_system, "publication"), 0);
    size_t kept = s_publication_entries ("versions"); /* by the test before */
    static const char *const titles[] = {"冪等測試：縣水利局汛前檢查全覆蓋的做法",
                                         "冪等測試：社區黨支部帶領居民整治背街小巷"};
    uint64_t reports[2];
    for (int i = 0; i < 2; i++)
        reports[i] = bs_publication_adopt (s_system, "冪等測試乙單位", titles[i], "組工信息");
    bs_issue_create_t create = {.periodical = "組工信息"};
    uint64_t issue_id = bs_publication_must (s_system, &bs_issue_create_schema, &create);

    char add_key[40], edit_key[40], key[40];
    s_new_key (add_key, sizeof add_key);
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {2, reports}};
    zframe_t *added = s_raw_call ("publication", &bs_issue_add_schema, &add, add_key);
    /* Ten days later an edit keeps the issue as added; ten more, a move
       keeps it as edited. */
    bs_system_set_clock (s_system, 10 * day);
    s_new_key (edit_key, sizeof edit_key);
    bs_issue_item_edit_t edit = {.issue_id = issue_id,
                                 .report_id = reports[1],
                                 .body = "編輯後的正文：背街小巷整治後，居民出行更方便了。"};
    zframe_t *edited = s_raw_call ("publication", &bs_issue_item_edit_schema, &edit, edit_key);
    bs_system_set_clock (s_system, 20 * day);
    bs_issue_move_t move = {.issue_id = issue_id, .report_id = reports[1], .position = 1};
    s_new_key (key, sizeof key);
    zframe_t *moved = s_raw_call ("publication", &bs_issue_move_schema, &move, key);
    zframe_destroy (&moved);
    s_same_again (&bs_issue_add_schema, &add, add_key, added);
    s_same_again (&bs_issue_item_edit_schema, &edit, edit_key, edited);
    assert_int_equal (s_publication_entries ("versions"), kept + 2);

    /* 30 days and a half after the add: its reply and the issue as added
       go (and what the test before kept, earlier still); the edit's reply
       and the issue as edited stay. */
    bs_system_set_clock (s_system, 30 * day + day / 2);
    s_wait_versions (1);
    s_same_again (&bs_issue_item_edit_schema, &edit, edit_key, edited);

    /* 30 days and a half after the edit: the issue as edited goes too. */
    bs_system_set_clock (s_system, 40 * day + day / 2);
    s_wait_versions (0);

    bs_system_set_clock (s_system, 0);
    zframe_destroy (&added);
    zframe_destroy (&edited);
}

/* kill -9 intake right after a submit                                    */

static void
test_submit_survives_intake_killed_right_after_sending (void **state)
{
    (void) state;
    /* Kill at once, and after growing delays: before intake read the
       request, while it commits, after it replied. */
    static const int delays_ms[] = {0, 0, 1, 2, 3, 5, 8, 15, 30, 60};
    const size_t rounds = sizeof delays_ms / sizeof delays_ms[0];
    size_t committed_before_kill = 0;
    size_t before = s_report_count ();
    for (size_t r = 0; r < rounds; r++) {
        char key[40], title[128];
        s_new_key (key, sizeof key);
        snprintf (title, sizeof title, "殺死接收服務後重試第%zu條", r + 1);
        bs_submit_t submit = {.unit = "冪等測試丙單位",
                              .title = title,
                              .body = "接收服務在回覆前被殺死，重試後只登記一次。",
                              .channel = "walk_in",
                              .operator_name = "冪等測試員"};
        zsock_t *socket = s_raw_send ("intake", &bs_submit_schema, &submit, key);
        if (delays_ms[r])
            zclock_sleep (delays_ms[r]);
        uint64_t killed_at = bs_clock_now ();
        bs_system_kill (s_system, "intake", SIGKILL);
        assert_int_equal (bs_system_start (s_system, "intake"), 0);

        bs_submitted_t submitted;
        s_submit (key, &submit, &submitted);
        if (submitted.received_at <= killed_at)
            committed_before_kill++;

        /* The raw socket may still deliver its request to the new intake:
           a ping after it on the same socket is answered after it. */
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        bs_ping_t ping = {0};
        assert_int_equal (bs_codec_encode_message (&buffer, &bs_ping_schema, &ping, "after-kill",
                                                   "test", bs_clock_now (), 0),
                          BS_OK);
        assert_int_equal (zmq_send (zsock_resolve (socket), buffer.data, buffer.size, 0),
                          (int) buffer.size);
        msgpack_sbuffer_destroy (&buffer);
        bool pong = false;
        while (!pong) {
            zmq_pollitem_t item = {zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
            if (zmq_poll (&item, 1, REPLY_TIMEOUT_MS) != 1)
                fail_msg ("round %zu: the restarted intake does not answer the raw socket", r);
            zframe_t *frame = zframe_recv (socket);
            bs_message_t reply;
            bs_error_t error;
            assert_int_equal (
                bs_message_decode (zframe_data (frame), zframe_size (frame), NULL, &reply, &error),
                BS_OK);
            pong = reply.schema == &bs_ping_reply_schema;
            if (reply.schema == &bs_submitted_schema) /* the first try, answered late */
                assert_int_equal (((bs_submitted_t *) reply.data)->report_id, submitted.report_id);
            bs_message_clear (&reply);
            zframe_destroy (&frame);
        }
        zsock_destroy (&socket);

        uint64_t report_id = 0;
        char reg_no[32] = "";
        size_t count = s_reports_titled (title, &report_id, reg_no, sizeof reg_no);
        if (count != 1)
            fail_msg ("round %zu (kill after %d ms): %zu reports, not one", r, delays_ms[r], count);
        assert_int_equal (report_id, submitted.report_id);
        assert_string_equal (reg_no, submitted.reg_no);
        bs_codec_record_free (&bs_submitted_schema, &submitted);
    }
    assert_int_equal (s_report_count (), before + rounds);
    fprintf (stderr, "%zu of %zu first tries were committed before the kill\n",
             committed_before_kill, rounds);

    /* Downstream saw each report once: intake's log has one event per
       report, review one case each, statistics the same count. */
    size_t total = s_report_count ();
    assert_int_equal (s_last_seq ("intake"), total + 3); /* and the three units registered */
    BS_WAIT_UNTIL (s_unit_figures ("冪等測試丙單位").submitted == rounds,
                   "statistics to count every report of the kill rounds");
    BS_WAIT_UNTIL (s_case_count () == total, "review to hold one case for every report");
    zclock_sleep (200); /* a duplicate event would arrive within this */
    assert_int_equal (s_case_count (), total);
    assert_int_equal (s_unit_figures ("冪等測試丙單位").submitted, rounds);
}

static int
s_setup (void **state)
{
    (void) state;
    s_system = bs_system_new ("baosong-idempotency");
    static const char *const units[] = {"冪等測試甲單位", "冪等測試乙單位", "冪等測試丙單位"};
    return s_system && bs_system_start_all (s_system) == 0
                   && bs_system_register_units (s_system, units, 3) == 0
               ? 0
               : -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    bs_system_destroy (&s_system);
    return 0;
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_submit_retried_after_lost_reply_registers_once),
        cmocka_unit_test (test_decide_retried_after_lost_reply_decides_once),
        cmocka_unit_test (test_decide_with_its_claim_retried_decides_once),
        cmocka_unit_test (test_decide_many_retried_decides_once),
        cmocka_unit_test (test_issue_create_retried_after_lost_reply_creates_one_issue),
        cmocka_unit_test (test_submit_survives_intake_killed_right_after_sending),
        /* last: its submits register their unit again (intake's log) */
        cmocka_unit_test (test_issue_replies_stored_without_the_items_texts),
        /* after it: moves the clock 40 days on and sweeps what it kept */
        cmocka_unit_test (test_kept_issue_texts_go_with_their_replies),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
