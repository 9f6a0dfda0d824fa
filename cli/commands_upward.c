/*  commands_upward: forwarding upward (上報) and what comes back (採用反饋):
    `baosong forward`, `baosong outbox`, `baosong upward` and
    `baosong adoption`, against the publication service.
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
s_outbox_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_outbox_entry_t *forward = entry;
    (void) context;
    char id[24], report[24], tries[24];
    snprintf (id, sizeof id, "%llu", (unsigned long long) forward->outbox_id);
    snprintf (report, sizeof report, "%llu", (unsigned long long) forward->report_id);
    snprintf (tries, sizeof tries, "%llu", (unsigned long long) forward->tries);
    const char *cells[] = {id,
                           report,
                           forward->reg_no,
                           forward->level,
                           forward->state,
                           tries,
                           forward->upper_reg_no ? forward->upper_reg_no : "",
                           forward->last_error ? forward->last_error : ""};
    cli_table_add (table, cells);
}

static const char *const s_outbox_headers[] = {">ID",   ">REPORT", "REG NO", "LEVEL",
                                               "STATE", ">TRIES",  "ABOVE",  "LAST ERROR"};
static const size_t s_outbox_widths[] = {0, 0, 0, 0, 0, 0, 0, 50};
static const cli_list_t s_outbox = {.columns = 8,
                                    .headers = s_outbox_headers,
                                    .widths = s_outbox_widths,
                                    .row = s_outbox_row,
                                    .empty = "nothing forwarded"};

/* forward ISSUE_ID [REPORT_ID|REG_NO...] */
int
cli_cmd_forward (cli_t *cli, int argc, char **argv)
{
    cli_option_t options[] = {{NULL, 0, NULL}};
    bs_forward_t request = {0};
    int rc = cli_issue_reports_argument (
        cli, argc, argv, options, 0, "which issue? give its id (and, to send only some, reports)",
        &request.issue_id, &request.report_ids);
    request.by = (char *) cli_person ();
    if (rc == CLI_EXIT_OK)
        rc = cli_list (cli, "publication", &bs_forward_schema, &request, &bs_outbox_page_schema,
                       &s_outbox, NULL);
    free (request.report_ids.items);
    return rc;
}

/* outbox [--due] [--after ID] [--limit N] */
int
cli_cmd_outbox (cli_t *cli, int argc, char **argv)
{
    bs_outbox_request_t request = {0};
    cli_option_t options[] = {
        {"due", CLI_OPTION_FLAG, &request.due}, CLI_PAGE_OPTIONS (request), {NULL, 0, NULL}};
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_list (cli, "publication", &bs_outbox_request_schema, &request,
                     &bs_outbox_page_schema, &s_outbox, NULL);
}

static void
s_adoption_print (const bs_adopted_upward_t *adoption)
{
    char at[32];
    cli_time_format (adoption->adopted_at, at, sizeof at);
    printf ("adopted at %s level in 《%s》%s (%s, %s%s%s)\n", adoption->level, adoption->outlet,
            adoption->outlet_issue ? adoption->outlet_issue : "", at, adoption->source,
            adoption->recorded_by ? " by " : "",
            adoption->recorded_by ? adoption->recorded_by : "");
}

static void
s_upward_print (const void *reply, const void *context)
{
    const bs_upward_page_t *page = reply;
    (void) context;
    printf ("report %llu\n", (unsigned long long) page->report_id);
    const bs_outbox_entry_t *forwards = page->forwards.items;
    for (size_t i = 0; i < page->forwards.count; i++)
        printf ("forwarded to the %s level: %s%s%s\n", forwards[i].level, forwards[i].state,
                forwards[i].upper_reg_no ? " as " : "",
                forwards[i].upper_reg_no ? forwards[i].upper_reg_no : "");
    const bs_adopted_upward_t *adoptions = page->adoptions.items;
    for (size_t i = 0; i < page->adoptions.count; i++)
        s_adoption_print (&adoptions[i]);
    if (!page->forwards.count && !page->adoptions.count)
        printf ("not forwarded, no adoption above recorded\n");
}

/* upward REPORT_ID|REG_NO */
int
cli_cmd_upward (cli_t *cli, int argc, char **argv)
{
    bs_upward_request_t request = {0};
    int rc =
        cli_case_argument (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, &request.report_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_ask (cli, "publication", &bs_upward_request_schema, &request, &bs_upward_page_schema,
                    s_upward_print, NULL);
}

static void
s_recorded_print (const void *reply, const void *context)
{
    (void) context;
    s_adoption_print (reply);
}

/* adoption REPORT_ID|REG_NO --level L --outlet NAME [--issue 第N期] */
int
cli_cmd_adoption (cli_t *cli, int argc, char **argv)
{
    const char *level = NULL, *outlet = NULL, *issue = NULL;
    cli_option_t options[] = {{"level", CLI_OPTION_TEXT, &level},
                              {"outlet", CLI_OPTION_TEXT, &outlet},
                              {"issue", CLI_OPTION_TEXT, &issue},
                              {NULL, 0, NULL}};
    bs_adoption_record_t request = {0};
    int rc = cli_case_argument (cli, argc, argv, options, &request.report_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!level || !outlet)
        return cli_usage_error (cli, "give --level county|city|province|central and --outlet NAME");
    request.level = (char *) level;
    request.outlet = (char *) outlet;
    request.outlet_issue = (char *) issue;
    request.by = (char *) cli_person ();
    return cli_ask (cli, "publication", &bs_adoption_record_schema, &request,
                    &bs_adopted_upward_schema, s_recorded_print, NULL);
}
