/*  bs_codec_decode: the second pass of decoding, records and envelopes
    mapped onto structs through the schema table; see bs_codec.h.

    Decoding is two passes. The scan (bs_codec_scan.c) walks the raw bytes
    and proves they are one
    msgpack object whose every declared length fits the bytes that are left,
    within the limits. Only then does msgpack-c unpack them: its unpacker
    allocates `count * sizeof (msgpack_object)` as soon as it reads an array
    or map header, before any element, so it must never see a count the
    bytes cannot hold. The second pass maps the unpacked object onto a struct
    through the schema table, and on any failure frees what it had built, so
    a caller never holds half a record.
*/
#include "bs_codec.h"

#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A path to a field for error messages: "title", or "items[2].title". */
#define S_PATH_MAX BS_ERROR_FIELD_MAX

static bool
s_key_is_sized (const msgpack_object *key, const char *name, size_t length)
{
    return key->type == MSGPACK_OBJECT_STR && key->via.str.size == length
           && memcmp (key->via.str.ptr, name, length) == 0;
}

/* A key name literal and its length, for s_key_is_sized. */
#define S_KEY(literal) literal, sizeof literal - 1

/* The index of the field of schema whose name is key, schema->field_count
   when none. The search starts at hint (the field after the one matched
   last): a record is written in its schema's order, so the key is most
   often the field there, and a map of n keys costs n comparisons, not n
   times the fields. */
static size_t
s_field_index (const bs_schema_t *schema, const msgpack_object *key, size_t hint)
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

static int s_decode_map (const msgpack_object *object, const bs_schema_t *schema, void *record,
                         const char *prefix, bs_error_t *error);

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
s_decode_str (const bs_field_t *field, const msgpack_object *value, char **target, const char *path,
              bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_STR)
        return bs_error_set (error, BS_E_INVALID, path, "field '%s' must be a string", path);
    uint32_t length = value->via.str.size;
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
    if (!bs_codec_utf8_valid (value->via.str.ptr, length))
        return bs_error_set (error, BS_E_INVALID, path, "field '%s' is not valid UTF-8", path);
    /* A NUL would silently cut the C string short. */
    if (memchr (value->via.str.ptr, 0, length))
        return bs_error_set (error, BS_E_INVALID, path, "field '%s' must not contain a NUL byte",
                             path);
    char *copy = malloc ((size_t) length + 1);
    if (!copy)
        return bs_error_set (error, BS_E_SYSTEM, path, "out of memory copying field '%s'", path);
    memcpy (copy, value->via.str.ptr, length);
    copy[length] = 0;
    *target = copy;
    return BS_OK;
}

static int
s_decode_bin (const bs_field_t *field, const msgpack_object *value, bs_bytes_t *target,
              const char *path, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_BIN)
        return bs_error_set (error, BS_E_INVALID, path, "field '%s' must be bytes (msgpack bin)",
                             path);
    uint32_t size = value->via.bin.size;
    if (size < field->min || size > field->max)
        return bs_error_set (error, BS_E_INVALID, path,
                             "field '%s' must be from %" PRIu64 " to %" PRIu64 " bytes (is %" PRIu32
                             ")",
                             path, field->min, field->max, size);
    if (size == 0)
        return BS_OK;
    if (!(target->data = malloc (size)))
        return bs_error_set (error, BS_E_SYSTEM, path, "out of memory copying field '%s'", path);
    memcpy (target->data, value->via.bin.ptr, size);
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

static int
s_decode_u64_list (const bs_field_t *field, const msgpack_object *value, bs_u64_list_t *list,
                   const char *path, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_ARRAY)
        return bs_error_set (error, BS_E_INVALID, path,
                             "field '%s' must be an array of unsigned integers", path);
    const msgpack_object_array *array = &value->via.array;
    int rc = s_check_count (field, array->size, path, error);
    if (rc || array->size == 0)
        return rc;
    for (uint32_t k = 0; k < array->size; k++)
        if (array->ptr[k].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return bs_error_set (error, BS_E_INVALID, path,
                                 "field '%s' must be an array of unsigned integers", path);
    if (!(list->items = malloc (array->size * sizeof (uint64_t))))
        return bs_error_set (error, BS_E_SYSTEM, path, "out of memory decoding field '%s'", path);
    list->count = array->size;
    for (uint32_t k = 0; k < array->size; k++)
        list->items[k] = array->ptr[k].via.u64;
    return BS_OK;
}

