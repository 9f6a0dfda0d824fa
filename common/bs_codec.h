/*  bs_codec: msgpack encoding and safe decoding of schema records and of the
    message envelope.

    Every message on a socket is one ZeroMQ frame holding one msgpack map, the
    envelope:
        { "v": 1, "type": "intake.submit", "id": "...", "at": <ms since epoch>,
          "src": "cli", "seq": <u64, events only>,
          "deadline": <ms since epoch, commands only>,
          "principal": { "who", "kind", "unit", "roles" } (commands only),
          "data": { ...record... } }
    `type` names a schema (bs_proto.def, or the application's catalogue);
    `data` is a record of it. `id` is the message id; on a mutating command
    it is the idempotency key. `deadline` is when the sender stops waiting
    for the reply: a service drops a command taken after it (its client
    has given up, and will retry with the same id or not at all).
    `principal` is who acts (bs_principal.h).

    Decoding never trusts a length. The fields are read straight from the
    bytes as the schema walks (no msgpack object tree), and every object
    read is checked as the scan (bs_codec_check) checks it: every
    array/map/str/bin length is bounded by the bytes left and by the limits
    below, nesting is capped, the frame must be consumed exactly. The
    fields are checked against the schema (every string that is used must
    be valid UTF-8, checked there so the error names the field): unknown
    fields are passed over, a missing or mistyped required field, or a
    value outside its limits, is refused with an error naming the field. A
    frame that is refused is scanned whole first: one both malformed and
    invalid is refused as malformed.

    Ownership: a decoded record owns its strings and lists; free them with
    bs_codec_record_free. A bs_message_t owns its record; free with
    bs_message_clear. Encoders append to a caller's msgpack_sbuffer.
*/
#ifndef BS_CODEC_H_INCLUDED
#define BS_CODEC_H_INCLUDED

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bs_error.h"
#include "bs_principal.h"
#include "bs_schema.h"

#define BS_ENVELOPE_VERSION 1
#define BS_TYPE_MAX 64 /* bytes of a type name, NUL included */
#define BS_ID_MAX 128  /* bytes of a message id, NUL included */
#define BS_SRC_MAX 64  /* bytes of a source name, NUL included */

typedef struct {
    size_t max_frame; /* largest frame accepted, bytes */
    size_t max_depth; /* deepest nesting of arrays and maps */
    size_t max_items; /* most objects (of any kind) in one frame */
} bs_codec_limits_t;

/* Defaults: 1 MiB frames, depth 8, 200,000 objects. */
extern const bs_codec_limits_t bs_codec_default_limits;

/* Nesting is capped at this depth whatever the limits ask: the scan
   recurses once a level, the decoder keeps a count a level. */
#define BS_CODEC_DEPTH_CAP 32

typedef struct {
    unsigned version;          /* envelope "v" */
    char type[BS_TYPE_MAX];    /* envelope "type" */
    char id[BS_ID_MAX];        /* envelope "id", "" if absent */
    char src[BS_SRC_MAX];      /* envelope "src", "" if absent */
    uint64_t at;               /* envelope "at", 0 if absent */
    uint64_t seq;              /* envelope "seq", 0 if absent */
    uint64_t deadline;         /* envelope "deadline", 0 if absent */
    bs_principal_t principal;  /* envelope "principal", who "" if absent */
    const bs_schema_t *schema; /* schema of type, NULL if unknown */
    void *data;                /* decoded record, owned; NULL if none */
} bs_message_t;

/* Scan bytes as exactly one msgpack object within limits (see above);
   string contents are not looked at here.
   BS_OK, or BS_E_MALFORMED with error->text saying what is wrong. */
int bs_codec_check (const void *bytes, size_t size, const bs_codec_limits_t *limits,
                    bs_error_t *error);

/* Scan the first msgpack object of bytes (more may follow it) within
   limits, as bs_codec_check does; *object_size receives its length. For
   a frame of several objects one after another (a stream's events). */
int bs_codec_object_size (const void *bytes, size_t size, const bs_codec_limits_t *limits,
                          size_t *object_size, bs_error_t *error);

/* Encode record (a struct of schema) as a msgpack map appended to buffer;
   on failure buffer is as it was. */
int bs_codec_encode_record (msgpack_sbuffer *buffer, const bs_schema_t *schema, const void *record);

/* Decode bytes (one msgpack map) into record, which must be record_size
   bytes; it is zeroed first. On failure the record holds nothing to free. */
int bs_codec_decode_record (const void *bytes, size_t size, const bs_schema_t *schema,
                            const bs_codec_limits_t *limits, void *record, bs_error_t *error);

/* Free what a decoded (or hand-built with malloc'd strings) record owns, and
   zero it. Safe on a zeroed record. */
void bs_codec_record_free (const bs_schema_t *schema, void *record);

/* Deep-copy a record; the copy owns its own strings and lists. */
int bs_codec_record_copy (const bs_schema_t *schema, const void *source, void *copy);

/* Encode an envelope with data = record of schema. id, src may be NULL
   (then ""); seq 0 leaves "seq" out. */
int bs_codec_encode_message (msgpack_sbuffer *buffer, const bs_schema_t *schema, const void *record,
                             const char *id, const char *src, uint64_t at, uint64_t seq);

