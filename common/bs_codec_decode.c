/*  bs_codec_decode: records mapped onto structs through the schema table,
    read straight from the bytes (the reader: bs_codec_reader.h; envelopes:
    bs_codec_message.c); see bs_codec.h.

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
#include "bs_codec_reader.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A path to a field for error messages: "title", or "items[2].title". */
#define S_PATH_MAX BS_ERROR_FIELD_MAX

/* The index of the field of schema whose name is key (a STR),
   schema->field_count when none. The search starts at hint (the field
   after the one matched last, at most field_count): a record is written
   in an order its reader's schema most often follows, so the key is most
   often the field there, and a map of n keys costs n comparisons, not n
   times the fields. A key the schema has not (one a view leaves out)
   costs a comparison of lengths a field. */
static size_t
s_field_index (const bs_schema_t *schema, const bs_codec_item_t *key, size_t hint)
{
    const bs_field_t *fields = schema->fields;
    size_t count = schema->field_count, index = hint;
    for (size_t step = 0; step < count; step++, index++) {
        if (index == count)
            index = 0; /* on from the first field: no division a step */
        if (fields[index].name_size == key->number
            && memcmp (fields[index].name, key->body, key->number) == 0)
            return index;
    }
    return count;
}

/*  Paths name a field in errors ("items[2].title"). Nearly every field
    decodes without one, so a path is kept as its parts, on the stack (a
    field's name or an element's index, and the path it is in), and
    written out only when an error names it. */
typedef struct s_path s_path_t;
struct s_path {
    const s_path_t *outer; /* the list an element is in, the element a
                              field is in; NULL: a field at the top */
    const char *name;      /* a field's name; NULL: an element */
    uint32_t index;        /* an element's index in its list */
};

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

/* path written into buffer (S_PATH_MAX bytes) from its outermost part:
   "items", "[2]", ".title". Returns its length. */
static size_t
s_path_write (const s_path_t *path, char *buffer)
{
    size_t length = path->outer ? s_path_write (path->outer, buffer) : 0;
    if (path->name) {
        if (path->outer)
            length = s_path_append (buffer, S_PATH_MAX, length, ".", 1);
        return s_path_append (buffer, S_PATH_MAX, length, path->name, strlen (path->name));
    }
    char digits[16];
    size_t count = 0;
    uint32_t index = path->index;
    do
        digits[sizeof digits - 1 - count++] = (char) ('0' + index % 10);
    while ((index /= 10) && count < sizeof digits);
    length = s_path_append (buffer, S_PATH_MAX, length, "[", 1);
    length = s_path_append (buffer, S_PATH_MAX, length, digits + sizeof digits - count, count);
    return s_path_append (buffer, S_PATH_MAX, length, "]", 1);
}

/* The text of path (NULL: the top, ""): a field at the top is its name. */
static const char *
s_path_text (const s_path_t *path, char buffer[S_PATH_MAX])
{
    if (!path)
        return "";
    if (!path->outer && path->name)
        return path->name;
    buffer[0] = 0;
    s_path_write (path, buffer);
    return buffer;
}

/* Refuse the field at path: "field 'path' " and what format says. */
static int __attribute__ ((format (printf, 4, 5)))
s_refuse (bs_error_t *error, int code, const s_path_t *path, const char *format, ...)
{
    char buffer[S_PATH_MAX], what[BS_ERROR_TEXT_MAX];
    const char *field = s_path_text (path, buffer);
    va_list args;
    va_start (args, format);
    vsnprintf (what, sizeof what, format, args);
    va_end (args);
    return bs_error_set (error, code, field, "field '%s' %s", field, what);
}

/* Memory ran short doing (a verb: "copying") the field at path. */
static int
s_short_of_memory (bs_error_t *error, const s_path_t *path, const char *doing)
{
    char buffer[S_PATH_MAX];
    const char *field = s_path_text (path, buffer);
    return bs_error_set (error, BS_E_SYSTEM, field, "out of memory %s field '%s'", doing, field);
}

static int
s_decode_str (const bs_field_t *field, const bs_codec_item_t *value, char **target,
              const s_path_t *path, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_STR)
        return s_refuse (error, BS_E_INVALID, path, "must be a string");
    uint32_t length = (uint32_t) value->number;
    if (length < field->min)
        return field->min == 1 ? s_refuse (error, BS_E_INVALID, path, "must not be empty")
                               : s_refuse (error, BS_E_INVALID, path,
                                           "must be at least %" PRIu64 " bytes (is %" PRIu32 ")",
                                           field->min, length);
    if (length > field->max)
        return s_refuse (error, BS_E_INVALID, path,
                         "must be at most %" PRIu64 " bytes (is %" PRIu32 ")", field->max, length);
    if (!bs_codec_utf8_valid (value->body, length))
        return s_refuse (error, BS_E_INVALID, path, "is not valid UTF-8");
    /* A NUL would silently cut the C string short. */
    if (memchr (value->body, 0, length))
        return s_refuse (error, BS_E_INVALID, path, "must not contain a NUL byte");
    char *copy = malloc ((size_t) length + 1);
    if (!copy)
        return s_short_of_memory (error, path, "copying");
    memcpy (copy, value->body, length);
    copy[length] = 0;
    *target = copy;
    return BS_OK;
}

