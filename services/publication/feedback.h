/*  feedback: what this level decided about the reports units sent it, kept
    for the level below to fetch (採用反饋): a log in the database
    "feedback" (seq -> publication.feedback_entry), written in the same
    transaction as the decision (review.decided) or the publication of the
    issue that carries the report. The level below polls it through the
    gateway with its API token, which names its unit
    (GET /api/v1/publication/feedback).

    Leaf file: publication.c, issue_publish.c and instructions.c call it.
*/
#ifndef FEEDBACK_H_INCLUDED
#define FEEDBACK_H_INCLUDED

#include "bs_service.h"
#include "bs_schemas.h"

/* Append one entry: state adopted, not_adopted or published; level is
   publication.level; outlet and outlet_issue may be NULL. */
int feedback_append (bs_service_t *service, MDB_txn *txn, const char *unit, uint64_t report_id,
                     const char *reg_no, const char *state, const char *outlet,
                     const char *outlet_issue, uint64_t at);

/* Append a leader's comment (state instructed) on a unit's report. */
int feedback_append_instruction (bs_service_t *service, MDB_txn *txn,
                                 const bs_instruction_t *instruction);

/* publication.feedback: a unit's entries after `after`. */
int feedback_list (bs_request_t *request, void *argument);

#endif
