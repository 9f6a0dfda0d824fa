/*  bs_text: small checks on the text people type, shared by every service
    that reads it (intake's fields, mail bodies), and the white space cut
    from the ends of the lines people write in files (the configuration
    file, publication's periodicals file), numbers written in decimal,
    text built in a memory stream, and the hashes of names and texts (one
    kept, one for tables in memory).
*/
#ifndef BS_TEXT_H_INCLUDED
#define BS_TEXT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Whether text is NULL, empty or only white space (ASCII white space: a
   line of only full-width spaces is not blank). */
bool bs_text_blank (const char *text);

/* text without the ASCII white space at its start and end: the trailing
   white space overwritten with NULs, a pointer past the leading. */
char *bs_text_trim (char *text);

/* value in decimal at out, at least width digits (zero-padded: printf's
   "%0*llu", without printf, for what is written a thousand times a batch);
   no NUL. out has room for width or 20 bytes, whichever is more. Returns
   the end of what it wrote. */
char *bs_text_decimal (char *out, uint64_t value, int width);

/* text (NULL reads as "") copied into out of size bytes, cut to at most
   size - 1 bytes and NUL-terminated: snprintf (out, size, "%s", text)
   without printf, for what is copied for every command. A cut never parts a
   UTF-8 character: it falls before the character that does not fit whole,
   so a cut name is still valid text. Returns strlen (text), as snprintf
   does, so a result of size or more says it was cut. */
size_t bs_text_copy (char *out, size_t size, const char *text);

/* FNV-1a (64 bits) of size bytes, on from hash: BS_TEXT_HASH to begin,
   a result to go on with more bytes. The one hash of names and texts
   whose values are kept or go on from part to part: it places names in
   hash tables (bs_schema's wire names, the configuration's keys,
   statistics' notices of a turn, hashed in parts), and it checks the texts
   a stored reply left out (bs_service_compact.c), whose values are on
   disk: it never changes. */
#define BS_TEXT_HASH 14695981039346656037ULL
uint64_t bs_text_hash (uint64_t hash, const void *bytes, size_t size);

/* The hash for tables in memory that look keys up many times an event
   (statistics' rows of figures, publication's terms of an issue): eight
   bytes at a time, each word mixed in by a multiplication, then
   MurmurHash3's finish, so that every bit reaches the low ones a table of
   a power of two uses. FNV-1a a byte at a time was a third of a row's
   look-up (bench/README.md). Its values are never kept: it may change
   between versions, so it places nothing on disk and checks nothing kept.

   bs_text_table_hash hashes size bytes as words read from them in the
   machine's order (memcpy), the last one NUL-padded. A caller that holds
   a key as words already (a term's first eight bytes as a number) hashes
   them in the same steps: bs_text_table_start (size), bs_text_table_word
   for each word, bs_text_table_end. */
#define BS_TEXT_TABLE_MULTIPLIER 0x9E3779B97F4A7C15ULL

static inline uint64_t
bs_text_table_start (size_t size)
{
    return (uint64_t) size * BS_TEXT_TABLE_MULTIPLIER;
}

/* The high bits of what came before folded down, then word mixed in (the
   last word's high bits are left to the finish). */
static inline uint64_t
bs_text_table_word (uint64_t hash, uint64_t word)
{
    return (hash ^ hash >> 29 ^ word) * BS_TEXT_TABLE_MULTIPLIER;
}

static inline uint64_t
bs_text_table_end (uint64_t hash)
{
    hash ^= hash >> 33;
    hash *= 0xFF51AFD7ED558CCDULL;
    hash ^= hash >> 33;
    hash *= 0xC4CEB9FE1A85EC53ULL;
    return hash ^ hash >> 33;
}

static inline uint64_t
bs_text_table_hash (const void *bytes, size_t size)
{
    const unsigned char *at = bytes;
    uint64_t hash = bs_text_table_start (size);
    size_t used = 0;
    for (; used + 8 <= size; used += 8) {
        uint64_t word;
        memcpy (&word, at + used, 8);
        hash = bs_text_table_word (hash, word);
    }
    if (used < size) {
        uint64_t word = 0;
        memcpy (&word, at + used, size - used);
        hash = bs_text_table_word (hash, word);
    }
    return bs_text_table_end (hash);
}

/* A stream writing into memory, as open_memstream (text and size are set
   by each flush and by the close, text always NUL-terminated), but one
   whose failed writes count: glibc's memory stream may drop bytes it has
   no memory for without setting the stream's error flag, so a text could
   be cut short silently. Here a write that cannot be kept sets the error
   flag, and no later write is kept, so bs_text_stream_close sees it. NULL
   (errno set) when there is no memory for it. */
FILE *bs_text_stream_open (char **text, size_t *size);

/* Close stream, a bs_text_stream_open (or open_memstream) of text: text
   (the caller frees it), or NULL, text freed, when a write or the close
   failed (out of memory). The stream's size is set by the close. */
char *bs_text_stream_close (FILE *stream, char **text);

#endif
