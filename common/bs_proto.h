/*  bs_proto: the messages of the protocol every baosong process speaks,
    generated from bs_proto.def: the error reply (bs_error_reply_t), ping
    and pong (bs_ping_t, bs_ping_reply_t), and the stream control messages
    (bs_stream_subscribe_t, bs_stream_credit_t, bs_stream_heartbeat_t).
    Encode and decode them with bs_codec like any schema.
*/
#ifndef BS_PROTO_H_INCLUDED
#define BS_PROTO_H_INCLUDED

#include "bs_schema_table.h"

#include "bs_proto.def"

BS_PROTO_SCHEMAS (BS_SCHEMA_DECLARE)

/* Every protocol schema; ends with NULL. */
extern const bs_schema_t *const bs_proto_all[];

#endif
