/*  gateway routes: the endpoint table and the JSON API.

    An endpoint is a row of s_routes: method, path, who may call it, and
    either a handler or, for a plain command, the service and the request
    and reply schemas (the JSON body, or the query string of a GET, becomes
    the request record through bs_json; the reply record goes back as JSON).
    Exposing another service command is one more row.
*/
#include "gateway.h"

#include <sodium.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_log.h"
#include "console_access.h"
#include "console_page.h"
#include "console_reads.h"
#include "console_static.h"

/* Handlers                                                               */

static enum MHD_Result
s_health (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    return gateway_reply_json (request, 200,
                               json_pack ("{s:s, s:I, s:I}", "gateway", "ok", "pid",
                                          (json_int_t) getpid (), "started_at",
                                          (json_int_t) gateway_started_at (request->gateway)),
                               NULL, NULL);
}

static json_t *
s_session_json (gateway_request_t *request, const char *name)
{
    const gateway_principal_t *principal = &request->principal;
    char csrf[GATEWAY_CSRF_MAX] = "";
    if (*principal->session)
        gateway_csrf_token (request, csrf, sizeof csrf);
    return json_pack (
        "{s:s?, s:s?, s:s?, s:s, s:s?, s:s?, s:I, s:s?, s:s?}", "home",
        gateway_console_home (principal->roles), "login",
        *principal->login ? principal->login : NULL, "name",
        name ? name : *principal->name ? principal->name : NULL, "unit", principal->unit, "roles",
        *principal->roles_text ? principal->roles_text : NULL, "token_name",
        *principal->token_name ? principal->token_name : NULL, "expires_at",
        (json_int_t) principal->expires, "token",
        *principal->session && name ? principal->session : NULL, "csrf", *csrf ? csrf : NULL);
}

static void s_page_reads (gateway_request_t *request, const char *path);

/* POST /api/v1/login: the session (s_session_json, with its token) and its
   cookie. Given "page" (a page of the console, "/" the person's main
   page), the answer also carries that page's first reads as the page
   asked as JSON answers them ("first_reads"), made as the new session:
   the console draws the page after the login form from them, with no
   call of its own (web/js/pages/login.js). */
static enum MHD_Result
s_login (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    json_t *object;
    bs_error_t error;
    if (gateway_body_json (request, &object, &error) != BS_OK)
        return gateway_reply_failure (request, &error);
    char page[GATEWAY_READ_MAX] = "";
    json_t *asked = json_object_get (object, "page");
    if (asked && !json_is_null (asked)) {
        const char *text = json_string_value (asked);
        if (!text || *text != '/' || strlen (text) >= sizeof page) {
            json_decref (object);
            return gateway_reply_error (request, 400, "invalid", "page",
                                        "page is a path of the console, as \"/leader\"");
        }
        snprintf (page, sizeof page, "%.*s", (int) strcspn (text, "?#"), text);
    }
    json_object_del (object, "page");
    bs_login_t login;
    int rc = bs_json_to_record (object, &bs_login_schema, &login, &error);
    json_decref (object);
    if (rc != BS_OK)
        return gateway_reply_failure (request, &error);
    char *token = NULL, name[BS_NAME_MAX + 1];
    unsigned status = 0;
    rc = gateway_login (request, login.login, login.password, &token, name, sizeof name, &status,
                        &error);
    bs_codec_record_free (&bs_login_schema, &login);
    if (rc != BS_OK)
        return gateway_refuse (request, status, &error);
    char cookie[1400];
    gateway_session_cookie (request, token, cookie, sizeof cookie);
    free (token);
    json_t *answer = s_session_json (request, name);
    const char *home = gateway_console_home (request->principal.roles);
    if (*page) {
        s_page_reads (request, strcmp (page, "/") == 0 && home ? home : page);
        json_object_set_new (answer, "first_reads",
                             request->first_reads ? json_incref (request->first_reads)
                                                  : json_object ());
    }
    return gateway_reply_json (request, 200, answer, cookie, NULL);
}

static enum MHD_Result
s_logout (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    gateway_logout (request);
    char cookie[200];
    gateway_session_cookie (request, NULL, cookie, sizeof cookie);
    return gateway_reply_json (request, 200, json_pack ("{s:b}", "logged_out", 1), cookie, NULL);
}

static enum MHD_Result
s_session (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    return gateway_reply_json (request, 200, s_session_json (request, NULL), NULL, NULL);
}

static enum MHD_Result
s_reports_post (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    bs_submit_t submit;
    bs_error_t error;
    int rc;
    if (request->form)
        rc = gateway_submit_from_form (request, &submit, &error);
    else {
        json_t *object;
        rc = gateway_body_json (request, &object, &error);
        if (rc == BS_OK)
            rc = bs_json_to_record (object, &bs_submit_schema, &submit, &error);
        json_decref (object);
    }
    if (rc != BS_OK)
        return gateway_reply_failure (request, &error);
    bs_submitted_t receipt;
    unsigned status;
    rc = gateway_submit (request, &submit, &receipt, &status, &error);
    bs_codec_record_free (&bs_submit_schema, &submit);
    if (rc != BS_OK)
        return gateway_refuse (request, status, &error);
    char location[128] = "";
    if (receipt.reg_no)
        snprintf (location, sizeof location, "/api/v1/reports/%s", receipt.reg_no);
    bs_log_info ("%s %s registered %s (%s) for %s", request->method, request->path,
                 receipt.reg_no ? receipt.reg_no : "-", receipt.status ? receipt.status : "-",
                 request->principal.unit);
    json_t *body = bs_json_from_record (&bs_submitted_schema, &receipt);
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    return gateway_reply_json (request, status, body, NULL, *location ? location : NULL);
}

