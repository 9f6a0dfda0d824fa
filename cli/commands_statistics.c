/*  commands_statistics: `baosong stats`, `ranking` and `feed`, the commands
    that read the statistics service: its figures (statistics.query: every
    unit in tree order, indented under its parent, units of one parent by
    name, as the output says), its ranking of units
    within their tiers (statistics.ranking) and its live PUB feed of
    statistics.changed messages, which starts from the current figures.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "bs_clock.h"
#include "bs_socket.h"
#include "cli.h"

static void
s_count (char *buffer, size_t size, uint64_t value)
{
    snprintf (buffer, size, "%llu", (unsigned long long) value);
}

/* Hours of a time-to-decision bound: "-" when none, ">720" past the last bin. */
static void
s_hours (char *buffer, size_t size, uint64_t ms)
{
    if (ms == 0)
        snprintf (buffer, size, "-");
    else if (ms == UINT64_MAX)
        snprintf (buffer, size, ">720");
    else
        snprintf (buffer, size, "%llu", (unsigned long long) (ms / 3600000));
}

static const char *
s_basis_said (const char *basis)
{
    if (basis && strcmp (basis, "decided") == 0)
        return "by date of event (adoptions when decided)";
    if (basis && strcmp (basis, "received") == 0)
        return "by date the report was received";
    return "submissions by date received, adoptions by date of the issue";
}

/* How deep a row's unit is: its parents among the rows before it. */
static size_t
s_depth (const bs_stats_row_t *rows, size_t index)
{
    size_t depth = 0;
    const char *parent = rows[index].parent;
    for (size_t i = index; parent && *parent && i-- > 0;)
        if (strcmp (rows[i].unit, parent) == 0) {
            depth++;
            parent = rows[i].parent;
        }
    return depth;
}

static void
s_stats_print (const void *reply, const void *context)
{
    const bs_stats_page_t *page = reply;
    const bool *split = context;
    const bs_stats_row_t *rows = page->rows.items;
    printf ("basis %s: %s%s\n", page->basis ? page->basis : "published", s_basis_said (page->basis),
            page->rows.count && rows[0].rolled_up ? "; each unit with the units under it" : "");
    printf ("units in tree order: each after its parent, indented under it; units of one parent "
            "by name (Unicode order)\n");
    static const char *const headers[] = {"UNIT",       "TIER",       "PERIOD",     "VALUE",
                                          ">SUBMITTED", ">ADOPTED",   ">RATE",      ">RETURNED",
                                          ">DECLINED",  ">FORWARDED", ">PUBLISHED", ">CITY",
                                          ">PROVINCE",  ">CENTRAL",   ">P50 HOURS", ">P90 HOURS"};
    cli_table_t *table = cli_table_new (16, headers);
    if (!table)
        return;
    for (size_t i = 0; i < page->rows.count; i++) {
        const bs_stats_row_t *row = &rows[i];
        char unit[BS_UNIT_MAX + 40], submitted[24], adopted[24], rate[24], returned[24],
            declined[24], forwarded[24], published[24], city[24], province[24], central[24],
            p50[24], p90[24];
        size_t depth = s_depth (rows, i);
        snprintf (unit, sizeof unit, "%*s%s", (int) (2 * (depth < 8 ? depth : 8)), "", row->unit);
        s_count (submitted, sizeof submitted, row->submitted);
        s_count (adopted, sizeof adopted, row->adopted);
        s_count (returned, sizeof returned, row->returned);
        s_count (declined, sizeof declined, row->declined);
        s_count (forwarded, sizeof forwarded, row->forwarded);
        s_count (published, sizeof published, row->published);
        s_count (city, sizeof city, row->adopted_city);
        s_count (province, sizeof province, row->adopted_province);
        s_count (central, sizeof central, row->adopted_central);
        s_hours (p50, sizeof p50, row->decision_p50_ms);
        s_hours (p90, sizeof p90, row->decision_p90_ms);
        if (row->submitted)
            snprintf (rate, sizeof rate, "%.0f%%",
                      100.0 * (double) row->adopted / (double) row->submitted);
        else
            snprintf (rate, sizeof rate, "-");
        const char *cells[] = {unit,
                               row->tier,
                               row->period && *row->period ? row->period : "all",
                               *split ? row->value : NULL,
                               submitted,
                               adopted,
                               rate,
                               returned,
                               declined,
                               forwarded,
                               published,
                               city,
                               province,
                               central,
                               p50,
                               p90};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "no units yet");
}

