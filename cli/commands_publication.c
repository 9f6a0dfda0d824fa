/*  commands_publication: `baosong pending` and `baosong issue ...`, the
    commands that talk to the publication service.

    An issue prints the way an editor names it on its cover:
        《組工信息》2026年第3期（總第3期）
    with its state and its items in order.
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
        return rc < 0 ? CLI_EXIT_OK : rc;
    request.periodical = (char *) periodical;
    return cli_ask (cli, "publication", &bs_pending_request_schema, &request,
                    &bs_pending_page_schema, s_pending_print, NULL);
}

/* 《組工信息》2026年第3期（總第3期）, 《組工信息》專刊2026年第1期（總第1期）;
   a draft has no numbers yet: 《組工信息》（草稿） */
static void
s_issue_title (const bs_issue_t *issue, char *buffer, size_t size)
{
    char periodical[256];
    cli_periodical_format (issue->periodical, periodical, sizeof periodical);
    const char *series = issue->series ? issue->series : "";
    if (!issue->number)
        snprintf (buffer, size, "%s%s（草稿）", periodical, series);
    else
        snprintf (buffer, size, "%s%s%llu年第%llu期（總第%llu期）", periodical, series,
                  (unsigned long long) issue->year, (unsigned long long) issue->number,
                  (unsigned long long) issue->total);
}

static void
s_issue_print (const void *reply, const void *context)
{
    const bs_issue_t *issue = reply;
    (void) context;
    char title[512], created[32], published[32];
    s_issue_title (issue, title, sizeof title);
    cli_time_format (issue->created_at, created, sizeof created);
    cli_time_format (issue->published_at, published, sizeof published);
    printf ("%s\n", title);
    printf ("issue %llu, %s", (unsigned long long) issue->issue_id, issue->state);
    if (issue->published_at)
        printf (" %s", published);
    printf (" (created %s)\n", created);
    if (issue->responsible_editor)
        printf ("責任編輯: %s\n", issue->responsible_editor);
    if (issue->signed_off_by) {
        char signed_at[32];
        cli_time_format (issue->signed_off_at, signed_at, sizeof signed_at);
        printf ("簽發: %s %s\n", issue->signed_off_by, signed_at);
    }
    if (issue->note)
        printf ("編者按: %s\n", issue->note);
    if (issue->items.count == 0) {
        printf ("no items yet: baosong issue add %llu REPORT_ID...\n",
                (unsigned long long) issue->issue_id);
        return;
    }
    static const char *const headers[] = {">#", ">REPORT", "REG NO", "SECTION", "CREDIT", "TITLE"};
    cli_table_t *table = cli_table_new (6, headers);
    if (!table)
        return;
    cli_table_set_max_width (table, 3, 16);
    cli_table_set_max_width (table, 4, 24);
    cli_table_set_max_width (table, 5, 50);
    const bs_issue_item_t *items = issue->items.items;
    for (size_t i = 0; i < issue->items.count; i++) {
        char position[24], id[24];
        snprintf (position, sizeof position, "%zu", i + 1);
        snprintf (id, sizeof id, "%llu", (unsigned long long) items[i].report_id);
        const char *credit = items[i].source_units ? items[i].source_units : items[i].unit;
        const char *cells[] = {position,
                               id,
                               items[i].reg_no,
                               items[i].section ? items[i].section : "",
                               credit,
                               items[i].title};
        cli_table_add (table, cells);
    }
    cli_table_print (table, stdout);
    cli_table_destroy (&table);
}

int
cli_issue_call (cli_t *cli, const bs_schema_t *schema, const void *request)
{
    bs_issue_t reply = {0};
    int rc = cli_call (cli, "publication", NULL, schema, request, &bs_issue_schema, &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_show (cli, &bs_issue_schema, &reply, s_issue_print, NULL);
}

int
cli_number_argument (cli_t *cli, const char *word, const char *what, uint64_t *value)
{
    if (!cli_parse_number (word, value) || *value == 0)
        return cli_usage_error (cli, "'%s' is not %s (a number from 1)", word, what);
    return CLI_EXIT_OK;
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
        return rc < 0 ? CLI_EXIT_OK : rc;
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
    return rc < 0 ? CLI_EXIT_OK : rc;
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
        return rc < 0 ? CLI_EXIT_OK : rc;
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
        s_issue_title (issue, title, sizeof title);
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
        return rc < 0 ? CLI_EXIT_OK : rc;
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
