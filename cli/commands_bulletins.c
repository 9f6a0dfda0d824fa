/*  commands_bulletins: `baosong bulletin` (issue, list, show and render the
    monthly notices and quarterly bulletins statistics keeps frozen) and
    `baosong export` (a figure table as CSV or XLSX).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
s_bulletin_line (const bs_bulletin_t *bulletin)
{
    char at[64];
    cli_time_format (bulletin->issued_at, at, sizeof at);
    printf ("bulletin %llu  %s  %s %s, issued %s%s%s, rules version %llu\n",
            (unsigned long long) bulletin->bulletin_id, bulletin->title, bulletin->kind,
            bulletin->period, at, bulletin->by && *bulletin->by ? " by " : "",
            bulletin->by ? bulletin->by : "", (unsigned long long) bulletin->rules_version);
}

static void
s_bulletin_print (const void *reply, const void *context)
{
    const bs_bulletin_t *bulletin = reply;
    (void) context;
    s_bulletin_line (bulletin);
    static const char *const headers[] = {"TIER",    ">RANK",   "UNIT",   ">SUBMITTED", ">ADOPTED",
                                          ">POINTS", ">REWARD", ">QUOTA", "MET",        ">SCORE"};
    cli_table_t *table = cli_table_new (10, headers);
    const bs_stats_score_t *rows = bulletin->rows.items;
    for (size_t i = 0; table && i < bulletin->rows.count; i++) {
        char numbers[7][48];
        snprintf (numbers[0], 48, "%llu", (unsigned long long) rows[i].rank);
        snprintf (numbers[1], 48, "%llu", (unsigned long long) rows[i].submitted);
        snprintf (numbers[2], 48, "%llu", (unsigned long long) rows[i].adopted);
        snprintf (numbers[3], 48, "%llu", (unsigned long long) rows[i].points);
        snprintf (numbers[4], 48, "%llu", (unsigned long long) rows[i].reward);
        snprintf (numbers[5], 48, "%llu/%llu", (unsigned long long) rows[i].quota_done,
                  (unsigned long long) rows[i].quota);
        snprintf (numbers[6], 48, "%llu", (unsigned long long) rows[i].score);
        const char *cells[] = {rows[i].tier, numbers[0], rows[i].unit,
                               numbers[1],   numbers[2], numbers[3],
                               numbers[4],   numbers[5], rows[i].quota_met ? "yes" : "SHORT",
                               numbers[6]};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "no units");
    const bs_correction_t *items = bulletin->corrections.items;
    for (size_t i = 0; i < bulletin->corrections.count; i++)
        printf ("correction to bulletin %llu (%s): %s %s was %llu, is %llu\n",
                (unsigned long long) items[i].bulletin_id, items[i].period, items[i].unit,
                items[i].figure, (unsigned long long) items[i].was,
                (unsigned long long) items[i].now);
}

static int
s_issue (cli_t *cli, int argc, char **argv)
{
    const char *basis = NULL;
    char *words[2];
    size_t count;
    cli_option_t options[] = {
        {"basis", CLI_OPTION_TEXT, &basis}, {NULL, 0, NULL}};
    int rc = cli_options_parse (cli, argc, argv, options, words, 2, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (count != 2)
        return cli_usage_error (cli, "bulletin issue takes a kind and a period, e.g. "
                                     "baosong bulletin issue monthly 2026-11");
    /* Statistics renders the files while issuing: a few seconds (the
       fonts load the first time). Wait for it rather than say it is not
       running. */
    cli->wait_ms = 60000;
    bs_bulletin_issue_t request = {words[0], words[1], (char *) basis, (char *) cli_person ()};
    return cli_ask (cli, "statistics", &bs_bulletin_issue_schema, &request, &bs_bulletin_schema,
                    s_bulletin_print, NULL);
}

