/*  databases: where intake's own databases are in intake_databases
    (intake.h; the registry's follow them), and their handles by that
    place: a report's registration names a dozen of them, each a search by
    name among them all with bs_service_dbi. intake.c lists them by these
    places. */
#ifndef INTAKE_DATABASES_H_INCLUDED
#define INTAKE_DATABASES_H_INCLUDED

#include "bs_service.h"

typedef enum {
    INTAKE_DB_REPORTS,
    INTAKE_DB_VERSIONS,
    INTAKE_DB_REGISTRY,
    INTAKE_DB_COUNTERS,
    INTAKE_DB_KEYS,
    INTAKE_DB_SENDER_KEYS,
    INTAKE_DB_FINGERPRINTS,
    INTAKE_DB_UNIT_FINGERPRINTS,
    INTAKE_DB_ATTACHMENTS,
    INTAKE_DB_HELD,
    INTAKE_DB_HELD_SUBMISSIONS,
    INTAKE_DB_HELD_FILES,
    INTAKE_DB_COMMISSIONS,
    INTAKE_DB_RECENT_FINGERPRINTS,
    INTAKE_DB_REGISTRY_FIRST /* REGISTRY_DATABASES from here */
} intake_db_t;

/* The handle of intake's database db, without a look-up by name. */
static inline MDB_dbi
intake_dbi (bs_service_t *service, intake_db_t db)
{
    return bs_service_dbi_at (service, (size_t) db);
}

#endif
