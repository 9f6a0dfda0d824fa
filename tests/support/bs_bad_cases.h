/*  bs_bad_cases: the messages a broken or hostile peer sends, built by hand
    (tests/system/test_bad_input_*.c): truncated frames, lying lengths,
    wrong types, invalid UTF-8, unknown types, missing fields, values over
    the limits, oversized, multi-frame and empty frames, each with what a
    service must answer to it.
*/
#ifndef BS_BAD_CASES_H_INCLUDED
#define BS_BAD_CASES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bs_config.h"

/* One frame's bytes. */
typedef struct {
    unsigned char *data; /* owned */
    size_t size;
} bs_bad_blob_t;

/* What the service must do with a case on its command socket. */
typedef enum {
    BS_BAD_REPLY_ERROR,     /* one "error" reply with code (and field) */
    BS_BAD_REPLY_DISCONNECT /* libzmq drops the peer: no reply, on a socket of its own */
} bs_bad_reply_t;

/* One bad message and what a service must answer to it. */
typedef struct {
    char what[96];             /* for failure messages */
    int category;              /* index into bs_bad_categories */
    bs_bad_blob_t frames[128]; /* one message of frame_count frames */
    size_t frame_count;
    bs_bad_reply_t reply;
    const char *code;       /* expected error code */
    const char *field;      /* expected field, NULL: not checked */
    char id[64];            /* the id the reply must echo, "": not checked */
    const char *handled_by; /* service whose handler finds the fault; others
                               answer unknown_type for the type (NULL: any) */
    const char *skip;       /* service not to send it to (a valid command) */
    bool stream_credit;     /* a valid stream.credit: a producer answers it */
} bs_bad_case_t;

/* The categories of cases, in the order they are sent; the names are in
   bs_bad_categories. */
enum {
    BS_BAD_TRUNCATED,
    BS_BAD_HUGE,
    BS_BAD_TYPES,
    BS_BAD_UTF8,
    BS_BAD_UNKNOWN,
    BS_BAD_MISSING,
    BS_BAD_LIMITS,
    BS_BAD_OVERSIZED,
    BS_BAD_MULTI,
    BS_BAD_EMPTY,
    BS_BAD_CATEGORY_COUNT
};

extern const char *const bs_bad_categories[BS_BAD_CATEGORY_COUNT];

/* Every case, for a system whose configuration is config (its
   max_message_bytes); *case_count of them. The caller frees them with
   bs_bad_cases_free. */
bs_bad_case_t *bs_bad_cases_build (bs_config_t *config, size_t *case_count);

/* Free what bs_bad_cases_build returned. */
void bs_bad_cases_free (bs_bad_case_t *cases, size_t count);

/* prefix-N, a fresh id each call (a static buffer: not the caller's). */
const char *bs_bad_unique_id (const char *prefix);

/* A copy of size bytes (the caller frees .data). */
bs_bad_blob_t bs_bad_copy (const void *bytes, size_t size);

/* A service.ping envelope with id (the caller frees .data). */
bs_bad_blob_t bs_bad_ping (const char *id);

/* An envelope of type whose "data" value is the raw msgpack bytes given
   (the caller frees .data). */
bs_bad_blob_t bs_bad_message_raw_data (const char *type, const char *id, const void *data,
                                       size_t size);

#endif
