/*  bench_statistics: how long statistics takes to answer a ranking and a
    unit's figures over a year of 1,000,000 reports.

    The figures store is built as a year of reports leaves it: units in a
    city/county/township tree with key units, reports spread over every day
    of 2026, four channels, about a third adopted. The counts are added per
    unit, day and channel in bulk (statistics_figures_add with that day's
    count), which leaves exactly the rows one add per report would, in a
    fraction of the time. Then each question is asked many times, each in a
    read transaction of its own, as the service answers it, encoding of the
    reply included, and the median and 99th percentile are printed.

        bench_statistics [--reports N] [--units N] [--rounds N] [--dir FOLDER]
*/
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bs_codec.h"
#include "figures.h"
#include "queries.h"
#include "units.h"

typedef struct {
    long reports, units, rounds;
    const char *dir;
} s_options_t;

static double
s_now_us (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (double) now.tv_sec * 1e6 + (double) now.tv_nsec / 1e3;
}

static int
s_double_order (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static uint64_t
s_noon (int day_of_year)
{
    struct tm local = {
        .tm_year = 126, .tm_mon = 0, .tm_mday = 1 + day_of_year, .tm_hour = 12, .tm_isdst = -1};
    return (uint64_t) mktime (&local) * 1000;
}

/* Unit i: 0 the city, 1..12 counties, then townships under the counties
   and one key unit in ten. */
static void
s_unit_name (long i, char *name, size_t size)
{
    snprintf (name, size, i == 0 ? "安陽市委組織部" : "單位%04ld", i);
}

static int
s_register (MDB_txn *txn, MDB_dbi units, long count)
{
    for (long i = 0; i < count; i++) {
        char name[64], parent[64];
        s_unit_name (i, name, sizeof name);
        bool county = i >= 1 && i <= 12;
        bool key_unit = i > 12 && i % 10 == 0;
        s_unit_name (i == 0 ? 0 : county || key_unit ? 0 : 1 + i % 12, parent, sizeof parent);
        bs_unit_t unit = {.name = name,
                          .parent = i == 0 ? "" : parent,
                          .level = i == 0               ? "city"
                                   : county || key_unit ? "county"
                                                        : "township",
                          .kind = key_unit ? "key_unit" : "department"};
        if (statistics_units_register (txn, units, &unit) != BS_OK)
            return -1;
    }
    return 0;
}

/* Add a year of reports: for each unit, day and channel, the reports of
   that day, a third of them adopted (decided two days after receipt). */
static int
s_fill (MDB_txn *txn, const statistics_dbs_t *dbs, const s_options_t *options)
{
    static const char *const channels[] = {"web", "email", "phone", "direct"};
    long cells = options->units * 365 * 4;
    long per_cell = options->reports / cells, extra = options->reports % cells, cell = 0;
    for (long u = 0; u < options->units; u++) {
        char name[64];
        s_unit_name (u, name, sizeof name);
        for (int day = 0; day < 365; day++)
            for (int c = 0; c < 4; c++, cell++) {
                long reports = per_cell + (cell < extra);
                if (reports == 0)
                    continue;
                statistics_subject_t subject = {.unit = name,
                                                .values = {NULL, channels[c], "信息", NULL, NULL}};
                statistics_change_t submitted = {.measure = STATISTICS_SUBMITTED, .delta = reports};
                statistics_change_t adopted = {.measure = STATISTICS_ADOPTED,
                                               .delta = reports / 3,
                                               .decision = true,
                                               .waited_ms = 48 * 3600000ull};
                uint64_t at = s_noon (day);
                for (int basis = 0; basis < STATISTICS_BASES; basis++) {
                    if (statistics_figures_add (txn, dbs->figures, dbs->values, basis, at, &subject,
                                                &submitted, NULL)
                        || (adopted.delta
                            && statistics_figures_add (txn, dbs->figures, dbs->values, basis, at,
                                                       &subject, &adopted, NULL)))
                        return -1;
                }
            }
    }
    return 0;
}

typedef int (s_question_fn) (MDB_txn *txn, const statistics_dbs_t *dbs, const void *request,
                             msgpack_sbuffer *reply);

static int
s_ranking (MDB_txn *txn, const statistics_dbs_t *dbs, const void *request, msgpack_sbuffer *reply)
{
    bs_ranking_page_t page;
    bs_error_t error;
    int rc = statistics_ranking (txn, dbs, request, &page, &error);
    if (rc == BS_OK) {
        rc = bs_codec_encode_record (reply, &bs_ranking_page_schema, &page);
        bs_codec_record_free (&bs_ranking_page_schema, &page);
    }
    return rc;
}

static int
s_figures (MDB_txn *txn, const statistics_dbs_t *dbs, const void *request, msgpack_sbuffer *reply)
{
    bs_stats_page_t page;
    bs_error_t error;
    int rc = statistics_query (txn, dbs, request, &page, &error);
    if (rc == BS_OK) {
        rc = bs_codec_encode_record (reply, &bs_stats_page_schema, &page);
        bs_codec_record_free (&bs_stats_page_schema, &page);
    }
    return rc;
}

static int
s_measure (MDB_env *env, const statistics_dbs_t *dbs, const char *what, s_question_fn *ask,
           const void *request, long rounds)
{
    double *times = calloc ((size_t) rounds, sizeof *times);
    size_t bytes = 0;
    for (long r = 0; times && r < rounds; r++) {
        msgpack_sbuffer reply;
        msgpack_sbuffer_init (&reply);
        double start = s_now_us ();
        MDB_txn *txn;
        int rc = mdb_txn_begin (env, NULL, MDB_RDONLY, &txn);
        if (rc == 0) {
            rc = ask (txn, dbs, request, &reply);
            mdb_txn_abort (txn);
        }
        times[r] = s_now_us () - start;
        bytes = reply.size;
        msgpack_sbuffer_destroy (&reply);
        if (rc) {
            fprintf (stderr, "bench_statistics: %s failed (%d)\n", what, rc);
            free (times);
            return -1;
        }
    }
    if (!times)
        return -1;
    qsort (times, (size_t) rounds, sizeof *times, s_double_order);
    printf ("| %-52s | %8.0f | %8.0f | %7zu |\n", what, times[rounds / 2], times[rounds * 99 / 100],
            bytes);
    free (times);
    return 0;
}

int
main (int argc, char **argv)
{
    s_options_t options = {1000000, 100, 300, getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp"};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp (argv[i], "--reports") == 0)
            options.reports = atol (argv[i + 1]);
        else if (strcmp (argv[i], "--units") == 0)
            options.units = atol (argv[i + 1]);
        else if (strcmp (argv[i], "--rounds") == 0)
            options.rounds = atol (argv[i + 1]);
        else if (strcmp (argv[i], "--dir") == 0)
            options.dir = argv[i + 1];
        else {
            fprintf (stderr, "usage: bench_statistics [--reports N] [--units N] [--rounds N] "
                             "[--dir FOLDER]\n");
            return 2;
        }
    }
    if (options.units < 13 || options.rounds < 1 || options.reports < 0) {
        fprintf (stderr, "bench_statistics: at least 13 units and 1 round\n");
        return 2;
    }
    char folder[4096];
    snprintf (folder, sizeof folder, "%s/bench-statistics-XXXXXX", options.dir);
    if (!mkdtemp (folder)) {
        perror ("bench_statistics: mkdtemp");
        return 1;
    }
    MDB_env *env;
    MDB_txn *txn;
    statistics_dbs_t dbs;
    int rc = mdb_env_create (&env);
    mdb_env_set_maxdbs (env, 8);
    mdb_env_set_mapsize (env, 4ull << 30);
    rc = rc ? rc : mdb_env_open (env, folder, MDB_NOSYNC, 0600);
    rc = rc ? rc : mdb_txn_begin (env, NULL, 0, &txn);
    rc = rc ? rc : mdb_dbi_open (txn, "figures", MDB_CREATE, &dbs.figures);
    rc = rc ? rc : mdb_dbi_open (txn, "values", MDB_CREATE, &dbs.values);
    rc = rc ? rc : mdb_dbi_open (txn, "units", MDB_CREATE, &dbs.units);
    double start = s_now_us ();
    rc = rc ? rc : s_register (txn, dbs.units, options.units);
    rc = rc ? rc : s_fill (txn, &dbs, &options);
    rc = rc ? rc : mdb_txn_commit (txn);
    if (rc) {
        fprintf (stderr, "bench_statistics: cannot build the store (%d)\n", rc);
        return 1;
    }
    MDB_stat stat;
    mdb_txn_begin (env, NULL, MDB_RDONLY, &txn);
    mdb_stat (txn, dbs.figures, &stat);
    mdb_txn_abort (txn);
    printf ("statistics over %ld reports, %ld units, a year of days: %zu rows of figures "
            "(built in %.1f s); %ld rounds each, microseconds\n\n",
            options.reports, options.units, (size_t) stat.ms_entries, (s_now_us () - start) / 1e6,
            options.rounds);
    printf ("| %-52s | %8s | %8s | %7s |\n", "question (answer encoded)", "p50 µs", "p99 µs",
            "bytes");
    printf ("|------------------------------------------------------|----------|----------|--------"
            "-|\n");
    char one[64];
    s_unit_name (options.units / 2, one, sizeof one);
    bs_ranking_request_t year_ranking = {.period = "2026", .by = "adopted"};
    bs_ranking_request_t quarter_ranking = {
        .period = "2026-Q2", .by = "submitted", .tier = "township"};
    bs_ranking_request_t range_ranking = {.period = "2026-03-15..2026-11-10", .by = "adopted"};
    bs_stats_request_t unit_year = {.period = "2026", .unit = one};
    bs_stats_request_t unit_range = {.period = "2026-03-15..2026-11-10", .unit = one};
    bs_stats_request_t all_month = {.period = "2026-11"};
    bs_stats_request_t all_rolled = {.period = "2026", .rollup = true};
    rc = s_measure (env, &dbs, "ranking by adopted, year, every tier", s_ranking, &year_ranking,
                    options.rounds);
    rc = rc ? rc
            : s_measure (env, &dbs, "ranking by submitted, 2026-Q2, townships", s_ranking,
                         &quarter_ranking, options.rounds);
    rc = rc ? rc
            : s_measure (env, &dbs, "ranking by adopted, 2026-03-15..2026-11-10", s_ranking,
                         &range_ranking, options.rounds);
    rc = rc ? rc
            : s_measure (env, &dbs, "one unit's figures, year", s_figures, &unit_year,
                         options.rounds);
    rc = rc ? rc
            : s_measure (env, &dbs, "one unit's figures, 2026-03-15..2026-11-10", s_figures,
                         &unit_range, options.rounds);
    rc = rc ? rc
            : s_measure (env, &dbs, "every unit's figures, 2026-11", s_figures, &all_month,
                         options.rounds);
    rc = rc ? rc
            : s_measure (env, &dbs, "every unit's figures, year, rolled up", s_figures, &all_rolled,
                         options.rounds);
    mdb_env_close (env);
    char command[4200];
    snprintf (command, sizeof command, "rm -rf '%s'", folder);
    if (system (command) != 0)
        fprintf (stderr, "bench_statistics: could not remove %s\n", folder);
    return rc ? 1 : 0;
}
