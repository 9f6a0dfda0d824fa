/*  review: the service's setup, and the case and queue queries; see
    review.h for the map of the other files. */
#include "review.h"

#include <string.h>

#include "bs_schemas.h"
#include "bs_store.h"

const char *const review_databases[] = {"cases",
                                        "queue",
                                        "leases",
                                        "deadlines",
                                        "audit",
                                        "topics",
                                        "sessions",
                                        "counters",
                                        "commissions",
                                        "commission_deadlines",
                                        "commission_reminders",
                                        "notices",
                                        "versions",
                                        "versions_expiry",
                                        "periodicals",
                                        NULL};

/* The first limit cases of the queue, in queue order, that principal may
   read (limit 0: none), and in *queued how many of the queue's cases it
   may read: the whole queue for the desk, an officer's own unit's. */
static int
s_queue_page (MDB_txn *txn, MDB_dbi cases, MDB_dbi queue, const bs_principal_t *principal,
              uint64_t limit, bs_list_t *list, uint64_t *queued)
{
    bs_review_case_t *items = calloc (limit ? limit : 1, sizeof *items);
    list->items = items;
    list->count = 0;
    if (!items)
        return BS_E_SYSTEM;
    bool every_unit = bs_principal_allowed (principal, REVIEW_READS_EVERY_UNIT);
    MDB_stat stat;
    int rc = mdb_stat (txn, queue, &stat);
    if (rc)
        return bs_store_error (rc, "count the queue");
    *queued = every_unit ? stat.ms_entries : 0;
    MDB_cursor *cursor;
    rc = mdb_cursor_open (txn, queue, &cursor);
    if (rc)
        return bs_store_error (rc, "walk the queue");
    MDB_val key, value;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    rc = BS_OK;
    /* The desk stops at limit; an officer's cases are counted to the end. */
    while (found == 0 && (list->count < limit || !every_unit) && rc == BS_OK) {
        uint64_t report_id = bs_store_key_value ((unsigned char *) key.mv_data + 9);
        bs_review_case_t review_case;
        rc = bs_store_get_record (txn, cases, report_id, review_case_listed (), &review_case);
        bool seen = rc == BS_OK && (every_unit || bs_principal_sees (principal, review_case.unit, NULL));
        if (seen && list->count < limit)
            items[list->count++] = review_case;
        else if (rc == BS_OK)
            bs_codec_record_free (&bs_review_case_schema, &review_case);
        *queued += seen && !every_unit;
        found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    return rc;
}

/* review.audit: a case's whole trail, oldest first. */
static int
s_audit (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_audit_request_t *query = request->message->data;
    bs_review_case_t review_case;
    int rc = review_case_read (request, query->report_id, &review_case);
    if (rc != BS_OK)
        return rc;
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    bs_audit_page_t page;
    rc = review_audit_read (request->service, request->txn, query->report_id, &page);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_audit_page_schema, &page);
    bs_codec_record_free (&bs_audit_page_schema, &page);
    return rc;
}

static int
s_get (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_case_get_t *query = request->message->data;
    bs_review_case_t review_case;
    int rc = review_case_read (request, query->report_id, &review_case);
    if (rc != BS_OK)
        return rc;
    rc = bs_request_reply (request, &bs_review_case_schema, &review_case);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
}

/* A page of every case: of the unit asked for (all units: none), and
   of those the principal may read. */
typedef struct {
    const char *unit;
    const bs_principal_t *principal;
} s_case_query_t;

static bool
s_of_unit (const void *record, const void *query)
{
    const s_case_query_t *asked = query;
    const char *unit = ((const bs_review_case_t *) record)->unit;
    return (!asked->unit || !*asked->unit || strcmp (unit, asked->unit) == 0)
           && bs_principal_sees (asked->principal, unit, REVIEW_READS_EVERY_UNIT);
}

/* The queue in order (urgent, then oldest; claimed cases show their
   holder), or with `all` every case after a report id (of one unit when
   unit is given), paged. Bodies are left out (review_case_listed). */
