/*  render: the formats and the command that renders an issue; see
    render.h. */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "issue_store.h"
#include "render_worker.h"

static const render_format_t s_formats[] = {
    {"pdf", "application/pdf", render_pdf},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     render_docx},
    {"html", "text/html; charset=utf-8", render_html},
    {"txt", "text/plain; charset=utf-8", render_txt},
};

#define S_FORMAT_COUNT (sizeof s_formats / sizeof s_formats[0])

const render_format_t *
render_find (const char *name)
{
    for (size_t i = 0; name && i < S_FORMAT_COUNT; i++)
        if (strcmp (s_formats[i].format, name) == 0)
            return &s_formats[i];
    return NULL;
}

const char *
render_names (void)
{
    return "pdf, docx, html, txt";
}

int
render_prepare (void)
{
    return render_worker_start ();
}

int
render_issue (bs_request_t *request, void *argument)
{
    const publication_t *publication = argument;
    const bs_document_request_t *query = request->message->data;
    const render_format_t *format = render_find (query->format);
    if (!format)
        return bs_request_fail (request, BS_E_INVALID, "format", "no format '%s'; known: %s",
                                query->format, render_names ());
    issue_document_t *document;
    int rc = issue_document_build (request->txn, bs_service_dbi (request->service, "issues"),
                                   publication->periodicals, query->issue_id, &document);
    if (rc == BS_OK && !issue_store_visible (&request->principal, &document->issue)) {
        issue_document_destroy (&document); /* a draft, to an officer: as if there were none */
        rc = BS_E_NOT_FOUND;
    }
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "issue_id", "no issue %llu",
                                (unsigned long long) query->issue_id);
    if (rc != BS_OK)
        return rc == BS_E_SYSTEM ? bs_request_fail (request, rc, "", "out of memory") : rc;
    /* Laying out a long issue takes seconds: the worker thread does it and
       replies once the turn has committed, while the loop goes on
       answering (render_worker.h). */
    render_job_t *job = render_job_new (format, document);
    if (!job) {
        issue_document_destroy (&document);
        return bs_request_fail (request, BS_E_SYSTEM, "", "out of memory");
    }
    return bs_request_defer (request, render_worker_queue, render_job_drop, job);
}
