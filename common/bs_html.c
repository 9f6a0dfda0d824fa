/*  bs_html: text escaped for HTML and XML (bs_html.h). */
#include "bs_html.h"

#include <string.h>

const char *
bs_html_entity (char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    default:
        return NULL;
    }
}

void
bs_html_escape (FILE *out, const char *text)
{
    if (!text)
        return;
    for (;;) {
        /* the plain run up to the next markup character, in one write */
        size_t plain = strcspn (text, BS_HTML_MARKUP);
        fwrite (text, 1, plain, out);
        text += plain;
        if (!*text)
            return;
        fputs (bs_html_entity (*text), out);
        text++;
    }
}
