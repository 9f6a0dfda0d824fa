/*  commands_registry: `baosong unit`, `officer`, `token` and `held`, the
    commands that manage intake's registry of units, officers and API
    tokens, and the mail held for staff (registry.*, intake.held_*).
*/
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Units                                                                  */

static void
s_unit_print (const void *reply, const void *context)
{
    const bs_unit_t *unit = reply;
    (void) context;
    printf ("unit %s (%s, %s)%s%s%s\n", unit->name, unit->level, unit->kind ? unit->kind : "-",
            unit->parent && *unit->parent ? " under " : "", unit->parent ? unit->parent : "",
            unit->disabled ? "  DISABLED" : "");
}

/* A unit as the command line gives it (NAME --level ... [--parent ...]
   [--kind ...] [--disabled]): what `unit add` and `unit set` both read. */
static int
s_unit_arguments (cli_t *cli, int argc, char **argv, bs_unit_t *unit)
{
    const char *level = NULL, *parent = NULL, *kind = NULL;
    cli_option_t options[] = {
        {"level", CLI_OPTION_TEXT, &level},
        {"parent", CLI_OPTION_TEXT, &parent},
        {"kind", CLI_OPTION_TEXT, &kind},
        {"disabled", CLI_OPTION_FLAG, &unit->disabled},
        {NULL, 0, NULL},
    };
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1, "give the unit's name");
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!level)
        return cli_usage_error (cli, "--level is required (township, county, city, province)");
    unit->name = words[0];
    unit->level = (char *) level;
    unit->parent = (char *) parent;
    unit->kind = (char *) kind;
    return CLI_EXIT_OK;
}

/* A new unit (registry.unit_add): a name taken is refused, never changed,
   as the console's "add" refuses it; `unit set` changes a unit. */
static int
s_unit_add (cli_t *cli, int argc, char **argv)
{
    bs_unit_t given = {0};
    int rc = s_unit_arguments (cli, argc, argv, &given);
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_unit_add_t request = {.name = given.name,
                             .parent = given.parent,
                             .level = given.level,
                             .kind = given.kind,
                             .disabled = given.disabled};
    bs_unit_t reply = {0};
    bs_error_t refusal;
    rc = cli_call_refusal (cli, "intake", &bs_unit_add_schema, &request, &bs_unit_schema, &reply,
                           &refusal);
    if (rc == CLI_EXIT_OK)
        rc = cli_show (cli, &bs_unit_schema, &reply, s_unit_print, NULL);
    else if (rc == CLI_EXIT_REFUSED && strcmp (refusal.reason, "taken") == 0 && !cli->json)
        fprintf (stderr,
                 "baosong: a unit named '%s' is registered already, and add does not change it; "
                 "`baosong unit set %s --level ...` does\n",
                 given.name, given.name);
    else if (rc == CLI_EXIT_REFUSED)
        cli_error_print (cli, &refusal);
    return rc;
}

/* A unit changed, or added if new (registry.unit_put): every field as
   given, an option left out is the field's default. */
static int
s_unit_set (cli_t *cli, int argc, char **argv)
{
    bs_unit_t request = {0};
    int rc = s_unit_arguments (cli, argc, argv, &request);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_ask (cli, "intake", &bs_unit_schema, &request, &bs_unit_schema, s_unit_print, NULL);
}

static void
s_unit_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_unit_t *unit = entry;
    (void) context;
    const char *cells[] = {unit->name, unit->level, unit->kind, unit->parent,
                           unit->disabled ? "disabled" : "enabled"};
    cli_table_add (table, cells);
}

static const char *const s_unit_headers[] = {"UNIT", "LEVEL", "KIND", "PARENT", "STATE"};
static const cli_list_t s_units = {
    .columns = 5, .headers = s_unit_headers, .row = s_unit_row, .empty = "no units"};

static int
s_unit_list (cli_t *cli, int argc, char **argv)
{
    bs_unit_list_t request = {0};
    const char *parent = NULL, *after = NULL;
    cli_option_t options[] = {
        {"parent", CLI_OPTION_TEXT, &parent},
        {"after", CLI_OPTION_TEXT, &after},
        {"limit", CLI_OPTION_NUMBER, &request.limit},
        {NULL, 0, NULL},
    };
    int rc = cli_options_words (cli, argc, argv, options, NULL, 0, "give no words, only options");
    if (rc != CLI_EXIT_OK)
        return rc;
    request.parent = (char *) parent;
    request.after = (char *) after;
    return cli_list (cli, "intake", &bs_unit_list_schema, &request, &bs_unit_page_schema, &s_units,
                     NULL);
}

