/*  gateway console_static: GET /static/PATH, the console's files.

    /static/console.HASH.css and /static/console.HASH.js (console.c named
    them by a hash of their bytes as the gateway started) are answered
    from memory with Cache-Control "public, max-age=31536000, immutable":
    a browser keeps them until the gateway serves other bytes, under
    another name; they hold nothing of anyone's. Any other path answers
    the file web_root/PATH (the other dictionary, icons) with its type,
    read when asked and Cache-Control no-store like every answer of the
    gateway.

    Paths are checked before any file is opened: only letters, digits and
    "-_./", no "..", no hidden files, and a type this file knows; a file
    is read whole (the largest is a few tens of KiB).
*/
#include "console_static.h"

#include <stdlib.h>
#include <string.h>

#include "console.h"

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

enum MHD_Result
gateway_console_file (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    gateway_console_t *console = gateway_console (request->gateway);
    const gateway_asset_t *kept[] = {console ? &console->script : NULL,
                                     console ? &console->style : NULL};
    for (size_t i = 0; i < 2; i++)
        if (kept[i] && strcmp (tail, kept[i]->name) == 0) {
            request->cache_control = "public, max-age=31536000, immutable";
            return gateway_reply_bytes (request, kept[i]->type, kept[i]->data, kept[i]->size,
                                        NULL);
        }
    const char *type = s_type_of (tail);
    if (!s_safe (tail) || !type)
        return gateway_reply_error (request, 404, "not_found", "path", "no file %s", request->path);
    char *data;
    size_t size;
    int rc = gateway_console_read (gateway_console_web_root (gateway_config (request->gateway)),
                                   tail, &data, &size);
    if (rc == BS_E_NOT_FOUND)
        return gateway_reply_error (request, 404, "not_found", "path", "no file %s", request->path);
    if (rc != BS_OK)
        return gateway_reply_error (request, 500, "system", "path", "cannot read %s",
                                    request->path);
    enum MHD_Result result = gateway_reply_bytes (request, type, data, size, NULL);
    free (data);
    return result;
}
