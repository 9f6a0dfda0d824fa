/*  Crash: 20,000 reports flow through all four services while each service
    is killed with SIGKILL at random moments (at least three times each) and
    restarted. Afterwards every acknowledged report is in every service
    exactly once, issue numbers have no gaps, and the statistics equal the
    count this test keeps of what it sent and decided.

    Clients retry with the same idempotency key until they get an answer,
    as a real client would; that is what makes "acknowledged exactly once"
    checkable. Half the decisions claim their case in the same command
    (review.decide with claim), half after a review.claim.
*/
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_schemas.h"
#include "bs_system.h"
#include "bs_test.h"

#define UNITS 45
#define SUBMITTERS 4
#define ISSUE_SIZE 50

static int s_reports = 20000;

typedef struct {
    uint64_t submitted, adopted, returned, declined, published;
} counts_t;

/* What the test knows, shared by its threads under one lock. */
typedef struct {
    bs_system_t *system;
    pthread_mutex_t lock;
    uint64_t *unit_of;         /* report id -> unit index + 1 (0: unknown) */
    char *decision_of;         /* report id -> 'a', 'r', 'd' or 0 */
    char *published;           /* report id -> 1 once in a published issue */
    uint64_t max_id;           /* largest report id acknowledged */
    atomic_int submitted;      /* acknowledged submits */
    atomic_bool submitting;    /* submitters still running */
    atomic_bool deciding;      /* decider still running */
    atomic_int kills[4];       /* SIGKILLs per service */
    uint64_t issues_published; /* count */
} world_t;

static const char *s_services[] = {"intake", "review", "publication", "statistics"};

typedef struct {
    world_t *world;
    int index;
} submitter_t;

static void *
submitter (void *argument)
{
    submitter_t *self = argument;
    world_t *world = self->world;
    bs_client_t *client = bs_client_new (bs_system_config (world->system), "intake", "crash");
    bs_client_set_patience (client, 1000, 3);
    for (int i = self->index; i < s_reports; i += SUBMITTERS) {
        char unit[64], title[96], id[48];
        int unit_index = (i * 31 + i / 7) % UNITS;
        snprintf (unit, sizeof unit, "第%02d報送單位", unit_index + 1);
        snprintf (title, sizeof title, "崩潰測試信息第%d條", i + 1);
        snprintf (id, sizeof id, "crash-submit-%d", i);
        bs_submit_t submit = {.unit = unit,
                              .title = title,
                              .body = "幹部監督工作情況報道。",
                              .kind = i % 23 == 0 ? "urgent" : "situation",
                              .channel = "walk_in",
                              .operator_name = "crash"};
        bs_submitted_t reply;
        bs_error_t error;
        int rc = bs_system_call_until_answered (client, id, &bs_submit_schema, &submit,
                                                &bs_submitted_schema, &reply, &error);
        if (rc != BS_OK)
            fail_msg ("submit %d failed: %s", i, error.text);
        pthread_mutex_lock (&world->lock);
        if (world->unit_of[reply.report_id])
            fail_msg ("report id %" PRIu64 " acknowledged twice", reply.report_id);
        world->unit_of[reply.report_id] = (uint64_t) unit_index + 1;
        if (reply.report_id > world->max_id)
            world->max_id = reply.report_id;
        pthread_mutex_unlock (&world->lock);
        bs_codec_record_free (&bs_submitted_schema, &reply);
        atomic_fetch_add (&world->submitted, 1);
    }
    bs_client_destroy (&client);
    return NULL;
}

/* The decision this test makes for a report: by its id, so it is known
   without asking anyone. 'q' stays queued. */
static char
decision_for (uint64_t report_id)
{
    static const char rule[] = "aardq";
    return rule[report_id % 5];
}

/* Walk every case (paged by report id) and decide the queued ones; done
   when submitting is over and a whole pass over all the reports found
   nothing left to decide. Walking by id rather than the queue order keeps
   the cases this test leaves queued from hiding the others. */
