/*  bs_schema: finding schemas by wire name; see bs_schema.h.

    The protocol's schemas are always known; an application adds its own
    catalogue once, before any message is decoded (schemas/bs_schemas.c
    does it from a constructor, so every program that links the
    application's schemas knows them without a call in main).

    Every message decoded looks its type up (a service's commands and
    the events it consumes), so setting the catalogue also fills a hash
    table of every wire name, protocol's and catalogue's: one hash and
    one comparison a look-up instead of a strcmp against each of the
    ~180 names before it (bench/README.md, issue 9).
*/
#include "bs_schema.h"

#include <stdint.h>
#include <string.h>

#include "bs_error.h"
#include "bs_proto.h"
#include "bs_text.h"

static const bs_schema_t *const *s_catalogue;

/* Open addressing, linear probing; at most half full. Empty until a
   catalogue is set (or when it would be over half full): then look-ups
   search the lists. */
#define S_SLOTS 1024
static const bs_schema_t *s_table[S_SLOTS];
static bool s_hashed;

static size_t
s_hash (const char *type)
{
    return bs_text_hash (BS_TEXT_HASH, type, strlen (type)) & (S_SLOTS - 1);
}

/* The slot of type: the one holding it, or the empty one where it would go. */
static size_t
s_slot (const char *type)
{
    size_t slot = s_hash (type);
    while (s_table[slot] && strcmp (s_table[slot]->type, type) != 0)
        slot = (slot + 1) & (S_SLOTS - 1);
    return slot;
}

/* Add schemas to the table, a name already in it kept (the protocol's
   come first, as in the lists' search). False when over half full. */
static bool
s_hash_all (const bs_schema_t *const *schemas, size_t *count)
{
    for (size_t i = 0; schemas && schemas[i]; i++) {
        size_t slot = s_slot (schemas[i]->type);
        if (s_table[slot])
            continue;
        if (++*count > S_SLOTS / 2)
            return false;
        s_table[slot] = schemas[i];
    }
    return true;
}

void
bs_schema_catalogue_set (const bs_schema_t *const *catalogue)
{
    s_catalogue = catalogue;
    memset (s_table, 0, sizeof s_table);
    size_t count = 0;
    s_hashed = s_hash_all (bs_proto_all, &count) && s_hash_all (s_catalogue, &count);
    if (!s_hashed)
        memset (s_table, 0, sizeof s_table);
}

static const bs_schema_t *
s_find (const bs_schema_t *const *schemas, const char *type)
{
    for (size_t i = 0; schemas && schemas[i]; i++)
        if (strcmp (schemas[i]->type, type) == 0)
            return schemas[i];
    return NULL;
}

const bs_schema_t *
bs_schema_lookup (const char *type)
{
    if (!type)
        return NULL;
    if (s_hashed)
        return s_table[s_slot (type)];
    const bs_schema_t *schema = s_find (bs_proto_all, type);
    return schema ? schema : s_find (s_catalogue, type);
}

const bs_field_t *
bs_schema_field (const bs_schema_t *schema, const char *name)
{
    for (size_t i = 0; i < schema->field_count; i++)
        if (strcmp (schema->fields[i].name, name) == 0)
            return &schema->fields[i];
    return NULL;
}

int
bs_schema_view (const bs_schema_t *schema, const char *const leave_out[], bs_field_t *fields,
                size_t capacity, bs_schema_t *view)
{
    size_t count = 0;
    for (size_t i = 0; i < schema->field_count; i++) {
        bool left_out = false;
        for (size_t j = 0; leave_out[j] && !left_out; j++)
            left_out = strcmp (leave_out[j], schema->fields[i].name) == 0;
        if (left_out)
            continue;
        if (count == capacity)
            return BS_E_LIMIT;
        fields[count++] = schema->fields[i];
    }
    *view = *schema;
    view->fields = fields;
    view->field_count = count;
    return BS_OK;
}

bool
bs_field_is_text (const bs_field_t *field)
{
    return (field->type == BS_FIELD_STR && field->max > 255) || field->type == BS_FIELD_BIN
           || field->type == BS_FIELD_LIST;
}

int
bs_schema_texts_last (const bs_schema_t *schema, bs_field_t *fields, size_t capacity,
                      bs_schema_t *texts_last)
{
    if (schema->field_count > capacity)
        return BS_E_LIMIT;
    size_t count = 0;
    for (int texts = 0; texts < 2; texts++)
        for (size_t i = 0; i < schema->field_count; i++)
            if (bs_field_is_text (&schema->fields[i]) == (texts == 1))
                fields[count++] = schema->fields[i];
    *texts_last = *schema;
    texts_last->fields = fields;
    return BS_OK;
}
