/*  bs_service_idempotency: the replies of commands that mutate, stored
    under their idempotency keys (type, 0x1f, id) in the turn that applied
    them and made again, byte for byte, for a retry: in their compact form
    (bs_service_compact.c) and without the texts the service gives back
    (bs_request_store_without); the keys' expiry index, and the built-in
    timer that sweeps the keys older than idempotency_days, with the
    copies kept for their replies (bs_service_versions.c).
*/
#include "bs_service.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bs_log.h"
#include "bs_service_state.h"
#include "bs_text.h"

/* A stored reply is stored in its compact form (bs_service_compact.c:
   without the names of its fields, 0xc1 'c' first), and without the
   texts it leaves out (bs_request_store_without), if any. Read too: a
   reply stored whole (its msgpack map first), as a reply of another
   shape still is and as every reply was before the compact form, with
   or without texts.

   Without texts: a byte no msgpack object starts with (BS_STORED_FORM),
   0, then (numbers as LEB128 varints) how many texts the reference gives
   back, the reference (its size first), how many texts were left out,
   the FNV-1a hash of their bytes one after the other (8 bytes,
   big-endian), for each text left out its index among those given back
   (less the index after the one before) and the bytes of the reply (or
   of its compact form) kept between it and the one before, then the
   reply (or its compact form) without them.

   Read too (written by 9e1973c, while at most 4 texts were given back):
   that byte, how many texts the reference gives back (1 to 4, never 0),
   how many were left out, the reference (its size first), for each text
   left out its index among those given back, its offset and size in the
   reply and the hash of its bytes (big-endian), then the reply without
   them. */
#define S_STORED_WITHOUT BS_STORED_FORM
#define S_OLD_LEFT_OUT_SIZE 17
#define S_OLD_TEXTS_MAX 4

static uint64_t
s_be_get (const unsigned char *at, size_t size)
{
    uint64_t value = 0;
    for (size_t i = 0; i < size; i++)
        value = value << 8 | at[i];
    return value;
}

/* The reply as stored, without the texts it leaves out: reply (size
   bytes) is the reply or its compact form, offsets where the texts are
   in it. */
static int
s_stored_form (const bs_request_t *request, const char *reply, size_t size, const uint32_t *offsets,
               msgpack_sbuffer *stored)
{
    size_t count = request->left_out.count;
    uint64_t hash = BS_TEXT_HASH;
    for (size_t i = 0; i < count; i++)
        hash = bs_text_hash (hash, reply + offsets[i], request->left_out.texts[i].size);
    unsigned char head[2 + 8] = {S_STORED_WITHOUT, 0};
    int failed = msgpack_sbuffer_write (stored, (const char *) head, 2)
                 || bs_service_varint_put (stored, request->left_out.asked)
                 || bs_service_varint_put (stored, request->left_out.reference_size)
                 || msgpack_sbuffer_write (stored, (const char *) request->left_out.reference,
                                           request->left_out.reference_size)
                 || bs_service_varint_put (stored, count);
    for (size_t i = 0; i < 8; i++)
        head[2 + i] = (unsigned char) (hash >> (8 * (7 - i)));
    if (!failed)
        failed = msgpack_sbuffer_write (stored, (const char *) head + 2, 8);
    size_t next_index = 0, kept = 0;
    for (size_t i = 0; i < count && !failed; i++) {
        failed = bs_service_varint_put (stored, request->left_out.texts[i].index - next_index)
                 || bs_service_varint_put (stored, offsets[i] - kept);
        next_index = request->left_out.texts[i].index + 1;
        kept = offsets[i] + request->left_out.texts[i].size;
    }
    kept = 0;
    for (size_t i = 0; i < count && !failed; i++) {
        failed = msgpack_sbuffer_write (stored, reply + kept, offsets[i] - kept);
        kept = offsets[i] + request->left_out.texts[i].size;
    }
    if (!failed)
        failed = msgpack_sbuffer_write (stored, reply + kept, size - kept);
    return failed ? BS_E_SYSTEM : BS_OK;
}

/* Put text (given back for a stored reply) into reply as a packed string;
   its bytes' size to *size. */
static int
s_text_put (msgpack_sbuffer *reply, const char *text, size_t *size)
{
    size_t before = reply->size;
    msgpack_packer packer;
    msgpack_packer_init (&packer, reply, msgpack_sbuffer_write);
    if (!text || msgpack_pack_str_with_body (&packer, text, strlen (text)) != 0)
        return BS_E_SYSTEM;
    *size = reply->size - before;
    return BS_OK;
}

/* The texts the reference gives back (count of them, malloc'ed into
   *texts, each to be freed). */
