/*  bs_service_compact: a reply stored under its idempotency key in a
    compact form, without the names msgpack gives every field.

    A reply as bs_request_reply encodes it (bs_codec_encode_message) is
    an envelope of six fields, "v", "type", "id", "at", "src" and "data",
    the data a map of its schema's fields by name: half of a stored case
    is names, and the id (the key's own) and src (the service's name) are
    known on a retry. The compact form keeps what is not known:

        0xc1 (no msgpack object starts with it), 'c',
        the FNV-1a hash of the names left out (its low 32 bits, big-endian),
        the envelope's type and at as they were packed,
        the data: each map's header as it was, then for each of its
        entries the field's number in its schema (less the number after
        the one before, a LEB128 varint) and the value as it was packed;
        the value of a list of records (BS_FIELD_LIST) is its array's
        header, then each record's map in the same way.

    Made again, on a retry, field by field: the names packed from the
    schema, the rest copied, so the reply is the first one byte for byte.
    A reply of another shape (a name the schema does not have, or not in
    its order, an envelope with other fields) is not made compact: it is
    stored whole. A record whose schema has changed since (a field added
    in the middle, renamed) gives other names: the hash tells, and the
    retry gets an error rather than another reply.
*/
#include "bs_service.h"

#include <stdint.h>
#include <string.h>

#include "bs_service_state.h"
#include "bs_text.h"

#define S_COMPACT 'c'
#define S_HASH_SIZE 4

/* The LEB128 varints of the stored forms (the compact reply's field
   numbers, the texts a stored reply leaves out): bs_service_state.h. */
int
bs_service_varint_put (msgpack_sbuffer *buffer, uint64_t value)
{
    unsigned char bytes[10];
    size_t size = 0;
    do {
        bytes[size] = (unsigned char) (value & 0x7f);
        value >>= 7;
        if (value)
            bytes[size] |= 0x80;
        size++;
    } while (value);
    return msgpack_sbuffer_write (buffer, (const char *) bytes, size);
}

