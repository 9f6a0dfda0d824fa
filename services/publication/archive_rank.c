/*  archive_rank: candidates best first from a binary heap; see
    archive_rank.h. */
#include "archive_rank.h"

bool
archive_rank_before (const archive_candidate_t *a, const archive_candidate_t *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    return a->doc > b->doc;
}

/* Move items[at] down until neither child ranks before it. */
static void
s_sift_down (archive_candidate_t *items, size_t count, size_t at)
{
    archive_candidate_t moving = items[at];
    for (;;) {
        size_t child = 2 * at + 1;
        if (child >= count)
            break;
        if (child + 1 < count && archive_rank_before (&items[child + 1], &items[child]))
            child++;
        if (!archive_rank_before (&items[child], &moving))
            break;
        items[at] = items[child];
        at = child;
    }
    items[at] = moving;
}

void
archive_rank_start (archive_rank_t *self, archive_candidate_t *items, size_t count)
{
    self->items = items;
    self->count = count;
    for (size_t at = count / 2; at-- > 0;)
        s_sift_down (items, count, at);
}

bool
archive_rank_next (archive_rank_t *self, archive_candidate_t *next)
{
    if (self->count == 0)
        return false;
    *next = self->items[0];
    self->items[0] = self->items[--self->count];
    if (self->count > 1)
        s_sift_down (self->items, self->count, 0);
    return true;
}
