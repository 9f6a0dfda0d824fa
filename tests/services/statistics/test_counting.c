/*  test_counting: what each event counts, driven in-process: events go
    through statistics' consume function inside write transactions of a
    real store, as the service loop applies them, and the figures are read
    back with statistics.query under each basis.

    What users rely on: a submission counts once (not its revised
    versions); an adoption counts when decided under basis decided, at its
    issue's date under basis published, at the report's receipt under basis
    received; a revert takes it back out; a synthesis credits each source's
    unit with its share; several leaders' comments at one level count once;
    the events of publication upward and of commissions count once
    each however often they arrive; registered units that never report show
    with zeros; every figure of a report also counts for its author, the
    officer who wrote it, ranked within the unit and overall.
*/
#include "bs_test.h"
#include "bs_test_record.h"
#include "bs_test_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs_config.h"
#include "bs_schemas.h"
#include "bs_service.h"
#include "bs_store.h"
#include "authors.h"
#include "changes.h"
#include "counting.h"
#include "counts.h"
#include "figures.h"
#include "measures.h"
#include "queries.h"
#include "statistics.h"

#define HOUR 3600000ULL
#define DAY (24 * HOUR)

typedef struct {
    char *folder;
    bs_config_t *config;
    bs_service_t *service;
} desk_t;

/* Several events counted in one turn, as the service loop applies them. */
typedef struct {
    desk_t *desk;
    const bs_message_t *events;
    size_t count;
} s_turn_t;

static int
s_turn_write (MDB_txn *txn, void *argument)
{
    s_turn_t *turn = argument;
    bs_service_t *service = turn->desk->service;
    statistics_counting_forget (bs_service_held (service)); /* a write run again (the map grew) */
    for (size_t i = 0; i < turn->count; i++) {
        int rc = statistics_count_event (service, txn, &turn->events[i], NULL);
        if (rc != BS_OK)
            return rc;
    }
    return statistics_counting_write (service, txn, bs_service_held (service));
}

static void
s_event (desk_t *desk, const bs_schema_t *schema, const void *record)
{
    bs_message_t event = {.schema = schema, .data = (void *) record, .seq = 1};
    snprintf (event.src, sizeof event.src, "test");
    s_turn_t turn = {desk, &event, 1};
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_turn_write, &turn),
                      BS_OK);
}

/* Local noon of a day of 2026, ms. */
static uint64_t
s_noon (int month, int day)
{
    struct tm local = {
        .tm_year = 126, .tm_mon = month - 1, .tm_mday = day, .tm_hour = 12, .tm_isdst = -1};
    return (uint64_t) mktime (&local) * 1000;
}

/* statistics.query in a read transaction; the page is the caller's. */
static bs_stats_page_t
s_query (desk_t *desk, const bs_stats_request_t *query)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    statistics_dbs_t dbs = {bs_service_dbi (desk->service, "figures"),
                            bs_service_dbi (desk->service, "values"),
                            bs_service_dbi (desk->service, "units")};
    bs_stats_page_t page;
    bs_error_t error;
    int rc = statistics_query (txn, &dbs, query, &page, &error);
    mdb_txn_abort (txn);
    if (rc != BS_OK)
        fail_msg ("query %s %s %s %s: %s", query->unit, query->period, query->basis,
                  query->dimension ? query->dimension : "", error.text);
    return page;
}

/* A unit's figures for period under basis (zeros if it has no row). */
static bs_stats_row_t
s_figures (desk_t *desk, const char *unit, const char *period, const char *basis)
{
    bs_stats_request_t query = {
        .period = (char *) period, .unit = (char *) unit, .basis = (char *) basis};
    bs_stats_page_t page = s_query (desk, &query);
    assert_int_equal (page.rows.count, 1);
    bs_stats_row_t row = *(bs_stats_row_t *) page.rows.items;
    bs_stats_row_t figures;
    memcpy (&figures, &row, sizeof figures);
    figures.unit = figures.period = figures.basis = figures.tier = figures.parent = NULL;
    figures.dimension = figures.value = NULL;
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return figures;
}

static void
s_unit (desk_t *desk, const char *name, const char *parent, const char *level)
{
    bs_unit_t unit = {.name = (char *) name,
                      .parent = (char *) parent,
                      .level = (char *) level,
                      .kind = "department"};
    s_event (desk, &bs_unit_schema, &unit);
}

