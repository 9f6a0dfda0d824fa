/*  bench_throughput: how much durable work a whole baosong system does, as
    a person or a program outside it sees it.

    Each measure runs on a fresh system: its own temporary folder and
    configuration, the four service programs (baosong-intake, ... from the
    folder this program was built into) started with posix_spawn on ipc://
    sockets, with their default durable settings (every commit fsync'ed;
    no_sync stays 0), killed and removed at the end, also on failure.

      1. Durable submits per second: `clients` threads, each with its own
         bs_client, submit reports back to back. After a warm-up, the
         submits acknowledged within `duration` seconds are counted (a
         reply leaves intake only after the commit that holds the report is
         on disk), with the latency each client saw.
      2. End to end: `reports` reports submitted by `clients` threads; an
         editor walks review's cases by report id and decides each as it
         appears (every other one adopted into 《組工信息》, the rest
         declined), handing the decisions to `editors` clients, each one
         review.decide that claims its case (with --claim-first, a
         review.claim and then the decision, two round trips); a composer
         puts every 200 adopted reports into a draft issue (one
         issue_create with them) and a publisher publishes each draft. The
         time runs from the first submit until statistics counts every
         submission, every decision and every published report.
      3. Submit to live feed: submits at a steady rate for `duration`
         seconds (a few clients taking turns, so a slow reply does not
         delay the next submit); a report is counted on the live feed by
         the first statistics.changed whose seq (intake's log sequence,
         the report id plus an offset) is its own or later: a turn's
         reports of a unit are one message, carrying the last one's seq,
         and statistics follows intake's log in order. Latency runs from
         the moment the submit was due to the moment that message arrives.
      4. Batch intake: `senders` threads send intake.batch requests of
         1,000 reports back to back (the direct channel); the reports of
         the batches answered within `duration` seconds after the warm-up
         count, against the target of 100,000 durable reports a second.
      5. Restart, catch-up and memory: statistics killed, `stored` reports
         into intake by batches, intake killed and started again (time to
         its first answer), statistics started again (time until it counts
         them all), each service's memory at rest and at its peak.

    Only acknowledged work counts: a failed or unanswered call is reported,
    never counted, and measure 2 ends only when the statistics say so.

        bench_throughput [--quick] [--duration S] [--clients N] [--reports M]
                         [--editors N] [--claim-first] [--decide-batch N]
                         [--submit-batch N] [--rate R] [--senders N] [--stored N]
                         [--only 1,2,3,4,5] [--dir FOLDER] [--no-limit]

    Beside measures 1 and 2, in the same run, the limits of limit.h: the
    same load on a minimal server of intake.submit's shape (with plain
    sockets, then with CurveZMQ as baosong's sockets have it), and the
    reports of measure 2 through a minimal chain of four durable stages,
    and through a minimal chain of measure 2's own shape (the same
    synchronous submitting and deciding clients, the same hops, CurveZMQ);
    the table ends with baosong's figures as ratios of them.
*/
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
#include "limit.h"

/* Measure 1: durable submits per second                                   */

/* Measure 1: `clients` threads, each with its own bs_client of intake,
   submit back to back (the load of bench_load_run). stages: each
   service's turns and CPU over the whole load (warm-up and window). */
static int
s_measure_submits (const bench_options_t *options, bench_load_result_t *result,
                   bench_stages_work_t *stages)
{
    memset (result, 0, sizeof *result);
    bench_system_t system;
    if (bench_system_start (&system, options->common.base) != 0)
        return -1;
    fprintf (stderr, "measure 1: %d clients submit for %.0f s after %.1f s of warm-up\n",
             options->common.clients, options->common.duration, options->common.warmup);
    void **clients = calloc ((size_t) options->common.clients, sizeof *clients);
    /* Clients are made here, not in the threads: bs_client_new writes
       into the shared configuration. */
    for (int i = 0; i < options->common.clients; i++)
        clients[i] = bs_client_new (system.config, "intake", "bench");
    bench_load_t load = {.name = "measure 1",
                         .clients = options->common.clients,
                         .warmup = options->common.warmup,
                         .duration = options->common.duration,
                         .connections = clients,
                         .submit = bench_system_submit};
    bench_stages_t before, after;
    bench_system_stages_read (&system, &before);
    int rc = bench_load_run (&load, result);
    bench_system_stages_read (&system, &after);
    bench_stages_between (&before, &after, stages);
    for (int i = 0; i < options->common.clients; i++) {
        bs_client_t *client = clients[i];
        bs_client_destroy (&client);
    }
    free (clients);
    bench_system_stop (&system);
    return rc;
}