static int
s_texts_given (bs_service_t *self, MDB_txn *txn, const void *reference, size_t reference_size,
               size_t count, char ***texts)
{
    *texts = calloc (count ? count : 1, sizeof **texts);
    if (!*texts)
        return BS_E_SYSTEM;
    return self->reply_texts (self, txn, reference, reference_size, *texts, count);
}

static void
s_texts_free (char **texts, size_t count)
{
    for (size_t i = 0; texts && i < count; i++)
        free (texts[i]);
    free (texts);
}

/* The whole reply back from a stored form of 9e1973c. */
static int
s_stored_rebuild_old (bs_service_t *self, MDB_txn *txn, const unsigned char *stored, size_t size,
                      msgpack_sbuffer *reply)
{
    if (size < 4)
        return BS_E_SYSTEM;
    size_t asked = stored[1], count = stored[2], reference_size = stored[3];
    size_t head = 4 + reference_size + count * S_OLD_LEFT_OUT_SIZE;
    if (asked > S_OLD_TEXTS_MAX || count > asked || head > size)
        return BS_E_SYSTEM;
    char **texts;
    int rc = s_texts_given (self, txn, stored + 4, reference_size, asked, &texts);
    const unsigned char *rest = stored + head;
    size_t rest_size = size - head, used = 0, made = 0;
    for (size_t i = 0; i < count && rc == BS_OK; i++) {
        const unsigned char *entry = stored + 4 + reference_size + i * S_OLD_LEFT_OUT_SIZE;
        size_t index = entry[0], offset = s_be_get (entry + 1, 4), length = s_be_get (entry + 5, 4);
        if (index >= asked || offset < made || offset - made > rest_size - used) {
            rc = BS_E_SYSTEM;
            break;
        }
        if (msgpack_sbuffer_write (reply, (const char *) rest + used, offset - made) != 0) {
            rc = BS_E_SYSTEM; /* out of memory */
            break;
        }
        used += offset - made;
        size_t before = reply->size, put = 0;
        rc = s_text_put (reply, texts[index], &put);
        if (rc == BS_OK
            && (put != length
                || bs_text_hash (BS_TEXT_HASH, reply->data + before, length)
                       != s_be_get (entry + 9, 8)))
            rc = BS_E_SYSTEM;
        made = offset + length;
    }
    if (rc == BS_OK
        && msgpack_sbuffer_write (reply, (const char *) rest + used, rest_size - used) != 0)
        rc = BS_E_SYSTEM;
    s_texts_free (texts, asked);
    return rc;
}

/* The whole reply back from its stored form into reply: the texts left
   out given back by the service and checked against their hash. */
static int
s_stored_rebuild (bs_service_t *self, MDB_txn *txn, const unsigned char *stored, size_t size,
                  msgpack_sbuffer *reply)
{
    if (size < 2 || !self->reply_texts)
        return BS_E_SYSTEM;
    if (stored[1] != 0)
        return s_stored_rebuild_old (self, txn, stored, size, reply);
    const unsigned char *at = stored + 2, *end = stored + size;
    uint64_t asked, reference_size, count;
    if (!bs_service_varint_get (&at, end, &asked) || asked > BS_REPLY_TEXTS_MAX
        || !bs_service_varint_get (&at, end, &reference_size)
        || reference_size > BS_REPLY_REFERENCE_MAX || reference_size > (size_t) (end - at))
        return BS_E_SYSTEM;
    const unsigned char *reference = at;
    at += reference_size;
    if (!bs_service_varint_get (&at, end, &count) || count > asked || end - at < 8)
        return BS_E_SYSTEM;
    uint64_t hash = s_be_get (at, 8);
    at += 8;
    const unsigned char *entries = at; /* then the kept bytes, once the entries are read */
    for (uint64_t i = 0, value; i < 2 * count; i++)
        if (!bs_service_varint_get (&at, end, &value))
            return BS_E_SYSTEM;
    const unsigned char *rest = at;
    char **texts;
    int rc = s_texts_given (self, txn, reference, reference_size, asked, &texts);
    uint64_t made = BS_TEXT_HASH, index = 0;
    for (uint64_t i = 0, skip, gap; i < count && rc == BS_OK; i++) {
        bs_service_varint_get (&entries, rest, &skip);
        bs_service_varint_get (&entries, rest, &gap);
        index += skip;
        if (index >= asked || gap > (size_t) (end - at)) {
            rc = BS_E_SYSTEM;
            break;
        }
        if (msgpack_sbuffer_write (reply, (const char *) at, gap) != 0) {
            rc = BS_E_SYSTEM; /* out of memory */
            break;
        }
        at += gap;
        size_t before = reply->size, put = 0;
        rc = s_text_put (reply, texts[index], &put);
        if (rc == BS_OK)
            made = bs_text_hash (made, reply->data + before, put);
        index++;
    }
    if (rc == BS_OK && made != hash)
        rc = BS_E_SYSTEM;
    if (rc == BS_OK && msgpack_sbuffer_write (reply, (const char *) at, (size_t) (end - at)) != 0)
        rc = BS_E_SYSTEM;
    s_texts_free (texts, asked);
    return rc;
}

