/*  bs_codec_reader: what the files that decode share (bs_codec_decode.c,
    records through the schema; bs_codec_message.c, envelopes and the
    messages around records): the reader, which takes the bytes of a frame
    one object's head at a time, each head checked as the scan
    (bs_codec_scan.c) checks it, and the decode of a record's map. Only
    those files include it; the reads a record is mostly made of are
    inline, so each decoder reads where it stands.
*/
#ifndef BS_CODEC_READER_H_INCLUDED
#define BS_CODEC_READER_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bs_codec.h"

/*  The reader: the bytes read in order, one object's head at a time,
    each head checked as the scan checks it. Objects are typed as msgpack-c
    types them (msgpack_object_type), so the refusals are those of the
    object tree the decoder once walked: an int of any width that is not
    negative is a POSITIVE_INTEGER, as msgpack-c unpacks it.

    A reader is copied by value to read ahead (a list's types, the
    envelope's "data" read later): the copy counts the objects it reads
    from the count at the copy, so each copy's count is the scan's count
    at the same byte, and stays within the limit where the scan's does. */

typedef struct {
    const uint8_t *next; /* the next byte to read */
    const uint8_t *end;  /* the end of the frame */
    size_t items;        /* objects read, the scan's count at next */
    size_t max_items;    /* most objects allowed */
    size_t depth;        /* containers around the next object */
    size_t max_depth;    /* deepest nesting allowed, at most BS_CODEC_DEPTH_CAP */
} bs_codec_reader_t;

typedef struct {
    msgpack_object_type type; /* what the object is */
    uint64_t number;          /* a POSITIVE_INTEGER's value, a BOOLEAN's (0, 1), a STR's and
                                 a BIN's size, an ARRAY's count, a MAP's entries */
    const char *body;         /* a STR's or a BIN's bytes, in the frame */
} bs_codec_item_t;

/* Not a code a caller sees: a read the reader refused, as the scan
   refuses it; the scan then says why. */
#define BS_CODEC_UNREAD (-1)

static inline size_t
bs_codec_reader_left (const bs_codec_reader_t *reader)
{
    return (size_t) (reader->end - reader->next);
}

/* The big-endian unsigned integer of width bytes at the reader, passed;
   false when fewer bytes are left. */
static inline bool
bs_codec_reader_take (bs_codec_reader_t *reader, size_t width, uint64_t *value)
{
    if (width > bs_codec_reader_left (reader))
        return false;
    const uint8_t *bytes = reader->next;
    reader->next += width;
    switch (width) {
    case 1:
        *value = bytes[0];
        break;
    case 2:
        *value = (uint64_t) bytes[0] << 8 | bytes[1];
        break;
    case 4:
        *value = (uint64_t) bytes[0] << 24 | (uint64_t) bytes[1] << 16 | (uint64_t) bytes[2] << 8
                 | bytes[3];
        break;
    default:
        *value = (uint64_t) bytes[0] << 56 | (uint64_t) bytes[1] << 48 | (uint64_t) bytes[2] << 40
                 | (uint64_t) bytes[3] << 32 | (uint64_t) bytes[4] << 24 | (uint64_t) bytes[5] << 16
                 | (uint64_t) bytes[6] << 8 | bytes[7];
    }
    return true;
}

/* Pass size bytes (a float's, an ext's); false when fewer are left. */
static inline bool
bs_codec_reader_pass (bs_codec_reader_t *reader, uint64_t size)
{
    if (size > bs_codec_reader_left (reader))
        return false;
    reader->next += size;
    return true;
}

/* A STR or a BIN of size bytes whose body is at the reader: passed. */
static inline bool
bs_codec_reader_body (bs_codec_reader_t *reader, bs_codec_item_t *item, msgpack_object_type type,
                      uint64_t size)
{
    item->type = type;
    item->number = size;
    item->body = (const char *) reader->next;
    return bs_codec_reader_pass (reader, size);
}

/* An ARRAY of count elements or a MAP of count entries: within the depth
   and no more than the bytes left can hold (an element takes at least a
   byte, an entry two), so nothing is allocated for a count that lies. */
static inline bool
bs_codec_reader_container (bs_codec_reader_t *reader, bs_codec_item_t *item,
                           msgpack_object_type type, uint64_t count)
{
    item->type = type;
    item->number = count;
    if (reader->depth >= reader->max_depth)
        return false;
    return type == MSGPACK_OBJECT_ARRAY ? count <= bs_codec_reader_left (reader)
                                        : count <= bs_codec_reader_left (reader) / 2;
}