/* The machine and the report                                              */

static void
s_print_latency_columns (const bench_percentiles_t *latency)
{
    printf ("%9.2f %9.2f %9.2f %9.2f\n", latency->p50, latency->p90, latency->p99, latency->max);
}

/* A row of submits per second and their latency, or FAILED. */
static void
s_print_load_row (const char *name, const bench_load_result_t *load)
{
    char number[32];
    if (load->done) {
        printf ("%-44s %9s /s   ", name, bench_thousands (load->rate, number, sizeof number));
        s_print_latency_columns (&load->latency);
    } else
        printf ("%-44s %14s\n", name, "FAILED");
}

/* Each service's turns committed (reports a turn), a turn's apply and
   commit (mean, and p99 as its bucket's bound) and CPU a report, and the
   clients' CPU a report. */
static void
s_print_stages (const bench_stages_work_t *stages, double reports)
{
    for (int i = 0; i < BENCH_SERVICE_COUNT; i++) {
        uint64_t turns = stages->turns[i];
        char p99[32];
        if (stages->commit_p99_us[i] == UINT64_MAX)
            snprintf (p99, sizeof p99, "> 2.5 s");
        else
            snprintf (p99, sizeof p99, "<= %.2f ms", (double) stages->commit_p99_us[i] / 1000.0);
        printf ("   %-12s %7" PRIu64
                " turns (%6.1f)  turn mean %6.2f ms, p99 %-12s  CPU %5.0f us\n",
                bench_system_name (i), turns, turns ? reports / (double) turns : 0.0,
                turns ? (double) stages->commit_sum_us[i] / (double) turns / 1000.0 : 0.0, p99,
                (double) stages->cpu_us[i] / reports);
    }
    printf ("   %-12s %44s  CPU %5.0f us\n", "clients", "",
            (double) stages->cpu_us[BENCH_SERVICE_COUNT] / reports);
}

/* Measure 3's stages: where a report's time went between its durable
   reply and the feed, and what each process did per report. */
static void
s_print_feed_stages (const bench_feed_result_t *feed)
{
    printf ("3: durable reply -> feed p50 %.2f ms, p99 %.2f ms; over the %.1f s of submits, per "
            "service: turns committed (reports per turn), a turn's apply and commit, mean and p99 "
            "(its bucket's bound), CPU per report:\n",
            feed->onward.p50, feed->onward.p99, feed->seconds);
    s_print_stages (&feed->stages, feed->submitted ? (double) feed->submitted : 1);
}

/* Measure 2's stages: the rate each reached, the editor's round trips,
   and what each process did per report. */
static void
s_print_flow_stages (const bench_options_t *options, const bench_flow_result_t *flow)
{
    double reports = options->reports;
    char claim[96] = "";
    if (options->claim_first)
        snprintf (claim, sizeof claim, "claim p50 %.2f ms, p99 %.2f ms, ", flow->claim.p50,
                  flow->claim.p99);
    printf ("2: submits %.0f /s (to %.2f s), decisions %.0f /s (to %.2f s); an editor's %s"
            "decision%s p50 %.2f ms, p99 %.2f ms; a case waited for a decider p50 %.2f ms, p99 "
            "%.2f ms; from the first submit to the counting of all, per service: turns committed "
            "(reports per turn), a turn's apply and commit, mean and p99 (its bucket's bound), CPU "
            "per report:\n",
            reports / flow->submitted_s, flow->submitted_s, reports / flow->decided_s,
            flow->decided_s, claim,
            options->decide_batch > 1 ? "s' review.decide_many"
            : options->claim_first    ? ""
                                      : " (with its claim)",
            flow->decide.p50, flow->decide.p99, flow->waited.p50, flow->waited.p99);
    s_print_stages (&flow->stages, reports);
}

