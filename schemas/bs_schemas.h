/*  bs_schemas: the C structs and schema tables generated from bs_schemas.def.

    For every SCHEMA (ident, ...) this declares
        typedef struct { ...fields... } bs_<ident>_t;
        extern const bs_schema_t bs_<ident>_schema;
    Encode and decode them with bs_codec (common/bs_codec.h).
*/
#ifndef BS_SCHEMAS_H_INCLUDED
#define BS_SCHEMAS_H_INCLUDED

#include "bs_schema.h"

#include "bs_schemas.def"

#define BS_MEMBER_STR(name, item) char *name;
#define BS_MEMBER_U64(name, item) uint64_t name;
#define BS_MEMBER_BOOL(name, item) bool name;
#define BS_MEMBER_U64_LIST(name, item) bs_u64_list_t name;
#define BS_MEMBER_LIST(name, item) bs_list_t name;
#define BS_MEMBER_BIN(name, item) bs_bytes_t name;

#define BS_SCHEMA_MEMBER(ident, name, type, presence, min, max, item) BS_MEMBER_##type (name, item)

#define BS_SCHEMA_DECLARE(ident, wire, version)                                                    \
    typedef struct {                                                                               \
        BS_FIELDS_##ident (BS_SCHEMA_MEMBER)                                                       \
    } bs_##ident##_t;                                                                              \
    extern const bs_schema_t bs_##ident##_schema;

BS_SCHEMAS (BS_SCHEMA_DECLARE)

/* Every schema, for lookups by wire name; ends with NULL. */
extern const bs_schema_t *const bs_schema_all[];

#endif
