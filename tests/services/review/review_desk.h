/*  review_desk: review run in the test's own process, as the tests of
    tests/services/review drive it: the service's handlers, consumers and
    timers called inside write transactions of a real store, exactly as
    the service loop calls them, with the time chosen by the test; the
    store read back (a case, its bytes, the audit trail, the log); the
    commands an editor sends; a case made in any state.
*/
#ifndef REVIEW_DESK_H_INCLUDED
#define REVIEW_DESK_H_INCLUDED

#include "bs_test.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bs_config.h"
#include "bs_schemas.h"
#include "bs_service.h"
#include "bs_store.h"
#include "review.h"

#define T0 1795000000000ULL /* a fixed "now", 2026-11 */
#define MINUTE 60000ULL

typedef struct {
    char *folder;
    bs_config_t *config;
    bs_service_t *service;
    uint64_t next_id;                 /* the next report id this test sends */
    char reason[BS_ERROR_REASON_MAX]; /* the last refusal's reason, "" if none */
} desk_t;

/* Run a command handler at time now; its code. The reply case goes to
   reply (when not NULL and ok), the failing field to field, the
   refusal's reason to desk->reason. */
int desk_command (desk_t *desk, bs_command_fn *fn, const bs_schema_t *schema, const void *record,
                  uint64_t now, bs_review_case_t *reply, char field[BS_ERROR_FIELD_MAX]);

/* Apply an event of schema (record) through consume, as the loop does. */
void desk_event (desk_t *desk, bs_consume_fn *consume, const bs_schema_t *schema,
                 const void *record);

/* Run a timer at now, as the loop does. */
void desk_sweep (desk_t *desk, bs_timer_fn *timer, uint64_t now);

/* A report.received from intake; its report id. */
uint64_t desk_receive_version (desk_t *desk, uint64_t report_id, bool urgent, uint64_t version,
                               const char *title);

/* A report.received of the next report id (version 1); its report id. */
uint64_t desk_receive (desk_t *desk, bool urgent);

/* The case of report_id as stored (free it with bs_codec_record_free). */
void desk_case (desk_t *desk, uint64_t report_id, bs_review_case_t *review_case);

/* The stored bytes of a case, to tell "unchanged" exactly. */
char *desk_case_bytes (desk_t *desk, uint64_t report_id, size_t *size);

/* The state of report_id's case (the caller frees it). */
char *desk_state (desk_t *desk, uint64_t report_id);

/* The sequence number of review's last event on its log. */
uint64_t desk_events (desk_t *desk);

/* The audit trail of report_id (free it with bs_codec_record_free). */
bs_audit_page_t desk_audit (desk_t *desk, uint64_t report_id);

/* The entries of report_id's trail of action (NULL: all), each checked
   numbered in order and whole. */
size_t desk_audit_count (desk_t *desk, uint64_t report_id, const char *action);

/* The note of the last audit entry of action on report_id, into note. */
void desk_audit_note (desk_t *desk, uint64_t report_id, const char *action, char *note,
                      size_t size);

/* Claim report_id for editor at now; its code, the field at fault in field. */
int desk_claim_field (desk_t *desk, uint64_t report_id, const char *editor, uint64_t now,
                      char *field);

/* The same with no field wanted. */
int desk_claim (desk_t *desk, uint64_t report_id, const char *editor, uint64_t now);

/* Decide report_id (adopt into 組工信息) as editor a minute after T0. */
int desk_decide (desk_t *desk, uint64_t report_id, const char *decision, const char *editor,
                 char *field);

/* Revert report_id's decision as role, for reason, two minutes after T0. */
int desk_revert (desk_t *desk, uint64_t report_id, const char *role, const char *reason,
                 char *field);

/* A case in the given state, made the way editors make it. */
uint64_t desk_case_in (desk_t *desk, const char *state);

/* cmocka set-up and tear-down: review on a fresh store in *state (a
   desk_t), its trail started as review_setup starts it. */
int desk_setup (void **state);

int desk_teardown (void **state);

/* Apply event (decoded) through consume in a write transaction of the
   store, as the service loop applies an event it has received. */
void desk_consume (desk_t *desk, bs_consume_fn *consume, const bs_message_t *event);

#endif
