/*  decisions: review's decisions and publication's issues into figures;
    see decisions.h. */
#include "decisions.h"

#include <stdlib.h>
#include <string.h>

#include "counts.h"

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

/* One count of a decision measure (or published, reverted): by delta,
   when. */
typedef struct {
    statistics_measure_t measure;
    int64_t delta;
    const s_when_t *when;
} s_measure_t;

/* Room for the counts one credited report gets of a decision: two
   measures (an adoption published: published and adopted), each adopted
   one of a synthesis with its two synthesis measures after it. */
#define S_MEASURES_MAX 6

/* Count measures (count of them) for one credited report, its kept
   dimensions read once for all of them. */
static int
s_decision_counts (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                   const s_credited_t *credited, const char *periodical,
                   const s_measure_t *measures, size_t count)
{
    statistics_report_t copy;
    bool found;
    int rc = statistics_count_report (service, txn, credited->report_id, &copy, &found);
    if (rc != BS_OK)
        return rc;
    const bs_stats_report_t kept = copy.report;
    uint64_t received_at = credited->received_at ? credited->received_at : kept.received_at;
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        const s_when_t *when = measures[i].when;
        statistics_count_t made = {
            .subject = {.unit = credited->unit,
                        .values = {NULL, kept.channel, kept.kind, kept.topic, periodical,
                                   kept.officer}},
            .change = {.measure = measures[i].measure,
                       .delta = measures[i].delta,
                       .decision = statistics_measure_is_decision (measures[i].measure),
                       .waited_ms = statistics_count_waited (received_at, when->waited_until)},
            .at = {when->published, when->decided,
                   when->received ? (received_at ? received_at : 1) : 0},
            .received_unknown = !found && !credited->received_at,
        };
        rc = statistics_count_make (service, txn, event, &made, found ? 0 : credited->report_id);
    }
    return rc;
}

/* Count a decision measure (or published, reverted) by delta for one
   credited report. */
static int
s_decision (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
            const s_credited_t *credited, const char *periodical, statistics_measure_t measure,
            int64_t delta, const s_when_t *when)
{
    s_measure_t one = {measure, delta, when};
    return s_decision_counts (service, txn, event, credited, periodical, &one, 1);
}

/* Apply measures (count of them, at most two) to every credited report of
   a decision (or adoption): each source of a synthesis, or the report;
   each credited report's counts made together. */
static int
s_each_credited (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, uint64_t report_id,
                 const char *unit, uint64_t received_at, const bs_list_t *sources,
                 const char *periodical, const s_measure_t *measures, size_t count)
{
    const bs_source_t *items = sources->items;
    if (sources->count == 0) {
        s_credited_t credited = {report_id, unit, received_at};
        return s_decision_counts (service, txn, event, &credited, periodical, measures, count);
    }
    /* Each source's unit has the adoption, and a share of its credit. */
    int64_t share = (int64_t) (100 / sources->count);
    s_measure_t each[S_MEASURES_MAX];
    size_t made = 0;
    for (size_t m = 0; m < count && made + 3 <= S_MEASURES_MAX; m++) {
        each[made++] = measures[m];
        if (measures[m].measure != STATISTICS_ADOPTED)
            continue;
        each[made++] = (s_measure_t){STATISTICS_SYNTHESIS_ADOPTED, measures[m].delta,
                                     measures[m].when};
        each[made++] = (s_measure_t){STATISTICS_SYNTHESIS_SHARE, measures[m].delta * share,
                                     measures[m].when};
    }
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < sources->count; i++) {
        s_credited_t credited = {items[i].report_id, items[i].unit, items[i].received_at};
        rc = s_decision_counts (service, txn, event, &credited, periodical, each, made);
    }
    return rc;
}

/* An adoption in an issue of `at`: each credited report published, and
   adopted under basis published at the issue's date, with its wait until
   its decision: one read of its kept dimensions for both. */
static int
s_adoption_published (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                      const bs_stats_adoption_t *adoption, uint64_t at)
{
    s_when_t published = {at, at, at, true};
    s_when_t adopted = {adoption->decided_at, at, 0, false};
    s_measure_t measures[] = {{STATISTICS_PUBLISHED, 1, &published},
                              {STATISTICS_ADOPTED, 1, &adopted}};
    return s_each_credited (service, txn, event, adoption->report_id, adoption->unit,
                            adoption->received_at, &adoption->sources, adoption->periodical,
                            measures, 2);
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
    int rc = bs_store_del (txn, adoptions, &key);
    return rc && rc != MDB_NOTFOUND ? bs_store_error (rc, "forget an adoption") : BS_OK;
}

/* review.decided: a decision counts when taken (an adoption under basis
   published waits for its issue). A revert takes the reverted decision
   out where it was counted and counts a revert. */
int
statistics_count_decided (bs_service_t *service, MDB_txn *txn, const bs_message_t *event)
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
            s_measure_t undone = {reverted, -1, &when};
            rc = s_each_credited (service, txn, event, d->report_id, d->unit, d->received_at,
                                  &d->sources, d->periodical, &undone, 1);
        }
        s_when_t now = {d->decided_at, d->decided_at, d->decided_at, true};
        s_measure_t revert = {STATISTICS_REVERTED, 1, &now};
        if (rc == BS_OK)
            rc = s_each_credited (service, txn, event, d->report_id, d->unit, d->received_at,
                                  &d->sources, NULL, &revert, 1);
        return rc == BS_OK ? s_adoption_keep (service, txn, event, d, false) : rc;
    }
    statistics_measure_t measure = statistics_measure_of_decision (d->decision);
    if (measure == STATISTICS_NONE)
        return BS_OK; /* a decision kind this version does not count */
    bool adopted = measure == STATISTICS_ADOPTED;
    s_when_t when = {d->decided_at, adopted ? 0 : d->decided_at, d->decided_at, true};
    s_measure_t decided = {measure, 1, &when};
    int rc = s_each_credited (service, txn, event, d->report_id, d->unit, d->received_at,
                              &d->sources, d->periodical, &decided, 1);
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
int
statistics_count_published (bs_service_t *service, MDB_txn *txn, const bs_message_t *event)
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
