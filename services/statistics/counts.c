/*  counts: making one count of the figures; see counts.h. */
#include "counts.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"
#include "units.h"

int
statistics_count_report (bs_service_t *service, MDB_txn *txn, uint64_t report_id,
                         statistics_report_t *kept, bool *found)
{
    statistics_turn_t *turn = bs_service_held (service);
    *found = statistics_reports_find (turn->reports, txn, report_id, kept);
    if (*found)
        return BS_OK;
    memset (&kept->report, 0, sizeof kept->report);
    bs_stats_report_t record;
    int rc = bs_store_get_record (txn, bs_service_dbi (service, "reports"), report_id,
                                  &bs_stats_report_schema, &record);
    if (rc == BS_E_NOT_FOUND)
        return BS_OK;
    if (rc != BS_OK)
        return rc;
    /* kept, then copied as kept (a record always fits: its schema's
       bounds are the copy's room) */
    *found = statistics_reports_keep (turn->reports, txn, report_id, &record)
             && statistics_reports_find (turn->reports, txn, report_id, kept);
    bs_codec_record_free (&bs_stats_report_schema, &record);
    return *found ? BS_OK : BS_E_STORAGE;
}

/* A record for the feed, held with the turn's notices (notices.h). */
int
statistics_count_feed (bs_service_t *service, const bs_schema_t *schema, const void *record,
                       uint64_t at)
{
    statistics_turn_t *turn = bs_service_held (service);
    return statistics_notices_record (turn->notices, schema, record, at);
}

/* subject as statistics_seen_t keeps it, into seen; false when it does
   not fit. */
static bool
s_seen_of (const statistics_subject_t *subject, statistics_seen_t *seen)
{
    seen->size = 0;
    for (int d = STATISTICS_DIMENSION_TOTAL; d < STATISTICS_DIMENSIONS; d++) {
        const char *text = d == STATISTICS_DIMENSION_TOTAL ? subject->unit : subject->values[d];
        size_t length = text ? strlen (text) : 0;
        if (length > UINT16_MAX || seen->size + 2 + length > sizeof seen->bytes)
            return false;
        seen->bytes[seen->size++] = (char) (length >> 8);
        seen->bytes[seen->size++] = (char) length;
        memcpy (seen->bytes + seen->size, text ? text : "", length);
        seen->size += length;
    }
    return true;
}

/* Whether subject's unit and values are stored, or put in txn already
   (known.h); if not, the caller puts them. */
static bool
s_seen (statistics_turn_t *turn, MDB_txn *txn, const statistics_subject_t *subject)
{
    statistics_seen_t now;
    return s_seen_of (subject, &now)
           && statistics_known_met (turn->known, txn, now.bytes, now.size);
}

/* Add count under each basis it has a date in; month (may be NULL)
   receives the unit's month totals under basis decided, *changed whether
   that basis was counted. seen: the subject's values are stored. */
static int
s_add (bs_service_t *service, MDB_txn *txn, const statistics_count_t *count,
       statistics_counters_t *month, bool *changed, bool seen)
{
    *changed = false;
    int mdb =
        seen ? 0
             : statistics_figures_seen (txn, bs_service_dbi (service, "values"), &count->subject);
    if (mdb)
        return bs_store_error (mdb, "list a figure's values");
    const statistics_turn_t *turn = bs_service_held (service);
    for (int basis = 0; basis < STATISTICS_BASES; basis++) {
        if (!count->at[basis])
            continue;
        bool feed = basis == STATISTICS_BASIS_DECIDED;
        mdb = statistics_figures_add (turn->tally, txn, bs_service_dbi (service, "figures"),
                                      (statistics_basis_t) basis, count->at[basis], &count->subject,
                                      &count->change, feed ? month : NULL);
        if (mdb)
            return bs_store_error (mdb, "count a figure");
        *changed |= feed;
    }
    return BS_OK;
}

static int
s_apply (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
         const statistics_count_t *count)
{
    statistics_turn_t *turn = bs_service_held (service);
    bool seen = s_seen (turn, txn, &count->subject);
    int rc =
        seen ? BS_OK
             : statistics_units_seen (txn, bs_service_dbi (service, "units"), count->subject.unit);
    statistics_counters_t month;
    bool changed = false;
    if (rc == BS_OK)
        rc = s_add (service, txn, count, &month, &changed, seen);
    if (rc != BS_OK || !changed)
        return rc;
    char year[STATISTICS_BUCKET_MAX], month_key[STATISTICS_BUCKET_MAX], day[STATISTICS_BUCKET_MAX];
    statistics_buckets_of (count->at[STATISTICS_BASIS_DECIDED], year, month_key, day);
    /* The feed's notice of the unit's month, held for the turn: what
       the turn's later counts of the same month and log change replaces
       it (notices.h). */
    return statistics_notices_changed (
        turn->notices, count->subject.unit, month_key + 1, event->src[0] ? event->src : "unknown",
        event->seq ? event->seq : 1, count->at[STATISTICS_BASIS_DECIDED], &month);
}

