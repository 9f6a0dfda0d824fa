/*  reports: reading intake's stored reports, and the composite database
    keys of its stores (a report's versions, attachments, held
    submissions), shared by the files that read and write them.
*/
#ifndef INTAKE_REPORTS_H_INCLUDED
#define INTAKE_REPORTS_H_INCLUDED

#include "bs_principal.h"
#include "bs_schemas.h"
#include "bs_service.h"

/* A database key: id as 8 bytes big-endian, then `parts` (0 to 2) of a and
   b as 4 bytes big-endian each. Returns its length. */
size_t intake_key (unsigned char key[16], uint64_t id, int parts, uint64_t a, uint64_t b);

/* Report report_id at version (0: the current one). Free with
   bs_codec_record_free. BS_E_NOT_FOUND when either is unknown. */
int intake_report_load (bs_service_t *service, MDB_txn *txn, uint64_t report_id, uint64_t version,
                        bs_report_t *report);

/* Who reads which unit's reports, as the gateway shows them: staff
   (editor, leader, admin; a rule of bs_principal_allowed) and services
   read every unit's; an officer only their own unit's
   (bs_principal_sees). */
#define INTAKE_READS_EVERY_UNIT "service,editor,leader,admin"

/* intake_report_load for a command of principal: a report of another unit
   than principal may read is BS_E_NOT_FOUND, exactly as one that does not
   exist (registration numbers are sequential: a refusal would tell which
   exist). *missing names what was not found: "report_id", or "version"
   for a report principal may read that has no such version. */
int intake_report_read (const bs_principal_t *principal, bs_service_t *service, MDB_txn *txn,
                        uint64_t report_id, uint64_t version, bs_report_t *report,
                        const char **missing);

#endif
