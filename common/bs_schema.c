/*  bs_schema: finding schemas by wire name; see bs_schema.h.

    The protocol's schemas are always known; an application adds its own
    catalogue once, before any message is decoded (schemas/bs_schemas.c
    does it from a constructor, so every program that links the
    application's schemas knows them without a call in main).
*/
#include "bs_schema.h"

#include <string.h>

#include "bs_proto.h"

static const bs_schema_t *const *s_catalogue;

void
bs_schema_catalogue_set (const bs_schema_t *const *catalogue)
{
    s_catalogue = catalogue;
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
