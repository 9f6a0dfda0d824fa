/*  Idempotency of review: review.decide (with its claim before it, or in
    it) and review.decide_many (many decisions, each with its claim)
    retried with the same idempotency key after the reply was lost change
    nothing the second time and get the first reply back; publication and
    statistics see one adoption. A different key is a new command, which
    the decided case refuses.

    Intake's commands: test_idempotency_intake.c; publication's:
    test_idempotency_publication.c; what they share (the lost reply):
    idempotency_fixture.h.
*/
#include "idempotency_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_review_steps.h"
#include "bs_test.h"

static bool
s_case_exists (uint64_t report_id)
{
    bs_case_get_t query = {.report_id = report_id};
    bs_review_case_t review_case;
    bs_error_t error;
    int rc = bs_system_call (bs_system_client (idempotency_system, "review"), &bs_case_get_schema,
                             &query, &bs_review_case_schema, &review_case, &error);
    if (rc == BS_OK)
        bs_codec_record_free (&bs_review_case_schema, &review_case);
    else
        assert_int_equal (rc, BS_E_NOT_FOUND);
    return rc == BS_OK;
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
    idempotency_new_key (key, sizeof key);
    bs_submitted_t submitted;
    idempotency_submit (key, &submit, &submitted);
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
    return bs_system_decide (bs_system_client (idempotency_system, "review"), key, &decide, decided,
                             error);
}

