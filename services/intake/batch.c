/*  batch: intake.batch, the direct channel's many reports in one request
    (直報系統). See batch.h. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "bs_log.h"
#include "registry.h"
#include "submission.h"

/* One item, in the batch's transaction: a refusal is decided before the
   first write (submission.h), so a refused item leaves nothing and the
   others stay. (A nested transaction per item would cost LMDB's 2 MiB
   dirty list a thousand times per batch.) A failure after a write fails
   the whole batch. */
static int
s_item (bs_request_t *request, const char *token, const intake_vouched_t *vouched,
        intake_numbers_t *numbers, bs_submit_t *item, intake_receipt_t *receipt,
        msgpack_sbuffer *packed)
{
    bs_error_t error;
    bs_error_clear (&error);
    if (item->channel && *item->channel && strcmp (item->channel, "direct") != 0)
        bs_error_set (&error, BS_E_INVALID, "channel", "a batch item comes by channel direct");
    else if (item->token && *item->token && strcmp (item->token, token) != 0)
        bs_error_set (&error, BS_E_INVALID, "token", "a batch item carries the batch's token");
    else if (!item->key || !*item->key)
        bs_error_set (&error, BS_E_INVALID, "key",
                      "a batch item needs its key, so a retried batch registers it once");
    if (error.code != BS_OK) {
        intake_receipt_error (receipt, request->now, item->key, &error);
        return bs_codec_encode_record (packed, &bs_submitted_schema, &receipt->record);
    }
    char *channel = item->channel, *own_token = item->token;
    item->channel = "direct";
    item->token = (char *) token;
    int rc = intake_submission_register_vouched (request->service, request->txn, request->now, item,
                                                 vouched, numbers, receipt, packed, &error);
    item->channel = channel;
    item->token = own_token;
    if (rc == BS_OK)
        return BS_OK;
    if (rc == BS_E_MAP_FULL || rc == BS_E_STORAGE || rc == BS_E_DISK_FULL || error.code == BS_OK)
        return rc;
    intake_receipt_error (receipt, request->now, item->key, &error);
    return bs_codec_encode_record (packed, &bs_submitted_schema, &receipt->record);
}

/* The batch's reply up to its results: a map of one key, "results", and
   the head of an array of count, as bs_codec_encode_record writes a
   bs_batch_page_t (the smallest forms, msgpack-c's). */
static int
s_page_head (msgpack_sbuffer *packed, size_t count)
{
    const bs_field_t *results = &bs_batch_page_schema.fields[0];
    if (bs_batch_page_schema.field_count != 1 || results->type != BS_FIELD_LIST)
        return BS_E_SYSTEM; /* the schema changed: this head is no longer its record's */
    msgpack_packer packer;
    msgpack_packer_init (&packer, packed, msgpack_sbuffer_write);
    return msgpack_pack_map (&packer, 1)
                   || msgpack_pack_str_with_body (&packer, results->name, results->name_size)
                   || msgpack_pack_array (&packer, count)
               ? BS_E_SYSTEM
               : BS_OK;
}

static int
s_batch (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_batch_t *batch = request->message->data;
    bs_error_t error;
    bs_token_t token;
    int rc = registry_token_check (request->service, request->txn, batch->token, request->now,
                                   &token, &error);
    if (rc != BS_OK) {
        bs_log_info ("batch refused: %s", error.text);
        return bs_request_fail (request, rc, "token", "%s", error.text);
    }
    /* The token and its unit, checked once for every item that carries
       the token alone (submission.h). */
    intake_vouched_t vouched;
    bool vouch = intake_submission_vouch (request->service, request->txn, batch->token, &token,
                                          &vouched)
                 == BS_OK;
    bs_codec_record_free (&bs_token_schema, &token);
    size_t count = batch->items.count;
    /* Each item's receipt is encoded once, into packed: the bytes kept
       under its key are those (submission.h), and the reply is packed as
       it is. One receipt is filled item after item. */
    intake_receipt_t receipt;
    msgpack_sbuffer packed;
    msgpack_sbuffer_init (&packed);
    rc = s_page_head (&packed, count);
    bs_submit_t *items = batch->items.items;
    size_t refused = 0;
    /* The items' report ids and registration numbers: the counters read
       once and written once a batch, not twice each a report. */
    intake_numbers_t numbers;
    intake_numbers_init (&numbers, request->now);
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        rc = s_item (request, batch->token, vouch ? &vouched : NULL, &numbers, &items[i], &receipt,
                     &packed);
        refused += rc == BS_OK && strcmp (receipt.record.status, "error") == 0;
    }
    if (rc == BS_OK)
        rc = intake_numbers_keep (request->service, request->txn, &numbers);
    if (rc == BS_OK) {
        bs_log_info ("batch of %zu items: %zu refused", count, refused);
        rc = bs_request_reply_packed (request, &bs_batch_page_schema, packed.data, packed.size);
    }
    msgpack_sbuffer_destroy (&packed);
    return rc;
}

int
intake_batch_setup (bs_service_t *service)
{
    return bs_service_on (service, &bs_batch_schema, s_batch, NULL, true);
}
