/*  submission_duplicates: the fingerprints' index (submission_duplicates.c),
    run in-process (intake_fixture.h). A report's unit and fingerprint are
    kept as 16 bytes; the same text again, in the same batch too, is a
    duplicate; an entry a store made before kept under the unit's name and
    hex fingerprint still finds its report; the index's recent part is in
    memory, merged into the whole every intake.fingerprints_merge_at
    entries, made again from the log when intake starts, and true to the
    turn it serves when a turn is run again; a duplicate is found in
    either part. (What counts as the same text is test_fingerprint's.)
*/
#include "intake_fixture.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_socket.h"
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

    /* nothing stored a report but its event: the entries are in memory
       until the merge */
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (fixture->store, &txn), BS_OK);
    const char *indexes[] = {"fingerprints", "unit_fingerprints", "recent_fingerprints"};
    for (size_t i = 0; i < 3; i++) {
        MDB_stat stat;
        assert_int_equal (mdb_stat (txn, bs_store_dbi (fixture->store, indexes[i]), &stat), 0);
        assert_int_equal (stat.ms_entries, 0);
    }
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

/* A store of the build before kept where its one recent table stood as
   fingerprints.merged_seq and fingerprints.recent_seq: read once at the
   start, the reports past merged_seq made again from the log, the keys
   dropped for fingerprints.state. */
static int
s_state_made_before (MDB_txn *txn, void *argument)
{
    bs_store_t *store = argument;
    MDB_dbi counters = bs_store_dbi (store, "counters");
    uint64_t last;
    int rc = bs_eventlog_last (store, txn, &last);
    MDB_val state = {strlen ("fingerprints.state"), "fingerprints.state"};
    if (rc == BS_OK)
        rc = bs_store_del (txn, counters, &state) ? BS_E_STORAGE : BS_OK;
    if (rc == BS_OK) /* three reports past the last merge */
        rc = bs_store_put_u64 (txn, counters, "fingerprints.merged_seq", last - 3);
    if (rc == BS_OK)
        rc = bs_store_put_u64 (txn, counters, "fingerprints.recent_seq", last);
    return rc;
}

static void
test_fingerprints_state_of_a_store_made_before (void **state)
{
    intake_fixture_t *fixture = *state;
    char secret[80];
    intake_fixture_city_system (fixture, secret, sizeof secret);
    bs_submit_t items[] = {
        {.key = "b-1", .title = "上一版的報告一", .body = "上一版存下的報告，十個字以上。"},
        {.key = "b-2", .title = "上一版的報告二", .body = "上一版存下的第二篇，十個字以上。"},
        {.key = "b-3", .title = "上一版的報告三", .body = "上一版存下的第三篇，十個字以上。"},
    };
    bs_batch_page_t page;
    bs_submitted_t *results = intake_fixture_batch (fixture, secret, items, 3, &page);
    char reg_nos[3][32];
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal (results[i].status, "registered");
        snprintf (reg_nos[i], sizeof reg_nos[i], "%s", results[i].reg_no);
    }
    bs_codec_record_free (&bs_batch_page_schema, &page);
    assert_int_equal (bs_store_write (fixture->store, s_state_made_before, fixture->store), BS_OK);
    intake_fixture_restart (fixture);
    items[0].key = "b-1-again";
    items[1].key = "b-2-again";
    items[2].key = "b-3-again";
    results = intake_fixture_batch (fixture, secret, items, 3, &page);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal (results[i].status, "duplicate");
        assert_string_equal (results[i].reg_no, reg_nos[i]);
    }
    bs_codec_record_free (&bs_batch_page_schema, &page);
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (fixture->store, &txn), BS_OK);
    const void *bytes;
    size_t size;
    MDB_dbi counters = bs_store_dbi (fixture->store, "counters");
    assert_int_equal (bs_store_get_bytes (txn, counters, "fingerprints.state", &bytes, &size),
                      BS_OK);
    assert_int_equal (bs_store_get_bytes (txn, counters, "fingerprints.merged_seq", &bytes, &size),
                      BS_E_NOT_FOUND);
    assert_int_equal (bs_store_get_bytes (txn, counters, "fingerprints.recent_seq", &bytes, &size),
                      BS_E_NOT_FOUND);
    mdb_txn_abort (txn);
}