/* baosong's figures as ratios of this run's limits. */
static bool
s_submits_known (const bench_options_t *options, const bench_load_result_t *submits,
                 const bench_load_result_t *limit)
{
    return options->run[1] && submits->done && limit->done && limit->rate > 0
           && limit->latency.p50 > 0 && limit->latency.p99 > 0;
}

static void
s_print_ratios (const bench_options_t *options, const bench_load_result_t *submits,
                const bench_load_result_t *limit_submits, const bench_load_result_t *limit_curve,
                const bench_flow_result_t *flow, const bench_limit_chain_result_t *limit_chain,
                const bench_limit_flow_result_t *limit_flow)
{
    const char *names[] = {"1 durable submits / same-shape server",
                           "1 durable submits / same-shape, CurveZMQ"};
    const bench_load_result_t *limits[] = {limit_submits, limit_curve};
    bool submits_known = s_submits_known (options, submits, limit_submits)
                         || s_submits_known (options, submits, limit_curve);
    bool flow_known = options->run[2] && flow->done && limit_chain->done && limit_chain->rate > 0;
    bool shape_known = options->run[2] && flow->done && limit_flow->done && limit_flow->rate > 0;
    if (!submits_known && !flow_known && !shape_known)
        return;
    printf ("\n%-44s %14s %9s %9s %9s\n", "ratio (baosong / limit)", "per second", "p50", "",
            "p99");
    for (int i = 0; i < 2; i++)
        if (s_submits_known (options, submits, limits[i]))
            printf ("%-44s %13.2fx %8.2fx %9s %8.2fx\n", names[i], submits->rate / limits[i]->rate,
                    submits->latency.p50 / limits[i]->latency.p50, "",
                    submits->latency.p99 / limits[i]->latency.p99);
    if (flow_known)
        printf ("%-44s %13.2fx   (issue 9's target: 0.3x)\n", "2 end to end / 4-stage chain",
                flow->rate / limit_chain->rate);
    if (shape_known)
        printf ("%-44s %13.2fx   (like for like: the same clients and hops)\n",
                "2 end to end / measure 2's shape, CurveZMQ", flow->rate / limit_flow->rate);
}

/* The issue's targets (bench/README.md), as ratios of this run's figures. */
#define S_BATCH_TARGET 100000.0  /* durable reports a second by batch */
#define S_FEED_P99_TARGET 10.0   /* ms */
#define S_RESTART_TARGET 1.0     /* seconds to answer again */
#define S_CATCH_UP_TARGET 1e5    /* events a second */
#define S_MEMORY_TARGET 65536.0  /* KiB anonymous per service */

static void
s_print_targets (const bench_options_t *options, const bench_feed_result_t *feed,
                 const bench_batch_result_t *batch, const bench_restart_result_t *restart)
{
    if (!(options->run[3] && feed->done) && !(options->run[4] && batch->done)
        && !(options->run[5] && restart->done))
        return;
    printf ("\n%-44s %14s\n", "ratio (figure / target)", "");
    if (options->run[3] && feed->done)
        printf ("%-44s %13.2fx   (p99 %.2f ms / %.0f ms, at %d/s)\n", "3 feed p99 / target",
                feed->latency.p99 / S_FEED_P99_TARGET, feed->latency.p99, S_FEED_P99_TARGET,
                options->rate);
    if (options->run[3] && feed->done)
        printf ("%-44s %13.2fx   (%.0f a second counted / %d offered)\n",
                "3 feed rate / offered", feed->delivered_rate / options->rate,
                feed->delivered_rate, options->rate);
    if (options->run[4] && batch->done)
        printf ("%-44s %13.2fx\n", "4 batch intake / 100,000 a second", batch->rate / S_BATCH_TARGET);
    if (options->run[5] && restart->done) {
        printf ("%-44s %13.2fx   (%.3f s / %.0f s)\n", "5 intake restart / target",
                restart->restart_seconds / S_RESTART_TARGET, restart->restart_seconds,
                S_RESTART_TARGET);
        printf ("%-44s %13.2fx\n", "5 catch-up / 100,000 events a second",
                restart->stored / restart->catch_up_seconds / S_CATCH_UP_TARGET);
        long largest = 0;
        for (int i = 0; i < BENCH_SERVICE_COUNT; i++)
            if (restart->loaded[i].anonymous > largest)
                largest = restart->loaded[i].anonymous;
        printf ("%-44s %13.2fx   (largest peak %.1f MiB / 64 MiB, %d stored)\n",
                "5 anonymous memory / 64 MiB", largest / S_MEMORY_TARGET, largest / 1024.0,
                restart->stored);
    }
}

