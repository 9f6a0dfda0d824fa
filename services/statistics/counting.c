/*  counting: events into figures; see counting.h. */
#include "counting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "decisions.h"
#include "figures.h"
#include "units.h"

void
statistics_counting_forget (void *held)
{
    statistics_turn_t *turn = held;
    statistics_tally_forget (turn->tally);
    statistics_notices_forget (turn->notices);
    statistics_known_forget (turn->known);
    statistics_reports_forget (turn->reports);
}

static void
s_turn_destroy (void *held)
{
    statistics_turn_t *turn = held;
    statistics_tally_destroy (&turn->tally);
    statistics_notices_destroy (&turn->notices);
    statistics_known_destroy (&turn->known);
    statistics_reports_destroy (&turn->reports);
    free (turn);
}

int
statistics_counting_write (bs_service_t *service, MDB_txn *txn, void *held)
{
    statistics_turn_t *turn = held;
    int rc = statistics_tally_write (turn->tally, txn, bs_service_dbi (service, "figures"));
    if (rc) {
        statistics_notices_forget (turn->notices);
        return bs_store_error (rc, "write the figures counted");
    }
    return statistics_notices_write (turn->notices, service, txn);
}

int
statistics_counting_hold (bs_service_t *service)
{
    statistics_turn_t *turn = calloc (1, sizeof *turn);
    if (turn) {
        turn->tally = statistics_tally_new ();
        turn->notices = statistics_notices_new ();
        turn->known = statistics_known_new ();
        turn->reports = statistics_reports_new ();
    }
    int rc =
        turn && turn->tally && turn->notices && turn->known && turn->reports ? BS_OK : BS_E_SYSTEM;
    if (rc == BS_OK)
        rc = bs_service_hold (service, turn, statistics_counting_write, statistics_counting_forget,
                              s_turn_destroy);
    if (rc != BS_OK && turn)
        s_turn_destroy (turn);
    return rc;
}

/* Room for the fields of a view: more than any counted event has. */
#define S_VIEW_FIELDS 32

/* The texts of each counted event that no count reads; checking their
   UTF-8 and copying them was most of decoding an event (bench/README.md,
   issue 9). */
static const char *const s_report_texts[] = {"title", "body", "attachments", "provenances", NULL};
static const char *const s_decision_texts[] = {"title", "body", "critique", "reason", NULL};
static const char *const s_item_texts[] = {"title",        "body",   "section", "note",
                                           "source_units", "author", NULL};
static const char *const s_no_texts[] = {NULL};

int
statistics_counting_views (bs_service_t *service)
{
    static bs_field_t fields[4][S_VIEW_FIELDS];
    static bs_schema_t report, decision, item, issue;
    static const bs_schema_t *views[] = {&report, &decision, &issue, NULL};
    int rc = bs_schema_view (&bs_report_schema, s_report_texts, fields[0], S_VIEW_FIELDS, &report);
    if (rc == BS_OK)
        rc = bs_schema_view (&bs_decision_schema, s_decision_texts, fields[1], S_VIEW_FIELDS,
                             &decision);
    if (rc == BS_OK)
        rc = bs_schema_view (&bs_issue_item_schema, s_item_texts, fields[2], S_VIEW_FIELDS, &item);
    if (rc == BS_OK)
        rc = bs_schema_view (&bs_issue_published_schema, s_no_texts, fields[3], S_VIEW_FIELDS,
                             &issue);
    for (size_t i = 0; rc == BS_OK && i < issue.field_count; i++)
        if (fields[3][i].item == &bs_issue_item_schema)
            fields[3][i].item = &item; /* the items by their view too */
    if (rc != BS_OK)
        return BS_E_SYSTEM;
    bs_service_consume_views (service, views);
    return BS_OK;
}

/* A report's first version: submitted, and its dimensions kept; the
   counts that were waiting for it made again with them. */
