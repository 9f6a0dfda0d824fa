/*  bs_schemas: schema tables generated from bs_schemas.def; see bs_schemas.h. */
#include "bs_schemas.h"

#include <string.h>

#define BS_PRESENCE_REQ true
#define BS_PRESENCE_OPT false
#define BS_ITEM_none NULL
#define BS_ITEM(item) BS_ITEM_##item

#define BS_FIELD_ENTRY(ident, f_name, f_type, f_presence, f_min, f_max, f_item)                    \
    {.name = #f_name,                                                                              \
     .type = BS_FIELD_##f_type,                                                                    \
     .required = BS_PRESENCE_##f_presence,                                                         \
     .min = (f_min),                                                                               \
     .max = (f_max),                                                                               \
     .offset = offsetof (bs_##ident##_t, f_name),                                                  \
     .item = BS_ITEM (f_item)},

/* Item schemas are referenced by address before their definition. */
#define BS_ITEM_report (&bs_report_schema)
#define BS_ITEM_attachment (&bs_attachment_schema)
#define BS_ITEM_provenance (&bs_provenance_schema)
#define BS_ITEM_submit (&bs_submit_schema)
#define BS_ITEM_submitted (&bs_submitted_schema)
#define BS_ITEM_unit (&bs_unit_schema)
#define BS_ITEM_officer (&bs_officer_schema)
#define BS_ITEM_held_item (&bs_held_item_schema)
#define BS_ITEM_review_case (&bs_review_case_schema)
#define BS_ITEM_pending_item (&bs_pending_item_schema)
#define BS_ITEM_score (&bs_score_schema)
#define BS_ITEM_source (&bs_source_schema)
#define BS_ITEM_audit_entry (&bs_audit_entry_schema)
#define BS_ITEM_topic (&bs_topic_schema)
#define BS_ITEM_session_entry (&bs_session_entry_schema)
#define BS_ITEM_issue_item (&bs_issue_item_schema)
#define BS_ITEM_issue (&bs_issue_schema)
#define BS_ITEM_stats_row (&bs_stats_row_schema)
#define BS_ITEM_rank_row (&bs_rank_row_schema)

#define BS_SCHEMA_DEFINE(ident, wire, schema_version)                                              \
    static const bs_field_t s_##ident##_fields[] = {BS_FIELDS_##ident (BS_FIELD_ENTRY)};           \
    const bs_schema_t bs_##ident##_schema = {                                                      \
        .type = wire,                                                                              \
        .version = schema_version,                                                                 \
        .fields = s_##ident##_fields,                                                              \
        .field_count = sizeof s_##ident##_fields / sizeof s_##ident##_fields[0],                   \
        .record_size = sizeof (bs_##ident##_t),                                                    \
    };

BS_SCHEMAS (BS_SCHEMA_DEFINE)

#define BS_SCHEMA_ADDRESS(ident, wire, version) &bs_##ident##_schema,
const bs_schema_t *const bs_schema_all[] = {BS_SCHEMAS (BS_SCHEMA_ADDRESS) NULL};

const bs_schema_t *
bs_schema_lookup (const char *type)
{
    if (!type)
        return NULL;
    for (size_t i = 0; bs_schema_all[i]; i++)
        if (strcmp (bs_schema_all[i]->type, type) == 0)
            return bs_schema_all[i];
    return NULL;
}

const bs_field_t *
bs_schema_field (const bs_schema_t *schema, const char *name)
{
    for (size_t i = 0; i < schema->field_count; i++)
        if (strcmp (schema->fields[i].name, name) == 0)
            return &schema->fields[i];
    return NULL;
}
