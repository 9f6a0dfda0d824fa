/*  fingerprint: the content fingerprint that finds one report arriving by
    two channels (mailed and phoned in, keyed in twice).

    The fingerprint covers title and body: two reports of one unit may
    share a body (a standard paragraph, a routine notice) and still be
    different reports, told apart by their titles; a unit sending the same
    report twice sends both. Each is normalized:
      - full-width ASCII (U+FF01..U+FF5E) becomes ASCII, the ideographic
        space (U+3000) a space, as NFKC would fold them;
      - ASCII letters become lower case;
      - whitespace (ASCII, U+00A0, U+3000, U+2000..U+200B), ASCII
        punctuation and symbols, CJK punctuation (U+3001..U+303F), general
        punctuation (U+2010..U+206F), CJK compatibility forms (U+FE30..U+FE4F),
        small form variants (U+FE50..U+FE6F), half-width CJK punctuation
        (U+FF61..U+FF65) and the middle dot (U+00B7) are removed;
      - everything else (Chinese characters, letters, digits) is kept.
    A transcription that differs only in spacing, punctuation or full-width
    digits therefore has the same fingerprint.

    The fingerprint is BLAKE2b-128 of the normalized title, a NUL and the
    normalized body, in hex. A body
    that normalizes to fewer than INTAKE_FINGERPRINT_MIN_CHARS characters
    ("見附件") has none: short texts are too often the same by chance.
*/
#ifndef INTAKE_FINGERPRINT_H_INCLUDED
#define INTAKE_FINGERPRINT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#define INTAKE_FINGERPRINT_MIN_CHARS 10
#define INTAKE_FINGERPRINT_HEX 33 /* 32 hex digits and the NUL */

/* Write the normalized form of text (UTF-8) to out, which holds size bytes
   (strlen (text) + 1 always suffices: the form is never longer). Returns
   its length in bytes; *chars (if not NULL) gets its length in characters.
   Bytes that are not UTF-8 are dropped. */
size_t intake_fingerprint_normalize (const char *text, char *out, size_t size, size_t *chars);

/* The fingerprint of title and body into hex; false when the body is too
   short to have one (or out of memory). */
bool intake_fingerprint (const char *title, const char *body, char hex[INTAKE_FINGERPRINT_HEX]);

#endif
