/*  bs_store_checkpoint: the journal's checkpoints (the file
    journal-checkpoint beside data.mdb, bs_store_journal_state.h), and the
    meta page they keep written back at open after a restart of the
    machine.

    Checkpoint (a thread, every journal_checkpoint_ms at a phase of the
    interval of the store's own, sooner when the segment passes
    journal_segment_max; between two it starts the writeback of the data
    file's dirty pages now and then): with no commit in flight, begin a
    read transaction R on the last commit T and read its meta page; flush
    the data file (mdb_env_sync); write the checkpoint file {boot id, S of
    T, T's meta page}; let go of the previous checkpoint's R and keep this
    one; remove the segments whose records are all in T. Why R is held:
    LMDB reuses a page freed by transaction X only when X is older than
    the oldest reader, so while R is open no page of snapshot T is written
    over. After a power cut T's tree is therefore whole on disk; only its
    meta page may be lost (LMDB writes the meta pages 0 and 1 in turn, and
    an unflushed commit may have reached one of them before its pages),
    so the checkpoint keeps a copy of it to write back.

    Restore (bs_store_journal_restore, before mdb_env_open): when the
    checkpoint was written in another boot
    (/proc/sys/kernel/random/boot_id), the kept meta page goes back into
    its slot and a copy of it, one transaction older, into the other one,
    so LMDB opens snapshot T. In the same boot (a kill -9) the page cache
    holds every commit and nothing is written back. The replay
    (bs_store_replay.c) follows.

    LMDB 0.9.24 (Debian 12) has no MDB_PREVSNAPSHOT, so the meta page is
    read and written here: the layout below is 0.9's (mdb.c, MDB_page and
    MDB_meta), checked at compile time by version and at run time by
    magic and transaction id.
*/
#include "bs_store.h"

#include "bs_log.h"
#include "bs_store_journal_state.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

_Static_assert (MDB_VERSION_MAJOR == 0 && MDB_VERSION_MINOR == 9,
                "bs_store_checkpoint reads and writes LMDB 0.9's meta page: check its layout");

/* LMDB 0.9's meta page: MDB_page's header (pgno 8 bytes, pad 2, flags 2,
   lower 2, upper 2), then MDB_meta (magic 4, version 4, address 8, mapsize
   8, two MDB_db of 48, last page 8, txnid 8). */
#define S_META_PGNO 0
#define S_META_FLAGS 10
#define S_META_P_META 0x08
#define S_META_MAGIC_AT 16
#define S_META_MAGIC 0xBEEFC0DEu
#define S_META_TXNID 144

#define S_CHECKPOINT_MAGIC 0x314b5342u /* "BSK1" */
#define S_CHECKPOINT_VERSION 2 /* 2: its CRC is zlib's CRC-32 (1: CRC-32C) */

/* ---- checkpoints ----------------------------------------------------- */

/* The meta page of txnid from the data file into page (psize bytes). */
static int
s_read_meta (bs_store_t *store, uint64_t txnid, unsigned char *page, size_t psize)
{
    char *path = bs_store_journal_path (store->path, "data.mdb");
    int fd = path ? open (path, O_RDONLY | O_CLOEXEC) : -1;
    free (path);
    if (fd < 0)
        return EIO;
    ssize_t got = pread (fd, page, psize, (off_t) ((txnid & 1) * psize));
    close (fd);
    if (got != (ssize_t) psize || bs_store_journal_get32 (page + S_META_MAGIC_AT) != S_META_MAGIC
        || bs_store_journal_get64 (page + S_META_TXNID) != txnid)
        return MDB_CORRUPTED;
    return 0;
}

/* The checkpoint file: magic, version, boot id (36 bytes), S, txnid, page
   size, the meta page, then a CRC-32 of everything before it. */
