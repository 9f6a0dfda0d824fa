/*  Two installations on this machine, a city and a province, each with its
    own data folder, services and gateway port. The city publishes an issue
    of three reports in 《重點上報信息》 and forwards it upward; the city's
    publication sends each over the province's direct-report API (token,
    idempotency key) and the province registers them as direct reports
    from the city's unit. The province adopts two for 《河南組工信息》,
    declines the third and publishes the two; the city learns it by polling
    the province's feedback and records province adoption on exactly those
    two reports (once each), and "not adopted" on the third.

    The second test does the same while killing with SIGKILL the city's
    publication (the sender) right after the forward, the province's
    gateway (the receiver) while the sends go out, and the province's
    publication (which serves the feedback) and the city's publication
    again around the feedback: nothing is lost, nothing is doubled.

    Both tests end with a leader's comment (領導批示) at the province on one
    of the reports: it comes down with the feedback and the city records
    it on its original report, for the county's unit that wrote it (once,
    also when the city's publication is killed on its way).
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_publication_steps.h"
#include "bs_review_steps.h"
#include "bs_system.h"
#include "bs_test.h"

#define CITY_UNIT "上報測試市委組織部"
#define COUNTY_UNIT "上報測試縣委組織部"
#define ITEMS 3

typedef struct {
    bs_system_t *city, *province;
    uint64_t city_reports[ITEMS];
    uint64_t province_reports[ITEMS];
} world_t;

static void
s_start (world_t *world)
{
    world->province = bs_system_new ("upward-province");
    assert_non_null (world->province);
    assert_int_equal (bs_system_configure (world->province, "periodicals", "河南組工信息"), 0);
    assert_int_equal (bs_system_configure (world->province, "publication.level", "province"), 0);
    assert_int_equal (bs_system_start_all (world->province), 0);
    assert_int_equal (bs_system_start (world->province, "gateway"), 0);
    /* The province knows the city's unit and gave it a token. */
    bs_client_t *intake = bs_system_client (world->province, "intake");
    assert_int_equal (bs_system_register_unit (intake, CITY_UNIT), 0);
    bs_token_create_t create = {.name = "city-system", .unit = CITY_UNIT};
    bs_token_t token;
    bs_error_t error;
    assert_int_equal (
        bs_system_call (intake, &bs_token_create_schema, &create, &bs_token_schema, &token, &error),
        BS_OK);

    world->city = bs_system_new ("upward-city");
    assert_non_null (world->city);
    char path[1200];
    snprintf (path, sizeof path, "%s/periodicals.conf", bs_system_folder (world->city));
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file, "重點上報信息 | ZDSB | " CITY_UNIT " | city | yes | no\n");
    fclose (file);
    assert_int_equal (bs_system_configure (world->city, "publication.periodicals_file", path), 0);
    assert_int_equal (bs_system_configure (world->city, "publication.upward_url",
                                           bs_system_gateway_url (world->province)),
                      0);
    assert_int_equal (bs_system_configure (world->city, "publication.upward_token", token.secret),
                      0);
    assert_int_equal (bs_system_configure (world->city, "publication.upward_poll_ms", "200"), 0);
    bs_codec_record_free (&bs_token_schema, &token);
    assert_int_equal (bs_system_start_all (world->city), 0);
}

/* The city adopts, publishes and forwards its issue. */
static void
s_city_forwards (world_t *world, bool kill_sender)
{
    for (int i = 0; i < ITEMS; i++) {
        char title[64];
        snprintf (title, sizeof title, "上報測試信息%d", i + 1);
        world->city_reports[i] =
            bs_publication_adopt (world->city, COUNTY_UNIT, title, "重點上報信息");
    }
    bs_issue_create_t create = {.periodical = "重點上報信息"};
    uint64_t issue_id = bs_publication_must (world->city, &bs_issue_create_schema, &create);
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {ITEMS, world->city_reports}};
    bs_publication_must (world->city, &bs_issue_add_schema, &add);
    bs_issue_publish_t publish = {.issue_id = issue_id};
    bs_publication_must (world->city, &bs_issue_publish_schema, &publish);
    bs_forward_t forward = {.issue_id = issue_id, .by = "李編輯"};
    bs_outbox_page_t queued;
    bs_error_t error;
    bs_client_t *publication = bs_system_client (world->city, "publication");
    assert_int_equal (bs_system_call (publication, &bs_forward_schema, &forward,
                                      &bs_outbox_page_schema, &queued, &error),
                      BS_OK);
    assert_int_equal (queued.entries.count, ITEMS);
    bs_codec_record_free (&bs_outbox_page_schema, &queued);
    if (kill_sender) {
        bs_system_kill (world->city, "publication", SIGKILL);
        bs_system_kill (world->province, "gateway", SIGKILL);
        assert_int_equal (bs_system_start (world->city, "publication"), 0);
        zclock_sleep (600); /* the sender tries, and fails, a few times */
        assert_int_equal (bs_system_start (world->province, "gateway"), 0);
    }
    /* Forwarding the same issue again queues nothing new. */
    assert_int_equal (bs_system_call (publication, &bs_forward_schema, &forward,
                                      &bs_outbox_page_schema, &queued, &error),
                      BS_OK);
    assert_int_equal (queued.entries.count, ITEMS);
    bs_codec_record_free (&bs_outbox_page_schema, &queued);
}

