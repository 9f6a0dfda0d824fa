/*  bs_codec_encode: records and envelopes written as msgpack; see
    bs_codec.h.

    The bytes are written straight into the caller's msgpack_sbuffer, not
    through msgpack-c's packer: the packer hands every token (a header,
    a key, a number) to msgpack_sbuffer_write through a function pointer,
    which checks the room and copies the few bytes with memcpy, ~600 calls
    a report in review. Here the room for a field's key and value is made
    once and the heads are stored in place. The bytes are msgpack-c's, byte
    for byte (the smallest form of each length and number, str8 included):
    stored records, the log's events and the stored replies compare them.
*/
#include "bs_codec.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* The most a head (type byte and a 64-bit number or a 32-bit length)
   takes. */
#define S_HEAD_MAX 9

/* Make room for need more bytes in buffer, growing it as
   msgpack_sbuffer_write does (8 KiB, then doubled). */
static int
s_grow (msgpack_sbuffer *buffer, size_t need)
{
    size_t alloc = buffer->alloc ? buffer->alloc * 2 : MSGPACK_SBUFFER_INIT_SIZE;
    while (alloc < buffer->size + need) {
        if (alloc * 2 < alloc)
            return BS_E_SYSTEM;
        alloc *= 2;
    }
    char *data = realloc (buffer->data, alloc);
    if (!data)
        return BS_E_SYSTEM;
    buffer->data = data;
    buffer->alloc = alloc;
    return BS_OK;
}

/* Where need more bytes go, or NULL when memory ran out. */
static inline unsigned char *
s_room (msgpack_sbuffer *buffer, size_t need)
{
    if (buffer->alloc - buffer->size < need && s_grow (buffer, need) != BS_OK)
        return NULL;
    return (unsigned char *) buffer->data + buffer->size;
}

static inline unsigned char *
s_store16 (unsigned char *at, uint32_t value)
{
    at[0] = (unsigned char) (value >> 8);
    at[1] = (unsigned char) value;
    return at + 2;
}

static inline unsigned char *
s_store32 (unsigned char *at, uint32_t value)
{
    at[0] = (unsigned char) (value >> 24);
    at[1] = (unsigned char) (value >> 16);
    at[2] = (unsigned char) (value >> 8);
    at[3] = (unsigned char) value;
    return at + 4;
}

/* The head of a str, bin, array or map of n: fix | n below fix_end (none
   when fix_end is 0), then the 8-bit form (none when width8 is 0), the
   16-bit and the 32-bit. */
static inline unsigned char *
s_head (unsigned char *at, unsigned char fix, size_t fix_end, unsigned char width8,
        unsigned char width16, size_t n)
{
    if (n < fix_end) {
        *at++ = (unsigned char) (fix | n);
        return at;
    }
    if (width8 && n < 256) {
        *at++ = width8;
        *at++ = (unsigned char) n;
        return at;
    }
    if (n < 65536) {
        *at++ = width16;
        return s_store16 (at, (uint32_t) n);
    }
    *at++ = (unsigned char) (width16 + 1); /* the 32-bit form follows the 16-bit */
    return s_store32 (at, (uint32_t) n);
}

static inline unsigned char *
s_str_head (unsigned char *at, size_t length)
{
    return s_head (at, 0xa0, 32, 0xd9, 0xda, length);
}

static inline unsigned char *
s_uint (unsigned char *at, uint64_t value)
{
    if (value < 128) {
        *at++ = (unsigned char) value;
    } else if (value < 256) {
        *at++ = 0xcc;
        *at++ = (unsigned char) value;
    } else if (value < 65536) {
        *at++ = 0xcd;
        at = s_store16 (at, (uint32_t) value);
    } else if (value < (1ULL << 32)) {
        *at++ = 0xce;
        at = s_store32 (at, (uint32_t) value);
    } else {
        *at++ = 0xcf;
        at = s_store32 (at, (uint32_t) (value >> 32));
        at = s_store32 (at, (uint32_t) value);
    }
    return at;
}

