/*  Idempotency of intake: intake.submit retried with the same idempotency
    key after its reply was lost changes nothing the second time and gets
    the first reply back; a different key is a new submission. And a
    submit whose intake was killed -9 right after it was sent, retried
    with the same key against the restarted intake, registers exactly one
    report whatever the timing of the kill, and review and statistics see
    it once.

    Review's commands: test_idempotency_review.c; publication's:
    test_idempotency_publication.c; what they share (the lost reply):
    idempotency_fixture.h.
*/
#include "idempotency_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_test.h"

/* The units the tests report for. */
static const char *const s_units[] = {"冪等測試甲單位", "冪等測試丙單位"};
#define S_UNIT_COUNT (sizeof s_units / sizeof *s_units)

/* Every report intake holds, in report id order. Caller frees the page. */
static void
s_all_reports (bs_report_page_t *page)
{
    bs_report_list_t list = {.limit = 1000};
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (idempotency_system, "intake"),
                                      &bs_report_list_schema, &list, &bs_report_page_schema, page,
                                      &error),
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

/* Every case review holds. */
static size_t
s_case_count (void)
{
    bs_queue_request_t query = {.all = true, .limit = 1000};
    bs_case_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (idempotency_system, "review"),
                                      &bs_queue_request_schema, &query, &bs_case_page_schema, &page,
                                      &error),
                      BS_OK);
    size_t count = page.cases.count;
    bs_codec_record_free (&bs_case_page_schema, &page);
    return count;
}

/* intake.submit                                                          */

static void
test_submit_retried_after_lost_reply_registers_once (void **state)
{
    (void) state;
    static const lose_t ways[] = {LOSE_AFTER_ARRIVAL, LOSE_AT_ONCE};
    for (size_t w = 0; w < 2; w++) {
        char key[40], title[128];
        idempotency_new_key (key, sizeof key);
        snprintf (title, sizeof title, "冪等提交測試第%zu條", w + 1);
        bs_submit_t submit = {.unit = "冪等測試甲單位",
                              .title = title,
                              .body = "同一冪等鍵重試，只登記一次。",
                              .channel = "walk_in",
                              .operator_name = "冪等測試員"};
        size_t before = s_report_count ();
        uint64_t events_before = idempotency_last_seq ("intake");

        idempotency_send_and_lose_reply ("intake", &bs_submit_schema, &submit, key, ways[w]);
        bs_submitted_t first, second;
        idempotency_submit (key, &submit, &first);
        idempotency_submit (key, &submit, &second);
        assert_int_equal (first.report_id, second.report_id);
        assert_string_equal (first.reg_no, second.reg_no);
        assert_int_equal (first.received_at, second.received_at);

        uint64_t report_id = 0;
        char reg_no[32] = "";
        assert_int_equal (s_reports_titled (title, &report_id, reg_no, sizeof reg_no), 1);
        assert_int_equal (report_id, first.report_id);
        assert_string_equal (reg_no, first.reg_no);
        assert_int_equal (s_report_count (), before + 1);
        assert_int_equal (idempotency_last_seq ("intake"),
                          events_before + 1); /* one report.received */

        /* The same key with other content is still the first command: the
           stored reply, nothing new (bs_service.h). */
        bs_submit_t other = submit;
        other.title = "同一冪等鍵但內容不同";
        bs_submitted_t third;
        idempotency_submit (key, &other, &third);
        assert_int_equal (third.report_id, first.report_id);
        assert_string_equal (third.reg_no, first.reg_no);
        assert_int_equal (s_reports_titled (other.title, NULL, NULL, 0), 0);

        /* A new key is a new submission. */
        char new_key[40];
        idempotency_new_key (new_key, sizeof new_key);
        bs_submitted_t fresh;
        bs_submit_t again = submit; /* the same text again would be a duplicate */
        again.body = "同一內容換一個冪等鍵，是另一次提交。";
        idempotency_submit (new_key, &again, &fresh);
        assert_int_not_equal (fresh.report_id, first.report_id);
        assert_string_not_equal (fresh.reg_no, first.reg_no);
        assert_int_equal (s_reports_titled (title, NULL, NULL, 0), 2);
        assert_int_equal (s_report_count (), before + 2);
        assert_int_equal (idempotency_last_seq ("intake"), events_before + 2);

        bs_codec_record_free (&bs_submitted_schema, &first);
        bs_codec_record_free (&bs_submitted_schema, &second);
        bs_codec_record_free (&bs_submitted_schema, &third);
        bs_codec_record_free (&bs_submitted_schema, &fresh);
    }
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
        idempotency_new_key (key, sizeof key);
        snprintf (title, sizeof title, "殺死接收服務後重試第%zu條", r + 1);
        bs_submit_t submit = {.unit = "冪等測試丙單位",
                              .title = title,
                              .body = "接收服務在回覆前被殺死，重試後只登記一次。",
                              .channel = "walk_in",
                              .operator_name = "冪等測試員"};
        zsock_t *socket = idempotency_raw_send ("intake", &bs_submit_schema, &submit, key);
        if (delays_ms[r])
            zclock_sleep (delays_ms[r]);
        uint64_t killed_at = bs_clock_now ();
        bs_system_kill (idempotency_system, "intake", SIGKILL);
        assert_int_equal (bs_system_start (idempotency_system, "intake"), 0);

        bs_submitted_t submitted;
        idempotency_submit (key, &submit, &submitted);
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
            if (zmq_poll (&item, 1, IDEMPOTENCY_REPLY_TIMEOUT_MS) != 1)
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
    assert_int_equal (idempotency_last_seq ("intake"),
                      total + S_UNIT_COUNT); /* and the units registered */
    BS_WAIT_UNTIL (idempotency_unit_figures ("冪等測試丙單位").submitted == rounds,
                   "statistics to count every report of the kill rounds");
    BS_WAIT_UNTIL (s_case_count () == total, "review to hold one case for every report");
    zclock_sleep (200); /* a duplicate event would arrive within this */
    assert_int_equal (s_case_count (), total);
    assert_int_equal (idempotency_unit_figures ("冪等測試丙單位").submitted, rounds);
}

static int
s_setup (void **state)
{
    (void) state;
    return idempotency_start ("baosong-idempotency-intake", s_units, S_UNIT_COUNT);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_submit_retried_after_lost_reply_registers_once),
        cmocka_unit_test (test_submit_survives_intake_killed_right_after_sending),
    };
    return cmocka_run_group_tests (tests, s_setup, idempotency_stop);
}
