/*  commands_scores: `baosong rules` (show, list or load the scoring rules
    of statistics: statistics.rules_get / .rules_list / .rules_put),
    `baosong scores`
    (points, rewards, quotas and the 100-point assessment of every unit,
    ranked within tiers: statistics.scores) and `baosong authors` (points,
    rewards and figures per author: statistics.authors).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
s_rules_print (const void *reply, const void *context)
{
    const bs_stats_rules_t *rules = reply;
    (void) context;
    char at[64] = "built in";
    if (rules->loaded_at)
        cli_time_format (rules->loaded_at, at, sizeof at);
    printf ("rules version %llu%s%s (%s%s%s)\n", (unsigned long long) rules->version,
            rules->name && *rules->name ? ": " : "", rules->name ? rules->name : "", at,
            rules->by && *rules->by ? ", by " : "", rules->by ? rules->by : "");
    fputs (rules->text, stdout);
}

static int
s_show (cli_t *cli, int argc, char **argv)
{
    bs_rules_get_t request = {0};
    cli_option_t options[] = {{"version", CLI_OPTION_NUMBER, &request.version}, {NULL, 0, NULL}};
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_ask (cli, "statistics", &bs_rules_get_schema, &request, &bs_stats_rules_schema,
                    s_rules_print, NULL);
}

/* A version of the history: its number, name, who loaded it and when,
   and whether it is in force. */
static void
s_version_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_rules_version_t *version = entry;
    (void) context;
    char number[24], at[64] = "built in";
    snprintf (number, sizeof number, "%llu", (unsigned long long) version->version);
    if (version->loaded_at)
        cli_time_format (version->loaded_at, at, sizeof at);
    const char *cells[] = {number, version->name ? version->name : "",
                           version->by && *version->by ? version->by : "-", at,
                           version->in_force ? "in force" : ""};
    cli_table_add (table, cells);
}

static const char *const s_version_headers[] = {">VERSION", "NAME", "LOADED BY", "LOADED AT",
                                                "STATE"};
static const cli_list_t s_versions = {
    .columns = 5, .headers = s_version_headers, .row = s_version_row, .empty = "no rules"};

static int
s_list (cli_t *cli, int argc, char **argv)
{
    bs_rules_list_t request = {0};
    cli_option_t options[] = {{"limit", CLI_OPTION_NUMBER, &request.limit}, {NULL, 0, NULL}};
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_list (cli, "statistics", &bs_rules_list_schema, &request, &bs_rules_page_schema,
                     &s_versions, NULL);
}

/* The whole of a file as a string (the caller frees), NULL after saying
   why. */
static char *
s_read_file (const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file) {
        fprintf (stderr, "baosong: cannot read %s: %s\n", path, strerror (errno));
        return NULL;
    }
    size_t size = 0, capacity = 4096;
    char *text = malloc (capacity);
    size_t got;
    while (text && (got = fread (text + size, 1, capacity - size - 1, file)) > 0) {
        size += got;
        if (capacity - size < 2) {
            char *more = realloc (text, capacity *= 2);
            if (!more)
                free (text);
            text = more;
        }
    }
    fclose (file);
    if (text)
        text[size] = 0;
    return text;
}

static void
s_loaded_print (const void *reply, const void *context)
{
    const bs_stats_rules_t *rules = reply;
    (void) context;
    printf ("loaded rules version %llu%s%s: every score from now on, of any period, uses them\n",
            (unsigned long long) rules->version, rules->name && *rules->name ? ": " : "",
            rules->name ? rules->name : "");
}

static int
s_load (cli_t *cli, int argc, char **argv)
{
    char *path = NULL;
    cli_option_t options[] = {{NULL, 0, NULL}};
    int rc =
        cli_options_words (cli, argc, argv, options, &path, 1, "rules load takes the rules file");
    if (rc != CLI_EXIT_OK)
        return rc;
    char *text = s_read_file (path);
    if (!text)
        return CLI_EXIT_USAGE;
    bs_rules_put_t request = {.text = text, .by = (char *) cli_person ()};
    rc = cli_ask (cli, "statistics", &bs_rules_put_schema, &request, &bs_stats_rules_schema,
                  s_loaded_print, NULL);
    free (text);
    return rc;
}

int
cli_cmd_rules (cli_t *cli, int argc, char **argv)
{
    static const cli_subcommand_t table[] = {
        {"show", s_show}, {"list", s_list}, {"load", s_load}, {NULL, NULL}};
    return cli_dispatch (cli, argc, argv, table);
}

static void
s_number (char *buffer, size_t size, uint64_t value)
{
    snprintf (buffer, size, "%llu", (unsigned long long) value);
}

