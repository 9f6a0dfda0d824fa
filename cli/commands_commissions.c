/*  commands_commissions: `baosong commission create|list|show|extend|cancel`
    (約稿, review.commission_*) and `baosong withdraw` (撤回,
    review.withdraw). A commission names its units (--units A,B) or a
    whole tier (--tier county), see cli_units_argument.
*/
#define _XOPEN_SOURCE 700
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs_clock.h"
#include "cli.h"

/* A time on the command line: milliseconds since the epoch (digits),
   "+36h" or "+3d" from now, or local "YYYY-MM-DD HH:MM" or "YYYY-MM-DD"
   (the end of that day). */
static int
s_time (cli_t *cli, const char *option, const char *text, uint64_t *at)
{
    uint64_t number;
    size_t length = text ? strlen (text) : 0;
    if (length > 2 && text[0] == '+' && (text[length - 1] == 'h' || text[length - 1] == 'd')) {
        char digits[24];
        snprintf (digits, sizeof digits, "%.*s", (int) (length - 2), text + 1);
        if (cli_parse_number (digits, &number) && number < 100000) {
            *at = bs_clock_now () + number * (text[length - 1] == 'h' ? 1 : 24) * 3600000ULL;
            return CLI_EXIT_OK;
        }
    } else if (text && cli_parse_number (text, &number)) {
        *at = number;
        return CLI_EXIT_OK;
    }
    struct tm tm = {0};
    const char *end = text ? strptime (text, "%Y-%m-%d %H:%M", &tm) : NULL;
    if (!end && text) {
        memset (&tm, 0, sizeof tm);
        end = strptime (text, "%Y-%m-%d", &tm);
        tm.tm_hour = 23;
        tm.tm_min = 59;
    }
    if (end && !*end) {
        tm.tm_isdst = -1;
        time_t seconds = mktime (&tm);
        if (seconds > 0) {
            *at = (uint64_t) seconds * 1000;
            return CLI_EXIT_OK;
        }
    }
    return cli_usage_error (cli,
                            "--%s '%s' is not a time: give YYYY-MM-DD [HH:MM], +36h, +3d or "
                            "milliseconds",
                            option, text ? text : "");
}

static void
s_commission_print (const void *reply, const void *context)
{
    const bs_commission_t *commission = reply;
    (void) context;
    char deadline[32], remind[32];
    cli_time_format (commission->deadline, deadline, sizeof deadline);
    cli_time_format (commission->remind_at, remind, sizeof remind);
    printf ("commission %llu: %s (%s%s)\n", (unsigned long long) commission->commission_id,
            commission->title, commission->state, commission->scored ? ", scored" : "");
    printf ("deadline %s, reminder %s%s%s\n", deadline, remind, commission->topic ? ", topic " : "",
            commission->topic ? commission->topic : "");
    if (commission->brief && *commission->brief)
        printf ("%s\n", commission->brief);
    static const char *const headers[] = {"UNIT", "STATE", "REG NO", "ANSWERED", "REMINDED"};
    cli_table_t *table = cli_table_new (5, headers);
    if (!table)
        return;
    const bs_commission_unit_t *units = commission->units.items;
    for (size_t i = 0; i < commission->units.count; i++) {
        char answered[32] = "";
        if (units[i].answered_at)
            cli_time_format (units[i].answered_at, answered, sizeof answered);
        const char *cells[] = {units[i].unit, units[i].state, units[i].reg_no, answered,
                               units[i].reminded ? "yes" : ""};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "no units");
    const bs_commission_entry_t *history = commission->history.items;
    for (size_t i = 0; i < commission->history.count; i++) {
        char at[32];
        cli_time_format (history[i].at, at, sizeof at);
        printf ("  %s %s by %s (%s)%s%s\n", at, history[i].action, history[i].actor,
                history[i].role, history[i].note ? ": " : "",
                history[i].note ? history[i].note : "");
    }
}

/* A commission's row; context is the unit asked about (its own state
   replaces the commission's), or NULL. */
static void
s_commission_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_commission_t *commission = entry;
    const char *unit = context;
    const bs_commission_unit_t *units = commission->units.items;
    size_t answered = 0, missing = 0;
    char id[24], deadline[32], state[24], counts[2][24];
    snprintf (state, sizeof state, "%s", commission->state);
    for (size_t u = 0; u < commission->units.count; u++) {
        bool open = strcmp (units[u].state, "open") == 0;
        bool missed = strcmp (units[u].state, "missed") == 0;
        answered += !open && !missed;
        missing += missed;
        if (unit && *unit && strcmp (units[u].unit, unit) == 0)
            snprintf (state, sizeof state, "%s", units[u].state);
    }
    snprintf (id, sizeof id, "%llu", (unsigned long long) commission->commission_id);
    cli_time_format (commission->deadline, deadline, sizeof deadline);
    snprintf (counts[0], sizeof counts[0], "%zu/%zu", answered, commission->units.count);
    snprintf (counts[1], sizeof counts[1], "%zu", missing);
    const char *cells[] = {id, commission->title, deadline, state, counts[0], counts[1]};
    cli_table_add (table, cells);
}

static const char *const s_commission_headers[] = {">ID",   "TITLE",     "DEADLINE",
                                                   "STATE", ">ANSWERED", ">MISSING"};
static const size_t s_commission_widths[] = {0, 40, 0, 0, 0, 0};
static const cli_list_t s_commissions = {.columns = 6,
                                         .headers = s_commission_headers,
                                         .widths = s_commission_widths,
                                         .row = s_commission_row,
                                         .empty = "no commissions"};