/* A head written at once: the room for it made here. */
static int
s_put_head (msgpack_sbuffer *buffer, unsigned char fix, size_t fix_end, unsigned char width8,
            unsigned char width16, size_t n)
{
    unsigned char *at = s_room (buffer, S_HEAD_MAX);
    if (!at)
        return BS_E_SYSTEM;
    buffer->size = (size_t) ((char *) s_head (at, fix, fix_end, width8, width16, n) - buffer->data);
    return BS_OK;
}

static int
s_put_map (msgpack_sbuffer *buffer, size_t count)
{
    return s_put_head (buffer, 0x80, 16, 0, 0xde, count);
}

static int
s_put_uint (msgpack_sbuffer *buffer, uint64_t value)
{
    unsigned char *at = s_room (buffer, S_HEAD_MAX);
    if (!at)
        return BS_E_SYSTEM;
    buffer->size = (size_t) ((char *) s_uint (at, value) - buffer->data);
    return BS_OK;
}

/* A str (bin when bin) of size bytes, head and body; bytes may be NULL
   when size is 0. */
static int
s_put_bytes (msgpack_sbuffer *buffer, const void *bytes, size_t size, bool bin)
{
    unsigned char *at = s_room (buffer, S_HEAD_MAX + size);
    if (!at)
        return BS_E_SYSTEM;
    at = bin ? s_head (at, 0, 0, 0xc4, 0xc5, size) : s_str_head (at, size);
    if (size)
        memcpy (at, bytes, size);
    buffer->size = (size_t) ((char *) at - buffer->data) + size;
    return BS_OK;
}

/* A string; NULL is written as "". */
static int
s_put_str (msgpack_sbuffer *buffer, const char *string)
{
    return s_put_bytes (buffer, string, string ? strlen (string) : 0, false);
}

/* A NULL optional string, empty optional bytes or an optional number
   that is 0 is left out, so the peer reads it as absent (a decoded record
   starts zeroed: absent is NULL, empty or 0 again). A NULL required string
   is written as "", so the peer's checks name it. Leaving out the zeros
   matters for records of many counters, most of them 0: a
   statistics.changed notice of a unit's month took 574 bytes with its 29
   measures written, about 180 with the few that are not 0, in the log
   and on the feed. */
static bool
s_left_out (const bs_field_t *field, const void *member)
{
    if (field->required)
        return false;
    if (field->type == BS_FIELD_STR)
        return !*(char *const *) member;
    if (field->type == BS_FIELD_BIN)
        return ((const bs_bytes_t *) member)->size == 0;
    if (field->type == BS_FIELD_U64)
        return *(const uint64_t *) member == 0;
    return false;
}

/* A record's key and its value: the room for both made once (a list's
   items each make their own). */
static int
s_put_field (msgpack_sbuffer *buffer, const bs_field_t *field, const void *member)
{
    size_t body = 0; /* bytes of a string's or bin's body */
    const void *bytes = NULL;
    if (field->type == BS_FIELD_STR) {
        bytes = *(char *const *) member;
        body = bytes ? strlen (bytes) : 0;
    } else if (field->type == BS_FIELD_BIN) {
        bytes = ((const bs_bytes_t *) member)->data;
        body = ((const bs_bytes_t *) member)->size;
        assert (bytes || body == 0);
    }
    unsigned char *at = s_room (buffer, 2 * S_HEAD_MAX + field->name_size + body);
    if (!at)
        return BS_E_SYSTEM;
    at = s_str_head (at, field->name_size);
    memcpy (at, field->name, field->name_size);
    at += field->name_size;
    switch (field->type) {
    case BS_FIELD_STR:
    case BS_FIELD_BIN:
        at = field->type == BS_FIELD_STR ? s_str_head (at, body)
                                         : s_head (at, 0, 0, 0xc4, 0xc5, body);
        if (body)
            memcpy (at, bytes, body);
        at += body;
        break;
    case BS_FIELD_U64:
        at = s_uint (at, *(const uint64_t *) member);
        break;
    case BS_FIELD_BOOL:
        *at++ = *(const bool *) member ? 0xc3 : 0xc2;
        break;
    case BS_FIELD_U64_LIST:
        at = s_head (at, 0x90, 16, 0, 0xdc, ((const bs_u64_list_t *) member)->count);
        break;
    case BS_FIELD_LIST:
        at = s_head (at, 0x90, 16, 0, 0xdc, ((const bs_list_t *) member)->count);
        break;
    }
    buffer->size = (size_t) ((char *) at - buffer->data);
    return BS_OK;
}

