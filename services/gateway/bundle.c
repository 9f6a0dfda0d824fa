/*  gateway bundle: the web console's ES modules (web/js) as one script, so
    a browser fetches one file and waits for no import after another.

    The bundle holds web/js/app.js, every module of web/js/pages/ (app.js
    imports them by name) and whatever they import, each module a function
    that returns its exports; the last line runs app.js. Modules outside it
    (the Traditional Chinese dictionary, which the Simplified reader never
    needs) are still imported from /static/js/ when asked for.

    It is made by the gateway as it starts, from the files as they are
    written, by rewriting the few forms of import and export the console
    uses, each at the start of a line:
      import { a, b as c } from './x.js';   const { a, b: c } = __require('x.js');
      import x from './x.js';               const x = __require('x.js').default;
      import * as x from './x.js';          const x = __require('x.js');
      import './x.js';                      __require('x.js');
      export function|async function|class|const NAME   (the same, NAME exported)
      export default VALUE                  const __default = VALUE
    A page's first view, the main element the gateway writes whole into
    the page it answers (web/first/NAME.html, console_written.c), is imported as
    its text (the bundle's module '../first/NAME.html', its default export
    a string), so the script draws the page from the same markup:
      import view from '../../first/NAME.html';   (in a module of pages/)
    and import(...) anywhere as __import(...), which resolves its path
    against the module's folder at run time. An exported binding is read
    through a getter, so a function declared later in the module is seen.
    Any other export (let, var, a list, re-exports) and import.meta are
    refused, naming the file and line, rather than bundled wrong; so is an
    import cycle when it runs. Lines keep their numbers within each module.
*/
#include "gateway.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bs_text.h"

#define S_MODULES_MAX 200       /* modules in one bundle */
#define S_MODULE_MAX (1u << 20) /* bytes of one module */
#define S_NAME_MAX 200          /* bytes of a module's name (its path below web/js) */

typedef struct {
    char *names[S_MODULES_MAX]; /* below web/js, "pages/officer.js"; in the order found */
    size_t count;
} s_modules_t;

static bool
s_identifier_char (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
           || c == '$';
}

/* Add name unless it is there already. */
static int
s_add (s_modules_t *modules, const char *name, bs_error_t *error)
{
    for (size_t i = 0; i < modules->count; i++)
        if (strcmp (modules->names[i], name) == 0)
            return BS_OK;
    if (modules->count == S_MODULES_MAX)
        return bs_error_set (error, BS_E_LIMIT, "gateway.web_root", "more than %d modules",
                             S_MODULES_MAX);
    modules->names[modules->count] = strdup (name);
    if (!modules->names[modules->count])
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    modules->count++;
    return BS_OK;
}

/* Is name "NAME.html", a page's first view (web/first/)? */
static bool
s_is_view (const char *name)
{
    size_t length = strlen (name);
    return length > 5 && strcmp (name + length - 5, ".html") == 0;
}

/* The module path (as written after from) resolved against the folder of
   module from, into name: "../dom.js" from "pages/officer.js" is "dom.js".
   Only ./ and ../ paths below web/js, naming a .js file, or a page's
   first view, web/first/NAME.html: "../first/NAME.html". */
static int
s_resolve (const char *from, const char *path, char *name, size_t size, bs_error_t *error)
{
    if (strncmp (path, "./", 2) != 0 && strncmp (path, "../", 3) != 0)
        return bs_error_set (error, BS_E_INVALID, from, "%s: import '%s' is not ./ or ../", from,
                             path);
    char joined[2 * S_NAME_MAX + 2];
    const char *slash = strrchr (from, '/');
    snprintf (joined, sizeof joined, "%.*s%s%s", slash ? (int) (slash - from) : 0, from,
              slash ? "/" : "", path);
    /* Walk the parts, dropping "." and the part before each "..". */
    char *parts[64];
    size_t count = 0;
    bool above = false; /* the path went up out of web/js, once */
    char *state = NULL;
    for (char *part = strtok_r (joined, "/", &state); part; part = strtok_r (NULL, "/", &state)) {
        if (strcmp (part, ".") == 0)
            continue;
        if (strcmp (part, "..") == 0) {
            if (count == 0 && above)
                return bs_error_set (error, BS_E_INVALID, from, "%s: import '%s' leaves web/js",
                                     from, path);
            above = above || count == 0;
            count -= count > 0;
        } else if (count < 64)
            parts[count++] = part;
    }
    size_t used = 0;
    name[0] = 0;
    for (size_t i = 0; i < count; i++)
        used += (size_t) snprintf (name + used, used < size ? size - used : 0, "%s%s",
                                   i ? "/" : "", parts[i]);
    size_t length = strlen (name);
    /* Above web/js, only a page's first view: web/first/NAME.html. */
    if (above && (count != 2 || strcmp (parts[0], "first") != 0 || !s_is_view (parts[1])))
        return bs_error_set (error, BS_E_INVALID, from, "%s: import '%s' leaves web/js", from,
                             path);
    if (above) {
        char view[S_NAME_MAX];
        snprintf (view, sizeof view, "%s", name);
        used = (size_t) snprintf (name, size, "../%s", view);
    } else if (used >= size || length < 4 || strcmp (name + length - 3, ".js") != 0)
        return bs_error_set (error, BS_E_INVALID, from, "%s: import '%s' is no .js file", from,
                             path);
    return used < size ? BS_OK
                       : bs_error_set (error, BS_E_INVALID, from, "%s: import '%s' is too long",
                                       from, path);
}

