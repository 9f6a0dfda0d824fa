/*  submission_store: what a registration writes (step 6 of submission.h,
    and a revision of step 4): a new report under the next report id and
    registration number of its year, a new version of a report (the one
    before kept in versions), or a submission held for staff; see
    submission_internal.h. */
#include "submission_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attachments.h"
#include "bs_clock.h"
#include "bs_log.h"
#include "bs_store.h"
#include "bs_text.h"
#include "commissions.h"
#include "databases.h"
#include "held.h"
#include "reports.h"

/* The report as its event stores it: its texts (title, body,
   provenances, attachments) after the fields statistics reads, so that
   the stream's cut of it for statistics ends where they begin, with no
   walk of them (bs_schema_texts_last, bs_codec_envelope_cut). Every
   reader finds its fields by name, whatever their order. */
static bs_field_t s_stored_fields[SUBMISSION_REPORT_FIELDS];
static bs_schema_t s_stored_schema;

int
submission_store_setup (void)
{
    return bs_schema_texts_last (&bs_report_schema, s_stored_fields, SUBMISSION_REPORT_FIELDS,
                                 &s_stored_schema);
}

/* Store report (its attachments from the submission under its version),
   announce it. */
static int
s_report_store (submission_work_t *work, bs_report_t *report, const char *fingerprint)
{
    const bs_list_t *attachments = &work->submission->attachments;
    /* none, most often (a batch's items): nothing allocated */
    bs_attachment_t none[1];
    char none_sha256[1][65];
    bool any = attachments->count > 0;
    bs_attachment_t *descriptions =
        any ? calloc (attachments->count, sizeof *descriptions) : none;
    char (*sha256)[65] = any ? calloc (attachments->count, sizeof *sha256) : none_sha256;
    int rc = descriptions && sha256 ? BS_OK : BS_E_SYSTEM;
    if (rc == BS_OK)
        rc = intake_attachments_store (work->service, work->txn, report->report_id, report->version,
                                       0, attachments, descriptions, sha256);
    report->attachments = (bs_list_t){attachments->count, descriptions};
    report->provenances = (bs_list_t){1, &work->provenance};
    /* Encoded once and stored once: the report is its event's data, and
       `reports` holds a reference to that event (bs_store_put_event_record),
       not a second copy of the bytes. */
    msgpack_sbuffer *packed = bs_service_encoding (work->service);
    uint64_t seq = 0;
    if (rc == BS_OK)
        rc = bs_codec_encode_record (packed, &s_stored_schema, report);
    if (rc == BS_OK)
        rc = bs_service_emit_packed (work->service, work->txn, &bs_report_schema, packed->data,
                                     packed->size, work->now, &seq);
    if (rc == BS_OK)
        rc = bs_store_put_event_record (work->txn, intake_dbi (work->service, INTAKE_DB_REPORTS),
                                        report->report_id, seq, packed->size);
    if (rc == BS_OK)
        rc = submission_fingerprint_put (work, fingerprint, report->report_id, seq);
    if (any) {
        free (descriptions);
        free (sha256);
    }
    return rc;
}

static void
s_report_from (submission_work_t *work, bs_report_t *report)
{
    bs_submit_t *submission = work->submission;
    const char *kind = submission->kind && *submission->kind ? submission->kind : "situation";
    report->unit = (char *) work->identity->unit;
    report->title = submission->title;
    report->body = submission->body;
    report->kind = (char *) kind;
    report->urgent = submission->urgent || strcmp (kind, "urgent") == 0;
    report->topic = submission->topic;
    report->channel = (char *) work->channel->name;
    report->received_at = work->now;
    report->officer = work->identity->officer[0] ? (char *) work->identity->officer : NULL;
}

/* The counter of year's registration numbers, "reg:%04u", without
   printf, into counter (room for 32). */
static void
s_year_counter (char counter[32], unsigned year)
{
    memcpy (counter, "reg:", 4);
    *bs_text_decimal (counter + 4, year, 4) = 0;
}

void
intake_numbers_init (intake_numbers_t *numbers, uint64_t now)
{
    *numbers = (intake_numbers_t){.now = now, .year = bs_clock_year (now)};
}

int
intake_numbers_keep (bs_service_t *service, MDB_txn *txn, const intake_numbers_t *numbers)
{
    int rc = numbers->fingerprints_put ? submission_fingerprints_keep (service, txn) : BS_OK;
    if (rc != BS_OK || !numbers->given)
        return rc;
    MDB_dbi counters = intake_dbi (service, INTAKE_DB_COUNTERS);
    char counter[32];
    s_year_counter (counter, numbers->year);
    rc = bs_store_put_u64 (txn, counters, "report", numbers->report_id);
    return rc == BS_OK ? bs_store_put_u64 (txn, counters, counter, numbers->number) : rc;
}

/* The next report id and registration number of *year: the batch's
   (work->numbers, read from the counters at its first), or counted on in
   the counters for a report alone. */
