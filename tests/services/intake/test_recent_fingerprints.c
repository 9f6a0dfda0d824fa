/*  recent_fingerprints: the fingerprints' recent part in memory
    (recent_fingerprints.h), alone: what is put is found, the last put of
    a key wins, the entries past a sequence are dropped with an entry they
    hid found again, the table never takes more than it was made for, and
    a range of the key space gives each of its keys' last entry in key
    order, whatever slices the space is read in.
*/
#include "bs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recent_fingerprints.h"

/* A key as a hash would give it: n spread over the bytes the table's
   slots are chosen by, and kept in the rest so that keys stay apart. */
static void
s_key (uint32_t n, unsigned char key[RECENT_FINGERPRINT_KEY])
{
    uint64_t mixed = n * 0x9e3779b97f4a7c15ULL;
    memcpy (key, &mixed, sizeof mixed);
    memset (key + 8, 0, 8);
    memcpy (key + 8, &n, sizeof n);
}

static void
test_put_get_and_full (void **state)
{
    (void) state;
    recent_fingerprints_t *table = recent_fingerprints_new (1000);
    assert_non_null (table);
    unsigned char key[RECENT_FINGERPRINT_KEY];
    for (uint32_t n = 0; n < 1000; n++) {
        s_key (n, key);
        assert_true (recent_fingerprints_put (table, key, 5000 + n, 10 + n));
    }
    assert_int_equal (recent_fingerprints_count (table), 1000);
    assert_int_equal (recent_fingerprints_last_seq (table), 1009);
    s_key (1000, key);
    assert_false (recent_fingerprints_put (table, key, 1, 2000)); /* full: merge first */
    uint64_t report_id;
    assert_false (recent_fingerprints_get (table, key, &report_id));
    for (uint32_t n = 0; n < 1000; n++) {
        s_key (n, key);
        assert_true (recent_fingerprints_get (table, key, &report_id));
        assert_int_equal (report_id, 5000 + n);
    }
    recent_fingerprints_clear (table);
    assert_int_equal (recent_fingerprints_count (table), 0);
    s_key (7, key);
    assert_false (recent_fingerprints_get (table, key, &report_id));
    /* a sequence must grow */
    assert_true (recent_fingerprints_put (table, key, 1, 50));
    assert_false (recent_fingerprints_put (table, key, 2, 50));
    recent_fingerprints_destroy (&table);
    assert_null (table);
    recent_fingerprints_destroy (&table);
}

static void
test_drop_after_finds_the_hidden_again (void **state)
{
    (void) state;
    /* small, so that probes run into each other and wrap around */
    recent_fingerprints_t *table = recent_fingerprints_new (64);
    unsigned char key[RECENT_FINGERPRINT_KEY];
    uint64_t seq = 100, report_id;
    for (uint32_t n = 0; n < 40; n++) {
        s_key (n, key);
        assert_true (recent_fingerprints_put (table, key, n, ++seq)); /* seq 101..140 */
    }
    /* key 3 again, by a later report: the later one wins */
    s_key (3, key);
    assert_true (recent_fingerprints_put (table, key, 333, ++seq)); /* 141 */
    assert_true (recent_fingerprints_get (table, key, &report_id));
    assert_int_equal (report_id, 333);
    for (uint32_t n = 40; n < 60; n++) {
        s_key (n, key);
        assert_true (recent_fingerprints_put (table, key, n, ++seq)); /* 142..161 */
    }
    /* a step that did not commit put 142..161: gone, the rest found */
    recent_fingerprints_drop_after (table, 141);
    assert_int_equal (recent_fingerprints_count (table), 41);
    assert_int_equal (recent_fingerprints_last_seq (table), 141);
    for (uint32_t n = 0; n < 60; n++) {
        s_key (n, key);
        bool found = recent_fingerprints_get (table, key, &report_id);
        assert_int_equal (found, n < 40);
        if (found)
            assert_int_equal (report_id, n == 3 ? 333 : n);
    }
    /* and the report that hid key 3's first entry: that entry is back */
    recent_fingerprints_drop_after (table, 140);
    s_key (3, key);
    assert_true (recent_fingerprints_get (table, key, &report_id));
    assert_int_equal (report_id, 3);
    /* a sequence put again after a drop */
    s_key (50, key);
    assert_true (recent_fingerprints_put (table, key, 50, 141));
    recent_fingerprints_drop_after (table, 0);
    assert_int_equal (recent_fingerprints_count (table), 0);
    for (uint32_t n = 0; n < 60; n++) {
        s_key (n, key);
        assert_false (recent_fingerprints_get (table, key, &report_id));
    }
    recent_fingerprints_destroy (&table);
}

