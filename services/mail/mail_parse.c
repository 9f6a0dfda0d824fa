/*  mail_parse: GMime message -> bs_submit_t; see mail_parse.h. */
#include "mail_parse.h"

#include <gmime/gmime.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bs_codec.h"
#include "bs_text.h"
#include "mail_tag.h"
#include "mail_text.h"

void
mail_parse_init (void)
{
    g_mime_init ();
}

void
mail_parse_shutdown (void)
{
    g_mime_shutdown ();
    mail_text_forget ();
}

typedef struct {
    const mail_limits_t *limits;
    bs_error_t *error;
    int rc;              /* first failure */
    int malformed;       /* GMime's first critical warning, 0 if none */
    char *body;          /* text so far */
    bool body_from_html; /* body came from an HTML part */
    bs_attachment_t *attachments;
    size_t attachment_count;
} s_walk_t;

static void
s_warning (gint64 offset, GMimeParserWarning code, const gchar *item, gpointer argument)
{
    (void) offset;
    (void) item;
    s_walk_t *walk = argument;
    bool broken =
        code == GMIME_WARN_MALFORMED_MULTIPART || code == GMIME_WARN_TRUNCATED_MESSAGE
        || code == GMIME_WARN_MALFORMED_MESSAGE || code == GMIME_CRIT_INVALID_HEADER_NAME
        || code == GMIME_CRIT_CONFLICTING_HEADER || code == GMIME_CRIT_CONFLICTING_PARAMETER
        || code == GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY || code == GMIME_CRIT_NESTING_OVERFLOW
        || code == GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT;
    if (broken && !walk->malformed)
        walk->malformed = (int) code;
}

static const char *
s_warning_text (int code)
{
    switch (code) {
    case GMIME_WARN_MALFORMED_MULTIPART:
        return "a multipart has no parts";
    case GMIME_WARN_TRUNCATED_MESSAGE:
        return "the message is truncated (a multipart never ends)";
    case GMIME_CRIT_INVALID_HEADER_NAME:
        return "a header has an invalid name";
    case GMIME_CRIT_CONFLICTING_HEADER:
        return "conflicting headers";
    case GMIME_CRIT_CONFLICTING_PARAMETER:
        return "conflicting header parameters";
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
        return "a multipart has no boundary";
    case GMIME_CRIT_NESTING_OVERFLOW:
        return "MIME parts are nested too deep";
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
        return "a part has neither headers nor content";
    default:
        return "the MIME structure is broken";
    }
}

static int
s_fail (s_walk_t *walk, int code, const char *field, const char *text)
{
    if (walk->rc == BS_OK)
        walk->rc = bs_error_set (walk->error, code, field, "%s", text);
    return walk->rc;
}

/* The decoded bytes of a leaf part (transfer encoding undone). */
static GByteArray *
s_part_bytes (GMimePart *part)
{
    GMimeDataWrapper *content = g_mime_part_get_content (part);
    GMimeStream *stream = g_mime_stream_mem_new ();
    if (content)
        g_mime_data_wrapper_write_to_stream (content, stream);
    GByteArray *bytes = g_byte_array_new ();
    GByteArray *held = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
    g_byte_array_append (bytes, held->data, held->len);
    g_object_unref (stream);
    return bytes;
}

/* The text of a text part in UTF-8, tidied; NULL on failure. */
static char *
s_part_text (s_walk_t *walk, GMimePart *part, bool html)
{
    GByteArray *bytes = s_part_bytes (part);
    const char *charset = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "charset");
    char *text = NULL;
    if (mail_text_convert (charset, (const char *) bytes->data, bytes->len, &text, walk->error)
        != BS_OK)
        walk->rc = walk->error->code;
    g_byte_array_free (bytes, TRUE);
    if (text && html) {
        char *plain = mail_text_from_html (text);
        free (text);
        text = plain;
        if (!text)
            s_fail (walk, BS_E_SYSTEM, "body", "out of memory");
    }
    if (text)
        mail_text_tidy (text);
    return text;
}

static void
s_add_body (s_walk_t *walk, char *text, bool html)
{
    if (!walk->body) {
        walk->body = text;
        walk->body_from_html = html;
        return;
    }
    if (bs_text_blank (text)) {
        free (text);
        return;
    }
    if (strlen (walk->body) + strlen (text) + 2 > BS_BODY_MAX) {
        free (text); /* stop here: joining ever longer texts would be quadratic */
        char reason[128];
        snprintf (reason, sizeof reason, "the text is longer than the %u bytes allowed",
                  (unsigned) BS_BODY_MAX);
        s_fail (walk, BS_E_LIMIT, "body", reason);
        return;
    }
    char *joined = NULL;
    if (asprintf (&joined, "%s\n\n%s", walk->body, text) < 0)
        joined = NULL;
    free (text);
    if (!joined) {
        s_fail (walk, BS_E_SYSTEM, "body", "out of memory");
        return;
    }
    free (walk->body);
    walk->body = joined;
}

