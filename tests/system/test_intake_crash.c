/*  Direct batches through crashes: a system sends batches of 1,000 reports
    (each item with its own key) while intake is killed with SIGKILL at
    random moments and restarted. The sender retries each batch until it is
    answered, with the same envelope id for some batches and a fresh one
    for others (a sender that lost its state). Afterwards:
      - every item acknowledged is stored exactly once, under the
        registration number its receipt gave;
      - every batch sent again, with new envelope ids and the same keys,
        answers each item with its first receipt and stores nothing;
      - the reports are exactly the items: count, one per key, the key in
        the provenance, registration numbers 1..N without gaps;
      - after one more SIGKILL, every item's text sent again under a new
        key is a duplicate of the report its first receipt named: the
        fingerprints' recent part (two tables in memory: one filling, the
        other merged into the stored index a slice of the key space at a
        time while it fills, every intake.fingerprints_merge_at reports;
        here a fifth of the batches', so past the first 2,500 reports a
        merge is under way at every kill, some slices of it committed)
        is made again from the log, and nothing acknowledged is missing
        from any part; nothing new is stored, each report keeps its
        copy's provenance.

    Single submits at full speed: many clients submit back to back, so
    intake's writer thread commits one turn while its loop takes the next
    (bs_service_loop.c), and intake is killed with SIGKILL at random moments.
    Each client retries a submit with its id until it is answered.
    Afterwards every acknowledged submit is stored exactly once, under the
    report id its reply gave, and nothing else is stored.
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

#define BATCH_SIZE 1000
/* A try waits PATIENCE_MS for its reply: longer than intake takes for a
   batch, or a sender with fresh ids would bury it in copies. The
   sanitizer build is several times slower. */
#ifdef __SANITIZE_ADDRESS__
#define BATCHES 6
#define PATIENCE_MS 2000
#else
#define BATCHES 12
#define PATIENCE_MS 700
#endif
#define ITEMS (BATCHES * BATCH_SIZE)

/* The unit every test reports for. */
#define UNIT "省直報測試單位"

/* The fingerprints' merge of the batches' test: a few thousand reports,
   so that merges are under way at the kills. */
#define MERGE_AT "2500"

/* A system named name with intake alone started (merge_at: its
   intake.fingerprints_merge_at, NULL for the default) and UNIT
   registered. */
static bs_system_t *
s_system_start (const char *name, const char *merge_at)
{
    bs_system_t *system = bs_system_new (name);
    assert_non_null (system);
    if (merge_at)
        assert_int_equal (bs_system_configure (system, "intake.fingerprints_merge_at", merge_at),
                          0);
    assert_int_equal (bs_system_start (system, "intake"), 0);
    const char *units[] = {UNIT};
    assert_int_equal (bs_system_register_units (system, units, 1), 0);
    return system;
}

/* Kill intake (SIGKILL: no clean shutdown) and start it again; a test
   thread that cannot restart it aborts with its log. */
static void
s_intake_kill_and_restart (bs_system_t *system, atomic_int *kills)
{
    bs_system_kill (system, "intake", SIGKILL);
    atomic_fetch_add (kills, 1);
    if (bs_system_start (system, "intake") != 0) {
        fprintf (stderr, "intake did not restart\n");
        bs_system_show_log (system, "intake");
        abort ();
    }
}

typedef struct {
    bs_system_t *system;
    char token[80];
    char reg_no[ITEMS][16]; /* receipt of each item, "" until acknowledged */
    atomic_bool sending;
    atomic_int kills;
    atomic_int retries;
    atomic_int acknowledged; /* batches answered */
} world_t;

static void
s_key (int item, char *key, size_t size)
{
    snprintf (key, size, "直報-%05d", item);
}

/* Send batch number `batch` until it is answered; fresh_ids: every try gets
   a new envelope id; copies: each item's text under a new key (副本-N).
   Results go to results (freed by the caller). */
