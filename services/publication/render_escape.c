/*  render_escape: escaping text for the HTML and XML formats (render.h);
    a file of its own so the formats and render.c each depend on it,
    never on one another. */
#include "render.h"

void
render_escaped (FILE *out, const char *text)
{
    for (; *text; text++)
        switch (*text) {
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
        default:
            fputc (*text, out);
        }
}
