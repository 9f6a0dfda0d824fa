/*  commands_cases: `baosong edit`, `diff`, `audit` and `synthesize`, the
    work on a case's text and history (review.edit, review.diff,
    review.audit, review.synthesize).
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
cli_cmd_edit (cli_t *cli, int argc, char **argv)
{
    const char *title = NULL, *body = NULL;
    cli_option_t options[] = {{"title", CLI_OPTION_TEXT, &title},
                              {"body", CLI_OPTION_TEXT, &body},
                              {NULL, 0, NULL}};
    bs_edit_t request = {0};
    int rc = cli_case_argument (cli, argc, argv, options, &request.report_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!title && !body)
        return cli_usage_error (cli, "give --title, --body or both");
    request.editor = (char *) cli_person ();
    request.role = (char *) cli_role (CLI_ROLES_DESK);
    request.title = (char *) title;
    request.body = (char *) body;
    return cli_ask (cli, "review", &bs_edit_schema, &request, &bs_review_case_schema,
                    cli_case_print, NULL);
}

static void
s_diff_print (const void *reply, const void *context)
{
    const bs_diff_t *diff = reply;
    (void) context;
    printf ("report %llu: original (-) and edited (+) copy\n",
            (unsigned long long) diff->report_id);
    fputs (diff->changes, stdout);
}

int
cli_cmd_diff (cli_t *cli, int argc, char **argv)
{
    bs_diff_request_t request = {0};
    int rc =
        cli_case_argument (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, &request.report_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_ask (cli, "review", &bs_diff_request_schema, &request, &bs_diff_schema, s_diff_print,
                    NULL);
}

static void
s_audit_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_audit_entry_t *audit = entry;
    (void) context;
    char seq[24], at[32];
    snprintf (seq, sizeof seq, "%llu", (unsigned long long) audit->seq);
    cli_time_format (audit->at, at, sizeof at);
    const char *cells[] = {seq,
                           at,
                           audit->action,
                           audit->actor,
                           audit->role,
                           audit->from_state,
                           audit->to_state,
                           audit->note};
    cli_table_add (table, cells);
}

static const char *const s_audit_headers[] = {">#",   "AT",   "ACTION", "WHO",
                                              "ROLE", "FROM", "TO",     "NOTE"};
static const size_t s_audit_widths[] = {0, 0, 0, 0, 0, 0, 0, 50};
static const cli_list_t s_audit = {.columns = 8,
                                   .headers = s_audit_headers,
                                   .widths = s_audit_widths,
                                   .row = s_audit_row,
                                   .empty = "no audit entries"};

int
cli_cmd_audit (cli_t *cli, int argc, char **argv)
{
    bs_audit_request_t request = {0};
    int rc =
        cli_case_argument (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, &request.report_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_list (cli, "review", &bs_audit_request_schema, &request, &bs_audit_page_schema,
                     &s_audit, NULL);
}

int
cli_report_ids (cli_t *cli, char **words, size_t count, bs_u64_list_t *list)
{
    list->items = calloc (count ? count : 1, sizeof (uint64_t));
    list->count = count;
    int rc = list->items ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
    for (size_t i = 0; i < count && rc == CLI_EXIT_OK; i++)
        rc = cli_report_id (cli, words[i], &list->items[i]);
    return rc;
}

int
cli_cmd_synthesize (cli_t *cli, int argc, char **argv)
{
    const char *title = NULL, *body = NULL;
    bool urgent = false;
    cli_option_t options[] = {
        {"title", CLI_OPTION_TEXT, &title},   {"body", CLI_OPTION_TEXT, &body},
        {"urgent", CLI_OPTION_FLAG, &urgent}, {NULL, 0, NULL}};
    char **words = calloc ((size_t) argc + 1, sizeof *words);
    if (!words)
        return CLI_EXIT_REFUSED;
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, words, (size_t) argc, &count);
    bs_synthesize_t request = {.editor = (char *) cli_person (),
                               .role = (char *) cli_role (CLI_ROLES_DESK),
                               .title = (char *) title,
                               .body = (char *) body,
                               .urgent = urgent};
    if (rc == CLI_EXIT_OK && (!title || !body))
        rc = cli_usage_error (cli, "a synthesis needs --title and --body");
    if (rc == CLI_EXIT_OK && count < 2)
        rc = cli_usage_error (cli, "combine two or more reports: give their ids");
    if (rc == CLI_EXIT_OK)
        rc = cli_report_ids (cli, words, count, &request.report_ids);
    if (rc == CLI_EXIT_OK)
        rc = cli_ask (cli, "review", &bs_synthesize_schema, &request, &bs_review_case_schema,
                      cli_case_print, NULL);
    free (request.report_ids.items);
    free (words);
    return rc;
}
