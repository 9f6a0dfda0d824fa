/*  statistics: measures, periods, the figures store, the unit tree,
    queries and rankings per tier, on a real LMDB store without sockets. */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs_codec.h"
#include "bs_store.h"
#include "bs_test.h"
#include "figures.h"
#include "queries.h"
#include "units.h"

static void
test_equal_values_share_a_rank (void **state)
{
    (void) state;
    bs_rank_row_t rows[] = {
        {.unit = "滑縣", .value = 3},   {.unit = "林州市", .value = 7},
        {.unit = "內黃縣", .value = 3}, {.unit = "湯陰縣", .value = 7},
        {.unit = "殷都區", .value = 1}, {.unit = "北關區", .value = 0},
    };
    statistics_rank (rows, 6);
    /* 7, 7, 3, 3, 1, 0 -> 1, 1, 3, 3, 5, 6 ("1224" competition ranking). */
    uint64_t ranks[] = {1, 1, 3, 3, 5, 6};
    uint64_t values[] = {7, 7, 3, 3, 1, 0};
    for (int i = 0; i < 6; i++) {
        assert_int_equal (rows[i].rank, ranks[i]);
        assert_int_equal (rows[i].value, values[i]);
    }
    /* Ties are listed in a stable order: by unit name. */
    assert_true (strcmp (rows[0].unit, rows[1].unit) < 0);
    assert_true (strcmp (rows[2].unit, rows[3].unit) < 0);
}

static void
test_ranks_restart_in_each_tier (void **state)
{
    (void) state;
    bs_rank_row_t rows[] = {
        {.unit = "a", .tier = "county", .value = 2},
        {.unit = "b", .tier = "key_unit", .value = 9},
        {.unit = "c", .tier = "county", .value = 5},
        {.unit = "d", .tier = "key_unit", .value = 9},
        {.unit = "e", .tier = "township", .value = 0},
        {.unit = "f", .tier = "county", .value = 2},
    };
    statistics_rank (rows, 6);
    const char *units[] = {"c", "a", "f", "e", "b", "d"};
    uint64_t ranks[] = {1, 2, 2, 1, 1, 1};
    for (int i = 0; i < 6; i++) {
        assert_string_equal (rows[i].unit, units[i]);
        assert_int_equal (rows[i].rank, ranks[i]);
    }
    statistics_rank (rows, 0); /* nothing to rank is not an error */
}

static void
test_every_decision_word_is_a_measure (void **state)
{
    (void) state;
    /* The measure a decision counts is named as the state it reaches. */
#define S_CHECK(IDENT, word, reached)                                                              \
    assert_string_equal (statistics_measure_name (statistics_measure_of_decision (word)), reached);
    BS_DECISIONS (S_CHECK)
#undef S_CHECK
    assert_int_equal (statistics_measure_of_decision ("revert"), STATISTICS_NONE);
    assert_int_equal (statistics_measure_of_decision (""), STATISTICS_NONE);
    assert_int_equal (statistics_measure_named ("adopted_province"), STATISTICS_ADOPTED_PROVINCE);
    assert_int_equal (statistics_measure_adopted_at ("central"), STATISTICS_ADOPTED_CENTRAL);
    assert_int_equal (statistics_measure_instructed_at ("city"), STATISTICS_INSTRUCTED_CITY);
    assert_int_equal (statistics_measure_adopted_at ("moon"), STATISTICS_NONE);
    assert_int_equal (statistics_measure_named ("foo"), STATISTICS_NONE);
}

static void
s_expect_spans (const char *text, const char *const *spans, size_t count)
{
    statistics_period_t period;
    assert_int_equal (statistics_period_parse (text, &period), 0);
    assert_int_equal (period.count, count);
    for (size_t i = 0; i < count; i++) {
        assert_string_equal (period.spans[i].first, spans[2 * i]);
        assert_string_equal (period.spans[i].last, spans[2 * i + 1]);
    }
}

