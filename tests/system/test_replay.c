/*  Replay: statistics keeps no state it cannot rebuild. 300 reports from 12
    units are submitted, decided and published; statistics' figures for all
    time, the month and the year, and its rankings by adopted, submitted and
    published, and its authors' figures and points (a third of the reports
    are written by one of two officers of their unit), are recorded. Then
    statistics is stopped (SIGTERM, then
    SIGKILL), its store folder deleted and the service started again: having
    replayed the logs of intake, review and publication it must answer every
    query exactly as before, field by field. Last, a rebuild is killed -9
    when only intake's log has been applied, and resumed from its own store:
    still exactly the same figures, as every event counts once.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_schemas.h"
#include "bs_system.h"
#include "bs_test.h"

#define UNITS 12
#define REPORTS 300
#define PERIODS 3
#define ORDERS 3

typedef struct {
    uint64_t submitted, adopted, returned, declined, published;
} figures_t;

/* Every answer statistics gives that the test compares. */
typedef struct {
    bs_stats_page_t figures[PERIODS];            /* statistics.query per period */
    bs_ranking_page_t rankings[PERIODS][ORDERS]; /* statistics.ranking per period and order */
    bs_authors_page_t authors[PERIODS];          /* statistics.authors per period */
} snapshot_t;

static const char *const s_orders[ORDERS] = {"adopted", "submitted", "published"};

static bs_system_t *s_system;
static figures_t s_expected[UNITS];
static uint64_t s_authored; /* reports submitted by an officer */
static char s_periods[PERIODS][16]; /* "", this month, this year */
static snapshot_t s_before;

static void
s_unit_name (int index, char *name, size_t size)
{
    snprintf (name, size, "回放測試第%02d單位", index + 1);
}

static int
s_unit_index (const char *name)
{
    int index;
    return sscanf (name, "回放測試第%d單位", &index) == 1 ? index - 1 : -1;
}

/* Asking statistics                                                      */

static void
s_query (const char *period, bs_stats_page_t *page)
{
    bs_stats_request_t query = {.period = (char *) period, .basis = "decided"};
    bs_error_t error;
    int rc = bs_system_call (bs_system_client (s_system, "statistics"), &bs_stats_request_schema,
                             &query, &bs_stats_page_schema, page, &error);
    if (rc != BS_OK)
        fail_msg ("statistics.query '%s' failed: %s", period, error.text);
}

static void
s_ranking (const char *period, const char *by, bs_ranking_page_t *page)
{
    bs_ranking_request_t query = {.period = (char *) period, .by = (char *) by, .basis = "decided"};
    bs_error_t error;
    int rc = bs_system_call (bs_system_client (s_system, "statistics"), &bs_ranking_request_schema,
                             &query, &bs_ranking_page_schema, page, &error);
    if (rc != BS_OK)
        fail_msg ("statistics.ranking '%s' by %s failed: %s", period, by, error.text);
}

static void
s_authors (const char *period, bs_authors_page_t *page)
{
    bs_authors_request_t query = {.period = (char *) period, .basis = "decided"};
    bs_error_t error;
    int rc = bs_system_call (bs_system_client (s_system, "statistics"), &bs_authors_request_schema,
                             &query, &bs_authors_page_schema, page, &error);
    if (rc != BS_OK)
        fail_msg ("statistics.authors '%s' failed: %s", period, error.text);
}

static void
s_snapshot (snapshot_t *snapshot)
{
    for (int p = 0; p < PERIODS; p++) {
        s_authors (s_periods[p], &snapshot->authors[p]);
        s_query (s_periods[p], &snapshot->figures[p]);
        for (int o = 0; o < ORDERS; o++)
            s_ranking (s_periods[p], s_orders[o], &snapshot->rankings[p][o]);
    }
}

