/*  bs_store_state: what the files of bs_store share, private to them (no
    other file includes it): the store's state. bs_store.c is the
    environment (open, the write path and the map's growth, readers,
    backup, keys, errors); bs_store_record.c the records under keys (and
    the references to an event's record), raw bytes, counters and
    listings; bs_store_eventlog.c the event log; bs_store_journal.c,
    bs_store_segment.c, bs_store_checkpoint.c, bs_store_replay.c and
    bs_store_journal_io.c the write-ahead journal (their own state in
    bs_store_journal_state.h).
    The records and the log call the environment's bs_store_error; the
    environment calls neither.
*/
#ifndef BS_STORE_STATE_H_INCLUDED
#define BS_STORE_STATE_H_INCLUDED

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "bs_store.h"

#define BS_STORE_JOURNAL_NAME "journal" /* the journaled store's last turn (S) */

typedef struct bs_store_journal bs_store_journal_t;

typedef struct {
    char *name;        /* as given at open, owned */
    const char *given; /* where it was given at open (a literal, mostly) */
    MDB_dbi dbi;       /* its handle, valid until the environment closes */
} bs_store_database_t;

struct bs_store {
    MDB_env *env;                   /* the environment; its user context is the store */
    char *path;                     /* its directory, owned */
    bs_store_database_t *databases; /* the named databases, "log" among them */
    size_t database_count;          /* entries in databases */
    MDB_dbi log_dbi;                /* the event log */
    size_t map_size_max;            /* bs_store_write never grows the map past this */
    bool no_sync;                   /* opened with MDB_NOSYNC: sync once at close */
    pthread_rwlock_t map_lock;      /* read side: a transaction is open (bs_store.c) */
    pthread_key_t reading;          /* per thread: how often it holds map_lock's read side */
    bool has_reading;               /* reading was created */
    bs_store_journal_t *journal;    /* NULL: commits are flushed by LMDB (or not: no_sync) */
    uint64_t fill_from;             /* zero-filled ahead once this large (s_fill_ahead) */
    uint64_t filled;                /* data.mdb zero-filled up to here (bs_store.c, s_fill_ahead) */
    bool fill_stopped;              /* a zero-fill failed: none is tried again */
    msgpack_sbuffer encoded;        /* a record or event encoded to put; only the write
                                       transaction (one at a time) uses it: kept from put to
                                       put (bs_store_encoded, bs_store_encoded_done) */
};

/* self's buffer for a record or an event encoded to put in a write
   transaction, empty; NULL when self is NULL (a transaction of an
   environment that is not a store's). */
msgpack_sbuffer *bs_store_encoded (bs_store_t *self);

/* The cursor bs_store_write's transaction keeps on dbi (bs_store_cursor),
   opened on first use; NULL when txn is not that transaction (a nested
   or read one) or no more are kept: the caller then goes by mdb_get and
   mdb_put. The records and raw bytes go by it, so a put after a get of
   the same key (or beside the last put) finds its page without a search. */
MDB_cursor *bs_store_kept_cursor (MDB_txn *txn, MDB_dbi dbi);

/* The event log's last sequence in txn, as its last append there left
   it: true with *last when txn is bs_store_write's transaction and an
   append in it said so (bs_store_kept_log_appended); false otherwise (no
   append yet in this run of the write, another transaction, or an
   append in a nested one since), when the log is to be searched. */
bool bs_store_kept_log_last (MDB_txn *txn, uint64_t *last);

/* After seq was appended to the log in txn: kept as its last when txn is
   bs_store_write's; an append in any other transaction (a nested one,
   which may yet be aborted) makes the kept sequence unknown, so the
   write's next append searches the log again. */
void bs_store_kept_log_appended (MDB_txn *txn, uint64_t seq);

/* After a put from bs_store_encoded's buffer: the buffer is kept for
   the next put unless it grew past what is worth keeping. */
void bs_store_encoded_done (bs_store_t *self);

/* The journal (bs_store_journal.c, _segment, _checkpoint, _replay).
   bs_store_new: _new, then _restore before mdb_env_open,
   bs_store_journal_checkpoint before anything is written, _open after the
   databases are open. */
bs_store_journal_t *bs_store_journal_new (bs_store_t *store, const bs_store_options_t *options);
bool bs_store_journal_present (const char *folder);
int bs_store_journal_restore (bs_store_journal_t *self);
/* The most databases a segment of folder names (0: no segment). The
   store's maxdbs makes room for them: a replay opens every database the
   segments name, which a store opened with fewer names (a later version,
   a tool, a test reading a stopped service's log) would not have. */
size_t bs_store_journal_names_max (const char *folder);
/* bs_store_write, given by bs_store.c (the journal calls nothing of the
   files above it) */
typedef int (bs_store_write_fn_t) (bs_store_t *self, bs_store_write_fn *fn, void *argument);
int bs_store_journal_open (bs_store_t *store, bs_store_write_fn_t *write_fn);
bool bs_store_journal_enabled (bs_store_t *store);
int bs_store_journal_checkpoint (bs_store_t *store);
/* Close it: a last checkpoint (when it was recording); remove drops its
   checkpoint file (a store opened without the journal). */
void bs_store_journal_destroy (bs_store_t *store, bool remove);

/* bs_store_write_then around each attempt: _turn as the transaction
   begins (NULL: it ended); _flush after the function and then, before mdb_txn_commit
   (BS_OK: the record is on disk, and _committed must follow the commit;
   anything else: abort); _committed with the commit's outcome, after the
   map's lock is let go of (BS_E_STORAGE: a commit that had to end in a
   checkpoint could not be made durable). */
void bs_store_journal_turn (bs_store_t *store, MDB_txn *txn);
int bs_store_journal_flush (bs_store_t *store, MDB_txn *txn);
int bs_store_journal_committed (bs_store_t *store, bool committed);
bool bs_store_journal_recording (bs_store_t *store);

/* What the change wrappers (bs_store_change.c) record after a change that
   succeeded: a put of the value now stored, a delete (value: the one of
   several under key that went, or NULL), a clear; a change the journal
   cannot say (a database dropped) makes the turn's commit end in a
   checkpoint. A child transaction begins and ends through _child_*. */
void bs_store_journal_put (MDB_txn *txn, MDB_dbi dbi, const MDB_val *key, const MDB_val *value);
void bs_store_journal_del (MDB_txn *txn, MDB_dbi dbi, const MDB_val *key, const MDB_val *value);
void bs_store_journal_clear (MDB_txn *txn, MDB_dbi dbi);
void bs_store_journal_unrecorded (MDB_txn *txn);
void bs_store_journal_child_begin (MDB_txn *parent, MDB_txn *child);
/* Returns where the child's changes began (SIZE_MAX: not recorded), for
   _cut when its commit fails. */
size_t bs_store_journal_child_end (MDB_txn *child, bool committed);
void bs_store_journal_cut (MDB_env *env, size_t mark);

#endif
