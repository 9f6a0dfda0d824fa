/*  bs_codec_encode: records and envelopes written as msgpack; see
    bs_codec.h.
*/
#include "bs_codec.h"

#include <assert.h>
#include <string.h>

static int
s_pack_str (msgpack_packer *packer, const char *string)
{
    /* msgpack-c copies from the body even when it is empty; never hand it NULL. */
    if (!string)
        string = "";
    return msgpack_pack_str_with_body (packer, string, strlen (string));
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

int
bs_codec_pack_record (msgpack_packer *packer, const bs_schema_t *schema, const void *record)
{
    assert (packer && schema && record);
    size_t count = 0;
    for (size_t i = 0; i < schema->field_count; i++) {
        const bs_field_t *field = &schema->fields[i];
        const void *member = (const char *) record + field->offset;
        if (!s_left_out (field, member))
            count++;
    }
    if (msgpack_pack_map (packer, count))
        return BS_E_SYSTEM;

    for (size_t i = 0; i < schema->field_count; i++) {
        const bs_field_t *field = &schema->fields[i];
        const void *member = (const char *) record + field->offset;
        if (s_left_out (field, member))
            continue;
        int failed = msgpack_pack_str_with_body (packer, field->name, field->name_size);
        switch (field->type) {
        case BS_FIELD_STR:
            failed = failed || s_pack_str (packer, *(char *const *) member);
            break;
        case BS_FIELD_U64:
            failed = failed || msgpack_pack_uint64 (packer, *(const uint64_t *) member);
            break;
        case BS_FIELD_BOOL:
            failed = failed
                     || (*(const bool *) member ? msgpack_pack_true (packer)
                                                : msgpack_pack_false (packer));
            break;
        case BS_FIELD_U64_LIST: {
            const bs_u64_list_t *list = member;
            assert (list->items || list->count == 0);
            failed = failed || msgpack_pack_array (packer, list->count);
            for (size_t k = 0; !failed && k < list->count; k++)
                failed = msgpack_pack_uint64 (packer, list->items[k]);
            break;
        }
        case BS_FIELD_BIN: {
            const bs_bytes_t *bytes = member;
            assert (bytes->data || bytes->size == 0);
            failed = failed
                     || msgpack_pack_bin_with_body (
                         packer, bytes->data ? (const void *) bytes->data : "", bytes->size);
            break;
        }
        case BS_FIELD_LIST: {
            const bs_list_t *list = member;
            assert (list->items || list->count == 0);
            failed = failed || msgpack_pack_array (packer, list->count);
            for (size_t k = 0; !failed && k < list->count; k++)
                failed = bs_codec_pack_record (
                    packer, field->item, (const char *) list->items + k * field->item->record_size);
            break;
        }
        }
        if (failed)
            return BS_E_SYSTEM;
    }
    return BS_OK;
}

int
bs_codec_encode_record (msgpack_sbuffer *buffer, const bs_schema_t *schema, const void *record)
{
    assert (buffer);
    size_t start = buffer->size;
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);
    int rc = bs_codec_pack_record (&packer, schema, record);
    if (rc)
        buffer->size = start; /* leave no half record behind */
    return rc;
}

/* The principal as a map of its four strings. */
static int
s_pack_principal (msgpack_packer *packer, const bs_principal_t *principal)
{
    return msgpack_pack_map (packer, 4) || s_pack_str (packer, "who")
           || s_pack_str (packer, principal->who) || s_pack_str (packer, "kind")
           || s_pack_str (packer, principal->kind) || s_pack_str (packer, "unit")
           || s_pack_str (packer, principal->unit) || s_pack_str (packer, "roles")
           || s_pack_str (packer, principal->roles);
}

/* The envelope with data = record, or = packed (size bytes, already
   encoded) when packed is not NULL. */
static int
s_encode_envelope (msgpack_sbuffer *buffer, const bs_schema_t *schema, const void *record,
                   const void *packed, size_t size, const bs_envelope_t *envelope, uint64_t seq)
{
    assert (buffer && schema && (record || packed));
    const char *id = envelope->id, *src = envelope->src;
    /* Refuse what the peer's decoder would refuse, before writing anything. */
    if ((id && strlen (id) >= BS_ID_MAX) || (src && strlen (src) >= BS_SRC_MAX)
        || strlen (schema->type) >= BS_TYPE_MAX)
        return BS_E_INVALID;
    bool principal = bs_principal_present (envelope->principal);

    size_t start = buffer->size;
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);
    int failed = msgpack_pack_map (&packer, 6 + (seq != 0) + (envelope->deadline != 0) + principal);
    failed =
        failed || s_pack_str (&packer, "v") || msgpack_pack_uint64 (&packer, BS_ENVELOPE_VERSION);
    failed = failed || s_pack_str (&packer, "type") || s_pack_str (&packer, schema->type);
    failed = failed || s_pack_str (&packer, "id") || s_pack_str (&packer, id);
    failed = failed || s_pack_str (&packer, "at") || msgpack_pack_uint64 (&packer, envelope->at);
    failed = failed || s_pack_str (&packer, "src") || s_pack_str (&packer, src);
    if (seq)
        failed = failed || s_pack_str (&packer, "seq") || msgpack_pack_uint64 (&packer, seq);
    if (envelope->deadline)
        failed = failed || s_pack_str (&packer, "deadline")
                 || msgpack_pack_uint64 (&packer, envelope->deadline);
    if (principal)
        failed = failed || s_pack_str (&packer, "principal")
                 || s_pack_principal (&packer, envelope->principal);
    failed = failed || s_pack_str (&packer, "data")
             || (packed ? msgpack_sbuffer_write (buffer, packed, size)
                        : bs_codec_pack_record (&packer, schema, record));
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
