/*  commands_intake: `baosong submit`, `phone`, `walk-in`, `report` and
    `reports`, the commands that register and show reports at intake
    (intake.submit, intake.get, intake.list), and the receipt every way of
    submitting prints.
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

void
cli_receipt_print (const bs_submitted_t *receipt)
{
    const char *status = receipt->status ? receipt->status : "registered";
    unsigned long long id = (unsigned long long) receipt->report_id;
    if (strcmp (status, "registered") == 0)
        printf ("registered %s (report %llu)\n", receipt->reg_no, id);
    else if (strcmp (status, "duplicate") == 0)
        printf ("duplicate of %s (report %llu): the same report is already registered\n",
                receipt->reg_no, id);
    else if (strcmp (status, "revised") == 0)
        printf ("revised %s (report %llu): version %llu\n", receipt->reg_no, id,
                (unsigned long long) receipt->version);
    else if (strcmp (status, "held") == 0)
        printf ("held as %llu: no unit is known for the sender; staff assign it with "
                "`baosong held assign %llu --unit UNIT`\n",
                (unsigned long long) receipt->hold_id, (unsigned long long) receipt->hold_id);
    else
        printf ("%s: %s (%s)\n", status, receipt->message ? receipt->message : "",
                receipt->field ? receipt->field : "");
    if (receipt->commission)
        printf ("answers commission %llu\n", (unsigned long long) receipt->commission);
    if (receipt->note)
        printf ("note: %s\n", receipt->note);
}

int
cli_receipt_ask (cli_t *cli, const char *service, const bs_schema_t *schema, const void *request)
{
    bs_submitted_t reply = {0};
    int rc = cli_call (cli, service, schema, request, &bs_submitted_schema, &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (cli->json)
        cli_json_print (&bs_submitted_schema, &reply, false);
    else
        cli_receipt_print (&reply);
    bs_codec_record_free (&bs_submitted_schema, &reply);
    return CLI_EXIT_OK;
}

/* What submit, phone and walk-in share: their options and the request. */
typedef struct {
    const char *unit, *title, *body_text, *body_file, *kind, *topic, *channel;
    const char *officer, *token, *sender, *operator_name, *key, *message_id, *revision_of;
    const char *attach, *content_type;
    uint64_t called_at, commission;
    bool urgent;
} s_submission_t;

/* Options every way of submitting takes; the caller adds its own. */
#define S_SUBMIT_OPTIONS(o)                                                                        \
    {"unit", CLI_OPTION_TEXT, &(o).unit}, {"title", CLI_OPTION_TEXT, &(o).title},                  \
        {"body", CLI_OPTION_TEXT, &(o).body_text}, {"body-file", CLI_OPTION_TEXT, &(o).body_file}, \
        {"kind", CLI_OPTION_TEXT, &(o).kind}, {"urgent", CLI_OPTION_FLAG, &(o).urgent},            \
        {"topic", CLI_OPTION_TEXT, &(o).topic}, {"key", CLI_OPTION_TEXT, &(o).key},                \
        {"commission", CLI_OPTION_NUMBER, &(o).commission},                                        \
        {"operator", CLI_OPTION_TEXT, &(o).operator_name},                                         \
        {"revision-of", CLI_OPTION_TEXT, &(o).revision_of},                                        \
        {"attach", CLI_OPTION_TEXT, &(o).attach},                                                  \
    {                                                                                              \
        "content-type", CLI_OPTION_TEXT, &(o).content_type                                         \
    }

