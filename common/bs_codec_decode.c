/*  bs_codec_decode: records and envelopes mapped onto structs through the
    schema table, read straight from the bytes; see bs_codec.h.

    A reader takes one object's head at a time (its type byte, and the
    length, count or number after it) as the schema walks, and copies what
    the record keeps straight from the bytes, with no msgpack object tree in
    between. It trusts no length: every head is checked as the scan
    (bs_codec_scan.c) checks it, against the bytes left, the depth and the
    count of objects, and a read that would go wrong stops the decode. The
    scan itself runs only when a decode is refused, for whatever reason:
    the frame's bytes are then judged first (a frame both malformed and
    invalid is malformed, with the scan's words), as when the scan ran
    before every decode. So a frame is read once when it is accepted, and
    every refusal is the scan's, then the schema's. On any failure the
    decoder frees what it had built, so a caller never holds half a record.
*/
#include "bs_codec.h"

#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A path to a field for error messages: "title", or "items[2].title". */
#define S_PATH_MAX BS_ERROR_FIELD_MAX

/*  The reader: the bytes read in order, one object's head at a time,
    each head checked as the scan checks it. Objects are typed as msgpack-c
    types them (msgpack_object_type), so the refusals are those of the
    object tree the decoder once walked: an int of any width that is not
    negative is a POSITIVE_INTEGER, as msgpack-c unpacks it.

    A reader is copied by value to read ahead (a list's types, the
    envelope's "data" read later): the copy counts the objects it reads
    from the count at the copy, so each copy's count is the scan's count
    at the same byte, and stays within the limit where the scan's does. */

typedef struct {
    const uint8_t *next; /* the next byte to read */
    const uint8_t *end;  /* the end of the frame */
    size_t items;        /* objects read, the scan's count at next */
    size_t max_items;    /* most objects allowed */
    size_t depth;        /* containers around the next object */
    size_t max_depth;    /* deepest nesting allowed, at most BS_CODEC_DEPTH_CAP */
} reader_t;

typedef struct {
    msgpack_object_type type; /* what the object is */
    uint64_t number;          /* a POSITIVE_INTEGER's value, a BOOLEAN's (0, 1), a STR's and
                                 a BIN's size, an ARRAY's count, a MAP's entries */
    const char *body;         /* a STR's or a BIN's bytes, in the frame */
} item_t;

/* Not a code a caller sees: a read the reader refused, as the scan
   refuses it; the scan then says why. */
#define S_UNREAD (-1)

static size_t
s_left (const reader_t *reader)
{
    return (size_t) (reader->end - reader->next);
}

/* The big-endian unsigned integer of width bytes at the reader, passed;
   false when fewer bytes are left. */
static bool
s_take (reader_t *reader, size_t width, uint64_t *value)
{
    if (width > s_left (reader))
        return false;
    const uint8_t *bytes = reader->next;
    reader->next += width;
    switch (width) {
    case 1:
        *value = bytes[0];
        break;
    case 2:
        *value = (uint64_t) bytes[0] << 8 | bytes[1];
        break;
    case 4:
        *value = (uint64_t) bytes[0] << 24 | (uint64_t) bytes[1] << 16 | (uint64_t) bytes[2] << 8
                 | bytes[3];
        break;
    default:
        *value = (uint64_t) bytes[0] << 56 | (uint64_t) bytes[1] << 48 | (uint64_t) bytes[2] << 40
                 | (uint64_t) bytes[3] << 32 | (uint64_t) bytes[4] << 24 | (uint64_t) bytes[5] << 16
                 | (uint64_t) bytes[6] << 8 | bytes[7];
    }
    return true;
}

/* Pass size bytes (a float's, an ext's); false when fewer are left. */
static bool
s_pass (reader_t *reader, uint64_t size)
{
    if (size > s_left (reader))
        return false;
    reader->next += size;
    return true;
}

/* A STR or a BIN of size bytes whose body is at the reader: passed. */
static bool
s_body (reader_t *reader, item_t *item, msgpack_object_type type, uint64_t size)
{
    item->type = type;
    item->number = size;
    item->body = (const char *) reader->next;
    return s_pass (reader, size);
}

/* An ARRAY of count elements or a MAP of count entries: within the depth
   and no more than the bytes left can hold (an element takes at least a
   byte, an entry two), so nothing is allocated for a count that lies. */
