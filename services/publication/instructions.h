/*  instructions: leaders' comments (領導批示) on reports and issue items, and
    the follow-up (落實反饋) each asks of the reporting unit by a deadline.

    Database "instructions": instruction id -> publication.instruction.
    publication.instruct records one (on a report publication knows:
    adopted here), emits report.instructed and puts it in the feedback
    for the level below (feedback.h); a comment the level above made on a
    report this level forwarded comes back that way and is recorded here
    on the original report (upward.c), for its unit to see and answer.
    publication.follow_up is the unit's answer (by an officer of the
    comment's unit, as themself, or by staff); publication.instructions
    lists them (a unit's, a report's, or the overdue ones: due passed,
    unanswered).

    Each command is a bs_command_fn (argument unused).
*/
#ifndef INSTRUCTIONS_H_INCLUDED
#define INSTRUCTIONS_H_INCLUDED

#include "bs_service.h"
#include "bs_schemas.h"
#include "issue_store.h"

/* Follow-ups are due this long after the comment unless said otherwise. */
#define INSTRUCTIONS_FOLLOW_UP_DAYS 15
#define INSTRUCTIONS_DAY_MS (24ull * 3600 * 1000)

/* Store a comment (instruction_id is given here) and emit
   report.instructed, in txn. */
int instructions_record (bs_service_t *service, MDB_txn *txn, bs_instruction_t *instruction,
                         uint64_t now);

int instructions_instruct (bs_request_t *request, void *argument);
int instructions_follow_up (bs_request_t *request, void *argument);
int instructions_list (bs_request_t *request, void *argument);

#endif
