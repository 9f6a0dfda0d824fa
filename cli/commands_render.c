/*  commands_render: `baosong issue render ISSUE_ID --format pdf|docx|html|txt
    [--output FILE]`: publication renders the issue; the file is written
    here (to FILE, "-" for standard output, or by default to the name
    publication gives it, e.g. 《組工信息》2026年第3期（總第3期）.pdf).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
cli_file_write (const char *output, const char *filename, const char *format,
                const bs_bytes_t *content)
{
    const char *path = output ? output : filename;
    bool to_stdout = strcmp (path, "-") == 0;
    FILE *file = to_stdout ? stdout : fopen (path, "wb");
    if (!file) {
        fprintf (stderr, "baosong: cannot write %s: %s\n", path, strerror (errno));
        return CLI_EXIT_REFUSED;
    }
    bool written = fwrite (content->data, 1, content->size, file) == content->size;
    if (to_stdout)
        written = fflush (stdout) == 0 && written;
    else
        written = fclose (file) == 0 && written;
    if (!written) {
        fprintf (stderr, "baosong: cannot write %s: %s\n", path, strerror (errno));
        return CLI_EXIT_REFUSED;
    }
    if (!to_stdout)
        printf ("wrote %s (%s, %zu bytes)\n", path, format, content->size);
    return CLI_EXIT_OK;
}

int
cli_issue_render (cli_t *cli, int argc, char **argv)
{
    const char *format = NULL, *output = NULL;
    cli_option_t options[] = {{"format", CLI_OPTION_TEXT, &format},
                              {"output", CLI_OPTION_TEXT, &output},
                              {NULL, 0, NULL}};
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1,
                                "which issue? e.g. baosong issue render 3 --format pdf");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_document_request_t request = {.format = (char *) (format ? format : "pdf")};
    rc = cli_number_argument (cli, words[0], "an issue id", &request.issue_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* A long issue takes publication a few seconds to lay out: wait for
       it rather than ask again. */
    cli->wait_ms = 30000;
    bs_document_t document = {0};
    rc = cli_call (cli, "publication", &bs_document_request_schema, &request, &bs_document_schema,
                   &document);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = cli_file_write (output, document.filename, document.format, &document.content);
    bs_codec_record_free (&bs_document_schema, &document);
    return rc;
}
