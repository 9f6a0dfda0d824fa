/*  archive_postings: a chunk of postings as varints; see
    archive_postings.h. */
#include "archive_postings.h"

#include <stdbool.h>

static size_t
s_varint_write (unsigned char *out, uint32_t value)
{
    size_t used = 0;
    while (value >= 0x80) {
        out[used++] = (unsigned char) (value | 0x80);
        value >>= 7;
    }
    out[used++] = (unsigned char) value;
    return used;
}

/* One varint from *at (before end) into *value; false when the bytes end
   first or it is longer than a 32-bit value takes. */
static bool
s_varint_read (const unsigned char **at, const unsigned char *end, uint32_t *value)
{
    uint64_t result = 0;
    for (unsigned shift = 0; shift < 35 && *at < end; shift += 7) {
        unsigned char byte = *(*at)++;
        result |= (uint64_t) (byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            *value = (uint32_t) result;
            return result <= UINT32_MAX;
        }
    }
    return false;
}

size_t
archive_posting_write (unsigned char *out, uint32_t previous, uint32_t doc, uint32_t weight)
{
    size_t used = s_varint_write (out, doc - previous);
    return used
           + s_varint_write (out + used, weight > ARCHIVE_WEIGHT_MAX ? ARCHIVE_WEIGHT_MAX : weight);
}

long
archive_postings_read (const unsigned char *chunk, size_t size, uint32_t first,
                       archive_posting_t *out, size_t capacity)
{
    const unsigned char *at = chunk, *end = chunk + size;
    uint32_t doc = first;
    size_t count = 0;
    while (at < end) {
        uint32_t distance, weight;
        if (count == capacity || !s_varint_read (&at, end, &distance)
            || !s_varint_read (&at, end, &weight) || (count > 0 && distance == 0)
            || distance > UINT32_MAX - doc)
            return -1;
        doc += distance;
        out[count++] = (archive_posting_t){doc, weight};
    }
    return (long) count;
}

uint32_t
archive_key_doc (const unsigned char *bytes)
{
    return (uint32_t) bytes[0] << 24 | (uint32_t) bytes[1] << 16 | (uint32_t) bytes[2] << 8
           | bytes[3];
}

void
archive_key_doc_put (uint32_t doc, unsigned char *bytes)
{
    bytes[0] = (unsigned char) (doc >> 24);
    bytes[1] = (unsigned char) (doc >> 16);
    bytes[2] = (unsigned char) (doc >> 8);
    bytes[3] = (unsigned char) doc;
}
