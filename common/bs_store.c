/*  bs_store: a service's LMDB environment, its named databases and the one
    write path; see bs_store.h for the contract. The records, listings and
    counters are bs_store_record.c, the event log bs_store_eventlog.c; what
    they share is bs_store_state.h.

    LMDB never grows its map by itself: a write that does not fit fails with
    MDB_MAP_FULL and leaves its transaction unusable. So the growth lives in
    bs_store_write: abort, double the map, run the caller's function again.
    mdb_env_set_mapsize is only legal while this process has no transaction
    open; bs_store_write is the single writer of its process and calls it
    between transactions. The caller must not hold a read transaction across
    bs_store_write either: growing remaps the file, and pointers into the old
    map would dangle. A thread that reads while another thread writes (the
    service loop's streams, beside its writer thread) holds the read side
    of map_lock around its read transactions (bs_store_read_lock), and so
    does bs_store_write around each of its transactions. Every remap takes
    the write side, so it waits until no other thread is inside a
    transaction: the growth, and the adoption of a map that another
    process has grown (s_adopt), which a reader meets when it begins.

    Integer keys and counters are 8 big-endian bytes, so LMDB's default
    memcmp order is numeric order and cursors walk them in sequence.
*/
#include "bs_store.h"

#include "bs_folder.h"
#include "bs_log.h"
#include "bs_store_state.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define BS_STORE_MAP_SIZE_DEFAULT ((size_t) 64 << 20)
#define BS_STORE_MAP_SIZE_MAX_DEFAULT ((size_t) 64 << 30)
#define BS_STORE_SPARE_DATABASES 4 /* room for a database added by a later version */
#define BS_STORE_LOG_NAME "log"
#define BS_STORE_RESIZED_RETRIES 8 /* another process grew the map this often in a row */
#define BS_STORE_FILL_FROM ((uint64_t) 4 << 20)   /* a store this large is zero-filled ahead */
#define BS_STORE_FILL_STEP ((uint64_t) 1 << 20)   /* by this much at a time */
#define BS_STORE_FILL_FREE ((uint64_t) 256 << 20) /* while the disk has this much free */

/* Set by bs_store_error when a put met MDB_MAP_FULL. A write function may
   turn that code into one of its own; the transaction is unusable all the
   same, and bs_store_write must still grow the map and retry. */
static _Thread_local bool s_map_full_seen;

/* The cursors kept for the write transaction bs_store_write runs in this
   thread (bs_store_cursor): LMDB closes them as it ends, so they are
   forgotten then. Per thread, as s_map_full_seen: a reader in another
   thread never sees the writer's. With them, the event log's last
   sequence as txn's last append left it (bs_store_kept_log_last): it
   too starts unknown with each transaction, so a run that was aborted
   (a refusal, a full map) leaves nothing the next one believes. */
#define S_KEPT_CURSORS 16 /* intake keeps 9 in a batch: its databases and the log */
typedef struct {
    MDB_txn *txn;                        /* bs_store_write's, NULL outside it */
    size_t count;                        /* cursors kept */
    MDB_dbi dbis[S_KEPT_CURSORS];        /* their databases */
    MDB_cursor *cursors[S_KEPT_CURSORS]; /* open in txn */
    bool log_known;                      /* log_last is the log's last sequence in txn */
    uint64_t log_last;
} s_kept_cursors_t;
static _Thread_local s_kept_cursors_t s_kept;

/* Whether the store's file system has (almost) no space left. LMDB
   reports a short write, which is how a full disk usually shows itself
   (the write takes what still fits), as EIO, not ENOSPC: with less than
   a MiB left, that EIO is taken for a full disk. */
static bool
s_disk_full (bs_store_t *self)
{
    struct statvfs space;
    return statvfs (self->path, &space) == 0
           && (uint64_t) space.f_bavail * space.f_frsize < (uint64_t) 1 << 20;
}

