/*  reports: the kept reports met lately; see reports.h. */
#include "reports.h"

#include <stdlib.h>
#include <string.h>

#include "bs_store.h"

#define S_ENTRIES 8192 /* a power of two: report id r is kept at r mod S_ENTRIES */
#define S_STRINGS 5    /* unit, channel, kind, topic, officer */
#define S_NULL UINT16_MAX

typedef struct {
    uint64_t report_id; /* 0: none */
    size_t txnid;       /* 0: committed; else the transaction it was kept in (pending) */
    uint64_t received_at;
    uint16_t lengths[S_STRINGS]; /* S_NULL: NULL */
    char bytes[STATISTICS_REPORT_BYTES];
} s_entry_t;

struct statistics_reports {
    s_entry_t *entries; /* S_ENTRIES */
    uint32_t *pending;  /* S_ENTRIES: the places of the entries pending */
    size_t pending_count;
    MDB_env *env; /* the store's, met with the first entry kept */
};

statistics_reports_t *
statistics_reports_new (void)
{
    statistics_reports_t *self = calloc (1, sizeof *self);
    if (self) {
        self->entries = calloc (S_ENTRIES, sizeof *self->entries);
        self->pending = calloc (S_ENTRIES, sizeof *self->pending);
    }
    if (self && (!self->entries || !self->pending))
        statistics_reports_destroy (&self);
    return self;
}

void
statistics_reports_destroy (statistics_reports_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->entries);
    free ((*self_p)->pending);
    free (*self_p);
    *self_p = NULL;
}

/* The report's strings, in order. */
static void
s_strings (const bs_stats_report_t *report, const char *strings[S_STRINGS])
{
    strings[0] = report->unit;
    strings[1] = report->channel;
    strings[2] = report->kind;
    strings[3] = report->topic;
    strings[4] = report->officer;
}

bool
statistics_reports_keep (statistics_reports_t *self, MDB_txn *txn, uint64_t report_id,
                         const bs_stats_report_t *report)
{
    if (!report_id)
        return false;
    const char *strings[S_STRINGS];
    s_strings (report, strings);
    uint16_t lengths[S_STRINGS];
    size_t used = 0;
    for (int i = 0; i < S_STRINGS; i++) {
        size_t length = strings[i] ? strlen (strings[i]) : 0;
        if (length >= S_NULL || used + length + 1 > STATISTICS_REPORT_BYTES)
            return false;
        lengths[i] = strings[i] ? (uint16_t) length : S_NULL;
        used += length + 1;
    }
    size_t place = report_id & (S_ENTRIES - 1);
    s_entry_t *entry = &self->entries[place];
    if (entry->report_id == 0 || entry->txnid == 0)
        self->pending[self->pending_count++] = (uint32_t) place; /* not pending yet */
    entry->report_id = report_id;
    entry->txnid = mdb_txn_id (txn);
    entry->received_at = report->received_at;
    memcpy (entry->lengths, lengths, sizeof lengths);
    char *at = entry->bytes;
    for (int i = 0; i < S_STRINGS; i++) {
        size_t length = lengths[i] == S_NULL ? 0 : lengths[i];
        memcpy (at, strings[i] ? strings[i] : "", length);
        at[length] = 0;
        at += length + 1;
    }
    self->env = mdb_txn_env (txn);
    return true;
}

bool
statistics_reports_find (statistics_reports_t *self, MDB_txn *txn, uint64_t report_id,
                         statistics_report_t *copy)
{
    const s_entry_t *entry = &self->entries[report_id & (S_ENTRIES - 1)];
    if (!report_id || entry->report_id != report_id
        || (entry->txnid && entry->txnid != mdb_txn_id (txn)))
        return false;
    size_t used = 0;
    for (int i = 0; i < S_STRINGS; i++)
        used += (entry->lengths[i] == S_NULL ? 0 : entry->lengths[i]) + 1;
    memcpy (copy->bytes, entry->bytes, used);
    char *strings[S_STRINGS];
    char *at = copy->bytes;
    for (int i = 0; i < S_STRINGS; i++) {
        size_t length = entry->lengths[i] == S_NULL ? 0 : entry->lengths[i];
        strings[i] = entry->lengths[i] == S_NULL ? NULL : at;
        at += length + 1;
    }
    copy->report = (bs_stats_report_t){.unit = strings[0],
                                       .channel = strings[1],
                                       .kind = strings[2],
                                       .topic = strings[3],
                                       .received_at = entry->received_at,
                                       .officer = strings[4]};
    return true;
}

void
statistics_reports_forget (statistics_reports_t *self)
{
    size_t committed = self->pending_count ? bs_store_txnid_committed (self->env) : 0;
    while (self->pending_count > 0) {
        s_entry_t *entry = &self->entries[self->pending[--self->pending_count]];
        if (entry->txnid > committed)
            entry->report_id = 0; /* its run did not commit: the record is not stored */
        entry->txnid = 0;
    }
}

void
statistics_reports_count (const statistics_reports_t *self, size_t *kept, size_t *pending)
{
    *kept = 0;
    for (size_t i = 0; i < S_ENTRIES; i++)
        *kept += self->entries[i].report_id != 0;
    *pending = self->pending_count;
}
