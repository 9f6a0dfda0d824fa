/*  units: the units statistics reports on, as a tree.

    Units come from intake's registry.unit_put events (registered, with
    parent, level, kind and whether disabled) and from the first event
    that names a unit nobody registered (kept so that its figures show).
    The loaded set is in tree order: each unit after its parent, siblings
    by name, so every listing reads as the hierarchy does.

    A unit's tier is the group it is ranked in: its level (township,
    county, city, province) for a department, or its kind (section,
    key_unit); "" for a unit nobody registered.
*/
#ifndef STATISTICS_UNITS_H_INCLUDED
#define STATISTICS_UNITS_H_INCLUDED

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>

#include "bs_schemas.h"

typedef struct {
    char *name;    /* owned */
    char *parent;  /* owned, "" at the top */
    char *tier;    /* owned */
    bool disabled; /* disabled in the registry */
    size_t up;     /* index of the parent in the set, or SIZE_MAX */
    size_t depth;  /* 0 at the top */
} statistics_unit_t;

typedef struct {
    statistics_unit_t *units; /* in tree order */
    size_t count;
} statistics_units_t;

/* Record a registered unit (registry.unit_put). Returns 0 or an LMDB/BS
   error code. */
int statistics_units_register (MDB_txn *txn, MDB_dbi units, const bs_unit_t *unit);

/* Remember a unit an event named, if it is not known yet. */
int statistics_units_seen (MDB_txn *txn, MDB_dbi units, const char *name);

/* Load every unit in tree order into set (freed with
   statistics_units_clear). Returns BS_OK or an error code. */
int statistics_units_load (MDB_txn *txn, MDB_dbi units, statistics_units_t *set);
void statistics_units_clear (statistics_units_t *set);

/* Index of the unit named name in set, or SIZE_MAX. */
size_t statistics_units_find (const statistics_units_t *set, const char *name);

/* Whether tier names a tier ("county", "key_unit", ...). */
bool statistics_tier_known (const char *tier);

/* The order of tiers in a ranking: province, city, county, township,
   section, key_unit, then "". */
int statistics_tier_order (const char *tier);

#endif
