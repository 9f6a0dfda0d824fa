/*  call: one request to one service, for a person waiting at a terminal.

    The services' own patience (request_timeout_ms × 1 + request_retries,
    12 s by default) suits programs; a person who forgot `baosong up` should
    hear so within a few seconds, so the CLI waits 2 s per try and tries
    twice unless the configuration (file, --config, BAOSONG_REQUEST_TIMEOUT_MS,
    BAOSONG_REQUEST_RETRIES) gives request_timeout_ms or request_retries:
    then it waits as configured. A command whose service works long (issue
    render, bulletin issue) sets cli->wait_ms, the least a try waits. When
    no reply came, the CLI says how long it waited and which keys set that.
    Retries keep the same idempotency key, so a slow submit is still
    registered once.

    Strings are checked for UTF-8 here, before sending: a service refuses a
    frame with bad UTF-8 as malformed without reading its envelope id, so
    its error reply could not be matched to the request, and a person
    would wait for a timeout instead of hearing which option is wrong.
*/
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "bs_clock.h"
#include "cli.h"

#define CLI_TIMEOUT_MS 2000
#define CLI_TRIES 2

void
cli_sockets_init (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
}

void
cli_patience (const cli_t *cli, int *timeout_ms, int *tries)
{
    if (bs_config_is_set (cli->config, "request_timeout_ms"))
        *timeout_ms = (int) bs_config_get_number (cli->config, "request_timeout_ms");
    if (bs_config_is_set (cli->config, "request_retries"))
        *tries = 1 + (int) bs_config_get_number (cli->config, "request_retries");
    if (*timeout_ms < cli->wait_ms)
        *timeout_ms = cli->wait_ms;
    if (*tries < 1)
        *tries = 1;
}

/* Fill error and return false if a string field of record is not UTF-8. */
static bool
s_utf8_valid (const bs_schema_t *schema, const void *record, bs_error_t *error)
{
    for (size_t i = 0; i < schema->field_count; i++) {
        const bs_field_t *field = &schema->fields[i];
        if (field->type != BS_FIELD_STR)
            continue;
        const char *text = *(char *const *) ((const char *) record + field->offset);
        if (text && !bs_codec_utf8_valid (text, strlen (text))) {
            bs_error_set (error, BS_E_INVALID, field->name,
                          "the %s is not UTF-8 text (convert it first, e.g. iconv -f GBK -t UTF-8)",
                          field->name);
            return false;
        }
    }
    return true;
}

/* No reply came: the command may have been done or not. Say how long
   the CLI waited, and how to run it again so that it is done at most once. */
static void
s_retry_print (cli_t *cli, const char *id, int timeout_ms, int tries)
{
    if (cli->json)
        return;
    if (!zsys_interrupted)
        fprintf (stderr,
                 "baosong: waited %d %s of %d ms (to wait longer, set request_timeout_ms and "
                 "request_retries, e.g. BAOSONG_REQUEST_TIMEOUT_MS=20000)\n",
                 tries, tries == 1 ? "try" : "tries", timeout_ms);
    fputs ("baosong: if it got there it may have been done; to have it done at most once, "
           "run it again as\n  ",
           stderr);
    cli_command_line_print (cli, stderr, "id", id);
    fputc ('\n', stderr);
}

int
cli_call (cli_t *cli, const char *service, const bs_schema_t *request_schema, const void *request,
          const bs_schema_t *reply_schema, void *reply)
{
    return cli_call_refusal (cli, service, request_schema, request, reply_schema, reply, NULL);
}

int
cli_call_refusal (cli_t *cli, const char *service, const bs_schema_t *request_schema,
                  const void *request, const bs_schema_t *reply_schema, void *reply,
                  bs_error_t *refusal)
{
    bs_error_t error;
    bs_error_clear (&error);
    if (!s_utf8_valid (request_schema, request, &error)) {
        cli_error_print (cli, &error);
        return CLI_EXIT_REFUSED;
    }
    char fresh[BS_ID_MAX];
    const char *id = cli->id;
    if (!id) {
        bs_clock_random_id (fresh, sizeof fresh);
        id = fresh;
    }
    if (!bs_codec_utf8_valid (id, strlen (id))) {
        bs_error_set (&error, BS_E_INVALID, "id", "the --id key is not UTF-8 text");
        cli_error_print (cli, &error);
        return CLI_EXIT_USAGE;
    }
    cli_sockets_init ();
    bs_client_t *client = bs_client_new (cli->config, service, "cli");
    if (!client) {
        bs_error_set (&error, BS_E_SYSTEM, "", "out of memory");
        cli_error_print (cli, &error);
        return CLI_EXIT_REFUSED;
    }
    int timeout_ms = CLI_TIMEOUT_MS, tries = CLI_TRIES;
    cli_patience (cli, &timeout_ms, &tries);
    bs_client_set_patience (client, timeout_ms, tries);
    int rc =
        bs_client_call_with_id (client, id, request_schema, request, reply_schema, reply, &error);
    bs_client_destroy (&client);
    if (rc == BS_OK)
        return CLI_EXIT_OK;
    if (refusal && error.reason[0] && !zsys_interrupted) {
        *refusal = error;
        return cli_exit_code (rc);
    }
    /* Unavailable naming a field: refused before anything was sent. */
    bool unanswered = zsys_interrupted || (rc == BS_E_UNAVAILABLE && !error.field[0]);
    if (zsys_interrupted)
        bs_error_set (&error, BS_E_SYSTEM, "", "interrupted");
    else if (error.code == BS_OK)
        bs_error_set (&error, rc, "", "%s failed: %s", service, bs_error_name (rc));
    cli_error_print (cli, &error);
    if (unanswered)
        s_retry_print (cli, id, timeout_ms, tries);
    return zsys_interrupted ? CLI_EXIT_INTERRUPTED : cli_exit_code (rc);
}

int
cli_report_id (cli_t *cli, const char *word, uint64_t *report_id)
{
    if (cli_parse_number (word, report_id) && *report_id > 0)
        return CLI_EXIT_OK;
    if (!strchr (word, '-'))
        return cli_usage_error (cli, "'%s' is not a report id or a registration number", word);
    bs_report_get_t request = {.reg_no = (char *) word};
    bs_report_t report = {0};
    int rc = cli_call (cli, "intake", &bs_report_get_schema, &request, &bs_report_schema, &report);
    if (rc == CLI_EXIT_OK) {
        *report_id = report.report_id;
        bs_codec_record_free (&bs_report_schema, &report);
    }
    return rc;
}

int
cli_ask (cli_t *cli, const char *service, const bs_schema_t *request_schema, const void *request,
         const bs_schema_t *reply_schema, cli_print_fn *print, const void *context)
{
    void *reply = calloc (1, reply_schema->record_size);
    if (!reply) {
        fprintf (stderr, "baosong: out of memory\n");
        return CLI_EXIT_REFUSED;
    }
    int rc = cli_call (cli, service, request_schema, request, reply_schema, reply);
    if (rc == CLI_EXIT_OK)
        rc = cli_show (cli, reply_schema, reply, print, context);
    free (reply);
    return rc;
}
