/*  gateway console: the web console's files, read from gateway.web_root
    (the web/ folder of the source tree by default) as the gateway starts
    and kept (console.h) until it stops.

    It reads the shell (index.html), the style sheet (css/console.css),
    the modules (js/, made one script by bundle.c), the dictionaries'
    sentences for a refusal (refusal_words.c, for the pages with no
    script) and the pages written whole (web/first/NAME.html: the first
    view of the page /NAME, its main element; web/first/top.html: the
    header), and names the style sheet and the script by a hash of their
    bytes, console.HASH.css and console.HASH.js, which console_static.c
    serves. The shell names them where it says @STYLE@ and @SCRIPT@, and
    holds who may open each page (console_access.c) where it says @PAGES@;
    @FIRST_READS@ is left for each page's first reads (console_page.c). A
    change of the files is seen when the gateway starts again. Nothing is
    fetched from elsewhere: the console works with no internet.

    The console's files (console_*.c, each with its .h):
      console.c          reads the web root as the gateway starts;
      console_static.c   GET /static/: the script, the style sheet, files;
      console_access.c   the console's pages and who may open each one;
      console_reads.c    a page's first reads: which, today's dates in
                         them, their answers as JSON and as figures;
      console_written.c  a page written whole and the header, for a person;
      console_page.c     GET of a page: the shell with all of the above,
                         or the login page for a person with no session.
*/
#include "console.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bs_log.h"
#include "console_access.h"

#define S_FILE_MAX (4u << 20) /* bytes of one file of the console */

const char *
gateway_console_web_root (bs_config_t *config)
{
    const char *configured = bs_config_get (config, "gateway.web_root");
    return configured && *configured ? configured : BAOSONG_WEB_ROOT;
}

int
gateway_console_read (const char *root, const char *path, char **data, size_t *size)
{
    int rc = gateway_web_read (root, path, S_FILE_MAX, data, size);
    if (rc == BS_E_SYSTEM)
        bs_log_warning ("cannot read %s/%s", root, path);
    return rc;
}

/* Name asset "console.HASH.extension" by its bytes. */
static void
s_name (gateway_asset_t *asset, const char *extension)
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
    char *names[GATEWAY_WRITTEN_MAX + 1];
    size_t count = 0;
    for (struct dirent *entry = readdir (dir); entry; entry = readdir (dir)) {
        size_t length = strlen (entry->d_name);
        if (entry->d_name[0] == '.' || length < 6 || length > 50
            || strcmp (entry->d_name + length - 5, ".html") != 0)
            continue;
        if (count == GATEWAY_WRITTEN_MAX) {
            count++;
            break;
        }
        names[count++] = strdup (entry->d_name);
    }
    closedir (dir);
    int rc = count > GATEWAY_WRITTEN_MAX
                 ? bs_error_set (error, BS_E_LIMIT, "gateway.web_root", "more than %d pages in %s",
                                 GATEWAY_WRITTEN_MAX, folder)
                 : BS_OK;
    count = count > GATEWAY_WRITTEN_MAX ? GATEWAY_WRITTEN_MAX : count;
    qsort (names, count, sizeof names[0], s_compare_names);
    for (size_t i = 0; i < count; i++) {
        gateway_written_t *page = &self->written[self->written_count];
        char path[1300];
        snprintf (path, sizeof path, "first/%s", names[i] ? names[i] : "");
        size_t size;
        if (rc == BS_OK && !names[i])
            rc = bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
        if (rc == BS_OK && gateway_console_read (root, path, &page->main, &size) != BS_OK)
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
    const char *root = gateway_console_web_root (config);
    gateway_console_t *self = calloc (1, sizeof *self);
    if (!self) {
        bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
        return NULL;
    }
    char js[1200];
    snprintf (js, sizeof js, "%s/js", root);
    size_t size;
    int rc = gateway_bundle_make (js, &self->script.data, &self->script.size, error);
    if (rc == BS_OK
        && (gateway_console_read (root, "css/console.css", &self->style.data, &self->style.size)
                != BS_OK
            || gateway_console_read (root, "index.html", &self->shell, &size) != BS_OK))
        rc = bs_error_set (error, BS_E_NOT_FOUND, "gateway.web_root",
                           "no index.html or css/console.css in %s", root);
    if (rc == BS_OK) {
        self->script.type = "text/javascript; charset=utf-8";
        self->style.type = "text/css; charset=utf-8";
        s_name (&self->script, "js");
        s_name (&self->style, "css");
        char *pages = gateway_console_pages_json ();
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