static void
s_snapshot_free (snapshot_t *snapshot)
{
    for (int p = 0; p < PERIODS; p++) {
        bs_codec_record_free (&bs_stats_page_schema, &snapshot->figures[p]);
        bs_codec_record_free (&bs_authors_page_schema, &snapshot->authors[p]);
        for (int o = 0; o < ORDERS; o++)
            bs_codec_record_free (&bs_ranking_page_schema, &snapshot->rankings[p][o]);
    }
}

/* The all-time figures equal what the test sent, unit by unit. */
static bool
s_figures_expected (const bs_stats_page_t *page)
{
    if (page->rows.count != UNITS) /* every registered unit, zeros included */
        return false;
    const bs_stats_row_t *rows = page->rows.items;
    for (size_t i = 0; i < page->rows.count; i++) {
        int unit = s_unit_index (rows[i].unit);
        if (unit < 0 || unit >= UNITS)
            return false;
        const figures_t *want = &s_expected[unit];
        if (rows[i].submitted != want->submitted || rows[i].adopted != want->adopted
            || rows[i].returned != want->returned || rows[i].declined != want->declined
            || rows[i].published != want->published)
            return false;
    }
    return true;
}

static bool
s_pages_equal (const bs_stats_page_t *a, const bs_stats_page_t *b)
{
    if (a->rows.count != b->rows.count)
        return false;
    const bs_stats_row_t *left = a->rows.items, *right = b->rows.items;
    for (size_t i = 0; i < a->rows.count; i++)
        if (strcmp (left[i].unit, right[i].unit) != 0
            || strcmp (left[i].period, right[i].period) != 0
            || left[i].submitted != right[i].submitted || left[i].adopted != right[i].adopted
            || left[i].returned != right[i].returned || left[i].declined != right[i].declined
            || left[i].published != right[i].published)
            return false;
    return true;
}

/* Wait until statistics' all-time figures equal the expected ones and stop
   changing. */
static void
s_wait_settled (const char *what)
{
    bs_stats_page_t last = {0};
    bool have_last = false;
    for (int attempt = 0; attempt < 600; attempt++) {
        bs_stats_page_t page;
        s_query ("", &page);
        bool settled = s_figures_expected (&page) && have_last && s_pages_equal (&page, &last);
        if (have_last)
            bs_codec_record_free (&bs_stats_page_schema, &last);
        last = page;
        have_last = true;
        if (settled) {
            bs_codec_record_free (&bs_stats_page_schema, &last);
            return;
        }
        zclock_sleep (50);
    }
    bs_codec_record_free (&bs_stats_page_schema, &last);
    bs_system_show_log (s_system, "statistics");
    fail_msg ("%s: statistics never settled on the expected figures", what);
}

/* Every author row of b equals a's, in the same order. */
static void
s_authors_same (const bs_authors_page_t *a, const bs_authors_page_t *b, const char *what,
                const char *period)
{
    if (a->rows.count != b->rows.count)
        fail_msg ("%s: period '%s' has %zu authors, had %zu", what, period, b->rows.count,
                  a->rows.count);
    const bs_author_row_t *x = a->rows.items, *y = b->rows.items;
    for (size_t i = 0; i < a->rows.count; i++) {
        assert_string_equal (y[i].author, x[i].author);
        assert_string_equal (y[i].unit, x[i].unit);
        if (y[i].rank != x[i].rank || y[i].unit_rank != x[i].unit_rank
            || y[i].points != x[i].points || y[i].reward != x[i].reward
            || y[i].submitted != x[i].submitted || y[i].adopted != x[i].adopted
            || y[i].published != x[i].published)
            fail_msg ("%s: author %s of %s in '%s' differs", what, x[i].author, x[i].unit, period);
    }
}

