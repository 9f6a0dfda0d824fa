/*  archive_rank: candidates come out best first, ties newest first, in
    exactly the order a full sort gives, however many are taken. */
#include <stdlib.h>
#include <string.h>

#include "archive_rank.h"
#include "bs_test.h"

static int
s_sorted_order (const void *a, const void *b)
{
    return archive_rank_before (a, b) ? -1 : archive_rank_before (b, a) ? 1 : 0;
}

static void
test_nothing_to_take (void **state)
{
    (void) state;
    archive_rank_t rank;
    archive_candidate_t next;
    archive_rank_start (&rank, NULL, 0);
    assert_false (archive_rank_next (&rank, &next));
}

static void
test_best_first_and_ties_newest_first (void **state)
{
    (void) state;
    archive_candidate_t items[] = {{3, 1.5}, {9, 0.5}, {4, 2.0}, {7, 1.5}, {1, 2.0}, {8, 1.5}};
    archive_rank_t rank;
    archive_rank_start (&rank, items, 6);
    uint32_t expected[] = {4, 1, 8, 7, 3, 9};
    archive_candidate_t next;
    for (size_t i = 0; i < 6; i++) {
        assert_true (archive_rank_next (&rank, &next));
        assert_int_equal (next.doc, expected[i]);
    }
    /* a page larger than the candidates: they end, nothing more comes */
    assert_false (archive_rank_next (&rank, &next));
    assert_false (archive_rank_next (&rank, &next));
}

static void
test_one_candidate (void **state)
{
    (void) state;
    archive_candidate_t item = {42, 0.0};
    archive_rank_t rank;
    archive_rank_start (&rank, &item, 1);
    archive_candidate_t next;
    assert_true (archive_rank_next (&rank, &next));
    assert_int_equal (next.doc, 42);
    assert_false (archive_rank_next (&rank, &next));
}

/* Many candidates with few distinct scores (so many ties): the first k
   taken are the first k of a full sort, for k from 0 to all of them. */
static void
test_the_same_order_as_a_full_sort (void **state)
{
    (void) state;
    enum { COUNT = 3000 };
    archive_candidate_t *items = malloc (COUNT * sizeof *items);
    archive_candidate_t *sorted = malloc (COUNT * sizeof *sorted);
    assert_non_null (items);
    assert_non_null (sorted);
    srand (20261203);
    for (size_t i = 0; i < COUNT; i++)
        items[i] = (archive_candidate_t){(uint32_t) (i * 7919 % 100003), (double) (rand () % 17)};
    memcpy (sorted, items, COUNT * sizeof *items);
    qsort (sorted, COUNT, sizeof *sorted, s_sorted_order);
    size_t takes[] = {0, 1, 20, 100, COUNT - 1, COUNT};
    archive_candidate_t *copy = malloc (COUNT * sizeof *copy);
    assert_non_null (copy);
    for (size_t t = 0; t < sizeof takes / sizeof *takes; t++) {
        memcpy (copy, items, COUNT * sizeof *items);
        archive_rank_t rank;
        archive_rank_start (&rank, copy, COUNT);
        archive_candidate_t next;
        for (size_t i = 0; i < takes[t]; i++) {
            assert_true (archive_rank_next (&rank, &next));
            assert_int_equal (next.doc, sorted[i].doc);
            assert_true (next.score == sorted[i].score);
        }
        assert_int_equal (rank.count, COUNT - takes[t]);
    }
    free (copy);
    free (sorted);
    free (items);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_nothing_to_take),
        cmocka_unit_test (test_best_first_and_ties_newest_first),
        cmocka_unit_test (test_one_candidate),
        cmocka_unit_test (test_the_same_order_as_a_full_sort),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