/* The city's record of report_id beyond its level. */
static bs_upward_page_t
s_upward (world_t *world, uint64_t report_id)
{
    bs_upward_request_t query = {.report_id = report_id};
    bs_upward_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (world->city, "publication"),
                                      &bs_upward_request_schema, &query, &bs_upward_page_schema,
                                      &page, &error),
                      BS_OK);
    return page;
}

static const char *
s_state (world_t *world, uint64_t report_id, char *buffer, size_t size)
{
    bs_upward_page_t page = s_upward (world, report_id);
    snprintf (buffer, size, "%s",
              page.forwards.count ? ((bs_outbox_entry_t *) page.forwards.items)[0].state : "");
    bs_codec_record_free (&bs_upward_page_schema, &page);
    return buffer;
}

static bool
s_all_received (world_t *world)
{
    char state[32];
    for (int i = 0; i < ITEMS; i++)
        if (strcmp (s_state (world, world->city_reports[i], state, sizeof state), "received") != 0)
            return false;
    return true;
}

/* Adoptions recorded on report_id that carry an issue. */
static size_t
s_published_adoptions (world_t *world, uint64_t report_id)
{
    bs_upward_page_t page = s_upward (world, report_id);
    size_t count = 0;
    const bs_adopted_upward_t *adoptions = page.adoptions.items;
    for (size_t i = 0; i < page.adoptions.count; i++)
        count += adoptions[i].outlet_issue != NULL;
    bs_codec_record_free (&bs_upward_page_schema, &page);
    return count;
}

/* The province decides: adopt the first two, decline the third, publish. */
static void
s_province_decides (world_t *world, bool kill_feedback)
{
    for (int i = 0; i < ITEMS; i++) {
        bs_upward_page_t page = s_upward (world, world->city_reports[i]);
        world->province_reports[i] = ((bs_outbox_entry_t *) page.forwards.items)[0].upper_report_id;
        bs_codec_record_free (&bs_upward_page_schema, &page);
        assert_true (world->province_reports[i] != 0);
        BS_WAIT_UNTIL (*bs_steps_state (world->province, world->province_reports[i]),
                       "the province's review to register the report");
        bs_decide_t decide = {.report_id = world->province_reports[i],
                              .decision = i < 2 ? "adopt" : "decline",
                              .periodical = i < 2 ? "河南組工信息" : NULL,
                              .critique = "省級審核意見。",
                              .editor = "省編輯"};
        bs_review_case_t reply;
        bs_error_t error;
        assert_int_equal (bs_system_decide (bs_system_client (world->province, "review"), NULL,
                                            &decide, &reply, &error),
                          BS_OK);
        bs_codec_record_free (&bs_review_case_schema, &reply);
    }
    for (int i = 0; i < 2; i++)
        BS_WAIT_UNTIL (bs_publication_waiting (world->province, world->province_reports[i]),
                       "the province's publication to hold the adoption");
    bs_issue_create_t create = {.periodical = "河南組工信息"};
    uint64_t issue_id = bs_publication_must (world->province, &bs_issue_create_schema, &create);
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {2, world->province_reports}};
    bs_publication_must (world->province, &bs_issue_add_schema, &add);
    if (kill_feedback) {
        bs_system_kill (world->city, "publication", SIGKILL);
        assert_int_equal (bs_system_start (world->city, "publication"), 0);
    }
    bs_issue_publish_t publish = {.issue_id = issue_id};
    bs_publication_must (world->province, &bs_issue_publish_schema, &publish);
    if (kill_feedback) {
        bs_system_kill (world->province, "publication", SIGKILL);
        zclock_sleep (400); /* the city polls a dead feedback source */
        assert_int_equal (bs_system_start (world->province, "publication"), 0);
    }
}