static const char *const s_service_names[BENCH_SERVICE_COUNT] = {"intake", "review",
                                                                   "publication", "statistics"};

/* Measure 5's memory: a row per service. */
static void
s_print_memory (const bench_restart_result_t *restart)
{
    printf ("\n5 memory, MiB resident    anonymous: empty   peak (load) stored, at rest"
            "      file: stored, at rest (LMDB map, program)\n");
    for (int i = 0; i < BENCH_SERVICE_COUNT; i++)
        printf ("  %-24s %16.1f %13.1f %15.1f %16.1f\n", s_service_names[i],
                restart->empty[i].anonymous / 1024.0, restart->loaded[i].anonymous / 1024.0,
                restart->stored_rest[i].anonymous / 1024.0, restart->stored_rest[i].file / 1024.0);
}

static void
s_usage (void)
{
    fprintf (stderr,
             "usage: bench_throughput [--quick] [--duration S] [--clients N] [--reports M]\n"
             "                        [--editors N] [--claim-first] [--decide-batch N]\n"
             "                        [--submit-batch N] [--rate R] [--senders N] [--stored N]\n"
             "                        [--only 1,2,3,4,5] [--dir FOLDER] [--no-limit]\n"
             "  --duration S  seconds measured in measures 1 and 3 (default 10)\n"
             "  --clients N   concurrent submitting clients in measures 1 and 2 (default 50)\n"
             "  --reports M   reports through all four services in measure 2 (default 20000)\n"
             "  --editors N   clients the editor decides through in measure 2 (default: as\n"
             "                many as --clients)\n"
             "  --claim-first measure 2's editor claims each case (review.claim), then decides\n"
             "                it: two round trips, not one review.decide with claim\n"
             "  --decide-batch N measure 2's deciders each take up to N queued cases and\n"
             "                decide them in one review.decide_many (default 1: a\n"
             "                review.decide a case; at most 200)\n"
             "  --submit-batch N measure 2's submitters each send N reports in one\n"
             "                intake.batch (the direct channel, one unit; default 1: an\n"
             "                intake.submit a report)\n"
             "  --rate R      submits per second in measure 3 (default 200)\n"
             "  --senders N   clients sending batches of 1,000 in measure 4 (default 4)\n"
             "  --stored N    reports stored before the restarts of measure 5 (default\n"
             "                100000)\n"
             "  --only LIST   run only these measures, e.g. 1,3 (default 1,2,3,4,5)\n"
             "  --dir FOLDER  where the temporary data folders go (default $TMPDIR or /tmp);\n"
             "                it must be on the disk you mean to measure, not tmpfs\n"
             "  --no-limit    do not measure the limits (bench/limit.h) beside 1 and 2\n"
             "  --trace FILE  measure 3 writes each timed submit's times to FILE: due,\n"
             "                durable reply and feed message, ns of CLOCK_MONOTONIC\n"
             "  --quick       small numbers, for a smoke run\n");
}

