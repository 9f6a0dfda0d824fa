/*  bs_writer: a thread that runs one job at a time for the thread that
    owns it, so the owner goes on with other work meanwhile.

    The service loop (bs_service_loop.c) hands each turn's write transaction to
    it: while the writer applies a turn and waits for its commit's fsync,
    the loop receives, decodes and checks the next turn's commands and
    sends the replies of the turn before. LMDB allows one write
    transaction at a time and binds it to the thread that began it, so the
    writer is the only thread that writes, and a job is begun and
    committed in it.

    One job at a time: bs_writer_start only when the writer is idle; the
    job's code comes back through bs_writer_finish. The owner may poll
    bs_writer_fd, which is readable once the job has finished. A start is
    ordered before everything the job does, and the job before its finish
    (they pass through a mutex), so the job may read and write what the
    owner leaves alone between the two.
*/
#ifndef BS_WRITER_H_INCLUDED
#define BS_WRITER_H_INCLUDED

#include <stdbool.h>

typedef struct bs_writer bs_writer_t;

/* The job: runs in the writer's thread; returns a code for the owner. */
typedef int (bs_writer_fn) (void *argument);

/* A writer running fn (argument) for each start. NULL when the thread
   cannot be made. */
bs_writer_t *bs_writer_new (bs_writer_fn *fn, void *argument);

/* Wait for a job still running, end the thread. Nulls *self_p; safe on
   NULL. */
void bs_writer_destroy (bs_writer_t **self_p);

/* Run the job once. BS_E_CONFLICT when one is running, BS_E_SYSTEM when
   the thread cannot be told. */
int bs_writer_start (bs_writer_t *self);

/* Whether a job is started and not yet finished (bs_writer_finish). */
bool bs_writer_busy (bs_writer_t *self);

/* A file descriptor readable when the running job has finished: poll it
   beside sockets (zmq_poll takes it as an item's fd). Only
   bs_writer_finish reads it. */
int bs_writer_fd (bs_writer_t *self);

/* Collect the job: BS_OK with its code in *code once it has finished
   (waiting for it when wait is true, through signals), BS_E_TIMEOUT when
   it still runs and wait is false, BS_E_NOT_FOUND when none was started. */
int bs_writer_finish (bs_writer_t *self, bool wait, int *code);

#endif