static int
s_received (bs_service_t *service, MDB_txn *txn, const bs_message_t *event)
{
    const bs_report_t *report = event->data;
    if (report->version > 1)
        return BS_OK;
    bs_stats_report_t kept = {
        .unit = report->unit,
        .channel = report->channel,
        .kind = report->kind,
        .topic = report->topic,
        .received_at = report->received_at,
        .officer = report->officer,
    };
    int rc = bs_store_put_record (txn, bs_service_dbi (service, "reports"), report->report_id,
                                  &bs_stats_report_schema, &kept);
    if (rc == BS_OK) /* its decision's counts find it in memory (reports.h) */
        statistics_reports_keep (((statistics_turn_t *) bs_service_held (service))->reports, txn,
                                 report->report_id, &kept);
    if (rc == BS_OK)
        rc =
            statistics_count_simple (service, txn, event, report->unit, &kept, STATISTICS_SUBMITTED,
                                     1, report->received_at, report->received_at, 0);
    return rc == BS_OK ? statistics_count_recount (service, txn, &kept, report->report_id) : rc;
}

/* An event about a report counted once per key, for the report's unit,
   with the report's dimensions. */
static int
s_report_event (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, const char *key,
                uint64_t report_id, const char *unit, statistics_measure_t measure, uint64_t at)
{
    bool first = true;
    int rc = key ? statistics_count_once (service, txn, key, &first) : BS_OK;
    if (rc != BS_OK || !first || measure == STATISTICS_NONE)
        return rc;
    statistics_report_t kept;
    bool found;
    rc = statistics_count_report (service, txn, report_id, &kept, &found);
    if (rc == BS_OK)
        rc = statistics_count_simple (service, txn, event, unit, found ? &kept.report : NULL,
                                      measure, 1, at, found ? kept.report.received_at : at,
                                      found ? 0 : report_id);
    return rc;
}

static int
s_upward (bs_service_t *service, MDB_txn *txn, const bs_message_t *event)
{
    char key[BS_NAME_MAX + 64];
    if (event->schema == &bs_forwarded_schema) {
        const bs_forwarded_t *sent = event->data;
        snprintf (key, sizeof key, "forwarded\x1f%llu\x1f%s", (unsigned long long) sent->report_id,
                  sent->destination);
        return s_report_event (service, txn, event, key, sent->report_id, sent->unit,
                               STATISTICS_SENT_UPWARD, sent->forwarded_at);
    }
    if (event->schema == &bs_adopted_upward_schema) {
        const bs_adopted_upward_t *adopted = event->data;
        snprintf (key, sizeof key, "adopted\x1f%llu", (unsigned long long) adopted->adoption_id);
        return s_report_event (service, txn, event, key, adopted->report_id, adopted->unit,
                               statistics_measure_adopted_at (adopted->level), adopted->adopted_at);
    }
    /* Leaders' comments at one level on one report count once: several
       comments at the same level do not add up (a report commented on in
       the province twice has one instructed_province). */
    const bs_instructed_t *instructed = event->data;
    snprintf (key, sizeof key, "instructed\x1f%llu\x1f%s",
              (unsigned long long) instructed->report_id, instructed->level);
    return s_report_event (service, txn, event, key, instructed->report_id, instructed->unit,
                           statistics_measure_instructed_at (instructed->level),
                           instructed->instructed_at);
}

/* Count measure once for each unit of a unit_ref list. */
static int
s_each_unit (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, const bs_list_t *units,
             statistics_measure_t measure, uint64_t at)
{
    const bs_unit_ref_t *refs = units->items;
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < units->count; i++)
        rc = statistics_count_simple (service, txn, event, refs[i].unit, NULL, measure, 1, at, at,
                                      0);
    return rc;
}