static int
s_parse_options (int argc, char **argv, bench_options_t *options)
{
    *options = (bench_options_t){.reports = 20000,
                                 .editors = 0,
                                 .decide_batch = 1,
                                 .submit_batch = 1,
                                 .issue_size = 200,
                                 .rate = 200,
                                 .senders = 4,
                                 .stored = 100000,
                                 .deadline = 600,
                                 .run = {false, true, true, true, true, true},
                                 .limit = true};
    static const struct option long_options[] = {BENCH_COMMON_LONG_OPTIONS,
                                                 {"reports", required_argument, 0, 'r'},
                                                 {"editors", required_argument, 0, 'e'},
                                                 {"claim-first", no_argument, 0, 'C'},
                                                 {"decide-batch", required_argument, 0, 'D'},
                                                 {"submit-batch", required_argument, 0, 'B'},
                                                 {"rate", required_argument, 0, 'R'},
                                                 {"only", required_argument, 0, 'o'},
                                                 {"no-limit", no_argument, 0, 'L'},
                                                 {"help", no_argument, 0, 'h'},
                                                 {"senders", required_argument, 0, 's'},
                                                 {"stored", required_argument, 0, 'S'},
                                                 {"trace", required_argument, 0, 'T'},
                                                 {0, 0, 0, 0}};
    bench_common_defaults (&options->common, argc, argv);
    if (options->common.quick) { /* first, so explicit numbers given with it win */
        options->reports = 1000;
        options->issue_size = 200;
        options->senders = 2;
        options->stored = 10000;
    }
    bool only_seen = false;
    int option;
    while ((option = getopt_long (argc, argv, "", long_options, NULL)) != -1) {
        char *end = NULL;
        switch (option) {
        case 'r':
            options->reports = (int) strtol (optarg, &end, 10);
            if (*end || options->reports < 1)
                return -1;
            break;
        case 'e':
            options->editors = (int) strtol (optarg, &end, 10);
            if (*end || options->editors < 1 || options->editors > 1000)
                return -1;
            break;
        case 'C':
            options->claim_first = true;
            break;
        case 'D':
            options->decide_batch = (int) strtol (optarg, &end, 10);
            if (*end || options->decide_batch < 1 || options->decide_batch > BS_DECIDE_MANY_MAX)
                return -1;
            break;
        case 'B':
            options->submit_batch = (int) strtol (optarg, &end, 10);
            if (*end || options->submit_batch < 1 || options->submit_batch > BS_BATCH_MAX)
                return -1;
            break;
        case 'R':
            options->rate = (int) strtol (optarg, &end, 10);
            if (*end || options->rate < 1 || options->rate > 100000)
                return -1;
            break;
        case 'o':
            if (!only_seen)
                memset (options->run, 0, sizeof options->run);
            only_seen = true;
            for (const char *c = optarg; *c; c++)
                if (*c >= '1' && *c <= '5')
                    options->run[*c - '0'] = true;
                else if (*c != ',')
                    return -1;
            break;
        case 's':
            options->senders = (int) strtol (optarg, &end, 10);
            if (*end || options->senders < 1 || options->senders > 256)
                return -1;
            break;
        case 'S':
            options->stored = (int) strtol (optarg, &end, 10);
            if (*end || options->stored < 1 || options->stored > 100000000)
                return -1;
            break;
        case 'L':
            options->limit = false;
            break;
        case 'T':
            options->trace = optarg;
            break;
        default:
            if (bench_common_option (&options->common, option, optarg) != 0)
                return -1;
        }
    }
    if (options->editors == 0)
        options->editors = options->common.clients; /* the same concurrency on both sides */
    if (options->claim_first && options->decide_batch > 1)
        return -1; /* review.decide_many claims with each decision */
    return optind == argc ? 0 : -1;
}

