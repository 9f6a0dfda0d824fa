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
         declined), handing the decisions to `editors` clients; a publisher
         puts every 200 adopted reports into an issue and publishes it. The
         time runs from the first submit until statistics counts every
         submission, every decision and every published report.
      3. Submit to live feed: submits at a steady rate for `duration`
         seconds (a few clients taking turns, so a slow reply does not
         delay the next submit); each report gets a unit of its own, so the
         statistics.changed message that counts it on the live feed is
         known by its unit (and its seq, intake's log sequence, must equal
         the report id the submit got back). Latency runs from the moment
         the submit was due to the moment that message arrives.

    Only acknowledged work counts: a failed or unanswered call is reported,
    never counted, and measure 2 ends only when the statistics say so.

        bench_throughput [--quick] [--duration S] [--clients N] [--reports M]
                         [--editors N] [--rate R] [--only 1,2,3] [--dir FOLDER]
                         [--no-limit]

    Beside measures 1 and 2, in the same run, the limits of limit.h: the
    same load on a minimal server of intake.submit's shape, and the
    reports of measure 2 through a minimal chain of four durable stages;
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
#include "limit.h"

/* Measure 1: durable submits per second                                   */

/* Measure 1: `clients` threads, each with its own bs_client of intake,
   submit back to back (the load of bench_load_run). */
