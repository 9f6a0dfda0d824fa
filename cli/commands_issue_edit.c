/*  commands_issue_edit: the `baosong issue` subcommands that shape a
    draft after its reports are in (remove, move, edit-item, edit), the
    request for a sign-off (ask-signoff), a leader's sign-off (signoff),
    errata of a published issue (erratum, errata), and `baosong
    periodicals`.

    Each change is made by the holder of the CLI's certificate (cli_person),
    as the gateway makes it for the logged-in person.
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
cli_issue_reports_argument (cli_t *cli, int argc, char **argv, const cli_option_t *options,
                            size_t least, const char *missing, uint64_t *issue_id,
                            bs_u64_list_t *report_ids)
{
    char **words = calloc ((size_t) argc + 1, sizeof *words);
    if (!words)
        return CLI_EXIT_REFUSED;
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, words, (size_t) argc, &count);
    if (rc == CLI_EXIT_OK && count < 1 + least)
        rc = cli_usage_error (cli, "%s", missing);
    if (rc == CLI_EXIT_OK && count - 1 > BS_PAGE_MAX)
        rc = cli_usage_error (cli, "at most %d reports at a time", BS_PAGE_MAX);
    if (rc == CLI_EXIT_OK)
        rc = cli_number_argument (cli, words[0], "an issue id", issue_id);
    if (rc == CLI_EXIT_OK && count > 1)
        rc = cli_report_ids (cli, words + 1, count - 1, report_ids);
    free (words);
    return rc;
}

/* ISSUE_ID REPORT_ID|REG_NO... */
int
cli_issue_remove (cli_t *cli, int argc, char **argv)
{
    cli_option_t options[] = {{NULL, 0, NULL}};
    bs_issue_remove_t request = {0};
    int rc = cli_issue_reports_argument (cli, argc, argv, options, 1,
                                         "give an issue id and one or more report ids",
                                         &request.issue_id, &request.report_ids);
    request.by = (char *) cli_person ();
    if (rc == CLI_EXIT_OK)
        rc = cli_issue_call (cli, &bs_issue_remove_schema, &request);
    free (request.report_ids.items);
    return rc;
}

/* ISSUE_ID REPORT_ID|REG_NO POSITION */
int
cli_issue_move (cli_t *cli, int argc, char **argv)
{
    char *words[3];
    cli_option_t options[] = {{NULL, 0, NULL}};
    int rc = cli_options_words (cli, argc, argv, options, words, 3,
                                "give an issue id, a report and its new position (1 = first)");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_issue_move_t request = {.by = (char *) cli_person ()};
    rc = cli_number_argument (cli, words[0], "an issue id", &request.issue_id);
    if (rc == CLI_EXIT_OK)
        rc = cli_report_id (cli, words[1], &request.report_id);
    if (rc == CLI_EXIT_OK)
        rc = cli_number_argument (cli, words[2], "a position", &request.position);
    return rc == CLI_EXIT_OK ? cli_issue_call (cli, &bs_issue_move_schema, &request) : rc;
}

/* ISSUE_ID REPORT_ID|REG_NO [--title T] [--body B] [--section S]
   [--note N] [--credit UNITS] [--author A] */
int
cli_issue_edit_item (cli_t *cli, int argc, char **argv)
{
    char *words[2];
    const char *title = NULL, *body = NULL, *section = NULL, *note = NULL, *credit = NULL,
               *author = NULL;
    cli_option_t options[] = {
        {"title", CLI_OPTION_TEXT, &title},     {"body", CLI_OPTION_TEXT, &body},
        {"section", CLI_OPTION_TEXT, &section}, {"note", CLI_OPTION_TEXT, &note},
        {"credit", CLI_OPTION_TEXT, &credit},   {"author", CLI_OPTION_TEXT, &author},
        {NULL, 0, NULL}};
    int rc = cli_options_words (cli, argc, argv, options, words, 2,
                                "give an issue id and one of its reports");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_issue_item_edit_t request = {.title = (char *) title,
                                    .body = (char *) body,
                                    .section = (char *) section,
                                    .note = (char *) note,
                                    .source_units = (char *) credit,
                                    .author = (char *) author,
                                    .by = (char *) cli_person ()};
    rc = cli_number_argument (cli, words[0], "an issue id", &request.issue_id);
    if (rc == CLI_EXIT_OK)
        rc = cli_report_id (cli, words[1], &request.report_id);
    return rc == CLI_EXIT_OK ? cli_issue_call (cli, &bs_issue_item_edit_schema, &request) : rc;
}

