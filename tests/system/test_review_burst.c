/*  A burst of 5,000 decisions from several concurrent editors while review
    is killed with SIGKILL at random moments (four times, spread over the
    burst) and restarted. Every case is attempted by two editors at once; clients retry
    with the same idempotency keys until answered, as real clients do. Half
    the editors decide as an editor deciding one case at a time does (a
    claim, then review.decide), the other half as one who selects many in
    the queue (review.decide_many of BATCH cases, each with its claim), so
    each case is raced by one of each.

    Afterwards: exactly one decision per case succeeded and the audit trail
    holds exactly one decision per case, the one that succeeded; statistics
    and publication count exactly what the audit trail says: no decision
    lost, none applied twice.
*/
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_review_steps.h"
#include "bs_test.h"

#define DECISIONS_MAX 5000
#define EDITORS 4
#define SUBMITTERS 4
#define UNITS 8
#define KILLS 4
#define BATCH 10 /* cases in one review.decide_many */

/* 5,000, or fewer when BAOSONG_BURST_DECISIONS says so (the sanitizer
   pass of scripts/test, where each call costs many times more). */
static int s_cases = DECISIONS_MAX;

static const char *const s_decisions[] = {"adopt", "return", "decline", "forward"};

typedef struct {
    bs_system_t *system;
    uint64_t ids[DECISIONS_MAX];
    atomic_int wins[DECISIONS_MAX];   /* successful decisions per case */
    atomic_int winner[DECISIONS_MAX]; /* editor index + 1 of the success */
    atomic_int done_editors;          /* editors finished */
    atomic_int kills;                 /* SIGKILLs of review */
} world_t;

typedef struct {
    world_t *world;
    int index;
} worker_t;

static int
s_unit_of (int i)
{
    return (i * 7) % UNITS;
}

static void
s_unit_name (int unit, char *buffer, size_t size)
{
    snprintf (buffer, size, "第%02d突發單位", unit + 1);
}

static void *
submitter (void *argument)
{
    worker_t *self = argument;
    bs_client_t *intake = bs_client_new (bs_system_config (self->world->system), "intake", "burst");
    for (int i = self->index; i < s_cases; i += SUBMITTERS) {
        char unit[64];
        s_unit_name (s_unit_of (i), unit, sizeof unit);
        self->world->ids[i] = bs_steps_submit_by (intake, unit, "突發決定", false);
    }
    bs_client_destroy (&intake);
    return NULL;
}

/* Whether editor k takes case i: those with i % EDITORS == k and, racing
   the next editor, those with (i + 1) % EDITORS == k. */
static bool
s_takes (int k, int i)
{
    return i % EDITORS == k || (i + 1) % EDITORS == k;
}

/* A case's decision counted for editor k. */
static void
s_won (world_t *world, int i, int k)
{
    atomic_fetch_add (&world->wins[i], 1);
    atomic_store (&world->winner[i], k + 1);
}

/* Editor k's cases BATCH at a time, each batch one review.decide_many
   (each item with its claim) retried with its key until answered; a case
   the other editor has is refused in its result (conflict). */
static void
s_decide_batches (world_t *world, bs_client_t *client, int k, const char *name)
{
    int cases[BATCH];
    int count = 0;
    for (int i = 0; i <= s_cases; i++) {
        if (i < s_cases && s_takes (k, i))
            cases[count++] = i;
        if (count == 0 || (count < BATCH && i < s_cases))
            continue;
        bs_decide_item_t items[BATCH];
        for (int c = 0; c < count; c++) {
            const char *decision = s_decisions[cases[c] % 4];
            items[c] = (bs_decide_item_t){.report_id = world->ids[cases[c]],
                                          .decision = (char *) decision,
                                          .periodical =
                                              strcmp (decision, "adopt") == 0 ? "組工信息" : NULL,
                                          .critique = "突發批量講評。",
                                          .claim = true};
        }
        bs_decide_many_t many = {.editor = (char *) name, .decisions = {(size_t) count, items}};
        char id[64];
        snprintf (id, sizeof id, "burst-many-%d-%d", k, cases[0]);
        bs_decide_results_t page;
        bs_error_t error;
        int rc = bs_system_decide_many (client, id, &many, &page, &error);
        if (rc != BS_OK)
            fail_msg ("%s on cases from %d: %s (%s)", name, cases[0], error.text,
                      bs_error_name (rc));
        if (page.results.count != (size_t) count)
            fail_msg ("%s: %zu results for %d cases", name, page.results.count, count);
        const bs_decide_result_t *results = page.results.items;
        for (int c = 0; c < count; c++) {
            if (results[c].report_id != world->ids[cases[c]])
                fail_msg ("%s: result %d is of report %" PRIu64, name, c, results[c].report_id);
            if (!results[c].code)
                s_won (world, cases[c], k);
            else if (strcmp (results[c].code, "conflict") != 0)
                fail_msg ("%s on case %d: %s (%s)", name, cases[c], results[c].message,
                          results[c].code);
        }
        bs_codec_record_free (&bs_decide_results_schema, &page);
        count = 0;
    }
}