/* The whole reply back from a stored form (BS_STORED_FORM) into reply:
   the reply to command id made again from its compact form, or from a
   form without texts (of the reply or of its compact form). */
int
bs_service_stored_reply (bs_service_t *self, MDB_txn *txn, const char *id,
                         const unsigned char *stored, size_t size, msgpack_sbuffer *reply)
{
    if (bs_service_is_compact (stored, size))
        return bs_service_expand (self, id, stored, size, reply);
    msgpack_sbuffer rebuilt;
    msgpack_sbuffer_init (&rebuilt);
    int rc = s_stored_rebuild (self, txn, stored, size, &rebuilt);
    if (rc == BS_OK && bs_service_is_compact (rebuilt.data, rebuilt.size))
        rc = bs_service_expand (self, id, rebuilt.data, rebuilt.size, reply);
    else if (rc == BS_OK && msgpack_sbuffer_write (reply, rebuilt.data, rebuilt.size) != 0)
        rc = BS_E_SYSTEM;
    msgpack_sbuffer_destroy (&rebuilt);
    return rc;
}

/* type, 0x1f, id: without printf (every command is looked up by it). */
int
bs_service_idempotency_key (const bs_message_t *message, char *key, size_t size)
{
    size_t type = strlen (message->type), id = strlen (message->id);
    if (type + 1 + id >= size)
        return BS_E_LIMIT;
    memcpy (key, message->type, type);
    key[type] = '\x1f';
    memcpy (key + type + 1, message->id, id + 1);
    return BS_OK;
}

/* The expiry index of the idempotency keys lives in the idempotency
   tree itself, under a 0 byte, the time (8 bytes, big-endian), then the
   key: a key starts with its type's name, never with 0, so the index
   sorts before every stored reply and lookups never meet it, and a
   commit that stores replies writes one tree's path rather than two.
   A store of an older build keeps its index in idempotency_expiry
   (the time, then the key): swept as well, until it is empty. Whether
   it holds any is read once, as the service starts (expiry_apart,
   bs_store_entries, as review reads its older audit trail): the sweep
   of a store that had none never opens it. */
#define S_EXPIRY_PREFIX 0
#define S_EXPIRY_HEAD 9

/* Texts left out at most for which the offsets in the compact form are
   kept on the stack. */
#define S_OFFSETS_ON_STACK 16

/* The reply as it is stored: its compact form (when it has that shape),
   without the texts it leaves out (when the service gives them back); or
   as it is. *stored is the bytes to store: the writer's self->compact or
   self->stored, or the reply's own. */
static int
s_stored_put (bs_service_t *self, const bs_request_t *request, const msgpack_sbuffer **stored)
{
    size_t count = self->reply_texts ? request->left_out.count : 0;
    uint32_t on_stack[S_OFFSETS_ON_STACK], *offsets = on_stack;
    if (request->left_out.count > S_OFFSETS_ON_STACK
        && !(offsets = malloc (request->left_out.count * sizeof *offsets)))
        return BS_E_SYSTEM;
    msgpack_sbuffer *compact = bs_service_writer_buffer (&self->compact);
    int rc = bs_service_compact (request, compact, offsets);
    if (rc == BS_OK && count) {
        *stored = bs_service_writer_buffer (&self->stored);
        rc = s_stored_form (request, compact->data, compact->size, offsets, &self->stored);
    } else if (rc == BS_OK)
        *stored = compact;
    else if (rc == BS_E_INVALID && count) {
        for (size_t i = 0; i < count; i++)
            offsets[i] = request->left_out.texts[i].offset;
        *stored = bs_service_writer_buffer (&self->stored);
        rc = s_stored_form (request, request->reply.data, request->reply.size, offsets,
                            &self->stored);
    } else if (rc == BS_E_INVALID) {
        *stored = &request->reply; /* stored as it is */
        rc = BS_OK;
    }
    if (offsets != on_stack)
        free (offsets);
    return rc;
}

/* Store the reply under its key (s_stored_put), and the key in the
   expiry index, so old keys can be swept in time order. */