/* A report received by email (its reg_no written into reg_no). */
static bs_report_t
s_report (uint64_t report_id, char reg_no[32], const char *unit, const char *officer, uint64_t at,
          uint64_t version)
{
    snprintf (reg_no, 32, "2026-%06llu", (unsigned long long) report_id);
    return (bs_report_t){.report_id = report_id,
                         .reg_no = reg_no,
                         .unit = (char *) unit,
                         .title = "標題",
                         .body = "正文",
                         .kind = "信息",
                         .channel = "email",
                         .received_at = at,
                         .version = version,
                         .officer = (char *) officer};
}

static void
s_received_by (desk_t *desk, uint64_t report_id, const char *unit, const char *officer,
               uint64_t at, uint64_t version)
{
    char reg_no[32];
    bs_report_t report = s_report (report_id, reg_no, unit, officer, at, version);
    s_event (desk, &bs_report_schema, &report);
}

static void
s_received (desk_t *desk, uint64_t report_id, const char *unit, uint64_t at, uint64_t version)
{
    s_received_by (desk, report_id, unit, NULL, at, version);
}

static void
s_decided (desk_t *desk, uint64_t report_id, const char *unit, const char *decision,
           uint64_t received_at, uint64_t decided_at)
{
    bs_decision_t d = {.report_id = report_id,
                       .reg_no = "2026-000001",
                       .unit = (char *) unit,
                       .title = "標題",
                       .kind = "信息",
                       .decision = (char *) decision,
                       .periodical = "組工信息",
                       .critique = "好",
                       .received_at = received_at,
                       .decided_at = decided_at};
    s_event (desk, &bs_decision_schema, &d);
}

static void
s_reverted (desk_t *desk, uint64_t report_id, const char *unit, const char *reverts,
            uint64_t received_at, uint64_t previous_at, uint64_t at)
{
    bs_decision_t d = {.report_id = report_id,
                       .reg_no = "2026-000001",
                       .unit = (char *) unit,
                       .title = "標題",
                       .kind = "信息",
                       .decision = "revert",
                       .reverts = (char *) reverts,
                       .critique = "撤回",
                       .received_at = received_at,
                       .decided_at = at,
                       .previous_at = previous_at,
                       .reason = "錯了"};
    s_event (desk, &bs_decision_schema, &d);
}

static void
s_published (desk_t *desk, uint64_t report_id, const char *unit, uint64_t at)
{
    bs_issue_item_t item = {
        .report_id = report_id, .reg_no = "2026-000001", .unit = (char *) unit, .title = "標題"};
    bs_issue_published_t issue = {.issue_id = 1,
                                  .periodical = "組工信息",
                                  .year = 2026,
                                  .number = 1,
                                  .total = 1,
                                  .published_at = at,
                                  .items = {1, &item}};
    s_event (desk, &bs_issue_published_schema, &issue);
}

static void
test_an_adoption_counts_by_its_basis (void **state)
{
    desk_t *desk = *state;
    s_unit (desk, "安陽市", "", "city");
    s_unit (desk, "滑縣", "安陽市", "county");
    s_unit (desk, "內黃縣", "安陽市", "county");
    uint64_t received = s_noon (3, 30), decided = s_noon (4, 2), published = s_noon (5, 6);
    s_received (desk, 1, "滑縣", received, 1);
    s_received (desk, 1, "滑縣", received + DAY, 2); /* a revised version: not a submission */
    s_decided (desk, 1, "滑縣", "adopt", received, decided);

    assert_int_equal (s_figures (desk, "滑縣", "2026-03", "").submitted, 1);
    assert_int_equal (s_figures (desk, "滑縣", "2026", "").submitted, 1);
    /* Not yet in an issue: not adopted under the offices' basis. */
    assert_int_equal (s_figures (desk, "滑縣", "2026", "published").adopted, 0);
    assert_int_equal (s_figures (desk, "滑縣", "2026-04", "decided").adopted, 1);
    assert_int_equal (s_figures (desk, "滑縣", "2026-03", "received").adopted, 1);
    assert_int_equal (s_figures (desk, "滑縣", "2026-04", "decided").decision_ms,
                      decided - received);

    s_published (desk, 1, "滑縣", published);
    assert_int_equal (s_figures (desk, "滑縣", "2026-05", "published").adopted, 1);
    assert_int_equal (s_figures (desk, "滑縣", "2026-04", "published").adopted, 0);
    assert_int_equal (s_figures (desk, "滑縣", "2026-05", "published").published, 1);
    assert_int_equal (s_figures (desk, "滑縣", "2026-05", "decided").published, 1);
    assert_int_equal (s_figures (desk, "滑縣", "2026-03", "received").published, 1);
    assert_int_equal (s_figures (desk, "滑縣", "2026-Q2", "published").decision_p50_ms, 72 * HOUR);
    /* The quiet county shows, with zeros. */
    assert_int_equal (s_figures (desk, "內黃縣", "2026", "").submitted, 0);

    /* A return, then its revert: out of its day, a revert counted. */
    s_received (desk, 2, "內黃縣", received, 1);
    s_decided (desk, 2, "內黃縣", "return", received, decided);
    assert_int_equal (s_figures (desk, "內黃縣", "2026-04-02", "decided").returned, 1);
    s_reverted (desk, 2, "內黃縣", "return", received, decided, s_noon (6, 1));
    assert_int_equal (s_figures (desk, "內黃縣", "2026", "decided").returned, 0);
    assert_int_equal (s_figures (desk, "內黃縣", "2026", "decided").decided, 0);
    assert_int_equal (s_figures (desk, "內黃縣", "2026-06", "decided").reverted, 1);

    /* An adoption reverted before its issue never counts under published. */
    s_received (desk, 3, "內黃縣", received, 1);
    s_decided (desk, 3, "內黃縣", "adopt", received, decided);
    s_reverted (desk, 3, "內黃縣", "adopt", received, decided, s_noon (4, 3));
    s_published (desk, 3, "內黃縣", published); /* (review would refuse; nothing to credit) */
    assert_int_equal (s_figures (desk, "內黃縣", "2026", "decided").adopted, 0);
    assert_int_equal (s_figures (desk, "內黃縣", "2026", "published").adopted, 0);
}

