/*  bs_text: checks on typed text, trimmed lines, decimals, memory streams;
    see bs_text.h. */
#include "bs_text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bool
bs_text_blank (const char *text)
{
    for (; text && *text; text++)
        if (!isspace ((unsigned char) *text))
            return false;
    return true;
}

char *
bs_text_trim (char *text)
{
    while (isspace ((unsigned char) *text))
        text++;
    char *end = text + strlen (text);
    while (end > text && isspace ((unsigned char) end[-1]))
        *--end = 0;
    return text;
}

char *
bs_text_decimal (char *out, uint64_t value, int width)
{
    char digits[20];
    int count = 0;
    do {
        digits[count++] = (char) ('0' + value % 10);
        value /= 10;
    } while (value);
    while (width-- > count)
        *out++ = '0';
    while (count)
        *out++ = digits[--count];
    return out;
}

char *
bs_text_stream_close (FILE *stream, char **text)
{
    bool failed = ferror (stream) != 0;
    if (fclose (stream) != 0 || failed) {
        free (*text);
        *text = NULL;
    }
    return *text;
}