/* The report named by id (digits: report id; else registration number),
   if the caller may see it: BS_OK, or the answer already queued in
   *result. Another unit's report is answered as if it did not exist:
   numbers are sequential, and a 403 would tell which ones exist. */
static int
s_visible_report (gateway_request_t *request, const char *id, bs_report_t *report,
                  enum MHD_Result *result)
{
    memset (report, 0, sizeof *report);
    bs_report_get_t query = {0};
    if (!*id || strlen (id) > 32) {
        *result = gateway_reply_error (request, 404, "not_found", "id",
                                       "name a report by its number or registration number");
        return BS_E_NOT_FOUND;
    }
    if (strspn (id, "0123456789") == strlen (id))
        query.report_id = strtoull (id, NULL, 10);
    else
        query.reg_no = (char *) id;
    /* ?version=N: an earlier version of a revised report. */
    const char *version = gateway_query (request, "version");
    if (version
        && (!*version || strspn (version, "0123456789") != strlen (version)
            || strlen (version) > 9)) {
        *result =
            gateway_reply_error (request, 400, "invalid", "version", "version must be a number");
        return BS_E_INVALID;
    }
    if (version)
        query.version = strtoull (version, NULL, 10);
    bs_error_t error;
    int rc = gateway_call (request, "intake", NULL, &bs_report_get_schema, &query,
                           &bs_report_schema, report, &error);
    if (rc == BS_E_NOT_FOUND || rc == BS_E_INVALID) {
        *result = gateway_reply_error (request, 404, "not_found", "id", "no report %s", id);
        return BS_E_NOT_FOUND;
    }
    if (rc != BS_OK) {
        *result = gateway_reply_failure (request, &error);
        return rc;
    }
    const gateway_principal_t *principal = &request->principal;
    bool staff = (principal->roles & GATEWAY_STAFF) != 0;
    if (!staff && strcmp (report->unit, principal->unit) != 0) {
        bs_codec_record_free (&bs_report_schema, report);
        *result = gateway_reply_error (request, 404, "not_found", "id", "no report %s", id);
        return BS_E_NOT_FOUND;
    }
    return BS_OK;
}

/* GET /api/v1/reports/{id}/attachments/{index}: the bytes as stored. */
static enum MHD_Result
s_attachment_get (gateway_request_t *request, const char *id, const char *index_text)
{
    enum MHD_Result result;
    bs_report_t report;
    if (s_visible_report (request, id, &report, &result) != BS_OK)
        return result;
    uint64_t report_id = report.report_id;
    bs_codec_record_free (&bs_report_schema, &report);
    if (!*index_text || strspn (index_text, "0123456789") != strlen (index_text)
        || strlen (index_text) > 4)
        return gateway_reply_error (request, 404, "not_found", "index", "no attachment %s",
                                    index_text);
    bs_attachment_get_t query = {.report_id = report_id, .index = strtoull (index_text, NULL, 10)};
    bs_attachment_t attachment = {0};
    bs_error_t error;
    int rc = gateway_call (request, "intake", NULL, &bs_attachment_get_schema, &query,
                           &bs_attachment_schema, &attachment, &error);
    if (rc == BS_E_NOT_FOUND || rc == BS_E_INVALID)
        return gateway_reply_error (request, 404, "not_found", "index", "no attachment %s",
                                    index_text);
    if (rc != BS_OK)
        return gateway_reply_failure (request, &error);
    char disposition[1024];
    gateway_disposition (attachment.name, disposition, sizeof disposition);
    result = gateway_reply_bytes (request, attachment.content_type, attachment.data.data,
                                  attachment.data.size, disposition);
    bs_codec_record_free (&bs_attachment_schema, &attachment);
    return result;
}

static enum MHD_Result
s_report_get (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    const char *slash = strchr (tail, '/');
    if (slash) {
        char id[40];
        const char *marker = "/attachments/";
        if ((size_t) (slash - tail) >= sizeof id || strncmp (slash, marker, strlen (marker)) != 0)
            return gateway_reply_error (request, 404, "not_found", "path", "no endpoint %s",
                                        request->path);
        snprintf (id, sizeof id, "%.*s", (int) (slash - tail), tail);
        return s_attachment_get (request, id, slash + strlen (marker));
    }
    enum MHD_Result result;
    bs_report_t report;
    if (s_visible_report (request, tail, &report, &result) != BS_OK)
        return result;
    bs_case_get_t case_query = {.report_id = report.report_id};
    bs_review_case_t review = {0};
    bs_error_t error;
    json_t *review_json = json_null ();
    const char *state = "received";
    int rc = gateway_call (request, "review", NULL, &bs_case_get_schema, &case_query,
                           &bs_review_case_schema, &review, &error);
    if (rc == BS_OK) {
        json_decref (review_json);
        review_json = bs_json_from_record (&bs_review_case_schema, &review);
        state = json_string_value (json_object_get (review_json, "state"));
    } else if (rc != BS_E_NOT_FOUND)
        bs_log_warning ("review.get for report %llu: %s", (unsigned long long) report.report_id,
                        error.text);
    json_t *body =
        json_pack ("{s:s, s:s?, s:o, s:o}", "reg_no", report.reg_no, "state", state, "report",
                   bs_json_from_record (&bs_report_schema, &report), "review", review_json);
    bs_codec_record_free (&bs_review_case_schema, &review);
    bs_codec_record_free (&bs_report_schema, &report);
    return gateway_reply_json (request, 200, body, NULL, NULL);
}