static bool
s_container (reader_t *reader, item_t *item, msgpack_object_type type, uint64_t count)
{
    item->type = type;
    item->number = count;
    if (reader->depth >= reader->max_depth)
        return false;
    return type == MSGPACK_OBJECT_ARRAY ? count <= s_left (reader) : count <= s_left (reader) / 2;
}

/* Read the head of the object at the reader into item; false when the
   scan would refuse it. A scalar (a string's body, an ext's data
   included) is passed whole; an ARRAY's or a MAP's elements come next,
   read one by one or passed by s_skip_inside. */
static bool s_read_other (reader_t *reader, item_t *item, uint8_t tag);

/* The heads a record is mostly made of (small numbers and strings, maps,
   nil, bool) here, inlined where the decoder reads; the others aside. */
static inline bool
s_read (reader_t *reader, item_t *item)
{
    if (reader->next == reader->end || ++reader->items > reader->max_items)
        return false;
    uint8_t tag = *reader->next++;
    item->number = 0;
    if (tag <= 0x7f) { /* positive fixint */
        item->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        item->number = tag;
        return true;
    }
    if (tag >= 0xe0) { /* negative fixint */
        item->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
        return true;
    }
    if (tag <= 0x8f)
        return s_container (reader, item, MSGPACK_OBJECT_MAP, tag & 0x0f);
    if (tag <= 0x9f)
        return s_container (reader, item, MSGPACK_OBJECT_ARRAY, tag & 0x0f);
    if (tag <= 0xbf)
        return s_body (reader, item, MSGPACK_OBJECT_STR, tag & 0x1f);
    if (tag == 0xc0) {
        item->type = MSGPACK_OBJECT_NIL;
        return true;
    }
    if (tag == 0xc2 || tag == 0xc3) {
        item->type = MSGPACK_OBJECT_BOOLEAN;
        item->number = tag == 0xc3;
        return true;
    }
    return s_read_other (reader, item, tag);
}

static bool
s_read_other (reader_t *reader, item_t *item, uint8_t tag)
{
    uint64_t value;
    switch (tag) {
    case 0xc4:
    case 0xc5:
    case 0xc6:
        return s_take (reader, (size_t) 1 << (tag - 0xc4), &value)
               && s_body (reader, item, MSGPACK_OBJECT_BIN, value);
    case 0xc7:
    case 0xc8:
    case 0xc9: /* ext: a length, a type byte, the data */
        item->type = MSGPACK_OBJECT_EXT;
        return s_take (reader, (size_t) 1 << (tag - 0xc7), &value) && s_left (reader) >= 1
               && s_pass (reader, 1 + value);
    case 0xca:
        item->type = MSGPACK_OBJECT_FLOAT32;
        return s_pass (reader, 4);
    case 0xcb:
        item->type = MSGPACK_OBJECT_FLOAT64;
        return s_pass (reader, 8);
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
        item->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        return s_take (reader, (size_t) 1 << (tag - 0xcc), &item->number);
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: { /* a signed int: msgpack-c unpacks one that is not negative as positive */
        size_t width = (size_t) 1 << (tag - 0xd0);
        if (!s_take (reader, width, &value))
            return false;
        bool negative = (value >> (8 * width - 1)) & 1;
        item->type = negative ? MSGPACK_OBJECT_NEGATIVE_INTEGER : MSGPACK_OBJECT_POSITIVE_INTEGER;
        item->number = negative ? 0 : value;
        return true;
    }
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8: /* fixext 1, 2, 4, 8, 16: a type byte, the data */
        item->type = MSGPACK_OBJECT_EXT;
        return s_pass (reader, 1 + ((uint64_t) 1 << (tag - 0xd4)));
    case 0xd9:
    case 0xda:
    case 0xdb:
        return s_take (reader, (size_t) 1 << (tag - 0xd9), &value)
               && s_body (reader, item, MSGPACK_OBJECT_STR, value);
    case 0xdc:
    case 0xdd:
        return s_take (reader, (size_t) 2 << (tag - 0xdc), &value)
               && s_container (reader, item, MSGPACK_OBJECT_ARRAY, value);
    case 0xde:
    case 0xdf:
        return s_take (reader, (size_t) 2 << (tag - 0xde), &value)
               && s_container (reader, item, MSGPACK_OBJECT_MAP, value);
    default: /* 0xc1, never used in msgpack */
        return false;
    }
}

/* The objects inside item after its head: an ARRAY's elements, a MAP's
   keys and values; none for any other object. */
