/*  limit_journal: the same-shape server's other commit path, one append
    and one flush a turn, as Redis's AOF with `appendfsync always` has it.

    A turn's requests are appended to FOLDER/journal (each as a 4-byte
    big-endian length and its bytes, one writev) and the file is
    fdatasync'ed before the replies leave; the store's own commit follows
    without a flush (the environment opened MDB_NOSYNC). A checkpoint
    thread, once a second, starts a new journal (the old one renamed
    journal.old, under the lock a turn's append and commit hold), flushes
    the store (mdb_env_sync, every commit up to the rename) and removes
    journal.old: the journal only ever holds what the store may not have
    on disk yet.

    What it measures is the path a submit waits for, not a server to run:
    nothing here replays the journal at start, and a store written
    MDB_NOSYNC is whole after a kill -9 (the page cache keeps its writes)
    but not after a power cut, where LMDB may have a meta page on disk
    whose pages are not (bench/README, "A journal: what one flush a turn
    would give").
*/
#ifndef BENCH_LIMIT_JOURNAL_H_INCLUDED
#define BENCH_LIMIT_JOURNAL_H_INCLUDED
#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

typedef struct {
    char path[4096], old_path[4096];
    int fd;                /* the journal, appended */
    MDB_env *env;          /* the store the checkpoints flush */
    pthread_mutex_t lock;  /* a turn (append and commit) or a rotation */
    pthread_mutex_t sleep; /* the checkpoint thread's wait, and stopping */
    pthread_cond_t wake;
    bool stopping, started;
    pthread_t thread;
    uint64_t appended;    /* records in the journal now */
    uint64_t flushed;     /* records of journals removed after a checkpoint */
    uint64_t rotating;    /* records of journal.old, until it is removed */
} limit_journal_t;

/* Opens FOLDER/journal and starts the checkpoints of env. 0, or -1 with a
   line on stderr. */
int limit_journal_open (limit_journal_t *journal, const char *folder, MDB_env *env);

/* Appends count payloads and flushes them, holding the journal's lock
   until limit_journal_done: the caller commits the store in between. 0,
   or -1 (the lock is held either way). */
int limit_journal_append (limit_journal_t *journal, const struct iovec *payloads, size_t count);

/* The turn's commit made: lets a checkpoint rotate. */
void limit_journal_done (limit_journal_t *journal);

/* Stops the checkpoints, flushes the store a last time and closes; the
   records the journals took in all, counted again from the journal that is
   left (each record read back by its length) and the checkpoints': -1
   when those disagree with what was appended. */
int64_t limit_journal_close (limit_journal_t *journal);

#endif
