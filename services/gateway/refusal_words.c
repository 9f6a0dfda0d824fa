/*  gateway refusal_words: a refusal said as the console says it, for the
    pages that work with no script (pages.c).

    The console's sentences for a refusal are entries of its dictionaries
    (web/js/i18n/zh-Hans.js and zh-Hant.js): err.CODE and err.CODE.FIELD,
    reason.WORD and reason.WORD.FIELD, field.NAME and colon. The gateway
    reads those entries from the same files as it starts (console.c), so
    each sentence is written once, and chooses among them as
    web/js/errors.js errorMessage does: reason.WORD.FIELD, else
    reason.WORD, else err.CODE.FIELD, else field.FIELD, colon and
    err.CODE (err.system for a code with no sentence).

    An entry is a line of the form
        'key': 'text',
    as the dictionaries write every one; any other line (a comment, the
    braces) is passed over, and so is a text with a backslash or a quote
    in it (an escape this reader does not undo), which then falls back to
    the next sentence in the order above. It calls no other file of the
    gateway but bundle.c (gateway_web_read).
*/
#include "gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DICTIONARY_MAX (1u << 20) /* bytes of one dictionary */

typedef struct {
    char *key;  /* "reason.taken.name" */
    char *text; /* its sentence */
} s_entry_t;

typedef struct {
    s_entry_t *entries; /* sorted by key */
    size_t count;
} s_dictionary_t;

struct gateway_refusal_words {
    s_dictionary_t scripts[2]; /* [GATEWAY_HANS], [GATEWAY_HANT] */
};

static const char *const s_prefixes[] = {"err.", "reason.", "field.", "colon"};

static bool
s_wanted (const char *key, size_t size)
{
    for (size_t i = 0; i < sizeof s_prefixes / sizeof s_prefixes[0]; i++) {
        size_t length = strlen (s_prefixes[i]);
        if (size >= length && strncmp (key, s_prefixes[i], length) == 0)
            return true;
    }
    return false;
}

static int
s_compare_entries (const void *a, const void *b)
{
    return strcmp (((const s_entry_t *) a)->key, ((const s_entry_t *) b)->key);
}

/* The entries of line (one line, not ended) into dictionary, if it is
   one and wanted. */
static int
s_line_take (s_dictionary_t *dictionary, size_t *allocated, const char *line, size_t size)
{
    const char *at = line, *end = line + size;
    while (at < end && *at == ' ')
        at++;
    if (at == end || *at != '\'')
        return BS_OK;
    const char *key = ++at;
    while (at < end && *at != '\'')
        at++;
    size_t key_size = (size_t) (at - key);
    if (at == end || end - at < 4 || strncmp (at, "': '", 4) != 0 || !s_wanted (key, key_size))
        return BS_OK;
    const char *text = at += 4;
    while (at < end && *at != '\'' && *at != '\\')
        at++;
    if (at == end || *at != '\'')
        return BS_OK;
    size_t text_size = (size_t) (at - text);
    at++;
    if (at < end && *at == ',')
        at++;
    while (at < end && (*at == ' ' || *at == '\r'))
        at++;
    if (at != end)
        return BS_OK;
    if (dictionary->count == *allocated) {
        size_t more = *allocated ? 2 * *allocated : 256;
        s_entry_t *grown = realloc (dictionary->entries, more * sizeof *grown);
        if (!grown)
            return BS_E_SYSTEM;
        dictionary->entries = grown;
        *allocated = more;
    }
    s_entry_t *entry = &dictionary->entries[dictionary->count];
    entry->key = strndup (key, key_size);
    entry->text = strndup (text, text_size);
    if (!entry->key || !entry->text) {
        free (entry->key);
        free (entry->text);
        return BS_E_SYSTEM;
    }
    dictionary->count++;
    return BS_OK;
}