static void
test_decide_retried_after_lost_reply_decides_once (void **state)
{
    (void) state;
    const char *unit = "冪等測試乙單位";
    uint64_t report_id = s_case_to_decide ("冪等決定測試", "採用決定重試，只採用一次。");
    uint64_t events_before = idempotency_last_seq ("review");
    char key[40];

    bs_decide_t decide = {.report_id = report_id,
                          .decision = "adopt",
                          .periodical = "組工信息",
                          .critique = "內容翔實，予以採用。",
                          .editor = "冪等編輯",
                          .role = "editor"};
    idempotency_new_key (key, sizeof key);
    bs_error_t claim_error;
    assert_int_equal (bs_system_claim (bs_system_client (idempotency_system, "review"), report_id,
                                       "冪等編輯", &claim_error),
                      BS_OK);
    idempotency_send_and_lose_reply ("review", &bs_decide_schema, &decide, key, LOSE_AFTER_ARRIVAL);

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
    assert_int_equal (idempotency_last_seq ("review"), events_before + 1); /* one review.decided */

    /* A new key is a new decision, which the case now refuses. */
    char new_key[40];
    idempotency_new_key (new_key, sizeof new_key);
    bs_review_case_t refused;
    assert_int_equal (s_decide (new_key, report_id, &refused, &error), BS_E_CONFLICT);
    assert_string_equal (error.field, "report_id");
    if (!strstr (error.text, "already adopted"))
        fail_msg ("the conflict does not say 'already adopted': %s", error.text);
    assert_int_equal (idempotency_last_seq ("review"), events_before + 1);

    /* Downstream saw one adoption. */
    bs_client_t *publication = bs_system_client (idempotency_system, "publication");
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
    BS_WAIT_UNTIL (idempotency_unit_figures (unit).adopted == 1,
                   "statistics to count the adoption");
    zclock_sleep (200); /* a second adoption event would arrive within this */
    assert_int_equal (idempotency_unit_figures (unit).adopted, 1);
    assert_int_equal (idempotency_unit_figures (unit).submitted, 1);

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
    uint64_t events_before = idempotency_last_seq ("review");
    char key[40];

    bs_decide_t decide = {.report_id = report_id,
                          .decision = "adopt",
                          .periodical = "組工信息",
                          .critique = "內容翔實，予以採用。",
                          .editor = "冪等編輯",
                          .role = "editor",
                          .claim = true};
    idempotency_new_key (key, sizeof key);
    idempotency_send_and_lose_reply ("review", &bs_decide_schema, &decide, key, LOSE_AFTER_ARRIVAL);
    bs_review_case_t first, second;
    bs_error_t error;
    bs_client_t *review = bs_system_client (idempotency_system, "review");
    if (bs_system_decide (review, key, &decide, &first, &error) != BS_OK)
        fail_msg ("the retried decision was refused: %s", error.text);
    assert_string_equal (first.state, "adopted");
    if (bs_system_decide (review, key, &decide, &second, &error) != BS_OK)
        fail_msg ("the second retry was refused: %s", error.text);
    assert_int_equal (second.decided_at, first.decided_at);
    assert_int_equal (idempotency_last_seq ("review"), events_before + 1); /* one review.decided */
    assert_int_equal (bs_steps_audit_count (idempotency_system, report_id, "claim"), 1);
    assert_int_equal (bs_steps_audit_count (idempotency_system, report_id, "adopt"), 1);

    /* A new key is a new decision, which the case now refuses. */
    char new_key[40];
    idempotency_new_key (new_key, sizeof new_key);
    bs_review_case_t refused;
    assert_int_equal (bs_system_decide (review, new_key, &decide, &refused, &error), BS_E_CONFLICT);
    assert_string_equal (error.reason, "closed");
    assert_int_equal (idempotency_last_seq ("review"), events_before + 1);
    assert_int_equal (bs_steps_audit_count (idempotency_system, report_id, "claim"), 1);
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
    uint64_t events_before = idempotency_last_seq ("review");
    bs_decide_item_t items[] = {
        {.report_id = adopted,
         .decision = "adopt",
         .periodical = "組工信息",
         .critique = "批量採用。",
         .claim = true},
        {.report_id = declined, .decision = "decline", .critique = "批量不採用。", .claim = true}};
    bs_decide_many_t many = {.editor = "冪等編輯", .role = "editor", .decisions = {2, items}};
    char key[40];
    idempotency_new_key (key, sizeof key);
    idempotency_send_and_lose_reply ("review", &bs_decide_many_schema, &many, key,
                                     LOSE_AFTER_ARRIVAL);
    bs_client_t *review = bs_system_client (idempotency_system, "review");
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
    assert_int_equal (idempotency_last_seq ("review"),
                      events_before + 2); /* one review.decided each */
    assert_int_equal (bs_steps_audit_count (idempotency_system, adopted, "claim"), 1);
    assert_int_equal (bs_steps_audit_count (idempotency_system, adopted, "adopt"), 1);
    assert_int_equal (bs_steps_audit_count (idempotency_system, declined, "claim"), 1);
    assert_int_equal (bs_steps_audit_count (idempotency_system, declined, "decline"), 1);

    /* A new key: the cases refuse, each in its result. */
    char new_key[40];
    idempotency_new_key (new_key, sizeof new_key);
    bs_decide_results_t page;
    bs_error_t error;
    assert_int_equal (bs_system_decide_many (review, new_key, &many, &page, &error), BS_OK);
    const bs_decide_result_t *results = page.results.items;
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal (results[i].code, "conflict");
        assert_string_equal (results[i].reason, "closed");
    }
    bs_codec_record_free (&bs_decide_results_schema, &page);
    assert_int_equal (idempotency_last_seq ("review"), events_before + 2);
}

static const char *const s_units[] = {"冪等測試乙單位"};
#define S_UNIT_COUNT (sizeof s_units / sizeof *s_units)

static int
s_setup (void **state)
{
    (void) state;
    return idempotency_start ("baosong-idempotency-review", s_units, S_UNIT_COUNT);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_decide_retried_after_lost_reply_decides_once),
        cmocka_unit_test (test_decide_with_its_claim_retried_decides_once),
        cmocka_unit_test (test_decide_many_retried_decides_once),
    };
    return cmocka_run_group_tests (tests, s_setup, idempotency_stop);
}
