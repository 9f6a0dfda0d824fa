/*  recent_fingerprints: the fingerprints' recent part in memory
    (recent_fingerprints.h), alone: what is put is found, the last put of
    a key wins, the entries past a sequence are dropped with an entry they
    hid found again, the table never takes more than it was made for, and
    a merge gives each key's last entry in key order and empties it.
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
s_refuse_third (const unsigned char key[RECENT_FINGERPRINT_KEY], uint64_t report_id,
                void *argument)
{
    (void) key;
    (void) report_id;
    return ++*(int *) argument == 3 ? 42 : 0;
}

static void
test_take_sorted_gives_each_key_once (void **state)
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
    s_merge_t merge = {.count = 0};
    assert_int_equal (recent_fingerprints_take_sorted (table, s_merged, &merge), 0);
    assert_int_equal (merge.count, 2000);
    assert_int_equal (merge.report_of_3, 3003);
    assert_int_equal (recent_fingerprints_count (table), 0);
    assert_false (recent_fingerprints_get (table, key, &report_id));
    /* emptied even when the merge stops: its code comes back */
    for (uint32_t n = 0; n < 10; n++) {
        s_key (n, key);
        assert_true (recent_fingerprints_put (table, key, n, ++seq));
    }
    int calls = 0;
    assert_int_equal (recent_fingerprints_take_sorted (table, s_refuse_third, &calls), 42);
    assert_int_equal (calls, 3);
    assert_int_equal (recent_fingerprints_count (table), 0);
    recent_fingerprints_destroy (&table);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_put_get_and_full),
        cmocka_unit_test (test_drop_after_finds_the_hidden_again),
        cmocka_unit_test (test_take_sorted_gives_each_key_once),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