/* The fingerprints' index in parts (submission_duplicates.c): a
   report's entry goes to the filling table, in memory; every
   intake.fingerprints_merge_at entries (here S_MERGE_AT) it becomes the
   merging table, merged into unit_fingerprints a slice of the key space
   at a time while the next fills, and fingerprints.state says how far.
   No turn merges more than its share: a batch of 1,000 adds about 1,000
   entries to the whole, never a table's 4,096 at once. A duplicate is
   found in every part, in a batch or by another channel, and after
   intake starts again (the tables made again from the log: without that,
   the reports past the last merge would be registered twice). */
#define S_MERGE_AT 4096
#define S_SPREAD_BATCHES 18
#define S_SPREAD_ITEMS 1000
#define S_BATCH_MERGES_AT_MOST 1200 /* entries into the whole a batch: its 1,000 and chance */

/* The index's entries in the whole. */
static size_t
s_whole_entries (intake_fixture_t *fixture)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (fixture->store, &txn), BS_OK);
    MDB_stat whole;
    assert_int_equal (mdb_stat (txn, bs_store_dbi (fixture->store, "unit_fingerprints"), &whole),
                      0);
    mdb_txn_abort (txn);
    return whole.ms_entries;
}

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

/* The texts of items n (count of them) again, under keys made of round:
   each a duplicate of the report first registered for it, in a batch and
   (the first two) by the web. */
static void
s_spread_again (intake_fixture_t *fixture, const char *secret, const char *round, const size_t *n,
                size_t count, char (*reg_nos)[32])
{
    char titles[8][32], bodies[8][96], keys[8][32];
    bs_submit_t items[8];
    assert_true (count <= 8);
    for (size_t i = 0; i < count; i++) {
        s_spread_text (n[i], titles[i], bodies[i]);
        snprintf (keys[i], sizeof keys[i], "%s-%zu", round, n[i]);
        items[i] = (bs_submit_t){.key = keys[i], .title = titles[i], .body = bodies[i]};
    }
    bs_batch_page_t page;
    bs_submitted_t *results = intake_fixture_batch (fixture, secret, items, count, &page);
    for (size_t i = 0; i < count; i++) {
        assert_string_equal (results[i].status, "duplicate");
        assert_string_equal (results[i].reg_no, reg_nos[n[i]]);
    }
    bs_codec_record_free (&bs_batch_page_schema, &page);
    for (size_t i = 0; i < 2 && i < count; i++) {
        bs_submit_t submit = {
            .title = titles[i], .body = bodies[i], .channel = "web", .officer = "wang"};
        bs_submitted_t receipt;
        bs_error_t error;
        assert_int_equal (intake_fixture_call (fixture, &bs_submit_schema, &submit,
                                               &bs_submitted_schema, &receipt, &error),
                          BS_OK);
        assert_string_equal (receipt.status, "duplicate");
        assert_string_equal (receipt.reg_no, reg_nos[n[i]]);
        bs_codec_record_free (&bs_submitted_schema, &receipt);
    }
}