static int
s_write_checkpoint (bs_store_journal_t *self, uint64_t seq, uint64_t txnid,
                    const unsigned char *meta, uint32_t psize)
{
    size_t size = 8 + BS_JOURNAL_BOOT_ID_SIZE + 8 + 8 + 4 + psize + 4;
    unsigned char *bytes = calloc (1, size), *out = bytes;
    if (!bytes)
        return ENOMEM;
    bs_store_journal_put32 (out, S_CHECKPOINT_MAGIC);
    bs_store_journal_put32 (out + 4, S_CHECKPOINT_VERSION);
    memcpy (out + 8, self->boot_id, BS_JOURNAL_BOOT_ID_SIZE);
    out += 8 + BS_JOURNAL_BOOT_ID_SIZE;
    memcpy (out, &seq, 8);
    memcpy (out + 8, &txnid, 8);
    bs_store_journal_put32 (out + 16, psize);
    memcpy (out + 20, meta, psize);
    bs_store_journal_put32 (bytes + size - 4, bs_store_journal_crc (0, bytes, size - 4));
    char *tmp = bs_store_journal_path (self->folder, BS_JOURNAL_CHECKPOINT_NAME ".tmp");
    char *path = bs_store_journal_path (self->folder, BS_JOURNAL_CHECKPOINT_NAME);
    int rc = tmp && path ? 0 : ENOMEM;
    int fd = rc == 0 ? open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (rc == 0 && fd < 0)
        rc = errno;
    if (rc == 0)
        rc = bs_store_journal_write_all (fd, bytes, size, 0);
    if (rc == 0 && fdatasync (fd) != 0)
        rc = errno;
    if (fd >= 0)
        close (fd);
    if (rc == 0 && rename (tmp, path) != 0)
        rc = errno;
    if (rc == 0)
        rc = bs_store_journal_fsync_folder (self->folder);
    free (tmp);
    free (path);
    free (bytes);
    return rc;
}

typedef struct {
    uint64_t seq, txnid;
    uint32_t psize;
    char boot_id[BS_JOURNAL_BOOT_ID_SIZE + 1];
    unsigned char *meta; /* malloc'd */
} s_checkpoint_t;

/* The checkpoint file of folder; ENOENT when there is none. */
static int
s_read_checkpoint (const char *folder, s_checkpoint_t *checkpoint)
{
    memset (checkpoint, 0, sizeof *checkpoint);
    char *path = bs_store_journal_path (folder, BS_JOURNAL_CHECKPOINT_NAME);
    unsigned char *bytes;
    size_t size;
    int rc = path ? bs_store_journal_read_file (path, &bytes, &size) : ENOMEM;
    free (path);
    if (rc != 0)
        return rc;
    size_t fixed = 8 + BS_JOURNAL_BOOT_ID_SIZE + 20;
    rc = MDB_CORRUPTED;
    if (size >= fixed + 4 && bs_store_journal_get32 (bytes) == S_CHECKPOINT_MAGIC
        && bs_store_journal_get32 (bytes + 4) == S_CHECKPOINT_VERSION) {
        const unsigned char *in = bytes + 8 + BS_JOURNAL_BOOT_ID_SIZE;
        checkpoint->psize = bs_store_journal_get32 (in + 16);
        if (size == fixed + checkpoint->psize + 4
            && bs_store_journal_get32 (bytes + size - 4)
                   == bs_store_journal_crc (0, bytes, size - 4)) {
            memcpy (checkpoint->boot_id, bytes + 8, BS_JOURNAL_BOOT_ID_SIZE);
            checkpoint->seq = bs_store_journal_get64 (in);
            checkpoint->txnid = bs_store_journal_get64 (in + 8);
            checkpoint->meta = malloc (checkpoint->psize);
            if (checkpoint->meta) {
                memcpy (checkpoint->meta, in + 20, checkpoint->psize);
                rc = 0;
            } else
                rc = ENOMEM;
        }
    }
    free (bytes);
    return rc;
}

/* Pin the last commit (R), read its meta page and S; with no commit in
   flight (commit_lock) and no remap (the read side of map_lock) while R
   reads through the map. */