static int
s_decode_bin (const bs_field_t *field, const bs_codec_item_t *value, bs_bytes_t *target,
              const s_path_t *path, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_BIN)
        return s_refuse (error, BS_E_INVALID, path, "must be bytes (msgpack bin)");
    uint32_t size = (uint32_t) value->number;
    if (size < field->min || size > field->max)
        return s_refuse (error, BS_E_INVALID, path,
                         "must be from %" PRIu64 " to %" PRIu64 " bytes (is %" PRIu32 ")",
                         field->min, field->max, size);
    if (size == 0)
        return BS_OK;
    if (!(target->data = malloc (size)))
        return s_short_of_memory (error, path, "copying");
    memcpy (target->data, value->body, size);
    target->size = size;
    return BS_OK;
}

static int
s_check_count (const bs_field_t *field, uint32_t count, const s_path_t *path, bs_error_t *error)
{
    if (count < field->min)
        return s_refuse (error, BS_E_INVALID, path,
                         "must have at least %" PRIu64 " elements (has %" PRIu32 ")", field->min,
                         count);
    if (count > field->max)
        return s_refuse (error, BS_E_INVALID, path,
                         "must have at most %" PRIu64 " elements (has %" PRIu32 ")", field->max,
                         count);
    return BS_OK;
}

/* The elements are read twice: their types first, from a copy of the
   reader, so that a wrong one is refused before anything is allocated.
   Lists, like maps, count a level for their elements. */
static int
s_decode_u64_list (bs_codec_reader_t *reader, const bs_field_t *field, const bs_codec_item_t *value,
                   bs_u64_list_t *list, const s_path_t *path, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_ARRAY)
        return s_refuse (error, BS_E_INVALID, path, "must be an array of unsigned integers");
    uint32_t count = (uint32_t) value->number;
    int rc = s_check_count (field, count, path, error);
    if (rc || count == 0)
        return rc;
    reader->depth++;
    bs_codec_reader_t ahead = *reader;
    bs_codec_item_t element;
    for (uint32_t k = 0; k < count; k++) {
        if (!bs_codec_read (&ahead, &element))
            return BS_CODEC_UNREAD;
        if (element.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return s_refuse (error, BS_E_INVALID, path, "must be an array of unsigned integers");
    }
    if (!(list->items = malloc (count * sizeof (uint64_t))))
        return s_short_of_memory (error, path, "decoding");
    list->count = count;
    for (uint32_t k = 0; k < count; k++) {
        if (!bs_codec_read (reader, &element))
            return BS_CODEC_UNREAD;
        list->items[k] = element.number;
    }
    reader->depth--;
    return BS_OK;
}

static int s_decode_map (bs_codec_reader_t *reader, const bs_codec_item_t *object,
                         const bs_schema_t *schema, void *record, const s_path_t *at,
                         bs_error_t *error);

/* The elements are attached to the record before they are decoded, so
   when one fails the caller's free of the record reaches all of them. */
static int
s_decode_list (bs_codec_reader_t *reader, const bs_field_t *field, const bs_codec_item_t *value,
               bs_list_t *list, const s_path_t *path, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_ARRAY)
        return s_refuse (error, BS_E_INVALID, path, "must be an array of maps");
    uint32_t count = (uint32_t) value->number;
    int rc = s_check_count (field, count, path, error);
    if (rc || count == 0)
        return rc;
    size_t item_size = field->item->record_size;
    if (!(list->items = calloc (count, item_size)))
        return s_short_of_memory (error, path, "decoding");
    list->count = count;
    reader->depth++;
    for (uint32_t k = 0; k < count; k++) {
        s_path_t element = {.outer = path, .index = k};
        bs_codec_item_t map;
        if (!bs_codec_read (reader, &map))
            return BS_CODEC_UNREAD;
        if (map.type != MSGPACK_OBJECT_MAP)
            return s_refuse (error, BS_E_INVALID, &element, "must be a map");
        rc = s_decode_map (reader, &map, field->item, (char *) list->items + k * item_size,
                           &element, error);
        if (rc)
            return rc;
    }
    reader->depth--;
    return BS_OK;
}