int
main (int argc, char **argv)
{
    bench_options_t options;
    if (s_parse_options (argc, argv, &options) != 0) {
        s_usage ();
        return 2;
    }
    bench_system_handle_signals ();

    bench_machine_t machine;
    bench_machine_take (&machine, options.common.base);
    bench_report_t sample;
    bench_report_fill (&sample, 3, 1234, NULL);

    bench_load_result_t submits = {0};
    bench_stages_work_t submit_stages = {0};
    bench_flow_result_t flow = {0};
    bench_feed_result_t feed = {0};
    bench_batch_result_t batch = {0};
    bench_restart_result_t restart = {0};
    /* The limits (limit.h), each beside the measure it bounds, in this run. */
    bench_load_result_t limit_submits = {0}, limit_curve = {0};
    bench_limit_chain_result_t limit_chain = {0};
    bench_limit_flow_result_t limit_flow = {0};
    int failures = 0;
    if (options.run[1] && !bench_interrupted)
        failures += s_measure_submits (&options, &submits, &submit_stages) != 0;
    if (options.run[1] && options.limit && !bench_interrupted)
        failures +=
            bench_limit_submits (options.common.base, options.common.clients, options.common.warmup,
                                 options.common.duration, BENCH_LIMIT_PLAIN, BENCH_LIMIT_SYNCED,
                                 &limit_submits)
            != 0;
    if (options.run[1] && options.limit && !bench_interrupted)
        failures +=
            bench_limit_submits (options.common.base, options.common.clients, options.common.warmup,
                                 options.common.duration, BENCH_LIMIT_CURVE, BENCH_LIMIT_SYNCED,
                                 &limit_curve)
            != 0;
    if (options.run[2] && !bench_interrupted)
        failures += bench_measure_end_to_end (&options, &flow) != 0;
    if (options.run[2] && options.limit && !bench_interrupted)
        failures += bench_limit_chain (options.common.base, options.reports, &limit_chain) != 0;
    if (options.run[2] && options.limit && !bench_interrupted)
        failures += bench_limit_flow (options.common.base, options.reports, options.common.clients,
                                      options.editors, BENCH_LIMIT_CURVE, &limit_flow)
                    != 0;
    if (options.run[3] && !bench_interrupted)
        failures += bench_measure_feed (&options, &feed) != 0;
    if (options.run[4] && !bench_interrupted)
        failures += bench_measure_batch (&options, &batch) != 0;
    if (options.run[5] && !bench_interrupted)
        failures += bench_measure_restart (&options, &restart) != 0;
    char number[32];
    bench_machine_print (&machine, "bench_throughput", &options.common,
                         "; durable: every LMDB commit fsync'ed (no_sync = 0)");
    printf ("report   %zu-byte title + %zu-byte body (Chinese, UTF-8); 4 services, ipc://, "
            "one process each\n\n",
            strlen (sample.title), strlen (sample.body));
    printf ("%-44s %14s %9s %9s %9s %9s\n", "measure", "result", "p50 ms", "p90 ms", "p99 ms",
            "max ms");
    if (options.run[1]) {
        char name[64];
        snprintf (name, sizeof name, "1 durable submits (%d clients, %.0f s)",
                  options.common.clients, options.common.duration);
        s_print_load_row (name, &submits);
        if (options.limit) {
            s_print_load_row ("  limit: same-shape server", &limit_submits);
            s_print_load_row ("  limit, CurveZMQ: same-shape server", &limit_curve);
        }
    }
    if (options.run[2]) {
        char name[64];
        snprintf (name, sizeof name, "2 end to end (%s reports, %d clients)",
                  bench_thousands (options.reports, number, sizeof number), options.common.clients);
        if (flow.done)
            printf ("%-44s %9s /s   %9s %9s %9s %9s\n", name,
                    bench_thousands (flow.rate, number, sizeof number), "-", "-", "-", "-");
        else
            printf ("%-44s %14s\n", name, "FAILED");
        if (options.limit && limit_chain.done)
            printf ("%-44s %9s /s   %9s %9s %9s %9s\n", "  limit: 4-stage chain",
                    bench_thousands (limit_chain.rate, number, sizeof number), "-", "-", "-", "-");
        else if (options.limit)
            printf ("%-44s %14s\n", "  limit: 4-stage chain", "FAILED");
        if (options.limit && limit_flow.done)
            printf ("%-44s %9s /s   %9s %9s %9s %9s\n", "  limit: measure 2's shape, CurveZMQ",
                    bench_thousands (limit_flow.rate, number, sizeof number), "-", "-", "-", "-");
        else if (options.limit)
            printf ("%-44s %14s\n", "  limit: measure 2's shape, CurveZMQ", "FAILED");
    }
    if (options.run[3]) {
        char name[64];
        snprintf (name, sizeof name, "3 submit -> statistics feed (%d/s, %.0f s)", options.rate,
                  options.common.duration);
        if (feed.done) {
            printf (
                "%-44s %9s rep  ", name,
                bench_thousands ((double) (feed.submitted - feed.missing), number, sizeof number));
            s_print_latency_columns (&feed.latency);
        } else
            printf ("%-44s %14s\n", name, "FAILED");
    }
    if (options.run[4]) {
        char name[64];
        snprintf (name, sizeof name, "4 batch intake (%d senders x 1,000, %.0f s)", options.senders,
                  options.common.duration);
        if (batch.done) {
            printf ("%-44s %9s /s   ", name, bench_thousands (batch.rate, number, sizeof number));
            s_print_latency_columns (&batch.latency);
        } else
            printf ("%-44s %14s\n", name, "FAILED");
    }
    if (options.run[5]) {
        char name[64];
        snprintf (name, sizeof name, "5 intake restart, %s stored",
                  bench_thousands (options.stored, number, sizeof number));
        if (restart.done) {
            printf ("%-44s %11.3f s\n", name, restart.restart_seconds);
            printf ("%-44s %9s /s   (%.3f s per 10,000 events)\n", "5 statistics catch-up",
                    bench_thousands (restart.stored / restart.catch_up_seconds, number,
                                     sizeof number),
                    restart.catch_up_seconds * 10000.0 / restart.stored);
        } else
            printf ("%-44s %14s\n", name, "FAILED");
    }
    s_print_ratios (&options, &submits, &limit_submits, &limit_curve, &flow, &limit_chain,
                    &limit_flow);
    s_print_targets (&options, &feed, &batch, &restart);
    if (options.run[5] && restart.done)
        s_print_memory (&restart);
    printf ("\n");
    if (options.run[1] && submits.done)
        printf ("1: acknowledged submits per second within the window, after %.1f s of warm-up; "
                "latency as each client saw it; %" PRIu64 " failed calls\n",
                options.common.warmup, submits.failures);
    if (options.run[1] && submits.done) {
        printf ("1: over the whole load (%" PRIu64 " acknowledged, warm-up included), per service: "
                "turns committed (reports per turn), a turn's apply and commit, mean and p99 (its "
                "bucket's bound), CPU per report:\n",
                submits.acknowledged);
        s_print_stages (&submit_stages, submits.acknowledged ? (double) submits.acknowledged : 1);
    }
    if (options.run[2] && flow.done)
        printf ("2: first submit to statistics counting all: %.2f s (all submits acknowledged "
                "at %.2f s, all decided at %.2f s, last issue published at %.2f s); "
                "%d adopted, %d declined, %d issues; editor clients: %d, %s; %s\n",
                flow.counted_s, flow.submitted_s, flow.decided_s, flow.published_s, flow.adopted,
                options.reports - flow.adopted, flow.issues, options.editors,
                options.decide_batch > 1
                    ? "up to --decide-batch queued cases in one review.decide_many"
                : options.claim_first ? "a claim, then a decision (two round trips a case)"
                                      : "a decision with its claim (one round trip a case)",
                options.submit_batch > 1 ? "submitters: --submit-batch reports an intake.batch"
                                         : "submitters: an intake.submit a report");
    if (options.run[2] && flow.done)
        s_print_flow_stages (&options, &flow);
    if (options.run[2] && options.limit && limit_flow.done) {
        printf ("2 limit, measure 2's shape (CurveZMQ; bench/limit.h): %.2f s (submits "
                "acknowledged at %.2f s, decisions at %.2f s); per process: commits (reports per "
                "commit), CPU per report:\n",
                limit_flow.seconds, limit_flow.submitted_s, limit_flow.decided_s);
        bench_limit_flow_print_stages (&limit_flow, options.reports, "   ");
    }
    if (options.run[3] && feed.done)
        printf (
            "3: due time of each submit to the first statistics.changed that counts it; durable "
            "reply p50 %.2f ms, p99 %.2f ms; %d clients taking turns; %zu missing (no change at or "
            "after its log sequence), %zu sent late; the feed counted %.0f a second (%d offered)\n",
            feed.acknowledged.p50, feed.acknowledged.p99, feed.clients, feed.missing, feed.late,
            feed.delivered_rate, options.rate);
    if (options.run[3] && feed.done)
        s_print_feed_stages (&feed);
    if (options.run[4] && batch.done)
        printf ("4: reports in the batches answered within the window, after %.1f s of warm-up; "
                "latency of one batch of 1,000; every item registered\n",
                options.common.warmup);
    if (options.run[5] && restart.done)
        printf ("5: %d reports stored in %.1f s (batches, 4 senders) while statistics was down; "
                "restart: from its start after kill -9 to the first service.ping answered "
                "(resolution 0.25 s); "
                "catch-up: statistics' start until its figures count all %d\n",
                restart.stored, restart.fill_seconds, restart.stored);
    if (bench_interrupted)
        printf ("interrupted\n");
    fflush (stdout);
    return failures || bench_interrupted ? 1 : 0;
}