/* Zero-fill data.mdb ahead of LMDB's growth. LMDB grows its file by
   writing new pages past its end at commit, so the fdatasync of a
   commit that grows it allocates blocks and changes the file's size:
   on ext4 that is one or two synchronous metadata writes (the inode's
   block, the allocation's) before the device's flush, each a round trip
   to the disk, on the path of every acknowledgement (bench/README.md,
   "Intake's commit: data.mdb zero-filled ahead"). Pages already written
   (zeros) are overwritten in place: no allocation, no size change. So
   once a store has grown past fill_from (store.fill_from_kb, 4 MiB:
   a store that size is one being written to), each write transaction
   of a synced store that finds less than half a step of zeros left past
   LMDB's last page writes the next BS_STORE_FILL_STEP of zeros past the
   file's end and starts their writeback (sync_file_range), which runs
   while the turn is applied; the next commit's fdatasync covers them
   and pays the allocation once a step. It runs in the write transaction,
   before its function: LMDB's writer lock is held, so no commit (of any
   thread or process) writes pages meanwhile, and this one's have not
   been written yet (LMDB writes them at commit, or when a huge
   transaction spills, which comes later). LMDB never reads past its last
   page, nor does a copy, so the zeros are never data; nothing depends on
   them being on disk (LMDB's own fdatasync makes its pages durable, and
   the file's size with them). Not when the disk has less than
   BS_STORE_FILL_FREE free (the zeros would take what a full disk's
   commit needs), nor for a journaled or unsynced store (its commits are
   not flushed); a failed write stops it for the store's life. */
static void
s_fill_ahead (bs_store_t *self)
{
    if (self->fill_stopped || self->journal || self->no_sync)
        return;
    MDB_envinfo info;
    MDB_stat stat;
    mdb_env_info (self->env, &info);
    mdb_env_stat (self->env, &stat);
    uint64_t used = ((uint64_t) info.me_last_pgno + 1) * stat.ms_psize;
    if (used < self->fill_from)
        return;
    if (self->filled >= used + BS_STORE_FILL_STEP / 2)
        return;
    self->filled = used + BS_STORE_FILL_STEP; /* not filled now: looked at again a step on */
    mdb_filehandle_t fd;
    struct stat file;
    struct statvfs space;
    if (mdb_env_get_fd (self->env, &fd) != MDB_SUCCESS || fstat (fd, &file) != 0
        || statvfs (self->path, &space) != 0
        || (uint64_t) space.f_bavail * space.f_frsize < BS_STORE_FILL_FREE)
        return;
    uint64_t from = (uint64_t) file.st_size > used ? (uint64_t) file.st_size : used;
    from = (from + stat.ms_psize - 1) / stat.ms_psize * stat.ms_psize;
    if (from >= used + BS_STORE_FILL_STEP / 2) { /* filled before (an earlier process) */
        self->filled = from;
        return;
    }
    uint64_t to = from + BS_STORE_FILL_STEP;
    if (to > info.me_mapsize)
        to = info.me_mapsize;
    if (to <= from)
        return;
    static const char zeros[64 << 10];
    struct iovec iov[BS_STORE_FILL_STEP / sizeof zeros];
    size_t count = 0;
    for (uint64_t at = from; at < to && count < sizeof iov / sizeof iov[0]; count++) {
        size_t size = to - at < sizeof zeros ? (size_t) (to - at) : sizeof zeros;
        iov[count] = (struct iovec){(void *) zeros, size};
        at += size;
    }
    ssize_t written = pwritev (fd, iov, (int) count, (off_t) from);
    if (written != (ssize_t) (to - from)) {
        bs_log_warning ("store %s: zero-filling past its end failed (%s): no more is filled",
                        self->path, written < 0 ? strerror (errno) : "a short write");
        self->fill_stopped = true;
        return;
    }
    sync_file_range (fd, (off_t) from, (off_t) (to - from), SYNC_FILE_RANGE_WRITE);
    self->filled = to;
}

/* How often this thread holds the read side of map_lock (it may nest: a
   write's function may ask for the map's use): a transaction begun under
   it that must adopt a grown map lets go of it for the remap (s_adopt). */
static uintptr_t
s_read_held (bs_store_t *self)
{
    return (uintptr_t) pthread_getspecific (self->reading);
}

static void
s_read_lock (bs_store_t *self)
{
    pthread_rwlock_rdlock (&self->map_lock);
    pthread_setspecific (self->reading, (void *) (s_read_held (self) + 1));
}

static void
s_read_unlock (bs_store_t *self)
{
    assert (s_read_held (self) > 0);
    pthread_setspecific (self->reading, (void *) (s_read_held (self) - 1));
    pthread_rwlock_unlock (&self->map_lock);
}

/* Map the size another process has grown the map to. The remap moves the
   file under every transaction of the process, so it takes the write side
   of map_lock: it waits until no other thread reads or writes. What this
   thread holds of the read side it lets go of meanwhile (it has no
   transaction of this store open: it is beginning one) and takes back
   after. */
