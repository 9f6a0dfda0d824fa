/*  statistics: ranking with shared ranks, and which months a period holds. */
#include <string.h>

#include "bs_test.h"
#include "statistics.h"

static void
test_equal_values_share_a_rank (void **state)
{
    (void) state;
    bs_rank_row_t rows[] = {
        {.unit = "滑縣", .value = 3},   {.unit = "林州市", .value = 7},
        {.unit = "內黃縣", .value = 3}, {.unit = "湯陰縣", .value = 7},
        {.unit = "殷都區", .value = 1}, {.unit = "北關區", .value = 0},
    };
    statistics_rank (rows, 6);
    /* 7, 7, 3, 3, 1, 0 -> 1, 1, 3, 3, 5, 6 ("1224" competition ranking). */
    uint64_t ranks[] = {1, 1, 3, 3, 5, 6};
    uint64_t values[] = {7, 7, 3, 3, 1, 0};
    for (int i = 0; i < 6; i++) {
        assert_int_equal (rows[i].rank, ranks[i]);
        assert_int_equal (rows[i].value, values[i]);
    }
    /* Ties are listed in a stable order: by unit name. */
    assert_true (strcmp (rows[0].unit, rows[1].unit) < 0);
    assert_true (strcmp (rows[2].unit, rows[3].unit) < 0);
}

static void
test_all_tied_is_all_first (void **state)
{
    (void) state;
    bs_rank_row_t rows[] = {
        {.unit = "a", .value = 2}, {.unit = "b", .value = 2}, {.unit = "c", .value = 2}};
    statistics_rank (rows, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal (rows[i].rank, 1);
    statistics_rank (rows, 0); /* nothing to rank is not an error */
}

static void
test_period_contains_months (void **state)
{
    (void) state;
    assert_true (statistics_period_contains ("2026-11", "2026-11"));
    assert_false (statistics_period_contains ("2026-11", "2026-10"));
    assert_true (statistics_period_contains ("2026", "2026-01"));
    assert_true (statistics_period_contains ("2026", "2026-12"));
    assert_false (statistics_period_contains ("2026", "2025-12"));
    assert_false (statistics_period_contains ("202", "2026-01")); /* not a prefix match */
    assert_true (statistics_period_contains ("", "2019-03"));
    assert_true (statistics_period_contains ("all", "2019-03"));
    assert_true (statistics_period_contains (NULL, "2019-03"));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_equal_values_share_a_rank),
        cmocka_unit_test (test_all_tied_is_all_first),
        cmocka_unit_test (test_period_contains_months),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
