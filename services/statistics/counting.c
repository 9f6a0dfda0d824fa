/*  counting: events into figures; see counting.h. */
#include "counting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_schemas.h"
#include "figures.h"
#include "units.h"
#include "waiting.h"

/* The dimensions of a report statistics kept (NULL values when unknown);
 *kept must be freed when it returns BS_OK with *found. */
static int
s_report (bs_service_t *service, MDB_txn *txn, uint64_t report_id, bs_stats_report_t *kept,
          bool *found)
{
    int rc = bs_store_get_record (txn, bs_service_dbi (service, "reports"), report_id,
                                  &bs_stats_report_schema, kept);
    *found = rc == BS_OK;
    if (rc == BS_E_NOT_FOUND) {
        memset (kept, 0, sizeof *kept);
        return BS_OK;
    }
    return rc;
}

/* A change for the feed: on statistics' own log (changes.h), where a reader
   resumes from, and on the PUB feed once the turn commits. */
static int
s_feed (bs_service_t *service, MDB_txn *txn, const bs_schema_t *schema, const void *record,
        uint64_t at)
{
    int rc = bs_service_emit (service, txn, schema, record, at);
    return rc == BS_OK ? bs_service_publish (service, schema, record) : rc;
}

/* Add count under each basis it has a date in; month (may be NULL)
   receives the unit's month totals under basis decided, *changed whether
   that basis was counted. */