static int
s_adopt (bs_store_t *self)
{
    uintptr_t held = s_read_held (self);
    for (uintptr_t count = 0; count < held; count++)
        s_read_unlock (self);
    pthread_rwlock_wrlock (&self->map_lock);
    int rc = mdb_env_set_mapsize (self->env, 0);
    pthread_rwlock_unlock (&self->map_lock);
    for (uintptr_t count = 0; count < held; count++)
        s_read_lock (self);
    if (rc == MDB_SUCCESS)
        bs_log_info ("store %s: adopted a map of %zu MiB grown by another process", self->path,
                     bs_store_map_size (self) >> 20);
    return rc;
}

/* mdb_txn_begin, adopting a map another process has grown: LMDB refuses the
   transaction with MDB_MAP_RESIZED until this process maps the new size. */
static int
s_txn_begin (bs_store_t *self, unsigned flags, MDB_txn **txn_p)
{
    for (int attempt = 0;; attempt++) {
        int rc = mdb_txn_begin (self->env, NULL, flags, txn_p);
        if (rc != MDB_MAP_RESIZED || attempt == BS_STORE_RESIZED_RETRIES)
            return rc;
        rc = s_adopt (self);
        if (rc != MDB_SUCCESS)
            return rc;
    }
}

/* Double the map for bs_store_write's next attempt, never past the maximum. */
static int
s_grow (bs_store_t *self)
{
    size_t size = bs_store_map_size (self);
    if (size >= self->map_size_max) {
        bs_log_error ("store %s is full: the map has reached its configured maximum of %zu MiB",
                      self->path, self->map_size_max >> 20);
        return BS_E_DISK_FULL;
    }
    size_t grown = size > self->map_size_max / 2 ? self->map_size_max : size * 2;
    pthread_rwlock_wrlock (&self->map_lock);
    int rc = mdb_env_set_mapsize (self->env, grown);
    if (rc != MDB_SUCCESS) {
        int code = bs_store_error (rc, "grow the map");
        /* A failed remap leaves the environment without a map; put the old
           one back so the store stays usable for what already fits. */
        if (mdb_env_set_mapsize (self->env, size) != MDB_SUCCESS)
            bs_log_error ("store %s: cannot map it again; it must be reopened", self->path);
        pthread_rwlock_unlock (&self->map_lock);
        return code;
    }
    pthread_rwlock_unlock (&self->map_lock);
    /* Retrying at the same size would loop forever. */
    if (bs_store_map_size (self) <= size) {
        bs_log_error ("store %s: the map did not grow past %zu bytes", self->path, size);
        return BS_E_STORAGE;
    }
    bs_log_info ("store %s: map grown from %zu to %zu MiB", self->path, size >> 20,
                 bs_store_map_size (self) >> 20);
    return BS_OK;
}

/* Opening a database is a write (the first time it creates it), so it goes
   through bs_store_write and can be retried; handles opened in an aborted
   transaction are discarded by LMDB, so every attempt opens them all. */
static int
s_open_databases (MDB_txn *txn, void *argument)
{
    bs_store_t *self = (bs_store_t *) argument;
    for (size_t index = 0; index < self->database_count; index++) {
        bs_store_database_t *database = &self->databases[index];
        int rc = mdb_dbi_open (txn, database->name, MDB_CREATE, &database->dbi);
        if (rc != MDB_SUCCESS)
            return bs_store_error (rc, database->name);
    }
    return BS_OK;
}

/* Copy names plus "log" (and "journal" for a journaled store) into
   self->databases. */
static int
s_name_databases (bs_store_t *self, const char *const *names, bool journal)
{
    size_t count = 0;
    while (names && names[count])
        count++;
    self->databases = calloc (count + 2, sizeof *self->databases);
    if (!self->databases)
        return ENOMEM;
    bool has_log = false;
    for (size_t index = 0; index <= count; index++) {
        const char *name = index < count ? names[index] : BS_STORE_LOG_NAME;
        if (index == count && has_log)
            break;
        if (strcmp (name, BS_STORE_LOG_NAME) == 0)
            has_log = true;
        self->databases[self->database_count].given = name;
        self->databases[self->database_count].name = strdup (name);
        if (!self->databases[self->database_count].name)
            return ENOMEM;
        self->database_count++;
    }
    if (journal) {
        bs_store_database_t *database = &self->databases[self->database_count];
        database->given = BS_STORE_JOURNAL_NAME;
        database->name = strdup (BS_STORE_JOURNAL_NAME);
        if (!database->name)
            return ENOMEM;
        self->database_count++;
    }
    return 0;
}