static uint64_t
s_inside (const item_t *item)
{
    return item->type == MSGPACK_OBJECT_ARRAY ? item->number
           : item->type == MSGPACK_OBJECT_MAP ? 2 * item->number
                                              : 0;
}

/* Pass what item holds after its head, however deep: a count of objects
   left at each level open (no recursion), the levels within the depth
   the reads check. false when a read is refused. */
static bool
s_skip_inside (reader_t *reader, const item_t *item)
{
    if (item->type != MSGPACK_OBJECT_ARRAY && item->type != MSGPACK_OBJECT_MAP)
        return true;
    uint64_t left[BS_CODEC_DEPTH_CAP];
    size_t open = 0;
    left[open++] = s_inside (item);
    reader->depth++;
    while (open > 0) {
        if (left[open - 1] == 0) {
            open--;
            reader->depth--;
            continue;
        }
        left[open - 1]--;
        item_t inner;
        if (!s_read (reader, &inner))
            return false;
        if (inner.type == MSGPACK_OBJECT_ARRAY || inner.type == MSGPACK_OBJECT_MAP) {
            left[open++] = s_inside (&inner);
            reader->depth++;
        }
    }
    return true;
}

static bool
s_key_is_sized (const item_t *key, const char *name, size_t length)
{
    return key->type == MSGPACK_OBJECT_STR && key->number == length
           && memcmp (key->body, name, length) == 0;
}

/* A key name literal and its length, for s_key_is_sized. */
#define S_KEY(literal) literal, sizeof literal - 1

/* The index of the field of schema whose name is key, schema->field_count
   when none. The search starts at hint (the field after the one matched
   last): a record is written in its schema's order, so the key is most
   often the field there, and a map of n keys costs n comparisons, not n
   times the fields. */
static size_t
s_field_index (const bs_schema_t *schema, const item_t *key, size_t hint)
{
    size_t count = schema->field_count;
    for (size_t step = 0; step < count; step++) {
        size_t index = (hint + step) % count;
        const bs_field_t *field = &schema->fields[index];
        if (s_key_is_sized (key, field->name, field->name_size))
            return index;
    }
    return count;
}

static int s_decode_map (reader_t *reader, const item_t *object, const bs_schema_t *schema,
                         void *record, const char *prefix, bs_error_t *error);

/*  Paths name a field in errors ("items[2].title"). Every decoded field
    has one, so they are made without printf: at the top the field's name
    is its path, and a nested one is put together with memcpy. */

/* Append text to the path in buffer (of size, holding length bytes), cut
   short as snprintf would. Returns the new length. */
static size_t
s_path_append (char *buffer, size_t size, size_t length, const char *text, size_t text_length)
{
    if (length + 1 >= size)
        return length;
    if (text_length > size - 1 - length)
        text_length = size - 1 - length;
    memcpy (buffer + length, text, text_length);
    length += text_length;
    buffer[length] = 0;
    return length;
}

/* The path of field name under prefix: name itself at the top. */
static const char *
s_field_path (char *buffer, size_t size, const char *prefix, const char *name)
{
    if (!*prefix)
        return name;
    buffer[0] = 0;
    size_t length = s_path_append (buffer, size, 0, prefix, strlen (prefix));
    length = s_path_append (buffer, size, length, ".", 1);
    s_path_append (buffer, size, length, name, strlen (name));
    return buffer;
}

/* The path of element index of the list at path: "path[index]". */
static const char *
s_element_path (char *buffer, size_t size, const char *path, uint32_t index)
{
    char digits[16];
    size_t count = 0;
    do
        digits[sizeof digits - 1 - count++] = (char) ('0' + index % 10);
    while ((index /= 10) && count < sizeof digits);
    buffer[0] = 0;
    size_t length = s_path_append (buffer, size, 0, path, strlen (path));
    length = s_path_append (buffer, size, length, "[", 1);
    length = s_path_append (buffer, size, length, digits + sizeof digits - count, count);
    s_path_append (buffer, size, length, "]", 1);
    return buffer;
}

