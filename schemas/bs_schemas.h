/*  bs_schemas: the C structs and schema tables of the application's messages
    and records, generated from bs_schemas.def.

    For every SCHEMA (ident, ...) this declares
        typedef struct { ...fields... } bs_<ident>_t;
        extern const bs_schema_t bs_<ident>_schema;
    Encode and decode them with bs_codec (common/bs_codec.h). The protocol's
    messages (error, ping, stream control) come with it, from bs_proto.h.
*/
#ifndef BS_SCHEMAS_H_INCLUDED
#define BS_SCHEMAS_H_INCLUDED

#include "bs_proto.h"
#include "bs_schema_table.h"

#include "bs_schemas.def"

BS_SCHEMAS (BS_SCHEMA_DECLARE)

/* Every application schema, for lookups by wire name; ends with NULL. */
extern const bs_schema_t *const bs_schema_all[];

#endif