bool
bs_service_varint_get (const unsigned char **at, const unsigned char *end, uint64_t *value)
{
    *value = 0;
    for (unsigned shift = 0; *at < end && shift < 64; shift += 7) {
        unsigned char byte = *(*at)++;
        *value |= (uint64_t) (byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return true;
    }
    return false;
}

/* Walking a reply (or its compact form) from at to end. */
typedef struct {
    const unsigned char *at;
    const unsigned char *end;
    msgpack_sbuffer *out;        /* what is made */
    uint64_t hash;               /* of the names, as packed */
    const bs_request_t *request; /* compacting: the texts to follow; else NULL */
    size_t text;                 /* the next text left out (request->left_out) */
    uint32_t *offsets;           /* where each text is in what is made */
} s_walk_t;

static int
s_write (s_walk_t *walk, const unsigned char *bytes, size_t size)
{
    return msgpack_sbuffer_write (walk->out, (const char *) bytes, size) ? BS_E_SYSTEM : BS_OK;
}

/* Objects are walked within the bytes given, as deep as the codec
   allows: the replies come from the encoder, not from a peer. */
static const bs_codec_limits_t s_limits = {SIZE_MAX, BS_CODEC_DEPTH_CAP, SIZE_MAX};

/* The size of a scalar (a number, nil, a bool, a str, a bin) from its
   first bytes (at least one, up to end): most of a reply's values are
   one, and the scan (bs_codec_object_size) costs ten times this. 0 for
   any other object (a map, an array, an ext), or one cut short. */
static size_t
s_scalar_size (const unsigned char *at, const unsigned char *end)
{
    unsigned char first = at[0];
    size_t have = (size_t) (end - at), head = 1, body = 0;
    if (first <= 0x7f || first >= 0xe0 || first == 0xc0 || first == 0xc2 || first == 0xc3)
        return 1;
    if ((first & 0xe0) == 0xa0)
        body = first & 0x1f;
    else if (first == 0xcc || first == 0xd0)
        body = 1;
    else if (first == 0xcd || first == 0xd1)
        body = 2;
    else if (first == 0xce || first == 0xd2 || first == 0xca)
        body = 4;
    else if (first == 0xcf || first == 0xd3 || first == 0xcb)
        body = 8;
    else if ((first == 0xd9 || first == 0xc4) && have >= 2)
        head = 2, body = at[1];
    else if ((first == 0xda || first == 0xc5) && have >= 3)
        head = 3, body = (size_t) at[1] << 8 | at[2];
    else if ((first == 0xdb || first == 0xc6) && have >= 5)
        head = 5, body = (size_t) at[1] << 24 | (size_t) at[2] << 16 | (size_t) at[3] << 8 | at[4];
    else
        return 0;
    return body <= have - head ? head + body : 0;
}

/* The size of the one msgpack object at walk->at, or 0 when there is
   none. */
static size_t
s_object_size (const s_walk_t *walk)
{
    size_t size = 0;
    bs_error_t error;
    if (walk->at >= walk->end)
        return 0;
    if ((size = s_scalar_size (walk->at, walk->end)))
        return size;
    if (bs_codec_object_size (walk->at, (size_t) (walk->end - walk->at), &s_limits, &size, &error)
        != BS_OK)
        return 0;
    return size;
}

/* Copy the object at walk->at as it is (and note where the texts left
   out inside it went). */
static int
s_copy_object (s_walk_t *walk)
{
    size_t size = s_object_size (walk);
    if (size == 0)
        return BS_E_INVALID;
    const bs_request_t *request = walk->request;
    if (request) {
        size_t from = (size_t) (walk->at - (const unsigned char *) request->reply.data);
        for (; walk->text < request->left_out.count; walk->text++) {
            size_t offset = request->left_out.texts[walk->text].offset,
                   length = request->left_out.texts[walk->text].size;
            if (offset >= from + size)
                break;
            if (offset < from || offset + length > from + size)
                return BS_E_INVALID; /* across a name or a header */
            walk->offsets[walk->text] = (uint32_t) (walk->out->size + offset - from);
        }
    }
    int rc = s_write (walk, walk->at, size);
    walk->at += size;
    return rc;
}

/* The header of the map (marker 0x80) or array (0x90) at walk->at:
   copied, its count to *count. */
static int
s_copy_header (s_walk_t *walk, unsigned char fix, size_t *count)
{
    if (walk->at >= walk->end)
        return BS_E_INVALID;
    unsigned char first = *walk->at;
    size_t size = 1;
    if ((first & 0xf0) == fix)
        *count = first & 0x0f;
    else if (first == (fix == 0x80 ? 0xde : 0xdc) && walk->end - walk->at >= 3)
        *count = (size_t) walk->at[1] << 8 | walk->at[2], size = 3;
    else if (first == (fix == 0x80 ? 0xdf : 0xdd) && walk->end - walk->at >= 5)
        *count = (size_t) walk->at[1] << 24 | (size_t) walk->at[2] << 16 | (size_t) walk->at[3] << 8
                 | walk->at[4],
        size = 5;
    else
        return BS_E_INVALID;
    int rc = s_write (walk, walk->at, size);
    walk->at += size;
    return rc;
}

static int s_compact_map (s_walk_t *walk, const bs_schema_t *schema, unsigned depth);
static int s_expand_map (s_walk_t *walk, const bs_schema_t *schema, unsigned depth);

/* The value of field at walk->at: a list of records map by map (by
   map_fn, the same way as their map), any other value as it is. */
static int
s_value (s_walk_t *walk, const bs_field_t *field, unsigned depth,
         int (*map_fn) (s_walk_t *, const bs_schema_t *, unsigned))
{
    if (field->type != BS_FIELD_LIST)
        return s_copy_object (walk);
    if (depth + 1 >= BS_CODEC_DEPTH_CAP)
        return BS_E_INVALID;
    size_t count;
    int rc = s_copy_header (walk, 0x90, &count);
    for (size_t i = 0; rc == BS_OK && i < count; i++)
        rc = map_fn (walk, field->item, depth + 1);
    return rc;
}

/* A record's map at walk->at, each name as its field's number.

   A batch's reply is a thousand records of a few fields each, so a field
   is kept to a few steps (bench/README.md, batch29): the name hashed
   here (bs_text_hash's FNV-1a, byte for byte), its number written as one
   byte when under 128 (the varint's one-byte form), and a scalar value,
   with no text left out in it, copied at once. Room for both is made
   once a field. The bytes are the same as before; every other value
   goes by s_value. */
static int
s_compact_map (s_walk_t *walk, const bs_schema_t *schema, unsigned depth)
{
    size_t count;
    int rc = s_copy_header (walk, 0x80, &count);
    size_t next = 0;
    const bs_field_t *fields = schema->fields;
    bool texts = walk->request && walk->text < walk->request->left_out.count;
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        /* The name, as the encoder packs it (a name is under 32 bytes),
           is one of the schema's fields after the one before. */
        if (walk->at >= walk->end || (*walk->at & 0xe0) != 0xa0)
            return BS_E_INVALID;
        size_t length = *walk->at & 0x1f, field = next;
        if ((size_t) (walk->end - walk->at) <= length)
            return BS_E_INVALID;
        const unsigned char *name = walk->at + 1;
        for (; field < schema->field_count; field++)
            if (fields[field].name_size == length && memcmp (fields[field].name, name, length) == 0)
                break;
        if (field == schema->field_count)
            return BS_E_INVALID;
        uint64_t hash = walk->hash;
        for (const unsigned char *byte = walk->at, *end = name + length; byte < end; byte++)
            hash = (hash ^ *byte) * 1099511628211ULL;
        walk->hash = hash;
        walk->at = name + length;
        size_t skip = field - next;
        next = field + 1;
        size_t value = 0;
        if (fields[field].type != BS_FIELD_LIST && !texts && walk->at < walk->end)
            value = s_scalar_size (walk->at, walk->end);
        if (skip >= 128 || value == 0) { /* the general way */
            rc = bs_service_varint_put (walk->out, skip) ? BS_E_SYSTEM : BS_OK;
            if (rc == BS_OK)
                rc = s_value (walk, &fields[field], depth, s_compact_map);
            texts = walk->request && walk->text < walk->request->left_out.count;
            continue;
        }
        msgpack_sbuffer *out = walk->out;
        if (out->alloc - out->size >= 1 + value) {
            unsigned char *to = (unsigned char *) out->data + out->size;
            to[0] = (unsigned char) skip;
            memcpy (to + 1, walk->at, value);
            out->size += 1 + value;
        } else { /* s_write grows the buffer */
            unsigned char one = (unsigned char) skip;
            rc = s_write (walk, &one, 1);
            if (rc == BS_OK)
                rc = s_write (walk, walk->at, value);
        }
        walk->at += value;
    }
    return rc;
}

