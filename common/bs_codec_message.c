/*  bs_codec_message: a message read straight from its bytes: the
    envelope's keys (version, type, ids, times, principal), then its "data"
    map through the schema of its type (bs_codec_decode_map), as a view
    asks; a message alone in a frame or the next of several; see
    bs_codec.h and bs_codec_reader.h.
*/
#include "bs_codec_reader.h"

#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Copy an envelope string into a fixed buffer of capacity bytes. */
static int
s_envelope_str (const bs_codec_item_t *value, const char *name, size_t least, char *target,
                size_t capacity, bs_error_t *error)
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
s_envelope_u64 (const bs_codec_item_t *value, const char *name, uint64_t *target, bs_error_t *error)
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
s_envelope_principal (bs_codec_reader_t *reader, const bs_codec_item_t *value,
                      bs_principal_t *principal, bs_error_t *error)
{
    if (value->type != MSGPACK_OBJECT_MAP)
        return bs_error_set (error, BS_E_MALFORMED, "principal",
                             "envelope 'principal' must be a map");
    struct {
        const char *name;
        size_t size;
        char *target;
        size_t capacity;
    } fields[] = {{BS_CODEC_KEY ("who"), principal->who, sizeof principal->who},
                  {BS_CODEC_KEY ("kind"), principal->kind, sizeof principal->kind},
                  {BS_CODEC_KEY ("unit"), principal->unit, sizeof principal->unit},
                  {BS_CODEC_KEY ("roles"), principal->roles, sizeof principal->roles}};
    size_t field_count = sizeof fields / sizeof fields[0];
    reader->depth++;
    for (uint64_t k = 0; k < value->number; k++) {
        bs_codec_item_t key, entry;
        if (!bs_codec_read (reader, &key) || !bs_codec_skip_inside (reader, &key)
            || !bs_codec_read (reader, &entry))
            return BS_CODEC_UNREAD;
        size_t f = 0;
        while (f < field_count && !bs_codec_key_is (&key, fields[f].name, fields[f].size))
            f++;
        if (f == field_count) {
            if (!bs_codec_skip_inside (reader, &entry))
                return BS_CODEC_UNREAD;
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
s_decode_envelope (bs_codec_reader_t *reader, const bs_codec_item_t *object, bs_message_t *message,
                   bs_codec_reader_t *data_reader, bs_codec_item_t *data, bs_error_t *error)
{
    /* With their lengths: every command and event is decoded here, each
       of its keys compared with these in turn. */
    static const struct {
        const char *name;
        size_t size;
    } keys[] = {{BS_CODEC_KEY ("v")},        {BS_CODEC_KEY ("type")},      {BS_CODEC_KEY ("id")},
                {BS_CODEC_KEY ("src")},      {BS_CODEC_KEY ("at")},        {BS_CODEC_KEY ("seq")},
                {BS_CODEC_KEY ("deadline")}, {BS_CODEC_KEY ("principal")}, {BS_CODEC_KEY ("data")}};
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
    *data = (bs_codec_item_t){.type = MSGPACK_OBJECT_MAP};
    *data_reader = *reader;

    reader->depth++;
    for (uint64_t k = 0; k < object->number; k++) {
        bs_codec_item_t key, entry;
        const bs_codec_item_t *value = &entry;
        if (!bs_codec_read (reader, &key) || !bs_codec_skip_inside (reader, &key)
            || !bs_codec_read (reader, &entry))
            return BS_CODEC_UNREAD;
        int which;
        for (which = 0; which < KEY_COUNT; which++)
            if (bs_codec_key_is (&key, keys[which].name, keys[which].size))
                break;
        if (which == KEY_COUNT) {
            if (!bs_codec_skip_inside (reader, value))
                return BS_CODEC_UNREAD;
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
            if (k + 1 < object->number && !bs_codec_skip_inside (reader, value))
                rc = BS_CODEC_UNREAD;
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
s_decode_message (bs_codec_reader_t *reader, const bs_schema_t *const *views, bs_message_t *message,
                  const uint8_t **end, bs_error_t *error)
{
    bs_codec_reader_t data_reader;
    bs_codec_item_t object, data;
    if (!bs_codec_read (reader, &object))
        return BS_CODEC_UNREAD;
    int rc = s_decode_envelope (reader, &object, message, &data_reader, &data, error);
    if (rc)
        return rc;
    message->schema = bs_schema_lookup (message->type);
    if (!message->schema)
        return bs_error_set (error, BS_E_UNKNOWN_TYPE, "type", "no schema for message type '%s'",
                             message->type);
    if (!(message->data = calloc (1, message->schema->record_size)))
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    rc = bs_codec_decode_map (&data_reader, &data, s_view (message->schema, views), message->data,
                              error);
    /* The message ends where the envelope ends, or where "data" ends when
       it is the last value (the envelope's reader stopped at its entries,
       before the data's reader went past them). */
    const uint8_t *last = data_reader.next > reader->next ? data_reader.next : reader->next;
    if (rc == BS_OK && end)
        *end = last;
    else if (rc == BS_OK && last != reader->end)
        rc = BS_CODEC_UNREAD; /* trailing bytes */
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
    bs_codec_reader_t reader;
    int rc = BS_CODEC_UNREAD;
    if (bs_codec_reader_start (&reader, bytes, size, limits))
        rc = s_decode_message (&reader, views, message, NULL, error);
    if (rc == BS_OK)
        return BS_OK;
    rc = bs_codec_refused (bytes, size, limits, rc, error);
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
    bs_codec_reader_t reader;
    const uint8_t *end;
    if (bs_codec_reader_start (&reader, bytes, size, limits)
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
