/*  render_worker: rendering off publication's loop; see render_worker.h. */
#include "render_worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "bs_log.h"
#include "bs_pdf.h"

struct render_job {
    const render_format_t *format;
    issue_document_t *document;
};

typedef struct {
    render_job_t *job;
    bs_deferred_t *deferred;
} s_entry_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_queued = PTHREAD_COND_INITIALIZER;
static s_entry_t s_queue[RENDER_WORKER_QUEUE_MAX];
static size_t s_first, s_count;

/* Render one queued job and send its reply. */
static void
s_render (s_entry_t *entry)
{
    const render_format_t *format = entry->job->format;
    issue_document_t *document = entry->job->document;
    uint64_t issue_id = document->issue.issue_id;
    unsigned char *bytes = NULL;
    size_t size = 0;
    int rc = format->render (document, &bytes, &size);
    if (rc == BS_OK && size > BS_DOCUMENT_MAX)
        bs_deferred_fail (&entry->deferred, BS_E_LIMIT, "issue_id",
                          "the %s of issue %llu is %zu bytes, more than %u", format->format,
                          (unsigned long long) issue_id, size, BS_DOCUMENT_MAX);
    else if (rc != BS_OK)
        bs_deferred_fail (&entry->deferred, BS_E_SYSTEM, "format",
                          "could not write the %s (see the publication log)", format->format);
    else {
        char filename[640];
        snprintf (filename, sizeof filename, "%s.%s", document->heading, format->format);
        bs_document_t reply = {.issue_id = issue_id,
                               .format = (char *) format->format,
                               .content_type = (char *) format->content_type,
                               .filename = filename,
                               .content = {.data = bytes, .size = size}};
        bs_deferred_reply (&entry->deferred, &bs_document_schema, &reply);
    }
    free (bytes);
    render_job_drop (entry->job);
}

render_job_t *
render_job_new (const render_format_t *format, issue_document_t *document)
{
    render_job_t *self = calloc (1, sizeof *self);
    if (self)
        *self = (render_job_t){format, document};
    return self;
}

void
render_job_drop (void *job)
{
    render_job_t *self = job;
    if (!self)
        return;
    issue_document_destroy (&self->document);
    free (self);
}

static void *
s_work (void *argument)
{
    (void) argument;
    /* Seconds of fontconfig on a cold cache: here, not before the service
       serves its first command. */
    if (bs_pdf_prepare () != BS_OK)
        bs_log_error ("cannot load the fonts for PDF: is fonts-noto-cjk installed?");
    while (true) {
        pthread_mutex_lock (&s_lock);
        while (s_count == 0)
            pthread_cond_wait (&s_queued, &s_lock);
        s_entry_t entry = s_queue[s_first];
        s_first = (s_first + 1) % RENDER_WORKER_QUEUE_MAX;
        s_count--;
        pthread_mutex_unlock (&s_lock);
        s_render (&entry);
    }
    return NULL;
}

int
render_worker_start (void)
{
    pthread_t thread;
    if (pthread_create (&thread, NULL, s_work, NULL) != 0) {
        bs_log_error ("cannot start the render thread");
        return BS_E_SYSTEM;
    }
    pthread_detach (thread);
    return BS_OK;
}

void
render_worker_queue (bs_deferred_t *deferred, void *job)
{
    pthread_mutex_lock (&s_lock);
    bool queued = s_count < RENDER_WORKER_QUEUE_MAX;
    if (queued) {
        s_queue[(s_first + s_count) % RENDER_WORKER_QUEUE_MAX] = (s_entry_t){job, deferred};
        s_count++;
        pthread_cond_signal (&s_queued);
    }
    pthread_mutex_unlock (&s_lock);
    if (!queued) {
        render_job_drop (job);
        bs_deferred_fail (&deferred, BS_E_LIMIT, "issue_id",
                          "publication is busy with %d documents: ask again in a moment",
                          RENDER_WORKER_QUEUE_MAX);
    }
}
