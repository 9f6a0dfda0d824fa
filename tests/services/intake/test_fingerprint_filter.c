/*  fingerprint_filter: which keys the fingerprints' whole index may hold
    (fingerprint_filter.h), alone: every key added is held, through the
    parts it grows by; keys never added are mostly not (the searches it
    saves); no filter holds every key.
*/
#include "bs_test.h"

#include <stdint.h>
#include <string.h>

#include "fingerprint_filter.h"

/* A key as BLAKE2b would give it: n mixed into all sixteen bytes. */
static void
s_key (uint64_t n, unsigned char key[FINGERPRINT_FILTER_KEY])
{
    uint64_t first = (n + 1) * 0x9e3779b97f4a7c15ULL, last = first;
    last ^= last >> 31;
    last *= 0xbf58476d1ce4e5b9ULL;
    last ^= last >> 29;
    memcpy (key, &first, sizeof first);
    memcpy (key + 8, &last, sizeof last);
}

static void
test_every_key_added_is_held (void **state)
{
    (void) state;
    fingerprint_filter_t *filter = fingerprint_filter_new (1000);
    assert_non_null (filter);
    assert_int_equal (fingerprint_filter_parts (filter), 1);
    unsigned char key[FINGERPRINT_FILTER_KEY];
    /* the first part takes 262,144 keys: a million need three parts more */
    const uint64_t added = 1000000;
    for (uint64_t n = 0; n < added; n++) {
        s_key (n, key);
        fingerprint_filter_add (filter, key);
    }
    assert_int_equal (fingerprint_filter_count (filter), added);
    assert_int_equal (fingerprint_filter_parts (filter), 3);
    for (uint64_t n = 0; n < added; n++) {
        s_key (n, key);
        assert_true (fingerprint_filter_may_hold (filter, key));
    }
    /* keys never added: a few in a thousand pass (one part's 0.2% a part) */
    size_t passed = 0;
    for (uint64_t n = added; n < 2 * added; n++) {
        s_key (n, key);
        passed += fingerprint_filter_may_hold (filter, key);
    }
    assert_true (passed < added / 100);
    fingerprint_filter_destroy (&filter);
    assert_null (filter);
    fingerprint_filter_destroy (&filter);
}

static void
test_an_empty_filter_holds_nothing (void **state)
{
    (void) state;
    fingerprint_filter_t *filter = fingerprint_filter_new (0);
    unsigned char key[FINGERPRINT_FILTER_KEY];
    for (uint64_t n = 0; n < 10000; n++) {
        s_key (n, key);
        assert_false (fingerprint_filter_may_hold (filter, key));
    }
    s_key (77, key);
    fingerprint_filter_add (filter, key);
    assert_true (fingerprint_filter_may_hold (filter, key));
    s_key (78, key);
    assert_false (fingerprint_filter_may_hold (filter, key));
    fingerprint_filter_destroy (&filter);
}

static void
test_no_filter_holds_every_key (void **state)
{
    (void) state;
    unsigned char key[FINGERPRINT_FILTER_KEY];
    s_key (1, key);
    fingerprint_filter_add (NULL, key);
    assert_true (fingerprint_filter_may_hold (NULL, key));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_every_key_added_is_held),
        cmocka_unit_test (test_an_empty_filter_holds_nothing),
        cmocka_unit_test (test_no_filter_holds_every_key),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