static enum MHD_Result
s_batches_post (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    gateway_principal_t *principal = &request->principal;
    if (!(principal->roles & GATEWAY_ROLE_TOKEN))
        return gateway_reply_error (request, 403, "forbidden", "authorization",
                                    "batches are sent with an API token, not a login");
    json_t *object;
    bs_error_t error;
    if (gateway_body_json (request, &object, &error) != BS_OK)
        return gateway_reply_failure (request, &error);
    json_t *given = json_object_get (object, "token");
    if (given && !json_is_null (given)) {
        json_decref (object);
        return gateway_reply_error (request, 400, "invalid", "token",
                                    "the token goes in the Authorization header");
    }
    json_object_set_new (object, "token", json_string (principal->secret));
    bs_batch_t batch;
    int rc = bs_json_to_record (object, &bs_batch_schema, &batch, &error);
    json_decref (object);
    if (rc != BS_OK)
        return gateway_reply_failure (request, &error);
    char id[BS_ID_MAX];
    rc = gateway_idempotency_id (request, "batch", gateway_header (request, "Idempotency-Key"), id,
                                 sizeof id, &error);
    bs_batch_page_t results = {0};
    if (rc == BS_OK)
        rc = gateway_call (request, "intake", id, &bs_batch_schema, &batch, &bs_batch_page_schema,
                           &results, &error);
    size_t count = batch.items.count;
    bs_codec_record_free (&bs_batch_schema, &batch);
    if (rc != BS_OK) {
        unsigned status = gateway_http_status (rc);
        if ((rc == BS_E_NOT_FOUND || rc == BS_E_DENIED) && strcmp (error.field, "token") == 0)
            status = 401;
        return gateway_refuse (request, status, &error);
    }
    bs_log_info ("%s %s batch of %zu items from token %s", request->method, request->path, count,
                 principal->token_name);
    json_t *body = bs_json_from_record (&bs_batch_page_schema, &results);
    bs_codec_record_free (&bs_batch_page_schema, &results);
    return gateway_reply_json (request, 200, body, NULL, NULL);
}

/* A pass-through row: JSON or query in, the service's reply out. */
/* The role a person acts in on a review row: the one given, if they hold
   it, or else the strongest they hold that the row admits (admin, leader,
   editor, publisher). NULL when they hold no such role. */
static const char *
s_acting_role (gateway_request_t *request, const gateway_route_t *route, json_t *given)
{
    static const struct {
        const char *name;
        unsigned bit;
    } roles[] = {{"admin", GATEWAY_ROLE_ADMIN},
                 {"leader", GATEWAY_ROLE_LEADER},
                 {"editor", GATEWAY_ROLE_EDITOR},
                 {"publisher", GATEWAY_ROLE_PUBLISHER},
                 {"officer", GATEWAY_ROLE_OFFICER}};
    unsigned held = request->principal.roles;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        bool wanted = given && json_is_string (given)
                          ? strcmp (json_string_value (given), roles[i].name) == 0
                      : !given || json_is_null (given) ? (route->roles & roles[i].bit) != 0
                                                       : false;
        if (wanted && (held & roles[i].bit))
            return roles[i].name;
    }
    return NULL;
}

/* The request record as JSON: the query string of a GET, else the body.
   NULL with error filled when the body is no JSON object. */
static json_t *
s_request_object (gateway_request_t *request, const gateway_route_t *route, bs_error_t *error)
{
    json_t *object = NULL;
    if (strcmp (request->method, "GET") == 0) {
        json_t *raw = gateway_query_object (request);
        object = json_object ();
        const char *key;
        json_t *value;
        json_object_foreach (raw, key, value)
        {
            json_object_set_new (object, key,
                                 gateway_form_value (route->request, key, json_string_value (value)));
        }
        json_decref (raw);
    } else if (gateway_body_json (request, &object, error) != BS_OK)
        return NULL;
    return object;
}

/* Send object (consumed) as route's request; its reply as JSON. A POST's
   Idempotency-Key makes the command's envelope id (the caller's, this
   command's): the same key again is the same command, whose first reply
   the service gives back. */
static enum MHD_Result
s_call_with (gateway_request_t *request, const gateway_route_t *route, json_t *object)
{
    bs_error_t error;
    void *record = calloc (1, route->request->record_size);
    void *reply = calloc (1, route->reply->record_size);
    int rc = record && reply ? bs_json_to_record (object, route->request, record, &error)
                             : bs_error_set (&error, BS_E_SYSTEM, "", "out of memory");
    json_decref (object);
    enum MHD_Result result;
    char id[BS_ID_MAX] = "";
    if (rc == BS_OK && strcmp (request->method, "POST") == 0)
        rc = gateway_idempotency_id (request, route->request->type,
                                     gateway_header (request, "Idempotency-Key"), id, sizeof id,
                                     &error);
    if (rc == BS_OK)
        rc = gateway_call (request, route->service, id, route->request, record, route->reply,
                           reply, &error);
    if (rc == BS_OK) {
        result = gateway_reply_json (request, 200, bs_json_from_record (route->reply, reply), NULL,
                                     NULL);
        bs_codec_record_free (route->reply, reply);
    } else
        result = gateway_reply_failure (request, &error);
    if (record)
        bs_codec_record_free (route->request, record);
    free (record);
    free (reply);
    return result;
}

