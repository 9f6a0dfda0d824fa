/*  test_codec_random: random bytes and random mutations of a valid
    message never crash the codec: refused or decoded, nothing leaks.

    BAOSONG_TEST_QUICK=1 runs a tenth of the iterations.
*/
#include "bs_test.h"
#include "bs_test_codec.h"

#include "bs_codec.h"
#include "bs_schemas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const bs_codec_limits_t *s_limits = &bs_codec_default_limits;

//  --------------------------------------------------------------------------
//  Random bytes

static void
test_random_bytes (void **state)
{
    (void) state;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    unsigned iterations = bs_test_iterations (200000);
    unsigned accepted = 0;
    uint8_t bytes[64];
    for (unsigned i = 0; i < iterations; i++) {
        size_t size = bs_test_random (&seed) % (sizeof bytes + 1);
        for (size_t k = 0; k < size; k++)
            bytes[k] = (uint8_t) bs_test_random (&seed);
        //  A map header up front half the time, to reach deeper.
        if (size && i % 2)
            bytes[0] = 0x80 | (bytes[0] & 0x0f);
        //  A heap copy of exactly size bytes, so an over-read is caught.
        uint8_t *frame = malloc (size ? size : 1);
        assert_non_null (frame);
        memcpy (frame, bytes, size);

        bs_error_t error;
        int check = bs_codec_check (frame, size, s_limits, &error);
        if (check == BS_OK) {
            //  What the scan passes, the decoder passes over whole: as the
            //  value of an unknown field, and as its key, the record's
            //  fields before and after it are read (one level deeper).
            accepted++;
            bs_codec_limits_t deeper = *s_limits;
            deeper.max_depth--;
            if (bs_codec_check (frame, size, &deeper, &error) == BS_OK)
                bs_test_assert_passed_over (frame, size);
        } else {
            assert_int_equal (check, BS_E_MALFORMED);
            assert_true (error.text[0]);
        }
        bs_message_t message;
        int rc = bs_message_decode (frame, size, s_limits, &message, &error);
        if (check != BS_OK)
            assert_int_equal (rc, check);
        bs_message_clear (&message);
        bs_submit_t submit;
        rc = bs_codec_decode_record (frame, size, &bs_submit_schema, s_limits, &submit, &error);
        if (rc == BS_OK)
            bs_codec_record_free (&bs_submit_schema, &submit);
        else
            assert_true (bs_test_all_zero (&submit, sizeof submit));
        free (frame);
    }
    assert_true (accepted > 0);
}

static void
test_random_mutations (void **state)
{
    (void) state;
    msgpack_sbuffer valid;
    bs_test_encode_issue_message (&valid);
    uint64_t seed = 0x5eed5eed5eedULL;
    unsigned iterations = bs_test_iterations (100000);
    unsigned outcomes[4] = {0};
    for (unsigned i = 0; i < iterations; i++) {
        size_t size = valid.size;
        uint8_t *frame = malloc (size);
        assert_non_null (frame);
        memcpy (frame, valid.data, size);
        unsigned changes = 1 + (unsigned) (bs_test_random (&seed) % 3);
        for (unsigned c = 0; c < changes; c++)
            frame[bs_test_random (&seed) % size] = (uint8_t) bs_test_random (&seed);
        if (bs_test_random (&seed) % 8 == 0)
            size = bs_test_random (&seed) % size; /* and sometimes cut short */

        bs_message_t message;
        bs_error_t error;
        int rc = bs_message_decode (frame, size, s_limits, &message, &error);
        assert_true (rc >= BS_OK && rc <= BS_E_UNKNOWN_TYPE);
        outcomes[rc]++;
        if (rc == BS_OK)
            assert_non_null (message.data);
        else
            assert_null (message.data);
        if (rc == BS_E_UNKNOWN_TYPE)
            assert_true (message.type[0]);
        bs_message_clear (&message);
        free (frame);
    }
    //  The mutations reach every outcome, so the decoder's paths all ran.
    for (int rc = BS_OK; rc <= BS_E_UNKNOWN_TYPE; rc++)
        if (outcomes[rc] == 0)
            fail_msg ("no mutation ended with code %d", rc);
    msgpack_sbuffer_destroy (&valid);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_random_bytes),
        cmocka_unit_test (test_random_mutations),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
