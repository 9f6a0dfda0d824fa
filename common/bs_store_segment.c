/*  bs_store_segment: the journal's segments (files journal-<first turn>
    beside data.mdb, bs_store_journal_state.h): a turn's record appended
    and flushed before its commit, and the segments a checkpoint covers
    removed.

    Commit (bs_store_journal_flush, then mdb_txn_commit, then
    bs_store_journal_committed): the turn's sequence S (one more than the
    last) goes into the database "journal" of the same transaction, the
    record [length][crc][S][changes] is written to the segment with one
    writev and flushed with fdatasync, and only then is the transaction
    committed. No other thread or process can read a turn before it is
    durable; a kill between the flush and the commit is mended by the
    replay at open (the record's S is above the store's).

    A segment is zero-filled ahead of its records (s_preallocate), and a
    new segment is a spare when there is one (a covered segment a
    checkpoint kept, bs_store_journal_remove_segments): a turn's flush
    then writes data over blocks the file has, with no size or extent to
    commit.
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
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

void (*bs_store_journal_flushed_hook) (bs_store_t *store) = NULL;

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
    bs_store_journal_put32 (out, BS_JOURNAL_SEGMENT_MAGIC);
    bs_store_journal_put32 (out + 4, BS_JOURNAL_SEGMENT_VERSION);
    bs_store_journal_put32 (out + 8, (uint32_t) store->database_count);
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

/* Zero-fill the segment ahead so that the file holds at least need
   bytes: a turn's record is then written over blocks the file has, its
   fdatasync writes the data and changes no size or extent, and ext4
   commits no metadata for it (in data=ordered a metadata commit waits for
   every other file's new data). The segment grows by as much as it has
   (64 KiB to 4 MiB at once), so a store of few turns writes few zeros and
   a busy one grows its segment a few times before it is a spare. Zeros
   written, not fallocate's unwritten extents, whose first write is a
   metadata change again. On a full disk the segment is left as it was
   and the record appended as it comes (errno codes). */
static int
s_preallocate (bs_store_journal_t *self, off_t need)
{
    static const unsigned char zeros[64 * 1024];
    off_t step = self->allocated;
    if (step < (off_t) BS_JOURNAL_PREALLOCATE_MIN)
        step = (off_t) BS_JOURNAL_PREALLOCATE_MIN;
    if (step > (off_t) BS_JOURNAL_PREALLOCATE_MAX)
        step = (off_t) BS_JOURNAL_PREALLOCATE_MAX;
    off_t grain = (off_t) BS_JOURNAL_PREALLOCATE_MIN;
    off_t until = (need + step + grain - 1) / grain * grain;
    for (off_t at = self->allocated; at < until;) {
        size_t size = (size_t) (until - at) < sizeof zeros ? (size_t) (until - at) : sizeof zeros;
        int rc = bs_store_journal_write_all (self->fd, zeros, size, at);
        if (rc != 0) {
            if (ftruncate (self->fd, self->allocated) != 0)
                bs_log_warning ("store %s: cannot cut its journal back: %s", self->folder,
                                strerror (errno));
            return rc == ENOSPC || rc == EDQUOT ? 0 : rc;
        }
        at += (off_t) size;
    }
    self->allocated = until;
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
    self->size = self->allocated = at;
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
        snprintf (path, sizeof path, "%s/" BS_JOURNAL_SEGMENT_PREFIX "%016llx", self->folder,
                  (unsigned long long) seq);
        int rc = s_segment_header (self, &header, &header_size);
        if (rc != 0)
            return rc;
        /* A spare when there is one (its older bytes stay after the
           records: the replay stops where the S no longer follows), or
           a new file. Either way the name is flushed (the folder) with
           the first record. */
        self->fd = bs_store_journal_take_spare (self, path);
        if (self->fd < 0)
            self->fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        struct stat status;
        if (self->fd < 0 || fstat (self->fd, &status) != 0) {
            rc = errno;
            free (header);
            if (self->fd >= 0)
                close (self->fd);
            self->fd = -1;
            return rc;
        }
        self->size = 0;
        self->allocated = status.st_size;
        *fresh = true;
    }
    unsigned char head[BS_JOURNAL_RECORD_HEADER];
    bs_store_journal_put32 (head, (uint32_t) (8 + self->used));
    uint32_t crc = bs_store_journal_crc (0, &seq, 8);
    bs_store_journal_put32 (head + 4, bs_store_journal_crc (crc, self->buffer, self->used));
    memcpy (head + 8, &seq, 8);
    struct iovec parts[3];
    int count = 0;
    if (header_size)
        parts[count++] = (struct iovec){.iov_base = header, .iov_len = header_size};
    parts[count++] = (struct iovec){.iov_base = head, .iov_len = sizeof head};
    parts[count++] = (struct iovec){.iov_base = self->buffer, .iov_len = self->used};
    size_t total = header_size + sizeof head + self->used;
    int rc = 0;
    if (self->size + (off_t) total > self->allocated)
        rc = s_preallocate (self, self->size + (off_t) total);
    ssize_t wrote = rc == 0 ? pwritev (self->fd, parts, count, self->size) : -1;
    if (rc == 0 && wrote < 0)
        rc = errno;
    /* A short write (a disk nearly full): write the rest, or fail. */
    size_t done = wrote > 0 ? (size_t) wrote : 0;
    for (int i = 0, skip = 0; rc == 0 && done < total && i < count; i++) {
        size_t length = parts[i].iov_len;
        size_t before = (size_t) skip;
        skip += (int) length;
        if (done >= before + length)
            continue;
        size_t from = done - before;
        rc = bs_store_journal_write_all (self->fd, (unsigned char *) parts[i].iov_base + from,
                                         length - from, self->size + (off_t) done);
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
    int rc = bs_store_journal_code (bs_store_journal_put_seq (txn, self->dbi, seq),
                                    "store the turn's number");
    if (rc != BS_OK)
        return rc;
    pthread_mutex_lock (&self->commit_lock);
    bool fresh;
    int written = s_write_record (self, seq, &fresh);
    int flushed = 0;
    if (written == 0
        && (fdatasync (self->fd) != 0 || (fresh && bs_store_journal_fsync_folder (self->folder))))
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
        return bs_store_journal_code (flushed, "flush the store's journal");
    return bs_store_journal_code (written == ENOSPC || written == EDQUOT ? written : EIO,
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
    if (segment > self->segment_max)
        bs_store_journal_checkpoint_soon (self);
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
