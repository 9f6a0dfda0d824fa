/*  publication: issues of periodicals; see publication.h. */
#include "publication.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_log.h"
#include "bs_schemas.h"
#include "bs_store.h"

const char *const publication_databases[] = {"adopted", "waiting", "issues", "counters", NULL};

static int s_revert (bs_service_t *service, MDB_txn *txn, const bs_decision_t *decision);

/* review.decided: an adoption waits for an issue, under the title the
   editors gave it; a reverted adoption leaves. Other decisions are not
   publication's business. */
static int
s_on_decided (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    if (event->schema != &bs_decision_schema)
        return BS_OK;
    const bs_decision_t *decision = event->data;
    if (strcmp (decision->decision, "revert") == 0 && decision->reverts
        && strcmp (decision->reverts, "adopt") == 0)
        return s_revert (service, txn, decision);
    if (strcmp (decision->decision, "adopt") != 0 || !decision->periodical)
        return BS_OK;
    MDB_dbi adopted = bs_service_dbi (service, "adopted");
    bs_pending_item_t item;
    int rc =
        bs_store_get_record (txn, adopted, decision->report_id, &bs_pending_item_schema, &item);
    if (rc == BS_OK) {
        bs_codec_record_free (&bs_pending_item_schema, &item);
        return BS_OK; /* applied before */
    }
    if (rc != BS_E_NOT_FOUND)
        return rc;
    bs_pending_item_t fresh = {
        .report_id = decision->report_id,
        .reg_no = decision->reg_no,
        .unit = decision->unit,
        .title = decision->title,
        .periodical = decision->periodical,
        .adopted_at = decision->decided_at,
    };
    rc = bs_store_put_record (txn, adopted, decision->report_id, &bs_pending_item_schema, &fresh);
    if (rc == BS_OK)
        rc = bs_store_put_record (txn, bs_service_dbi (service, "waiting"), decision->report_id,
                                  &bs_pending_item_schema, &fresh);
    return rc;
}

/* An adopted report placed in an issue no longer waits. */
static int
s_waiting_remove (MDB_txn *txn, MDB_dbi waiting, uint64_t report_id)
{
    unsigned char key_bytes[8];
    bs_store_key (report_id, key_bytes);
    MDB_val key = {8, key_bytes};
    int rc = mdb_del (txn, waiting, &key, NULL);
    return rc && rc != MDB_NOTFOUND ? bs_store_error (rc, "unlist a waiting report") : BS_OK;
}

static int
s_issue_load (bs_request_t *request, uint64_t issue_id, bs_issue_t *issue)
{
    int rc = bs_store_get_record (request->txn, bs_service_dbi (request->service, "issues"),
                                  issue_id, &bs_issue_schema, issue);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "issue_id", "no issue %llu",
                                (unsigned long long) issue_id);
    return rc;
}

static int
s_issue_create (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_create_t *create = request->message->data;
    bs_service_t *service = request->service;
    if (!bs_config_has_periodical (bs_service_config (service), create->periodical))
        return bs_request_fail (request, BS_E_INVALID, "periodical",
                                "unknown periodical '%s'; known: %s", create->periodical,
                                bs_config_get (bs_service_config (service), "periodicals"));
    unsigned year = create->year ? (unsigned) create->year : bs_clock_year (request->now);
    char number_key[256], total_key[256];
    snprintf (number_key, sizeof number_key, "number:%s:%04u", create->periodical, year);
    snprintf (total_key, sizeof total_key, "total:%s", create->periodical);
    MDB_dbi counters = bs_service_dbi (service, "counters");
    bs_issue_t issue = {.periodical = create->periodical,
                        .year = year,
                        .state = "draft",
                        .created_at = request->now};
    int rc = bs_store_next_counter (request->txn, counters, "issue", &issue.issue_id);
    if (rc == BS_OK)
        rc = bs_store_next_counter (request->txn, counters, number_key, &issue.number);
    if (rc == BS_OK)
        rc = bs_store_next_counter (request->txn, counters, total_key, &issue.total);
    if (rc == BS_OK)
        rc = bs_store_put_record (request->txn, bs_service_dbi (service, "issues"), issue.issue_id,
                                  &bs_issue_schema, &issue);
    return rc == BS_OK ? bs_request_reply (request, &bs_issue_schema, &issue) : rc;
}