static void
s_scores_print (const void *reply, const void *context)
{
    const bs_scores_page_t *page = reply;
    (void) context;
    printf ("%s, basis %s, ranked by %s within each tier; rules version %llu%s%s\n", page->period,
            page->basis, page->by, (unsigned long long) page->rules_version,
            page->rules_name && *page->rules_name ? ": " : "",
            page->rules_name ? page->rules_name : "");
    static const char *const headers[] = {
        "TIER",     ">RANK",   "UNIT",    ">SUBMITTED", ">ADOPTED", ">CITY",    ">PROVINCE",
        ">CENTRAL", ">POINTS", ">REWARD", ">QUOTA",     "MET",      ">PENALTY", ">SCORE"};
    cli_table_t *table = cli_table_new (14, headers);
    if (!table)
        return;
    const bs_stats_score_t *rows = page->rows.items;
    for (size_t i = 0; i < page->rows.count; i++) {
        const bs_stats_score_t *row = &rows[i];
        char rank[24], submitted[24], adopted[24], city[24], province[24], central[24], points[24],
            reward[24], quota[48], penalty[24], score[24];
        s_number (rank, sizeof rank, row->rank);
        s_number (submitted, sizeof submitted, row->submitted);
        s_number (adopted, sizeof adopted, row->adopted);
        s_number (city, sizeof city, row->adopted_city);
        s_number (province, sizeof province, row->adopted_province);
        s_number (central, sizeof central, row->adopted_central);
        s_number (points, sizeof points, row->points);
        s_number (reward, sizeof reward, row->reward);
        snprintf (quota, sizeof quota, "%llu/%llu", (unsigned long long) row->quota_done,
                  (unsigned long long) row->quota);
        s_number (penalty, sizeof penalty, row->penalty);
        s_number (score, sizeof score, row->score);
        const char *cells[] = {
            row->tier, rank,   row->unit, submitted,
            adopted,   city,   province,  central,
            points,    reward, quota,     row->quota ? (row->quota_met ? "yes" : "SHORT") : "-",
            penalty,   score};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "no units yet");
}

int
cli_cmd_scores (cli_t *cli, int argc, char **argv)
{
    const char *period = NULL, *unit = NULL, *basis = NULL, *tier = NULL, *by = NULL;
    bs_scores_request_t request = {0};
    cli_option_t options[] = {
        {"period", CLI_OPTION_TEXT, &period},
        {"unit", CLI_OPTION_UNIT, &unit},
        {"basis", CLI_OPTION_TEXT, &basis},
        {"tier", CLI_OPTION_TEXT, &tier},
        {"by", CLI_OPTION_TEXT, &by},
        {"rollup", CLI_OPTION_FLAG, &request.rollup},
        {"rules", CLI_OPTION_NUMBER, &request.rules_version},
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.period = (char *) period;
    request.unit = (char *) unit;
    request.basis = (char *) basis;
    request.tier = (char *) tier;
    request.by = (char *) by;
    return cli_ask (cli, "statistics", &bs_scores_request_schema, &request, &bs_scores_page_schema,
                    s_scores_print, NULL);
}

static void
s_authors_print (const void *reply, const void *context)
{
    const bs_authors_page_t *page = reply;
    (void) context;
    printf ("%s, basis %s, ranked by %s; rules version %llu%s%s\n", page->period, page->basis,
            page->by, (unsigned long long) page->rules_version,
            page->rules_name && *page->rules_name ? ": " : "",
            page->rules_name ? page->rules_name : "");
    static const char *const headers[] = {">RANK",     "AUTHOR",   "UNIT",      ">IN UNIT",
                                          ">SUBMITTED", ">ADOPTED", ">PUBLISHED", ">UPWARD",
                                          ">POINTS",    ">REWARD"};
    cli_table_t *table = cli_table_new (10, headers);
    if (!table)
        return;
    const bs_author_row_t *rows = page->rows.items;
    for (size_t i = 0; i < page->rows.count; i++) {
        const bs_author_row_t *row = &rows[i];
        char rank[24], in_unit[24], submitted[24], adopted[24], published[24], upward[24],
            points[24], reward[24];
        s_number (rank, sizeof rank, row->rank);
        s_number (in_unit, sizeof in_unit, row->unit_rank);
        s_number (submitted, sizeof submitted, row->submitted);
        s_number (adopted, sizeof adopted, row->adopted);
        s_number (published, sizeof published, row->published);
        s_number (upward, sizeof upward,
                  row->adopted_county + row->adopted_city + row->adopted_province
                      + row->adopted_central);
        s_number (points, sizeof points, row->points);
        s_number (reward, sizeof reward, row->reward);
        const char *cells[] = {rank,      row->author, row->unit, in_unit, submitted,
                               adopted,   published,   upward,    points,  reward};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "no author has a figure in this period");
}

int
cli_cmd_authors (cli_t *cli, int argc, char **argv)
{
    const char *period = NULL, *unit = NULL, *basis = NULL, *by = NULL;
    bs_authors_request_t request = {0};
    cli_option_t options[] = {
        {"period", CLI_OPTION_TEXT, &period},
        {"unit", CLI_OPTION_TEXT, &unit},
        {"basis", CLI_OPTION_TEXT, &basis},
        {"by", CLI_OPTION_TEXT, &by},
        {"rules", CLI_OPTION_NUMBER, &request.rules_version},
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.period = (char *) period;
    request.unit = (char *) unit;
    request.basis = (char *) basis;
    request.by = (char *) by;
    return cli_ask (cli, "statistics", &bs_authors_request_schema, &request,
                    &bs_authors_page_schema, s_authors_print, NULL);
}
