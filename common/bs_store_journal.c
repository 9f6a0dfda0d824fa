/*  bs_store_journal: the store's write-ahead journal (bs_store_options_t
    journal); see bs_store.h for what it promises.

    Why: a synced LMDB commit is two ordered flushes of scattered pages (the
    turn's pages where they live, then the meta page). With the journal a
    commit is one sequential write and one fdatasync of a file that only
    grows, and LMDB commits without a flush (MDB_NOSYNC).

    Recording: every change of a write transaction passes through the
    wrappers of bs_store_change.c, which call bs_store_journal_put, _del,
    _clear and _unrecorded. The changes of bs_store_write's transaction
    (or of a child of it) are appended to the turn's buffer; a child that
    aborts cuts the buffer back to where it began (a stack of marks). A
    database is named by its index in the store's names, and each segment
    starts with the names as they were, so a later version that names its
    databases in another order still replays an older journal.

    Commit (bs_store_journal_flush, then mdb_txn_commit, then
    bs_store_journal_committed): the turn's sequence S (one more than the
    last) goes into the database "journal" of the same transaction, the
    record [length][crc][S][changes] is written to the segment with one
    writev and flushed with fdatasync, and only then is the transaction
    committed. No other thread or process can read a turn before it is
    durable; a kill between the flush and the commit is mended by the
    replay at open (the record's S is above the store's).

    Checkpoint (a thread, every journal_checkpoint_ms, sooner when the
    segment passes journal_segment_max): with no commit in flight, begin a
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

    Open (bs_store_journal_restore before mdb_env_open, then
    bs_store_journal_open): when the checkpoint was written in another
    boot (/proc/sys/kernel/random/boot_id), the kept meta page goes back
    into its slot and a copy of it, one transaction older, into the other
    one, so LMDB opens snapshot T. In the same boot (a kill -9) the page
    cache holds every commit and nothing is written back. Then the current
    snapshot is pinned and flushed as a checkpoint before anything is
    written (a kill leaves the previous checkpoint's reader slot dead, so
    its snapshot is no longer protected), the records above the store's S
    are applied in order, stopping at the first torn or damaged one (cut
    off there: it was never acknowledged), and a checkpoint covers them.

    LMDB 0.9.24 (Debian 12) has no MDB_PREVSNAPSHOT, so the meta page is
    read and written here: the layout below is 0.9's (mdb.c, MDB_page and
    MDB_meta), checked at compile time by version and at run time by
    magic and transaction id.
*/
#include "bs_store.h"

#include "bs_folder.h"
#include "bs_log.h"
#include "bs_store_state.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

_Static_assert (MDB_VERSION_MAJOR == 0 && MDB_VERSION_MINOR == 9,
                "bs_store_journal reads and writes LMDB 0.9's meta page: check its layout");

/* LMDB 0.9's meta page: MDB_page's header (pgno 8 bytes, pad 2, flags 2,
   lower 2, upper 2), then MDB_meta (magic 4, version 4, address 8, mapsize
   8, two MDB_db of 48, last page 8, txnid 8). */
#define S_META_PGNO 0
#define S_META_FLAGS 10
#define S_META_P_META 0x08
#define S_META_MAGIC_AT 16
#define S_META_MAGIC 0xBEEFC0DEu
#define S_META_TXNID 144

#define S_SEGMENT_PREFIX "journal-"
#define S_SEGMENT_MAGIC 0x314a5342u    /* "BSJ1" */
#define S_CHECKPOINT_MAGIC 0x314b5342u /* "BSK1" */
#define S_CHECKPOINT_NAME "journal-checkpoint"
#define S_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define S_BOOT_ID_SIZE 36
#define S_CHECKPOINT_MS_DEFAULT 1000
#define S_SEGMENT_MAX_DEFAULT ((size_t) 64 << 20)
#define S_RECORD_HEADER 16 /* length 4, crc 4, S 8 */
#define S_CHILDREN_MAX 16
#define S_REPLAY_BATCH 256 /* records a replay transaction */

enum { S_PUT = 1, S_DEL = 2, S_DEL_VALUE = 3, S_CLEAR = 4 };

void (*bs_store_journal_flushed_hook) (bs_store_t *store) = NULL;

struct bs_store_journal {
    bs_store_t *store;
    char *folder;              /* the store's, where the segments live */
    char boot_id[S_BOOT_ID_SIZE + 1];
    bool enabled;              /* asked for (a store opened without it replays and drops it) */
    bool recording;            /* open is done: turns are journaled */
    MDB_dbi dbi;               /* "journal": the last turn's S */
    uint64_t last;             /* the last S committed */
    /* The turn being built (writer thread only) */
    unsigned char *buffer;
    size_t used, alloc;
    bool unrecorded;           /* a change the journal cannot say: checkpoint after commit */
    MDB_txn *txns[S_CHILDREN_MAX]; /* bs_store_write's transaction and its open children */
    size_t marks[S_CHILDREN_MAX];  /* where each began in buffer */
    size_t depth;
    uint64_t flushing;         /* S of the record flushed and not yet committed, 0 if none */
    off_t record_at;           /* where that record starts in the segment */
    /* The segment (under commit_lock) */
    pthread_mutex_t commit_lock; /* a record from its append to its commit */
    int fd;                    /* -1: the next record starts a segment */
    off_t size;
    bool rotate;               /* a checkpoint asked for a new segment */
    bool failed;               /* a flush failed: every later write fails */
    size_t segment_max;
    /* The checkpoints */
    pthread_mutex_t checkpoint_lock; /* one checkpoint at a time */
    MDB_txn *held;             /* the last checkpoint's snapshot, pinned */
    uint64_t checkpointed;     /* its txnid */
    int checkpoint_ms;         /* < 0: only when asked (tests) */
    pthread_t thread;
    bool has_thread;
    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    bool stop, soon;
};

