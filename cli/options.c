/*  options: reading a command's options and arguments, dispatching to a
    subcommand, and loading the configuration the global options name.

    Options are long only (--unit U, --unit=U, --urgent), may come before,
    between or after the arguments, and "--" ends them. getopt is not used:
    its messages name argv[0] and its state is global, while each command
    here parses exactly once against its own small table and reports a
    mistake in the same words as every other usage error.
*/
#include <stdlib.h>
#include <string.h>

#include "bs_keys.h"
#include "cli.h"

static bool
s_named (const char *name, size_t length, const char *option)
{
    return strlen (option) == length && memcmp (name, option, length) == 0;
}

static const cli_option_t *
s_find (const cli_option_t *options, const char *name, size_t length)
{
    for (const cli_option_t *option = options; option->name; option++)
        if (s_named (name, length, option->name))
            return option;
    return NULL;
}

/* The value of an option: after '=' or the next word. NULL if none. */
static const char *
s_value (int argc, char **argv, int *index, const char *equals)
{
    if (equals)
        return equals + 1;
    if (*index + 1 >= argc)
        return NULL;
    return argv[++*index];
}

static int
s_set (cli_t *cli, const cli_option_t *option, const char *value)
{
    if (option->kind == CLI_OPTION_TEXT || option->kind == CLI_OPTION_UNIT)
        *(const char **) option->target = value;
    else if (!cli_parse_number (value, (uint64_t *) option->target))
        return cli_usage_error (cli, "--%s must be a whole number, not '%s'", option->name, value);
    return CLI_EXIT_OK;
}

int
cli_options_parse (cli_t *cli, int argc, char **argv, const cli_option_t *options,
                   char **positionals, size_t positional_max, size_t *positional_count)
{
    *positional_count = 0;
    bool only_positionals = false;
    bool reload = false;
    for (int index = 0; index < argc; index++) {
        char *word = argv[index];
        if (only_positionals || word[0] != '-' || word[1] == 0) {
            if (*positional_count >= positional_max)
                return cli_usage_error (cli, "unexpected argument '%s'", word);
            positionals[(*positional_count)++] = word;
            continue;
        }
        if (strcmp (word, "--") == 0) {
            only_positionals = true;
            continue;
        }
        if (strcmp (word, "--help") == 0 || strcmp (word, "-h") == 0) {
            cli_usage_line (cli, stdout);
            return CLI_HELP_SHOWN;
        }
        if (word[1] != '-')
            return cli_usage_error (cli, "unknown option %s", word);
        const char *name = word + 2;
        const char *equals = strchr (name, '=');
        size_t length = equals ? (size_t) (equals - name) : strlen (name);
        if (s_named (name, length, "json") && !equals) {
            cli->json = true;
            continue;
        }
        if (s_named (name, length, "id")) {
            const char *value = s_value (argc, argv, &index, equals);
            if (!value || !*value || strlen (value) >= BS_ID_MAX)
                return cli_usage_error (cli, "--id needs a key of 1 to %d bytes", BS_ID_MAX - 1);
            cli->id = value;
            continue;
        }
        if (s_named (name, length, "data") || s_named (name, length, "config")) {
            const char *value = s_value (argc, argv, &index, equals);
            if (!value)
                return cli_usage_error (cli, "--%.*s needs a value", (int) length, name);
            if (name[0] == 'd')
                cli->data_dir = value;
            else
                cli->config_path = value;
            reload = true;
            continue;
        }
        const cli_option_t *option = s_find (options, name, length);
        if (!option)
            return cli_usage_error (cli, "unknown option --%.*s", (int) length, name);
        if (option->kind == CLI_OPTION_FLAG) {
            if (equals)
                return cli_usage_error (cli, "--%s takes no value", option->name);
            *(bool *) option->target = true;
            continue;
        }
        const char *value = s_value (argc, argv, &index, equals);
        if (!value)
            return cli_usage_error (cli, "--%s needs a value", option->name);
        int rc = s_set (cli, option, value);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    int rc = reload ? cli_config_load (cli) : CLI_EXIT_OK;
    for (const cli_option_t *option = options; rc == CLI_EXIT_OK && option->name; option++)
        if (option->kind == CLI_OPTION_UNIT)
            rc = cli_unit_known (cli, *(const char **) option->target);
    return rc;
}

int
cli_options_words (cli_t *cli, int argc, char **argv, const cli_option_t *options, char **words,
                   size_t want, const char *usage)
{
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, words, want, &count);
    if (rc == CLI_EXIT_OK && count != want)
        return cli_usage_error (cli, "%s", usage);
    return rc;
}