/* The elements are attached to the record before they are decoded, so
   when one fails the caller's free of the record reaches all of them. */
static int
s_decode_list (const bs_field_t *field, const msgpack_object *value, bs_list_t *list,
               const char *path, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_ARRAY)
        return bs_error_set (error, BS_E_INVALID, path, "field '%s' must be an array of maps",
                             path);
    const msgpack_object_array *array = &value->via.array;
    int rc = s_check_count (field, array->size, path, error);
    if (rc || array->size == 0)
        return rc;
    size_t item_size = field->item->record_size;
    if (!(list->items = calloc (array->size, item_size)))
        return bs_error_set (error, BS_E_SYSTEM, path, "out of memory decoding field '%s'", path);
    list->count = array->size;
    for (uint32_t k = 0; k < array->size; k++) {
        char buffer[S_PATH_MAX];
        const char *element = s_element_path (buffer, sizeof buffer, path, k);
        if (array->ptr[k].type != MSGPACK_OBJECT_MAP)
            return bs_error_set (error, BS_E_INVALID, element, "field '%s' must be a map", element);
        rc = s_decode_map (&array->ptr[k], field->item, (char *) list->items + k * item_size,
                           element, error);
        if (rc)
            return rc;
    }
    return BS_OK;
}

static int
s_decode_field (const bs_field_t *field, const msgpack_object *value, void *record,
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
        if (value->via.u64 < field->min || value->via.u64 > field->max)
            return bs_error_set (error, BS_E_INVALID, path,
                                 "field '%s' must be from %" PRIu64 " to %" PRIu64 " (is %" PRIu64
                                 ")",
                                 path, field->min, field->max, value->via.u64);
        *(uint64_t *) member = value->via.u64;
        return BS_OK;
    case BS_FIELD_BOOL:
        if (value->type != MSGPACK_OBJECT_BOOLEAN)
            return bs_error_set (error, BS_E_INVALID, path, "field '%s' must be a boolean", path);
        *(bool *) member = value->via.boolean;
        return BS_OK;
    case BS_FIELD_U64_LIST:
        return s_decode_u64_list (field, value, member, path, error);
    case BS_FIELD_LIST:
        return s_decode_list (field, value, member, path, error);
    case BS_FIELD_BIN:
        return s_decode_bin (field, value, member, path, error);
    }
    return bs_error_set (error, BS_E_INVALID, path, "field '%s' has an unknown schema type", path);
}

/* Decode a map into a zeroed record. On failure the record may hold some
   owned members; the public caller frees it. prefix is "" at the top and
   "items[2]" inside a list, so errors name the exact field. */
