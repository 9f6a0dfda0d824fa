/*  upward_sender: the thread of the lower installation's publication that
    talks to the level above over HTTP (libcurl), when
    publication.upward_url and publication.upward_token are set.

    Every publication.upward_poll_ms it
      1. asks its own service for the outbox entries not yet acknowledged
         (publication.outbox, due) and POSTs each to
         <upward_url>/api/v1/reports as a direct report (Authorization:
         Bearer <upward_token>, Idempotency-Key: the entry's key, so a
         resend after any crash registers once above), then reports the
         answer with publication.outbox_ack;
      2. fetches <upward_url>/api/v1/publication/feedback?after=<cursor>
         and hands the entries to publication.feedback_apply, which moves
         the cursor in the same transaction as their effects.
    It is a client of its own service's command socket like any other, so
    what it learns is stored by the service's one writer, and nothing is
    lost when either side dies: what was not acknowledged is sent again,
    what was not applied is fetched again.
*/
#ifndef UPWARD_SENDER_H_INCLUDED
#define UPWARD_SENDER_H_INCLUDED

#include "bs_config.h"

/* Start the thread (detached, for the life of the process) if the level
   above is configured; BS_OK also when it is not. config must outlive it. */
int upward_sender_start (bs_config_t *config);

#endif
