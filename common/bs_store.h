/*  bs_store: a service's LMDB environment, its named databases, and the one
    write path every state change goes through.

    One environment per service under <data>/<service>/. Databases are named
    when the store opens; integer keys are 8-byte big-endian so cursors walk
    them in numeric order (bs_store_key). Values are msgpack records.

    Writes: bs_store_write runs a caller's function inside one write
    transaction and commits it (one fsync). When LMDB reports MDB_MAP_FULL the
    transaction is aborted, the map is doubled (up to the configured maximum,
    or until the disk refuses) and the function runs again from the start, so
    it must keep no state outside the transaction until the commit has
    succeeded. Group commit is built on this: a service gathers every request
    that arrived and runs them all in one bs_store_write.

    The journal (option journal): the environment commits without a flush
    (MDB_NOSYNC) and each bs_store_write appends its changes to a
    write-ahead journal beside data.mdb (files journal-<first turn>) with
    one write and one fdatasync, before its commit: one sequential flush a
    turn instead of LMDB's two ordered flushes of scattered pages. A thread
    flushes the data file every journal_checkpoint_ms and then writes
    journal-checkpoint (the flushed snapshot's meta page; that snapshot is
    kept from being written over until the next checkpoint) and removes
    the journal it covers. At open the journal is replayed (after a kill
    -9, the turn flushed but not committed), and after a restart of the
    machine (another boot id) the checkpoint's meta page is written back
    first, so a power cut loses nothing acknowledged either. Every write
    must go through the change wrappers (bs_store_put, ...), which record
    the changes. A store is opened by one process at a time when journaled;
    a store opened without the journal whose folder holds one replays it
    and drops it.

    Readers: mdb_reader_check runs at open and on bs_store_check_readers,
    which services call periodically: a killed process leaves its reader slot
    behind and would otherwise pin old pages forever.

    The event log (bs_eventlog_*) is an append-only database "log" in the same
    environment: key = sequence (1, 2, ...), value = encoded envelope. An
    event is appended in the same transaction as the state change it
    describes (transactional outbox).
*/
#ifndef BS_STORE_H_INCLUDED
#define BS_STORE_H_INCLUDED

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bs_codec.h"
#include "bs_error.h"

typedef struct bs_store bs_store_t;

/* Called inside a write transaction. Return BS_OK to commit, any other code
   to abort (BS_E_MAP_FULL, or an MDB_MAP_FULL seen by a put helper, makes
   bs_store_write grow the map and call again). */
typedef int (bs_store_write_fn) (MDB_txn *txn, void *argument);

typedef struct {
    size_t map_size;     /* initial map size, bytes (default 64 MiB) */
    size_t map_size_max; /* never grow past this (default 64 GiB) */
    bool no_sync;        /* MDB_NOSYNC: only for benchmarks that say so */
    bool journal;        /* a write-ahead journal (see above) */
    int journal_checkpoint_ms;  /* between checkpoints (default 1000); < 0: only at open,
                                   at close and by bs_store_checkpoint (tests) */
    size_t journal_segment_max; /* a checkpoint comes sooner past this (default 64 MiB);
                                   a checkpoint starts a new segment only once the
                                   current one holds more than a quarter of it */
    const char *journal_boot_id_path; /* default /proc/sys/kernel/random/boot_id (tests) */
    size_t fill_from;   /* data.mdb is zero-filled ahead of LMDB's growth once this large
                           (bs_store.c, s_fill_ahead; default 4 MiB when fill_from_set is false) */
    bool fill_from_set; /* fill_from is given (0: from the first commit) */
} bs_store_options_t;

/* Open (creating if needed) the environment in directory path, with the
   database names listed in names (NULL-terminated) plus "log". NULL on
   failure, with error filled. */
bs_store_t *bs_store_new (const char *path, const char *const *names,
                          const bs_store_options_t *options, bs_error_t *error);

/* Close the environment. Nulls *self_p; safe on NULL. */
void bs_store_destroy (bs_store_t **self_p);

