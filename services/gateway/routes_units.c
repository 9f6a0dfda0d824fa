/*  gateway routes_units: what a reporting unit's officer does about
    commissions and withdrawal, always for their own unit (the principal's),
    never for a unit named in the request.

      GET  /api/v1/commissions   the commissions (約稿) that ask the unit,
                                 each with only the unit's own line
                                 (?open=true: only those still open)
      POST /api/v1/withdrawals   {"report_id", "reason"}: withdraw (撤回) a
                                 report of the unit before an editor claims
                                 it; the case comes back, or 409 saying why
                                 not
      GET  /api/v1/notices       the notices and reporting guidance sent to
                                 the unit (?kind=guidance), with the unit's
                                 own read receipts only
      POST /api/v1/notices/read  {"notice_id"}: the caller has read it

    Editors use the review rows of routes.c (review/commissions, ...).
*/
#include "gateway.h"

#include <stdlib.h>
#include <string.h>

#include "bs_records.h"

static bool
s_no_unit (gateway_request_t *request, enum MHD_Result *result)
{
    if (*request->principal.unit)
        return false;
    bs_error_t error;
    bs_error_set (&error, BS_E_DENIED, "unit", "%s belongs to no unit", request->principal.login);
    bs_error_reason (&error, "no_unit", 0);
    *result = gateway_refuse (request, 403, &error);
    return true;
}

enum MHD_Result
gateway_unit_commissions (gateway_request_t *request, const gateway_route_t *route,
                          const char *tail)
{
    (void) route;
    (void) tail;
    enum MHD_Result result;
    if (s_no_unit (request, &result))
        return result;
    const char *open = gateway_query (request, "open");
    bs_commission_list_t query = {.unit = request->principal.unit,
                                  .open = open && strcmp (open, "true") == 0,
                                  .limit = BS_PAGE_MAX};
    bs_commission_page_t page = {0};
    bs_error_t error;
    int rc = gateway_call (request, "review", NULL, &bs_commission_list_schema, &query,
                           &bs_commission_page_schema, &page, &error);
    if (rc != BS_OK)
        return gateway_reply_failure (request, &error);
    bs_commission_t *commissions = page.commissions.items;
    for (size_t i = 0; i < page.commissions.count; i++)
        bs_commission_keep_unit (&commissions[i], request->principal.unit);
    json_t *body = bs_json_from_record (&bs_commission_page_schema, &page);
    bs_codec_record_free (&bs_commission_page_schema, &page);
    return gateway_reply_json (request, 200, body, NULL, NULL);
}

enum MHD_Result
gateway_unit_notices (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    enum MHD_Result result;
    if (s_no_unit (request, &result))
        return result;
    bs_notice_list_t query = {.unit = request->principal.unit,
                              .kind = (char *) gateway_query (request, "kind"),
                              .limit = BS_PAGE_MAX};
    bs_notice_page_t page = {0};
    bs_error_t error;
    int rc = gateway_call (request, "review", NULL, &bs_notice_list_schema, &query,
                           &bs_notice_page_schema, &page, &error);
    if (rc != BS_OK)
        return gateway_reply_failure (request, &error);
    bs_notice_t *notices = page.notices.items;
    for (size_t i = 0; i < page.notices.count; i++)
        bs_notice_keep_unit (&notices[i], request->principal.unit);
    json_t *body = bs_json_from_record (&bs_notice_page_schema, &page);
    bs_codec_record_free (&bs_notice_page_schema, &page);
    return gateway_reply_json (request, 200, body, NULL, NULL);
}

/* The JSON body as record of schema, with unit and officer the caller's
   (given by the client they are refused). BS_OK, or the answer queued in
   *result. */
static int
s_body_as_caller (gateway_request_t *request, const bs_schema_t *schema, void *record,
                  enum MHD_Result *result)
{
    if (s_no_unit (request, result))
        return BS_E_DENIED;
    json_t *object;
    bs_error_t error;
    if (gateway_body_json (request, &object, &error) != BS_OK) {
        *result = gateway_reply_failure (request, &error);
        return error.code;
    }
    static const char *const owned[] = {"unit", "officer"};
    for (size_t i = 0; i < 2; i++)
        if (json_object_get (object, owned[i])) {
            json_decref (object);
            *result = gateway_reply_error (request, 400, "invalid", owned[i],
                                           "%s is set by the gateway, not by the client", owned[i]);
            return BS_E_INVALID;
        }
    json_object_set_new (object, "unit", json_string (request->principal.unit));
    json_object_set_new (object, "officer", json_string (request->principal.login));
    int rc = bs_json_to_record (object, schema, record, &error);
    json_decref (object);
    if (rc != BS_OK)
        *result = gateway_reply_failure (request, &error);
    return rc;
}

/* Send record of schema to review as the caller; answer with its reply. */
static enum MHD_Result
s_act_as_caller (gateway_request_t *request, const bs_schema_t *schema,
                 const bs_schema_t *reply_schema)
{
    enum MHD_Result result;
    void *record = calloc (1, schema->record_size);
    void *reply = calloc (1, reply_schema->record_size);
    if (!record || !reply) {
        free (record);
        free (reply);
        return gateway_reply_error (request, 500, "system", "", "out of memory");
    }
    if (s_body_as_caller (request, schema, record, &result) == BS_OK) {
        bs_error_t error;
        int rc =
            gateway_call (request, "review", NULL, schema, record, reply_schema, reply, &error);
        if (rc == BS_OK) {
            result = gateway_reply_json (request, 200, bs_json_from_record (reply_schema, reply),
                                         NULL, NULL);
            bs_codec_record_free (reply_schema, reply);
        } else
            result = gateway_reply_failure (request, &error);
        bs_codec_record_free (schema, record);
    }
    free (record);
    free (reply);
    return result;
}

enum MHD_Result
gateway_notice_read (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    return s_act_as_caller (request, &bs_notice_read_schema, &bs_notice_schema);
}

enum MHD_Result
gateway_withdraw (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    return s_act_as_caller (request, &bs_withdraw_schema, &bs_review_case_schema);
}