/* Editor k takes its cases (s_takes); its decision on case i is
   s_decisions[i % 4]. The odd ones decide BATCH at a time. */
static void *
editor (void *argument)
{
    worker_t *self = argument;
    world_t *world = self->world;
    bs_client_t *client = bs_client_new (bs_system_desk_config (world->system), "review", "burst");
    bs_client_set_patience (client, 1000, 3);
    char name[32];
    snprintf (name, sizeof name, "突發編輯%d", self->index);
    if (self->index % 2 == 1) {
        s_decide_batches (world, client, self->index, name);
        bs_client_destroy (&client);
        atomic_fetch_add (&world->done_editors, 1);
        return NULL;
    }
    for (int i = 0; i < s_cases; i++) {
        if (!s_takes (self->index, i))
            continue;
        const char *decision = s_decisions[i % 4];
        bs_decide_t decide = {.report_id = world->ids[i],
                              .decision = (char *) decision,
                              .periodical = strcmp (decision, "adopt") == 0 ? "組工信息" : NULL,
                              .critique = "突發講評。",
                              .editor = name};
        char id[64];
        snprintf (id, sizeof id, "burst-%d-%d", self->index, i);
        bs_review_case_t reply;
        bs_error_t error;
        int rc = bs_system_decide (client, id, &decide, &reply, &error);
        if (rc == BS_OK) {
            s_won (world, i, self->index);
            bs_codec_record_free (&bs_review_case_schema, &reply);
        } else if (rc != BS_E_CONFLICT)
            fail_msg ("%s on case %d: %s (%s)", name, i, error.text, bs_error_name (rc));
    }
    bs_client_destroy (&client);
    atomic_fetch_add (&world->done_editors, 1);
    return NULL;
}

/* Cases decided so far. */
static int
s_decided (world_t *world)
{
    int decided = 0;
    for (int i = 0; i < s_cases; i++)
        decided += atomic_load (&world->wins[i]) > 0;
    return decided;
}

/* Kill review KILLS times during the burst: each time a further share of
   the cases has been decided (at a random moment within that share), so
   every kill lands among decisions in flight however fast this machine
   is, and review is not kept down for most of the burst. */
static void *
killer (void *argument)
{
    world_t *world = argument;
    unsigned seed = 5000;
    for (int kill = 0; kill < KILLS; kill++) {
        int mark = s_cases * (kill + 1) / (KILLS + 2) + (int) (rand_r (&seed) % 100);
        while (s_decided (world) < mark && atomic_load (&world->done_editors) < EDITORS)
            zclock_sleep (10);
        bs_system_kill (world->system, "review", SIGKILL);
        atomic_fetch_add (&world->kills, 1);
        if (rand_r (&seed) % 2)
            zclock_sleep ((int) (rand_r (&seed) % 300)); /* down for a while */
        if (bs_system_start (world->system, "review") != 0)
            fail_msg ("review did not restart");
    }
    return NULL;
}