static void *
decider (void *argument)
{
    world_t *world = argument;
    bs_client_t *client = bs_client_new (bs_system_desk_config (world->system), "review", "crash");
    bs_client_set_patience (client, 1000, 3);
    while (true) {
        bool submitting = atomic_load (&world->submitting);
        uint64_t after = 0, seen = 0;
        size_t decided = 0;
        do {
            bs_queue_request_t query = {.after = after, .limit = 500, .all = true};
            bs_case_page_t page;
            bs_error_t error;
            char id[48];
            bs_clock_random_id (id, sizeof id); /* a read: any id */
            if (bs_system_call_until_answered (client, id, &bs_queue_request_schema, &query,
                                               &bs_case_page_schema, &page, &error)
                != BS_OK)
                fail_msg ("queue failed: %s", error.text);
            const bs_review_case_t *cases = page.cases.items;
            for (size_t i = 0; i < page.cases.count; i++) {
                seen++;
                char choice = decision_for (cases[i].report_id);
                if (choice == 'q' || strcmp (cases[i].state, "queued") != 0)
                    continue;
                bs_decide_t decide = {.report_id = cases[i].report_id,
                                      .decision = choice == 'a'   ? "adopt"
                                                  : choice == 'r' ? "return"
                                                                  : "decline",
                                      .periodical = choice == 'a' ? "組工信息" : NULL,
                                      .critique = "講評：材料翔實。",
                                      .editor = "crash",
                                      /* half in one command: the claim with it */
                                      .claim = cases[i].report_id % 2 == 1};
                snprintf (id, sizeof id, "crash-decide-%" PRIu64, cases[i].report_id);
                bs_review_case_t reply;
                int rc = bs_system_decide (client, id, &decide, &reply, &error);
                if (rc != BS_OK)
                    fail_msg ("decide %" PRIu64 " failed: %s", cases[i].report_id, error.text);
                bs_codec_record_free (&bs_review_case_schema, &reply);
                pthread_mutex_lock (&world->lock);
                world->decision_of[cases[i].report_id] = choice;
                pthread_mutex_unlock (&world->lock);
                decided++;
            }
            after = page.next;
            bs_codec_record_free (&bs_case_page_schema, &page);
        } while (after);
        if (!submitting && decided == 0 && seen == (uint64_t) s_reports)
            break;
        if (decided == 0)
            zclock_sleep (100);
    }
    bs_client_destroy (&client);
    atomic_store (&world->deciding, false);
    return NULL;
}

