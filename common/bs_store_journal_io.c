/*  bs_store_journal_io: what the parts of the store's journal share
    (bs_store_journal_state.h): LMDB and errno codes as BS_E_ codes, the
    turn's number in the database "journal", whole reads and writes of
    files, and the segments in the store's folder, listed and removed. It
    calls none of the other parts.
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
#include <unistd.h>

/* ---- codes ------------------------------------------------------------ */

/* An errno or LMDB code as a BS_E_ code, logged (bs_store.c maps the
   codes of its own calls; the journal is below it and calls nothing of
   it). MDB_MAP_FULL makes bs_store_write grow the map and run again. */
int
bs_store_journal_code (int code, const char *what)
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
int
bs_store_journal_get_seq (MDB_txn *txn, MDB_dbi dbi, uint64_t *seq)
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

int
bs_store_journal_put_seq (MDB_txn *txn, MDB_dbi dbi, uint64_t seq)
{
    unsigned char bytes[8];
    for (int i = 7; i >= 0; i--, seq >>= 8)
        bytes[i] = (unsigned char) (seq & 0xff);
    MDB_val key = {.mv_size = 1, .mv_data = (void *) "S"};
    MDB_val value = {.mv_size = 8, .mv_data = bytes};
    return mdb_put (txn, dbi, &key, &value, 0); /* the journal's own: never recorded */
}

/* ---- files ---------------------------------------------------------- */

int
bs_store_journal_fsync_folder (const char *folder)
{
    int fd = open (folder, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return errno;
    int rc = fsync (fd) == 0 ? 0 : errno;
    close (fd);
    return rc;
}

int
bs_store_journal_write_all (int fd, const void *data, size_t size, off_t at)
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
int
bs_store_journal_read_file (const char *path, unsigned char **data, size_t *size)
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

char *
bs_store_journal_path (const char *folder, const char *name)
{
    char *path;
    return asprintf (&path, "%s/%s", folder, name) < 0 ? NULL : path;
}

/* ---- the segments in the folder ------------------------------------ */

/* The segments of folder, sorted by their first S (their names are that
   S in 16 hex digits). */
char **
bs_store_journal_segments (const char *folder, size_t *count)
{
    char **names = bs_folder_names (folder, BS_JOURNAL_SEGMENT_PREFIX, count);
    size_t kept = 0;
    for (size_t i = 0; i < *count; i++) {
        if (strlen (names[i]) == strlen (BS_JOURNAL_SEGMENT_PREFIX) + 16)
            names[kept++] = names[i];
        else
            free (names[i]); /* journal-checkpoint */
    }
    *count = kept;
    return names;
}

void
bs_store_journal_segments_free (char **names, size_t count)
{
    bs_folder_names_free (names, count);
}

static uint64_t
s_segment_first (const char *name)
{
    return strtoull (name + strlen (BS_JOURNAL_SEGMENT_PREFIX), NULL, 16);
}

/* Keep the segment at path as a spare, when there is room for one. */
static bool
s_keep_spare (bs_store_journal_t *self, const char *path)
{
    pthread_mutex_lock (&self->spare_lock);
    bool kept = false;
    if (self->spare_count < BS_JOURNAL_SPARES_MAX) {
        uint64_t id = ++self->spare_next;
        char spare[4096];
        snprintf (spare, sizeof spare, "%s/" BS_JOURNAL_SPARE_PREFIX "%016llx", self->folder,
                  (unsigned long long) id);
        kept = rename (path, spare) == 0;
        if (kept)
            self->spares[self->spare_count++] = id;
    }
    pthread_mutex_unlock (&self->spare_lock);
    return kept;
}

/* Remove the segments whose records are all at or below seq: those a
   later segment follows that starts at or below seq + 1. With recycle
   (the checkpoints) they become spares first: a spare's blocks are
   written already, so the records appended to it as the next segment
   change neither its size nor its extents, and their flush writes data
   only (PostgreSQL recycles its WAL segments the same way). Its older
   bytes stay after the new records; the replay stops at them (their S
   does not follow). The replay at open removes them instead: a spare
   holds only bytes of the run that made it. */
void
bs_store_journal_remove_segments (bs_store_journal_t *self, uint64_t seq, bool recycle)
{
    size_t count;
    char **names = bs_store_journal_segments (self->folder, &count);
    for (size_t i = 0; i + 1 < count; i++) {
        if (s_segment_first (names[i + 1]) > seq + 1)
            break;
        char *path = bs_store_journal_path (self->folder, names[i]);
        if (path && !(recycle && s_keep_spare (self, path)) && unlink (path) != 0)
            bs_log_warning ("store %s: cannot remove %s: %s", self->folder, path, strerror (errno));
        free (path);
    }
    bs_store_journal_segments_free (names, count);
}

int
bs_store_journal_take_spare (bs_store_journal_t *self, const char *path)
{
    pthread_mutex_lock (&self->spare_lock);
    uint64_t id = self->spare_count ? self->spares[--self->spare_count] : 0;
    pthread_mutex_unlock (&self->spare_lock);
    if (!id)
        return -1;
    char spare[4096];
    snprintf (spare, sizeof spare, "%s/" BS_JOURNAL_SPARE_PREFIX "%016llx", self->folder,
              (unsigned long long) id);
    if (rename (spare, path) != 0) {
        bs_log_warning ("store %s: cannot take a spare segment: %s", self->folder,
                        strerror (errno));
        unlink (spare);
        return -1;
    }
    return open (path, O_WRONLY | O_CLOEXEC);
}

size_t
bs_store_journal_remove_spares (const char *folder)
{
    size_t count;
    char **names = bs_folder_names (folder, BS_JOURNAL_SPARE_PREFIX, &count);
    for (size_t i = 0; i < count; i++) {
        char *path = bs_store_journal_path (folder, names[i]);
        if (path)
            unlink (path);
        free (path);
    }
    bs_folder_names_free (names, count);
    return count;
}