/* Read the head of the object at the reader into item; false when the
   scan would refuse it. A scalar (a string's body, an ext's data
   included) is passed whole; an ARRAY's or a MAP's elements come next,
   read one by one or passed by bs_codec_skip_inside. */
bool bs_codec_read_other (bs_codec_reader_t *reader, bs_codec_item_t *item, uint8_t tag);

/* The heads a record is mostly made of (small numbers and strings, maps,
   nil, bool) here, inlined where the decoder reads; the others aside. */
static inline bool
bs_codec_read (bs_codec_reader_t *reader, bs_codec_item_t *item)
{
    if (reader->next == reader->end || ++reader->items > reader->max_items)
        return false;
    uint8_t tag = *reader->next++;
    item->number = 0;
    if (tag <= 0x7f) { /* positive fixint */
        item->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        item->number = tag;
        return true;
    }
    if (tag >= 0xe0) { /* negative fixint */
        item->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
        return true;
    }
    if (tag <= 0x8f)
        return bs_codec_reader_container (reader, item, MSGPACK_OBJECT_MAP, tag & 0x0f);
    if (tag <= 0x9f)
        return bs_codec_reader_container (reader, item, MSGPACK_OBJECT_ARRAY, tag & 0x0f);
    if (tag <= 0xbf)
        return bs_codec_reader_body (reader, item, MSGPACK_OBJECT_STR, tag & 0x1f);
    if (tag == 0xc0) {
        item->type = MSGPACK_OBJECT_NIL;
        return true;
    }
    if (tag == 0xc2 || tag == 0xc3) {
        item->type = MSGPACK_OBJECT_BOOLEAN;
        item->number = tag == 0xc3;
        return true;
    }
    return bs_codec_read_other (reader, item, tag);
}

/* The objects inside item after its head: an ARRAY's elements, a MAP's
   keys and values; none for any other object. */
static inline uint64_t
bs_codec_inside (const bs_codec_item_t *item)
{
    return item->type == MSGPACK_OBJECT_ARRAY ? item->number
           : item->type == MSGPACK_OBJECT_MAP ? 2 * item->number
                                              : 0;
}

/* Pass what item holds after its head, however deep: a count of objects
   left at each level open (no recursion), the levels within the depth
   the reads check. false when a read is refused. */
static inline bool
bs_codec_skip_inside (bs_codec_reader_t *reader, const bs_codec_item_t *item)
{
    if (item->type != MSGPACK_OBJECT_ARRAY && item->type != MSGPACK_OBJECT_MAP)
        return true;
    uint64_t left[BS_CODEC_DEPTH_CAP];
    size_t open = 0;
    left[open++] = bs_codec_inside (item);
    reader->depth++;
    while (open > 0) {
        if (left[open - 1] == 0) {
            open--;
            reader->depth--;
            continue;
        }
        left[open - 1]--;
        bs_codec_item_t inner;
        if (!bs_codec_read (reader, &inner))
            return false;
        if (inner.type == MSGPACK_OBJECT_ARRAY || inner.type == MSGPACK_OBJECT_MAP) {
            left[open++] = bs_codec_inside (&inner);
            reader->depth++;
        }
    }
    return true;
}

static inline bool
bs_codec_key_is (const bs_codec_item_t *key, const char *name, size_t length)
{
    return key->type == MSGPACK_OBJECT_STR && key->number == length
           && memcmp (key->body, name, length) == 0;
}

/* A key name literal and its length, for bs_codec_key_is. */
#define BS_CODEC_KEY(literal) literal, sizeof literal - 1

/* Decode a record's map (object, its head read) into a zeroed record,
   reading its entries (bs_codec_decode.c). On failure the record may
   hold some owned members; the public caller frees it. Errors name the
   exact field ("items[2].title"). */
int bs_codec_decode_map (bs_codec_reader_t *reader, const bs_codec_item_t *object,
                         const bs_schema_t *schema, void *record, bs_error_t *error);

/* A reader over the frame (bytes, size) within limits; false when the
   frame is empty or larger than the limit, as the scan refuses it. */
bool bs_codec_reader_start (bs_codec_reader_t *reader, const void *bytes, size_t size,
                            const bs_codec_limits_t *limits);

/* The decode of the frame (bytes, size) was refused with rc: the scan
   judges the bytes first, as when it ran before every decode. Its refusal
   if it has one, else rc with the decoder's error. A read the reader
   refused is always the scan's too (both check the same heads); should
   the scan pass such a frame, it is refused as malformed all the same. */
int bs_codec_refused (const void *bytes, size_t size, const bs_codec_limits_t *limits, int rc,
                      bs_error_t *error);

#endif