static int
s_create (cli_t *cli, int argc, char **argv)
{
    const char *units = NULL, *tier = NULL, *deadline = NULL, *remind = NULL;
    bs_commission_create_t request = {0};
    const char *title = NULL, *brief = NULL, *topic = NULL;
    cli_option_t options[] = {{"title", CLI_OPTION_TEXT, &title},
                              {"brief", CLI_OPTION_TEXT, &brief},
                              {"topic", CLI_OPTION_TEXT, &topic},
                              {"units", CLI_OPTION_TEXT, &units},
                              {"tier", CLI_OPTION_TEXT, &tier},
                              {"deadline", CLI_OPTION_TEXT, &deadline},
                              {"remind", CLI_OPTION_TEXT, &remind},
                              {"scored", CLI_OPTION_FLAG, &request.scored},
                              {NULL, 0, NULL}};
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!title)
        return cli_usage_error (cli, "--title is required");
    rc = s_time (cli, "deadline", deadline, &request.deadline);
    if (rc == CLI_EXIT_OK && remind)
        rc = s_time (cli, "remind", remind, &request.remind_at);
    char *names = NULL;
    if (rc == CLI_EXIT_OK)
        rc = cli_units_argument (cli, units, tier, &names, &request.units);
    request.title = (char *) title;
    request.brief = (char *) brief;
    request.topic = (char *) topic;
    request.tier = (char *) tier;
    request.editor = (char *) cli_person ();
    request.role = (char *) cli_role (CLI_ROLES_DESK);
    if (rc == CLI_EXIT_OK)
        rc = cli_ask (cli, "review", &bs_commission_create_schema, &request, &bs_commission_schema,
                      s_commission_print, NULL);
    free (request.units.items);
    free (names);
    return rc;
}

static int
s_list (cli_t *cli, int argc, char **argv)
{
    const char *unit = NULL;
    bs_commission_list_t request = {0};
    cli_option_t options[] = {{"unit", CLI_OPTION_UNIT, &unit},
                              {"open", CLI_OPTION_FLAG, &request.open},
                              CLI_PAGE_OPTIONS (request),
                              {NULL, 0, NULL}};
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.unit = (char *) unit;
    return cli_list (cli, "review", &bs_commission_list_schema, &request,
                     &bs_commission_page_schema, &s_commissions, unit);
}

static int
s_show (cli_t *cli, int argc, char **argv)
{
    bs_commission_get_t request = {0};
    cli_option_t options[] = {{NULL, 0, NULL}};
    int rc = cli_id_argument (cli, argc, argv, options, "commission", &request.commission_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_ask (cli, "review", &bs_commission_get_schema, &request, &bs_commission_schema,
                    s_commission_print, NULL);
}

static int
s_extend (cli_t *cli, int argc, char **argv)
{
    const char *deadline = NULL, *reason = NULL;
    bs_commission_extend_t request = {0};
    cli_option_t options[] = {{"deadline", CLI_OPTION_TEXT, &deadline},
                              {"reason", CLI_OPTION_TEXT, &reason},
                              {NULL, 0, NULL}};
    int rc = cli_id_argument (cli, argc, argv, options, "commission", &request.commission_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!reason)
        return cli_usage_error (cli, "--reason is required");
    rc = s_time (cli, "deadline", deadline, &request.deadline);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.reason = (char *) reason;
    request.editor = (char *) cli_person ();
    request.role = (char *) cli_role (CLI_ROLES_DESK);
    return cli_ask (cli, "review", &bs_commission_extend_schema, &request, &bs_commission_schema,
                    s_commission_print, NULL);
}

static int
s_cancel (cli_t *cli, int argc, char **argv)
{
    const char *reason = NULL;
    bs_commission_cancel_t request = {0};
    cli_option_t options[] = {{"reason", CLI_OPTION_TEXT, &reason},
                              {NULL, 0, NULL}};
    int rc = cli_id_argument (cli, argc, argv, options, "commission", &request.commission_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!reason)
        return cli_usage_error (cli, "--reason is required");
    request.reason = (char *) reason;
    request.editor = (char *) cli_person ();
    request.role = (char *) cli_role (CLI_ROLES_DESK);
    return cli_ask (cli, "review", &bs_commission_cancel_schema, &request, &bs_commission_schema,
                    s_commission_print, NULL);
}

int
cli_cmd_commission (cli_t *cli, int argc, char **argv)
{
    static const cli_subcommand_t table[] = {{"create", s_create}, {"list", s_list},
                                             {"show", s_show},     {"extend", s_extend},
                                             {"cancel", s_cancel}, {NULL, NULL}};
    return cli_dispatch (cli, argc, argv, table);
}

int
cli_cmd_withdraw (cli_t *cli, int argc, char **argv)
{
    const char *unit = NULL, *reason = NULL;
    cli_option_t options[] = {{"unit", CLI_OPTION_TEXT, &unit},
                              {"reason", CLI_OPTION_TEXT, &reason},
                              {NULL, 0, NULL}};
    bs_withdraw_t request = {0};
    int rc = cli_case_argument (cli, argc, argv, options, &request.report_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!unit || !reason)
        return cli_usage_error (cli, "--unit (the report's unit) and --reason are required");
    request.unit = (char *) unit;
    request.officer = (char *) cli_person ();
    request.reason = (char *) reason;
    return cli_ask (cli, "review", &bs_withdraw_schema, &request, &bs_review_case_schema,
                    cli_case_print, NULL);
}
