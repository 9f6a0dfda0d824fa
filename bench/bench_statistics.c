/*  bench_statistics: how long statistics takes to answer its questions
    (rankings, a unit's figures, every unit's figures, scores, authors)
    over a year of 1,000,000 reports.

    The store is made as the service makes it: a year of events goes
    through statistics' own consume function (counting.h) in process, in
    write transactions of a real statistics store, a day at a time, as the
    logs would give them, without the network. Every report is received
    (most with an author, one of three officers of its unit), two thirds
    are decided two days later (a third adopted, a third returned or
    declined), the adoptions go out in a weekly issue, and one adoption in
    twenty is adopted again above and one in forty commented on by a
    leader. The feed's log is pruned as the service's timer prunes it.
    Then each question is asked many times, each in a read transaction of
    its own as the service answers it, encoding of the reply included, and
    the median and 99th percentile are printed, of the wall clock and of
    the thread's CPU time (on a shared machine the wall clock's tail is
    mostly waiting for a core).

        bench_statistics [--reports N] [--units N] [--rounds N] [--dir FOLDER]
                         [--keep FOLDER]

    --keep FOLDER builds the year there once and keeps it: a later run with
    the same --keep, --reports and --units only asks (counting a million
    reports takes minutes; asking, seconds).
*/
#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "authors.h"
#include "bs_codec.h"
#include "bs_config.h"
#include "bs_keys.h"
#include "bs_service.h"
#include "bs_store.h"
#include "changes.h"
#include "counting.h"
#include "figures.h"
#include "queries.h"
#include "rules.h"
#include "scores.h"
#include "statistics.h"

#define DAYS 365
#define HOUR 3600000ULL
#define DAY (24 * HOUR)

typedef struct {
    long reports, units, rounds;
    const char *dir;
    const char *keep; /* a folder that keeps the year, or NULL */
} s_options_t;

static double
s_clock_us (clockid_t clock)
{
    struct timespec now;
    clock_gettime (clock, &now);
    return (double) now.tv_sec * 1e6 + (double) now.tv_nsec / 1e3;
}

static double
s_now_us (void)
{
    return s_clock_us (CLOCK_MONOTONIC);
}

