/*  test_year: a generated year of 2026 against an independent oracle.

    48 units (a city, 8 counties with 4 townships each, 4 sections, 3 key
    units), about 3,000 reports over six channels, decisions of every kind
    with reverts, syntheses of two or three sources (the rules split their
    credit), issues every two weeks, adoptions upward at each level (some
    recorded twice), leaders' comments (several at one level on a report
    count once), commissions (scored or not: answered on time, late, never),
    revised versions that must not count, and an author (one of three
    officers of the unit, or none) on each report. The events go through
    statistics' consume function in process, in the order of their dates,
    and are written as JSON lines; statistics' answers (figures of every
    month, quarter, the year and a range of days under each basis with the
    percentiles of times to decision, the year rolled up, splits by
    channel, kind, topic and periodical, rankings per tier by several
    figures, one tier alone, and scores by score, points and reward with
    a rules file of the test's own, and the authors' figures, points,
    rewards and ranks within their unit and overall) are written beside
    them. Then the
    oracle, tests/services/statistics/year_oracle.py (Python, written from
    docs/API.md and scores.h, sharing no code with the service), recomputes
    every figure, rank, point, reward and assessment from the events and
    must find each answer equal. A second year is applied twice, in the
    order of its dates and a whole log at a time (publication's, review's,
    then intake's, as a rebuild may): every answer must be the same.
*/
#include "bs_test.h"
#include "bs_test_service.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs_config.h"
#include "bs_json.h"
#include "bs_schemas.h"
#include "bs_service.h"
#include "authors.h"
#include "bs_store.h"
#include "counting.h"
#include "figures.h"
#include "queries.h"
#include "rules.h"
#include "scores.h"
#include "statistics.h"

#define HOUR 3600000ULL
#define DAY (24 * HOUR)
#define REPORTS 3000
#define UNITS 48

static const char s_rules[] = "[rules]\n"
                              "name = year test\n"
                              "[points]\n"
                              "adopted = 2\n"
                              "adopted_county = 1\n"
                              "adopted_city = 3\n"
                              "adopted_province = 5\n"
                              "adopted_central = 9\n"
                              "instructed_city = 2\n"
                              "instructed_province = 4\n"
                              "published = 1\n"
                              "[penalties]\n"
                              "missed = 4\n"
                              "answered_late = 1\n"
                              "zero_after_missed = 3\n"
                              "[rewards]\n"
                              "adopted = 40\n"
                              "adopted_city = 100\n"
                              "adopted_central = 800\n"
                              "[quotas]\n"
                              "figure = adopted\n"
                              "county = 2\n"
                              "township = 1\n"
                              "key_unit = 1\n"
                              "[unit_quotas]\n"
                              "第01县 = 4\n"
                              "[assessment]\n"
                              "quota = 35\n"
                              "quality = 25\n"
                              "timeliness = 15\n"
                              "upward = 25\n"
                              "upward_full = 12\n"
                              "[synthesis]\n"
                              "split = 1\n"
                              "[parent_credit]\n"
                              "township = 50\n"
                              "section = 20\n";

typedef struct {
    uint64_t at;  /* when it happens; the order of apply */
    size_t order; /* generation order, for equal dates */
    const bs_schema_t *schema;
    json_t *record;
} s_event_t;

typedef struct {
    s_event_t *events;
    size_t count, capacity;
    uint64_t seed;
} s_year_t;

static uint64_t
s_random (s_year_t *year, uint64_t below)
{
    year->seed = year->seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (year->seed >> 33) % below;
}

static void
s_add (s_year_t *year, uint64_t at, const bs_schema_t *schema, json_t *record)
{
    assert_non_null (record);
    if (year->count == year->capacity) {
        year->capacity = year->capacity ? 2 * year->capacity : 1024;
        year->events = realloc (year->events, year->capacity * sizeof *year->events);
        assert_non_null (year->events);
    }
    year->events[year->count] = (s_event_t){at, year->count, schema, record};
    year->count++;
}

