/*  journal_fixture: what the tests of bs_store's write-ahead journal
    (tests/common/test_store_journal*.c) share: the store opened with the
    journal and a boot id of the test's own, turns written and checked
    (and the store's databases walked), a child killed between a turn's
    flush and its commit, files read and copied, the journal's segments.

    A "kill" is a child process that _exit()s between a turn's flush and
    its commit (bs_store_journal_flushed_hook); a "new boot" is another
    boot id in the file the store reads it from.
*/
#ifndef JOURNAL_FIXTURE_H_INCLUDED
#define JOURNAL_FIXTURE_H_INCLUDED

#include "store_fixture.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The file the stores read their boot id from (journal_fixture_boot). */
extern char journal_fixture_boot_path[4096];

/* The options journal_fixture_open gives; a test that changes one sets
   it back. The stores' checkpoints: -1, only when asked; the journal:
   true; the segments' size: 0, the default (a checkpoint starts a
   segment past a quarter). */
extern int journal_fixture_checkpoint_ms;
extern bool journal_fixture_journal;
extern size_t journal_fixture_segment_max;

/* The whole file at path (malloc'd). */
void journal_fixture_read (const char *path, unsigned char **bytes, size_t *size);

/* A copy of the file from at to. */
void journal_fixture_copy_file (const char *from, const char *to);

/* A boot id of 36 times letter in journal_fixture_boot_path: another
   letter, a new boot. */
void journal_fixture_boot (const store_fixture_t *fixture, char letter);

/* The store of fixture with the journal's options above and this map
   size (0: the default). */
bs_store_t *journal_fixture_open (const store_fixture_t *fixture, size_t map_size);

/* A turn in a write of its own: report `turn` under its key (a value of
   size bytes that says which turn it is), the counter "turns" one up, an
   event in the log; with abort_child, also a child transaction that puts
   and aborts. Returns what bs_store_write returns. */
int journal_fixture_write (bs_store_t *store, uint64_t turn, size_t size, bool abort_child);

/* Turns first..last (last excluded) are there, with their values, the
   counter says how many there were, the log holds one event a turn, and
   nothing past them. */
void journal_fixture_assert_turns (bs_store_t *store, uint64_t last, size_t size);

/* Every database (the free pages', the main one and each named one)
   has its statistics and walks whole. */
void journal_fixture_assert_walks (bs_store_t *store);

/* A child that opens the store, writes turns from..to (to excluded), the
   last one of size `last_size`, and _exit()s between the flush and the
   commit of that last one; checkpoint_after: turns after which it
   checkpoints and copies data.mdb to `copy` (0: never); checkpoint_every:
   it also checkpoints after every this many turns (0: never); from
   small_from on (0: never) the turns are of 100 bytes. */
typedef struct {
    const store_fixture_t *fixture;
    uint64_t from, to;
    size_t size, last_size;
    uint64_t checkpoint_after, checkpoint_every, small_from;
    const char *copy;
    size_t map_size;
    bool abort_child;
} journal_fixture_child_t;

/* Run the child and reap it; fails the test unless it died between the
   flush and the commit of its last turn. */
void journal_fixture_child_run (const journal_fixture_child_t *child);

/* The last segment of the journal (the newest): its path into path. */
void journal_fixture_last_segment (const store_fixture_t *fixture, char *path, size_t size);

/* Where the records of the segment at path end (it is zero-filled
   ahead, or holds an earlier use's bytes after them): its header and
   names, then each record whose S follows from the name's. */
off_t journal_fixture_segment_end (const char *path);

#endif