static int
s_double_order (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/* 08:00 local time on a day of 2026 (0: 1 January). */
static uint64_t
s_morning (long day_of_year)
{
    struct tm local = {.tm_year = 126,
                       .tm_mon = 0,
                       .tm_mday = 1 + (int) day_of_year,
                       .tm_hour = 8,
                       .tm_isdst = -1};
    return (uint64_t) mktime (&local) * 1000;
}

/* Unit i: 0 the city, 1..12 counties, then townships under the counties
   and one key unit in ten. */
static void
s_unit_name (long i, char *name, size_t size)
{
    snprintf (name, size, i == 0 ? "安陽市委組織部" : "單位%04ld", i);
}

/* The year being counted: the options, the service, and which day. */
typedef struct {
    const s_options_t *options;
    bs_service_t *service;
    long day;
    uint64_t seq;     /* the last event's sequence */
    uint64_t seq_day; /* the sequence the day starts after */
} s_year_t;

static int
s_count (s_year_t *year, MDB_txn *txn, const bs_schema_t *schema, void *record)
{
    bs_message_t event = {.schema = schema, .data = record, .seq = ++year->seq};
    snprintf (event.src, sizeof event.src, "bench");
    return statistics_count_event (year->service, txn, &event, NULL);
}

static int
s_register (s_year_t *year, MDB_txn *txn)
{
    int rc = BS_OK;
    for (long i = 0; rc == BS_OK && i < year->options->units; i++) {
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
        rc = s_count (year, txn, &bs_unit_schema, &unit);
    }
    return rc;
}

/* Report n (1-based) of the year: its day, unit and receipt. */
typedef struct {
    uint64_t id;
    long day;
    char unit[64];
    uint64_t received_at;
} s_report_t;

static void
s_report (const s_options_t *options, uint64_t id, s_report_t *report)
{
    report->id = id;
    report->day = (long) ((id - 1) * DAYS / (uint64_t) options->reports);
    s_unit_name ((long) (id * 7919 % (uint64_t) options->units), report->unit, sizeof report->unit);
    report->received_at = s_morning (report->day) + (id * 7 % 36000) * 1000;
}

/* The first report received on day (report n on day (n - 1) * 365 /
   reports, rounded down). */
static uint64_t
s_first_of_day (const s_options_t *options, long day)
{
    return ((uint64_t) day * (uint64_t) options->reports + DAYS - 1) / DAYS + 1;
}

static const char *
s_decision_of (uint64_t id)
{
    static const char *const words[] = {"adopt", "return", "decline", NULL, "adopt", NULL};
    return words[id % 6];
}

static int
s_receive (s_year_t *year, MDB_txn *txn, const s_report_t *report)
{
    static const char *const channels[] = {"web", "email", "phone", "direct"};
    static const char *const topics[] = {"党建", "干部", "人才", "基层"};
    char reg_no[32], officer[48];
    snprintf (reg_no, sizeof reg_no, "2026-%07llu", (unsigned long long) report->id);
    snprintf (officer, sizeof officer, "officer-%s-%llu", report->unit,
              (unsigned long long) report->id % 3);
    bs_report_t received = {.report_id = report->id,
                            .reg_no = reg_no,
                            .unit = (char *) report->unit,
                            .title = "標題",
                            .body = "正文",
                            .kind = report->id % 4 ? "情況報道" : "專題信息",
                            .topic = (char *) topics[report->id % 4],
                            .channel = (char *) channels[report->id / 3 % 4],
                            .received_at = report->received_at,
                            .version = 1,
                            .officer = report->id % 5 ? officer : NULL};
    return s_count (year, txn, &bs_report_schema, &received);
}

static int
s_decide (s_year_t *year, MDB_txn *txn, const s_report_t *report)
{
    const char *word = s_decision_of (report->id);
    if (!word)
        return BS_OK;
    bs_decision_t decision = {.report_id = report->id,
                              .reg_no = "2026-0000000",
                              .unit = (char *) report->unit,
                              .title = "標題",
                              .kind = "情況報道",
                              .decision = (char *) word,
                              .periodical = strcmp (word, "adopt") == 0 ? "組工信息" : NULL,
                              .critique = "好",
                              .received_at = report->received_at,
                              .decided_at = report->received_at + 2 * DAY};
    return s_count (year, txn, &bs_decision_schema, &decision);
}

/* Above: adopted at a level one adoption in twenty, a leader's comment
   one in forty, a week after the issue. */
static int
s_upward (s_year_t *year, MDB_txn *txn, const s_report_t *report, uint64_t at)
{
    static const char *const levels[] = {"county", "city", "province", "central"};
    int rc = BS_OK;
    if (report->id % 20 == 0) {
        bs_adopted_upward_t adopted = {.adoption_id = report->id,
                                       .report_id = report->id,
                                       .reg_no = "2026-0000000",
                                       .unit = (char *) report->unit,
                                       .level = (char *) levels[report->id / 20 % 4],
                                       .outlet = "河南組工信息",
                                       .adopted_at = at,
                                       .source = "callback"};
        rc = s_count (year, txn, &bs_adopted_upward_schema, &adopted);
    }
    if (rc == BS_OK && report->id % 40 == 0) {
        bs_instructed_t comment = {.instruction_id = report->id,
                                   .report_id = report->id,
                                   .reg_no = "2026-0000000",
                                   .unit = (char *) report->unit,
                                   .level = (char *) levels[report->id / 40 % 4],
                                   .leader = "領導",
                                   .text = "請推廣",
                                   .instructed_at = at};
        rc = s_count (year, txn, &bs_instructed_schema, &comment);
    }
    return rc;
}

/* The weekly issue of a Friday: every adoption decided in the seven days
   before it (received two days before each of those). */
static int
s_issue (s_year_t *year, MDB_txn *txn, long day)
{
    const s_options_t *options = year->options;
    long from = day - 9 < 0 ? 0 : day - 9, to = day - 2;
    if (to < 0)
        return BS_OK;
    uint64_t first = s_first_of_day (options, from), last = s_first_of_day (options, to);
    size_t count = 0;
    bs_issue_item_t *items = calloc (last - first + 1, sizeof *items);
    s_report_t *reports = calloc (last - first + 1, sizeof *reports);
    if (!items || !reports) {
        free (items);
        free (reports);
        return BS_E_SYSTEM;
    }
    for (uint64_t id = first; id < last; id++) {
        const char *word = s_decision_of (id);
        if (!word || strcmp (word, "adopt") != 0)
            continue;
        s_report (options, id, &reports[count]);
        items[count] = (bs_issue_item_t){.report_id = id,
                                         .reg_no = "2026-0000000",
                                         .unit = reports[count].unit,
                                         .title = "標題"};
        count++;
    }
    uint64_t at = s_morning (day) + 8 * HOUR;
    bs_issue_published_t issue = {.issue_id = (uint64_t) day,
                                  .periodical = "組工信息",
                                  .year = 2026,
                                  .number = (uint64_t) day / 7 + 1,
                                  .total = (uint64_t) day / 7 + 1,
                                  .published_at = at,
                                  .items = {count, items}};
    int rc = s_count (year, txn, &bs_issue_published_schema, &issue);
    for (size_t i = 0; rc == BS_OK && i < count; i++)
        rc = s_upward (year, txn, &reports[i], at + 7 * DAY);
    free (items);
    free (reports);
    return rc;
}

/* One day's events in one write transaction (run again whole when the
   store's map grows): the reports of the day, the decisions on those of
   two days before, the issue on a Friday, the feed's log pruned. */
static int
s_day (MDB_txn *txn, void *argument)
{
    s_year_t *year = argument;
    const s_options_t *options = year->options;
    long day = year->day;
    year->seq = year->seq_day;
    statistics_tally_forget (bs_service_held (year->service)); /* a day run again */
    int rc = day == 0 ? s_register (year, txn) : BS_OK;
    uint64_t first = s_first_of_day (options, day), next = s_first_of_day (options, day + 1);
    for (uint64_t id = first; rc == BS_OK && id < next && id <= (uint64_t) options->reports; id++) {
        s_report_t report;
        s_report (options, id, &report);
        rc = s_receive (year, txn, &report);
    }
    if (day >= 2) {
        uint64_t decided = s_first_of_day (options, day - 2);
        for (uint64_t id = decided; rc == BS_OK && id < first; id++) {
            s_report_t report;
            s_report (options, id, &report);
            rc = s_decide (year, txn, &report);
        }
    }
    struct tm local;
    time_t seconds = (time_t) (s_morning (day) / 1000);
    localtime_r (&seconds, &local);
    if (rc == BS_OK && local.tm_wday == 5)
        rc = s_issue (year, txn, day);
    if (rc == BS_OK) /* as the service writes them after a turn's events */
        rc = statistics_counting_write (year->service, txn, bs_service_held (year->service));
    for (int i = 0; rc == BS_OK && i < 3; i++)
        rc = statistics_changes_prune (year->service, txn, 0, NULL);
    return rc;
}

typedef struct {
    statistics_dbs_t dbs;
    statistics_rules_t rules;
} s_asked_t;

typedef int (s_question_fn) (MDB_txn *txn, const s_asked_t *asked, const void *request,
                             msgpack_sbuffer *reply);

static int
s_ranking (MDB_txn *txn, const s_asked_t *asked, const void *request, msgpack_sbuffer *reply)
{
    bs_ranking_page_t page;
    bs_error_t error;
    int rc = statistics_ranking (txn, &asked->dbs, request, &page, &error);
    if (rc == BS_OK) {
        rc = bs_codec_encode_record (reply, &bs_ranking_page_schema, &page);
        bs_codec_record_free (&bs_ranking_page_schema, &page);
    }
    return rc;
}

static int
s_figures (MDB_txn *txn, const s_asked_t *asked, const void *request, msgpack_sbuffer *reply)
{
    bs_stats_page_t page;
    bs_error_t error;
    int rc = statistics_query (txn, &asked->dbs, request, &page, &error);
    if (rc == BS_OK) {
        rc = bs_codec_encode_record (reply, &bs_stats_page_schema, &page);
        bs_codec_record_free (&bs_stats_page_schema, &page);
    }
    return rc;
}

static int
s_scores (MDB_txn *txn, const s_asked_t *asked, const void *request, msgpack_sbuffer *reply)
{
    bs_scores_page_t page;
    bs_error_t error;
    int rc = statistics_scores (txn, &asked->dbs, &asked->rules, request, &page, &error);
    if (rc == BS_OK) {
        rc = bs_codec_encode_record (reply, &bs_scores_page_schema, &page);
        bs_codec_record_free (&bs_scores_page_schema, &page);
    }
    return rc;
}

static int
s_authors (MDB_txn *txn, const s_asked_t *asked, const void *request, msgpack_sbuffer *reply)
{
    bs_authors_page_t page;
    bs_error_t error;
    int rc = statistics_authors (txn, &asked->dbs, &asked->rules, request, &page, &error);
    if (rc == BS_OK) {
        rc = bs_codec_encode_record (reply, &bs_authors_page_schema, &page);
        bs_codec_record_free (&bs_authors_page_schema, &page);
    }
    return rc;
}

static int
s_measure (bs_store_t *store, const s_asked_t *asked, const char *what, s_question_fn *ask,
           const void *request, long rounds)
{
    double *times = calloc ((size_t) rounds, sizeof *times);
    double *cpu = calloc ((size_t) rounds, sizeof *cpu);
    size_t bytes = 0;
    bool failed = !times || !cpu;
    for (long r = 0; !failed && r < rounds; r++) {
        msgpack_sbuffer reply;
        msgpack_sbuffer_init (&reply);
        double start = s_now_us (), cpu_start = s_clock_us (CLOCK_THREAD_CPUTIME_ID);
        MDB_txn *txn;
        int rc = bs_store_read_begin (store, &txn);
        if (rc == BS_OK) {
            rc = ask (txn, asked, request, &reply);
            mdb_txn_abort (txn);
        }
        times[r] = s_now_us () - start;
        cpu[r] = s_clock_us (CLOCK_THREAD_CPUTIME_ID) - cpu_start;
        bytes = reply.size;
        msgpack_sbuffer_destroy (&reply);
        if (rc) {
            fprintf (stderr, "bench_statistics: %s failed (%d)\n", what, rc);
            failed = true;
        }
    }
    if (!failed) {
        qsort (times, (size_t) rounds, sizeof *times, s_double_order);
        qsort (cpu, (size_t) rounds, sizeof *cpu, s_double_order);
        printf ("| %-52s | %8.0f | %8.0f | %8.0f | %8.0f | %7zu |\n", what, times[rounds / 2],
                times[rounds * 99 / 100], cpu[rounds / 2], cpu[rounds * 99 / 100], bytes);
    }
    free (times);
    free (cpu);
    return failed ? -1 : 0;
}

/* Ask each question rounds times and print its line. */
static int
s_ask_all (bs_service_t *service, const s_options_t *options)
{
    s_asked_t asked = {.dbs = {bs_service_dbi (service, "figures"),
                               bs_service_dbi (service, "values"),
                               bs_service_dbi (service, "units")}};
    bs_error_t error;
    if (statistics_rules_parse (statistics_rules_default, &asked.rules, &error) != BS_OK)
        return -1;
    char one[64];
    s_unit_name (options->units / 2, one, sizeof one);
    bs_ranking_request_t year_ranking = {.period = "2026", .by = "adopted"};
    bs_ranking_request_t quarter_ranking = {
        .period = "2026-Q2", .by = "submitted", .tier = "township"};
    bs_ranking_request_t range_ranking = {.period = "2026-03-15..2026-11-10", .by = "adopted"};
    bs_stats_request_t unit_year = {.period = "2026", .unit = one};
    bs_stats_request_t unit_range = {.period = "2026-03-15..2026-11-10", .unit = one};
    bs_stats_request_t all_month = {.period = "2026-11"};
    bs_stats_request_t all_rolled = {.period = "2026", .rollup = true};
    bs_scores_request_t scores_year = {.period = "2026"};
    bs_authors_request_t authors_year = {.period = "2026"};
    bs_authors_request_t unit_authors = {.period = "2026-Q3", .unit = one};
    const struct {
        const char *what;
        s_question_fn *ask;
        const void *request;
    } questions[] = {
        {"ranking by adopted, year, every tier", s_ranking, &year_ranking},
        {"ranking by submitted, 2026-Q2, townships", s_ranking, &quarter_ranking},
        {"ranking by adopted, 2026-03-15..2026-11-10", s_ranking, &range_ranking},
        {"one unit's figures, year", s_figures, &unit_year},
        {"one unit's figures, 2026-03-15..2026-11-10", s_figures, &unit_range},
        {"every unit's figures, 2026-11", s_figures, &all_month},
        {"every unit's figures, year, rolled up", s_figures, &all_rolled},
        {"scores of every unit, year", s_scores, &scores_year},
        {"authors, year, ranked by points", s_authors, &authors_year},
        {"one unit's authors, 2026-Q3", s_authors, &unit_authors},
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof questions / sizeof questions[0]; i++)
        rc = s_measure (bs_service_store (service), &asked, questions[i].what, questions[i].ask,
                        questions[i].request, options->rounds);
    statistics_rules_clear (&asked.rules);
    return rc;
}

/* A statistics service (no sockets) in folder, with its certificates. */
static bs_service_t *
s_service (const char *folder, bs_config_t **config)
{
    char path[4200];
    snprintf (path, sizeof path, "%s/baosong.conf", folder);
    FILE *file = fopen (path, "w");
    if (!file)
        return NULL;
    /* The map starts big (growing it means running a day again) and the
       bench builds without fsync: what is measured is the reading. */
    fprintf (file,
             "data_dir = %s/data\nlog_level = error\nno_sync = 1\nmap_size_mb = 4096\n"
             "map_size_max_mb = 65536\nstatistics.log_keep = 1000\n",
             folder);
    fclose (file);
    bs_error_t error;
    *config = bs_config_load (path, &error);
    static const char *const services[] = {"statistics", NULL};
    char *keys = *config ? bs_keys_folder (*config) : NULL;
    bs_service_t *service = NULL;
    if (keys && bs_keys_ensure (keys, services, NULL, &error) == BS_OK)
        service = bs_service_new ("statistics", *config, statistics_databases, &error);
    if (service && statistics_counting_hold (service) != BS_OK) {
        bs_error_set (&error, BS_E_SYSTEM, "", "out of memory");
        bs_service_destroy (&service);
    }
    if (!service)
        fprintf (stderr, "bench_statistics: %s\n", error.text);
    free (keys);
    return service;
}

static int
s_options (int argc, char **argv, s_options_t *options)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp (argv[i], "--reports") == 0)
            options->reports = atol (argv[i + 1]);
        else if (strcmp (argv[i], "--units") == 0)
            options->units = atol (argv[i + 1]);
        else if (strcmp (argv[i], "--rounds") == 0)
            options->rounds = atol (argv[i + 1]);
        else if (strcmp (argv[i], "--dir") == 0)
            options->dir = argv[i + 1];
        else if (strcmp (argv[i], "--keep") == 0)
            options->keep = argv[i + 1];
        else
            return -1;
    }
    if (argc % 2 == 0 || options->units < 13 || options->rounds < 1 || options->reports < DAYS)
        return -1;
    return 0;
}

