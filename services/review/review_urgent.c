/*  review_urgent: urgent reports (緊急重要信息) must be decided within
    review.urgent_hours of their receipt. Urgent cases lead the queue; when
    the deadline passes undecided, the sweep escalates the case: the flag
    and time on the case, an audit entry and a review.escalated event, all
    in one transaction with the removal of its deadline entry. So a case
    escalates exactly once however often review dies around its deadline:
    either the transaction committed (and the entry is gone) or nothing of
    it did (and the next sweep does it). Statistics passes the event on to
    the live feed as a notice for leaders.
*/
#include "review.h"

#include <stdio.h>

#include "bs_clock.h"
#include "bs_store.h"

uint64_t
review_deadline (bs_service_t *service, uint64_t received_at)
{
    uint64_t hours = bs_config_get_number (bs_service_config (service), "review.urgent_hours");
    return received_at + (hours ? hours : 2) * 3600 * 1000;
}

static int
s_escalate (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case, uint64_t now)
{
    static const review_actor_t clock = {"review", "system"};
    int rc = review_case_take (service, txn, review_case);
    review_case->escalated = true;
    review_case->escalated_at = now;
    char deadline[40], note[64];
    bs_clock_format (review_case->deadline, deadline, sizeof deadline);
    snprintf (note, sizeof note, "deadline %s passed", deadline);
    if (rc == BS_OK)
        rc = review_case_move (service, txn, review_case, "escalate", &clock, note, now);
    bs_escalated_t event = {
        .report_id = review_case->report_id,
        .reg_no = review_case->reg_no,
        .unit = review_case->unit,
        .title = review_case->title,
        .state = review_case->state,
        .holder = review_case->holder,
        .received_at = review_case->received_at,
        .deadline = review_case->deadline,
        .escalated_at = now,
    };
    if (rc == BS_OK)
        rc = bs_service_emit (service, txn, &bs_escalated_schema, &event, now);
    return rc;
}

int
review_deadlines_sweep (bs_service_t *service, MDB_txn *txn, uint64_t now, void *argument)
{
    (void) argument;
    return review_index_sweep (service, txn, "deadlines", now, s_escalate);
}
