/*  submission_duplicates: the fingerprints' index (submission_duplicates.c),
    run in-process (intake_fixture.h). A report's unit and fingerprint are
    kept as 16 bytes, so a batch's random leaves are fewer; the same text
    again, in the same batch too, is a duplicate; an entry a store made
    before kept under the unit's name and hex fingerprint still finds its
    report; the index is in two parts (recent, then the whole) and a
    duplicate is found in either. (What counts as the same text is
    test_fingerprint's.)
*/
#include "intake_fixture.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"

/* An entry as a store made before kept it, to put into "fingerprints". */
typedef struct {
    bs_store_t *store;
    const char *name;   /* the earlier layout's key */
    uint64_t report_id; /* kept under it */
} s_legacy_fingerprint_t;

static int
s_put_legacy_fingerprint (MDB_txn *txn, void *argument)
{
    const s_legacy_fingerprint_t *legacy = argument;
    unsigned char value[8];
    bs_store_key (legacy->report_id, value);
    return bs_store_put_bytes (txn, bs_store_dbi (legacy->store, "fingerprints"), legacy->name,
                               value, sizeof value);
}

static void
test_fingerprints_in_sixteen_bytes (void **state)
{
    intake_fixture_t *fixture = *state;
    char secret[80];
    intake_fixture_city_system (fixture, secret, sizeof secret);

    bs_submit_t items[] = {
        {.key = "k-1", .title = "指紋一", .body = "第一篇的正文，有十個字以上。"},
        {.key = "k-2", .title = "指紋一", .body = "第一篇的正文，有十個字以上。"},
        {.key = "k-3", .title = "指紋二", .body = "第二篇的正文，也有十個字以上。"},
    };
    bs_batch_page_t page;
    bs_submitted_t *results = intake_fixture_batch (fixture, secret, items, 3, &page);
    assert_string_equal (results[0].status, "registered");
    assert_string_equal (results[1].status, "duplicate");
    assert_string_equal (results[1].reg_no, results[0].reg_no);
    assert_string_equal (results[2].status, "registered");
    uint64_t first = results[0].report_id;
    bs_codec_record_free (&bs_batch_page_schema, &page);

    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (fixture->store, &txn), BS_OK);
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, bs_store_dbi (fixture->store, "fingerprints"), &stat), 0);
    assert_int_equal (stat.ms_entries, 0);
    /* a turn's entries go to the recent part of the index first */
    assert_int_equal (mdb_stat (txn, bs_store_dbi (fixture->store, "unit_fingerprints"), &stat), 0);
    assert_int_equal (stat.ms_entries, 0);
    MDB_cursor *cursor;
    assert_int_equal (
        mdb_cursor_open (txn, bs_store_dbi (fixture->store, "recent_fingerprints"), &cursor), 0);
    MDB_val key, value;
    size_t count = 0;
    for (int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT), count++) {
        assert_int_equal (key.mv_size, 16);
        assert_int_equal (value.mv_size, 8);
    }
    assert_int_equal (count, 2);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);

    /* A store made before: the unit, a unit separator and the hex
       fingerprint as the key. */
    char hex[INTAKE_FINGERPRINT_HEX], name[128];
    assert_true (intake_fingerprint ("升級前的指紋", "升級前報過的正文，十個字以上。", hex));
    snprintf (name, sizeof name, "滑縣\x1f%s", hex);
    s_legacy_fingerprint_t legacy = {fixture->store, name, first};
    assert_int_equal (bs_store_write (fixture->store, s_put_legacy_fingerprint, &legacy), BS_OK);
    bs_submit_t again[] = {
        {.key = "k-4", .title = "升級前的指紋", .body = "升級前報過的正文，十個字以上。"},
    };
    results = intake_fixture_batch (fixture, secret, again, 1, &page);
    assert_string_equal (results[0].status, "duplicate");
    assert_int_equal (results[0].report_id, first);
    bs_codec_record_free (&bs_batch_page_schema, &page);
}

/* The fingerprints' index in two parts (submission_duplicates.c): a
   report's entry goes to recent_fingerprints, which keeps 16,384 entries
   (S_RECENT_MIN) while the whole is small; past that each new entry moves
   one, in key order from where the last move stopped, into
   unit_fingerprints. An entry is in one part, never both, and a duplicate
   is found in either, in a batch or by another channel. */
#define S_RECENT 16384
#define S_SPREAD_BATCHES 18
#define S_SPREAD_ITEMS 1000

static void
s_spread_text (size_t n, char *title, char *body)
{
    snprintf (title, 32, "分兩部的指紋%zu", n);
    snprintf (body, 96, "第%zu篇的正文，有十個字以上。", n);
}

/* The index's key of the text of item n: BLAKE2b-128 of the unit, a unit
   separator and the hex fingerprint. */
static void
s_spread_key (size_t n, unsigned char key[16])
{
    char title[32], body[96], hex[INTAKE_FINGERPRINT_HEX], name[128];
    s_spread_text (n, title, body);
    assert_true (intake_fingerprint (title, body, hex));
    snprintf (name, sizeof name, "滑縣\x1f%s", hex);
    crypto_generichash (key, 16, (const unsigned char *) name, strlen (name), NULL, 0);
}

/* 0: in neither part; 1: recent; 2: the whole; 3: both. */
static int
s_where (bs_store_t *store, MDB_txn *txn, const unsigned char key[16])
{
    MDB_val mkey = {16, (void *) key}, value;
    int in_recent = mdb_get (txn, bs_store_dbi (store, "recent_fingerprints"), &mkey, &value);
    int in_whole = mdb_get (txn, bs_store_dbi (store, "unit_fingerprints"), &mkey, &value);
    return (in_recent == 0 ? 1 : 0) + (in_whole == 0 ? 2 : 0);
}

