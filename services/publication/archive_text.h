/*  archive_text: the text of archived items as the search index sees it:
    characters folded so that spellings a reader takes for the same match,
    and cut into runs from which the index terms are made (archive.h).

    Folding (archive_text_fold), one character to one character, so a
    position in folded text is a position in the original:
      - Traditional Chinese to Simplified (發 and 髮 -> 发, 國 -> 国), from
        the table generated at build time from OpenCC's data
        (generate/fold_table.c), so a query in either script finds both;
      - full-width Latin letters and digits to ASCII (Ａ１ -> a1);
      - upper-case ASCII to lower case.

    Runs: a run of Chinese characters (han), or a word of ASCII letters and
    digits (its first ARCHIVE_WORD_MAX characters count). Everything else
    (spaces, punctuation, other scripts) separates runs.

    Terms, as the index stores them: in a han run of n characters, each
    pair of neighbours (a bigram) and the last character alone (so one
    character's every occurrence is either the first of a bigram or a run's
    last character); a word is one term. Terms are the UTF-8 of folded
    characters, at most ARCHIVE_TERM_MAX bytes.

    Leaf file: archive.c uses it; it uses only the generated table.
*/
#ifndef ARCHIVE_TEXT_H_INCLUDED
#define ARCHIVE_TEXT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARCHIVE_WORD_MAX 32 /* characters of a word that count */
#define ARCHIVE_TERM_MAX 32 /* bytes of a term */

/* A text decoded and folded: folded[i] is the i-th character, at byte
   offsets[i] of the original; offsets[count] is the original's length.
   A byte that is not UTF-8 is one character U+FFFD (it separates runs). */
typedef struct {
    uint32_t *folded;  /* count characters (malloc'd) */
    uint32_t *offsets; /* count + 1 offsets (malloc'd) */
    size_t count;
} archive_text_t;

/* A run of text: characters [first, end). */
typedef struct {
    bool han;     /* Chinese characters; else an ASCII word */
    size_t first; /* index of its first character */
    size_t end;   /* one past its last */
} archive_run_t;

/* The folded form of one character (itself when nothing folds it). */
uint32_t archive_text_fold (uint32_t codepoint);

/* Whether codepoint is a Chinese character (CJK ideograph or 〇). */
bool archive_text_is_han (uint32_t codepoint);

/* Decode and fold length bytes of text into *self. 0, or -1 when out of
   memory. Release with archive_text_release. */
int archive_text_decode (const char *text, size_t length, archive_text_t *self);
void archive_text_release (archive_text_t *self);

/* The next run starting at character *at or after; *at moves past it.
   false when there is none. A word run is cut to ARCHIVE_WORD_MAX
   characters (its rest is skipped). */
bool archive_text_next_run (const archive_text_t *self, size_t *at, archive_run_t *run);

/* The term made of characters [first, end) of self: UTF-8 into buffer
   (ARCHIVE_TERM_MAX + 1 bytes, NUL-terminated); its length, 0 when it
   does not fit. */
size_t archive_text_term (const archive_text_t *self, size_t first, size_t end, char *buffer);

/* Whether characters [first, first + length) of self are needle. */
bool archive_text_matches (const archive_text_t *self, size_t first, const uint32_t *needle,
                           size_t length);

#endif