/* ---- bytes and codes ------------------------------------------------ */

/* An errno or LMDB code as a BS_E_ code, logged (bs_store.c maps the
   codes of its own calls; the journal is below it and calls nothing of
   it). MDB_MAP_FULL makes bs_store_write grow the map and run again. */
static int
s_code (int code, const char *what)
{
    if (code == 0)
        return BS_OK;
    if (code == MDB_MAP_FULL)
        return BS_E_MAP_FULL;
    bs_log_error ("%s: %s", what, mdb_strerror (code));
    return code == ENOSPC || code == EDQUOT ? BS_E_DISK_FULL : BS_E_STORAGE;
}

/* The turn's S under key "S" of the database "journal", 8 bytes
   big-endian as the store's counters. */
static int
s_get_seq (MDB_txn *txn, MDB_dbi dbi, uint64_t *seq)
{
    MDB_val key = {.mv_size = 1, .mv_data = (void *) "S"}, value;
    *seq = 0;
    int rc = mdb_get (txn, dbi, &key, &value);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc == 0 && value.mv_size != 8)
        return MDB_CORRUPTED;
    for (size_t i = 0; rc == 0 && i < 8; i++)
        *seq = (*seq << 8) | ((const unsigned char *) value.mv_data)[i];
    return rc;
}

static int
s_put_seq (MDB_txn *txn, MDB_dbi dbi, uint64_t seq)
{
    unsigned char bytes[8];
    for (int i = 7; i >= 0; i--, seq >>= 8)
        bytes[i] = (unsigned char) (seq & 0xff);
    MDB_val key = {.mv_size = 1, .mv_data = (void *) "S"};
    MDB_val value = {.mv_size = 8, .mv_data = bytes};
    return mdb_put (txn, dbi, &key, &value, 0); /* the journal's own: never recorded */
}

static void
s_put32 (unsigned char *to, uint32_t value)
{
    memcpy (to, &value, 4);
}

static uint32_t
s_get32 (const unsigned char *from)
{
    uint32_t value;
    memcpy (&value, from, 4);
    return value;
}

static uint64_t
s_get64 (const unsigned char *from)
{
    uint64_t value;
    memcpy (&value, from, 8);
    return value;
}

/* CRC-32C: by the processor's instruction where it has one (SSE 4.2; a
   turn of intake at full speed is tens of MiB a second, which the table
   takes a few percent of a core for), else by table. */
static uint32_t s_crc_table[256];
static bool s_crc_hardware;
static pthread_once_t s_crc_once = PTHREAD_ONCE_INIT;

static void
s_crc_init (void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0x82f63b78u ^ (c >> 1) : c >> 1;
        s_crc_table[n] = c;
    }
#if defined(__x86_64__)
    __builtin_cpu_init ();
    s_crc_hardware = __builtin_cpu_supports ("sse4.2");
#endif
}

#if defined(__x86_64__)
__attribute__ ((target ("sse4.2"))) static uint32_t
s_crc_sse42 (uint32_t crc, const unsigned char *bytes, size_t size)
{
    uint64_t wide = crc;
    for (; size >= 8; size -= 8, bytes += 8) {
        uint64_t word;
        memcpy (&word, bytes, 8);
        wide = __builtin_ia32_crc32di (wide, word);
    }
    crc = (uint32_t) wide;
    for (; size > 0; size--, bytes++)
        crc = __builtin_ia32_crc32qi (crc, *bytes);
    return crc;
}
#endif