static void
test_fingerprints_recent_then_whole (void **state)
{
    intake_fixture_t *fixture = *state;
    char secret[80];
    intake_fixture_city_system (fixture, secret, sizeof secret);
    bs_officer_t wang = {.login = "wang", .name = "王", .unit = "滑縣", .roles = "officer"};
    intake_fixture_officer (fixture, &wang);

    size_t total = S_SPREAD_BATCHES * S_SPREAD_ITEMS;
    char (*titles)[32] = calloc (total, sizeof *titles);
    char (*bodies)[96] = calloc (total, sizeof *bodies);
    char (*keys)[16] = calloc (total, sizeof *keys);
    char (*reg_nos)[32] = calloc (total, sizeof *reg_nos);
    bs_submit_t *items = calloc (S_SPREAD_ITEMS, sizeof *items);
    assert_non_null (titles);
    assert_non_null (bodies);
    assert_non_null (keys);
    assert_non_null (reg_nos);
    assert_non_null (items);
    for (size_t b = 0; b < S_SPREAD_BATCHES; b++) {
        for (size_t i = 0; i < S_SPREAD_ITEMS; i++) {
            size_t n = b * S_SPREAD_ITEMS + i;
            s_spread_text (n, titles[n], bodies[n]);
            snprintf (keys[n], sizeof keys[n], "s-%zu", n);
            items[i] = (bs_submit_t){.key = keys[n], .title = titles[n], .body = bodies[n]};
        }
        bs_batch_page_t page;
        bs_submitted_t *results =
            intake_fixture_batch (fixture, secret, items, S_SPREAD_ITEMS, &page);
        for (size_t i = 0; i < S_SPREAD_ITEMS; i++) {
            assert_string_equal (results[i].status, "registered");
            snprintf (reg_nos[b * S_SPREAD_ITEMS + i], 32, "%s", results[i].reg_no);
        }
        bs_codec_record_free (&bs_batch_page_schema, &page);
    }

    /* The recent part keeps S_RECENT; the rest moved, each entry in one
       part; the moves began at the lowest key and went up, none past the
       key moved last. */
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (fixture->store, &txn), BS_OK);
    MDB_stat recent, whole;
    assert_int_equal (mdb_stat (txn, bs_store_dbi (fixture->store, "recent_fingerprints"), &recent),
                      0);
    assert_int_equal (mdb_stat (txn, bs_store_dbi (fixture->store, "unit_fingerprints"), &whole),
                      0);
    assert_int_equal (recent.ms_entries, S_RECENT);
    assert_int_equal (whole.ms_entries, total - S_RECENT);
    const void *merged;
    size_t merged_size;
    assert_int_equal (bs_store_get_bytes (txn, bs_store_dbi (fixture->store, "counters"),
                                          "fingerprints.merged", &merged, &merged_size),
                      BS_OK);
    assert_int_equal (merged_size, 16);
    size_t in_recent = 0, in_whole = 0, recent_at = total, whole_at = total;
    for (size_t n = 0; n < total; n++) {
        unsigned char key[16];
        s_spread_key (n, key);
        int where = s_where (fixture->store, txn, key);
        assert_true (where == 1 || where == 2);
        if (where == 2)
            assert_true (memcmp (key, merged, 16) <= 0);
        in_recent += where == 1;
        in_whole += where == 2;
        if (where == 1 && recent_at == total)
            recent_at = n;
        if (where == 2 && whole_at == total)
            whole_at = n;
    }
    mdb_txn_abort (txn);
    assert_int_equal (in_recent, S_RECENT);
    assert_int_equal (in_whole, total - S_RECENT);

    /* The same texts again: a duplicate from either part, in a batch and
       by the web, each the report first registered. */
    bs_submit_t again[] = {
        {.key = "again-1", .title = titles[whole_at], .body = bodies[whole_at]},
        {.key = "again-2", .title = titles[recent_at], .body = bodies[recent_at]},
    };
    bs_batch_page_t page;
    bs_submitted_t *results = intake_fixture_batch (fixture, secret, again, 2, &page);
    assert_string_equal (results[0].status, "duplicate");
    assert_string_equal (results[0].reg_no, reg_nos[whole_at]);
    assert_string_equal (results[1].status, "duplicate");
    assert_string_equal (results[1].reg_no, reg_nos[recent_at]);
    bs_codec_record_free (&bs_batch_page_schema, &page);
    size_t by_web[] = {whole_at, recent_at};
    for (size_t i = 0; i < 2; i++) {
        bs_submit_t submit = {.title = titles[by_web[i]],
                              .body = bodies[by_web[i]],
                              .channel = "web",
                              .officer = "wang"};
        bs_submitted_t receipt;
        bs_error_t error;
        assert_int_equal (intake_fixture_call (fixture, &bs_submit_schema, &submit,
                                               &bs_submitted_schema, &receipt, &error),
                          BS_OK);
        assert_string_equal (receipt.status, "duplicate");
        assert_string_equal (receipt.reg_no, reg_nos[by_web[i]]);
        bs_codec_record_free (&bs_submitted_schema, &receipt);
    }
    free (titles);
    free (bodies);
    free (keys);
    free (reg_nos);
    free (items);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_fingerprints_in_sixteen_bytes, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_fingerprints_recent_then_whole, intake_fixture_setup,
                                         intake_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