static int
s_decode_str (const bs_field_t *field, const item_t *value, char **target, const char *path,
              bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_STR)
        return bs_error_set (error, BS_E_INVALID, path, "field '%s' must be a string", path);
    uint32_t length = (uint32_t) value->number;
    if (length < field->min)
        return field->min == 1
                   ? bs_error_set (error, BS_E_INVALID, path, "field '%s' must not be empty", path)
                   : bs_error_set (error, BS_E_INVALID, path,
                                   "field '%s' must be at least %" PRIu64 " bytes (is %" PRIu32 ")",
                                   path, field->min, length);
    if (length > field->max)
        return bs_error_set (error, BS_E_INVALID, path,
                             "field '%s' must be at most %" PRIu64 " bytes (is %" PRIu32 ")", path,
                             field->max, length);
    if (!bs_codec_utf8_valid (value->body, length))
        return bs_error_set (error, BS_E_INVALID, path, "field '%s' is not valid UTF-8", path);
    /* A NUL would silently cut the C string short. */
    if (memchr (value->body, 0, length))
        return bs_error_set (error, BS_E_INVALID, path, "field '%s' must not contain a NUL byte",
                             path);
    char *copy = malloc ((size_t) length + 1);
    if (!copy)
        return bs_error_set (error, BS_E_SYSTEM, path, "out of memory copying field '%s'", path);
    memcpy (copy, value->body, length);
    copy[length] = 0;
    *target = copy;
    return BS_OK;
}

static int
s_decode_bin (const bs_field_t *field, const item_t *value, bs_bytes_t *target, const char *path,
              bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_BIN)
        return bs_error_set (error, BS_E_INVALID, path, "field '%s' must be bytes (msgpack bin)",
                             path);
    uint32_t size = (uint32_t) value->number;
    if (size < field->min || size > field->max)
        return bs_error_set (error, BS_E_INVALID, path,
                             "field '%s' must be from %" PRIu64 " to %" PRIu64 " bytes (is %" PRIu32
                             ")",
                             path, field->min, field->max, size);
    if (size == 0)
        return BS_OK;
    if (!(target->data = malloc (size)))
        return bs_error_set (error, BS_E_SYSTEM, path, "out of memory copying field '%s'", path);
    memcpy (target->data, value->body, size);
    target->size = size;
    return BS_OK;
}

static int
s_check_count (const bs_field_t *field, uint32_t count, const char *path, bs_error_t *error)
{
    if (count < field->min)
        return bs_error_set (error, BS_E_INVALID, path,
                             "field '%s' must have at least %" PRIu64 " elements (has %" PRIu32 ")",
                             path, field->min, count);
    if (count > field->max)
        return bs_error_set (error, BS_E_INVALID, path,
                             "field '%s' must have at most %" PRIu64 " elements (has %" PRIu32 ")",
                             path, field->max, count);
    return BS_OK;
}

/* The elements are read twice: their types first, from a copy of the
   reader, so that a wrong one is refused before anything is allocated.
   Lists, like maps, count a level for their elements. */
static int
s_decode_u64_list (reader_t *reader, const bs_field_t *field, const item_t *value,
                   bs_u64_list_t *list, const char *path, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_ARRAY)
        return bs_error_set (error, BS_E_INVALID, path,
                             "field '%s' must be an array of unsigned integers", path);
    uint32_t count = (uint32_t) value->number;
    int rc = s_check_count (field, count, path, error);
    if (rc || count == 0)
        return rc;
    reader->depth++;
    reader_t ahead = *reader;
    item_t element;
    for (uint32_t k = 0; k < count; k++) {
        if (!s_read (&ahead, &element))
            return S_UNREAD;
        if (element.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return bs_error_set (error, BS_E_INVALID, path,
                                 "field '%s' must be an array of unsigned integers", path);
    }
    if (!(list->items = malloc (count * sizeof (uint64_t))))
        return bs_error_set (error, BS_E_SYSTEM, path, "out of memory decoding field '%s'", path);
    list->count = count;
    for (uint32_t k = 0; k < count; k++) {
        if (!s_read (reader, &element))
            return S_UNREAD;
        list->items[k] = element.number;
    }
    reader->depth--;
    return BS_OK;
}

/* The elements are attached to the record before they are decoded, so
   when one fails the caller's free of the record reaches all of them. */