static uint64_t
s_local (int month, int day, int hour)
{
    struct tm local = {
        .tm_year = 126, .tm_mon = month - 1, .tm_mday = day, .tm_hour = hour, .tm_isdst = -1};
    return (uint64_t) mktime (&local) * 1000;
}

static char s_units[UNITS][64];
static int s_unit_count;

static void
s_units_make (s_year_t *year)
{
    s_unit_count = 0;
    snprintf (s_units[s_unit_count++], 64, "安阳市");
    s_add (year, 1, &bs_unit_schema,
           json_pack ("{s:s, s:s, s:s}", "name", "安阳市", "level", "city", "kind", "department"));
    for (int c = 1; c <= 8; c++) {
        char county[64];
        snprintf (county, sizeof county, "第%02d县", c);
        snprintf (s_units[s_unit_count++], 64, "%s", county);
        s_add (year, 1, &bs_unit_schema,
               json_pack ("{s:s, s:s, s:s, s:s}", "name", county, "parent", "安阳市", "level",
                          "county", "kind", "department"));
        for (int t = 1; t <= 4; t++) {
            snprintf (s_units[s_unit_count], 64, "%s第%d镇", county, t);
            s_add (year, 1, &bs_unit_schema,
                   json_pack ("{s:s, s:s, s:s, s:s}", "name", s_units[s_unit_count], "parent",
                              county, "level", "township", "kind", "department"));
            s_unit_count++;
        }
    }
    static const char *const kinds[] = {"section",  "section",  "section", "section",
                                        "key_unit", "key_unit", "key_unit"};
    for (int k = 0; k < 7; k++) {
        snprintf (s_units[s_unit_count], 64, "%s%d", k < 4 ? "科室" : "重点单位", k + 1);
        s_add (year, 1, &bs_unit_schema,
               json_pack ("{s:s, s:s, s:s, s:s}", "name", s_units[s_unit_count], "parent", "安阳市",
                          "level", "city", "kind", kinds[k]));
        s_unit_count++;
    }
    assert_int_equal (s_unit_count, UNITS);
}

/* What the generator remembers of a report. */
typedef struct {
    const char *unit;
    uint64_t received_at;
    bool source; /* folded into a synthesis: no decision of its own */
} s_report_t;

static s_report_t s_reports[REPORTS + 1];

static json_t *
s_decision (uint64_t id, const char *decision, uint64_t decided_at)
{
    char reg_no[32];
    snprintf (reg_no, sizeof reg_no, "2026-%06llu", (unsigned long long) id);
    return json_pack (
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "report_id", (json_int_t) id,
        "reg_no", reg_no, "unit", s_reports[id].unit, "title", "标题", "kind", "信息", "decision",
        decision, "periodical", id % 3 ? "組工信息" : "工作動態", "critique", "好", "received_at",
        (json_int_t) s_reports[id].received_at, "decided_at", (json_int_t) decided_at);
}

static void
s_reports_make (s_year_t *year)
{
    static const char *const channels[] = {"web", "email", "phone", "walk_in", "batch", "api"};
    static const char *const topics[] = {"党建", "干部", "人才", "基层", ""};
    uint64_t start = s_local (1, 1, 8), span = s_local (12, 20, 8) - start;
    memset (s_reports, 0, sizeof s_reports);
    for (uint64_t id = 1; id <= REPORTS; id++) {
        s_report_t *report = &s_reports[id];
        size_t unit = s_random (year, UNITS);
        report->unit = s_units[unit];
        report->received_at = start + s_random (year, span / 1000) * 1000;
        char reg_no[32];
        snprintf (reg_no, sizeof reg_no, "2026-%06llu", (unsigned long long) id);
        const char *topic = topics[s_random (year, 5)];
        /* Its author: one of three officers of the unit; every seventh
           report (mail from an unknown sender, a batch) has none. */
        char officer[32];
        snprintf (officer, sizeof officer, "officer%02zu_%llu", unit,
                  (unsigned long long) (id * 5 / 7) % 3);
        for (int version = 1; version <= (s_random (year, 30) == 0 ? 2 : 1); version++) {
            s_add (year, report->received_at + (uint64_t) (version - 1) * HOUR, &bs_report_schema,
                   json_pack ("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "report_id",
                              (json_int_t) id, "reg_no", reg_no, "unit", report->unit, "title",
                              "标题", "body", "正文", "kind", id % 4 ? "信息" : "经验", "topic",
                              topic, "channel", channels[s_random (year, 6)], "received_at",
                              (json_int_t) report->received_at, "version", (json_int_t) version));
            if (id % 7 != 0)
                json_object_set_new (year->events[year->count - 1].record, "officer",
                                     json_string (officer));
        }
    }
}