static int
s_add (bs_service_t *service, MDB_txn *txn, const statistics_count_t *count,
       statistics_counters_t *month, bool *changed)
{
    *changed = false;
    for (int basis = 0; basis < STATISTICS_BASES; basis++) {
        if (!count->at[basis])
            continue;
        bool feed = basis == STATISTICS_BASIS_DECIDED;
        int mdb = statistics_figures_add (txn, bs_service_dbi (service, "figures"),
                                          bs_service_dbi (service, "values"),
                                          (statistics_basis_t) basis, count->at[basis],
                                          &count->subject, &count->change, feed ? month : NULL);
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
    int rc = statistics_units_seen (txn, bs_service_dbi (service, "units"), count->subject.unit);
    statistics_counters_t month;
    bool changed = false;
    if (rc == BS_OK)
        rc = s_add (service, txn, count, &month, &changed);
    if (rc != BS_OK || !changed)
        return rc;
    char year[STATISTICS_BUCKET_MAX], month_key[STATISTICS_BUCKET_MAX], day[STATISTICS_BUCKET_MAX];
    statistics_buckets_of (count->at[STATISTICS_BASIS_DECIDED], year, month_key, day);
    bs_stats_changed_t notice = {
        .unit = (char *) count->subject.unit,
        .period = month_key + 1,
        .source = (char *) (event->src[0] ? event->src : "unknown"),
        .seq = event->seq ? event->seq : 1,
        .event_at = count->at[STATISTICS_BASIS_DECIDED],
    };
    statistics_counters_to_changed (&month, &notice);
    return s_feed (service, txn, &bs_stats_changed_schema, &notice, notice.event_at);
}

/* Apply count; when it is about a report not received yet (waiting_for,
   0: none), keep it waiting for the report (waiting.h). */
static int
s_count (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
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
static int
s_simple (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, const char *unit,
          const bs_stats_report_t *kept, statistics_measure_t measure, int64_t delta, uint64_t at,
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
    return s_count (service, txn, event, &count, waiting_for);
}

/* Whether key was seen before; remembers it. */
static int
s_once (bs_service_t *service, MDB_txn *txn, const char *key, bool *first)
{
    MDB_val k = {strlen (key), (void *) key}, v = {0, ""};
    int rc = mdb_put (txn, bs_service_dbi (service, "once"), &k, &v, MDB_NOOVERWRITE);
    *first = rc == 0;
    return rc == 0 || rc == MDB_KEYEXIST ? BS_OK : bs_store_error (rc, "remember an event");
}

static uint64_t
s_waited (uint64_t received_at, uint64_t decided_at)
{
    return decided_at > received_at ? decided_at - received_at : 0;
}

/* The counts made before their report came (waiting.h), made again now
   that it has: each taken back out as it was made, the last first (so
   that no counter meets zero on the way: a revert after its decision),
   then each made again, in order, with the report's dimensions, and its
   date of receipt where that stood in. */
static int
s_recount (bs_service_t *service, MDB_txn *txn, const bs_stats_report_t *kept,
           uint64_t report_id)
{
    statistics_waiting_t *counts;
    size_t count;
    int rc = statistics_waiting_take (txn, bs_service_dbi (service, "waiting"), report_id,
                                      &counts, &count);
    bool changed;
    for (size_t i = count; rc == BS_OK && i-- > 0;) {
        statistics_count_t undo = counts[i].count;
        undo.change.delta = -undo.change.delta;
        rc = s_add (service, txn, &undo, NULL, &changed);
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
            redo.change.waited_ms = s_waited (kept->received_at, redo.change.waited_ms);
        }
        rc = s_add (service, txn, &redo, NULL, &changed);
    }
    free (counts);
    return rc;
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
    if (rc == BS_OK)
        rc = s_simple (service, txn, event, report->unit, &kept, STATISTICS_SUBMITTED, 1,
                       report->received_at, report->received_at, 0);
    return rc == BS_OK ? s_recount (service, txn, &kept, report->report_id) : rc;
}

/* One credited report of a decision (the report itself, or one source of
   a synthesis). */
typedef struct {
    uint64_t report_id;
    const char *unit;
    uint64_t received_at;
} s_credited_t;

/* When a decision measure counts: the time its wait ends (the decision),
   and its date under basis published and decided (0: not under that
   basis); under received it counts at the credited report's receipt when
   received is set. */
typedef struct {
    uint64_t waited_until;
    uint64_t published;
    uint64_t decided;
    bool received;
} s_when_t;

/* Count a decision measure (or published, reverted) by delta for one
   credited report. */
static int
s_decision (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
            const s_credited_t *credited, const char *periodical, statistics_measure_t measure,
            int64_t delta, const s_when_t *when)
{
    bs_stats_report_t kept;
    bool found;
    int rc = s_report (service, txn, credited->report_id, &kept, &found);
    if (rc != BS_OK)
        return rc;
    bool decision = statistics_measure_is_decision (measure);
    uint64_t received_at = credited->received_at ? credited->received_at : kept.received_at;
    statistics_count_t count = {
        .subject = {.unit = credited->unit,
                    .values = {NULL, kept.channel, kept.kind, kept.topic, periodical,
                               kept.officer}},
        .change = {.measure = measure,
                   .delta = delta,
                   .decision = decision,
                   .waited_ms = s_waited (received_at, when->waited_until)},
        .at = {when->published, when->decided,
               when->received ? (received_at ? received_at : 1) : 0},
        .received_unknown = !found && !credited->received_at,
    };
    rc = s_count (service, txn, event, &count, found ? 0 : credited->report_id);
    if (found)
        bs_codec_record_free (&bs_stats_report_schema, &kept);
    return rc;
}

/* Apply s_decision to every credited report of a decision (or adoption):
   each source of a synthesis, or the report. */
static int
s_each_credited (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, uint64_t report_id,
                 const char *unit, uint64_t received_at, const bs_list_t *sources,
                 const char *periodical, statistics_measure_t measure, int64_t delta,
                 const s_when_t *when)
{
    const bs_source_t *items = sources->items;
    if (sources->count == 0) {
        s_credited_t credited = {report_id, unit, received_at};
        return s_decision (service, txn, event, &credited, periodical, measure, delta, when);
    }
    /* Each source's unit has the adoption, and a share of its credit. */
    int64_t share = (int64_t) (100 / sources->count);
    bool adopted = measure == STATISTICS_ADOPTED;
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < sources->count; i++) {
        s_credited_t credited = {items[i].report_id, items[i].unit, items[i].received_at};
        rc = s_decision (service, txn, event, &credited, periodical, measure, delta, when);
        if (rc == BS_OK && adopted)
            rc = s_decision (service, txn, event, &credited, periodical,
                             STATISTICS_SYNTHESIS_ADOPTED, delta, when);
        if (rc == BS_OK && adopted)
            rc = s_decision (service, txn, event, &credited, periodical, STATISTICS_SYNTHESIS_SHARE,
                             delta * share, when);
    }
    return rc;
}

/* An adoption in an issue of `at`: each credited report published, and
   adopted under basis published at the issue's date, with its wait until
   its decision. */
static int
s_adoption_published (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                      const bs_stats_adoption_t *adoption, uint64_t at)
{
    s_when_t published = {at, at, at, true};
    s_when_t adopted = {adoption->decided_at, at, 0, false};
    int rc = s_each_credited (service, txn, event, adoption->report_id, adoption->unit,
                              adoption->received_at, &adoption->sources, adoption->periodical,
                              STATISTICS_PUBLISHED, 1, &published);
    if (rc == BS_OK)
        rc = s_each_credited (service, txn, event, adoption->report_id, adoption->unit,
                              adoption->received_at, &adoption->sources, adoption->periodical,
                              STATISTICS_ADOPTED, 1, &adopted);
    return rc;
}

/* An adoption whose issue statistics saw first (s_published_unadopted):
   the item's publication taken back, and the adoption published. */