static int
s_dictionary_read (s_dictionary_t *dictionary, const char *root, const char *path,
                   bs_error_t *error)
{
    char *source = NULL;
    size_t size = 0, allocated = 0;
    int rc = gateway_web_read (root, path, S_DICTIONARY_MAX, &source, &size);
    if (rc != BS_OK)
        return bs_error_set (error, rc, "gateway.web_root", "cannot read %s/%s", root, path);
    for (const char *line = source; rc == BS_OK && line < source + size;) {
        const char *newline = memchr (line, '\n', (size_t) (source + size - line));
        size_t length = newline ? (size_t) (newline - line) : (size_t) (source + size - line);
        rc = s_line_take (dictionary, &allocated, line, length);
        line += length + 1;
    }
    free (source);
    if (rc != BS_OK)
        return bs_error_set (error, rc, "", "out of memory");
    if (dictionary->count)
        qsort (dictionary->entries, dictionary->count, sizeof dictionary->entries[0],
               s_compare_entries);
    return BS_OK;
}

gateway_refusal_words_t *
gateway_refusal_words_new (const char *web_root, bs_error_t *error)
{
    static const char *const paths[] = {
        [GATEWAY_HANS] = "js/i18n/zh-Hans.js", [GATEWAY_HANT] = "js/i18n/zh-Hant.js"};
    gateway_refusal_words_t *self = calloc (1, sizeof *self);
    if (!self) {
        bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < 2; i++)
        if (s_dictionary_read (&self->scripts[i], web_root, paths[i], error) != BS_OK) {
            gateway_refusal_words_destroy (&self);
            return NULL;
        }
    return self;
}

void
gateway_refusal_words_destroy (gateway_refusal_words_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gateway_refusal_words_t *self = *self_p;
    for (size_t i = 0; i < 2; i++) {
        for (size_t j = 0; j < self->scripts[i].count; j++) {
            free (self->scripts[i].entries[j].key);
            free (self->scripts[i].entries[j].text);
        }
        free (self->scripts[i].entries);
    }
    free (self);
    *self_p = NULL;
}

/* The sentence of the key prefix + word (+ "." + field), or NULL. */
static const char *
s_find (const s_dictionary_t *dictionary, const char *prefix, const char *word, const char *field)
{
    char key[160];
    int length = field ? snprintf (key, sizeof key, "%s%s.%s", prefix, word, field)
                       : snprintf (key, sizeof key, "%s%s", prefix, word);
    if (length < 0 || (size_t) length >= sizeof key || !dictionary->count)
        return NULL;
    s_entry_t wanted = {.key = key};
    const s_entry_t *found = bsearch (&wanted, dictionary->entries, dictionary->count,
                                      sizeof dictionary->entries[0], s_compare_entries);
    return found ? found->text : NULL;
}

bool
gateway_refusal_words_say (const gateway_refusal_words_t *self, const char *code,
                           const bs_error_t *error, gateway_script_t script, char *buffer,
                           size_t size)
{
    if (!self || !size)
        return false;
    const s_dictionary_t *dictionary = &self->scripts[script == GATEWAY_HANT];
    const char *field = error->field, *why = error->reason;
    const char *said = NULL;
    if (*why && *field)
        said = s_find (dictionary, "reason.", why, field);
    if (!said && *why)
        said = s_find (dictionary, "reason.", why, NULL);
    if (!said && *field)
        said = s_find (dictionary, "err.", code, field);
    if (said) {
        snprintf (buffer, size, "%s", said);
        return true;
    }
    const char *reason = s_find (dictionary, "err.", code, NULL);
    if (!reason)
        reason = s_find (dictionary, "err.", "system", NULL);
    if (!reason)
        return false;
    const char *name = *field ? s_find (dictionary, "field.", field, NULL) : NULL;
    const char *colon = s_find (dictionary, "", "colon", NULL);
    if (name && colon)
        snprintf (buffer, size, "%s%s%s", name, colon, reason);
    else
        snprintf (buffer, size, "%s", reason);
    return true;
}
