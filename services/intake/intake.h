/*  intake: registers every report that reaches baosong (上報登記).

    A submission from any channel is checked against the registry of units
    and officers, deduplicated, given the next report id and a registration
    number of its year ("2026-000123") or made the next version of the
    report it revises, stored with its original text, provenance and
    attachments, and announced as report.received on intake's log, all in
    one transaction; the reply (the receipt) leaves only after that
    transaction is durable.

    The rooms: submission*.c (the registration path, a file a concern;
    submission_internal.h lists them), registry*.c (units, officers,
    logins, tokens; registry_internal.h lists its files),
    fingerprint.c (duplicate detection; recent_fingerprints.c the recent
    part of its index, in memory), attachments.c, held.c (mail from
    unknown senders), batch.c (direct batches), channel_*.c (each
    channel's rules), reports.c (reading stored reports; the stores'
    keys), databases.h (intake's own databases by their place in
    intake_databases, their handles without a look-up by name). This file wires them to the service, is
    called by none of them, and serves intake.submit, intake.get,
    intake.list and intake.held_assign.

    intake's command socket takes frames up to intake.message_max_bytes
    (default 40 MiB) for batches and attachments; other services keep
    max_message_bytes.
*/
#ifndef INTAKE_H_INCLUDED
#define INTAKE_H_INCLUDED

#include "bs_service.h"

extern const char *const intake_databases[];

/* Register intake's commands and its log on service. */
int intake_setup (bs_service_t *service);

#endif
