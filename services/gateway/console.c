/*  gateway console: the browser workspace's files, served from
    gateway.web_root (the web/ folder of the source tree by default).

    As the gateway starts it reads the shell (index.html), the style sheet
    (css/console.css), the modules (js/, made one script by bundle.c) and
    the dictionaries' sentences for a refusal (refusal_words.c, for the
    pages with no script), and names the style sheet and the script by a
    hash of their bytes:
    GET /static/console.HASH.css and /static/console.HASH.js answer them
    from memory with Cache-Control "public, max-age=31536000, immutable"
    (a browser keeps them until the gateway serves other bytes, under
    another name; they hold nothing of anyone's). The shell names them
    where it says @STYLE@ and @SCRIPT@. A change of the files is seen
    when the gateway starts again.

    Any other GET /static/PATH answers the file web_root/PATH (the other
    dictionary, icons) with its type, read when asked and Cache-Control
    no-store like every answer of the gateway. Any other GET that no
    endpoint has and that is not under /api/ answers the shell, whose
    script draws the page the path names. A path whose first part is no
    page of the console gets the same shell with status 404, and the
    script draws the 404 page; so does a page of a record (a report, a
    case, an issue) that is not there or not the person's, whose read the
    gateway makes as the page is asked for (s_records). Some pages are
    written whole by the
    gateway: web/first/NAME.html is the first view of the page /NAME (its
    main element), read as the gateway starts and put in the shell in
    place of its main element, so the browser shows the page before any
    script has run (the script then takes it as it is: app.js; and draws
    the page from the same markup, which the bundle carries, when it is
    not written). A page with first reads of its own is written once they
    all answered 200, its figures (data-fill) written from them.
    Nothing is fetched from elsewhere: the console works with no internet.
    The shell carries the answers of the page's first reads (routes.c
    makes them; the reads of each role's main page are listed here) where
    index.html says @FIRST_READS@, and who may open each page (s_pages,
    the list the gateway refuses a page by) where it says @PAGES@. Asked
    with Accept: application/json (not text/html), a page answers its
    first reads alone, as JSON (the script of a tab that had another page
    takes them: web/js/api.js carryFirstReads).

    Paths are checked before any file is opened: only letters, digits and
    "-_./", no "..", no hidden files; a file is read whole (the largest is
    a few tens of KiB).
*/
#include "gateway.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "bs_html.h"
#include "bs_log.h"
#include "bs_text.h"

#define S_FILE_MAX (4u << 20) /* bytes of one file of the console */

/* Every page the console draws and who may open it, by the path's first
   part: GATEWAY_ANYONE's pages are anyone's, GATEWAY_SIGNED_IN's any
   session's. A path ending in "/" is a page of its own below another (its
   parts after it are the page's), listed before it. The one list: the
   shell hands it to the script where index.html says @PAGES@ (s_pages_json),
   and web/js/app.js draws a page by it. */
#define S_EDITORS (GATEWAY_ROLE_EDITOR | GATEWAY_ROLE_LEADER | GATEWAY_ROLE_ADMIN)
#define S_PUBLISHERS (GATEWAY_ROLE_PUBLISHER | GATEWAY_ROLE_ADMIN)
#define S_READERS                                                                                  \
    (GATEWAY_ROLE_LEADER | GATEWAY_ROLE_ADMIN | GATEWAY_ROLE_EDITOR | GATEWAY_ROLE_PUBLISHER)
static const struct {
    const char *path;
    unsigned roles;
} s_pages[] = {
    {"/login", GATEWAY_ANYONE},        {"/forbidden", GATEWAY_ANYONE},
    {"/", GATEWAY_SIGNED_IN},          {"/officer", GATEWAY_ROLE_OFFICER},
    {"/review", S_EDITORS},            {"/queue", S_EDITORS},
    {"/editor", S_EDITORS},            {"/publish/issues/", S_PUBLISHERS | S_EDITORS},
    {"/publish", S_PUBLISHERS},        {"/issues", S_PUBLISHERS},
    {"/leader", S_READERS},            {"/stats", S_READERS},
    {"/dashboard", S_READERS},         {"/admin", GATEWAY_ROLE_ADMIN},
};

