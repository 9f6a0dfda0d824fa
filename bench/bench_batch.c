/*  bench_batch: measure 4 of bench_throughput, batch intake (intake.batch,
    the direct channel's many reports in one request), and the batch
    sending measure 5 fills a store with; see bench_measures.h. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_client.h"
#include "bs_schemas.h"
#include "bs_text.h"

#include "bench_load.h"
#include "bench_system.h"

#include "bench_measures.h"

/* A token of the direct channel for the load's first unit, into secret. */
int
bench_batch_token (bench_system_t *system, char *secret, size_t size)
{
    size_t count;
    const char *const *units = bench_report_units (&count);
    bs_client_t *client = bs_client_new (system->config, "intake", "bench");
    bs_token_create_t create = {.name = "測速直報系統", .unit = (char *) units[0]};
    bs_token_t token;
    bs_error_t error;
    int rc = bs_client_call (client, &bs_token_create_schema, &create, &bs_token_schema, &token,
                             &error);
    bs_client_destroy (&client);
    if (rc != BS_OK) {
        fprintf (stderr, "bench: cannot make a direct token: %s\n", error.text);
        return -1;
    }
    snprintf (secret, size, "%s", token.secret);
    bs_codec_record_free (&bs_token_schema, &token);
    return 0;
}

/*  The reply read by views: of each item's receipt only what the bench
    checks (its report id, status and code), so the others (the
    registration number, the key, the version, ...) are neither checked
    nor copied: a batch's reply decoded whole cost its client about 3,000
    instructions a report, three strings copied into allocations and
    freed again (bench/README.md, "Measure 4's client"). */
static bs_schema_t s_item_view, s_page_view;

static void
s_views_make (void)
{
    static const char *const unread[] = {"reg_no", "received_at", "version",    "hold_id", "key",
                                         "field",  "message",     "commission", "note",    NULL};
    static bs_field_t item_fields[4], page_fields[1];
    static const char *const none[] = {NULL};
    if (bs_schema_view (&bs_submitted_schema, unread, item_fields, 4, &s_item_view) != BS_OK
        || bs_schema_view (&bs_batch_page_schema, none, page_fields, 1, &s_page_view) != BS_OK)
        abort ();
    page_fields[0].item = &s_item_view; /* the results, each by the item's view */
}

/* The texts of one batch, kept while it is sent. */
typedef struct {
    bench_report_t texts[BS_BATCH_MAX];
    char keys[BS_BATCH_MAX][48]; /* b, a sender and a number: 33 bytes at most */
    bs_submit_t items[BS_BATCH_MAX];
} s_batch_texts_t;

int
bench_batch_send (bs_client_t *client, const char *token, int sender, uint64_t batch,
                  bs_error_t *error)
{
    s_batch_texts_t *texts = malloc (sizeof *texts);
    if (!texts)
        return bs_error_set (error, BS_E_SYSTEM, NULL, "out of memory");
    for (int i = 0; i < BS_BATCH_MAX; i++) {
        uint64_t number = batch * BS_BATCH_MAX + (uint64_t) i;
        bench_report_fill (&texts->texts[i], 1000 + sender, number, NULL);
        char *key = texts->keys[i]; /* "b%d-%" PRIu64 of sender and number, without printf */
        *key++ = 'b';
        key = bs_text_decimal (key, (uint64_t) sender, 1);
        *key++ = '-';
        *bs_text_decimal (key, number, 1) = 0;
        texts->items[i] = (bs_submit_t){.key = texts->keys[i],
                                        .title = texts->texts[i].title,
                                        .body = texts->texts[i].body,
                                        .kind = "situation"};
    }
    bs_batch_t request = {.token = (char *) token, .items = {BS_BATCH_MAX, texts->items}};
    static pthread_once_t views_made = PTHREAD_ONCE_INIT;
    pthread_once (&views_made, s_views_make);
    bs_batch_page_t page;
    int rc = bs_client_call (client, &bs_batch_schema, &request, &s_page_view, &page, error);
    free (texts);
    if (rc != BS_OK)
        return rc;
    /* Every item registered (none refused, none found again as a
       duplicate), under a report id of its own: the ids rise through the
       batch, as intake registers its items one after another. */
    const bs_submitted_t *results = page.results.items;
    for (size_t i = 0; rc == BS_OK && i < page.results.count; i++)
        if (!results[i].status || strcmp (results[i].status, "registered") != 0)
            rc = bs_error_set (error, BS_E_INVALID, "status", "item %zu: %s (%s)", i,
                               results[i].status ? results[i].status : "no status",
                               results[i].code ? results[i].code : "");
        else if (results[i].report_id == 0
                 || (i > 0 && results[i].report_id <= results[i - 1].report_id))
            rc = bs_error_set (error, BS_E_INVALID, "report_id",
                               "item %zu: report id %" PRIu64 " (after %" PRIu64 ")", i,
                               results[i].report_id, i > 0 ? results[i - 1].report_id : 0);
    if (rc == BS_OK && page.results.count != BS_BATCH_MAX)
        rc = bs_error_set (error, BS_E_INVALID, "results", "%zu results for %d items",
                           page.results.count, BS_BATCH_MAX);
    bs_codec_record_free (&s_page_view, &page);
    return rc;
}

