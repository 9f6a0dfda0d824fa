/*  gateway console: the browser workspace's files, served from
    gateway.web_root (the web/ folder of the source tree by default).

    GET /static/PATH answers the file web_root/PATH (scripts, styles,
    dictionaries, icons) with its type; any other GET that no endpoint has
    and that is not under /api/ answers the HTML shell (web_root/index.html),
    whose script draws the page the path names. A path whose first part is
    no page of the console gets the same shell with status 404, and the
    script draws the 404 page. Nothing is fetched from elsewhere: the
    console works with no internet.

    Paths are checked before any file is opened: only letters, digits and
    "-_./", no "..", no hidden files; a file is read whole (the largest is
    a few tens of KiB) and answered with Cache-Control no-store like every
    answer of the gateway, so a new build is seen at once.
*/
#include "gateway.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bs_log.h"

#define S_FILE_MAX (4u << 20) /* bytes of one file of the console */

/* The first part of every path the console draws (web/js/app.js has the
   same list, with each page's module). */
static const char *const s_pages[] = {"",          "login",   "officer",  "review", "queue",
                                      "editor",    "publish", "issues",   "leader", "stats",
                                      "dashboard", "admin",   "forbidden"};

static const struct {
    const char *extension;
    const char *type;
} s_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

/* The folder the console's files are in. */
static const char *
s_web_root (gateway_request_t *request)
{
    const char *configured = bs_config_get (gateway_config (request->gateway), "gateway.web_root");
    return configured && *configured ? configured : BAOSONG_WEB_ROOT;
}

/* A path below the web root that names a plain file: only [A-Za-z0-9-_./],
   no part that starts with a dot. */
static bool
s_safe (const char *path)
{
    if (!*path || strlen (path) > 200)
        return false;
    for (const char *at = path; *at; at++) {
        char c = *at;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                     || c == '-' || c == '_' || c == '.' || c == '/';
        if (!plain)
            return false;
        if (c == '.' && (at == path || at[-1] == '/'))
            return false;
    }
    return true;
}

static const char *
s_type_of (const char *path)
{
    const char *dot = strrchr (path, '.');
    for (size_t i = 0; dot && i < sizeof s_types / sizeof s_types[0]; i++)
        if (strcmp (dot, s_types[i].extension) == 0)
            return s_types[i].type;
    return NULL;
}

/* Read the file at web_root/path whole: BS_OK with *data (caller frees). */
static int
s_read (gateway_request_t *request, const char *path, char **data, size_t *size)
{
    *data = NULL;
    char full[1200];
    snprintf (full, sizeof full, "%s/%s", s_web_root (request), path);
    FILE *file = fopen (full, "rb");
    if (!file)
        return errno == ENOENT || errno == ENOTDIR ? BS_E_NOT_FOUND : BS_E_SYSTEM;
    struct stat info;
    if (fstat (fileno (file), &info) != 0 || !S_ISREG (info.st_mode)
        || (size_t) info.st_size > S_FILE_MAX) {
        fclose (file);
        return BS_E_NOT_FOUND;
    }
    *data = malloc ((size_t) info.st_size + 1);
    *size = *data ? fread (*data, 1, (size_t) info.st_size, file) : 0;
    fclose (file);
    if (!*data || *size != (size_t) info.st_size) {
        free (*data);
        *data = NULL;
        bs_log_warning ("cannot read %s", full);
        return BS_E_SYSTEM;
    }
    (*data)[*size] = 0;
    return BS_OK;
}

enum MHD_Result
gateway_console_file (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    const char *type = s_type_of (tail);
    if (!s_safe (tail) || !type)
        return gateway_reply_error (request, 404, "not_found", "path", "no file %s", request->path);
    char *data;
    size_t size;
    int rc = s_read (request, tail, &data, &size);
    if (rc == BS_E_NOT_FOUND)
        return gateway_reply_error (request, 404, "not_found", "path", "no file %s", request->path);
    if (rc != BS_OK)
        return gateway_reply_error (request, 500, "system", "path", "cannot read %s",
                                    request->path);
    enum MHD_Result result = gateway_reply_bytes (request, type, data, size, NULL);
    free (data);
    return result;
}

/* Is the path's first part one of the console's pages? */
static bool
s_page_known (const char *path)
{
    const char *first = path[0] == '/' ? path + 1 : path;
    size_t length = strcspn (first, "/");
    for (size_t i = 0; i < sizeof s_pages / sizeof s_pages[0]; i++)
        if (strlen (s_pages[i]) == length && strncmp (first, s_pages[i], length) == 0)
            return true;
    return false;
}

enum MHD_Result
gateway_console_page (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    char *html;
    size_t size;
    if (s_read (request, "index.html", &html, &size) != BS_OK) {
        bs_log_error ("the console's index.html is not in %s (gateway.web_root)",
                      s_web_root (request));
        return gateway_reply_error (request, 500, "system", "gateway.web_root",
                                    "the console's files are not installed");
    }
    return gateway_reply_html (request, s_page_known (request->path) ? 200 : 404, html, NULL, NULL);
}