static void
s_send_batch (world_t *world, bs_client_t *client, int batch, bool fresh_ids, bool copies,
              bs_batch_page_t *results)
{
    static char keys[BATCH_SIZE][32], titles[BATCH_SIZE][64];
    bs_submit_t items[BATCH_SIZE];
    for (int i = 0; i < BATCH_SIZE; i++) {
        int item = batch * BATCH_SIZE + i;
        if (copies)
            snprintf (keys[i], sizeof keys[i], "副本-%05d", item);
        else
            s_key (item, keys[i], sizeof keys[i]);
        snprintf (titles[i], sizeof titles[i], "直報系統第%d條信息", item);
        items[i] = (bs_submit_t){.key = keys[i],
                                 .title = titles[i],
                                 .body = "上級直報系統轉來的幹部工作情況報道。",
                                 .kind = "situation"};
    }
    bs_batch_t request = {.token = world->token, .items = {BATCH_SIZE, items}};
    char id[48];
    snprintf (id, sizeof id, "batch-%d", batch);
    for (int attempt = 0; attempt < 300; attempt++) {
        if (fresh_ids)
            bs_clock_random_id (id, sizeof id);
        bs_error_t error;
        int rc = bs_system_call_with_id (client, id, &bs_batch_schema, &request,
                                         &bs_batch_page_schema, results, &error);
        if (rc == BS_OK)
            return;
        if (rc != BS_E_UNAVAILABLE)
            fail_msg ("batch %d refused: %s", batch, error.text);
        atomic_fetch_add (&world->retries, 1);
    }
    fail_msg ("batch %d was never answered", batch);
}

/* Every item of batch `batch` again, its text under a new key: each a
   duplicate of the report its first receipt named. */
static void
s_send_copies (world_t *world, bs_client_t *client, int batch)
{
    bs_batch_page_t page;
    s_send_batch (world, client, batch, true, true, &page);
    assert_int_equal (page.results.count, BATCH_SIZE);
    const bs_submitted_t *results = page.results.items;
    for (int i = 0; i < BATCH_SIZE; i++) {
        int item = batch * BATCH_SIZE + i;
        if (strcmp (results[i].status, "duplicate") != 0
            || strcmp (results[i].reg_no, world->reg_no[item]) != 0)
            fail_msg ("item %d's copy: %s %s, not a duplicate of %s", item, results[i].status,
                      results[i].reg_no, world->reg_no[item]);
    }
    bs_codec_record_free (&bs_batch_page_schema, &page);
}

static void
s_check_results (world_t *world, int batch, const bs_batch_page_t *page, bool again)
{
    assert_int_equal (page->results.count, BATCH_SIZE);
    const bs_submitted_t *results = page->results.items;
    for (int i = 0; i < BATCH_SIZE; i++) {
        int item = batch * BATCH_SIZE + i;
        char key[32];
        s_key (item, key, sizeof key);
        assert_string_equal (results[i].key, key);
        assert_string_equal (results[i].status, "registered");
        if (again)
            assert_string_equal (results[i].reg_no, world->reg_no[item]);
        else
            snprintf (world->reg_no[item], sizeof world->reg_no[item], "%s", results[i].reg_no);
    }
}

static void *
s_sender (void *argument)
{
    world_t *world = argument;
    bs_client_t *client = bs_client_new (bs_system_config (world->system), "intake", "direct");
    bs_client_set_patience (client, PATIENCE_MS, 1);
    for (int batch = 0; batch < BATCHES; batch++) {
        /* The kills spread over the batches: before batch b, at least
           3 b / (BATCHES - 1) of them (rounded up), so the last batch goes
           after the third kill however fast this machine sends (the killer
           kills within 250 ms of its last restart; waited for 30 s at most,
           then the check after the run says what happened). */
        int due = (3 * batch + BATCHES - 2) / (BATCHES - 1);
        for (int waited = 0; atomic_load (&world->kills) < due && waited < 30000; waited += 5)
            zclock_sleep (5);
        bs_batch_page_t page;
        s_send_batch (world, client, batch, batch % 2 == 1, false, &page);
        s_check_results (world, batch, &page, false);
        bs_codec_record_free (&bs_batch_page_schema, &page);
        atomic_fetch_add (&world->acknowledged, 1);
    }
    bs_client_destroy (&client);
    atomic_store (&world->sending, false);
    return NULL;
}

/* Kill intake at a random moment, restart it, and wait for the sender to
   get one more batch through before the next kill: however slow the build,
   the stream makes progress. */
static void *
s_killer (void *argument)
{
    world_t *world = argument;
    unsigned seed = 20261128;
    while (atomic_load (&world->sending)) {
        int acknowledged = atomic_load (&world->acknowledged);
        zclock_sleep ((int) (rand_r (&seed) % 250));
        s_intake_kill_and_restart (world->system, &world->kills);
        while (atomic_load (&world->sending) && atomic_load (&world->acknowledged) == acknowledged)
            zclock_sleep (5);
    }
    return NULL;
}

/* What the checks of the batches remember while they read intake's reports. */
typedef struct {
    world_t *world;
    bool copied;             /* each item's copy was sent (s_send_copies) */
    char seen[ITEMS];        /* item i was read */
    char numbers[ITEMS + 1]; /* registration number n was read */
} s_batch_check_t;

