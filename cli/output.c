/*  output: JSON and error output shared by every command.

    --json prints a reply with bs_json (common/bs_json.h), which walks its
    schema table, not its field names, so a field added to
    schemas/bs_schemas.def shows up in the CLI's JSON with no change here;
    the gateway's HTTP API uses the same mapping.

    Errors go to stderr as "baosong: <sentence>" for a person, or to stdout
    as {"error": {"code", "field", "message"}} for a script using --json.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bs_json.h"
#include "cli.h"

void *
cli_json_record (const bs_schema_t *schema, const void *record)
{
    return bs_json_from_record (schema, record);
}

void
cli_json_print_value (void *value, bool compact)
{
    if (!value)
        return;
    size_t flags = JSON_PRESERVE_ORDER | (compact ? JSON_COMPACT : JSON_INDENT (2));
    char *text = json_dumps (value, flags);
    if (text) {
        fputs (text, stdout);
        fputc ('\n', stdout);
        free (text);
    }
    json_decref ((json_t *) value);
}

void
cli_json_print (const bs_schema_t *schema, const void *record, bool compact)
{
    cli_json_print_value (cli_json_record (schema, record), compact);
}

int
cli_exit_code (int code)
{
    if (code == BS_OK)
        return CLI_EXIT_OK;
    if (code == BS_E_UNAVAILABLE || code == BS_E_TIMEOUT)
        return CLI_EXIT_UNAVAILABLE;
    return CLI_EXIT_REFUSED;
}

void
cli_error_print (cli_t *cli, const bs_error_t *error)
{
    if (cli->json) {
        cli_json_print_value (bs_json_error (error), false);
        return;
    }
    /* Name the field at fault unless the sentence already does. */
    if (error->field[0] && !strstr (error->text, error->field))
        fprintf (stderr, "baosong: %s (field: %s)\n", error->text, error->field);
    else
        fprintf (stderr, "baosong: %s\n",
                 error->text[0] ? error->text : bs_error_name (error->code));
}

void
cli_time_format (uint64_t at, char *buffer, size_t size)
{
    if (at == 0) {
        snprintf (buffer, size, "-");
        return;
    }
    time_t seconds = (time_t) (at / 1000);
    struct tm local;
    localtime_r (&seconds, &local);
    strftime (buffer, size, "%Y-%m-%d %H:%M", &local);
}

void
cli_periodical_format (const char *name, char *buffer, size_t size)
{
    if (!name)
        name = "";
    if (strncmp (name, "《", strlen ("《")) == 0)
        snprintf (buffer, size, "%s", name);
    else
        snprintf (buffer, size, "《%s》", name);
}

int
cli_show (cli_t *cli, const bs_schema_t *schema, void *reply, cli_print_fn *print,
          const void *context)
{
    if (cli->json)
        cli_json_print (schema, reply, false);
    else
        print (reply, context);
    bs_codec_record_free (schema, reply);
    return CLI_EXIT_OK;
}
