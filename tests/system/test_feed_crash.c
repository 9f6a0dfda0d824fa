/*  The live feed (statistics' PUB) while statistics is killed with SIGKILL.

    A turn's feed messages leave as its commit begins, before its flush
    (common/bs_service_feed.c): a crash may lose a turn whose figures were
    published already. What makes that safe is that the turn's events stay
    unacknowledged upstream until the commit, so they come again and are
    counted again, once, and that each message carries absolute figures
    and the upstream sequence they hold up to. So what a reader must see,
    however the kills fall: every statistics.changed of intake's log says
    exactly what intake's log holds up to its seq (a unit's month counts
    the unit's reports up to there: none twice, none left out), whether
    sent before a crash or again after it, and the last one for each unit
    says what statistics.query says once everything is counted.

    Reports are submitted by several clients while statistics is killed
    and started again, each time just after a notice arrived, so most often
    while the turn that sent it is still committing; the feed is read
    meanwhile by a SUB socket, which connects again by itself after each
    restart.
*/
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_schemas.h"
#include "bs_system.h"
#include "bs_test.h"

#define UNITS 4
#define SUBMITTERS 4
#define REPORTS 2400
#define KILLS 4
#define NOTICES_MAX 200000

static const char *const s_units[UNITS] = {"饋送崩潰甲市", "饋送崩潰乙縣", "饋送崩潰丙縣",
                                           "饋送崩潰丁鎮"};

/* A notice of intake's log as the reader got it. */
typedef struct {
    int unit;
    uint64_t seq;
    uint64_t submitted;
} s_notice_t;

typedef struct {
    bs_system_t *system;
    pthread_mutex_t lock;
    int unit_of[REPORTS + 64]; /* report id -> unit index + 1 (0: none of the test's) */
    uint64_t max_id;
    atomic_int submitted;
    atomic_int kills;
} s_world_t;

typedef struct {
    s_world_t *world;
    int index;
} s_submitter_t;

static void *
s_submit (void *argument)
{
    s_submitter_t *self = argument;
    s_world_t *world = self->world;
    bs_client_t *client = bs_client_new (bs_system_config (world->system), "intake", "feedcrash");
    bs_client_set_patience (client, 2000, 5);
    for (int i = self->index; i < REPORTS; i += SUBMITTERS) {
        int unit = (i * 7 + i / 5) % UNITS;
        char title[96], id[48];
        snprintf (title, sizeof title, "饋送崩潰測試第%d條", i + 1);
        snprintf (id, sizeof id, "feed-crash-%d", i);
        bs_submit_t submit = {.unit = (char *) s_units[unit],
                              .title = title,
                              .body = "村黨支部開展組織生活會。",
                              .kind = "situation",
                              .channel = "walk_in",
                              .operator_name = "feedcrash"};
        bs_submitted_t reply;
        bs_error_t error;
        int rc = bs_system_call_with_id (client, id, &bs_submit_schema, &submit,
                                         &bs_submitted_schema, &reply, &error);
        if (rc != BS_OK)
            fail_msg ("submit %d failed: %s", i, error.text);
        pthread_mutex_lock (&world->lock);
        assert_true (reply.report_id < REPORTS + 64);
        assert_int_equal (world->unit_of[reply.report_id], 0);
        world->unit_of[reply.report_id] = unit + 1;
        if (reply.report_id > world->max_id)
            world->max_id = reply.report_id;
        pthread_mutex_unlock (&world->lock);
        bs_codec_record_free (&bs_submitted_schema, &reply);
        atomic_fetch_add (&world->submitted, 1);
    }
    bs_client_destroy (&client);
    return NULL;
}

/* statistics killed and started again, just after a notice arrived:
   most often while the turn that sent it is still committing. */
static void
s_kill (s_world_t *world)
{
    bs_system_kill (world->system, "statistics", SIGKILL);
    atomic_fetch_add (&world->kills, 1);
    assert_int_equal (bs_system_start (world->system, "statistics"), 0);
}