static enum MHD_Result
s_pass_through (gateway_request_t *request, const gateway_route_t *route)
{
    bs_error_t error;
    json_t *object = s_request_object (request, route, &error);
    if (!object)
        return gateway_reply_failure (request, &error);
    if (route->actor) {
        json_t *given = json_object_get (object, route->actor);
        if (given && !json_is_null (given)
            && !(json_is_string (given)
                 && strcmp (json_string_value (given), request->principal.login) == 0)) {
            json_decref (object);
            return gateway_reply_error (request, 403, "forbidden", route->actor,
                                        "%s is the logged-in person", route->actor);
        }
        json_object_set_new (object, route->actor, json_string (request->principal.login));
    }
    if (bs_schema_field (route->request, "role")) {
        /* Review decides what each role may do; the gateway vouches that
           the person holds the role they act in. */
        const char *role = s_acting_role (request, route, json_object_get (object, "role"));
        if (!role) {
            json_decref (object);
            return gateway_reply_error (request, 403, "forbidden", "role",
                                        "%s does not hold that role (roles: %s)",
                                        request->principal.login, request->principal.roles_text);
        }
        json_object_set_new (object, "role", json_string (role));
    }
    return s_call_with (request, route, object);
}

/* A statistics file (a bulletin's, or an export): the query string is the
   route's request; the reply statistics.file goes out as the file itself,
   to be saved under its name. */
static enum MHD_Result
s_statistics_file (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) tail;
    bs_error_t error;
    json_t *object = s_request_object (request, route, &error);
    if (!object)
        return gateway_reply_failure (request, &error);
    void *record = calloc (1, route->request->record_size);
    int rc = record ? bs_json_to_record (object, route->request, record, &error)
                    : bs_error_set (&error, BS_E_SYSTEM, "", "out of memory");
    json_decref (object);
    bs_stats_file_t file = {0};
    if (rc == BS_OK)
        rc = gateway_call (request, "statistics", NULL, route->request, record,
                           &bs_stats_file_schema, &file, &error);
    if (record)
        bs_codec_record_free (route->request, record);
    free (record);
    if (rc != BS_OK)
        return gateway_reply_failure (request, &error);
    char disposition[2048];
    gateway_disposition (file.filename, disposition, sizeof disposition);
    enum MHD_Result result = gateway_reply_bytes (request, file.content_type, file.content.data,
                                                  file.content.size, disposition);
    bs_codec_record_free (&bs_stats_file_schema, &file);
    return result;
}

/* GET /api/v1/publication/feedback?after=&limit=: what this level decided
   about the caller's reports (採用反饋), for the level below's system: an
   API token, whose unit is the one asked about. */
static enum MHD_Result
s_feedback_get (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) tail;
    bs_error_t error;
    json_t *object = s_request_object (request, route, &error);
    if (!object)
        return gateway_reply_failure (request, &error);
    json_object_set_new (object, "unit", json_string (request->principal.unit));
    return s_call_with (request, route, object);
}

/* Leaders' comments for the reporting unit: GET instructions and POST
   follow_up. An officer acts for their own unit only (the gateway sets
   `unit`); staff may name any. `by` of a follow-up is the logged-in
   person. */
static enum MHD_Result
s_unit_scoped (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) tail;
    bs_error_t error;
    json_t *object = s_request_object (request, route, &error);
    if (!object)
        return gateway_reply_failure (request, &error);
    const gateway_principal_t *principal = &request->principal;
    if (!(principal->roles & (GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER))) {
        json_t *given = json_object_get (object, "unit");
        if (given && json_is_string (given) && strcmp (json_string_value (given), principal->unit))
        {
            json_decref (object);
            return gateway_reply_error (request, 403, "forbidden", "unit",
                                        "you may see and answer only your own unit's (%s)",
                                        principal->unit);
        }
        json_object_set_new (object, "unit", json_string (principal->unit));
    }
    if (bs_schema_field (route->request, "by"))
        json_object_set_new (object, "by", json_string (principal->login));
    return s_call_with (request, route, object);
}

/* The table                                                              */

/* A review row that reads (GET, query string) or acts (POST, JSON body;
   its editor is the logged-in person and its role one they hold). */
#define S_REVIEW_READ(path, request, reply)                                                        \
    {                                                                                              \
        "GET", path, false, GATEWAY_STAFF, "review", &bs_##request##_schema, &bs_##reply##_schema, \
            NULL, NULL, false                                                                      \
    }
#define S_REVIEW_ACT(path, request, reply)                                                         \
    {                                                                                              \
        "POST", path, false, GATEWAY_STAFF, "review", &bs_##request##_schema,                      \
            &bs_##reply##_schema, "editor", NULL, false                                            \
    }

/* A publication row that reads (GET) or acts (POST; its `by` is the
   logged-in person). Publishers compose and publish; editors and admins
   may too. */
#define S_PUBLICATION_STAFF (GATEWAY_ROLE_PUBLISHER | GATEWAY_STAFF)
#define S_PUBLICATION_READ(path, request, reply)                                                   \
    {                                                                                              \
        "GET", path, false, S_PUBLICATION_STAFF, "publication", &bs_##request##_schema,            \
            &bs_##reply##_schema, NULL, NULL, false                                                \
    }
