/*  gateway console_written: the pages the gateway writes whole, as a
    person asking sees them, so the browser shows the page before any
    script has run.

    web/first/NAME.html is the first view of the page /NAME (its main
    element), read as the gateway starts (console.c) and put in the shell
    in place of its main element (console_page.c); the script then takes
    it as it is (web/js/app.js), and draws the page from the same markup,
    which the bundle carries, when it is not written. A page with first
    reads of its own is written once they all answered 200, its figures
    (data-fill) written from them (console_reads.c). The header
    (web/first/top.html) is written for each person: the parts of their
    roles, their name and unit, the link to where they are.
*/
#include "console_written.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_html.h"
#include "bs_text.h"
#include "console_reads.h"

/* What a bs_text_stream_open (out, text) wrote, rest last (caller frees),
   once closed; NULL (freed) unless whole and every write kept. */
static char *
s_finish (FILE *out, const char *rest, char **text, bool whole)
{
    fputs (rest, out);
    if (bs_text_stream_close (out, text) && !whole) {
        free (*text);
        *text = NULL;
    }
    return *text;
}

char *
gateway_written_main (const gateway_written_t *page, json_t *reads)
{
    char urls[32][GATEWAY_READ_MAX];
    size_t count = gateway_console_first_reads (page->path, urls, 32);
    for (size_t i = 0; i < count; i++)
        if (!gateway_console_answered (reads, urls[i]))
            return NULL;
    gateway_today_t dates = gateway_today ();
    char *text = NULL;
    size_t size = 0;
    FILE *out = bs_text_stream_open (&text, &size);
    if (!out)
        return NULL;
    static const char s_attribute[] = "data-fill=\"";
    bool whole = true;
    const char *at = page->main;
    for (const char *fill = strstr (at, s_attribute); fill && whole;
         fill = strstr (at, s_attribute)) {
        const char *key = fill + strlen (s_attribute);
        size_t length = strcspn (key, "\"");
        const char *close = strchr (key + length, '>');
        json_int_t value = 0;
        whole = close && gateway_console_figure (key, length, reads, &dates, &value) == BS_OK;
        if (whole) {
            fprintf (out, "%.*s%" JSON_INTEGER_FORMAT, (int) (close + 1 - at), at, value);
            at = close + 1;
        }
    }
    return s_finish (out, at, &text, whole);
}

char *
gateway_written_top (const char *top, const gateway_principal_t *who, const char *path)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = top ? bs_text_stream_open (&text, &size) : NULL;
    if (!out)
        return NULL;
    bool session = who->known && *who->login;
    static const char s_role[] = " data-role=\"";
    const char *at = top;
    bool whole = true;
    for (const char *role = strstr (at, s_role); role && whole; role = strstr (at, s_role)) {
        const char *start = role;
        while (start > at && *start != '<')
            start--;
        size_t tag = strcspn (start + 1, " >");
        const char *value = role + strlen (s_role);
        size_t length = strcspn (value, "\"");
        const char *open_end = strchr (value, '>');
        char close[24], name[GATEWAY_ROLES_MAX];
        snprintf (close, sizeof close, "</%.*s>", (int) (tag < 16 ? tag : 16), start + 1);
        const char *end = open_end ? strstr (open_end, close) : NULL;
        whole = *start == '<' && end && tag < 16 && length < sizeof name;
        if (!whole)
            break;
        end += strlen (close);
        snprintf (name, sizeof name, "%.*s", (int) length, value);
        bool keep = session
                    && (strcmp (name, "session") == 0 || (who->roles & gateway_roles_parse (name)));
        fwrite (at, 1, (size_t) (start - at), out);
        at = end;
        if (!keep)
            continue;
        const char *href = strstr (start, " href=\"");
        size_t link = href && href < open_end ? strcspn (href + 7, "\"") : 0;
        bool here = link && strncmp (path, href + 7, link) == 0
                    && (path[link] == 0 || path[link] == '/');
        fwrite (start, 1, (size_t) (open_end - start), out);
        fputs (here ? " aria-current=\"page\">" : ">", out);
        const char *fill = strstr (start, " data-fill=\"who\"");
        if (fill && fill < open_end) {
            bs_html_escape (out, *who->name ? who->name : who->login);
            if (*who->unit) {
                fputs ("<span class=\"unit\"> · ", out);
                bs_html_escape (out, who->unit);
                fputs ("</span>", out);
            }
        }
        fwrite (open_end + 1, 1, (size_t) (end - open_end - 1), out);
    }
    return s_finish (out, at, &text, whole);
}
