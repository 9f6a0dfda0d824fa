/*  notices: a turn's notices for the feed; see notices.h. */
#include "notices.h"

#include <stdlib.h>
#include <string.h>

#include "bs_text.h"
#include "period.h"

/* A notice held: a unit's month changed (schema the changed one), or a
   record held as it is (packed). */
typedef struct {
    const bs_schema_t *schema;          /* what it is */
    size_t last;                        /* when last held: they go out in this order */
    char *unit;                         /* owned; NULL for a record */
    char period[STATISTICS_BUCKET_MAX]; /* "2026-12" */
    char source[BS_SRC_MAX];            /* the log that changed it */
    uint64_t seq;                       /* its last event that did */
    uint64_t at;                        /* that event's date; a record's */
    statistics_counters_t month;        /* the figures after it */
    char *packed;                       /* a record, encoded (owned) */
    size_t size;                        /* of packed */
} s_notice_t;

/* Notices in an array, the changes found by an open-addressing hash table
   of their indexes plus one (linear probing; a table at least twice the
   notices, so probes stay short). A turn of a batch holds one or a few,
   a turn catching up one per unit and month it met. */
struct statistics_notices {
    s_notice_t *notices;     /* held, in the order first held */
    size_t count, capacity;  /* notices held, room */
    uint32_t *slots;         /* index + 1 of a change; 0: empty */
    size_t slot_count;       /* a power of two */
    size_t held;             /* notices held this turn, counting those replaced */
    s_notice_t **order;      /* room to sort them for writing */
    msgpack_sbuffer encoded; /* a notice's bytes as it is written */
};

#define S_SLOTS_FIRST 64

statistics_notices_t *
statistics_notices_new (void)
{
    statistics_notices_t *self = calloc (1, sizeof *self);
    if (self)
        self->slots = calloc (S_SLOTS_FIRST, sizeof *self->slots);
    if (!self || !self->slots) {
        free (self);
        return NULL;
    }
    self->slot_count = S_SLOTS_FIRST;
    msgpack_sbuffer_init (&self->encoded);
    return self;
}

void
statistics_notices_forget (statistics_notices_t *self)
{
    for (size_t i = 0; i < self->count; i++) {
        free (self->notices[i].unit);
        free (self->notices[i].packed);
    }
    if (self->count)
        memset (self->slots, 0, self->slot_count * sizeof *self->slots);
    self->count = 0;
    self->held = 0;
}

void
statistics_notices_destroy (statistics_notices_t **self_p)
{
    statistics_notices_t *self = *self_p;
    if (!self)
        return;
    statistics_notices_forget (self);
    msgpack_sbuffer_destroy (&self->encoded);
    free (self->order);
    free (self->slots);
    free (self->notices);
    free (self);
    *self_p = NULL;
}

size_t
statistics_notices_count (const statistics_notices_t *self)
{
    return self->count;
}

/* The hash of a change's unit, month and source, each with its NUL. */
static uint32_t
s_hash (const char *unit, const char *period, const char *source)
{
    uint64_t hash = BS_TEXT_HASH;
    const char *parts[] = {unit, period, source};
    for (size_t p = 0; p < 3; p++)
        hash = bs_text_hash (hash, parts[p], strlen (parts[p]) + 1);
    return (uint32_t) hash;
}

/* A new notice at the end of the array; NULL when out of memory. */
static s_notice_t *
s_append (statistics_notices_t *self)
{
    if (self->count == self->capacity) {
        size_t capacity = self->capacity ? 2 * self->capacity : 16;
        s_notice_t *grown = realloc (self->notices, capacity * sizeof *grown);
        s_notice_t **order = grown ? realloc (self->order, capacity * sizeof *order) : NULL;
        if (grown)
            self->notices = grown;
        if (!order)
            return NULL;
        self->order = order;
        self->capacity = capacity;
    }
    s_notice_t *notice = &self->notices[self->count++];
    *notice = (s_notice_t){0};
    return notice;
}

/* Put index into the table at hash's first free slot. */
static void
s_slot_put (statistics_notices_t *self, uint32_t hash, size_t index)
{
    size_t mask = self->slot_count - 1;
    size_t slot = hash & mask;
    while (self->slots[slot])
        slot = (slot + 1) & mask;
    self->slots[slot] = (uint32_t) index + 1;
}

