/*  submission_receipts: the receipt of a submission, its strings copied
    into it (intake_receipt_set, intake_receipt_error of submission.h), and
    the receipt of a report registered, revised or found again; see
    submission_internal.h. */
#include "submission_internal.h"

#include <string.h>

/* text into buffer, cut short to fit (a batch copies seven strings a
   receipt, a thousand receipts a batch: no printf). */
static char *
s_copy (char *buffer, size_t size, const char *text)
{
    if (!text)
        return NULL;
    size_t length = strnlen (text, size - 1);
    memcpy (buffer, text, length);
    buffer[length] = 0;
    return buffer;
}

void
intake_receipt_set (intake_receipt_t *receipt, const bs_submitted_t *record)
{
    bs_submitted_t copy = *record;
    copy.reg_no = s_copy (receipt->reg_no, sizeof receipt->reg_no, record->reg_no);
    copy.status = s_copy (receipt->status, sizeof receipt->status, record->status);
    copy.key = s_copy (receipt->key, sizeof receipt->key, record->key);
    copy.code = s_copy (receipt->code, sizeof receipt->code, record->code);
    copy.field = s_copy (receipt->field, sizeof receipt->field, record->field);
    copy.message = s_copy (receipt->message, sizeof receipt->message, record->message);
    copy.note = s_copy (receipt->note, sizeof receipt->note, record->note);
    receipt->record = copy;
}

void
intake_receipt_error (intake_receipt_t *receipt, uint64_t now, const char *key,
                      const bs_error_t *error)
{
    bs_submitted_t record = {.received_at = now,
                             .status = "error",
                             .key = (char *) key,
                             .code = (char *) bs_error_name (error->code),
                             .field = (char *) error->field,
                             .message = (char *) error->text};
    intake_receipt_set (receipt, &record);
}

void
submission_receipt_report (const submission_work_t *work, const bs_report_t *report,
                           const char *status)
{
    bs_submitted_t record = {.report_id = report->report_id,
                             .reg_no = report->reg_no,
                             .received_at = work->now,
                             .status = (char *) status,
                             .version = report->version ? report->version : 1,
                             .key = work->provenance.key,
                             .commission = report->commission,
                             .note = *work->note ? (char *) work->note : NULL};
    intake_receipt_set (work->receipt, &record);
}