static void
s_list_print (const void *reply, const void *context)
{
    const bs_bulletin_page_t *page = reply;
    (void) context;
    const bs_bulletin_t *items = page->bulletins.items;
    for (size_t i = 0; i < page->bulletins.count; i++)
        s_bulletin_line (&items[i]);
    if (page->bulletins.count == 0)
        printf ("no bulletins yet\n");
}

static int
s_list (cli_t *cli, int argc, char **argv)
{
    const char *kind = NULL;
    cli_option_t options[] = {{"kind", CLI_OPTION_TEXT, &kind}, {NULL, 0, NULL}};
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_bulletin_list_t request = {(char *) kind};
    return cli_ask (cli, "statistics", &bs_bulletin_list_schema, &request, &bs_bulletin_page_schema,
                    s_list_print, NULL);
}

static int
s_show (cli_t *cli, int argc, char **argv)
{
    bs_bulletin_get_t request = {0};
    cli_option_t options[] = {{NULL, 0, NULL}};
    int rc = cli_id_argument (cli, argc, argv, options, "bulletin", &request.bulletin_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_ask (cli, "statistics", &bs_bulletin_get_schema, &request, &bs_bulletin_schema,
                    s_bulletin_print, NULL);
}

/* Ask for a file and write it to output (or the name the service gives). */
static int
s_file (cli_t *cli, const bs_schema_t *schema, const void *request, const char *output)
{
    bs_stats_file_t file = {0};
    int rc = cli_call (cli, "statistics", schema, request, &bs_stats_file_schema, &file);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = cli_file_write (output, file.filename, file.format, &file.content);
    bs_codec_record_free (&bs_stats_file_schema, &file);
    return rc;
}

static int
s_render (cli_t *cli, int argc, char **argv)
{
    const char *format = NULL, *output = NULL;
    bs_bulletin_file_t request = {0};
    cli_option_t options[] = {{"format", CLI_OPTION_TEXT, &format},
                              {"output", CLI_OPTION_TEXT, &output},
                              {NULL, 0, NULL}};
    int rc = cli_id_argument (cli, argc, argv, options, "bulletin", &request.bulletin_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.format = (char *) (format ? format : "pdf");
    return s_file (cli, &bs_bulletin_file_schema, &request, output);
}

int
cli_cmd_bulletin (cli_t *cli, int argc, char **argv)
{
    static const cli_subcommand_t table[] = {
        {"issue", s_issue}, {"list", s_list}, {"show", s_show}, {"render", s_render}, {NULL, NULL}};
    return cli_dispatch (cli, argc, argv, table);
}

int
cli_cmd_export (cli_t *cli, int argc, char **argv)
{
    const char *format = NULL, *output = NULL;
    bs_stats_export_t request = {0};
    const char *period = NULL, *unit = NULL, *basis = NULL, *tier = NULL, *dimension = NULL,
               *by = NULL;
    cli_option_t options[] = {
        {"format", CLI_OPTION_TEXT, &format},
        {"output", CLI_OPTION_TEXT, &output},
        {"period", CLI_OPTION_TEXT, &period},
        {"unit", CLI_OPTION_TEXT, &unit},
        {"basis", CLI_OPTION_TEXT, &basis},
        {"tier", CLI_OPTION_TEXT, &tier},
        {"dimension", CLI_OPTION_TEXT, &dimension},
        {"by", CLI_OPTION_TEXT, &by},
        {"rollup", CLI_OPTION_FLAG, &request.rollup},
        {"rules", CLI_OPTION_NUMBER, &request.rules_version},
        {NULL, 0, NULL},
    };
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1,
                                "export takes the table: figures or scores");
    if (rc != CLI_EXIT_OK)
        return rc;
    request.table = words[0];
    request.format = (char *) (format ? format : "csv");
    request.period = (char *) period;
    request.unit = (char *) unit;
    request.basis = (char *) basis;
    request.tier = (char *) tier;
    request.dimension = (char *) dimension;
    request.by = (char *) by;
    return s_file (cli, &bs_stats_export_schema, &request, output);
}
