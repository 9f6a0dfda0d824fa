/*  limit_journal: see limit_journal.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "limit_journal.h"

#define S_CHECKPOINT_SECONDS 1
#define S_IOV_CHUNK 512 /* payloads a writev (two vectors each, IOV_MAX 1024) */

static long
s_file_size (FILE *file)
{
    struct stat status;
    return fstat (fileno (file), &status) == 0 ? (long) status.st_size : -1;
}

static int
s_open (const char *path)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        fprintf (stderr, "bench_limit journal: %s: %s\n", path, strerror (errno));
    return fd;
}

/* A new journal: what the old one holds is in the store's commits up to
   now, which the caller flushes before removing it. Under the lock. */
static int
s_rotate (limit_journal_t *journal)
{
    if (rename (journal->path, journal->old_path) != 0)
        return -1;
    int fd = s_open (journal->path);
    if (fd < 0)
        return -1;
    close (journal->fd);
    journal->fd = fd;
    journal->rotating = journal->appended;
    journal->appended = 0;
    return 0;
}

static void *
s_checkpoints (void *argument)
{
    limit_journal_t *journal = argument;
    pthread_mutex_lock (&journal->sleep);
    while (!journal->stopping) {
        struct timespec until;
        clock_gettime (CLOCK_REALTIME, &until);
        until.tv_sec += S_CHECKPOINT_SECONDS;
        pthread_cond_timedwait (&journal->wake, &journal->sleep, &until);
        if (journal->stopping)
            break;
        pthread_mutex_unlock (&journal->sleep);
        pthread_mutex_lock (&journal->lock);
        int rc = journal->rotating ? 0 : s_rotate (journal); /* else the last flush failed */
        pthread_mutex_unlock (&journal->lock);
        if (rc == 0 && mdb_env_sync (journal->env, 1) == 0) {
            unlink (journal->old_path);
            pthread_mutex_lock (&journal->lock);
            journal->flushed += journal->rotating;
            journal->rotating = 0;
            pthread_mutex_unlock (&journal->lock);
        }
        pthread_mutex_lock (&journal->sleep);
    }
    pthread_mutex_unlock (&journal->sleep);
    return NULL;
}

int
limit_journal_open (limit_journal_t *journal, const char *folder, MDB_env *env)
{
    memset (journal, 0, sizeof *journal);
    snprintf (journal->path, sizeof journal->path, "%s/journal", folder);
    snprintf (journal->old_path, sizeof journal->old_path, "%s/journal.old", folder);
    journal->env = env;
    journal->fd = s_open (journal->path);
    pthread_mutex_init (&journal->lock, NULL);
    pthread_mutex_init (&journal->sleep, NULL);
    pthread_cond_init (&journal->wake, NULL);
    if (journal->fd < 0)
        return -1;
    journal->started = pthread_create (&journal->thread, NULL, s_checkpoints, journal) == 0;
    return journal->started ? 0 : -1;
}

int
limit_journal_append (limit_journal_t *journal, const struct iovec *payloads, size_t count)
{
    pthread_mutex_lock (&journal->lock);
    struct iovec vectors[2 * S_IOV_CHUNK];
    unsigned char lengths[S_IOV_CHUNK][4];
    for (size_t done = 0; done < count;) {
        size_t chunk = count - done < S_IOV_CHUNK ? count - done : S_IOV_CHUNK;
        size_t bytes = 0;
        for (size_t i = 0; i < chunk; i++) {
            uint32_t size = (uint32_t) payloads[done + i].iov_len;
            lengths[i][0] = (unsigned char) (size >> 24);
            lengths[i][1] = (unsigned char) (size >> 16);
            lengths[i][2] = (unsigned char) (size >> 8);
            lengths[i][3] = (unsigned char) size;
            vectors[2 * i] = (struct iovec){lengths[i], 4};
            vectors[2 * i + 1] = payloads[done + i];
            bytes += 4 + payloads[done + i].iov_len;
        }
        if (writev (journal->fd, vectors, (int) (2 * chunk)) != (ssize_t) bytes) {
            fprintf (stderr, "bench_limit journal: write: %s\n", strerror (errno));
            return -1;
        }
        done += chunk;
        journal->appended += chunk;
    }
    if (count && fdatasync (journal->fd) != 0) {
        fprintf (stderr, "bench_limit journal: fdatasync: %s\n", strerror (errno));
        return -1;
    }
    return 0;
}

void
limit_journal_done (limit_journal_t *journal)
{
    pthread_mutex_unlock (&journal->lock);
}

/* The records in the journal file at path, read back by their lengths;
   -1 when it ends inside one. */
static int64_t
s_count_records (const char *path)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return errno == ENOENT ? 0 : -1;
    int64_t records = 0;
    unsigned char length[4];
    while (fread (length, 1, 4, file) == 4) {
        long size = (long) ((uint32_t) length[0] << 24 | (uint32_t) length[1] << 16
                            | (uint32_t) length[2] << 8 | length[3]);
        if (fseek (file, size, SEEK_CUR) != 0 || ftell (file) > s_file_size (file)) {
            records = -1;
            break;
        }
        records++;
    }
    if (records >= 0 && ftell (file) != s_file_size (file))
        records = -1; /* a length cut short */
    fclose (file);
    return records;
}

int64_t
limit_journal_close (limit_journal_t *journal)
{
    if (journal->started) {
        pthread_mutex_lock (&journal->sleep);
        journal->stopping = true;
        pthread_cond_signal (&journal->wake);
        pthread_mutex_unlock (&journal->sleep);
        pthread_join (journal->thread, NULL);
    }
    if (journal->env)
        mdb_env_sync (journal->env, 1);
    if (journal->fd >= 0)
        close (journal->fd);
    pthread_mutex_destroy (&journal->lock);
    pthread_mutex_destroy (&journal->sleep);
    pthread_cond_destroy (&journal->wake);
    int64_t left = journal->fd >= 0 ? s_count_records (journal->path) : -1;
    int64_t old = journal->rotating ? s_count_records (journal->old_path) : 0;
    if (left < 0 || old < 0 || (uint64_t) left != journal->appended
        || (uint64_t) old != journal->rotating) {
        fprintf (stderr, "bench_limit journal: %" PRId64 " records read back, %" PRIu64
                         " appended\n", left, journal->appended);
        return -1;
    }
    return (int64_t) (journal->flushed + journal->rotating + journal->appended);
}
