/*  End to end: 1,000 reports from 45 units go through intake, review,
    publication and statistics on real sockets; the figures and the ranking
    must equal what this test computes from what it sent.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_schemas.h"
#include "bs_system.h"
#include "bs_test.h"

#define UNITS 45
#define REPORTS 1000

typedef struct {
    uint64_t submitted, adopted, returned, declined, published;
} expected_t;

static void
unit_name (int index, char *name, size_t size)
{
    snprintf (name, size, "第%02d報送單位", index + 1);
}

static int
unit_index (const char *name)
{
    int index;
    return sscanf (name, "第%d報送單位", &index) == 1 ? index - 1 : -1;
}

/* Poll until review holds `count` cases. */
static void
wait_for_cases (bs_system_t *system, uint64_t count)
{
    for (int attempt = 0; attempt < 300; attempt++) {
        bs_queue_request_t query = {.limit = 1};
        bs_case_page_t page;
        bs_error_t error;
        assert_int_equal (bs_system_call (bs_system_client (system, "review"),
                                          &bs_queue_request_schema, &query, &bs_case_page_schema,
                                          &page, &error),
                          BS_OK);
        uint64_t queued = page.queued;
        bs_codec_record_free (&bs_case_page_schema, &page);
        if (queued == count)
            return;
        zclock_sleep (100);
    }
    fail_msg ("review never held %" PRIu64 " queued cases", count);
}