static void
s_check (world_t *world)
{
    int64_t published_at = zclock_mono ();
    for (int i = 0; i < 2; i++)
        BS_WAIT_UNTIL (s_published_adoptions (world, world->city_reports[i]) == 1,
                       "the city to record the province's adoption");
    fprintf (stderr, "city recorded province adoption %lld ms after the province published\n",
             (long long) (zclock_mono () - published_at));
    char state[32];
    BS_WAIT_UNTIL (
        strcmp (s_state (world, world->city_reports[2], state, sizeof state), "not_adopted") == 0,
        "the city to learn the third was not adopted");
    zclock_sleep (1000); /* time for anything doubled to show */
    for (int i = 0; i < ITEMS; i++) {
        bs_upward_page_t page = s_upward (world, world->city_reports[i]);
        assert_int_equal (page.forwards.count, 1);
        const bs_outbox_entry_t *forward = page.forwards.items;
        assert_string_equal (forward->state, i < 2 ? "adopted" : "not_adopted");
        assert_string_equal (forward->level, "province");
        assert_int_equal (page.adoptions.count, i < 2 ? 1 : 0);
        if (i < 2) {
            const bs_adopted_upward_t *adoption = page.adoptions.items;
            assert_string_equal (adoption->level, "province");
            assert_string_equal (adoption->outlet, "河南組工信息");
            assert_non_null (strstr (adoption->outlet_issue, "第1期"));
            assert_string_equal (adoption->source, "callback");
            assert_string_equal (adoption->unit, COUNTY_UNIT);
        }
        bs_codec_record_free (&bs_upward_page_schema, &page);
    }
    /* The province registered each report once, from the city's unit. */
    BS_WAIT_UNTIL (bs_steps_stats (world->province, CITY_UNIT).submitted >= ITEMS,
                   "the province's statistics to count the city's reports");
    assert_int_equal (bs_steps_stats (world->province, CITY_UNIT).submitted, ITEMS);
    bs_report_get_t get = {.report_id = world->province_reports[0]};
    bs_report_t report;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (world->province, "intake"),
                                      &bs_report_get_schema, &get, &bs_report_schema, &report,
                                      &error),
                      BS_OK);
    assert_string_equal (report.channel, "direct");
    assert_string_equal (report.unit, CITY_UNIT);
    assert_string_equal (report.title, "上報測試信息1");
    bs_codec_record_free (&bs_report_schema, &report);
}

/* The province's leader comments on the first report (領導批示). */
static void
s_province_comments (world_t *world)
{
    bs_instruct_t instruct = {.report_id = world->province_reports[0],
                              .leader = "省委組織部長",
                              .level = "province",
                              .text = "經驗很好，請總結推廣。",
                              .follow_up_days = 10};
    bs_instruction_t reply;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (world->province, "publication"),
                                      &bs_instruct_schema, &instruct, &bs_instruction_schema,
                                      &reply, &error),
                      BS_OK);
    bs_codec_record_free (&bs_instruction_schema, &reply);
}

/* The comments the city holds for the county's unit (as its officer
   lists them); the first into *first when there is one. */
static size_t
s_county_comments (world_t *world, bs_instruction_t *first)
{
    bs_instruction_list_t query = {.unit = COUNTY_UNIT};
    bs_instruction_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (world->city, "publication"),
                                      &bs_instruction_list_schema, &query,
                                      &bs_instruction_page_schema, &page, &error),
                      BS_OK);
    size_t count = page.instructions.count;
    bs_instruction_t *list = page.instructions.items;
    if (count && first) {
        *first = list[0];
        memset (&list[0], 0, sizeof list[0]); /* now the caller's */
    }
    bs_codec_record_free (&bs_instruction_page_schema, &page);
    return count;
}

/* The comment reaches the city, on the original report, once. */
static void
s_check_comment (world_t *world)
{
    BS_WAIT_UNTIL (s_county_comments (world, NULL) == 1,
                   "the city to learn the province's leader's comment");
    zclock_sleep (1000); /* time for anything doubled to show */
    bs_instruction_t comment;
    assert_int_equal (s_county_comments (world, &comment), 1);
    assert_int_equal (comment.report_id, world->city_reports[0]);
    assert_string_equal (comment.unit, COUNTY_UNIT);
    assert_string_equal (comment.leader, "省委組織部長");
    assert_string_equal (comment.level, "province");
    assert_string_equal (comment.text, "經驗很好，請總結推廣。");
    assert_string_equal (comment.title, "上報測試信息1");
    assert_int_equal (comment.follow_up_due - comment.instructed_at, 10ull * 24 * 3600 * 1000);
    assert_null (comment.follow_up_text);
    bs_codec_record_free (&bs_instruction_schema, &comment);
}

static void
test_forward_adopt_and_learn_it (void **state)
{
    (void) state;
    world_t world = {0};
    s_start (&world);
    s_city_forwards (&world, false);
    BS_WAIT_UNTIL (s_all_received (&world), "the province to acknowledge every send");
    s_province_decides (&world, false);
    s_check (&world);
    s_province_comments (&world);
    s_check_comment (&world);
    bs_system_destroy (&world.city);
    bs_system_destroy (&world.province);
}

static void
test_nothing_lost_nothing_doubled_under_kills (void **state)
{
    (void) state;
    world_t world = {0};
    s_start (&world);
    s_city_forwards (&world, true);
    BS_WAIT_UNTIL (s_all_received (&world), "the province to acknowledge every send");
    s_province_decides (&world, true);
    s_province_comments (&world);
    bs_system_kill (world.city, "publication", SIGKILL); /* around the comment's way down */
    assert_int_equal (bs_system_start (world.city, "publication"), 0);
    s_check (&world);
    s_check_comment (&world);
    bs_system_destroy (&world.city);
    bs_system_destroy (&world.province);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_forward_adopt_and_learn_it),
        cmocka_unit_test (test_nothing_lost_nothing_doubled_under_kills),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