/* The database handle of a name given at open. Asserts the name is known. */
MDB_dbi bs_store_dbi (bs_store_t *self, const char *name);

/* The handle of the name given at open at index (names[index]), with no
   look-up by name: for a path that names the same databases again and
   again by where its own list puts them (intake's registration). Asserts
   the index is one given. */
MDB_dbi bs_store_dbi_at (bs_store_t *self, size_t index);

/* The id of the last write transaction committed to env, 0 when it cannot
   be read: what a cache of a turn's writes compares its entries' ids with
   (an entry kept in a transaction past it was given up). */
size_t bs_store_txnid_committed (MDB_env *env);

/* Run fn in one write transaction and commit; see above. The map grows
   and fn runs again when fn returns BS_E_MAP_FULL or MDB_MAP_FULL, or when
   bs_store_error saw MDB_MAP_FULL during fn (see bs_store_error). Returns
   fn's code (the transaction aborted), BS_E_DISK_FULL, BS_E_STORAGE, or
   BS_OK. */
int bs_store_write (bs_store_t *self, bs_store_write_fn *fn, void *argument);

/* What may leave once fn's transaction is whole, before its commit is
   written and flushed (bs_store_write_then). */
typedef void (bs_store_then_fn) (void *argument);

/* bs_store_write, with then (argument) called after a run of fn that
   returned BS_OK with no map to grow, just before mdb_txn_commit: not for
   a run that is aborted, and again only when the commit itself finds the
   map full and fn runs again. What then sends may tell of a commit that a
   crash or a failed commit loses: only what its readers take again
   without harm (a live display's absolute figures) may go there. */
int bs_store_write_then (bs_store_t *self, bs_store_write_fn *fn, bs_store_then_fn *then,
                         void *argument);

/* The changes of a write transaction (bs_store_change.c). Every put,
   delete and clear of a store goes through one of these, never by LMDB's
   own call (a test fails when one does): the one place that sees each
   change a transaction makes. Each takes the arguments of the LMDB call
   it stands for and returns its code: bs_store_put is mdb_put,
   bs_store_del mdb_del of a key (no data: no database is MDB_DUPSORT),
   bs_store_cursor_put mdb_cursor_put, bs_store_cursor_del
   mdb_cursor_del of the entry the cursor is on, bs_store_clear
   mdb_drop emptying a database, bs_store_drop mdb_drop deleting it. A
   nested transaction (a step that may fail alone) begins, commits and
   aborts by bs_store_child_begin, _commit and _abort. */
int bs_store_put (MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *value, unsigned flags);
int bs_store_del (MDB_txn *txn, MDB_dbi dbi, MDB_val *key);
int bs_store_cursor_put (MDB_cursor *cursor, MDB_val *key, MDB_val *value, unsigned flags);
int bs_store_cursor_del (MDB_cursor *cursor);
int bs_store_clear (MDB_txn *txn, MDB_dbi dbi);
int bs_store_drop (MDB_txn *txn, MDB_dbi dbi);
int bs_store_child_begin (MDB_txn *parent, MDB_txn **child_p);
int bs_store_child_commit (MDB_txn *child);
void bs_store_child_abort (MDB_txn *child);

/* A cursor on dbi in txn, given back with bs_store_cursor_done. In the
   transaction bs_store_write runs, it is kept for the rest of that
   transaction (LMDB closes it as the transaction ends): each database then
   costs one cursor (a malloc) a transaction, not one a use, and the
   cursor is where its last user left it, so a put beside the last one
   finds its page without a search. In any other transaction (a nested
   one, a read) it is a cursor of its own, closed by
   bs_store_cursor_done. One user at a time: give it back before asking
   for another on the same database (the record and bytes calls below
   use it too). */
int bs_store_cursor (MDB_txn *txn, MDB_dbi dbi, MDB_cursor **cursor_p);
void bs_store_cursor_done (MDB_cursor *cursor);

