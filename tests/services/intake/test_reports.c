/*  reports: a report is stored once (submission_store.c), run in-process
    (intake_fixture.h). A registered report is its event's data in the
    log, and `reports` holds a 13-byte reference to that event, which
    report.get and report.list read as the report; a report a store made
    before (the whole record in `reports`) still reads, lists and takes a
    revision; a duplicate copy that adds a provenance stores the whole
    record again, and it reads so.
*/
#include "intake_fixture.h"

#include <string.h>
#include <time.h>

#include "bs_store.h"
#include "bs_test_codec.h"
#include "databases.h"
#include "intake.h"

/* The bytes `reports` holds under report_id (0: none). */
static size_t
s_stored_size (intake_fixture_t *fixture, uint64_t report_id)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (fixture->store, &txn), BS_OK);
    unsigned char key_bytes[8];
    bs_store_key (report_id, key_bytes);
    MDB_val key = {8, key_bytes}, value = {0, NULL};
    int rc = mdb_get (txn, bs_store_dbi (fixture->store, "reports"), &key, &value);
    mdb_txn_abort (txn);
    return rc == 0 ? value.mv_size : 0;
}

/* Report report_id at version (0: the current one), as report.get answers. */
static void
s_get (intake_fixture_t *fixture, uint64_t report_id, uint64_t version, bs_report_t *report)
{
    bs_report_get_t get = {.report_id = report_id, .version = version};
    bs_error_t error;
    assert_int_equal (intake_fixture_call (fixture, &bs_report_get_schema, &get, &bs_report_schema,
                                           report, &error),
                      BS_OK);
}

/* The report the last event of the log carries. */
static void
s_last_event_report (intake_fixture_t *fixture, bs_report_t *report)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (fixture->store, &txn), BS_OK);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_store_dbi (fixture->store, "log"), &cursor), 0);
    MDB_val key, value;
    assert_int_equal (mdb_cursor_get (cursor, &key, &value, MDB_LAST), 0);
    bs_message_t message;
    bs_error_t error;
    assert_int_equal (bs_message_decode (value.mv_data, value.mv_size, &bs_codec_default_limits,
                                         &message, &error),
                      BS_OK);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    assert_string_equal (message.schema->type, bs_report_schema.type);
    bs_report_t *carried = message.data;
    *report = *carried;
    memset (carried, 0, sizeof *carried); /* now report's */
    bs_message_clear (&message);
}

static void
test_report_stored_once (void **state)
{
    intake_fixture_t *fixture = *state;
    char secret[80];
    intake_fixture_city_system (fixture, secret, sizeof secret);
    bs_submit_t items[] = {
        {.key = "k-1", .title = "存一次的報告", .body = "報告只存一次，在日誌的事件裡。"},
        {.key = "k-2", .title = "第二篇", .body = "第二篇的正文，也只存一次。"},
    };
    bs_batch_page_t page;
    bs_submitted_t *results = intake_fixture_batch (fixture, secret, items, 2, &page);
    assert_string_equal (results[0].status, "registered");
    assert_string_equal (results[1].status, "registered");
    uint64_t first = results[0].report_id, second = results[1].report_id;
    bs_codec_record_free (&bs_batch_page_schema, &page);

    /* a reference to the event, not the report's bytes a second time */
    assert_int_equal (s_stored_size (fixture, first), 13);
    assert_int_equal (s_stored_size (fixture, second), 13);
    bs_report_t report, carried;
    s_get (fixture, second, 0, &report);
    s_last_event_report (fixture, &carried);
    assert_int_equal (report.report_id, second);
    assert_int_equal (carried.report_id, second);
    assert_string_equal (report.title, "第二篇");
    assert_string_equal (report.body, carried.body);
    assert_string_equal (report.reg_no, carried.reg_no);
    assert_string_equal (report.unit, "滑縣");
    assert_int_equal (report.received_at, carried.received_at);
    bs_codec_record_free (&bs_report_schema, &report);
    bs_codec_record_free (&bs_report_schema, &carried);

    bs_report_page_t listed;
    intake_fixture_report_page (fixture, &listed);
    assert_int_equal (listed.reports.count, 2);
    const bs_report_t *reports = listed.reports.items;
    assert_string_equal (reports[0].title, "存一次的報告");
    assert_string_equal (reports[1].body, "第二篇的正文，也只存一次。");
    bs_codec_record_free (&bs_report_page_schema, &listed);

    /* a duplicate copy adds its provenance: the whole record is stored */
    items[0].key = "k-3";
    results = intake_fixture_batch (fixture, secret, items, 1, &page);
    assert_string_equal (results[0].status, "duplicate");
    assert_int_equal (results[0].report_id, first);
    bs_codec_record_free (&bs_batch_page_schema, &page);
    assert_true (s_stored_size (fixture, first) > 13);
    s_get (fixture, first, 0, &report);
    assert_string_equal (report.title, "存一次的報告");
    assert_int_equal (report.provenances.count, 2);
    bs_codec_record_free (&bs_report_schema, &report);
}

/* A report as a store made before references kept it: the whole record
   under its id in `reports`, its number in `registry`. */