/* The quoted path at *at ('…' or "…") into path; *at moves past it. */
static bool
s_quoted (const char **at, char *path, size_t size)
{
    char quote = **at;
    if (quote != '\'' && quote != '"')
        return false;
    const char *end = strchr (*at + 1, quote);
    if (!end || (size_t) (end - *at - 1) >= size)
        return false;
    snprintf (path, size, "%.*s", (int) (end - *at - 1), *at + 1);
    *at = end + 1;
    return true;
}

static const char *
s_skip_spaces (const char *at)
{
    while (*at == ' ' || *at == '\t' || *at == '\n' || *at == '\r')
        at++;
    return at;
}

/* One import statement (text, from "import" to its ";") written to out as
   its __require; the module it names added to modules. */
static int
s_import (const char *module, unsigned line, const char *text, FILE *out, s_modules_t *modules,
          bs_error_t *error)
{
    const char *at = s_skip_spaces (text + strlen ("import"));
    char binding[1024] = "", path[S_NAME_MAX];
    const char *suffix = ""; /* ".default" for a default import */
    if (*at == '{') {
        /* { a, b as c } becomes { a, b: c } */
        const char *close = strchr (at, '}');
        if (!close)
            return bs_error_set (error, BS_E_INVALID, module, "%s:%u: import { with no }", module,
                                 line);
        size_t used = 0;
        for (const char *c = at; c <= close && used + 2 < sizeof binding; c++) {
            if (strncmp (c, " as ", 4) == 0) {
                binding[used++] = ':';
                binding[used++] = ' ';
                c += 3;
            } else if (*c != '\n' && *c != '\r')
                binding[used++] = *c;
        }
        binding[used] = 0;
        at = close + 1;
    } else if (*at == '*') {
        at = s_skip_spaces (at + 1);
        if (strncmp (at, "as ", 3) != 0)
            return bs_error_set (error, BS_E_INVALID, module, "%s:%u: import * with no as",
                                 module, line);
        at = s_skip_spaces (at + 3);
        size_t length = 0;
        while (s_identifier_char (at[length]) && length + 1 < sizeof binding)
            length++;
        snprintf (binding, sizeof binding, "%.*s", (int) length, at);
        at += length;
    } else if (s_identifier_char (*at)) {
        size_t length = 0;
        while (s_identifier_char (at[length]) && length + 1 < sizeof binding)
            length++;
        snprintf (binding, sizeof binding, "%.*s", (int) length, at);
        at += length;
        suffix = ".default";
    }
    if (*binding) {
        at = s_skip_spaces (at);
        if (strncmp (at, "from", 4) != 0)
            return bs_error_set (error, BS_E_INVALID, module,
                                 "%s:%u: an import this bundle does not take", module, line);
        at = s_skip_spaces (at + 4);
    }
    if (!s_quoted (&at, path, sizeof path) || *s_skip_spaces (at) != ';')
        return bs_error_set (error, BS_E_INVALID, module,
                             "%s:%u: an import this bundle does not take", module, line);
    char name[S_NAME_MAX];
    int rc = s_resolve (module, path, name, sizeof name, error);
    if (rc != BS_OK)
        return rc;
    fprintf (out, "%s%s%s__require('%s')%s;", *binding ? "const " : "", binding,
             *binding ? " = " : "", name, suffix);
    return s_add (modules, name, error);
}

/* The rest of a line as it is, each import( as __import(. */
static void
s_plain (const char *text, size_t length, FILE *out)
{
    for (size_t i = 0; i < length; i++) {
        if (strncmp (text + i, "import(", 7) == 0 && (i == 0 || !s_identifier_char (text[i - 1]))
            && (i == 0 || text[i - 1] != '.'))
            fputs ("__", out);
        fputc (text[i], out);
    }
}

