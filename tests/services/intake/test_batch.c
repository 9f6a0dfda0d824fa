/*  batch: many submissions under one token (batch.c), run in-process
    (intake_fixture.h). A batch's token and its unit are checked once for
    the batch (submission.h's vouched sender); an item is registered
    exactly as if it came alone with the token: its key is the same key as
    a single submission's (either way round), an item naming another unit
    is refused, one naming an officer is that officer's, and when the
    token's unit is disabled every item is refused for it.
*/
#include "intake_fixture.h"

#include <stdlib.h>
#include <string.h>

static void
test_batch_items_as_if_alone (void **state)
{
    intake_fixture_t *fixture = *state;
    char secret[80];
    intake_fixture_city_system (fixture, secret, sizeof secret);
    intake_fixture_unit (fixture, "內黃縣", "county", NULL);
    bs_officer_t wang = {.login = "wang", .name = "王", .unit = "滑縣", .roles = "officer"};
    bs_error_t error;
    intake_fixture_officer (fixture, &wang);

    bs_submit_t alone = {.title = "單篇直報",
                         .body = "先單獨報送。",
                         .channel = "direct",
                         .token = secret,
                         .key = "k-1"};
    bs_submitted_t first;
    assert_int_equal (intake_fixture_call (fixture, &bs_submit_schema, &alone, &bs_submitted_schema,
                                           &first, &error),
                      BS_OK);
    size_t before = intake_fixture_report_count (fixture);

    bs_submit_t items[] = {
        {.key = "k-1", .title = "單篇直報", .body = "先單獨報送。"},
        {.key = "k-2", .title = "直報二", .body = "寫明本單位。", .unit = "滑縣"},
        {.key = "k-3", .title = "直報三", .body = "為別的單位報送。", .unit = "內黃縣"},
        {.key = "k-4", .title = "直報四", .body = "信息員署名。", .officer = "wang"},
        {.key = "k-5", .title = "直報五", .body = "只帶令牌。"},
    };
    bs_batch_page_t page;
    bs_submitted_t *results = intake_fixture_batch (fixture, secret, items, 5, &page);
    assert_string_equal (results[0].status, "registered"); /* the single one's first receipt */
    assert_string_equal (results[0].reg_no, first.reg_no);
    assert_string_equal (results[1].status, "registered");
    assert_string_equal (results[2].status, "error");
    assert_string_equal (results[2].code, "denied");
    assert_string_equal (results[2].field, "unit");
    assert_string_equal (results[3].status, "registered");
    assert_string_equal (results[4].status, "registered");
    assert_int_equal (intake_fixture_report_count (fixture), before + 3);
    bs_report_get_t get = {.report_id = results[3].report_id};
    bs_report_t report;
    assert_int_equal (intake_fixture_call (fixture, &bs_report_get_schema, &get, &bs_report_schema,
                                           &report, &error),
                      BS_OK);
    assert_string_equal (report.officer, "wang");
    assert_string_equal (report.unit, "滑縣");
    bs_codec_record_free (&bs_report_schema, &report);
    /* the batch's k-5 alone again: the batch's receipt */
    alone.key = "k-5";
    alone.title = "直報五";
    alone.body = "只帶令牌。";
    bs_submitted_t again;
    assert_int_equal (intake_fixture_call (fixture, &bs_submit_schema, &alone, &bs_submitted_schema,
                                           &again, &error),
                      BS_OK);
    assert_string_equal (again.reg_no, results[4].reg_no);
    bs_codec_record_free (&bs_submitted_schema, &again);
    bs_codec_record_free (&bs_submitted_schema, &first);
    bs_codec_record_free (&bs_batch_page_schema, &page);

    /* the token's unit disabled: each item refused for it, nothing stored */
    bs_unit_t disabled = {.name = "滑縣", .level = "county", .disabled = true}, unit;
    assert_int_equal (
        intake_fixture_call (fixture, &bs_unit_schema, &disabled, &bs_unit_schema, &unit, &error),
        BS_OK);
    bs_codec_record_free (&bs_unit_schema, &unit);
    bs_submit_t late[] = {{.key = "k-6", .title = "停用後一", .body = "正文。"},
                          {.key = "k-7", .title = "停用後二", .body = "正文。", .unit = "滑縣"}};
    results = intake_fixture_batch (fixture, secret, late, 2, &page);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal (results[i].status, "error");
        assert_string_equal (results[i].code, "denied");
        assert_string_equal (results[i].field, "unit");
    }
    bs_codec_record_free (&bs_batch_page_schema, &page);
    assert_int_equal (intake_fixture_report_count (fixture), before + 3);
}

/* The registration number's count within its year: "2026-000042" -> 42. */
static unsigned long
s_number (const char *reg_no)
{
    const char *dash = strchr (reg_no, '-');
    assert_non_null (dash);
    return strtoul (dash + 1, NULL, 10);
}

