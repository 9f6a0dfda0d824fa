/*  test_latency: bs_latency counts each duration in the one bucket whose
    bound is the first at or above it, and those above every bound in the
    last; it keeps the total and the sum (what GET /metrics makes a
    Prometheus histogram of).
*/
#include "bs_test.h"

#include "bs_latency.h"

static void
test_each_duration_in_its_bucket (void **state)
{
    (void) state;
    bs_latency_t latency = {0};
    bs_latency_add (&latency, 0);       /* at most 250 µs */
    bs_latency_add (&latency, 250);     /* on the bound: still the first */
    bs_latency_add (&latency, 251);     /* the second (500) */
    bs_latency_add (&latency, 1000);    /* the third (1000) */
    bs_latency_add (&latency, 2500000); /* the last bound */
    bs_latency_add (&latency, 2500001); /* above every bound */
    assert_int_equal (latency.counts[0], 2);
    assert_int_equal (latency.counts[1], 1);
    assert_int_equal (latency.counts[2], 1);
    assert_int_equal (latency.counts[BS_LATENCY_BOUNDS - 1], 1);
    assert_int_equal (latency.counts[BS_LATENCY_BOUNDS], 1);
    assert_int_equal (latency.total, 6);
    assert_int_equal (latency.sum_us, 0 + 250 + 251 + 1000 + 2500000 + 2500001);
    uint64_t counted = 0;
    for (size_t i = 0; i <= BS_LATENCY_BOUNDS; i++)
        counted += latency.counts[i];
    assert_int_equal (counted, latency.total);
}

static void
test_bounds_rise (void **state)
{
    (void) state;
    for (size_t i = 1; i < BS_LATENCY_BOUNDS; i++)
        assert_true (bs_latency_bounds_us[i] > bs_latency_bounds_us[i - 1]);
}

static void
test_the_clock_does_not_go_back (void **state)
{
    (void) state;
    uint64_t first = bs_latency_clock ();
    uint64_t second = bs_latency_clock ();
    assert_true (second >= first);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_each_duration_in_its_bucket),
        cmocka_unit_test (test_bounds_rise),
        cmocka_unit_test (test_the_clock_does_not_go_back),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