/* An adopted report waiting for an issue. */
typedef struct {
    uint64_t id, decided_at;
    bool published;
} s_adoption_t;

static void
s_issues_make (s_year_t *year, s_adoption_t *adoptions, size_t count)
{
    uint64_t issue_id = 1;
    for (uint64_t at = s_local (1, 10, 16); at < s_local (12, 31, 12); at += 14 * DAY) {
        json_t *items = json_array ();
        for (size_t i = 0; i < count; i++) {
            if (adoptions[i].published || adoptions[i].decided_at >= at)
                continue;
            adoptions[i].published = true;
            char reg_no[32];
            snprintf (reg_no, sizeof reg_no, "2026-%06llu", (unsigned long long) adoptions[i].id);
            json_array_append_new (items, json_pack ("{s:I, s:s, s:s, s:s}", "report_id",
                                                     (json_int_t) adoptions[i].id, "reg_no", reg_no,
                                                     "unit", s_reports[adoptions[i].id].unit,
                                                     "title", "标题"));
        }
        s_add (year, at, &bs_issue_published_schema,
               json_pack ("{s:I, s:s, s:I, s:I, s:I, s:I, s:o}", "issue_id", (json_int_t) issue_id,
                          "periodical", "組工信息", "year", (json_int_t) 2026, "number",
                          (json_int_t) issue_id, "total", (json_int_t) issue_id, "published_at",
                          (json_int_t) at, "items", items));
        issue_id++;
    }
}

static void
s_upward_make (s_year_t *year, uint64_t id, uint64_t decided_at, uint64_t *adoption_id,
               uint64_t *instruction_id)
{
    static const char *const levels[] = {"county", "city", "province", "central"};
    char reg_no[32];
    snprintf (reg_no, sizeof reg_no, "2026-%06llu", (unsigned long long) id);
    if (s_random (year, 4) == 0) {
        uint64_t at = decided_at + (1 + s_random (year, 20)) * DAY;
        json_t *adopted =
            json_pack ("{s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:s}", "adoption_id",
                       (json_int_t)++ * adoption_id, "report_id", (json_int_t) id, "reg_no", reg_no,
                       "unit", s_reports[id].unit, "level", levels[s_random (year, 4)], "outlet",
                       "上级刊物", "adopted_at", (json_int_t) at, "source", "manual");
        if (s_random (year, 20) == 0) /* recorded twice: counts once */
            s_add (year, at + HOUR, &bs_adopted_upward_schema, json_deep_copy (adopted));
        s_add (year, at, &bs_adopted_upward_schema, adopted);
    }
    if (s_random (year, 10) == 0)
        for (uint64_t n = 1 + s_random (year, 3); n > 0; n--) {
            uint64_t at = decided_at + (1 + s_random (year, 30)) * DAY;
            s_add (year, at, &bs_instructed_schema,
                   json_pack ("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I}", "instruction_id",
                              (json_int_t)++ * instruction_id, "report_id", (json_int_t) id,
                              "reg_no", reg_no, "unit", s_reports[id].unit, "level",
                              levels[s_random (year, 4)], "leader", "领导", "text", "批示",
                              "instructed_at", (json_int_t) at));
        }
}

