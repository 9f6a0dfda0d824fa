/*  command_line: the command a person typed, printed back so that it can
    be run again as it stands: the next page of a listing (--after), or a
    retry that makes a change at most once (--id).
*/
#include <ctype.h>
#include <string.h>

#include "cli.h"

/* word as the shell reads it back: as it is when it is plain, else in
   single quotes. */
static void
s_word_print (FILE *file, const char *word)
{
    bool plain = *word != 0;
    for (const unsigned char *at = (const unsigned char *) word; *at && plain; at++)
        plain = *at >= 0x80 || isalnum (*at) || strchr ("_./:=,@%+-", *at);
    if (plain) {
        fprintf (file, " %s", word);
        return;
    }
    fputs (" '", file);
    for (const char *at = word; *at; at++)
        if (*at == '\'')
            fputs ("'\\''", file);
        else
            fputc (*at, file);
    fputc ('\'', file);
}

void
cli_command_line_print (const cli_t *cli, FILE *file, const char *option, const char *value)
{
    size_t length = strlen (option);
    fputs ("baosong", file);
    for (int i = 0; i < cli->argc; i++) {
        const char *word = cli->argv[i];
        bool named = strncmp (word, "--", 2) == 0 && strncmp (word + 2, option, length) == 0;
        if (named && word[2 + length] == 0 && i + 1 < cli->argc)
            i++; /* --option VALUE */
        else if (!(named && word[2 + length] == '='))
            s_word_print (file, word);
    }
    fprintf (file, " --%s", option);
    s_word_print (file, value);
}
