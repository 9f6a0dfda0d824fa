/*  commands_sessions: `baosong session open|comment|close|show`, critique
    sessions (講評會) a leader holds over a batch of cases
    (review.session_*). They act as the certificate's holder, as a leader (or admin).
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *s_title, *s_comment;

static void
s_session_print (const void *reply, const void *context)
{
    const bs_session_t *session = reply;
    (void) context;
    char opened[32], closed[32];
    cli_time_format (session->opened_at, opened, sizeof opened);
    cli_time_format (session->closed_at, closed, sizeof closed);
    printf ("session %llu: %s\n", (unsigned long long) session->session_id, session->title);
    printf ("leader %s, %s, opened %s%s%s\n", session->leader, session->state, opened,
            session->closed_at ? ", closed " : "", session->closed_at ? closed : "");
    printf ("cases:");
    for (size_t i = 0; i < session->report_ids.count; i++)
        printf (" %llu", (unsigned long long) session->report_ids.items[i]);
    printf ("\n");
    const bs_session_entry_t *entries = session->entries.items;
    for (size_t i = 0; i < session->entries.count; i++)
        printf ("  %llu  %s: %s\n", (unsigned long long) entries[i].report_id, entries[i].author,
                entries[i].comment);
}

static int
s_session_id (cli_t *cli, const char *word, uint64_t *session_id)
{
    if (!cli_parse_number (word, session_id) || *session_id == 0)
        return cli_usage_error (cli, "'%s' is not a session id (a number from 1)", word);
    return CLI_EXIT_OK;
}

/* Parse the options every subcommand shares, and its words. */
static int
s_parse (cli_t *cli, int argc, char **argv, char **words, size_t max, size_t *count)
{
    cli_option_t options[] = {{"title", CLI_OPTION_TEXT, &s_title},
                              {"comment", CLI_OPTION_TEXT, &s_comment},
                              {NULL, 0, NULL}};
    return cli_options_parse (cli, argc, argv, options, words, max, count);
}

static int
s_open (cli_t *cli, int argc, char **argv)
{
    char **words = calloc ((size_t) argc + 1, sizeof *words);
    if (!words)
        return CLI_EXIT_REFUSED;
    size_t count;
    int rc = s_parse (cli, argc, argv, words, (size_t) argc, &count);
    bs_session_open_t request = {.title = (char *) s_title,
                                 .editor = (char *) cli_person (),
                                 .role = (char *) cli_role (CLI_ROLES_LEAD)};
    if (rc == CLI_EXIT_OK && (!s_title || count == 0))
        rc = cli_usage_error (cli, "a session needs --title and the report ids it reviews");
    if (rc == CLI_EXIT_OK)
        rc = cli_report_ids (cli, words, count, &request.report_ids);
    if (rc == CLI_EXIT_OK)
        rc = cli_ask (cli, "review", &bs_session_open_schema, &request, &bs_session_schema,
                      s_session_print, NULL);
    free (request.report_ids.items);
    free (words);
    return rc;
}

static int
s_comment_add (cli_t *cli, int argc, char **argv)
{
    char *words[2];
    size_t count;
    bs_session_comment_t request = {0};
    int rc = s_parse (cli, argc, argv, words, 2, &count);
    if (rc == CLI_EXIT_OK && (count != 2 || !s_comment))
        rc = cli_usage_error (cli, "give the session id, the report id and --comment TEXT");
    if (rc == CLI_EXIT_OK)
        rc = s_session_id (cli, words[0], &request.session_id);
    if (rc == CLI_EXIT_OK)
        rc = cli_report_id (cli, words[1], &request.report_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.comment = (char *) s_comment;
    request.editor = (char *) cli_person ();
    request.role = (char *) cli_role (CLI_ROLES_LEAD);
    return cli_ask (cli, "review", &bs_session_comment_schema, &request, &bs_session_schema,
                    s_session_print, NULL);
}

/* close and show: one SESSION_ID. */
static int
s_by_id (cli_t *cli, int argc, char **argv, bool close)
{
    char *words[1];
    size_t count;
    uint64_t session_id = 0;
    int rc = s_parse (cli, argc, argv, words, 1, &count);
    if (rc == CLI_EXIT_OK && count != 1)
        rc = cli_usage_error (cli, "which session? give its id");
    if (rc == CLI_EXIT_OK)
        rc = s_session_id (cli, words[0], &session_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (close) {
        bs_session_close_t request = {.session_id = session_id,
                                      .editor = (char *) cli_person (),
                                      .role = (char *) cli_role (CLI_ROLES_LEAD)};
        return cli_ask (cli, "review", &bs_session_close_schema, &request, &bs_session_schema,
                        s_session_print, NULL);
    }
    bs_session_get_t request = {.session_id = session_id};
    return cli_ask (cli, "review", &bs_session_get_schema, &request, &bs_session_schema,
                    s_session_print, NULL);
}

static int
s_close (cli_t *cli, int argc, char **argv)
{
    return s_by_id (cli, argc, argv, true);
}

static int
s_show (cli_t *cli, int argc, char **argv)
{
    return s_by_id (cli, argc, argv, false);
}

int
cli_cmd_session (cli_t *cli, int argc, char **argv)
{
    static const cli_subcommand_t table[] = {{"open", s_open},
                                             {"comment", s_comment_add},
                                             {"close", s_close},
                                             {"show", s_show},
                                             {NULL, NULL}};
    return cli_dispatch (cli, argc, argv, table);
}
