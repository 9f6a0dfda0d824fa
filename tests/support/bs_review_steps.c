/*  bs_review_steps: steps of the review system tests; see bs_review_steps.h. */
#include "bs_review_steps.h"

#include <stdio.h>
#include <string.h>

#include "bs_test.h"

uint64_t
bs_steps_submit (bs_system_t *system, const char *unit, const char *title, bool urgent)
{
    return bs_steps_submit_by (bs_system_client (system, "intake"), unit, title, urgent);
}

uint64_t
bs_steps_submit_by (bs_client_t *intake, const char *unit, const char *title, bool urgent)
{
    /* Only registered units report; a walk-in needs the staff member who
       keys it in. Registering a unit again changes nothing. */
    if (bs_system_register_unit (intake, unit) != 0)
        fail_msg ("cannot register unit %s", unit);
    bs_submit_t submit = {.unit = (char *) unit,
                          .title = (char *) title,
                          .body = "組織工作信息。第二句。",
                          .kind = urgent ? "urgent" : "situation",
                          .urgent = urgent,
                          .channel = "walk_in",
                          .operator_name = "測試文書"};
    bs_submitted_t reply;
    bs_error_t error;
    if (bs_system_call (intake, &bs_submit_schema, &submit, &bs_submitted_schema, &reply, &error)
        != BS_OK)
        fail_msg ("submit failed: %s", error.text);
    uint64_t report_id = reply.report_id;
    bs_codec_record_free (&bs_submitted_schema, &reply);
    return report_id;
}

bool
bs_steps_case (bs_system_t *system, uint64_t report_id, bs_review_case_t *review_case)
{
    bs_case_get_t query = {.report_id = report_id};
    bs_error_t error;
    int rc = bs_system_call (bs_system_client (system, "review"), &bs_case_get_schema, &query,
                             &bs_review_case_schema, review_case, &error);
    if (rc != BS_OK && rc != BS_E_NOT_FOUND)
        fail_msg ("review.get %llu failed: %s", (unsigned long long) report_id, error.text);
    return rc == BS_OK;
}

const char *
bs_steps_state (bs_system_t *system, uint64_t report_id)
{
    static char state[32];
    bs_review_case_t review_case;
    state[0] = 0;
    if (bs_steps_case (system, report_id, &review_case)) {
        snprintf (state, sizeof state, "%s", review_case.state);
        bs_codec_record_free (&bs_review_case_schema, &review_case);
    }
    return state;
}

size_t
bs_steps_audit_count (bs_system_t *system, uint64_t report_id, const char *action)
{
    bs_audit_request_t query = {.report_id = report_id};
    bs_audit_page_t page;
    bs_error_t error;
    if (bs_system_call (bs_system_client (system, "review"), &bs_audit_request_schema, &query,
                        &bs_audit_page_schema, &page, &error)
        != BS_OK)
        fail_msg ("review.audit %llu failed: %s", (unsigned long long) report_id, error.text);
    const bs_audit_entry_t *entries = page.entries.items;
    size_t count = 0;
    for (size_t i = 0; i < page.entries.count; i++)
        count += !action || strcmp (entries[i].action, action) == 0;
    bs_codec_record_free (&bs_audit_page_schema, &page);
    return count;
}

bs_stats_row_t
bs_steps_stats (bs_system_t *system, const char *unit)
{
    bs_stats_request_t query = {.period = "", .unit = (char *) unit, .basis = "decided"};
    bs_stats_page_t page;
    bs_error_t error;
    bs_stats_row_t row = {0};
    int rc = bs_system_call (bs_system_client (system, "statistics"), &bs_stats_request_schema,
                             &query, &bs_stats_page_schema, &page, &error);
    if (rc == BS_E_NOT_FOUND && strcmp (error.field, "unit") == 0)
        return row; /* no unit of that name: nothing counted for it */
    if (rc != BS_OK)
        fail_msg ("statistics.query failed: %s", error.text);
    if (page.rows.count == 1)
        row = *(bs_stats_row_t *) page.rows.items;
    row.unit = row.period = NULL; /* only the figures leave */
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return row;
}

int
bs_steps_review (bs_system_t *system, const bs_schema_t *schema, const void *request,
                 bs_review_case_t *reply, bs_error_t *error)
{
    bs_review_case_t ignored;
    bs_review_case_t *target = reply ? reply : &ignored;
    int rc = bs_system_call (bs_system_client (system, "review"), schema, request,
                             &bs_review_case_schema, target, error);
    if (rc == BS_OK && !reply)
        bs_codec_record_free (&bs_review_case_schema, &ignored);
    return rc;
}