static int
s_decode_list (reader_t *reader, const bs_field_t *field, const item_t *value, bs_list_t *list,
               const char *path, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_ARRAY)
        return bs_error_set (error, BS_E_INVALID, path, "field '%s' must be an array of maps",
                             path);
    uint32_t count = (uint32_t) value->number;
    int rc = s_check_count (field, count, path, error);
    if (rc || count == 0)
        return rc;
    size_t item_size = field->item->record_size;
    if (!(list->items = calloc (count, item_size)))
        return bs_error_set (error, BS_E_SYSTEM, path, "out of memory decoding field '%s'", path);
    list->count = count;
    reader->depth++;
    for (uint32_t k = 0; k < count; k++) {
        char buffer[S_PATH_MAX];
        const char *element = s_element_path (buffer, sizeof buffer, path, k);
        item_t map;
        if (!s_read (reader, &map))
            return S_UNREAD;
        if (map.type != MSGPACK_OBJECT_MAP)
            return bs_error_set (error, BS_E_INVALID, element, "field '%s' must be a map", element);
        rc = s_decode_map (reader, &map, field->item, (char *) list->items + k * item_size, element,
                           error);
        if (rc)
            return rc;
    }
    reader->depth--;
    return BS_OK;
}

static int
s_decode_field (reader_t *reader, const bs_field_t *field, const item_t *value, void *record,
                const char *path, bs_error_t *error)
{
    void *member = (char *) record + field->offset;
    switch (field->type) {
    case BS_FIELD_STR:
        return s_decode_str (field, value, member, path, error);
    case BS_FIELD_U64:
        if (value->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return bs_error_set (error, BS_E_INVALID, path,
                                 "field '%s' must be an unsigned integer", path);
        if (value->number < field->min || value->number > field->max)
            return bs_error_set (error, BS_E_INVALID, path,
                                 "field '%s' must be from %" PRIu64 " to %" PRIu64 " (is %" PRIu64
                                 ")",
                                 path, field->min, field->max, value->number);
        *(uint64_t *) member = value->number;
        return BS_OK;
    case BS_FIELD_BOOL:
        if (value->type != MSGPACK_OBJECT_BOOLEAN)
            return bs_error_set (error, BS_E_INVALID, path, "field '%s' must be a boolean", path);
        *(bool *) member = value->number != 0;
        return BS_OK;
    case BS_FIELD_U64_LIST:
        return s_decode_u64_list (reader, field, value, member, path, error);
    case BS_FIELD_LIST:
        return s_decode_list (reader, field, value, member, path, error);
    case BS_FIELD_BIN:
        return s_decode_bin (field, value, member, path, error);
    }
    return bs_error_set (error, BS_E_INVALID, path, "field '%s' has an unknown schema type", path);
}

/* Decode a map (object, its head read) into a zeroed record, reading its
   entries. On failure the record may hold some owned members; the public
   caller frees it. prefix is "" at the top and "items[2]" inside a list,
   so errors name the exact field. */
static int
s_decode_map (reader_t *reader, const item_t *object, const bs_schema_t *schema, void *record,
              const char *prefix, bs_error_t *error)
{
    if (object->type != MSGPACK_OBJECT_MAP)
        return bs_error_set (error, BS_E_INVALID, prefix, "record must be a map");
    /* One bit per field: seen (for duplicates) and present (seen, not nil). */
    assert (schema->field_count <= 64);
    uint64_t seen = 0, present = 0;
    size_t hint = 0;
    char buffer[S_PATH_MAX];

    reader->depth++;
    for (uint64_t k = 0; k < object->number; k++) {
        item_t key, value;
        if (!s_read (reader, &key) || !s_skip_inside (reader, &key) || !s_read (reader, &value))
            return S_UNREAD;
        size_t index = key.type == MSGPACK_OBJECT_STR ? s_field_index (schema, &key, hint)
                                                      : schema->field_count;
        if (index == schema->field_count) {
            if (!s_skip_inside (reader, &value))
                return S_UNREAD;
            continue; /* not ours: a newer peer may add anything */
        }
        hint = index + 1;
        const bs_field_t *field = &schema->fields[index];
        const char *path = s_field_path (buffer, sizeof buffer, prefix, field->name);
        if (seen & ((uint64_t) 1 << index))
            return bs_error_set (error, BS_E_INVALID, path, "field '%s' appears twice", path);
        seen |= (uint64_t) 1 << index;
        if (value.type == MSGPACK_OBJECT_NIL)
            continue; /* nil is absent */
        present |= (uint64_t) 1 << index;
        int rc = s_decode_field (reader, field, &value, record, path, error);
        if (rc)
            return rc;
    }
    for (size_t index = 0; index < schema->field_count; index++) {
        const bs_field_t *field = &schema->fields[index];
        if (field->required && !(present & ((uint64_t) 1 << index))) {
            const char *path = s_field_path (buffer, sizeof buffer, prefix, field->name);
            return bs_error_set (error, BS_E_INVALID, path, "field '%s' is required", path);
        }
    }
    reader->depth--;
    return BS_OK;
}

/* A reader over the frame (bytes, size) within limits; false when the
   frame is empty or larger than the limit, as the scan refuses it. */
static bool
s_reader_start (reader_t *reader, const void *bytes, size_t size, const bs_codec_limits_t *limits)
{
    if (!limits)
        limits = &bs_codec_default_limits;
    *reader = (reader_t){
        .next = bytes,
        .end = (const uint8_t *) bytes + size,
        .max_items = limits->max_items,
        .max_depth =
            limits->max_depth < BS_CODEC_DEPTH_CAP ? limits->max_depth : BS_CODEC_DEPTH_CAP,
    };
    return bytes && size > 0 && size <= limits->max_frame;
}

/* The decode of the frame (bytes, size) was refused with rc: the scan
   judges the bytes first, as when it ran before every decode. Its refusal
   if it has one, else rc with the decoder's error. A read the reader
   refused is always the scan's too (both check the same heads); should
   the scan pass such a frame, it is refused as malformed all the same. */
static int
s_refused (const void *bytes, size_t size, const bs_codec_limits_t *limits, int rc,
           bs_error_t *error)
{
    bs_error_t decoded;
    if (error)
        decoded = *error;
    int scanned = bs_codec_check (bytes, size, limits, error);
    if (scanned)
        return scanned;
    if (rc == S_UNREAD)
        return bs_error_set (error, BS_E_MALFORMED, "", "frame could not be read");
    if (error)
        *error = decoded;
    return rc;
}

int
bs_codec_decode_record (const void *bytes, size_t size, const bs_schema_t *schema,
                        const bs_codec_limits_t *limits, void *record, bs_error_t *error)
{
    assert (schema && record);
    memset (record, 0, schema->record_size);
    reader_t reader;
    item_t object;
    int rc = S_UNREAD;
    if (s_reader_start (&reader, bytes, size, limits) && s_read (&reader, &object))
        rc = s_decode_map (&reader, &object, schema, record, "", error);
    if (rc == BS_OK && reader.next != reader.end)
        rc = S_UNREAD; /* trailing bytes */
    if (rc == BS_OK)
        return BS_OK;
    bs_codec_record_free (schema, record);
    return s_refused (bytes, size, limits, rc, error);
}

/* The envelope */

/* Copy an envelope string into a fixed buffer of capacity bytes. */
static int
s_envelope_str (const item_t *value, const char *name, size_t least, char *target, size_t capacity,
                bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_STR || value->number < least || value->number >= capacity
        || memchr (value->body, 0, value->number)
        || !bs_codec_utf8_valid (value->body, value->number))
        return bs_error_set (error, BS_E_MALFORMED, name,
                             "envelope '%s' must be UTF-8 of %zu to %zu bytes without NUL", name,
                             least, capacity - 1);
    memcpy (target, value->body, value->number);
    target[value->number] = 0;
    return BS_OK;
}