/* A synthesis: report id combines two or three earlier reports of other
   units (three: shares of 33 hundredths, rounded down). */
static json_t *
s_sources (s_year_t *year, uint64_t id)
{
    json_t *sources = json_array ();
    size_t wanted = 2 + s_random (year, 2);
    for (uint64_t tries = 0; json_array_size (sources) < wanted && tries < 50 && id > 10; tries++) {
        uint64_t other = 1 + s_random (year, id - 1);
        if (s_reports[other].source || strcmp (s_reports[other].unit, s_reports[id].unit) == 0)
            continue;
        s_reports[other].source = true;
        char reg_no[32];
        snprintf (reg_no, sizeof reg_no, "2026-%06llu", (unsigned long long) other);
        json_array_append_new (sources, json_pack ("{s:I, s:s, s:s, s:I}", "report_id",
                                                   (json_int_t) other, "reg_no", reg_no, "unit",
                                                   s_reports[other].unit, "received_at",
                                                   (json_int_t) s_reports[other].received_at));
    }
    return sources;
}

static void
s_decisions_make (s_year_t *year)
{
    static const char *const words[] = {"adopt",  "adopt",   "adopt",   "adopt",   "return",
                                        "return", "decline", "decline", "forward", ""};
    s_adoption_t *adoptions = calloc (REPORTS, sizeof *adoptions);
    size_t adopted = 0;
    uint64_t adoption_id = 0, instruction_id = 0;
    for (uint64_t id = REPORTS; id >= 1; id--) { /* later reports fold earlier ones */
        if (s_reports[id].source)
            continue;
        const char *word = words[s_random (year, 10)];
        if (!*word)
            continue;
        uint64_t decided_at = s_reports[id].received_at + HOUR + s_random (year, 10 * DAY);
        json_t *decision = s_decision (id, word, decided_at);
        bool adopt = strcmp (word, "adopt") == 0;
        if (adopt && s_random (year, 20) == 0)
            json_object_set_new (decision, "sources", s_sources (year, id));
        bool synthesis = json_array_size (json_object_get (decision, "sources")) > 0;
        s_add (year, decided_at, &bs_decision_schema, decision);
        bool revert = (adopt || strcmp (word, "return") == 0) && s_random (year, 25) == 0;
        if (revert) {
            /* Reverted within the hour: before any issue could carry it. */
            json_t *back = s_decision (id, "revert", decided_at + HOUR / 2);
            json_object_set_new (back, "reverts", json_string (word));
            json_object_set_new (back, "previous_at", json_integer ((json_int_t) decided_at));
            json_object_set_new (back, "reason", json_string ("错了"));
            json_object_set (back, "sources", json_object_get (decision, "sources"));
            if (!json_object_get (back, "sources"))
                json_object_del (back, "sources");
            s_add (year, decided_at + HOUR / 2, &bs_decision_schema, back);
            continue;
        }
        if (adopt) {
            /* Issues come every two weeks at 16:00: an adoption within the
               hour before one waits for the next. */
            adoptions[adopted++] = (s_adoption_t){id, decided_at + HOUR, false};
            if (!synthesis)
                s_upward_make (year, id, decided_at, &adoption_id, &instruction_id);
        }
    }
    s_issues_make (year, adoptions, adopted);
    free (adoptions);
}