static int
s_adopted_late (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                const bs_stats_adoption_t *adoption)
{
    statistics_waiting_t *issues;
    size_t count;
    int rc = statistics_waiting_take (txn, bs_service_dbi (service, "published_early"),
                                      adoption->report_id, &issues, &count);
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        const statistics_count_t *early = &issues[i].count;
        s_credited_t credited = {adoption->report_id, early->subject.unit, 0};
        uint64_t at = early->at[0];
        s_when_t published = {at, at, at, true};
        rc = s_decision (service, txn, event, &credited,
                         early->subject.values[STATISTICS_DIMENSION_PERIODICAL],
                         STATISTICS_PUBLISHED, -1, &published);
        if (rc == BS_OK)
            rc = s_adoption_published (service, txn, event, adoption, at);
    }
    free (issues);
    return rc;
}

/* Keep an adoption for the issue that will carry it, or forget it (a
   revert); an issue seen first is published now (s_adopted_late). */
static int
s_adoption_keep (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                 const bs_decision_t *decision, bool keep)
{
    MDB_dbi adoptions = bs_service_dbi (service, "adoptions");
    if (keep) {
        bs_stats_adoption_t adoption = {
            .report_id = decision->report_id,
            .unit = decision->unit,
            .periodical = decision->periodical,
            .received_at = decision->received_at,
            .decided_at = decision->decided_at,
            .sources = decision->sources,
        };
        int rc = bs_store_put_record (txn, adoptions, decision->report_id,
                                      &bs_stats_adoption_schema, &adoption);
        return rc == BS_OK ? s_adopted_late (service, txn, event, &adoption) : rc;
    }
    unsigned char key_bytes[8];
    bs_store_key (decision->report_id, key_bytes);
    MDB_val key = {8, key_bytes};
    int rc = mdb_del (txn, adoptions, &key, NULL);
    return rc && rc != MDB_NOTFOUND ? bs_store_error (rc, "forget an adoption") : BS_OK;
}

/* review.decided: a decision counts when taken (an adoption under basis
   published waits for its issue). A revert takes the reverted decision
   out where it was counted and counts a revert. */
static int
s_decided (bs_service_t *service, MDB_txn *txn, const bs_message_t *event)
{
    const bs_decision_t *d = event->data;
    if (strcmp (d->decision, "revert") == 0) {
        statistics_measure_t reverted = statistics_measure_of_decision (d->reverts);
        int rc = BS_OK;
        if (reverted != STATISTICS_NONE) {
            /* An adoption is under basis published only once its issue is
               out, and review refuses to revert a published report. */
            s_when_t when = {d->previous_at, reverted == STATISTICS_ADOPTED ? 0 : d->previous_at,
                             d->previous_at, true};
            rc = s_each_credited (service, txn, event, d->report_id, d->unit, d->received_at,
                                  &d->sources, d->periodical, reverted, -1, &when);
        }
        s_when_t now = {d->decided_at, d->decided_at, d->decided_at, true};
        if (rc == BS_OK)
            rc = s_each_credited (service, txn, event, d->report_id, d->unit, d->received_at,
                                  &d->sources, NULL, STATISTICS_REVERTED, 1, &now);
        return rc == BS_OK ? s_adoption_keep (service, txn, event, d, false) : rc;
    }
    statistics_measure_t measure = statistics_measure_of_decision (d->decision);
    if (measure == STATISTICS_NONE)
        return BS_OK; /* a decision kind this version does not count */
    bool adopted = measure == STATISTICS_ADOPTED;
    s_when_t when = {d->decided_at, adopted ? 0 : d->decided_at, d->decided_at, true};
    int rc = s_each_credited (service, txn, event, d->report_id, d->unit, d->received_at,
                              &d->sources, d->periodical, measure, 1, &when);
    return rc == BS_OK && adopted ? s_adoption_keep (service, txn, event, d, true) : rc;
}

/* An item published before statistics saw it adopted: published for the
   item's unit; kept (the unit, the issue's periodical and date) in case
   its adoption comes after, from review's log (s_adopted_late). */
static int
s_published_unadopted (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                       const bs_issue_item_t *item, const char *periodical, uint64_t at)
{
    s_credited_t credited = {item->report_id, item->unit, 0};
    s_when_t published = {at, at, at, true};
    int rc = s_decision (service, txn, event, &credited, periodical, STATISTICS_PUBLISHED, 1,
                         &published);
    statistics_count_t early = {.subject = {.unit = item->unit}, .at = {at}};
    early.subject.values[STATISTICS_DIMENSION_PERIODICAL] = periodical;
    return rc == BS_OK ? statistics_waiting_keep (txn, bs_service_dbi (service, "published_early"),
                                                  item->report_id, &early)
                       : rc;
}