static void
test_a_synthesis_credits_each_source (void **state)
{
    desk_t *desk = *state;
    uint64_t at = s_noon (7, 1);
    const char *units[] = {"甲縣", "乙縣", "丙縣"};
    bs_source_t sources[3];
    for (int i = 0; i < 3; i++) {
        s_unit (desk, units[i], "", "county");
        s_received (desk, 10 + i, units[i], at, 1);
        sources[i] = (bs_source_t){.report_id = 10 + i,
                                   .reg_no = "2026-000010",
                                   .unit = (char *) units[i],
                                   .received_at = at};
    }
    bs_decision_t d = {.report_id = 99,
                       .reg_no = "2026-Z0001",
                       .unit = "綜合",
                       .title = "綜合",
                       .kind = "信息",
                       .decision = "adopt",
                       .periodical = "組工信息",
                       .critique = "好",
                       .received_at = at,
                       .decided_at = at + HOUR,
                       .sources = {3, sources}};
    s_event (desk, &bs_decision_schema, &d);
    s_published (desk, 99, "綜合", at + DAY);
    for (int i = 0; i < 3; i++) {
        bs_stats_row_t row = s_figures (desk, units[i], "2026-07", "");
        /* a source of three: a third of the credit, in hundredths */
        bs_test_expect_u64 (&bs_stats_row_schema, &row,
                            "submitted=1 adopted=1 published=1 synthesis_adopted=1 "
                            "synthesis_share=33");
    }
}

