/*  bs_test_codec: what the tests of bs_codec (tests/common/test_codec*.c)
    share: packing msgpack by hand, a sample issue, and the checks that a
    refused frame leaves nothing behind. Decoding here uses the default
    limits.
*/
#ifndef BS_TEST_CODEC_H_INCLUDED
#define BS_TEST_CODEC_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bs_codec.h"
#include "bs_schemas.h"

/* Pack string as a msgpack str. */
void bs_test_pack_cstr (msgpack_packer *packer, const char *string);

/* Pack a str of length copies of fill. */
void bs_test_pack_filled_str (msgpack_packer *packer, char fill, size_t length);

/* Whether size bytes at memory are all zero. */
bool bs_test_all_zero (const void *memory, size_t size);

/* Decode buffer as a submit record; a refused record must hold nothing. */
int bs_test_decode_submit (const msgpack_sbuffer *buffer, bs_submit_t *submit, bs_error_t *error);

/* Decode buffer as a record of schema: it must be refused as invalid,
   naming field and saying text, and leave nothing behind. Destroys buffer
   (initialize it again to reuse it). */
void bs_test_assert_record_refused (msgpack_sbuffer *buffer, const bs_schema_t *schema,
                                    const char *field, const char *text);

/* A submit of the required fields but skip (NULL: none), then name with
   the string value (size bytes), must be refused naming field with text. */
void bs_test_assert_submit_refused (const char *skip, const char *name, const char *value,
                                    size_t size, const char *field, const char *text);

/* Pack the required submit fields except skip (NULL: none) into a map that
   declares extra more entries, which the caller packs next. */
void bs_test_pack_submit_base (msgpack_packer *packer, size_t extra, const char *skip);

/* Pack an envelope of version 1 with type and id, up to its "data" key:
   the caller packs the data next. */
void bs_test_pack_envelope (msgpack_packer *packer, const char *type, const char *id);

/* Every way a frame is refused must agree: the check, a record decode and
   a message decode return code (the error's text holding text, unless
   NULL), and leave nothing behind. */
void bs_test_assert_refused (const void *bytes, size_t size, int code, const char *text);

/* The msgpack object bytes (size bytes, one object) as an unknown field's
   value in a submit, and as its key (its value true), must be passed over
   exactly: the submit decodes with the "unit" that follows it. */
void bs_test_assert_passed_over (const void *bytes, size_t size);

/* xorshift64*: the next number of a fixed sequence, so a failure reproduces. */
uint64_t bs_test_random (uint64_t *state);

/* full, or a tenth of it with BAOSONG_TEST_QUICK=1. */
unsigned bs_test_iterations (unsigned full);

/* The three items of the sample issue. */
extern bs_issue_item_t bs_test_issue_items[3];

/* A published issue of three items (bs_test_issue_items). */
bs_issue_t bs_test_sample_issue (void);

/* Fail unless actual holds what expected holds. */
void bs_test_assert_issue_equal (const bs_issue_t *expected, const bs_issue_t *actual);

/* A valid envelope holding the sample issue, for truncation and mutation
   (buffer initialized here; the caller destroys it). */
void bs_test_encode_issue_message (msgpack_sbuffer *buffer);

/* The keys of the data map of the event envelope at bytes (size bytes,
   exactly one msgpack map), in order, separated by spaces, into keys; ""
   when it has none (read by msgpack-c, not by the codec). */
void bs_test_data_keys (const void *bytes, size_t size, char *keys, size_t capacity);

#endif
