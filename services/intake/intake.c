/*  intake: wiring of the intake service; see intake.h. */
#include "intake.h"

#include <string.h>

#include "attachments.h"
#include "batch.h"
#include "commissions.h"
#include "databases.h"
#include "bs_log.h"
#include "bs_schemas.h"
#include "bs_store.h"
#include "held.h"
#include "registry.h"
#include "reports.h"
#include "submission.h"

const char *const intake_databases[] = {[INTAKE_DB_REPORTS] = "reports",
                                        [INTAKE_DB_VERSIONS] = "versions",
                                        [INTAKE_DB_REGISTRY] = "registry",
                                        [INTAKE_DB_COUNTERS] = "counters",
                                        [INTAKE_DB_KEYS] = "keys",
                                        [INTAKE_DB_SENDER_KEYS] = "sender_keys",
                                        [INTAKE_DB_FINGERPRINTS] = "fingerprints",
                                        [INTAKE_DB_UNIT_FINGERPRINTS] = "unit_fingerprints",
                                        [INTAKE_DB_ATTACHMENTS] = "attachments",
                                        [INTAKE_DB_HELD] = "held",
                                        [INTAKE_DB_HELD_SUBMISSIONS] = "held_submissions",
                                        [INTAKE_DB_HELD_FILES] = "held_files",
                                        [INTAKE_DB_COMMISSIONS] = "commissions",
                                        [INTAKE_DB_RECENT_FINGERPRINTS] = "recent_fingerprints",
                                        [INTAKE_DB_REGISTRY_FIRST] = REGISTRY_DATABASES,
                                        NULL};

static int
s_submit (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_submit_t *submission = request->message->data;
    intake_receipt_t receipt;
    bs_error_t error;
    int rc = registry_principal_submits (request, submission);
    if (rc != BS_OK)
        return rc;
    rc = intake_submission_register (request->service, request->txn, request->now, submission, 0,
                                     &receipt, &error);
    if (rc != BS_OK && error.code != BS_OK) {
        bs_log_info ("submit refused (%s): %s", error.field, error.text);
        return bs_request_fail_error (request, &error);
    }
    if (rc != BS_OK)
        return rc;
    return bs_request_reply (request, &bs_submitted_schema, &receipt.record);
}

/* intake.held_assign: register the held submission for the unit staff
   name, as if it had come from that unit; the held item goes. Staff
   (INTAKE_READS_EVERY_UNIT: held mail is no unit's yet) assign it, an
   officer among them as themself. */
static int
s_held_assign (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_held_assign_t *assign = request->message->data;
    const bs_principal_t *principal = &request->principal;
    if (strcmp (principal->kind, "officer") == 0 && assign->staff && *assign->staff
        && strcmp (assign->staff, principal->who) != 0)
        return bs_request_fail (request, BS_E_DENIED, "staff",
                                "%s assigns held mail as themself, not as %s", principal->who,
                                assign->staff);
    bs_submit_t submission;
    int rc = intake_held_take (request->service, request->txn, assign->hold_id, &submission);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, rc, "hold_id", "nothing is held as %llu",
                                (unsigned long long) assign->hold_id);
    if (rc != BS_OK)
        return rc;
    char *unit = submission.unit, *operator_name = submission.operator_name;
    submission.unit = assign->unit;
    if (assign->staff && *assign->staff)
        submission.operator_name = assign->staff;
    intake_receipt_t receipt;
    bs_error_t error;
    rc = intake_submission_register (request->service, request->txn, request->now, &submission,
                                     INTAKE_ASSIGNED, &receipt, &error);
    if (rc != BS_OK && error.code != BS_OK)
        rc = bs_request_fail_error (request, &error);
    submission.unit = unit;
    submission.operator_name = operator_name;
    bs_codec_record_free (&bs_submit_schema, &submission);
    if (rc != BS_OK)
        return rc;
    bs_log_info ("held item %llu assigned to %s: %s %s", (unsigned long long) assign->hold_id,
                 assign->unit, receipt.record.status, receipt.record.reg_no);
    return bs_request_reply (request, &bs_submitted_schema, &receipt.record);
}

