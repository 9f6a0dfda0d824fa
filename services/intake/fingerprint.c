/*  fingerprint: normalization and hash of a report's text; see
    fingerprint.h. */
#include "fingerprint.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bs_utf8.h"

/* Whether a (folded) character carries no content: space or punctuation. */
static bool
s_is_noise (uint32_t point)
{
    if (point < 0x80)
        return !((point >= '0' && point <= '9') || (point >= 'a' && point <= 'z')
                 || (point >= 'A' && point <= 'Z'));
    return point == 0xA0 || point == 0xB7 || (point >= 0x2000 && point <= 0x206F)
           || (point >= 0x3000 && point <= 0x303F) || (point >= 0xFE30 && point <= 0xFE6F)
           || (point >= 0xFF61 && point <= 0xFF65) || point == 0xFEFF;
}

/* The code point of a three-byte character at bytes (left of them) whose
   lead byte is e1..ef, or 0 when none starts there. bs_utf8_decode reads
   such bytes as that point (U+1000..U+FFFF) and bs_utf8_encode writes it
   as the same three bytes, so it can be copied or dropped without either;
   e0 (where bs_utf8_decode also takes overlong forms) is left to
   s_normalize_one. */
static inline uint32_t
s_three (const unsigned char *bytes, size_t left)
{
    if (left < 3 || (unsigned) (bytes[0] - 0xE1) > 0xEF - 0xE1
        || ((bytes[1] ^ 0x80) | (bytes[2] ^ 0x80)) >= 0x40)
        return 0;
    return (uint32_t) (bytes[0] & 0x0F) << 12 | (uint32_t) (bytes[1] & 0x3F) << 6
           | (bytes[2] & 0x3F);
}

/* Whether an ideograph U+4000..U+9FFF starts at bytes (left of them):
   a lead e4..e9 and two continuation bytes. */
static inline bool
s_ideograph (const unsigned char *bytes, size_t left)
{
    return left >= 3 && (unsigned) (bytes[0] - 0xE4) <= 0xE9 - 0xE4
           && ((bytes[1] ^ 0x80) | (bytes[2] ^ 0x80)) < 0x40;
}

/* Whether two ideographs start at bytes, read as one little-endian
   number (of which eight bytes are there): each lead 1110xxxx with
   its low half 4..9 (a half plus 0x7c reaches 0x80 when it is 4 or
   more, plus 0x76 when it is 10 or more, no byte carrying into the
   next), each continuation 10xxxxxx. */
static inline bool
s_two_ideographs (const unsigned char *bytes)
{
    uint64_t eight = (uint64_t) bytes[0] | (uint64_t) bytes[1] << 8 | (uint64_t) bytes[2] << 16
                     | (uint64_t) bytes[3] << 24 | (uint64_t) bytes[4] << 32
                     | (uint64_t) bytes[5] << 40 | (uint64_t) bytes[6] << 48
                     | (uint64_t) bytes[7] << 56;
    uint64_t halves = eight & 0x0f00000full;
    uint64_t four_up = halves + 0x7c00007cull, ten_up = halves + 0x76000076ull;
    return (eight & 0x0000c0c0f0c0c0f0ull) == 0x00008080e08080e0ull
           && (four_up & ~ten_up & 0x80000080ull) == 0x80000080ull;
}

/* One character at text (left bytes) into out (used of size): the general
   path, for whatever s_three does not take. Returns the bytes read;
   *written the bytes written (0: noise, dropped, or no room: *full). */
static size_t
s_normalize_one (const char *text, size_t left, char *out, size_t size, size_t *written,
                 bool *full)
{
    size_t length;
    uint32_t point = bs_utf8_decode (text, left, &length);
    *written = 0;
    if (point == UINT32_MAX)
        return length;
    if (point >= 0xFF01 && point <= 0xFF5E)
        point -= 0xFEE0; /* full-width ASCII */
    else if (point == 0x3000)
        point = ' ';
    if (point >= 'A' && point <= 'Z')
        point += 'a' - 'A';
    if (s_is_noise (point))
        return length;
    char bytes[4];
    size_t encoded = bs_utf8_encode (point, bytes);
    if (encoded + 1 > size) {
        *full = true;
        return length;
    }
    memcpy (out, bytes, encoded);
    *written = encoded;
    return length;
}

/* ASCII's normal form: a letter (lower case) or a digit, or 0 (noise). */
static inline char
s_ascii_kept (unsigned char one)
{
    if (one >= 'A' && one <= 'Z')
        one += 'a' - 'A';
    return (one >= '0' && one <= '9') || (one >= 'a' && one <= 'z') ? (char) one : 0;
}