bs_store_t *
bs_store_new (const char *path, const char *const *names, const bs_store_options_t *options,
              bs_error_t *error)
{
    assert (path);
    size_t map_size = options && options->map_size ? options->map_size : BS_STORE_MAP_SIZE_DEFAULT;
    size_t map_size_max =
        options && options->map_size_max ? options->map_size_max : BS_STORE_MAP_SIZE_MAX_DEFAULT;
    if (map_size_max < map_size)
        map_size_max = map_size;

    int rc = bs_folder_private (path);
    if (rc != 0) {
        bs_log_error ("cannot create store directory %s: %s", path, strerror (rc));
        bs_error_set (error, BS_E_SYSTEM, "path", "cannot create %s: %s", path, strerror (rc));
        return NULL;
    }
    bs_store_t *self = calloc (1, sizeof *self);
    if (self) {
        pthread_rwlock_init (&self->map_lock, NULL);
        self->has_reading = pthread_key_create (&self->reading, NULL) == 0;
    }
    /* A folder that holds a journal is opened through it even when the
       journal is not asked for any more: its turns are replayed, then it
       is dropped. */
    bool journal = (options && options->journal) || bs_store_journal_present (path);
    if (!self || !self->has_reading || !(self->path = strdup (path))
        || s_name_databases (self, names, journal) != 0
        || (journal && !(self->journal = bs_store_journal_new (self, options)))) {
        bs_log_error ("store %s: out of memory", path);
        bs_error_set (error, BS_E_SYSTEM, "", "out of memory opening %s", path);
        bs_store_destroy (&self);
        return NULL;
    }
    self->map_size_max = map_size_max;
    self->no_sync = options && options->no_sync;
    self->fill_from = options && options->fill_from_set ? options->fill_from : BS_STORE_FILL_FROM;

    const char *step = "create the environment";
    rc = mdb_env_create (&self->env);
    if (rc == MDB_SUCCESS) {
        step = "set its size";
        size_t replayed = self->journal ? bs_store_journal_names_max (path) : 0;
        rc = mdb_env_set_maxdbs (
            self->env, (MDB_dbi) (self->database_count + BS_STORE_SPARE_DATABASES + replayed));
    }
    if (rc == MDB_SUCCESS)
        rc = mdb_env_set_mapsize (self->env, map_size);
    if (rc == MDB_SUCCESS) /* a transaction finds its store: s_event_record */
        rc = mdb_env_set_userctx (self->env, self);
    if (rc == MDB_SUCCESS && self->journal) {
        step = "restore its last checkpoint";
        rc = bs_store_journal_restore (self->journal);
    }
    if (rc == MDB_SUCCESS) {
        step = "open it";
        /* Journaled: commits are made durable by the journal, and the
           checkpoint holds a read transaction in a thread that begins
           the next one (MDB_NOTLS: a reader slot per transaction). */
        unsigned flags = self->journal ? MDB_NOSYNC | MDB_NOTLS : self->no_sync ? MDB_NOSYNC : 0;
        rc = mdb_env_open (self->env, path, flags, 0600);
    }
    if (rc != MDB_SUCCESS) {
        char what[512];
        snprintf (what, sizeof what, "store %s: cannot %s", path, step);
        int code = bs_store_error (rc, what);
        bs_error_set (error, code, "path", "%s: %s", what, mdb_strerror (rc));
        self->no_sync = false; /* nothing to flush */
        bs_store_destroy (&self);
        return NULL;
    }
    /* LMDB keeps a map at least as large as the data already in the file. */
    size_t adopted = bs_store_map_size (self);
    if (adopted > map_size)
        bs_log_info ("store %s: existing data needs a map of %zu MiB, more than the %zu asked",
                     path, adopted >> 20, map_size >> 20);

    int dead = 0;
    rc = mdb_reader_check (self->env, &dead);
    if (rc != MDB_SUCCESS)
        bs_store_error (rc, "check readers");
    else
        bs_log_write (dead > 0 ? BS_LOG_WARNING : BS_LOG_DEBUG,
                      "store %s: cleared %d stale reader%s at open", path, dead,
                      dead == 1 ? "" : "s");

    /* Pin and flush what is there before anything is written: the last
       checkpoint's snapshot lost its reader with its process. */
    rc = self->journal ? bs_store_journal_checkpoint (self) : BS_OK;
    if (rc == BS_OK)
        rc = bs_store_write (self, s_open_databases, self);
    if (rc != BS_OK) {
        bs_error_set (error, rc, "path", "cannot open the databases of %s: %s", path,
                      bs_error_name (rc));
        bs_store_destroy (&self);
        return NULL;
    }
    self->log_dbi = bs_store_dbi (self, BS_STORE_LOG_NAME);
    if (self->journal) {
        rc = bs_store_journal_open (self, bs_store_write);
        if (rc != BS_OK) {
            bs_error_set (error, rc, "path", "cannot replay the journal of %s: %s", path,
                          bs_error_name (rc));
            bs_store_destroy (&self);
            return NULL;
        }
        if (!bs_store_journal_enabled (self)) {
            /* Replayed and flushed: from here LMDB flushes its commits. */
            bs_store_journal_destroy (self, true);
            mdb_env_set_flags (self->env, MDB_NOSYNC, self->no_sync);
            bs_log_info ("store %s: its journal is replayed and dropped (journal off)", path);
        }
    }
    return self;
}