/* Apply count; when it is about a report not received yet (waiting_for,
   0: none), keep it waiting for the report (waiting.h). */
int
statistics_count_make (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                       const statistics_count_t *count, uint64_t waiting_for)
{
    int rc = s_apply (service, txn, event, count);
    if (rc == BS_OK && waiting_for)
        rc = statistics_waiting_keep (txn, bs_service_dbi (service, "waiting"), waiting_for, count);
    return rc;
}

/* Count measure by delta at `at` for unit (a report's dimensions from kept,
   when known), under every basis: received dates it at received_at.
   waiting_for: the report it is about when not received yet (0: none). */
int
statistics_count_simple (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                         const char *unit, const bs_stats_report_t *kept,
                         statistics_measure_t measure, int64_t delta, uint64_t at,
                         uint64_t received_at, uint64_t waiting_for)
{
    if (measure == STATISTICS_NONE || !unit || !*unit)
        return BS_OK;
    statistics_count_t count = {
        .subject = {.unit = unit},
        .change = {.measure = measure, .delta = delta},
        .at = {at ? at : 1, at ? at : 1, received_at ? received_at : (at ? at : 1)},
        .received_unknown = waiting_for != 0,
    };
    if (kept) {
        count.subject.values[STATISTICS_DIMENSION_CHANNEL] = kept->channel;
        count.subject.values[STATISTICS_DIMENSION_KIND] = kept->kind;
        count.subject.values[STATISTICS_DIMENSION_TOPIC] = kept->topic;
        count.subject.values[STATISTICS_DIMENSION_AUTHOR] = kept->officer;
    }
    return statistics_count_make (service, txn, event, &count, waiting_for);
}

/* Whether key was seen before; remembers it. */
int
statistics_count_once (bs_service_t *service, MDB_txn *txn, const char *key, bool *first)
{
    MDB_val k = {strlen (key), (void *) key}, v = {0, ""};
    int rc = bs_store_put (txn, bs_service_dbi (service, "once"), &k, &v, MDB_NOOVERWRITE);
    *first = rc == 0;
    return rc == 0 || rc == MDB_KEYEXIST ? BS_OK : bs_store_error (rc, "remember an event");
}

uint64_t
statistics_count_waited (uint64_t received_at, uint64_t decided_at)
{
    return decided_at > received_at ? decided_at - received_at : 0;
}

/* The counts made before their report came (waiting.h), made again now
   that it has: each taken back out as it was made, the last first (so
   that no counter meets zero on the way: a revert after its decision),
   then each made again, in order, with the report's dimensions, and its
   date of receipt where that stood in. */
int
statistics_count_recount (bs_service_t *service, MDB_txn *txn, const bs_stats_report_t *kept,
                          uint64_t report_id)
{
    statistics_waiting_t *counts;
    size_t count;
    int rc = statistics_waiting_take (txn, bs_service_dbi (service, "waiting"), report_id, &counts,
                                      &count);
    bool changed;
    for (size_t i = count; rc == BS_OK && i-- > 0;) {
        statistics_count_t undo = counts[i].count;
        undo.change.delta = -undo.change.delta;
        rc = s_add (service, txn, &undo, NULL, &changed, false);
    }
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        statistics_count_t redo = counts[i].count;
        redo.subject.values[STATISTICS_DIMENSION_CHANNEL] = kept->channel;
        redo.subject.values[STATISTICS_DIMENSION_KIND] = kept->kind;
        redo.subject.values[STATISTICS_DIMENSION_TOPIC] = kept->topic;
        redo.subject.values[STATISTICS_DIMENSION_AUTHOR] = kept->officer;
        if (redo.received_unknown) {
            if (redo.at[STATISTICS_BASIS_RECEIVED])
                redo.at[STATISTICS_BASIS_RECEIVED] = kept->received_at ? kept->received_at : 1;
            redo.change.waited_ms =
                statistics_count_waited (kept->received_at, redo.change.waited_ms);
        }
        rc = s_add (service, txn, &redo, NULL, &changed, false);
    }
    free (counts);
    return rc;
}