/* Compose issues of ISSUE_SIZE adopted reports (the last one smaller). */
static void *
publisher (void *argument)
{
    world_t *world = argument;
    bs_client_t *client = bs_client_new (bs_system_desk_config (world->system), "publication", "crash");
    bs_client_set_patience (client, 1000, 3);
    int issue_number = 0;
    int idle_rounds = 0;
    while (true) {
        bs_pending_request_t query = {.periodical = "組工信息", .limit = ISSUE_SIZE};
        bs_pending_page_t page;
        bs_error_t error;
        char id[48];
        bs_clock_random_id (id, sizeof id);
        if (bs_system_call_until_answered (client, id, &bs_pending_request_schema, &query,
                                           &bs_pending_page_schema, &page, &error)
            != BS_OK)
            fail_msg ("pending failed: %s", error.text);
        bool finishing = !atomic_load (&world->deciding);
        if (page.items.count == 0 && finishing && ++idle_rounds > 5) {
            bs_codec_record_free (&bs_pending_page_schema, &page);
            break;
        }
        if (page.items.count == ISSUE_SIZE || (finishing && page.items.count > 0)) {
            issue_number++;
            bs_issue_create_t create = {.periodical = "組工信息"};
            bs_issue_t issue;
            snprintf (id, sizeof id, "crash-issue-%d", issue_number);
            if (bs_system_call_until_answered (client, id, &bs_issue_create_schema, &create,
                                               &bs_issue_schema, &issue, &error)
                != BS_OK)
                fail_msg ("issue create failed: %s", error.text);
            uint64_t issue_id = issue.issue_id;
            bs_codec_record_free (&bs_issue_schema, &issue);
            uint64_t ids[ISSUE_SIZE];
            const bs_pending_item_t *items = page.items.items;
            for (size_t i = 0; i < page.items.count; i++)
                ids[i] = items[i].report_id;
            bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {page.items.count, ids}};
            snprintf (id, sizeof id, "crash-add-%d", issue_number);
            if (bs_system_call_until_answered (client, id, &bs_issue_add_schema, &add,
                                               &bs_issue_schema, &issue, &error)
                != BS_OK)
                fail_msg ("issue add failed: %s", error.text);
            bs_codec_record_free (&bs_issue_schema, &issue);
            bs_issue_publish_t publish = {.issue_id = issue_id};
            snprintf (id, sizeof id, "crash-publish-%d", issue_number);
            if (bs_system_call_until_answered (client, id, &bs_issue_publish_schema, &publish,
                                               &bs_issue_schema, &issue, &error)
                != BS_OK)
                fail_msg ("publish failed: %s", error.text);
            bs_codec_record_free (&bs_issue_schema, &issue);
            pthread_mutex_lock (&world->lock);
            for (size_t i = 0; i < page.items.count; i++) {
                if (world->published[ids[i]])
                    fail_msg ("report %" PRIu64 " published twice", ids[i]);
                world->published[ids[i]] = 1;
            }
            world->issues_published++;
            pthread_mutex_unlock (&world->lock);
            idle_rounds = 0;
        } else
            zclock_sleep (100);
        bs_codec_record_free (&bs_pending_page_schema, &page);
    }
    bs_client_destroy (&client);
    return NULL;
}

/* Kill services at random moments until each died three times and the
   submitters are done. */
static void *
killer (void *argument)
{
    world_t *world = argument;
    unsigned seed = 20261128;
    int round = 0;
    while (true) {
        bool enough = true;
        for (int s = 0; s < 4; s++)
            enough &= atomic_load (&world->kills[s]) >= 3;
        if (enough && !atomic_load (&world->submitting))
            break;
        zclock_sleep (200 + (int) (rand_r (&seed) % 900));
        int service = round++ % 4;
        if (rand_r (&seed) % 3 == 0)
            service = (int) (rand_r (&seed) % 4);
        bs_system_kill (world->system, s_services[service], SIGKILL);
        atomic_fetch_add (&world->kills[service], 1);
        if (rand_r (&seed) % 2)
            zclock_sleep ((int) (rand_r (&seed) % 500)); /* down for a while */
        if (bs_system_start (world->system, s_services[service]) != 0)
            fail_msg ("%s did not restart", s_services[service]);
    }
    return NULL;
}

/* What check_intake remembers while it reads intake's reports. */
typedef struct {
    world_t *world;
    char *found;   /* report id i was read (max_id + 1) */
    char *numbers; /* registration number n was read (s_reports + 1) */
} s_intake_check_t;

static void
s_intake_report_check (const bs_report_t *report, void *context)
{
    s_intake_check_t *check = context;
    uint64_t id = report->report_id;
    assert_true (id <= check->world->max_id);
    assert_true (check->world->unit_of[id] != 0); /* acknowledged */
    assert_false (check->found[id]);              /* once */
    check->found[id] = 1;
    /* Registration numbers run 1..N without gaps in this year. */
    unsigned long number = strtoul (strchr (report->reg_no, '-') + 1, NULL, 10);
    assert_true (number >= 1 && number <= (unsigned long) s_reports);
    assert_false (check->numbers[number]);
    check->numbers[number] = 1;
}