/* Begin a read-only transaction; end it with mdb_txn_abort. */
int bs_store_read_begin (bs_store_t *self, MDB_txn **txn_p);

/* How many entries the database name holds, read in a read transaction
   of its own: for what a service reads once as it starts, such as
   whether a store of an older build left entries in a database nothing
   writes any more (then a store that had none never looks there). */
int bs_store_entries (bs_store_t *self, const char *name, size_t *entries);

/* Around read transactions in a thread while another thread may run
   bs_store_write on this store (the service loop's streams beside its
   writer thread): growing the map remaps the file under every reader of
   the process, so bs_store_write waits to grow until no thread holds this.
   Lock, begin, read, abort, unlock; a thread that holds it must not call
   bs_store_write on this store. */
void bs_store_read_lock (bs_store_t *self);
void bs_store_read_unlock (bs_store_t *self);

/* Clear stale reader slots left by dead processes; returns how many. */
int bs_store_check_readers (bs_store_t *self);

/* Online backup with compaction (mdb_env_copy2) into directory path. */
int bs_store_backup (bs_store_t *self, const char *path);

/* Make every commit so far durable in the data file itself: with the
   journal a checkpoint (the journal it covers is removed), without it
   mdb_env_sync. */
int bs_store_checkpoint (bs_store_t *self);

/* Whether the store's journal failed to flush: every later write fails
   (BS_E_STORAGE) until the store is opened again, which replays what is
   on disk. */
bool bs_store_broken (bs_store_t *self);

/* For tests: called with the journal's record of a turn on disk and its
   commit not yet made (a test _exit()s there to be a kill -9 between the
   two). */
extern void (*bs_store_journal_flushed_hook) (bs_store_t *store);

/* Current map size, bytes. */
size_t bs_store_map_size (bs_store_t *self);

/* How full the map is, for figures: its size in bytes, and the bytes up
   to the highest page in use as of the last commit. From any thread while
   another may write (it takes bs_store_read_lock). */
void bs_store_map_use (bs_store_t *self, uint64_t *size, uint64_t *used);

/* 8-byte big-endian key of value. */
void bs_store_key (uint64_t value, unsigned char key[8]);

/* The value of an 8-byte big-endian key. */
uint64_t bs_store_key_value (const void *key);

/* Put / get a record (msgpack of schema) under a u64 key.
   get returns BS_E_NOT_FOUND when absent; the record must be freed with
   bs_codec_record_free. put returns BS_E_MAP_FULL when the map is full.
   In bs_store_write's transaction both go by the cursor it keeps on dbi
   (bs_store_cursor), as do the records under string keys and the raw
   bytes below: a put after the get of its key, or beside the last put,
   finds its page without a search. */
int bs_store_put_record (MDB_txn *txn, MDB_dbi dbi, uint64_t key, const bs_schema_t *schema,
                         const void *record);
int bs_store_get_record (MDB_txn *txn, MDB_dbi dbi, uint64_t key, const bs_schema_t *schema,
                         void *record);

/* Put a record under key (size bytes) by cursor (mdb_cursor_put, so LMDB
   looks on the page the cursor stands on first), encoded as
   bs_store_put_record encodes it. flags are mdb_cursor_put's: 0, or
   MDB_NOOVERWRITE, with which a key that holds a value already is left as
   it is and the put returns BS_E_CONFLICT (not logged: the caller asked). */
int bs_store_put_record_by_cursor (MDB_cursor *cursor, const void *key, size_t size, unsigned flags,
                                   const bs_schema_t *schema, const void *record);

/* Store a record that an event of this store's log carries as its data
   (size bytes, as bs_eventlog_append_packed took them) once: under key
   in dbi goes a reference to event seq, 13 bytes, not the record.
   bs_store_get_record and the listings (bs_store_page) read such a
   reference as the record it names; a record put later under the same key
   (bs_store_put_record) replaces it, and a record stored by a version
   before references reads as before. The record lives as long as the
   event: a store whose records name events never prunes its log. */
