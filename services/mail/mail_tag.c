/*  mail_tag: the commission tag of a subject; see mail_tag.h. */
#include "mail_tag.h"

#include <string.h>

static const char *const s_opening[] = {"[", "［", "【", NULL};
static const char *const s_closing[] = {"]", "］", "】", NULL};
static const char *const s_words[] = {"約稿", "约稿", NULL};

/* The length of the prefix of text that is one of words, else 0. */
static size_t
s_match (const char *text, const char *const *words)
{
    for (size_t i = 0; words[i]; i++)
        if (strncmp (text, words[i], strlen (words[i])) == 0)
            return strlen (words[i]);
    return 0;
}

/* One digit (ASCII or full-width ０-９: EF BC 90-99) at text: its value
   and length, or length 0. */
static size_t
s_digit (const unsigned char *text, unsigned *value)
{
    if (text[0] >= '0' && text[0] <= '9') {
        *value = text[0] - '0';
        return 1;
    }
    if (text[0] == 0xef && text[1] == 0xbc && text[2] >= 0x90 && text[2] <= 0x99) {
        *value = text[2] - 0x90;
        return 3;
    }
    return 0;
}

/* The tag starting at text: its number and length, or length 0. */
static size_t
s_tag (const char *text, uint64_t *number)
{
    size_t at = s_match (text, s_opening);
    size_t word = at ? s_match (text + at, s_words) : 0;
    if (!word)
        return 0;
    at += word;
    while (text[at] == ' ' || text[at] == '#')
        at++;
    *number = 0;
    size_t digits = 0, length;
    unsigned value;
    while ((length = s_digit ((const unsigned char *) text + at, &value)) && digits < 15) {
        *number = *number * 10 + value;
        at += length;
        digits++;
    }
    size_t closing = digits ? s_match (text + at, s_closing) : 0;
    return closing && *number ? at + closing : 0;
}

uint64_t
mail_tag_commission (char *subject)
{
    for (char *start = subject; *start; start++) {
        uint64_t number;
        size_t length = s_tag (start, &number);
        if (!length)
            continue;
        char *end = start + length;
        while (*end == ' ' || *end == '\t')
            end++;
        char *cut = start;
        while (cut > subject && (cut[-1] == ' ' || cut[-1] == '\t'))
            cut--;
        if (cut == subject && !*end)
            return number; /* only the tag: it stays the title */
        if (cut > subject && *end)
            *cut++ = ' ';
        memmove (cut, end, strlen (end) + 1);
        return number;
    }
    return 0;
}
