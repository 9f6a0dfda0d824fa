/*  output: JSON and error output shared by every command.

    --json prints a reply by walking its schema table, not by naming its
    fields, so a field added to schemas/bs_schemas.def shows up in the CLI's
    JSON with no change here. Absent optional strings print as null; bytes
    print as base64; every other field prints with its value, so a script
    sees the full record.

    Errors go to stderr as "baosong: <sentence>" for a person, or to stdout
    as {"error": {"code", "field", "message"}} for a script using --json.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "cli.h"

static json_t *
s_number (uint64_t value)
{
    /* jansson integers are signed 64-bit; larger values keep their digits
       as a string rather than wrapping to a negative number. */
    if (value <= (uint64_t) INT64_MAX)
        return json_integer ((json_int_t) value);
    char digits[24];
    snprintf (digits, sizeof digits, "%llu", (unsigned long long) value);
    return json_string (digits);
}

static json_t *
s_field (const bs_field_t *field, const void *member)
{
    switch (field->type) {
    case BS_FIELD_STR: {
        const char *text = *(char *const *) member;
        /* Decoded strings are valid UTF-8; a NULL one is an absent optional. */
        return text ? json_string (text) : json_null ();
    }
    case BS_FIELD_U64:
        return s_number (*(const uint64_t *) member);
    case BS_FIELD_BOOL:
        return json_boolean (*(const bool *) member);
    case BS_FIELD_U64_LIST: {
        const bs_u64_list_t *list = member;
        json_t *array = json_array ();
        for (size_t i = 0; i < list->count; i++)
            json_array_append_new (array, s_number (list->items[i]));
        return array;
    }
    case BS_FIELD_BIN: {
        /* Bytes (attachments) print as base64, the usual form in JSON. */
        const bs_bytes_t *bytes = member;
        size_t length = sodium_base64_encoded_len (bytes->size, sodium_base64_VARIANT_ORIGINAL);
        char *text = malloc (length);
        if (!text)
            return json_null ();
        sodium_bin2base64 (text, length, bytes->data, bytes->size, sodium_base64_VARIANT_ORIGINAL);
        json_t *string = json_string (text);
        free (text);
        return string;
    }
    case BS_FIELD_LIST: {
        const bs_list_t *list = member;
        json_t *array = json_array ();
        for (size_t i = 0; i < list->count && field->item; i++) {
            const char *item = (const char *) list->items + i * field->item->record_size;
            json_array_append_new (array, cli_json_record (field->item, item));
        }
        return array;
    }
    }
    return json_null ();
}

void *
cli_json_record (const bs_schema_t *schema, const void *record)
{
    json_t *object = json_object ();
    for (size_t i = 0; i < schema->field_count; i++) {
        const bs_field_t *field = &schema->fields[i];
        json_t *value = s_field (field, (const char *) record + field->offset);
        json_object_set_new (object, field->name, value ? value : json_null ());
    }
    return object;
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
        json_t *object =
            json_pack ("{s:{s:s, s:s?, s:s}}", "error", "code", bs_error_name (error->code),
                       "field", error->field[0] ? error->field : NULL, "message", error->text);
        cli_json_print_value (object, false);
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