static void
test_events_upward_and_commissions_count_once (void **state)
{
    desk_t *desk = *state;
    s_unit (desk, "滑縣", "", "county");
    s_unit (desk, "林州市", "", "county");
    uint64_t at = s_noon (9, 10);
    s_received (desk, 5, "滑縣", at, 1);
    for (int twice = 0; twice < 2; twice++) {
        bs_forwarded_t sent = {.report_id = 5,
                               .reg_no = "2026-000005",
                               .unit = "滑縣",
                               .destination = "河南省委組織部",
                               .level = "province",
                               .forwarded_at = at + HOUR};
        s_event (desk, &bs_forwarded_schema, &sent);
        bs_adopted_upward_t adopted = {.adoption_id = 77,
                                       .report_id = 5,
                                       .reg_no = "2026-000005",
                                       .unit = "滑縣",
                                       .level = "province",
                                       .outlet = "河南組工信息",
                                       .adopted_at = at + 2 * DAY,
                                       .source = "callback"};
        s_event (desk, &bs_adopted_upward_schema, &adopted);
        bs_instructed_t comment = {.instruction_id = 8,
                                   .report_id = 5,
                                   .reg_no = "2026-000005",
                                   .unit = "滑縣",
                                   .level = "city",
                                   .leader = "市委書記",
                                   .text = "請推廣",
                                   .instructed_at = at + 3 * DAY};
        s_event (desk, &bs_instructed_schema, &comment);
        /* Another leader of the city on the same report: no more. */
        comment.instruction_id = 9;
        comment.leader = "市長";
        s_event (desk, &bs_instructed_schema, &comment);
        bs_unit_ref_t refs[] = {{"滑縣"}, {"林州市"}};
        bs_commission_created_t commission = {.commission_id = 3,
                                              .title = "約稿",
                                              .units = {2, refs},
                                              .deadline = at + 5 * DAY,
                                              .created_at = at};
        s_event (desk, &bs_commission_created_schema, &commission);
        bs_commission_answered_t answered = {.commission_id = 3,
                                             .unit = "滑縣",
                                             .report_id = 5,
                                             .reg_no = "2026-000005",
                                             .on_time = false,
                                             .answered_at = at + 6 * DAY};
        s_event (desk, &bs_commission_answered_schema, &answered);
        bs_commission_missed_t missed = {
            .commission_id = 3, .unit = "林州市", .deadline = at + 5 * DAY};
        s_event (desk, &bs_commission_missed_schema, &missed);
        bs_notice_sent_t notice = {
            .notice_id = 4, .kind = "guidance", .title = "要點", .units = {2, refs}, .sent_at = at};
        s_event (desk, &bs_notice_sent_schema, &notice);
        bs_withdrawn_t withdrawn = {.report_id = 5,
                                    .reg_no = "2026-000005",
                                    .unit = "滑縣",
                                    .reason = "重複",
                                    .withdrawn_at = at + HOUR};
        s_event (desk, &bs_withdrawn_schema, &withdrawn);
    }
    bs_stats_row_t hua = s_figures (desk, "滑縣", "2026-Q3", "");
    bs_test_expect_u64 (&bs_stats_row_schema, &hua,
                        "sent_upward=1 adopted_province=1 adopted_central=0 instructed_city=1 "
                        "commissioned=1 answered=1 answered_late=1 missed=0 notified=1 "
                        "withdrawn=1");
    bs_stats_row_t lin = s_figures (desk, "林州市", "2026-Q3", "");
    bs_test_expect_u64 (&bs_stats_row_schema, &lin, "commissioned=1 missed=1 answered=0");
    /* Under basis received, the adoption upward is dated by the report's receipt. */
    assert_int_equal (s_figures (desk, "滑縣", "2026-09-10", "received").adopted_province, 1);
    assert_int_equal (s_figures (desk, "滑縣", "2026-09-12", "decided").adopted_province, 1);
}

static int
s_prune_write (MDB_txn *txn, void *argument)
{
    desk_t *desk = argument;
    return statistics_changes_prune (desk->service, txn, 0, NULL);
}

static void
s_log_bounds (desk_t *desk, uint64_t *entries, uint64_t *first, uint64_t *last)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    MDB_dbi log = bs_service_dbi (desk->service, "log");
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, log, &stat), 0);
    *entries = stat.ms_entries;
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, log, &cursor), 0);
    MDB_val key, value;
    assert_int_equal (mdb_cursor_get (cursor, &key, &value, MDB_FIRST), 0);
    *first = bs_store_key_value (key.mv_data);
    assert_int_equal (mdb_cursor_get (cursor, &key, &value, MDB_LAST), 0);
    *last = bs_store_key_value (key.mv_data);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
}

/* The feed's log is pruned to its last statistics.log_keep entries; the
   figures stay as they were, and the sequence goes on from the last. */
