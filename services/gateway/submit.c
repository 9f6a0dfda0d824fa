/*  submit: a report from the JSON API (routes.c) or the plain form
    (pages.c): the form's fields into a submission, the principal's unit
    and idempotency key onto it, and the call to intake; see gateway.h.
*/
#include "gateway.h"

#include <stdlib.h>
#include <string.h>

#include "bs_log.h"

static bool
s_set (const char *text)
{
    return text && *text;
}

int
gateway_submit (gateway_request_t *request, bs_submit_t *submit, bs_submitted_t *receipt,
                unsigned *status, bs_error_t *error)
{
    gateway_principal_t *principal = &request->principal;
    memset (receipt, 0, sizeof *receipt);
    *status = 400;
    /* What the gateway vouches for is not the client's to say. */
    struct {
        const char *name;
        bool given;
    } owned[] = {{"token", s_set (submit->token)},
                 {"sender", s_set (submit->sender)},
                 {"operator", s_set (submit->operator_name)},
                 {"message_id", s_set (submit->message_id)},
                 {"called_at", submit->called_at != 0}};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        if (owned[i].given)
            return bs_error_set (error, BS_E_INVALID, owned[i].name,
                                 "%s is set by the gateway, not by the client", owned[i].name);
    if (!*principal->unit) {
        *status = 403;
        bs_error_set (error, BS_E_INVALID, "unit", "%s belongs to no unit", principal->login);
        return bs_error_reason (error, "no_unit", 0);
    }
    if (s_set (submit->unit) && strcmp (submit->unit, principal->unit) != 0) {
        *status = 403;
        return bs_error_set (error, BS_E_INVALID, "unit",
                             "you may submit only for your own unit (%s), not for %s",
                             principal->unit, submit->unit);
    }
    bool token = principal->roles & GATEWAY_ROLE_TOKEN;
    if (s_set (submit->officer) && (token || strcmp (submit->officer, principal->login) != 0)) {
        *status = 403;
        return bs_error_set (error, BS_E_INVALID, "officer", "you may submit only as yourself");
    }
    const char *header_key = gateway_header (request, "Idempotency-Key");
    if (s_set (header_key) && s_set (submit->key) && strcmp (header_key, submit->key) != 0)
        return bs_error_set (error, BS_E_INVALID, "key",
                             "key and the Idempotency-Key header differ");
    free (submit->unit);
    free (submit->officer);
    free (submit->token);
    free (submit->channel);
    submit->unit = strdup (principal->unit);
    submit->officer = token ? NULL : strdup (principal->login);
    submit->token = token ? strdup (principal->secret) : NULL;
    submit->channel = strdup (token ? "direct" : "web");
    if (!s_set (submit->key) && s_set (header_key)) {
        free (submit->key);
        submit->key = strdup (header_key);
    }
    char id[BS_ID_MAX];
    int rc = gateway_idempotency_id (request, "submit", submit->key, id, sizeof id, error);
    if (rc != BS_OK)
        return rc;
    rc = gateway_call (request, "intake", id, &bs_submit_schema, submit, &bs_submitted_schema,
                       receipt, error);
    if (rc == BS_OK) {
        *status = 201;
        if (receipt->status && strcmp (receipt->status, "duplicate") == 0)
            *status = 200;
        else if (receipt->status && strcmp (receipt->status, "held") == 0)
            *status = 202;
        return BS_OK;
    }
    *status = gateway_http_status (rc);
    /* Intake does not know (or no longer accepts) the unit, officer or
       token the caller signed in as: their credentials are no good. (A
       unit other than their own never gets this far.) */
    if ((rc == BS_E_NOT_FOUND || rc == BS_E_DENIED)
        && (strcmp (error->field, "unit") == 0 || strcmp (error->field, "officer") == 0
            || strcmp (error->field, "token") == 0))
        *status = 401;
    return rc;
}

int
gateway_submit_from_form (gateway_request_t *request, bs_submit_t *submit, bs_error_t *error)
{
    memset (submit, 0, sizeof *submit);
    json_t *object = json_object ();
    size_t files = 0;
    for (size_t i = 0; i < request->part_count; i++) {
        gateway_part_t *part = &request->parts[i];
        if (part->filename) {
            if (*part->filename || part->size)
                files++;
            continue;
        }
        if (strcmp (part->name, "csrf") == 0)
            continue;
        if (!bs_codec_utf8_valid ((const char *) part->data, part->size)
            || strlen ((const char *) part->data) != part->size) {
            json_decref (object);
            return bs_error_set (error, BS_E_MALFORMED, part->name, "%s is not valid UTF-8 text",
                                 part->name);
        }
        /* Browsers send an untouched optional box as ""; that is absent. */
        if (!part->size && strcmp (part->name, "title") != 0 && strcmp (part->name, "body") != 0)
            continue;
        json_object_set_new (
            object, part->name,
            gateway_form_value (&bs_submit_schema, part->name, (const char *) part->data));
    }
    int rc = bs_json_to_record (object, &bs_submit_schema, submit, error);
    json_decref (object);
    if (rc != BS_OK || files == 0)
        return rc;
    if (files > BS_ATTACHMENTS_MAX) {
        bs_codec_record_free (&bs_submit_schema, submit);
        bs_error_set (error, BS_E_INVALID, "attachments", "more than %d attachments",
                      BS_ATTACHMENTS_MAX);
        return bs_error_reason (error, "too_many", 0);
    }
    bs_attachment_t *attachments = calloc (files, sizeof *attachments);
    if (!attachments) {
        bs_codec_record_free (&bs_submit_schema, submit);
        return bs_error_set (error, BS_E_SYSTEM, "attachments", "out of memory");
    }
    submit->attachments.items = attachments;
    submit->attachments.count = files;
    size_t index = 0;
    for (size_t i = 0; i < request->part_count; i++) {
        gateway_part_t *part = &request->parts[i];
        if (!part->filename || (!*part->filename && !part->size))
            continue;
        bs_attachment_t *attachment = &attachments[index++];
        const char *name = *part->filename ? part->filename : part->name;
        if (!bs_codec_utf8_valid (name, strlen (name)) || strlen (name) > 255) {
            bs_codec_record_free (&bs_submit_schema, submit);
            bs_error_set (error, BS_E_INVALID, "attachments",
                          "an attachment's file name is not UTF-8 or over 255 bytes");
            return bs_error_reason (error, "file_name", 0);
        }
        attachment->name = strdup (name);
        attachment->content_type =
            strdup (s_set (part->content_type) ? part->content_type : "application/octet-stream");
        attachment->size = part->size;
        /* The part's buffer moves into the record: no copy of the bytes. */
        attachment->data.size = part->size;
        attachment->data.data = part->size ? part->data : NULL;
        if (part->size)
            part->data = NULL;
        if (!attachment->name || !attachment->content_type) {
            bs_codec_record_free (&bs_submit_schema, submit);
            return bs_error_set (error, BS_E_SYSTEM, "attachments", "out of memory");
        }
    }
    return BS_OK;
}