/* A record or an event is encoded into a buffer and copied into the map
   by mdb_put: a fresh msgpack_sbuffer for each put was 8 KiB malloc'ed
   and freed (too large for glibc's per-thread cache), two or three a
   report in review. The write transaction's buffer is kept instead; one
   that grew past this (an issue's record) is given back. */
#define S_ENCODED_KEPT_MAX (64 * 1024)

msgpack_sbuffer *
bs_store_encoded (bs_store_t *self)
{
    if (!self)
        return NULL;
    msgpack_sbuffer_clear (&self->encoded);
    return &self->encoded;
}

void
bs_store_encoded_done (bs_store_t *self)
{
    if (self && self->encoded.alloc > S_ENCODED_KEPT_MAX) {
        msgpack_sbuffer_destroy (&self->encoded);
        msgpack_sbuffer_init (&self->encoded);
    }
}

void
bs_store_destroy (bs_store_t **self_p)
{
    assert (self_p);
    bs_store_t *self = *self_p;
    if (!self)
        return;
    bs_store_journal_destroy (self, false); /* a last checkpoint: nothing to replay */
    if (self->env) {
        /* With MDB_NOSYNC commits are not flushed; a clean close still is. */
        if (self->no_sync)
            mdb_env_sync (self->env, 1);
        mdb_env_close (self->env);
    }
    for (size_t index = 0; index < self->database_count; index++)
        free (self->databases[index].name);
    free (self->databases);
    free (self->path);
    msgpack_sbuffer_destroy (&self->encoded);
    pthread_rwlock_destroy (&self->map_lock);
    if (self->has_reading)
        pthread_key_delete (self->reading);
    free (self);
    *self_p = NULL;
}

MDB_dbi
bs_store_dbi (bs_store_t *self, const char *name)
{
    assert (self);
    assert (name);
    /* Callers name a database by the same literal the service gave at open
       (the linker keeps one copy of equal literals): found by its address
       first, then checked by its text (the address may have been reused),
       with one strcmp instead of one for each database before it; a store
       looks names up a dozen times a report. */
    for (size_t index = 0; index < self->database_count; index++)
        if (self->databases[index].given == name && strcmp (self->databases[index].name, name) == 0)
            return self->databases[index].dbi;
    for (size_t index = 0; index < self->database_count; index++)
        if (strcmp (self->databases[index].name, name) == 0)
            return self->databases[index].dbi;
    assert (!"bs_store_dbi: database not named at open");
    return 0;
}

MDB_dbi
bs_store_dbi_at (bs_store_t *self, size_t index)
{
    assert (self && index < self->database_count);
    return self->databases[index].dbi;
}

size_t
bs_store_txnid_committed (MDB_env *env)
{
    MDB_envinfo info;
    return env && mdb_env_info (env, &info) == 0 ? info.me_last_txnid : 0;
}

int
bs_store_write (bs_store_t *self, bs_store_write_fn *fn, void *argument)
{
    return bs_store_write_then (self, fn, NULL, argument);
}