static void
test_pruning_the_log_keeps_the_figures (void **state)
{
    desk_t *desk = *state;
    bs_error_t error;
    assert_int_equal (bs_config_set (desk->config, "statistics.log_keep", "5", &error), BS_OK);
    s_unit (desk, "滑縣", "", "county");
    uint64_t at = s_noon (3, 2);
    for (uint64_t id = 1; id <= 30; id++) {
        s_received (desk, id, "滑縣", at, 1);
        s_decided (desk, id, "滑縣", id % 3 ? "adopt" : "decline", at, at + id * HOUR);
    }
    uint64_t entries, first, last;
    s_log_bounds (desk, &entries, &first, &last);
    assert_true (entries > 30); /* a change per count under basis decided */
    bs_stats_row_t month = s_figures (desk, "滑縣", "2026-03", "decided");
    bs_stats_row_t year = s_figures (desk, "滑縣", "2026", "received");
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_prune_write, desk),
                      BS_OK);
    uint64_t pruned_entries, pruned_first, pruned_last;
    s_log_bounds (desk, &pruned_entries, &pruned_first, &pruned_last);
    assert_int_equal (pruned_entries, 5);
    assert_int_equal (pruned_last, last);
    assert_int_equal (pruned_first, last - 4);
    bs_stats_row_t month_after = s_figures (desk, "滑縣", "2026-03", "decided");
    bs_stats_row_t year_after = s_figures (desk, "滑縣", "2026", "received");
    for (statistics_measure_t m = 0; m < STATISTICS_MEASURES; m++) {
        assert_int_equal (statistics_row_value (&month_after, m), statistics_row_value (&month, m));
        assert_int_equal (statistics_row_value (&year_after, m), statistics_row_value (&year, m));
    }
    assert_int_equal (month_after.decision_p90_ms, month.decision_p90_ms);
    assert_int_equal (month.adopted, 20);
    /* The next change follows the last sequence, not the first kept. */
    s_received (desk, 31, "滑縣", at, 1);
    s_log_bounds (desk, &entries, &first, &last);
    assert_int_equal (last, pruned_last + 1);
    assert_int_equal (bs_config_set (desk->config, "statistics.log_keep", "0", &error), BS_OK);
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_prune_write, desk),
                      BS_OK);
    s_log_bounds (desk, &entries, &first, &last);
    assert_int_equal (entries, 1); /* log_keep 0 keeps the last one still */
    assert_int_equal (last, pruned_last + 1);
}

static bs_message_t
s_message (const char *source, uint64_t seq, const bs_schema_t *schema, const void *record)
{
    bs_message_t message = {.schema = schema, .data = (void *) record, .seq = seq};
    snprintf (message.src, sizeof message.src, "%s", source);
    return message;
}

/* The log's entries from sequence first on, decoded (count of them). */
static bs_message_t *
s_log_read (desk_t *desk, uint64_t first, size_t *count)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_service_dbi (desk->service, "log"), &cursor), 0);
    bs_message_t *messages = calloc (64, sizeof *messages);
    *count = 0;
    unsigned char start[8];
    bs_store_key (first, start);
    MDB_val key = {8, start}, value;
    for (int found = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
         found == 0 && *count < 64; found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        bs_error_t error;
        assert_int_equal (bs_message_decode (value.mv_data, value.mv_size, &bs_codec_default_limits,
                                             &messages[*count], &error),
                          BS_OK);
        (*count)++;
    }
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    return messages;
}

static void
s_expect_changed (const bs_message_t *message, const char *unit, const char *source, uint64_t seq,
                  const char *figures)
{
    assert_ptr_equal (message->schema, &bs_stats_changed_schema);
    const bs_stats_changed_t *changed = message->data;
    assert_string_equal (changed->unit, unit);
    assert_string_equal (changed->period, "2026-03");
    assert_string_equal (changed->source, source);
    assert_int_equal (changed->seq, seq);
    bs_test_expect_u64 (&bs_stats_changed_schema, changed, figures);
}

/* A turn tells the feed the last change of each unit's month by each log,
   with the figures after it and that log's last event that changed it,
   in the order the turn's last changes were made; an escalation keeps its
   place among them. Its events told one by one were ten notices. */
