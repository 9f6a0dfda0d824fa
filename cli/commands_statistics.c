/*  commands_statistics: `baosong stats`, `ranking` and `feed`, the commands
    that read the statistics service: its counts (statistics.query), its
    ranking of units (statistics.ranking) and its live PUB feed of
    statistics.changed messages.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "bs_socket.h"
#include "cli.h"

static void
s_count (char *buffer, size_t size, uint64_t value)
{
    snprintf (buffer, size, "%llu", (unsigned long long) value);
}

static void
s_stats_print (const void *reply, const void *context)
{
    const bs_stats_page_t *page = reply;
    (void) context;
    static const char *const headers[] = {
        "UNIT",      "PERIOD",     ">SUBMITTED", ">ADOPTED",  ">RATE",      ">RETURNED",
        ">DECLINED", ">FORWARDED", ">PUBLISHED", ">REVERTED", ">ESCALATED", ">HOURS TO DECIDE"};
    cli_table_t *table = cli_table_new (12, headers);
    if (!table)
        return;
    const bs_stats_row_t *rows = page->rows.items;
    for (size_t i = 0; i < page->rows.count; i++) {
        const bs_stats_row_t *row = &rows[i];
        char submitted[24], adopted[24], rate[24], returned[24], declined[24], published[24],
            forwarded[24], reverted[24], escalated[24], hours[24] = "-";
        s_count (submitted, sizeof submitted, row->submitted);
        s_count (adopted, sizeof adopted, row->adopted);
        s_count (returned, sizeof returned, row->returned);
        s_count (declined, sizeof declined, row->declined);
        s_count (published, sizeof published, row->published);
        s_count (forwarded, sizeof forwarded, row->forwarded);
        s_count (reverted, sizeof reverted, row->reverted);
        s_count (escalated, sizeof escalated, row->escalated);
        if (row->decided)
            snprintf (hours, sizeof hours, "%.1f",
                      (double) row->decision_ms / (double) row->decided / 3600000.0);
        if (row->submitted)
            snprintf (rate, sizeof rate, "%.0f%%",
                      100.0 * (double) row->adopted / (double) row->submitted);
        else
            snprintf (rate, sizeof rate, "-");
        const char *cells[] = {row->unit, row->period && *row->period ? row->period : "all",
                               submitted, adopted,
                               rate,      returned,
                               declined,  forwarded,
                               published, reverted,
                               escalated, hours};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "no figures yet");
}

int
cli_cmd_stats (cli_t *cli, int argc, char **argv)
{
    const char *period = NULL, *unit = NULL;
    cli_option_t options[] = {
        {"period", CLI_OPTION_TEXT, &period},
        {"unit", CLI_OPTION_TEXT, &unit},
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    bs_stats_request_t request = {.period = (char *) period, .unit = (char *) unit};
    return cli_ask (cli, "statistics", &bs_stats_request_schema, &request, &bs_stats_page_schema,
                    s_stats_print, NULL);
}

static void
s_ranking_print (const void *reply, const void *context)
{
    const bs_ranking_page_t *page = reply;
    (void) context;
    printf ("ranked by %s, %s\n", page->by,
            page->period && *page->period ? page->period : "all time");
    static const char *const headers[] = {">RANK",      "UNIT",     ">VALUE",
                                          ">SUBMITTED", ">ADOPTED", ">PUBLISHED"};
    cli_table_t *table = cli_table_new (6, headers);
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
        const char *cells[] = {rank, row->unit, value, submitted, adopted, published};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "no units yet");
}

int
cli_cmd_ranking (cli_t *cli, int argc, char **argv)
{
    const char *period = NULL, *by = NULL;
    cli_option_t options[] = {
        {"period", CLI_OPTION_TEXT, &period},
        {"by", CLI_OPTION_TEXT, &by},
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    bs_ranking_request_t request = {.period = (char *) period, .by = (char *) by};
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

int
cli_cmd_feed (cli_t *cli, int argc, char **argv)
{
    size_t count;
    int rc =
        cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    cli_sockets_init ();
    const char *endpoint = bs_config_endpoint (cli->config, "statistics", "feed");
    zsock_t *socket = bs_socket_new (ZMQ_SUB, endpoint, BS_SOCKET_CONNECT, cli->config);
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
