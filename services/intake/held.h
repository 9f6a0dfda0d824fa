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

/* The submission held as hold_id, with its attachments' bytes, into
   *submission (free with bs_codec_record_free); the held item is forgotten
   in txn. BS_E_NOT_FOUND when nothing is held as hold_id. intake.c
   registers it (intake.held_assign). */
int intake_held_take (bs_service_t *service, MDB_txn *txn, uint64_t hold_id,
                      bs_submit_t *submission);

/* Register intake.held_list. */
int intake_held_setup (bs_service_t *service);

#endif