static void
test_a_turn_tells_each_month_once_a_log (void **state)
{
    desk_t *desk = *state;
    s_unit (desk, "滑縣", "", "county");
    s_unit (desk, "林州市", "", "county");
    uint64_t at = s_noon (3, 2);
    bs_report_t reports[7];
    bs_message_t events[10];
    size_t count = 0;
    for (uint64_t id = 1; id <= 7; id++) {
        reports[id - 1] = (bs_report_t){.report_id = id,
                                        .reg_no = "2026-000001",
                                        .unit = id == 6 ? "林州市" : "滑縣",
                                        .title = "標題",
                                        .body = "正文",
                                        .kind = "信息",
                                        .channel = "email",
                                        .received_at = at + id,
                                        .version = 1};
        events[count++] = s_message ("intake", 10 + id, &bs_report_schema, &reports[id - 1]);
    }
    bs_decision_t adopted = {.report_id = 1,
                             .reg_no = "2026-000001",
                             .unit = "滑縣",
                             .title = "標題",
                             .kind = "信息",
                             .decision = "adopt",
                             .periodical = "組工信息",
                             .received_at = at + 1,
                             .decided_at = at + HOUR};
    events[count++] = s_message ("review", 3, &bs_decision_schema, &adopted);
    bs_escalated_t escalated = {.report_id = 6,
                                .reg_no = "2026-000006",
                                .unit = "林州市",
                                .title = "標題",
                                .state = "queued",
                                .received_at = at + 6,
                                .deadline = at + HOUR,
                                .escalated_at = at + 2 * HOUR};
    events[count++] = s_message ("review", 4, &bs_escalated_schema, &escalated);
    s_turn_t turn = {desk, events, count};
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_turn_write, &turn),
                      BS_OK);

    size_t told;
    bs_message_t *log = s_log_read (desk, 1, &told); /* (units are not told) */
    assert_int_equal (told, 5);
    s_expect_changed (&log[0], "林州市", "intake", 16, "submitted=1 escalated=0");
    s_expect_changed (&log[1], "滑縣", "intake", 17, "submitted=6 adopted=0");
    s_expect_changed (&log[2], "滑縣", "review", 3, "submitted=6 adopted=1 decided=1");
    s_expect_changed (&log[3], "林州市", "review", 4, "submitted=1 escalated=1");
    assert_ptr_equal (log[4].schema, &bs_escalated_schema);
    assert_int_equal (((bs_escalated_t *) log[4].data)->report_id, 6);
    for (size_t i = 0; i < told; i++)
        bs_message_clear (&log[i]);
    free (log);

    /* The next turn tells its own changes: nothing held from this one. */
    bs_report_t later = reports[0];
    later.report_id = 8;
    bs_message_t next = s_message ("intake", 18, &bs_report_schema, &later);
    turn = (s_turn_t){desk, &next, 1};
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_turn_write, &turn),
                      BS_OK);
    log = s_log_read (desk, 6, &told);
    assert_int_equal (told, 1);
    s_expect_changed (&log[0], "滑縣", "intake", 18, "submitted=7 adopted=1");
    bs_message_clear (&log[0]);
    free (log);
}

/* statistics.authors of period (basis published) with the built-in rules
   (version 0), ranked by by. */
static bs_authors_page_t
s_authors (desk_t *desk, const char *period, const char *by, const char *unit)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    statistics_dbs_t dbs = {bs_service_dbi (desk->service, "figures"),
                            bs_service_dbi (desk->service, "values"),
                            bs_service_dbi (desk->service, "units")};
    statistics_rules_t rules;
    bs_error_t error;
    assert_int_equal (statistics_rules_parse (statistics_rules_default, &rules, &error), BS_OK);
    bs_authors_request_t query = {.period = (char *) period, .by = (char *) by, .unit = (char *) unit};
    bs_authors_page_t page;
    int rc = statistics_authors (txn, &dbs, &rules, &query, &page, &error);
    mdb_txn_abort (txn);
    statistics_rules_clear (&rules);
    if (rc != BS_OK)
        fail_msg ("authors %s by %s: %s", period, by, error.text);
    return page;
}

static const bs_author_row_t *
s_author_row (const bs_authors_page_t *page, const char *unit, const char *author)
{
    const bs_author_row_t *rows = page->rows.items;
    for (size_t i = 0; i < page->rows.count; i++)
        if (strcmp (rows[i].unit, unit) == 0 && strcmp (rows[i].author, author) == 0)
            return &rows[i];
    fail_msg ("no author %s of %s", author, unit);
    return NULL;
}

/* A turn that counts its events and is then given up (a full disk, say):
   nothing it counted is written. */
static int
s_turn_given_up (MDB_txn *txn, void *argument)
{
    s_turn_t *turn = argument;
    bs_service_t *service = turn->desk->service;
    statistics_counting_forget (bs_service_held (service));
    for (size_t i = 0; i < turn->count; i++)
        assert_int_equal (statistics_count_event (service, txn, &turn->events[i], NULL), BS_OK);
    return BS_E_SYSTEM;
}

/* Report 1 of 新區 received in a turn given up, then report 2 of 舊區 in
   a turn that commits (the same transaction id); their date. */
static uint64_t
s_given_up_then_another (desk_t *desk)
{
    uint64_t at = s_noon (3, 2);
    char reg_no[32];
    bs_report_t report = s_report (1, reg_no, "新區", NULL, at, 1);
    bs_message_t event = {.schema = &bs_report_schema, .data = &report, .seq = 1};
    snprintf (event.src, sizeof event.src, "test");
    s_turn_t turn = {desk, &event, 1};
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_turn_given_up, &turn),
                      BS_E_SYSTEM);
    s_received (desk, 2, "舊區", at, 1);
    return at;
}

/* Whether key is in statistics' database name. */
static bool
s_stored (desk_t *desk, const char *name, const char *key)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    MDB_val k = {strlen (key), (void *) key}, v;
    int rc = mdb_get (txn, bs_service_dbi (desk->service, name), &k, &v);
    mdb_txn_abort (txn);
    assert_true (rc == 0 || rc == MDB_NOTFOUND);
    return rc == 0;
}