static void
s_batch_report_check (const bs_report_t *report, void *context)
{
    s_batch_check_t *check = context;
    /* the item, then its copy's provenance when it was sent */
    assert_int_equal (report->provenances.count, check->copied ? 2 : 1);
    const bs_provenance_t *from = report->provenances.items;
    assert_string_equal (from->channel, "direct");
    int item, copy;
    assert_int_equal (sscanf (from->key, "直報-%d", &item), 1);
    if (check->copied) {
        assert_int_equal (sscanf (from[1].key, "副本-%d", &copy), 1);
        assert_int_equal (copy, item);
    }
    assert_true (item >= 0 && item < ITEMS);
    assert_false (check->seen[item]); /* once */
    check->seen[item] = 1;
    assert_string_equal (report->reg_no, check->world->reg_no[item]);
    unsigned long number = strtoul (strchr (report->reg_no, '-') + 1, NULL, 10);
    assert_true (number >= 1 && number <= ITEMS);
    assert_false (check->numbers[number]);
    check->numbers[number] = 1;
}

static void
s_check_reports (world_t *world, bool copied)
{
    s_batch_check_t *check = calloc (1, sizeof *check);
    check->world = world;
    check->copied = copied;
    size_t count = bs_system_each_report (bs_system_client (world->system, "intake"),
                                          s_batch_report_check, check);
    assert_int_equal (count, ITEMS); /* every number 1..ITEMS once: no gaps */
    free (check);
}

static void
test_batches_survive_kills_exactly_once (void **state)
{
    (void) state;
    world_t *world = calloc (1, sizeof *world);
    world->system = s_system_start ("baosong-intake-crash", MERGE_AT);
    bs_token_create_t create = {.name = "省直報系統", .unit = UNIT};
    bs_token_t token;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (world->system, "intake"),
                                      &bs_token_create_schema, &create, &bs_token_schema, &token,
                                      &error),
                      BS_OK);
    snprintf (world->token, sizeof world->token, "%s", token.secret);
    bs_codec_record_free (&bs_token_schema, &token);

    atomic_store (&world->sending, true);
    pthread_t sender, killer;
    pthread_create (&sender, NULL, s_sender, world);
    pthread_create (&killer, NULL, s_killer, world);
    pthread_join (sender, NULL);
    pthread_join (killer, NULL);
    fprintf (stderr, "intake was killed %d times; %d tries were retried\n",
             atomic_load (&world->kills), atomic_load (&world->retries));
    assert_true (atomic_load (&world->kills) >= 3);
    s_check_reports (world, false);

    /* Every batch again, new envelope ids, the same keys: first receipts,
       nothing new. */
    bs_client_t *client = bs_system_client (world->system, "intake");
    for (int batch = 0; batch < BATCHES; batch++) {
        bs_batch_page_t page;
        s_send_batch (world, client, batch, true, false, &page);
        s_check_results (world, batch, &page, true);
        bs_codec_record_free (&bs_batch_page_schema, &page);
    }
    s_check_reports (world, false);

    /* Killed once more, then every item's text under a new key: a
       duplicate, from the stored index or the recent part made again. */
    s_intake_kill_and_restart (world->system, &world->kills);
    for (int batch = 0; batch < BATCHES; batch++)
        s_send_copies (world, client, batch);
    s_check_reports (world, true);
    bs_system_destroy (&world->system);
    free (world);
}

#ifdef __SANITIZE_ADDRESS__
#define FAST_CLIENTS 8
#define FAST_SUBMITS 1600
#else
#define FAST_CLIENTS 32
#define FAST_SUBMITS 8000
#endif
#define FAST_KILLS 5

typedef struct {
    bs_system_t *system;
    uint64_t report_of[FAST_SUBMITS]; /* report id acknowledged for each submit, 0 until then */
    atomic_int acknowledged;          /* submits answered */
    atomic_int retries;               /* tries that went unanswered */
    atomic_int kills;                 /* SIGKILLs sent to intake */
} fast_world_t;

typedef struct {
    fast_world_t *world;
    int index;
} fast_client_t;

/* Submit every FAST_CLIENTS-th report from index on, back to back, each
   with its own id, retried until answered. */
