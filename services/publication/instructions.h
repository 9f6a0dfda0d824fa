/*  instructions: leaders' comments (領導批示) on reports and issue items, and
    the follow-up (落實反饋) each asks of the reporting unit by a deadline.

    Database "instructions": instruction id -> publication.instruction.
    publication.instruct records one (on a report publication knows:
    adopted here) and emits report.instructed; publication.follow_up is the
    unit's answer (by an officer of the comment's unit, as themself, or by
    staff); publication.instructions lists them (a unit's, a
    report's, or the overdue ones: due passed, unanswered).

    Each command is a bs_command_fn (argument unused).
*/
#ifndef INSTRUCTIONS_H_INCLUDED
#define INSTRUCTIONS_H_INCLUDED

#include "bs_service.h"

/* The office's staff (a bs_principal_allowed rule): they record leaders'
   comments, adoptions and forwards, and may answer for any unit. */
#define PUBLICATION_STAFF "editor,leader,publisher,admin"

int instructions_instruct (bs_request_t *request, void *argument);
int instructions_follow_up (bs_request_t *request, void *argument);
int instructions_list (bs_request_t *request, void *argument);

#endif
