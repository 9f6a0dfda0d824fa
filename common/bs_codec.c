/*  bs_codec: msgpack encoding and safe decoding of schema records and of the
    message envelope; see bs_codec.h.

    The class is six files: this one, what a record owns (free, copy,
    a decoded message cleared); bs_codec_encode.c, records and envelopes
    written; bs_codec_scan.c, the scan of raw bytes (bs_codec_check, which
    a refused decode runs for its words) and UTF-8; and the decoder, the
    bytes read onto a struct through the schema table, each head checked
    as the scan checks it: bs_codec_reader.c (the reader), bs_codec_decode.c
    (records) and bs_codec_message.c (envelopes). What they share is
    bs_codec.h, and, among the decoder's three, bs_codec_reader.h.
*/
#include "bs_codec.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Records: free and copy */

void
bs_codec_record_free (const bs_schema_t *schema, void *record)
{
    assert (schema);
    if (!record)
        return;
    for (size_t i = 0; i < schema->field_count; i++) {
        const bs_field_t *field = &schema->fields[i];
        void *member = (char *) record + field->offset;
        if (field->type == BS_FIELD_STR)
            free (*(char **) member);
        else if (field->type == BS_FIELD_U64_LIST)
            free (((bs_u64_list_t *) member)->items);
        else if (field->type == BS_FIELD_BIN)
            free (((bs_bytes_t *) member)->data);
        else if (field->type == BS_FIELD_LIST) {
            bs_list_t *list = member;
            for (size_t k = 0; list->items && k < list->count; k++)
                bs_codec_record_free (field->item,
                                      (char *) list->items + k * field->item->record_size);
            free (list->items);
        }
    }
    memset (record, 0, schema->record_size);
}

/* Copy source into copy, which is zeroed; on failure copy holds what was
   copied so far, all of it owned, so the caller can free it. */
static int
s_record_copy (const bs_schema_t *schema, const void *source, void *copy)
{
    for (size_t i = 0; i < schema->field_count; i++) {
        const bs_field_t *field = &schema->fields[i];
        const void *from = (const char *) source + field->offset;
        void *to = (char *) copy + field->offset;
        switch (field->type) {
        case BS_FIELD_STR:
            if (*(char *const *) from && !(*(char **) to = strdup (*(char *const *) from)))
                return BS_E_SYSTEM;
            break;
        case BS_FIELD_U64:
            *(uint64_t *) to = *(const uint64_t *) from;
            break;
        case BS_FIELD_BOOL:
            *(bool *) to = *(const bool *) from;
            break;
        case BS_FIELD_U64_LIST: {
            const bs_u64_list_t *list = from;
            bs_u64_list_t *target = to;
            if (list->count == 0)
                break;
            if (!(target->items = malloc (list->count * sizeof (uint64_t))))
                return BS_E_SYSTEM;
            memcpy (target->items, list->items, list->count * sizeof (uint64_t));
            target->count = list->count;
            break;
        }
        case BS_FIELD_BIN: {
            const bs_bytes_t *bytes = from;
            bs_bytes_t *target = to;
            if (bytes->size == 0)
                break;
            if (!(target->data = malloc (bytes->size)))
                return BS_E_SYSTEM;
            memcpy (target->data, bytes->data, bytes->size);
            target->size = bytes->size;
            break;
        }
        case BS_FIELD_LIST: {
            const bs_list_t *list = from;
            bs_list_t *target = to;
            size_t item_size = field->item->record_size;
            if (list->count == 0)
                break;
            if (!(target->items = calloc (list->count, item_size)))
                return BS_E_SYSTEM;
            target->count = list->count;
            for (size_t k = 0; k < list->count; k++) {
                int rc = s_record_copy (field->item, (const char *) list->items + k * item_size,
                                        (char *) target->items + k * item_size);
                if (rc)
                    return rc;
            }
            break;
        }
        }
    }
    return BS_OK;
}

int
bs_codec_record_copy (const bs_schema_t *schema, const void *source, void *copy)
{
    assert (schema && source && copy);
    memset (copy, 0, schema->record_size);
    int rc = s_record_copy (schema, source, copy);
    if (rc)
        bs_codec_record_free (schema, copy);
    return rc;
}

void
bs_message_clear (bs_message_t *message)
{
    if (!message)
        return;
    if (message->data) {
        if (message->schema)
            bs_codec_record_free (message->schema, message->data);
        free (message->data);
    }
    memset (message, 0, sizeof *message);
}