#define S_PUBLICATION_ACT(path, request, reply)                                                    \
    {                                                                                              \
        "POST", path, false, S_PUBLICATION_STAFF, "publication", &bs_##request##_schema,           \
            &bs_##reply##_schema, "by", NULL, false                                                \
    }

/* The console's rows: who may call, the service, request and reply. */
#define S_EDITORS (GATEWAY_ROLE_EDITOR | GATEWAY_ROLE_ADMIN)
#define S_CONSOLE_READ(path, roles, service, request, reply)                                       \
    {                                                                                              \
        "GET", path, false, roles, service, &bs_##request##_schema, &bs_##reply##_schema, NULL,    \
            NULL, false                                                                            \
    }
#define S_CONSOLE_ACT(path, roles, service, request, reply, actor)                                 \
    {                                                                                              \
        "POST", path, false, roles, service, &bs_##request##_schema, &bs_##reply##_schema, actor,  \
            NULL, false                                                                            \
    }

static const gateway_route_t s_routes[] = {
    /* JSON API */
    {"GET", "/api/v1/health", false, GATEWAY_ANYONE, NULL, NULL, NULL, NULL, s_health, false},
    /* For Prometheus; metrics.c lets in only clients on this host. */
    {"GET", "/metrics", false, GATEWAY_ANYONE, NULL, NULL, NULL, NULL, gateway_metrics_get, false},
    {"POST", "/api/v1/login", false, GATEWAY_ANYONE, "intake", &bs_login_schema, &bs_officer_schema,
     NULL, s_login, false},
    {"POST", "/api/v1/logout", false, GATEWAY_ANYONE, NULL, NULL, NULL, NULL, s_logout, false},
    {"GET", "/api/v1/session", false, GATEWAY_SIGNED_IN, NULL, NULL, NULL, NULL, s_session, false},
    {"POST", "/api/v1/reports", false, GATEWAY_ROLE_OFFICER | GATEWAY_STAFF | GATEWAY_ROLE_TOKEN,
     "intake", &bs_submit_schema, &bs_submitted_schema, NULL, s_reports_post, true},
    {"GET", "/api/v1/reports/", true, GATEWAY_SIGNED_IN, "intake", &bs_report_get_schema,
     &bs_report_schema, NULL, s_report_get, false},
    {"POST", "/api/v1/batches", false, GATEWAY_ROLE_TOKEN, "intake", &bs_batch_schema,
     &bs_batch_page_schema, NULL, s_batches_post, false},
    /* Plain commands: one row each. */
    {"GET", "/api/v1/units", false, GATEWAY_SIGNED_IN, "intake", &bs_unit_list_schema,
     &bs_unit_page_schema, NULL, NULL, false},
    /* Review (issue 4): editors, leaders and admins; review checks each
       role's rights, the gateway that the person holds the role. */
    S_REVIEW_READ ("/api/v1/review/queue", queue_request, case_page),
    S_REVIEW_READ ("/api/v1/review/case", case_get, review_case),
    S_REVIEW_READ ("/api/v1/review/audit", audit_request, audit_page),
    S_REVIEW_READ ("/api/v1/review/diff", diff_request, diff),
    S_REVIEW_READ ("/api/v1/review/topics", topic_list, topic_page),
    S_REVIEW_READ ("/api/v1/review/topic_cases", topic_cases, case_page),
    S_REVIEW_READ ("/api/v1/review/session", session_get, session),
    S_REVIEW_ACT ("/api/v1/review/claim", claim, review_case),
    S_REVIEW_ACT ("/api/v1/review/release", release, review_case),
    S_REVIEW_ACT ("/api/v1/review/decide", decide, review_case),
    S_REVIEW_ACT ("/api/v1/review/decide_many", decide_many, decide_results),
    S_REVIEW_ACT ("/api/v1/review/revert", revert, review_case),
    S_REVIEW_ACT ("/api/v1/review/edit", edit, review_case),
    S_REVIEW_ACT ("/api/v1/review/synthesize", synthesize, review_case),
    S_REVIEW_ACT ("/api/v1/review/topic_create", topic_create, topic),
    S_REVIEW_ACT ("/api/v1/review/topic_rename", topic_rename, topic),
    S_REVIEW_ACT ("/api/v1/review/topic_close", topic_close, topic),
    S_REVIEW_ACT ("/api/v1/review/topic_assign", topic_assign, review_case),
    S_REVIEW_ACT ("/api/v1/review/session_open", session_open, session),
    S_REVIEW_ACT ("/api/v1/review/session_comment", session_comment, session),
    S_REVIEW_ACT ("/api/v1/review/session_close", session_close, session),
    /* Publication (issue 10): periodicals, composing, sign-off, errata. */
    S_PUBLICATION_READ ("/api/v1/publication/periodicals", periodical_list, periodical_page),
    S_PUBLICATION_READ ("/api/v1/publication/pending", pending_request, pending_page),
    S_PUBLICATION_READ ("/api/v1/publication/issue", issue_get, issue),
    S_PUBLICATION_READ ("/api/v1/publication/issues", issue_list_request, issue_page),
    S_PUBLICATION_READ ("/api/v1/publication/errata", errata_request, errata_page),
    S_PUBLICATION_ACT ("/api/v1/publication/issue_create", issue_create, issue),
    S_PUBLICATION_ACT ("/api/v1/publication/issue_add", issue_add, issue),
    S_PUBLICATION_ACT ("/api/v1/publication/issue_remove", issue_remove, issue),
    S_PUBLICATION_ACT ("/api/v1/publication/issue_move", issue_move, issue),
    S_PUBLICATION_ACT ("/api/v1/publication/issue_item_edit", issue_item_edit, issue),
    S_PUBLICATION_ACT ("/api/v1/publication/issue_edit", issue_edit, issue),
    S_PUBLICATION_ACT ("/api/v1/publication/issue_signoff_ask", issue_signoff_ask, issue),
    S_PUBLICATION_ACT ("/api/v1/publication/issue_publish", issue_publish, issue),
    S_PUBLICATION_ACT ("/api/v1/publication/erratum_add", erratum_add, erratum),
    S_PUBLICATION_READ ("/api/v1/publication/outbox", outbox_request, outbox_page),
    S_PUBLICATION_READ ("/api/v1/publication/upward", upward_request, upward_page),
    S_PUBLICATION_ACT ("/api/v1/publication/forward", forward, outbox_page),
    S_PUBLICATION_ACT ("/api/v1/publication/adoption_record", adoption_record, adopted_upward),
    S_PUBLICATION_ACT ("/api/v1/publication/instruct", instruct, instruction),
    {"GET", "/api/v1/publication/instructions", false, GATEWAY_SIGNED_IN, "publication",
     &bs_instruction_list_schema, &bs_instruction_page_schema, NULL, s_unit_scoped, false},
    {"POST", "/api/v1/publication/follow_up", false, GATEWAY_ROLE_OFFICER | S_PUBLICATION_STAFF,
     "publication", &bs_follow_up_schema, &bs_instruction_schema, NULL, s_unit_scoped, false},
    {"GET", "/api/v1/publication/feedback", false, GATEWAY_ROLE_TOKEN, "publication",
     &bs_feedback_request_schema, &bs_feedback_page_schema, NULL, s_feedback_get, false},
    /* Sign-off: a leader, as themselves. */
    {"POST", "/api/v1/publication/issue_signoff", false, GATEWAY_ROLE_LEADER, "publication",
     &bs_issue_signoff_schema, &bs_issue_schema, "leader", NULL, false},
    /* Statistics (issue 11): figures and rankings for staff, leaders and
       publishers; the query string is statistics.query / .ranking. */
    {"GET", "/api/v1/statistics", false, GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER, "statistics",
     &bs_stats_request_schema, &bs_stats_page_schema, NULL, NULL, false},
    {"GET", "/api/v1/statistics/ranking", false, GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER,
     "statistics", &bs_ranking_request_schema, &bs_ranking_page_schema, NULL, NULL, false},
    {"GET", "/api/v1/statistics/feed", false, GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER, "statistics",
     NULL, NULL, NULL, gateway_statistics_feed, false},
    /* Scoring (issue 11): points, quotas and the assessment by versioned
       rules; frozen bulletins and their files; any figure table as a file. */
    {"GET", "/api/v1/statistics/scores", false, GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER,
     "statistics", &bs_scores_request_schema, &bs_scores_page_schema, NULL, NULL, false},
    {"GET", "/api/v1/statistics/authors", false, GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER,
     "statistics", &bs_authors_request_schema, &bs_authors_page_schema, NULL, NULL, false},
    {"GET", "/api/v1/statistics/rules", false, GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER,
     "statistics", &bs_rules_get_schema, &bs_stats_rules_schema, NULL, NULL, false},
    {"POST", "/api/v1/statistics/rules", false, S_EDITORS, "statistics", &bs_rules_put_schema,
     &bs_stats_rules_schema, "by", NULL, false},
    {"GET", "/api/v1/statistics/rules/versions", false, GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER,
     "statistics", &bs_rules_list_schema, &bs_rules_page_schema, NULL, NULL, false},
    {"GET", "/api/v1/statistics/bulletins", false, GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER,
     "statistics", &bs_bulletin_list_schema, &bs_bulletin_page_schema, NULL, NULL, false},
    {"POST", "/api/v1/statistics/bulletins", false, S_EDITORS | GATEWAY_ROLE_LEADER, "statistics",
     &bs_bulletin_issue_schema, &bs_bulletin_schema, "by", NULL, false},
    {"GET", "/api/v1/statistics/bulletin", false, GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER,
     "statistics", &bs_bulletin_get_schema, &bs_bulletin_schema, NULL, NULL, false},
    {"GET", "/api/v1/statistics/bulletin_file", false, GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER,
     "statistics", &bs_bulletin_file_schema, &bs_stats_file_schema, NULL, s_statistics_file,
     false},
    {"GET", "/api/v1/statistics/export", false, GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER,
     "statistics", &bs_stats_export_schema, &bs_stats_file_schema, NULL, s_statistics_file,
     false},
    /* Commissions and notices (issue 12): editors ask units for reports
       and send them notices. */
    S_REVIEW_READ ("/api/v1/review/commissions", commission_list, commission_page),
    S_REVIEW_READ ("/api/v1/review/commission", commission_get, commission),
    S_REVIEW_ACT ("/api/v1/review/commission_create", commission_create, commission),
    S_REVIEW_ACT ("/api/v1/review/commission_extend", commission_extend, commission),
    S_REVIEW_ACT ("/api/v1/review/commission_cancel", commission_cancel, commission),
    S_REVIEW_READ ("/api/v1/review/notices", notice_list, notice_page),
    S_REVIEW_READ ("/api/v1/review/notice", notice_get, notice),
    S_REVIEW_ACT ("/api/v1/review/notice_send", notice_send, notice),
    /* A unit's side: its commissions and notices, withdrawing its own
       report. */
    {"GET", "/api/v1/commissions", false, GATEWAY_ROLE_OFFICER | GATEWAY_STAFF, "review",
     &bs_commission_list_schema, &bs_commission_page_schema, NULL, gateway_unit_commissions, false},
    {"POST", "/api/v1/withdrawals", false, GATEWAY_ROLE_OFFICER | GATEWAY_STAFF, "review",
     &bs_withdraw_schema, &bs_review_case_schema, NULL, gateway_withdraw, false},
    {"GET", "/api/v1/notices", false, GATEWAY_ROLE_OFFICER | GATEWAY_STAFF, "review",
     &bs_notice_list_schema, &bs_notice_page_schema, NULL, gateway_unit_notices, false},
    {"POST", "/api/v1/notices/read", false, GATEWAY_ROLE_OFFICER | GATEWAY_STAFF, "review",
     &bs_notice_read_schema, &bs_notice_schema, NULL, gateway_notice_read, false},
    /* Search the archive of published items (GET /api/v1/search?q=...):
       anyone signed in reads what was published. */
    {"GET", "/api/v1/search", false, GATEWAY_SIGNED_IN, "publication",
     &bs_search_request_schema, &bs_search_page_schema, NULL, NULL, false},
    /* Issues as documents (GET /api/v1/issues/{id}/document?format=pdf). */
    {"GET", "/api/v1/issues/", true, S_PUBLICATION_STAFF, "publication",
     &bs_document_request_schema, &bs_document_schema, NULL, gateway_issue_document, false},
    /* The web console (issue 13): what its pages read and do beyond the
       rows above. A plain command is a row; console_api.c has the rest. */
    {"GET", "/api/v1/my/reports", false, GATEWAY_ROLE_OFFICER, "review", &bs_queue_request_schema,
     &bs_case_page_schema, NULL, gateway_console_my_reports, false},
    {"GET", "/api/v1/my/upward", false, GATEWAY_ROLE_OFFICER, "publication",
     &bs_upward_request_schema, &bs_upward_page_schema, NULL, gateway_console_my_upward, false},
    {"GET", "/api/v1/settings", false, GATEWAY_SIGNED_IN, NULL, NULL, NULL, NULL,
     gateway_console_settings, false},
    {"GET", "/api/v1/status", false, GATEWAY_ROLE_ADMIN, NULL, NULL, NULL, NULL,
     gateway_console_status, false},
    {"GET", "/api/v1/people", false, GATEWAY_STAFF | GATEWAY_ROLE_PUBLISHER, "intake",
     &bs_officer_list_schema, &bs_officer_page_schema, NULL, gateway_console_people, false},
    S_CONSOLE_READ ("/api/v1/held", S_EDITORS, "intake", held_list, held_page),
    S_CONSOLE_ACT ("/api/v1/held/assign", S_EDITORS, "intake", held_assign, submitted, "staff"),
    S_CONSOLE_ACT ("/api/v1/units", GATEWAY_ROLE_ADMIN, "intake", unit, unit, NULL),
    S_CONSOLE_ACT ("/api/v1/units/add", GATEWAY_ROLE_ADMIN, "intake", unit_add, unit, NULL),
    S_CONSOLE_READ ("/api/v1/officers", GATEWAY_ROLE_ADMIN, "intake", officer_list, officer_page),
    S_CONSOLE_READ ("/api/v1/officer", GATEWAY_ROLE_ADMIN, "intake", officer_get, officer),
    S_CONSOLE_ACT ("/api/v1/officers", GATEWAY_ROLE_ADMIN, "intake", officer, officer, NULL),
    S_CONSOLE_READ ("/api/v1/tokens", GATEWAY_ROLE_ADMIN, "intake", token_list, token_page),
    S_CONSOLE_ACT ("/api/v1/tokens", GATEWAY_ROLE_ADMIN, "intake", token_create, token, NULL),
    S_CONSOLE_ACT ("/api/v1/tokens/revoke", GATEWAY_ROLE_ADMIN, "intake", token_revoke, token,
                   NULL),
    S_CONSOLE_ACT ("/api/v1/publication/periodicals", GATEWAY_ROLE_ADMIN, "publication",
                   periodical_put, periodical, NULL),
    /* The console's files; every other page path gets its shell (below). */
    {"GET", "/static/", true, GATEWAY_ANYONE, NULL, NULL, NULL, NULL, gateway_console_file, false},
    {"GET", "/", false, GATEWAY_ANYONE, NULL, NULL, NULL, NULL, gateway_console_page, false},
    /* HTML pages with no script: they ask for a login themselves. */
    {"GET", "/submit", false, GATEWAY_ANYONE, NULL, NULL, NULL, NULL, gateway_page_home, false},
    {"POST", "/login", false, GATEWAY_ANYONE, NULL, NULL, NULL, NULL, gateway_page_login, true},
    {"POST", "/submit", false, GATEWAY_ANYONE, NULL, NULL, NULL, NULL, gateway_page_submit, true},
    {"POST", "/logout", false, GATEWAY_ANYONE, NULL, NULL, NULL, NULL, gateway_page_logout, true},
};