/* Every figure, ranking row and author row of after equals before's. */
static void
s_assert_same (const snapshot_t *before, const snapshot_t *after, const char *what)
{
    for (int p = 0; p < PERIODS; p++) {
        s_authors_same (&before->authors[p], &after->authors[p], what, s_periods[p]);
        const bs_stats_page_t *a = &before->figures[p], *b = &after->figures[p];
        if (a->rows.count != b->rows.count)
            fail_msg ("%s: period '%s' has %zu units, had %zu", what, s_periods[p], b->rows.count,
                      a->rows.count);
        const bs_stats_row_t *left = a->rows.items, *right = b->rows.items;
        for (size_t i = 0; i < a->rows.count; i++) {
            assert_string_equal (right[i].unit, left[i].unit);
            assert_string_equal (right[i].period, left[i].period);
            if (right[i].submitted != left[i].submitted || right[i].adopted != left[i].adopted
                || right[i].returned != left[i].returned || right[i].declined != left[i].declined
                || right[i].published != left[i].published)
                fail_msg ("%s: %s in '%s' is %lu/%lu/%lu/%lu/%lu, was %lu/%lu/%lu/%lu/%lu", what,
                          left[i].unit, s_periods[p], (unsigned long) right[i].submitted,
                          (unsigned long) right[i].adopted, (unsigned long) right[i].returned,
                          (unsigned long) right[i].declined, (unsigned long) right[i].published,
                          (unsigned long) left[i].submitted, (unsigned long) left[i].adopted,
                          (unsigned long) left[i].returned, (unsigned long) left[i].declined,
                          (unsigned long) left[i].published);
        }
        for (int o = 0; o < ORDERS; o++) {
            const bs_ranking_page_t *ra = &before->rankings[p][o], *rb = &after->rankings[p][o];
            assert_string_equal (rb->period, ra->period);
            assert_string_equal (rb->by, ra->by);
            if (ra->rows.count != rb->rows.count)
                fail_msg ("%s: ranking '%s' by %s has %zu rows, had %zu", what, s_periods[p],
                          s_orders[o], rb->rows.count, ra->rows.count);
            const bs_rank_row_t *x = ra->rows.items, *y = rb->rows.items;
            for (size_t i = 0; i < ra->rows.count; i++) {
                assert_string_equal (y[i].unit, x[i].unit);
                if (y[i].rank != x[i].rank || y[i].value != x[i].value
                    || y[i].submitted != x[i].submitted || y[i].adopted != x[i].adopted
                    || y[i].published != x[i].published)
                    fail_msg ("%s: ranking '%s' by %s, row %zu (%s) differs", what, s_periods[p],
                              s_orders[o], i, x[i].unit);
            }
        }
    }
}

/* Building the history                                                   */

static void
s_wait_queued (uint64_t count)
{
    for (int attempt = 0; attempt < 1500; attempt++) {
        bs_queue_request_t query = {.limit = 1};
        bs_case_page_t page;
        bs_error_t error;
        assert_int_equal (bs_system_call (bs_system_client (s_system, "review"),
                                          &bs_queue_request_schema, &query, &bs_case_page_schema,
                                          &page, &error),
                          BS_OK);
        uint64_t queued = page.queued;
        bs_codec_record_free (&bs_case_page_schema, &page);
        if (queued == count)
            return;
        zclock_sleep (20);
    }
    fail_msg ("review never held %lu queued cases", (unsigned long) count);
}

static void
s_wait_pending (const char *periodical, size_t count)
{
    for (int attempt = 0; attempt < 1500; attempt++) {
        bs_pending_request_t query = {.periodical = (char *) periodical, .limit = 1000};
        bs_pending_page_t page;
        bs_error_t error;
        assert_int_equal (bs_system_call (bs_system_client (s_system, "publication"),
                                          &bs_pending_request_schema, &query,
                                          &bs_pending_page_schema, &page, &error),
                          BS_OK);
        size_t pending = page.items.count;
        bs_codec_record_free (&bs_pending_page_schema, &page);
        if (pending == count)
            return;
        zclock_sleep (20);
    }
    fail_msg ("publication never held %zu adoptions for %s", count, periodical);
}

