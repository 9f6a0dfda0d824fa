/*  intake: registers every report that reaches baosong (上報登記).

    A submission from any channel is checked, given the next report id and a
    registration number of its year ("2026-000123"), stored with its
    original text, and announced as report.received on intake's log, all in
    one transaction; the reply leaves only after that transaction is durable.

    Databases: reports (report id -> report), registry (registration number
    -> report id), counters ("report", "reg:<year>").
*/
#ifndef INTAKE_H_INCLUDED
#define INTAKE_H_INCLUDED

#include "bs_service.h"

extern const char *const intake_databases[];

/* Register intake's commands and its log on service. */
int intake_setup (bs_service_t *service);

#endif