int
bs_store_write_then (bs_store_t *self, bs_store_write_fn *fn, bs_store_then_fn *then,
                     void *argument)
{
    assert (self);
    assert (fn);
    while (true) {
        MDB_txn *txn;
        s_read_lock (self); /* no other thread remaps while the transaction runs */
        int rc = s_txn_begin (self, 0, &txn);
        if (rc != MDB_SUCCESS) {
            s_read_unlock (self);
            return bs_store_error (rc, "begin a write transaction");
        }
        s_map_full_seen = false;
        s_fill_ahead (self);
        bool journaled = bs_store_journal_recording (self);
        if (journaled)
            bs_store_journal_turn (self, txn);
        s_kept_cursors_t outer = s_kept; /* a write of another store around this one */
        s_kept = (s_kept_cursors_t){.txn = txn};
        rc = fn (txn, argument);
        s_kept = outer; /* txn's cursors end with it */
        bool map_full = rc == BS_E_MAP_FULL || rc == MDB_MAP_FULL || s_map_full_seen;
        if (rc == BS_OK && !map_full) {
            if (then)
                then (argument);
            /* Journaled: the turn's record is on disk before its commit, so
               nothing is read (by any thread or process) before it is
               durable. */
            rc = journaled ? bs_store_journal_flush (self, txn) : BS_OK;
            if (rc != BS_OK) {
                mdb_txn_abort (txn);
                s_read_unlock (self);
                if (rc != BS_E_MAP_FULL)
                    return rc;
                rc = s_grow (self);
                if (rc != BS_OK)
                    return rc;
                continue;
            }
            rc = mdb_txn_commit (txn); /* frees txn, also on failure */
            s_read_unlock (self);
            if (journaled && bs_store_journal_committed (self, rc == MDB_SUCCESS) != BS_OK)
                return BS_E_STORAGE;
            if (rc == MDB_SUCCESS)
                return BS_OK;
            if (rc == EIO && s_disk_full (self))
                rc = ENOSPC;
            if (rc != MDB_MAP_FULL)
                return bs_store_error (rc, "commit");
            map_full = true;
        } else {
            mdb_txn_abort (txn);
            s_read_unlock (self);
            if (journaled)
                bs_store_journal_turn (self, NULL); /* nothing more is recorded */
        }
        if (!map_full)
            return rc;
        rc = s_grow (self);
        if (rc != BS_OK)
            return rc;
    }
}

MDB_cursor *
bs_store_kept_cursor (MDB_txn *txn, MDB_dbi dbi)
{
    if (!txn || txn != s_kept.txn)
        return NULL;
    for (size_t i = 0; i < s_kept.count; i++)
        if (s_kept.dbis[i] == dbi)
            return s_kept.cursors[i];
    MDB_cursor *cursor;
    if (s_kept.count == S_KEPT_CURSORS || mdb_cursor_open (txn, dbi, &cursor) != MDB_SUCCESS)
        return NULL; /* the caller goes without: its own call says what fails */
    s_kept.dbis[s_kept.count] = dbi;
    s_kept.cursors[s_kept.count++] = cursor;
    return cursor;
}

bool
bs_store_kept_log_last (MDB_txn *txn, uint64_t *last)
{
    if (!txn || txn != s_kept.txn || !s_kept.log_known)
        return false;
    *last = s_kept.log_last;
    return true;
}

void
bs_store_kept_log_appended (MDB_txn *txn, uint64_t seq)
{
    if (txn && txn == s_kept.txn) {
        s_kept.log_known = true;
        s_kept.log_last = seq;
    } else
        s_kept.log_known = false; /* a nested transaction's, which may be aborted */
}

int
bs_store_cursor (MDB_txn *txn, MDB_dbi dbi, MDB_cursor **cursor_p)
{
    assert (txn && cursor_p);
    if ((*cursor_p = bs_store_kept_cursor (txn, dbi)))
        return BS_OK;
    int rc = mdb_cursor_open (txn, dbi, cursor_p);
    if (rc != MDB_SUCCESS) {
        *cursor_p = NULL;
        return bs_store_error (rc, "open a cursor");
    }
    return BS_OK;
}

void
bs_store_cursor_done (MDB_cursor *cursor)
{
    if (!cursor)
        return;
    bool kept = mdb_cursor_txn (cursor) == s_kept.txn;
    for (size_t i = 0; kept && i < s_kept.count; i++)
        if (s_kept.cursors[i] == cursor)
            return;
    mdb_cursor_close (cursor);
}