static void
s_commissions_make (s_year_t *year)
{
    for (uint64_t c = 1; c <= 12; c++) {
        uint64_t created = s_local ((int) c, 3, 9), deadline = created + 7 * DAY;
        bool scored = c % 3 != 0;
        json_t *units = json_array ();
        int first = 1 + (int) s_random (year, UNITS - 11);
        for (int u = first; u < first + 10; u++)
            json_array_append_new (units, json_pack ("{s:s}", "unit", s_units[u]));
        s_add (year, created, &bs_commission_created_schema,
               json_pack ("{s:I, s:s, s:O, s:I, s:b, s:I}", "commission_id", (json_int_t) c,
                          "title", "约稿", "units", units, "deadline", (json_int_t) deadline,
                          "scored", scored, "created_at", (json_int_t) created));
        for (int u = first; u < first + 10; u++) {
            uint64_t fate = s_random (year, 10), report = 1 + s_random (year, REPORTS);
            if (fate >= 6)
                s_add (year, deadline, &bs_commission_missed_schema,
                       json_pack ("{s:I, s:s, s:b, s:I}", "commission_id", (json_int_t) c, "unit",
                                  s_units[u], "scored", scored, "deadline", (json_int_t) deadline));
            if (fate < 8) {
                uint64_t at = fate < 6 ? created + (1 + s_random (year, 6)) * DAY
                                       : deadline + (1 + s_random (year, 5)) * DAY;
                s_add (year, at, &bs_commission_answered_schema,
                       json_pack ("{s:I, s:s, s:I, s:s, s:b, s:b, s:I}", "commission_id",
                                  (json_int_t) c, "unit", s_units[u], "report_id",
                                  (json_int_t) report, "reg_no", "2026-000001", "on_time", fate < 6,
                                  "scored", scored, "answered_at", (json_int_t) at));
            }
        }
        json_decref (units);
    }
}

static int
s_by_date (const void *left, const void *right)
{
    const s_event_t *a = left, *b = right;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return a->order < b->order ? -1 : 1;
}

/* The service under test, in process. */
typedef struct {
    char *folder;
    bs_config_t *config;
    bs_service_t *service;
    s_year_t *year;
    size_t first;             /* the batch's first event */
    size_t next;              /* the event being applied */
    statistics_rules_t rules; /* the scoring rules of the test */
} s_desk_t;

static int
s_apply_batch (MDB_txn *txn, void *argument)
{
    s_desk_t *desk = argument;
    /* A write retried (the map grew) starts its batch again. */
    desk->next = desk->first;
    statistics_counting_forget (bs_service_held (desk->service));
    for (size_t n = 0; n < 500 && desk->next < desk->year->count; n++, desk->next++) {
        s_event_t *event = &desk->year->events[desk->next];
        void *record = calloc (1, event->schema->record_size);
        bs_error_t error;
        if (bs_json_to_record (event->record, event->schema, record, &error) != BS_OK)
            fail_msg ("event %zu (%s): %s", desk->next, event->schema->type, error.text);
        bs_message_t message = {.schema = event->schema, .data = record, .seq = desk->next + 1};
        snprintf (message.src, sizeof message.src, "test");
        int rc = statistics_count_event (desk->service, txn, &message, NULL);
        bs_codec_record_free (event->schema, record);
        free (record);
        if (rc != BS_OK)
            return rc;
    }
    return statistics_counting_write (desk->service, txn, bs_service_held (desk->service));
}

/* statistics' answer to what (figures, rollup, a dimension, ranking or
   scores) for a period and basis; a ranking or scores ranked by by within
   tier (NULL: the defaults, every tier). */