static int
s_unit_index (const char *name)
{
    for (int u = 0; u < UNITS; u++)
        if (strcmp (name, s_units[u]) == 0)
            return u;
    return -1;
}

/* Each statistics.changed of intake's log that arrives within wait_ms,
   into notices (at *count). */
static void
s_read (zsock_t *feed, int wait_ms, s_notice_t *notices, size_t *count)
{
    bs_message_t message;
    while (bs_system_feed_next (feed, wait_ms, &message)) {
        if (message.schema == &bs_stats_changed_schema) {
            const bs_stats_changed_t *change = message.data;
            int unit = s_unit_index (change->unit);
            if (unit >= 0 && strcmp (change->source, "intake") == 0) {
                assert_true (*count < NOTICES_MAX);
                notices[(*count)++] = (s_notice_t){unit, change->seq, change->submitted};
            }
        }
        bs_message_clear (&message);
        wait_ms = 0;
    }
}

static uint64_t
s_query_submitted (bs_system_t *system, int unit)
{
    bs_stats_request_t query = {.period = "", .basis = "decided", .unit = (char *) s_units[unit]};
    bs_stats_page_t page;
    bs_error_t error;
    if (bs_system_call (bs_system_client (system, "statistics"), &bs_stats_request_schema, &query,
                        &bs_stats_page_schema, &page, &error)
        != BS_OK)
        return UINT64_MAX;
    uint64_t submitted = UINT64_MAX;
    const bs_stats_row_t *rows = page.rows.items;
    for (size_t i = 0; i < page.rows.count; i++)
        if (strcmp (rows[i].unit, s_units[unit]) == 0)
            submitted = rows[i].submitted;
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return submitted;
}

/* How many notices are not in statistics' durable log of changes: those of
   a turn that a kill lost before its commit (its events were counted again
   after the restart, and told again, maybe in other turns). */
static size_t
s_lost (bs_system_t *system, const s_notice_t *notices, size_t count)
{
    bool *logged = calloc (count, sizeof *logged);
    uint64_t after = 0;
    while (true) {
        bs_changes_request_t ask = {.after = after, .limit = 500};
        bs_changes_page_t page;
        bs_error_t error;
        assert_int_equal (bs_system_call (bs_system_client (system, "statistics"),
                                          &bs_changes_request_schema, &ask, &bs_changes_page_schema,
                                          &page, &error),
                          BS_OK);
        const bs_feed_item_t *items = page.items.items;
        for (size_t i = 0; i < page.items.count; i++) {
            after = items[i].seq;
            if (items[i].changed.count != 1)
                continue;
            const bs_stats_changed_t *change = items[i].changed.items;
            for (size_t n = 0; n < count; n++)
                logged[n] |= strcmp (change->source, "intake") == 0
                             && notices[n].unit == s_unit_index (change->unit)
                             && notices[n].seq == change->seq;
        }
        size_t got = page.items.count;
        bs_codec_record_free (&bs_changes_page_schema, &page);
        if (got == 0)
            break;
    }
    size_t lost = 0;
    for (size_t n = 0; n < count; n++)
        lost += !logged[n];
    free (logged);
    return lost;
}

