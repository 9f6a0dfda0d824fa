/*  gateway console_page: GET of a page of the console, any path no
    endpoint has that is not under /api/ (routes.c): the shell (index.html,
    console.c), whose script draws the page the path names.

    A path whose first part is no page of the console gets the same shell
    with status 404, and the script draws the 404 page; so does a page of
    a record (a report, a case, an issue) that is not there or not the
    person's, whose read the gateway made as the page was asked for
    (console_reads.c). Who may open the page (console_access.c): with no
    session, a 303 to the login page, which comes back here; with a
    session that holds none of its roles, 403 with the 403 page. The shell
    carries the answers of the page's first reads where it says
    @FIRST_READS@, the header as the person sees it and the page written
    whole when there is one (console_written.c). Asked with Accept:
    application/json (not text/html), a page answers its first reads
    alone, as JSON (web/js/api.js carryFirstReads), or 401 with no
    session.
*/
#include "console_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_text.h"
#include "console.h"
#include "console_access.h"
#include "console_reads.h"
#include "console_written.h"

/* 303 to the login page, which comes back to this page (path and query)
   once the person has logged in, as web/js/api.js (loginUrl) sends them. */
static enum MHD_Result
s_to_login (gateway_request_t *request)
{
    char *here = NULL;
    size_t size = 0;
    FILE *out = bs_text_stream_open (&here, &size);
    if (!out)
        return MHD_NO;
    fputs (request->path, out);
    json_t *query = gateway_query_object (request);
    const char *key;
    json_t *value;
    char encoded[3 * GATEWAY_READ_MAX + 1];
    bool first = true;
    json_object_foreach (query, key, value)
    {
        gateway_percent_encode (key, encoded, sizeof encoded);
        fprintf (out, "%s%s=", first ? "?" : "&", encoded);
        gateway_percent_encode (json_string_value (value), encoded, sizeof encoded);
        fputs (encoded, out);
        first = false;
    }
    json_decref (query);
    bs_text_stream_close (out, &here); /* NULL when cut short: no location, MHD_NO */
    size_t length = here ? 3 * strlen (here) + 16 : 0;
    char *location = length ? malloc (length) : NULL;
    if (location) {
        snprintf (location, length, "/login?next=");
        gateway_percent_encode (here, location + strlen (location), length - strlen (location));
    }
    free (here);
    char *text = location ? strdup ("<!DOCTYPE html><meta charset=\"utf-8\"><a href=\"/login\">"
                                    "/login</a>\n")
                          : NULL;
    enum MHD_Result result = text ? gateway_reply_html (request, 303, text, NULL, location) : MHD_NO;
    free (location);
    return result;
}

/* Does the request ask for the page's first reads alone (Accept names
   JSON, not HTML): the script of a tab that had another page, which takes
   them as the page's (web/js/api.js carryFirstReads) and draws the page
   itself, so the shell, the header and the written page are not sent. */
static bool
s_reads_only (gateway_request_t *request)
{
    const char *accept = gateway_header (request, MHD_HTTP_HEADER_ACCEPT);
    return accept && strstr (accept, "application/json") && !strstr (accept, "text/html");
}

enum MHD_Result
gateway_console_page (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    gateway_console_t *console = gateway_console (request->gateway);
    if (!console)
        return gateway_reply_error (request, 500, "system", "gateway.web_root",
                                    "the console's files are not installed");
    /* Who may open the page: with no session, the login page (which comes
       back here); with a session that holds none of its roles, 403 with
       the 403 page (web/first/forbidden.html). Neither when the gateway
       cannot tell (intake does not answer): the script then says why. */
    bs_error_t error;
    int rc = gateway_authenticate (request, &error);
    bool unsure = rc == BS_E_UNAVAILABLE || rc == BS_E_TIMEOUT || rc == BS_E_SYSTEM;
    unsigned roles = GATEWAY_ANYONE;
    bool known = gateway_console_page_roles (request->path, &roles);
    bool open = !known || roles == GATEWAY_ANYONE;
    bool reads_only = s_reads_only (request);
    if (!open && !unsure && rc != BS_OK)
        return reads_only ? gateway_reply_error (request, 401, "unauthorized", "session",
                                                 "%s needs a session", request->path)
                          : s_to_login (request);
    bool forbidden =
        !open && rc == BS_OK && !gateway_console_opens (request->path, request->principal.roles);
    unsigned status = !known ? 404 : forbidden ? 403 : 200;
    char record[GATEWAY_READ_MAX];
    if (status == 200 && gateway_console_record_read (request->path, record, sizeof record)
        && json_integer_value (json_array_get (json_object_get (request->first_reads, record), 0))
               == 404)
        status = 404; /* the script draws the 404 page from the read carried */
    if (reads_only)
        return gateway_reply_json (request, status,
                                   request->first_reads ? json_incref (request->first_reads)
                                                        : json_object (),
                                   NULL, NULL);
    const char *path = forbidden ? "/forbidden" : request->path;
    /* The answers of the page's first reads go where the shell says; the
       person's header and a page written whole take the place of the
       shell's. */
    static const char s_mark[] = "@FIRST_READS@";
    const char *shell = console->shell;
    const char *mark = strstr (shell, s_mark);
    char *main = NULL;
    for (size_t i = 0; i < console->written_count && !main; i++)
        if (strcmp (path, console->written[i].path) == 0)
            main = gateway_written_main (&console->written[i], request->first_reads);
    static const gateway_principal_t s_nobody;
    char *top = gateway_written_top (console->top, rc == BS_OK ? &request->principal : &s_nobody,
                                     request->path);
    const char *after = mark + strlen (s_mark);
    const char *top_at = shell + console->top_at, *top_after = shell + console->top_after;
    const char *main_at = shell + console->main_at, *main_after = shell + console->main_after;
    char *reads = gateway_console_reads_json (request->first_reads);
    char *page = NULL;
    if (!reads
        || asprintf (&page, "%.*s%s%.*s%s%.*s%s%s", (int) (mark - shell), shell, reads,
                     (int) (top_at - after), after, top ? top : "",
                     (int) ((top ? main_at - top_after : main_at - top_at)),
                     top ? top_after : top_at, main ? main : "", main ? main_after : main_at)
               < 0)
        page = NULL;
    free (reads);
    free (main);
    free (top);
    if (!page)
        return MHD_NO;
    return gateway_reply_html (request, status, page, NULL, NULL);
}