static void
check_intake (world_t *world, bs_client_t *client)
{
    s_intake_check_t check = {world, calloc (world->max_id + 2, 1),
                              calloc ((size_t) s_reports + 1, 1)};
    size_t seen = bs_system_each_report (client, s_intake_report_check, &check);
    /* as many as were registered, each number once: none missing */
    assert_int_equal (seen, (uint64_t) s_reports);
    free (check.numbers);
    free (check.found);
}

static void
check_review (world_t *world, bs_client_t *client)
{
    uint64_t after = 0, seen = 0;
    do {
        bs_queue_request_t query = {.after = after, .limit = 1000, .all = true};
        bs_case_page_t page;
        bs_error_t error;
        assert_int_equal (bs_system_call (client, &bs_queue_request_schema, &query,
                                          &bs_case_page_schema, &page, &error),
                          BS_OK);
        const bs_review_case_t *cases = page.cases.items;
        for (size_t i = 0; i < page.cases.count; i++) {
            uint64_t id = cases[i].report_id;
            assert_true (id <= world->max_id && world->unit_of[id]);
            char want = decision_for (id);
            const char *state = want == 'a'   ? "adopted"
                                : want == 'r' ? "returned"
                                : want == 'd' ? "declined"
                                              : "queued";
            assert_string_equal (cases[i].state, state);
            seen++;
        }
        after = page.next;
        bs_codec_record_free (&bs_case_page_schema, &page);
    } while (after);
    assert_int_equal (seen, (uint64_t) s_reports);
}

static void
check_publication (world_t *world, bs_client_t *client)
{
    uint64_t after = 0, issues = 0, items_seen = 0;
    char *in_issue = calloc (world->max_id + 2, 1);
    do {
        bs_issue_list_request_t query = {.after = after, .limit = 100};
        bs_issue_page_t page;
        bs_error_t error;
        assert_int_equal (bs_system_call (client, &bs_issue_list_request_schema, &query,
                                          &bs_issue_page_schema, &page, &error),
                          BS_OK);
        const bs_issue_t *list = page.issues.items;
        for (size_t i = 0; i < page.issues.count; i++) {
            issues++;
            assert_int_equal (list[i].number, issues); /* no gaps, no repeats */
            assert_int_equal (list[i].total, issues);
            assert_string_equal (list[i].state, "published");
            const bs_issue_item_t *items = list[i].items.items;
            for (size_t k = 0; k < list[i].items.count; k++) {
                assert_false (in_issue[items[k].report_id]);
                in_issue[items[k].report_id] = 1;
                assert_int_equal (decision_for (items[k].report_id), 'a');
                items_seen++;
            }
        }
        after = page.next;
        bs_codec_record_free (&bs_issue_page_schema, &page);
    } while (after);
    assert_int_equal (issues, world->issues_published);
    uint64_t adopted = 0;
    for (uint64_t r = 1; r <= world->max_id; r++)
        if (world->unit_of[r] && decision_for (r) == 'a') {
            adopted++;
            assert_true (in_issue[r]);
        }
    assert_int_equal (items_seen, adopted);
    free (in_issue);
}

