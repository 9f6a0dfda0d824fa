/*  intake_commissions: what intake knows of commissions (約稿), to check a
    report that answers one when it arrives.

    Review owns commissions; intake follows review's log (commission.created,
    commission.changed) into its own "commissions" database, and records
    there, in the transaction that registers the report, which unit has
    answered. So the receipt can say at once that a commission does not ask
    the unit, was cancelled (both refused: nothing is registered), or was
    already answered by the unit (the report is registered as a plain
    report, and the receipt's note says so). The report.received event
    carries the commission only when the report really answers it.
*/
#ifndef INTAKE_COMMISSIONS_H_INCLUDED
#define INTAKE_COMMISSIONS_H_INCLUDED

#include "bs_error.h"
#include "bs_schemas.h"
#include "bs_service.h"

/* Follow review's log. */
int intake_commissions_setup (bs_service_t *service);

/* Check that submission->commission (if any) may be answered by unit.
   Refusals come back as a code with error filled, nothing written. When
   the unit answered it before, submission->commission is cleared and note
   (of size bytes) says so; otherwise note is "". */
int intake_commission_check (bs_service_t *service, MDB_txn *txn, bs_submit_t *submission,
                             const char *unit, char *note, size_t size, bs_error_t *error);

/* Record that report (registered in txn, naming its commission) answered
   it. */
int intake_commission_answered (bs_service_t *service, MDB_txn *txn, const bs_report_t *report);

#endif
