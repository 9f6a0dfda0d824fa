/*  bs_service_request: a request's reply, its failure, work it defers
    until after the turn, and the lifetime of the requests of a batch.
*/
#include "bs_service.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_log.h"
#include "bs_proto.h"
#include "bs_service_state.h"

/* Free the work a request deferred, if any: it will not start. */
static void
s_deferral_drop (bs_request_t *request)
{
    if (request->deferral.start && request->deferral.drop)
        request->deferral.drop (request->deferral.work);
    memset (&request->deferral, 0, sizeof request->deferral);
}

/* A request's reply buffer stays in its slot of the batch from command
   to command (emptied, not freed: the loop's send copies the reply out;
   bs_service_buffer_empty, BS_SERVICE_REPLY_KEPT_MAX). A slot's buffer
   starts at S_REPLY_FIRST bytes (most replies fit; it grows as any
   msgpack_sbuffer). */
#define S_REPLY_FIRST 1024

/* A reply (or a deferral) made by an earlier run of the handler in this
   turn is forgotten: each run starts afresh. */
void
bs_service_reply_reset (bs_request_t *request)
{
    s_deferral_drop (request);
    bs_service_buffer_empty (&request->reply, BS_SERVICE_REPLY_KEPT_MAX);
    if (!request->reply.data && (request->reply.data = malloc (S_REPLY_FIRST)))
        request->reply.alloc = S_REPLY_FIRST;
    request->code = BS_OK;
    request->left_out.count = 0;
    request->left_out.reference_size = 0;
}

int
bs_request_reply (bs_request_t *request, const bs_schema_t *schema, const void *record)
{
    bs_service_reply_reset (request);
    return bs_codec_encode_message (&request->reply, schema, record, request->message->id,
                                    request->service->name, request->now, 0);
}

int
bs_request_reply_packed (bs_request_t *request, const bs_schema_t *schema, const void *packed,
                         size_t size)
{
    bs_service_reply_reset (request);
    return bs_codec_encode_message_packed (&request->reply, schema, packed, size,
                                           request->message->id, request->service->name,
                                           request->now, 0);
}

/* Shorter texts are kept in the stored reply: the reference and the
   offsets would save little. */
#define S_TEXT_LEFT_OUT_MIN 32

/* Room for one more text left out. */
static int
s_left_out_grow (bs_request_t *request)
{
    if (request->left_out.count < request->left_out.capacity)
        return BS_OK;
    size_t capacity = request->left_out.capacity ? 2 * request->left_out.capacity : 4;
    void *texts = realloc (request->left_out.texts, capacity * sizeof *request->left_out.texts);
    if (!texts)
        return BS_E_SYSTEM;
    request->left_out.texts = texts;
    request->left_out.capacity = capacity;
    return BS_OK;
}

/* The msgpack header of a string of length bytes, as the encoder packs
   it (the smallest form: fixstr, str8, str16, str32) into head; its size. */
static size_t
s_str_head (size_t length, unsigned char head[5])
{
    if (length < 32) {
        head[0] = (unsigned char) (0xa0 | length);
        return 1;
    }
    if (length < 256) {
        head[0] = 0xd9;
        head[1] = (unsigned char) length;
        return 2;
    }
    if (length < 65536) {
        head[0] = 0xda;
        head[1] = (unsigned char) (length >> 8);
        head[2] = (unsigned char) length;
        return 3;
    }
    head[0] = 0xdb;
    for (int i = 0; i < 4; i++)
        head[1 + i] = (unsigned char) (length >> (8 * (3 - i)));
    return 5;
}

/* A packed text (its header head of head_size bytes, then its body of
   length bytes) in haystack, or NULL. Looked for by its first byte and
   compared (a text's header byte is rare in a reply, so that is a few
   memchr and one memcmp) as long as the bytes compared stay under four
   times the haystack's; past that, its body by memmem (whose time is
   linear in any case), then the header before it. glibc's memmem
   prepares a table for each needle first: 1.8 % of review's
   instructions, two texts a reply. Neither is packed anywhere first. */