/* Read a file for --attach into bytes (malloc'd). */
static int
s_attachment (cli_t *cli, const char *path, const char *content_type, bs_attachment_t *attachment)
{
    bs_error_t error;
    FILE *file = fopen (path, "rb");
    if (!file) {
        bs_error_set (&error, BS_E_NOT_FOUND, "attachments", "cannot read %s: %m", path);
        cli_error_print (cli, &error);
        return CLI_EXIT_USAGE;
    }
    size_t capacity = 1 << 16, size = 0;
    unsigned char *data = malloc (capacity);
    size_t got;
    while (data && (got = fread (data + size, 1, capacity - size, file)) > 0) {
        size += got;
        if (size > BS_ATTACHMENT_MAX)
            break;
        if (size == capacity) {
            unsigned char *bigger = realloc (data, capacity * 2);
            if (!bigger) {
                free (data);
                data = NULL;
            }
            data = bigger;
            capacity *= 2;
        }
    }
    fclose (file);
    if (!data || size > BS_ATTACHMENT_MAX) {
        free (data);
        bs_error_set (&error, BS_E_INVALID, "attachments", "%s is larger than %u bytes", path,
                      BS_ATTACHMENT_MAX);
        cli_error_print (cli, &error);
        return CLI_EXIT_REFUSED;
    }
    const char *slash = strrchr (path, '/');
    *attachment = (bs_attachment_t){
        .name = (char *) (slash ? slash + 1 : path),
        .content_type = (char *) (content_type ? content_type : "application/octet-stream"),
        .data = {size, data}};
    return CLI_EXIT_OK;
}

static int
s_submission_send (cli_t *cli, const s_submission_t *given, const char *channel)
{
    if (!given->title)
        return cli_usage_error (cli, "--title is required");
    char *body = NULL;
    int rc = s_body (cli, given->body_text, given->body_file, &body);
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_attachment_t attachment = {0};
    if (given->attach
        && (rc = s_attachment (cli, given->attach, given->content_type, &attachment))
               != CLI_EXIT_OK) {
        free (body);
        return rc;
    }
    bs_submit_t request = {
        .unit = (char *) given->unit,
        .title = (char *) given->title,
        .body = body,
        .kind = (char *) given->kind,
        .urgent = given->urgent,
        .topic = (char *) given->topic,
        .channel = (char *) channel,
        .officer = (char *) given->officer,
        .token = (char *) given->token,
        .sender = (char *) given->sender,
        .operator_name = (char *) given->operator_name,
        .called_at = given->called_at,
        .message_id = (char *) given->message_id,
        .key = (char *) given->key,
        .revision_of = (char *) given->revision_of,
        .commission = given->commission,
        .attachments = {given->attach ? 1 : 0, &attachment},
    };
    rc = cli_receipt_ask (cli, "intake", &bs_submit_schema, &request);
    free (attachment.data.data);
    free (body);
    return rc;
}

int
cli_cmd_submit (cli_t *cli, int argc, char **argv)
{
    s_submission_t given = {0};
    cli_option_t options[] = {
        S_SUBMIT_OPTIONS (given),
        {"channel", CLI_OPTION_TEXT, &given.channel},
        {"officer", CLI_OPTION_TEXT, &given.officer},
        {"token", CLI_OPTION_TEXT, &given.token},
        {"sender", CLI_OPTION_TEXT, &given.sender},
        {"message-id", CLI_OPTION_TEXT, &given.message_id},
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    const char *channel = given.channel ? given.channel : "walk_in";
    /* Keyed in at this terminal: whoever runs the command is the operator
       unless another is named. */
    if (!given.operator_name && strcmp (channel, "walk_in") == 0)
        given.operator_name = getenv ("USER") && *getenv ("USER") ? getenv ("USER") : "staff";
    return s_submission_send (cli, &given, channel);
}

int
cli_cmd_phone (cli_t *cli, int argc, char **argv)
{
    s_submission_t given = {0};
    cli_option_t options[] = {
        S_SUBMIT_OPTIONS (given),
        {"caller", CLI_OPTION_TEXT, &given.sender},
        {"called-at", CLI_OPTION_NUMBER, &given.called_at},
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!given.sender)
        return cli_usage_error (cli, "--caller NUMBER is required");
    if (!given.operator_name)
        return cli_usage_error (cli, "--operator NAME (who took the call) is required");
    return s_submission_send (cli, &given, "phone");
}

int
cli_cmd_walk_in (cli_t *cli, int argc, char **argv)
{
    s_submission_t given = {0};
    cli_option_t options[] = {S_SUBMIT_OPTIONS (given), {NULL, 0, NULL}};
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!given.unit)
        return cli_usage_error (cli, "--unit is required");
    if (!given.operator_name)
        return cli_usage_error (cli, "--operator NAME (who keyed it in) is required");
    return s_submission_send (cli, &given, "walk_in");
}

