/*  bs_proto: the protocol's schema tables, generated from bs_proto.def. */
#include "bs_proto.h"

/* Item schemas are referenced by address before their definition. */
#define BS_ITEM_stream_consumer (&bs_stream_consumer_schema)
#define BS_ITEM_stream_view (&bs_stream_view_schema)

BS_PROTO_SCHEMAS (BS_SCHEMA_DEFINE)

const bs_schema_t *const bs_proto_all[] = {BS_PROTO_SCHEMAS (BS_SCHEMA_ADDRESS) NULL};