int
bs_store_read_begin (bs_store_t *self, MDB_txn **txn_p)
{
    assert (self);
    assert (txn_p);
    int rc = s_txn_begin (self, MDB_RDONLY, txn_p);
    if (rc != MDB_SUCCESS) {
        *txn_p = NULL;
        return bs_store_error (rc, "begin a read transaction");
    }
    return BS_OK;
}

int
bs_store_entries (bs_store_t *self, const char *name, size_t *entries)
{
    MDB_txn *txn;
    *entries = 0;
    int rc = bs_store_read_begin (self, &txn);
    if (rc != BS_OK)
        return rc;
    MDB_stat stat;
    int mdb_rc = mdb_stat (txn, bs_store_dbi (self, name), &stat);
    mdb_txn_abort (txn);
    if (mdb_rc)
        return bs_store_error (mdb_rc, "count the entries of a database");
    *entries = stat.ms_entries;
    return BS_OK;
}

void
bs_store_read_lock (bs_store_t *self)
{
    assert (self);
    s_read_lock (self);
}

void
bs_store_read_unlock (bs_store_t *self)
{
    assert (self);
    s_read_unlock (self);
}

int
bs_store_check_readers (bs_store_t *self)
{
    assert (self);
    int dead = 0;
    int rc = mdb_reader_check (self->env, &dead);
    if (rc != MDB_SUCCESS) {
        bs_store_error (rc, "check readers");
        return 0;
    }
    if (dead > 0)
        bs_log_warning ("store %s: cleared %d stale reader%s left by dead processes", self->path,
                        dead, dead == 1 ? "" : "s");
    return dead;
}

int
bs_store_backup (bs_store_t *self, const char *path)
{
    assert (self);
    assert (path);
    int rc = bs_folder_private (path);
    if (rc != 0) {
        bs_log_error ("cannot create backup directory %s: %s", path, strerror (rc));
        return BS_E_SYSTEM;
    }
    rc = mdb_env_copy2 (self->env, path, MDB_CP_COMPACT);
    if (rc != MDB_SUCCESS) {
        char what[512];
        snprintf (what, sizeof what, "back up %s into %s", self->path, path);
        return bs_store_error (rc, what);
    }
    bs_log_info ("store %s: backed up into %s", self->path, path);
    return BS_OK;
}

int
bs_store_checkpoint (bs_store_t *self)
{
    assert (self);
    if (self->journal)
        return bs_store_journal_checkpoint (self);
    return bs_store_error (mdb_env_sync (self->env, 1), "flush the store");
}

size_t
bs_store_map_size (bs_store_t *self)
{
    assert (self);
    MDB_envinfo info;
    mdb_env_info (self->env, &info);
    return info.me_mapsize;
}

void
bs_store_map_use (bs_store_t *self, uint64_t *size, uint64_t *used)
{
    assert (self);
    MDB_envinfo info;
    MDB_stat stat;
    bs_store_read_lock (self);
    mdb_env_info (self->env, &info);
    mdb_env_stat (self->env, &stat);
    bs_store_read_unlock (self);
    *size = info.me_mapsize;
    *used = (info.me_last_pgno + 1) * (uint64_t) stat.ms_psize;
}

void
bs_store_key (uint64_t value, unsigned char key[8])
{
    for (int index = 7; index >= 0; index--) {
        key[index] = (unsigned char) (value & 0xff);
        value >>= 8;
    }
}

uint64_t
bs_store_key_value (const void *key)
{
    const unsigned char *bytes = (const unsigned char *) key;
    uint64_t value = 0;
    for (int index = 0; index < 8; index++)
        value = (value << 8) | bytes[index];
    return value;
}

int
bs_store_error (int mdb_code, const char *what)
{
    switch (mdb_code) {
    case MDB_SUCCESS:
        return BS_OK;
    case MDB_NOTFOUND:
        return BS_E_NOT_FOUND;
    case MDB_MAP_FULL:
        s_map_full_seen = true;
        return BS_E_MAP_FULL;
    case ENOSPC:
    case EDQUOT:
        bs_log_error ("%s: the disk is full (%s)", what, mdb_strerror (mdb_code));
        return BS_E_DISK_FULL;
    default:
        bs_log_error ("%s: %s", what, mdb_strerror (mdb_code));
        return BS_E_STORAGE;
    }
}
