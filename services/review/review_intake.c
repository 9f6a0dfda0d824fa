/*  review_intake: what review learns from the other services' logs.

    From intake, report.received: version 1 (or none) opens a case in the
    queue. A later version of a report returned for revision brings the
    case back to the queue with the new text, its earlier critique kept in
    earlier_critique (and every critique in the audit trail). A later
    version arriving in any other state updates the text and is noted in
    the audit trail, so nothing the unit sent is lost. Versions already seen
    change nothing (a log is applied at least once).

    From publication, issue.published: the reports in a published issue are
    marked published, and review refuses to revert them from then on.
*/
#include "review.h"

#include <stdio.h>
#include <string.h>

#include "bs_store.h"

static const review_actor_t s_intake = {"intake", "system"};

static int
s_open_case (bs_service_t *service, MDB_txn *txn, const bs_report_t *report, uint64_t version)
{
    bs_review_case_t review_case = {
        .report_id = report->report_id,
        .reg_no = report->reg_no,
        .unit = report->unit,
        .title = report->title,
        .body = report->body,
        .kind = report->kind,
        .urgent = report->urgent,
        .topic = report->topic,
        .received_at = report->received_at,
        .deadline = report->urgent ? review_deadline (service, report->received_at) : 0,
        .version = version,
        .state = "queued",
    };
    int rc = review_case_insert (service, txn, &review_case);
    if (rc == BS_OK)
        rc = review_audit_open (
            service, txn, report->report_id, "receive", &s_intake, "received", "queued",
            version > 1 ? "a later version with no earlier case" : NULL, report->received_at);
    if (rc == BS_OK && report->commission && version == 1)
        rc = review_commission_answer (service, txn, report);
    return rc;
}

/* A later version: the text changes; a returned case goes back to the
   queue as a new round (new receipt time and deadline). */
static int
s_new_version (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case,
               const bs_report_t *report, uint64_t version)
{
    bool returned = strcmp (review_case->state, "returned") == 0;
    int rc = review_case_keep_version (service, txn, review_case);
    if (rc == BS_OK)
        rc = review_case_take (service, txn, review_case);
    if (rc == BS_OK)
        rc = review_string_set (&review_case->title, report->title);
    if (rc == BS_OK)
        rc = review_string_set (&review_case->body, report->body);
    review_case->version = version;
    if (rc == BS_OK && returned) {
        rc = review_string_set (&review_case->earlier_critique, review_case->critique);
        if (rc == BS_OK)
            rc = review_string_set (&review_case->critique, NULL);
        if (rc == BS_OK)
            rc = review_string_set (&review_case->edited_title, NULL);
        if (rc == BS_OK)
            rc = review_string_set (&review_case->edited_body, NULL);
        review_case->decided_at = 0;
        review_case->received_at = report->received_at;
        review_case->escalated = false;
        review_case->escalated_at = 0;
        review_case->deadline =
            review_case->urgent ? review_deadline (service, report->received_at) : 0;
    }
    char note[96];
    snprintf (note, sizeof note, "version %llu%s", (unsigned long long) version,
              returned ? ", revised after return" : " arrived; text updated");
    if (rc == BS_OK)
        rc = review_case_move (service, txn, review_case, returned ? "resubmit" : "revise",
                               &s_intake, note, report->received_at);
    return rc;
}

/* Room for the fields of the report's view: more than it has. */
#define S_VIEW_FIELDS 32

/* The report's view: without what no case keeps, its fields in the
   order intake writes them (texts last, bs_schema_texts_last), so that
   the decoder finds each key at the field it expects (a report stored
   before, in schema order, is read by the same view). */
const bs_schema_t *const *
review_intake_views (void)
{
    static const char *const unread[] = {"channel", "officer", "provenances", "attachments",
                                         NULL};
    static bs_field_t read[S_VIEW_FIELDS], fields[S_VIEW_FIELDS];
    static bs_schema_t report;
    static const bs_schema_t *views[] = {&report, NULL};
    bs_schema_t view;
    if (!report.field_count
        && (bs_schema_view (&bs_report_schema, unread, read, S_VIEW_FIELDS, &view) != BS_OK
            || bs_schema_texts_last (&view, fields, S_VIEW_FIELDS, &report) != BS_OK))
        return NULL;
    return views;
}

int
review_on_intake (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    if (event->schema != &bs_report_schema)
        return BS_OK;
    const bs_report_t *report = event->data;
    uint64_t version = report->version ? report->version : 1;
    bs_review_case_t review_case;
    int rc = review_case_get (service, txn, report->report_id, &review_case);
    if (rc == BS_E_NOT_FOUND)
        return s_open_case (service, txn, report, version);
    if (rc != BS_OK)
        return rc;
    uint64_t known = review_case.version ? review_case.version : 1;
    if (version > known)
        rc = s_new_version (service, txn, &review_case, report, version);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
}

int
review_on_publication (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                       void *argument)
{
    (void) argument;
    if (event->schema == &bs_periodical_schema)
        return review_periodical_learn (service, txn, event->data);
    if (event->schema != &bs_issue_published_schema)
        return BS_OK;
    const bs_issue_published_t *issue = event->data;
    const bs_issue_item_t *items = issue->items.items;
    static const review_actor_t publication = {"publication", "system"};
    char note[BS_NAME_MAX + 64];
    snprintf (note, sizeof note, "in 《%s》 %llu 第%llu期 (issue %llu)", issue->periodical,
              (unsigned long long) issue->year, (unsigned long long) issue->number,
              (unsigned long long) issue->issue_id);
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < issue->items.count; i++) {
        bs_review_case_t review_case;
        rc = bs_store_get_record (txn, bs_service_dbi (service, "cases"), items[i].report_id,
                                  &bs_review_case_schema, &review_case);
        if (rc == BS_E_NOT_FOUND) {
            rc = BS_OK;
            continue;
        }
        if (rc != BS_OK)
            break;
        if (!review_case.published) {
            review_case.published = true;
            rc = review_case_take (service, txn, &review_case);
            if (rc == BS_OK)
                rc = review_case_move (service, txn, &review_case, "publish", &publication, note,
                                       issue->published_at);
        }
        bs_codec_record_free (&bs_review_case_schema, &review_case);
    }
    return rc;
}