/* Create, fill and publish an issue of periodical with reports. */
static void
s_publish (const char *periodical, uint64_t *report_ids, size_t count)
{
    bs_client_t *publication = bs_system_client (s_system, "publication");
    bs_error_t error;
    bs_issue_create_t create = {.periodical = (char *) periodical};
    bs_issue_t issue;
    assert_int_equal (bs_system_call (publication, &bs_issue_create_schema, &create,
                                      &bs_issue_schema, &issue, &error),
                      BS_OK);
    uint64_t issue_id = issue.issue_id;
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {count, report_ids}};
    assert_int_equal (
        bs_system_call (publication, &bs_issue_add_schema, &add, &bs_issue_schema, &issue, &error),
        BS_OK);
    assert_int_equal (issue.items.count, count);
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_issue_publish_t publish = {.issue_id = issue_id};
    assert_int_equal (bs_system_call (publication, &bs_issue_publish_schema, &publish,
                                      &bs_issue_schema, &issue, &error),
                      BS_OK);
    assert_string_equal (issue.state, "published");
    bs_codec_record_free (&bs_issue_schema, &issue);
}

static void
test_history_is_counted (void **state)
{
    (void) state;
    bs_client_t *intake = bs_system_client (s_system, "intake");
    bs_client_t *review = bs_system_client (s_system, "review");
    bs_error_t error;
    static uint64_t report_ids[REPORTS];
    static int report_units[REPORTS];

    for (int i = 0; i < REPORTS; i++) {
        /* Uneven: the first units send more, so rankings differ and tie. */
        int unit = (i * 7 + i / 13) % UNITS;
        if (i % 5 == 0)
            unit %= 4;
        char name[64], title[128], officer[32];
        s_unit_name (unit, name, sizeof name);
        snprintf (officer, sizeof officer, "replay%02d_%d", unit + 1, i % 2);
        bool authored = i % 3 == 1;
        snprintf (title, sizeof title, "%s回放測試第%d條信息", name, i + 1);
        bs_submit_t submit = {.unit = name,
                              .title = title,
                              .body = "社區網格化管理經驗做法，群眾滿意度明顯提升。",
                              .kind = i % 11 == 0 ? "urgent"
                                      : i % 3     ? "situation"
                                                  : "highlight",
                              .channel = authored ? "web" : "walk_in",
                              .officer = authored ? officer : NULL,
                              .operator_name = authored ? NULL : "回放測試員"};
        bs_submitted_t submitted;
        if (bs_system_call (intake, &bs_submit_schema, &submit, &bs_submitted_schema, &submitted,
                            &error)
            != BS_OK)
            fail_msg ("submit %d failed: %s", i, error.text);
        report_ids[i] = submitted.report_id;
        report_units[i] = unit;
        s_expected[unit].submitted++;
        s_authored += authored;
        bs_codec_record_free (&bs_submitted_schema, &submitted);
    }
    s_wait_queued (REPORTS);

    /* Decide a mix: adopted into either periodical, returned, declined,
       and some left in the queue. */
    static uint64_t adopted[2][REPORTS];
    size_t adopted_count[2] = {0, 0};
    size_t decided = 0;
    for (int i = 0; i < REPORTS; i++) {
        int choice = (i * 7 + i / 13) % 10;
        if (choice >= 8)
            continue;
        const char *decision = choice <= 3 ? "adopt" : choice <= 5 ? "return" : "decline";
        int periodical = choice == 3 ? 1 : 0;
        bs_decide_t decide = {.report_id = report_ids[i],
                              .decision = (char *) decision,
                              .periodical =
                                  choice <= 3 ? (periodical ? "重點上報信息" : "組工信息") : NULL,
                              .critique = "已閱。",
                              .editor = "回放編輯"};
        bs_review_case_t decided_case;
        if (bs_system_decide (review, NULL, &decide, &decided_case, &error) != BS_OK)
            fail_msg ("decide %d failed: %s", i, error.text);
        bs_codec_record_free (&bs_review_case_schema, &decided_case);
        decided++;
        figures_t *unit = &s_expected[report_units[i]];
        if (choice <= 3) {
            unit->adopted++;
            adopted[periodical][adopted_count[periodical]++] = report_ids[i];
        } else if (choice <= 5)
            unit->returned++;
        else
            unit->declined++;
    }
    s_wait_queued (REPORTS - decided);
    s_wait_pending ("組工信息", adopted_count[0]);
    s_wait_pending ("重點上報信息", adopted_count[1]);

    /* One issue of each periodical: 40 of the first's adoptions, all of the
       second's. */
    assert_true (adopted_count[0] > 40 && adopted_count[1] > 0);
    s_publish ("組工信息", adopted[0], 40);
    s_publish ("重點上報信息", adopted[1], adopted_count[1]);
    for (int p = 0; p < 2; p++)
        for (size_t k = 0; k < (p == 0 ? 40 : adopted_count[1]); k++)
            for (int i = 0; i < REPORTS; i++)
                if (report_ids[i] == adopted[p][k])
                    s_expected[report_units[i]].published++;

    s_wait_settled ("the live figures");
    s_snapshot (&s_before);
    assert_true (s_figures_expected (&s_before.figures[0]));
    /* Everything happened now, so the month and the year hold it all too
       (unless the test straddled a month's end). */
    for (int p = 1; p < PERIODS; p++)
        assert_int_equal (s_before.figures[p].rows.count, s_before.figures[0].rows.count);
    /* The data has shared ranks, so ties are compared as well. */
    bool ties = false;
    const bs_rank_row_t *rows = s_before.rankings[0][0].rows.items;
    for (size_t i = 1; i < s_before.rankings[0][0].rows.count; i++)
        ties |= rows[i].rank == rows[i - 1].rank;
    assert_true (ties);
    assert_int_equal (s_before.rankings[0][0].rows.count, UNITS);
    /* Every authored report is its author's: two officers of each unit. */
    const bs_authors_page_t *authors = &s_before.authors[0];
    assert_int_equal (authors->rows.count, 2 * UNITS);
    uint64_t written = 0;
    for (size_t i = 0; i < authors->rows.count; i++)
        written += ((const bs_author_row_t *) authors->rows.items)[i].submitted;
    assert_int_equal (written, s_authored);
}

