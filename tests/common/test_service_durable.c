/*  No reply leaves before the flush that makes its commit durable.

    An LMDB commit is durable once its pages are flushed and then its meta
    page (the write that makes the commit the store's state). LMDB writes
    that page through a descriptor opened O_DSYNC, a second flush after
    the pages' fdatasync; a change that leaves it to a later flush
    (MDB_NOMETASYNC, tried for issue 9: bench/README.md) must hold every
    reply until that flush. A kill -9 cannot tell whether a reply waited:
    the page cache survives the process. So this test watches the writes
    themselves: it defines pwrite, pwritev and fdatasync, which LMDB's
    library and the store's journal call (the executable's definitions
    take the place of libc's), keeps for the store's file the last meta
    page written (its txn id, the last 8 bytes LMDB writes of it) and the
    last one a flush has covered (a write through an O_DSYNC descriptor,
    or a later fdatasync of the file), and checks at each reply that the
    commit its submit was stored in is covered. The service runs its real
    loop (bs_service_run) in a thread, with clients submitting back to
    back, so turns overlap as in production.

    With the store's journal (store.journal) LMDB commits without a flush
    and a turn is durable once its journal record is: the record (its
    sequence S, bytes 8 to 15 of its header) is written with pwritev and
    flushed with fdatasync before the commit. So a meta page written
    counts as covered when a record was written since the last meta page
    and every record written is flushed: a commit before its record's
    flush, or a record written after its commit, leaves it uncovered.
    Checkpoints are put off for the test (their flush of the data file
    would cover commits whatever the journal did).
*/
#include "bs_test.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bs_config.h"
#include "bs_store.h"
#include "bs_toy_service.h"

#define S_CLIENTS 8
#define S_META_AREA 8192 /* LMDB's two meta pages (4 KiB pages) */

/* What the store's file saw, by the calls below. */
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static dev_t s_device;     /* the store's data.mdb, once known */
static ino_t s_inode;      /* 0: not watching */
static uint64_t s_written; /* txn id of the last meta page written */
static uint64_t s_durable; /* txn id of the last meta page a flush covered */
static uint64_t s_metas;   /* meta pages written */
/* The journal's records, when the store has one */
static char s_journal[1024];      /* its segments' path prefix, "" when not watching */
static uint64_t s_records;        /* records written */
static uint64_t s_record_written; /* S of the last record written */
static uint64_t s_record_flushed; /* S of the last record a flush has covered */
static uint64_t s_record_at_meta; /* S of the last record written when the last meta page was */

static bool
s_watched (int fd)
{
    struct stat status;
    return s_inode && fstat (fd, &status) == 0 && status.st_ino == s_inode
           && status.st_dev == s_device;
}

/* Whether fd is a segment of the watched store's journal. */
static bool
s_journal_segment (int fd)
{
    char link[64], target[1024];
    snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t size = readlink (link, target, sizeof target - 1);
    if (size <= 0 || !s_journal[0])
        return false;
    target[size] = 0;
    size_t prefix = strlen (s_journal);
    return strncmp (target, s_journal, prefix) == 0 && strcmp (target + prefix, "checkpoint") != 0
           && !strstr (target + prefix, ".tmp");
}

ssize_t pwrite (int fd, const void *bytes, size_t size, off_t offset);
ssize_t pwritev (int fd, const struct iovec *parts, int count, off_t offset);
int fdatasync (int fd);

ssize_t
pwrite (int fd, const void *bytes, size_t size, off_t offset)
{
    ssize_t written = syscall (SYS_pwrite64, fd, bytes, size, offset);
    if (written == (ssize_t) size && size >= 8 && offset < S_META_AREA && s_watched (fd)) {
        uint64_t txnid;
        memcpy (&txnid, (const char *) bytes + size - 8, 8); /* mm_txnid ends MDB_meta */
        bool synchronous = (fcntl (fd, F_GETFL) & O_DSYNC) == O_DSYNC;
        pthread_mutex_lock (&s_lock);
        s_metas++;
        if (txnid > s_written)
            s_written = txnid;
        if (synchronous && txnid > s_durable)
            s_durable = txnid;
        if (s_journal[0]) {
            if (s_record_written > s_record_at_meta && s_record_flushed == s_record_written
                && txnid > s_durable)
                s_durable = txnid;
            s_record_at_meta = s_record_written;
        }
        pthread_mutex_unlock (&s_lock);
    }
    return written;
}

/* The journal writes a record as [segment header,] its 16-byte header
   (length, crc, S) and its changes, in one pwritev. */
ssize_t
pwritev (int fd, const struct iovec *parts, int count, off_t offset)
{
    ssize_t written = syscall (SYS_pwritev, fd, parts, count, (long) offset, 0L);
    if (written > 0 && count >= 2 && parts[count - 2].iov_len == 16 && s_journal_segment (fd)) {
        uint64_t seq;
        memcpy (&seq, (const char *) parts[count - 2].iov_base + 8, 8);
        pthread_mutex_lock (&s_lock);
        s_records++;
        s_record_written = seq;
        pthread_mutex_unlock (&s_lock);
    }
    return written;
}

