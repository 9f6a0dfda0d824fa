/*  units: the unit tree of statistics; see units.h. */
#include "units.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bs_error.h"
#include "bs_store.h"

static const char *const s_tiers[] = {"province", "city",     "county", "township",
                                      "section",  "key_unit", NULL};

bool
statistics_tier_known (const char *tier)
{
    return tier && *tier && statistics_tier_order (tier) < 6;
}

int
statistics_tier_order (const char *tier)
{
    int i = 0;
    while (s_tiers[i] && strcmp (s_tiers[i], tier ? tier : "") != 0)
        i++;
    return i;
}

int
statistics_units_register (MDB_txn *txn, MDB_dbi units, const bs_unit_t *unit)
{
    bs_stats_unit_t record = {
        .name = unit->name,
        .parent = unit->parent,
        .level = unit->level,
        .kind = unit->kind,
        .disabled = unit->disabled,
        .registered = true,
    };
    return bs_store_put_record_by_name (txn, units, unit->name, &bs_stats_unit_schema, &record);
}

int
statistics_units_seen (MDB_txn *txn, MDB_dbi units, const char *name)
{
    MDB_val key = {strlen (name), (void *) name}, value;
    int rc = mdb_get (txn, units, &key, &value);
    if (rc == 0)
        return BS_OK;
    if (rc != MDB_NOTFOUND)
        return bs_store_error (rc, "read a unit");
    bs_stats_unit_t record = {.name = (char *) name};
    return bs_store_put_record_by_name (txn, units, name, &bs_stats_unit_schema, &record);
}

static char *
s_tier_of (const bs_stats_unit_t *record)
{
    if (!record->registered)
        return strdup ("");
    if (record->kind && *record->kind && strcmp (record->kind, "department") != 0)
        return strdup (record->kind);
    return strdup (record->level ? record->level : "");
}

static int
s_by_name (const void *left, const void *right)
{
    return strcmp (((const statistics_unit_t *) left)->name,
                   ((const statistics_unit_t *) right)->name);
}

size_t
statistics_units_find (const statistics_units_t *set, const char *name)
{
    for (size_t i = 0; name && i < set->count; i++)
        if (strcmp (set->units[i].name, name) == 0)
            return i;
    return SIZE_MAX;
}

/* Put sorted (by name) into tree order: depth first from the units with no
   known parent, children in name order. */
static int
s_tree_order (statistics_unit_t *sorted, size_t count, statistics_unit_t *ordered)
{
    size_t *parent = malloc ((count + 1) * sizeof *parent);
    size_t *first_child = malloc ((count + 1) * sizeof *first_child);
    size_t *next = malloc ((count + 1) * sizeof *next);
    size_t *last_child = malloc ((count + 1) * sizeof *last_child);
    size_t *stack = malloc ((count + 1) * sizeof *stack);
    int rc = parent && first_child && next && last_child && stack ? BS_OK : BS_E_SYSTEM;
    for (size_t i = 0; rc == BS_OK && i <= count; i++)
        first_child[i] = last_child[i] = next[i] = SIZE_MAX;
    /* Index count is the root of roots; a parent that is unknown, or that
       would make a loop, makes a unit a root. */
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        statistics_unit_t probe = {.name = sorted[i].parent};
        statistics_unit_t *found =
            *sorted[i].parent ? bsearch (&probe, sorted, count, sizeof *sorted, s_by_name) : NULL;
        parent[i] = found && found != &sorted[i] ? (size_t) (found - sorted) : count;
    }
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        size_t p = parent[i];
        if (last_child[p] == SIZE_MAX)
            first_child[p] = i;
        else
            next[last_child[p]] = i;
        last_child[p] = i;
    }
    size_t placed = 0, top = 0;
    size_t *index_of = last_child; /* reused: sorted index -> ordered index */
    for (size_t i = 0; rc == BS_OK && i < count; i++)
        index_of[i] = SIZE_MAX;
    if (rc == BS_OK && first_child[count] != SIZE_MAX)
        stack[top++] = first_child[count];
    while (rc == BS_OK && top > 0) {
        size_t i = stack[--top];
        if (next[i] != SIZE_MAX)
            stack[top++] = next[i];
        index_of[i] = placed;
        ordered[placed] = sorted[i];
        ordered[placed].up = parent[i] == count ? SIZE_MAX : index_of[parent[i]];
        ordered[placed].depth = parent[i] == count ? 0 : ordered[index_of[parent[i]]].depth + 1;
        placed++;
        if (first_child[i] != SIZE_MAX)
            stack[top++] = first_child[i];
    }
    /* Units on a loop of parents are reached from no root: put them at the
       top. */
    for (size_t i = 0; rc == BS_OK && i < count; i++)
        if (index_of[i] == SIZE_MAX) {
            ordered[placed] = sorted[i];
            ordered[placed].up = SIZE_MAX;
            ordered[placed].depth = 0;
            index_of[i] = placed++;
        }
    free (parent);
    free (first_child);
    free (next);
    free (last_child);
    free (stack);
    return rc;
}

int
statistics_units_load (MDB_txn *txn, MDB_dbi units, statistics_units_t *set)
{
    memset (set, 0, sizeof *set);
    MDB_stat stat;
    int rc = mdb_stat (txn, units, &stat);
    if (rc)
        return bs_store_error (rc, "count units");
    statistics_unit_t *sorted = calloc (stat.ms_entries + 1, sizeof *sorted);
    set->units = calloc (stat.ms_entries + 1, sizeof *set->units);
    MDB_cursor *cursor = NULL;
    if (!sorted || !set->units) {
        free (sorted);
        return BS_E_SYSTEM;
    }
    rc = mdb_cursor_open (txn, units, &cursor);
    if (rc) {
        free (sorted);
        return bs_store_error (rc, "walk units");
    }
    MDB_val key, value;
    size_t count = 0;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    rc = BS_OK;
    while (found == 0 && rc == BS_OK && count < stat.ms_entries) {
        bs_stats_unit_t record;
        rc = bs_codec_decode_record (value.mv_data, value.mv_size, &bs_stats_unit_schema,
                                     &bs_codec_default_limits, &record, NULL);
        if (rc != BS_OK)
            break;
        statistics_unit_t *unit = &sorted[count++];
        unit->name = strdup (record.name);
        unit->parent = strdup (record.parent ? record.parent : "");
        unit->tier = s_tier_of (&record);
        unit->disabled = record.disabled;
        bs_codec_record_free (&bs_stats_unit_schema, &record);
        if (!unit->name || !unit->parent || !unit->tier)
            rc = BS_E_SYSTEM;
        found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    /* LMDB orders keys by bytes, as strcmp does, so sorted is sorted. */
    if (rc == BS_OK)
        rc = s_tree_order (sorted, count, set->units);
    if (rc == BS_OK)
        set->count = count;
    else
        for (size_t i = 0; i < count; i++) {
            free (sorted[i].name);
            free (sorted[i].parent);
            free (sorted[i].tier);
        }
    free (sorted);
    if (rc != BS_OK)
        statistics_units_clear (set);
    return rc;
}

void
statistics_units_clear (statistics_units_t *set)
{
    for (size_t i = 0; i < set->count; i++) {
        free (set->units[i].name);
        free (set->units[i].parent);
        free (set->units[i].tier);
    }
    free (set->units);
    memset (set, 0, sizeof *set);
}
