/*  commands_intake: `baosong submit`, `report` and `reports`, the commands
    that talk to the intake service (intake.submit, intake.get, intake.list).
*/
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Read all of file into a new NUL-terminated string, refusing more than
   limit bytes (the message would be refused anyway, and a big enough one
   would not even reach the service). Fills error on failure. */
static char *
s_read_body (FILE *file, const char *name, size_t limit, bs_error_t *error)
{
    char *body = malloc (limit + 2);
    if (!body) {
        bs_error_set (error, BS_E_SYSTEM, "body", "out of memory");
        return NULL;
    }
    size_t size = fread (body, 1, limit + 1, file);
    if (ferror (file)) {
        bs_error_set (error, BS_E_SYSTEM, "body", "cannot read %s: %m", name);
        free (body);
        return NULL;
    }
    if (size > limit) {
        bs_error_set (error, BS_E_INVALID, "body", "the body is longer than %zu bytes", limit);
        free (body);
        return NULL;
    }
    body[size] = 0;
    if (memchr (body, 0, size)) {
        bs_error_set (error, BS_E_INVALID, "body",
                      "the body in %s is not text (it holds NUL bytes)", name);
        free (body);
        return NULL;
    }
    return body;
}

/* The body from --body, --body-file or standard input. Returns an exit
   code; *body is malloc'd on success. */
static int
s_body (cli_t *cli, const char *text, const char *path, char **body)
{
    bs_error_t error;
    bs_error_clear (&error);
    if (text && path)
        return cli_usage_error (cli, "give the body with --body or --body-file, not both");
    if (text) {
        *body = strdup (text);
        return CLI_EXIT_OK;
    }
    if (!path && isatty (STDIN_FILENO))
        return cli_usage_error (cli, "give the body with --body TEXT, --body-file FILE or on "
                                     "standard input");
    FILE *file = stdin;
    if (path && strcmp (path, "-") != 0) {
        file = fopen (path, "r");
        if (!file) {
            bs_error_set (&error, BS_E_NOT_FOUND, "body", "cannot read %s: %m", path);
            cli_error_print (cli, &error);
            return CLI_EXIT_USAGE;
        }
    }
    *body = s_read_body (file, path ? path : "standard input", BS_BODY_MAX, &error);
    if (file != stdin)
        fclose (file);
    if (*body)
        return CLI_EXIT_OK;
    cli_error_print (cli, &error);
    return error.code == BS_E_INVALID ? CLI_EXIT_REFUSED : CLI_EXIT_USAGE;
}

int
cli_cmd_submit (cli_t *cli, int argc, char **argv)
{
    const char *unit = NULL, *title = NULL, *body_text = NULL, *body_file = NULL;
    const char *kind = NULL, *topic = NULL, *channel = NULL, *id = NULL;
    bool urgent = false;
    cli_option_t options[] = {
        {"unit", CLI_OPTION_TEXT, &unit},      {"title", CLI_OPTION_TEXT, &title},
        {"body", CLI_OPTION_TEXT, &body_text}, {"body-file", CLI_OPTION_TEXT, &body_file},
        {"kind", CLI_OPTION_TEXT, &kind},      {"urgent", CLI_OPTION_FLAG, &urgent},
        {"topic", CLI_OPTION_TEXT, &topic},    {"channel", CLI_OPTION_TEXT, &channel},
        {"id", CLI_OPTION_TEXT, &id},          {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (!unit)
        return cli_usage_error (cli, "--unit is required");
    if (!title)
        return cli_usage_error (cli, "--title is required");
    if (id && (!*id || strlen (id) >= BS_ID_MAX))
        return cli_usage_error (cli, "--id must be 1 to %d bytes", BS_ID_MAX - 1);
    char *body = NULL;
    rc = s_body (cli, body_text, body_file, &body);
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_submit_t request = {
        .unit = (char *) unit,
        .title = (char *) title,
        .body = body,
        .kind = (char *) kind,
        .urgent = urgent,
        .topic = (char *) topic,
        .channel = (char *) channel,
    };
    bs_submitted_t reply = {0};
    rc = cli_call (cli, "intake", id, &bs_submit_schema, &request, &bs_submitted_schema, &reply);
    free (body);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (cli->json)
        cli_json_print (&bs_submitted_schema, &reply, false);
    else
        printf ("registered %s (report %llu)\n", reply.reg_no,
                (unsigned long long) reply.report_id);
    bs_codec_record_free (&bs_submitted_schema, &reply);
    return CLI_EXIT_OK;
}

static void
s_report_print (const void *reply, const void *context)
{
    const bs_report_t *report = reply;
    (void) context;
    char received[32];
    cli_time_format (report->received_at, received, sizeof received);
    printf ("report %llu  %s%s\n", (unsigned long long) report->report_id, report->reg_no,
            report->urgent ? "  URGENT" : "");
    printf ("unit:      %s\n", report->unit);
    printf ("title:     %s\n", report->title);
    printf ("kind:      %s\n", report->kind);
    if (report->topic && *report->topic)
        printf ("topic:     %s\n", report->topic);
    printf ("channel:   %s\n", report->channel);
    printf ("received:  %s\n", received);
    size_t length = strlen (report->body);
    printf ("\n%s%s", report->body, length && report->body[length - 1] == '\n' ? "" : "\n");
}

static bool
s_all_digits (const char *text)
{
    if (!*text)
        return false;
    for (; *text; text++)
        if (*text < '0' || *text > '9')
            return false;
    return true;
}

int
cli_cmd_report (cli_t *cli, int argc, char **argv)
{
    char *words[1];
    size_t count;
    int rc =
        cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, words, 1, &count);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (count != 1)
        return cli_usage_error (cli, "which report? give its id or registration number");
    bs_report_get_t request = {0};
    if (s_all_digits (words[0])) {
        if (!cli_parse_number (words[0], &request.report_id) || request.report_id == 0)
            return cli_usage_error (cli, "'%s' is not a report id", words[0]);
    } else
        request.reg_no = words[0];
    return cli_ask (cli, "intake", &bs_report_get_schema, &request, &bs_report_schema,
                    s_report_print, NULL);
}

static void
s_reports_print (const void *reply, const void *context)
{
    const bs_report_page_t *page = reply;
    (void) context;
    static const char *const headers[] = {">ID",   "REG NO", "!",       "UNIT",
                                          "TITLE", "KIND",   "CHANNEL", "RECEIVED"};
    cli_table_t *table = cli_table_new (8, headers);
    if (!table)
        return;
    cli_table_set_max_width (table, 3, 24);
    cli_table_set_max_width (table, 4, 40);
    const bs_report_t *reports = page->reports.items;
    for (size_t i = 0; i < page->reports.count; i++) {
        const bs_report_t *report = &reports[i];
        char id[24], received[32];
        snprintf (id, sizeof id, "%llu", (unsigned long long) report->report_id);
        cli_time_format (report->received_at, received, sizeof received);
        const char *cells[] = {id,
                               report->reg_no,
                               report->urgent ? "!" : "",
                               report->unit,
                               report->title,
                               report->kind,
                               report->channel,
                               received};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "no reports");
    if (page->next)
        printf ("more: baosong reports --after %llu\n", (unsigned long long) page->next);
}

int
cli_cmd_reports (cli_t *cli, int argc, char **argv)
{
    bs_report_list_t request = {0};
    cli_option_t options[] = {
        {"after", CLI_OPTION_NUMBER, &request.after},
        {"limit", CLI_OPTION_NUMBER, &request.limit},
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    return cli_ask (cli, "intake", &bs_report_list_schema, &request, &bs_report_page_schema,
                    s_reports_print, NULL);
}