static void
test_burst_of_decisions_survives_sigkill (void **state)
{
    (void) state;
    static world_t world;
    world.system = bs_system_new ("baosong-burst");
    assert_int_equal (bs_system_start_all (world.system), 0);
    pthread_t submitters[SUBMITTERS], editors[EDITORS], killer_thread;
    worker_t workers[EDITORS > SUBMITTERS ? EDITORS : SUBMITTERS];
    for (int i = 0; i < SUBMITTERS; i++) {
        workers[i] = (worker_t){&world, i};
        pthread_create (&submitters[i], NULL, submitter, &workers[i]);
    }
    for (int i = 0; i < SUBMITTERS; i++)
        pthread_join (submitters[i], NULL);
    BS_WAIT_UNTIL (*bs_steps_state (world.system, world.ids[s_cases - 1]), "the cases");
    for (int i = 0; i < s_cases; i++) {
        atomic_init (&world.wins[i], 0);
        atomic_init (&world.winner[i], 0);
    }
    atomic_init (&world.done_editors, 0);
    atomic_init (&world.kills, 0);
    for (int i = 0; i < EDITORS; i++) {
        workers[i] = (worker_t){&world, i};
        pthread_create (&editors[i], NULL, editor, &workers[i]);
    }
    pthread_create (&killer_thread, NULL, killer, &world);
    for (int i = 0; i < EDITORS; i++)
        pthread_join (editors[i], NULL);
    pthread_join (killer_thread, NULL);
    fprintf (stderr, "review was killed %d times\n", atomic_load (&world.kills));
    assert_int_equal (atomic_load (&world.kills), KILLS);

    /* One success per case, and the audit trail agrees. */
    uint64_t expected[UNITS][4] = {{0}};
    for (int i = 0; i < s_cases; i++) {
        if (atomic_load (&world.wins[i]) != 1)
            fail_msg ("case %d was decided %d times", i, atomic_load (&world.wins[i]));
        bs_audit_request_t query = {.report_id = world.ids[i]};
        bs_audit_page_t page;
        bs_error_t error;
        assert_int_equal (bs_system_call (bs_system_client (world.system, "review"),
                                          &bs_audit_request_schema, &query, &bs_audit_page_schema,
                                          &page, &error),
                          BS_OK);
        size_t audited = 0;
        const bs_audit_entry_t *entries = page.entries.items;
        for (size_t e = 0; e < page.entries.count; e++)
            for (int d = 0; d < 4; d++)
                if (strcmp (entries[e].action, s_decisions[d]) == 0) {
                    audited++;
                    expected[s_unit_of (i)][d]++;
                    assert_int_equal (d, i % 4);
                }
        bs_codec_record_free (&bs_audit_page_schema, &page);
        assert_int_equal (audited, 1);
    }

    /* Downstream counts equal the audit trail's. */
    for (int u = 0; u < UNITS; u++) {
        char unit[64];
        s_unit_name (u, unit, sizeof unit);
        BS_WAIT_UNTIL (bs_steps_stats (world.system, unit).forwarded == expected[u][3]
                           && bs_steps_stats (world.system, unit).adopted == expected[u][0],
                       "statistics to catch up");
        zclock_sleep (u == 0 ? 300 : 0);
        bs_stats_row_t row = bs_steps_stats (world.system, unit);
        assert_int_equal (row.adopted, expected[u][0]);
        assert_int_equal (row.returned, expected[u][1]);
        assert_int_equal (row.declined, expected[u][2]);
        assert_int_equal (row.forwarded, expected[u][3]);
        assert_int_equal (row.submitted,
                          expected[u][0] + expected[u][1] + expected[u][2] + expected[u][3]);
    }
    uint64_t adopted = 0;
    for (int u = 0; u < UNITS; u++)
        adopted += expected[u][0];
    bs_pending_request_t query = {.limit = 1000};
    uint64_t waiting = 0;
    do {
        bs_pending_page_t page;
        bs_error_t error;
        assert_int_equal (bs_system_call (bs_system_client (world.system, "publication"),
                                          &bs_pending_request_schema, &query,
                                          &bs_pending_page_schema, &page, &error),
                          BS_OK);
        waiting += page.items.count;
        query.after = page.next;
        bs_codec_record_free (&bs_pending_page_schema, &page);
    } while (query.after);
    assert_int_equal (waiting, adopted);
    bs_system_destroy (&world.system);
}

int
main (void)
{
    const char *count = getenv ("BAOSONG_BURST_DECISIONS");
    if (count && atoi (count) > 0 && atoi (count) <= DECISIONS_MAX)
        s_cases = atoi (count);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_burst_of_decisions_survives_sigkill),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
