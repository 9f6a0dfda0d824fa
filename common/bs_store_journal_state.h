/*  bs_store_journal_state: what the files of the store's write-ahead
    journal share, private to them (bs_store_state.h declares what the rest
    of bs_store calls). bs_store.h says what the journal promises.

    - bs_store_journal.c: the journal's state, its opening and closing,
      and recording a turn's changes (the writer thread).
    - bs_store_segment.c: the segments (journal-<first turn>): appending a
      turn's record and flushing it before its commit.
    - bs_store_checkpoint.c: the checkpoints (journal-checkpoint): the data
      file flushed, its snapshot pinned, the meta page kept, and written
      back at open after a restart of the machine.
    - bs_store_replay.c: the replay of the segments at open.
    - bs_store_journal_io.c: what they all use (codes, the turn's number,
      files, the segments in the folder); it calls none of them, and
      bs_store_checkpoint.c calls neither the recording nor the segments'
      writing, so no two of these files call each other.
*/
#ifndef BS_STORE_JOURNAL_STATE_H_INCLUDED
#define BS_STORE_JOURNAL_STATE_H_INCLUDED

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <zlib.h>

#include "bs_store_state.h"

#define BS_JOURNAL_SEGMENT_PREFIX "journal-"
#define BS_JOURNAL_SEGMENT_MAGIC 0x314a5342u /* "BSJ1" */
#define BS_JOURNAL_NAMES_MAX 1024            /* databases a segment may name; more is damage */
#define BS_JOURNAL_SEGMENT_VERSION 2 /* 2: records checked by zlib's CRC-32 (1: CRC-32C) */
#define BS_JOURNAL_CHECKPOINT_NAME "journal-checkpoint"
#define BS_JOURNAL_BOOT_ID_SIZE 36
#define BS_JOURNAL_RECORD_HEADER 16 /* length 4, crc 4, S 8 */
#define BS_JOURNAL_CHILDREN_MAX 16
#define BS_JOURNAL_SPARE_PREFIX "journal-spare-"
#define BS_JOURNAL_SPARES_MAX 2           /* covered segments kept for the next ones */
#define BS_JOURNAL_PREALLOCATE_MIN (64u << 10) /* a segment is zero-filled ahead by at least */
#define BS_JOURNAL_PREALLOCATE_MAX (4u << 20)  /* and at most this much at once */

/* A record's changes: each is an operation (1 byte), the database's index
   among the segment's names (2 bytes), then the key and the value as a
   4-byte length and the bytes, as the operation has them. */
enum { BS_JOURNAL_PUT = 1, BS_JOURNAL_DEL = 2, BS_JOURNAL_DEL_VALUE = 3, BS_JOURNAL_CLEAR = 4 };

struct bs_store_journal {
    bs_store_t *store;
    char *folder;              /* the store's, where the segments live */
    char boot_id[BS_JOURNAL_BOOT_ID_SIZE + 1];
    bool enabled;              /* asked for (a store opened without it replays and drops it) */
    bool recording;            /* open is done: turns are journaled */
    MDB_dbi dbi;               /* "journal": the last turn's S */
    uint64_t last;             /* the last S committed */
    /* The turn being built (writer thread only) */
    unsigned char *buffer;
    size_t used, alloc;
    bool unrecorded;           /* a change the journal cannot say: checkpoint after commit */
    MDB_txn *txns[BS_JOURNAL_CHILDREN_MAX]; /* bs_store_write's transaction and its open children */
    size_t marks[BS_JOURNAL_CHILDREN_MAX];  /* where each began in buffer */
    size_t depth;
    uint64_t flushing;         /* S of the record flushed and not yet committed, 0 if none */
    off_t record_at;           /* where that record starts in the segment */
    /* The segment (under commit_lock) */
    pthread_mutex_t commit_lock; /* a record from its append to its commit */
    int fd;                    /* -1: the next record starts a segment */
    off_t size;                /* where the next record goes */
    off_t allocated;           /* the file's size: zeros (or an earlier use's bytes) past size */
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
    /* The spares: segments a checkpoint covered, kept (renamed
       journal-spare-N) to become the next segments, their blocks written
       already; taken by the writer, given by the checkpoints. */
    pthread_mutex_t spare_lock;
    uint64_t spares[BS_JOURNAL_SPARES_MAX];
    size_t spare_count;
    uint64_t spare_next;
};

/* ---- bytes, codes and files (bs_store_journal_io.c but the inline) ---- */

/* Integers in the journal's files, in the machine's order (a journal is
   read back on the machine that wrote it). */
static inline void
bs_store_journal_put32 (unsigned char *to, uint32_t value)
{
    memcpy (to, &value, 4);
}

static inline uint32_t
bs_store_journal_get32 (const unsigned char *from)
{
    uint32_t value;
    memcpy (&value, from, 4);
    return value;
}

static inline uint64_t
bs_store_journal_get64 (const unsigned char *from)
{
    uint64_t value;
    memcpy (&value, from, 8);
    return value;
}

/* The CRC-32 of size bytes at data, continuing crc (0 to begin): zlib's,
   which checks a record and the checkpoint file. zlib is there anyway
   and fast enough (20 to 30 microseconds for the 50 KB record of a busy
   intake turn, against milliseconds for the fdatasync that follows), so
   the journal keeps no checksum of its own. */
static inline uint32_t
bs_store_journal_crc (uint32_t crc, const void *data, size_t size)
{
    return (uint32_t) crc32_z (crc, (const Bytef *) data, size);
}

int bs_store_journal_code (int code, const char *what);
int bs_store_journal_get_seq (MDB_txn *txn, MDB_dbi dbi, uint64_t *seq);
int bs_store_journal_put_seq (MDB_txn *txn, MDB_dbi dbi, uint64_t seq);
int bs_store_journal_fsync_folder (const char *folder);
int bs_store_journal_write_all (int fd, const void *data, size_t size, off_t at);
int bs_store_journal_read_file (const char *path, unsigned char **data, size_t *size);
char *bs_store_journal_path (const char *folder, const char *name);

/* ---- the segments in the folder (bs_store_journal_io.c) ------------- */

/* The segments of folder, sorted by their first S (their names are that
   S in 16 hex digits); _segments_free frees the list. */
char **bs_store_journal_segments (const char *folder, size_t *count);
void bs_store_journal_segments_free (char **names, size_t count);
/* Remove the segments whose records are all at or below seq; with
   recycle, keep up to BS_JOURNAL_SPARES_MAX of them as spares. */
void bs_store_journal_remove_segments (bs_store_journal_t *self, uint64_t seq, bool recycle);
/* A spare renamed to path and opened for writing (the caller flushes the
   folder before it relies on the name), or -1 when there is none. */
int bs_store_journal_take_spare (bs_store_journal_t *self, const char *path);
/* Remove the spares in folder (at open and when the journal is dropped:
   their bytes belong to the run that wrote them); how many there were. */
size_t bs_store_journal_remove_spares (const char *folder);

/* ---- the checkpoints (bs_store_checkpoint.c) ------------------------- */

/* The thread that checkpoints every checkpoint_ms: started at the end of
   open (BS_E_SYSTEM when it cannot be), stopped at close; _soon wakes it
   before its time (the segment passed segment_max). */
int bs_store_journal_checkpoints_start (bs_store_t *store);
void bs_store_journal_checkpoints_stop (bs_store_journal_t *self);
void bs_store_journal_checkpoint_soon (bs_store_journal_t *self);

#endif
