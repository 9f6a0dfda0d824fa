/*  Review's decisions downstream, on a running system:
    - a synthesis (綜合) of three units' reports, adopted, is one item in
      publication and credits all three units in statistics (adopted, and
      published once its issue is out);
    - a reverted adoption leaves its draft issue and the waiting list, no
      longer counts as adopted and counts as reverted; the report can be
      decided again;
    - reverting an adoption that is in a published issue is refused with a
      clear error, and nothing changes downstream;
    - a report returned for revision and sent again through intake is the
      same report at version 2: back in review's queue with its new text
      and its earlier critique, counted once as submitted.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_review_steps.h"
#include "bs_test.h"

static const char *const s_units[] = {"殷都區委組織部", "北關區委組織部", "湯陰縣委組織部"};

static uint64_t
s_issue_with (bs_system_t *system, uint64_t report_id, bool publish)
{
    bs_client_t *publication = bs_system_client (system, "publication");
    bs_issue_create_t create = {.periodical = "組工信息"};
    bs_issue_t issue;
    bs_error_t error;
    assert_int_equal (bs_system_call (publication, &bs_issue_create_schema, &create,
                                      &bs_issue_schema, &issue, &error),
                      BS_OK);
    uint64_t issue_id = issue.issue_id;
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {1, &report_id}};
    if (bs_system_call (publication, &bs_issue_add_schema, &add, &bs_issue_schema, &issue, &error)
        != BS_OK)
        fail_msg ("issue add: %s", error.text);
    bs_codec_record_free (&bs_issue_schema, &issue);
    if (publish) {
        bs_issue_publish_t request = {.issue_id = issue_id};
        assert_int_equal (bs_system_call (publication, &bs_issue_publish_schema, &request,
                                          &bs_issue_schema, &issue, &error),
                          BS_OK);
        bs_codec_record_free (&bs_issue_schema, &issue);
    }
    return issue_id;
}

static size_t
s_issue_items (bs_system_t *system, uint64_t issue_id)
{
    bs_issue_get_t query = {.issue_id = issue_id};
    bs_issue_t issue;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (system, "publication"),
                                      &bs_issue_get_schema, &query, &bs_issue_schema, &issue,
                                      &error),
                      BS_OK);
    size_t count = issue.items.count;
    bs_codec_record_free (&bs_issue_schema, &issue);
    return count;
}

/* Whether publication lists report_id among the adopted reports waiting. */
static bool
s_waiting (bs_system_t *system, uint64_t report_id)
{
    bs_pending_request_t query = {.limit = 1000};
    bs_pending_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (system, "publication"),
                                      &bs_pending_request_schema, &query, &bs_pending_page_schema,
                                      &page, &error),
                      BS_OK);
    bool found = false;
    const bs_pending_item_t *items = page.items.items;
    for (size_t i = 0; i < page.items.count; i++)
        found |= items[i].report_id == report_id;
    bs_codec_record_free (&bs_pending_page_schema, &page);
    return found;
}

/* Whether review has learnt that the report is in a published issue. */
static bool
s_published (bs_system_t *system, uint64_t report_id)
{
    bs_review_case_t review_case;
    bool published = false;
    if (bs_steps_case (system, report_id, &review_case)) {
        published = review_case.published;
        bs_codec_record_free (&bs_review_case_schema, &review_case);
    }
    return published;
}

static void
s_adopt (bs_system_t *system, uint64_t report_id)
{
    bs_decide_t decide = {.report_id = report_id,
                          .decision = "adopt",
                          .periodical = "組工信息",
                          .critique = "採用。",
                          .editor = "編輯"};
    bs_review_case_t reply;
    bs_error_t error;
    if (bs_system_decide (bs_system_client (system, "review"), NULL, &decide, &reply, &error)
        != BS_OK)
        fail_msg ("adopt %llu: %s", (unsigned long long) report_id, error.text);
    bs_codec_record_free (&bs_review_case_schema, &reply);
}

static int
s_revert (bs_system_t *system, uint64_t report_id, bs_error_t *error)
{
    bs_revert_t revert = {.report_id = report_id,
                          .editor = "部長",
                          .role = "leader",
                          .reason = "數據有誤，撤回採用。"};
    return bs_steps_review (system, &bs_revert_schema, &revert, NULL, error);
}