static int
s_pin (bs_store_journal_t *self, MDB_txn **pinned, uint64_t *seq, unsigned char *meta, size_t psize)
{
    bs_store_t *store = self->store;
    pthread_rwlock_rdlock (&store->map_lock); /* this thread holds none of it here */
    pthread_mutex_lock (&self->commit_lock);
    MDB_txn *txn;
    int rc = mdb_txn_begin (store->env, NULL, MDB_RDONLY, &txn);
    if (rc == MDB_SUCCESS) {
        rc = s_read_meta (store, mdb_txn_id (txn), meta, psize);
        *seq = 0;
        if (rc == 0 && self->dbi)
            rc = bs_store_journal_get_seq (txn, self->dbi, seq);
        /* Past a quarter of segment_max the records after T start a
           segment of their own, and this one goes at the next checkpoint
           (a spare). Not at every checkpoint: a new segment is a name
           made durable (the folder's fsync, a metadata commit of ext4,
           which waits for every other file's new data) in a turn's
           flush; a store of few turns keeps one segment for long. */
        if (rc == 0 && self->fd >= 0 && self->size > (off_t) (self->segment_max / 4))
            self->rotate = true;
        if (rc != 0)
            mdb_txn_abort (txn);
        else
            *pinned = txn;
    }
    pthread_mutex_unlock (&self->commit_lock);
    pthread_rwlock_unlock (&store->map_lock);
    return rc;
}

int
bs_store_journal_checkpoint (bs_store_t *store)
{
    bs_store_journal_t *self = store->journal;
    /* mdb_env_stat reads the meta pages through the map: under the read
       side of map_lock, as every read of the map, or a remap in the
       writer's thread (s_grow, s_adopt) unmaps them under it (a SIGSEGV
       of the checkpoint thread, seen under load in measure 1). */
    MDB_stat stat;
    pthread_rwlock_rdlock (&store->map_lock);
    mdb_env_stat (store->env, &stat);
    pthread_rwlock_unlock (&store->map_lock);
    size_t psize = stat.ms_psize;
    unsigned char *meta = malloc (psize);
    if (!meta)
        return BS_E_STORAGE;
    pthread_mutex_lock (&self->checkpoint_lock);
    MDB_txn *pinned = NULL;
    uint64_t seq = 0;
    int rc = s_pin (self, &pinned, &seq, meta, psize);
    const char *step = "pin the last commit";
    if (rc == 0 && self->held && mdb_txn_id (pinned) == self->checkpointed) {
        mdb_txn_abort (pinned); /* nothing committed since the last one */
        pthread_mutex_unlock (&self->checkpoint_lock);
        free (meta);
        return BS_OK;
    }
    if (rc == 0) {
        step = "flush the store";
        rc = mdb_env_sync (store->env, 1);
    }
    if (rc == 0) {
        step = "write the checkpoint";
        rc = s_write_checkpoint (self, seq, mdb_txn_id (pinned), meta, (uint32_t) psize);
    }
    if (rc == 0) {
        /* The held snapshot is let go of here and only here. Its abort
           touches the lock file's reader slot, never the map, so it may
           be held across a remap (s_grow) without map_lock: holding the
           lock's read side would make the growth wait forever. */
        if (self->held)
            mdb_txn_abort (self->held);
        self->held = pinned;
        self->checkpointed = mdb_txn_id (pinned);
        pinned = NULL;
        bs_store_journal_remove_segments (self, seq, true);
    }
    if (pinned)
        mdb_txn_abort (pinned);
    pthread_mutex_unlock (&self->checkpoint_lock);
    free (meta);
    if (rc != 0) {
        char what[512];
        snprintf (what, sizeof what, "store %s: checkpoint: cannot %s", store->path, step);
        return bs_store_journal_code (rc, what);
    }
    return BS_OK;
}

/* When the checkpoints fall: at phase + k * interval on CLOCK_MONOTONIC,
   the phase taken from the FNV-1a hash of the store's folder. Every
   service's store is opened at about the same time, and with the same
   interval from its opening their checkpoints flushed their data files
   at the same moment: each journal flush of the machine then waited
   behind four flushes of scattered pages. The clock is the machine's,
   so stores of different folders stay apart however long they run. */