static void
test_reports_flow_to_statistics_and_ranking (void **state)
{
    (void) state;
    bs_system_t *system = bs_system_new ("baosong-e2e");
    assert_non_null (system);
    assert_int_equal (bs_system_start_all (system), 0);
    char names[UNITS][64];
    const char *units[UNITS];
    for (int u = 0; u < UNITS; u++)
        units[u] = names[u], unit_name (u, names[u], sizeof names[u]);
    assert_int_equal (bs_system_register_units (system, units, UNITS), 0);
    bs_client_t *intake = bs_system_client (system, "intake");
    bs_client_t *review = bs_system_client (system, "review");
    bs_client_t *publication = bs_system_client (system, "publication");
    bs_client_t *statistics = bs_system_client (system, "statistics");
    /* The live feed, subscribed before anything happens. */
    zsock_t *feed = bs_system_feed_subscribe (system, 100000);
    expected_t expected[UNITS] = {{0}};
    uint64_t *report_ids = calloc (REPORTS, sizeof *report_ids);
    int *report_unit = calloc (REPORTS, sizeof *report_unit);
    bs_error_t error;

    srand (2026);
    for (int i = 0; i < REPORTS; i++) {
        /* Uneven on purpose: low-numbered units send more, so ranks differ
           and some tie. */
        int unit = (i * 7 + rand () % 3) % UNITS;
        if (i % 3 == 0)
            unit = unit % 10;
        char name[64], title[128];
        unit_name (unit, name, sizeof name);
        snprintf (title, sizeof title, "%s關於基層黨建工作的第%d條信息", name, i + 1);
        bs_submit_t submit = {.unit = name,
                              .title = title,
                              .body = "村黨支部開展組織生活會，黨員參與率達百分之九十五。",
                              .kind = i % 17 == 0 ? "urgent" : "situation",
                              .channel = "walk_in",
                              .operator_name = i % 2 ? "值班員甲" : "值班員乙"};
        bs_submitted_t submitted;
        assert_int_equal (bs_system_call (intake, &bs_submit_schema, &submit, &bs_submitted_schema,
                                          &submitted, &error),
                          BS_OK);
        char expected_reg[32];
        snprintf (expected_reg, sizeof expected_reg, "%04u-%06d", bs_clock_year (bs_clock_now ()),
                  i + 1);
        assert_string_equal (submitted.reg_no, expected_reg);
        report_ids[i] = submitted.report_id;
        report_unit[i] = unit;
        expected[unit].submitted++;
        bs_codec_record_free (&bs_submitted_schema, &submitted);
    }
    wait_for_cases (system, REPORTS);

    /* The queue: urgent cases first, then the oldest (ties by report id). */
    {
        bs_queue_request_t query = {.limit = 200};
        bs_case_page_t page;
        assert_int_equal (bs_system_call (review, &bs_queue_request_schema, &query,
                                          &bs_case_page_schema, &page, &error),
                          BS_OK);
        const bs_review_case_t *cases = page.cases.items;
        size_t urgent = 0;
        for (int i = 0; i < REPORTS; i++)
            urgent += i % 17 == 0;
        assert_int_equal (page.cases.count, 200);
        for (size_t i = 0; i < page.cases.count; i++) {
            assert_int_equal (cases[i].urgent, i < urgent);
            assert_string_equal (cases[i].state, "queued");
            if (i > 0 && cases[i].urgent == cases[i - 1].urgent)
                assert_true (cases[i].received_at > cases[i - 1].received_at
                             || (cases[i].received_at == cases[i - 1].received_at
                                 && cases[i].report_id > cases[i - 1].report_id));
        }
        bs_codec_record_free (&bs_case_page_schema, &page);
    }

    /* Decide: a quarter adopted into each periodical's bulletin, some
       returned, some declined, the rest left queued. */
    uint64_t *adopted_ids = calloc (REPORTS, sizeof *adopted_ids);
    size_t adopted_count = 0;
    for (int i = 0; i < REPORTS; i++) {
        int choice = (i * 13) % 7;
        if (choice >= 5)
            continue; /* stays in the queue */
        const char *decision = choice <= 1 ? "adopt" : choice == 2 ? "return" : "decline";
        bs_decide_t decide = {.report_id = report_ids[i],
                              .decision = (char *) decision,
                              .periodical = choice <= 1 ? "組工信息" : NULL,
                              .critique = "事實清楚，數據準確。",
                              .editor = "編輯甲"};
        bs_review_case_t decided;
        assert_int_equal (bs_system_decide (review, NULL, &decide, &decided, &error), BS_OK);
        bs_codec_record_free (&bs_review_case_schema, &decided);
        expected_t *unit = &expected[report_unit[i]];
        if (choice <= 1) {
            unit->adopted++;
            adopted_ids[adopted_count++] = report_ids[i];
        } else if (choice == 2)
            unit->returned++;
        else
            unit->declined++;
    }

    /* Wait until every adoption has reached publication. */
    for (int attempt = 0;; attempt++) {
        assert_true (attempt < 300);
        bs_pending_request_t query = {.limit = 1000};
        bs_pending_page_t page;
        assert_int_equal (bs_system_call (publication, &bs_pending_request_schema, &query,
                                          &bs_pending_page_schema, &page, &error),
                          BS_OK);
        size_t pending = page.items.count;
        bs_codec_record_free (&bs_pending_page_schema, &page);
        if (pending == adopted_count)
            break;
        zclock_sleep (100);
    }

    /* Two issues: the first 60 adoptions, then 40 more. */
    size_t slices[2][2] = {{0, 60}, {60, 100}};
    for (int n = 0; n < 2; n++) {
        bs_issue_create_t create = {.periodical = "組工信息"};
        bs_issue_t issue;
        assert_int_equal (bs_system_call (publication, &bs_issue_create_schema, &create,
                                          &bs_issue_schema, &issue, &error),
                          BS_OK);
        assert_int_equal (issue.number, 0); /* numbered when published */
        uint64_t issue_id = issue.issue_id;
        bs_codec_record_free (&bs_issue_schema, &issue);
        bs_issue_add_t add = {
            .issue_id = issue_id,
            .report_ids = {slices[n][1] - slices[n][0], adopted_ids + slices[n][0]}};
        assert_int_equal (bs_system_call (publication, &bs_issue_add_schema, &add, &bs_issue_schema,
                                          &issue, &error),
                          BS_OK);
        bs_codec_record_free (&bs_issue_schema, &issue);
        bs_issue_publish_t publish = {.issue_id = issue_id};
        assert_int_equal (bs_system_call (publication, &bs_issue_publish_schema, &publish,
                                          &bs_issue_schema, &issue, &error),
                          BS_OK);
        assert_string_equal (issue.state, "published");
        assert_int_equal (issue.number, n + 1);
        assert_int_equal (issue.total, n + 1);
        bs_codec_record_free (&bs_issue_schema, &issue);
        for (size_t i = slices[n][0]; i < slices[n][1]; i++)
            for (int r = 0; r < REPORTS; r++)
                if (report_ids[r] == adopted_ids[i])
                    expected[report_unit[r]].published++;
    }

    /* Statistics must reach exactly the expected figures. */
    bool equal = false;
    for (int attempt = 0; attempt < 300 && !equal; attempt++) {
        bs_stats_request_t query = {.period = "", .basis = "decided"};
        bs_stats_page_t page;
        assert_int_equal (bs_system_call (statistics, &bs_stats_request_schema, &query,
                                          &bs_stats_page_schema, &page, &error),
                          BS_OK);
        equal = true;
        int seen = 0;
        const bs_stats_row_t *rows = page.rows.items;
        for (size_t i = 0; i < page.rows.count; i++) {
            int unit = unit_index (rows[i].unit);
            assert_true (unit >= 0 && unit < UNITS);
            seen++;
            expected_t *want = &expected[unit];
            equal &= rows[i].submitted == want->submitted && rows[i].adopted == want->adopted
                     && rows[i].returned == want->returned && rows[i].declined == want->declined
                     && rows[i].published == want->published;
        }
        equal &= seen == UNITS; /* every registered unit, zeros included */
        bs_codec_record_free (&bs_stats_page_schema, &page);
        if (!equal)
            zclock_sleep (100);
    }
    if (!equal)
        bs_system_show_log (system, "statistics");
    assert_true (equal);

    /* The feed told every change: the last figures it gave for each unit
       and month add up to the expected totals. */
    bs_stats_changed_t *last = calloc (UNITS * 12, sizeof *last);
    size_t feed_messages = 0;
    bs_message_t message;
    while (bs_system_feed_next (feed, 500, &message)) {
        assert_ptr_equal (message.schema, &bs_stats_changed_schema);
        bs_stats_changed_t *change = message.data;
        int unit = unit_index (change->unit);
        int month = atoi (change->period + 5) - 1;
        assert_true (unit >= 0 && month >= 0 && month < 12);
        bs_codec_record_free (&bs_stats_changed_schema, &last[unit * 12 + month]);
        last[unit * 12 + month] = *change;
        free (message.data);
        message.data = NULL;
        bs_message_clear (&message);
        feed_messages++;
    }
    /* At most one message per counted event (submits, decisions and
       published items): the events of a unit's month that statistics
       counted in one turn, from one log, are one message. */
    size_t events = 0;
    for (int u = 0; u < UNITS; u++)
        events += expected[u].submitted + expected[u].adopted + expected[u].returned
                  + expected[u].declined + expected[u].published;
    assert_true (feed_messages >= 1 && feed_messages <= events);
    for (int u = 0; u < UNITS; u++) {
        expected_t sum = {0};
        for (int m = 0; m < 12; m++) {
            sum.submitted += last[u * 12 + m].submitted;
            sum.adopted += last[u * 12 + m].adopted;
            sum.published += last[u * 12 + m].published;
            bs_codec_record_free (&bs_stats_changed_schema, &last[u * 12 + m]);
        }
        assert_int_equal (sum.submitted, expected[u].submitted);
        assert_int_equal (sum.adopted, expected[u].adopted);
        assert_int_equal (sum.published, expected[u].published);
    }
    free (last);
    zsock_destroy (&feed);

    /* The ranking by adoptions, computed here independently: rank = 1 +
       number of units with strictly more. */
    bs_ranking_request_t query = {.by = "adopted", .basis = "decided"};
    bs_ranking_page_t ranking;
    assert_int_equal (bs_system_call (statistics, &bs_ranking_request_schema, &query,
                                      &bs_ranking_page_schema, &ranking, &error),
                      BS_OK);
    const bs_rank_row_t *rows = ranking.rows.items;
    bool ties = false;
    for (size_t i = 0; i < ranking.rows.count; i++) {
        int unit = unit_index (rows[i].unit);
        uint64_t rank = 1;
        for (int u = 0; u < UNITS; u++)
            if (expected[u].submitted && expected[u].adopted > expected[unit].adopted)
                rank++;
        assert_int_equal (rows[i].rank, rank);
        assert_int_equal (rows[i].value, expected[unit].adopted);
        if (i > 0 && rows[i].rank == rows[i - 1].rank)
            ties = true;
        if (i > 0)
            assert_true (rows[i].value <= rows[i - 1].value);
    }
    assert_true (ties); /* the data has ties, so shared ranks were checked */
    bs_codec_record_free (&bs_ranking_page_schema, &ranking);

    free (report_ids);
    free (report_unit);
    free (adopted_ids);
    bs_system_destroy (&system);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_reports_flow_to_statistics_and_ranking),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