#define S_ROUTE_COUNT (sizeof s_routes / sizeof s_routes[0])

/* Any other GET outside /api/ (GET /login too, whose POST is the plain
   form's): a page of the console (its shell). */
static const gateway_route_t s_console_shell = {"GET", "/",  false, GATEWAY_ANYONE,       NULL,
                                                NULL,  NULL, NULL,  gateway_console_page, false};

static bool
s_path_matches (const gateway_route_t *route, const char *path)
{
    if (route->tail) /* the handler reads the rest */
        return strncmp (path, route->path, strlen (route->path)) == 0;
    return strcmp (path, route->path) == 0;
}

void
gateway_route_find (gateway_request_t *request)
{
    request->route = NULL;
    request->path_known = false;
    for (size_t i = 0; i < S_ROUTE_COUNT && !request->route; i++)
        if (s_path_matches (&s_routes[i], request->path)) {
            request->path_known = true;
            if (strcmp (s_routes[i].method, request->method) == 0
                || (strcmp (request->method, "HEAD") == 0
                    && strcmp (s_routes[i].method, "GET") == 0))
                request->route = &s_routes[i];
        }
    bool get = strcmp (request->method, "GET") == 0 || strcmp (request->method, "HEAD") == 0;
    if (!request->route && get && strncmp (request->path, "/api/", 5) != 0) {
        request->path_known = true;
        request->route = &s_console_shell;
    }
}

