/*  bs_store_replay: the journal replayed at open (bs_store_journal_open,
    after bs_store_journal_restore and mdb_env_open;
    bs_store_journal_state.h).

    The current snapshot is pinned and flushed as a checkpoint before
    anything is written (a kill leaves the previous checkpoint's reader
    slot dead, so its snapshot is no longer protected), the records above
    the store's S are applied in order, stopping at the first torn or
    damaged one (cut off there: it was never acknowledged), and a
    checkpoint covers them. Then the store records its turns.

    A segment's records follow one another from the S of its name. What
    follows them is zeros (the segment is zero-filled ahead), or, in a
    segment made of a spare (bs_store_journal_remove_segments), the bytes
    of its earlier use: records whose S is below the name's (a spare
    holds only records of the run that made it, all covered by a
    checkpoint; the open removes the spares), or a record cut by the new
    ones (its CRC fails). Either ends the segment.
*/
#include "bs_store.h"

#include "bs_log.h"
#include "bs_store_journal_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_REPLAY_BATCH 256 /* records a replay transaction */

/* A segment read whole, its names, and where its records begin. */
typedef struct {
    unsigned char *bytes;
    size_t size;
    size_t records; /* offset of the first record */
    size_t names;
    MDB_dbi *dbis; /* each name's handle in this store */
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

/* What a segment's header says (its first 12 bytes: magic, version,
   count of names), checked the same way for the room a store makes for
   the names (bs_store_journal_names_max) and for the replay. */
typedef enum {
    S_HEADER_KNOWN,     /* this version's, with at most BS_JOURNAL_NAMES_MAX names */
    S_HEADER_UNWRITTEN, /* shorter than a header, or zeros: its first record was never flushed */
    S_HEADER_UNKNOWN,   /* another magic, another version or too many names: damage, or
                           a journal written by another version of baosong */
} s_header_t;

static s_header_t
s_header_check (const unsigned char *in, size_t size, size_t *names)
{
    *names = 0;
    static const unsigned char zeros[12];
    if (size < 12 || memcmp (in, zeros, 12) == 0)
        return S_HEADER_UNWRITTEN;
    if (bs_store_journal_get32 (in) != BS_JOURNAL_SEGMENT_MAGIC
        || bs_store_journal_get32 (in + 4) != BS_JOURNAL_SEGMENT_VERSION
        || bs_store_journal_get32 (in + 8) > BS_JOURNAL_NAMES_MAX)
        return S_HEADER_UNKNOWN;
    *names = bs_store_journal_get32 (in + 8);
    return S_HEADER_KNOWN;
}

/* The segment's header and names: 0, ENOMEM, ENODATA (cut before its
   first record was flushed: nothing in it) or MDB_CORRUPTED. */
static int
s_segment_parse (s_segment_t *segment)
{
    const unsigned char *in = segment->bytes;
    s_header_t header = s_header_check (in, segment->size, &segment->names);
    if (header != S_HEADER_KNOWN)
        return header == S_HEADER_UNWRITTEN ? ENODATA : MDB_CORRUPTED;
    size_t at = 12;
    segment->dbis = calloc (segment->names + 1, sizeof *segment->dbis);
    segment->name_at = calloc (segment->names + 1, sizeof *segment->name_at);
    segment->name_size = calloc (segment->names + 1, sizeof *segment->name_size);
    if (!segment->dbis || !segment->name_at || !segment->name_size)
        return ENOMEM;
    for (size_t i = 0; i < segment->names; i++) {
        uint16_t length;
        if (at + 2 > segment->size)
            return ENODATA; /* cut within its names: written with its first record */
        memcpy (&length, in + at, 2);
        if (length == 0 || length > 255)
            return MDB_CORRUPTED;
        if (at + 2 + length > segment->size)
            return ENODATA;
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
    if (*at + BS_JOURNAL_RECORD_HEADER > segment->size)
        return false;
    const unsigned char *in = segment->bytes + *at;
    uint32_t length = bs_store_journal_get32 (in);
    if (length < 8 || *at + 8 + (size_t) length > segment->size)
        return false;
    if (bs_store_journal_crc (0, in + 8, length) != bs_store_journal_get32 (in + 4))
        return false;
    *seq = bs_store_journal_get64 (in + 8);
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
        if (op != BS_JOURNAL_CLEAR) {
            if (end - in < 4 || (size_t) (end - in - 4) < bs_store_journal_get32 (in))
                return MDB_CORRUPTED;
            key = (MDB_val){.mv_size = bs_store_journal_get32 (in), .mv_data = (void *) (in + 4)};
            in += 4 + key.mv_size;
        }
        if (op == BS_JOURNAL_PUT || op == BS_JOURNAL_DEL_VALUE) {
            if (end - in < 4 || (size_t) (end - in - 4) < bs_store_journal_get32 (in))
                return MDB_CORRUPTED;
            value = (MDB_val){.mv_size = bs_store_journal_get32 (in), .mv_data = (void *) (in + 4)};
            in += 4 + value.mv_size;
        }
        int rc;
        switch (op) {
        case BS_JOURNAL_PUT:
            rc = mdb_put (txn, dbi, &key, &value, 0);
            break;
        case BS_JOURNAL_DEL:
        case BS_JOURNAL_DEL_VALUE:
            rc = mdb_del (txn, dbi, &key, op == BS_JOURNAL_DEL_VALUE ? &value : NULL);
            if (rc == MDB_NOTFOUND)
                rc = MDB_SUCCESS;
            break;
        case BS_JOURNAL_CLEAR:
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
    uint64_t expect;  /* the S of the segment's record at `at` */
    uint64_t then;    /* the S of the record at `next` (set by the function) */
    bool torn;        /* a torn or damaged record: the end of this segment */
    bool ended;       /* a whole record whose S does not follow: an earlier use's bytes */
    bool gap;         /* a record past the next S: the end of the journal */
} s_replay_t;

/* Whether the size bytes at in are all zero: a preallocated tail. */
static bool
s_zeros (const unsigned char *in, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if (in[i])
            return false;
    return true;
}

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
            return bs_store_journal_code (rc, "open a database to replay the journal");
    }
    size_t at = replay->at;
    uint64_t last = self->last, expect = replay->expect;
    replay->torn = replay->ended = replay->gap = false;
    for (int applied = 0; applied < S_REPLAY_BATCH;) {
        size_t record_at = at;
        uint64_t seq;
        const unsigned char *changes;
        size_t size;
        if (!s_next_record (segment, &at, &seq, &changes, &size)) {
            /* The end: the file's, a preallocated tail of zeros, or a
               torn or damaged record (or an earlier use's bytes cut by
               the records written over them). */
            at = record_at;
            replay->torn = !s_zeros (segment->bytes + at, segment->size - at);
            break;
        }
        if (seq != expect) {
            /* A segment's records follow one another from the S of its
               name; a whole record that does not is one a recycled
               segment held before (its S below the name's). */
            at = record_at;
            replay->ended = true;
            break;
        }
        expect++;
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
            return bs_store_journal_code (rc, "replay the journal");
        last = seq;
        applied++;
    }
    replay->next = at;
    replay->then = expect;
    replay->applied = last;
    if (last != self->last)
        return bs_store_journal_code (bs_store_journal_put_seq (txn, self->dbi, last),
                                      "store the turn's number");
    return BS_OK;
}

/* Replay one segment; *gap when the journal ends in it (a record past
   the next S). A torn or damaged record ends the segment only: it was
   never acknowledged, and when a write or a commit failed the turn ran
   again under the same S at the start of the next segment. */
static int
s_replay_segment (bs_store_journal_t *self, bs_store_write_fn_t *write_fn, const char *name,
                  bool *gap, size_t *count)
{
    char *path = bs_store_journal_path (self->folder, name);
    s_segment_t segment = {0};
    int rc = path ? bs_store_journal_read_file (path, &segment.bytes, &segment.size) : ENOMEM;
    if (rc != 0) {
        free (path);
        return bs_store_journal_code (rc, "read the journal");
    }
    *gap = false;
    bool torn = false;
    size_t good = 0;
    rc = s_segment_parse (&segment);
    if (rc == ENODATA) {
        /* Created and cut before its first record was flushed (which
           writes the header with it): nothing in it was acknowledged. */
        bs_log_warning ("store %s: its journal %s holds no record: skipped", self->folder, name);
        rc = 0;
    } else if (rc == MDB_CORRUPTED) {
        /* The header is flushed with the segment's first record, so a
           header that is not this version's is damage or another version
           of baosong's journal: the records in it cannot be read, and
           dropping them could lose acknowledged turns. */
        bs_log_error ("store %s: its journal %s has a header this version cannot read (damaged, or "
                      "written by another version): the store is not opened",
                      self->folder, name);
        rc = BS_E_STORAGE;
    } else if (rc == ENOMEM)
        rc = BS_E_STORAGE;
    else {
        s_replay_t replay = {.self = self,
                             .segment = &segment,
                             .at = segment.records,
                             .expect =
                                 strtoull (name + strlen (BS_JOURNAL_SEGMENT_PREFIX), NULL, 16)};
        while (true) {
            rc = write_fn (self->store, s_replay_batch, &replay);
            if (rc != BS_OK)
                break;
            *count += (size_t) (replay.applied - self->last);
            self->last = replay.applied;
            if (replay.next == replay.at || replay.torn || replay.ended || replay.gap)
                break;
            replay.at = replay.next;
            replay.expect = replay.then;
        }
        good = replay.next;
        torn = replay.torn;
        *gap = replay.gap;
    }
    if (rc == 0 && torn) {
        bs_log_warning ("store %s: its journal %s ends in a torn or damaged record (or in "
                        "bytes of the file's earlier use) at byte %zu of %zu: cut off there (it "
                        "was never acknowledged)",
                        self->folder, name, good, segment.size);
        if (truncate (path, (off_t) good) != 0)
            rc = bs_store_journal_code (errno, "cut off the journal");
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
        rc = bs_store_journal_get_seq (txn, self->dbi, &self->last);
        mdb_txn_abort (txn);
    }
    rc = bs_store_journal_code (rc, "read the journal's last turn");
    if (rc != BS_OK)
        return rc;
    size_t count;
    char **names = bs_store_journal_segments (self->folder, &count);
    size_t replayed = 0;
    bool gap = false;
    for (size_t i = 0; i < count && rc == BS_OK && !gap; i++)
        rc = s_replay_segment (self, write_fn, names[i], &gap, &replayed);
    bs_store_journal_segments_free (names, count);
    if (rc != BS_OK)
        return rc;
    if (replayed)
        bs_log_info ("store %s: replayed %zu turn%s of its journal", store->path, replayed,
                     replayed == 1 ? "" : "s");
    rc = bs_store_journal_checkpoint (store);
    if (rc != BS_OK)
        return rc;
    /* Every segment is covered now: the next record starts a new one.
       The spares of the last run go too (a spare holds only bytes of
       the run that made it, whose S the replay's order relies on). */
    bs_store_journal_remove_segments (self, UINT64_MAX - 1, false);
    bs_store_journal_remove_spares (self->folder);
    size_t left;
    names = bs_store_journal_segments (self->folder, &left);
    for (size_t i = 0; i < left; i++) {
        char *path = bs_store_journal_path (self->folder, names[i]);
        if (path)
            unlink (path);
        free (path);
    }
    bs_store_journal_segments_free (names, left);
    if (!self->enabled)
        return BS_OK; /* bs_store_new drops it */
    self->recording = true;
    if (self->checkpoint_ms > 0) {
        rc = bs_store_journal_checkpoints_start (store);
        if (rc != BS_OK)
            return rc;
    }
    return BS_OK;
}

size_t
bs_store_journal_names_max (const char *folder)
{
    size_t count, most = 0;
    char **names = bs_store_journal_segments (folder, &count);
    for (size_t i = 0; i < count; i++) {
        char *path = bs_store_journal_path (folder, names[i]);
        int fd = path ? open (path, O_RDONLY | O_CLOEXEC) : -1;
        unsigned char header[12];
        ssize_t got = fd >= 0 ? pread (fd, header, sizeof header, 0) : -1;
        size_t named;
        if (got >= 0 && s_header_check (header, (size_t) got, &named) == S_HEADER_KNOWN
            && named > most)
            most = named;
        if (fd >= 0)
            close (fd);
        free (path);
    }
    bs_store_journal_segments_free (names, count);
    return most;
}
