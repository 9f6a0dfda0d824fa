/*  bs_review_steps: the steps the review system tests take against a
    running bs_system: submit a report, read a case, its audit trail, a
    unit's statistics, and wait for the services to catch up. Each step
    fails the test (cmocka) when a service refuses it.
*/
#ifndef BS_REVIEW_STEPS_H_INCLUDED
#define BS_REVIEW_STEPS_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "bs_schemas.h"
#include "bs_system.h"

/* Submit a report of unit at intake; its report id. */
uint64_t bs_steps_submit (bs_system_t *system, const char *unit, const char *title, bool urgent);

/* The same through a client of intake of the caller's (one per thread). */
uint64_t bs_steps_submit_by (bs_client_t *intake, const char *unit, const char *title, bool urgent);

/* Read a case into review_case (free it with bs_codec_record_free); false
   when review has no such case (yet). */
bool bs_steps_case (bs_system_t *system, uint64_t report_id, bs_review_case_t *review_case);

/* The case's state, "" when review has no such case (yet). */
const char *bs_steps_state (bs_system_t *system, uint64_t report_id);

/* How many entries of the case's audit trail have action (NULL: all). */
size_t bs_steps_audit_count (bs_system_t *system, uint64_t report_id, const char *action);

/* A unit's all-time figures (zeros when statistics does not know it). */
bs_stats_row_t bs_steps_stats (bs_system_t *system, const char *unit);

/* Call a review command (reply: a case) as person with role; its code. */
int bs_steps_review (bs_system_t *system, const bs_schema_t *schema, const void *request,
                     bs_review_case_t *reply, bs_error_t *error);

#endif
