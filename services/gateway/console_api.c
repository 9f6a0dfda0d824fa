/*  gateway console_api: the endpoints the web console needs beyond plain
    commands (those are rows of routes.c).

    GET /api/v1/my/reports lists the reports of the caller's own unit with
    their review state, critique and scores: the unit is always the
    caller's, whatever the query says, so an officer never sees another
    unit's report. GET /api/v1/status pings every service, as `baosong
    status` does, each on a client of its own with a short patience so a
    service that is down answers "not running" within half a second.
    GET /api/v1/settings gives the pages the configured vocabularies:
    periodicals, review criteria and the highest score.
    GET /api/v1/people names the people of the system for the desk's
    pages, which show who claimed, decided or signed off by name as
    entered, not by login: {"people": [{"login", "name"}]}.
    GET /api/v1/my/upward?report_id=N tells an officer what the levels
    above did with a report of their own unit (publication.upward:
    forwards and adoptions); another unit's report is 404, as on
    GET /api/v1/reports/{id}.
*/
#include "gateway.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs_log.h"
#include "bs_proto.h"

/* The services the status lists, in the order their data flows. */
static const char *const s_services[] = {"intake", "review", "publication", "statistics", "mail"};

/* A number of the query string: BS_OK (0 when absent) or BS_E_INVALID. */
static int
s_query_number (gateway_request_t *request, const char *name, uint64_t *value)
{
    const char *text = gateway_query (request, name);
    *value = 0;
    if (!text || !*text)
        return BS_OK;
    if (strspn (text, "0123456789") != strlen (text) || strlen (text) > 19)
        return BS_E_INVALID;
    *value = strtoull (text, NULL, 10);
    return BS_OK;
}

enum MHD_Result
gateway_console_my_reports (gateway_request_t *request, const gateway_route_t *route,
                            const char *tail)
{
    (void) tail;
    const gateway_principal_t *principal = &request->principal;
    if (!*principal->unit)
        return gateway_reply_error (request, 403, "forbidden", "unit", "%s belongs to no unit",
                                    principal->login);
    bs_queue_request_t query = {.all = true, .unit = (char *) principal->unit};
    if (s_query_number (request, "after", &query.after) != BS_OK)
        return gateway_reply_error (request, 400, "invalid", "after", "after must be a number");
    if (s_query_number (request, "limit", &query.limit) != BS_OK || query.limit > BS_PAGE_MAX)
        return gateway_reply_error (request, 400, "invalid", "limit",
                                    "limit must be a number up to %d", BS_PAGE_MAX);
    bs_case_page_t page = {0};
    bs_error_t error;
    int rc = gateway_call (request, route->service, NULL, route->request, &query, route->reply,
                           &page, &error);
    if (rc != BS_OK)
        return gateway_reply_failure (request, &error);
    json_t *body = bs_json_from_record (route->reply, &page);
    bs_codec_record_free (route->reply, &page);
    return gateway_reply_json (request, 200, body, NULL, NULL);
}

enum MHD_Result
gateway_console_my_upward (gateway_request_t *request, const gateway_route_t *route,
                           const char *tail)
{
    (void) tail;
    uint64_t report_id;
    if (s_query_number (request, "report_id", &report_id) != BS_OK || !report_id)
        return gateway_reply_error (request, 400, "invalid", "report_id",
                                    "report_id must be a number");
    bs_report_get_t query = {.report_id = report_id};
    bs_report_t report = {0};
    bs_error_t error;
    int rc = gateway_call (request, "intake", NULL, &bs_report_get_schema, &query,
                           &bs_report_schema, &report, &error);
    if (rc != BS_OK && rc != BS_E_NOT_FOUND && rc != BS_E_INVALID)
        return gateway_reply_failure (request, &error);
    bool own = rc == BS_OK && strcmp (report.unit, request->principal.unit) == 0;
    bs_codec_record_free (&bs_report_schema, &report);
    if (!own)
        return gateway_reply_error (request, 404, "not_found", "report_id", "no report %llu",
                                    (unsigned long long) report_id);
    bs_upward_request_t upward = {.report_id = report_id};
    bs_upward_page_t page = {0};
    rc = gateway_call (request, route->service, NULL, route->request, &upward, route->reply, &page,
                       &error);
    if (rc != BS_OK)
        return gateway_reply_failure (request, &error);
    json_t *body = bs_json_from_record (route->reply, &page);
    bs_codec_record_free (route->reply, &page);
    return gateway_reply_json (request, 200, body, NULL, NULL);
}