/* One line starting "export ": written without it, its name added to
   exports (a list of "name\n"). */
static int
s_export (const char *module, unsigned line, const char *text, size_t length, FILE *out,
          FILE *exports, bs_error_t *error)
{
    const char *at = text + strlen ("export ");
    if (strncmp (at, "default ", 8) == 0) {
        fputs ("const __default = ", out);
        s_plain (at + 8, length - (size_t) (at + 8 - text), out);
        fputs ("default\n", exports);
        return BS_OK;
    }
    static const char *const kinds[] = {"async function ", "function ", "class ", "const "};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t kind = strlen (kinds[i]);
        if (strncmp (at, kinds[i], kind) != 0)
            continue;
        const char *name = at + kind;
        size_t size = 0;
        while (s_identifier_char (name[size]))
            size++;
        if (!size)
            break;
        fprintf (exports, "%.*s\n", (int) size, name);
        s_plain (at, length - (size_t) (at - text), out);
        return BS_OK;
    }
    return bs_error_set (error, BS_E_INVALID, module,
                         "%s:%u: an export this bundle does not take (function, class, const, "
                         "default)",
                         module, line);
}

/* Module name's source (source, NUL-terminated) as one entry of the
   bundle's table, to out. */
static int
s_module (const char *name, const char *source, FILE *out, s_modules_t *modules, bs_error_t *error)
{
    char *names = NULL;
    size_t names_size = 0;
    FILE *exports = bs_text_stream_open (&names, &names_size);
    if (!exports)
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    fprintf (out, "'%s': function (__require, __import) {\n", name);
    int rc = strstr (source, "import.meta")
                 ? bs_error_set (error, BS_E_INVALID, name, "%s: import.meta is not bundled", name)
                 : BS_OK;
    unsigned line = 1;
    for (const char *at = source; *at && rc == BS_OK;) {
        size_t length = strcspn (at, "\n");
        if (strncmp (at, "import ", 7) == 0 || strncmp (at, "import{", 7) == 0) {
            /* Up to its ";", which may be lines below: as many lines out. */
            const char *end = strchr (at, ';');
            if (!end)
                rc = bs_error_set (error, BS_E_INVALID, name, "%s:%u: an import with no ;", name,
                                   line);
            else {
                char *text = strndup (at, (size_t) (end - at + 1));
                rc = text ? s_import (name, line, text, out, modules, error)
                          : bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
                for (const char *c = at; text && c < end; c++)
                    if (*c == '\n') {
                        fputc ('\n', out);
                        line++;
                    }
                free (text);
                length = (size_t) (end - at + 1);
                length += strcspn (at + length, "\n");
                s_plain (end + 1, (size_t) (at + length - end - 1), out);
            }
        } else if (strncmp (at, "export ", 7) == 0)
            rc = s_export (name, line, at, length, out, exports, error);
        else
            s_plain (at, length, out);
        at += length;
        if (*at == '\n') {
            fputc ('\n', out);
            at++;
            line++;
        }
    }
    if (!bs_text_stream_close (exports, &names) && rc == BS_OK)
        rc = bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    if (rc == BS_OK) {
        fputs ("\nreturn {", out);
        const char *separator = " ";
        for (char *export = names; export && *export; export += strlen (export) + 1) {
            char *newline = strchr (export, '\n');
            *newline = 0;
            fprintf (out, "%sget %s() { return %s; }", separator, export,
                     strcmp (export, "default") == 0 ? "__default" : export);
            separator = ", ";
        }
        fputs (" };\n},\n", out);
    }
    free (names);
    return rc;
}

/* A page's first view (web/first/NAME.html, source) as a module of the
   bundle whose default export is its text. */
static int
s_view_module (const char *name, const char *source, FILE *out, bs_error_t *error)
{
    json_t *string = json_string (source);
    char *text = string ? json_dumps (string, JSON_ENCODE_ANY) : NULL;
    json_decref (string);
    if (!text)
        return bs_error_set (error, BS_E_INVALID, name, "%s is no UTF-8 text", name);
    fprintf (out,
             "'%s': function () {\nconst __default = %s;\n"
             "return { get default() { return __default; } };\n},\n",
             name, text);
    free (text);
    return BS_OK;
}