static int
s_decode_map (const msgpack_object *object, const bs_schema_t *schema, void *record,
              const char *prefix, bs_error_t *error)
{
    if (object->type != MSGPACK_OBJECT_MAP)
        return bs_error_set (error, BS_E_INVALID, prefix, "record must be a map");
    /* One bit per field: seen (for duplicates) and present (seen, not nil). */
    assert (schema->field_count <= 64);
    uint64_t seen = 0, present = 0;
    size_t hint = 0;
    char buffer[S_PATH_MAX];

    const msgpack_object_map *map = &object->via.map;
    for (uint32_t k = 0; k < map->size; k++) {
        const msgpack_object *key = &map->ptr[k].key;
        const msgpack_object *value = &map->ptr[k].val;
        if (key->type != MSGPACK_OBJECT_STR)
            continue; /* not ours: a newer peer may add anything */
        size_t index = s_field_index (schema, key, hint);
        if (index == schema->field_count)
            continue;
        hint = index + 1;
        const bs_field_t *field = &schema->fields[index];
        const char *path = s_field_path (buffer, sizeof buffer, prefix, field->name);
        if (seen & ((uint64_t) 1 << index))
            return bs_error_set (error, BS_E_INVALID, path, "field '%s' appears twice", path);
        seen |= (uint64_t) 1 << index;
        if (value->type == MSGPACK_OBJECT_NIL)
            continue; /* nil is absent */
        present |= (uint64_t) 1 << index;
        int rc = s_decode_field (field, value, record, path, error);
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
    return BS_OK;
}

/* The zone a decode unpacks into: one a thread, made by its first decode
   and cleared after each (msgpack_zone_clear keeps its first chunk, of
   MSGPACK_ZONE_CHUNK_SIZE bytes, and frees the chunks a large message
   added), instead of a zone of 8 KiB allocated and freed a decode. A
   thread's zone is freed when the thread ends (the key's destructor) or,
   for the thread that calls exit, by an atexit handler: the main thread
   runs no key destructors. */
static pthread_key_t s_zone_key;
static pthread_once_t s_zone_once = PTHREAD_ONCE_INIT;
static __thread msgpack_zone *s_zone;

static void
s_zone_end (void *zone)
{
    msgpack_zone_free (zone);
    s_zone = NULL;
}

static void
s_zone_at_exit (void)
{
    if (s_zone) {
        pthread_setspecific (s_zone_key, NULL);
        s_zone_end (s_zone);
    }
}

static void
s_zone_key_make (void)
{
    if (pthread_key_create (&s_zone_key, s_zone_end) == 0)
        atexit (s_zone_at_exit);
}

/* This thread's zone, empty; NULL when out of memory. */
static msgpack_zone *
s_zone_take (void)
{
    if (s_zone)
        return s_zone;
    pthread_once (&s_zone_once, s_zone_key_make);
    msgpack_zone *zone = msgpack_zone_new (MSGPACK_ZONE_CHUNK_SIZE);
    if (zone && pthread_setspecific (s_zone_key, zone) != 0) {
        msgpack_zone_free (zone); /* no key: a zone a decode, then */
        return NULL;
    }
    return s_zone = zone;
}

/* Unpack checked bytes into zone. msgpack-c's strings point into bytes,
   which must outlive object. The zone is set up only here, after the check,
   so a refused frame costs no allocation. */
static int
s_unpack (const void *bytes, size_t size, msgpack_zone *zone, msgpack_object *object,
          bs_error_t *error)
{
    size_t offset = 0;
    msgpack_unpack_return result = msgpack_unpack (bytes, size, &offset, zone, object);
    if (result == MSGPACK_UNPACK_NOMEM_ERROR)
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory unpacking %zu bytes", size);
    if (result != MSGPACK_UNPACK_SUCCESS || offset != size)
        return bs_error_set (error, BS_E_MALFORMED, "", "msgpack-c refused the frame (%d)",
                             (int) result);
    return BS_OK;
}

int
bs_codec_decode_record (const void *bytes, size_t size, const bs_schema_t *schema,
                        const bs_codec_limits_t *limits, void *record, bs_error_t *error)
{
    assert (schema && record);
    memset (record, 0, schema->record_size);
    int rc = bs_codec_check (bytes, size, limits, error);
    if (rc)
        return rc;
    msgpack_zone *zone = s_zone_take ();
    if (!zone)
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    msgpack_object object;
    rc = s_unpack (bytes, size, zone, &object, error);
    if (rc == BS_OK)
        rc = s_decode_map (&object, schema, record, "", error);
    if (rc)
        bs_codec_record_free (schema, record);
    msgpack_zone_clear (zone);
    return rc;
}

/* The envelope */

/* Copy an envelope string into a fixed buffer of capacity bytes. */
static int
s_envelope_str (const msgpack_object *value, const char *name, size_t least, char *target,
                size_t capacity, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_STR || value->via.str.size < least
        || value->via.str.size >= capacity || memchr (value->via.str.ptr, 0, value->via.str.size)
        || !bs_codec_utf8_valid (value->via.str.ptr, value->via.str.size))
        return bs_error_set (error, BS_E_MALFORMED, name,
                             "envelope '%s' must be UTF-8 of %zu to %zu bytes without NUL", name,
                             least, capacity - 1);
    memcpy (target, value->via.str.ptr, value->via.str.size);
    target[value->via.str.size] = 0;
    return BS_OK;
}