/* One read of a console page (url "path?query"), made as if the browser
   had asked: the same route, roles and service call, under the page's
   principal (found once, for the page). Its JSON answer and status go
   into request->first_reads under url. */
static void
s_read_for_page (gateway_request_t *request, const char *url)
{
    gateway_request_t read = {.gateway = request->gateway,
                              .connection = request->connection,
                              .started = request->started,
                              .principal = request->principal,
                              .auth = request->auth,
                              .capture = true};
    snprintf (read.method, sizeof read.method, "GET");
    size_t length = strcspn (url, "?");
    snprintf (read.path, sizeof read.path, "%.*s", (int) length, url);
    read.query = json_object ();
    char query[GATEWAY_READ_MAX];
    snprintf (query, sizeof query, "%s", url[length] ? url + length + 1 : "");
    char *state = NULL;
    for (char *pair = strtok_r (query, "&", &state); pair; pair = strtok_r (NULL, "&", &state)) {
        char *equals = strchr (pair, '=');
        if (equals)
            *equals = 0;
        json_object_set_new (read.query, pair, json_string (equals ? equals + 1 : ""));
    }
    gateway_route_find (&read);
    if (read.route && strncmp (read.path, "/api/", 5) == 0)
        gateway_route (&read);
    if (read.captured)
        json_object_set_new (request->first_reads, url,
                             json_pack ("[i,o]", read.status, read.captured));
    json_decref (read.query);
    sodium_memzero (&read.principal, sizeof read.principal);
}