/* issue.published: each adoption in it published (s_adoption_published),
   any other item published for its unit. */
static int
s_published (bs_service_t *service, MDB_txn *txn, const bs_message_t *event)
{
    const bs_issue_published_t *issue = event->data;
    const bs_issue_item_t *items = issue->items.items;
    uint64_t at = issue->published_at ? issue->published_at : 1;
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < issue->items.count; i++) {
        bs_stats_adoption_t adoption;
        rc = bs_store_get_record (txn, bs_service_dbi (service, "adoptions"), items[i].report_id,
                                  &bs_stats_adoption_schema, &adoption);
        if (rc == BS_E_NOT_FOUND) {
            rc = s_published_unadopted (service, txn, event, &items[i], issue->periodical, at);
            continue;
        }
        if (rc == BS_OK)
            rc = s_adoption_published (service, txn, event, &adoption, at);
        bs_codec_record_free (&bs_stats_adoption_schema, &adoption);
    }
    return rc;
}

/* An event about a report counted once per key, for the report's unit,
   with the report's dimensions. */
static int
s_report_event (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, const char *key,
                uint64_t report_id, const char *unit, statistics_measure_t measure, uint64_t at)
{
    bool first = true;
    int rc = key ? s_once (service, txn, key, &first) : BS_OK;
    if (rc != BS_OK || !first || measure == STATISTICS_NONE)
        return rc;
    bs_stats_report_t kept;
    bool found;
    rc = s_report (service, txn, report_id, &kept, &found);
    if (rc == BS_OK)
        rc = s_simple (service, txn, event, unit, found ? &kept : NULL, measure, 1, at,
                       found ? kept.received_at : at, found ? 0 : report_id);
    if (found)
        bs_codec_record_free (&bs_stats_report_schema, &kept);
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
        rc = s_simple (service, txn, event, refs[i].unit, NULL, measure, 1, at, at, 0);
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
        rc = s_once (service, txn, key, &first);
        return rc == BS_OK && first ? s_each_unit (service, txn, event, &created->units,
                                                   STATISTICS_COMMISSIONED, created->created_at)
                                    : rc;
    }
    if (event->schema == &bs_commission_answered_schema) {
        const bs_commission_answered_t *answered = event->data;
        snprintf (key, sizeof key, "answered\x1f%llu\x1f%s",
                  (unsigned long long) answered->commission_id, answered->unit);
        rc = s_once (service, txn, key, &first);
        if (rc == BS_OK && first)
            rc = s_simple (service, txn, event, answered->unit, NULL, STATISTICS_ANSWERED, 1,
                           answered->answered_at, answered->answered_at, 0);
        if (rc == BS_OK && first && !answered->on_time)
            rc = s_simple (service, txn, event, answered->unit, NULL, STATISTICS_ANSWERED_LATE, 1,
                           answered->answered_at, answered->answered_at, 0);
        if (rc == BS_OK && first && !answered->on_time && answered->scored)
            rc = s_simple (service, txn, event, answered->unit, NULL,
                           STATISTICS_ANSWERED_LATE_SCORED, 1, answered->answered_at,
                           answered->answered_at, 0);
        return rc;
    }
    const bs_commission_missed_t *missed = event->data;
    snprintf (key, sizeof key, "missed\x1f%llu\x1f%s", (unsigned long long) missed->commission_id,
              missed->unit);
    rc = s_once (service, txn, key, &first);
    if (rc == BS_OK && first)
        rc = s_simple (service, txn, event, missed->unit, NULL, STATISTICS_MISSED, 1,
                       missed->deadline, missed->deadline, 0);
    if (rc == BS_OK && first && missed->scored)
        rc = s_simple (service, txn, event, missed->unit, NULL, STATISTICS_MISSED_SCORED, 1,
                       missed->deadline, missed->deadline, 0);
    return rc;
}

static int
s_notice (bs_service_t *service, MDB_txn *txn, const bs_message_t *event)
{
    const bs_notice_sent_t *notice = event->data;
    char key[64];
    snprintf (key, sizeof key, "notice\x1f%llu", (unsigned long long) notice->notice_id);
    bool first;
    int rc = s_once (service, txn, key, &first);
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
    return rc == BS_OK
               ? s_feed (service, txn, &bs_escalated_schema, escalated, escalated->escalated_at)
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
        return s_decided (service, txn, event);
    if (schema == &bs_escalated_schema)
        return s_escalated (service, txn, event);
    if (schema == &bs_issue_published_schema)
        return s_published (service, txn, event);
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