/* A record's map: its head (the count of the fields not left out), then
   each field. A schema of fewer than 16 fields (most: a report's 15, a
   receipt's 12, a provenance's 8) has a fixmap's one-byte head whatever
   is left out, so its fields are walked once and the count stored in
   the head after them; a longer one is counted first. */
static int
s_pack_record (msgpack_sbuffer *buffer, const bs_schema_t *schema, const void *record)
{
    assert (buffer && schema && record);
    size_t count = 0, head = buffer->size;
    bool fix = schema->field_count < 16;
    if (fix) {
        if (!s_room (buffer, 1))
            return BS_E_SYSTEM;
        buffer->size++; /* the head, stored below */
    } else {
        for (size_t i = 0; i < schema->field_count; i++) {
            const bs_field_t *field = &schema->fields[i];
            if (!s_left_out (field, (const char *) record + field->offset))
                count++;
        }
        if (s_put_map (buffer, count))
            return BS_E_SYSTEM;
    }

    size_t written = 0;
    for (size_t i = 0; i < schema->field_count; i++) {
        const bs_field_t *field = &schema->fields[i];
        const void *member = (const char *) record + field->offset;
        if (s_left_out (field, member))
            continue;
        written++;
        if (s_put_field (buffer, field, member))
            return BS_E_SYSTEM;
        if (field->type == BS_FIELD_U64_LIST) {
            const bs_u64_list_t *list = member;
            assert (list->items || list->count == 0);
            for (size_t k = 0; k < list->count; k++)
                if (s_put_uint (buffer, list->items[k]))
                    return BS_E_SYSTEM;
        } else if (field->type == BS_FIELD_LIST) {
            const bs_list_t *list = member;
            assert (list->items || list->count == 0);
            for (size_t k = 0; k < list->count; k++)
                if (s_pack_record (buffer, field->item,
                                   (const char *) list->items + k * field->item->record_size))
                    return BS_E_SYSTEM;
        }
    }
    if (fix)
        buffer->data[head] = (char) (0x80 | written);
    return BS_OK;
}

int
bs_codec_encode_record (msgpack_sbuffer *buffer, const bs_schema_t *schema, const void *record)
{
    assert (buffer);
    size_t start = buffer->size;
    int rc = s_pack_record (buffer, schema, record);
    if (rc)
        buffer->size = start; /* leave no half record behind */
    return rc;
}

/* A key of the envelope (a literal). */
#define S_PUT_KEY(buffer, key) s_put_bytes (buffer, key, sizeof key - 1, false)

/* The principal as a map of its four strings. */
static int
s_put_principal (msgpack_sbuffer *buffer, const bs_principal_t *principal)
{
    return s_put_map (buffer, 4) || S_PUT_KEY (buffer, "who") || s_put_str (buffer, principal->who)
           || S_PUT_KEY (buffer, "kind") || s_put_str (buffer, principal->kind)
           || S_PUT_KEY (buffer, "unit") || s_put_str (buffer, principal->unit)
           || S_PUT_KEY (buffer, "roles") || s_put_str (buffer, principal->roles);
}

/* A str of length bytes at at, head and body; its end. */
static inline unsigned char *
s_str_at (unsigned char *at, const char *string, size_t length)
{
    at = s_str_head (at, length);
    if (length)
        memcpy (at, string, length);
    return at + length;
}

/* A key of the envelope (a literal, under 32 bytes) at at: its fixstr
   head and its bytes, stored as constants; its end. */
#define S_KEY_AT(at, key)                                                                          \
    ((at)[0] = (unsigned char) (0xa0 | (sizeof key - 1)), memcpy ((at) + 1, key, sizeof key - 1),  \
     (at) + sizeof key)

/* The envelope with data = record, or = packed (size bytes, already
   encoded) when packed is not NULL.

   Every event and reply has one (an event a report in intake's writer),
   so the head up to the principal is written at once: each string's
   length taken once, the room for all of it made once, the keys stored
   as the constants they are, not a call of s_put_bytes each (about a
   thousand instructions an event before, bench/README.md, batch29). The
   bytes are msgpack-c's, as everywhere here. */