static int
s_envelope_u64 (const msgpack_object *value, const char *name, uint64_t *target, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return bs_error_set (error, BS_E_MALFORMED, name,
                             "envelope '%s' must be an unsigned integer", name);
    *target = value->via.u64;
    return BS_OK;
}

/* The principal map: who, kind, unit, roles (other keys ignored); who and
   kind required. */
static int
s_envelope_principal (const msgpack_object *value, bs_principal_t *principal, bs_error_t *error)
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
    const msgpack_object_map *map = &value->via.map;
    for (uint32_t k = 0; k < map->size; k++)
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
            if (s_key_is_sized (&map->ptr[k].key, fields[f].name, fields[f].size)) {
                int rc = s_envelope_str (&map->ptr[k].val, fields[f].name, 0, fields[f].target,
                                         fields[f].capacity, error);
                if (rc)
                    return rc;
            }
    if (!principal->who[0] || !principal->kind[0])
        return bs_error_set (error, BS_E_MALFORMED, "principal",
                             "envelope 'principal' needs who and kind");
    return BS_OK;
}

/* Fill message's envelope fields from object and point data at its "data"
   map (NULL when absent). */
static int
s_decode_envelope (const msgpack_object *object, bs_message_t *message, const msgpack_object **data,
                   bs_error_t *error)
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
    *data = NULL;

    const msgpack_object_map *map = &object->via.map;
    for (uint32_t k = 0; k < map->size; k++) {
        const msgpack_object *value = &map->ptr[k].val;
        int which;
        for (which = 0; which < KEY_COUNT; which++)
            if (s_key_is_sized (&map->ptr[k].key, keys[which].name, keys[which].size))
                break;
        if (which == KEY_COUNT)
            continue;
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
            rc = s_envelope_principal (value, &message->principal, error);
            break;
        default:
            if (value->type != MSGPACK_OBJECT_MAP)
                rc = bs_error_set (error, BS_E_MALFORMED, "data", "envelope 'data' must be a map");
            *data = value;
            break;
        }
        if (rc)
            return rc;
    }
    if (!(present & (1u << KEY_V)))
        return bs_error_set (error, BS_E_MALFORMED, "v", "envelope has no 'v'");
    if (!(present & (1u << KEY_TYPE)))
        return bs_error_set (error, BS_E_MALFORMED, "type", "envelope has no 'type'");
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

/* On BS_E_INVALID the envelope fields stay filled (data NULL), so a
   service can still answer the message's id with the error. */
int
bs_message_decode_view (const void *bytes, size_t size, const bs_codec_limits_t *limits,
                        const bs_schema_t *const *views, bs_message_t *message, bs_error_t *error)
{
    assert (message);
    memset (message, 0, sizeof *message);
    int rc = bs_codec_check (bytes, size, limits, error);
    if (rc)
        return rc;
    msgpack_zone *zone = s_zone_take ();
    if (!zone)
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory");

    msgpack_object object;
    const msgpack_object *data = NULL;
    /* Absent data reads as an empty map, so required fields are named. */
    msgpack_object empty = {.type = MSGPACK_OBJECT_MAP};
    rc = s_unpack (bytes, size, zone, &object, error);
    if (rc == BS_OK)
        rc = s_decode_envelope (&object, message, &data, error);
    if (rc) {
        memset (message, 0, sizeof *message);
        goto done;
    }
    message->schema = bs_schema_lookup (message->type);
    if (!message->schema) {
        rc = bs_error_set (error, BS_E_UNKNOWN_TYPE, "type", "no schema for message type '%s'",
                           message->type);
        goto done;
    }
    if (!(message->data = calloc (1, message->schema->record_size))) {
        rc = bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
        goto done;
    }
    rc = s_decode_map (data ? data : &empty, s_view (message->schema, views), message->data, "",
                       error);
    if (rc) {
        bs_codec_record_free (message->schema, message->data);
        free (message->data);
        message->data = NULL;
    }
done:
    msgpack_zone_clear (zone);
    return rc;
}
