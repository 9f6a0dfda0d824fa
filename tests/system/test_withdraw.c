/*  Withdrawal (撤回) on a running system: a unit withdraws its own queued
    report with a reason (the case leaves the queue, the audit trail says
    who and why, review's log has one report.withdrawn); another unit may
    not; once an editor has claimed a report it can no longer be
    withdrawn, and the refusal says so; withdrawing twice is refused too.
    Statistics counts the withdrawal apart, also after a rebuild.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_review_steps.h"
#include "bs_test.h"

#define UNIT "衛輝市委組織部"
#define OTHER "輝縣市委組織部"

static int
s_withdraw (bs_system_t *system, uint64_t report_id, const char *unit, bs_review_case_t *reply,
            bs_error_t *error)
{
    bs_withdraw_t withdraw = {.report_id = report_id,
                              .unit = (char *) unit,
                              .officer = "周信息員",
                              .reason = "誤報：同一事項已由市裡統一報送"};
    return bs_steps_review (system, &bs_withdraw_schema, &withdraw, reply, error);
}

/* Delete statistics' store (it is stopped): it rebuilds from the logs. */
static void
s_forget_statistics (bs_system_t *running)
{
    char command[1300];
    snprintf (command, sizeof command, "rm -rf '%s/var/statistics'", bs_system_folder (running));
    assert_int_equal (system (command), 0);
}

static void
test_withdraw_before_claim_only (void **state)
{
    (void) state;
    bs_system_t *system = bs_system_new ("baosong-withdraw");
    assert_int_equal (bs_system_start_all (system), 0);
    uint64_t mistaken = bs_steps_submit (system, UNIT, "誤報的信息", false);
    uint64_t claimed = bs_steps_submit (system, UNIT, "已被認領的信息", true);
    BS_WAIT_UNTIL (*bs_steps_state (system, claimed), "review to queue the cases");
    bs_error_t error;
    assert_int_equal (
        bs_system_claim (bs_system_client (system, "review"), claimed, "陳編輯", &error), BS_OK);

    /* Another unit may not. */
    assert_int_equal (s_withdraw (system, mistaken, OTHER, NULL, &error), BS_E_DENIED);
    assert_non_null (strstr (error.text, "only that unit"));
    assert_string_equal (bs_steps_state (system, mistaken), "queued");

    /* The unit itself may, before a claim. */
    bs_review_case_t withdrawn;
    assert_int_equal (s_withdraw (system, mistaken, UNIT, &withdrawn, &error), BS_OK);
    assert_string_equal (withdrawn.state, "withdrawn");
    bs_codec_record_free (&bs_review_case_schema, &withdrawn);
    assert_int_equal (bs_steps_audit_count (system, mistaken, "withdraw"), 1);
    bs_queue_request_t query = {.limit = 10};
    bs_case_page_t page;
    assert_int_equal (bs_system_call (bs_system_client (system, "review"), &bs_queue_request_schema,
                                      &query, &bs_case_page_schema, &page, &error),
                      BS_OK);
    assert_int_equal (page.cases.count, 1); /* only the claimed one is left */
    bs_codec_record_free (&bs_case_page_schema, &page);

    /* Not twice, not after a claim. */
    assert_int_equal (s_withdraw (system, mistaken, UNIT, NULL, &error), BS_E_CONFLICT);
    assert_non_null (strstr (error.text, "already withdrawn"));
    assert_int_equal (s_withdraw (system, claimed, UNIT, NULL, &error), BS_E_CONFLICT);
    assert_non_null (strstr (error.text, "claimed by editor 陳編輯"));
    assert_string_equal (bs_steps_state (system, claimed), "claimed");
    assert_int_equal (bs_steps_audit_count (system, claimed, "withdraw"), 0);

    /* Statistics counts the withdrawal apart (both reports stay
       submitted), and a rebuild from the logs gives the same figures. */
    BS_WAIT_UNTIL (bs_steps_stats (system, UNIT).withdrawn == 1, "statistics to count it");
    bs_stats_row_t before = bs_steps_stats (system, UNIT);
    assert_int_equal (before.submitted, 2);
    bs_system_kill (system, "statistics", SIGTERM);
    s_forget_statistics (system);
    assert_int_equal (bs_system_start (system, "statistics"), 0);
    /* Intake's and review's streams replay apart: wait for both. */
    BS_WAIT_UNTIL (bs_steps_stats (system, UNIT).submitted == 2
                       && bs_steps_stats (system, UNIT).withdrawn == 1,
                   "statistics to replay");
    bs_stats_row_t after = bs_steps_stats (system, UNIT);
    assert_int_equal (after.withdrawn, before.withdrawn);
    assert_int_equal (after.submitted, before.submitted);
    bs_system_destroy (&system);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_withdraw_before_claim_only),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
