/*  bs_writer: a thread that runs one job at a time; see bs_writer.h.

    A czmq actor: the owner signals on the pipe to start the job, the actor
    runs it and signals back. A signal interrupted by the process's
    signals (SIGINT, SIGTERM) is waited for again: the job runs to its end
    either way, and its owner collects it before stopping.
*/
#include "bs_writer.h"

#include <errno.h>
#include <stdlib.h>

#include "bs_error.h"
#include "bs_log.h"

struct bs_writer {
    zactor_t *actor;    /* the thread */
    bs_writer_fn *fn;   /* the job */
    void *argument;     /* its argument */
    int code;           /* the last job's code, written by the thread */
    bool busy;          /* started, not yet collected */
};

/* The next message on pipe: true for a start signal, false for $TERM or
   a dead pipe. */
static bool
s_next_start (zsock_t *pipe)
{
    while (true) {
        zmsg_t *message = zmsg_recv (pipe);
        if (!message) {
            if (errno == EINTR)
                continue;
            return false;
        }
        bool start = zmsg_signal (message) >= 0;
        zmsg_destroy (&message);
        return start;
    }
}

static void
s_actor (zsock_t *pipe, void *argument)
{
    bs_writer_t *self = argument;
    zsock_signal (pipe, 0);
    while (s_next_start (pipe)) {
        self->code = self->fn (self->argument);
        while (zsock_signal (pipe, 0) != 0 && errno == EINTR)
            ;
    }
}

bs_writer_t *
bs_writer_new (bs_writer_fn *fn, void *argument)
{
    bs_writer_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->fn = fn;
    self->argument = argument;
    self->actor = zactor_new (s_actor, self);
    if (!self->actor) {
        free (self);
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
    zactor_destroy (&self->actor);
    free (self);
    *self_p = NULL;
}

int
bs_writer_start (bs_writer_t *self)
{
    if (self->busy)
        return BS_E_CONFLICT;
    if (zsock_signal (self->actor, 0) != 0) {
        bs_log_error ("cannot start the writer thread: %s", zmq_strerror (errno));
        return BS_E_SYSTEM;
    }
    self->busy = true;
    return BS_OK;
}

bool
bs_writer_busy (bs_writer_t *self)
{
    return self->busy;
}

zsock_t *
bs_writer_socket (bs_writer_t *self)
{
    return zactor_sock (self->actor);
}

int
bs_writer_finish (bs_writer_t *self, bool wait, int *code)
{
    if (!self->busy)
        return BS_E_NOT_FOUND;
    if (!wait && !(zsock_events (zactor_sock (self->actor)) & ZMQ_POLLIN))
        return BS_E_TIMEOUT;
    while (zsock_wait (self->actor) < 0)
        if (errno != EINTR) {
            /* The pipe is gone: only at the end of the process. */
            bs_log_error ("lost the writer thread: %s", zmq_strerror (errno));
            self->busy = false;
            *code = BS_E_SYSTEM;
            return BS_OK;
        }
    self->busy = false;
    *code = self->code;
    return BS_OK;
}