int
cli_cmd_unit (cli_t *cli, int argc, char **argv)
{
    static const cli_subcommand_t actions[] = {
        {"add", s_unit_add}, {"set", s_unit_set}, {"list", s_unit_list}, {NULL, NULL}};
    return cli_dispatch (cli, argc, argv, actions);
}

/* Officers                                                               */

static void
s_officer_print (const void *reply, const void *context)
{
    const bs_officer_t *officer = reply;
    (void) context;
    printf ("officer %s (%s)%s\n", officer->login, officer->name,
            officer->disabled ? "  DISABLED" : "");
    printf ("unit:    %s\n", officer->unit && *officer->unit ? officer->unit : "-");
    printf ("roles:   %s\n", officer->roles);
    printf ("emails:  %s\n", officer->emails && *officer->emails ? officer->emails : "-");
    printf ("phones:  %s\n", officer->phones && *officer->phones ? officer->phones : "-");
}

/* A password from --password, or the first line of standard input with
   --password-stdin (so it stays out of the shell's history). */
static int
s_password (cli_t *cli, const char *given, bool from_stdin, char *buffer, size_t size,
            const char **password)
{
    *password = given;
    if (!from_stdin)
        return CLI_EXIT_OK;
    if (given)
        return cli_usage_error (cli, "give --password or --password-stdin, not both");
    if (!fgets (buffer, (int) size, stdin))
        return cli_usage_error (cli, "--password-stdin: nothing on standard input");
    buffer[strcspn (buffer, "\r\n")] = 0;
    *password = buffer;
    return CLI_EXIT_OK;
}

static int
s_officer_add (cli_t *cli, int argc, char **argv)
{
    bs_officer_t request = {0};
    const char *name = NULL, *unit = NULL, *roles = NULL, *emails = NULL, *phones = NULL;
    const char *password = NULL;
    bool password_stdin = false;
    cli_option_t options[] = {
        {"name", CLI_OPTION_TEXT, &name},
        {"unit", CLI_OPTION_TEXT, &unit},
        {"roles", CLI_OPTION_TEXT, &roles},
        {"email", CLI_OPTION_TEXT, &emails},
        {"phone", CLI_OPTION_TEXT, &phones},
        {"password", CLI_OPTION_TEXT, &password},
        {"password-stdin", CLI_OPTION_FLAG, &password_stdin},
        {"disabled", CLI_OPTION_FLAG, &request.disabled},
        {NULL, 0, NULL},
    };
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1, "give the officer's login");
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!name)
        return cli_usage_error (cli, "--name is required");
    char line[1100];
    rc = s_password (cli, password, password_stdin, line, sizeof line, &password);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.login = words[0];
    request.name = (char *) name;
    request.unit = (char *) unit;
    request.roles = (char *) (roles ? roles : "officer");
    request.emails = (char *) emails;
    request.phones = (char *) phones;
    request.password = (char *) password;
    return cli_ask (cli, "intake", &bs_officer_schema, &request, &bs_officer_schema,
                    s_officer_print, NULL);
}

static int
s_officer_show (cli_t *cli, int argc, char **argv)
{
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, words, 1,
                                "give the officer's login");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_officer_get_t request = {.login = words[0]};
    return cli_ask (cli, "intake", &bs_officer_get_schema, &request, &bs_officer_schema,
                    s_officer_print, NULL);
}

static void
s_officer_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_officer_t *officer = entry;
    (void) context;
    const char *cells[] = {officer->login, officer->name,   officer->unit,
                           officer->roles, officer->emails, officer->phones};
    cli_table_add (table, cells);
}

static const char *const s_officer_headers[] = {"LOGIN", "NAME",   "UNIT",
                                                "ROLES", "EMAILS", "PHONES"};
static const cli_list_t s_officers = {
    .columns = 6, .headers = s_officer_headers, .row = s_officer_row, .empty = "no officers"};

static int
s_officer_list (cli_t *cli, int argc, char **argv)
{
    bs_officer_list_t request = {0};
    const char *unit = NULL, *after = NULL;
    cli_option_t options[] = {
        {"unit", CLI_OPTION_TEXT, &unit},
        {"after", CLI_OPTION_TEXT, &after},
        {"limit", CLI_OPTION_NUMBER, &request.limit},
        {NULL, 0, NULL},
    };
    int rc = cli_options_words (cli, argc, argv, options, NULL, 0, "give no words, only options");
    if (rc != CLI_EXIT_OK)
        return rc;
    request.unit = (char *) unit;
    request.after = (char *) after;
    return cli_list (cli, "intake", &bs_officer_list_schema, &request, &bs_officer_page_schema,
                     &s_officers, NULL);
}

