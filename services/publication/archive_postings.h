/*  archive_postings: how a chunk of one term's postings is stored in
    archive_terms (archive.h): which archived items (doc ids) hold the
    term, and its weight in each.

    A chunk's key ends with its first doc id; its value is, per posting in
    doc order, the doc's distance from the doc before it (from the key's
    doc for the first, so 0) and the weight, each an unsigned LEB128
    varint (seven bits a byte, low bits first, the high bit set on every
    byte but the last). Docs of a common term are close together and
    weights small, so a posting takes 2 bytes where fixed fields took 6;
    a rare term's first posting takes 2, its later ones 3 to 5.

    Both the writer (archive_index.c) and the reader (archive_search.c)
    go through here, so the layout is in one place.
*/
#ifndef ARCHIVE_POSTINGS_H_INCLUDED
#define ARCHIVE_POSTINGS_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

/* One posting: an archived item holding the term, and the term's weight
   there. */
typedef struct {
    uint32_t doc;
    uint32_t weight;
} archive_posting_t;

/* The doc id at the end of a chunk's key: 4 bytes, big-endian. */
uint32_t archive_key_doc (const unsigned char *bytes);
void archive_key_doc_put (uint32_t doc, unsigned char *bytes);

/* The most bytes one posting takes (two 32-bit varints). */
#define ARCHIVE_POSTING_BYTES_MAX 10

/* The weights a posting keeps: more is kept as this. */
#define ARCHIVE_WEIGHT_MAX 0xFFFF

/* Write the posting (doc, weight) that follows previous (the doc before
   it, or the chunk's first doc) to out (room for
   ARCHIVE_POSTING_BYTES_MAX); returns the bytes written. doc must not be
   below previous. */
size_t archive_posting_write (unsigned char *out, uint32_t previous, uint32_t doc, uint32_t weight);

/* Read the chunk (size bytes) whose key's doc is first into out, which
   has room for at most capacity postings. Returns how many it read, or
   -1 when the chunk is not a whole sequence of postings in doc order or
   holds more than capacity. */
long archive_postings_read (const unsigned char *chunk, size_t size, uint32_t first,
                            archive_posting_t *out, size_t capacity);

#endif
