/*  bs_utf8: one character at a time, UTF-8 to code point and back.

    For code that walks text character by character (search terms,
    folding); whole strings are checked with bs_codec_utf8_valid.
    Leaf: no other class of common/ is used.
*/
#ifndef BS_UTF8_H_INCLUDED
#define BS_UTF8_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

/* The code point that starts the length bytes at text, its size in
   *size; UINT32_MAX with *size 1 when they do not start well-formed
   UTF-8 (length 0 is the caller's mistake). */
uint32_t bs_utf8_decode (const char *text, size_t length, size_t *size);

/* Write code point (<= U+10FFFF) as UTF-8 into out (4 bytes at least);
   the bytes written. */
size_t bs_utf8_encode (uint32_t codepoint, char *out);

/* The characters of a NUL-terminated UTF-8 text, as a person counts
   them (李 is one, not three bytes): the bytes that do not continue a
   character (so a byte that is not UTF-8 counts as one). */
size_t bs_utf8_characters (const char *text);

#endif