static uint64_t
s_phase_ns (const char *folder, uint64_t interval_ns)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    for (const unsigned char *c = (const unsigned char *) folder; *c; c++)
        hash = (hash ^ *c) * 0x100000001b3ull;
    return interval_ns ? hash % interval_ns : 0;
}

static uint64_t
s_now_ns (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (uint64_t) now.tv_sec * 1000000000ull + (uint64_t) now.tv_nsec;
}

/* The first deadline of phase + k * interval after now. */
static uint64_t
s_next_deadline (uint64_t now, uint64_t phase, uint64_t interval)
{
    if (interval == 0)
        return now;
    uint64_t periods = now >= phase ? (now - phase) / interval + 1 : 0;
    return phase + periods * interval;
}

static struct timespec
s_timespec (uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t) (ns / 1000000000ull),
                             .tv_nsec = (long) (ns % 1000000000ull)};
}

/* Between checkpoints the data file's dirty pages are written out ahead,
   S_WRITE_AHEAD times an interval: SYNC_FILE_RANGE_WRITE starts their
   writeback without waiting for it, so the checkpoint's flush finds a
   slice of the interval's pages left, and the disk's queue never holds a
   whole interval's pages in front of a journal flush. Writing a page
   early is nothing the kernel could not do on its own: the pinned
   snapshot's pages are never written over, whatever reaches the disk
   when. */
#define S_WRITE_AHEAD 8

static void
s_write_ahead (bs_store_t *store)
{
    int fd;
    if (mdb_env_get_fd (store->env, &fd) == MDB_SUCCESS
        && sync_file_range (fd, 0, 0, SYNC_FILE_RANGE_WRITE) != 0)
        bs_log_debug ("store %s: cannot write its pages ahead: %s", store->path, strerror (errno));
}

static void *
s_checkpoints (void *argument)
{
    bs_store_t *store = (bs_store_t *) argument;
    bs_store_journal_t *self = store->journal;
    uint64_t interval = (uint64_t) self->checkpoint_ms * 1000000ull;
    uint64_t phase = s_phase_ns (self->folder, interval);
    uint64_t deadline = s_next_deadline (s_now_ns (), phase, interval);
    pthread_mutex_lock (&self->wake_lock);
    while (!self->stop) {
        uint64_t now = s_now_ns ();
        if (!self->soon && now < deadline) {
            uint64_t slice = interval / S_WRITE_AHEAD;
            struct timespec until = s_timespec (now + slice < deadline ? now + slice : deadline);
            pthread_cond_timedwait (&self->wake, &self->wake_lock, &until);
            if (self->stop)
                break;
            if (!self->soon && s_now_ns () < deadline) {
                pthread_mutex_unlock (&self->wake_lock);
                s_write_ahead (store);
                pthread_mutex_lock (&self->wake_lock);
                continue;
            }
        }
        self->soon = false;
        pthread_mutex_unlock (&self->wake_lock);
        bs_store_journal_checkpoint (store); /* a failure is logged; the next one tries again */
        deadline = s_next_deadline (s_now_ns (), phase, interval);
        pthread_mutex_lock (&self->wake_lock);
    }
    pthread_mutex_unlock (&self->wake_lock);
    return NULL;
}

int
bs_store_journal_checkpoints_start (bs_store_t *store)
{
    bs_store_journal_t *self = store->journal;
    self->has_thread = pthread_create (&self->thread, NULL, s_checkpoints, store) == 0;
    return self->has_thread ? BS_OK : BS_E_SYSTEM;
}

void
bs_store_journal_checkpoint_soon (bs_store_journal_t *self)
{
    pthread_mutex_lock (&self->wake_lock);
    self->soon = true;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->wake_lock);
}

void
bs_store_journal_checkpoints_stop (bs_store_journal_t *self)
{
    if (!self->has_thread)
        return;
    pthread_mutex_lock (&self->wake_lock);
    self->stop = true;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->wake_lock);
    pthread_join (self->thread, NULL);
    self->has_thread = false;
}

/* ---- restore (at open, before mdb_env_open) ---------------------------- */

