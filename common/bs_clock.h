/*  bs_clock: wall time in milliseconds, injectable for tests, and calendar
    helpers for registration numbers and statistics periods.

    Calendar dates use the server's local time zone (TZ), so a county office in
    UTC+8 counts a report received at 00:30 local time in that day's month.
    BAOSONG_CLOCK_OFFSET_MS, when set in the environment, is added to the
    system clock: tests use it to move a whole process forward in time.
    BAOSONG_CLOCK_FILE, when set, names a file holding one more offset in
    milliseconds, read again whenever the file changes: tests rewrite it to
    move running processes' clocks (a lease expiring, a deadline passing).
*/
#ifndef BS_CLOCK_H_INCLUDED
#define BS_CLOCK_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

typedef uint64_t (bs_clock_fn) (void);

/* Milliseconds since the epoch (system clock + offset, or the test source). */
uint64_t bs_clock_now (void);

/* Monotonic milliseconds, for timeouts and heartbeats. */
uint64_t bs_clock_monotonic (void);

/* Replace the clock with fn (NULL restores the system clock). For tests. */
void bs_clock_set_source (bs_clock_fn *fn);

/* Local calendar year of a time in ms. */
unsigned bs_clock_year (uint64_t at);

/* "YYYY-MM" of a time in ms, local; buffer of at least 8 bytes. */
void bs_clock_month (uint64_t at, char *buffer, size_t size);

/* ISO 8601 local time with offset, e.g. "2026-11-28T10:03:11+08:00". */
void bs_clock_format (uint64_t at, char *buffer, size_t size);

/* Local date and time to the minute, as people read times in the CLI,
   the console and the audit: "2026-11-28 10:03"; buffer of at least 17
   bytes. */
void bs_clock_format_minute (uint64_t at, char *buffer, size_t size);

/* A unique identifier of 32 hex digits into buffer (>= 33): the time in
   milliseconds since the epoch (12 digits), then 80 random bits. Ids made
   later sort after ids made earlier, so the idempotency keys a service
   stores (bs_client's ids) go to the end of their index together, a turn
   of commands dirtying a few pages of it rather than one page each; 80
   random bits keep them unique and unguessable. */
void bs_clock_random_id (char *buffer, size_t size);

/* Random bytes for ids made often (bs_client's calls), drawn from the
   kernel 32 ids at a time: one getrandom per 32 ids rather than one an id,
   each id's 80 bits still the kernel's and used once. A pool belongs to
   one client (one thread) and is not copied: a copy, or a pool used again
   after fork, would repeat ids. Zeroed (calloc), it is empty. */
typedef struct {
    unsigned char bytes[32 * 10]; /* random bits not given out yet at the end */
    size_t left;                  /* bytes of them left, 0 = draw again */
} bs_clock_id_pool_t;

/* Into buffer (>= 33) an id of bs_clock_random_id's form, its random bits
   from pool. */
void bs_clock_pooled_id (bs_clock_id_pool_t *pool, char *buffer, size_t size);

#endif
