/*  instructions: leaders' comments and follow-ups; see instructions.h. */
#include "instructions.h"

#include <string.h>

#include "bs_schemas.h"
#include "feedback.h"
#include "issue_store.h"
#include "periodicals.h"

int
instructions_record (bs_service_t *service, MDB_txn *txn, bs_instruction_t *instruction,
                     uint64_t now)
{
    int rc = bs_store_next_counter (txn, bs_service_dbi (service, "counters"), "instruction",
                                    &instruction->instruction_id);
    if (rc == BS_OK)
        rc = bs_store_put_record (txn, bs_service_dbi (service, "instructions"),
                                  instruction->instruction_id, &bs_instruction_schema, instruction);
    bs_instructed_t event = {.instruction_id = instruction->instruction_id,
                             .report_id = instruction->report_id,
                             .reg_no = instruction->reg_no,
                             .unit = instruction->unit,
                             .level = instruction->level,
                             .leader = instruction->leader,
                             .text = instruction->text,
                             .instructed_at = instruction->instructed_at,
                             .follow_up_due = instruction->follow_up_due};
    if (rc == BS_OK)
        rc = bs_service_emit (service, txn, &bs_instructed_schema, &event, now);
    return rc;
}

int
instructions_instruct (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_instruct_t *instruct = request->message->data;
    if (!periodicals_level_known (instruct->level))
        return bs_request_fail (request, BS_E_INVALID, "level",
                                "level '%s' is not county, city, province or central",
                                instruct->level);
    bs_pending_item_t report;
    int rc = bs_store_get_record (request->txn, bs_service_dbi (request->service, "adopted"),
                                  instruct->report_id, &bs_pending_item_schema, &report);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "report_id",
                                "report %llu was not adopted here, so publication does not know it",
                                (unsigned long long) instruct->report_id);
    if (rc != BS_OK)
        return rc;
    if (instruct->issue_id && report.issue_id != instruct->issue_id)
        rc = bs_request_fail (request, BS_E_NOT_FOUND, "issue_id",
                              "report %s is not an item of issue %llu", report.reg_no,
                              (unsigned long long) instruct->issue_id);
    uint64_t at = instruct->instructed_at ? instruct->instructed_at : request->now;
    uint64_t days =
        instruct->follow_up_days ? instruct->follow_up_days : INSTRUCTIONS_FOLLOW_UP_DAYS;
    bs_instruction_t instruction = {.report_id = report.report_id,
                                    .reg_no = report.reg_no,
                                    .unit = report.unit,
                                    .title = report.title,
                                    .issue_id = report.issue_id,
                                    .leader = instruct->leader,
                                    .level = instruct->level,
                                    .text = instruct->text,
                                    .instructed_at = at,
                                    .follow_up_due = at + days * INSTRUCTIONS_DAY_MS,
                                    .recorded_by = instruct->by};
    if (rc == BS_OK)
        rc = instructions_record (request->service, request->txn, &instruction, request->now);
    /* The unit that sent the report learns it too: when it is the level
       below's system, it fetches this with the rest of its feedback. */
    if (rc == BS_OK)
        rc = feedback_append_instruction (request->service, request->txn, &instruction);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_instruction_schema, &instruction);
    bs_codec_record_free (&bs_pending_item_schema, &report);
    return rc;
}

int
instructions_follow_up (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_follow_up_t *follow_up = request->message->data;
    MDB_dbi instructions = bs_service_dbi (request->service, "instructions");
    bs_instruction_t instruction;
    int rc = bs_store_get_record (request->txn, instructions, follow_up->instruction_id,
                                  &bs_instruction_schema, &instruction);
    if (rc == BS_OK
        && !bs_principal_sees (&request->principal, instruction.unit,
                               PUBLICATION_READS_EVERY_UNIT)) {
        bs_codec_record_free (&bs_instruction_schema, &instruction);
        rc = BS_E_NOT_FOUND; /* another unit's comment, to an officer: as if there were none */
    }
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "instruction_id",
                                "no leader's comment %llu",
                                (unsigned long long) follow_up->instruction_id);
    if (rc != BS_OK)
        return rc;
    if (follow_up->unit && *follow_up->unit && strcmp (follow_up->unit, instruction.unit) != 0)
        rc = bs_request_fail (request, BS_E_DENIED, "unit", "comment %llu is for %s, not for %s",
                              (unsigned long long) instruction.instruction_id, instruction.unit,
                              follow_up->unit);
    bs_error_t error;
    if (rc == BS_OK
        && bs_principal_check_for (&request->principal, instruction.unit, follow_up->by,
                                   PUBLICATION_STAFF, &error)
               != BS_OK)
        rc = bs_request_fail (request, error.code, error.field, "comment %llu is %s's: %s",
                              (unsigned long long) instruction.instruction_id, instruction.unit,
                              error.text);
    if (rc == BS_OK)
        rc = issue_store_set_string (&instruction.follow_up_text, follow_up->text);
    if (rc == BS_OK)
        rc = issue_store_set_string (&instruction.follow_up_by, follow_up->by);
    instruction.follow_up_at = request->now;
    if (rc == BS_E_SYSTEM)
        rc = bs_request_fail (request, BS_E_SYSTEM, "", "out of memory");
    if (rc == BS_OK)
        rc = bs_store_put_record (request->txn, instructions, instruction.instruction_id,
                                  &bs_instruction_schema, &instruction);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_instruction_schema, &instruction);
    bs_codec_record_free (&bs_instruction_schema, &instruction);
    return rc;
}

typedef struct {
    const bs_instruction_list_t *query;
    uint64_t now;
    const bs_principal_t *reader; /* an officer reads their own unit's */
} s_filter_t;

static bool
s_keep (const void *record, const void *argument)
{
    const bs_instruction_t *instruction = record;
    const s_filter_t *filter = argument;
    const bs_instruction_list_t *query = filter->query;
    if (query->unit && *query->unit && strcmp (query->unit, instruction->unit) != 0)
        return false;
    if (!bs_principal_sees (filter->reader, instruction->unit, PUBLICATION_READS_EVERY_UNIT))
        return false;
    if (query->report_id && query->report_id != instruction->report_id)
        return false;
    return !query->overdue
           || (!instruction->follow_up_text && instruction->follow_up_due < filter->now);
}

int
instructions_list (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_instruction_list_t *query = request->message->data;
    s_filter_t filter = {query, request->now, &request->principal};
    bs_instruction_page_t page = {0};
    uint64_t limit = query->limit ? query->limit : 100;
    int rc = bs_store_page (request->txn, bs_service_dbi (request->service, "instructions"),
                            &bs_instruction_schema, query->after, limit, s_keep, &filter,
                            &page.instructions, &page.next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_instruction_page_schema, &page);
    bs_codec_record_free (&bs_instruction_page_schema, &page);
    return rc;
}