/* Take a report out of a draft issue's items. */
static int
s_draft_remove (MDB_txn *txn, MDB_dbi issues, uint64_t issue_id, uint64_t report_id,
                bool *published)
{
    bs_issue_t issue;
    int rc = bs_store_get_record (txn, issues, issue_id, &bs_issue_schema, &issue);
    if (rc == BS_E_NOT_FOUND)
        return BS_OK;
    if (rc != BS_OK)
        return rc;
    *published = strcmp (issue.state, "draft") != 0;
    bs_issue_item_t *items = issue.items.items;
    size_t kept = 0;
    for (size_t i = 0; !*published && i < issue.items.count; i++) {
        if (items[i].report_id == report_id)
            bs_codec_record_free (&bs_issue_item_schema, &items[i]);
        else
            items[kept++] = items[i];
    }
    if (!*published) {
        issue.items.count = kept;
        rc = bs_store_put_record (txn, issues, issue_id, &bs_issue_schema, &issue);
    }
    bs_codec_record_free (&bs_issue_schema, &issue);
    return rc;
}

/* A reverted adoption: out of the waiting list and out of a draft issue,
   and no longer adopted (so a new adoption of the same report is taken).
   Review refuses to revert a report it knows is published; if an issue
   was published while the revert was on its way, the published issue
   stays as it is (it never changes) and the revert is logged. */
static int
s_revert (bs_service_t *service, MDB_txn *txn, const bs_decision_t *decision)
{
    MDB_dbi adopted = bs_service_dbi (service, "adopted");
    bs_pending_item_t item;
    int rc =
        bs_store_get_record (txn, adopted, decision->report_id, &bs_pending_item_schema, &item);
    if (rc == BS_E_NOT_FOUND)
        return BS_OK;
    if (rc != BS_OK)
        return rc;
    bool published = false;
    if (item.issue_id)
        rc = s_draft_remove (txn, bs_service_dbi (service, "issues"), item.issue_id, item.report_id,
                             &published);
    if (rc == BS_OK && published)
        bs_log_warning ("report %s was reverted after issue %llu was published: the issue stays "
                        "as published",
                        item.reg_no, (unsigned long long) item.issue_id);
    else if (rc == BS_OK) {
        unsigned char key_bytes[8];
        bs_store_key (item.report_id, key_bytes);
        MDB_val key = {8, key_bytes};
        int mdb_rc = mdb_del (txn, adopted, &key, NULL);
        if (mdb_rc && mdb_rc != MDB_NOTFOUND)
            rc = bs_store_error (mdb_rc, "forget a reverted adoption");
        if (rc == BS_OK)
            rc = s_waiting_remove (txn, bs_service_dbi (service, "waiting"), item.report_id);
    }
    bs_codec_record_free (&bs_pending_item_schema, &item);
    return rc;
}

/* Add adopted reports to a draft. A report already in this issue is left
   as it is, so adding the same list twice is harmless. */
static int
s_issue_add (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_add_t *add = request->message->data;
    bs_service_t *service = request->service;
    MDB_dbi adopted = bs_service_dbi (service, "adopted");
    bs_issue_t issue;
    int rc = s_issue_load (request, add->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    if (strcmp (issue.state, "draft") != 0) {
        rc = bs_request_fail (request, BS_E_CONFLICT, "issue_id",
                              "issue %llu is published and can no longer change",
                              (unsigned long long) issue.issue_id);
        bs_codec_record_free (&bs_issue_schema, &issue);
        return rc;
    }
    size_t capacity = issue.items.count + add->report_ids.count;
    bs_issue_item_t *items = realloc (issue.items.items, capacity * sizeof *items);
    if (!items) {
        bs_codec_record_free (&bs_issue_schema, &issue);
        return bs_request_fail (request, BS_E_SYSTEM, "", "out of memory");
    }
    issue.items.items = items;
    for (size_t i = 0; rc == BS_OK && i < add->report_ids.count; i++) {
        uint64_t report_id = add->report_ids.items[i];
        bs_pending_item_t item;
        rc = bs_store_get_record (request->txn, adopted, report_id, &bs_pending_item_schema, &item);
        if (rc == BS_E_NOT_FOUND) {
            rc = bs_request_fail (request, BS_E_NOT_FOUND, "report_ids",
                                  "report %llu is not adopted (or its adoption has not reached "
                                  "publication yet)",
                                  (unsigned long long) report_id);
            break;
        }
        if (rc != BS_OK)
            break;
        if (strcmp (item.periodical, issue.periodical) != 0)
            rc = bs_request_fail (request, BS_E_CONFLICT, "report_ids",
                                  "report %s was adopted for 《%s》, not 《%s》", item.reg_no,
                                  item.periodical, issue.periodical);
        else if (item.issue_id && item.issue_id != issue.issue_id)
            rc = bs_request_fail (request, BS_E_CONFLICT, "report_ids",
                                  "report %s is already in issue %llu", item.reg_no,
                                  (unsigned long long) item.issue_id);
        else if (item.issue_id == 0 && issue.items.count >= BS_PAGE_MAX)
            rc = bs_request_fail (request, BS_E_LIMIT, "report_ids",
                                  "an issue holds at most %d reports", BS_PAGE_MAX);
        else if (item.issue_id == 0) {
            item.issue_id = issue.issue_id;
            rc = bs_store_put_record (request->txn, adopted, report_id, &bs_pending_item_schema,
                                      &item);
            if (rc == BS_OK)
                rc =
                    s_waiting_remove (request->txn, bs_service_dbi (service, "waiting"), report_id);
            /* The issue takes over the item's strings. */
            items[issue.items.count++] = (bs_issue_item_t){.report_id = item.report_id,
                                                           .reg_no = item.reg_no,
                                                           .unit = item.unit,
                                                           .title = item.title};
            item.reg_no = item.unit = item.title = NULL;
        }
        bs_codec_record_free (&bs_pending_item_schema, &item);
    }
    if (rc == BS_OK)
        rc = bs_store_put_record (request->txn, bs_service_dbi (service, "issues"), issue.issue_id,
                                  &bs_issue_schema, &issue);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_issue_schema, &issue);
    bs_codec_record_free (&bs_issue_schema, &issue);
    return rc;
}