static json_t *
s_answer_by (s_desk_t *desk, const char *what, const char *period, const char *basis,
             const char *by, const char *tier)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    statistics_dbs_t dbs = {bs_service_dbi (desk->service, "figures"),
                            bs_service_dbi (desk->service, "values"),
                            bs_service_dbi (desk->service, "units")};
    bs_error_t error;
    json_t *page = NULL;
    int rc;
    if (strcmp (what, "ranking") == 0) {
        bs_ranking_request_t query = {.period = (char *) period,
                                      .by = (char *) (by ? by : "adopted"),
                                      .tier = (char *) tier,
                                      .basis = (char *) basis};
        bs_ranking_page_t reply;
        rc = statistics_ranking (txn, &dbs, &query, &reply, &error);
        if (rc == BS_OK) {
            page = bs_json_from_record (&bs_ranking_page_schema, &reply);
            bs_codec_record_free (&bs_ranking_page_schema, &reply);
        }
    } else if (strcmp (what, "scores") == 0) {
        bs_scores_request_t query = {.period = (char *) period,
                                     .basis = (char *) basis,
                                     .by = (char *) by,
                                     .tier = (char *) tier};
        bs_scores_page_t reply;
        rc = statistics_scores (txn, &dbs, &desk->rules, &query, &reply, &error);
        if (rc == BS_OK) {
            page = bs_json_from_record (&bs_scores_page_schema, &reply);
            bs_codec_record_free (&bs_scores_page_schema, &reply);
        }
    } else {
        bool sliced = strcmp (what, "figures") != 0 && strcmp (what, "rollup") != 0;
        bs_stats_request_t query = {.period = (char *) period,
                                    .basis = (char *) basis,
                                    .rollup = strcmp (what, "rollup") == 0,
                                    .dimension = sliced ? (char *) what : ""};
        bs_stats_page_t reply;
        rc = statistics_query (txn, &dbs, &query, &reply, &error);
        if (rc == BS_OK) {
            page = bs_json_from_record (&bs_stats_page_schema, &reply);
            bs_codec_record_free (&bs_stats_page_schema, &reply);
        }
    }
    mdb_txn_abort (txn);
    if (rc != BS_OK)
        fail_msg ("%s %s %s: %s", what, period, basis, error.text);
    return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:o}", "what", what, "period", period, "basis",
                      basis, "by", by ? by : "", "tier", tier ? tier : "", "page", page);
}

static json_t *
s_answer (s_desk_t *desk, const char *what, const char *period, const char *basis)
{
    return s_answer_by (desk, what, period, basis, NULL, NULL);
}

/* statistics.authors for a period, ranked by by, of one unit or all. */
static json_t *
s_authors_answer (s_desk_t *desk, const char *period, const char *basis, const char *by,
                  const char *unit)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    statistics_dbs_t dbs = {bs_service_dbi (desk->service, "figures"),
                            bs_service_dbi (desk->service, "values"),
                            bs_service_dbi (desk->service, "units")};
    bs_authors_request_t query = {
        .period = (char *) period, .basis = (char *) basis, .by = (char *) by, .unit = (char *) unit};
    bs_authors_page_t reply;
    bs_error_t error;
    int rc = statistics_authors (txn, &dbs, &desk->rules, &query, &reply, &error);
    mdb_txn_abort (txn);
    if (rc != BS_OK)
        fail_msg ("authors %s %s by %s: %s", period, basis, by, error.text);
    json_t *page = bs_json_from_record (&bs_authors_page_schema, &reply);
    bs_codec_record_free (&bs_authors_page_schema, &reply);
    return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:o}", "what", "authors", "period", period, "basis",
                      basis, "by", by, "unit", unit, "page", page);
}

/* The year's events in the order of their dates. */
static void
s_year_make (s_year_t *year)
{
    s_units_make (year);
    s_reports_make (year);
    s_decisions_make (year);
    s_commissions_make (year);
    qsort (year->events, year->count, sizeof *year->events, s_by_date);
}

static void
s_year_free (s_year_t *year)
{
    for (size_t i = 0; i < year->count; i++)
        json_decref (year->events[i].record);
    free (year->events);
}

/* Apply every event of year, in its order, in batches of 500; the test's
   rules as version 1 would be kept. */
static void
s_apply_year (s_desk_t *desk, s_year_t *year)
{
    desk->year = year;
    desk->first = desk->next = 0;
    while (desk->first < year->count) {
        assert_int_equal (bs_store_write (bs_service_store (desk->service), s_apply_batch, desk),
                          BS_OK);
        desk->first = desk->next;
    }
    bs_error_t error;
    statistics_rules_clear (&desk->rules);
    assert_int_equal (statistics_rules_parse (s_rules, &desk->rules, &error), BS_OK);
    desk->rules.version = 1;
}