/* A batch's new reports take the report ids and registration numbers that
   follow the last ones given, one after another in item order; an item
   refused, a duplicate or a key already answered takes none; and what
   comes after the batch, alone or in a batch, follows on from its last
   (the batch writes its counters back once, at its end). */
static void
test_batch_numbers_follow_on (void **state)
{
    intake_fixture_t *fixture = *state;
    char secret[80];
    intake_fixture_city_system (fixture, secret, sizeof secret);
    bs_error_t error;
    bs_submit_t alone = {.title = "單篇在先",
                         .body = "批量之前先單獨報送的一篇，正文足夠長。",
                         .channel = "direct",
                         .token = secret,
                         .key = "a-1"};
    bs_submitted_t first;
    assert_int_equal (intake_fixture_call (fixture, &bs_submit_schema, &alone, &bs_submitted_schema,
                                           &first, &error),
                      BS_OK);
    uint64_t id = first.report_id;
    unsigned long number = s_number (first.reg_no);

    bs_submit_t items[] = {
        {.key = "k-1", .title = "批量一", .body = "第一篇。"},
        {.key = "", .title = "沒有鍵", .body = "被拒。"},
        {.key = "k-2", .title = "單篇在先", .body = "批量之前先單獨報送的一篇，正文足夠長。"}, /* a duplicate */
        {.key = "a-1", .title = "單篇在先", .body = "批量之前先單獨報送的一篇，正文足夠長。"}, /* answered */
        {.key = "k-3", .title = "批量三", .body = "第三篇。"},
        {.key = "k-4", .title = "批量四", .body = "第四篇。"},
    };
    bs_batch_page_t page;
    bs_submitted_t *results = intake_fixture_batch (fixture, secret, items, 6, &page);
    const char *status[] = {"registered", "error", "duplicate", "registered", "registered",
                            "registered"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal (results[i].status, status[i]);
    assert_int_equal (results[3].report_id, id);
    assert_string_equal (results[3].reg_no, first.reg_no);
    size_t fresh[] = {0, 4, 5};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal (results[fresh[i]].report_id, id + 1 + i);
        assert_int_equal (s_number (results[fresh[i]].reg_no), number + 1 + i);
        assert_memory_equal (results[fresh[i]].reg_no, first.reg_no, 5); /* the same year */
    }
    bs_codec_record_free (&bs_batch_page_schema, &page);

    alone.key = "a-2";
    alone.title = "單篇在後";
    alone.body = "批量之後的一篇。";
    bs_submitted_t after;
    assert_int_equal (intake_fixture_call (fixture, &bs_submit_schema, &alone, &bs_submitted_schema,
                                           &after, &error),
                      BS_OK);
    assert_string_equal (after.status, "registered");
    assert_int_equal (after.report_id, id + 4);
    assert_int_equal (s_number (after.reg_no), number + 4);
    bs_codec_record_free (&bs_submitted_schema, &after);

    bs_submit_t more[] = {{.key = "k-5", .title = "再批一", .body = "又一批。"}};
    results = intake_fixture_batch (fixture, secret, more, 1, &page);
    assert_string_equal (results[0].status, "registered");
    assert_int_equal (results[0].report_id, id + 5);
    assert_int_equal (s_number (results[0].reg_no), number + 5);
    bs_codec_record_free (&bs_batch_page_schema, &page);
    bs_codec_record_free (&bs_submitted_schema, &first);
}

/* A copy of the fixture's last reply's bytes. */
static void
s_reply_bytes (intake_fixture_t *fixture, msgpack_sbuffer *copy)
{
    msgpack_sbuffer_init (copy);
    msgpack_sbuffer_write (copy, fixture->reply.data, fixture->reply.size);
}

/* Each receipt of a batch is encoded once (batch.c): the bytes kept under
   an item's key are the ones in the reply, and the reply is, byte for
   byte, the encoder's of the results it carries; the same batch again
   (its id) gets the same bytes, and its keys again (another id) the
   same receipts. */
