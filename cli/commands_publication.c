/*  commands_publication: `baosong pending` and `baosong issue ...`, the
    commands that talk to the publication service (an issue prints as
    issue_output.c says).
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
s_pending_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_pending_item_t *item = entry;
    (void) context;
    char id[24], issue[24], adopted[32], periodical[256];
    snprintf (id, sizeof id, "%llu", (unsigned long long) item->report_id);
    snprintf (issue, sizeof issue, "%llu", (unsigned long long) item->issue_id);
    cli_time_format (item->adopted_at, adopted, sizeof adopted);
    cli_periodical_format (item->periodical, periodical, sizeof periodical);
    const char *cells[] = {id,
                           item->reg_no,
                           item->unit,
                           item->title,
                           periodical,
                           adopted,
                           item->issue_id ? issue : "-"};
    cli_table_add (table, cells);
}

static const char *const s_pending_headers[] = {">ID",        "REG NO",  "UNIT",  "TITLE",
                                                "PERIODICAL", "ADOPTED", ">ISSUE"};
static const size_t s_pending_widths[] = {0, 0, 24, 40, 0, 0, 0};
static const cli_list_t s_pending = {.columns = 7,
                                     .headers = s_pending_headers,
                                     .widths = s_pending_widths,
                                     .row = s_pending_row,
                                     .empty = "no adopted reports are waiting"};

int
cli_cmd_pending (cli_t *cli, int argc, char **argv)
{
    bs_pending_request_t request = {0};
    const char *periodical = NULL;
    cli_option_t options[] = {
        {"periodical", CLI_OPTION_TEXT, &periodical},
        CLI_PAGE_OPTIONS (request),
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.periodical = (char *) periodical;
    return cli_list (cli, "publication", &bs_pending_request_schema, &request,
                     &bs_pending_page_schema, &s_pending, NULL);
}

static int
s_issue_create (cli_t *cli, int argc, char **argv)
{
    bs_issue_create_t request = {0};
    const char *series = NULL;
    cli_option_t options[] = {{"year", CLI_OPTION_NUMBER, &request.year},
                              {"series", CLI_OPTION_TEXT, &series},
                              {NULL, 0, NULL}};
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1,
                                "which periodical? e.g. baosong issue create 組工信息");
    if (rc != CLI_EXIT_OK)
        return rc;
    request.periodical = words[0];
    request.series = (char *) series;
    request.by = (char *) cli_person ();
    return cli_issue_call (cli, &bs_issue_create_schema, &request);
}

static int
s_issue_add (cli_t *cli, int argc, char **argv)
{
    const char *section = NULL;
    cli_option_t options[] = {
        {"section", CLI_OPTION_TEXT, &section}, {NULL, 0, NULL}};
    bs_issue_add_t request = {0};
    int rc = cli_issue_reports_argument (cli, argc, argv, options, 1,
                                         "give an issue id and one or more report ids",
                                         &request.issue_id, &request.report_ids);
    request.section = (char *) section;
    request.by = (char *) cli_person ();
    if (rc == CLI_EXIT_OK)
        rc = cli_issue_call (cli, &bs_issue_add_schema, &request);
    free (request.report_ids.items);
    return rc;
}

/* issue publish and issue show: one ISSUE_ID. */
static int
s_issue_by_id (cli_t *cli, int argc, char **argv, bool publish)
{
    char *words[1];
    cli_option_t options[] = {{NULL, 0, NULL}};
    int rc = cli_options_words (cli, argc, argv, options, words, 1, "which issue? give its id");
    if (rc != CLI_EXIT_OK)
        return rc;
    uint64_t issue_id;
    rc = cli_number_argument (cli, words[0], "an issue id", &issue_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (publish) {
        bs_issue_publish_t request = {.issue_id = issue_id, .by = (char *) cli_person ()};
        return cli_issue_call (cli, &bs_issue_publish_schema, &request);
    }
    bs_issue_get_t request = {.issue_id = issue_id};
    return cli_issue_call (cli, &bs_issue_get_schema, &request);
}

static int
s_issue_publish (cli_t *cli, int argc, char **argv)
{
    return s_issue_by_id (cli, argc, argv, true);
}

static int
s_issue_show (cli_t *cli, int argc, char **argv)
{
    return s_issue_by_id (cli, argc, argv, false);
}

static void
s_issue_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_issue_t *issue = entry;
    (void) context;
    char id[24], title[512], items[24], created[32], published[32];
    snprintf (id, sizeof id, "%llu", (unsigned long long) issue->issue_id);
    cli_issue_title (issue, title, sizeof title);
    snprintf (items, sizeof items, "%zu", issue->items.count);
    cli_time_format (issue->created_at, created, sizeof created);
    cli_time_format (issue->published_at, published, sizeof published);
    const char *cells[] = {id, title, issue->state, items, created, published};
    cli_table_add (table, cells);
}

static const char *const s_issue_headers[] = {">ID",    "ISSUE",   "STATE",
                                              ">ITEMS", "CREATED", "PUBLISHED"};
static const cli_list_t s_issues = {
    .columns = 6, .headers = s_issue_headers, .row = s_issue_row, .empty = "no issues"};

static int
s_issue_list (cli_t *cli, int argc, char **argv)
{
    bs_issue_list_request_t request = {0};
    const char *periodical = NULL;
    cli_option_t options[] = {
        {"periodical", CLI_OPTION_TEXT, &periodical},
        CLI_PAGE_OPTIONS (request),
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.periodical = (char *) periodical;
    return cli_list (cli, "publication", &bs_issue_list_request_schema, &request,
                     &bs_issue_page_schema, &s_issues, NULL);
}

int
cli_cmd_issue (cli_t *cli, int argc, char **argv)
{
    static const cli_subcommand_t table[] = {
        {"create", s_issue_create},
        {"add", s_issue_add},
        {"remove", cli_issue_remove},
        {"move", cli_issue_move},
        {"edit-item", cli_issue_edit_item},
        {"edit", cli_issue_edit},
        {"ask-signoff", cli_issue_signoff_ask},
        {"signoff", cli_issue_signoff},
        {"publish", s_issue_publish},
        {"show", s_issue_show},
        {"list", s_issue_list},
        {"erratum", cli_issue_erratum},
        {"errata", cli_issue_errata},
        {"render", cli_issue_render},
        {NULL, NULL},
    };
    return cli_dispatch (cli, argc, argv, table);
}