static int
s_measure_submits (const bench_options_t *options, bench_load_result_t *result)
{
    memset (result, 0, sizeof *result);
    bench_system_t system;
    if (bench_system_start (&system, options->base) != 0)
        return -1;
    fprintf (stderr, "measure 1: %d clients submit for %.0f s after %.1f s of warm-up\n",
             options->clients, options->duration, options->warmup);
    void **clients = calloc ((size_t) options->clients, sizeof *clients);
    /* Clients are made here, not in the threads: bs_client_new writes
       into the shared configuration. */
    for (int i = 0; i < options->clients; i++)
        clients[i] = bs_client_new (system.config, "intake", "bench");
    bench_load_t load = {.name = "measure 1",
                         .clients = options->clients,
                         .warmup = options->warmup,
                         .duration = options->duration,
                         .connections = clients,
                         .submit = bench_system_submit};
    int rc = bench_load_run (&load, result);
    for (int i = 0; i < options->clients; i++) {
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

/* baosong's figures as ratios of this run's limits. */
static void
s_print_ratios (const bench_options_t *options, const bench_load_result_t *submits,
                const bench_load_result_t *limit_submits, const bench_flow_result_t *flow,
                const bench_limit_chain_result_t *limit_chain)
{
    bool submits_known = options->run[1] && submits->done && limit_submits->done
                         && limit_submits->rate > 0 && limit_submits->latency.p50 > 0
                         && limit_submits->latency.p99 > 0;
    bool flow_known = options->run[2] && flow->done && limit_chain->done && limit_chain->rate > 0;
    if (!submits_known && !flow_known)
        return;
    printf ("\n%-44s %14s %9s %9s %9s\n", "ratio (baosong / limit)", "per second", "p50", "",
            "p99");
    if (submits_known)
        printf ("%-44s %13.2fx %8.2fx %9s %8.2fx\n", "1 durable submits / same-shape server",
                submits->rate / limit_submits->rate,
                submits->latency.p50 / limit_submits->latency.p50, "",
                submits->latency.p99 / limit_submits->latency.p99);
    if (flow_known)
        printf ("%-44s %13.2fx\n", "2 end to end / 4-stage chain", flow->rate / limit_chain->rate);
}

static void
s_usage (void)
{
    fprintf (stderr,
             "usage: bench_throughput [--quick] [--duration S] [--clients N] [--reports M]\n"
             "                        [--editors N] [--rate R] [--only 1,2,3] [--dir FOLDER]\n"
             "                        [--no-limit]\n"
             "  --duration S  seconds measured in measures 1 and 3 (default 10)\n"
             "  --clients N   concurrent submitting clients in measures 1 and 2 (default 50)\n"
             "  --reports M   reports through all four services in measure 2 (default 20000)\n"
             "  --editors N   clients the editor decides through in measure 2 (default: as\n"
             "                many as --clients)\n"
             "  --rate R      submits per second in measure 3 (default 200)\n"
             "  --only LIST   run only these measures, e.g. 1,3\n"
             "  --dir FOLDER  where the temporary data folders go (default $TMPDIR or /tmp);\n"
             "                it must be on the disk you mean to measure, not tmpfs\n"
             "  --no-limit    do not measure the limits (bench/limit.h) beside 1 and 2\n"
             "  --quick       small numbers, for a smoke run\n");
}

static int
s_parse_options (int argc, char **argv, bench_options_t *options)
{
    const char *base = getenv ("TMPDIR");
    *options = (bench_options_t){.duration = 10,
                                 .warmup = 2,
                                 .clients = 50,
                                 .reports = 20000,
                                 .editors = 0,
                                 .issue_size = 200,
                                 .rate = 200,
                                 .deadline = 600,
                                 .base = base && *base ? base : "/tmp",
                                 .run = {false, true, true, true},
                                 .limit = true};
    static const struct option long_options[] = {
        {"duration", required_argument, 0, 'd'}, {"clients", required_argument, 0, 'c'},
        {"reports", required_argument, 0, 'r'},  {"editors", required_argument, 0, 'e'},
        {"rate", required_argument, 0, 'R'},     {"only", required_argument, 0, 'o'},
        {"dir", required_argument, 0, 'D'},      {"quick", no_argument, 0, 'q'},
        {"no-limit", no_argument, 0, 'L'},       {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    /* --quick first, so explicit numbers given with it win. */
    for (int i = 1; i < argc; i++)
        if (strcmp (argv[i], "--quick") == 0) {
            options->quick = true;
            options->duration = 2;
            options->warmup = 0.5;
            options->clients = 10;
            options->reports = 1000;
            options->issue_size = 200;
        }
    bool only_seen = false;
    int option;
    while ((option = getopt_long (argc, argv, "", long_options, NULL)) != -1) {
        char *end = NULL;
        switch (option) {
        case 'd':
            options->duration = strtod (optarg, &end);
            if (*end || options->duration <= 0)
                return -1;
            break;
        case 'c':
            options->clients = (int) strtol (optarg, &end, 10);
            if (*end || options->clients < 1 || options->clients > 1000)
                return -1;
            break;
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
                if (*c >= '1' && *c <= '3')
                    options->run[*c - '0'] = true;
                else if (*c != ',')
                    return -1;
            break;
        case 'D':
            options->base = optarg;
            break;
        case 'q':
            break;
        case 'L':
            options->limit = false;
            break;
        default:
            return -1;
        }
    }
    if (options->editors == 0)
        options->editors = options->clients; /* the same concurrency on both sides */
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

    char model[256], type[64], device[256], stamp[64];
    bench_system_cpu_model (model, sizeof model);
    bench_system_storage (options.base, type, sizeof type, device, sizeof device);
    struct utsname system_name;
    uname (&system_name);
    time_t now = time (NULL);
    strftime (stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S %z", localtime (&now));
    bench_report_t sample;
    bench_report_fill (&sample, 3, 1234, NULL);

    bench_load_result_t submits = {0};
    bench_flow_result_t flow = {0};
    bench_feed_result_t feed = {0};
    /* The limits (limit.h), each beside the measure it bounds, in this run. */
    bench_load_result_t limit_submits = {0};
    bench_limit_chain_result_t limit_chain = {0};
    int failures = 0;
    if (options.run[1] && !bench_interrupted)
        failures += s_measure_submits (&options, &submits) != 0;
    if (options.run[1] && options.limit && !bench_interrupted)
        failures += bench_limit_submits (options.base, options.clients, options.warmup,
                                         options.duration, &limit_submits)
                    != 0;
    if (options.run[2] && !bench_interrupted)
        failures += bench_measure_end_to_end (&options, &flow) != 0;
    if (options.run[2] && options.limit && !bench_interrupted)
        failures += bench_limit_chain (options.base, options.reports, &limit_chain) != 0;
    if (options.run[3] && !bench_interrupted)
        failures += bench_measure_feed (&options, &feed) != 0;

    char number[32];
    printf ("baosong bench_throughput, %s%s\n", stamp, options.quick ? " (--quick)" : "");
    printf ("machine  %ld cores, %s, %s %s %s\n", sysconf (_SC_NPROCESSORS_ONLN), model,
            system_name.sysname, system_name.release, system_name.machine);
    printf ("storage  %s on %s under %s; durable: every LMDB commit fsync'ed (no_sync = 0)\n", type,
            device, options.base);
#ifndef __OPTIMIZE__
    printf ("         WARNING: built without optimization (Debug?): use bench/run, which builds "
            "Release\n");
#endif
    if (strcmp (type, "tmpfs") == 0 || strcmp (type, "ramfs") == 0)
        printf ("         WARNING: %s keeps no data across a power cut and fsync costs nothing "
                "there; use --dir on a disk\n",
                type);
    printf ("report   %zu-byte title + %zu-byte body (Chinese, UTF-8); 4 services, ipc://, "
            "one process each\n\n",
            strlen (sample.title), strlen (sample.body));
    printf ("%-44s %14s %9s %9s %9s %9s\n", "measure", "result", "p50 ms", "p90 ms", "p99 ms",
            "max ms");
    if (options.run[1]) {
        char name[64];
        snprintf (name, sizeof name, "1 durable submits (%d clients, %.0f s)", options.clients,
                  options.duration);
        if (submits.done) {
            printf ("%-44s %9s /s   ", name, bench_thousands (submits.rate, number, sizeof number));
            s_print_latency_columns (&submits.latency);
        } else
            printf ("%-44s %14s\n", name, "FAILED");
        if (options.limit && limit_submits.done) {
            printf ("%-44s %9s /s   ", "  limit: same-shape server",
                    bench_thousands (limit_submits.rate, number, sizeof number));
            s_print_latency_columns (&limit_submits.latency);
        } else if (options.limit)
            printf ("%-44s %14s\n", "  limit: same-shape server", "FAILED");
    }
    if (options.run[2]) {
        char name[64];
        snprintf (name, sizeof name, "2 end to end (%s reports, %d clients)",
                  bench_thousands (options.reports, number, sizeof number), options.clients);
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
    }
    if (options.run[3]) {
        char name[64];
        snprintf (name, sizeof name, "3 submit -> statistics feed (%d/s, %.0f s)", options.rate,
                  options.duration);
        if (feed.done) {
            printf (
                "%-44s %9s rep  ", name,
                bench_thousands ((double) (feed.submitted - feed.missing), number, sizeof number));
            s_print_latency_columns (&feed.latency);
        } else
            printf ("%-44s %14s\n", name, "FAILED");
    }
    s_print_ratios (&options, &submits, &limit_submits, &flow, &limit_chain);
    printf ("\n");
    if (options.run[1] && submits.done)
        printf ("1: acknowledged submits per second within the window, after %.1f s of warm-up; "
                "latency as each client saw it; %" PRIu64 " failed calls\n",
                options.warmup, submits.failures);
    if (options.run[2] && flow.done)
        printf ("2: first submit to statistics counting all: %.2f s (all submits acknowledged "
                "at %.2f s, all decided at %.2f s, last issue published at %.2f s); "
                "%d adopted, %d declined, %d issues; editor clients: %d\n",
                flow.counted_s, flow.submitted_s, flow.decided_s, flow.published_s, flow.adopted,
                options.reports - flow.adopted, flow.issues, options.editors);
    if (options.run[3] && feed.done)
        printf ("3: due time of each submit to its statistics.changed on the feed; durable reply "
                "p50 %.2f ms, p99 %.2f ms; %zu missing, %zu with seq != report id, %zu sent late\n",
                feed.acknowledged.p50, feed.acknowledged.p99, feed.missing, feed.seq_mismatches,
                feed.late);
    if (bench_interrupted)
        printf ("interrupted\n");
    fflush (stdout);
    return failures || bench_interrupted ? 1 : 0;
}
