/*  commands_publication: `baosong pending` and `baosong issue ...`, the
    commands that talk to the publication service (an issue prints as
    issue_output.c says).
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
s_pending_print (const void *reply, const void *context)
{
    const bs_pending_page_t *page = reply;
    (void) context;
    static const char *const headers[] = {">ID",        "REG NO",  "UNIT",  "TITLE",
                                          "PERIODICAL", "ADOPTED", ">ISSUE"};
    cli_table_t *table = cli_table_new (7, headers);
    if (!table)
        return;
    cli_table_set_max_width (table, 2, 24);
    cli_table_set_max_width (table, 3, 40);
    const bs_pending_item_t *items = page->items.items;
    for (size_t i = 0; i < page->items.count; i++) {
        const bs_pending_item_t *item = &items[i];
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
    cli_table_finish (&table, "no adopted reports are waiting");
    if (page->next)
        printf ("more: baosong pending --after %llu\n", (unsigned long long) page->next);
}

int
cli_cmd_pending (cli_t *cli, int argc, char **argv)
{
    bs_pending_request_t request = {0};
    const char *periodical = NULL;
    cli_option_t options[] = {
        {"periodical", CLI_OPTION_TEXT, &periodical},
        {"after", CLI_OPTION_NUMBER, &request.after},
        {"limit", CLI_OPTION_NUMBER, &request.limit},
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.periodical = (char *) periodical;
    return cli_ask (cli, "publication", &bs_pending_request_schema, &request,
                    &bs_pending_page_schema, s_pending_print, NULL);
}

static int
s_issue_create (cli_t *cli, int argc, char **argv)
{
    bs_issue_create_t request = {0};
    const char *series = NULL, *by = NULL;
    cli_option_t options[] = {{"year", CLI_OPTION_NUMBER, &request.year},
                              {"series", CLI_OPTION_TEXT, &series},
                              {"by", CLI_OPTION_TEXT, &by},
                              {NULL, 0, NULL}};
    char *words[1];
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, words, 1, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (count != 1)
        return cli_usage_error (cli, "which periodical? e.g. baosong issue create 組工信息");
    request.periodical = words[0];
    request.series = (char *) series;
    request.by = (char *) cli_person (by);
    return cli_issue_call (cli, &bs_issue_create_schema, &request);
}

static int
s_issue_add (cli_t *cli, int argc, char **argv)
{
    char **words = calloc ((size_t) argc + 1, sizeof *words);
    if (!words)
        return CLI_EXIT_REFUSED;
    size_t count;
    const char *section = NULL, *by = NULL;
    cli_option_t options[] = {
        {"section", CLI_OPTION_TEXT, &section}, {"by", CLI_OPTION_TEXT, &by}, {NULL, 0, NULL}};
    int rc = cli_options_parse (cli, argc, argv, options, words, (size_t) argc, &count);
    bs_issue_add_t request = {.section = (char *) section, .by = (char *) cli_person (by)};
    if (rc == CLI_EXIT_OK && count < 2)
        rc = cli_usage_error (cli, "give an issue id and one or more report ids");
    if (rc == CLI_EXIT_OK && count - 1 > BS_PAGE_MAX)
        rc = cli_usage_error (cli, "at most %d reports at a time", BS_PAGE_MAX);
    if (rc == CLI_EXIT_OK)
        rc = cli_number_argument (cli, words[0], "an issue id", &request.issue_id);
    if (rc == CLI_EXIT_OK) {
        request.report_ids.items = calloc (count - 1, sizeof (uint64_t));
        request.report_ids.count = count - 1;
        if (!request.report_ids.items)
            rc = CLI_EXIT_REFUSED;
        for (size_t i = 1; i < count && rc == CLI_EXIT_OK; i++)
            rc = cli_report_id (cli, words[i], &request.report_ids.items[i - 1]);
    }
    if (rc == CLI_EXIT_OK)
        rc = cli_issue_call (cli, &bs_issue_add_schema, &request);
    free (request.report_ids.items);
    free (words);
    return rc;
}

/* issue publish and issue show: one ISSUE_ID. */
static int
s_issue_by_id (cli_t *cli, int argc, char **argv, bool publish)
{
    char *words[1];
    size_t count;
    const char *by = NULL;
    cli_option_t options[] = {{"by", CLI_OPTION_TEXT, &by}, {NULL, 0, NULL}};
    int rc = cli_options_parse (cli, argc, argv, options, words, 1, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (count != 1)
        return cli_usage_error (cli, "which issue? give its id");
    uint64_t issue_id;
    rc = cli_number_argument (cli, words[0], "an issue id", &issue_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (publish) {
        bs_issue_publish_t request = {.issue_id = issue_id, .by = (char *) cli_person (by)};
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
s_issues_print (const void *reply, const void *context)
{
    const bs_issue_page_t *page = reply;
    (void) context;
    static const char *const headers[] = {">ID",    "ISSUE",   "STATE",
                                          ">ITEMS", "CREATED", "PUBLISHED"};
    cli_table_t *table = cli_table_new (6, headers);
    if (!table)
        return;
    const bs_issue_t *issues = page->issues.items;
    for (size_t i = 0; i < page->issues.count; i++) {
        const bs_issue_t *issue = &issues[i];
        char id[24], title[512], items[24], created[32], published[32];
        snprintf (id, sizeof id, "%llu", (unsigned long long) issue->issue_id);
        cli_issue_title (issue, title, sizeof title);
        snprintf (items, sizeof items, "%zu", issue->items.count);
        cli_time_format (issue->created_at, created, sizeof created);
        cli_time_format (issue->published_at, published, sizeof published);
        const char *cells[] = {id, title, issue->state, items, created, published};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "no issues");
    if (page->next)
        printf ("more: baosong issue list --after %llu\n", (unsigned long long) page->next);
}

static int
s_issue_list (cli_t *cli, int argc, char **argv)
{
    bs_issue_list_request_t request = {0};
    const char *periodical = NULL;
    cli_option_t options[] = {
        {"periodical", CLI_OPTION_TEXT, &periodical},
        {"after", CLI_OPTION_NUMBER, &request.after},
        {"limit", CLI_OPTION_NUMBER, &request.limit},
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.periodical = (char *) periodical;
    return cli_ask (cli, "publication", &bs_issue_list_request_schema, &request,
                    &bs_issue_page_schema, s_issues_print, NULL);
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