static void
test_fingerprints_recent_then_whole (void **state)
{
    intake_fixture_t *fixture = *state;
    bs_error_t error;
    assert_int_equal (
        bs_config_set (fixture->config, "intake.fingerprints_merge_at", "4096", &error), BS_OK);
    intake_fixture_restart (fixture);
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
    size_t whole_before = 0;
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
        /* a batch's turn merged a slice, not a table */
        size_t whole = s_whole_entries (fixture);
        assert_true (whole - whole_before <= S_BATCH_MERGES_AT_MOST);
        assert_true (b < S_MERGE_AT / S_SPREAD_ITEMS || whole > whole_before);
        whole_before = whole;
    }

    /* Three merges ended (the first 12,288 reports in the whole), the
       fourth under way (the keys of 12,288..16,383 below merged_to in the
       whole), the rest filling: each entry where the state says. */
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (fixture->store, &txn), BS_OK);
    const void *bytes;
    size_t size;
    assert_int_equal (bs_store_get_bytes (txn, bs_store_dbi (fixture->store, "counters"),
                                          "fingerprints.state", &bytes, &size),
                      BS_OK);
    assert_int_equal (size, 32);
    uint64_t put_seq = bs_store_key_value (bytes),
             merged_seq = bs_store_key_value ((const char *) bytes + 8),
             frozen_seq = bs_store_key_value ((const char *) bytes + 16),
             merged_to = bs_store_key_value ((const char *) bytes + 24), last_seq;
    assert_int_equal (bs_eventlog_last (fixture->store, txn, &last_seq), BS_OK);
    assert_int_equal (put_seq, last_seq);
    size_t ended = total / S_MERGE_AT * S_MERGE_AT - S_MERGE_AT, frozen = ended + S_MERGE_AT;
    /* one event a report: report n's is last_seq - (total - 1 - n) */
    assert_int_equal (last_seq - merged_seq, total - ended);
    assert_int_equal (last_seq - frozen_seq, total - frozen);
    assert_true (merged_to > 0 && merged_to < (uint64_t) 1 << 32);
    size_t in_merged_part = 0, in_unmerged_part = 0;
    for (size_t n = 0; n < total; n++) {
        unsigned char key[16];
        s_spread_key (n, key);
        MDB_val mkey = {16, key}, value;
        int in_whole =
            mdb_get (txn, bs_store_dbi (fixture->store, "unit_fingerprints"), &mkey, &value);
        uint64_t place = (uint64_t) key[0] << 24 | key[1] << 16 | key[2] << 8 | key[3];
        bool merged = n < ended || (n < frozen && place < merged_to);
        assert_int_equal (in_whole == 0, merged);
        if (n >= ended && n < frozen && merged)
            in_merged_part = in_merged_part ? in_merged_part : n;
        if (n >= ended && n < frozen && !merged)
            in_unmerged_part = in_unmerged_part ? in_unmerged_part : n;
    }
    mdb_txn_abort (txn);
    assert_true (in_merged_part && in_unmerged_part);

    /* The same texts again: from the whole (the first, the last of a
       merge ended), from merging (one merged, one not yet) and from
       filling (its first, the last) */
    size_t again[] = {0, ended - 1, in_merged_part, in_unmerged_part, frozen, total - 1};
    s_spread_again (fixture, secret, "again", again, 6, reg_nos);

    /* intake starts again: the tables are made from the log */
    intake_fixture_restart (fixture);
    size_t recent[] = {total - 1, in_unmerged_part, frozen + 500, in_merged_part, 100, frozen};
    s_spread_again (fixture, secret, "restarted", recent, 6, reg_nos);
    free (titles);
    free (bodies);
    free (keys);
    free (reg_nos);
    free (items);
}

/* Send a command as the admin CLI without turning the service. */
static void
s_send (intake_fixture_t *fixture, const bs_schema_t *schema, const void *record)
{
    char id[40];
    bs_clock_random_id (id, sizeof id);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    bs_envelope_t envelope = {.id = id, .src = "test", .at = 1};
    assert_int_equal (bs_codec_encode_command (&buffer, schema, record, &envelope), BS_OK);
    assert_int_equal (zmq_send (zsock_resolve (fixture->admin), buffer.data, buffer.size, 0),
                      (int) buffer.size);
    msgpack_sbuffer_destroy (&buffer);
}

/* A turn with a refused command is run again, each command in a nested
   transaction (bs_service.h): the entries the first run put in the
   recent part did not commit, and must not be found by the second run
   (which would find reports that do not exist and fail the batch), nor
   after it; the second run's entries are found. With
   intake.fingerprints_merge_at 2 the first run also merges two slices,
   ends a merge and freezes a table, none of which commits: the second
   run does it again, and the whole holds the first two reports alone. */