static int
s_commission (bs_service_t *service, MDB_txn *txn, const bs_message_t *event)
{
    char key[BS_UNIT_MAX + 64];
    bool first = true;
    int rc;
    if (event->schema == &bs_commission_created_schema) {
        const bs_commission_created_t *created = event->data;
        snprintf (key, sizeof key, "commission\x1f%llu",
                  (unsigned long long) created->commission_id);
        rc = statistics_count_once (service, txn, key, &first);
        return rc == BS_OK && first ? s_each_unit (service, txn, event, &created->units,
                                                   STATISTICS_COMMISSIONED, created->created_at)
                                    : rc;
    }
    if (event->schema == &bs_commission_answered_schema) {
        const bs_commission_answered_t *answered = event->data;
        snprintf (key, sizeof key, "answered\x1f%llu\x1f%s",
                  (unsigned long long) answered->commission_id, answered->unit);
        rc = statistics_count_once (service, txn, key, &first);
        if (rc == BS_OK && first)
            rc = statistics_count_simple (service, txn, event, answered->unit, NULL,
                                          STATISTICS_ANSWERED, 1, answered->answered_at,
                                          answered->answered_at, 0);
        if (rc == BS_OK && first && !answered->on_time)
            rc = statistics_count_simple (service, txn, event, answered->unit, NULL,
                                          STATISTICS_ANSWERED_LATE, 1, answered->answered_at,
                                          answered->answered_at, 0);
        if (rc == BS_OK && first && !answered->on_time && answered->scored)
            rc = statistics_count_simple (service, txn, event, answered->unit, NULL,
                                          STATISTICS_ANSWERED_LATE_SCORED, 1, answered->answered_at,
                                          answered->answered_at, 0);
        return rc;
    }
    const bs_commission_missed_t *missed = event->data;
    snprintf (key, sizeof key, "missed\x1f%llu\x1f%s", (unsigned long long) missed->commission_id,
              missed->unit);
    rc = statistics_count_once (service, txn, key, &first);
    if (rc == BS_OK && first)
        rc = statistics_count_simple (service, txn, event, missed->unit, NULL, STATISTICS_MISSED, 1,
                                      missed->deadline, missed->deadline, 0);
    if (rc == BS_OK && first && missed->scored)
        rc = statistics_count_simple (service, txn, event, missed->unit, NULL,
                                      STATISTICS_MISSED_SCORED, 1, missed->deadline,
                                      missed->deadline, 0);
    return rc;
}

static int
s_notice (bs_service_t *service, MDB_txn *txn, const bs_message_t *event)
{
    const bs_notice_sent_t *notice = event->data;
    char key[64];
    snprintf (key, sizeof key, "notice\x1f%llu", (unsigned long long) notice->notice_id);
    bool first;
    int rc = statistics_count_once (service, txn, key, &first);
    return rc == BS_OK && first ? s_each_unit (service, txn, event, &notice->units,
                                               STATISTICS_NOTIFIED, notice->sent_at)
                                : rc;
}

static int
s_withdrawn (bs_service_t *service, MDB_txn *txn, const bs_message_t *event)
{
    const bs_withdrawn_t *withdrawn = event->data;
    char key[64];
    snprintf (key, sizeof key, "withdrawn\x1f%llu", (unsigned long long) withdrawn->report_id);
    return s_report_event (service, txn, event, key, withdrawn->report_id, withdrawn->unit,
                           STATISTICS_WITHDRAWN, withdrawn->withdrawn_at);
}

static int
s_escalated (bs_service_t *service, MDB_txn *txn, const bs_message_t *event)
{
    const bs_escalated_t *escalated = event->data;
    int rc = s_report_event (service, txn, event, NULL, escalated->report_id, escalated->unit,
                             STATISTICS_ESCALATED, escalated->escalated_at);
    return rc == BS_OK ? statistics_count_feed (service, &bs_escalated_schema, escalated,
                                                escalated->escalated_at)
                       : rc;
}

int
statistics_count_event (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                        void *argument)
{
    (void) argument;
    const bs_schema_t *schema = event->schema;
    if (schema == &bs_unit_schema)
        return statistics_units_register (txn, bs_service_dbi (service, "units"), event->data);
    if (schema == &bs_report_schema)
        return s_received (service, txn, event);
    if (schema == &bs_decision_schema)
        return statistics_count_decided (service, txn, event);
    if (schema == &bs_escalated_schema)
        return s_escalated (service, txn, event);
    if (schema == &bs_issue_published_schema)
        return statistics_count_published (service, txn, event);
    if (schema == &bs_forwarded_schema || schema == &bs_adopted_upward_schema
        || schema == &bs_instructed_schema)
        return s_upward (service, txn, event);
    if (schema == &bs_commission_created_schema || schema == &bs_commission_answered_schema
        || schema == &bs_commission_missed_schema)
        return s_commission (service, txn, event);
    if (schema == &bs_notice_sent_schema)
        return s_notice (service, txn, event);
    if (schema == &bs_withdrawn_schema)
        return s_withdrawn (service, txn, event);
    return BS_OK; /* an event statistics does not count */
}