typedef struct {
    unsigned char last[RECENT_FINGERPRINT_KEY];
    size_t count;
    uint64_t report_of_3;
} s_merge_t;

static int
s_merged (const unsigned char key[RECENT_FINGERPRINT_KEY], uint64_t report_id, void *argument)
{
    s_merge_t *merge = argument;
    if (merge->count)
        assert_true (memcmp (merge->last, key, RECENT_FINGERPRINT_KEY) < 0); /* rising, once */
    memcpy (merge->last, key, RECENT_FINGERPRINT_KEY);
    merge->count++;
    unsigned char three[RECENT_FINGERPRINT_KEY];
    s_key (3, three);
    if (memcmp (key, three, RECENT_FINGERPRINT_KEY) == 0)
        merge->report_of_3 = report_id;
    return 0;
}

static int
s_refuse_third (const unsigned char key[RECENT_FINGERPRINT_KEY], uint64_t report_id, void *argument)
{
    (void) key;
    (void) report_id;
    return ++*(int *) argument == 3 ? 42 : 0;
}

/* The key space in slices pieces of uneven size, each range in turn. */
static void
s_merge_in_slices (recent_fingerprints_t *table, size_t slices, s_merge_t *merge)
{
    uint64_t from = 0;
    for (size_t i = 1; i <= slices; i++) {
        /* uneven: the square of i's share */
        uint64_t to = i == slices ? RECENT_FINGERPRINTS_SPACE
                                  : RECENT_FINGERPRINTS_SPACE / (slices * slices) * i * i;
        assert_int_equal (recent_fingerprints_range (table, from, to, s_merged, merge), 0);
        from = to;
    }
}

static void
test_range_gives_each_key_once_in_key_order (void **state)
{
    (void) state;
    recent_fingerprints_t *table = recent_fingerprints_new (3000);
    unsigned char key[RECENT_FINGERPRINT_KEY];
    uint64_t seq = 0, report_id;
    for (uint32_t n = 0; n < 2000; n++) {
        s_key (n, key);
        assert_true (recent_fingerprints_put (table, key, n, ++seq));
    }
    s_key (3, key);
    assert_true (recent_fingerprints_put (table, key, 3003, ++seq));
    /* the whole space at once, then in slices: the same, the table kept */
    for (size_t slices = 1; slices <= 37; slices += 36) {
        s_merge_t merge = {.count = 0};
        s_merge_in_slices (table, slices, &merge);
        assert_int_equal (merge.count, 2000);
        assert_int_equal (merge.report_of_3, 3003);
        assert_int_equal (recent_fingerprints_count (table), 2001);
    }
    assert_true (recent_fingerprints_get (table, key, &report_id));
    assert_int_equal (report_id, 3003);
    /* an empty range gives nothing; fn's code comes back */
    s_merge_t none = {.count = 0};
    assert_int_equal (recent_fingerprints_range (table, 77, 77, s_merged, &none), 0);
    assert_int_equal (none.count, 0);
    int calls = 0;
    assert_int_equal (
        recent_fingerprints_range (table, 0, RECENT_FINGERPRINTS_SPACE, s_refuse_third, &calls),
        42);
    assert_int_equal (calls, 3);
    recent_fingerprints_destroy (&table);

    /* a small table, full: its probes run past the last slot into the
       first, and a range at the space's end still finds those keys */
    table = recent_fingerprints_new (64);
    size_t last_slice = 3;
    for (uint32_t n = 0; n < 61; n++) {
        s_key (n, key);
        assert_true (recent_fingerprints_put (table, key, n, ++seq));
        last_slice += key[0] == 0xff;
    }
    for (uint32_t n = 0; n < 3; n++) { /* three keys of the last slot's home */
        memset (key, 0xff, RECENT_FINGERPRINT_KEY);
        key[15] = (unsigned char) n;
        assert_true (recent_fingerprints_put (table, key, 100 + n, ++seq));
    }
    s_merge_t small = {.count = 0};
    s_merge_in_slices (table, 100, &small);
    assert_int_equal (small.count, 64);
    small.count = 0;
    assert_int_equal (recent_fingerprints_range (table, RECENT_FINGERPRINTS_SPACE - (1 << 24),
                                                 RECENT_FINGERPRINTS_SPACE, s_merged, &small),
                      0);
    assert_int_equal (small.count, last_slice);
    recent_fingerprints_destroy (&table);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_put_get_and_full),
        cmocka_unit_test (test_drop_after_finds_the_hidden_again),
        cmocka_unit_test (test_range_gives_each_key_once_in_key_order),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