/* The same with data = packed (size bytes): a record of schema as
   bs_codec_encode_record wrote it, copied as it is, so a record stored and
   sent as an event is encoded once. The bytes are not checked: they come
   from the encoder, never from a peer. */
int bs_codec_encode_message_packed (msgpack_sbuffer *buffer, const bs_schema_t *schema,
                                    const void *packed, size_t size, const char *id,
                                    const char *src, uint64_t at, uint64_t seq);

/* The envelope fields a command may add to encode_message's. */
typedef struct {
    const char *id;                  /* NULL: "" */
    const char *src;                 /* NULL: "" */
    uint64_t at;                     /* ms since epoch */
    uint64_t deadline;               /* 0: none */
    const bs_principal_t *principal; /* NULL or who "": none */
} bs_envelope_t;

/* Encode a command's envelope with data = record of schema. */
int bs_codec_encode_command (msgpack_sbuffer *buffer, const bs_schema_t *schema, const void *record,
                             const bs_envelope_t *envelope);

/* Decode an envelope and, when its type has a schema, its data.
   Returns BS_OK; BS_E_MALFORMED (bad bytes or envelope); BS_E_UNKNOWN_TYPE
   (well-formed, but no schema: message->type is set, data NULL);
   BS_E_INVALID (data does not fit the schema; error->field names it).
   On any failure except BS_E_UNKNOWN_TYPE message holds nothing to free. */
int bs_message_decode (const void *bytes, size_t size, const bs_codec_limits_t *limits,
                       bs_message_t *message, bs_error_t *error);

/* bs_message_decode, except that the data of a type one of views
   (NULL-terminated, or NULL: none) has is decoded by that view
   (bs_schema_view: a consumer's events without the texts it never reads,
   which are then neither checked nor copied). message->schema is still the
   type's own schema. */
int bs_message_decode_view (const void *bytes, size_t size, const bs_codec_limits_t *limits,
                            const bs_schema_t *const *views, bs_message_t *message,
                            bs_error_t *error);

/* bs_message_decode_view of the message at the start of bytes, which more
   messages may follow (a stream's frame of several events): *length is
   its size, the bytes it takes, whatever the decode returns (0 when even
   its size cannot be told: BS_E_MALFORMED). Decoded as its bytes alone
   would be, without a scan of them first to find where it ends: the
   decoder reads every byte of a message it takes. */
int bs_message_decode_next (const void *bytes, size_t size, const bs_codec_limits_t *limits,
                            const bs_schema_t *const *views, bs_message_t *message,
                            size_t *length, bs_error_t *error);

/* Read what can be read of an envelope's "type" and "id" from the first
   4 KiB of bytes (a frame too large to decode), without looking further:
   message is zeroed, then its type and id set when they come, as strings
   bs_message_decode would take, before anything that runs past those
   bytes. baosong's encoders write them second and third, before "data".
   For the error reply to a frame over the limit. */
void bs_codec_envelope_peek (const void *bytes, size_t size, bs_message_t *message);

/* The BOOL field key of a record as bs_codec_encode_record wrote it
   (bytes: one msgpack map), without decoding the rest: *value is the
   field's, false when it is absent or nil. For one flag of a stored record
   read per command (a unit's "disabled"). The map is walked only as far as
   the key, within bs_codec_default_limits, trusting no length; BS_OK, or
   BS_E_MALFORMED when bytes are no map or the key's value is no bool. */
int bs_codec_map_bool (const void *bytes, size_t size, const char *key, bool *value);

/* What one reader reads of the events of one type: the keys of their
   data. A stream's producer sends that reader those events with their
   data cut to these keys (bs_codec_envelope_cut). */
typedef struct bs_codec_cut bs_codec_cut_t;

/* The cut of the events of type to the keys of their data named in
   fields (wire names separated by spaces); NULL when memory is short or
   fields names more than 64 keys (more than any record has). */
bs_codec_cut_t *bs_codec_cut_new (const char *type, const char *fields);
void bs_codec_cut_destroy (bs_codec_cut_t **self_p);

/* Append to out the event envelope at bytes (size bytes: one msgpack map,
   as bs_eventlog stores it) with its "data" map cut to the keys that the
   cut of its type (one of cut_count cuts) keeps, every other byte as it
   was; an envelope of a type no cut names, or without a data map, goes
   whole. Trusts no length (a scan within bs_codec_default_limits). When
   the data is the envelope's last value, the scan stops where the cut
   can keep nothing more (after the last required field the cut keeps, at
   the first key it leaves out, for a type whose writers' field orders
   allow it: bs_codec_scan.c's s_cut_order), so a report stored with its
   texts last is cut for a reader of none of them without their bytes
   being read. BS_OK;
   BS_E_MALFORMED (out unchanged) when bytes are not such an envelope, or a
   data map too scattered to cut (then send the bytes whole); BS_E_SYSTEM
   when out could not grow (out unchanged). */
int bs_codec_envelope_cut (const void *bytes, size_t size, bs_codec_cut_t *const *cuts,
                           size_t cut_count, msgpack_sbuffer *out);

/* Free the message's record and zero it. */
void bs_message_clear (bs_message_t *message);

/* true if bytes are valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool bs_codec_utf8_valid (const char *bytes, size_t size);

#endif