/* Each role's main page, in the order the header lists them
   (web/first/top.html): a person's is the first of the roles they hold
   (gateway_console_home), which the session's and the login's answers
   name ("home": routes.c), the page "/" goes to (web/js/pages/home.js),
   and the login answers the first reads of when asked (docs/API.md). */
static const struct {
    unsigned role;
    const char *path;
} s_homes[] = {
    {GATEWAY_ROLE_OFFICER, "/officer"}, {GATEWAY_ROLE_EDITOR, "/review"},
    {GATEWAY_ROLE_PUBLISHER, "/publish"}, {GATEWAY_ROLE_LEADER, "/leader"},
    {GATEWAY_ROLE_ADMIN, "/admin"},
};

/* The figures a page written whole shows: data-fill="PERIOD.COLUMN" in
   its web/first/NAME.html, an empty element the gateway writes into the
   sum of COLUMN over the rows of PERIOD's statistics (day, month, year:
   today's), one of the page's first reads. web/js/pages/leader.js shows
   the same keys from the same reads once it has drawn the page. */
#define S_STATISTICS(period) "/api/v1/statistics?period=" period "&basis=decided"

/* The reads each role's main page makes before it is drawn, as its module
   in web/js/pages/ writes them (the path, then the query in the order the
   page gives it): the gateway makes them itself as the page is asked for
   and writes their answers into it (routes.c), so the browser draws the
   page with no request of its own. Every page also reads the session and
   the settings (web/js/app.js). {day}, {month}, {year}: today's, in the
   gateway's local time, as the dashboard writes them; {months}: one read
   per month of this year so far. A read the page no longer makes is
   harmless (the page asks again); tests/browser checks none is missing. */
static const struct {
    const char *pages; /* the page's paths, separated by spaces */
    const char *reads[10];
} s_first_reads[] = {
    {"/officer", {"/api/v1/commissions?open=true"}},
    {"/review /queue /editor", {"/api/v1/review/queue?limit=1000", "/api/v1/people"}},
    {"/publish /issues",
     {"/api/v1/publication/periodicals", "/api/v1/publication/pending?limit=1000",
      "/api/v1/publication/issues?limit=1000", "/api/v1/people"}},
    {"/admin", {"/api/v1/units?limit=1000"}},
    {"/leader /stats /dashboard",
     {S_STATISTICS ("{day}"), S_STATISTICS ("{month}"), S_STATISTICS ("{year}"),
      "/api/v1/statistics/ranking?period={year}&by=adopted&basis=decided",
      S_STATISTICS ("{months}"),
      "/api/v1/review/queue?all=true&limit=1000", "/api/v1/publication/issues?limit=1000",
      "/api/v1/publication/instructions?limit=1000", "/api/v1/publication/periodicals"}},
};

/* The record a page below another shows, named by the path's last part
   (a report, a case, an issue), and the read of it, the name where {id}
   is, as the page's module writes it: a first read of the page (carried,
   so the script draws the record from it), whose 404 (no such record, or
   another unit's report) the page answers with the 404 page the script
   draws from that answer. */
static const struct {
    const char *page; /* the path up to the record's name */
    const char *read;
} s_records[] = {
    {"/officer/reports/", "/api/v1/reports/{id}"},
    {"/review/case/", "/api/v1/review/case?report_id={id}"},
    {"/publish/issues/", "/api/v1/publication/issue?issue_id={id}"},
};

/* The read of the record the page at path shows (s_records) into url:
   false when path is no such page, or its name is no record's (letters,
   digits and "-": a report's id or registration number, a case's, an
   issue's id). */
