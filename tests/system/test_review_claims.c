/*  Claims on a running system: a lease ends on the injected clock and the
    case goes back to the queue, which shows who holds what; editors racing
    to decide the same cases, half of them claiming in the decision itself
    (review.decide with claim): exactly one decision per case succeeds, and
    exactly one review.decided reaches statistics.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_review_steps.h"
#include "bs_test.h"

#define RACE_CASES 40
#define RACERS 4

static void
test_lease_ends_on_the_injected_clock (void **state)
{
    (void) state;
    setenv ("BAOSONG_REVIEW_SWEEP_MS", "100", 1);
    bs_system_t *system = bs_system_new ("baosong-claims");
    assert_int_equal (bs_system_start_all (system), 0);
    uint64_t id = bs_steps_submit (system, "滑縣委組織部", "租約測試", false);
    BS_WAIT_UNTIL (strcmp (bs_steps_state (system, id), "queued") == 0, "the case");
    bs_claim_t claim = {.report_id = id, .editor = "編輯甲", .role = "editor"};
    bs_error_t error;
    assert_int_equal (bs_steps_review (system, &bs_claim_schema, &claim, NULL, &error), BS_OK);

    /* The queue shows the holder and the lease. */
    bs_queue_request_t query = {.limit = 10};
    bs_case_page_t page;
    assert_int_equal (bs_system_call (bs_system_client (system, "review"), &bs_queue_request_schema,
                                      &query, &bs_case_page_schema, &page, &error),
                      BS_OK);
    assert_int_equal (page.cases.count, 1);
    const bs_review_case_t *listed = page.cases.items;
    assert_string_equal (listed[0].state, "claimed");
    assert_string_equal (listed[0].holder, "編輯甲");
    uint64_t lease_until = listed[0].lease_until;
    assert_true (lease_until >= listed[0].claimed_at + 30 * 60000);
    /* Listings carry the title, not the body: in queue order and all. */
    assert_string_equal (listed[0].title, "租約測試");
    assert_null (listed[0].body);
    bs_codec_record_free (&bs_case_page_schema, &page);
    query.all = true;
    assert_int_equal (bs_system_call (bs_system_client (system, "review"), &bs_queue_request_schema,
                                      &query, &bs_case_page_schema, &page, &error),
                      BS_OK);
    assert_int_equal (page.cases.count, 1);
    listed = page.cases.items;
    assert_string_equal (listed[0].title, "租約測試");
    assert_null (listed[0].body);
    bs_codec_record_free (&bs_case_page_schema, &page);

    /* A second editor is refused while the lease runs. */
    claim.editor = "編輯乙";
    assert_int_equal (bs_steps_review (system, &bs_claim_schema, &claim, NULL, &error),
                      BS_E_CONFLICT);
    assert_non_null (strstr (error.text, "編輯甲"));
    zclock_sleep (500);
    assert_string_equal (bs_steps_state (system, id), "claimed");

    /* 31 minutes later the lease has ended: the case is queued again. */
    bs_system_set_clock (system, 31 * 60000);
    BS_WAIT_UNTIL (strcmp (bs_steps_state (system, id), "queued") == 0, "the lease to end");
    bs_review_case_t review_case;
    assert_true (bs_steps_case (system, id, &review_case));
    assert_null (review_case.holder);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    assert_int_equal (bs_steps_audit_count (system, id, "expire"), 1);

    /* The first holder can no longer decide; the second can claim. */
    bs_decide_t decide = {.report_id = id,
                          .decision = "decline",
                          .critique = "過期。",
                          .editor = "編輯甲",
                          .role = "editor"};
    assert_int_equal (bs_system_call (bs_system_client (system, "review"), &bs_decide_schema,
                                      &decide, &bs_review_case_schema, &review_case, &error),
                      BS_E_CONFLICT);
    assert_int_equal (bs_steps_review (system, &bs_claim_schema, &claim, NULL, &error), BS_OK);
    bs_system_destroy (&system);
    unsetenv ("BAOSONG_REVIEW_SWEEP_MS");
}

typedef struct {
    bs_system_t *system;
    const uint64_t *ids;
    int index;
    atomic_int *wins; /* per case */
} racer_t;

static void *
racer (void *argument)
{
    racer_t *self = argument;
    bs_client_t *client = bs_client_new (bs_system_desk_config (self->system), "review", "race");
    char editor[32];
    snprintf (editor, sizeof editor, "編輯%d", self->index);
    for (int i = 0; i < RACE_CASES; i++) {
        bs_decide_t decide = {.report_id = self->ids[i],
                              .decision = "adopt",
                              .periodical = "組工信息",
                              .critique = "搶先採用。",
                              .editor = editor,
                              .claim = self->index % 2 == 1}; /* claim and decide at once */
        bs_review_case_t reply;
        bs_error_t error;
        int rc = bs_system_decide (client, NULL, &decide, &reply, &error);
        if (rc == BS_OK) {
            atomic_fetch_add (&self->wins[i], 1);
            bs_codec_record_free (&bs_review_case_schema, &reply);
        } else if (rc != BS_E_CONFLICT)
            fail_msg ("racer %d: %s", self->index, error.text);
    }
    bs_client_destroy (&client);
    return NULL;
}

static void
test_racing_editors_decide_once (void **state)
{
    (void) state;
    bs_system_t *system = bs_system_new ("baosong-race");
    assert_int_equal (bs_system_start_all (system), 0);
    uint64_t ids[RACE_CASES];
    for (int i = 0; i < RACE_CASES; i++)
        ids[i] = bs_steps_submit (system, "內黃縣委組織部", "搶先決定", false);
    BS_WAIT_UNTIL (*bs_steps_state (system, ids[RACE_CASES - 1]), "the cases");
    atomic_int wins[RACE_CASES];
    for (int i = 0; i < RACE_CASES; i++)
        atomic_init (&wins[i], 0);
    pthread_t threads[RACERS];
    racer_t racers[RACERS];
    for (int r = 0; r < RACERS; r++) {
        racers[r] = (racer_t){system, ids, r, wins};
        pthread_create (&threads[r], NULL, racer, &racers[r]);
    }
    for (int r = 0; r < RACERS; r++)
        pthread_join (threads[r], NULL);
    for (int i = 0; i < RACE_CASES; i++) {
        assert_int_equal (atomic_load (&wins[i]), 1);
        assert_int_equal (bs_steps_audit_count (system, ids[i], "adopt"), 1);
    }
    BS_WAIT_UNTIL (bs_steps_stats (system, "內黃縣委組織部").adopted == RACE_CASES,
                   "statistics to count every adoption");
    zclock_sleep (300);
    assert_int_equal (bs_steps_stats (system, "內黃縣委組織部").adopted, RACE_CASES);
    bs_system_destroy (&system);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_lease_ends_on_the_injected_clock),
        cmocka_unit_test (test_racing_editors_decide_once),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