/* One service's line: {"service", "running", "pid", "started_at"} or the error. */
static json_t *
s_ping (gateway_request_t *request, const char *service)
{
    bs_client_t *client = bs_client_new (gateway_config (request->gateway), service, "gateway");
    if (!client)
        return json_pack ("{s:s, s:b, s:s}", "service", service, "running", 0, "error",
                          "cannot make a client");
    bs_client_set_patience (client, 500, 1);
    bs_ping_t ping = {0};
    bs_ping_reply_t reply = {0};
    bs_error_t error;
    int rc = bs_client_call (client, &bs_ping_schema, &ping, &bs_ping_reply_schema, &reply, &error);
    bs_client_destroy (&client);
    json_t *line;
    if (rc == BS_OK)
        line = json_pack ("{s:s, s:b, s:I, s:I}", "service", service, "running", 1, "pid",
                          (json_int_t) reply.pid, "started_at", (json_int_t) reply.started_at);
    else
        line = json_pack ("{s:s, s:b, s:s, s:s}", "service", service, "running", 0, "code",
                          bs_error_name (rc), "error", error.text);
    bs_codec_record_free (&bs_ping_reply_schema, &reply);
    return line;
}

enum MHD_Result
gateway_console_status (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    json_t *services = json_array ();
    json_array_append_new (services,
                           json_pack ("{s:s, s:b, s:I, s:I}", "service", "gateway", "running", 1,
                                      "pid", (json_int_t) getpid (), "started_at",
                                      (json_int_t) gateway_started_at (request->gateway)));
    for (size_t i = 0; i < sizeof s_services / sizeof s_services[0]; i++)
        json_array_append_new (services, s_ping (request, s_services[i]));
    return gateway_reply_json (request, 200, json_pack ("{s:o}", "services", services), NULL, NULL);
}

/* A comma list of the configuration as a JSON array of its items. */
static json_t *
s_config_list (gateway_request_t *request, const char *key)
{
    json_t *list = json_array ();
    char copy[BS_CONFIG_VALUE_MAX];
    snprintf (copy, sizeof copy, "%s", bs_config_get (gateway_config (request->gateway), key));
    char *saved = NULL;
    for (char *item = strtok_r (copy, ",", &saved); item; item = strtok_r (NULL, ",", &saved))
        if (*item)
            json_array_append_new (list, json_string (item));
    return list;
}

enum MHD_Result
gateway_console_settings (gateway_request_t *request, const gateway_route_t *route,
                          const char *tail)
{
    (void) route;
    (void) tail;
    bs_config_t *config = gateway_config (request->gateway);
    json_t *body = json_pack (
        "{s:o, s:o, s:I, s:I, s:I}", "periodicals", s_config_list (request, "periodicals"),
        "criteria", s_config_list (request, "review.criteria"), "score_max",
        (json_int_t) bs_config_get_number (config, "review.score_max"), "urgent_hours",
        (json_int_t) bs_config_get_number (config, "review.urgent_hours"), "lease_minutes",
        (json_int_t) bs_config_get_number (config, "review.lease_minutes"));
    return gateway_reply_json (request, 200, body, NULL, NULL);
}

enum MHD_Result
gateway_console_people (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) tail;
    /* Asked as the gateway itself (no principal): intake gives a desk
       person's own principal every officer's record, a publisher's only
       those of their unit; the desk's pages name everyone (the leader who
       signed an issue off), and this answer holds a login and a name
       alone, nothing of the records' addresses and phones. */
    bool known = request->principal.known;
    request->principal.known = false;
    json_t *people = json_array ();
    char after[65] = "";
    int rc = BS_OK;
    bs_error_t error;
    do {
        bs_officer_list_t query = {.after = *after ? after : NULL, .limit = BS_PAGE_MAX};
        bs_officer_page_t page = {0};
        rc = gateway_call (request, route->service, NULL, route->request, &query, route->reply,
                           &page, &error);
        const bs_officer_t *officers = page.officers.items;
        for (size_t i = 0; rc == BS_OK && i < page.officers.count; i++)
            json_array_append_new (people,
                                   json_pack ("{s:s, s:s}", "login", officers[i].login, "name",
                                              officers[i].name ? officers[i].name : ""));
        snprintf (after, sizeof after, "%s", rc == BS_OK && page.next ? page.next : "");
        bs_codec_record_free (route->reply, &page);
    } while (rc == BS_OK && *after);
    request->principal.known = known;
    if (rc != BS_OK) {
        json_decref (people);
        return gateway_reply_failure (request, &error);
    }
    return gateway_reply_json (request, 200, json_pack ("{s:o}", "people", people), NULL, NULL);
}
