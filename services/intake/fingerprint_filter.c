/*  fingerprint_filter: a blocked Bloom filter of the fingerprints' whole
    index; see fingerprint_filter.h. */
#include "fingerprint_filter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_BLOCK 64                     /* bytes: one cache line */
#define S_BLOCK_WORDS (S_BLOCK / 8)    /* 512 bits */
#define S_KEYS_A_BLOCK 32              /* 16 bits a key */
#define S_PROBES 7                     /* bits a key sets, 9 bits of its first eight bytes each */
#define S_FIRST_MIN ((size_t) 1 << 18) /* keys the first part takes at least */
#define S_PARTS_MAX 40                 /* each twice the one before: never reached */

typedef struct {
    void *memory;     /* as allocated */
    uint64_t *blocks; /* in it, on a cache line's start */
    size_t mask;      /* blocks - 1, a power of two less one */
    size_t count;     /* keys added to this part */
    size_t capacity;  /* keys it takes */
} s_part_t;

struct fingerprint_filter {
    s_part_t parts[S_PARTS_MAX];
    size_t part_count; /* the last is the one keys are added to */
    size_t count;
    bool every_key; /* out of memory: answers "may hold" from then on */
};

/* A part for at least keys: zeroed blocks (calloc: the kernel's zero
   pages for a large one, touched as keys land). */
static bool
s_part_make (s_part_t *part, size_t keys)
{
    size_t blocks = 1;
    while (blocks * S_KEYS_A_BLOCK < keys)
        blocks <<= 1;
    part->memory = calloc (blocks + 1, S_BLOCK);
    if (!part->memory)
        return false;
    uintptr_t at = ((uintptr_t) part->memory + S_BLOCK - 1) & ~(uintptr_t) (S_BLOCK - 1);
    part->blocks = (uint64_t *) at;
    part->mask = blocks - 1;
    part->count = 0;
    part->capacity = blocks * S_KEYS_A_BLOCK;
    return true;
}

fingerprint_filter_t *
fingerprint_filter_new (size_t expected)
{
    fingerprint_filter_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (!s_part_make (&self->parts[0], expected > S_FIRST_MIN ? expected : S_FIRST_MIN)) {
        free (self);
        return NULL;
    }
    self->part_count = 1;
    return self;
}

void
fingerprint_filter_destroy (fingerprint_filter_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (size_t i = 0; i < (*self_p)->part_count; i++)
        free ((*self_p)->parts[i].memory);
    free (*self_p);
    *self_p = NULL;
}

/* The key's block in part, and its bits' word and place: the block by
   its last eight bytes, the bits by its first eight (a hash's bytes are
   as good as any). */
static uint64_t *
s_block (const s_part_t *part, const unsigned char *key)
{
    uint64_t last;
    memcpy (&last, key + 8, sizeof last);
    return part->blocks + (size_t) (last & part->mask) * S_BLOCK_WORDS;
}

static uint64_t
s_bits (const unsigned char *key)
{
    uint64_t first;
    memcpy (&first, key, sizeof first);
    return first;
}

void
fingerprint_filter_add (fingerprint_filter_t *self, const unsigned char key[FINGERPRINT_FILTER_KEY])
{
    if (!self || self->every_key)
        return;
    s_part_t *part = &self->parts[self->part_count - 1];
    if (part->count == part->capacity) {
        if (self->part_count == S_PARTS_MAX
            || !s_part_make (&self->parts[self->part_count], part->capacity * 2)) {
            self->every_key = true;
            return;
        }
        part = &self->parts[self->part_count++];
    }
    uint64_t *block = s_block (part, key), bits = s_bits (key);
    for (int i = 0; i < S_PROBES; i++, bits >>= 9)
        block[(bits & 511) >> 6] |= (uint64_t) 1 << (bits & 63);
    part->count++;
    self->count++;
}

bool
fingerprint_filter_may_hold (const fingerprint_filter_t *self,
                             const unsigned char key[FINGERPRINT_FILTER_KEY])
{
    if (!self || self->every_key)
        return true;
    for (size_t p = self->part_count; p-- > 0;) {
        const uint64_t *block = s_block (&self->parts[p], key);
        uint64_t bits = s_bits (key);
        int set = 0;
        for (int i = 0; i < S_PROBES; i++, bits >>= 9)
            set += (int) ((block[(bits & 511) >> 6] >> (bits & 63)) & 1);
        if (set == S_PROBES)
            return true;
    }
    return false;
}

size_t
fingerprint_filter_count (const fingerprint_filter_t *self)
{
    return self->count;
}

size_t
fingerprint_filter_parts (const fingerprint_filter_t *self)
{
    return self->part_count;
}
