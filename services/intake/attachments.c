/*  attachments: storing and fetching report attachments; see
    attachments.h. */
#include "attachments.h"

#include <sodium.h>
#include <stdbool.h>
#include <string.h>

#include "bs_store.h"
#include "reports.h"

/* A media type as RFC 2045 has it: type "/" subtype, both tokens, then
   parameters in printable ASCII. Gateways echo it in a Content-Type
   header, so CR, LF and every other control character are refused. */
static bool
s_content_type_ok (const char *type)
{
    static const char token[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789!#$%&'*+-.^_`{|}~";
    size_t first = strspn (type, token);
    if (!first || type[first] != '/')
        return false;
    const char *subtype = type + first + 1;
    size_t second = strspn (subtype, token);
    const char *rest = subtype + second;
    if (!second || (*rest && *rest != ';' && *rest != ' '))
        return false;
    for (; *rest; rest++)
        if ((unsigned char) *rest < 0x20 || (unsigned char) *rest > 0x7e)
            return false;
    return true;
}

int
intake_attachments_check (bs_service_t *service, const bs_list_t *attachments, bs_error_t *error)
{
    if (attachments->count == 0)
        return BS_OK; /* no bytes: within any limit (no configuration read a report) */
    uint64_t limit =
        bs_config_get_number (bs_service_config (service), "intake.attachments_max_bytes");
    uint64_t total = 0;
    const bs_attachment_t *items = attachments->items;
    for (size_t i = 0; i < attachments->count; i++) {
        if (items[i].data.size == 0)
            return bs_error_set (error, BS_E_INVALID, "attachments", "attachment %zu (%s) is empty",
                                 i, items[i].name);
        if (items[i].data.size > BS_ATTACHMENT_MAX)
            return bs_error_set (error, BS_E_INVALID, "attachments",
                                 "attachment %zu (%s) has %zu bytes; at most %u", i, items[i].name,
                                 items[i].data.size, BS_ATTACHMENT_MAX);
        if (!s_content_type_ok (items[i].content_type))
            return bs_error_set (error, BS_E_INVALID, "attachments",
                                 "attachment %zu has no valid content type (type/subtype, "
                                 "printable ASCII)",
                                 i);
        total += items[i].data.size;
    }
    if (total > limit)
        return bs_error_set (error, BS_E_INVALID, "attachments",
                             "the attachments have %llu bytes in all; at most %llu",
                             (unsigned long long) total, (unsigned long long) limit);
    return BS_OK;
}

int
intake_attachments_store (bs_service_t *service, MDB_txn *txn, uint64_t report_id, uint64_t version,
                          size_t first, const bs_list_t *attachments, bs_attachment_t *descriptions,
                          char (*sha256)[65])
{
    MDB_dbi dbi = bs_service_dbi (service, "attachments");
    const bs_attachment_t *items = attachments->items;
    for (size_t i = 0; i < attachments->count; i++) {
        unsigned char hash[crypto_hash_sha256_BYTES];
        crypto_hash_sha256 (hash, items[i].data.data, items[i].data.size);
        sodium_bin2hex (sha256[i], 65, hash, sizeof hash);
        descriptions[i] = (bs_attachment_t){.name = items[i].name,
                                            .content_type = items[i].content_type,
                                            .size = items[i].data.size,
                                            .sha256 = sha256[i]};
        unsigned char key[16];
        MDB_val mkey = {intake_key (key, report_id, 2, version, first + i), key},
                value = {items[i].data.size, items[i].data.data};
        int rc = bs_store_put (txn, dbi, &mkey, &value, 0);
        if (rc)
            return bs_store_error (rc, "store an attachment");
    }
    return BS_OK;
}

static int
s_attachment_get (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_attachment_get_t *query = request->message->data;
    bs_service_t *service = request->service;
    bs_report_t report;
    const char *missing;
    int rc = intake_report_read (&request->principal, service, request->txn, query->report_id,
                                 query->version, &report, &missing);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, rc, missing, "no report %llu%s",
                                (unsigned long long) query->report_id,
                                strcmp (missing, "version") == 0 ? " at that version" : "");
    if (rc != BS_OK)
        return rc;
    uint64_t version = report.version ? report.version : 1;
    if (query->index >= report.attachments.count)
        rc = bs_request_fail (request, BS_E_NOT_FOUND, "index",
                              "report %llu version %llu has %zu attachments",
                              (unsigned long long) query->report_id, (unsigned long long) version,
                              report.attachments.count);
    else {
        bs_attachment_t attachment = ((bs_attachment_t *) report.attachments.items)[query->index];
        unsigned char key[16];
        MDB_val mkey = {intake_key (key, query->report_id, 2, version, query->index), key}, value;
        int found = mdb_get (request->txn, bs_service_dbi (service, "attachments"), &mkey, &value);
        if (found == 0) {
            attachment.data = (bs_bytes_t){value.mv_size, value.mv_data};
            rc = bs_request_reply (request, &bs_attachment_schema, &attachment);
        } else
            rc = found == MDB_NOTFOUND
                     ? bs_request_fail (request, BS_E_NOT_FOUND, "index", "the bytes are missing")
                     : bs_store_error (found, "read an attachment");
    }
    bs_codec_record_free (&bs_report_schema, &report);
    return rc;
}

int
intake_attachments_setup (bs_service_t *service)
{
    return bs_service_on (service, &bs_attachment_get_schema, s_attachment_get, NULL, false);
}
