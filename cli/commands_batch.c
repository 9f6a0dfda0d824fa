/*  commands_batch: `baosong batch` (the direct channel, 直報系統, over
    ZeroMQ: intake.batch) and `baosong attachment` (intake.attachment_get).
*/
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A string member of an item, NULL when absent; a non-string is an
   error. */
static bool
s_member (json_t *item, const char *name, char **value)
{
    json_t *member = json_object_get (item, name);
    *value = NULL;
    if (!member || json_is_null (member))
        return true;
    if (!json_is_string (member))
        return false;
    *value = (char *) json_string_value (member);
    return true;
}

/* The items of a batch file into items (pointing into root). */
static int
s_items (cli_t *cli, json_t *root, bs_submit_t **items_p, size_t *count_p)
{
    json_t *array = json_is_array (root) ? root : json_object_get (root, "items");
    if (!json_is_array (array) || json_array_size (array) == 0)
        return cli_usage_error (cli, "the batch file holds no items: give [{...}, ...] or "
                                     "{\"items\": [...]}");
    size_t count = json_array_size (array);
    if (count > BS_BATCH_MAX)
        return cli_usage_error (cli, "a batch holds at most %d items; this one has %zu",
                                BS_BATCH_MAX, count);
    bs_submit_t *items = calloc (count, sizeof *items);
    if (!items)
        return cli_usage_error (cli, "out of memory");
    for (size_t i = 0; i < count; i++) {
        json_t *item = json_array_get (array, i);
        bs_submit_t *submit = &items[i];
        bool good =
            json_is_object (item) && s_member (item, "key", &submit->key)
            && s_member (item, "title", &submit->title) && s_member (item, "body", &submit->body)
            && s_member (item, "kind", &submit->kind) && s_member (item, "topic", &submit->topic)
            && s_member (item, "unit", &submit->unit) && s_member (item, "sender", &submit->sender)
            && s_member (item, "revision_of", &submit->revision_of);
        json_t *urgent = json_object_get (item, "urgent");
        submit->urgent = urgent && json_is_true (urgent);
        if (!good || !submit->title || !submit->body) {
            free (items);
            return cli_usage_error (cli,
                                    "item %zu: an item is an object with string title, body and "
                                    "key (kind, topic, unit, sender, revision_of optional)",
                                    i);
        }
    }
    *items_p = items;
    *count_p = count;
    return CLI_EXIT_OK;
}

static void
s_results_print (const bs_batch_page_t *page)
{
    static const char *const headers[] = {">#", "KEY", "STATUS", "REG NO", "MESSAGE"};
    cli_table_t *table = cli_table_new (5, headers);
    if (!table)
        return;
    cli_table_set_max_width (table, 4, 60);
    const bs_submitted_t *results = page->results.items;
    size_t refused = 0;
    for (size_t i = 0; i < page->results.count; i++) {
        char number[24], message[1200] = "";
        snprintf (number, sizeof number, "%zu", i);
        const bs_submitted_t *result = &results[i];
        if (result->field && *result->field)
            snprintf (message, sizeof message, "%s: %s", result->field,
                      result->message ? result->message : "");
        refused += result->status && strcmp (result->status, "error") == 0;
        const char *cells[] = {number, result->key, result->status, result->reg_no, message};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "no results");
    printf ("%zu items, %zu refused\n", page->results.count, refused);
}

int
cli_cmd_batch (cli_t *cli, int argc, char **argv)
{
    const char *token = NULL;
    cli_option_t options[] = {{"token", CLI_OPTION_TEXT, &token}, {NULL, 0, NULL}};
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1, "give the batch file (JSON)");
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!token)
        return cli_usage_error (cli, "--token SECRET is required");
    json_error_t problem;
    json_t *root = json_load_file (words[0], 0, &problem);
    if (!root)
        return cli_usage_error (cli, "%s:%d: %s", words[0], problem.line, problem.text);
    bs_submit_t *items = NULL;
    size_t count = 0;
    rc = s_items (cli, root, &items, &count);
    if (rc == CLI_EXIT_OK) {
        bs_batch_t request = {.token = (char *) token, .items = {count, items}};
        bs_batch_page_t reply = {0};
        rc = cli_call (cli, "intake", &bs_batch_schema, &request, &bs_batch_page_schema, &reply);
        if (rc == CLI_EXIT_OK) {
            if (cli->json)
                cli_json_print (&bs_batch_page_schema, &reply, false);
            else
                s_results_print (&reply);
            bs_codec_record_free (&bs_batch_page_schema, &reply);
        }
    }
    free (items);
    json_decref (root);
    return rc;
}

int
cli_cmd_attachment (cli_t *cli, int argc, char **argv)
{
    bs_attachment_get_t request = {0};
    const char *output = NULL;
    cli_option_t options[] = {{"version", CLI_OPTION_NUMBER, &request.version},
                              {"output", CLI_OPTION_TEXT, &output},
                              {NULL, 0, NULL}};
    char *words[2];
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, words, 2, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (count != 2 || !cli_parse_number (words[1], &request.index))
        return cli_usage_error (cli, "give the report and the attachment's index (0, 1, ...)");
    rc = cli_report_id (cli, words[0], &request.report_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_attachment_t reply = {0};
    rc = cli_call (cli, "intake", &bs_attachment_get_schema, &request, &bs_attachment_schema,
                   &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (cli->json)
        cli_json_print (&bs_attachment_schema, &reply, false);
    else {
        FILE *file = output ? fopen (output, "wb") : cli_output_raw ();
        if (!file || fwrite (reply.data.data, 1, reply.data.size, file) != reply.data.size) {
            bs_error_t error;
            bs_error_set (&error, BS_E_SYSTEM, "output", "cannot write %s: %m",
                          output ? output : "standard output");
            cli_error_print (cli, &error);
            rc = CLI_EXIT_REFUSED;
        }
        if (file && output)
            fclose (file);
        else
            fflush (file);
        if (rc == CLI_EXIT_OK && output)
            fprintf (stderr, "%s: %s, %llu bytes, sha256 %s\n", output, reply.name,
                     (unsigned long long) reply.size, reply.sha256 ? reply.sha256 : "");
    }
    bs_codec_record_free (&bs_attachment_schema, &reply);
    return rc;
}