int
fdatasync (int fd)
{
    bool watched = s_watched (fd), segment = !watched && s_journal_segment (fd);
    pthread_mutex_lock (&s_lock);
    uint64_t before = s_written;          /* what was written before the flush began */
    uint64_t record = s_record_written;   /* the same of the journal */
    pthread_mutex_unlock (&s_lock);
    int rc = (int) syscall (SYS_fdatasync, fd);
    if (rc == 0 && (watched || segment)) {
        pthread_mutex_lock (&s_lock);
        if (watched && before > s_durable)
            s_durable = before;
        if (segment && record > s_record_flushed)
            s_record_flushed = record;
        pthread_mutex_unlock (&s_lock);
    }
    return rc;
}

static uint64_t
s_durable_now (void)
{
    pthread_mutex_lock (&s_lock);
    uint64_t durable = s_durable;
    pthread_mutex_unlock (&s_lock);
    return durable;
}

static void *
s_run (void *argument)
{
    bs_service_run ((bs_service_t *) argument);
    return NULL;
}

/* Submits from clients back to back, each reply checked against what
   the flushes covered when it arrived. journaled: the store has a
   journal, watched too. */
static void
s_check_replies (bs_toy_t *fixture, bool journaled)
{
    char *path = bs_config_store_path (fixture->config, "svc");
    char data[1024];
    snprintf (data, sizeof data, "%s/data.mdb", path);
    struct stat status;
    assert_int_equal (stat (data, &status), 0);
    pthread_mutex_lock (&s_lock);
    s_device = status.st_dev;
    s_inode = status.st_ino;
    s_journal[0] = 0;
    if (journaled) {
        char *real = realpath (path, NULL); /* as /proc/self/fd names it */
        assert_non_null (real);
        snprintf (s_journal, sizeof s_journal, "%s/journal-", real);
        free (real);
    }
    s_written = s_durable = s_metas = 0; /* a store of its own: its txn ids start again */
    s_records = s_record_written = s_record_flushed = s_record_at_meta = 0;
    pthread_mutex_unlock (&s_lock);
    free (path);

    zsock_t *dealers[S_CLIENTS];
    for (int i = 0; i < S_CLIENTS; i++)
        dealers[i] = bs_toy_dealer (fixture);
    bs_toy_connect (fixture, dealers, S_CLIENTS);
    pthread_t loop;
    assert_int_equal (pthread_create (&loop, NULL, s_run, fixture->service), 0);

    /* Submits back to back from every client until BS_TOY_CALLS_MAX - 1
       reports are stored; each reply checked as it arrives. */
    int total = BS_TOY_CALLS_MAX - 1, sent = 0, replied = 0;
    zpoller_t *poller = zpoller_new (NULL);
    for (int i = 0; i < S_CLIENTS; i++) {
        zpoller_add (poller, dealers[i]);
        char id[32];
        snprintf (id, sizeof id, "durable-%d", sent++);
        bs_toy_send_submit (dealers[i], id, "春耕");
    }
    while (replied < total) {
        zsock_t *dealer = (zsock_t *) zpoller_wait (poller, BS_TOY_WAIT_MS);
        if (!dealer)
            fail_msg ("no reply within %d ms (%d of %d)", BS_TOY_WAIT_MS, replied, total);
        zframe_t *reply = zframe_recv (dealer);
        uint64_t durable = s_durable_now (); /* the reply is here: what was flushed by now */
        uint64_t report_id = bs_toy_assert_submitted (reply);
        zframe_destroy (&reply);
        assert_in_range (report_id, 1, BS_TOY_CALLS_MAX - 1);
        uint64_t commit = fixture->report_commits[report_id];
        if (commit > durable)
            fail_msg ("report %" PRIu64 " was acknowledged before its commit %" PRIu64
                      " was flushed (flushed up to %" PRIu64 ")",
                      report_id, commit, durable);
        replied++;
        if (sent < total) {
            char id[32];
            snprintf (id, sizeof id, "durable-%d", sent++);
            bs_toy_send_submit (dealer, id, "夏收");
        }
    }
    zpoller_destroy (&poller);
    zsys_interrupted = 1; /* what SIGTERM does: the loop ends its turn and returns */
    pthread_join (loop, NULL);
    zsys_interrupted = 0;
    for (int i = 0; i < S_CLIENTS; i++)
        zsock_destroy (&dealers[i]);

    pthread_mutex_lock (&s_lock);
    uint64_t metas = s_metas, records = s_records;
    s_inode = 0;
    s_journal[0] = 0;
    pthread_mutex_unlock (&s_lock);
    /* The check saw the commits: without their meta pages it could not fail. */
    if (metas < 8)
        fail_msg ("only %" PRIu64 " meta pages written: the writes were not watched", metas);
    if (journaled && records < 8)
        fail_msg ("only %" PRIu64 " journal records written: the journal was not watched",
                  records);
}

static void
test_no_reply_before_the_flush_of_its_commit (void **state)
{
    s_check_replies ((bs_toy_t *) *state, false);
}

static void
test_no_reply_before_its_journal_record_is_flushed (void **state)
{
    s_check_replies ((bs_toy_t *) *state, true);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_no_reply_before_the_flush_of_its_commit,
                                         bs_toy_setup_unjournaled, bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_no_reply_before_its_journal_record_is_flushed,
                                         bs_toy_setup_journaled, bs_toy_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