/* The highest txnid of the data file's meta pages that look whole. */
static uint64_t
s_newest_meta (int fd, size_t psize)
{
    uint64_t newest = 0;
    unsigned char page[S_META_TXNID + 8];
    for (uint64_t slot = 0; slot < 2; slot++)
        if (pread (fd, page, sizeof page, (off_t) (slot * psize)) == (ssize_t) sizeof page
            && bs_store_journal_get32 (page + S_META_MAGIC_AT) == S_META_MAGIC
            && bs_store_journal_get64 (page + S_META_TXNID) > newest)
            newest = bs_store_journal_get64 (page + S_META_TXNID);
    return newest;
}

int
bs_store_journal_restore (bs_store_journal_t *self)
{
    s_checkpoint_t checkpoint;
    int rc = s_read_checkpoint (self->folder, &checkpoint);
    if (rc == ENOENT)
        return 0;
    if (rc != 0) {
        bs_log_error ("store %s: its journal's checkpoint is unreadable (%s)", self->folder,
                      rc == MDB_CORRUPTED ? "damaged" : strerror (rc));
        return rc;
    }
    if (strcmp (checkpoint.boot_id, self->boot_id) == 0 && self->boot_id[0]) {
        free (checkpoint.meta);
        return 0; /* the page cache outlived the process: every commit is there */
    }
    /* The machine restarted since the checkpoint: what was not flushed
       may be lost, in any order. Snapshot T's pages are whole (pinned
       while it was the checkpoint); its meta page goes back. */
    uint64_t txnid = checkpoint.txnid;
    size_t psize = checkpoint.psize;
    unsigned char *other = malloc (psize);
    char *path = bs_store_journal_path (self->folder, "data.mdb");
    int fd = path && other ? open (path, O_RDWR | O_CLOEXEC) : -1;
    rc = fd < 0 ? (other && path ? errno : ENOMEM) : 0;
    if (rc == 0
        && (bs_store_journal_get64 (checkpoint.meta + S_META_TXNID) != txnid
            || bs_store_journal_get64 (checkpoint.meta + S_META_PGNO) != (txnid & 1)
            || !(checkpoint.meta[S_META_FLAGS] & S_META_P_META)))
        rc = MDB_CORRUPTED;
    if (rc == 0 && s_newest_meta (fd, psize) < txnid) {
        /* Every commit since the checkpoint has a higher txnid, flushed or
           not: a data file older than the checkpoint is another one (a
           backup put back beside the journal of the store it replaced).
           Its pages are not T's: writing T's meta page would ruin it. */
        bs_log_error ("store %s: data.mdb is older than its journal's checkpoint: a backup put "
                      "back? Remove the journal-* files beside it to open it as it is",
                      self->folder);
        rc = MDB_INVALID;
    }
    if (rc == 0) {
        /* The other slot must hold a valid meta page older than T (LMDB
           opens the one with the higher txnid): T's, one older. */
        memcpy (other, checkpoint.meta, psize);
        uint64_t other_pgno = (txnid & 1) ^ 1, older = txnid ? txnid - 1 : 0;
        memcpy (other + S_META_PGNO, &other_pgno, 8);
        memcpy (other + S_META_TXNID, &older, 8);
        rc = bs_store_journal_write_all (fd, checkpoint.meta, psize, (off_t) ((txnid & 1) * psize));
        if (rc == 0)
            rc = bs_store_journal_write_all (fd, other, psize, (off_t) (other_pgno * psize));
        if (rc == 0 && fdatasync (fd) != 0)
            rc = errno;
    }
    if (fd >= 0)
        close (fd);
    if (rc == 0)
        bs_log_warning ("store %s: opened after a restart of the machine: back to its "
                        "checkpoint (transaction %llu), then its journal",
                        self->folder, (unsigned long long) txnid);
    else
        bs_log_error ("store %s: cannot restore its checkpoint: %s", self->folder,
                      rc == MDB_CORRUPTED ? "damaged" : strerror (rc));
    free (path);
    free (other);
    free (checkpoint.meta);
    return rc;
}
