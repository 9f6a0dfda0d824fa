/*  review: cases, the queue and decisions; see review.h. */
#include "review.h"

#include <string.h>

#include "bs_schemas.h"
#include "bs_store.h"

const char *const review_databases[] = {"cases", "queue", NULL};

/* Queue key: 0 for urgent, 1 otherwise; then received time and report id,
   all big-endian, so a cursor walks the queue in the order editors take it. */
static void
s_queue_key (const bs_review_case_t *review_case, unsigned char key[17])
{
    key[0] = review_case->urgent ? 0 : 1;
    bs_store_key (review_case->received_at, key + 1);
    bs_store_key (review_case->report_id, key + 9);
}

static int
s_queue_put (MDB_txn *txn, MDB_dbi queue, const bs_review_case_t *review_case)
{
    unsigned char key_bytes[17];
    s_queue_key (review_case, key_bytes);
    MDB_val key = {sizeof key_bytes, key_bytes}, value = {0, ""};
    int rc = mdb_put (txn, queue, &key, &value, 0);
    return rc ? bs_store_error (rc, "queue a case") : BS_OK;
}

static int
s_queue_delete (MDB_txn *txn, MDB_dbi queue, const bs_review_case_t *review_case)
{
    unsigned char key_bytes[17];
    s_queue_key (review_case, key_bytes);
    MDB_val key = {sizeof key_bytes, key_bytes};
    int rc = mdb_del (txn, queue, &key, NULL);
    return rc && rc != MDB_NOTFOUND ? bs_store_error (rc, "unqueue a case") : BS_OK;
}

/* The first limit cases of the queue, in queue order. */
static int
s_queue_page (MDB_txn *txn, MDB_dbi cases, MDB_dbi queue, uint64_t limit, bs_list_t *list)
{
    bs_review_case_t *items = calloc (limit, sizeof *items);
    list->items = items;
    list->count = 0;
    if (!items)
        return BS_E_SYSTEM;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, queue, &cursor);
    if (rc)
        return bs_store_error (rc, "walk the queue");
    MDB_val key, value;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    rc = BS_OK;
    while (found == 0 && list->count < limit && rc == BS_OK) {
        uint64_t report_id = bs_store_key_value ((unsigned char *) key.mv_data + 9);
        rc = bs_store_get_record (txn, cases, report_id, &bs_review_case_schema,
                                  &items[list->count]);
        if (rc == BS_OK)
            list->count++;
        found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    return rc;
}

/* report.received from intake: a new case in the queue. */
static int
s_on_received (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    if (event->schema != &bs_report_schema)
        return BS_OK;
    const bs_report_t *report = event->data;
    MDB_dbi cases = bs_service_dbi (service, "cases");
    bs_review_case_t existing;
    int rc = bs_store_get_record (txn, cases, report->report_id, &bs_review_case_schema, &existing);
    if (rc == BS_OK) { /* already a case: applying twice changes nothing */
        bs_codec_record_free (&bs_review_case_schema, &existing);
        return BS_OK;
    }
    if (rc != BS_E_NOT_FOUND)
        return rc;
    bs_review_case_t review_case = {
        .report_id = report->report_id,
        .reg_no = report->reg_no,
        .unit = report->unit,
        .title = report->title,
        .kind = report->kind,
        .urgent = report->urgent,
        .topic = report->topic,
        .received_at = report->received_at,
        .state = "queued",
    };
    rc = bs_store_put_record (txn, cases, report->report_id, &bs_review_case_schema, &review_case);
    return rc == BS_OK ? s_queue_put (txn, bs_service_dbi (service, "queue"), &review_case) : rc;
}

