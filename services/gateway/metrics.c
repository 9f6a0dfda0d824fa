/*  gateway metrics: GET /metrics, what a Prometheus server scrapes, in its
    text format (version 0.0.4).

    The gateway's own counters, kept since it started (gateway_metrics_t
    in server.h, atomics: every connection thread adds to them):
      baosong_gateway_http_responses_total{class="2xx"}  answers by class
      baosong_gateway_commands_total{service}   commands sent to a service
      baosong_gateway_command_failures_total{service}  of those, the ones
                                                that got no answer or an error
    and what the services say when asked now, each with a short patience
    (as GET /api/v1/status):
      baosong_service_up{service}              1 if it answered its ping
      baosong_stream_last_seq{service}         the last event its log holds
      baosong_stream_consumer_sent_seq{service,consumer}
      baosong_stream_consumer_committed_seq{service,consumer}
      baosong_stream_consumer_lag{service,consumer}
      baosong_stream_consumer_silence_seconds{service,consumer}
                                               each consumer of its log as
                                               the service (the producer)
                                               sees it: last event sent,
                                               last it said it committed,
                                               events not committed, and
                                               time since it said anything
                                               (kept after it goes silent)
      baosong_store_map_size_bytes{service}    its LMDB store's map, bytes (the
                                               four services; mail's pong
                                               has no store figures)
      baosong_store_map_used_bytes{service}    of it used (up to the highest
                                               page in use): alert well
                                               before the map's maximum
      baosong_commit_duration_seconds{service}  a histogram (_bucket{le},
                                               _sum, _count) of how long
                                               each of its turns took to
                                               apply and commit (the fsync
                                               included), since it started
      baosong_review_queue_depth               cases waiting in review's queue
    (the scrape's own question to review counts as a command, in the
    next scrape's figures).

    The figures say how busy the installation is, never what a report
    says; still, only a client on the gateway's own host (loopback) may
    read them: a Prometheus on that host, or in the gateway's network
    namespace (a sidecar, compose's network_mode: service:gateway).
*/
#include "gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_proto.h"
#include "bs_text.h"
#include "server.h"

/* Which of them keep an event log (a stream); statistics' feed and mail
   have none. */
static const bool s_keeps_log[GATEWAY_METRIC_SERVICES] = {true, true, true, false, false};

/* One ping with a short patience: whether it answered; its pong in reply
   (the caller frees it with bs_codec_record_free). */
static bool
s_ping (gateway_request_t *request, const char *service, bs_ping_reply_t *reply)
{
    bs_client_t *client = bs_client_new (gateway_config (request->gateway), service, "gateway");
    if (!client)
        return false;
    bs_client_set_patience (client, 500, 1);
    bs_ping_t ping = {0};
    bs_error_t error;
    int rc = bs_client_call (client, &bs_ping_schema, &ping, &bs_ping_reply_schema, reply, &error);
    bs_client_destroy (&client);
    return rc == BS_OK;
}

static void
s_gateway_figures (FILE *out, gateway_metrics_t *metrics)
{
    fprintf (out, "# HELP baosong_gateway_http_responses_total HTTP answers of the gateway by "
                  "status class.\n# TYPE baosong_gateway_http_responses_total counter\n");
    for (int class = 1; class <= 5; class ++)
        fprintf (out, "baosong_gateway_http_responses_total{class=\"%dxx\"} %llu\n", class,
                 (unsigned long long) atomic_load (&metrics->responses[class]));
    fprintf (out, "# HELP baosong_gateway_commands_total Commands the gateway sent to a service.\n"
                  "# TYPE baosong_gateway_commands_total counter\n");
    for (size_t i = 0; i < GATEWAY_METRIC_SERVICES; i++)
        fprintf (out, "baosong_gateway_commands_total{service=\"%s\"} %llu\n",
                 gateway_metric_services[i],
                 (unsigned long long) atomic_load (&metrics->commands[i]));
    fprintf (out, "# HELP baosong_gateway_command_failures_total Commands that got no answer or "
                  "an error.\n# TYPE baosong_gateway_command_failures_total counter\n");
    for (size_t i = 0; i < GATEWAY_METRIC_SERVICES; i++)
        fprintf (out, "baosong_gateway_command_failures_total{service=\"%s\"} %llu\n",
                 gateway_metric_services[i],
                 (unsigned long long) atomic_load (&metrics->failures[i]));
}

