/*  held: submissions whose sender maps to no unit (mail from an address no
    officer owns, a call from an unknown number with no unit named). They
    are not dropped: each waits here, with its attachments, until staff
    assign it to a unit (intake.held_assign), which registers it as if it
    had come from that unit.

    Databases: held (hold id -> held_item), held_submissions (hold id ->
    the submission without attachment bytes), held_files (hold id + index ->
    bytes), counter "hold".
*/
#ifndef INTAKE_HELD_H_INCLUDED
#define INTAKE_HELD_H_INCLUDED

#include "bs_schemas.h"
#include "bs_service.h"

/* Keep submission for staff; *hold_id gets its number. */
int intake_held_put (bs_service_t *service, MDB_txn *txn, uint64_t now,
                     const bs_submit_t *submission, const char *reason, uint64_t *hold_id);

/* Register intake.held_list and intake.held_assign. */
int intake_held_setup (bs_service_t *service);

#endif
