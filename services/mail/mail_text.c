/*  mail_text: charsets, encoded-word headers and HTML to UTF-8 text; see
    mail_text.h. */
#include "mail_text.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bs_codec.h"
#include "bs_text.h"

/* The charsets we really try for a declared one, most likely first. */
static void
s_family (const char *declared, const char **first, const char **second)
{
    static const char *const gb[] = {"gb2312",      "gbk",      "cp936",    "euc-cn",
                                     "x-gbk",       "gb18030",  "x-euc-cn", "ms936",
                                     "windows-936", "csgb2312", "x-gb2312", NULL};
    static const char *const big5[] = {"big5",      "cp950",   "x-big5",      "big5-hkscs",
                                       "big5hkscs", "cn-big5", "windows-950", "x-x-big5",
                                       "big5_tw",   "big5-tw", NULL};
    *second = NULL;
    for (size_t i = 0; gb[i]; i++)
        if (strcasecmp (declared, gb[i]) == 0) {
            *first = "GB18030";
            return;
        }
    for (size_t i = 0; big5[i]; i++)
        if (strcasecmp (declared, big5[i]) == 0) {
            *first = "CP950";
            *second = "BIG5-HKSCS";
            return;
        }
    if (strcasecmp (declared, "us-ascii") == 0 || strcasecmp (declared, "ascii") == 0
        || strcasecmp (declared, "utf8") == 0)
        *first = "UTF-8";
    else
        *first = declared;
}

/* Converters to UTF-8 kept open for the next mail. Opening one loads its
   charset's gconv module and closing the last one unloads it, so opening
   and closing one per text mapped and unmapped a shared object each time:
   most of a short mail's parse. A converter is taken out of the list while
   it converts, so LMTP's session threads never share one; at most
   S_KEPT_MAX are kept (any other is closed after use). */
#define S_KEPT_MAX 16

static struct {
    char charset[48];
    iconv_t converter;
} s_kept[S_KEPT_MAX];
static size_t s_kept_count;
static pthread_mutex_t s_kept_lock = PTHREAD_MUTEX_INITIALIZER;

/* A converter from charset to UTF-8 in its initial state, kept or new;
   (iconv_t) -1 when iconv does not know the charset. */
static iconv_t
s_converter_take (const char *charset)
{
    iconv_t converter = (iconv_t) -1;
    pthread_mutex_lock (&s_kept_lock);
    for (size_t i = 0; i < s_kept_count; i++)
        if (strcmp (s_kept[i].charset, charset) == 0) {
            converter = s_kept[i].converter;
            s_kept[i] = s_kept[--s_kept_count];
            break;
        }
    pthread_mutex_unlock (&s_kept_lock);
    if (converter == (iconv_t) -1)
        return iconv_open ("UTF-8", charset);
    iconv (converter, NULL, NULL, NULL, NULL); /* forget a sequence cut short */
    return converter;
}

/* Keep converter for the next text in charset, or close it. */
static void
s_converter_give_back (const char *charset, iconv_t converter)
{
    pthread_mutex_lock (&s_kept_lock);
    if (s_kept_count < S_KEPT_MAX && strlen (charset) < sizeof s_kept[0].charset) {
        strcpy (s_kept[s_kept_count].charset, charset);
        s_kept[s_kept_count++].converter = converter;
        converter = (iconv_t) -1;
    }
    pthread_mutex_unlock (&s_kept_lock);
    if (converter != (iconv_t) -1)
        iconv_close (converter);
}

void
mail_text_forget (void)
{
    pthread_mutex_lock (&s_kept_lock);
    while (s_kept_count)
        iconv_close (s_kept[--s_kept_count].converter);
    pthread_mutex_unlock (&s_kept_lock);
}

/* Strict iconv of bytes from charset to UTF-8. BS_E_NOT_FOUND when iconv
   does not know the charset, BS_E_INVALID when the bytes do not decode. */