static void
test_periods_are_spans_of_buckets (void **state)
{
    (void) state;
    s_expect_spans ("2026", (const char *[]){"Y2026", "Y2026"}, 1);
    s_expect_spans ("", (const char *[]){"Y0000", "Y9999"}, 1);
    s_expect_spans ("all", (const char *[]){"Y0000", "Y9999"}, 1);
    s_expect_spans ("2026-Q1", (const char *[]){"M2026-01", "M2026-03"}, 1);
    s_expect_spans ("2026-Q4", (const char *[]){"M2026-10", "M2026-12"}, 1);
    s_expect_spans ("2026-H2", (const char *[]){"M2026-07", "M2026-12"}, 1);
    s_expect_spans ("2026-11", (const char *[]){"M2026-11", "M2026-11"}, 1);
    s_expect_spans ("2026-11-03", (const char *[]){"D2026-11-03", "D2026-11-03"}, 1);
    s_expect_spans ("2026-03-15..2026-05-10",
                    (const char *[]){"D2026-03-15", "D2026-03-31", "M2026-04", "M2026-04",
                                     "D2026-05-01", "D2026-05-10"},
                    3);
    s_expect_spans ("2026-03-01..2026-04-30", (const char *[]){"M2026-03", "M2026-04"}, 1);
    s_expect_spans ("2026-03-02..2026-03-09", (const char *[]){"D2026-03-02", "D2026-03-09"}, 1);
    s_expect_spans ("2026-12-31..2027-01-01",
                    (const char *[]){"D2026-12-31", "D2026-12-31", "D2027-01-01", "D2027-01-01"},
                    2);
    s_expect_spans ("2028-02-01..2028-02-29", (const char *[]){"M2028-02", "M2028-02"}, 1);
    statistics_period_t period;
    const char *bad[] = {"2026-Q5", "2026-Q0",    "2026-H3",    "2026-13",
                         "2026-00", "26",         "2026-02-30", "2026-05-10..2026-03-15",
                         "2026-1",  "last month", "2026-11-3",  "2027-02-29"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal (statistics_period_parse (bad[i], &period), -1);
}

static void
test_percentiles_come_from_the_histogram (void **state)
{
    (void) state;
    statistics_counters_t counters = {0};
    assert_int_equal (statistics_percentile_ms (&counters, 0.5), 0);
    uint64_t hour = 3600000;
    /* 10 decisions: 5 within an hour, 4 within 24 h, 1 after 60 days. */
    for (int i = 0; i < 5; i++)
        counters.slot[STATISTICS_MEASURES + statistics_bin_of (hour / 2)]++;
    for (int i = 0; i < 4; i++)
        counters.slot[STATISTICS_MEASURES + statistics_bin_of (20 * hour)]++;
    counters.slot[STATISTICS_MEASURES + statistics_bin_of (60 * 24 * hour)]++;
    assert_int_equal (statistics_percentile_ms (&counters, 0.5), hour);
    assert_int_equal (statistics_percentile_ms (&counters, 0.9), 24 * hour);
    assert_int_equal (statistics_percentile_ms (&counters, 1.0), UINT64_MAX);
    assert_int_equal (statistics_bin_of (hour), 0);
    assert_int_equal (statistics_bin_of (hour + 1), 1);
}

/* A store with the statistics databases, for the tests below. */
typedef struct {
    char *folder;
    MDB_env *env;
    MDB_txn *txn;
    statistics_dbs_t dbs;
} s_store_t;

static void
s_store_open (s_store_t *store)
{
    store->folder = bs_test_temp_dir ("statistics");
    assert_int_equal (mdb_env_create (&store->env), 0);
    mdb_env_set_maxdbs (store->env, 8);
    mdb_env_set_mapsize (store->env, 64u << 20);
    assert_int_equal (mdb_env_open (store->env, store->folder, MDB_NOSYNC, 0600), 0);
    assert_int_equal (mdb_txn_begin (store->env, NULL, 0, &store->txn), 0);
    assert_int_equal (mdb_dbi_open (store->txn, "figures", MDB_CREATE, &store->dbs.figures), 0);
    assert_int_equal (mdb_dbi_open (store->txn, "values", MDB_CREATE, &store->dbs.values), 0);
    assert_int_equal (mdb_dbi_open (store->txn, "units", MDB_CREATE, &store->dbs.units), 0);
}

static void
s_store_close (s_store_t *store)
{
    mdb_txn_abort (store->txn);
    mdb_env_close (store->env);
    bs_folder_remove (store->folder);
    free (store->folder);
}

static void
s_unit (s_store_t *store, const char *name, const char *parent, const char *level, const char *kind)
{
    bs_unit_t unit = {.name = (char *) name,
                      .parent = (char *) parent,
                      .level = (char *) level,
                      .kind = (char *) kind};
    assert_int_equal (statistics_units_register (store->txn, store->dbs.units, &unit), 0);
}

/* Local noon of a date, in ms. */
static uint64_t
s_noon (int year, int month, int day)
{
    struct tm local = {
        .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = 12, .tm_isdst = -1};
    return (uint64_t) mktime (&local) * 1000;
}

static void
s_count (s_store_t *store, const char *unit, const char *channel, statistics_measure_t measure,
         uint64_t at)
{
    statistics_subject_t subject = {.unit = unit, .values = {NULL, channel, "信息", NULL, NULL}};
    statistics_change_t change = {.measure = measure,
                                  .delta = 1,
                                  .decision = measure == STATISTICS_ADOPTED,
                                  .waited_ms = 3 * 3600000};
    assert_int_equal (statistics_figures_seen (store->txn, store->dbs.values, &subject), 0);
    statistics_tally_t *tally = statistics_tally_new ();
    assert_non_null (tally);
    assert_int_equal (statistics_figures_add (tally, store->txn, store->dbs.figures,
                                              STATISTICS_BASIS_PUBLISHED, at, &subject, &change,
                                              NULL),
                      0);
    assert_int_equal (statistics_tally_write (tally, store->txn, store->dbs.figures), 0);
    statistics_tally_destroy (&tally);
}

static const bs_stats_row_t *
s_row (const bs_stats_page_t *page, const char *unit, const char *value)
{
    const bs_stats_row_t *rows = page->rows.items;
    for (size_t i = 0; i < page->rows.count; i++)
        if (strcmp (rows[i].unit, unit) == 0 && strcmp (rows[i].value, value ? value : "") == 0)
            return &rows[i];
    fail_msg ("no row for %s", unit);
    return NULL;
}

/* 安陽市 > 滑縣 > 城關鎮, 安陽市 > 林州市, and a key unit under the city. */
static void
s_tree (s_store_t *store)
{
    s_unit (store, "安陽市委組織部", "", "city", "department");
    s_unit (store, "滑縣委組織部", "安陽市委組織部", "county", "department");
    s_unit (store, "林州市委組織部", "安陽市委組織部", "county", "department");
    s_unit (store, "城關鎮", "滑縣委組織部", "township", "department");
    s_unit (store, "安陽鋼鐵", "安陽市委組織部", "county", "key_unit");
}

static void
test_figures_sum_any_period_and_roll_up (void **state)
{
    (void) state;
    s_store_t store;
    s_store_open (&store);
    s_tree (&store);
    s_count (&store, "滑縣委組織部", "web", STATISTICS_SUBMITTED, s_noon (2026, 3, 14));
    s_count (&store, "滑縣委組織部", "email", STATISTICS_SUBMITTED, s_noon (2026, 3, 15));
    s_count (&store, "滑縣委組織部", "web", STATISTICS_ADOPTED, s_noon (2026, 4, 2));
    s_count (&store, "城關鎮", "phone", STATISTICS_SUBMITTED, s_noon (2026, 5, 10));
    s_count (&store, "城關鎮", "phone", STATISTICS_SUBMITTED, s_noon (2026, 5, 11));
    s_count (&store, "林州市委組織部", "web", STATISTICS_SUBMITTED, s_noon (2027, 1, 1));

    struct {
        const char *period;
        uint64_t county, township;
    } cases[] = {{"2026", 2, 2},
                 {"2026-Q1", 2, 0},
                 {"2026-Q2", 0, 2},
                 {"2026-H1", 2, 2},
                 {"2026-03", 2, 0},
                 {"2026-03-15", 1, 0},
                 {"2026-03-15..2026-05-10", 1, 1},
                 {"", 2, 2},
                 {"2026-05-11..2027-12-31", 0, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        bs_stats_request_t query = {.period = (char *) cases[c].period};
        bs_stats_page_t page;
        bs_error_t error;
        assert_int_equal (statistics_query (store.txn, &store.dbs, &query, &page, &error), BS_OK);
        /* Every unit, in tree order, the quiet ones with zeros. */
        const char *order[] = {"安陽市委組織部", "安陽鋼鐵", "林州市委組織部", "滑縣委組織部",
                               "城關鎮"};
        assert_int_equal (page.rows.count, 5);
        for (size_t i = 0; i < 5; i++)
            assert_string_equal (((bs_stats_row_t *) page.rows.items)[i].unit, order[i]);
        assert_int_equal (s_row (&page, "滑縣委組織部", "")->submitted, cases[c].county);
        assert_int_equal (s_row (&page, "城關鎮", "")->submitted, cases[c].township);
        assert_int_equal (s_row (&page, "安陽市委組織部", "")->submitted, 0);
        assert_string_equal (s_row (&page, "安陽鋼鐵", "")->tier, "key_unit");
        bs_codec_record_free (&bs_stats_page_schema, &page);

        /* Rolled up, the city holds the whole tree, the county its township. */
        query.rollup = true;
        assert_int_equal (statistics_query (store.txn, &store.dbs, &query, &page, &error), BS_OK);
        uint64_t lin_zhou = cases[c].period[0] == 0 || strstr (cases[c].period, "2027") ? 1 : 0;
        assert_int_equal (s_row (&page, "安陽市委組織部", "")->submitted,
                          cases[c].county + cases[c].township + lin_zhou);
        assert_int_equal (s_row (&page, "滑縣委組織部", "")->submitted,
                          cases[c].county + cases[c].township);
        assert_true (s_row (&page, "滑縣委組織部", "")->rolled_up);
        bs_codec_record_free (&bs_stats_page_schema, &page);
    }

    /* Split by channel: one row per unit and channel seen. */
    bs_stats_request_t by_channel = {.period = "2026", .dimension = "channel"};
    bs_stats_page_t page;
    bs_error_t error;
    assert_int_equal (statistics_query (store.txn, &store.dbs, &by_channel, &page, &error), BS_OK);
    assert_int_equal (page.rows.count, 5 * 3); /* email, phone, web */
    assert_int_equal (s_row (&page, "滑縣委組織部", "web")->submitted, 1);
    assert_int_equal (s_row (&page, "滑縣委組織部", "web")->adopted, 1);
    assert_int_equal (s_row (&page, "滑縣委組織部", "web")->decision_p50_ms, 4 * 3600000);
    assert_int_equal (s_row (&page, "城關鎮", "phone")->submitted, 2);
    assert_int_equal (s_row (&page, "城關鎮", "web")->submitted, 0);
    bs_codec_record_free (&bs_stats_page_schema, &page);

    /* One unit, and one tier. */
    bs_stats_request_t one = {.unit = "城關鎮"};
    assert_int_equal (statistics_query (store.txn, &store.dbs, &one, &page, &error), BS_OK);
    assert_int_equal (page.rows.count, 1);
    bs_codec_record_free (&bs_stats_page_schema, &page);
    bs_stats_request_t counties = {.tier = "county"};
    assert_int_equal (statistics_query (store.txn, &store.dbs, &counties, &page, &error), BS_OK);
    assert_int_equal (page.rows.count, 2);
    bs_codec_record_free (&bs_stats_page_schema, &page);
    s_store_close (&store);
}

/* Count submitted once for unit (channel web, kind 信息) at `at` into
   tally, under basis published, as a turn's events do. */
static void
s_tally_count (s_store_t *store, statistics_tally_t *tally, const char *unit, uint64_t at)
{
    statistics_subject_t subject = {.unit = unit, .values = {NULL, "web", "信息", NULL, NULL}};
    statistics_change_t change = {.measure = STATISTICS_SUBMITTED, .delta = 1};
    assert_int_equal (statistics_figures_seen (store->txn, store->dbs.values, &subject), 0);
    assert_int_equal (statistics_figures_add (tally, store->txn, store->dbs.figures,
                                              STATISTICS_BASIS_PUBLISHED, at, &subject, &change,
                                              NULL),
                      0);
}

/* unit's submitted in period, its totals (dimension NULL) or its web
   channel's. */
static uint64_t
s_submitted (s_store_t *store, const char *unit, const char *period, const char *dimension)
{
    bs_stats_request_t query = {
        .unit = (char *) unit, .period = (char *) period, .dimension = (char *) dimension};
    bs_stats_page_t page;
    bs_error_t error;
    assert_int_equal (statistics_query (store->txn, &store->dbs, &query, &page, &error), BS_OK);
    uint64_t submitted = s_row (&page, unit, dimension ? "web" : NULL)->submitted;
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return submitted;
}

/* A run of counts of one slice finds its rows where the slice's last
   count left them (figures.c), but only while the tally holds them: once
   the tally is full and written, and once a turn's rows are forgotten,
   the next count of the slice reads them again. Counted wrong, the
   rows of the slice would miss counts, or another unit's would gain. */
static void
test_a_slice_counted_again_after_its_rows_are_let_go (void **state)
{
    (void) state;
    s_store_t store;
    s_store_open (&store);
    s_tree (&store);
    const char *county = "滑縣委組織部";
    uint64_t at = s_noon (2026, 3, 14);
    statistics_tally_t *tally = statistics_tally_new ();
    assert_non_null (tally);
    s_tally_count (&store, tally, county, at);
    s_tally_count (&store, tally, county, at); /* the slice's last rows */

    /* 600 other units' counts, 9 rows each: the tally is full (4,096
       rows) and written on the way, its rows then other units'. The
       county's 9 rows and 454 units' make 4,095, so the 455th unit's
       year is the 4,096th row and its month finds the tally full: its
       slice's rows are let go while they are counted. */
    char unit[32];
    for (int i = 0; i < 600; i++) {
        snprintf (unit, sizeof unit, "單位%03d", i);
        assert_int_equal (statistics_units_seen (store.txn, store.dbs.units, unit), BS_OK);
        s_tally_count (&store, tally, unit, at);
        if (i == 454)
            s_tally_count (&store, tally, unit, at);
    }
    s_tally_count (&store, tally, county, at);

    /* A turn that will not commit: its counts, in a transaction of its
       own given up, forgotten with its rows. */
    assert_int_equal (statistics_tally_write (tally, store.txn, store.dbs.figures), 0);
    MDB_txn *parent = store.txn;
    assert_int_equal (mdb_txn_begin (store.env, parent, 0, &store.txn), 0);
    s_tally_count (&store, tally, county, at);
    s_tally_count (&store, tally, county, at);
    mdb_txn_abort (store.txn);
    store.txn = parent;
    statistics_tally_forget (tally);
    s_tally_count (&store, tally, county, at);
    assert_int_equal (statistics_tally_write (tally, store.txn, store.dbs.figures), 0);
    statistics_tally_destroy (&tally);

    const char *periods[] = {"2026-03-14", "2026-03", "2026"};
    for (size_t p = 0; p < 3; p++) {
        assert_int_equal (s_submitted (&store, county, periods[p], NULL), 4);
        assert_int_equal (s_submitted (&store, county, periods[p], "channel"), 4);
        assert_int_equal (s_submitted (&store, "單位000", periods[p], NULL), 1);
        assert_int_equal (s_submitted (&store, "單位454", periods[p], NULL), 2);
        assert_int_equal (s_submitted (&store, "單位599", periods[p], "channel"), 1);
    }
    s_store_close (&store);
}

/* How a run of the service ends. */
typedef enum { S_COMMITTED, S_WRITTEN_ABORTED, S_COUNTED_ABORTED } s_run_end_t;

/* A run of the service: a write transaction that begins with the
   tally's forget, as bs_service_hold's does, after which the tally
   holds held rows, none dirty; one count of county, then the run ends
   as end says. */
static void
s_run (s_store_t *store, statistics_tally_t *tally, const char *county, uint64_t at, size_t held,
       s_run_end_t end)
{
    assert_int_equal (mdb_txn_begin (store->env, NULL, 0, &store->txn), 0);
    statistics_tally_forget (tally);
    size_t now_held, dirty;
    statistics_tally_count (tally, &now_held, &dirty);
    assert_int_equal (now_held, held);
    assert_int_equal (dirty, 0);
    s_tally_count (store, tally, county, at);
    statistics_tally_count (tally, &now_held, &dirty);
    assert_int_equal (now_held, 9); /* totals, channel, kind; year, month, day */
    assert_int_equal (dirty, 9);
    if (end != S_COUNTED_ABORTED)
        assert_int_equal (statistics_tally_write (tally, store->txn, store->dbs.figures), 0);
    if (end == S_COMMITTED)
        assert_int_equal (mdb_txn_commit (store->txn), 0);
    else
        mdb_txn_abort (store->txn);
}

/* The rows a run wrote stay held for the next runs once its transaction
   has committed, and are counted there without being read; a run that
   wrote them and did not commit, or counted and did not write, lets
   every row go, so the next reads what figures holds. Kept wrongly, a
   count given up would be written by the next run. */
static void
test_rows_held_across_runs_once_committed (void **state)
{
    (void) state;
    s_store_t store;
    s_store_open (&store);
    s_tree (&store);
    assert_int_equal (mdb_txn_commit (store.txn), 0);
    const char *county = "滑縣委組織部";
    uint64_t at = s_noon (2026, 3, 14);
    statistics_tally_t *tally = statistics_tally_new ();
    assert_non_null (tally);
    s_run (&store, tally, county, at, 0, S_COMMITTED);       /* counted 1 */
    s_run (&store, tally, county, at, 9, S_COMMITTED);       /* 2: held, not read */
    s_run (&store, tally, county, at, 9, S_WRITTEN_ABORTED); /* given up */
    s_run (&store, tally, county, at, 0, S_COMMITTED);       /* let go: 3 */
    s_run (&store, tally, county, at, 9, S_COUNTED_ABORTED); /* given up */
    s_run (&store, tally, county, at, 0, S_COMMITTED);       /* let go: 4 */
    statistics_tally_destroy (&tally);

    assert_int_equal (mdb_txn_begin (store.env, NULL, 0, &store.txn), 0);
    const char *periods[] = {"2026-03-14", "2026-03", "2026"};
    for (size_t p = 0; p < 3; p++) {
        assert_int_equal (s_submitted (&store, county, periods[p], NULL), 4);
        assert_int_equal (s_submitted (&store, county, periods[p], "channel"), 4);
    }
    s_store_close (&store);
}

/* A row as versions before the sparse rows stored it: every slot a
   native uint64_t. */
static void
s_put_native_row (s_store_t *store, const char *key, const statistics_counters_t *row)
{
    MDB_val k = {strlen (key), (void *) key}, v = {sizeof *row, (void *) row};
    assert_int_equal (bs_store_put (store->txn, store->dbs.figures, &k, &v, 0), 0);
}

static void
test_rows_are_stored_sparse_and_old_rows_still_read (void **state)
{
    (void) state;
    s_store_t store;
    s_store_open (&store);
    s_tree (&store);
    /* A month an earlier version counted: 5 submitted, 1 adopted after
       3 hours (the bin of 2 to 4 hours), 300 returned. */
    statistics_counters_t old = {0};
    old.slot[STATISTICS_SUBMITTED] = 5;
    old.slot[STATISTICS_ADOPTED] = 1;
    old.slot[STATISTICS_RETURNED] = 300;
    old.slot[STATISTICS_DECIDED] = 1;
    old.slot[STATISTICS_DECISION_MS] = 3 * 3600000;
    old.slot[STATISTICS_MEASURES + statistics_bin_of (3 * 3600000)] = 1;
    const char *month = "p\x1f-\x1f\x1f滑縣委組織部\x1fM2026-03";
    s_put_native_row (&store, month, &old);

    bs_stats_request_t query = {.period = "2026-03", .unit = "滑縣委組織部"};
    bs_stats_page_t page;
    bs_error_t error;
    assert_int_equal (statistics_query (store.txn, &store.dbs, &query, &page, &error), BS_OK);
    assert_int_equal (s_row (&page, "滑縣委組織部", "")->submitted, 5);
    assert_int_equal (s_row (&page, "滑縣委組織部", "")->returned, 300);
    assert_int_equal (s_row (&page, "滑縣委組織部", "")->decision_p50_ms, 4 * 3600000);
    bs_codec_record_free (&bs_stats_page_schema, &page);

    /* Counted again: the old row is rewritten sparse, nothing lost. */
    s_count (&store, "滑縣委組織部", "web", STATISTICS_ADOPTED, s_noon (2026, 3, 14));
    s_count (&store, "滑縣委組織部", "web", STATISTICS_SUBMITTED, s_noon (2026, 3, 14));
    assert_int_equal (statistics_query (store.txn, &store.dbs, &query, &page, &error), BS_OK);
    const bs_stats_row_t *row = s_row (&page, "滑縣委組織部", "");
    assert_int_equal (row->submitted, 6);
    assert_int_equal (row->adopted, 2);
    assert_int_equal (row->returned, 300);
    assert_int_equal (row->decided, 2);
    assert_int_equal (row->decision_ms, 2 * 3 * 3600000);
    bs_codec_record_free (&bs_stats_page_schema, &page);

    /* Every row takes a few bytes, not a uint64_t per slot. */
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (store.txn, store.dbs.figures, &cursor), 0);
    MDB_val key, value;
    size_t rows = 0;
    int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    while (rc == 0) {
        rows++;
        assert_true (value.mv_size < 24);
        assert_true (value.mv_size % 8 != 0);
        rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    assert_int_equal (rows, 3 * 3); /* totals, channel, kind; year, month, day */
    s_store_close (&store);
}

static void
test_ranking_per_tier_includes_quiet_units (void **state)
{
    (void) state;
    s_store_t store;
    s_store_open (&store);
    s_tree (&store);
    s_count (&store, "林州市委組織部", "web", STATISTICS_SUBMITTED, s_noon (2026, 3, 14));
    bs_ranking_request_t query = {.by = "submitted", .period = "2026-Q1"};
    bs_ranking_page_t page;
    bs_error_t error;
    assert_int_equal (statistics_ranking (store.txn, &store.dbs, &query, &page, &error), BS_OK);
    const bs_rank_row_t *rows = page.rows.items;
    assert_int_equal (page.rows.count, 5);
    /* city, then counties (林州 first, 滑縣 second with zero), township, key unit. */
    assert_string_equal (rows[0].unit, "安陽市委組織部");
    assert_int_equal (rows[0].rank, 1);
    assert_string_equal (rows[1].unit, "林州市委組織部");
    assert_int_equal (rows[1].rank, 1);
    assert_string_equal (rows[2].unit, "滑縣委組織部");
    assert_int_equal (rows[2].rank, 2);
    assert_int_equal (rows[2].value, 0);
    assert_string_equal (rows[3].tier, "township");
    assert_string_equal (rows[4].tier, "key_unit");
    bs_codec_record_free (&bs_ranking_page_schema, &page);

    struct {
        bs_ranking_request_t query;
        const char *field;
    } bad[] = {
        {{.by = "foo"}, "by"},
        {{.period = "2026-Q9"}, "period"},
        {{.tier = "galaxy"}, "tier"},
        {{.basis = "someday"}, "basis"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal (statistics_ranking (store.txn, &store.dbs, &bad[i].query, &page, &error),
                          BS_E_INVALID);
        assert_string_equal (error.field, bad[i].field);
    }
    bs_stats_request_t unknown = {.unit = "不存在縣"};
    bs_stats_page_t figures;
    assert_int_equal (statistics_query (store.txn, &store.dbs, &unknown, &figures, &error),
                      BS_E_NOT_FOUND);
    assert_string_equal (error.field, "unit");
    bs_stats_request_t dimension = {.dimension = "weather"};
    assert_int_equal (statistics_query (store.txn, &store.dbs, &dimension, &figures, &error),
                      BS_E_INVALID);
    assert_string_equal (error.field, "dimension");
    s_store_close (&store);
}

int
main (void)
{
    setenv ("TZ", "Asia/Shanghai", 1);
    tzset ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_equal_values_share_a_rank),
        cmocka_unit_test (test_ranks_restart_in_each_tier),
        cmocka_unit_test (test_every_decision_word_is_a_measure),
        cmocka_unit_test (test_periods_are_spans_of_buckets),
        cmocka_unit_test (test_percentiles_come_from_the_histogram),
        cmocka_unit_test (test_figures_sum_any_period_and_roll_up),
        cmocka_unit_test (test_ranking_per_tier_includes_quiet_units),
        cmocka_unit_test (test_rows_are_stored_sparse_and_old_rows_still_read),
        cmocka_unit_test (test_a_slice_counted_again_after_its_rows_are_let_go),
        cmocka_unit_test (test_rows_held_across_runs_once_committed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
