/*  bs_utf8: single characters in UTF-8; see bs_utf8.h. */
#include "bs_utf8.h"

uint32_t
bs_utf8_decode (const char *text, size_t length, size_t *size)
{
    const unsigned char *bytes = (const unsigned char *) text;
    unsigned char lead = bytes[0];
    size_t count = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3
                                  : (lead & 0xF8) == 0xF0 ? 4
                                                          : 0;
    *size = 1;
    if (count == 0 || count > length)
        return UINT32_MAX;
    uint32_t codepoint = count == 1 ? lead : lead & (0x7F >> count);
    for (size_t i = 1; i < count; i++) {
        if ((bytes[i] & 0xC0) != 0x80)
            return UINT32_MAX;
        codepoint = (codepoint << 6) | (bytes[i] & 0x3F);
    }
    *size = count;
    return codepoint;
}

size_t
bs_utf8_encode (uint32_t codepoint, char *out)
{
    if (codepoint < 0x80) {
        out[0] = (char) codepoint;
        return 1;
    }
    if (codepoint < 0x800) {
        out[0] = (char) (0xC0 | (codepoint >> 6));
        out[1] = (char) (0x80 | (codepoint & 0x3F));
        return 2;
    }
    if (codepoint < 0x10000) {
        out[0] = (char) (0xE0 | (codepoint >> 12));
        out[1] = (char) (0x80 | ((codepoint >> 6) & 0x3F));
        out[2] = (char) (0x80 | (codepoint & 0x3F));
        return 3;
    }
    out[0] = (char) (0xF0 | (codepoint >> 18));
    out[1] = (char) (0x80 | ((codepoint >> 12) & 0x3F));
    out[2] = (char) (0x80 | ((codepoint >> 6) & 0x3F));
    out[3] = (char) (0x80 | (codepoint & 0x3F));
    return 4;
}

size_t
bs_utf8_characters (const char *text)
{
    size_t count = 0;
    for (const unsigned char *at = (const unsigned char *) text; *at; at++)
        count += (*at & 0xC0) != 0x80;
    return count;
}