static int
s_decode_field (bs_codec_reader_t *reader, const bs_field_t *field, const bs_codec_item_t *value,
                void *record, const s_path_t *path, bs_error_t *error)
{
    void *member = (char *) record + field->offset;
    switch (field->type) {
    case BS_FIELD_STR:
        return s_decode_str (field, value, member, path, error);
    case BS_FIELD_U64:
        if (value->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return s_refuse (error, BS_E_INVALID, path, "must be an unsigned integer");
        if (value->number < field->min || value->number > field->max)
            return s_refuse (error, BS_E_INVALID, path,
                             "must be from %" PRIu64 " to %" PRIu64 " (is %" PRIu64 ")",
                             field->min, field->max, value->number);
        *(uint64_t *) member = value->number;
        return BS_OK;
    case BS_FIELD_BOOL:
        if (value->type != MSGPACK_OBJECT_BOOLEAN)
            return s_refuse (error, BS_E_INVALID, path, "must be a boolean");
        *(bool *) member = value->number != 0;
        return BS_OK;
    case BS_FIELD_U64_LIST:
        return s_decode_u64_list (reader, field, value, member, path, error);
    case BS_FIELD_LIST:
        return s_decode_list (reader, field, value, member, path, error);
    case BS_FIELD_BIN:
        return s_decode_bin (field, value, member, path, error);
    }
    return s_refuse (error, BS_E_INVALID, path, "has an unknown schema type");
}

/* The map (object, its head read) at the path at (NULL: the top) into a
   zeroed record: bs_codec_decode_map's. */
static int
s_decode_map (bs_codec_reader_t *reader, const bs_codec_item_t *object, const bs_schema_t *schema,
              void *record, const s_path_t *at, bs_error_t *error)
{
    if (object->type != MSGPACK_OBJECT_MAP) {
        char buffer[S_PATH_MAX];
        return bs_error_set (error, BS_E_INVALID, s_path_text (at, buffer), "record must be a map");
    }
    /* One bit per field: seen (for duplicates) and present (seen, not nil). */
    assert (schema->field_count <= 64);
    uint64_t seen = 0, present = 0;
    size_t hint = 0;

    reader->depth++;
    for (uint64_t k = 0; k < object->number; k++) {
        bs_codec_item_t key, value;
        if (!bs_codec_read (reader, &key) || !bs_codec_skip_inside (reader, &key)
            || !bs_codec_read (reader, &value))
            return BS_CODEC_UNREAD;
        size_t index = key.type == MSGPACK_OBJECT_STR ? s_field_index (schema, &key, hint)
                                                      : schema->field_count;
        if (index == schema->field_count) {
            if (!bs_codec_skip_inside (reader, &value))
                return BS_CODEC_UNREAD;
            continue; /* not ours: a newer peer may add anything */
        }
        hint = index + 1;
        const bs_field_t *field = &schema->fields[index];
        s_path_t path = {.outer = at, .name = field->name};
        if (seen & ((uint64_t) 1 << index))
            return s_refuse (error, BS_E_INVALID, &path, "appears twice");
        seen |= (uint64_t) 1 << index;
        if (value.type == MSGPACK_OBJECT_NIL)
            continue; /* nil is absent */
        present |= (uint64_t) 1 << index;
        int rc = s_decode_field (reader, field, &value, record, &path, error);
        if (rc)
            return rc;
    }
    for (size_t index = 0; index < schema->field_count; index++) {
        const bs_field_t *field = &schema->fields[index];
        if (field->required && !(present & ((uint64_t) 1 << index))) {
            s_path_t path = {.outer = at, .name = field->name};
            return s_refuse (error, BS_E_INVALID, &path, "is required");
        }
    }
    reader->depth--;
    return BS_OK;
}

/* See bs_codec_reader.h. */
int
bs_codec_decode_map (bs_codec_reader_t *reader, const bs_codec_item_t *object,
                     const bs_schema_t *schema, void *record, bs_error_t *error)
{
    return s_decode_map (reader, object, schema, record, NULL, error);
}

int
bs_codec_decode_record (const void *bytes, size_t size, const bs_schema_t *schema,
                        const bs_codec_limits_t *limits, void *record, bs_error_t *error)
{
    assert (schema && record);
    memset (record, 0, schema->record_size);
    bs_codec_reader_t reader;
    bs_codec_item_t object;
    int rc = BS_CODEC_UNREAD;
    if (bs_codec_reader_start (&reader, bytes, size, limits) && bs_codec_read (&reader, &object))
        rc = bs_codec_decode_map (&reader, &object, schema, record, error);
    if (rc == BS_OK && reader.next != reader.end)
        rc = BS_CODEC_UNREAD; /* trailing bytes */
    if (rc == BS_OK)
        return BS_OK;
    bs_codec_record_free (schema, record);
    return bs_codec_refused (bytes, size, limits, rc, error);
}