static void
test_batch_receipts_encoded_once (void **state)
{
    intake_fixture_t *fixture = *state;
    char secret[80];
    intake_fixture_city_system (fixture, secret, sizeof secret);
    bs_error_t error;
    bs_submit_t items[] = {
        {.key = "k-1", .title = "批量一", .body = "第一篇。"},
        {.key = "", .title = "沒有鍵", .body = "被拒。"},
        {.key = "k-2", .title = "先單獨報送", .body = "批量之前先單獨報送的一篇，正文足夠長。"},
        {.key = "a-1", .title = "先單獨報送", .body = "批量之前先單獨報送的一篇，正文足夠長。"},
        {.key = "k-3", .title = "批量三", .body = "第三篇。", .unit = "滑縣"},
    };
    /* a-1 first sent alone: answered in the batch by its first receipt */
    bs_submit_t alone = items[3];
    alone.channel = "direct";
    alone.token = secret;
    bs_submitted_t first;
    assert_int_equal (intake_fixture_call (fixture, &bs_submit_schema, &alone, &bs_submitted_schema,
                                           &first, &error),
                      BS_OK);
    bs_codec_record_free (&bs_submitted_schema, &first);
    const size_t count = sizeof items / sizeof items[0];
    bs_batch_page_t page;
    fixture->call_id = "batch-once";
    bs_submitted_t *results = intake_fixture_batch (fixture, secret, items, count, &page);
    const char *status[] = {"registered", "error", "duplicate", "registered", "registered"};
    for (size_t i = 0; i < count; i++)
        assert_string_equal (results[i].status, status[i]);
    msgpack_sbuffer reply;
    s_reply_bytes (fixture, &reply);

    /* the reply is the encoder's bytes of what it says */
    bs_message_t decoded;
    assert_int_equal (
        bs_message_decode (reply.data, reply.size, &bs_codec_default_limits, &decoded, &error),
        BS_OK);
    msgpack_sbuffer encoded;
    msgpack_sbuffer_init (&encoded);
    assert_int_equal (bs_codec_encode_message (&encoded, &bs_batch_page_schema, decoded.data,
                                               decoded.id, decoded.src, decoded.at, 0),
                      BS_OK);
    assert_int_equal (encoded.size, reply.size);
    assert_memory_equal (encoded.data, reply.data, reply.size);
    bs_message_clear (&decoded);

    /* what each key keeps is its receipt's bytes in the reply */
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (fixture->store, &txn), BS_OK);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_store_dbi (fixture->store, "sender_keys"), &cursor),
                      0);
    MDB_val key, value;
    size_t kept = 0;
    for (int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        bs_submitted_t stored;
        assert_int_equal (bs_codec_decode_record (value.mv_data, value.mv_size,
                                                  &bs_submitted_schema, &bs_codec_default_limits,
                                                  &stored, &error),
                          BS_OK);
        for (size_t i = 0; i < count; i++) {
            if (i == 1 || strcmp (stored.key, items[i].key) != 0)
                continue;
            encoded.size = 0;
            assert_int_equal (bs_codec_encode_record (&encoded, &bs_submitted_schema, &results[i]),
                              BS_OK);
            assert_int_equal (value.mv_size, encoded.size);
            assert_memory_equal (value.mv_data, encoded.data, encoded.size);
            assert_non_null (memmem (reply.data, reply.size, value.mv_data, value.mv_size));
            kept++;
        }
        bs_codec_record_free (&bs_submitted_schema, &stored);
    }
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    assert_int_equal (kept, count - 1);

    /* the reply stored under the batch's id in the compact form (names
       as field numbers: bs_service_compact.c), not whole */
    const void *stored;
    size_t stored_size;
    assert_int_equal (bs_store_read_begin (fixture->store, &txn), BS_OK);
    assert_int_equal (bs_store_get_bytes (txn, bs_service_dbi (fixture->service, "idempotency"),
                                          "intake.batch\x1f"
                                          "batch-once",
                                          &stored, &stored_size),
                      BS_OK);
    assert_true (stored_size > 2 && stored_size < reply.size);
    assert_int_equal (((const unsigned char *) stored)[0], 0xc1);
    assert_int_equal (((const unsigned char *) stored)[1], 'c');
    mdb_txn_abort (txn);

    /* the same batch again: the same bytes (made again from that form) */
    bs_batch_page_t again;
    fixture->call_id = "batch-once";
    intake_fixture_batch (fixture, secret, items, count, &again);
    assert_int_equal (fixture->reply.size, reply.size);
    assert_memory_equal (fixture->reply.data, reply.data, reply.size);
    bs_codec_record_free (&bs_batch_page_schema, &again);

    /* its keys again in another batch: the same receipts */
    bs_submitted_t *firsts = results;
    results = intake_fixture_batch (fixture, secret, items, count, &again);
    for (size_t i = 0; i < count; i++) {
        if (i == 1) {
            assert_string_equal (results[i].status, "error");
            continue;
        }
        msgpack_sbuffer other;
        msgpack_sbuffer_init (&other);
        encoded.size = 0;
        assert_int_equal (bs_codec_encode_record (&encoded, &bs_submitted_schema, &firsts[i]),
                          BS_OK);
        assert_int_equal (bs_codec_encode_record (&other, &bs_submitted_schema, &results[i]),
                          BS_OK);
        assert_int_equal (other.size, encoded.size);
        assert_memory_equal (other.data, encoded.data, encoded.size);
        msgpack_sbuffer_destroy (&other);
    }
    bs_codec_record_free (&bs_batch_page_schema, &again);
    bs_codec_record_free (&bs_batch_page_schema, &page);
    msgpack_sbuffer_destroy (&encoded);
    msgpack_sbuffer_destroy (&reply);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_batch_items_as_if_alone, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_batch_numbers_follow_on, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_batch_receipts_encoded_once, intake_fixture_setup,
                                         intake_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