static int
s_iconv (const char *charset, const char *bytes, size_t size, char **text)
{
    if (strcasecmp (charset, "UTF-8") == 0) {
        if (!bs_codec_utf8_valid (bytes, size))
            return BS_E_INVALID;
        *text = strndup (bytes, size);
        return *text ? BS_OK : BS_E_SYSTEM;
    }
    iconv_t converter = s_converter_take (charset);
    if (converter == (iconv_t) -1)
        return BS_E_NOT_FOUND;
    size_t capacity = size * 4 + 16; /* no charset here grows more than 4x */
    char *output = malloc (capacity);
    if (!output) {
        s_converter_give_back (charset, converter);
        return BS_E_SYSTEM;
    }
    char *in = (char *) bytes, *out = output;
    size_t in_left = size, out_left = capacity - 1;
    size_t done = iconv (converter, &in, &in_left, &out, &out_left);
    int rc = BS_OK;
    if (done == (size_t) -1 || in_left)
        rc = BS_E_INVALID; /* EILSEQ, or EINVAL: a sequence cut short */
    else if (iconv (converter, NULL, NULL, &out, &out_left) == (size_t) -1)
        rc = BS_E_INVALID;
    s_converter_give_back (charset, converter);
    if (rc != BS_OK) {
        free (output);
        return rc;
    }
    *out = 0;
    *text = output;
    return BS_OK;
}

static bool
s_is_seven_bit (const char *bytes, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if ((unsigned char) bytes[i] & 0x80)
            return false;
    return true;
}

int
mail_text_convert (const char *charset, const char *bytes, size_t size, char **text,
                   bs_error_t *error)
{
    *text = NULL;
    if (!bytes) /* an empty part: GMime gives no buffer at all */
        bytes = "";
    if (memchr (bytes, 0, size))
        return bs_error_set (error, BS_E_INVALID, "charset", "the text holds a NUL byte");
    int rc;
    if (!charset || !*charset) {
        if (s_is_seven_bit (bytes, size) || bs_codec_utf8_valid (bytes, size))
            rc = s_iconv ("UTF-8", bytes, size, text);
        else
            rc = s_iconv ("GB18030", bytes, size, text);
        if (rc != BS_OK)
            return bs_error_set (error, BS_E_INVALID, "charset",
                                 "text without a charset is neither UTF-8 nor GB18030");
        return BS_OK;
    }
    const char *first, *second;
    s_family (charset, &first, &second);
    rc = s_iconv (first, bytes, size, text);
    if (rc == BS_E_INVALID && second)
        rc = s_iconv (second, bytes, size, text);
    if (rc == BS_E_NOT_FOUND)
        return bs_error_set (error, BS_E_INVALID, "charset", "unknown charset '%.64s'", charset);
    if (rc == BS_E_INVALID)
        return bs_error_set (error, BS_E_INVALID, "charset",
                             "the text is not valid %.64s: undecodable bytes", charset);
    if (rc != BS_OK)
        return bs_error_set (error, rc, "charset", "out of memory");
    if (strlen (*text) == 0 && size > 0) { /* a charset that decoded to nothing */
        free (*text);
        *text = NULL;
        return bs_error_set (error, BS_E_INVALID, "charset", "the text decodes to nothing");
    }
    return BS_OK;
}

