/*  feedback: decisions kept for the level below; see feedback.h. */
#include "feedback.h"

#include <string.h>

#include "issue_store.h"

static int
s_append (bs_service_t *service, MDB_txn *txn, bs_feedback_entry_t *entry)
{
    entry->level = (char *) bs_config_get (bs_service_config (service), "publication.level");
    int rc = bs_store_next_counter (txn, bs_service_dbi (service, "counters"), "feedback",
                                    &entry->seq);
    if (rc == BS_OK)
        rc = bs_store_put_record (txn, bs_service_dbi (service, "feedback"), entry->seq,
                                  &bs_feedback_entry_schema, entry);
    return rc;
}

int
feedback_append (bs_service_t *service, MDB_txn *txn, const char *unit, uint64_t report_id,
                 const char *reg_no, const char *state, const char *outlet,
                 const char *outlet_issue, uint64_t at)
{
    bs_feedback_entry_t entry = {
        .unit = (char *) unit,
        .report_id = report_id,
        .reg_no = (char *) reg_no,
        .state = (char *) state,
        .outlet = (char *) outlet,
        .outlet_issue = (char *) outlet_issue,
        .at = at,
    };
    return s_append (service, txn, &entry);
}

int
feedback_append_instruction (bs_service_t *service, MDB_txn *txn,
                             const bs_instruction_t *instruction)
{
    bs_feedback_entry_t entry = {
        .unit = instruction->unit,
        .report_id = instruction->report_id,
        .reg_no = instruction->reg_no,
        .state = "instructed",
        .at = instruction->instructed_at,
        .leader = instruction->leader,
        .text = instruction->text,
        .follow_up_due = instruction->follow_up_due,
    };
    return s_append (service, txn, &entry);
}

typedef struct {
    const char *unit;
    const bs_principal_t *reader;
} s_feedback_query_t;

/* The entries of the unit asked for, if reader may read its (an
   officer: their own unit's; another unit's list is empty). */
static bool
s_keep_unit (const void *record, const void *query)
{
    const char *unit = ((const bs_feedback_entry_t *) record)->unit;
    const s_feedback_query_t *wanted = query;
    return strcmp (unit, wanted->unit) == 0
           && bs_principal_sees (wanted->reader, unit, PUBLICATION_READS_EVERY_UNIT);
}

int
feedback_list (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_feedback_request_t *query = request->message->data;
    bs_feedback_page_t page = {0};
    uint64_t limit = query->limit ? query->limit : 100;
    int rc = bs_store_page (request->txn, bs_service_dbi (request->service, "feedback"),
                            &bs_feedback_entry_schema, query->after, limit, s_keep_unit,
                            &(s_feedback_query_t){query->unit, &request->principal},
                            &page.entries, &page.next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_feedback_page_schema, &page);
    bs_codec_record_free (&bs_feedback_page_schema, &page);
    return rc;
}
