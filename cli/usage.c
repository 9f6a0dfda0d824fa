/*  usage: the words of a command line that every command reads the same
    way (a whole number, a positive number argument) and the usage error
    that a mistake in them, or in any option, gives. A leaf of the CLI:
    options.c, call.c and the commands call it; it calls only output.c.
*/
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

bool
cli_parse_number (const char *text, uint64_t *value)
{
    if (!text || !*text || strlen (text) > 20)
        return false;
    for (const char *at = text; *at; at++)
        if (*at < '0' || *at > '9')
            return false;
    char *end;
    unsigned long long number = strtoull (text, &end, 10);
    if (*end || (number == ULLONG_MAX && strcmp (text, "18446744073709551615") != 0))
        return false;
    *value = (uint64_t) number;
    return true;
}

void
cli_usage_line (const cli_t *cli, FILE *file)
{
    if (cli->usage)
        fprintf (file, "usage: baosong %s\n", cli->usage);
}

int
cli_number_argument (cli_t *cli, const char *word, const char *what, uint64_t *value)
{
    if (!cli_parse_number (word, value) || *value == 0)
        return cli_usage_error (cli, "'%s' is not %s (a number from 1)", word, what);
    return CLI_EXIT_OK;
}

int
cli_usage_error (cli_t *cli, const char *format, ...)
{
    char message[512];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    if (cli->json) {
        json_t *error = json_pack ("{s:{s:s, s:n, s:s}}", "error", "code", "usage", "field",
                                   "message", message);
        cli_json_print_value (error, false);
        return CLI_EXIT_USAGE;
    }
    fprintf (stderr, "baosong: %s\n", message);
    cli_usage_line (cli, stderr);
    return CLI_EXIT_USAGE;
}
