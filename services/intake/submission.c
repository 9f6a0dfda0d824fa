/*  submission: the steps of registering one submission, in order; see
    submission.h, and submission_internal.h for the files of each. */
#include "submission_internal.h"

#include <string.h>

#include "bs_text.h"
#include "channel.h"
#include "commissions.h"
#include "fingerprint.h"

/* receipt appended to packed (NULL: nothing to do). */
static int
s_pack (const intake_receipt_t *receipt, msgpack_sbuffer *packed)
{
    return packed ? bs_codec_encode_record (packed, &bs_submitted_schema, &receipt->record) : BS_OK;
}

static int
s_register (bs_service_t *service, MDB_txn *txn, uint64_t now, bs_submit_t *submission, int flags,
            const intake_vouched_t *vouched, intake_numbers_t *numbers, intake_receipt_t *receipt,
            msgpack_sbuffer *packed, bs_error_t *error)
{
    bs_error_clear (error);
    memset (receipt, 0, sizeof *receipt);
    const intake_channel_t *channel = NULL;
    int rc = submission_check_text (service, submission, &channel, error);
    submission_identity_t identity;
    if (rc == BS_OK)
        rc = submission_identify (service, txn, now, submission, channel, flags, vouched, &identity,
                                  error);
    if (rc != BS_OK)
        return rc;

    const char *key = submission_key (submission, channel);
    submission_key_t kept_under;
    if (key) {
        submission_key_make (&kept_under, channel, &identity, key);
        rc = (flags & INTAKE_ASSIGNED)
                 ? BS_E_NOT_FOUND
                 : submission_key_receipt (service, txn, &kept_under, numbers, receipt);
        if (rc != BS_E_NOT_FOUND) /* BS_OK: the first receipt again */
            return rc == BS_OK ? s_pack (receipt, packed) : rc;
    }
    char note[512] = "";
    rc = identity.held ? BS_OK
                       : intake_commission_check (service, txn, submission, identity.unit, note,
                                                  sizeof note, error);
    if (rc != BS_OK)
        return rc;
    submission_work_t work = {
        .service = service,
        .txn = txn,
        .now = now,
        .submission = submission,
        .channel = channel,
        .identity = &identity,
        .provenance = {.channel = (char *) channel->name,
                       .sender = submission->sender,
                       .officer = identity.officer[0] ? identity.officer : NULL,
                       .operator_name = submission->operator_name,
                       .message_id = submission->message_id,
                       .key = (char *) key,
                       .called_at = submission->called_at,
                       .received_at = now},
        .receipt = receipt,
        .error = error,
        .note = note,
        .numbers = numbers,
    };
    char hex[INTAKE_FINGERPRINT_HEX];
    const char *fingerprint =
        intake_fingerprint (submission->title, submission->body, hex) ? hex : NULL;
    if (identity.held)
        rc = submission_register_held (&work);
    else if (!bs_text_blank (submission->revision_of))
        rc = submission_register_revision (&work, fingerprint);
    else {
        bs_report_t report;
        bool duplicate;
        rc = submission_find_duplicate (&work, fingerprint, &report, &duplicate);
        if (rc == BS_OK && duplicate) {
            rc = submission_register_duplicate (&work, &report);
            bs_codec_record_free (&bs_report_schema, &report);
        } else if (rc == BS_OK)
            rc = submission_register_new (&work, fingerprint);
    }
    if (rc == BS_OK && key)
        return submission_key_keep (service, txn, &kept_under, receipt, packed);
    return rc == BS_OK ? s_pack (receipt, packed) : rc;
}

int
intake_submission_register (bs_service_t *service, MDB_txn *txn, uint64_t now,
                            bs_submit_t *submission, int flags, intake_receipt_t *receipt,
                            bs_error_t *error)
{
    return s_register (service, txn, now, submission, flags, NULL, NULL, receipt, NULL, error);
}

int
intake_submission_register_vouched (bs_service_t *service, MDB_txn *txn, uint64_t now,
                                    bs_submit_t *submission, const intake_vouched_t *vouched,
                                    intake_numbers_t *numbers, intake_receipt_t *receipt,
                                    msgpack_sbuffer *packed, bs_error_t *error)
{
    return s_register (service, txn, now, submission, 0, vouched, numbers, receipt, packed, error);
}

int
intake_submission_setup (bs_service_t *service)
{
    int rc = submission_store_setup ();
    return rc == BS_OK ? submission_fingerprints_open (service) : rc;
}