static int
s_hex (int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static const char s_base64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decode the text of one encoded word (B or Q) onto out. */
static int
s_decode_word (char encoding, const char *text, size_t size, FILE *out)
{
    if (encoding == 'Q' || encoding == 'q') {
        for (size_t i = 0; i < size; i++) {
            char c = text[i];
            if (c == '_')
                c = ' ';
            else if (c == '=' && i + 2 < size && s_hex (text[i + 1]) >= 0
                     && s_hex (text[i + 2]) >= 0) {
                c = (char) (s_hex (text[i + 1]) * 16 + s_hex (text[i + 2]));
                i += 2;
            } else if (c == '=')
                return BS_E_INVALID;
            fputc (c, out);
        }
        return BS_OK;
    }
    uint32_t bits = 0;
    int count = 0;
    for (size_t i = 0; i < size; i++) {
        if (text[i] == '=')
            break;
        const char *at = strchr (s_base64, text[i]);
        if (!at || !text[i])
            return BS_E_INVALID;
        bits = (bits << 6) | (uint32_t) (at - s_base64);
        count += 6;
        if (count >= 8) {
            count -= 8;
            fputc ((char) ((bits >> count) & 0xff), out);
        }
    }
    return BS_OK;
}

#define S_WORD_MAX 1024 /* longest encoded word we decode (RFC 2047 says 75) */

/* Parse "=?charset?E?text?=" at text; fills its parts and returns its
   length, or 0 when text does not start an encoded word. */
static size_t
s_encoded_word (const char *text, char *charset, size_t charset_size, char *encoding,
                const char **content, size_t *content_size)
{
    if (text[0] != '=' || text[1] != '?')
        return 0;
    /* Searches stay within S_WORD_MAX bytes, so a header full of "=?"
       costs linear time, not quadratic. */
    size_t length = strnlen (text, S_WORD_MAX);
    const char *name = text + 2;
    const char *mark = memchr (name, '?', length - 2);
    if (!mark || mark == name || (size_t) (mark - name) >= charset_size)
        return 0;
    if (!strchr ("BbQq", mark[1]) || !mark[1] || mark[2] != '?')
        return 0;
    const char *start = mark + 3;
    if (start > text + length)
        return 0;
    const char *end = memmem (start, (size_t) (text + length - start), "?=", 2);
    if (!end)
        return 0;
    for (const char *c = start; c < end; c++)
        if (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')
            return 0;
    memcpy (charset, name, (size_t) (mark - name));
    charset[mark - name] = 0;
    char *language = strchr (charset, '*'); /* RFC 2231: charset*language */
    if (language)
        *language = 0;
    *encoding = mark[1];
    *content = start;
    *content_size = (size_t) (end - start);
    return (size_t) (end + 2 - text);
}

/* Bytes of one charset not yet converted: a memory stream, whose bytes
   and size are read after fflush, emptied by rewind. */
typedef struct {
    FILE *stream;
    char *bytes;
    size_t size;
} s_pending_t;

/* Convert pending bytes (of charset, "" for raw text) onto out. */
static int
s_flush (s_pending_t *pending, const char *charset, FILE *out, bs_error_t *error)
{
    if (fflush (pending->stream) != 0 || ferror (pending->stream))
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    if (!pending->size)
        return BS_OK;
    char *text;
    int rc = mail_text_convert (charset, pending->bytes, pending->size, &text, error);
    rewind (pending->stream);
    if (rc != BS_OK)
        return rc;
    fputs (text, out);
    free (text);
    return BS_OK;
}

/* Collapse white space runs to one space and trim, in place. */
static void
s_collapse (char *text)
{
    char *out = text;
    bool space = true; /* drops leading white space */
    for (const char *in = text; *in; in++) {
        if (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n') {
            if (!space)
                *out++ = ' ';
            space = true;
        } else {
            *out++ = *in;
            space = false;
        }
    }
    if (out > text && out[-1] == ' ')
        out--;
    *out = 0;
}

int
mail_text_header (const char *raw, char **text, bs_error_t *error)
{
    *text = NULL;
    char *out_text = NULL;
    size_t out_size = 0;
    s_pending_t pending = {0};
    FILE *out = bs_text_stream_open (&out_text, &out_size);
    pending.stream = out ? bs_text_stream_open (&pending.bytes, &pending.size) : NULL;
    if (!pending.stream) {
        if (out)
            free (bs_text_stream_close (out, &out_text));
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    }
    char pending_charset[64] = "";
    bool after_word = false; /* white space between two words is dropped */
    const char *at = raw;
    int rc = BS_OK;
    while (*at && rc == BS_OK) {
        char charset[64], encoding;
        const char *content;
        size_t content_size;
        size_t length =
            s_encoded_word (at, charset, sizeof charset, &encoding, &content, &content_size);
        if (length) {
            if (strcasecmp (charset, pending_charset) != 0) {
                rc = s_flush (&pending, pending_charset, out, error);
                snprintf (pending_charset, sizeof pending_charset, "%s", charset);
            }
            if (rc == BS_OK
                && s_decode_word (encoding, content, content_size, pending.stream) != BS_OK)
                rc = bs_error_set (error, BS_E_INVALID, "charset", "a bad encoded word in '%.64s'",
                                   raw);
            at += length;
            after_word = true;
            continue;
        }
        size_t run = strspn (at, " \t\r\n");
        if (run && after_word) {
            size_t next_length = s_encoded_word (at + run, charset, sizeof charset, &encoding,
                                                 &content, &content_size);
            if (next_length) {
                at += run; /* white space between encoded words is not text */
                continue;
            }
        }
        if (pending_charset[0]) {
            rc = s_flush (&pending, pending_charset, out, error);
            pending_charset[0] = 0;
        }
        size_t plain = run ? run : 1;
        fwrite (at, 1, plain, pending.stream);
        at += plain;
        after_word = false;
    }
    if (rc == BS_OK)
        rc = s_flush (&pending, pending_charset, out, error);
    free (bs_text_stream_close (pending.stream, &pending.bytes));
    *text = bs_text_stream_close (out, &out_text);
    if (rc != BS_OK) {
        free (*text);
        *text = NULL;
        return rc;
    }
    if (!*text)
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    s_collapse (*text);
    return BS_OK;
}

/* HTML to text. */

static void
s_append_code_point (FILE *out, uint32_t code)
{
    char bytes[4];
    size_t size;
    if (code < 0x80) {
        bytes[0] = (char) code;
        size = 1;
    } else if (code < 0x800) {
        bytes[0] = (char) (0xc0 | (code >> 6));
        bytes[1] = (char) (0x80 | (code & 0x3f));
        size = 2;
    } else if (code < 0x10000) {
        bytes[0] = (char) (0xe0 | (code >> 12));
        bytes[1] = (char) (0x80 | ((code >> 6) & 0x3f));
        bytes[2] = (char) (0x80 | (code & 0x3f));
        size = 3;
    } else {
        bytes[0] = (char) (0xf0 | (code >> 18));
        bytes[1] = (char) (0x80 | ((code >> 12) & 0x3f));
        bytes[2] = (char) (0x80 | ((code >> 6) & 0x3f));
        bytes[3] = (char) (0x80 | (code & 0x3f));
        size = 4;
    }
    fwrite (bytes, 1, size, out);
}

static const struct {
    const char *name;
    uint32_t code;
} s_entities[] = {
    {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", ' '},      {"ensp", ' '},     {"emsp", ' '},     {"mdash", 0x2014}, {"ndash", 0x2013},
    {"hellip", 0x2026}, {"ldquo", 0x201c}, {"rdquo", 0x201d}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"middot", 0x00b7}, {"copy", 0x00a9},  {"reg", 0x00ae},   {"yen", 0x00a5},   {"times", 0x00d7},
    {"deg", 0x00b0},    {"bull", 0x2022},  {NULL, 0},
};

/* Decode a character reference at text ("&..."); returns its length, or 0
   (then '&' is text). */
static size_t
s_entity (const char *text, FILE *out)
{
    const char *semicolon = memchr (text, ';', strnlen (text, 13)); /* not past 12 bytes */
    if (!semicolon)
        return 0;
    size_t length = (size_t) (semicolon - text) + 1;
    if (text[1] == '#') {
        char *end;
        unsigned long code = (text[2] == 'x' || text[2] == 'X') ? strtoul (text + 3, &end, 16)
                                                                : strtoul (text + 2, &end, 10);
        if (end != semicolon || end == text + 2 || code == 0 || code > 0x10ffff
            || (code >= 0xd800 && code <= 0xdfff))
            return 0;
        s_append_code_point (out, code == 0xa0 ? ' ' : (uint32_t) code);
        return length;
    }
    for (size_t i = 0; s_entities[i].name; i++)
        if (strlen (s_entities[i].name) == length - 2
            && strncmp (text + 1, s_entities[i].name, length - 2) == 0) {
            s_append_code_point (out, s_entities[i].code);
            return length;
        }
    return 0;
}

/* Tags whose end or start is a line break, or a paragraph break. */
static int
s_tag_break (const char *name)
{
    static const char *const paragraph[] = {"p",          "h1",    "h2", "h3", "h4", "h5",  "h6",
                                            "blockquote", "table", "ul", "ol", "hr", "pre", NULL};
    static const char *const line[] = {"br",      "div",     "li",     "tr",     "dt",    "dd",
                                       "section", "article", "header", "footer", "title", NULL};
    for (size_t i = 0; paragraph[i]; i++)
        if (strcasecmp (name, paragraph[i]) == 0)
            return 2;
    for (size_t i = 0; line[i]; i++)
        if (strcasecmp (name, line[i]) == 0)
            return 1;
    return 0;
}

/* Break marks inside the text before white space is tidied. */
#define S_LINE '\001'
#define S_PARAGRAPH '\002'

char *
mail_text_from_html (const char *html)
{
    char *marked = NULL;
    size_t marked_size = 0;
    FILE *out = bs_text_stream_open (&marked, &marked_size);
    if (!out)
        return NULL;
    const char *at = html;
    while (*at) {
        if (strncmp (at, "<!--", 4) == 0) {
            const char *end = strstr (at + 4, "-->");
            at = end ? end + 3 : at + strlen (at);
            continue;
        }
        if (*at == '<'
            && (isalpha ((unsigned char) at[1]) || at[1] == '/' || at[1] == '!' || at[1] == '?')) {
            bool closing = at[1] == '/';
            const char *name = at + 1 + closing;
            size_t name_size = 0;
            while (isalnum ((unsigned char) name[name_size]))
                name_size++;
            char tag[16] = "";
            if (name_size < sizeof tag)
                memcpy (tag, name, name_size), tag[name_size] = 0;
            /* the tag ends at the first '>' outside quotes */
            const char *end = name + name_size;
            char quote = 0;
            while (*end && (quote || *end != '>')) {
                if (quote && *end == quote)
                    quote = 0;
                else if (!quote && (*end == '"' || *end == '\''))
                    quote = *end;
                end++;
            }
            at = *end ? end + 1 : end;
            if (!closing
                && (strcasecmp (tag, "script") == 0 || strcasecmp (tag, "style") == 0
                    || strcasecmp (tag, "head") == 0 || strcasecmp (tag, "title") == 0)) {
                char closer[24];
                snprintf (closer, sizeof closer, "</%s", tag);
                const char *stop = strcasestr (at, closer);
                if (!stop) {
                    at += strlen (at);
                    continue;
                }
                const char *after = strchr (stop, '>');
                at = after ? after + 1 : stop + strlen (stop);
                continue;
            }
            int kind = s_tag_break (tag);
            if (kind)
                fputc (kind == 2 ? S_PARAGRAPH : S_LINE, out);
            continue;
        }
        if (*at == '&') {
            size_t length = s_entity (at, out);
            if (length) {
                at += length;
                continue;
            }
        }
        fputc (*at, out);
        at++;
    }
    if (!bs_text_stream_close (out, &marked))
        return NULL;
    /* White space runs become one space; break marks become line breaks,
       at most one blank line in a row; no spaces around line breaks. A
       paragraph mark (one byte) becomes two line breaks, so the result
       goes to a buffer of its own, twice as long (found by tests/fuzz). */
    char *text = malloc (2 * strlen (marked) + 1);
    if (!text) {
        free (marked);
        return NULL;
    }
    char *write = text;
    int breaks = 0;     /* pending line breaks: 1 or 2 */
    bool space = false; /* a pending space */
    bool started = false;
    for (const char *read = marked; *read; read++) {
        char c = *read;
        if (c == S_LINE || c == S_PARAGRAPH) {
            int want = c == S_PARAGRAPH ? 2 : 1;
            breaks = breaks > want ? breaks : want;
            space = false;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f')
            space = true;
        else {
            if (started && breaks)
                for (int i = 0; i < breaks; i++)
                    *write++ = '\n';
            else if (started && space)
                *write++ = ' ';
            *write++ = c;
            started = true;
            breaks = 0;
            space = false;
        }
    }
    *write = 0;
    free (marked);
    return text;
}

void
mail_text_tidy (char *text)
{
    char *write = text;
    for (const char *read = text; *read; read++) {
        if (*read == '\r') {
            *write++ = '\n';
            if (read[1] == '\n')
                read++;
        } else
            *write++ = *read;
    }
    *write = 0;
    /* trailing white space of each line */
    write = text;
    char *line_end = text; /* after the last non-blank byte of this line */
    for (const char *read = text; *read; read++) {
        if (*read == '\n') {
            write = line_end;
            *write++ = '\n';
            line_end = write;
        } else {
            *write++ = *read;
            if (*read != ' ' && *read != '\t')
                line_end = write;
        }
    }
    write = line_end;
    *write = 0;
    /* blank lines at the start and the end */
    char *start = text;
    while (*start == '\n')
        start++;
    size_t length = strlen (start);
    memmove (text, start, length + 1);
    while (length && text[length - 1] == '\n')
        text[--length] = 0;
}

int
mail_text_header_safe (const char *text)
{
    for (; *text; text++)
        if ((unsigned char) *text < 0x20 || *text == 0x7f)
            return 0;
    return 1;
}