int
cli_cmd_officer (cli_t *cli, int argc, char **argv)
{
    static const cli_subcommand_t actions[] = {
        {"add", s_officer_add}, {"list", s_officer_list}, {"show", s_officer_show}, {NULL, NULL}};
    return cli_dispatch (cli, argc, argv, actions);
}

/* Tokens                                                                 */

static void
s_token_print (const void *reply, const void *context)
{
    const bs_token_t *token = reply;
    (void) context;
    if (token->secret && *token->secret) {
        printf ("token %s for unit %s:\n%s\n", token->name, token->unit, token->secret);
        printf ("(shown only now: intake keeps only its hash)\n");
    } else
        printf ("token %s for unit %s%s\n", token->name, token->unit,
                token->revoked ? " is revoked" : "");
}

static int
s_token_create (cli_t *cli, int argc, char **argv)
{
    const char *unit = NULL;
    cli_option_t options[] = {{"unit", CLI_OPTION_TEXT, &unit}, {NULL, 0, NULL}};
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1, "give the token's name");
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!unit)
        return cli_usage_error (cli, "--unit is required");
    bs_token_create_t request = {.name = words[0], .unit = (char *) unit};
    return cli_ask (cli, "intake", &bs_token_create_schema, &request, &bs_token_schema,
                    s_token_print, NULL);
}

static int
s_token_revoke (cli_t *cli, int argc, char **argv)
{
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, words, 1,
                                "give the token's name");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_token_revoke_t request = {.name = words[0]};
    return cli_ask (cli, "intake", &bs_token_revoke_schema, &request, &bs_token_schema,
                    s_token_print, NULL);
}

int
cli_cmd_token (cli_t *cli, int argc, char **argv)
{
    static const cli_subcommand_t actions[] = {
        {"create", s_token_create}, {"revoke", s_token_revoke}, {NULL, NULL}};
    return cli_dispatch (cli, argc, argv, actions);
}

/* Held mail                                                              */

static void
s_held_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_held_item_t *item = entry;
    (void) context;
    char id[24], received[32];
    snprintf (id, sizeof id, "%llu", (unsigned long long) item->hold_id);
    cli_time_format (item->received_at, received, sizeof received);
    const char *cells[] = {id, item->channel, item->sender, item->title, received, item->reason};
    cli_table_add (table, cells);
}

static const char *const s_held_headers[] = {">HOLD", "CHANNEL",  "SENDER",
                                             "TITLE", "RECEIVED", "REASON"};
static const size_t s_held_widths[] = {0, 0, 0, 40, 0, 0};
static const cli_list_t s_held = {.columns = 6,
                                  .headers = s_held_headers,
                                  .widths = s_held_widths,
                                  .row = s_held_row,
                                  .empty = "nothing is held"};

static int
s_held_list (cli_t *cli, int argc, char **argv)
{
    bs_held_list_t request = {0};
    cli_option_t options[] = {CLI_PAGE_OPTIONS (request), {NULL, 0, NULL}};
    int rc = cli_options_words (cli, argc, argv, options, NULL, 0, "give no words, only options");
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_list (cli, "intake", &bs_held_list_schema, &request, &bs_held_page_schema, &s_held,
                     NULL);
}

static int
s_held_assign (cli_t *cli, int argc, char **argv)
{
    const char *unit = NULL, *staff = NULL;
    cli_option_t options[] = {
        {"unit", CLI_OPTION_TEXT, &unit}, {"staff", CLI_OPTION_TEXT, &staff}, {NULL, 0, NULL}};
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1, "give the hold id");
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_held_assign_t request = {.unit = (char *) unit, .staff = (char *) staff};
    if (!cli_parse_number (words[0], &request.hold_id) || request.hold_id == 0)
        return cli_usage_error (cli, "'%s' is not a hold id", words[0]);
    if (!unit)
        return cli_usage_error (cli, "--unit is required");
    return cli_receipt_ask (cli, "intake", &bs_held_assign_schema, &request);
}

int
cli_cmd_held (cli_t *cli, int argc, char **argv)
{
    static const cli_subcommand_t actions[] = {
        {"list", s_held_list}, {"assign", s_held_assign}, {NULL, NULL}};
    return cli_dispatch (cli, argc, argv, actions);
}