static const char *
s_text_find (const char *haystack, size_t size, const unsigned char *head, size_t head_size,
             const char *body, size_t length)
{
    if (length == 0 || head_size + length > size)
        return NULL;
    const char *end = haystack + size - head_size - length + 1;
    size_t compared = 0;
    for (const char *at = haystack; at < end && compared <= 4 * size; at++) {
        at = memchr (at, head[0], (size_t) (end - at));
        if (!at)
            return NULL;
        if (memcmp (at, head, head_size) == 0 && memcmp (at + head_size, body, length) == 0)
            return at;
        compared += head_size + length;
    }
    for (const char *from = haystack + head_size; from < haystack + size;) {
        const char *at = memmem (from, (size_t) (haystack + size - from), body, length);
        if (!at)
            return NULL;
        if (memcmp (at - head_size, head, head_size) == 0)
            return at - head_size;
        from = at + 1;
    }
    return NULL;
}

int
bs_request_store_without (bs_request_t *request, const void *reference, size_t reference_size,
                          const char *const texts[], size_t count)
{
    request->left_out.count = 0;
    if (request->reply.size == 0 || reference_size > BS_REPLY_REFERENCE_MAX
        || count > BS_REPLY_TEXTS_MAX)
        return BS_OK;
    request->left_out.asked = count;
    memcpy (request->left_out.reference, reference, reference_size);
    request->left_out.reference_size = reference_size;
    const char *reply = request->reply.data;
    size_t from = 0; /* texts are looked for in order, each after the one before */
    for (size_t i = 0; i < count; i++) {
        size_t length = texts[i] ? strlen (texts[i]) : 0;
        if (length < S_TEXT_LEFT_OUT_MIN || length > UINT32_MAX)
            continue;
        unsigned char head[5];
        size_t head_size = s_str_head (length, head);
        const char *found = s_text_find (reply + from, request->reply.size - from, head,
                                         head_size, texts[i], length);
        if (found && s_left_out_grow (request) != BS_OK) {
            request->left_out.count = 0; /* stored whole, then */
            break;
        }
        if (found) {
            size_t n = request->left_out.count++;
            request->left_out.texts[n].index = (uint32_t) i;
            request->left_out.texts[n].offset = (uint32_t) (found - reply);
            request->left_out.texts[n].size = (uint32_t) (head_size + length);
            from = (size_t) (found - reply) + head_size + length;
        }
    }
    return BS_OK;
}

/* text (NULL: "") into target of size bytes; a longer text is cut where
   a character starts. */
static void
s_text_keep (char *target, size_t size, const char *text)
{
    size_t length = text ? strlen (text) : 0;
    if (length >= size) {
        length = size - 1;
        while (length > 0 && ((unsigned char) text[length] & 0xc0) == 0x80)
            length--;
    }
    if (length)
        memcpy (target, text, length);
    target[length] = '\0';
}

/* The error reply: code, field and text, and reason and line when given
   ("" and 0: none); the request keeps what it says (refusal). */
static int
s_fail (bs_request_t *request, int code, const char *field, const char *text, const char *reason,
        unsigned line)
{
    bs_service_reply_reset (request);
    s_text_keep (request->refusal.field, sizeof request->refusal.field, field);
    s_text_keep (request->refusal.message, sizeof request->refusal.message, text);
    s_text_keep (request->refusal.reason, sizeof request->refusal.reason, reason);
    request->refusal.line = line;
    bs_error_reply_t reply = {.code = (char *) bs_error_name (code),
                              .field = (char *) field,
                              .message = (char *) text,
                              .reason = reason && *reason ? (char *) reason : NULL,
                              .line = line};
    bs_codec_encode_message (&request->reply, &bs_error_reply_schema, &reply,
                             request->message ? request->message->id : "", request->service->name,
                             request->now, 0);
    request->code = code;
    return code;
}