/* Twice the slots, every change put again. BS_E_SYSTEM when out of memory. */
static int
s_grow (statistics_notices_t *self)
{
    uint32_t *slots = calloc (2 * self->slot_count, sizeof *slots);
    if (!slots)
        return BS_E_SYSTEM;
    free (self->slots);
    self->slots = slots;
    self->slot_count *= 2;
    for (size_t i = 0; i < self->count; i++) {
        const s_notice_t *notice = &self->notices[i];
        if (notice->unit)
            s_slot_put (self, s_hash (notice->unit, notice->period, notice->source), i);
    }
    return BS_OK;
}

int
statistics_notices_changed (statistics_notices_t *self, const char *unit, const char *period,
                            const char *source, uint64_t seq, uint64_t event_at,
                            const statistics_counters_t *month)
{
    uint32_t hash = s_hash (unit, period, source);
    size_t mask = self->slot_count - 1;
    s_notice_t *notice = NULL;
    for (size_t slot = hash & mask; self->slots[slot]; slot = (slot + 1) & mask) {
        s_notice_t *held = &self->notices[self->slots[slot] - 1];
        if (strcmp (held->unit, unit) == 0 && strcmp (held->period, period) == 0
            && strcmp (held->source, source) == 0) {
            notice = held;
            break;
        }
    }
    if (!notice) {
        if (2 * (self->count + 1) > self->slot_count && s_grow (self) != BS_OK)
            return BS_E_SYSTEM;
        char *copy = strdup (unit);
        notice = copy ? s_append (self) : NULL;
        if (!notice) {
            free (copy);
            return BS_E_SYSTEM;
        }
        notice->schema = &bs_stats_changed_schema;
        notice->unit = copy;
        bs_text_copy (notice->period, sizeof notice->period, period);
        bs_text_copy (notice->source, sizeof notice->source, source);
        s_slot_put (self, hash, self->count - 1);
    }
    notice->last = self->held++;
    notice->seq = seq;
    notice->at = event_at;
    notice->month = *month;
    return BS_OK;
}

int
statistics_notices_record (statistics_notices_t *self, const bs_schema_t *schema,
                           const void *record, uint64_t at)
{
    msgpack_sbuffer packed;
    msgpack_sbuffer_init (&packed);
    int rc = bs_codec_encode_record (&packed, schema, record);
    s_notice_t *notice = rc == BS_OK ? s_append (self) : NULL;
    if (!notice) {
        msgpack_sbuffer_destroy (&packed);
        return rc == BS_OK ? BS_E_SYSTEM : rc;
    }
    notice->schema = schema;
    notice->last = self->held++;
    notice->at = at;
    notice->size = packed.size;
    notice->packed = msgpack_sbuffer_release (&packed); /* the notice's now */
    return BS_OK;
}

static int
s_by_last (const void *a, const void *b)
{
    size_t x = (*(s_notice_t *const *) a)->last, y = (*(s_notice_t *const *) b)->last;
    return x < y ? -1 : x > y;
}

/* Encode notice into self->encoded; its bytes there until the next. */
static int
s_encode (statistics_notices_t *self, const s_notice_t *notice)
{
    self->encoded.size = 0;
    bs_stats_changed_t changed = {
        .unit = notice->unit,
        .period = (char *) notice->period,
        .source = (char *) notice->source,
        .seq = notice->seq,
        .event_at = notice->at,
    };
    statistics_counters_to_changed (&notice->month, &changed);
    return bs_codec_encode_record (&self->encoded, &bs_stats_changed_schema, &changed);
}

int
statistics_notices_write (statistics_notices_t *self, bs_service_t *service, MDB_txn *txn)
{
    for (size_t i = 0; i < self->count; i++)
        self->order[i] = &self->notices[i];
    if (self->count > 1) /* a turn without notices has no order array yet */
        qsort (self->order, self->count, sizeof *self->order, s_by_last);
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < self->count; i++) {
        const s_notice_t *notice = self->order[i];
        const void *bytes = notice->packed;
        size_t size = notice->size;
        if (!notice->packed) {
            rc = s_encode (self, notice);
            bytes = self->encoded.data;
            size = self->encoded.size;
        }
        if (rc == BS_OK)
            rc = bs_service_emit_packed (service, txn, notice->schema, bytes, size, notice->at,
                                         NULL);
        if (rc == BS_OK)
            rc = bs_service_publish_packed (service, notice->schema, bytes, size);
    }
    statistics_notices_forget (self);
    return rc;
}
