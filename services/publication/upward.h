/*  upward: forwarding reports to the level above (上報) and what comes back
    (採用反饋), on the lower installation's side.

    publication.forward queues the items of a signed-off or published issue
    in the outbox (database "outbox": outbox id -> publication.outbox_entry;
    "upward_index": "report:<id>" and "upper:<reg_no>" -> outbox id, so a
    report is queued once and feedback finds its entry). The sender thread
    (upward_sender.h) sends what is due to the level above's gateway and
    reports each try with publication.outbox_ack; the first acknowledgement
    makes the entry received and emits report.forwarded. It fetches the
    level above's feedback and hands it to publication.feedback_apply, which
    records adoptions on the original report ("adoptions": adoption id ->
    report.adopted_upward record) and emits report.adopted_upward once per
    adoption; the cursor ("feedback_after" in "counters") moves in the same
    transaction. Staff record adoptions by outside outlets with
    publication.adoption_record. publication.upward shows a report's sends
    and adoptions.

    Each command is a bs_command_fn whose argument is the publication_t.
*/
#ifndef UPWARD_H_INCLUDED
#define UPWARD_H_INCLUDED

#include "issue_store.h"

int upward_forward (bs_request_t *request, void *argument);
int upward_outbox (bs_request_t *request, void *argument);
int upward_ack (bs_request_t *request, void *argument);
int upward_feedback_apply (bs_request_t *request, void *argument);
int upward_adoption_record (bs_request_t *request, void *argument);
int upward_get (bs_request_t *request, void *argument);

#endif
