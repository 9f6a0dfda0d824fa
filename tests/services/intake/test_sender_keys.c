/*  sender_keys: a sender's idempotency keys (submission_keys.c), run
    in-process (intake_fixture.h). One sender's keys are stored side by
    side in the key's order, so a batch of keys that follow each other
    writes few pages; a key kept by a store made before, as a hash in
    "keys", still answers with its first receipt and registers nothing.
*/
#include "intake_fixture.h"

#include <sodium.h>

/* A key as a store made before kept it, to put into "keys". */
typedef struct {
    bs_store_t *store;
    const char *hex;               /* the earlier layout's key */
    const bs_submitted_t *receipt; /* kept under it */
} s_legacy_key_t;

static int
s_put_legacy_key (MDB_txn *txn, void *argument)
{
    const s_legacy_key_t *legacy = argument;
    return bs_store_put_record_by_name (txn, bs_store_dbi (legacy->store, "keys"), legacy->hex,
                                        &bs_submitted_schema, legacy->receipt);
}

static void
test_sender_keys_side_by_side (void **state)
{
    intake_fixture_t *fixture = *state;
    char secret[80];
    intake_fixture_city_system (fixture, secret, sizeof secret);

    /* A batch before the store made before has any key: "keys" is
       counted empty once a batch (intake_numbers_t), and the batch after
       the key is put counts it again. */
    bs_submit_t first[] = {{.key = "k-0", .title = "直報零", .body = "第零篇。"}};
    bs_batch_page_t page;
    bs_submitted_t *results = intake_fixture_batch (fixture, secret, first, 1, &page);
    assert_string_equal (results[0].status, "registered");
    bs_codec_record_free (&bs_batch_page_schema, &page);

    /* The earlier layout: BLAKE2b-256 of channel, scope (each with its
       NUL) and key, in hex. */
    crypto_generichash_state hash_state;
    unsigned char hash[32];
    crypto_generichash_init (&hash_state, NULL, 0, sizeof hash);
    crypto_generichash_update (&hash_state, (const unsigned char *) "direct", 7);
    crypto_generichash_update (&hash_state, (const unsigned char *) "token:city-system", 18);
    crypto_generichash_update (&hash_state, (const unsigned char *) "old-1", 5);
    crypto_generichash_final (&hash_state, hash, sizeof hash);
    char hex[65];
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    bs_submitted_t kept = {
        .report_id = 77, .reg_no = "2025-000077", .status = "registered", .key = "old-1"};
    s_legacy_key_t legacy = {fixture->store, hex, &kept};
    assert_int_equal (bs_store_write (fixture->store, s_put_legacy_key, &legacy), BS_OK);

    size_t before = intake_fixture_report_count (fixture);
    bs_submit_t items[] = {
        {.key = "k-3", .title = "直報三", .body = "第三篇。"},
        {.key = "old-1", .title = "升級前報過", .body = "再報一次。"},
        {.key = "k-1", .title = "直報一", .body = "第一篇。"},
        {.key = "k-2", .title = "直報二", .body = "第二篇。"},
    };
    results = intake_fixture_batch (fixture, secret, items, 4, &page);
    assert_string_equal (results[1].reg_no, "2025-000077");
    assert_int_equal (results[1].report_id, 77);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal (results[i].status, "registered");
    assert_int_equal (intake_fixture_report_count (fixture), before + 3);
    bs_codec_record_free (&bs_batch_page_schema, &page);

    /* The new keys, one after the other in key order under one prefix;
       nothing more in "keys". */
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (fixture->store, &txn), BS_OK);
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, bs_store_dbi (fixture->store, "keys"), &stat), 0);
    assert_int_equal (stat.ms_entries, 1);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_store_dbi (fixture->store, "sender_keys"), &cursor),
                      0);
    MDB_val key, value;
    const char *expected[] = {"k-0", "k-1", "k-2", "k-3"};
    char prefix[34] = "";
    size_t count = 0;
    for (int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT), count++) {
        assert_true (count < 4);
        assert_int_equal (key.mv_size, 33 + strlen (expected[count]));
        if (!prefix[0])
            memcpy (prefix, key.mv_data, 33);
        assert_memory_equal (key.mv_data, prefix, 33);
        assert_memory_equal ((char *) key.mv_data + 33, expected[count], strlen (expected[count]));
    }
    assert_int_equal (count, 4);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_sender_keys_side_by_side, intake_fixture_setup,
                                         intake_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