/* A record's map at walk->at in the compact form, each field's number
   as its name again. */
static int
s_expand_map (s_walk_t *walk, const bs_schema_t *schema, unsigned depth)
{
    size_t count;
    int rc = s_copy_header (walk, 0x80, &count);
    msgpack_packer packer;
    msgpack_packer_init (&packer, walk->out, msgpack_sbuffer_write);
    uint64_t next = 0, skip;
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        if (!bs_service_varint_get (&walk->at, walk->end, &skip)
            || skip >= schema->field_count - next)
            return BS_E_INVALID;
        const bs_field_t *field = &schema->fields[next + skip];
        next += skip + 1;
        size_t before = walk->out->size;
        if (msgpack_pack_str_with_body (&packer, field->name, field->name_size))
            return BS_E_SYSTEM;
        walk->hash = bs_text_hash (walk->hash, walk->out->data + before, walk->out->size - before);
        rc = s_value (walk, field, depth, s_expand_map);
    }
    return rc;
}

/* The envelope of a reply, up to its data (bs_codec_encode_message,
   without seq): type and at as packed (type_size and at_size bytes). */
static int
s_envelope_put (msgpack_sbuffer *out, const unsigned char *type, size_t type_size, const char *id,
                const unsigned char *at, size_t at_size, const char *src)
{
    msgpack_packer packer;
    msgpack_packer_init (&packer, out, msgpack_sbuffer_write);
    return msgpack_pack_map (&packer, 6) || msgpack_pack_str_with_body (&packer, "v", 1)
                   || msgpack_pack_uint64 (&packer, BS_ENVELOPE_VERSION)
                   || msgpack_pack_str_with_body (&packer, "type", 4)
                   || msgpack_sbuffer_write (out, (const char *) type, type_size)
                   || msgpack_pack_str_with_body (&packer, "id", 2)
                   || msgpack_pack_str_with_body (&packer, id, strlen (id))
                   || msgpack_pack_str_with_body (&packer, "at", 2)
                   || msgpack_sbuffer_write (out, (const char *) at, at_size)
                   || msgpack_pack_str_with_body (&packer, "src", 3)
                   || msgpack_pack_str_with_body (&packer, src, strlen (src))
                   || msgpack_pack_str_with_body (&packer, "data", 4)
               ? BS_E_SYSTEM
               : BS_OK;
}

/* The type's schema, from its packed name (a short str). */
static const bs_schema_t *
s_schema (const unsigned char *type, size_t size)
{
    char name[BS_TYPE_MAX];
    if (size < 2 || (type[0] & 0xe0) != 0xa0 || (size_t) (type[0] & 0x1f) != size - 1)
        return NULL;
    memcpy (name, type + 1, size - 1);
    name[size - 1] = '\0';
    return bs_schema_lookup (name);
}

/* An object the walk may keep as it is (its bytes and size), if it is
   one. */
static bool
s_take (s_walk_t *walk, const unsigned char **bytes, size_t *size)
{
    *bytes = walk->at;
    *size = s_object_size (walk);
    walk->at += *size;
    return *size > 0;
}

/* Which of the envelope's fields the one at walk->at is (its name
   passed over): -1 when it is none of them. */