/* A unit and its values are put once, and remembered as stored across
   turns (known.h), but only from a turn that committed: a turn given up,
   then another that commits without them (the same transaction id as the
   one given up), leave them unknown, and the next turn that meets them
   puts them: the unit is known and its report counted. */
static void
test_a_unit_first_met_in_a_turn_given_up_is_known_after (void **state)
{
    desk_t *desk = *state;
    uint64_t at = s_given_up_then_another (desk);
    assert_false (s_stored (desk, "units", "新區"));
    s_received (desk, 1, "新區", at, 1);
    assert_true (s_stored (desk, "units", "新區"));
    assert_true (s_stored (desk, "values", "c\x1f" "email"));
    bs_stats_row_t row = s_figures (desk, "新區", "2026-03", "");
    assert_int_equal (row.submitted, 1);

    /* the two committed subjects known at the next turn's start, none
       pending */
    statistics_turn_t *held = bs_service_held (desk->service);
    statistics_counting_forget (held);
    size_t known, pending;
    statistics_known_count (held->known, &known, &pending);
    assert_int_equal (known, 2);
    assert_int_equal (pending, 0);
}

/* A unit's figure under basis decided in one channel (0 when no row). */
static uint64_t
s_channel_adopted (desk_t *desk, const char *unit, const char *period, const char *channel)
{
    bs_stats_request_t query = {.period = (char *) period,
                                .unit = (char *) unit,
                                .basis = "decided",
                                .dimension = "channel"};
    bs_stats_page_t page = s_query (desk, &query);
    uint64_t adopted = 0;
    const bs_stats_row_t *rows = page.rows.items;
    for (size_t i = 0; i < page.rows.count; i++)
        if (strcmp (rows[i].value, channel) == 0)
            adopted += rows[i].adopted;
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return adopted;
}

/* A report's kept dimensions are remembered across turns (reports.h),
   but only from a turn that committed: a report received in a turn given
   up, then another turn that commits without it (the same transaction
   id), leave it unknown, so its adoption counts without its channel and
   waits for it; when it comes, the adoption is counted again with its
   channel. A report kept from a committed turn is found without a read. */
static void
test_a_report_received_in_a_turn_given_up_is_not_kept (void **state)
{
    desk_t *desk = *state;
    uint64_t at = s_given_up_then_another (desk);
    s_decided (desk, 1, "新區", "adopt", at, at + HOUR);
    assert_int_equal (s_figures (desk, "新區", "2026-03", "decided").adopted, 1);
    assert_int_equal (s_channel_adopted (desk, "新區", "2026-03", "email"), 0);
    s_received (desk, 1, "新區", at, 1);
    assert_int_equal (s_channel_adopted (desk, "新區", "2026-03", "email"), 1);

    /* report 2's decision: its dimensions from memory, kept since its
       turn committed; report 1's too, kept since it came */
    statistics_counting_forget (bs_service_held (desk->service));
    size_t kept_pending[2];
    statistics_reports_count (((statistics_turn_t *) bs_service_held (desk->service))->reports,
                              &kept_pending[0], &kept_pending[1]);
    assert_true (kept_pending[0] == 2 && kept_pending[1] == 0);
    s_decided (desk, 2, "舊區", "adopt", at, at + HOUR);
    assert_int_equal (s_channel_adopted (desk, "舊區", "2026-03", "email"), 1);
}