int
main (int argc, char **argv)
{
    s_options_t options = {1000000, 100, 300, getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp", NULL};
    if (s_options (argc, argv, &options) != 0) {
        fprintf (stderr, "usage: bench_statistics [--reports N (365 or more)] [--units N (13 or "
                         "more)] [--rounds N] [--dir FOLDER] [--keep FOLDER]\n");
        return 2;
    }
    char folder[4096], marker[4200], made[64], want[64];
    if (options.keep) {
        snprintf (folder, sizeof folder, "%s", options.keep);
        if (mkdir (folder, 0700) != 0 && errno != EEXIST) {
            perror ("bench_statistics: --keep");
            return 1;
        }
    } else {
        snprintf (folder, sizeof folder, "%s/bench-statistics-XXXXXX", options.dir);
        if (!mkdtemp (folder)) {
            perror ("bench_statistics: mkdtemp");
            return 1;
        }
    }
    /* A kept year says what it holds: "<reports> <units> <events> <seconds>". */
    snprintf (marker, sizeof marker, "%s/year", folder);
    snprintf (want, sizeof want, "%ld %ld ", options.reports, options.units);
    FILE *kept = options.keep ? fopen (marker, "r") : NULL;
    bool reuse =
        kept && fgets (made, sizeof made, kept) && strncmp (made, want, strlen (want)) == 0;
    if (kept)
        fclose (kept);
    char command[4200];
    if (options.keep && !reuse) {
        /* A year half built (a run stopped) would count twice: start over. */
        snprintf (command, sizeof command, "rm -rf '%s/data' '%s'", folder, marker);
        if (system (command) != 0)
            fprintf (stderr, "bench_statistics: could not empty %s\n", folder);
    }
    bs_config_t *config = NULL;
    bs_service_t *service = s_service (folder, &config);
    s_year_t year = {.options = &options, .service = service};
    double start = s_now_us (), built = 0;
    int rc = service ? BS_OK : BS_E_SYSTEM;
    if (reuse)
        sscanf (made + strlen (want), "%" SCNu64 " %lf", &year.seq, &built);
    for (year.day = 0; !reuse && rc == BS_OK && year.day < DAYS; year.day++) {
        rc = bs_store_write (bs_service_store (service), s_day, &year);
        year.seq_day = year.seq;
    }
    if (!reuse)
        built = (s_now_us () - start) / 1e6;
    if (!reuse && rc == BS_OK && options.keep && (kept = fopen (marker, "w"))) {
        fprintf (kept, "%s%" PRIu64 " %.1f\n", want, year.seq, built);
        fclose (kept);
    }
    if (rc == BS_OK) {
        MDB_txn *txn;
        MDB_stat stat = {0};
        if (bs_store_read_begin (bs_service_store (service), &txn) == BS_OK) {
            mdb_stat (txn, bs_service_dbi (service, "figures"), &stat);
            mdb_txn_abort (txn);
        }
        printf ("statistics over %ld reports (%.0f events counted), %ld units, a year of days: "
                "%zu rows of figures, counted in %.1f s (%.0f events/s); %ld rounds each, "
                "microseconds\n\n",
                options.reports, (double) year.seq, options.units, (size_t) stat.ms_entries, built,
                (double) year.seq / built, options.rounds);
        printf ("| %-52s | %8s | %8s | %8s | %8s | %7s |\n", "question (answer encoded)", "p50 µs",
                "p99 µs", "CPU p50", "CPU p99", "bytes");
        printf ("|------------------------------------------------------|----------|----------|"
                "----------|----------|---------|\n");
        rc = s_ask_all (service, &options);
    } else
        fprintf (stderr, "bench_statistics: counting day %ld failed: %s\n", year.day,
                 bs_error_name (rc));
    bs_service_destroy (&service);
    bs_config_destroy (&config);
    snprintf (command, sizeof command, "rm -rf '%s'", folder);
    if (!options.keep && system (command) != 0)
        fprintf (stderr, "bench_statistics: could not remove %s\n", folder);
    return rc ? 1 : 0;
}
