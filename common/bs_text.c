/*  bs_text: checks on typed text, trimmed lines, decimals, memory streams,
    the hash of names and texts; see bs_text.h. */
#include "bs_text.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

bool
bs_text_blank (const char *text)
{
    for (; text && *text; text++)
        if (!isspace ((unsigned char) *text))
            return false;
    return true;
}

uint64_t
bs_text_hash (uint64_t hash, const void *bytes, size_t size)
{
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ ((const unsigned char *) bytes)[i]) * 1099511628211ULL;
    return hash;
}

char *
bs_text_trim (char *text)
{
    while (isspace ((unsigned char) *text))
        text++;
    char *end = text + strlen (text);
    while (end > text && isspace ((unsigned char) end[-1]))
        *--end = 0;
    return text;
}

size_t
bs_text_copy (char *out, size_t size, const char *text)
{
    size_t length = text ? strlen (text) : 0;
    if (size == 0)
        return length;
    size_t kept = length < size ? length : size - 1;
    if (kept < length)
        while (kept && ((unsigned char) text[kept] & 0xc0) == 0x80)
            kept--;  /* text[kept] continues a character: cut before it */
    if (kept)
        memcpy (out, text, kept);
    out[kept] = 0;
    return length;
}

char *
bs_text_decimal (char *out, uint64_t value, int width)
{
    char digits[20];
    int count = 0;
    do {
        digits[count++] = (char) ('0' + value % 10);
        value /= 10;
    } while (value);
    while (width-- > count)
        *out++ = '0';
    while (count)
        *out++ = digits[--count];
    return out;
}

/* What a stream of bs_text_stream_open writes into. */
typedef struct {
    char **text;     /* the caller's: the bytes, NUL-terminated */
    size_t *size;    /* the caller's: how many */
    size_t capacity; /* room at *text, the NUL included */
    bool failed;     /* a write was refused: no later one is kept */
} s_memory_t;

/* stdio's write of a cookie stream: a short count sets the stream's error
   flag (glibc's _IO_cookie_write), which open_memstream's overflow does
   not do. */
static ssize_t
s_memory_write (void *cookie, const char *bytes, size_t count)
{
    s_memory_t *memory = cookie;
    size_t needed = *memory->size + count + 1;
    if (!memory->failed && needed > memory->capacity) {
        size_t capacity = memory->capacity * 2 > needed ? memory->capacity * 2 : needed;
        char *grown = needed > *memory->size ? realloc (*memory->text, capacity) : NULL;
        if (grown) {
            *memory->text = grown;
            memory->capacity = capacity;
        } else
            memory->failed = true;
    }
    if (memory->failed) {
        errno = ENOMEM;
        return -1;
    }
    memcpy (*memory->text + *memory->size, bytes, count);
    *memory->size += count;
    (*memory->text)[*memory->size] = 0;
    return (ssize_t) count;
}

/* Back to an earlier place, the text cut there (rewind empties the
   stream: an open_memstream's size is its place at the next flush); not
   beyond the end, where every write goes. */
static int
s_memory_seek (void *cookie, off64_t *offset, int whence)
{
    s_memory_t *memory = cookie;
    off64_t end = (off64_t) *memory->size;
    off64_t place = whence == SEEK_SET ? *offset : end + *offset;
    if ((whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) || place < 0
        || place > end) {
        errno = EINVAL;
        return -1;
    }
    *memory->size = (size_t) place;
    (*memory->text)[place] = 0;
    *offset = place;
    return 0;
}

static int
s_memory_close (void *cookie)
{
    free (cookie); /* the text is the caller's */
    return 0;
}

FILE *
bs_text_stream_open (char **text, size_t *size)
{
    s_memory_t *memory = malloc (sizeof *memory);
    char *empty = malloc (64);
    FILE *stream = NULL;
    if (memory && empty) {
        *empty = 0;
        *memory = (s_memory_t){.text = text, .size = size, .capacity = 64};
        stream = fopencookie (memory, "w",
                              (cookie_io_functions_t){.write = s_memory_write,
                                                      .seek = s_memory_seek,
                                                      .close = s_memory_close});
    }
    if (!stream) {
        free (memory);
        free (empty);
        errno = ENOMEM;
        return NULL;
    }
    *text = empty;
    *size = 0;
    return stream;
}

char *
bs_text_stream_close (FILE *stream, char **text)
{
    bool failed = ferror (stream) != 0;
    if (fclose (stream) != 0 || failed) {
        free (*text);
        *text = NULL;
    }
    return *text;
}
