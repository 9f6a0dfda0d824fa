/*  gateway page_text: the words of the pages the gateway writes itself,
    with no script (pages.c: the login and submission forms, the receipt;
    http.c: why a file opened in a tab cannot be shown), in Simplified
    Chinese (the default) or Traditional, as the person chose, and the
    frame of such a page: its one inline style and the switch to the other
    script. It calls no other file of the gateway.

    The choice is the console's (web/js/i18n.js keeps it in the bs_script
    cookie as well as in the browser), made on the page itself by its
    switch (?script=zh-Hant, which the page keeps in the same cookie), or,
    with neither, the browser's languages (Accept-Language: zh-TW, zh-HK,
    zh-MO or zh-Hant first among the Chinese ones: Traditional).
*/
#include "gateway.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "bs_html.h"
#include "bs_text.h"

static const char *const s_texts[][2] = {
#define S_TEXT(id, hans, hant) [GATEWAY_TEXT_##id] = {hans, hant},
    GATEWAY_TEXTS (S_TEXT)
#undef S_TEXT
};

const char *
gateway_text (gateway_text_t id, gateway_script_t script)
{
    return s_texts[id][script == GATEWAY_HANT];
}

const char *
gateway_script_tag (gateway_script_t script)
{
    return script == GATEWAY_HANT ? "zh-Hant" : "zh-Hans";
}

/* The script a tag names: 1 Traditional, 0 Simplified, -1 none. */
static int
s_tag_script (const char *tag, size_t size)
{
    if (size == 7 && strncasecmp (tag, "zh-Hant", 7) == 0)
        return 1;
    if (size == 7 && strncasecmp (tag, "zh-Hans", 7) == 0)
        return 0;
    return -1;
}

/* The script of the first Chinese language of an Accept-Language header
   (its order, weights aside): -1 when it names none. */
static int
s_accepted_script (const char *header)
{
    for (const char *at = header; at && *at;) {
        at += strspn (at, " ,");
        size_t size = strcspn (at, ",;");
        if (size >= 2 && strncasecmp (at, "zh", 2) == 0 && (size == 2 || at[2] == '-')) {
            static const char *const traditional[] = {"zh-TW", "zh-HK", "zh-MO", "zh-Hant"};
            for (size_t i = 0; i < sizeof traditional / sizeof traditional[0]; i++) {
                size_t length = strlen (traditional[i]);
                if (size >= length && strncasecmp (at, traditional[i], length) == 0
                    && (size == length || at[length] == '-'))
                    return 1;
            }
            return 0;
        }
        at += size;
        at += strcspn (at, ",");
    }
    return -1;
}

gateway_script_t
gateway_script_choose (const char *asked, const char *kept, const char *accept_language)
{
    int script = asked ? s_tag_script (asked, strlen (asked)) : -1;
    if (script < 0 && kept)
        script = s_tag_script (kept, strlen (kept));
    if (script < 0)
        script = s_accepted_script (accept_language);
    return script == 1 ? GATEWAY_HANT : GATEWAY_HANS;
}

void
gateway_script_cookie (gateway_script_t script, char *buffer, size_t size)
{
    /* Not HttpOnly: the console's script writes the same cookie. */
    snprintf (buffer, size, "bs_script=%s; Path=/; SameSite=Lax; Max-Age=31536000",
              gateway_script_tag (script));
}

/* The pages' only style, inline: the Content-Security-Policy allows it by
   its hash (gateway_pages_policy), so no other inline style or script
   runs. */
static const char s_style[] =
    "body{font-family:sans-serif;max-width:44em;margin:2em auto;padding:0 1em}"
    "label{display:block;margin-top:1em}input[type=text],textarea,select"
    "{width:100%;box-sizing:border-box}textarea{height:14em}.error{color:#a00}"
    ".receipt{font-size:1.3em}.script{text-align:right}label.invalid{color:#a00;font-weight:bold}"
    "[aria-invalid=true]{outline:2px solid #a00}";

void
gateway_pages_policy (char *buffer, size_t size)
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (hash, (const unsigned char *) s_style, strlen (s_style));
    char encoded[sodium_base64_ENCODED_LEN (sizeof hash, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64 (encoded, sizeof encoded, hash, sizeof hash, sodium_base64_VARIANT_ORIGINAL);
    snprintf (buffer, size,
              "default-src 'self'; style-src 'self' 'sha256-%s'; img-src 'self' data:; "
              "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
              encoded);
}

FILE *
gateway_page_open (char **text, size_t *size, const char *title, gateway_script_t script,
                   const char *switch_path)
{
    FILE *stream = bs_text_stream_open (text, size);
    if (!stream)
        return NULL;
    fprintf (stream,
             "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
             gateway_script_tag (script));
    bs_html_escape (stream, title);
    fprintf (stream, "</title>\n<style>%s</style>\n</head>\n<body>\n", s_style);
    if (switch_path) {
        /* The other script, named in its own characters. */
        gateway_script_t other = script == GATEWAY_HANT ? GATEWAY_HANS : GATEWAY_HANT;
        fputs ("<p class=\"script\"><a href=\"", stream);
        bs_html_escape (stream, switch_path);
        fprintf (stream,
                 "?script=%s\" lang=\"%s\" hreflang=\"%s\" id=\"script-switch\">%s</a></p>\n",
                 gateway_script_tag (other), gateway_script_tag (other), gateway_script_tag (other),
                 gateway_text (GATEWAY_TEXT_SCRIPT_OTHER, script));
    }
    fputs ("<h1>", stream);
    bs_html_escape (stream, title);
    fputs ("</h1>\n", stream);
    return stream;
}

bool
gateway_page_close (FILE *stream, char **text)
{
    fputs ("</body>\n</html>\n", stream);
    return bs_text_stream_close (stream, text);
}