static int
s_envelope_field (s_walk_t *walk)
{
    static const char *const names[] = {"v", "type", "id", "at", "src", "data"};
    for (int i = 0; i < 6; i++) {
        size_t length = strlen (names[i]);
        if ((size_t) (walk->end - walk->at) > length && *walk->at == (0xa0 | length)
            && memcmp (walk->at + 1, names[i], length) == 0) {
            walk->at += 1 + length;
            return i;
        }
    }
    return -1;
}

int
bs_service_compact (const bs_request_t *request, msgpack_sbuffer *compact, uint32_t *offsets)
{
    const unsigned char *reply = (const unsigned char *) request->reply.data;
    s_walk_t walk = {.at = reply,
                     .end = reply + request->reply.size,
                     .out = compact,
                     .hash = BS_TEXT_HASH,
                     .request = request,
                     .offsets = offsets};
    /* The envelope: type and at found, then checked (and the id and src
       with them) by the bytes the compact form's envelope makes. */
    const unsigned char *type = NULL, *at = NULL, *skipped;
    size_t type_size = 0, at_size = 0, size;
    if (request->reply.size < 2 || reply[0] != 0x86)
        return BS_E_INVALID;
    walk.at++;
    for (int i = 0; i < 5; i++) {
        int field = s_envelope_field (&walk);
        bool taken = field == 1   ? s_take (&walk, &type, &type_size)
                     : field == 3 ? s_take (&walk, &at, &at_size)
                                  : field >= 0 && field < 5 && s_take (&walk, &skipped, &size);
        if (!taken)
            return BS_E_INVALID;
    }
    if (s_envelope_field (&walk) != 5 || !type || !at)
        return BS_E_INVALID;
    const bs_schema_t *schema = s_schema (type, type_size);
    /* The envelope made again where the compact form goes, compared, then
       taken back: no buffer of its own. */
    size_t start = compact->size;
    int rc = schema ? s_envelope_put (compact, type, type_size, request->message->id, at, at_size,
                                      request->service->name)
                    : BS_E_INVALID;
    if (rc == BS_OK
        && (compact->size - start != (size_t) (walk.at - reply)
            || memcmp (compact->data + start, reply, compact->size - start) != 0))
        rc = BS_E_INVALID;
    compact->size = start;
    if (rc != BS_OK)
        return rc;

    unsigned char head[2 + S_HASH_SIZE] = {BS_STORED_FORM, S_COMPACT};
    rc = s_write (&walk, head, sizeof head);
    if (rc == BS_OK)
        rc = s_write (&walk, type, type_size);
    if (rc == BS_OK)
        rc = s_write (&walk, at, at_size);
    if (rc == BS_OK)
        rc = s_compact_map (&walk, schema, 0);
    if (rc == BS_OK && (walk.at != walk.end || walk.text != request->left_out.count))
        rc = BS_E_INVALID;
    if (rc != BS_OK) {
        compact->size = start;
        return rc;
    }
    for (size_t i = 0; i < S_HASH_SIZE; i++)
        compact->data[start + 2 + i] = (char) (walk.hash >> (8 * (S_HASH_SIZE - 1 - i)));
    return BS_OK;
}

bool
bs_service_is_compact (const void *stored, size_t size)
{
    return size >= 2 + S_HASH_SIZE && ((const unsigned char *) stored)[0] == BS_STORED_FORM
           && ((const unsigned char *) stored)[1] == S_COMPACT;
}

int
bs_service_expand (bs_service_t *self, const char *id, const void *compact, size_t size,
                   msgpack_sbuffer *reply)
{
    if (!bs_service_is_compact (compact, size))
        return BS_E_INVALID;
    const unsigned char *bytes = compact;
    s_walk_t walk = {.at = bytes + 2 + S_HASH_SIZE,
                     .end = bytes + size,
                     .out = reply,
                     .hash = BS_TEXT_HASH};
    const unsigned char *type, *at;
    size_t type_size, at_size;
    if (!s_take (&walk, &type, &type_size) || !s_take (&walk, &at, &at_size))
        return BS_E_INVALID;
    const bs_schema_t *schema = s_schema (type, type_size);
    if (!schema)
        return BS_E_INVALID;
    size_t start = reply->size;
    int rc = s_envelope_put (reply, type, type_size, id, at, at_size, self->name);
    if (rc == BS_OK)
        rc = s_expand_map (&walk, schema, 0);
    uint64_t hash = 0;
    for (size_t i = 0; i < S_HASH_SIZE; i++)
        hash = hash << 8 | bytes[2 + i];
    if (rc == BS_OK && (walk.at != walk.end || (walk.hash & 0xffffffffu) != hash))
        rc = BS_E_INVALID;
    if (rc != BS_OK)
        reply->size = start;
    return rc;
}
