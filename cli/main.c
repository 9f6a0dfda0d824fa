/*  main: the `baosong` command: global options, then the command named
    (the table is in commands.c).

        baosong [--json] [--data DIR] [--config FILE] COMMAND [ARGS...]

    The global options come before the command (each command accepts them
    after its name too). The configuration is loaded once here, so every
    command sees the same data folder and endpoints as the services that
    `baosong up` starts with the same options.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Take the value of a global option that needs one: --name VALUE or
   --name=VALUE. Returns the value or NULL (a usage error). */
static const char *
s_global_value (int argc, char **argv, int *index, const char *name)
{
    const char *word = argv[*index];
    size_t length = strlen (name);
    if (word[length] == '=')
        return word + length + 1;
    if (*index + 1 >= argc)
        return NULL;
    return argv[++*index];
}

static bool
s_is_option (const char *word, const char *name)
{
    size_t length = strlen (name);
    return strncmp (word, name, length) == 0 && (word[length] == 0 || word[length] == '=');
}

int
main (int argc, char **argv)
{
    cli_output_guard ();
    cli_t cli = {.argc = argc - 1, .argv = argv + 1};
    int index = 1;
    for (; index < argc && argv[index][0] == '-'; index++) {
        const char *word = argv[index];
        if (strcmp (word, "--json") == 0)
            cli.json = true;
        else if (s_is_option (word, "--data")) {
            if (!(cli.data_dir = s_global_value (argc, argv, &index, "--data")))
                return cli_usage_error (&cli, "--data needs a folder");
        } else if (s_is_option (word, "--config")) {
            if (!(cli.config_path = s_global_value (argc, argv, &index, "--config")))
                return cli_usage_error (&cli, "--config needs a file");
        } else if (strcmp (word, "--help") == 0 || strcmp (word, "-h") == 0) {
            cli_help_print (stdout);
            return CLI_EXIT_OK;
        } else if (strcmp (word, "--version") == 0) {
            printf ("baosong 0.1.0\n");
            return CLI_EXIT_OK;
        } else
            return cli_usage_error (&cli, "unknown option %s (see `baosong help`)", word);
    }
    if (index >= argc) {
        if (cli.json)
            return cli_usage_error (&cli, "no command given (see `baosong help`)");
        cli_help_print (stderr);
        return CLI_EXIT_USAGE;
    }
    const cli_command_t *command = cli_command_find (argv[index]);
    if (!command)
        return cli_usage_error (&cli, "unknown command '%s' (see `baosong help`)", argv[index]);
    cli.command = command->name;
    cli.usage = command->usage;
    int rc = CLI_EXIT_OK;
    if (strcmp (command->name, "help") != 0)
        rc = cli_config_load (&cli);
    if (rc == CLI_EXIT_OK)
        rc = command->run (&cli, argc - index - 1, argv + index + 1);
    bs_config_destroy (&cli.config);
    fflush (stdout);
    return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
}
