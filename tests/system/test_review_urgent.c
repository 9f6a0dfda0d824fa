/*  Urgent reports on a running system: an urgent case passes its deadline
    undecided and escalates exactly once (one audit entry, one
    review.escalated counted by statistics, one notice on the live feed),
    even though review is killed with SIGKILL and restarted again and again
    around the deadline. The clock moves through the clock file.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_review_steps.h"
#include "bs_test.h"

#define HOUR 3600000LL
#define UNIT "林州市委組織部"

static bool
s_escalated (bs_system_t *system, uint64_t id)
{
    bs_review_case_t review_case;
    bool escalated = false;
    if (bs_steps_case (system, id, &review_case)) {
        escalated = review_case.escalated;
        bs_codec_record_free (&bs_review_case_schema, &review_case);
    }
    return escalated;
}

/* review.escalated notices for report_id on the feed so far. */
static int
s_notices (zsock_t *feed, uint64_t report_id)
{
    int count = 0;
    bs_message_t message;
    while (bs_system_feed_next (feed, 300, &message)) {
        if (message.schema == &bs_escalated_schema) {
            const bs_escalated_t *notice = message.data;
            assert_string_equal (notice->unit, UNIT);
            count += notice->report_id == report_id;
        }
        bs_message_clear (&message);
    }
    return count;
}

static void
test_urgent_escalates_once_across_kills (void **state)
{
    (void) state;
    setenv ("BAOSONG_REVIEW_SWEEP_MS", "50", 1);
    bs_system_t *system = bs_system_new ("baosong-urgent");
    assert_int_equal (bs_system_start_all (system), 0);
    zsock_t *feed = bs_system_feed_subscribe (system, 1000);

    uint64_t plain = bs_steps_submit (system, UNIT, "一般信息", false);
    uint64_t urgent = bs_steps_submit (system, UNIT, "緊急重要信息", true);
    BS_WAIT_UNTIL (*bs_steps_state (system, urgent), "the urgent case");
    /* Urgent first in the queue, though it came second. */
    bs_queue_request_t query = {.limit = 10};
    bs_case_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (system, "review"), &bs_queue_request_schema,
                                      &query, &bs_case_page_schema, &page, &error),
                      BS_OK);
    assert_int_equal (page.cases.count, 2);
    const bs_review_case_t *queue = page.cases.items;
    assert_int_equal (queue[0].report_id, urgent);
    assert_true (queue[0].deadline > queue[0].received_at);
    assert_int_equal (queue[0].deadline - queue[0].received_at, 2 * HOUR);
    bs_codec_record_free (&bs_case_page_schema, &page);

    /* Just before the deadline: nothing. */
    bs_system_set_clock (system, 2 * HOUR - 3000);
    zclock_sleep (300);
    assert_false (s_escalated (system, urgent));

    /* Across the deadline, review dies again and again: killed at once,
       killed after a few sweeps, down while the deadline passes. */
    unsigned seed = 20261128;
    for (int round = 0; round < 6; round++) {
        bs_system_kill (system, "review", SIGKILL);
        if (round == 1)
            bs_system_set_clock (system, 2 * HOUR + 1000); /* passes while review is down */
        assert_int_equal (bs_system_start (system, "review"), 0);
        zclock_sleep ((int) (rand_r (&seed) % 120));
    }
    BS_WAIT_UNTIL (s_escalated (system, urgent), "the urgent case to escalate");
    for (int round = 0; round < 3; round++) {
        bs_system_kill (system, "review", SIGKILL);
        assert_int_equal (bs_system_start (system, "review"), 0);
        zclock_sleep (100);
    }
    bs_system_set_clock (system, 5 * HOUR);
    zclock_sleep (500);

    assert_int_equal (bs_steps_audit_count (system, urgent, "escalate"), 1);
    assert_int_equal (bs_steps_audit_count (system, plain, "escalate"), 0);
    assert_false (s_escalated (system, plain));
    assert_string_equal (bs_steps_state (system, urgent), "queued"); /* still undecided */
    BS_WAIT_UNTIL (bs_steps_stats (system, UNIT).escalated == 1, "statistics to count it");
    assert_int_equal (s_notices (feed, urgent), 1);
    assert_int_equal (bs_steps_stats (system, UNIT).escalated, 1);

    zsock_destroy (&feed);
    bs_system_destroy (&system);
    unsetenv ("BAOSONG_REVIEW_SWEEP_MS");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_urgent_escalates_once_across_kills),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