int bs_store_put_event_record (MDB_txn *txn, MDB_dbi dbi, uint64_t key, uint64_t seq, size_t size);

/* The same with a string key (bytes of key, no NUL). */
int bs_store_put_record_by_name (MDB_txn *txn, MDB_dbi dbi, const char *key,
                                 const bs_schema_t *schema, const void *record);
int bs_store_get_record_by_name (MDB_txn *txn, MDB_dbi dbi, const char *key,
                                 const bs_schema_t *schema, void *record);

/* Raw bytes under a string key; get points into the map (valid until the
   transaction ends). */
int bs_store_put_bytes (MDB_txn *txn, MDB_dbi dbi, const char *key, const void *bytes, size_t size);
int bs_store_get_bytes (MDB_txn *txn, MDB_dbi dbi, const char *key, const void **bytes,
                        size_t *size);

/* A u64 counter under a string key: *value = stored + 1, stored; starts at 1. */
int bs_store_next_counter (MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *value);

/* A u64 value under a string key (0 when absent) and its setter. */
int bs_store_get_u64 (MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *value);
int bs_store_put_u64 (MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t value);

/* Map an LMDB return code to a BS_E_ code (MDB_MAP_FULL -> BS_E_MAP_FULL,
   MDB_NOTFOUND -> BS_E_NOT_FOUND, ENOSPC -> BS_E_DISK_FULL, else
   BS_E_STORAGE), logging the mdb error once.

   It also tells bs_store_write, running in the same thread, that the map
   is full when it sees MDB_MAP_FULL (a thread-local flag the write clears
   before it calls its function): a write function may turn BS_E_MAP_FULL
   into a code of its own (a refusal, a failed step), yet the map still
   grows and the function runs again. So every LMDB error of a write
   function must pass through bs_store_error (the put helpers here do). */
int bs_store_error (int mdb_code, const char *what);

/* Whether a decoded record belongs in a page (query is the caller's). */
typedef bool (bs_store_keep_fn) (const void *record, const void *query);

/* One page of a listing: records of schema under u64 keys > after in dbi,
   in key order, those keep accepts (all when keep is NULL), at most limit;
   entries under keys of another size are passed over.
   list->items is malloc'd (free with the page record); *next is the key of
   the last record when more follow, else 0. */
int bs_store_page (MDB_txn *txn, MDB_dbi dbi, const bs_schema_t *schema, uint64_t after,
                   uint64_t limit, bs_store_keep_fn *keep, const void *query, bs_list_t *list,
                   uint64_t *next);

/* The same for records under string keys: keys > after ("" or NULL: from
   the first) in byte order; *next (malloc'd, or NULL when no more follow)
   is the key of the last record of a full page. */
int bs_store_page_by_name (MDB_txn *txn, MDB_dbi dbi, const bs_schema_t *schema, const char *after,
                           uint64_t limit, bs_store_keep_fn *keep, const void *query,
                           bs_list_t *list, char **next);

/* Append an event (envelope of schema/record, src, at) to the log in txn;
   the new sequence goes to *seq_p. */
int bs_eventlog_append (bs_store_t *self, MDB_txn *txn, const bs_schema_t *schema,
                        const void *record, const char *src, uint64_t at, uint64_t *seq_p);

/* The same with the record already encoded (packed, size bytes, as
   bs_codec_encode_record wrote it; bs_codec_encode_message_packed). */
int bs_eventlog_append_packed (bs_store_t *self, MDB_txn *txn, const bs_schema_t *schema,
                               const void *packed, size_t size, const char *src, uint64_t at,
                               uint64_t *seq_p);

/* The last sequence in the log (0 if empty). */
int bs_eventlog_last (bs_store_t *self, MDB_txn *txn, uint64_t *seq_p);

/* The first sequence still in the log (0 if empty): above 1 when a service
   prunes its log's oldest entries (never the last: the next append follows
   it). */
int bs_eventlog_first (bs_store_t *self, MDB_txn *txn, uint64_t *seq_p);

#endif