int
gateway_web_read (const char *root, const char *path, size_t max, char **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    char full[1400];
    snprintf (full, sizeof full, "%s/%s", root, path);
    FILE *file = fopen (full, "rb");
    if (!file)
        return errno == ENOENT || errno == ENOTDIR ? BS_E_NOT_FOUND : BS_E_SYSTEM;
    struct stat info;
    if (fstat (fileno (file), &info) != 0 || !S_ISREG (info.st_mode)
        || (size_t) info.st_size > max) {
        fclose (file);
        return BS_E_NOT_FOUND;
    }
    *data = malloc ((size_t) info.st_size + 1);
    *size = *data ? fread (*data, 1, (size_t) info.st_size, file) : 0;
    fclose (file);
    if (!*data || *size != (size_t) info.st_size) {
        free (*data);
        *data = NULL;
        return BS_E_SYSTEM;
    }
    (*data)[*size] = 0;
    return BS_OK;
}

static int
s_compare (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

/* app.js and every .js file of pages/, in name order. */
static int
s_entries (const char *root, s_modules_t *modules, bs_error_t *error)
{
    int rc = s_add (modules, "app.js", error);
    char folder[1200];
    snprintf (folder, sizeof folder, "%s/pages", root);
    DIR *dir = opendir (folder);
    if (!dir)
        return rc;
    char *found[S_MODULES_MAX];
    size_t count = 0;
    for (struct dirent *entry = readdir (dir); entry && count < S_MODULES_MAX;
         entry = readdir (dir)) {
        size_t length = strlen (entry->d_name);
        if (entry->d_name[0] != '.' && length > 3 && length < 100
            && strcmp (entry->d_name + length - 3, ".js") == 0)
            found[count++] = strdup (entry->d_name);
    }
    closedir (dir);
    qsort (found, count, sizeof found[0], s_compare);
    for (size_t i = 0; i < count; i++) {
        char name[S_NAME_MAX];
        snprintf (name, sizeof name, "pages/%s", found[i] ? found[i] : "");
        if (rc == BS_OK && found[i])
            rc = s_add (modules, name, error);
        free (found[i]);
    }
    return rc;
}

/* What runs the table: each module once, on its first __require, its
   exports kept; __import a promise of them, or of the file under
   /static/js/ for a module not in the bundle. */
static const char s_loader[] =
    "};\n"
    "const __loaded = {};\n"
    "function __resolve(from, path) {\n"
    "  const parts = from.split('/'); parts.pop();\n"
    "  for (const part of path.split('/')) {\n"
    "    if (part === '..') parts.pop(); else if (part !== '.') parts.push(part);\n"
    "  }\n"
    "  return parts.join('/');\n"
    "}\n"
    "function __load(name) {\n"
    "  if (name in __loaded) {\n"
    "    if (!__loaded[name]) throw new Error('import cycle through ' + name);\n"
    "    return __loaded[name];\n"
    "  }\n"
    "  __loaded[name] = null;\n"
    "  const dynamic = path => {\n"
    "    const target = __resolve(name, path);\n"
    "    return target in __modules ? Promise.resolve().then(() => __load(target))\n"
    "      : import('/static/js/' + target);\n"
    "  };\n"
    "  return (__loaded[name] = __modules[name](__load, dynamic));\n"
    "}\n"
    "__load('app.js');\n";

int
gateway_bundle_make (const char *js_root, char **text, size_t *size, bs_error_t *error)
{
    *text = NULL;
    *size = 0;
    s_modules_t modules = {.count = 0};
    FILE *out = bs_text_stream_open (text, size);
    if (!out)
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    fputs ("/* The web console's modules (web/js) in one script, made by the gateway\n"
           "   as it starts (services/gateway/bundle.c). */\n"
           "const __modules = {\n",
           out);
    int rc = s_entries (js_root, &modules, error);
    /* Each module's imports are added as it is written: the list grows. */
    for (size_t i = 0; rc == BS_OK && i < modules.count; i++) {
        char *source = NULL;
        size_t length;
        rc = gateway_web_read (js_root, modules.names[i], S_MODULE_MAX, &source, &length);
        if (rc != BS_OK)
            rc = bs_error_set (error, rc, "gateway.web_root", "cannot read the module %s/%s",
                               js_root, modules.names[i]);
        else if (s_is_view (modules.names[i]))
            rc = s_view_module (modules.names[i], source, out, error);
        else
            rc = s_module (modules.names[i], source, out, &modules, error);
        free (source);
    }
    fputs (s_loader, out);
    if (!bs_text_stream_close (out, text) && rc == BS_OK)
        rc = bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    for (size_t i = 0; i < modules.count; i++)
        free (modules.names[i]);
    if (rc != BS_OK) {
        free (*text);
        *text = NULL;
        *size = 0;
    }
    return rc;
}
