/*  submission_keys: the sender's idempotency key (step 3 of
    submission.h): which key a submission has, its hash per channel and
    sender, and the first receipt kept under it; see
    submission_internal.h. */
#include "submission_internal.h"

#include <sodium.h>
#include <string.h>

#include "bs_store.h"
#include "bs_text.h"

const char *
submission_key (const bs_submit_t *submission, const intake_channel_t *channel)
{
    if (!bs_text_blank (submission->key))
        return submission->key;
    if (strcmp (channel->name, "email") == 0 && !bs_text_blank (submission->message_id))
        return submission->message_id;
    return NULL;
}

void
submission_key_hash (const intake_channel_t *channel, const submission_identity_t *identity,
                     const char *key, char hex[65])
{
    crypto_generichash_state state;
    unsigned char hash[32];
    crypto_generichash_init (&state, NULL, 0, sizeof hash);
    crypto_generichash_update (&state, (const unsigned char *) channel->name,
                               strlen (channel->name) + 1);
    crypto_generichash_update (&state, (const unsigned char *) identity->scope,
                               strlen (identity->scope) + 1);
    crypto_generichash_update (&state, (const unsigned char *) key, strlen (key));
    crypto_generichash_final (&state, hash, sizeof hash);
    sodium_bin2hex (hex, 65, hash, sizeof hash);
}

int
submission_key_receipt (bs_service_t *service, MDB_txn *txn, const char *key_hash,
                        intake_receipt_t *receipt)
{
    bs_submitted_t first;
    int rc = bs_store_get_record_by_name (txn, bs_service_dbi (service, "keys"), key_hash,
                                          &bs_submitted_schema, &first);
    if (rc == BS_OK) {
        intake_receipt_set (receipt, &first);
        bs_codec_record_free (&bs_submitted_schema, &first);
    }
    return rc;
}

int
submission_key_keep (bs_service_t *service, MDB_txn *txn, const char *key_hash,
                     const intake_receipt_t *receipt)
{
    return bs_store_put_record_by_name (txn, bs_service_dbi (service, "keys"), key_hash,
                                        &bs_submitted_schema, &receipt->record);
}
