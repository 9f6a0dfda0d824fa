/*  render_worker: the thread that renders documents, so that publication's
    loop keeps answering every other command while a long issue is laid
    out (a PDF of a few hundred pages takes seconds).

    render_issue (render.h) builds the issue's document in its request's
    transaction and defers the request (bs_request_defer) with a job; once
    the turn has committed, the loop queues the job here; the one worker
    thread renders the jobs in turn and sends each reply
    (publication.document, or the error) with bs_deferred_reply. One
    thread, because cairo and pango are then used from one thread only,
    and two renders at once would only share the same cores. The thread
    loads the fonts (bs_pdf_prepare) before its first job, so a starting
    service serves at once rather than after seconds of fontconfig.
*/
#ifndef RENDER_WORKER_H_INCLUDED
#define RENDER_WORKER_H_INCLUDED

#include "bs_service.h"
#include "issue_document.h"
#include "render.h"

#define RENDER_WORKER_QUEUE_MAX 16 /* jobs waiting; more are refused (busy) */

/* One document to render: its format and the issue's document. */
typedef struct render_job render_job_t;

/* A job owning document. NULL when out of memory (the caller still owns
   document then). */
render_job_t *render_job_new (const render_format_t *format, issue_document_t *document);

/* Free a job that will not run (a bs_deferred_drop_fn). */
void render_job_drop (void *job);

/* Start the thread (detached, for the life of the process). */
int render_worker_start (void);

/* Queue job (a render_job_t) for the thread, which renders it and ends
   deferred with the document or the error: a bs_deferred_start_fn, called
   by the service's loop once the request's turn has committed. It owns
   both from the call and always replies; when RENDER_WORKER_QUEUE_MAX jobs
   already wait, it replies at once that publication is busy. */
void render_worker_queue (bs_deferred_t *deferred, void *job);

#endif