static void
s_report_print (const void *reply, const void *context)
{
    const bs_report_t *report = reply;
    (void) context;
    char received[32];
    cli_time_format (report->received_at, received, sizeof received);
    unsigned long long version = report->version ? report->version : 1;
    printf ("report %llu  %s%s\n", (unsigned long long) report->report_id, report->reg_no,
            report->urgent ? "  URGENT" : "");
    printf ("unit:      %s\n", report->unit);
    printf ("title:     %s\n", report->title);
    printf ("kind:      %s\n", report->kind);
    if (report->topic && *report->topic)
        printf ("topic:     %s\n", report->topic);
    printf ("channel:   %s\n", report->channel);
    printf ("received:  %s\n", received);
    if (report->officer && *report->officer)
        printf ("officer:   %s\n", report->officer);
    printf ("version:   %llu%s\n", version,
            version > 1 ? " (earlier ones: baosong report REG_NO --version N)" : "");
    const bs_provenance_t *provenances = report->provenances.items;
    for (size_t i = 0; i < report->provenances.count; i++) {
        const bs_provenance_t *from = &provenances[i];
        char at[32];
        cli_time_format (from->received_at, at, sizeof at);
        printf ("came by:   %s %s", from->channel, at);
        if (from->sender && *from->sender)
            printf ("  from %s", from->sender);
        if (from->officer && *from->officer)
            printf ("  officer %s", from->officer);
        if (from->operator_name && *from->operator_name)
            printf ("  operator %s", from->operator_name);
        if (from->key && *from->key)
            printf ("  key %s", from->key);
        printf ("\n");
    }
    const bs_attachment_t *attachments = report->attachments.items;
    for (size_t i = 0; i < report->attachments.count; i++)
        printf ("attached:  [%zu] %s (%s, %llu bytes, sha256 %.16s…)\n", i, attachments[i].name,
                attachments[i].content_type, (unsigned long long) attachments[i].size,
                attachments[i].sha256 ? attachments[i].sha256 : "");
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
    if (argc >= 1 && strcmp (argv[0], "show") == 0) /* `report show X` reads as `report X` */
        argc--, argv++;
    bs_report_get_t request = {0};
    cli_option_t options[] = {{"version", CLI_OPTION_NUMBER, &request.version}, {NULL, 0, NULL}};
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1,
                                "which report? give its id or registration number");
    if (rc != CLI_EXIT_OK)
        return rc;
    if (s_all_digits (words[0])) {
        if (!cli_parse_number (words[0], &request.report_id) || request.report_id == 0)
            return cli_usage_error (cli, "'%s' is not a report id", words[0]);
    } else
        request.reg_no = words[0];
    return cli_ask (cli, "intake", &bs_report_get_schema, &request, &bs_report_schema,
                    s_report_print, NULL);
}

static void
s_report_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_report_t *report = entry;
    (void) context;
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

static const char *const s_report_headers[] = {">ID",   "REG NO", "!",       "UNIT",
                                               "TITLE", "KIND",   "CHANNEL", "RECEIVED"};
static const size_t s_report_widths[] = {0, 0, 0, 24, 40, 0, 0, 0};
static const cli_list_t s_reports = {.columns = 8,
                                     .headers = s_report_headers,
                                     .widths = s_report_widths,
                                     .row = s_report_row,
                                     .empty = "no reports"};

int
cli_cmd_reports (cli_t *cli, int argc, char **argv)
{
    bs_report_list_t request = {0};
    cli_option_t options[] = {CLI_PAGE_OPTIONS (request), {NULL, 0, NULL}};
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_list (cli, "intake", &bs_report_list_schema, &request, &bs_report_page_schema,
                     &s_reports, NULL);
}