static int
s_encode_envelope (msgpack_sbuffer *buffer, const bs_schema_t *schema, const void *record,
                   const void *packed, size_t size, const bs_envelope_t *envelope, uint64_t seq)
{
    assert (buffer && schema && (record || packed));
    const char *id = envelope->id, *src = envelope->src;
    size_t id_length = id ? strlen (id) : 0, src_length = src ? strlen (src) : 0,
           type_length = strlen (schema->type);
    /* Refuse what the peer's decoder would refuse, before writing anything. */
    if (id_length >= BS_ID_MAX || src_length >= BS_SRC_MAX || type_length >= BS_TYPE_MAX)
        return BS_E_INVALID;
    _Static_assert(BS_ID_MAX <= 256 && BS_SRC_MAX <= 256 && BS_TYPE_MAX <= 256,
                   "an envelope's strings take a fixstr's or str8's head");
    bool principal = bs_principal_present (envelope->principal);

    size_t start = buffer->size;
    /* the map's head, five keys of at most 4 bytes and 3 more of at most
       9 (seq, deadline, data), three heads of 2 and four numbers of 9,
       the texts */
    unsigned char *at = s_room (buffer, 1 + 5 * 5 + 3 * 10 + 3 * 2 + 4 * S_HEAD_MAX + type_length
                                            + id_length + src_length);
    if (!at)
        return BS_E_SYSTEM;
    size_t count = 6 + (seq != 0) + (envelope->deadline != 0) + principal;
    *at++ = (unsigned char) (0x80 | count); /* at most 9: a fixmap */
    at = S_KEY_AT (at, "v");
    at = s_uint (at, BS_ENVELOPE_VERSION);
    at = S_KEY_AT (at, "type");
    at = s_str_at (at, schema->type, type_length);
    at = S_KEY_AT (at, "id");
    at = s_str_at (at, id, id_length);
    at = S_KEY_AT (at, "at");
    at = s_uint (at, envelope->at);
    at = S_KEY_AT (at, "src");
    at = s_str_at (at, src, src_length);
    if (seq) {
        at = S_KEY_AT (at, "seq");
        at = s_uint (at, seq);
    }
    if (envelope->deadline) {
        at = S_KEY_AT (at, "deadline");
        at = s_uint (at, envelope->deadline);
    }
    buffer->size = (size_t) ((char *) at - buffer->data);
    int failed =
        principal
        && (S_PUT_KEY (buffer, "principal") || s_put_principal (buffer, envelope->principal));
    failed = failed || S_PUT_KEY (buffer, "data");
    if (!failed && packed) {
        at = s_room (buffer, size);
        failed = !at;
        if (at) {
            memcpy (at, packed, size);
            buffer->size += size;
        }
    } else if (!failed)
        failed = s_pack_record (buffer, schema, record);
    if (failed) {
        buffer->size = start;
        return BS_E_SYSTEM;
    }
    return BS_OK;
}

int
bs_codec_encode_message (msgpack_sbuffer *buffer, const bs_schema_t *schema, const void *record,
                         const char *id, const char *src, uint64_t at, uint64_t seq)
{
    bs_envelope_t envelope = {.id = id, .src = src, .at = at};
    return s_encode_envelope (buffer, schema, record, NULL, 0, &envelope, seq);
}

int
bs_codec_encode_message_packed (msgpack_sbuffer *buffer, const bs_schema_t *schema,
                                const void *packed, size_t size, const char *id, const char *src,
                                uint64_t at, uint64_t seq)
{
    assert (packed);
    bs_envelope_t envelope = {.id = id, .src = src, .at = at};
    return s_encode_envelope (buffer, schema, NULL, packed, size, &envelope, seq);
}

int
bs_codec_encode_command (msgpack_sbuffer *buffer, const bs_schema_t *schema, const void *record,
                         const bs_envelope_t *envelope)
{
    return s_encode_envelope (buffer, schema, record, NULL, 0, envelope, 0);
}
