/*  commands_instructions: leaders' comments (領導批示) and the reporting
    unit's follow-up (落實反饋): `baosong instruct`, `baosong follow-up` and
    `baosong instructions`, against the publication service.
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
s_instruction_print (const void *reply, const void *context)
{
    const bs_instruction_t *instruction = reply;
    (void) context;
    char at[32], due[32];
    cli_time_format (instruction->instructed_at, at, sizeof at);
    cli_time_format (instruction->follow_up_due, due, sizeof due);
    printf ("comment %llu on %s %s (%s)\n", (unsigned long long) instruction->instruction_id,
            instruction->reg_no, instruction->title, instruction->unit);
    printf ("%s (%s level) %s: %s\n", instruction->leader, instruction->level, at,
            instruction->text);
    if (instruction->follow_up_text)
        printf ("follow-up by %s: %s\n",
                instruction->follow_up_by ? instruction->follow_up_by : "-",
                instruction->follow_up_text);
    else
        printf ("follow-up due %s\n", due);
}

/* instruct REPORT_ID|REG_NO --leader NAME --level L --text TEXT [--issue ID]
   [--days N] */
int
cli_cmd_instruct (cli_t *cli, int argc, char **argv)
{
    const char *leader = NULL, *level = NULL, *text = NULL;
    bs_instruct_t request = {0};
    cli_option_t options[] = {{"leader", CLI_OPTION_TEXT, &leader},
                              {"level", CLI_OPTION_TEXT, &level},
                              {"text", CLI_OPTION_TEXT, &text},
                              {"issue", CLI_OPTION_NUMBER, &request.issue_id},
                              {"days", CLI_OPTION_NUMBER, &request.follow_up_days},
                              {NULL, 0, NULL}};
    int rc = cli_case_argument (cli, argc, argv, options, &request.report_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!leader || !level || !text)
        return cli_usage_error (cli, "give --leader NAME, --level LEVEL and --text TEXT");
    request.leader = (char *) leader;
    request.level = (char *) level;
    request.text = (char *) text;
    request.by = (char *) cli_person ();
    return cli_ask (cli, "publication", &bs_instruct_schema, &request, &bs_instruction_schema,
                    s_instruction_print, NULL);
}

/* follow-up INSTRUCTION_ID TEXT [--unit U] */
int
cli_cmd_follow_up (cli_t *cli, int argc, char **argv)
{
    char *words[2];
    const char *unit = NULL;
    cli_option_t options[] = {
        {"unit", CLI_OPTION_TEXT, &unit}, {NULL, 0, NULL}};
    int rc = cli_options_words (cli, argc, argv, options, words, 2,
                                "give the comment's id and the follow-up's text");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_follow_up_t request = {
        .text = words[1], .unit = (char *) unit, .by = (char *) cli_person ()};
    rc = cli_number_argument (cli, words[0], "a comment id", &request.instruction_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_ask (cli, "publication", &bs_follow_up_schema, &request, &bs_instruction_schema,
                    s_instruction_print, NULL);
}

static void
s_instruction_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_instruction_t *instruction = entry;
    (void) context;
    char id[24], due[32], answered[32] = "";
    snprintf (id, sizeof id, "%llu", (unsigned long long) instruction->instruction_id);
    cli_time_format (instruction->follow_up_due, due, sizeof due);
    if (instruction->follow_up_text)
        cli_time_format (instruction->follow_up_at, answered, sizeof answered);
    const char *cells[] = {id,
                           instruction->reg_no,
                           instruction->unit,
                           instruction->leader,
                           instruction->level,
                           due,
                           answered,
                           instruction->text};
    cli_table_add (table, cells);
}

static const char *const s_instruction_headers[] = {">ID",   "REG NO", "UNIT",     "LEADER",
                                                    "LEVEL", "DUE",    "ANSWERED", "TEXT"};
static const size_t s_instruction_widths[] = {0, 0, 0, 0, 0, 0, 0, 40};
static const cli_list_t s_instructions = {.columns = 8,
                                          .headers = s_instruction_headers,
                                          .widths = s_instruction_widths,
                                          .row = s_instruction_row,
                                          .empty = "no leaders' comments"};

/* instructions [--unit U] [--report REPORT_ID|REG_NO] [--overdue] [--after ID] [--limit N] */
int
cli_cmd_instructions (cli_t *cli, int argc, char **argv)
{
    bs_instruction_list_t request = {0};
    const char *unit = NULL, *report = NULL;
    cli_option_t options[] = {{"unit", CLI_OPTION_TEXT, &unit},
                              {"report", CLI_OPTION_TEXT, &report},
                              {"overdue", CLI_OPTION_FLAG, &request.overdue},
                              CLI_PAGE_OPTIONS (request),
                              {NULL, 0, NULL}};
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.unit = (char *) unit;
    if (report && (rc = cli_report_id (cli, report, &request.report_id)) != CLI_EXIT_OK)
        return rc;
    return cli_list (cli, "publication", &bs_instruction_list_schema, &request,
                     &bs_instruction_page_schema, &s_instructions, NULL);
}