/* A safe file name: the last path component, no control characters. */
static char *
s_file_name (s_walk_t *walk, const char *given, const char *mime_type)
{
    char *name = NULL;
    if (given && *given) {
        const char *base = given;
        for (const char *c = given; *c; c++)
            if (*c == '/' || *c == '\\')
                base = c + 1;
        if (bs_codec_utf8_valid (base, strlen (base)))
            name = strdup (base);
        else {
            bs_error_t ignored;
            if (mail_text_convert (NULL, base, strlen (base), &name, &ignored) != BS_OK)
                name = NULL;
        }
        if (name) {
            for (char *c = name; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                    *c = '_';
            if (strlen (name) > 255 || !*name || strcmp (name, ".") == 0
                || strcmp (name, "..") == 0) {
                free (name);
                name = NULL;
            }
        }
    }
    if (!name) {
        const char *extension = strstr (mime_type, "pdf")      ? ".pdf"
                                : strstr (mime_type, "word")   ? ".docx"
                                : strstr (mime_type, "jpeg")   ? ".jpg"
                                : strstr (mime_type, "png")    ? ".png"
                                : strstr (mime_type, "rfc822") ? ".eml"
                                                               : ".bin";
        if (asprintf (&name, "attachment-%zu%s", walk->attachment_count + 1, extension) < 0)
            name = NULL;
    }
    if (!name)
        s_fail (walk, BS_E_SYSTEM, "attachments", "out of memory");
    return name;
}

static void
s_add_attachment (s_walk_t *walk, GMimeObject *object, const char *file_name, GByteArray *bytes)
{
    if (walk->attachment_count >= BS_ATTACHMENTS_MAX) {
        char text[128];
        snprintf (text, sizeof text, "the mail has more than %d attachments", BS_ATTACHMENTS_MAX);
        s_fail (walk, BS_E_LIMIT, "attachments", text);
        return;
    }
    if (bytes->len > BS_ATTACHMENT_MAX) {
        char text[BS_ERROR_TEXT_MAX];
        snprintf (text, sizeof text, "attachment '%.80s' has %u bytes, more than the %u allowed",
                  file_name ? file_name : "", bytes->len, BS_ATTACHMENT_MAX);
        s_fail (walk, BS_E_LIMIT, "attachments", text);
        return;
    }
    char *mime_type = g_mime_content_type_get_mime_type (g_mime_object_get_content_type (object));
    bs_attachment_t attachment = {0};
    attachment.name = s_file_name (walk, file_name, mime_type);
    attachment.content_type = strndup (mime_type, 128);
    g_free (mime_type);
    for (char *c = attachment.content_type; c && *c; c++)
        *c = (char) (*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    attachment.size = bytes->len;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (digest, bytes->data, bytes->len);
    attachment.sha256 = malloc (2 * sizeof digest + 1);
    if (attachment.sha256)
        sodium_bin2hex (attachment.sha256, 2 * sizeof digest + 1, digest, sizeof digest);
    if (bytes->len) {
        attachment.data.data = malloc (bytes->len);
        if (attachment.data.data) {
            memcpy (attachment.data.data, bytes->data, bytes->len);
            attachment.data.size = bytes->len;
        }
    }
    bs_attachment_t *grown =
        realloc (walk->attachments, (walk->attachment_count + 1) * sizeof *grown);
    if (!attachment.name || !attachment.content_type || !attachment.sha256
        || (bytes->len && !attachment.data.data) || !grown) {
        bs_codec_record_free (&bs_attachment_schema, &attachment);
        if (grown)
            walk->attachments = grown;
        s_fail (walk, BS_E_SYSTEM, "attachments", "out of memory");
        return;
    }
    walk->attachments = grown;
    walk->attachments[walk->attachment_count++] = attachment;
}

static void s_walk (s_walk_t *walk, GMimeObject *object, bool in_alternative);

/* The address of the first mailbox in From, or NULL. */
static const char *
s_from_address (GMimeMessage *message)
{
    InternetAddressList *from = g_mime_message_get_from (message);
    InternetAddress *address = from && internet_address_list_length (from) > 0
                                   ? internet_address_list_get_address (from, 0)
                                   : NULL;
    if (!address || !INTERNET_ADDRESS_IS_MAILBOX (address))
        return NULL;
    return internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
}

/* multipart/alternative: the plain version if there is one, else the
   last (richest) that gives text. */
static void
s_walk_alternative (s_walk_t *walk, GMimeMultipart *multipart)
{
    int count = g_mime_multipart_get_count (multipart);
    GMimeObject *chosen = NULL;
    for (int i = 0; i < count && !chosen; i++) {
        GMimeObject *child = g_mime_multipart_get_part (multipart, i);
        if (g_mime_content_type_is_type (g_mime_object_get_content_type (child), "text", "plain"))
            chosen = child;
    }
    for (int i = count - 1; i >= 0 && !chosen; i--) {
        GMimeObject *child = g_mime_multipart_get_part (multipart, i);
        GMimeContentType *type = g_mime_object_get_content_type (child);
        if (g_mime_content_type_is_type (type, "text", "html")
            || g_mime_content_type_is_type (type, "multipart", "*"))
            chosen = child;
    }
    if (chosen)
        s_walk (walk, chosen, true);
}

static void
s_walk (s_walk_t *walk, GMimeObject *object, bool in_alternative)
{
    if (walk->rc != BS_OK)
        return;
    GMimeContentType *type = g_mime_object_get_content_type (object);
    if (GMIME_IS_MULTIPART (object)) {
        GMimeMultipart *multipart = GMIME_MULTIPART (object);
        if (g_mime_content_type_is_type (type, "multipart", "alternative") && !in_alternative) {
            s_walk_alternative (walk, multipart);
            return;
        }
        int count = g_mime_multipart_get_count (multipart);
        for (int i = 0; i < count && walk->rc == BS_OK; i++)
            s_walk (walk, g_mime_multipart_get_part (multipart, i), false);
        return;
    }
    if (GMIME_IS_MESSAGE_PART (object)) {
        GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
        GMimeStream *stream = g_mime_stream_mem_new ();
        if (inner)
            g_mime_object_write_to_stream (GMIME_OBJECT (inner), NULL, stream);
        GByteArray *bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
        s_add_attachment (walk, object, "forwarded.eml", bytes);
        g_object_unref (stream);
        return;
    }
    if (!GMIME_IS_PART (object))
        return;
    GMimePart *part = GMIME_PART (object);
    bool attachment = g_mime_part_is_attachment (part);
    bool plain = g_mime_content_type_is_type (type, "text", "plain");
    bool html = g_mime_content_type_is_type (type, "text", "html");
    /* The body: the first inline text; more inline plain text follows it. */
    if (!attachment && (plain || html) && (!walk->body || (plain && !walk->body_from_html))) {
        char *text = s_part_text (walk, part, html);
        if (text)
            s_add_body (walk, text, html);
        return;
    }
    GByteArray *bytes = s_part_bytes (part);
    s_add_attachment (walk, object, g_mime_part_get_filename (part), bytes);
    g_byte_array_free (bytes, TRUE);
}

static char *
s_header (GMimeObject *object, const char *name, s_walk_t *walk)
{
    GMimeHeader *header =
        g_mime_header_list_get_header (g_mime_object_get_header_list (object), name);
    const char *raw = header ? g_mime_header_get_raw_value (header) : NULL;
    if (!raw)
        return NULL;
    char *text = NULL;
    if (mail_text_header (raw, &text, walk->error) != BS_OK)
        walk->rc = walk->error->code;
    return text;
}

/* The first line of text, at most BS_TITLE_MAX bytes, cut at a character. */
static char *
s_first_line (const char *text)
{
    while (*text == '\n' || *text == ' ')
        text++;
    size_t length = strcspn (text, "\n");
    if (length > BS_TITLE_MAX) {
        length = BS_TITLE_MAX;
        while (length && ((unsigned char) text[length] & 0xc0) == 0x80)
            length--;
    }
    return strndup (text, length);
}

int
mail_parse (const void *bytes, size_t size, const mail_limits_t *limits, mail_report_t *report,
            bs_error_t *error)
{
    memset (report, 0, sizeof *report);
    bs_error_clear (error);
    if (size > limits->max_message)
        return bs_error_set (error, BS_E_LIMIT, "size",
                             "the mail has %zu bytes, more than the %zu allowed", size,
                             limits->max_message);
    s_walk_t walk = {.limits = limits, .error = error};
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer (bytes, size);
    GMimeParser *parser = g_mime_parser_new_with_stream (stream);
    GMimeParserOptions *options = g_mime_parser_options_new ();
    g_mime_parser_options_set_warning_callback (options, s_warning, &walk);
    g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
    GMimeMessage *message = g_mime_parser_construct_message (parser, options);
    g_object_unref (parser);
    g_object_unref (stream);

    GMimeHeaderList *headers =
        message ? g_mime_object_get_header_list (GMIME_OBJECT (message)) : NULL;
    if (!message || !headers || g_mime_header_list_get_count (headers) == 0)
        s_fail (&walk, BS_E_MALFORMED, "mime", "not a mail: no header");
    else if (walk.malformed)
        s_fail (&walk, BS_E_MALFORMED, "mime", s_warning_text (walk.malformed));
    char *subject = NULL;
    if (walk.rc == BS_OK)
        subject = s_header (GMIME_OBJECT (message), "Subject", &walk);
    if (subject)
        report->submit.commission = mail_tag_commission (subject);
    GMimeObject *root = message ? g_mime_message_get_mime_part (message) : NULL;
    if (walk.rc == BS_OK && root)
        s_walk (&walk, root, false);
    if (walk.rc == BS_OK && (!walk.body || bs_text_blank (walk.body)))
        s_fail (&walk, BS_E_INVALID, "body", "the mail has no text");
    if (walk.rc == BS_OK && strlen (walk.body) > BS_BODY_MAX) {
        char text[128];
        snprintf (text, sizeof text, "the text has %zu bytes, more than the %u allowed",
                  strlen (walk.body), (unsigned) BS_BODY_MAX);
        s_fail (&walk, BS_E_LIMIT, "body", text);
    }
    if (walk.rc == BS_OK && (!subject || !*subject)) {
        free (subject);
        subject = s_first_line (walk.body);
    }
    if (walk.rc == BS_OK && strlen (subject) > BS_TITLE_MAX)
        s_fail (&walk, BS_E_LIMIT, "title", "the subject is longer than a title may be");

    /* Both are echoed into the receipt's headers (To, In-Reply-To): a
       decoded CR LF there would add headers, or recipients, of its own. */
    const char *message_id = walk.rc == BS_OK ? g_mime_message_get_message_id (message) : NULL;
    if (message_id && !mail_text_header_safe (message_id))
        s_fail (&walk, BS_E_MALFORMED, "message_id",
                "the Message-ID holds a control character (CR, LF, ...)");
    const char *addr = walk.rc == BS_OK ? s_from_address (message) : NULL;
    if (addr && !mail_text_header_safe (addr))
        s_fail (&walk, BS_E_MALFORMED, "from",
                "the From address holds a control character (CR, LF, ...)");

    bs_submit_t *submit = &report->submit;
    if (walk.rc == BS_OK) {
        submit->channel = strdup ("email");
        submit->title = subject;
        subject = NULL;
        submit->body = walk.body;
        walk.body = NULL;
        submit->attachments.items = walk.attachments;
        submit->attachments.count = walk.attachment_count;
        walk.attachments = NULL;
        walk.attachment_count = 0;
        if (addr && *addr && strlen (addr) <= 256 && bs_codec_utf8_valid (addr, strlen (addr))) {
            submit->sender = strdup (addr);
            report->reply_to = strdup (addr);
        }
        if (message_id && *message_id && strlen (message_id) <= 998
            && bs_codec_utf8_valid (message_id, strlen (message_id)))
            submit->message_id = strdup (message_id);
        const char *automatic = g_mime_object_get_header (GMIME_OBJECT (message), "Auto-Submitted");
        const char *precedence = g_mime_object_get_header (GMIME_OBJECT (message), "Precedence");
        report->auto_submitted =
            (automatic && strncasecmp (automatic, "no", 2) != 0)
            || (precedence
                && (strcasestr (precedence, "bulk") || strcasestr (precedence, "list")
                    || strcasestr (precedence, "junk")));
    }
    free (subject);
    free (walk.body);
    for (size_t i = 0; i < walk.attachment_count; i++)
        bs_codec_record_free (&bs_attachment_schema, &walk.attachments[i]);
    free (walk.attachments);
    if (message)
        g_object_unref (message);
    g_mime_parser_options_free (options);
    if (walk.rc != BS_OK)
        mail_report_clear (report);
    return walk.rc;
}

void
mail_report_clear (mail_report_t *report)
{
    bs_codec_record_free (&bs_submit_schema, &report->submit);
    free (report->reply_to);
    memset (report, 0, sizeof *report);
}
