/*  issue_output: how an issue prints, the way an editor names it on its
    cover:
        《組工信息》2026年第3期（總第3期）
    with its state and its items in order; shared by every `baosong issue`
    subcommand (commands_publication.c, commands_issue_edit.c).
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* 《組工信息》2026年第3期（總第3期）, 《組工信息》專刊2026年第1期（總第1期）;
   a draft has no numbers yet: 《組工信息》（草稿） */
void
cli_issue_title (const bs_issue_t *issue, char *buffer, size_t size)
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
    cli_issue_title (issue, title, sizeof title);
    cli_time_format (issue->created_at, created, sizeof created);
    cli_time_format (issue->published_at, published, sizeof published);
    printf ("%s\n", title);
    printf ("issue %llu, %s", (unsigned long long) issue->issue_id, issue->state);
    if (issue->published_at)
        printf (" %s", published);
    printf (" (created %s)\n", created);
    if (issue->responsible_editor)
        printf ("責任編輯: %s\n", issue->responsible_editor);
    if (issue->signoff_asked_by && !issue->signed_off_by) {
        char asked_at[32];
        cli_time_format (issue->signoff_asked_at, asked_at, sizeof asked_at);
        printf ("送簽: %s %s\n", issue->signoff_asked_by, asked_at);
    }
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
        const char *cells[] = {position,        id,
                               items[i].reg_no, items[i].section ? items[i].section : "",
                               credit,          items[i].title};
        cli_table_add (table, cells);
    }
    cli_table_print (table, stdout);
    cli_table_destroy (&table);
}

int
cli_issue_call (cli_t *cli, const bs_schema_t *schema, const void *request)
{
    bs_issue_t reply = {0};
    int rc = cli_call (cli, "publication", schema, request, &bs_issue_schema, &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_show (cli, &bs_issue_schema, &reply, s_issue_print, NULL);
}
