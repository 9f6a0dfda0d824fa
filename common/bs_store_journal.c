/*  bs_store_journal: the store's write-ahead journal (bs_store_options_t
    journal); see bs_store.h for what it promises. This file is its state,
    its opening and closing, and the recording of a turn's changes
    (bs_store_journal_state.h says which file does the rest).

    Why: a synced LMDB commit is two ordered flushes of scattered pages (the
    turn's pages where they live, then the meta page). With the journal a
    commit is one sequential write and one fdatasync of a file that only
    grows (bs_store_segment.c), and LMDB commits without a flush
    (MDB_NOSYNC); a thread flushes the data file now and then
    (bs_store_checkpoint.c), and the turns since are replayed at open
    (bs_store_replay.c).

    Recording: every change of a write transaction passes through the
    wrappers of bs_store_change.c, which call bs_store_journal_put, _del,
    _clear and _unrecorded. The changes of bs_store_write's transaction
    (or of a child of it) are appended to the turn's buffer; a child that
    aborts cuts the buffer back to where it began (a stack of marks). A
    database is named by its index in the store's names, and each segment
    starts with the names as they were, so a later version that names its
    databases in another order still replays an older journal.
*/
#include "bs_store.h"

#include "bs_folder.h"
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
#include <time.h>
#include <unistd.h>

#define S_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define S_CHECKPOINT_MS_DEFAULT 1000
#define S_SEGMENT_MAX_DEFAULT ((size_t) 64 << 20)

static void
s_boot_id (const char *path, char id[BS_JOURNAL_BOOT_ID_SIZE + 1])
{
    memset (id, 0, BS_JOURNAL_BOOT_ID_SIZE + 1);
    FILE *file = fopen (path ? path : S_BOOT_ID_PATH, "r");
    if (!file) {
        /* No boot id: every open is taken for a new boot (the meta page
           is written back, which is harmless after a clean close). */
        bs_log_warning ("store: cannot read the boot id from %s", path ? path : S_BOOT_ID_PATH);
        return;
    }
    size_t got = fread (id, 1, BS_JOURNAL_BOOT_ID_SIZE, file);
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
        bs_store_journal_put32 (out, (uint32_t) key->mv_size);
        memcpy (out + 4, key->mv_data, key->mv_size);
        out += 4 + key->mv_size;
    }
    if (value) {
        bs_store_journal_put32 (out, (uint32_t) value->mv_size);
        memcpy (out + 4, value->mv_data, value->mv_size);
        out += 4 + value->mv_size;
    }
    self->used += more;
}

void
bs_store_journal_put (MDB_txn *txn, MDB_dbi dbi, const MDB_val *key, const MDB_val *value)
{
    s_record (txn, BS_JOURNAL_PUT, dbi, key, value);
}

void
bs_store_journal_del (MDB_txn *txn, MDB_dbi dbi, const MDB_val *key, const MDB_val *value)
{
    s_record (txn, value ? BS_JOURNAL_DEL_VALUE : BS_JOURNAL_DEL, dbi, key, value);
}

void
bs_store_journal_clear (MDB_txn *txn, MDB_dbi dbi)
{
    s_record (txn, BS_JOURNAL_CLEAR, dbi, NULL, NULL);
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
    if (self->depth == BS_JOURNAL_CHILDREN_MAX) {
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

bool
bs_store_journal_recording (bs_store_t *store)
{
    return store->journal && store->journal->recording;
}

/* ---- open and close ---------------------------------------------------- */

bool
bs_store_journal_present (const char *folder)
{
    size_t count;
    char **names = bs_store_journal_segments (folder, &count);
    bs_store_journal_segments_free (names, count);
    char *path = bs_store_journal_path (folder, BS_JOURNAL_CHECKPOINT_NAME);
    bool present = count > 0 || (path && access (path, F_OK) == 0);
    char **spares = bs_folder_names (folder, BS_JOURNAL_SPARE_PREFIX, &count);
    bs_folder_names_free (spares, count);
    present = present || count > 0; /* a journal dropped before its spares went */
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
    self->segment_max = options && options->journal_segment_max ? options->journal_segment_max
                                                                : S_SEGMENT_MAX_DEFAULT;
    self->checkpoint_ms = options && options->journal_checkpoint_ms ? options->journal_checkpoint_ms
                                                                    : S_CHECKPOINT_MS_DEFAULT;
    s_boot_id (options ? options->journal_boot_id_path : NULL, self->boot_id);
    pthread_mutex_init (&self->commit_lock, NULL);
    pthread_mutex_init (&self->checkpoint_lock, NULL);
    pthread_mutex_init (&self->wake_lock, NULL);
    pthread_mutex_init (&self->spare_lock, NULL);
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
    bs_store_journal_checkpoints_stop (self);
    if (store->env && self->recording && !self->failed)
        bs_store_journal_checkpoint (store); /* the next open replays nothing */
    if (self->held)
        mdb_txn_abort (self->held);
    if (self->fd >= 0)
        close (self->fd);
    if (remove) {
        bs_store_journal_remove_spares (self->folder);
        char *path = bs_store_journal_path (self->folder, BS_JOURNAL_CHECKPOINT_NAME);
        if (path && unlink (path) == 0)
            bs_store_journal_fsync_folder (self->folder);
        free (path);
    }
    pthread_mutex_destroy (&self->commit_lock);
    pthread_mutex_destroy (&self->checkpoint_lock);
    pthread_mutex_destroy (&self->wake_lock);
    pthread_mutex_destroy (&self->spare_lock);
    pthread_cond_destroy (&self->wake);
    free (self->buffer);
    free (self->folder);
    free (self);
    store->journal = NULL;
}