int
bs_service_idempotency_put (bs_service_t *self, MDB_txn *txn, const char *key,
                            bs_request_t *request)
{
    const msgpack_sbuffer *stored = NULL;
    int rc = s_stored_put (self, request, &stored);
    if (rc == BS_OK)
        rc = bs_store_put_bytes (txn, self->idempotency, key, stored->data, stored->size);
    if (rc != BS_OK)
        return rc;
    size_t length = strlen (key);
    unsigned char index[S_EXPIRY_HEAD + BS_TYPE_MAX + BS_ID_MAX + 2];
    index[0] = S_EXPIRY_PREFIX;
    bs_store_key (request->now, index + 1);
    memcpy (index + S_EXPIRY_HEAD, key, length);
    MDB_val index_key = {S_EXPIRY_HEAD + length, index}, empty = {0, ""};
    rc = bs_store_put (txn, self->idempotency, &index_key, &empty, 0);
    return rc ? bs_store_error (rc, "index an idempotency key") : BS_OK;
}

#define S_SWEEP_MAX 10000 /* entries a sweep forgets (or adopts) at most */

/* Forget the idempotency keys indexed in dbi (the idempotency tree, or
   an older store's idempotency_expiry) under head bytes (the prefix,
   none in the older index) before time before, oldest first, while
   *swept < S_SWEEP_MAX. */
static int
s_keys_sweep (bs_service_t *self, MDB_txn *txn, MDB_dbi dbi, size_t head, uint64_t before,
              size_t *swept)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, dbi, &cursor);
    if (rc)
        return bs_store_error (rc, "sweep idempotency keys");
    unsigned char first = S_EXPIRY_PREFIX, key[BS_TYPE_MAX + BS_ID_MAX + 2];
    while (rc == 0 && *swept < S_SWEEP_MAX) {
        /* The oldest entry left: the first under the prefix (a key
           deleted below may have moved the cursor). */
        MDB_val index = {head - 8, &first}, value;
        int found = mdb_cursor_get (cursor, &index, &value, head > 8 ? MDB_SET_RANGE : MDB_FIRST);
        const unsigned char *at = index.mv_data;
        if (found || index.mv_size <= head || index.mv_size - head > sizeof key
            || (head > 8 && at[0] != S_EXPIRY_PREFIX)
            || bs_store_key_value (at + head - 8) >= before)
            break;
        size_t length = index.mv_size - head;
        memcpy (key, at + head, length);
        rc = bs_store_cursor_del (cursor);
        MDB_val stored = {length, key};
        if (rc == 0)
            rc = bs_store_del (txn, self->idempotency, &stored);
        if (rc == MDB_NOTFOUND)
            rc = 0;
        *swept += rc == 0;
    }
    mdb_cursor_close (cursor);
    return rc ? bs_store_error (rc, "forget an idempotency key") : BS_OK;
}

/* The built-in timer: forget idempotency keys older than idempotency_days,
   oldest first, a bounded number per run so a turn stays short, and the
   copies kept for them (bs_service_keep_version) at the same age. A
   client retrying a command after that long gets it applied again. */
int
bs_service_idempotency_sweep (bs_service_t *self, MDB_txn *txn, uint64_t now, void *argument)
{
    (void) argument;
    uint64_t keep = bs_config_get_number (self->config, "idempotency_days") * 24 * 3600 * 1000;
    if (keep == 0 || now < keep)
        return BS_OK;
    size_t swept = 0;
    int rc = BS_OK;
    if (self->expiry_apart) {
        /* Nothing writes to the older index: once it is empty in this
           transaction's view (before this sweep deleted anything, so an
           aborted turn cannot bring entries back), it stays empty. */
        MDB_stat older;
        rc = mdb_stat (txn, self->idempotency_expiry, &older);
        if (rc)
            return bs_store_error (rc, "count the idempotency keys' older index");
        self->expiry_apart = older.ms_entries > 0;
    }
    if (self->expiry_apart)
        rc = s_keys_sweep (self, txn, self->idempotency_expiry, 8, now - keep, &swept);
    if (rc == BS_OK)
        rc = s_keys_sweep (self, txn, self->idempotency, S_EXPIRY_HEAD, now - keep, &swept);
    if (rc != BS_OK)
        return rc;
    if (swept)
        bs_log_info ("forgot %zu idempotency keys older than %" PRIu64 " days", swept,
                     bs_config_get_number (self->config, "idempotency_days"));
    size_t budget = S_SWEEP_MAX - swept;
    if (self->keeps_versions)
        rc = bs_service_versions_sweep (self, txn, now - keep, &budget);
    if (rc == BS_OK && self->keeps_versions)
        rc = bs_service_versions_adopt (self, txn, now, &budget);
    return rc;
}