static void
check_statistics (world_t *world, bs_client_t *client)
{
    counts_t expected[UNITS] = {{0}};
    for (uint64_t r = 1; r <= world->max_id; r++) {
        if (!world->unit_of[r])
            continue;
        counts_t *unit = &expected[world->unit_of[r] - 1];
        unit->submitted++;
        char d = decision_for (r);
        unit->adopted += d == 'a';
        unit->returned += d == 'r';
        unit->declined += d == 'd';
        unit->published += world->published[r] == 1;
    }
    bool equal = false;
    for (int attempt = 0; attempt < 600 && !equal; attempt++) {
        bs_stats_request_t query = {.period = "", .basis = "decided"};
        bs_stats_page_t page;
        bs_error_t error;
        assert_int_equal (bs_system_call (client, &bs_stats_request_schema, &query,
                                          &bs_stats_page_schema, &page, &error),
                          BS_OK);
        const bs_stats_row_t *rows = page.rows.items;
        equal = page.rows.count == UNITS;
        for (size_t i = 0; equal && i < page.rows.count; i++) {
            int unit;
            assert_int_equal (sscanf (rows[i].unit, "第%d報送單位", &unit), 1);
            counts_t *want = &expected[unit - 1];
            equal = rows[i].submitted == want->submitted && rows[i].adopted == want->adopted
                    && rows[i].returned == want->returned && rows[i].declined == want->declined
                    && rows[i].published == want->published;
            if (!equal && attempt == 599)
                fprintf (stderr,
                         "%s: got %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64
                         " want %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n",
                         rows[i].unit, rows[i].submitted, rows[i].adopted, rows[i].returned,
                         rows[i].declined, rows[i].published, want->submitted, want->adopted,
                         want->returned, want->declined, want->published);
        }
        bs_codec_record_free (&bs_stats_page_schema, &page);
        if (!equal)
            zclock_sleep (100);
    }
    assert_true (equal);
}

static void
test_nothing_lost_or_doubled_when_services_are_killed (void **state)
{
    (void) state;
    world_t world = {0};
    world.system = bs_system_new ("baosong-crash");
    assert_non_null (world.system);
    assert_int_equal (bs_system_start_all (world.system), 0);
    char names[UNITS][64];
    const char *units[UNITS];
    for (int u = 0; u < UNITS; u++)
        units[u] = names[u], snprintf (names[u], sizeof names[u], "第%02d報送單位", u + 1);
    assert_int_equal (bs_system_register_units (world.system, units, UNITS), 0);
    pthread_mutex_init (&world.lock, NULL);
    world.unit_of = calloc ((size_t) s_reports + 2, sizeof *world.unit_of);
    world.decision_of = calloc ((size_t) s_reports + 2, 1);
    world.published = calloc ((size_t) s_reports + 2, 1);
    atomic_store (&world.submitting, true);
    atomic_store (&world.deciding, true);

    pthread_t submitters[SUBMITTERS], decider_thread, publisher_thread, killer_thread;
    submitter_t arguments[SUBMITTERS];
    for (int i = 0; i < SUBMITTERS; i++) {
        arguments[i] = (submitter_t){&world, i};
        pthread_create (&submitters[i], NULL, submitter, &arguments[i]);
    }
    pthread_create (&decider_thread, NULL, decider, &world);
    pthread_create (&publisher_thread, NULL, publisher, &world);
    pthread_create (&killer_thread, NULL, killer, &world);
    for (int i = 0; i < SUBMITTERS; i++)
        pthread_join (submitters[i], NULL);
    atomic_store (&world.submitting, false);
    pthread_join (killer_thread, NULL);
    pthread_join (decider_thread, NULL);
    pthread_join (publisher_thread, NULL);
    for (int s = 0; s < 4; s++) {
        fprintf (stderr, "%s was killed %d times\n", s_services[s], atomic_load (&world.kills[s]));
        assert_true (atomic_load (&world.kills[s]) >= 3);
    }
    assert_int_equal (atomic_load (&world.submitted), s_reports);

    check_intake (&world, bs_system_client (world.system, "intake"));
    check_review (&world, bs_system_client (world.system, "review"));
    check_publication (&world, bs_system_client (world.system, "publication"));
    check_statistics (&world, bs_system_client (world.system, "statistics"));

    free (world.unit_of);
    free (world.decision_of);
    free (world.published);
    pthread_mutex_destroy (&world.lock);
    bs_system_destroy (&world.system);
}

int
main (void)
{
    const char *count = getenv ("BAOSONG_CRASH_REPORTS");
    if (count && atoi (count) > 0)
        s_reports = atoi (count);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_nothing_lost_or_doubled_when_services_are_killed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