int
cli_dispatch (cli_t *cli, int argc, char **argv, const cli_subcommand_t *table)
{
    while (argc >= 1 && strcmp (argv[0], "--json") == 0) {
        cli->json = true;
        argc--;
        argv++;
    }
    char names[256] = "";
    for (const cli_subcommand_t *entry = table; entry->name; entry++)
        snprintf (names + strlen (names), sizeof names - strlen (names), "%s%s", *names ? ", " : "",
                  entry->name);
    if (argc < 1 || argv[0][0] == '-') {
        if (argc >= 1 && (strcmp (argv[0], "--help") == 0 || strcmp (argv[0], "-h") == 0)) {
            cli_usage_line (cli, stdout);
            return CLI_HELP_SHOWN;
        }
        return cli_usage_error (cli, "%s needs a subcommand: %s", cli->command, names);
    }
    for (const cli_subcommand_t *entry = table; entry->name; entry++)
        if (strcmp (entry->name, argv[0]) == 0)
            return entry->run (cli, argc - 1, argv + 1);
    return cli_usage_error (cli, "no %s subcommand '%s' (%s)", cli->command, argv[0], names);
}

int
cli_config_load (cli_t *cli)
{
    bs_config_destroy (&cli->config);
    bs_error_t error;
    cli->config = bs_config_load (cli->config_path, &error);
    if (cli->config && cli->data_dir) {
        if (!*cli->data_dir)
            bs_error_set (&error, BS_E_INVALID, "data", "--data needs a folder");
        if (!*cli->data_dir
            || bs_config_set (cli->config, "data_dir", cli->data_dir, &error) != BS_OK)
            bs_config_destroy (&cli->config);
    }
    if (cli->config && cli_running_find (cli))
        return cli_config_load (cli);
    if (cli->config) {
        cli_acting_load (cli->config);
        return CLI_EXIT_OK;
    }
    cli_error_print (cli, &error);
    return CLI_EXIT_USAGE;
}

/* Who the certificate says acts: its officer (operator) or its name. */
static bs_peer_t s_holder = {.name = "admin", .kind = BS_PEER_ADMIN, .roles = "admin"};

void
cli_acting_load (bs_config_t *config)
{
    char *folder = bs_keys_folder (config);
    bs_error_t error;
    zcert_t *cert = folder ? bs_keys_load (folder, bs_keys_own_name (config), false, &error) : NULL;
    bs_peer_t peer = {0};
    if (cert && bs_keys_describe (cert, &peer) == BS_OK) {
        s_holder = peer;
        if (peer.kind == BS_PEER_ADMIN)
            snprintf (s_holder.roles, sizeof s_holder.roles, "admin");
    }
    zcert_destroy (&cert);
    free (folder);
}

const char *
cli_person (void)
{
    return s_holder.kind == BS_PEER_OPERATOR ? s_holder.login : s_holder.name;
}

/* The roles the CLI may act in, the usual first. */
static const char *const s_roles[] = {"editor", "leader", "publisher", "admin", "officer"};

const char *
cli_role (const char *accepted)
{
    for (const char *at = accepted; at && *at;) {
        size_t length = strcspn (at, ",");
        for (size_t i = 0; i < sizeof s_roles / sizeof s_roles[0]; i++)
            if (strlen (s_roles[i]) == length && strncmp (s_roles[i], at, length) == 0
                && bs_peer_has_role (&s_holder, s_roles[i]))
                return s_roles[i];
        at += length + (at[length] == ',');
    }
    for (size_t i = 0; i < sizeof s_roles / sizeof s_roles[0]; i++)
        if (bs_peer_has_role (&s_holder, s_roles[i]))
            return s_roles[i];
    return "officer";
}