static void
test_synthesis_credits_every_source_unit (void **state)
{
    (void) state;
    bs_system_t *system = bs_system_new ("baosong-synthesis");
    assert_int_equal (bs_system_start_all (system), 0);
    uint64_t ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = bs_steps_submit (system, s_units[i], "村委會換屆選舉情況", false);
    BS_WAIT_UNTIL (*bs_steps_state (system, ids[2]), "the cases");
    bs_synthesize_t synthesize = {.editor = "綜合編輯",
                                  .role = "editor",
                                  .title = "三地村委會換屆選舉綜述",
                                  .body = "三地換屆選舉順利。",
                                  .report_ids = {3, ids}};
    bs_review_case_t synthesis;
    bs_error_t error;
    assert_int_equal (
        bs_steps_review (system, &bs_synthesize_schema, &synthesize, &synthesis, &error), BS_OK);
    uint64_t synthesis_id = synthesis.report_id;
    assert_true (synthesis_id > 1000000000000000ULL);
    assert_non_null (strstr (synthesis.reg_no, "-Z0001"));
    assert_int_equal (synthesis.sources.count, 3);
    bs_codec_record_free (&bs_review_case_schema, &synthesis);
    for (int i = 0; i < 3; i++) {
        assert_string_equal (bs_steps_state (system, ids[i]), "synthesized");
        assert_int_equal (bs_steps_audit_count (system, ids[i], "synthesize"), 1);
    }
    bs_system_set_clock (system, 3600000); /* decided an hour after receipt */
    s_adopt (system, synthesis_id);
    for (int i = 0; i < 3; i++)
        BS_WAIT_UNTIL (bs_steps_stats (system, s_units[i]).adopted == 1,
                       "statistics to credit every source unit");
    assert_int_equal (bs_steps_stats (system, "綜合").submitted, 0);
    assert_int_equal (bs_steps_stats (system, "綜合").adopted, 0);

    /* One item in publication; published, it credits the three units. */
    BS_WAIT_UNTIL (s_waiting (system, synthesis_id), "publication to take the synthesis");
    uint64_t issue_id = s_issue_with (system, synthesis_id, true);
    assert_int_equal (s_issue_items (system, issue_id), 1);
    for (int i = 0; i < 3; i++) {
        BS_WAIT_UNTIL (bs_steps_stats (system, s_units[i]).published == 1,
                       "statistics to credit every source unit's publication");
        bs_stats_row_t row = bs_steps_stats (system, s_units[i]);
        assert_int_equal (row.submitted, 1);
        assert_int_equal (row.adopted, 1);
        /* time to decision: from each source's receipt */
        assert_int_equal (row.decided, 1);
        assert_true (row.decision_ms >= 3600000 && row.decision_ms < 3700000);
    }
    bs_system_destroy (&system);
}

static void
test_revert_reaches_publication_and_statistics (void **state)
{
    (void) state;
    bs_system_t *system = bs_system_new ("baosong-revert");
    assert_int_equal (bs_system_start_all (system), 0);
    const char *unit = s_units[0];
    uint64_t drafted = bs_steps_submit (system, unit, "將被撤回的信息", false);
    uint64_t published = bs_steps_submit (system, unit, "已刊發的信息", false);
    BS_WAIT_UNTIL (*bs_steps_state (system, published), "the cases");
    s_adopt (system, drafted);
    s_adopt (system, published);
    BS_WAIT_UNTIL (s_waiting (system, drafted) && s_waiting (system, published),
                   "publication to take the adoptions");
    uint64_t draft = s_issue_with (system, drafted, false);
    uint64_t issue = s_issue_with (system, published, true);
    BS_WAIT_UNTIL (bs_steps_stats (system, unit).adopted == 2, "statistics");

    /* A reverted adoption leaves its draft issue. */
    bs_error_t error;
    assert_int_equal (s_revert (system, drafted, &error), BS_OK);
    assert_string_equal (bs_steps_state (system, drafted), "queued");
    BS_WAIT_UNTIL (s_issue_items (system, draft) == 0, "the report to leave its draft issue");
    assert_false (s_waiting (system, drafted));
    BS_WAIT_UNTIL (bs_steps_stats (system, unit).reverted == 1, "statistics to count the revert");
    bs_stats_row_t row = bs_steps_stats (system, unit);
    assert_int_equal (row.adopted, 1);
    assert_int_equal (row.submitted, 2);
    assert_int_equal (row.decided, 1); /* the reverted decision no longer counts */

    /* The published one: review knows, and refuses clearly. */
    BS_WAIT_UNTIL (s_published (system, published), "review to learn of the publication");
    assert_int_equal (s_revert (system, published, &error), BS_E_CONFLICT);
    assert_string_equal (error.field, "report_id");
    assert_non_null (strstr (error.text, "published"));
    assert_string_equal (bs_steps_state (system, published), "adopted");
    assert_int_equal (s_issue_items (system, issue), 1);

    /* The reverted report is decided again, and counted again. */
    s_adopt (system, drafted);
    BS_WAIT_UNTIL (s_waiting (system, drafted), "publication to take the new adoption");
    BS_WAIT_UNTIL (bs_steps_stats (system, unit).adopted == 2, "statistics");
    assert_int_equal (bs_steps_stats (system, unit).decided, 2);
    assert_int_equal (bs_steps_audit_count (system, drafted, "adopt"), 2);
    assert_int_equal (bs_steps_audit_count (system, drafted, "revert"), 1);
    bs_system_destroy (&system);
}