/* Rebuilding                                                             */

static void
s_store_folder (char *path, size_t size)
{
    const char *data_dir = bs_config_get (bs_system_config (s_system), "data_dir");
    assert_non_null (data_dir);
    snprintf (path, size, "%s/statistics", data_dir);
}

static void
s_rebuild_after (int signal, const char *what)
{
    char folder[1200];
    s_store_folder (folder, sizeof folder);
    pid_t old = bs_system_pid (s_system, "statistics");
    assert_true (old > 0);
    bs_system_kill (s_system, "statistics", signal);
    struct stat info;
    assert_int_equal (stat (folder, &info), 0);
    bs_folder_remove (folder);
    assert_int_not_equal (stat (folder, &info), 0);

    assert_int_equal (bs_system_start (s_system, "statistics"), 0);
    assert_int_not_equal (bs_system_pid (s_system, "statistics"), old);
    assert_int_equal (stat (folder, &info), 0); /* a new, empty store */
    s_wait_settled (what);
    snapshot_t after;
    s_snapshot (&after);
    s_assert_same (&s_before, &after, what);
    s_snapshot_free (&after);
}

static void
test_rebuild_after_sigterm_gives_the_same_figures (void **state)
{
    (void) state;
    s_rebuild_after (SIGTERM, "rebuilt after SIGTERM");
}

static void
test_rebuild_after_sigkill_gives_the_same_figures (void **state)
{
    (void) state;
    s_rebuild_after (SIGKILL, "rebuilt after SIGKILL");
}

