/*  commands_notices: `baosong notice send|list|show|read`, notices (通知)
    and reporting guidance (報送要點) sent to units, and their read
    receipts (review.notice_*).
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
s_notice_print (const void *reply, const void *context)
{
    const bs_notice_t *notice = reply;
    (void) context;
    char sent[32];
    cli_time_format (notice->sent_at, sent, sizeof sent);
    printf ("%s %llu: %s\nsent %s by %s to %zu units%s%s\n\n%s\n\n",
            strcmp (notice->kind, "guidance") == 0 ? "guidance (報送要點)" : "notice (通知)",
            (unsigned long long) notice->notice_id, notice->title, sent, notice->sent_by,
            notice->units.count, notice->tier ? ", tier " : "", notice->tier ? notice->tier : "",
            notice->body);
    static const char *const headers[] = {"UNIT", "READ BY", "READ AT"};
    cli_table_t *table = cli_table_new (3, headers);
    if (!table)
        return;
    const bs_notice_read_entry_t *reads = notice->reads.items;
    for (size_t i = 0; i < notice->reads.count; i++) {
        char at[32];
        cli_time_format (reads[i].read_at, at, sizeof at);
        const char *cells[] = {reads[i].unit, reads[i].officer, at};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "nobody has read it yet");
}

static void
s_notice_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_notice_t *notice = entry;
    (void) context;
    char id[24], sent[32], units[24], reads[24];
    snprintf (id, sizeof id, "%llu", (unsigned long long) notice->notice_id);
    cli_time_format (notice->sent_at, sent, sizeof sent);
    snprintf (units, sizeof units, "%zu", notice->units.count);
    snprintf (reads, sizeof reads, "%zu", notice->reads.count);
    const char *cells[] = {id, notice->kind, notice->title, sent, units, reads};
    cli_table_add (table, cells);
}

static const char *const s_notice_headers[] = {">ID", "KIND", "TITLE", "SENT", ">UNITS", ">READS"};
static const size_t s_notice_widths[] = {0, 0, 40, 0, 0, 0};
static const cli_list_t s_notices = {.columns = 6,
                                     .headers = s_notice_headers,
                                     .widths = s_notice_widths,
                                     .row = s_notice_row,
                                     .empty = "no notices"};

static int
s_send (cli_t *cli, int argc, char **argv)
{
    const char *title = NULL, *body = NULL, *kind = NULL, *units = NULL, *tier = NULL;
    cli_option_t options[] = {
        {"title", CLI_OPTION_TEXT, &title}, {"body", CLI_OPTION_TEXT, &body},
        {"kind", CLI_OPTION_TEXT, &kind},   {"units", CLI_OPTION_TEXT, &units},
        {"tier", CLI_OPTION_TEXT, &tier},   {NULL, 0, NULL}};
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!title || !body)
        return cli_usage_error (cli, "--title and --body are required");
    bs_notice_send_t request = {.kind = (char *) kind,
                                .title = (char *) title,
                                .body = (char *) body,
                                .tier = (char *) tier,
                                .editor = (char *) cli_person (),
                                .role = (char *) cli_role (CLI_ROLES_DESK)};
    char *names = NULL;
    rc = cli_units_argument (cli, units, tier, &names, &request.units);
    if (rc == CLI_EXIT_OK)
        rc = cli_ask (cli, "review", &bs_notice_send_schema, &request, &bs_notice_schema,
                      s_notice_print, NULL);
    free (request.units.items);
    free (names);
    return rc;
}

static int
s_list (cli_t *cli, int argc, char **argv)
{
    const char *unit = NULL, *kind = NULL;
    bs_notice_list_t request = {0};
    cli_option_t options[] = {{"unit", CLI_OPTION_UNIT, &unit},
                              {"kind", CLI_OPTION_TEXT, &kind},
                              CLI_PAGE_OPTIONS (request),
                              {NULL, 0, NULL}};
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.unit = (char *) unit;
    request.kind = (char *) kind;
    return cli_list (cli, "review", &bs_notice_list_schema, &request, &bs_notice_page_schema,
                     &s_notices, NULL);
}

static int
s_show (cli_t *cli, int argc, char **argv)
{
    bs_notice_get_t request = {0};
    cli_option_t options[] = {{NULL, 0, NULL}};
    int rc = cli_id_argument (cli, argc, argv, options, "notice", &request.notice_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_ask (cli, "review", &bs_notice_get_schema, &request, &bs_notice_schema,
                    s_notice_print, NULL);
}

static int
s_read (cli_t *cli, int argc, char **argv)
{
    const char *unit = NULL;
    bs_notice_read_t request = {0};
    cli_option_t options[] = {
        {"unit", CLI_OPTION_TEXT, &unit}, {NULL, 0, NULL}};
    int rc = cli_id_argument (cli, argc, argv, options, "notice", &request.notice_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!unit)
        return cli_usage_error (cli, "--unit (the reading officer's unit) is required");
    request.unit = (char *) unit;
    request.officer = (char *) cli_person ();
    return cli_ask (cli, "review", &bs_notice_read_schema, &request, &bs_notice_schema,
                    s_notice_print, NULL);
}

int
cli_cmd_notice (cli_t *cli, int argc, char **argv)
{
    static const cli_subcommand_t table[] = {
        {"send", s_send}, {"list", s_list}, {"show", s_show}, {"read", s_read}, {NULL, NULL}};
    return cli_dispatch (cli, argc, argv, table);
}