static int
s_queue (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_queue_request_t *query = request->message->data;
    MDB_txn *txn = request->txn;
    MDB_dbi cases = bs_service_dbi (request->service, "cases");
    MDB_dbi queue = bs_service_dbi (request->service, "queue");
    uint64_t limit = query->limit ? query->limit : 50;
    bs_case_page_t page = {0};
    int rc = s_queue_page (txn, cases, queue, &request->principal, query->all ? 0 : limit,
                           &page.cases, &page.queued);
    if (rc == BS_OK && query->all) {
        bs_codec_record_free (&bs_case_page_schema, &page);
        page = (bs_case_page_t){.queued = page.queued};
        rc = bs_store_page (txn, cases, review_case_listed (), query->after, limit, s_of_unit,
                            &(s_case_query_t){query->unit, &request->principal}, &page.cases,
                            &page.next);
    }
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_case_page_schema, &page);
    bs_codec_record_free (&bs_case_page_schema, &page);
    return rc;
}

typedef struct {
    const bs_schema_t *schema;
    bs_command_fn *fn;
    bool mutates;
} s_command_t;

static const s_command_t s_commands[] = {
    {&bs_case_get_schema, s_get, false},
    {&bs_queue_request_schema, s_queue, false},
    {&bs_audit_request_schema, s_audit, false},
    {&bs_claim_schema, review_claim, true},
    {&bs_release_schema, review_release, true},
    {&bs_decide_schema, review_decide, true},
    {&bs_decide_many_schema, review_decide_many, true},
    {&bs_revert_schema, review_revert, true},
    {&bs_edit_schema, review_edit, true},
    {&bs_diff_request_schema, review_diff, false},
    {&bs_topic_create_schema, review_topic_create, true},
    {&bs_topic_rename_schema, review_topic_rename, true},
    {&bs_topic_close_schema, review_topic_close, true},
    {&bs_topic_list_schema, review_topic_list, false},
    {&bs_topic_assign_schema, review_topic_assign, true},
    {&bs_topic_cases_schema, review_topic_cases, false},
    {&bs_synthesize_schema, review_synthesize, true},
    {&bs_session_open_schema, review_session_open, true},
    {&bs_session_comment_schema, review_session_comment, true},
    {&bs_session_close_schema, review_session_close, true},
    {&bs_session_get_schema, review_session_get, false},
    {&bs_withdraw_schema, review_withdraw, true},
    {&bs_commission_create_schema, review_commission_create, true},
    {&bs_commission_get_schema, review_commission_get, false},
    {&bs_commission_list_schema, review_commission_list, false},
    {&bs_commission_extend_schema, review_commission_extend, true},
    {&bs_commission_cancel_schema, review_commission_cancel, true},
    {&bs_notice_send_schema, review_notice_send, true},
    {&bs_notice_get_schema, review_notice_get, false},
    {&bs_notice_list_schema, review_notice_list, false},
    {&bs_notice_read_schema, review_notice_read, true},
};

int
review_setup (bs_service_t *service)
{
    uint64_t sweep = bs_config_get_number (bs_service_config (service), "review.sweep_ms");
    int rc = review_case_listed () ? review_audit_start (service) : BS_E_SYSTEM;
    if (rc == BS_OK)
        rc = bs_service_produce (service);
    if (rc == BS_OK)
        rc = bs_service_consume (service, "intake", review_on_intake, NULL);
    const bs_schema_t *const *views = review_intake_views ();
    if (rc == BS_OK && !views)
        rc = BS_E_SYSTEM;
    if (rc == BS_OK)
        bs_service_consume_views (service, views);
    if (rc == BS_OK)
        rc = bs_service_consume (service, "publication", review_on_publication, NULL);
    bs_service_reply_texts (service, review_case_texts);
    for (size_t i = 0; rc == BS_OK && i < sizeof s_commands / sizeof s_commands[0]; i++)
        rc = bs_service_on (service, s_commands[i].schema, s_commands[i].fn, NULL,
                            s_commands[i].mutates);
    /* A critique session goes over many units' cases: the desk's record
       (what it said of a unit's case is in that case's audit trail). */
    if (rc == BS_OK)
        rc = bs_service_allow (service, &bs_session_get_schema, REVIEW_READS_EVERY_UNIT);
    if (rc == BS_OK)
        rc = bs_service_every (service, sweep ? sweep : 1000, review_leases_sweep, NULL);
    if (rc == BS_OK)
        rc = bs_service_every (service, sweep ? sweep : 1000, review_deadlines_sweep, NULL);
    if (rc == BS_OK)
        rc = bs_service_every (service, sweep ? sweep : 1000, review_commission_deadlines_sweep,
                               NULL);
    if (rc == BS_OK)
        rc = bs_service_every (service, sweep ? sweep : 1000, review_commission_reminders_sweep,
                               NULL);
    return rc;
}