static void
test_feed_figures_right_after_statistics_is_killed (void **state)
{
    (void) state;
    s_world_t *world = calloc (1, sizeof *world);
    s_notice_t *notices = calloc (NOTICES_MAX, sizeof *notices);
    world->system = bs_system_new ("baosong-feed-crash");
    assert_non_null (world->system);
    pthread_mutex_init (&world->lock, NULL);
    assert_int_equal (bs_system_start_all (world->system), 0);
    assert_int_equal (bs_system_register_units (world->system, s_units, UNITS), 0);
    zsock_t *feed = bs_system_feed_subscribe (world->system, 1000000);

    pthread_t submitters[SUBMITTERS];
    s_submitter_t each[SUBMITTERS];
    for (int s = 0; s < SUBMITTERS; s++) {
        each[s] = (s_submitter_t){world, s};
        pthread_create (&submitters[s], NULL, s_submit, &each[s]);
    }
    size_t count = 0;
    for (int k = 0; k < KILLS; k++) {
        int from = (k + 1) * REPORTS / (KILLS + 2);
        while (atomic_load (&world->submitted) < from)
            s_read (feed, 10, notices, &count);
        size_t before = count;
        for (int wait = 0; wait < 300 && count == before; wait++)
            s_read (feed, 100, notices, &count);
        assert_true (count > before);
        s_kill (world);
    }
    while (atomic_load (&world->submitted) < REPORTS)
        s_read (feed, 50, notices, &count);
    for (int s = 0; s < SUBMITTERS; s++)
        pthread_join (submitters[s], NULL);

    /* Every report counted once: each unit's reports, as statistics.query
       says once it has caught up. */
    uint64_t total[UNITS] = {0};
    for (uint64_t id = 0; id <= world->max_id; id++)
        if (world->unit_of[id])
            total[world->unit_of[id] - 1]++;
    for (int u = 0; u < UNITS; u++) {
        uint64_t submitted = UINT64_MAX;
        for (int attempt = 0; attempt < 300 && submitted != total[u]; attempt++) {
            s_read (feed, 100, notices, &count);
            submitted = s_query_submitted (world->system, u);
        }
        assert_int_equal (submitted, total[u]);
    }
    s_read (feed, 500, notices, &count);

    /* The log's sequence of report id r is r + offset (the units were
       registered before, and intake logs nothing else meanwhile): the
       offset from the first notice of a report, which counts every report
       of its unit up to it. */
    assert_true (count > 0);
    uint64_t first_id = 0, seen = 0;
    for (uint64_t id = 0; id <= world->max_id && seen < notices[0].submitted; id++)
        if (world->unit_of[id] == notices[0].unit + 1 && ++seen == notices[0].submitted)
            first_id = id;
    assert_true (first_id > 0);
    uint64_t offset = notices[0].seq - first_id;

    /* Each notice says exactly what intake's log holds up to its seq, and
       the last of each unit is the unit's total. */
    size_t again = 0; /* notices of a sequence at or before one seen: sent again after a kill */
    uint64_t last_seq[UNITS] = {0}, last_submitted[UNITS] = {0}, highest = 0;
    for (size_t n = 0; n < count; n++) {
        const s_notice_t *notice = &notices[n];
        assert_true (notice->seq > offset && notice->seq - offset <= world->max_id);
        uint64_t want = 0;
        for (uint64_t id = 0; id <= notice->seq - offset; id++)
            want += world->unit_of[id] == notice->unit + 1;
        if (notice->submitted != want)
            fail_msg ("a notice of %s at seq %" PRIu64 " says %" PRIu64
                      " submitted; the log holds %" PRIu64,
                      s_units[notice->unit], notice->seq, notice->submitted, want);
        again += notice->seq <= highest;
        if (notice->seq > highest)
            highest = notice->seq;
        if (notice->seq >= last_seq[notice->unit]) {
            last_seq[notice->unit] = notice->seq;
            last_submitted[notice->unit] = notice->submitted;
        }
    }
    for (int u = 0; u < UNITS; u++)
        assert_int_equal (last_submitted[u], total[u]);
    fprintf (stderr,
             "%zu notices, %zu at a sequence already passed (sent again after a kill), %zu of "
             "a turn a kill lost (not in statistics' log)\n",
             count, again, s_lost (world->system, notices, count));

    zsock_destroy (&feed);
    bs_system_destroy (&world->system);
    pthread_mutex_destroy (&world->lock);
    free (notices);
    free (world);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_feed_figures_right_after_statistics_is_killed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
