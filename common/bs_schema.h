/*  bs_schema: how a message or stored record is described.

    A schema is a table of fields; each field has a name, a type, whether it is
    required, limits and its offset in the C struct. The tables themselves are
    generated from definition files (X-macros, bs_schema_table.h): the
    protocol's from common/bs_proto.def, the application's from
    schemas/bs_schemas.def, so a field is added in one place and its struct
    member, encoder, decoder and validation follow.

    C representation of each field type:
      BS_FIELD_STR       char *          UTF-8, NUL-terminated, owned by the record;
                                         NULL when an optional string is absent.
                                         min/max are byte lengths.
      BS_FIELD_U64       uint64_t        min/max are values. Absent optional -> 0.
      BS_FIELD_BOOL      bool            absent optional -> false.
      BS_FIELD_U64_LIST  bs_u64_list_t   min/max are element counts.
      BS_FIELD_LIST      bs_list_t       array of records of field->item schema;
                                         min/max are element counts.
      BS_FIELD_BIN       bs_bytes_t      raw bytes (msgpack bin: attachments);
                                         min/max are byte lengths. An optional
                                         one with size 0 is left out.
*/
#ifndef BS_SCHEMA_H_INCLUDED
#define BS_SCHEMA_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    BS_FIELD_STR,
    BS_FIELD_U64,
    BS_FIELD_BOOL,
    BS_FIELD_U64_LIST,
    BS_FIELD_LIST,
    BS_FIELD_BIN,
} bs_field_type_t;

typedef struct {
    size_t count;    /* number of elements */
    uint64_t *items; /* owned by the record */
} bs_u64_list_t;

typedef struct {
    size_t count; /* number of elements */
    void *items;  /* count records of the item schema, contiguous, owned */
} bs_list_t;

typedef struct {
    size_t size;         /* number of bytes */
    unsigned char *data; /* owned by the record; NULL when size is 0 */
} bs_bytes_t;

typedef struct bs_schema bs_schema_t;

typedef struct {
    const char *name;        /* key in the msgpack map */
    size_t name_size;        /* strlen (name) */
    bs_field_type_t type;    /* see above */
    bool required;           /* a missing required field is an error */
    uint64_t min;            /* least length, value or count */
    uint64_t max;            /* greatest length, value or count */
    size_t offset;           /* offsetof the member in the record struct */
    const bs_schema_t *item; /* record schema of BS_FIELD_LIST elements */
} bs_field_t;

struct bs_schema {
    const char *type;         /* wire name: "intake.submit", "report.received" */
    unsigned version;         /* bumped when a field changes meaning */
    const bs_field_t *fields; /* the field table */
    size_t field_count;       /* entries in fields */
    size_t record_size;       /* sizeof the C struct */
};

/* The schema whose wire name is type, or NULL: a protocol schema
   (bs_proto.h) or one of the catalogue set below. */
const bs_schema_t *bs_schema_lookup (const char *type);

/* Make the application's schemas (an array ending with NULL, not copied)
   known to bs_schema_lookup, and so to every decoder. */
void bs_schema_catalogue_set (const bs_schema_t *const *catalogue);

/* The field named name in schema, or NULL. */
const bs_field_t *bs_schema_field (const bs_schema_t *schema, const char *name);

/* A view of schema for a reader that never reads some of its fields: the
   same type, version and record, with every field but those named in
   leave_out (a NULL-terminated list) copied into fields (room for
   capacity). Decoded by a view (bs_message_decode_view), a record's
   left-out fields are neither checked nor copied: NULL, 0 or empty, even
   required ones; it is freed by either schema. BS_OK, or BS_E_LIMIT when
   fields has no room. */
int bs_schema_view (const bs_schema_t *schema, const char *const leave_out[], bs_field_t *fields,
                    size_t capacity, bs_schema_t *view);

/* Whether field is one of its record's texts: a string that may be
   longer than 255 bytes, bytes, or a list of records (a report's title,
   body, provenances and attachments). */
bool bs_field_is_text (const bs_field_t *field);

/* schema with its texts (bs_field_is_text) after its other fields, each
   part in schema's order, into fields (room for capacity): the same
   type, version and record. A record encoded by it (bs_codec_encode_record)
   is decoded by either schema alike; a reader that reads none of the
   texts finds all it reads before them, so an event stored so is cut for
   it by a truncation (bs_codec_envelope_cut). BS_OK, or BS_E_LIMIT when
   fields has no room. */
int bs_schema_texts_last (const bs_schema_t *schema, bs_field_t *fields, size_t capacity,
                          bs_schema_t *texts_last);

#endif
