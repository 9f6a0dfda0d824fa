/*  bs_codec_reader: the reads of the decoder that are not inline (the
    heads of the rarer objects), the start of a reader over a frame, and a
    refused decode judged by the scan first; see bs_codec_reader.h.
*/
#include "bs_codec_reader.h"

bool
bs_codec_read_other (bs_codec_reader_t *reader, bs_codec_item_t *item, uint8_t tag)
{
    uint64_t value;
    switch (tag) {
    case 0xc4:
    case 0xc5:
    case 0xc6:
        return bs_codec_reader_take (reader, (size_t) 1 << (tag - 0xc4), &value)
               && bs_codec_reader_body (reader, item, MSGPACK_OBJECT_BIN, value);
    case 0xc7:
    case 0xc8:
    case 0xc9: /* ext: a length, a type byte, the data */
        item->type = MSGPACK_OBJECT_EXT;
        return bs_codec_reader_take (reader, (size_t) 1 << (tag - 0xc7), &value)
               && bs_codec_reader_left (reader) >= 1 && bs_codec_reader_pass (reader, 1 + value);
    case 0xca:
        item->type = MSGPACK_OBJECT_FLOAT32;
        return bs_codec_reader_pass (reader, 4);
    case 0xcb:
        item->type = MSGPACK_OBJECT_FLOAT64;
        return bs_codec_reader_pass (reader, 8);
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
        item->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        return bs_codec_reader_take (reader, (size_t) 1 << (tag - 0xcc), &item->number);
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: { /* a signed int: msgpack-c unpacks one that is not negative as positive */
        size_t width = (size_t) 1 << (tag - 0xd0);
        if (!bs_codec_reader_take (reader, width, &value))
            return false;
        bool negative = (value >> (8 * width - 1)) & 1;
        item->type = negative ? MSGPACK_OBJECT_NEGATIVE_INTEGER : MSGPACK_OBJECT_POSITIVE_INTEGER;
        item->number = negative ? 0 : value;
        return true;
    }
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8: /* fixext 1, 2, 4, 8, 16: a type byte, the data */
        item->type = MSGPACK_OBJECT_EXT;
        return bs_codec_reader_pass (reader, 1 + ((uint64_t) 1 << (tag - 0xd4)));
    case 0xd9:
    case 0xda:
    case 0xdb:
        return bs_codec_reader_take (reader, (size_t) 1 << (tag - 0xd9), &value)
               && bs_codec_reader_body (reader, item, MSGPACK_OBJECT_STR, value);
    case 0xdc:
    case 0xdd:
        return bs_codec_reader_take (reader, (size_t) 2 << (tag - 0xdc), &value)
               && bs_codec_reader_container (reader, item, MSGPACK_OBJECT_ARRAY, value);
    case 0xde:
    case 0xdf:
        return bs_codec_reader_take (reader, (size_t) 2 << (tag - 0xde), &value)
               && bs_codec_reader_container (reader, item, MSGPACK_OBJECT_MAP, value);
    default: /* 0xc1, never used in msgpack */
        return false;
    }
}

/* A reader over the frame (bytes, size) within limits; false when the
   frame is empty or larger than the limit, as the scan refuses it. */
bool
bs_codec_reader_start (bs_codec_reader_t *reader, const void *bytes, size_t size,
                       const bs_codec_limits_t *limits)
{
    if (!limits)
        limits = &bs_codec_default_limits;
    *reader = (bs_codec_reader_t){
        .next = bytes,
        .end = (const uint8_t *) bytes + size,
        .max_items = limits->max_items,
        .max_depth =
            limits->max_depth < BS_CODEC_DEPTH_CAP ? limits->max_depth : BS_CODEC_DEPTH_CAP,
    };
    return bytes && size > 0 && size <= limits->max_frame;
}

/* The decode of the frame (bytes, size) was refused with rc: the scan
   judges the bytes first, as when it ran before every decode. Its refusal
   if it has one, else rc with the decoder's error. A read the reader
   refused is always the scan's too (both check the same heads); should
   the scan pass such a frame, it is refused as malformed all the same. */
int
bs_codec_refused (const void *bytes, size_t size, const bs_codec_limits_t *limits, int rc,
                  bs_error_t *error)
{
    bs_error_t decoded;
    if (error)
        decoded = *error;
    int scanned = bs_codec_check (bytes, size, limits, error);
    if (scanned)
        return scanned;
    if (rc == BS_CODEC_UNREAD)
        return bs_error_set (error, BS_E_MALFORMED, "", "frame could not be read");
    if (error)
        *error = decoded;
    return rc;
}
