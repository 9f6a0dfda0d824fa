/*  archive_text: folding and runs for the search index; see
    archive_text.h. */
#include "archive_text.h"

#include <stdlib.h>
#include <string.h>

#include "archive_fold_table.h"
#include "bs_utf8.h"

#define S_FOLD_COUNT (sizeof s_fold_pairs / sizeof s_fold_pairs[0])

uint32_t
archive_text_fold (uint32_t codepoint)
{
    if (codepoint >= 'A' && codepoint <= 'Z')
        return codepoint + ('a' - 'A');
    if (codepoint >= 0xFF10 && codepoint <= 0xFF5A) /* full-width digits and letters */
        return archive_text_fold (codepoint - 0xFEE0);
    if (codepoint < 0x3400)
        return codepoint;
    if (codepoint < 0x10000) {
        /* its row, if any, found by rank: the rows are in order, the ones
           below U+10000 first, a bit in s_fold_bmp each */
        uint32_t word = s_fold_bmp[codepoint / 32], bit = UINT32_C (1) << (codepoint % 32);
        if (!(word & bit))
            return codepoint; /* most characters: nothing folds them */
        return s_fold_pairs[s_fold_rank[codepoint / 32] + __builtin_popcount (word & (bit - 1))][1];
    }
    size_t low = 0, high = S_FOLD_COUNT;
    while (low < high) {
        size_t middle = (low + high) / 2;
        if (s_fold_pairs[middle][0] < codepoint)
            low = middle + 1;
        else
            high = middle;
    }
    return low < S_FOLD_COUNT && s_fold_pairs[low][0] == codepoint ? s_fold_pairs[low][1]
                                                                    : codepoint;
}

bool
archive_text_is_han (uint32_t codepoint)
{
    return codepoint == 0x3007 || (codepoint >= 0x3400 && codepoint <= 0x4DBF)
           || (codepoint >= 0x4E00 && codepoint <= 0x9FFF)
           || (codepoint >= 0xF900 && codepoint <= 0xFAFF)
           || (codepoint >= 0x20000 && codepoint <= 0x3134F);
}

static bool
s_is_word (uint32_t folded)
{
    return (folded >= 'a' && folded <= 'z') || (folded >= '0' && folded <= '9');
}

int
archive_text_decode (const char *text, size_t length, archive_text_t *self)
{
    memset (self, 0, sizeof *self);
    self->folded = malloc ((length + 1) * sizeof *self->folded);
    self->offsets = malloc ((length + 1) * sizeof *self->offsets);
    if (!self->folded || !self->offsets) {
        archive_text_release (self);
        return -1;
    }
    for (size_t at = 0, size; at < length; at += size) {
        size_t start = at;
        uint32_t codepoint = bs_utf8_decode (text + at, length - at, &size);
        if (codepoint == UINT32_MAX)
            codepoint = 0xFFFD; /* not UTF-8: a replacement character, which separates */
        self->offsets[self->count] = (uint32_t) start;
        self->folded[self->count++] = archive_text_fold (codepoint);
    }
    self->offsets[self->count] = (uint32_t) length;
    return 0;
}

void
archive_text_release (archive_text_t *self)
{
    free (self->folded);
    free (self->offsets);
    memset (self, 0, sizeof *self);
}

bool
archive_text_next_run (const archive_text_t *self, size_t *at, archive_run_t *run)
{
    size_t i = *at;
    while (i < self->count && !archive_text_is_han (self->folded[i]) && !s_is_word (self->folded[i]))
        i++;
    if (i == self->count) {
        *at = i;
        return false;
    }
    run->han = archive_text_is_han (self->folded[i]);
    run->first = i;
    while (i < self->count
           && (run->han ? archive_text_is_han (self->folded[i]) : s_is_word (self->folded[i])))
        i++;
    run->end = i;
    if (!run->han && run->end - run->first > ARCHIVE_WORD_MAX)
        run->end = run->first + ARCHIVE_WORD_MAX;
    *at = i;
    return true;
}

size_t
archive_text_term (const archive_text_t *self, size_t first, size_t end, char *buffer)
{
    size_t length = 0;
    for (size_t i = first; i < end; i++) {
        char bytes[4];
        size_t size = bs_utf8_encode (self->folded[i], bytes);
        if (length + size > ARCHIVE_TERM_MAX)
            return 0;
        memcpy (buffer + length, bytes, size);
        length += size;
    }
    buffer[length] = 0;
    return length;
}

bool
archive_text_matches (const archive_text_t *self, size_t first, const uint32_t *needle,
                      size_t length)
{
    return first + length <= self->count
           && memcmp (self->folded + first, needle, length * sizeof *needle) == 0;
}