static int
s_issue_publish (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_publish_t *publish = request->message->data;
    bs_service_t *service = request->service;
    bs_issue_t issue;
    int rc = s_issue_load (request, publish->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    char *owned_state = issue.state;
    if (strcmp (issue.state, "draft") != 0)
        rc = bs_request_fail (request, BS_E_CONFLICT, "issue_id", "issue %llu is already published",
                              (unsigned long long) issue.issue_id);
    else if (issue.items.count == 0)
        rc = bs_request_fail (request, BS_E_CONFLICT, "issue_id",
                              "issue %llu has no reports: add some before publishing",
                              (unsigned long long) issue.issue_id);
    else {
        issue.state = "published";
        issue.published_at = request->now;
        rc = bs_store_put_record (request->txn, bs_service_dbi (service, "issues"), issue.issue_id,
                                  &bs_issue_schema, &issue);
        bs_issue_published_t event = {
            .issue_id = issue.issue_id,
            .periodical = issue.periodical,
            .year = issue.year,
            .number = issue.number,
            .total = issue.total,
            .published_at = request->now,
            .items = issue.items,
        };
        if (rc == BS_OK)
            rc = bs_service_emit (service, request->txn, &bs_issue_published_schema, &event,
                                  request->now);
        if (rc == BS_OK)
            rc = bs_request_reply (request, &bs_issue_schema, &issue);
        issue.state = owned_state;
    }
    bs_codec_record_free (&bs_issue_schema, &issue);
    return rc;
}

static int
s_issue_get (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_get_t *query = request->message->data;
    bs_issue_t issue;
    int rc = s_issue_load (request, query->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    rc = bs_request_reply (request, &bs_issue_schema, &issue);
    bs_codec_record_free (&bs_issue_schema, &issue);
    return rc;
}

static bool
s_keep_pending (const void *record, const void *query)
{
    const bs_pending_item_t *item = record;
    const bs_pending_request_t *request = query;
    return item->issue_id == 0
           && (!request->periodical || !*request->periodical
               || strcmp (request->periodical, item->periodical) == 0);
}

static int
s_pending (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_pending_request_t *query = request->message->data;
    bs_pending_page_t page = {0};
    uint64_t limit = query->limit ? query->limit : 100;
    int rc = bs_store_page (request->txn, bs_service_dbi (request->service, "waiting"),
                            &bs_pending_item_schema, query->after, limit, s_keep_pending, query,
                            &page.items, &page.next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_pending_page_schema, &page);
    bs_codec_record_free (&bs_pending_page_schema, &page);
    return rc;
}

static bool
s_keep_issue (const void *record, const void *query)
{
    const bs_issue_t *issue = record;
    const bs_issue_list_request_t *request = query;
    return !request->periodical || !*request->periodical
           || strcmp (request->periodical, issue->periodical) == 0;
}

static int
s_issue_list (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_list_request_t *query = request->message->data;
    bs_issue_page_t page = {0};
    uint64_t limit = query->limit ? query->limit : 100;
    int rc =
        bs_store_page (request->txn, bs_service_dbi (request->service, "issues"), &bs_issue_schema,
                       query->after, limit, s_keep_issue, query, &page.issues, &page.next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_issue_page_schema, &page);
    bs_codec_record_free (&bs_issue_page_schema, &page);
    return rc;
}

int
publication_setup (bs_service_t *service)
{
    int rc = bs_service_produce (service);
    if (rc == BS_OK)
        rc = bs_service_consume (service, "review", s_on_decided, NULL);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_issue_create_schema, s_issue_create, NULL, true);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_issue_add_schema, s_issue_add, NULL, true);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_issue_publish_schema, s_issue_publish, NULL, true);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_issue_get_schema, s_issue_get, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_issue_list_request_schema, s_issue_list, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_pending_request_schema, s_pending, NULL, false);
    return rc;
}
