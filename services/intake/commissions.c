/*  intake_commissions: the commissions intake follows; see commissions.h. */
#include "commissions.h"

#include <stdio.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_records.h"
#include "bs_store.h"
#include "databases.h"

static MDB_dbi
s_dbi (bs_service_t *service)
{
    return intake_dbi (service, INTAKE_DB_COMMISSIONS);
}

/* commission.created: a new record, every unit open. Seen again (a log is
   applied at least once), it changes nothing. */
static int
s_created (bs_service_t *service, MDB_txn *txn, const bs_commission_created_t *created)
{
    bs_commission_t known;
    int rc = bs_store_get_record (txn, s_dbi (service), created->commission_id,
                                  &bs_commission_schema, &known);
    if (rc == BS_OK)
        bs_codec_record_free (&bs_commission_schema, &known);
    if (rc != BS_E_NOT_FOUND)
        return rc;
    const bs_unit_ref_t *asked = created->units.items;
    bs_commission_unit_t *units = calloc (created->units.count, sizeof *units);
    if (!units)
        return BS_E_SYSTEM;
    for (size_t i = 0; i < created->units.count; i++)
        units[i] = (bs_commission_unit_t){.unit = asked[i].unit, .state = "open"};
    bs_commission_t commission = {.commission_id = created->commission_id,
                                  .title = created->title,
                                  .deadline = created->deadline,
                                  .scored = created->scored,
                                  .state = "open",
                                  .created_by = "review",
                                  .created_at = created->created_at,
                                  .units = {created->units.count, units}};
    rc = bs_store_put_record (txn, s_dbi (service), commission.commission_id, &bs_commission_schema,
                              &commission);
    free (units);
    return rc;
}

static int
s_changed (bs_service_t *service, MDB_txn *txn, const bs_commission_changed_t *changed)
{
    bs_commission_t commission;
    int rc = bs_store_get_record (txn, s_dbi (service), changed->commission_id,
                                  &bs_commission_schema, &commission);
    if (rc == BS_E_NOT_FOUND)
        return BS_OK;
    if (rc != BS_OK)
        return rc;
    char *state = strdup (changed->state);
    if (!state)
        rc = BS_E_SYSTEM;
    else {
        free (commission.state);
        commission.state = state;
        commission.deadline = changed->deadline;
        rc = bs_store_put_record (txn, s_dbi (service), commission.commission_id,
                                  &bs_commission_schema, &commission);
    }
    bs_codec_record_free (&bs_commission_schema, &commission);
    return rc;
}

static int
s_on_review (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    if (event->schema == &bs_commission_created_schema)
        return s_created (service, txn, event->data);
    if (event->schema == &bs_commission_changed_schema)
        return s_changed (service, txn, event->data);
    return BS_OK;
}

int
intake_commissions_setup (bs_service_t *service)
{
    return bs_service_consume (service, "review", s_on_review, NULL);
}

int
intake_commission_check (bs_service_t *service, MDB_txn *txn, bs_submit_t *submission,
                         const char *unit, char *note, size_t size, bs_error_t *error)
{
    *note = 0;
    if (!submission->commission)
        return BS_OK;
    unsigned long long id = (unsigned long long) submission->commission;
    bs_commission_t commission;
    int rc = bs_store_get_record (txn, s_dbi (service), submission->commission,
                                  &bs_commission_schema, &commission);
    if (rc == BS_E_NOT_FOUND)
        return bs_error_set (error, BS_E_NOT_FOUND, "commission", "there is no commission %llu",
                             id);
    if (rc != BS_OK)
        return rc;
    const bs_commission_unit_t *asked = bs_commission_unit_find (&commission, unit);
    if (strcmp (commission.state, "open") != 0)
        rc = bs_error_set (error, BS_E_CONFLICT, "commission",
                           "commission %llu (%s) was cancelled and takes no answers; send the "
                           "report without it",
                           id, commission.title);
    else if (!asked)
        rc = bs_error_set (error, BS_E_DENIED, "commission",
                           "commission %llu (%s) does not ask unit %s", id, commission.title, unit);
    else if (asked->report_id) {
        snprintf (note, size,
                  "%s already answered commission %llu with report %s; this report is "
                  "registered as a plain report",
                  unit, id, asked->reg_no);
        submission->commission = 0;
    }
    bs_codec_record_free (&bs_commission_schema, &commission);
    return rc;
}

int
intake_commission_answered (bs_service_t *service, MDB_txn *txn, const bs_report_t *report)
{
    bs_commission_t commission;
    int rc = bs_store_get_record (txn, s_dbi (service), report->commission, &bs_commission_schema,
                                  &commission);
    if (rc != BS_OK)
        return rc;
    bs_commission_unit_t *unit = bs_commission_unit_find (&commission, report->unit);
    char *reg_no = unit ? strdup (report->reg_no) : NULL;
    if (unit && reg_no) {
        free (unit->reg_no);
        unit->reg_no = reg_no;
        unit->report_id = report->report_id;
        unit->answered_at = report->received_at;
        rc = bs_store_put_record (txn, s_dbi (service), commission.commission_id,
                                  &bs_commission_schema, &commission);
    } else if (unit)
        rc = BS_E_SYSTEM;
    bs_codec_record_free (&bs_commission_schema, &commission);
    return rc;
}