static void
test_an_author_is_credited_and_ranked (void **state)
{
    desk_t *desk = *state;
    s_unit (desk, "滑縣", "", "county");
    s_unit (desk, "林州市", "", "county");
    uint64_t at = s_noon (3, 2);
    /* 王 writes two reports in 滑縣, 李 one; 趙 one in 林州市; one report
       has no author (mail from an unknown sender). */
    s_received_by (desk, 1, "滑縣", "wang", at, 1);
    s_received_by (desk, 2, "滑縣", "wang", at, 1);
    s_received_by (desk, 3, "滑縣", "li", at, 1);
    s_received_by (desk, 4, "林州市", "zhao", at, 1);
    s_received (desk, 5, "林州市", at, 1);
    for (uint64_t id = 1; id <= 5; id++) {
        const char *unit = id <= 3 ? "滑縣" : "林州市";
        s_decided (desk, id, unit, id == 2 ? "decline" : "adopt", at, at + HOUR);
        if (id != 2)
            s_published (desk, id, unit, at + DAY);
    }
    bs_adopted_upward_t adopted = {.adoption_id = 1,
                                   .report_id = 3,
                                   .reg_no = "2026-000003",
                                   .unit = "滑縣",
                                   .level = "province",
                                   .outlet = "河南組工信息",
                                   .adopted_at = at + 2 * DAY,
                                   .source = "callback"};
    s_event (desk, &bs_adopted_upward_schema, &adopted);

    bs_authors_page_t page = s_authors (desk, "2026-03", "", "");
    assert_string_equal (page.by, "points");
    assert_int_equal (page.rules_version, 0);
    assert_int_equal (page.rows.count, 3); /* the report without an author is no one's */
    /* Built-in rules: adopted 1 point and 50 yuan, adopted_province 6 and 200. */
    bs_test_expect_u64 (&bs_author_row_schema, s_author_row (&page, "滑縣", "li"),
                        "submitted=1 adopted=1 adopted_province=1 points=7 reward=250 rank=1 "
                        "unit_rank=1");
    /* wang and zhao tie overall: both second, unit first in ranking order */
    bs_test_expect_u64 (&bs_author_row_schema, s_author_row (&page, "滑縣", "wang"),
                        "submitted=2 adopted=1 published=1 points=1 reward=50 rank=2 unit_rank=2");
    bs_test_expect_u64 (&bs_author_row_schema, s_author_row (&page, "林州市", "zhao"),
                        "points=1 rank=2 unit_rank=1");
    const bs_author_row_t *rows = page.rows.items;
    assert_string_equal (rows[0].author, "li");
    assert_string_equal (rows[1].author, "zhao"); /* 林 sorts before 滑 in UTF-8 */
    assert_string_equal (rows[2].author, "wang");
    bs_codec_record_free (&bs_authors_page_schema, &page);

    /* By a figure, of one unit; another month has no author at all. */
    page = s_authors (desk, "2026-03", "submitted", "滑縣");
    assert_int_equal (page.rows.count, 2);
    assert_string_equal (((const bs_author_row_t *) page.rows.items)[0].author, "wang");
    assert_int_equal (((const bs_author_row_t *) page.rows.items)[0].value, 2);
    bs_codec_record_free (&bs_authors_page_schema, &page);
    page = s_authors (desk, "2026-05", "", "");
    assert_int_equal (page.rows.count, 0);
    bs_codec_record_free (&bs_authors_page_schema, &page);

    /* Bad input: an unknown figure, an unknown unit. */
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    statistics_dbs_t dbs = {bs_service_dbi (desk->service, "figures"),
                            bs_service_dbi (desk->service, "values"),
                            bs_service_dbi (desk->service, "units")};
    statistics_rules_t rules = {.name = ""};
    bs_error_t error;
    bs_authors_request_t bad = {.by = "adoptd"};
    assert_int_equal (statistics_authors (txn, &dbs, &rules, &bad, &page, &error), BS_E_INVALID);
    assert_string_equal (error.field, "by");
    bs_authors_request_t nowhere = {.unit = "無此單位"};
    assert_int_equal (statistics_authors (txn, &dbs, &rules, &nowhere, &page, &error),
                      BS_E_NOT_FOUND);
    /* Authors are not a dimension of statistics.query. */
    bs_stats_request_t sliced = {.dimension = "author"};
    bs_stats_page_t figures;
    assert_int_equal (statistics_query (txn, &dbs, &sliced, &figures, &error), BS_E_INVALID);
    mdb_txn_abort (txn);
}

static int
s_setup (void **state)
{
    desk_t *desk = calloc (1, sizeof *desk);
    bs_test_service_open ("statistics", statistics_databases, NULL, &desk->folder, &desk->config,
                          &desk->service);
    assert_int_equal (statistics_counting_hold (desk->service), BS_OK);
    *state = desk;
    return 0;
}

static int
s_teardown (void **state)
{
    desk_t *desk = *state;
    bs_test_service_close (&desk->folder, &desk->config, &desk->service);
    free (desk);
    return 0;
}

int
main (void)
{
    setenv ("TZ", "Asia/Shanghai", 1);
    tzset ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_an_adoption_counts_by_its_basis, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_a_synthesis_credits_each_source, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_events_upward_and_commissions_count_once, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_pruning_the_log_keeps_the_figures, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_a_unit_first_met_in_a_turn_given_up_is_known_after,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_a_report_received_in_a_turn_given_up_is_not_kept,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_an_author_is_credited_and_ranked, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_a_turn_tells_each_month_once_a_log, s_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