/* One family of per-consumer figures: for each consumer of each log,
   what figure() makes of it and its producer's last event. */
typedef uint64_t s_consumer_figure_fn (const bs_stream_consumer_t *consumer, uint64_t last);

static void
s_consumer_family (FILE *out, const char *name, const char *help, s_consumer_figure_fn *figure,
                   const bool *up, const bs_ping_reply_t *pongs)
{
    fprintf (out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
    for (size_t i = 0; i < GATEWAY_METRIC_SERVICES; i++) {
        if (!up[i] || !s_keeps_log[i])
            continue;
        const bs_stream_consumer_t *consumers = pongs[i].consumers.items;
        for (size_t c = 0; c < pongs[i].consumers.count; c++)
            fprintf (out, "%s{service=\"%s\",consumer=\"%s\"} %llu\n", name,
                     gateway_metric_services[i], consumers[c].name,
                     (unsigned long long) figure (&consumers[c], pongs[i].last_seq));
    }
}

static uint64_t
s_sent (const bs_stream_consumer_t *consumer, uint64_t last)
{
    (void) last;
    return consumer->sent;
}

static uint64_t
s_committed (const bs_stream_consumer_t *consumer, uint64_t last)
{
    (void) last;
    return consumer->committed;
}

static uint64_t
s_lag (const bs_stream_consumer_t *consumer, uint64_t last)
{
    return last > consumer->committed ? last - consumer->committed : 0;
}

static uint64_t
s_silent_seconds (const bs_stream_consumer_t *consumer, uint64_t last)
{
    (void) last;
    return consumer->silent_ms / 1000;
}

/* Stream lag per consumer, as each producer sees it: the last event it
   sent a consumer, the last the consumer said it committed, how many of
   the log's events it has not committed, how long it has been silent. */
static void
s_consumer_figures (FILE *out, const bool *up, const bs_ping_reply_t *pongs)
{
    s_consumer_family (out, "baosong_stream_consumer_sent_seq",
                       "The last event of the service's log sent to the consumer.", s_sent, up,
                       pongs);
    s_consumer_family (out, "baosong_stream_consumer_committed_seq",
                       "The last event the consumer said it applied and committed.", s_committed,
                       up, pongs);
    s_consumer_family (out, "baosong_stream_consumer_lag",
                       "Events of the service's log the consumer has not committed.", s_lag, up,
                       pongs);
    s_consumer_family (out, "baosong_stream_consumer_silence_seconds",
                       "Seconds since the consumer last said anything to the service.",
                       s_silent_seconds, up, pongs);
}

/* Each answering service's LMDB map: its size and how much is used.
   Mail's pong has none (its store holds only its cursor). */
typedef uint64_t s_pong_figure_fn (const bs_ping_reply_t *pong);

static uint64_t
s_map_size (const bs_ping_reply_t *pong)
{
    return pong->map_size;
}

static uint64_t
s_map_used (const bs_ping_reply_t *pong)
{
    return pong->map_used;
}

static void
s_store_family (FILE *out, const char *name, const char *help, s_pong_figure_fn *figure,
                const bool *up, const bs_ping_reply_t *pongs)
{
    fprintf (out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
    for (size_t i = 0; i < GATEWAY_METRIC_SERVICES; i++)
        if (up[i] && pongs[i].map_size)
            fprintf (out, "%s{service=\"%s\"} %llu\n", name, gateway_metric_services[i],
                     (unsigned long long) figure (&pongs[i]));
}

static void
s_store_figures (FILE *out, const bool *up, const bs_ping_reply_t *pongs)
{
    s_store_family (out, "baosong_store_map_size_bytes", "The size of the service's LMDB map.",
                    s_map_size, up, pongs);
    s_store_family (out, "baosong_store_map_used_bytes", "Bytes of the service's LMDB map in use.",
                    s_map_used, up, pongs);
}

/* One service's commit histogram, from its pong: per-bucket counts made
   cumulative, as Prometheus' le buckets are. */
static void
s_commit_histogram (FILE *out, const char *service, const bs_ping_reply_t *pong)
{
    const bs_u64_list_t *bounds = &pong->commit_bounds_us, *counts = &pong->commit_counts;
    if (counts->count != bounds->count + 1)
        return; /* mail, or a service of before the histogram */
    uint64_t below = 0;
    for (size_t b = 0; b < bounds->count; b++) {
        below += counts->items[b];
        fprintf (out, "baosong_commit_duration_seconds_bucket{service=\"%s\",le=\"%g\"} %llu\n",
                 service, (double) bounds->items[b] / 1e6, (unsigned long long) below);
    }
    below += counts->items[bounds->count];
    fprintf (out,
             "baosong_commit_duration_seconds_bucket{service=\"%s\",le=\"+Inf\"} %llu\n"
             "baosong_commit_duration_seconds_sum{service=\"%s\"} %.6f\n"
             "baosong_commit_duration_seconds_count{service=\"%s\"} %llu\n",
             service, (unsigned long long) below, service, (double) pong->commit_sum_us / 1e6,
             service, (unsigned long long) below);
}

static void
s_commit_figures (FILE *out, const bool *up, const bs_ping_reply_t *pongs)
{
    fprintf (out, "# HELP baosong_commit_duration_seconds How long the service's turns took to "
                  "apply and commit.\n# TYPE baosong_commit_duration_seconds histogram\n");
    for (size_t i = 0; i < GATEWAY_METRIC_SERVICES; i++)
        if (up[i])
            s_commit_histogram (out, gateway_metric_services[i], &pongs[i]);
}

static void
s_service_figures (FILE *out, gateway_request_t *request)
{
    bool up[GATEWAY_METRIC_SERVICES];
    bs_ping_reply_t pongs[GATEWAY_METRIC_SERVICES] = {0};
    uint64_t last[GATEWAY_METRIC_SERVICES];
    for (size_t i = 0; i < GATEWAY_METRIC_SERVICES; i++) {
        up[i] = s_ping (request, gateway_metric_services[i], &pongs[i]);
        last[i] = pongs[i].last_seq;
    }
    fprintf (out, "# HELP baosong_service_up Whether the service answered the gateway's ping.\n"
                  "# TYPE baosong_service_up gauge\n");
    for (size_t i = 0; i < GATEWAY_METRIC_SERVICES; i++)
        fprintf (out, "baosong_service_up{service=\"%s\"} %d\n", gateway_metric_services[i],
                 up[i] ? 1 : 0);
    fprintf (out, "# HELP baosong_stream_last_seq The last event in the service's log (its "
                  "stream).\n# TYPE baosong_stream_last_seq gauge\n");
    for (size_t i = 0; i < GATEWAY_METRIC_SERVICES; i++)
        if (up[i] && s_keeps_log[i])
            fprintf (out, "baosong_stream_last_seq{service=\"%s\"} %llu\n",
                     gateway_metric_services[i], (unsigned long long) last[i]);
    s_consumer_figures (out, up, pongs);
    s_store_figures (out, up, pongs);
    s_commit_figures (out, up, pongs);
    for (size_t i = 0; i < GATEWAY_METRIC_SERVICES; i++)
        bs_codec_record_free (&bs_ping_reply_schema, &pongs[i]);
    bs_queue_request_t query = {.limit = 1};
    bs_case_page_t page = {0};
    bs_error_t error;
    if (up[1]
        && gateway_call_once (request, "review", &bs_queue_request_schema, &query,
                              &bs_case_page_schema, &page, &error)
               == BS_OK)
        fprintf (out,
                 "# HELP baosong_review_queue_depth Cases waiting in review's queue.\n"
                 "# TYPE baosong_review_queue_depth gauge\nbaosong_review_queue_depth %llu\n",
                 (unsigned long long) page.queued);
    bs_codec_record_free (&bs_case_page_schema, &page);
}

static bool
s_from_loopback (gateway_request_t *request)
{
    char address[64];
    gateway_client_address (request, address, sizeof address);
    return strncmp (address, "127.", 4) == 0;
}

enum MHD_Result
gateway_metrics_get (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    if (!s_from_loopback (request))
        return gateway_reply_error (request, 403, "forbidden", "",
                                    "/metrics answers only clients on the gateway's host");
    char *text = NULL;
    size_t size = 0;
    FILE *out = bs_text_stream_open (&text, &size);
    if (!out)
        return gateway_reply_error (request, 500, "system", "", "out of memory");
    s_gateway_figures (out, &request->gateway->metrics);
    s_service_figures (out, request);
    if (!bs_text_stream_close (out, &text))
        return gateway_reply_error (request, 500, "system", "", "out of memory");
    enum MHD_Result result =
        gateway_reply_bytes (request, "text/plain; version=0.0.4; charset=utf-8", text, size, NULL);
    free (text);
    return result;
}