/* A rebuild stopped by kill -9 part way, with intake's log applied and
   review's and publication's not yet (they are stopped), resumes from
   statistics' own store: every event counts exactly once. */
static void
test_rebuild_killed_part_way_resumes_exactly (void **state)
{
    (void) state;
    char folder[1200];
    s_store_folder (folder, sizeof folder);
    bs_system_kill (s_system, "statistics", SIGKILL);
    bs_folder_remove (folder);
    bs_system_kill (s_system, "review", SIGTERM);
    bs_system_kill (s_system, "publication", SIGTERM);
    assert_int_equal (bs_system_start (s_system, "statistics"), 0);

    /* Wait for exactly intake's share: every submission, nothing else. */
    bool partial = false;
    for (int attempt = 0; attempt < 600 && !partial; attempt++) {
        bs_stats_page_t page;
        s_query ("", &page);
        partial = true;
        size_t units = 0;
        const bs_stats_row_t *rows = page.rows.items;
        for (size_t i = 0; i < page.rows.count; i++) {
            int unit = s_unit_index (rows[i].unit);
            partial &= unit >= 0 && unit < UNITS && rows[i].submitted == s_expected[unit].submitted
                       && rows[i].adopted == 0 && rows[i].returned == 0 && rows[i].declined == 0
                       && rows[i].published == 0;
            units++;
        }
        partial &= units == UNITS;
        bs_codec_record_free (&bs_stats_page_schema, &page);
        if (!partial)
            zclock_sleep (50);
    }
    assert_true (partial);

    bs_system_kill (s_system, "statistics", SIGKILL);
    assert_int_equal (bs_system_start (s_system, "review"), 0);
    assert_int_equal (bs_system_start (s_system, "publication"), 0);
    assert_int_equal (bs_system_start (s_system, "statistics"), 0); /* the same store */
    s_wait_settled ("resumed after SIGKILL");
    snapshot_t after;
    s_snapshot (&after);
    s_assert_same (&s_before, &after, "resumed after SIGKILL");
    s_snapshot_free (&after);
}

static int
s_setup (void **state)
{
    (void) state;
    s_system = bs_system_new ("baosong-replay");
    if (!s_system || bs_system_start_all (s_system) != 0)
        return -1;
    char names[UNITS][64];
    const char *units[UNITS];
    for (int u = 0; u < UNITS; u++)
        units[u] = names[u], s_unit_name (u, names[u], sizeof names[u]);
    if (bs_system_register_units (s_system, units, UNITS) != 0)
        return -1;
    /* Two officers of each unit, who write a third of its reports. */
    for (int o = 0; o < 2 * UNITS; o++) {
        char login[32];
        snprintf (login, sizeof login, "replay%02d_%d", o / 2 + 1, o % 2);
        bs_officer_t officer = {
            .login = login, .name = "回放信息員", .unit = names[o / 2], .roles = "officer"};
        bs_officer_t reply;
        bs_error_t error;
        if (bs_system_call (bs_system_client (s_system, "intake"), &bs_officer_schema, &officer,
                            &bs_officer_schema, &reply, &error)
            != BS_OK)
            return -1;
        bs_codec_record_free (&bs_officer_schema, &reply);
    }
    uint64_t now = bs_clock_now ();
    s_periods[0][0] = 0;
    bs_clock_month (now, s_periods[1], sizeof s_periods[1]);
    snprintf (s_periods[2], sizeof s_periods[2], "%04u", bs_clock_year (now));
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    s_snapshot_free (&s_before);
    bs_system_destroy (&s_system);
    return 0;
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_history_is_counted),
        cmocka_unit_test (test_rebuild_after_sigterm_gives_the_same_figures),
        cmocka_unit_test (test_rebuild_after_sigkill_gives_the_same_figures),
        cmocka_unit_test (test_rebuild_killed_part_way_resumes_exactly),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
