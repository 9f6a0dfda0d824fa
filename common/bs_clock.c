/*  bs_clock: time, calendar helpers and random ids; see bs_clock.h. */
#include "bs_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

static bs_clock_fn *s_source;

/* The offset in BAOSONG_CLOCK_FILE, read again whenever the file changes
   (its inode, modification time or size), so a test moves a running process's
   clock by rewriting the file. No file, or no number in it: 0. */
static long long
s_file_offset (const char *path)
{
    static __thread struct timespec seen_mtime;
    static __thread off_t seen_size = -1;
    static __thread ino_t seen_inode;
    static __thread long long offset;
    struct stat status;
    if (stat (path, &status) != 0) {
        seen_size = -1;
        return offset = 0;
    }
    if (status.st_size == seen_size && status.st_ino == seen_inode
        && status.st_mtim.tv_sec == seen_mtime.tv_sec
        && status.st_mtim.tv_nsec == seen_mtime.tv_nsec)
        return offset;
    FILE *file = fopen (path, "r");
    long long value = 0;
    if (file) {
        if (fscanf (file, "%lld", &value) != 1)
            value = 0;
        fclose (file);
    }
    seen_mtime = status.st_mtim;
    seen_size = status.st_size;
    seen_inode = status.st_ino;
    return offset = value;
}

uint64_t
bs_clock_now (void)
{
    if (s_source)
        return s_source ();
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    uint64_t at = (uint64_t) now.tv_sec * 1000 + (uint64_t) now.tv_nsec / 1000000;
    static int offset_read;
    static long long offset;
    if (!offset_read) {
        const char *text = getenv ("BAOSONG_CLOCK_OFFSET_MS");
        offset = text ? atoll (text) : 0;
        offset_read = 1;
    }
    const char *file = getenv ("BAOSONG_CLOCK_FILE");
    long long moved = file && *file ? s_file_offset (file) : 0;
    return at + (uint64_t) offset + (uint64_t) moved;
}

uint64_t
bs_clock_monotonic (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (uint64_t) now.tv_sec * 1000 + (uint64_t) now.tv_nsec / 1000000;
}

void
bs_clock_set_source (bs_clock_fn *fn)
{
    s_source = fn;
}

static struct tm
s_local (uint64_t at)
{
    time_t seconds = (time_t) (at / 1000);
    struct tm local;
    localtime_r (&seconds, &local);
    return local;
}

unsigned
bs_clock_year (uint64_t at)
{
    return (unsigned) s_local (at).tm_year + 1900;
}

void
bs_clock_month (uint64_t at, char *buffer, size_t size)
{
    struct tm local = s_local (at);
    snprintf (buffer, size, "%04d-%02d", local.tm_year + 1900, local.tm_mon + 1);
}

void
bs_clock_format (uint64_t at, char *buffer, size_t size)
{
    struct tm local = s_local (at);
    char zone[8];
    strftime (zone, sizeof zone, "%z", &local); /* +0800 */
    char stamp[32];
    strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &local);
    snprintf (buffer, size, "%s%.3s:%.2s", stamp, zone, zone + 3);
}

void
bs_clock_format_minute (uint64_t at, char *buffer, size_t size)
{
    struct tm local = s_local (at);
    strftime (buffer, size, "%Y-%m-%d %H:%M", &local);
}

/* count random bytes from the kernel into bytes; getrandom on Linux only
   fails before the pool is seeded at boot: then time and address bits,
   still unique per process. */
static void
s_random_bytes (unsigned char *bytes, size_t count)
{
    if (getrandom (bytes, count, 0) == (ssize_t) count)
        return;
    uint64_t mix = bs_clock_monotonic () ^ (uint64_t) (uintptr_t) bytes;
    for (size_t i = 0; i < count; i++)
        bytes[i] = (unsigned char) (mix >> ((i % 8) * 8)) ^ (unsigned char) rand ();
}

/* The id of bs_clock_random_id: the real time (whatever clock the tests
   set) in 6 bytes, then the 10 random bytes, in hex. */
static void
s_format_id (char *buffer, size_t size, const unsigned char random[10])
{
    unsigned char bytes[16];
    struct timespec clock;
    clock_gettime (CLOCK_REALTIME, &clock);
    uint64_t now = (uint64_t) clock.tv_sec * 1000 + (uint64_t) clock.tv_nsec / 1000000;
    for (int i = 0; i < 6; i++)
        bytes[i] = (unsigned char) (now >> (40 - 8 * i));
    memcpy (bytes + 6, random, 10);
    static const char hex[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < sizeof bytes && 2 * i + 2 < size; i++) {
        buffer[2 * i] = hex[bytes[i] >> 4];
        buffer[2 * i + 1] = hex[bytes[i] & 15];
    }
    buffer[2 * i] = 0;
}

void
bs_clock_random_id (char *buffer, size_t size)
{
    unsigned char random[10];
    s_random_bytes (random, sizeof random);
    s_format_id (buffer, size, random);
}

void
bs_clock_pooled_id (bs_clock_id_pool_t *pool, char *buffer, size_t size)
{
    if (pool->left < 10) {
        s_random_bytes (pool->bytes, sizeof pool->bytes);
        pool->left = sizeof pool->bytes;
    }
    s_format_id (buffer, size, pool->bytes + sizeof pool->bytes - pool->left);
    memset (pool->bytes + sizeof pool->bytes - pool->left, 0, 10); /* used once */
    pool->left -= 10;
}
