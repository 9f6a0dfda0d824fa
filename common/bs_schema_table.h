/*  bs_schema_table: the X-macros that turn a schema definition file into C.

    A definition file (common/bs_proto.def, schemas/bs_schemas.def) lists
    schemas with SCHEMA (ident, "wire.type", version) and their fields with
    BS_FIELDS_<ident> (FIELD (ident, name, TYPE, REQ|OPT, min, max, item)).
    With these macros a header declares, for every schema,
        typedef struct { ...fields... } bs_<ident>_t;
        extern const bs_schema_t bs_<ident>_schema;
    (LIST (BS_SCHEMA_DECLARE)), and one C file defines the tables
    (LIST (BS_SCHEMA_DEFINE)). A LIST field's item schema is found through
    BS_ITEM_<item>, which the defining file provides for each item schema it
    uses (`none` is NULL).

    A field's name on the wire (its msgpack and JSON key) is its C name,
    unless the definition file gives it another with a line
        #define BS_WIRE_<C name> ~, "wire name"
    (e.g. the C member operator_name travels as "operator": `operator` is a
    C++ keyword that clang-format mangles in C). BS_WIRE_NAME picks the
    second of (BS_WIRE_<name>, "<name>", ~): the given wire name when that
    macro exists, the C name otherwise.
*/
#ifndef BS_SCHEMA_TABLE_H_INCLUDED
#define BS_SCHEMA_TABLE_H_INCLUDED

#include <stddef.h>

#include "bs_schema.h"

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

#define BS_PRESENCE_REQ true
#define BS_PRESENCE_OPT false
#define BS_ITEM_none NULL
#define BS_ITEM(item) BS_ITEM_##item

#define BS_WIRE_SECOND(first, second, ...) second
#define BS_WIRE_PICK(...) BS_WIRE_SECOND (__VA_ARGS__)
#define BS_WIRE_NAME(name) BS_WIRE_PICK (BS_WIRE_##name, #name, ~)

#define BS_FIELD_ENTRY(ident, f_name, f_type, f_presence, f_min, f_max, f_item)                    \
    {.name = BS_WIRE_NAME (f_name),                                                                \
     .name_size = sizeof BS_WIRE_NAME (f_name) - 1,                                                \
     .type = BS_FIELD_##f_type,                                                                    \
     .required = BS_PRESENCE_##f_presence,                                                         \
     .min = (f_min),                                                                               \
     .max = (f_max),                                                                               \
     .offset = offsetof (bs_##ident##_t, f_name),                                                  \
     .item = BS_ITEM (f_item)},

#define BS_SCHEMA_DEFINE(ident, wire, schema_version)                                              \
    static const bs_field_t s_##ident##_fields[] = {BS_FIELDS_##ident (BS_FIELD_ENTRY)};           \
    const bs_schema_t bs_##ident##_schema = {                                                      \
        .type = wire,                                                                              \
        .version = schema_version,                                                                 \
        .fields = s_##ident##_fields,                                                              \
        .field_count = sizeof s_##ident##_fields / sizeof s_##ident##_fields[0],                   \
        .record_size = sizeof (bs_##ident##_t),                                                    \
    };

#define BS_SCHEMA_ADDRESS(ident, wire, version) &bs_##ident##_schema,

#endif