/* intake_fingerprint_normalize of the first text_length bytes of text. */
static size_t
s_normalize (const char *text, size_t text_length, char *out, size_t size, size_t *chars)
{
    const unsigned char *bytes = (const unsigned char *) text;
    size_t left = text_length, used = 0, count = 0;
    bool full = false;
    while (left && !full) {
        /* ASCII: a letter (lower case) or a digit is kept, the rest is
           noise (s_normalize_one's, without decoding and encoding). */
        if (bytes[0] < 0x80) {
            char one = s_ascii_kept (bytes[0]);
            if (one) {
                if (used + 1 + 1 > size)
                    break;
                out[used++] = one;
                count++;
            }
            bytes++;
            left--;
            continue;
        }
        /* e4..e9 with two continuation bytes: U+4000..U+9FFF, the
           ideographs, kept as they are (most of a Chinese text, so first):
           a run of them copied at once, as many as fit, which is what
           decoding, folding and encoding each would write. The run is
           read two at a time (six of eight bytes), then one: a text's
           runs are short, punctuation every few characters. */
        if (s_ideograph (bytes, left)) {
            const unsigned char *next = bytes + 3, *end = bytes + left;
            while (end - next >= 8 && s_two_ideographs (next))
                next += 6;
            while (s_ideograph (next, (size_t) (end - next)))
                next += 3;
            size_t run = (size_t) (next - bytes);
            size_t room = size > used ? (size - used - 1) / 3 * 3 : 0;
            size_t copied = run < room ? run : room;
            memcpy (out + used, bytes, copied);
            used += copied;
            count += copied / 3;
            if (copied < run)
                break;
            bytes += run;
            left -= run;
            continue;
        }
        uint32_t point = s_three (bytes, left);
        if (point) {
            /* Punctuation, a full-width form or another three-byte
               character: s_normalize_one's, without decoding and
               encoding (a character kept is copied as it is). */
            if (point >= 0xFF01 && point <= 0xFF5E) {
                char one = s_ascii_kept ((unsigned char) (point - 0xFEE0));
                if (one) {
                    if (used + 1 + 1 > size)
                        break;
                    out[used++] = one;
                    count++;
                }
            } else if (!s_is_noise (point)) {
                if (used + 3 + 1 > size)
                    break;
                memcpy (out + used, bytes, 3);
                used += 3;
                count++;
            }
            bytes += 3;
            left -= 3;
            continue;
        }
        size_t written;
        size_t length =
            s_normalize_one ((const char *) bytes, left, out + used, size - used, &written, &full);
        bytes += length;
        left -= length;
        used += written;
        count += written > 0;
    }
    if (size)
        out[used] = 0;
    if (chars)
        *chars = count;
    return used;
}

size_t
intake_fingerprint_normalize (const char *text, char *out, size_t size, size_t *chars)
{
    return s_normalize (text, strlen (text), out, size, chars);
}

/* bytes (size of them) in hex, as sodium_bin2hex writes them (lower
   case, a NUL after), without its care to take the same time whatever
   the bytes: a fingerprint is no secret. */
static void
s_hex (const unsigned char *bytes, size_t size, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < size; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
    hex[2 * size] = 0;
}

bool
intake_fingerprint (const char *title, const char *body, char hex[INTAKE_FINGERPRINT_HEX])
{
    size_t title_length = strlen (title), body_length = strlen (body);
    size_t title_size = title_length + 1, body_size = body_length + 1;
    char local[4096]; /* most reports' texts: no malloc a report */
    char *normal = title_size + body_size <= sizeof local ? local : malloc (title_size + body_size);
    if (!normal)
        return false;
    size_t chars;
    size_t title_form = s_normalize (title, title_length, normal, title_size, NULL);
    size_t body_form = s_normalize (body, body_length, normal + title_form + 1, body_size, &chars);
    bool enough = chars >= INTAKE_FINGERPRINT_MIN_CHARS;
    if (enough) {
        unsigned char hash[16];
        _Static_assert (2 * sizeof hash + 1 == INTAKE_FINGERPRINT_HEX, "a hash's hex and its NUL");
        crypto_generichash (hash, sizeof hash, (const unsigned char *) normal,
                            title_form + 1 + body_form, NULL, 0);
        s_hex (hash, sizeof hash, hex);
    }
    if (normal != local)
        free (normal);
    return enough;
}