static int
s_envelope_u64 (const item_t *value, const char *name, uint64_t *target, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return bs_error_set (error, BS_E_MALFORMED, name,
                             "envelope '%s' must be an unsigned integer", name);
    *target = value->number;
    return BS_OK;
}

/* The principal map (value, its head read): who, kind, unit, roles (other
   keys ignored); who and kind required. */
static int
s_envelope_principal (reader_t *reader, const item_t *value, bs_principal_t *principal,
                      bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_MAP)
        return bs_error_set (error, BS_E_MALFORMED, "principal",
                             "envelope 'principal' must be a map");
    struct {
        const char *name;
        size_t size;
        char *target;
        size_t capacity;
    } fields[] = {{S_KEY ("who"), principal->who, sizeof principal->who},
                  {S_KEY ("kind"), principal->kind, sizeof principal->kind},
                  {S_KEY ("unit"), principal->unit, sizeof principal->unit},
                  {S_KEY ("roles"), principal->roles, sizeof principal->roles}};
    size_t field_count = sizeof fields / sizeof fields[0];
    reader->depth++;
    for (uint64_t k = 0; k < value->number; k++) {
        item_t key, entry;
        if (!s_read (reader, &key) || !s_skip_inside (reader, &key) || !s_read (reader, &entry))
            return S_UNREAD;
        size_t f = 0;
        while (f < field_count && !s_key_is_sized (&key, fields[f].name, fields[f].size))
            f++;
        if (f == field_count) {
            if (!s_skip_inside (reader, &entry))
                return S_UNREAD;
            continue;
        }
        int rc =
            s_envelope_str (&entry, fields[f].name, 0, fields[f].target, fields[f].capacity, error);
        if (rc)
            return rc;
    }
    if (!principal->who[0] || !principal->kind[0])
        return bs_error_set (error, BS_E_MALFORMED, "principal",
                             "envelope 'principal' needs who and kind");
    return BS_OK;
}