/* Statistics' answers: figures of every month, quarter, the year and a
   range under each basis, rankings, scores and authors, the year rolled
   up, the splits. */
static json_t *
s_answers (s_desk_t *desk)
{
    json_t *answers = json_array ();
    static const char *const bases[] = {"published", "decided", "received"};
    char periods[20][32];
    int count = 0;
    for (int m = 1; m <= 12; m++)
        snprintf (periods[count++], 32, "2026-%02d", m);
    for (int q = 1; q <= 4; q++)
        snprintf (periods[count++], 32, "2026-Q%d", q);
    snprintf (periods[count++], 32, "2026-H2");
    snprintf (periods[count++], 32, "2026");
    snprintf (periods[count++], 32, "2026-03-15..2026-05-10");
    for (int p = 0; p < count; p++) {
        for (int b = 0; b < 3; b++)
            json_array_append_new (answers, s_answer (desk, "figures", periods[p], bases[b]));
        json_array_append_new (answers, s_answer (desk, "ranking", periods[p], "published"));
        json_array_append_new (answers, s_answer (desk, "scores", periods[p], "published"));
        json_array_append_new (answers, s_answer (desk, "scores", periods[p], "decided"));
        json_array_append_new (answers,
                               s_authors_answer (desk, periods[p], "published", "points", ""));
    }
    /* Authors by other figures and bases, and one unit's authors. */
    json_array_append_new (answers, s_authors_answer (desk, "2026", "decided", "reward", ""));
    json_array_append_new (answers, s_authors_answer (desk, "2026", "received", "adopted", ""));
    json_array_append_new (answers,
                           s_authors_answer (desk, "2026-Q3", "published", "adopted_city", ""));
    json_array_append_new (answers, s_authors_answer (desk, "2026", "published", "", s_units[1]));
    json_array_append_new (answers, s_authors_answer (desk, "2026-H2", "decided", "submitted",
                                                      s_units[2]));
    json_array_append_new (answers, s_answer (desk, "rollup", "2026", "published"));
    /* Rankings by other figures, of one tier, and scores by points and
       reward. */
    json_array_append_new (answers,
                           s_answer_by (desk, "ranking", "2026-Q2", "decided", "submitted", NULL));
    json_array_append_new (
        answers, s_answer_by (desk, "ranking", "2026", "published", "instructed_province", NULL));
    json_array_append_new (
        answers, s_answer_by (desk, "ranking", "2026-H2", "received", "adopted_city", "township"));
    json_array_append_new (answers,
                           s_answer_by (desk, "ranking", "2026", "decided", "returned", "county"));
    json_array_append_new (answers,
                           s_answer_by (desk, "scores", "2026", "published", "points", NULL));
    json_array_append_new (answers,
                           s_answer_by (desk, "scores", "2026-Q4", "published", "reward", "county"));
    static const char *const dimensions[] = {"channel", "kind", "topic", "periodical"};
    for (int d = 0; d < 4; d++) {
        json_array_append_new (answers, s_answer (desk, dimensions[d], "2026", "decided"));
        json_array_append_new (answers, s_answer (desk, dimensions[d], "2026-Q2", "published"));
        json_array_append_new (
            answers, s_answer (desk, dimensions[d], "2026-03-15..2026-05-10", "received"));
    }
    return answers;
}