static int
s_numbers_next (submission_work_t *work, uint64_t *report_id, uint64_t *number, unsigned *year)
{
    MDB_dbi counters = intake_dbi (work->service, INTAKE_DB_COUNTERS);
    intake_numbers_t *numbers = work->numbers;
    char counter[32];
    if (!numbers || numbers->now != work->now) {
        *year = bs_clock_year (work->now);
        s_year_counter (counter, *year);
        int rc = bs_store_next_counter (work->txn, counters, "report", report_id);
        return rc == BS_OK ? bs_store_next_counter (work->txn, counters, counter, number) : rc;
    }
    *year = numbers->year;
    if (!numbers->read) {
        s_year_counter (counter, numbers->year);
        int rc = bs_store_get_u64 (work->txn, counters, "report", &numbers->report_id);
        if (rc == BS_OK)
            rc = bs_store_get_u64 (work->txn, counters, counter, &numbers->number);
        if (rc != BS_OK)
            return rc;
        numbers->read = true;
    }
    *report_id = ++numbers->report_id;
    *number = ++numbers->number;
    numbers->given = true;
    return BS_OK;
}

int
submission_register_new (submission_work_t *work, const char *fingerprint)
{
    uint64_t report_id, number;
    unsigned year;
    int rc = s_numbers_next (work, &report_id, &number, &year);
    if (rc != BS_OK)
        return rc;
    /* "%04u-%06llu" of year and number, without printf (a thousand a
       batch) */
    char reg_no[48];
    char *end = bs_text_decimal (reg_no, year, 4);
    *end++ = '-';
    *bs_text_decimal (end, number, 6) = 0;
    bs_report_t report = {.report_id = report_id, .reg_no = reg_no, .version = 1};
    s_report_from (work, &report);
    report.commission = work->submission->commission;
    unsigned char key[8];
    bs_store_key (report_id, key);
    rc = bs_store_put_bytes (work->txn, intake_dbi (work->service, INTAKE_DB_REGISTRY), reg_no, key,
                             sizeof key);
    if (rc == BS_OK)
        rc = s_report_store (work, &report, fingerprint);
    if (rc == BS_OK && report.commission)
        rc = intake_commission_answered (work->service, work->txn, &report);
    if (rc == BS_OK)
        submission_receipt_report (work, &report, "registered");
    return rc;
}

int
submission_register_revision (submission_work_t *work, const char *fingerprint)
{
    const char *reg_no = work->submission->revision_of;
    const void *key;
    size_t size;
    int rc = bs_store_get_bytes (work->txn, intake_dbi (work->service, INTAKE_DB_REGISTRY), reg_no,
                                 &key, &size);
    if (rc == BS_E_NOT_FOUND || (rc == BS_OK && size != 8))
        return bs_error_set (work->error, BS_E_NOT_FOUND, "revision_of",
                             "no report is registered as %s", reg_no);
    if (rc != BS_OK)
        return rc;
    uint64_t report_id = bs_store_key_value (key);
    bs_report_t current;
    rc = intake_report_load (work->service, work->txn, report_id, 0, &current);
    if (rc != BS_OK)
        return rc;
    if (strcmp (current.unit, work->identity->unit) != 0) {
        rc = bs_error_set (work->error, BS_E_DENIED, "revision_of",
                           "report %s belongs to unit '%s'; only it may revise it", reg_no,
                           current.unit);
        bs_codec_record_free (&bs_report_schema, &current);
        return rc;
    }
    uint64_t version = current.version ? current.version : 1;
    unsigned char version_key[16];
    size_t version_key_size = intake_key (version_key, report_id, 1, version, 0);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    rc = bs_codec_encode_record (&buffer, &bs_report_schema, &current);
    if (rc == BS_OK) {
        MDB_val mkey = {version_key_size, version_key}, value = {buffer.size, buffer.data};
        int put = bs_store_put (work->txn, intake_dbi (work->service, INTAKE_DB_VERSIONS), &mkey,
                                &value, 0);
        rc = put ? bs_store_error (put, "keep an earlier version") : BS_OK;
    }
    msgpack_sbuffer_destroy (&buffer);
    if (rc == BS_OK) {
        bs_report_t report = {
            .report_id = report_id, .reg_no = current.reg_no, .version = version + 1};
        s_report_from (work, &report);
        report.commission = current.commission; /* a revision answers what the report did */
        rc = s_report_store (work, &report, fingerprint);
        if (rc == BS_OK) {
            submission_receipt_report (work, &report, "revised");
            bs_log_info ("report %s revised: version %llu", reg_no,
                         (unsigned long long) report.version);
        }
    }
    bs_codec_record_free (&bs_report_schema, &current);
    return rc;
}

int
submission_register_held (submission_work_t *work)
{
    char reason[300];
    snprintf (reason, sizeof reason, "no officer has the address %s", work->submission->sender);
    uint64_t hold_id;
    int rc =
        intake_held_put (work->service, work->txn, work->now, work->submission, reason, &hold_id);
    if (rc != BS_OK)
        return rc;
    bs_submitted_t record = {.received_at = work->now,
                             .status = "held",
                             .hold_id = hold_id,
                             .key = work->provenance.key};
    intake_receipt_set (work->receipt, &record);
    bs_log_info ("held %s from %s as %llu: %s", work->channel->name, work->submission->sender,
                 (unsigned long long) hold_id, reason);
    return BS_OK;
}