/* Fill message's envelope fields from object (the envelope, its head
   read), reading its entries, and set data to the head of its "data" map
   and data_reader to that map's entries (an empty map when "data" is
   absent, so required fields are named). The entries are read later,
   when the type's schema is known; they are passed over here unless the
   map is the envelope's last value, as baosong's encoders write it. */
static int
s_decode_envelope (reader_t *reader, const item_t *object, bs_message_t *message,
                   reader_t *data_reader, item_t *data, bs_error_t *error)
{
    /* With their lengths: every command and event is decoded here, each
       of its keys compared with these in turn. */
    static const struct {
        const char *name;
        size_t size;
    } keys[] = {{S_KEY ("v")},        {S_KEY ("type")},      {S_KEY ("id")},
                {S_KEY ("src")},      {S_KEY ("at")},        {S_KEY ("seq")},
                {S_KEY ("deadline")}, {S_KEY ("principal")}, {S_KEY ("data")}};
    enum {
        KEY_V,
        KEY_TYPE,
        KEY_ID,
        KEY_SRC,
        KEY_AT,
        KEY_SEQ,
        KEY_DEADLINE,
        KEY_PRINCIPAL,
        KEY_DATA,
        KEY_COUNT
    };
    static_assert (sizeof keys / sizeof keys[0] == KEY_COUNT, "a name for each envelope key");
    if (object->type != MSGPACK_OBJECT_MAP)
        return bs_error_set (error, BS_E_MALFORMED, "", "envelope must be a map");
    unsigned seen = 0, present = 0;
    *data = (item_t){.type = MSGPACK_OBJECT_MAP};
    *data_reader = *reader;

    reader->depth++;
    for (uint64_t k = 0; k < object->number; k++) {
        item_t key, entry;
        const item_t *value = &entry;
        if (!s_read (reader, &key) || !s_skip_inside (reader, &key) || !s_read (reader, &entry))
            return S_UNREAD;
        int which;
        for (which = 0; which < KEY_COUNT; which++)
            if (s_key_is_sized (&key, keys[which].name, keys[which].size))
                break;
        if (which == KEY_COUNT) {
            if (!s_skip_inside (reader, value))
                return S_UNREAD;
            continue;
        }
        if (seen & (1u << which))
            return bs_error_set (error, BS_E_MALFORMED, keys[which].name,
                                 "envelope key '%s' appears twice", keys[which].name);
        seen |= 1u << which;
        if (value->type == MSGPACK_OBJECT_NIL)
            continue;
        present |= 1u << which;
        int rc = BS_OK;
        uint64_t version = 0;
        switch (which) {
        case KEY_V:
            rc = s_envelope_u64 (value, "v", &version, error);
            if (rc == BS_OK && (version == 0 || version > UINT_MAX))
                rc = bs_error_set (error, BS_E_MALFORMED, "v",
                                   "envelope 'v' must be a positive version (is %" PRIu64 ")",
                                   version);
            message->version = (unsigned) version;
            break;
        case KEY_TYPE:
            rc = s_envelope_str (value, "type", 1, message->type, sizeof message->type, error);
            break;
        case KEY_ID:
            rc = s_envelope_str (value, "id", 0, message->id, sizeof message->id, error);
            break;
        case KEY_SRC:
            rc = s_envelope_str (value, "src", 0, message->src, sizeof message->src, error);
            break;
        case KEY_AT:
            rc = s_envelope_u64 (value, "at", &message->at, error);
            break;
        case KEY_SEQ:
            rc = s_envelope_u64 (value, "seq", &message->seq, error);
            break;
        case KEY_DEADLINE:
            rc = s_envelope_u64 (value, "deadline", &message->deadline, error);
            break;
        case KEY_PRINCIPAL:
            rc = s_envelope_principal (reader, value, &message->principal, error);
            break;
        default:
            if (value->type != MSGPACK_OBJECT_MAP) {
                rc = bs_error_set (error, BS_E_MALFORMED, "data", "envelope 'data' must be a map");
                break;
            }
            *data = *value;
            *data_reader = *reader;
            if (k + 1 < object->number && !s_skip_inside (reader, value))
                rc = S_UNREAD;
            break;
        }
        if (rc)
            return rc;
    }
    if (!(present & (1u << KEY_V)))
        return bs_error_set (error, BS_E_MALFORMED, "v", "envelope has no 'v'");
    if (!(present & (1u << KEY_TYPE)))
        return bs_error_set (error, BS_E_MALFORMED, "type", "envelope has no 'type'");
    reader->depth--;
    return BS_OK;
}