int
cli_cmd_stats (cli_t *cli, int argc, char **argv)
{
    const char *period = NULL, *unit = NULL, *basis = NULL, *tier = NULL, *dimension = NULL;
    bool rollup = false;
    cli_option_t options[] = {
        {"period", CLI_OPTION_TEXT, &period},
        {"unit", CLI_OPTION_UNIT, &unit},
        {"basis", CLI_OPTION_TEXT, &basis},
        {"tier", CLI_OPTION_TEXT, &tier},
        {"dimension", CLI_OPTION_TEXT, &dimension},
        {"rollup", CLI_OPTION_FLAG, &rollup},
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_stats_request_t request = {.period = (char *) period,
                                  .unit = (char *) unit,
                                  .basis = (char *) basis,
                                  .tier = (char *) tier,
                                  .dimension = (char *) dimension,
                                  .rollup = rollup};
    bool split = dimension && *dimension;
    return cli_ask (cli, "statistics", &bs_stats_request_schema, &request, &bs_stats_page_schema,
                    s_stats_print, &split);
}

static void
s_ranking_print (const void *reply, const void *context)
{
    const bs_ranking_page_t *page = reply;
    (void) context;
    printf ("ranked by %s within each tier, %s, basis %s: %s\n", page->by,
            page->period && *page->period ? page->period : "all time",
            page->basis ? page->basis : "published", s_basis_said (page->basis));
    static const char *const headers[] = {"TIER",       ">RANK",    "UNIT",      ">VALUE",
                                          ">SUBMITTED", ">ADOPTED", ">PUBLISHED"};
    cli_table_t *table = cli_table_new (7, headers);
    if (!table)
        return;
    const bs_rank_row_t *rows = page->rows.items;
    for (size_t i = 0; i < page->rows.count; i++) {
        const bs_rank_row_t *row = &rows[i];
        char rank[24], value[24], submitted[24], adopted[24], published[24];
        s_count (rank, sizeof rank, row->rank);
        s_count (value, sizeof value, row->value);
        s_count (submitted, sizeof submitted, row->submitted);
        s_count (adopted, sizeof adopted, row->adopted);
        s_count (published, sizeof published, row->published);
        const char *cells[] = {row->tier, rank, row->unit, value, submitted, adopted, published};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "no units yet");
}

/* The measures of statistics.row (BS_STATS_MEASURES): what --by takes. */
#define S_MEASURE_NAME(X, IDENT, field, decision) #field,
static const char *const s_measures[] = {BS_STATS_MEASURES (S_MEASURE_NAME, _) NULL};
#undef S_MEASURE_NAME

static bool
s_measure_known (const char *by)
{
    for (size_t i = 0; s_measures[i]; i++)
        if (strcmp (by, s_measures[i]) == 0)
            return true;
    return false;
}

int
cli_cmd_ranking (cli_t *cli, int argc, char **argv)
{
    const char *period = NULL, *by = NULL, *tier = NULL, *basis = NULL;
    bool rollup = false;
    cli_option_t options[] = {
        {"period", CLI_OPTION_TEXT, &period}, {"by", CLI_OPTION_TEXT, &by},
        {"tier", CLI_OPTION_TEXT, &tier},     {"basis", CLI_OPTION_TEXT, &basis},
        {"rollup", CLI_OPTION_FLAG, &rollup}, {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (by && !s_measure_known (by)) {
        char figures[1024] = "";
        for (size_t i = 0; s_measures[i]; i++) {
            size_t used = strlen (figures);
            snprintf (figures + used, sizeof figures - used, "%s%s", used ? ", " : "",
                      s_measures[i]);
        }
        return cli_usage_error (cli, "--by takes one of %s; not '%s'", figures, by);
    }
    bs_ranking_request_t request = {.period = (char *) period,
                                    .by = (char *) by,
                                    .tier = (char *) tier,
                                    .basis = (char *) basis,
                                    .rollup = rollup};
    return cli_ask (cli, "statistics", &bs_ranking_request_schema, &request,
                    &bs_ranking_page_schema, s_ranking_print, NULL);
}

static void
s_changed_print (const bs_stats_changed_t *changed)
{
    char at[32] = "-";
    if (changed->event_at) {
        time_t seconds = (time_t) (changed->event_at / 1000);
        struct tm local;
        localtime_r (&seconds, &local);
        strftime (at, sizeof at, "%Y-%m-%d %H:%M:%S", &local);
    }
    printf ("%s  %s  %s: submitted %llu, adopted %llu, returned %llu, declined %llu, "
            "published %llu (%s #%llu)\n",
            at, changed->unit, changed->period && *changed->period ? changed->period : "all",
            (unsigned long long) changed->submitted, (unsigned long long) changed->adopted,
            (unsigned long long) changed->returned, (unsigned long long) changed->declined,
            (unsigned long long) changed->published, changed->source,
            (unsigned long long) changed->seq);
}

/* Decode and print one feed message: a change of figures, or a notice
   that an urgent report escalated; other types are skipped (the feed may
   carry more kinds of change later). */
static void
s_feed_message (cli_t *cli, zmsg_t *message, const bs_codec_limits_t *limits)
{
    zframe_t *frame = zmsg_first (message);
    bs_message_t decoded = {0};
    bs_error_t error;
    int rc = bs_message_decode (zframe_data (frame), zframe_size (frame), limits, &decoded, &error);
    if (rc == BS_OK && decoded.schema == &bs_stats_changed_schema) {
        if (cli->json)
            cli_json_print (&bs_stats_changed_schema, decoded.data, true);
        else
            s_changed_print (decoded.data);
        fflush (stdout);
    } else if (rc == BS_OK && decoded.schema == &bs_escalated_schema) {
        const bs_escalated_t *notice = decoded.data;
        if (cli->json)
            cli_json_print (&bs_escalated_schema, notice, true);
        else
            printf ("ESCALATED  urgent report %llu %s of %s passed its deadline undecided: %s\n",
                    (unsigned long long) notice->report_id, notice->reg_no, notice->unit,
                    notice->title);
        fflush (stdout);
    } else if (rc != BS_OK && rc != BS_E_UNKNOWN_TYPE)
        fprintf (stderr, "baosong: skipped a bad feed message: %s\n", error.text);
    bs_message_clear (&decoded);
}

/* The figures the feed starts from: every unit's current month, basis
   decided (the feed's), one line each as a change would print. A
   statistics service that does not answer is said and the feed follows
   anyway: it reconnects by itself. */
static void
s_feed_start (cli_t *cli)
{
    char month[16];
    bs_clock_month (bs_clock_now (), month, sizeof month);
    bs_stats_request_t request = {.period = month, .basis = "decided"};
    bs_stats_page_t page;
    if (cli_call (cli, "statistics", &bs_stats_request_schema, &request, &bs_stats_page_schema,
                  &page)
        != CLI_EXIT_OK)
        return;
    const bs_stats_row_t *rows = page.rows.items;
    for (size_t i = 0; i < page.rows.count; i++) {
        if (cli->json) {
            cli_json_print (&bs_stats_row_schema, &rows[i], true);
            continue;
        }
        printf ("now                  %s  %s: submitted %llu, adopted %llu, returned %llu, "
                "declined %llu, published %llu\n",
                rows[i].unit, month, (unsigned long long) rows[i].submitted,
                (unsigned long long) rows[i].adopted, (unsigned long long) rows[i].returned,
                (unsigned long long) rows[i].declined, (unsigned long long) rows[i].published);
    }
    fflush (stdout);
    bs_codec_record_free (&bs_stats_page_schema, &page);
}

int
cli_cmd_feed (cli_t *cli, int argc, char **argv)
{
    size_t count;
    int rc =
        cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    cli_sockets_init ();
    const char *endpoint = bs_config_endpoint (cli->config, "statistics", "feed");
    zsock_t *socket =
        bs_socket_new (ZMQ_SUB, "statistics", endpoint, BS_SOCKET_CONNECT, cli->config);
    if (!socket) {
        bs_error_t error;
        bs_error_set (&error, BS_E_UNAVAILABLE, "", "cannot connect to the statistics feed at %s",
                      endpoint);
        cli_error_print (cli, &error);
        return CLI_EXIT_UNAVAILABLE;
    }
    zsock_set_subscribe (socket, "");
    if (!cli->json && isatty (STDERR_FILENO))
        fprintf (stderr, "baosong: following the statistics feed at %s; Ctrl-C to stop\n",
                 endpoint);
    s_feed_start (cli);
    bs_codec_limits_t limits = bs_config_codec_limits (cli->config);
    /* A PUB feed drops what arrives while nobody listens, so nothing here
       waits for the service: the SUB socket reconnects by itself whenever
       statistics (re)starts. Ctrl-C interrupts zmq_poll (czmq's handler
       sets zsys_interrupted). */
    while (!zsys_interrupted) {
        zmq_pollitem_t item = {zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, 1000) <= 0)
            continue;
        zmsg_t *message;
        while (!zsys_interrupted && (message = bs_socket_receive (socket))) {
            s_feed_message (cli, message, &limits);
            zmsg_destroy (&message);
        }
    }
    zsock_destroy (&socket);
    return CLI_EXIT_OK;
}
