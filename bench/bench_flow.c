/*  bench_flow: measure 2 of bench_throughput, reports end to end through
    all four services; see bench_measures.h and bench_throughput.c. */
#include <czmq.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bs_client.h"
#include "bs_clock.h"
#include "bs_config.h"
#include "bs_schemas.h"
#include "bs_socket.h"

#include "bench_load.h"
#include "bench_system.h"

#include "bench_measures.h"

/* Measure 2: end to end                                                   */

/* The editor's clients hold the administrator's key, so review takes
   them as the administrator (role admin), who may claim and decide: the
   acting person and role of a claim or decision must be that. */
#define BENCH_DESK "admin"

/* The editor's rule: every other report adopted, the rest declined. */
static bool
s_adopts (uint64_t report_id)
{
    return report_id % 2 == 0;
}

typedef struct {
    const bench_options_t *options;
    atomic_bool abort;                 /* something failed: every thread stops */
    char error[BS_ERROR_TEXT_MAX * 2]; /* the first failure, under lock */
    pthread_mutex_t lock;              /* guards error and the two queues */
    pthread_cond_t wake;               /* a decision is queued */
    pthread_cond_t drafted;            /* a draft is queued for publishing, or composing ended */
    /* submitters */
    atomic_int next;                    /* next report to submit, 0-based */
    atomic_int submitted;               /* acknowledged submits */
    atomic_uint_fast64_t submitted_at;  /* ns of the last acknowledgement */
    atomic_uint_fast64_t max_report_id; /* largest id acknowledged */
    char token[160];                    /* the direct channel's, with submit_batch > 1 */
    /* editor: walker plus deciders */
    uint64_t *queue;                 /* report ids to decide, as they appeared */
    uint64_t *queued_at;             /* ns each was queued, by place in queue */
    size_t queue_head, queue_tail;   /* under lock */
    atomic_int decided;              /* acknowledged decisions */
    atomic_int adopted;              /* of which adoptions */
    atomic_bool editor_done;         /* every report decided */
    atomic_uint_fast64_t decided_at; /* ns of the last decision */
    /* composer and publisher */
    uint64_t *drafts;                  /* issue ids to publish, in the order composed */
    size_t drafts_head, drafts_tail;   /* under lock */
    bool composed;                     /* under lock: every adoption is in a draft */
    atomic_int issues;                 /* published issues */
    atomic_int published;              /* reports in them */
    atomic_uint_fast64_t published_at; /* ns of the last publication */
} s_flow_t;

