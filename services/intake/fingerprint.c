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

size_t
intake_fingerprint_normalize (const char *text, char *out, size_t size, size_t *chars)
{
    size_t left = strlen (text), used = 0, count = 0;
    while (left) {
        size_t length;
        uint32_t point = bs_utf8_decode (text, left, &length);
        text += length;
        left -= length;
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
        size_t encoded = bs_utf8_encode (point, bytes);
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
