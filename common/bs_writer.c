/*  bs_writer: a thread that runs one job at a time; see bs_writer.h.

    A start is a flag under a mutex and a condition the thread waits on;
    the end is the flag's answer and an eventfd the owner may poll. So a
    turn costs the owner a futex wake to start the job (signalled after
    the unlock, so the thread does not wake into the held mutex) and one
    read of the eventfd to collect it, and the thread one write: a czmq actor's pipe
    cost each signal a ZeroMQ message, its mailbox's eventfd and polls of
    both threads (strace: the loop's poll and getpid calls per turn). The
    job runs to its end whatever signals the process gets (SIGINT,
    SIGTERM): a read the signal interrupts is made again, and the owner
    collects the job before stopping.
*/
#include "bs_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bs_error.h"
#include "bs_log.h"

struct bs_writer {
    pthread_t thread;      /* runs the jobs */
    bool has_thread;       /* thread was started */
    pthread_mutex_t mutex; /* guards the three flags below */
    pthread_cond_t wake;   /* signalled on a start and on the stop */
    bool start;            /* a job is started, the thread has not taken it */
    bool finished;         /* the job taken has returned */
    bool stop;             /* the thread ends once idle */
    int finished_fd;       /* eventfd: readable once a job has finished */
    bs_writer_fn *fn;      /* the job */
    void *argument;        /* its argument */
    int code;              /* the last job's code, written by the thread */
    bool busy;             /* the owner's: started, not yet collected */
};

static void *
s_thread (void *argument)
{
    bs_writer_t *self = argument;
    /* Named, so a thread listing or a profile (bench/profile --syscalls)
       tells it from the loop and from libzmq's threads (ZMQbg/...). */
    pthread_setname_np (pthread_self (), "writer");
    pthread_mutex_lock (&self->mutex);
    while (true) {
        while (!self->start && !self->stop)
            pthread_cond_wait (&self->wake, &self->mutex);
        if (!self->start)
            break; /* stopping, and idle */
        self->start = false;
        pthread_mutex_unlock (&self->mutex);
        int code = self->fn (self->argument);
        pthread_mutex_lock (&self->mutex);
        self->code = code;
        self->finished = true;
        uint64_t one = 1;
        while (write (self->finished_fd, &one, sizeof one) < 0 && errno == EINTR)
            ;
    }
    pthread_mutex_unlock (&self->mutex);
    return NULL;
}

bs_writer_t *
bs_writer_new (bs_writer_fn *fn, void *argument)
{
    bs_writer_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->fn = fn;
    self->argument = argument;
    pthread_mutex_init (&self->mutex, NULL);
    pthread_cond_init (&self->wake, NULL);
    self->finished_fd = eventfd (0, EFD_CLOEXEC);
    if (self->finished_fd >= 0)
        self->has_thread = pthread_create (&self->thread, NULL, s_thread, self) == 0;
    if (!self->has_thread) {
        bs_log_error ("cannot start the writer thread: %s", strerror (errno));
        bs_writer_destroy (&self);
        return NULL;
    }
    return self;
}

void
bs_writer_destroy (bs_writer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bs_writer_t *self = *self_p;
    int code;
    if (self->busy)
        bs_writer_finish (self, true, &code);
    if (self->has_thread) {
        pthread_mutex_lock (&self->mutex);
        self->stop = true;
        pthread_cond_signal (&self->wake);
        pthread_mutex_unlock (&self->mutex);
        pthread_join (self->thread, NULL);
    }
    if (self->finished_fd >= 0)
        close (self->finished_fd);
    pthread_cond_destroy (&self->wake);
    pthread_mutex_destroy (&self->mutex);
    free (self);
    *self_p = NULL;
}

int
bs_writer_start (bs_writer_t *self)
{
    if (self->busy)
        return BS_E_CONFLICT;
    pthread_mutex_lock (&self->mutex);
    self->start = true;
    self->finished = false;
    pthread_mutex_unlock (&self->mutex);
    /* Signalled after the unlock: signalled under the mutex, the thread
       woke only to wait for the mutex the owner still held, and the
       unlock woke it again (two futex wakes and a switch a turn). The
       thread sees start under the mutex either way. */
    pthread_cond_signal (&self->wake);
    self->busy = true;
    return BS_OK;
}

bool
bs_writer_busy (bs_writer_t *self)
{
    return self->busy;
}

int
bs_writer_fd (bs_writer_t *self)
{
    return self->finished_fd;
}

int
bs_writer_finish (bs_writer_t *self, bool wait, int *code)
{
    if (!self->busy)
        return BS_E_NOT_FOUND;
    if (!wait) {
        pthread_mutex_lock (&self->mutex);
        bool finished = self->finished;
        pthread_mutex_unlock (&self->mutex);
        if (!finished)
            return BS_E_TIMEOUT;
    }
    /* Blocks until the job has finished when it has not; takes the
       eventfd's count back to zero either way. */
    uint64_t count;
    while (read (self->finished_fd, &count, sizeof count) < 0)
        if (errno != EINTR) {
            bs_log_error ("lost the writer thread: %s", strerror (errno));
            self->busy = false;
            *code = BS_E_SYSTEM;
            return BS_OK;
        }
    pthread_mutex_lock (&self->mutex); /* orders the job's writes before ours */
    *code = self->code;
    pthread_mutex_unlock (&self->mutex);
    self->busy = false;
    return BS_OK;
}
