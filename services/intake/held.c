/*  held: submissions waiting for staff to name their unit; see held.h. */
#include "held.h"

#include <stdlib.h>
#include <string.h>

#include "bs_store.h"
#include "databases.h"
#include "reports.h"

int
intake_held_put (bs_service_t *service, MDB_txn *txn, uint64_t now, const bs_submit_t *submission,
                 const char *reason, uint64_t *hold_id)
{
    int rc = bs_store_next_counter (txn, intake_dbi (service, INTAKE_DB_COUNTERS), "hold", hold_id);
    if (rc != BS_OK)
        return rc;
    bs_held_item_t item = {.hold_id = *hold_id,
                           .channel = submission->channel,
                           .sender = submission->sender,
                           .title = submission->title,
                           .reason = (char *) reason,
                           .received_at = now};
    rc = bs_store_put_record (txn, intake_dbi (service, INTAKE_DB_HELD), *hold_id,
                              &bs_held_item_schema, &item);
    /* The bytes of attachments go beside the submission, which keeps only
       their names: a stored record stays small. */
    const bs_list_t *attachments = &submission->attachments;
    bs_attachment_t *light = calloc (attachments->count + 1, sizeof *light);
    if (!light)
        return BS_E_SYSTEM;
    const bs_attachment_t *items = attachments->items;
    for (size_t i = 0; rc == BS_OK && i < attachments->count; i++) {
        light[i] = items[i];
        light[i].data = (bs_bytes_t){0, NULL};
        unsigned char key[16];
        MDB_val mkey = {intake_key (key, *hold_id, 1, i, 0), key},
                value = {items[i].data.size, items[i].data.data};
        int put = bs_store_put (txn, intake_dbi (service, INTAKE_DB_HELD_FILES), &mkey, &value, 0);
        rc = put ? bs_store_error (put, "hold an attachment") : BS_OK;
    }
    bs_submit_t kept = *submission;
    kept.attachments = (bs_list_t){attachments->count, light};
    if (rc == BS_OK)
        rc = bs_store_put_record (txn, intake_dbi (service, INTAKE_DB_HELD_SUBMISSIONS), *hold_id,
                                  &bs_submit_schema, &kept);
    free (light);
    return rc;
}

static int
s_held_list (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_held_list_t *query = request->message->data;
    bs_held_page_t page = {0};
    int rc = bs_store_page (request->txn, intake_dbi (request->service, INTAKE_DB_HELD),
                            &bs_held_item_schema, query->after, query->limit ? query->limit : 100,
                            NULL, NULL, &page.items, &page.next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_held_page_schema, &page);
    bs_codec_record_free (&bs_held_page_schema, &page);
    return rc;
}

static int
s_delete (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t size)
{
    MDB_val mkey = {size, (void *) key};
    int rc = bs_store_del (txn, dbi, &mkey);
    return rc == 0 || rc == MDB_NOTFOUND ? BS_OK : bs_store_error (rc, "forget a held item");
}

int
intake_held_take (bs_service_t *service, MDB_txn *txn, uint64_t hold_id, bs_submit_t *submission)
{
    int rc = bs_store_get_record (txn, intake_dbi (service, INTAKE_DB_HELD_SUBMISSIONS), hold_id,
                                  &bs_submit_schema, submission);
    if (rc != BS_OK)
        return rc;
    bs_attachment_t *items = submission->attachments.items;
    for (size_t i = 0; rc == BS_OK && i < submission->attachments.count; i++) {
        unsigned char key[16];
        size_t key_size = intake_key (key, hold_id, 1, i, 0);
        MDB_val mkey = {key_size, key}, value;
        int found = mdb_get (txn, intake_dbi (service, INTAKE_DB_HELD_FILES), &mkey, &value);
        if (found)
            rc = bs_store_error (found, "read a held attachment");
        else {
            items[i].data.data = malloc (value.mv_size);
            items[i].data.size = value.mv_size;
            if (items[i].data.data)
                memcpy (items[i].data.data, value.mv_data, value.mv_size);
            else
                rc = BS_E_SYSTEM;
        }
        if (rc == BS_OK)
            rc = s_delete (txn, intake_dbi (service, INTAKE_DB_HELD_FILES), key, key_size);
    }
    unsigned char key[8];
    bs_store_key (hold_id, key);
    if (rc == BS_OK)
        rc = s_delete (txn, intake_dbi (service, INTAKE_DB_HELD), key, sizeof key);
    if (rc == BS_OK)
        rc = s_delete (txn, intake_dbi (service, INTAKE_DB_HELD_SUBMISSIONS), key, sizeof key);
    if (rc != BS_OK)
        bs_codec_record_free (&bs_submit_schema, submission);
    return rc;
}

int
intake_held_setup (bs_service_t *service)
{
    /* Held mail is no unit's yet (its sender is unknown): staff read it. */
    int rc = bs_service_on (service, &bs_held_list_schema, s_held_list, NULL, false);
    return rc == BS_OK ? bs_service_allow (service, &bs_held_list_schema, INTAKE_READS_EVERY_UNIT)
                       : rc;
}
