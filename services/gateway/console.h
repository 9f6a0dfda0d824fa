/*  console: the web console's files as the gateway reads them when it
    starts (console.c), kept for every request: the shell, the script and
    the style sheet named by a hash of their bytes, the pages written
    whole (web/first/NAME.html) and the header (web/first/top.html).
    Private to the console's files: console.c makes it, console_static.c
    serves its script and style sheet, console_page.c writes a page from
    its shell. Everything else uses the accessors of gateway.h.
*/
#ifndef GATEWAY_CONSOLE_H_INCLUDED
#define GATEWAY_CONSOLE_H_INCLUDED

#include "gateway.h"

/* A file made once and kept: the script, the style sheet. */
typedef struct {
    char name[64]; /* "console.HASH.js", below /static/ */
    char *data;
    size_t size;
    const char *type;
} gateway_asset_t;

/* A page written whole (web/first/NAME.html): its path and main element. */
#define GATEWAY_WRITTEN_MAX 12

typedef struct {
    char path[64]; /* "/login" */
    char *main;    /* "<main ...>...</main>" */
} gateway_written_t;

struct gateway_console {
    char *shell;       /* index.html, the assets' names in it, @FIRST_READS@ left */
    size_t top_at;     /* where the shell's header element starts */
    size_t top_after;  /* and the byte after it */
    size_t main_at;    /* where the shell's main element starts */
    size_t main_after; /* and the byte after it */
    char *top;         /* web/first/top.html: the header, each person's parts in it */
    gateway_asset_t script;
    gateway_asset_t style;
    gateway_written_t written[GATEWAY_WRITTEN_MAX];
    size_t written_count;
    gateway_refusal_words_t *refusal_words; /* the dictionaries' sentences for a refusal */
};

/* The folder the console's files are in: gateway.web_root, else the
   source tree's web/. */
const char *gateway_console_web_root (bs_config_t *config);

/* Read the file at root/path whole (at most a few MiB; a failure of the
   system is logged): BS_OK with *data (caller frees) and *size, or
   gateway_web_read's error. */
int gateway_console_read (const char *root, const char *path, char **data, size_t *size);

#endif
