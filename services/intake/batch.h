/*  batch: intake.batch {token, items} -> intake.batch_results, for systems
    that report directly (直報系統). The token is checked once; each item
    (channel direct, with its own key) is registered in turn; a refused item
    ("error" result with code, field, message) leaves nothing (refusals come
    before any write: submission.h) and does not stop the others. Results
    come in the items' order. A batch retried with the same envelope id gets
    the first reply; retried with a new id, each item's (token, key) still
    registers once and answers with its first receipt.
*/
#ifndef INTAKE_BATCH_H_INCLUDED
#define INTAKE_BATCH_H_INCLUDED

#include "bs_service.h"

int intake_batch_setup (bs_service_t *service);

#endif
