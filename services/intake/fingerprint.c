/*  fingerprint: normalization and hash of a report's text; see
    fingerprint.h. */
#include "fingerprint.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Decode one UTF-8 character at text; its length goes to *length (0 at the
   end). Returns UINT32_MAX for a byte that starts no valid character. */
static uint32_t
s_decode (const unsigned char *text, size_t *length)
{
    unsigned char c = text[0];
    if (c == 0) {
        *length = 0;
        return 0;
    }
    *length = 1;
    if (c < 0x80)
        return c;
    size_t count = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (count == 0 || c >= 0xF8)
        return UINT32_MAX;
    uint32_t point = c & (0x7F >> count);
    for (size_t i = 1; i < count; i++) {
        if ((text[i] & 0xC0) != 0x80)
            return UINT32_MAX;
        point = (point << 6) | (text[i] & 0x3F);
    }
    *length = count;
    return point;
}

static size_t
s_encode (uint32_t point, char *out)
{
    if (point < 0x80) {
        out[0] = (char) point;
        return 1;
    }
    if (point < 0x800) {
        out[0] = (char) (0xC0 | (point >> 6));
        out[1] = (char) (0x80 | (point & 0x3F));
        return 2;
    }
    if (point < 0x10000) {
        out[0] = (char) (0xE0 | (point >> 12));
        out[1] = (char) (0x80 | ((point >> 6) & 0x3F));
        out[2] = (char) (0x80 | (point & 0x3F));
        return 3;
    }
    out[0] = (char) (0xF0 | (point >> 18));
    out[1] = (char) (0x80 | ((point >> 12) & 0x3F));
    out[2] = (char) (0x80 | ((point >> 6) & 0x3F));
    out[3] = (char) (0x80 | (point & 0x3F));
    return 4;
}

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

size_t
intake_fingerprint_normalize (const char *text, char *out, size_t size, size_t *chars)
{
    const unsigned char *at = (const unsigned char *) text;
    size_t used = 0, count = 0;
    while (*at) {
        size_t length;
        uint32_t point = s_decode (at, &length);
        at += length;
        if (point == UINT32_MAX)
            continue;
        if (point >= 0xFF01 && point <= 0xFF5E)
            point -= 0xFEE0; /* full-width ASCII */
        else if (point == 0x3000)
            point = ' ';
        if (point >= 'A' && point <= 'Z')
            point += 'a' - 'A';
        if (s_is_noise (point))
            continue;
        char bytes[4];
        size_t encoded = s_encode (point, bytes);
        if (used + encoded + 1 > size)
            break;
        memcpy (out + used, bytes, encoded);
        used += encoded;
        count++;
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
    char *normal = malloc (title_size + body_size);
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
    free (normal);
    return enough;
}