/* Measure 4: `senders` threads, each with its own client, send batches of
   BS_BATCH_MAX back to back; the reports of the batches answered in the
   window count. */
typedef struct {
    bs_client_t *client;           /* this sender's own */
    const char *token;             /* the direct channel's */
    int index;                     /* this sender */
    uint64_t window_start;         /* ns: batches answered from here on count */
    uint64_t window_end;           /* ns: ... until here; the sender stops after it */
    bench_samples_t latencies;     /* of the counted batches */
    uint64_t counted;              /* reports in batches answered in the window */
    char error[BS_ERROR_TEXT_MAX]; /* the first failure */
} s_sender_t;

static void *
s_sender_run (void *argument)
{
    s_sender_t *self = argument;
    for (uint64_t batch = 0; !bench_interrupted; batch++) {
        uint64_t sent = bench_now_ns ();
        if (sent >= self->window_end)
            break;
        bs_error_t error;
        if (bench_batch_send (self->client, self->token, self->index, batch, &error) != BS_OK) {
            snprintf (self->error, sizeof self->error, "batch %" PRIu64 ": %s", batch,
                      error.text);
            break;
        }
        uint64_t answered = bench_now_ns ();
        if (answered >= self->window_start && answered < self->window_end) {
            self->counted += BS_BATCH_MAX;
            bench_samples_push (&self->latencies, answered - sent);
        }
    }
    return NULL;
}

int
bench_measure_batch (const bench_options_t *options, bench_batch_result_t *result)
{
    memset (result, 0, sizeof *result);
    bench_system_t system;
    if (bench_system_start (&system, options->common.base) != 0)
        return -1;
    char token[160];
    if (bench_batch_token (&system, token, sizeof token) != 0) {
        bench_system_stop (&system);
        return -1;
    }
    fprintf (stderr,
             "measure 4: %d senders send batches of %d for %.0f s after %.1f s of warm-up\n",
             options->senders, BS_BATCH_MAX, options->common.duration, options->common.warmup);
    s_sender_t *senders = calloc ((size_t) options->senders, sizeof *senders);
    pthread_t *threads = calloc ((size_t) options->senders, sizeof *threads);
    uint64_t start = bench_now_ns ();
    uint64_t window_start = start + (uint64_t) (options->common.warmup * 1e9);
    uint64_t window_end = window_start + (uint64_t) (options->common.duration * 1e9);
    int started = 0, rc = 0;
    for (; started < options->senders; started++) {
        senders[started] = (s_sender_t){.client = bs_client_new (system.config, "intake", "bench"),
                                        .token = token,
                                        .index = started,
                                        .window_start = window_start,
                                        .window_end = window_end};
        bs_client_set_patience (senders[started].client, 60000, 1);
        if (pthread_create (&threads[started], NULL, s_sender_run, &senders[started]) != 0) {
            bs_client_destroy (&senders[started].client);
            rc = -1;
            break;
        }
    }
    bench_samples_t latencies = {0};
    for (int i = 0; i < started; i++) {
        pthread_join (threads[i], NULL);
        if (senders[i].error[0]) {
            fprintf (stderr, "measure 4: sender %d: %s\n", i, senders[i].error);
            rc = -1;
        }
        result->reports += senders[i].counted;
        for (size_t k = 0; k < senders[i].latencies.count; k++)
            bench_samples_push (&latencies, senders[i].latencies.items[k]);
        bench_samples_free (&senders[i].latencies);
        bs_client_destroy (&senders[i].client);
    }
    result->rate = (double) result->reports / options->common.duration;
    result->latency = bench_samples_percentiles (&latencies);
    bench_samples_free (&latencies);
    free (threads);
    free (senders);
    bench_system_stop (&system);
    result->done = rc == 0 && !bench_interrupted && result->reports > 0;
    return result->done ? 0 : -1;
}