static void
test_a_generated_year_equals_the_oracle (void **state)
{
    s_desk_t *desk = *state;
    s_year_t year = {.seed = 20261103};
    s_year_make (&year);
    char path[1024];
    snprintf (path, sizeof path, "%s/events.jsonl", desk->folder);
    FILE *lines = fopen (path, "w");
    for (size_t i = 0; i < year.count; i++) {
        char *text = json_dumps (year.events[i].record, JSON_COMPACT);
        fprintf (lines, "{\"type\":\"%s\",\"record\":%s}\n", year.events[i].schema->type, text);
        free (text);
    }
    fclose (lines);
    s_apply_year (desk, &year);
    snprintf (path, sizeof path, "%s/rules.ini", desk->folder);
    lines = fopen (path, "w");
    fputs (s_rules, lines);
    fclose (lines);

    json_t *answers = s_answers (desk);
    snprintf (path, sizeof path, "%s/answers.json", desk->folder);
    assert_int_equal (json_dump_file (answers, path, JSON_COMPACT), 0);
    json_decref (answers);

    char command[2048];
    snprintf (command, sizeof command,
              "/usr/bin/python3 %s/tests/services/statistics/year_oracle.py %s", BAOSONG_SOURCE_DIR,
              desk->folder);
    assert_int_equal (system (command), 0);
    s_year_free (&year);
}

/* Which log an event comes from, in the order the test applies them:
   publication's, review's, then intake's (units and reports). */
static int
s_log_of (const bs_schema_t *schema)
{
    if (schema == &bs_unit_schema || schema == &bs_report_schema)
        return 2;
    if (schema == &bs_issue_published_schema || schema == &bs_adopted_upward_schema
        || schema == &bs_instructed_schema || schema == &bs_forwarded_schema)
        return 0;
    return 1;
}

static int
s_by_log (const void *left, const void *right)
{
    const s_event_t *a = left, *b = right;
    int log_a = s_log_of (a->schema), log_b = s_log_of (b->schema);
    return log_a != log_b ? log_a - log_b : s_by_date (left, right);
}

/* Statistics follows each log at its own pace: a rebuild may apply
   publication's issues before review's adoptions, and both before intake's
   reports. Applied so, a whole log at a time, the year gives every answer
   it gives in the order of the dates. */
static void
test_the_figures_do_not_depend_on_the_order_of_the_logs (void **state)
{
    s_desk_t *desk = *state;
    s_year_t year = {.seed = 20261203};
    s_year_make (&year);
    s_apply_year (desk, &year);
    json_t *in_order = s_answers (desk);

    bs_test_service_close (&desk->folder, &desk->config, &desk->service);
    bs_test_service_open ("statistics", statistics_databases, NULL, &desk->folder, &desk->config,
                          &desk->service);
    assert_int_equal (statistics_counting_hold (desk->service), BS_OK);
    qsort (year.events, year.count, sizeof *year.events, s_by_log);
    s_apply_year (desk, &year);
    json_t *by_log = s_answers (desk);
    assert_int_equal (json_array_size (by_log), json_array_size (in_order));
    for (size_t i = 0; i < json_array_size (in_order); i++) {
        json_t *a = json_array_get (in_order, i), *b = json_array_get (by_log, i);
        if (!json_equal (a, b)) {
            char *left = json_dumps (a, JSON_COMPACT), *right = json_dumps (b, JSON_COMPACT);
            size_t at = 0;
            while (left[at] && left[at] == right[at])
                at++;
            fail_msg ("answer %zu differs from character %zu:\n in order: ...%.300s\n by log:   "
                      "...%.300s",
                      i, at, left + (at > 100 ? at - 100 : 0), right + (at > 100 ? at - 100 : 0));
        }
    }
    json_decref (in_order);
    json_decref (by_log);
    s_year_free (&year);
}

static int
s_setup (void **state)
{
    s_desk_t *desk = calloc (1, sizeof *desk);
    bs_test_service_open ("statistics", statistics_databases, NULL, &desk->folder, &desk->config,
                          &desk->service);
    assert_int_equal (statistics_counting_hold (desk->service), BS_OK);
    *state = desk;
    return 0;
}

static int
s_teardown (void **state)
{
    s_desk_t *desk = *state;
    statistics_rules_clear (&desk->rules);
    bs_test_service_close (&desk->folder, &desk->config, &desk->service);
    free (desk);
    return 0;
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_a_generated_year_equals_the_oracle, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_the_figures_do_not_depend_on_the_order_of_the_logs,
                                         s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
