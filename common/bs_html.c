/*  bs_html: text escaped for HTML and XML (bs_html.h). */
#include "bs_html.h"

#include <string.h>

void
bs_html_escape (FILE *out, const char *text)
{
    if (!text)
        return;
    for (;;) {
        /* the plain run up to the next markup character, in one write */
        size_t plain = strcspn (text, "&<>\"'");
        fwrite (text, 1, plain, out);
        text += plain;
        switch (*text) {
        case 0:
            return;
        case '&':
            fputs ("&amp;", out);
            break;
        case '<':
            fputs ("&lt;", out);
            break;
        case '>':
            fputs ("&gt;", out);
            break;
        case '"':
            fputs ("&quot;", out);
            break;
        case '\'':
            fputs ("&#39;", out);
            break;
        }
        text++;
    }
}