/* A report the principal may not read is answered as one that does not
   exist (intake_report_read). */
static int
s_get (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_report_get_t *query = request->message->data;
    bs_service_t *service = request->service;
    uint64_t report_id = query->report_id;
    bool by_number = report_id == 0;
    if (by_number) {
        const void *key;
        size_t size;
        if (!query->reg_no || !*query->reg_no)
            return bs_request_fail (request, BS_E_INVALID, "report_id",
                                    "give a report_id or a reg_no");
        int rc = bs_store_get_bytes (request->txn, bs_service_dbi (service, "registry"),
                                     query->reg_no, &key, &size);
        if (rc == BS_OK && size != 8)
            rc = BS_E_NOT_FOUND;
        if (rc != BS_OK && rc != BS_E_NOT_FOUND)
            return rc;
        report_id = rc == BS_OK ? bs_store_key_value (key) : 0;
    }
    bs_report_t report;
    const char *missing = "report_id";
    int rc = report_id ? intake_report_read (&request->principal, service, request->txn, report_id,
                                             query->version, &report, &missing)
                       : BS_E_NOT_FOUND;
    if (rc == BS_E_NOT_FOUND && strcmp (missing, "version") == 0)
        return bs_request_fail (request, rc, "version", "report %llu has no version %llu",
                                (unsigned long long) report_id,
                                (unsigned long long) query->version);
    if (rc == BS_E_NOT_FOUND && by_number)
        return bs_request_fail (request, rc, "reg_no", "no report is registered as %s",
                                query->reg_no);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, rc, "report_id", "no report %llu",
                                (unsigned long long) report_id);
    if (rc != BS_OK)
        return rc;
    rc = bs_request_reply (request, &bs_report_schema, &report);
    bs_codec_record_free (&bs_report_schema, &report);
    return rc;
}

/* A report the principal (query) may read. */
static bool
s_visible (const void *record, const void *query)
{
    return bs_principal_sees (query, ((const bs_report_t *) record)->unit, INTAKE_READS_EVERY_UNIT);
}

/* A page of reports: every unit's for those who read every unit's, an
   officer's own unit's for an officer (bs_principal_sees). */
static int
s_list (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_report_list_t *query = request->message->data;
    const bs_principal_t *principal = &request->principal;
    bool every_unit = bs_principal_allowed (principal, INTAKE_READS_EVERY_UNIT);
    bs_report_page_t page = {0};
    int rc = bs_store_page (request->txn, bs_service_dbi (request->service, "reports"),
                            &bs_report_schema, query->after, query->limit ? query->limit : 100,
                            every_unit ? NULL : s_visible, principal, &page.reports, &page.next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_report_page_schema, &page);
    bs_codec_record_free (&bs_report_page_schema, &page);
    return rc;
}

int
intake_setup (bs_service_t *service)
{
    int rc = bs_service_produce (service);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_submit_schema, s_submit, NULL, true);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_report_get_schema, s_get, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_report_list_schema, s_list, NULL, false);
    if (rc == BS_OK)
        rc = registry_setup (service);
    if (rc == BS_OK)
        rc = intake_batch_setup (service);
    if (rc == BS_OK)
        rc = intake_held_setup (service);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_held_assign_schema, s_held_assign, NULL, true);
    if (rc == BS_OK)
        rc = bs_service_allow (service, &bs_held_assign_schema, INTAKE_READS_EVERY_UNIT);
    if (rc == BS_OK)
        rc = intake_attachments_setup (service);
    if (rc == BS_OK)
        rc = intake_commissions_setup (service);
    if (rc == BS_OK)
        rc = intake_submission_setup (service);
    return rc;
}