/* ISSUE_ID [--note TEXT] [--editor NAME] */
int
cli_issue_edit (cli_t *cli, int argc, char **argv)
{
    char *words[1];
    const char *note = NULL, *editor = NULL;
    cli_option_t options[] = {{"note", CLI_OPTION_TEXT, &note},
                              {"editor", CLI_OPTION_TEXT, &editor},
                              {NULL, 0, NULL}};
    int rc = cli_options_words (cli, argc, argv, options, words, 1, "which issue? give its id");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_issue_edit_t request = {.note = (char *) note,
                               .responsible_editor = (char *) editor,
                               .by = (char *) cli_person ()};
    rc = cli_number_argument (cli, words[0], "an issue id", &request.issue_id);
    return rc == CLI_EXIT_OK ? cli_issue_call (cli, &bs_issue_edit_schema, &request) : rc;
}

/* ISSUE_ID: ask the leaders to sign the draft off (送簽). */
int
cli_issue_signoff_ask (cli_t *cli, int argc, char **argv)
{
    char *words[1];
    cli_option_t options[] = {{NULL, 0, NULL}};
    int rc = cli_options_words (cli, argc, argv, options, words, 1, "give the issue id");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_issue_signoff_ask_t request = {.by = (char *) cli_person ()};
    rc = cli_number_argument (cli, words[0], "an issue id", &request.issue_id);
    return rc == CLI_EXIT_OK ? cli_issue_call (cli, &bs_issue_signoff_ask_schema, &request) : rc;
}

/* ISSUE_ID: the certificate's holder signs off, as a leader. */
int
cli_issue_signoff (cli_t *cli, int argc, char **argv)
{
    char *words[1];
    cli_option_t options[] = {{NULL, 0, NULL}};
    int rc = cli_options_words (cli, argc, argv, options, words, 1, "give the issue id");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_issue_signoff_t request = {.leader = (char *) cli_person (), .role = "leader"};
    rc = cli_number_argument (cli, words[0], "an issue id", &request.issue_id);
    return rc == CLI_EXIT_OK ? cli_issue_call (cli, &bs_issue_signoff_schema, &request) : rc;
}

static void
s_erratum_print (const void *reply, const void *context)
{
    const bs_erratum_t *erratum = reply;
    (void) context;
    printf ("erratum %llu of issue %llu recorded\n", (unsigned long long) erratum->erratum_id,
            (unsigned long long) erratum->issue_id);
}

/* ISSUE_ID TEXT [--report REPORT_ID|REG_NO] */
int
cli_issue_erratum (cli_t *cli, int argc, char **argv)
{
    char *words[2];
    const char *report = NULL;
    cli_option_t options[] = {
        {"report", CLI_OPTION_TEXT, &report}, {NULL, 0, NULL}};
    int rc = cli_options_words (cli, argc, argv, options, words, 2,
                                "give the published issue's id and the correction's text");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_erratum_add_t request = {.text = words[1], .by = (char *) cli_person ()};
    rc = cli_number_argument (cli, words[0], "an issue id", &request.issue_id);
    if (rc == CLI_EXIT_OK && report)
        rc = cli_report_id (cli, report, &request.report_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_ask (cli, "publication", &bs_erratum_add_schema, &request, &bs_erratum_schema,
                    s_erratum_print, NULL);
}

static void
s_erratum_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_erratum_t *erratum = entry;
    (void) context;
    char id[24], report[24] = "", recorded[32];
    snprintf (id, sizeof id, "%llu", (unsigned long long) erratum->erratum_id);
    if (erratum->report_id)
        snprintf (report, sizeof report, "%llu", (unsigned long long) erratum->report_id);
    cli_time_format (erratum->recorded_at, recorded, sizeof recorded);
    const char *cells[] = {id, report, recorded, erratum->by ? erratum->by : "", erratum->text};
    cli_table_add (table, cells);
}