static void
test_fingerprints_of_a_turn_run_again (void **state)
{
    intake_fixture_t *fixture = *state;
    bs_error_t error;
    assert_int_equal (bs_config_set (fixture->config, "intake.fingerprints_merge_at", "2", &error),
                      BS_OK);
    intake_fixture_restart (fixture);
    char secret[80];
    intake_fixture_city_system (fixture, secret, sizeof secret);
    bs_submit_t before[] = {
        {.key = "p-1", .title = "先到的報告一", .body = "先到的兩篇填滿一張表，等著合併。"},
        {.key = "p-2", .title = "先到的報告二", .body = "第二篇先到的正文，十個字以上。"},
    };
    bs_batch_page_t first_page;
    bs_submitted_t *first = intake_fixture_batch (fixture, secret, before, 2, &first_page);
    char before_reg_nos[2][32];
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal (first[i].status, "registered");
        snprintf (before_reg_nos[i], sizeof before_reg_nos[i], "%s", first[i].reg_no);
    }
    bs_codec_record_free (&bs_batch_page_schema, &first_page);
    assert_int_equal (s_whole_entries (fixture), 0); /* frozen, not merged */
    bs_submit_t items[] = {
        {.key = "t-1", .title = "再跑一次的報告一", .body = "同一輪裡被拒的命令使這一輪再跑一次。"},
        {.key = "t-2", .title = "再跑一次的報告二", .body = "第二篇的正文，也有十個字以上。"},
    };
    bs_batch_t batch = {.token = secret, .items = {2, items}};
    bs_submit_t refused = {.unit = "沒有這個單位",
                           .title = "被拒的報告",
                           .body = "這個單位沒有登記，所以被拒。",
                           .channel = "walk_in",
                           .operator_name = "前台"};
    s_send (fixture, &bs_batch_schema, &batch);
    s_send (fixture, &bs_submit_schema, &refused);
    zclock_sleep (100); /* both waiting: one turn takes them */
    int replies = 0;
    char reg_nos[2][32] = {"", ""};
    for (int turn = 0; turn < 400 && replies < 2; turn++) {
        assert_int_equal (bs_service_turn (fixture->service, 50), BS_OK);
        zmsg_t *message;
        while ((message = bs_socket_receive (fixture->admin))) {
            zframe_t *frame = zmsg_first (message);
            bs_message_t decoded;
            bs_error_t failure;
            assert_int_equal (bs_message_decode (zframe_data (frame), zframe_size (frame), NULL,
                                                 &decoded, &failure),
                              BS_OK);
            if (decoded.schema == &bs_error_reply_schema) {
                const bs_error_reply_t *problem = decoded.data;
                assert_string_equal (problem->field, "unit");
            } else {
                assert_ptr_equal (decoded.schema, &bs_batch_page_schema);
                const bs_batch_page_t *page = decoded.data;
                assert_int_equal (page->results.count, 2);
                const bs_submitted_t *results = page->results.items;
                for (size_t i = 0; i < 2; i++) {
                    assert_string_equal (results[i].status, "registered");
                    snprintf (reg_nos[i], sizeof reg_nos[i], "%s", results[i].reg_no);
                }
            }
            bs_message_clear (&decoded);
            zmsg_destroy (&message);
            replies++;
        }
    }
    assert_int_equal (replies, 2);
    assert_int_equal (intake_fixture_report_count (fixture), 4);
    assert_int_equal (s_whole_entries (fixture), 2);
    for (int restarted = 0; restarted < 2; restarted++) {
        if (restarted)
            intake_fixture_restart (fixture);
        bs_submit_t again[] = {items[0], items[1], before[0], before[1]};
        char *keys[2][4] = {{"t-1-again", "t-2-again", "p-1-again", "p-2-again"},
                            {"t-1-restarted", "t-2-restarted", "p-1-restarted", "p-2-restarted"}};
        for (size_t i = 0; i < 4; i++)
            again[i].key = keys[restarted][i];
        bs_batch_page_t page;
        bs_submitted_t *results = intake_fixture_batch (fixture, secret, again, 4, &page);
        for (size_t i = 0; i < 4; i++) {
            assert_string_equal (results[i].status, "duplicate");
            assert_string_equal (results[i].reg_no, i < 2 ? reg_nos[i] : before_reg_nos[i - 2]);
        }
        bs_codec_record_free (&bs_batch_page_schema, &page);
    }
    assert_int_equal (intake_fixture_report_count (fixture), 4);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_fingerprints_in_sixteen_bytes, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_fingerprints_state_of_a_store_made_before,
                                         intake_fixture_setup, intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_fingerprints_recent_then_whole, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_fingerprints_of_a_turn_run_again,
                                         intake_fixture_setup, intake_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