int
bs_service_request_fail_text (bs_request_t *request, int code, const char *field, const char *text)
{
    return s_fail (request, code, field, text, NULL, 0);
}

int
bs_request_fail_error (bs_request_t *request, const bs_error_t *error)
{
    return s_fail (request, error->code, error->field, error->text, error->reason, error->line);
}

int
bs_request_defer (bs_request_t *request, bs_deferred_start_fn *start, bs_deferred_drop_fn *drop,
                  void *work)
{
    bs_service_reply_reset (request);
    request->deferral.start = start;
    request->deferral.drop = drop;
    request->deferral.work = work;
    return BS_OK;
}

/* After the turn: start the deferred work of a request that has no reply
   of its own, with the reply it owes. */
void
bs_service_deferral_start (bs_service_t *self, zframe_t *identity, bs_request_t *request)
{
    bs_deferred_t *deferred = bs_deferred_new (self->deferred_endpoint, identity,
                                               request->message->id, self->name, request->now);
    if (!deferred) {
        bs_log_error ("out of memory: %s %s gets no reply (its client will ask again)",
                      request->message->type, request->message->id);
        s_deferral_drop (request);
        return;
    }
    self->deferred_waiting++;
    request->deferral.start (deferred, request->deferral.work);
    memset (&request->deferral, 0, sizeof request->deferral);
}

int
bs_request_fail (bs_request_t *request, int code, const char *field, const char *format, ...)
{
    char text[BS_ERROR_TEXT_MAX * 2];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof text, format, args);
    va_end (args);
    return bs_service_request_fail_text (request, code, field, text);
}

/* A refusal's reply, its text from format and args. */
static int s_refuse (bs_request_t *request, int code, const char *field, const char *reason,
                     unsigned line, const char *format, va_list args)
    __attribute__ ((format (printf, 6, 0)));

static int
s_refuse (bs_request_t *request, int code, const char *field, const char *reason, unsigned line,
          const char *format, va_list args)
{
    char text[BS_ERROR_TEXT_MAX * 2];
    vsnprintf (text, sizeof text, format, args);
    return s_fail (request, code, field, text, reason, line);
}

int
bs_request_refuse (bs_request_t *request, int code, const char *field, const char *reason,
                   const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int rc = s_refuse (request, code, field, reason, 0, format, args);
    va_end (args);
    return rc;
}

int
bs_request_refuse_line (bs_request_t *request, int code, const char *field, const char *reason,
                        unsigned line, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int rc = s_refuse (request, code, field, reason, line, format, args);
    va_end (args);
    return rc;
}

void
bs_service_pending_clear (bs_service_pending_t *pending)
{
    s_deferral_drop (&pending->request);
    zframe_destroy (&pending->identity);
    bs_message_clear (&pending->message);
    msgpack_sbuffer reply = pending->request.reply;
    void *texts = pending->request.left_out.texts;
    size_t capacity = pending->request.left_out.capacity;
    memset (pending, 0, sizeof *pending);
    bs_service_buffer_empty (&reply, BS_SERVICE_REPLY_KEPT_MAX);
    pending->request.reply = reply;
    pending->request.left_out.texts = texts;
    pending->request.left_out.capacity = capacity;
}

/* Whether the batch holds a command to apply (not only replies made). */
bool
bs_service_batch_has_commands (const bs_service_batch_t *batch)
{
    for (size_t i = 0; i < batch->count; i++)
        if (batch->pending[i].handler)
            return true;
    return false;
}

void
bs_service_batch_free (bs_service_batch_t *batch)
{
    for (size_t i = 0; batch->pending && i < batch->count; i++)
        bs_service_pending_clear (&batch->pending[i]);
    /* Every slot that was ever used keeps its buffers: all are freed. */
    for (size_t i = 0; batch->pending && i < batch->slots; i++) {
        msgpack_sbuffer_destroy (&batch->pending[i].request.reply);
        free (batch->pending[i].request.left_out.texts);
    }
    free (batch->pending);
    batch->pending = NULL;
    batch->count = 0;
}