static uint32_t
s_crc (uint32_t crc, const void *data, size_t size)
{
    pthread_once (&s_crc_once, s_crc_init);
    const unsigned char *bytes = data;
    crc = ~crc;
#if defined(__x86_64__)
    if (s_crc_hardware)
        return ~s_crc_sse42 (crc, bytes, size);
#endif
    for (size_t i = 0; i < size; i++)
        crc = s_crc_table[(crc ^ bytes[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ---- files ---------------------------------------------------------- */

static int
s_fsync_folder (const char *folder)
{
    int fd = open (folder, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return errno;
    int rc = fsync (fd) == 0 ? 0 : errno;
    close (fd);
    return rc;
}

static int
s_write_all (int fd, const void *data, size_t size, off_t at)
{
    const unsigned char *bytes = data;
    while (size > 0) {
        ssize_t wrote = pwrite (fd, bytes, size, at);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0)
            return wrote < 0 ? errno : ENOSPC;
        bytes += wrote;
        size -= (size_t) wrote;
        at += wrote;
    }
    return 0;
}

/* The whole file at path into *data (malloc'd), its size into *size. */
static int
s_read_file (const char *path, unsigned char **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    int fd = open (path, O_RDONLY);
    if (fd < 0)
        return errno;
    struct stat status;
    if (fstat (fd, &status) != 0) {
        int rc = errno;
        close (fd);
        return rc;
    }
    unsigned char *bytes = malloc ((size_t) status.st_size + 1);
    size_t got = 0;
    while (bytes && got < (size_t) status.st_size) {
        ssize_t n = pread (fd, bytes + got, (size_t) status.st_size - got, (off_t) got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t) n;
    }
    close (fd);
    if (!bytes)
        return ENOMEM;
    *data = bytes;
    *size = got;
    return 0;
}

static void
s_boot_id (const char *path, char id[S_BOOT_ID_SIZE + 1])
{
    memset (id, 0, S_BOOT_ID_SIZE + 1);
    FILE *file = fopen (path ? path : S_BOOT_ID_PATH, "r");
    if (!file) {
        /* No boot id: every open is taken for a new boot (the meta page
           is written back, which is harmless after a clean close). */
        bs_log_warning ("store: cannot read the boot id from %s", path ? path : S_BOOT_ID_PATH);
        return;
    }
    size_t got = fread (id, 1, S_BOOT_ID_SIZE, file);
    id[got] = 0;
    fclose (file);
}

/* ---- recording (the writer thread) ----------------------------------- */

/* The journal that records changes of txn, or NULL (no journal, or a
   transaction that is not bs_store_write's: a read, an environment that
   is not a store's). A change in a write transaction of a journaled
   store that is not the innermost one it knows marks the turn. */
static bs_store_journal_t *
s_recording (MDB_txn *txn)
{
    bs_store_t *store = (bs_store_t *) mdb_env_get_userctx (mdb_txn_env (txn));
    bs_store_journal_t *self = store ? store->journal : NULL;
    if (!self || !self->recording || self->depth == 0)
        return NULL;
    if (self->txns[self->depth - 1] != txn) {
        self->unrecorded = true;
        return NULL;
    }
    return self;
}

static bool
s_reserve (bs_store_journal_t *self, size_t more)
{
    if (self->used + more <= self->alloc)
        return true;
    size_t alloc = self->alloc ? self->alloc : 4096;
    while (alloc < self->used + more)
        alloc *= 2;
    unsigned char *grown = realloc (self->buffer, alloc);
    if (!grown)
        return false;
    self->buffer = grown;
    self->alloc = alloc;
    return true;
}

/* The index of dbi among the store's names, or -1. */
static int
s_database_index (bs_store_journal_t *self, MDB_dbi dbi)
{
    bs_store_t *store = self->store;
    for (size_t i = 0; i < store->database_count; i++)
        if (store->databases[i].dbi == dbi && dbi != self->dbi)
            return (int) i;
    return -1;
}

static void
s_record (MDB_txn *txn, int op, MDB_dbi dbi, const MDB_val *key, const MDB_val *value)
{
    bs_store_journal_t *self = s_recording (txn);
    if (!self)
        return;
    int index = s_database_index (self, dbi);
    size_t more = 1 + 2 + (key ? 4 + key->mv_size : 0) + (value ? 4 + value->mv_size : 0);
    if (index < 0 || (key && key->mv_size > UINT32_MAX) || (value && value->mv_size > UINT32_MAX)
        || !s_reserve (self, more)) {
        self->unrecorded = true; /* the turn is made durable by a checkpoint instead */
        return;
    }
    unsigned char *out = self->buffer + self->used;
    *out++ = (unsigned char) op;
    uint16_t database = (uint16_t) index;
    memcpy (out, &database, 2);
    out += 2;
    if (key) {
        s_put32 (out, (uint32_t) key->mv_size);
        memcpy (out + 4, key->mv_data, key->mv_size);
        out += 4 + key->mv_size;
    }
    if (value) {
        s_put32 (out, (uint32_t) value->mv_size);
        memcpy (out + 4, value->mv_data, value->mv_size);
        out += 4 + value->mv_size;
    }
    self->used += more;
}

void
bs_store_journal_put (MDB_txn *txn, MDB_dbi dbi, const MDB_val *key, const MDB_val *value)
{
    s_record (txn, S_PUT, dbi, key, value);
}

void
bs_store_journal_del (MDB_txn *txn, MDB_dbi dbi, const MDB_val *key, const MDB_val *value)
{
    s_record (txn, value ? S_DEL_VALUE : S_DEL, dbi, key, value);
}

void
bs_store_journal_clear (MDB_txn *txn, MDB_dbi dbi)
{
    s_record (txn, S_CLEAR, dbi, NULL, NULL);
}

void
bs_store_journal_unrecorded (MDB_txn *txn)
{
    bs_store_t *store = (bs_store_t *) mdb_env_get_userctx (mdb_txn_env (txn));
    if (store && store->journal)
        store->journal->unrecorded = true;
}

void
bs_store_journal_child_begin (MDB_txn *parent, MDB_txn *child)
{
    bs_store_journal_t *self = s_recording (parent);
    if (!self)
        return;
    if (self->depth == S_CHILDREN_MAX) {
        self->unrecorded = true; /* its changes go unrecorded (s_recording) */
        return;
    }
    self->txns[self->depth] = child;
    self->marks[self->depth++] = self->used;
}

size_t
bs_store_journal_child_end (MDB_txn *child, bool committed)
{
    bs_store_t *store = (bs_store_t *) mdb_env_get_userctx (mdb_txn_env (child));
    bs_store_journal_t *self = store ? store->journal : NULL;
    if (!self || self->depth < 2 || self->txns[self->depth - 1] != child)
        return SIZE_MAX;
    self->depth--;
    if (!committed)
        self->used = self->marks[self->depth]; /* its changes are not the turn's */
    return self->marks[self->depth];
}

void
bs_store_journal_cut (MDB_env *env, size_t mark)
{
    bs_store_t *store = (bs_store_t *) mdb_env_get_userctx (env);
    if (store && store->journal && mark != SIZE_MAX && mark <= store->journal->used)
        store->journal->used = mark;
}

void
bs_store_journal_turn (bs_store_t *store, MDB_txn *txn)
{
    bs_store_journal_t *self = store->journal;
    if (!self)
        return;
    self->used = 0;
    self->unrecorded = false;
    self->depth = txn ? 1 : 0;
    self->txns[0] = txn;
    self->flushing = 0;
}

/* ---- commit (the writer thread) -------------------------------------- */

/* The segment's header: magic, version, count of names, then each name
   as a 2-byte length and its bytes. */
static int
s_segment_header (bs_store_journal_t *self, unsigned char **header, size_t *size)
{
    bs_store_t *store = self->store;
    size_t total = 12;
    for (size_t i = 0; i < store->database_count; i++)
        total += 2 + strlen (store->databases[i].name);
    unsigned char *bytes = malloc (total), *out = bytes;
    if (!bytes)
        return ENOMEM;
    s_put32 (out, S_SEGMENT_MAGIC);
    s_put32 (out + 4, 1);
    s_put32 (out + 8, (uint32_t) store->database_count);
    out += 12;
    for (size_t i = 0; i < store->database_count; i++) {
        uint16_t length = (uint16_t) strlen (store->databases[i].name);
        memcpy (out, &length, 2);
        memcpy (out + 2, store->databases[i].name, length);
        out += 2 + length;
    }
    *header = bytes;
    *size = total;
    return 0;
}

/* After a failed write or flush: cut the segment back to before the
   record and start the next record in a new segment. Nothing written
   since the last successful flush is relied on: the replay takes a torn
   record for the end of its segment and goes on with the next segment
   when that continues the sequence (the turn that failed runs again
   under the same S, in the new segment). */
static void
s_abandon (bs_store_journal_t *self, off_t at)
{
    if (ftruncate (self->fd, at) != 0)
        bs_log_warning ("store %s: cannot cut its journal back: %s", self->folder,
                        strerror (errno));
    self->size = at;
    self->rotate = true;
}

/* Append the turn's record (after a segment header when it starts one);
   errno codes. */
static int
s_write_record (bs_store_journal_t *self, uint64_t seq, bool *fresh)
{
    unsigned char *header = NULL;
    size_t header_size = 0;
    *fresh = false;
    if (self->fd < 0 || self->rotate) {
        if (self->fd >= 0)
            close (self->fd);
        self->fd = -1;
        self->rotate = false;
        char path[4096];
        snprintf (path, sizeof path, "%s/" S_SEGMENT_PREFIX "%016llx", self->folder,
                  (unsigned long long) seq);
        int rc = s_segment_header (self, &header, &header_size);
        if (rc != 0)
            return rc;
        self->fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (self->fd < 0) {
            rc = errno;
            free (header);
            return rc;
        }
        self->size = 0;
        *fresh = true;
    }
    unsigned char head[S_RECORD_HEADER];
    s_put32 (head, (uint32_t) (8 + self->used));
    uint32_t crc = s_crc (0, &seq, 8);
    s_put32 (head + 4, s_crc (crc, self->buffer, self->used));
    memcpy (head + 8, &seq, 8);
    struct iovec parts[3];
    int count = 0;
    if (header_size)
        parts[count++] = (struct iovec){.iov_base = header, .iov_len = header_size};
    parts[count++] = (struct iovec){.iov_base = head, .iov_len = sizeof head};
    parts[count++] = (struct iovec){.iov_base = self->buffer, .iov_len = self->used};
    size_t total = header_size + sizeof head + self->used;
    ssize_t wrote = pwritev (self->fd, parts, count, self->size);
    int rc = wrote < 0 ? errno : 0;
    /* A short write (a disk nearly full): write the rest, or fail. */
    size_t done = wrote > 0 ? (size_t) wrote : 0;
    for (int i = 0, skip = 0; rc == 0 && done < total && i < count; i++) {
        size_t length = parts[i].iov_len;
        size_t before = (size_t) skip;
        skip += (int) length;
        if (done >= before + length)
            continue;
        size_t from = done - before;
        rc = s_write_all (self->fd, (unsigned char *) parts[i].iov_base + from, length - from,
                          self->size + (off_t) done);
        done += length - from;
    }
    free (header);
    if (rc != 0) {
        s_abandon (self, self->size);
        return rc;
    }
    self->record_at = self->size + (off_t) header_size;
    self->size += (off_t) total;
    return 0;
}

int
bs_store_journal_flush (bs_store_t *store, MDB_txn *txn)
{
    bs_store_journal_t *self = store->journal;
    self->depth = 0; /* the function is over: no change is recorded past here */
    if (self->failed) {
        bs_log_error ("store %s: its journal failed to flush; it must be reopened", store->path);
        return BS_E_STORAGE;
    }
    if (self->unrecorded || self->used == 0) {
        /* Nothing to journal (a turn that changed nothing, or one made
           durable by a checkpoint after its commit). */
        pthread_mutex_lock (&self->commit_lock);
        return BS_OK;
    }
    uint64_t seq = self->last + 1;
    int rc = s_code (s_put_seq (txn, self->dbi, seq), "store the turn's number");
    if (rc != BS_OK)
        return rc;
    pthread_mutex_lock (&self->commit_lock);
    bool fresh;
    int written = s_write_record (self, seq, &fresh);
    int flushed = 0;
    if (written == 0 && (fdatasync (self->fd) != 0 || (fresh && s_fsync_folder (self->folder))))
        flushed = errno ? errno : EIO;
    if (written == 0 && flushed == 0) {
        self->flushing = seq;
        if (bs_store_journal_flushed_hook)
            bs_store_journal_flushed_hook (store);
        return BS_OK; /* commit_lock held until bs_store_journal_committed */
    }
    if (flushed) {
        /* After a failed fsync the kernel may have dropped the pages it
           could not write and marked them clean: a second fsync would
           succeed without them, and the record (or part of it) might
           still reach the disk and be replayed. So no later turn of this
           store is acknowledged; a restart (the service's supervisor)
           replays what is on disk. A full disk shows at the write above
           (ext4 reserves its blocks there) and leaves the store usable. */
        self->failed = true;
    }
    pthread_mutex_unlock (&self->commit_lock);
    if (self->failed)
        return s_code (flushed, "flush the store's journal");
    return s_code (written == ENOSPC || written == EDQUOT ? written : EIO,
                           "append to the store's journal");
}

int
bs_store_journal_committed (bs_store_t *store, bool committed)
{
    bs_store_journal_t *self = store->journal;
    if (self->flushing) {
        if (committed)
            self->last = self->flushing;
        else {
            /* Its record would be replayed: take it back. */
            s_abandon (self, self->record_at);
            if (fdatasync (self->fd) != 0) {
                bs_log_error ("store %s: cannot take back a journal record", store->path);
                self->failed = true;
            }
        }
    }
    self->flushing = 0;
    bool unrecorded = self->unrecorded;
    self->unrecorded = false;
    size_t segment = (size_t) self->size;
    pthread_mutex_unlock (&self->commit_lock);
    if (segment > self->segment_max) {
        pthread_mutex_lock (&self->wake_lock);
        self->soon = true;
        pthread_cond_signal (&self->wake);
        pthread_mutex_unlock (&self->wake_lock);
    }
    if (committed && unrecorded && bs_store_journal_checkpoint (store) != BS_OK) {
        self->failed = true; /* the commit is not durable: acknowledge nothing more */
        return BS_E_STORAGE;
    }
    return BS_OK;
}

bool
bs_store_broken (bs_store_t *store)
{
    return store->journal && store->journal->failed;
}

bool
bs_store_journal_recording (bs_store_t *store)
{
    return store->journal && store->journal->recording;
}

/* ---- checkpoints ----------------------------------------------------- */

static char *
s_path (const char *folder, const char *name)
{
    char *path;
    return asprintf (&path, "%s/%s", folder, name) < 0 ? NULL : path;
}

/* The meta page of txnid from the data file into page (psize bytes). */
static int
s_read_meta (bs_store_t *store, uint64_t txnid, unsigned char *page, size_t psize)
{
    char *path = s_path (store->path, "data.mdb");
    int fd = path ? open (path, O_RDONLY | O_CLOEXEC) : -1;
    free (path);
    if (fd < 0)
        return EIO;
    ssize_t got = pread (fd, page, psize, (off_t) ((txnid & 1) * psize));
    close (fd);
    if (got != (ssize_t) psize || s_get32 (page + S_META_MAGIC_AT) != S_META_MAGIC
        || s_get64 (page + S_META_TXNID) != txnid)
        return MDB_CORRUPTED;
    return 0;
}

/* The checkpoint file: magic, version, boot id (36 bytes), S, txnid, page
   size, the meta page, then a CRC-32C of everything before it. */
static int
s_write_checkpoint (bs_store_journal_t *self, uint64_t seq, uint64_t txnid,
                    const unsigned char *meta, uint32_t psize)
{
    size_t size = 8 + S_BOOT_ID_SIZE + 8 + 8 + 4 + psize + 4;
    unsigned char *bytes = calloc (1, size), *out = bytes;
    if (!bytes)
        return ENOMEM;
    s_put32 (out, S_CHECKPOINT_MAGIC);
    s_put32 (out + 4, 1);
    memcpy (out + 8, self->boot_id, S_BOOT_ID_SIZE);
    out += 8 + S_BOOT_ID_SIZE;
    memcpy (out, &seq, 8);
    memcpy (out + 8, &txnid, 8);
    s_put32 (out + 16, psize);
    memcpy (out + 20, meta, psize);
    s_put32 (bytes + size - 4, s_crc (0, bytes, size - 4));
    char *tmp = s_path (self->folder, S_CHECKPOINT_NAME ".tmp");
    char *path = s_path (self->folder, S_CHECKPOINT_NAME);
    int rc = tmp && path ? 0 : ENOMEM;
    int fd = rc == 0 ? open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (rc == 0 && fd < 0)
        rc = errno;
    if (rc == 0)
        rc = s_write_all (fd, bytes, size, 0);
    if (rc == 0 && fdatasync (fd) != 0)
        rc = errno;
    if (fd >= 0)
        close (fd);
    if (rc == 0 && rename (tmp, path) != 0)
        rc = errno;
    if (rc == 0)
        rc = s_fsync_folder (self->folder);
    free (tmp);
    free (path);
    free (bytes);
    return rc;
}

typedef struct {
    uint64_t seq, txnid;
    uint32_t psize;
    char boot_id[S_BOOT_ID_SIZE + 1];
    unsigned char *meta; /* malloc'd */
} s_checkpoint_t;

/* The checkpoint file of folder; ENOENT when there is none. */
static int
s_read_checkpoint (const char *folder, s_checkpoint_t *checkpoint)
{
    memset (checkpoint, 0, sizeof *checkpoint);
    char *path = s_path (folder, S_CHECKPOINT_NAME);
    unsigned char *bytes;
    size_t size;
    int rc = path ? s_read_file (path, &bytes, &size) : ENOMEM;
    free (path);
    if (rc != 0)
        return rc;
    size_t fixed = 8 + S_BOOT_ID_SIZE + 20;
    rc = MDB_CORRUPTED;
    if (size >= fixed + 4 && s_get32 (bytes) == S_CHECKPOINT_MAGIC && s_get32 (bytes + 4) == 1) {
        const unsigned char *in = bytes + 8 + S_BOOT_ID_SIZE;
        checkpoint->psize = s_get32 (in + 16);
        if (size == fixed + checkpoint->psize + 4
            && s_get32 (bytes + size - 4) == s_crc (0, bytes, size - 4)) {
            memcpy (checkpoint->boot_id, bytes + 8, S_BOOT_ID_SIZE);
            checkpoint->seq = s_get64 (in);
            checkpoint->txnid = s_get64 (in + 8);
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

/* The segments of folder, sorted by their first S (their names are that
   S in 16 hex digits). */
static char **
s_segments (const char *folder, size_t *count)
{
    char **names = bs_folder_names (folder, S_SEGMENT_PREFIX, count);
    size_t kept = 0;
    for (size_t i = 0; i < *count; i++) {
        if (strlen (names[i]) == strlen (S_SEGMENT_PREFIX) + 16)
            names[kept++] = names[i];
        else
            free (names[i]); /* journal-checkpoint */
    }
    *count = kept;
    return names;
}

static void
s_segments_free (char **names, size_t count)
{
    bs_folder_names_free (names, count);
}

static uint64_t
s_segment_first (const char *name)
{
    return strtoull (name + strlen (S_SEGMENT_PREFIX), NULL, 16);
}

/* Remove the segments whose records are all at or below seq: those a
   later segment follows that starts at or below seq + 1. */
static void
s_remove_segments (bs_store_journal_t *self, uint64_t seq)
{
    size_t count;
    char **names = s_segments (self->folder, &count);
    for (size_t i = 0; i + 1 < count; i++) {
        if (s_segment_first (names[i + 1]) > seq + 1)
            break;
        char *path = s_path (self->folder, names[i]);
        if (path && unlink (path) != 0)
            bs_log_warning ("store %s: cannot remove %s: %s", self->folder, path,
                            strerror (errno));
        free (path);
    }
    s_segments_free (names, count);
}

/* Pin the last commit (R), read its meta page and S; with no commit in
   flight (commit_lock) and no remap (the read side of map_lock) while R
   reads through the map. */
static int
s_pin (bs_store_journal_t *self, MDB_txn **pinned, uint64_t *seq, unsigned char *meta,
       size_t psize)
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
            rc = s_get_seq (txn, self->dbi, seq);
        if (rc == 0 && self->fd >= 0 && self->size > 0)
            self->rotate = true; /* the records after T start a segment of their own */
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
    MDB_stat stat;
    mdb_env_stat (store->env, &stat);
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
        s_remove_segments (self, seq);
    }
    if (pinned)
        mdb_txn_abort (pinned);
    pthread_mutex_unlock (&self->checkpoint_lock);
    free (meta);
    if (rc != 0) {
        char what[512];
        snprintf (what, sizeof what, "store %s: checkpoint: cannot %s", store->path, step);
        return s_code (rc, what);
    }
    return BS_OK;
}

static void *
s_checkpoints (void *argument)
{
    bs_store_t *store = (bs_store_t *) argument;
    bs_store_journal_t *self = store->journal;
    pthread_mutex_lock (&self->wake_lock);
    while (!self->stop) {
        if (!self->soon) {
            struct timespec until;
            clock_gettime (CLOCK_MONOTONIC, &until);
            until.tv_sec += self->checkpoint_ms / 1000;
            until.tv_nsec += (long) (self->checkpoint_ms % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait (&self->wake, &self->wake_lock, &until);
        }
        if (self->stop)
            break;
        self->soon = false;
        pthread_mutex_unlock (&self->wake_lock);
        bs_store_journal_checkpoint (store); /* a failure is logged; the next one tries again */
        pthread_mutex_lock (&self->wake_lock);
    }
    pthread_mutex_unlock (&self->wake_lock);
    return NULL;
}

/* ---- open ------------------------------------------------------------- */

bool
bs_store_journal_present (const char *folder)
{
    size_t count;
    char **names = s_segments (folder, &count);
    s_segments_free (names, count);
    char *path = s_path (folder, S_CHECKPOINT_NAME);
    bool present = count > 0 || (path && access (path, F_OK) == 0);
    free (path);
    return present;
}

bs_store_journal_t *
bs_store_journal_new (bs_store_t *store, const bs_store_options_t *options)
{
    bs_store_journal_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    self->folder = strdup (store->path);
    self->enabled = options && options->journal;
    self->fd = -1;
    self->segment_max =
        options && options->journal_segment_max ? options->journal_segment_max
                                                : S_SEGMENT_MAX_DEFAULT;
    self->checkpoint_ms = options && options->journal_checkpoint_ms
                              ? options->journal_checkpoint_ms
                              : S_CHECKPOINT_MS_DEFAULT;
    s_boot_id (options ? options->journal_boot_id_path : NULL, self->boot_id);
    pthread_mutex_init (&self->commit_lock, NULL);
    pthread_mutex_init (&self->checkpoint_lock, NULL);
    pthread_mutex_init (&self->wake_lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init (&attributes);
    pthread_condattr_setclock (&attributes, CLOCK_MONOTONIC);
    pthread_cond_init (&self->wake, &attributes);
    pthread_condattr_destroy (&attributes);
    if (!self->folder) {
        free (self);
        return NULL;
    }
    return self;
}

/* The highest txnid of the data file's meta pages that look whole. */
static uint64_t
s_newest_meta (int fd, size_t psize)
{
    uint64_t newest = 0;
    unsigned char page[S_META_TXNID + 8];
    for (uint64_t slot = 0; slot < 2; slot++)
        if (pread (fd, page, sizeof page, (off_t) (slot * psize)) == (ssize_t) sizeof page
            && s_get32 (page + S_META_MAGIC_AT) == S_META_MAGIC
            && s_get64 (page + S_META_TXNID) > newest)
            newest = s_get64 (page + S_META_TXNID);
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
    char *path = s_path (self->folder, "data.mdb");
    int fd = path && other ? open (path, O_RDWR | O_CLOEXEC) : -1;
    rc = fd < 0 ? (other && path ? errno : ENOMEM) : 0;
    if (rc == 0 && (s_get64 (checkpoint.meta + S_META_TXNID) != txnid
                    || s_get64 (checkpoint.meta + S_META_PGNO) != (txnid & 1)
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
        rc = s_write_all (fd, checkpoint.meta, psize, (off_t) ((txnid & 1) * psize));
        if (rc == 0)
            rc = s_write_all (fd, other, psize, (off_t) (other_pgno * psize));
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

/* A segment read whole, its names, and where its records begin. */
typedef struct {
    unsigned char *bytes;
    size_t size;
    size_t records; /* offset of the first record */
    size_t names;
    MDB_dbi *dbis;  /* each name's handle in this store */
    const unsigned char **name_at;
    uint16_t *name_size;
} s_segment_t;

static void
s_segment_free (s_segment_t *segment)
{
    free (segment->bytes);
    free (segment->dbis);
    free (segment->name_at);
    free (segment->name_size);
    memset (segment, 0, sizeof *segment);
}

static int
s_segment_parse (s_segment_t *segment)
{
    const unsigned char *in = segment->bytes;
    if (segment->size < 12 || s_get32 (in) != S_SEGMENT_MAGIC || s_get32 (in + 4) != 1)
        return MDB_CORRUPTED;
    segment->names = s_get32 (in + 8);
    size_t at = 12;
    segment->dbis = calloc (segment->names + 1, sizeof *segment->dbis);
    segment->name_at = calloc (segment->names + 1, sizeof *segment->name_at);
    segment->name_size = calloc (segment->names + 1, sizeof *segment->name_size);
    if (!segment->dbis || !segment->name_at || !segment->name_size)
        return ENOMEM;
    for (size_t i = 0; i < segment->names; i++) {
        uint16_t length;
        if (at + 2 > segment->size)
            return MDB_CORRUPTED;
        memcpy (&length, in + at, 2);
        if (at + 2 + length > segment->size || length == 0 || length > 255)
            return MDB_CORRUPTED;
        segment->name_at[i] = in + at + 2;
        segment->name_size[i] = length;
        at += 2 + length;
    }
    segment->records = at;
    return 0;
}

/* The record at *at: its S and changes; false when torn or damaged. */
static bool
s_next_record (const s_segment_t *segment, size_t *at, uint64_t *seq, const unsigned char **changes,
               size_t *size)
{
    if (*at + S_RECORD_HEADER > segment->size)
        return false;
    const unsigned char *in = segment->bytes + *at;
    uint32_t length = s_get32 (in);
    if (length < 8 || *at + 8 + (size_t) length > segment->size)
        return false;
    if (s_crc (0, in + 8, length) != s_get32 (in + 4))
        return false;
    *seq = s_get64 (in + 8);
    *changes = in + 16;
    *size = length - 8;
    *at += 8 + (size_t) length;
    return true;
}

/* Apply one record's changes in txn; MDB codes. */
static int
s_apply (MDB_txn *txn, const s_segment_t *segment, const unsigned char *in, size_t size)
{
    const unsigned char *end = in + size;
    while (in < end) {
        if (end - in < 3)
            return MDB_CORRUPTED;
        int op = *in;
        uint16_t index;
        memcpy (&index, in + 1, 2);
        in += 3;
        if (index >= segment->names)
            return MDB_CORRUPTED;
        MDB_dbi dbi = segment->dbis[index];
        MDB_val key = {0}, value = {0};
        if (op != S_CLEAR) {
            if (end - in < 4 || (size_t) (end - in - 4) < s_get32 (in))
                return MDB_CORRUPTED;
            key = (MDB_val){.mv_size = s_get32 (in), .mv_data = (void *) (in + 4)};
            in += 4 + key.mv_size;
        }
        if (op == S_PUT || op == S_DEL_VALUE) {
            if (end - in < 4 || (size_t) (end - in - 4) < s_get32 (in))
                return MDB_CORRUPTED;
            value = (MDB_val){.mv_size = s_get32 (in), .mv_data = (void *) (in + 4)};
            in += 4 + value.mv_size;
        }
        int rc;
        switch (op) {
        case S_PUT:
            rc = mdb_put (txn, dbi, &key, &value, 0);
            break;
        case S_DEL:
        case S_DEL_VALUE:
            rc = mdb_del (txn, dbi, &key, op == S_DEL_VALUE ? &value : NULL);
            if (rc == MDB_NOTFOUND)
                rc = MDB_SUCCESS;
            break;
        case S_CLEAR:
            rc = mdb_drop (txn, dbi, 0);
            break;
        default:
            rc = MDB_CORRUPTED;
        }
        if (rc != MDB_SUCCESS)
            return rc;
    }
    return MDB_SUCCESS;
}

typedef struct {
    bs_store_journal_t *self;
    s_segment_t *segment;
    size_t at;        /* where this batch starts */
    size_t next;      /* where the batch ended (set by the function) */
    uint64_t applied; /* the last S applied */
    bool torn;        /* a torn or damaged record: the end of this segment */
    bool gap;         /* a record past the next S: the end of the journal */
} s_replay_t;

static int
s_replay_batch (MDB_txn *txn, void *argument)
{
    s_replay_t *replay = (s_replay_t *) argument;
    bs_store_journal_t *self = replay->self;
    s_segment_t *segment = replay->segment;
    for (size_t i = 0; i < segment->names; i++) {
        char name[256];
        memcpy (name, segment->name_at[i], segment->name_size[i]);
        name[segment->name_size[i]] = 0;
        int rc = mdb_dbi_open (txn, name, MDB_CREATE, &segment->dbis[i]);
        if (rc != MDB_SUCCESS)
            return s_code (rc, "open a database to replay the journal");
    }
    size_t at = replay->at;
    uint64_t last = self->last;
    replay->torn = replay->gap = false;
    for (int applied = 0; applied < S_REPLAY_BATCH;) {
        size_t record_at = at;
        uint64_t seq;
        const unsigned char *changes;
        size_t size;
        if (!s_next_record (segment, &at, &seq, &changes, &size)) {
            at = record_at;
            replay->torn = at < segment->size; /* torn or damaged (or simply the end) */
            break;
        }
        if (seq <= last)
            continue; /* in the store already */
        if (seq != last + 1) {
            bs_log_error ("store %s: the journal jumps from %llu to %llu", self->folder,
                          (unsigned long long) last, (unsigned long long) seq);
            at = record_at;
            replay->gap = true;
            break;
        }
        int rc = s_apply (txn, segment, changes, size);
        if (rc != MDB_SUCCESS)
            return s_code (rc, "replay the journal");
        last = seq;
        applied++;
    }
    replay->next = at;
    replay->applied = last;
    if (last != self->last)
        return s_code (s_put_seq (txn, self->dbi, last), "store the turn's number");
    return BS_OK;
}

/* Replay one segment; *gap when the journal ends in it (a record past
   the next S). A torn or damaged record ends the segment only: it was
   never acknowledged, and when a write or a commit failed the turn ran
   again under the same S at the start of the next segment. */
static int
s_replay_segment (bs_store_journal_t *self, bs_store_write_fn_t *write_fn, const char *name, bool *gap,
                  size_t *count)
{
    char *path = s_path (self->folder, name);
    s_segment_t segment = {0};
    int rc = path ? s_read_file (path, &segment.bytes, &segment.size) : ENOMEM;
    if (rc != 0) {
        free (path);
        return s_code (rc, "read the journal");
    }
    *gap = false;
    bool torn = false;
    size_t good = 0;
    rc = s_segment_parse (&segment);
    if (rc == ENOMEM) {
        s_segment_free (&segment);
        free (path);
        return BS_E_STORAGE;
    }
    if (rc == 0) {
        s_replay_t replay = {.self = self, .segment = &segment, .at = segment.records};
        while (true) {
            rc = write_fn (self->store, s_replay_batch, &replay);
            if (rc != BS_OK)
                break;
            *count += (size_t) (replay.applied - self->last);
            self->last = replay.applied;
            if (replay.next == replay.at || replay.torn || replay.gap)
                break;
            replay.at = replay.next;
        }
        good = replay.next;
        torn = replay.torn;
        *gap = replay.gap;
    } else
        torn = true; /* a torn header: the segment's first record was never flushed */
    if (rc == 0 && torn) {
        bs_log_warning ("store %s: its journal %s ends in a torn or damaged record at byte %zu "
                        "of %zu: cut off there (it was never acknowledged)",
                        self->folder, name, good, segment.size);
        if (truncate (path, (off_t) good) != 0)
            rc = s_code (errno, "cut off the journal");
    }
    s_segment_free (&segment);
    free (path);
    return rc;
}

int
bs_store_journal_open (bs_store_t *store, bs_store_write_fn_t *write_fn)
{
    bs_store_journal_t *self = store->journal;
    for (size_t i = 0; i < store->database_count; i++)
        if (strcmp (store->databases[i].name, BS_STORE_JOURNAL_NAME) == 0)
            self->dbi = store->databases[i].dbi;
    MDB_txn *txn;
    int rc = mdb_txn_begin (store->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0) {
        rc = s_get_seq (txn, self->dbi, &self->last);
        mdb_txn_abort (txn);
    }
    rc = s_code (rc, "read the journal's last turn");
    if (rc != BS_OK)
        return rc;
    size_t count;
    char **names = s_segments (self->folder, &count);
    size_t replayed = 0;
    bool gap = false;
    for (size_t i = 0; i < count && rc == BS_OK && !gap; i++)
        rc = s_replay_segment (self, write_fn, names[i], &gap, &replayed);
    s_segments_free (names, count);
    if (rc != BS_OK)
        return rc;
    if (replayed)
        bs_log_info ("store %s: replayed %zu turn%s of its journal", store->path, replayed,
                     replayed == 1 ? "" : "s");
    rc = bs_store_journal_checkpoint (store);
    if (rc != BS_OK)
        return rc;
    /* Every segment is covered now: the next record starts a new one. */
    s_remove_segments (self, UINT64_MAX - 1);
    size_t left;
    names = s_segments (self->folder, &left);
    for (size_t i = 0; i < left; i++) {
        char *path = s_path (self->folder, names[i]);
        if (path)
            unlink (path);
        free (path);
    }
    s_segments_free (names, left);
    if (!self->enabled)
        return BS_OK; /* bs_store_new drops it */
    self->recording = true;
    if (self->checkpoint_ms > 0) {
        self->has_thread = pthread_create (&self->thread, NULL, s_checkpoints, store) == 0;
        if (!self->has_thread)
            return BS_E_SYSTEM;
    }
    return BS_OK;
}

bool
bs_store_journal_enabled (bs_store_t *store)
{
    return store->journal && store->journal->enabled;
}

void
bs_store_journal_destroy (bs_store_t *store, bool remove)
{
    bs_store_journal_t *self = store->journal;
    if (!self)
        return;
    if (self->has_thread) {
        pthread_mutex_lock (&self->wake_lock);
        self->stop = true;
        pthread_cond_signal (&self->wake);
        pthread_mutex_unlock (&self->wake_lock);
        pthread_join (self->thread, NULL);
    }
    if (store->env && self->recording && !self->failed)
        bs_store_journal_checkpoint (store); /* the next open replays nothing */
    if (self->held)
        mdb_txn_abort (self->held);
    if (self->fd >= 0)
        close (self->fd);
    if (remove) {
        char *path = s_path (self->folder, S_CHECKPOINT_NAME);
        if (path && unlink (path) == 0)
            s_fsync_folder (self->folder);
        free (path);
    }
    pthread_mutex_destroy (&self->commit_lock);
    pthread_mutex_destroy (&self->checkpoint_lock);
    pthread_mutex_destroy (&self->wake_lock);
    pthread_cond_destroy (&self->wake);
    free (self->buffer);
    free (self->folder);
    free (self);
    store->journal = NULL;
}
