/*  Issue numbers under races and crashes: two publishers compose and
    publish issues of 《組工信息》 at the same time while publication is
    killed with SIGKILL again and again (each kill while someone is
    publishing) and restarted. Every command is retried with its own
    idempotency key until answered, as a real client would. Afterwards the
    published issues are numbered 1..N (第N期 and 總第N期) with no gap and no
    duplicate, each one published whole (all its items, its numbers, its
    issue.published event, which statistics counts), and no draft holds a
    number.
*/
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs_publication_steps.h"
#include "bs_review_steps.h"
#include "bs_system.h"
#include "bs_test.h"

#define PUBLISHERS 2
#define ISSUES_EACH 8
#define ITEMS_PER_ISSUE 2
#define REPORTS (PUBLISHERS * ISSUES_EACH * ITEMS_PER_ISSUE)
#define UNIT "編號測試縣委組織部"

typedef struct {
    bs_system_t *system;
    uint64_t reports[REPORTS];
    atomic_int publishing; /* publishers inside a publish call */
    atomic_int done;       /* publishers finished */
} world_t;

typedef struct {
    world_t *world;
    int index;
} publisher_t;

static void *
s_publisher (void *argument)
{
    publisher_t *self = argument;
    world_t *world = self->world;
    bs_client_t *client = bs_client_new (bs_system_desk_config (world->system), "publication", "numbering");
    bs_client_set_patience (client, 500, 2);
    for (int n = 0; n < ISSUES_EACH; n++) {
        char id[64];
        bs_issue_t issue;
        bs_error_t error;
        bs_issue_create_t create = {.periodical = "組工信息"};
        snprintf (id, sizeof id, "numbering-%d-%d-create", self->index, n);
        if (bs_system_call_until_answered (client, id, &bs_issue_create_schema, &create,
                                           &bs_issue_schema, &issue, &error)
            != BS_OK)
            fail_msg ("create failed: %s", error.text);
        uint64_t issue_id = issue.issue_id;
        bs_codec_record_free (&bs_issue_schema, &issue);
        size_t first = (size_t) (self->index * ISSUES_EACH + n) * ITEMS_PER_ISSUE;
        bs_issue_add_t add = {.issue_id = issue_id,
                              .report_ids = {ITEMS_PER_ISSUE, &world->reports[first]}};
        snprintf (id, sizeof id, "numbering-%d-%d-add", self->index, n);
        if (bs_system_call_until_answered (client, id, &bs_issue_add_schema, &add, &bs_issue_schema,
                                           &issue, &error)
            != BS_OK)
            fail_msg ("add failed: %s", error.text);
        bs_codec_record_free (&bs_issue_schema, &issue);
        bs_issue_publish_t publish = {.issue_id = issue_id};
        snprintf (id, sizeof id, "numbering-%d-%d-publish", self->index, n);
        atomic_fetch_add (&world->publishing, 1);
        int rc = bs_system_call_until_answered (client, id, &bs_issue_publish_schema, &publish,
                                                &bs_issue_schema, &issue, &error);
        atomic_fetch_sub (&world->publishing, 1);
        if (rc != BS_OK)
            fail_msg ("publish failed: %s", error.text);
        assert_int_equal (issue.items.count, ITEMS_PER_ISSUE);
        assert_true (issue.number >= 1);
        bs_codec_record_free (&bs_issue_schema, &issue);
    }
    bs_client_destroy (&client);
    atomic_fetch_add (&world->done, 1);
    return NULL;
}

/* Kill publication whenever a publisher is inside a publish call, until
   both are done. The first kill lands as soon as a publish is seen (a quiet
   machine can publish every issue between two slow looks); later ones wait
   20-80 ms first. Returns the number of kills. */
static int
s_killer (world_t *world)
{
    int kills = 0;
    unsigned seed = (unsigned) getpid ();
    while (atomic_load (&world->done) < PUBLISHERS) {
        if (kills > 0)
            usleep (20000 + (useconds_t) (rand_r (&seed) % 60000));
        while (atomic_load (&world->publishing) == 0 && atomic_load (&world->done) < PUBLISHERS)
            usleep (100);
        if (atomic_load (&world->publishing) == 0)
            continue;
        bs_system_kill (world->system, "publication", SIGKILL);
        kills++;
        if (bs_system_start (world->system, "publication") != 0)
            fail_msg ("publication did not restart");
    }
    return kills;
}

static uint64_t
s_statistics_published (bs_system_t *system)
{
    return bs_steps_stats (system, UNIT).published;
}

static void
test_numbers_survive_races_and_kills (void **state)
{
    (void) state;
    world_t world = {.system = bs_system_new ("publication-numbering")};
    assert_non_null (world.system);
    assert_int_equal (bs_system_start_all (world.system), 0);
    for (int i = 0; i < REPORTS; i++) {
        char title[64];
        snprintf (title, sizeof title, "編號測試信息%d", i + 1);
        world.reports[i] = bs_publication_adopt (world.system, UNIT, title, "組工信息");
    }
    pthread_t threads[PUBLISHERS];
    publisher_t publishers[PUBLISHERS];
    for (int i = 0; i < PUBLISHERS; i++) {
        publishers[i] = (publisher_t){&world, i};
        pthread_create (&threads[i], NULL, s_publisher, &publishers[i]);
    }
    int kills = s_killer (&world);
    for (int i = 0; i < PUBLISHERS; i++)
        pthread_join (threads[i], NULL);
    fprintf (stderr, "publication was killed %d times while publishing\n", kills);
    assert_true (kills >= 1);

    /* Published 1..N, whole; no draft numbered. */
    bs_issue_list_request_t query = {.limit = BS_PAGE_MAX};
    bs_issue_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (world.system, "publication"),
                                      &bs_issue_list_request_schema, &query, &bs_issue_page_schema,
                                      &page, &error),
                      BS_OK);
    char seen[PUBLISHERS * ISSUES_EACH + 1] = {0};
    size_t published = 0, items = 0;
    const bs_issue_t *issues = page.issues.items;
    for (size_t i = 0; i < page.issues.count; i++) {
        if (strcmp (issues[i].state, "published") != 0) {
            assert_int_equal (issues[i].number, 0);
            assert_int_equal (issues[i].total, 0);
            continue;
        }
        published++;
        items += issues[i].items.count;
        assert_int_equal (issues[i].items.count, ITEMS_PER_ISSUE);
        assert_true (issues[i].number >= 1 && issues[i].number <= PUBLISHERS * ISSUES_EACH);
        assert_int_equal (issues[i].total, issues[i].number);
        assert_false (seen[issues[i].number]); /* no duplicate */
        seen[issues[i].number] = 1;
    }
    bs_codec_record_free (&bs_issue_page_schema, &page);
    assert_int_equal (published, PUBLISHERS * ISSUES_EACH);
    for (int n = 1; n <= PUBLISHERS * ISSUES_EACH; n++)
        assert_true (seen[n]); /* no gap */
    /* Each issue.published event reached statistics exactly once. */
    BS_WAIT_UNTIL (s_statistics_published (world.system) >= items,
                   "statistics to count every published item");
    assert_int_equal (s_statistics_published (world.system), items);
    bs_system_destroy (&world.system);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_numbers_survive_races_and_kills),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