/* The view of schema among views (NULL-terminated, or NULL), else schema. */
static const bs_schema_t *
s_view (const bs_schema_t *schema, const bs_schema_t *const *views)
{
    for (size_t i = 0; views && views[i]; i++)
        if (views[i]->type == schema->type || strcmp (views[i]->type, schema->type) == 0)
            return views[i];
    return schema;
}

int
bs_message_decode (const void *bytes, size_t size, const bs_codec_limits_t *limits,
                   bs_message_t *message, bs_error_t *error)
{
    return bs_message_decode_view (bytes, size, limits, NULL, message, error);
}

/* The envelope and the data of the message at reader into message
   (zeroed); message->data is freed on failure. *end (NULL: the message
   must fill the frame) is where the message ends when the decode
   succeeds. */
static int
s_decode_message (reader_t *reader, const bs_schema_t *const *views, bs_message_t *message,
                  const uint8_t **end, bs_error_t *error)
{
    reader_t data_reader;
    item_t object, data;
    if (!s_read (reader, &object))
        return S_UNREAD;
    int rc = s_decode_envelope (reader, &object, message, &data_reader, &data, error);
    if (rc)
        return rc;
    message->schema = bs_schema_lookup (message->type);
    if (!message->schema)
        return bs_error_set (error, BS_E_UNKNOWN_TYPE, "type", "no schema for message type '%s'",
                             message->type);
    if (!(message->data = calloc (1, message->schema->record_size)))
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    rc = s_decode_map (&data_reader, &data, s_view (message->schema, views), message->data, "",
                       error);
    /* The message ends where the envelope ends, or where "data" ends when
       it is the last value (the envelope's reader stopped at its entries,
       before the data's reader went past them). */
    const uint8_t *last = data_reader.next > reader->next ? data_reader.next : reader->next;
    if (rc == BS_OK && end)
        *end = last;
    else if (rc == BS_OK && last != reader->end)
        rc = S_UNREAD; /* trailing bytes */
    if (rc) {
        bs_codec_record_free (message->schema, message->data);
        free (message->data);
        message->data = NULL;
    }
    return rc;
}

/* On BS_E_INVALID, BS_E_UNKNOWN_TYPE and BS_E_SYSTEM the envelope fields
   stay filled (data NULL), so a service can still answer the message's id
   with the error; on BS_E_MALFORMED the message is zeroed. */
int
bs_message_decode_view (const void *bytes, size_t size, const bs_codec_limits_t *limits,
                        const bs_schema_t *const *views, bs_message_t *message, bs_error_t *error)
{
    assert (message);
    memset (message, 0, sizeof *message);
    reader_t reader;
    int rc = S_UNREAD;
    if (s_reader_start (&reader, bytes, size, limits))
        rc = s_decode_message (&reader, views, message, NULL, error);
    if (rc == BS_OK)
        return BS_OK;
    rc = s_refused (bytes, size, limits, rc, error);
    if (rc == BS_E_MALFORMED)
        memset (message, 0, sizeof *message); /* its data is freed */
    return rc;
}

int
bs_message_decode_next (const void *bytes, size_t size, const bs_codec_limits_t *limits,
                        const bs_schema_t *const *views, bs_message_t *message, size_t *length,
                        bs_error_t *error)
{
    assert (message && length);
    memset (message, 0, sizeof *message);
    reader_t reader;
    const uint8_t *end;
    if (s_reader_start (&reader, bytes, size, limits)
        && s_decode_message (&reader, views, message, &end, error) == BS_OK) {
        *length = (size_t) (end - (const uint8_t *) bytes);
        return BS_OK;
    }
    /* Refused, or a type without a schema (its data not read): its size
       by the scan, then the decode of its bytes alone, with its words. */
    memset (message, 0, sizeof *message); /* its data is freed */
    int rc = bs_codec_object_size (bytes, size, limits, length, error);
    return rc ? rc : bs_message_decode_view (bytes, *length, limits, views, message, error);
}