typedef struct {
    bs_store_t *store;
    const bs_report_t *report;
} s_earlier_report_t;

/* A report of 滑縣 with one provenance, as an earlier version stored it. */
static bs_report_t
s_earlier (uint64_t report_id, const char *reg_no, const char *title, const char *body,
           bs_provenance_t *provenance)
{
    return (bs_report_t) {.report_id = report_id,
                          .reg_no = (char *) reg_no,
                          .unit = "滑縣",
                          .title = (char *) title,
                          .body = (char *) body,
                          .kind = "situation",
                          .channel = "direct",
                          .received_at = provenance->received_at,
                          .version = 1,
                          .provenances = {1, provenance}};
}

static int
s_put_earlier_report (MDB_txn *txn, void *argument)
{
    const s_earlier_report_t *earlier = argument;
    const bs_report_t *report = earlier->report;
    int rc = bs_store_put_record (txn, bs_store_dbi (earlier->store, "reports"), report->report_id,
                                  &bs_report_schema, report);
    unsigned char key[8];
    bs_store_key (report->report_id, key);
    if (rc == BS_OK)
        rc = bs_store_put_bytes (txn, bs_store_dbi (earlier->store, "registry"), report->reg_no,
                                 key, sizeof key);
    return rc;
}

static void
test_report_stored_before (void **state)
{
    intake_fixture_t *fixture = *state;
    char secret[80];
    intake_fixture_city_system (fixture, secret, sizeof secret);
    bs_provenance_t provenance = {.channel = "direct", .received_at = 1764295391123};
    bs_report_t earlier = s_earlier (500, "2025-000500", "舊版存下的報告",
                                     "早先的版本把整篇報告存在 reports 裡。", &provenance);
    s_earlier_report_t put = {.store = fixture->store, .report = &earlier};
    assert_int_equal (bs_store_write (fixture->store, s_put_earlier_report, &put), BS_OK);
    size_t whole = s_stored_size (fixture, 500);
    assert_true (whole > 13);

    bs_report_t report;
    s_get (fixture, 500, 0, &report);
    assert_string_equal (report.title, "舊版存下的報告");
    assert_string_equal (report.reg_no, "2025-000500");
    bs_codec_record_free (&bs_report_schema, &report);
    bs_report_page_t listed;
    intake_fixture_report_page (fixture, &listed);
    assert_int_equal (listed.reports.count, 1);
    assert_string_equal (((bs_report_t *) listed.reports.items)[0].body,
                         "早先的版本把整篇報告存在 reports 裡。");
    bs_codec_record_free (&bs_report_page_schema, &listed);

    /* a revision keeps the earlier version whole and stores the new one
       once */
    bs_submit_t revision = {.key = "k-rev",
                            .title = "修訂後的報告",
                            .body = "修訂版只存一次，在日誌的事件裡。",
                            .revision_of = "2025-000500"};
    bs_batch_page_t page;
    bs_submitted_t *results = intake_fixture_batch (fixture, secret, &revision, 1, &page);
    assert_string_equal (results[0].status, "revised");
    assert_int_equal (results[0].report_id, 500);
    bs_codec_record_free (&bs_batch_page_schema, &page);
    assert_int_equal (s_stored_size (fixture, 500), 13);
    s_get (fixture, 500, 0, &report);
    assert_string_equal (report.title, "修訂後的報告");
    assert_int_equal (report.version, 2);
    bs_codec_record_free (&bs_report_schema, &report);
    s_get (fixture, 500, 1, &report);
    assert_string_equal (report.title, "舊版存下的報告");
    assert_string_equal (report.body, "早先的版本把整篇報告存在 reports 裡。");
    bs_codec_record_free (&bs_report_schema, &report);
}

/* A report as the version before stored it: its event's data in the
   schema's order (the texts among the other fields), `reports` a
   reference to it, its number in `registry`, the counters past it. */
static int
s_put_event_before (MDB_txn *txn, void *argument)
{
    const s_earlier_report_t *earlier = argument;
    const bs_report_t *report = earlier->report;
    msgpack_sbuffer data;
    msgpack_sbuffer_init (&data);
    uint64_t seq = 0;
    int rc = bs_codec_encode_record (&data, &bs_report_schema, report);
    if (rc == BS_OK)
        rc = bs_eventlog_append_packed (earlier->store, txn, &bs_report_schema, data.data, data.size,
                                        "intake", report->received_at, &seq);
    if (rc == BS_OK)
        rc = bs_store_put_event_record (txn, bs_store_dbi (earlier->store, "reports"),
                                        report->report_id, seq, data.size);
    msgpack_sbuffer_destroy (&data);
    unsigned char key[8];
    bs_store_key (report->report_id, key);
    MDB_dbi counters = bs_store_dbi (earlier->store, "counters");
    if (rc == BS_OK)
        rc = bs_store_put_bytes (txn, bs_store_dbi (earlier->store, "registry"), report->reg_no,
                                 key, sizeof key);
    if (rc == BS_OK)
        rc = bs_store_put_u64 (txn, counters, "report", report->report_id);
    return rc;
}