static void *
s_fast_submitter (void *argument)
{
    fast_client_t *self = argument;
    fast_world_t *world = self->world;
    bs_client_t *client = bs_client_new (bs_system_config (world->system), "intake", "fast");
    bs_client_set_patience (client, PATIENCE_MS, 1);
    for (int submit = self->index; submit < FAST_SUBMITS; submit += FAST_CLIENTS) {
        char id[32], title[64], body[96];
        snprintf (id, sizeof id, "fast-%05d", submit);
        snprintf (title, sizeof title, "高速報送第%05d條", submit);
        snprintf (body, sizeof body, "第%05d份幹部工作情況報道，高速寫入測試。", submit);
        bs_submit_t request = {.unit = UNIT,
                               .title = title,
                               .body = body,
                               .kind = "situation",
                               .channel = "walk_in",
                               .operator_name = "fast"};
        bs_submitted_t reply;
        bs_error_t error;
        int rc = BS_E_UNAVAILABLE;
        for (int attempt = 0; attempt < 300 && rc == BS_E_UNAVAILABLE; attempt++) {
            rc = bs_system_call_with_id (client, id, &bs_submit_schema, &request,
                                         &bs_submitted_schema, &reply, &error);
            if (rc == BS_E_UNAVAILABLE)
                atomic_fetch_add (&world->retries, 1);
        }
        if (rc != BS_OK)
            fail_msg ("submit %d failed: %s", submit, error.text);
        /* A retry of a submit that was stored gets its first receipt, not
           a "duplicate" of itself. */
        if (strcmp (reply.status, "registered") != 0)
            fail_msg ("submit %d: %s, not registered", submit, reply.status);
        world->report_of[submit] = reply.report_id;
        bs_codec_record_free (&bs_submitted_schema, &reply);
        atomic_fetch_add (&world->acknowledged, 1);
    }
    bs_client_destroy (&client);
    return NULL;
}

/* Kill intake FAST_KILLS times, at even steps of the submits answered
   (whatever the machine's speed) and a random moment after each. */
static void *
s_fast_killer (void *argument)
{
    fast_world_t *world = argument;
    unsigned seed = 20261203;
    for (int kill = 1; kill <= FAST_KILLS; kill++) {
        while (atomic_load (&world->acknowledged) < kill * FAST_SUBMITS / (FAST_KILLS + 1))
            zclock_sleep (1);
        zclock_sleep ((int) (rand_r (&seed) % 20));
        s_intake_kill_and_restart (world->system, &world->kills);
    }
    return NULL;
}

/* What the check of the fast submits remembers while it reads. */
typedef struct {
    fast_world_t *world;
    char seen[FAST_SUBMITS]; /* submit i was read */
} s_fast_check_t;

static void
s_fast_report_check (const bs_report_t *report, void *context)
{
    s_fast_check_t *check = context;
    int submit;
    assert_int_equal (sscanf (report->title, "高速報送第%d條", &submit), 1);
    assert_true (submit >= 0 && submit < FAST_SUBMITS);
    assert_false (check->seen[submit]); /* once */
    check->seen[submit] = 1;
    /* under the id its reply named: each reply went to its own client */
    assert_int_equal (report->report_id, check->world->report_of[submit]);
}

static void
s_fast_check (fast_world_t *world)
{
    s_fast_check_t *check = calloc (1, sizeof *check);
    check->world = world;
    size_t count = bs_system_each_report (bs_system_client (world->system, "intake"),
                                          s_fast_report_check, check);
    assert_int_equal (count, FAST_SUBMITS); /* every acknowledged submit, nothing more */
    free (check);
}

static void
test_submits_at_full_speed_survive_kills (void **state)
{
    (void) state;
    fast_world_t *world = calloc (1, sizeof *world);
    world->system = s_system_start ("baosong-intake-fast", NULL);

    pthread_t clients[FAST_CLIENTS], killer;
    fast_client_t arguments[FAST_CLIENTS];
    for (int i = 0; i < FAST_CLIENTS; i++) {
        arguments[i] = (fast_client_t){world, i};
        pthread_create (&clients[i], NULL, s_fast_submitter, &arguments[i]);
    }
    pthread_create (&killer, NULL, s_fast_killer, world);
    for (int i = 0; i < FAST_CLIENTS; i++)
        pthread_join (clients[i], NULL);
    pthread_join (killer, NULL);
    fprintf (stderr, "intake was killed %d times under %d clients; %d tries were retried\n",
             atomic_load (&world->kills), FAST_CLIENTS, atomic_load (&world->retries));
    assert_int_equal (atomic_load (&world->kills), FAST_KILLS);
    assert_int_equal (atomic_load (&world->acknowledged), FAST_SUBMITS);
    s_fast_check (world);
    bs_system_destroy (&world->system);
    free (world);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_submits_at_full_speed_survive_kills),
        cmocka_unit_test (test_batches_survive_kills_exactly_once),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