static bool
s_record_read (const char *path, char *url, size_t size)
{
    for (size_t i = 0; i < sizeof s_records / sizeof s_records[0]; i++) {
        size_t length = strlen (s_records[i].page);
        if (strncmp (path, s_records[i].page, length) != 0)
            continue;
        const char *name = path + length;
        size_t name_length = strspn (name, "0123456789-abcdefghijklmnopqrstuvwxyz"
                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        const char *read = s_records[i].read, *mark = strstr (read, "{id}");
        if (!name_length || name[name_length] || name_length > 64 || !mark)
            return false;
        snprintf (url, size, "%.*s%s%s", (int) (mark - read), read, name, mark + strlen ("{id}"));
        return true;
    }
    return false;
}

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
s_web_root (bs_config_t *config)
{
    const char *configured = bs_config_get (config, "gateway.web_root");
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

/* Read the file at root/path whole: BS_OK with *data (caller frees). */
static int
s_read (const char *root, const char *path, char **data, size_t *size)
{
    int rc = gateway_web_read (root, path, S_FILE_MAX, data, size);
    if (rc == BS_E_SYSTEM)
        bs_log_warning ("cannot read %s/%s", root, path);
    return rc;
}

/* A file made once and kept: the script, the style sheet. */
typedef struct {
    char name[64]; /* "console.HASH.js", below /static/ */
    char *data;
    size_t size;
    const char *type;
} s_asset_t;

/* A page written whole (web/first/NAME.html): its path and main element. */
#define S_WRITTEN_MAX 12

typedef struct {
    char path[64]; /* "/login" */
    char *main;    /* "<main ...>...</main>" */
} s_written_t;

struct gateway_console {
    char *shell;       /* index.html, the assets' names in it, @FIRST_READS@ left */
    size_t top_at;     /* where the shell's header element starts */
    size_t top_after;  /* and the byte after it */
    size_t main_at;    /* where the shell's main element starts */
    size_t main_after; /* and the byte after it */
    char *top;         /* web/first/top.html: the header, each person's parts in it */
    s_asset_t script;
    s_asset_t style;
    s_written_t written[S_WRITTEN_MAX];
    size_t written_count;
    gateway_refusal_words_t *refusal_words; /* the dictionaries' sentences for a refusal */
};

/* Name asset "console.HASH.extension" by its bytes. */
static void
s_name (s_asset_t *asset, const char *extension)
{
    unsigned char hash[8];
    crypto_generichash (hash, sizeof hash, (const unsigned char *) asset->data, asset->size, NULL,
                        0);
    char hex[2 * sizeof hash + 1];
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    snprintf (asset->name, sizeof asset->name, "console.%s.%s", hex, extension);
}

/* text with its one mark replaced by prefix and value (text is freed;
   NULL when there is no mark or no value). malloc and snprintf, not
   asprintf (&result): GCC 12 at -O3 (Release: the image and the .deb)
   takes &result for a dangling pointer once this is inlined, and -Werror
   stops the build. */
static char *
s_put (char *text, const char *mark, const char *prefix, const char *value)
{
    const char *at = text && value ? strstr (text, mark) : NULL;
    size_t size = at ? strlen (text) - strlen (mark) + strlen (prefix) + strlen (value) + 1 : 0;
    char *result = at ? malloc (size) : NULL;
    if (result)
        snprintf (result, size, "%.*s%s%s%s", (int) (at - text), text, prefix, value,
                  at + strlen (mark));
    free (text);
    return result;
}

/* s_pages as JSON for the script (caller frees): [[PATH, WHO], ...] in
   its order, WHO "anyone", "session" or the list of the roles that may
   open it (gateway_role_name's: "officer", "editor", ...). Its
   paths and role names hold no "<", so it can stand in a script element. */
static char *
s_pages_json (void)
{
    json_t *pages = json_array ();
    for (size_t i = 0; pages && i < sizeof s_pages / sizeof s_pages[0]; i++) {
        unsigned roles = s_pages[i].roles;
        json_t *who = roles == GATEWAY_ANYONE      ? json_string ("anyone")
                      : roles == GATEWAY_SIGNED_IN ? json_string ("session")
                                                   : json_array ();
        for (unsigned bit = 0; json_is_array (who) && gateway_role_name (bit); bit++)
            if (roles & (1u << bit))
                json_array_append_new (who, json_string (gateway_role_name (bit)));
        json_array_append_new (pages, json_pack ("[so]", s_pages[i].path, who));
    }
    char *text = pages ? json_dumps (pages, JSON_COMPACT) : NULL;
    json_decref (pages);
    return text;
}

/* The shell's header element, then its main element: BS_OK with the start
   of each and the byte after it. */
static int
s_find_main (gateway_console_t *self)
{
    const char *top = strstr (self->shell, "<header id=\"top\"");
    const char *top_end = top ? strstr (top, "</header>") : NULL;
    const char *at = top_end ? strstr (top_end, "<main id=\"main\"") : NULL;
    const char *end = at ? strstr (at, "</main>") : NULL;
    if (!end)
        return BS_E_INVALID;
    self->top_at = (size_t) (top - self->shell);
    self->top_after = (size_t) (top_end + strlen ("</header>") - self->shell);
    self->main_at = (size_t) (at - self->shell);
    self->main_after = (size_t) (end + strlen ("</main>") - self->shell);
    return BS_OK;
}

static int
s_compare_names (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Every page of web/first/ (NAME.html, each one main element), if any. */
static int
s_read_written (gateway_console_t *self, const char *root, bs_error_t *error)
{
    char folder[1200];
    snprintf (folder, sizeof folder, "%s/first", root);
    DIR *dir = opendir (folder);
    if (!dir)
        return BS_OK;
    char *names[S_WRITTEN_MAX + 1];
    size_t count = 0;
    for (struct dirent *entry = readdir (dir); entry; entry = readdir (dir)) {
        size_t length = strlen (entry->d_name);
        if (entry->d_name[0] == '.' || length < 6 || length > 50
            || strcmp (entry->d_name + length - 5, ".html") != 0)
            continue;
        if (count == S_WRITTEN_MAX) {
            count++;
            break;
        }
        names[count++] = strdup (entry->d_name);
    }
    closedir (dir);
    int rc = count > S_WRITTEN_MAX ? bs_error_set (error, BS_E_LIMIT, "gateway.web_root",
                                                   "more than %d pages in %s", S_WRITTEN_MAX,
                                                   folder)
                                   : BS_OK;
    count = count > S_WRITTEN_MAX ? S_WRITTEN_MAX : count;
    qsort (names, count, sizeof names[0], s_compare_names);
    for (size_t i = 0; i < count; i++) {
        s_written_t *page = &self->written[self->written_count];
        char path[1300];
        snprintf (path, sizeof path, "first/%s", names[i] ? names[i] : "");
        size_t size;
        if (rc == BS_OK && !names[i])
            rc = bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
        if (rc == BS_OK && s_read (root, path, &page->main, &size) != BS_OK)
            rc = bs_error_set (error, BS_E_SYSTEM, "gateway.web_root", "cannot read %s/%s", root,
                               path);
        if (rc == BS_OK) {
            /* One main element (the header: top.html) and nothing after it
               but the line's end. */
            while (size && (page->main[size - 1] == '\n' || page->main[size - 1] == '\r'))
                page->main[--size] = 0;
            bool top = strcmp (names[i], "top.html") == 0;
            const char *tag = top ? "header" : "main";
            char open[16], close[16];
            snprintf (open, sizeof open, "<%s ", tag);
            snprintf (close, sizeof close, "</%s>", tag);
            const char *end = strstr (page->main, close);
            if (strncmp (page->main, open, strlen (open)) != 0 || !end
                || end + strlen (close) != page->main + size)
                rc = bs_error_set (error, BS_E_INVALID, "gateway.web_root",
                                   "%s/%s is not one %s element", root, path, tag);
            if (top) {
                self->top = page->main;
                page->main = NULL;
            } else {
                snprintf (page->path, sizeof page->path, "/%.*s", (int) (strlen (names[i]) - 5),
                          names[i]);
                self->written_count++;
            }
        } else {
            free (page->main);
            page->main = NULL;
        }
        free (names[i]);
    }
    return rc;
}

gateway_console_t *
gateway_console_new (bs_config_t *config, bs_error_t *error)
{
    const char *root = s_web_root (config);
    gateway_console_t *self = calloc (1, sizeof *self);
    if (!self) {
        bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
        return NULL;
    }
    char js[1200];
    snprintf (js, sizeof js, "%s/js", root);
    size_t size;
    int rc = gateway_bundle_make (js, &self->script.data, &self->script.size, error);
    if (rc == BS_OK && (s_read (root, "css/console.css", &self->style.data, &self->style.size)
                            != BS_OK
                        || s_read (root, "index.html", &self->shell, &size) != BS_OK))
        rc = bs_error_set (error, BS_E_NOT_FOUND, "gateway.web_root",
                           "no index.html or css/console.css in %s", root);
    if (rc == BS_OK) {
        self->script.type = "text/javascript; charset=utf-8";
        self->style.type = "text/css; charset=utf-8";
        s_name (&self->script, "js");
        s_name (&self->style, "css");
        char *pages = s_pages_json ();
        self->shell = s_put (s_put (s_put (self->shell, "@SCRIPT@", "/static/", self->script.name),
                                    "@STYLE@", "/static/", self->style.name),
                             "@PAGES@", "", pages);
        free (pages);
        const char *mark = self->shell ? strstr (self->shell, "@FIRST_READS@") : NULL;
        if (!mark || s_find_main (self) != BS_OK
            || (size_t) (mark - self->shell) > self->top_at)
            rc = bs_error_set (error, BS_E_INVALID, "gateway.web_root",
                               "%s/index.html is no console shell (@SCRIPT@, @STYLE@, "
                               "@PAGES@, @FIRST_READS@, then <header id=\"top\">, "
                               "<main id=\"main\">)",
                               root);
    }
    if (rc == BS_OK)
        rc = s_read_written (self, root, error);
    if (rc == BS_OK && !(self->refusal_words = gateway_refusal_words_new (root, error)))
        rc = error->code;
    if (rc != BS_OK)
        gateway_console_destroy (&self);
    return self;
}

void
gateway_console_destroy (gateway_console_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gateway_console_t *self = *self_p;
    for (size_t i = 0; i < self->written_count; i++)
        free (self->written[i].main);
    free (self->top);
    free (self->shell);
    free (self->script.data);
    free (self->style.data);
    gateway_refusal_words_destroy (&self->refusal_words);
    free (self);
    *self_p = NULL;
}

const gateway_refusal_words_t *
gateway_console_refusal_words (const gateway_console_t *self)
{
    return self ? self->refusal_words : NULL;
}

enum MHD_Result
gateway_console_file (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    gateway_console_t *console = gateway_console (request->gateway);
    const s_asset_t *kept[] = {console ? &console->script : NULL, console ? &console->style : NULL};
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
    int rc = s_read (s_web_root (gateway_config (request->gateway)), tail, &data, &size);
    if (rc == BS_E_NOT_FOUND)
        return gateway_reply_error (request, 404, "not_found", "path", "no file %s", request->path);
    if (rc != BS_OK)
        return gateway_reply_error (request, 500, "system", "path", "cannot read %s",
                                    request->path);
    enum MHD_Result result = gateway_reply_bytes (request, type, data, size, NULL);
    free (data);
    return result;
}

/* The page of path in s_pages, or -1: no page of the console (404). */
static int
s_page_of (const char *path)
{
    for (size_t i = 0; i < sizeof s_pages / sizeof s_pages[0]; i++) {
        const char *page = s_pages[i].path;
        size_t length = strlen (page);
        bool below = page[length - 1] == '/'; /* "/publish/issues/": what is below it */
        bool first = length == 1 ? strcspn (path + 1, "/") == 0
                                 : strncmp (path, page, length) == 0
                                       && (below || path[length] == 0 || path[length] == '/');
        if (first)
            return (int) i;
    }
    return -1;
}

const char *
gateway_console_home (unsigned roles)
{
    for (size_t i = 0; i < sizeof s_homes / sizeof s_homes[0]; i++)
        if (roles & s_homes[i].role)
            return s_homes[i].path;
    return NULL;
}

bool
gateway_console_opens (const char *path, unsigned roles)
{
    int page = s_page_of (path);
    if (page < 0 || s_pages[page].roles == GATEWAY_ANYONE)
        return true;
    return s_pages[page].roles == GATEWAY_SIGNED_IN || (roles & s_pages[page].roles) != 0;
}

/* The first reads as JSON for a script element of type application/json:
   every "<" written as \u003c, so no "</script>" or "<!--" in a value can
   end the element or change how it is read (caller frees). */
static char *
s_reads_json (json_t *reads)
{
    char *text = reads ? json_dumps (reads, JSON_COMPACT) : strdup ("{}");
    if (!text)
        return NULL;
    size_t angles = 0;
    for (const char *at = text; *at; at++)
        angles += *at == '<';
    char *safe = malloc (strlen (text) + 5 * angles + 1);
    char *out = safe;
    for (const char *at = text; safe && *at; at++)
        if (*at == '<')
            out += sprintf (out, "\\u003c");
        else
            *out++ = *at;
    if (safe)
        *out = 0;
    free (text);
    return safe;
}

/* Today's day, month and year in the gateway's local time, as the
   dashboard writes them ("2026-12-04", "2026-12", "2026"). */
typedef struct {
    char day[16];
    char month[16];
    char year[16];
    int months; /* this year's months so far */
} s_today_t;

static s_today_t
s_today (void)
{
    time_t now = time (NULL);
    struct tm today;
    localtime_r (&now, &today);
    s_today_t dates;
    snprintf (dates.year, sizeof dates.year, "%04d", today.tm_year + 1900);
    snprintf (dates.month, sizeof dates.month, "%s-%02d", dates.year, today.tm_mon + 1);
    snprintf (dates.day, sizeof dates.day, "%s-%02d", dates.month, today.tm_mday);
    dates.months = today.tm_mon + 1;
    return dates;
}

/* read with its {day}, {month} or {year} as today's, into out. */
static void
s_expand (const char *read, const s_today_t *dates, char *out, size_t size)
{
    static const char *const names[] = {"{day}", "{month}", "{year}"};
    const char *values[] = {dates->day, dates->month, dates->year};
    for (size_t i = 0; i < 3; i++) {
        const char *at = strstr (read, names[i]);
        if (at) {
            snprintf (out, size, "%.*s%s%s", (int) (at - read), read, values[i],
                      at + strlen (names[i]));
            return;
        }
    }
    snprintf (out, size, "%s", read);
}

/* The answer the page carries for its read url, if it answered 200. */
static json_t *
s_answered (json_t *reads, const char *url)
{
    json_t *entry = json_object_get (reads, url);
    return json_integer_value (json_array_get (entry, 0)) == 200 ? json_array_get (entry, 1)
                                                                 : NULL;
}

/* The figure of key ("PERIOD.COLUMN", length bytes) from the page's
   reads: BS_OK with *value. */
static int
s_fill_value (const char *key, size_t length, json_t *reads, const s_today_t *dates,
              json_int_t *value)
{
    const char *dot = memchr (key, '.', length);
    if (!dot || dot - key > 10 || length > 60)
        return BS_E_NOT_FOUND;
    char read[GATEWAY_READ_MAX], url[GATEWAY_READ_MAX], column[64];
    snprintf (read, sizeof read, S_STATISTICS ("{%.*s}"), (int) (dot - key), key);
    snprintf (column, sizeof column, "%.*s", (int) (length - (size_t) (dot + 1 - key)), dot + 1);
    s_expand (read, dates, url, sizeof url);
    json_t *rows = json_object_get (s_answered (reads, url), "rows");
    if (strcmp (read, url) == 0 || !json_is_array (rows))
        return BS_E_NOT_FOUND;
    size_t index;
    json_t *row;
    *value = 0;
    json_array_foreach (rows, index, row)
    {
        *value += json_integer_value (json_object_get (row, column));
    }
    return BS_OK;
}

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

/* The main element of a page written whole, for this request (caller
   frees): NULL when the page cannot be written now, so the script draws
   it. A page with first reads of its own (the officer's, the leader's)
   is written once each of them answered 200 (not for a person with no
   session, or whose roles the reads refuse); its figures (data-fill) are
   filled from them. */
static char *
s_written_main (const s_written_t *page, json_t *reads)
{
    char urls[32][GATEWAY_READ_MAX];
    size_t count = gateway_console_first_reads (page->path, urls, 32);
    for (size_t i = 0; i < count; i++)
        if (!s_answered (reads, urls[i]))
            return NULL;
    s_today_t dates = s_today ();
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
        whole = close && s_fill_value (key, length, reads, &dates, &value) == BS_OK;
        if (whole) {
            fprintf (out, "%.*s%" JSON_INTEGER_FORMAT, (int) (close + 1 - at), at, value);
            at = close + 1;
        }
    }
    return s_finish (out, at, &text, whole);
}

/* The header (web/first/top.html) as this person sees it (caller frees):
   an element with data-role="ROLE" (officer, editor, publisher, leader,
   admin) is kept when the person holds ROLE, one with data-role="session"
   when they have a session, each up to the first end tag of its name (no
   element of the same name in it); a kept link to where path is (path, or
   below it) is marked aria-current="page" (the last of its attributes);
   data-fill="who" holds the person's name (their login if none) and
   <span class="unit"> · UNIT</span>. web/js/app.js (header) draws the same
   from the same markup. NULL: the shell's header as it is. */
static char *
s_written_top (const char *top, const gateway_principal_t *who, const char *path)
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
    int known = s_page_of (request->path);
    bool open = known < 0 || s_pages[known].roles == GATEWAY_ANYONE;
    bool reads_only = s_reads_only (request);
    if (!open && !unsure && rc != BS_OK)
        return reads_only ? gateway_reply_error (request, 401, "unauthorized", "session",
                                                 "%s needs a session", request->path)
                          : s_to_login (request);
    bool forbidden =
        !open && rc == BS_OK && !gateway_console_opens (request->path, request->principal.roles);
    unsigned status = known < 0 ? 404 : forbidden ? 403 : 200;
    char record[GATEWAY_READ_MAX];
    if (status == 200 && s_record_read (request->path, record, sizeof record)
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
            main = s_written_main (&console->written[i], request->first_reads);
    static const gateway_principal_t s_nobody;
    char *top = s_written_top (console->top, rc == BS_OK ? &request->principal : &s_nobody,
                               request->path);
    const char *after = mark + strlen (s_mark);
    const char *top_at = shell + console->top_at, *top_after = shell + console->top_after;
    const char *main_at = shell + console->main_at, *main_after = shell + console->main_after;
    char *reads = s_reads_json (request->first_reads);
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

/* Is path one of the space-separated paths of list? */
static bool
s_listed (const char *list, const char *path)
{
    size_t length = strlen (path);
    for (const char *at = list; *at; at += strcspn (at, " "), at += *at == ' ') {
        size_t part = strcspn (at, " ");
        if (part == length && strncmp (at, path, length) == 0)
            return true;
    }
    return false;
}

size_t
gateway_console_first_reads (const char *path, char reads[][GATEWAY_READ_MAX], size_t max)
{
    s_today_t dates = s_today ();
    size_t count = 0;
    for (size_t i = 0; i < sizeof s_first_reads / sizeof s_first_reads[0]; i++) {
        if (!s_listed (s_first_reads[i].pages, path))
            continue;
        for (size_t j = 0; j < 10 && s_first_reads[i].reads[j] && count < max; j++) {
            const char *read = s_first_reads[i].reads[j];
            const char *months = strstr (read, "{months}");
            for (int m = 1; months && m <= dates.months && count < max; m++)
                snprintf (reads[count++], GATEWAY_READ_MAX, "%.*s%s-%02d%s", (int) (months - read),
                          read, dates.year, m, months + strlen ("{months}"));
            if (!months)
                s_expand (read, &dates, reads[count++], GATEWAY_READ_MAX);
        }
    }
    if (count < max && s_record_read (path, reads[count], GATEWAY_READ_MAX))
        count++;
    return count;
}