/* The keys of the data of the log's last event. */
static void
s_last_event_keys (intake_fixture_t *fixture, char *keys, size_t size)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (fixture->store, &txn), BS_OK);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_store_dbi (fixture->store, "log"), &cursor), 0);
    MDB_val key, value;
    assert_int_equal (mdb_cursor_get (cursor, &key, &value, MDB_LAST), 0);
    bs_test_data_keys (value.mv_data, value.mv_size, keys, size);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
}

/* A report's event is stored with its texts after its other fields
   (statistics' cut of it ends where they begin); a store whose events the
   version before wrote in the schema's order is read as well: by
   report.get and the listing, and by the fingerprints' recent part made
   again from the log when intake starts (a copy of either is found a
   duplicate). */
static void
test_report_event_texts_last (void **state)
{
    intake_fixture_t *fixture = *state;
    char secret[80];
    intake_fixture_city_system (fixture, secret, sizeof secret);
    bs_provenance_t provenance = {.channel = "direct", .key = "old-1"};
    /* a minute ago: within the window in which a copy is a duplicate */
    provenance.received_at = (uint64_t) time (NULL) * 1000 - 60000;
    bs_report_t before = s_earlier (600, "2025-000600", "上一版存下的事件",
                                    "上一版按綱要的次序寫事件的數據，正文在中間。", &provenance);
    s_earlier_report_t put = {.store = fixture->store, .report = &before};
    assert_int_equal (bs_store_write (fixture->store, s_put_event_before, &put), BS_OK);
    char keys[512];
    s_last_event_keys (fixture, keys, sizeof keys);
    assert_string_equal (keys, "report_id reg_no unit title body kind urgent channel received_at "
                               "version provenances attachments");

    bs_submit_t items[] = {{.key = "new-1",
                            .title = "這一版存下的事件",
                            .body = "這一版把標題、正文和來源寫在其他字段之後。",
                            .topic = "幹部"}};
    bs_batch_page_t page;
    bs_submitted_t *results = intake_fixture_batch (fixture, secret, items, 1, &page);
    assert_string_equal (results[0].status, "registered");
    assert_int_equal (results[0].report_id, 601);
    bs_codec_record_free (&bs_batch_page_schema, &page);
    s_last_event_keys (fixture, keys, sizeof keys);
    assert_string_equal (keys, "report_id reg_no unit kind urgent topic channel received_at "
                               "version title body provenances attachments");

    for (int restarted = 0; restarted < 2; restarted++) {
        bs_report_t report;
        s_get (fixture, 600, 0, &report);
        assert_string_equal (report.title, "上一版存下的事件");
        assert_string_equal (report.kind, "situation");
        assert_int_equal (report.provenances.count, 1);
        assert_string_equal (((bs_provenance_t *) report.provenances.items)[0].key, "old-1");
        bs_codec_record_free (&bs_report_schema, &report);
        s_get (fixture, 601, 0, &report);
        assert_string_equal (report.title, "這一版存下的事件");
        assert_string_equal (report.body, "這一版把標題、正文和來源寫在其他字段之後。");
        assert_string_equal (report.topic, "幹部");
        assert_string_equal (report.channel, "direct");
        assert_int_equal (report.version, 1);
        assert_int_equal (report.provenances.count, 1);
        assert_string_equal (((bs_provenance_t *) report.provenances.items)[0].key, "new-1");
        bs_codec_record_free (&bs_report_schema, &report);
        bs_report_page_t listed;
        intake_fixture_report_page (fixture, &listed);
        assert_int_equal (listed.reports.count, 2);
        bs_codec_record_free (&bs_report_page_schema, &listed);
        intake_fixture_restart (fixture);
    }
    /* the fingerprints made again from the log, of both orders */
    bs_submit_t copies[] = {
        {.key = "copy-1", .title = before.title, .body = before.body},
        {.key = "copy-2", .title = items[0].title, .body = items[0].body},
    };
    results = intake_fixture_batch (fixture, secret, copies, 2, &page);
    assert_string_equal (results[0].status, "duplicate");
    assert_int_equal (results[0].report_id, 600);
    assert_string_equal (results[1].status, "duplicate");
    assert_int_equal (results[1].report_id, 601);
    bs_codec_record_free (&bs_batch_page_schema, &page);
}

/* intake names its own databases by their place in intake_databases
   (databases.h): each place's handle is the one its name looks up. */
static void
test_databases_by_place (void **state)
{
    intake_fixture_t *fixture = *state;
    for (size_t i = 0; i < INTAKE_DB_REGISTRY_FIRST; i++)
        assert_int_equal (intake_dbi (fixture->service, (intake_db_t) i),
                          bs_service_dbi (fixture->service, intake_databases[i]));
    assert_int_equal (intake_dbi (fixture->service, INTAKE_DB_SENDER_KEYS),
                      bs_store_dbi (fixture->store, "sender_keys"));
    assert_int_equal (intake_dbi (fixture->service, INTAKE_DB_REGISTRY_FIRST),
                      bs_store_dbi (fixture->store, "units"));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_databases_by_place, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_report_stored_once, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_report_stored_before, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_report_event_texts_last, intake_fixture_setup,
                                         intake_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