static void
test_revision_returns_to_the_queue (void **state)
{
    (void) state;
    bs_system_t *system = bs_system_new ("baosong-revision");
    assert_int_equal (bs_system_start_all (system), 0);
    const char *unit = s_units[1];
    uint64_t report_id = bs_steps_submit (system, unit, "待修改的信息", false);
    BS_WAIT_UNTIL (*bs_steps_state (system, report_id), "the case");
    bs_decide_t decide = {.report_id = report_id,
                          .decision = "return",
                          .critique = "請補充具體數據後再報。",
                          .editor = "編輯"};
    bs_review_case_t reply;
    bs_error_t error;
    if (bs_system_decide (bs_system_client (system, "review"), NULL, &decide, &reply, &error)
        != BS_OK)
        fail_msg ("return: %s", error.text);
    char reg_no[32];
    snprintf (reg_no, sizeof reg_no, "%s", reply.reg_no);
    bs_codec_record_free (&bs_review_case_schema, &reply);
    BS_WAIT_UNTIL (bs_steps_stats (system, unit).returned == 1, "statistics to count the return");

    /* The unit sends it again, revised, as a walk-in. */
    bs_submit_t revised = {.unit = (char *) unit,
                           .title = "待修改的信息（修改稿）",
                           .body = "補充了具體數據：三個鄉鎮，一百二十名幹部。",
                           .channel = "walk_in",
                           .operator_name = "測試文書",
                           .revision_of = reg_no};
    bs_submitted_t receipt;
    if (bs_system_call (bs_system_client (system, "intake"), &bs_submit_schema, &revised,
                        &bs_submitted_schema, &receipt, &error)
        != BS_OK)
        fail_msg ("revision: %s", error.text);
    assert_string_equal (receipt.status, "revised");
    assert_int_equal (receipt.report_id, report_id);
    assert_string_equal (receipt.reg_no, reg_no);
    assert_int_equal (receipt.version, 2);
    bs_codec_record_free (&bs_submitted_schema, &receipt);

    /* Review puts the same case back in the queue with the new text. */
    BS_WAIT_UNTIL (strcmp (bs_steps_state (system, report_id), "queued") == 0,
                   "review to queue the revision");
    bs_review_case_t review_case;
    assert_true (bs_steps_case (system, report_id, &review_case));
    assert_int_equal (review_case.version, 2);
    assert_string_equal (review_case.title, "待修改的信息（修改稿）");
    assert_non_null (review_case.earlier_critique);
    assert_non_null (strstr (review_case.earlier_critique, "請補充具體數據後再報。"));
    bs_codec_record_free (&bs_review_case_schema, &review_case);

    /* It is decided again; statistics counted one submission throughout. */
    s_adopt (system, report_id);
    BS_WAIT_UNTIL (bs_steps_stats (system, unit).adopted == 1, "statistics to count the adoption");
    bs_stats_row_t row = bs_steps_stats (system, unit);
    assert_int_equal (row.submitted, 1);
    assert_int_equal (row.returned, 1);
    bs_system_destroy (&system);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_synthesis_credits_every_source_unit),
        cmocka_unit_test (test_revert_reaches_publication_and_statistics),
        cmocka_unit_test (test_revision_returns_to_the_queue),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