static const char *const s_erratum_headers[] = {">ID", ">REPORT", "RECORDED", "BY", "TEXT"};
static const size_t s_erratum_widths[] = {0, 0, 0, 0, 60};
static const cli_list_t s_errata = {.columns = 5,
                                    .headers = s_erratum_headers,
                                    .widths = s_erratum_widths,
                                    .row = s_erratum_row,
                                    .empty = "no errata"};

/* ISSUE_ID */
int
cli_issue_errata (cli_t *cli, int argc, char **argv)
{
    char *words[1];
    size_t count;
    int rc =
        cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, words, 1, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (count != 1)
        return cli_usage_error (cli, "which issue? give its id");
    bs_errata_request_t request = {0};
    rc = cli_number_argument (cli, words[0], "an issue id", &request.issue_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_list (cli, "publication", &bs_errata_request_schema, &request,
                     &bs_errata_page_schema, &s_errata, NULL);
}

static void
s_periodical_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_periodical_t *periodical = entry;
    (void) context;
    const char *cells[] = {periodical->name,
                           periodical->code,
                           periodical->issuing_unit ? periodical->issuing_unit : "",
                           periodical->level,
                           periodical->upward ? "yes" : "no",
                           periodical->signoff ? "yes" : "no"};
    cli_table_add (table, cells);
}

static const char *const s_periodical_headers[] = {"NAME",  "CODE",   "ISSUING UNIT",
                                                   "LEVEL", "UPWARD", "SIGNOFF"};
static const cli_list_t s_periodicals = {.columns = 6,
                                         .headers = s_periodical_headers,
                                         .row = s_periodical_row,
                                         .empty = "no periodicals"};

static void
s_periodical_print (const void *reply, const void *context)
{
    const bs_periodical_t *periodical = reply;
    (void) context;
    printf ("periodical %s (%s, %s%s%s), upward %s, signoff %s\n", periodical->name,
            periodical->code, periodical->level,
            periodical->issuing_unit && *periodical->issuing_unit ? ", " : "",
            periodical->issuing_unit ? periodical->issuing_unit : "",
            periodical->upward ? "yes" : "no", periodical->signoff ? "yes" : "no");
}

/* A periodical added, or the one of that name changed
   (publication.periodical_put, admin): every attribute as given, an
   option left out is the attribute's default (no issuing unit, upward
   no, signoff no). A name never changes. */
static int
s_periodical_put (cli_t *cli, int argc, char **argv)
{
    bs_periodical_put_t request = {0};
    const char *code = NULL, *level = NULL, *issuing_unit = NULL;
    cli_option_t options[] = {
        {"code", CLI_OPTION_TEXT, &code},
        {"level", CLI_OPTION_TEXT, &level},
        {"issuing-unit", CLI_OPTION_TEXT, &issuing_unit},
        {"upward", CLI_OPTION_FLAG, &request.upward},
        {"signoff", CLI_OPTION_FLAG, &request.signoff},
        {NULL, 0, NULL},
    };
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1, "give the periodical's name");
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!code || !level)
        return cli_usage_error (cli, "--code and --level are required (county, city, province, "
                                     "central)");
    request.name = words[0];
    request.code = (char *) code;
    request.level = (char *) level;
    request.issuing_unit = (char *) issuing_unit;
    return cli_ask (cli, "publication", &bs_periodical_put_schema, &request, &bs_periodical_schema,
                    s_periodical_print, NULL);
}

int
cli_cmd_periodicals (cli_t *cli, int argc, char **argv)
{
    if (argc >= 1 && strcmp (argv[0], "put") == 0)
        return s_periodical_put (cli, argc - 1, argv + 1);
    size_t count;
    int rc =
        cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_periodical_list_t request = {0};
    return cli_list (cli, "publication", &bs_periodical_list_schema, &request,
                     &bs_periodical_page_schema, &s_periodicals, NULL);
}
