/*  submission_duplicates: the content fingerprint's index (step 5 of
    submission.h): the same title and body from the same unit within
    intake.dedup_window_hours is the same report, which keeps this copy's
    provenance and attachments; see submission_internal.h. */
#include "submission_internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attachments.h"
#include "bs_log.h"
#include "bs_store.h"
#include "fingerprint.h"
#include "reports.h"

#define S_PROVENANCES_MAX 16
#define S_FINGERPRINT_KEY_MAX (BS_UNIT_MAX + INTAKE_FINGERPRINT_HEX + 2)

/* The index's key: the unit, a unit separator, the fingerprint. */
static void
s_fingerprint_key (const submission_work_t *work, const char *fingerprint,
                   char key[S_FINGERPRINT_KEY_MAX])
{
    snprintf (key, S_FINGERPRINT_KEY_MAX, "%s\x1f%s", work->identity->unit, fingerprint);
}

int
submission_fingerprint_put (submission_work_t *work, const char *fingerprint, uint64_t report_id)
{
    if (!fingerprint)
        return BS_OK;
    char key[S_FINGERPRINT_KEY_MAX];
    s_fingerprint_key (work, fingerprint, key);
    unsigned char value[8];
    bs_store_key (report_id, value);
    return bs_store_put_bytes (work->txn, bs_service_dbi (work->service, "fingerprints"), key,
                               value, sizeof value);
}

int
submission_find_duplicate (submission_work_t *work, const char *fingerprint, bs_report_t *report,
                           bool *found)
{
    *found = false;
    if (!fingerprint)
        return BS_OK;
    char key[S_FINGERPRINT_KEY_MAX];
    s_fingerprint_key (work, fingerprint, key);
    const void *value;
    size_t size;
    int rc = bs_store_get_bytes (work->txn, bs_service_dbi (work->service, "fingerprints"), key,
                                 &value, &size);
    if (rc == BS_E_NOT_FOUND || (rc == BS_OK && size != 8))
        return BS_OK;
    if (rc != BS_OK)
        return rc;
    rc = intake_report_load (work->service, work->txn, bs_store_key_value (value), 0, report);
    if (rc != BS_OK)
        return rc;
    uint64_t window =
        bs_config_get_number (bs_service_config (work->service), "intake.dedup_window_hours") * 3600
        * 1000;
    *found = work->now <= report->received_at + window;
    if (!*found)
        bs_codec_record_free (&bs_report_schema, report);
    return BS_OK;
}

int
submission_register_duplicate (submission_work_t *work, bs_report_t *report)
{
    const bs_list_t *attachments = &work->submission->attachments;
    size_t have = report->attachments.count, count = report->provenances.count;
    bs_provenance_t *provenances = calloc (count + 1, sizeof *provenances);
    bs_attachment_t *all = calloc (have + attachments->count + 1, sizeof *all);
    char (*sha256)[65] = calloc (attachments->count + 1, sizeof *sha256);
    int rc = provenances && all && sha256 ? BS_OK : BS_E_SYSTEM;
    if (rc == BS_OK) {
        if (count)
            memcpy (provenances, report->provenances.items, count * sizeof *provenances);
        if (count < S_PROVENANCES_MAX)
            provenances[count++] = work->provenance;
        if (have)
            memcpy (all, report->attachments.items, have * sizeof *all);
    }
    const bs_attachment_t *items = attachments->items;
    size_t total = have;
    for (size_t i = 0; rc == BS_OK && i < attachments->count && total < BS_ATTACHMENTS_MAX; i++) {
        unsigned char hash[crypto_hash_sha256_BYTES];
        char hex[65];
        crypto_hash_sha256 (hash, items[i].data.data, items[i].data.size);
        sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
        bool known = false;
        for (size_t k = 0; k < total; k++)
            known |= all[k].sha256 && strcmp (all[k].sha256, hex) == 0;
        if (known)
            continue;
        bs_list_t one = {1, (void *) &items[i]};
        rc = intake_attachments_store (work->service, work->txn, report->report_id,
                                       report->version ? report->version : 1, total, &one,
                                       &all[total], &sha256[i]);
        total++;
    }
    if (rc == BS_OK) {
        bs_report_t updated = *report;
        updated.provenances = (bs_list_t){count, provenances};
        updated.attachments = (bs_list_t){total, all};
        rc = bs_store_put_record (work->txn, bs_service_dbi (work->service, "reports"),
                                  report->report_id, &bs_report_schema, &updated);
    }
    if (rc == BS_OK) {
        submission_receipt_report (work, report, "duplicate");
        bs_log_info ("a %s copy of report %s from %s is a duplicate", work->channel->name,
                     report->reg_no, work->identity->unit);
    }
    free (provenances);
    free (all);
    free (sha256);
    return rc;
}