static void s_flow_fail (s_flow_t *flow, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_flow_fail (s_flow_t *flow, const char *format, ...)
{
    pthread_mutex_lock (&flow->lock);
    if (!atomic_load (&flow->abort)) {
        va_list args;
        va_start (args, format);
        vsnprintf (flow->error, sizeof flow->error, format, args);
        va_end (args);
    }
    atomic_store (&flow->abort, true);
    pthread_cond_broadcast (&flow->wake);
    pthread_cond_broadcast (&flow->drafted);
    pthread_mutex_unlock (&flow->lock);
}

static bool
s_flow_stopped (s_flow_t *flow)
{
    return bench_interrupted || atomic_load (&flow->abort);
}

static void
s_atomic_max (atomic_uint_fast64_t *target, uint64_t value)
{
    uint_fast64_t seen = atomic_load (target);
    while (seen < value && !atomic_compare_exchange_weak (target, &seen, value))
        ;
}

typedef struct {
    s_flow_t *flow;
    bs_client_t *client;
    int index;
    bench_samples_t claim, decide, waited; /* a decider's round trips and queue waits */
} s_worker_t;

/* The reports numbered first.. (count of them) in one intake.batch on the
   direct channel (its token's unit), each with a key of its number. */
static int
s_flow_submit_batch (s_worker_t *self, int first, int count)
{
    s_flow_t *flow = self->flow;
    bench_report_t *texts = calloc ((size_t) count, sizeof *texts);
    bs_submit_t *items = calloc ((size_t) count, sizeof *items);
    char (*keys)[24] = calloc ((size_t) count, sizeof *keys);
    int rc = texts && items && keys ? 0 : -1;
    for (int i = 0; rc == 0 && i < count; i++) {
        bench_report_fill (&texts[i], self->index, (uint64_t) (first + i), NULL);
        snprintf (keys[i], sizeof keys[i], "f%d", first + i);
        items[i] = (bs_submit_t){
            .key = keys[i], .title = texts[i].title, .body = texts[i].body, .kind = "situation"};
    }
    bs_batch_t request = {.token = flow->token, .items = {(size_t) count, items}};
    bs_batch_page_t page;
    bs_error_t error;
    if (rc == 0
        && bs_client_call (self->client, &bs_batch_schema, &request, &bs_batch_page_schema, &page,
                           &error)
               != BS_OK) {
        s_flow_fail (flow, "batch failed: %s", error.text);
        rc = -1;
    } else if (rc == 0) {
        const bs_submitted_t *results = page.results.items;
        for (size_t i = 0; i < page.results.count; i++) {
            if (strcmp (results[i].status, "registered") != 0) {
                s_flow_fail (flow, "batch item %zu: %s (%s)", i, results[i].status,
                             results[i].message ? results[i].message : "");
                rc = -1;
                break;
            }
            s_atomic_max (&flow->max_report_id, results[i].report_id);
        }
        bs_codec_record_free (&bs_batch_page_schema, &page);
    }
    free (texts);
    free (items);
    free (keys);
    return rc;
}

static void *
s_flow_submitter (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    int total = flow->options->reports;
    int batch = flow->options->submit_batch;
    while (batch > 1 && !s_flow_stopped (flow)) {
        int first = atomic_fetch_add (&flow->next, batch);
        if (first >= total)
            break;
        int count = total - first < batch ? total - first : batch;
        if (s_flow_submit_batch (self, first, count) != 0)
            break;
        atomic_fetch_add (&flow->submitted, count);
        s_atomic_max (&flow->submitted_at, bench_now_ns ());
    }
    while (batch <= 1 && !s_flow_stopped (flow)) {
        int number = atomic_fetch_add (&flow->next, 1);
        if (number >= total)
            break;
        bench_report_t text;
        bench_report_fill (&text, self->index, (uint64_t) number, NULL);
        bs_submit_t submit = bench_system_submit_of (&text);
        bs_submitted_t reply;
        bs_error_t error;
        if (bs_client_call (self->client, &bs_submit_schema, &submit, &bs_submitted_schema, &reply,
                            &error)
            != BS_OK) {
            s_flow_fail (flow, "submit failed: %s", error.text);
            break;
        }
        s_atomic_max (&flow->max_report_id, reply.report_id);
        bs_codec_record_free (&bs_submitted_schema, &reply);
        atomic_fetch_add (&flow->submitted, 1);
        s_atomic_max (&flow->submitted_at, bench_now_ns ());
    }
    return NULL;
}

static void
s_queue_push (s_flow_t *flow, uint64_t report_id)
{
    pthread_mutex_lock (&flow->lock);
    flow->queued_at[flow->queue_tail] = bench_now_ns ();
    flow->queue[flow->queue_tail++] = report_id;
    pthread_cond_signal (&flow->wake);
    pthread_mutex_unlock (&flow->lock);
}

/* The next report ids to decide, at most max of them (waiting for one),
   into ids, and when each was queued into queued_at; how many (0 when
   there are none left). */
static size_t
s_queue_pop (s_flow_t *flow, size_t max, uint64_t *ids, uint64_t *queued_at)
{
    pthread_mutex_lock (&flow->lock);
    while (flow->queue_head == flow->queue_tail && !s_flow_stopped (flow))
        pthread_cond_wait (&flow->wake, &flow->lock);
    size_t count = 0;
    while (count < max && flow->queue_head < flow->queue_tail && !s_flow_stopped (flow)) {
        queued_at[count] = flow->queued_at[flow->queue_head];
        ids[count++] = flow->queue[flow->queue_head++];
    }
    pthread_mutex_unlock (&flow->lock);
    return count;
}

/* A decision counted: the editor is done with the last one. */
static void
s_flow_decided (s_flow_t *flow, uint64_t report_id)
{
    if (s_adopts (report_id))
        atomic_fetch_add (&flow->adopted, 1);
    s_atomic_max (&flow->decided_at, bench_now_ns ());
    if (atomic_fetch_add (&flow->decided, 1) + 1 == flow->options->reports)
        atomic_store (&flow->editor_done, true);
}

/* The cases of ids (count of them) in one review.decide_many, each with
   its claim; 0 when every one was decided. */
static int
s_flow_decide_many (s_worker_t *self, const uint64_t *ids, size_t count)
{
    s_flow_t *flow = self->flow;
    bs_decide_item_t items[BS_DECIDE_MANY_MAX];
    for (size_t i = 0; i < count; i++) {
        bool adopt = s_adopts (ids[i]);
        items[i] = (bs_decide_item_t){.report_id = ids[i],
                                      .decision = adopt ? "adopt" : "decline",
                                      .periodical = adopt ? BENCH_PERIODICAL : NULL,
                                      .critique = adopt ? "講評：材料翔實，做法可借鑒，採用。"
                                                        : "講評：內容一般，暫不採用。",
                                      .claim = true};
    }
    bs_decide_many_t request = {
        .editor = BENCH_DESK, .role = BENCH_DESK, .decisions = {count, items}};
    char id[64];
    snprintf (id, sizeof id, "bench-decide-many-%" PRIu64, ids[0]);
    bs_decide_results_t page;
    bs_error_t error;
    if (bs_client_call_with_id (self->client, id, &bs_decide_many_schema, &request,
                                &bs_decide_results_schema, &page, &error)
        != BS_OK) {
        s_flow_fail (flow, "decide_many from %" PRIu64 " failed: %s", ids[0], error.text);
        return -1;
    }
    const bs_decide_result_t *results = page.results.items;
    int rc = 0;
    if (page.results.count != count) {
        s_flow_fail (flow, "decide_many: %zu results for %zu cases", page.results.count, count);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < count; i++)
        if (results[i].code && *results[i].code) {
            s_flow_fail (flow, "decide %" PRIu64 " refused: %s", ids[i],
                         results[i].message ? results[i].message : results[i].code);
            rc = -1;
        }
    bs_codec_record_free (&bs_decide_results_schema, &page);
    return rc;
}

/* One case in a review.decide of its own (with its claim, or after a
   review.claim with claim_first); 0 when decided. */
static int
s_flow_decide_one (s_worker_t *self, uint64_t report_id, uint64_t taken)
{
    s_flow_t *flow = self->flow;
    bool adopt = s_adopts (report_id);
    bs_decide_t decide = {.report_id = report_id,
                          .decision = adopt ? "adopt" : "decline",
                          .periodical = adopt ? BENCH_PERIODICAL : NULL,
                          .critique = adopt ? "講評：材料翔實，做法可借鑒，採用。"
                                            : "講評：內容一般，暫不採用。",
                          .editor = BENCH_DESK,
                          .role = BENCH_DESK};
    char id[64];
    snprintf (id, sizeof id, "bench-decide-%" PRIu64, report_id);
    bs_review_case_t reply;
    bs_error_t error;
    uint64_t claimed = taken;
    if (flow->options->claim_first) {
        bs_claim_t claim = {.report_id = report_id, .editor = BENCH_DESK, .role = BENCH_DESK};
        char claim_id[80];
        snprintf (claim_id, sizeof claim_id, "%s/claim", id);
        if (bs_client_call_with_id (self->client, claim_id, &bs_claim_schema, &claim,
                                    &bs_review_case_schema, &reply, &error)
            == BS_OK)
            bs_codec_record_free (&bs_review_case_schema, &reply);
        claimed = bench_now_ns ();
        bench_samples_push (&self->claim, claimed - taken);
    } else
        decide.claim = true; /* the claim in the decision: one round trip */
    if (bs_client_call_with_id (self->client, id, &bs_decide_schema, &decide,
                                &bs_review_case_schema, &reply, &error)
        != BS_OK) {
        s_flow_fail (flow, "decide %" PRIu64 " failed: %s", report_id, error.text);
        return -1;
    }
    bs_codec_record_free (&bs_review_case_schema, &reply);
    bench_samples_push (&self->decide, bench_now_ns () - claimed);
    return 0;
}

/* A decider: the next queued cases, up to decide_batch of them, in one
   request (review.decide_many), or each in a review.decide of its own. */
static void *
s_flow_decider (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    int batch = flow->options->decide_batch;
    size_t max = batch > 1 ? (size_t) batch : 1;
    uint64_t ids[BS_DECIDE_MANY_MAX], queued_at[BS_DECIDE_MANY_MAX];
    size_t count;
    while ((count = s_queue_pop (flow, max, ids, queued_at)) != 0) {
        uint64_t taken = bench_now_ns ();
        for (size_t i = 0; i < count; i++)
            bench_samples_push (&self->waited, taken - queued_at[i]);
        int rc = batch > 1 ? s_flow_decide_many (self, ids, count)
                           : s_flow_decide_one (self, ids[0], taken);
        if (rc != 0)
            break;
        if (batch > 1)
            bench_samples_push (&self->decide, bench_now_ns () - taken);
        for (size_t i = 0; i < count; i++)
            s_flow_decided (flow, ids[i]);
    }
    return NULL;
}

/* The editor's eyes: walk every case by report id (review.queue with all)
   and queue each queued one for a decision the moment it appears. Cases
   appear in report-id order (review applies intake's log in order), so a
   cursor that only moves forward sees each once. */
static void *
s_flow_walker (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    uint64_t after = 0, seen = 0, total = (uint64_t) flow->options->reports;
    while (seen < total && !s_flow_stopped (flow)) {
        bs_queue_request_t query = {.after = after, .limit = 500, .all = true};
        bs_case_page_t page;
        bs_error_t error;
        if (bs_client_call (self->client, &bs_queue_request_schema, &query, &bs_case_page_schema,
                            &page, &error)
            != BS_OK) {
            s_flow_fail (flow, "review.queue failed: %s", error.text);
            break;
        }
        const bs_review_case_t *cases = page.cases.items;
        for (size_t i = 0; i < page.cases.count; i++) {
            after = cases[i].report_id;
            seen++;
            if (strcmp (cases[i].state, "queued") == 0)
                s_queue_push (flow, cases[i].report_id);
            else
                s_flow_fail (flow, "case %" PRIu64 " is %s before the editor decided it",
                             cases[i].report_id, cases[i].state);
        }
        bool short_page = page.cases.count < query.limit;
        bs_codec_record_free (&bs_case_page_schema, &page);
        if (short_page && seen < total)
            bench_sleep_ms (5); /* caught up with review: let more arrive */
    }
    return NULL;
}

/* The draft of one issue of the given adopted reports, as an editor's
   tool composes it: publication.issue_create with the reports (one round
   trip); its id into *issue_id. */
static int
s_compose_issue (s_worker_t *self, int number, uint64_t *report_ids, size_t count,
                 uint64_t *issue_id)
{
    s_flow_t *flow = self->flow;
    char id[64];
    bs_error_t error;
    bs_issue_t issue;
    bs_issue_create_t create = {.periodical = BENCH_PERIODICAL, .report_ids = {count, report_ids}};
    snprintf (id, sizeof id, "bench-issue-create-%d", number);
    if (bs_client_call_with_id (self->client, id, &bs_issue_create_schema, &create,
                                &bs_issue_schema, &issue, &error)
        != BS_OK) {
        s_flow_fail (flow, "issue_create failed: %s", error.text);
        return -1;
    }
    *issue_id = issue.issue_id;
    size_t held = issue.items.count;
    bs_codec_record_free (&bs_issue_schema, &issue);
    if (held != count) {
        s_flow_fail (flow, "issue %" PRIu64 " holds %zu of %zu reports", *issue_id, held, count);
        return -1;
    }
    return 0;
}

/* Hand a composed draft (issue_id, 0: none) to the publisher; last:
   composing has ended. */
static void
s_drafts_push (s_flow_t *flow, uint64_t issue_id, bool last)
{
    pthread_mutex_lock (&flow->lock);
    if (issue_id)
        flow->drafts[flow->drafts_tail++] = issue_id;
    flow->composed = flow->composed || last;
    pthread_cond_broadcast (&flow->drafted);
    pthread_mutex_unlock (&flow->lock);
}

/* The next draft to publish, waiting for one; 0 when composing has ended
   and every draft was taken, or the measure stopped. */
static uint64_t
s_drafts_pop (s_flow_t *flow)
{
    pthread_mutex_lock (&flow->lock);
    while (flow->drafts_head == flow->drafts_tail && !flow->composed && !s_flow_stopped (flow))
        pthread_cond_wait (&flow->drafted, &flow->lock);
    uint64_t issue_id = 0;
    if (flow->drafts_head < flow->drafts_tail && !s_flow_stopped (flow))
        issue_id = flow->drafts[flow->drafts_head++];
    pthread_mutex_unlock (&flow->lock);
    return issue_id;
}

/* The composer: a draft of every issue_size adopted reports that wait
   (publication.pending, up to a page of BS_PAGE_MAX: one look for several
   drafts when the composer is behind), and one of the rest once the
   editor is done and every adoption has reached publication, each handed
   to the publisher: the next drafts are composed while the last is
   published, as in an office where one editor composes and another
   publishes.

   publication.pending scans from `after`; asking from 0 every time would
   make each look walk every adoption ever made. The composer knows which
   reports the editor adopts, so it asks from the highest id below which
   every adopted report is already in a draft. */
static void *
s_flow_composer (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    size_t total = (size_t) flow->options->reports;
    size_t issue_size = (size_t) flow->options->issue_size;
    size_t look = BS_PAGE_MAX / issue_size * issue_size; /* whole issues a look */
    char *drafted = calloc (total + 2, 1);
    uint64_t *ids = calloc (look, sizeof *ids);
    uint64_t low = 0; /* every adopted id <= low is in a draft */
    int number = 0;
    size_t placed = 0;
    bool failed = false;
    while (!failed && !s_flow_stopped (flow)) {
        bool editor_done = atomic_load (&flow->editor_done);
        size_t adopted = (size_t) atomic_load (&flow->adopted);
        if (editor_done && placed == adopted)
            break;
        bs_pending_request_t query = {.periodical = BENCH_PERIODICAL, .after = low, .limit = look};
        bs_pending_page_t page;
        bs_error_t error;
        if (bs_client_call (self->client, &bs_pending_request_schema, &query,
                            &bs_pending_page_schema, &page, &error)
            != BS_OK) {
            s_flow_fail (flow, "publication.pending failed: %s", error.text);
            break;
        }
        size_t count = page.items.count;
        /* every adoption left is listed: the last draft may be short */
        bool last = editor_done && count > 0 && count == adopted - placed;
        const bs_pending_item_t *items = page.items.items;
        for (size_t i = 0; i < count; i++)
            ids[i] = items[i].report_id;
        bs_codec_record_free (&bs_pending_page_schema, &page);
        if (count < issue_size && !last) {
            bench_sleep_ms (10);
            continue;
        }
        for (size_t from = 0; !failed && from < count; from += issue_size) {
            size_t size = count - from < issue_size ? count - from : issue_size;
            if (size < issue_size && !last)
                break;
            uint64_t issue_id;
            failed = s_compose_issue (self, ++number, ids + from, size, &issue_id) != 0;
            if (failed)
                break;
            s_drafts_push (flow, issue_id, false);
            for (size_t i = from; i < from + size; i++) {
                if (ids[i] > total) {
                    s_flow_fail (flow, "report id %" PRIu64 " beyond the %zu submitted", ids[i],
                                 total);
                    failed = true;
                    break;
                }
                drafted[ids[i]] = 1;
            }
            placed += size;
        }
        while (low < total && (!s_adopts (low + 1) || drafted[low + 1]))
            low++;
    }
    s_drafts_push (flow, 0, true);
    free (ids);
    free (drafted);
    return NULL;
}

/* The publisher: each draft composed, in order (publication.issue_publish). */
static void *
s_flow_publisher (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    uint64_t issue_id;
    while ((issue_id = s_drafts_pop (flow)) != 0) {
        char id[64];
        snprintf (id, sizeof id, "bench-issue-publish-%" PRIu64, issue_id);
        bs_issue_publish_t publish = {.issue_id = issue_id};
        bs_issue_t issue;
        bs_error_t error;
        if (bs_client_call_with_id (self->client, id, &bs_issue_publish_schema, &publish,
                                    &bs_issue_schema, &issue, &error)
            != BS_OK) {
            s_flow_fail (flow, "issue_publish of %" PRIu64 " failed: %s", issue_id, error.text);
            break;
        }
        atomic_fetch_add (&flow->published, (int) issue.items.count);
        bs_codec_record_free (&bs_issue_schema, &issue);
        atomic_fetch_add (&flow->issues, 1);
        s_atomic_max (&flow->published_at, bench_now_ns ());
    }
    return NULL;
}

int
bench_statistics_totals (bs_client_t *client, bench_counts_t *counts, bs_error_t *error)
{
    bs_stats_request_t query = {.period = ""};
    bs_stats_page_t page;
    int rc = bs_client_call (client, &bs_stats_request_schema, &query, &bs_stats_page_schema, &page,
                             error);
    if (rc != BS_OK)
        return rc;
    memset (counts, 0, sizeof *counts);
    const bs_stats_row_t *rows = page.rows.items;
    for (size_t i = 0; i < page.rows.count; i++) {
        counts->submitted += rows[i].submitted;
        counts->adopted += rows[i].adopted;
        counts->returned += rows[i].returned;
        counts->declined += rows[i].declined;
        counts->published += rows[i].published;
    }
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return BS_OK;
}

/* A thread's samples added to all, and freed. */
static void
s_samples_move (bench_samples_t *all, bench_samples_t *samples)
{
    for (size_t i = 0; i < samples->count; i++)
        bench_samples_push (all, samples->items[i]);
    bench_samples_free (samples);
}

int
bench_measure_end_to_end (const bench_options_t *options, bench_flow_result_t *result)
{
    memset (result, 0, sizeof *result);
    bench_system_t system;
    if (bench_system_start (&system, options->common.base) != 0)
        return -1;
    fprintf (stderr,
             "measure 2: %d reports from %d clients (%d a request), decided through %d editor "
             "clients (up to %d a request), issues of %d\n",
             options->reports, options->common.clients, options->submit_batch, options->editors,
             options->decide_batch, options->issue_size);
    s_flow_t *flow = calloc (1, sizeof *flow);
    if (options->submit_batch > 1
        && bench_batch_token (&system, flow->token, sizeof flow->token) != 0) {
        free (flow);
        bench_system_stop (&system);
        return -1;
    }
    flow->options = options;
    pthread_mutex_init (&flow->lock, NULL);
    pthread_cond_init (&flow->wake, NULL);
    pthread_cond_init (&flow->drafted, NULL);
    flow->queue = calloc ((size_t) options->reports + 1, sizeof *flow->queue);
    flow->drafts = calloc ((size_t) options->reports + 1, sizeof *flow->drafts);
    flow->queued_at = calloc ((size_t) options->reports + 1, sizeof *flow->queued_at);

    /* submitters, deciders, then the walker, the composer, the publisher */
    int workers = options->common.clients + options->editors + 3;
    s_worker_t *worker = calloc ((size_t) workers, sizeof *worker);
    pthread_t *threads = calloc ((size_t) workers, sizeof *threads);
    /* Clients are made here, not in the threads: bs_client_new writes
       into the shared configuration. */
    for (int i = 0; i < workers; i++) {
        const char *service = i < options->common.clients                      ? "intake"
                              : i < options->common.clients + options->editors ? "review"
                              : i == workers - 3                               ? "review"
                                                                               : "publication";
        worker[i] = (s_worker_t){
            .flow = flow, .client = bs_client_new (system.config, service, "bench"), .index = i};
    }
    bs_client_t *statistics = bs_client_new (system.config, "statistics", "bench");

    bench_stages_t stages_before, stages_after;
    bench_system_stages_read (&system, &stages_before);
    uint64_t begin = bench_now_ns ();
    int started = 0;
    for (; started < workers; started++) {
        void *(*run) (void *) = started < options->common.clients ? s_flow_submitter
                                : started < options->common.clients + options->editors
                                    ? s_flow_decider
                                : started == workers - 3 ? s_flow_walker
                                : started == workers - 2 ? s_flow_composer
                                                         : s_flow_publisher;
        if (pthread_create (&threads[started], NULL, run, &worker[started]) != 0) {
            s_flow_fail (flow, "cannot start a thread");
            break;
        }
    }
    uint64_t deadline = begin + (uint64_t) (options->deadline * 1e9);
    uint64_t counted_at = 0;
    while (!s_flow_stopped (flow)) {
        if (atomic_load (&flow->editor_done)) {
            bench_counts_t counts;
            bs_error_t error;
            if (bench_statistics_totals (statistics, &counts, &error) != BS_OK) {
                s_flow_fail (flow, "statistics.query failed: %s", error.text);
                break;
            }
            result->last = counts;
            uint64_t total = (uint64_t) options->reports;
            uint64_t adopted = (uint64_t) atomic_load (&flow->adopted);
            if (counts.submitted == total && counts.adopted == adopted
                && counts.declined == total - adopted && counts.published == adopted) {
                counted_at = bench_now_ns ();
                bench_system_stages_read (&system, &stages_after);
                bench_stages_between (&stages_before, &stages_after, &result->stages);
                break;
            }
        }
        if (bench_now_ns () > deadline) {
            s_flow_fail (flow, "not everything was counted within %.0f s", options->deadline);
            break;
        }
        bench_sleep_ms (20);
    }
    if (counted_at == 0 && !atomic_load (&flow->abort))
        s_flow_fail (flow, "interrupted");
    /* Counted: the work is done and only idle deciders wait; stop them. */
    pthread_mutex_lock (&flow->lock);
    atomic_store (&flow->abort, true);
    pthread_cond_broadcast (&flow->wake);
    pthread_cond_broadcast (&flow->drafted);
    pthread_mutex_unlock (&flow->lock);
    for (int i = 0; i < started; i++)
        pthread_join (threads[i], NULL);
    bench_samples_t claim = {0}, decide = {0}, waited = {0};
    for (int i = 0; i < workers; i++) {
        bs_client_destroy (&worker[i].client);
        s_samples_move (&claim, &worker[i].claim);
        s_samples_move (&decide, &worker[i].decide);
        s_samples_move (&waited, &worker[i].waited);
    }
    result->claim = bench_samples_percentiles (&claim);
    result->decide = bench_samples_percentiles (&decide);
    result->waited = bench_samples_percentiles (&waited);
    bench_samples_free (&claim);
    bench_samples_free (&decide);
    bench_samples_free (&waited);
    bs_client_destroy (&statistics);

    if (counted_at) {
        result->done = true;
        result->counted_s = (double) (counted_at - begin) / 1e9;
        result->submitted_s = (double) (atomic_load (&flow->submitted_at) - begin) / 1e9;
        result->decided_s = (double) (atomic_load (&flow->decided_at) - begin) / 1e9;
        result->published_s = (double) (atomic_load (&flow->published_at) - begin) / 1e9;
        result->rate = options->reports / result->counted_s;
        result->issues = atomic_load (&flow->issues);
        result->adopted = atomic_load (&flow->adopted);
        if (atomic_load (&flow->max_report_id) != (uint64_t) options->reports)
            fprintf (stderr, "measure 2: warning: largest report id %" PRIu64 ", expected %d\n",
                     (uint64_t) atomic_load (&flow->max_report_id), options->reports);
    } else
        fprintf (stderr,
                 "measure 2 failed: %s\n  (submitted %d, decided %d, published %d; statistics "
                 "last showed %" PRIu64 " submitted, %" PRIu64 " adopted, %" PRIu64
                 " declined, %" PRIu64 " published)\n",
                 flow->error, atomic_load (&flow->submitted), atomic_load (&flow->decided),
                 atomic_load (&flow->published), result->last.submitted, result->last.adopted,
                 result->last.declined, result->last.published);
    free (threads);
    free (worker);
    free (flow->queue);
    free (flow->drafts);
    free (flow->queued_at);
    pthread_cond_destroy (&flow->wake);
    pthread_cond_destroy (&flow->drafted);
    pthread_mutex_destroy (&flow->lock);
    free (flow);
    bench_system_stop (&system);
    return result->done ? 0 : -1;
}
