/*  commands_topics: `baosong topic create|rename|close|list|assign|cases`,
    the topics (專題) cases are grouped under (review.topic_*).
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_option_t s_actor_options[] = {
    {NULL, 0, NULL}};

static void
s_topic_print (const void *reply, const void *context)
{
    const bs_topic_t *topic = reply;
    (void) context;
    printf ("topic %llu: %s (%s)\n", (unsigned long long) topic->topic_id, topic->name,
            topic->state);
}

static void
s_topic_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_topic_t *topic = entry;
    (void) context;
    char id[24], created[32];
    snprintf (id, sizeof id, "%llu", (unsigned long long) topic->topic_id);
    cli_time_format (topic->created_at, created, sizeof created);
    const char *cells[] = {id, topic->name, topic->state, topic->created_by, created};
    cli_table_add (table, cells);
}

static const char *const s_topic_headers[] = {">ID", "TOPIC", "STATE", "BY", "CREATED"};
static const cli_list_t s_topics = {
    .columns = 5, .headers = s_topic_headers, .row = s_topic_row, .empty = "no topics"};

static int
s_topic_id (cli_t *cli, const char *word, uint64_t *topic_id)
{
    if (!cli_parse_number (word, topic_id) || *topic_id == 0)
        return cli_usage_error (cli, "'%s' is not a topic id (a number from 1)", word);
    return CLI_EXIT_OK;
}

static int
s_create (cli_t *cli, int argc, char **argv)
{
    char *words[1];
    int rc =
        cli_options_words (cli, argc, argv, s_actor_options, words, 1, "give the topic's name");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_topic_create_t request = {.name = words[0],
                                 .editor = (char *) cli_person (),
                                 .role = (char *) cli_role (CLI_ROLES_DESK)};
    return cli_ask (cli, "review", &bs_topic_create_schema, &request, &bs_topic_schema,
                    s_topic_print, NULL);
}

static int
s_rename (cli_t *cli, int argc, char **argv)
{
    char *words[2];
    bs_topic_rename_t request = {0};
    int rc = cli_options_words (cli, argc, argv, s_actor_options, words, 2,
                                "give the topic id and its new name");
    if (rc == CLI_EXIT_OK)
        rc = s_topic_id (cli, words[0], &request.topic_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.name = words[1];
    request.editor = (char *) cli_person ();
    request.role = (char *) cli_role (CLI_ROLES_DESK);
    return cli_ask (cli, "review", &bs_topic_rename_schema, &request, &bs_topic_schema,
                    s_topic_print, NULL);
}

static int
s_close (cli_t *cli, int argc, char **argv)
{
    char *words[1];
    bs_topic_close_t request = {0};
    int rc =
        cli_options_words (cli, argc, argv, s_actor_options, words, 1, "which topic? give its id");
    if (rc == CLI_EXIT_OK)
        rc = s_topic_id (cli, words[0], &request.topic_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.editor = (char *) cli_person ();
    request.role = (char *) cli_role (CLI_ROLES_DESK);
    return cli_ask (cli, "review", &bs_topic_close_schema, &request, &bs_topic_schema,
                    s_topic_print, NULL);
}

static int
s_list (cli_t *cli, int argc, char **argv)
{
    bs_topic_list_t request = {0};
    cli_option_t options[] = {{"all", CLI_OPTION_FLAG, &request.all}, {NULL, 0, NULL}};
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_list (cli, "review", &bs_topic_list_schema, &request, &bs_topic_page_schema,
                     &s_topics, NULL);
}

static int
s_assign (cli_t *cli, int argc, char **argv)
{
    char *words[2];
    bs_topic_assign_t request = {0};
    int rc =
        cli_options_words (cli, argc, argv, s_actor_options, words, 2,
                           "give the report id and the topic id (0 takes it out of its topic)");
    if (rc == CLI_EXIT_OK)
        rc = cli_report_id (cli, words[0], &request.report_id);
    if (rc == CLI_EXIT_OK && !cli_parse_number (words[1], &request.topic_id))
        rc = cli_usage_error (cli, "'%s' is not a topic id", words[1]);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.editor = (char *) cli_person ();
    request.role = (char *) cli_role (CLI_ROLES_DESK);
    return cli_ask (cli, "review", &bs_topic_assign_schema, &request, &bs_review_case_schema,
                    cli_case_print, NULL);
}

static void
s_case_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_review_case_t *review = entry;
    (void) context;
    char id[24];
    snprintf (id, sizeof id, "%llu", (unsigned long long) review->report_id);
    const char *cells[] = {id, review->reg_no, review->unit, review->title, review->state};
    cli_table_add (table, cells);
}

static const char *const s_case_headers[] = {">ID", "REG NO", "UNIT", "TITLE", "STATE"};
static const size_t s_case_widths[] = {0, 0, 0, 40, 0};
static const cli_list_t s_cases_list = {.columns = 5,
                                        .headers = s_case_headers,
                                        .widths = s_case_widths,
                                        .row = s_case_row,
                                        .empty = "no cases in this topic"};

static int
s_cases (cli_t *cli, int argc, char **argv)
{
    bs_topic_cases_t request = {0};
    cli_option_t options[] = {CLI_PAGE_OPTIONS (request), {NULL, 0, NULL}};
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1, "which topic? give its id");
    if (rc == CLI_EXIT_OK)
        rc = s_topic_id (cli, words[0], &request.topic_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_list (cli, "review", &bs_topic_cases_schema, &request, &bs_case_page_schema,
                     &s_cases_list, NULL);
}

int
cli_cmd_topic (cli_t *cli, int argc, char **argv)
{
    static const cli_subcommand_t table[] = {
        {"create", s_create}, {"rename", s_rename}, {"close", s_close}, {"list", s_list},
        {"assign", s_assign}, {"cases", s_cases},   {NULL, NULL}};
    return cli_dispatch (cli, argc, argv, table);
}
