/*  submission_keys: the sender's idempotency key (step 3 of
    submission.h): which key a submission has, where it is kept per
    channel and sender, and the first receipt kept under it; see
    submission_internal.h. */
#include "submission_internal.h"

#include <sodium.h>
#include <string.h>

#include "bs_store.h"
#include "bs_text.h"
#include "databases.h"

const char *
submission_key (const bs_submit_t *submission, const intake_channel_t *channel)
{
    if (!bs_text_blank (submission->key))
        return submission->key;
    if (strcmp (channel->name, "email") == 0 && !bs_text_blank (submission->message_id))
        return submission->message_id;
    return NULL;
}

/* BLAKE2b of channel and scope, each with its NUL, into state: how both
   layouts of the keys start. */
static void
s_hash_sender (crypto_generichash_state *state, size_t size, const submission_key_t *kept_under)
{
    const char *channel = kept_under->channel->name, *scope = kept_under->identity->scope;
    crypto_generichash_init (state, NULL, 0, size);
    crypto_generichash_update (state, (const unsigned char *) channel, strlen (channel) + 1);
    crypto_generichash_update (state, (const unsigned char *) scope, strlen (scope) + 1);
}

/* The last sender hashed by this thread, channel and scope, and its hash
   in hex: a batch's thousand items are one sender's, hashed once. */
static _Thread_local struct {
    char channel[32];
    char scope[SUBMISSION_SCOPE_MAX];
    char hex[33];
} s_last;

void
submission_key_make (submission_key_t *kept_under, const intake_channel_t *channel,
                     const submission_identity_t *identity, const char *key)
{
    kept_under->channel = channel;
    kept_under->identity = identity;
    kept_under->key = key;
    if (s_last.hex[0] && strcmp (s_last.channel, channel->name) == 0
        && strcmp (s_last.scope, identity->scope) == 0)
        memcpy (kept_under->name, s_last.hex, 33);
    else {
        crypto_generichash_state state;
        unsigned char hash[16];
        s_hash_sender (&state, sizeof hash, kept_under);
        crypto_generichash_final (&state, hash, sizeof hash);
        sodium_bin2hex (kept_under->name, 33, hash, sizeof hash);
        size_t channel_length = strlen (channel->name), scope_length = strlen (identity->scope);
        s_last.hex[0] = 0;
        if (channel_length < sizeof s_last.channel && scope_length < sizeof s_last.scope) {
            memcpy (s_last.channel, channel->name, channel_length + 1);
            memcpy (s_last.scope, identity->scope, scope_length + 1);
            memcpy (s_last.hex, kept_under->name, 33);
        }
    }
    size_t length = strnlen (key, SUBMISSION_KEY_NAME_MAX - 33);
    kept_under->name[32] = 0x1f;
    memcpy (kept_under->name + 33, key, length);
    kept_under->name[33 + length] = 0;
}

/* Where a store made before kept the key: in "keys", under BLAKE2b-256
   of channel, scope and key, in hex. */
static void
s_earlier_name (const submission_key_t *kept_under, char hex[65])
{
    crypto_generichash_state state;
    unsigned char hash[32];
    s_hash_sender (&state, sizeof hash, kept_under);
    crypto_generichash_update (&state, (const unsigned char *) kept_under->key,
                               strlen (kept_under->key));
    crypto_generichash_final (&state, hash, sizeof hash);
    sodium_bin2hex (hex, 65, hash, sizeof hash);
}

/* The first receipt under kept_under, into first. */
static int
s_first (bs_service_t *service, MDB_txn *txn, const submission_key_t *kept_under,
         intake_numbers_t *numbers, bs_submitted_t *first)
{
    int rc = bs_store_get_record_by_name (txn, intake_dbi (service, INTAKE_DB_SENDER_KEYS),
                                          kept_under->name, &bs_submitted_schema, first);
    if (rc != BS_E_NOT_FOUND)
        return rc;
    MDB_dbi earlier = intake_dbi (service, INTAKE_DB_KEYS);
    bool held = false;
    rc = submission_earlier_held (txn, earlier, numbers ? &numbers->earlier_keys : NULL, &held);
    if (rc != BS_OK || !held)
        return rc == BS_OK ? BS_E_NOT_FOUND : rc;
    char hex[65];
    s_earlier_name (kept_under, hex);
    return bs_store_get_record_by_name (txn, earlier, hex, &bs_submitted_schema, first);
}

int
submission_key_receipt (bs_service_t *service, MDB_txn *txn, const submission_key_t *kept_under,
                        intake_numbers_t *numbers, intake_receipt_t *receipt)
{
    bs_submitted_t first;
    int rc = s_first (service, txn, kept_under, numbers, &first);
    if (rc == BS_OK) {
        intake_receipt_set (receipt, &first);
        bs_codec_record_free (&bs_submitted_schema, &first);
    }
    return rc;
}

int
submission_key_keep (bs_service_t *service, MDB_txn *txn, const submission_key_t *kept_under,
                     const intake_receipt_t *receipt, msgpack_sbuffer *packed)
{
    MDB_dbi dbi = intake_dbi (service, INTAKE_DB_SENDER_KEYS);
    if (!packed)
        return bs_store_put_record_by_name (txn, dbi, kept_under->name, &bs_submitted_schema,
                                            &receipt->record);
    size_t start = packed->size;
    int rc = bs_codec_encode_record (packed, &bs_submitted_schema, &receipt->record);
    if (rc == BS_OK)
        rc = bs_store_put_bytes (txn, dbi, kept_under->name, packed->data + start,
                                 packed->size - start);
    if (rc != BS_OK)
        packed->size = start;
    return rc;
}
