/*  review_withdraw: a unit takes back a report it sent by mistake (撤回),
    with a reason, as long as no editor has claimed it. Only the unit that
    sent it may: the unit and officer the command names must be the
    principal's own (only an admin may name others). The case leaves the queue (state withdrawn, its
    urgent deadline gone with it), the audit trail says who and why, and
    report.withdrawn tells statistics, which counts it apart. Once an
    editor holds or has decided the case, the answer is a clear refusal.
*/
#include "review.h"

#include <string.h>

static int
s_refuse (bs_request_t *request, const bs_review_case_t *review_case)
{
    if (strcmp (review_case->state, "claimed") == 0)
        return bs_request_refuse (request, BS_E_CONFLICT, "report_id", "claimed",
                                  "report %s is claimed by editor %s, so it can no longer be "
                                  "withdrawn: ask the editor to return or decline it",
                                  review_case->reg_no, review_case->holder);
    return bs_request_refuse (request, BS_E_CONFLICT, "report_id", "closed",
                              "report %s is already %s, so it can no longer be withdrawn",
                              review_case->reg_no, review_case->state);
}

int
review_withdraw (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_withdraw_t *withdraw = request->message->data;
    bs_error_t error;
    if (bs_principal_check_for (&request->principal, withdraw->unit, withdraw->officer,
                                REVIEW_WITHDRAWS_FOR_UNITS, &error)
        != BS_OK)
        return bs_request_fail (request, error.code, error.field, "%s", error.text);
    /* An officer's withdrawal of another unit's report: no such report,
       as for one that does not exist (a refusal would tell it does). */
    bs_review_case_t review_case;
    int rc = review_case_read (request, withdraw->report_id, &review_case);
    if (rc != BS_OK)
        return rc;
    review_actor_t actor = {withdraw->officer, "officer"};
    if (strcmp (review_case.unit, withdraw->unit) != 0)
        rc = bs_request_fail (request, BS_E_DENIED, "report_id",
                              "report %s was sent by %s; only that unit can withdraw it",
                              review_case.reg_no, review_case.unit);
    else if (!review_state_next (review_case.state, "withdraw"))
        rc = s_refuse (request, &review_case);
    else {
        rc = review_case_take (request->service, request->txn, &review_case);
        if (rc == BS_OK)
            rc = review_case_move (request->service, request->txn, &review_case, "withdraw", &actor,
                                   withdraw->reason, request->now);
        bs_withdrawn_t event = {.report_id = review_case.report_id,
                                .reg_no = review_case.reg_no,
                                .unit = review_case.unit,
                                .reason = withdraw->reason,
                                .withdrawn_at = request->now};
        if (rc == BS_OK)
            rc = bs_service_emit (request->service, request->txn, &bs_withdrawn_schema, &event,
                                  request->now);
        if (rc == BS_OK)
            rc = review_case_reply (request, &review_case);
    }
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
}