static int
s_decide (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_decide_t *decide = request->message->data;
    bs_service_t *service = request->service;
    const char *decision = decide->decision;
    const char *state = strcmp (decision, "adopt") == 0     ? "adopted"
                        : strcmp (decision, "return") == 0  ? "returned"
                        : strcmp (decision, "decline") == 0 ? "declined"
                                                            : NULL;
    if (!state)
        return bs_request_fail (request, BS_E_INVALID, "decision",
                                "decision must be adopt, return or decline, not '%s'", decision);
    bool adopt = strcmp (decision, "adopt") == 0;
    if (adopt && (!decide->periodical || !*decide->periodical))
        return bs_request_fail (request, BS_E_INVALID, "periodical",
                                "an adoption names the periodical it goes into");
    if (adopt && !bs_config_has_periodical (bs_service_config (service), decide->periodical))
        return bs_request_fail (request, BS_E_INVALID, "periodical",
                                "unknown periodical '%s'; known: %s", decide->periodical,
                                bs_config_get (bs_service_config (service), "periodicals"));
    MDB_txn *txn = request->txn;
    MDB_dbi cases = bs_service_dbi (service, "cases");
    bs_review_case_t review_case;
    int rc =
        bs_store_get_record (txn, cases, decide->report_id, &bs_review_case_schema, &review_case);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "report_id", "no case for report %llu",
                                (unsigned long long) decide->report_id);
    if (rc != BS_OK)
        return rc;
    if (strcmp (review_case.state, "queued") != 0) {
        rc = bs_request_fail (request, BS_E_CONFLICT, "report_id", "report %s is already %s",
                              review_case.reg_no, review_case.state);
        bs_codec_record_free (&bs_review_case_schema, &review_case);
        return rc;
    }
    rc = s_queue_delete (txn, bs_service_dbi (service, "queue"), &review_case);
    /* The stored case takes the decision; its strings point into the
       request, which outlives this function. */
    char *owned_state = review_case.state, *owned_periodical = review_case.periodical,
         *owned_critique = review_case.critique, *owned_editor = review_case.editor;
    review_case.state = (char *) state;
    review_case.periodical = adopt ? decide->periodical : NULL;
    review_case.critique = decide->critique;
    review_case.editor = decide->editor;
    review_case.decided_at = request->now;
    if (rc == BS_OK)
        rc = bs_store_put_record (txn, cases, review_case.report_id, &bs_review_case_schema,
                                  &review_case);
    bs_decision_t event = {
        .report_id = review_case.report_id,
        .reg_no = review_case.reg_no,
        .unit = review_case.unit,
        .title = review_case.title,
        .kind = review_case.kind,
        .urgent = review_case.urgent,
        .decision = (char *) decision,
        .periodical = review_case.periodical,
        .critique = review_case.critique,
        .editor = review_case.editor,
        .received_at = review_case.received_at,
        .decided_at = request->now,
    };
    if (rc == BS_OK)
        rc = bs_service_emit (service, txn, &bs_decision_schema, &event, request->now);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_review_case_schema, &review_case);
    review_case.state = owned_state;
    review_case.periodical = owned_periodical;
    review_case.critique = owned_critique;
    review_case.editor = owned_editor;
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
}

static int
s_get (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_case_get_t *query = request->message->data;
    bs_review_case_t review_case;
    int rc = bs_store_get_record (request->txn, bs_service_dbi (request->service, "cases"),
                                  query->report_id, &bs_review_case_schema, &review_case);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "report_id", "no case for report %llu",
                                (unsigned long long) query->report_id);
    if (rc != BS_OK)
        return rc;
    rc = bs_request_reply (request, &bs_review_case_schema, &review_case);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
}

/* The queue in order (urgent, then oldest), or with `all` every case after
   a report id, paged. */
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
    MDB_stat stat;
    int rc = mdb_stat (txn, queue, &stat);
    if (rc)
        return bs_store_error (rc, "count the queue");
    page.queued = stat.ms_entries;
    if (query->all)
        rc = bs_store_page (txn, cases, &bs_review_case_schema, query->after, limit, NULL, NULL,
                            &page.cases, &page.next);
    else
        rc = s_queue_page (txn, cases, queue, limit, &page.cases);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_case_page_schema, &page);
    bs_codec_record_free (&bs_case_page_schema, &page);
    return rc;
}

int
review_setup (bs_service_t *service)
{
    int rc = bs_service_produce (service);
    if (rc == BS_OK)
        rc = bs_service_consume (service, "intake", s_on_received, NULL);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_decide_schema, s_decide, NULL, true);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_case_get_schema, s_get, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_queue_request_schema, s_queue, NULL, false);
    return rc;
}
