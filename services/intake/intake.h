/*  intake: registers every report that reaches baosong (上報登記).

    A submission from any channel is checked against the registry of units
    and officers, deduplicated, given the next report id and a registration
    number of its year ("2026-000123") or made the next version of the
    report it revises, stored with its original text, provenance and
    attachments, and announced as report.received on intake's log, all in
    one transaction; the reply (the receipt) leaves only after that
    transaction is durable.

    The rooms: submission.c (the registration path), registry.c (units,
    officers, logins, tokens), fingerprint.c (duplicate detection),
    attachments.c, held.c (mail from unknown senders), batch.c (direct
    batches), channel_*.c (each channel's rules). This file wires them to
    the service and serves intake.submit, intake.get and intake.list.

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

/* Whether text is NULL, empty or only white space. */
bool intake_is_blank (const char *text);

/* A database key: id as 8 bytes big-endian, then `parts` (0 to 2) of a and
   b as 4 bytes big-endian each. Returns its length. */
size_t intake_key (unsigned char key[16], uint64_t id, int parts, uint64_t a, uint64_t b);

#endif