/* The page of the console at path: the session, the settings and the
   reads the page draws first (console_reads.c), answered here so that the page
   (or the login's answer) carries them. */
static void
s_page_reads (gateway_request_t *request, const char *path)
{
    request->first_reads = json_object ();
    if (!request->first_reads)
        return;
    bs_error_t error;
    int rc = gateway_authenticate (request, &error);
    s_read_for_page (request, "/api/v1/session");
    s_read_for_page (request, "/api/v1/settings");
    if (rc != BS_OK || !gateway_console_opens (path, request->principal.roles))
        return; /* the page goes to the login page, or says why not (403) */
    char reads[32][GATEWAY_READ_MAX];
    size_t count = gateway_console_first_reads (path, reads, 32);
    for (size_t i = 0; i < count; i++)
        s_read_for_page (request, reads[i]);
}

enum MHD_Result
gateway_route (gateway_request_t *request)
{
    const gateway_route_t *route = request->route;
    if (!route && request->path_known)
        return gateway_reply_error (request, 405, "invalid", "method", "%s is not allowed on %s",
                                    request->method, request->path);
    if (!route)
        return gateway_reply_error (request, 404, "not_found", "path", "no endpoint %s",
                                    request->path);
    if (route->roles != GATEWAY_ANYONE) {
        bs_error_t error;
        int rc = gateway_authenticate (request, &error);
        if (rc == BS_E_UNAVAILABLE || rc == BS_E_TIMEOUT || rc == BS_E_SYSTEM)
            return gateway_reply_failure (request, &error);
        if (rc != BS_OK)
            return gateway_refuse (request, 401, &error);
        if (route->roles != GATEWAY_SIGNED_IN && !(request->principal.roles & route->roles))
            return gateway_reply_error (request, 403, "forbidden", "roles", "%s may not use %s %s",
                                        *request->principal.login ? request->principal.login
                                                                  : request->principal.token_name,
                                        request->method, route->path);
        if (strcmp (request->method, "POST") == 0 && !gateway_csrf_ok (request, NULL))
            return gateway_reply_error (request, 403, "forbidden", "csrf",
                                        "a request with the session cookie needs the form token "
                                        "(X-CSRF-Token header)");
    }
    const char *tail = route->tail ? request->path + strlen (route->path) : "";
    if (route->handle == gateway_console_page && !request->capture)
        s_page_reads (request, request->path);
    if (route->handle)
        return route->handle (request, route, tail);
    return s_pass_through (request, route);
}
