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

/* A three-byte character (U+0800..U+FFFF, most of Chinese) that the form
   keeps as it is: not noise, not a full-width form to fold. Its bytes are
   then copied as they are, which is what decoding, folding and encoding
   it would write. U+3040..U+FE2F (kana, the CJK ideographs, Hangul) are
   looked at first: one comparison for nearly every Chinese character.
   point is at least U+0800 (s_three's are). */
static inline bool
s_kept_as_is (uint32_t point)
{
    return point - 0x3040 < 0xFE30 - 0x3040
           || (point < 0x3000 && point - 0x2000 > 0x206F - 0x2000);
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

size_t
intake_fingerprint_normalize (const char *text, char *out, size_t size, size_t *chars)
{
    const unsigned char *bytes = (const unsigned char *) text;
    size_t left = strlen (text), used = 0, count = 0;
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
        uint32_t point = s_three (bytes, left);
        if (point && s_kept_as_is (point)) {
            /* A run of characters kept as they are, copied at once, as
               many as fit. */
            const unsigned char *next = bytes + 3, *end = bytes + left;
            for (;;) {
                /* e4..e9 with two continuation bytes: U+4000..U+9FFF, the
                   ideographs, kept (most of a Chinese text, so first) */
                if (end - next >= 3 && (unsigned) (next[0] - 0xE4) <= 0xE9 - 0xE4
                    && ((next[1] ^ 0x80) | (next[2] ^ 0x80)) < 0x40) {
                    next += 3;
                    continue;
                }
                point = s_three (next, (size_t) (end - next));
                if (!point || !s_kept_as_is (point))
                    break;
                next += 3;
            }
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
        if (point) {
            /* Punctuation, a full-width form or another three-byte
               character: s_normalize_one's, without decoding and
               encoding. */
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

bool
intake_fingerprint (const char *title, const char *body, char hex[INTAKE_FINGERPRINT_HEX])
{
    size_t title_size = strlen (title) + 1, body_size = strlen (body) + 1;
    char local[4096]; /* most reports' texts: no malloc a report */
    char *normal = title_size + body_size <= sizeof local ? local : malloc (title_size + body_size);
    if (!normal)
        return false;
    size_t chars;
    size_t title_length = intake_fingerprint_normalize (title, normal, title_size, NULL);
    size_t body_length =
        intake_fingerprint_normalize (body, normal + title_length + 1, body_size, &chars);
    bool enough = chars >= INTAKE_FINGERPRINT_MIN_CHARS;
    if (enough) {
        unsigned char hash[16];
        crypto_generichash (hash, sizeof hash, (const unsigned char *) normal,
                            title_length + 1 + body_length, NULL, 0);
        sodium_bin2hex (hex, INTAKE_FINGERPRINT_HEX, hash, sizeof hash);
    }
    if (normal != local)
        free (normal);
    return enough;
}
