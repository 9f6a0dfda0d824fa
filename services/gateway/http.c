/*  http: what a handler does with its request: call a service on the
    thread's own client, read headers, cookies, the query, form fields and
    the JSON body, and answer (gateway.h, "Responses"). Every handler file
    uses it and it calls none of them: gateway.c serves, routes.c routes,
    this file answers (a person's page of its own words: page_text.c).
*/
#include "gateway.h"
#include "server.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "bs_log.h"

/* One thread's clients, one per service it has called. */
#define S_SERVICES 4
typedef struct {
    const char *names[S_SERVICES];
    bs_client_t *clients[S_SERVICES];
} s_clients_t;

void
gateway_clients_destroy (void *argument)
{
    s_clients_t *clients = argument;
    for (int i = 0; i < S_SERVICES; i++)
        bs_client_destroy (&clients->clients[i]);
    free (clients);
}

static bs_client_t *
s_client (gateway_t *self, const char *service)
{
    s_clients_t *clients = pthread_getspecific (self->clients_key);
    if (!clients) {
        clients = calloc (1, sizeof *clients);
        if (!clients || pthread_setspecific (self->clients_key, clients) != 0) {
            free (clients);
            return NULL;
        }
    }
    for (int i = 0; i < S_SERVICES; i++) {
        if (clients->names[i] && strcmp (clients->names[i], service) == 0)
            return clients->clients[i];
        if (!clients->names[i]) {
            clients->clients[i] = bs_client_new (self->config, service, "gateway");
            if (!clients->clients[i])
                return NULL;
            bs_client_set_patience (clients->clients[i], self->timeout, self->tries);
            clients->names[i] = service;
            return clients->clients[i];
        }
    }
    return NULL;
}

/* The thread's client of service, sending the request's principal: the
   officer of a verified session, or none (the gateway acts itself: a
   login, an API token's report). NULL without memory. */
static bs_client_t *
s_client_for (gateway_request_t *request, const char *service)
{
    bs_client_t *client = s_client (request->gateway, service);
    if (!client)
        return NULL;
    const gateway_principal_t *principal = &request->principal;
    if (principal->known && *principal->login) {
        bs_principal_t officer;
        bs_principal_set (&officer, principal->login, "officer", principal->unit,
                          principal->roles_text);
        bs_client_set_principal (client, &officer);
    } else
        bs_client_set_principal (client, NULL);
    return client;
}

int
gateway_call (gateway_request_t *request, const char *service, const char *id,
              const bs_schema_t *request_schema, const void *record,
              const bs_schema_t *reply_schema, void *reply, bs_error_t *error)
{
    bs_client_t *client = s_client_for (request, service);
    if (!client)
        return bs_error_set (error, BS_E_SYSTEM, "", "cannot make a client of %s", service);
    int rc = id && *id
                 ? bs_client_call_with_id (client, id, request_schema, record, reply_schema, reply,
                                           error)
                 : bs_client_call (client, request_schema, record, reply_schema, reply, error);
    gateway_metrics_command (request->gateway, service, rc);
    return rc;
}

int
gateway_call_once (gateway_request_t *request, const char *service,
                   const bs_schema_t *request_schema, const void *record,
                   const bs_schema_t *reply_schema, void *reply, bs_error_t *error)
{
    gateway_t *self = request->gateway;
    bs_client_t *client = s_client_for (request, service);
    if (!client)
        return bs_error_set (error, BS_E_SYSTEM, "", "cannot make a client of %s", service);
    bs_client_set_patience (client, self->timeout, 1);
    int rc = bs_client_call (client, request_schema, record, reply_schema, reply, error);
    bs_client_set_patience (client, self->timeout, self->tries);
    gateway_metrics_command (self, service, rc);
    return rc;
}

void
gateway_client_address (gateway_request_t *request, char *buffer, size_t size)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info (request->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf (buffer, size, "%s", "?");
    if (info && info->client_addr && info->client_addr->sa_family == AF_INET)
        inet_ntop (AF_INET, &((const struct sockaddr_in *) info->client_addr)->sin_addr, buffer,
                   (socklen_t) size);
}

/* Counting for GET /metrics (metrics.c reads the counters)               */

const char *const gateway_metric_services[GATEWAY_METRIC_SERVICES] = {
    "intake", "review", "publication", "statistics", "mail"};

/* Which slot of gateway_metrics_t counts service: the order of
   gateway_metric_services, then one for any other name. */
static size_t
s_slot (const char *service)
{
    size_t slot = 0;
    while (slot < GATEWAY_METRIC_SERVICES && strcmp (gateway_metric_services[slot], service) != 0)
        slot++;
    return slot;
}

void
gateway_metrics_command (gateway_t *self, const char *service, int rc)
{
    size_t slot = s_slot (service);
    atomic_fetch_add (&self->metrics.commands[slot], 1);
    if (rc != BS_OK)
        atomic_fetch_add (&self->metrics.failures[slot], 1);
}

void
gateway_metrics_response (gateway_t *self, int status)
{
    if (status >= 100 && status < 600)
        atomic_fetch_add (&self->metrics.responses[status / 100], 1);
}

/* Responses                                                              */

unsigned
gateway_http_status (int code)
{
    switch (code) {
    case BS_OK:
        return 200;
    case BS_E_MALFORMED:
    case BS_E_INVALID:
        return 400;
    case BS_E_NOT_FOUND:
        return 404;
    case BS_E_DENIED:
        return 403;
    case BS_E_CONFLICT:
        return 409;
    case BS_E_LIMIT:
        return 413;
    case BS_E_TIMEOUT:
    case BS_E_UNAVAILABLE:
        return 503;
    case BS_E_DISK_FULL:
        return 507;
    default:
        return 500;
    }
}

/* Queue response (destroyed here) with the headers every answer has. */
static enum MHD_Result
s_send (gateway_request_t *request, unsigned status, struct MHD_Response *response,
        const char *content_type, const char *set_cookie, const char *location,
        const char *disposition)
{
    if (!response)
        return MHD_NO;
    if (request->capture) {
        /* A read made for a page answers JSON only (gateway_reply_json). */
        bs_log_warning ("%s made for a page answered %s, not JSON", request->path, content_type);
        MHD_destroy_response (response);
        request->status = 500;
        return MHD_YES;
    }
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header (response, MHD_HTTP_HEADER_CACHE_CONTROL,
                             request->cache_control ? request->cache_control : "no-store");
    MHD_add_response_header (response, "X-Content-Type-Options", "nosniff");
    /* An attachment is someone's file: under a sandbox, should a browser
       show it rather than save it, it runs nothing. */
    MHD_add_response_header (response, "Content-Security-Policy",
                             disposition ? "default-src 'none'; sandbox; frame-ancestors 'none'"
                                         : request->gateway->policy);
    MHD_add_response_header (response, "X-Frame-Options", "DENY");
    MHD_add_response_header (response, "Referrer-Policy", "no-referrer");
    if (request->gateway->behind_tls)
        MHD_add_response_header (response, "Strict-Transport-Security", "max-age=31536000");
    /* Several cookies come one a line, each its own header. */
    for (const char *cookie = set_cookie; cookie && *cookie;) {
        size_t length = strcspn (cookie, "\n");
        char one[1600];
        snprintf (one, sizeof one, "%.*s", (int) length, cookie);
        MHD_add_response_header (response, MHD_HTTP_HEADER_SET_COOKIE, one);
        cookie += length + (cookie[length] == '\n');
    }
    if (location)
        MHD_add_response_header (response, MHD_HTTP_HEADER_LOCATION, location);
    if (disposition)
        MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition);
    if (request->retry_after) {
        char seconds[16];
        snprintf (seconds, sizeof seconds, "%u", request->retry_after);
        MHD_add_response_header (response, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
    enum MHD_Result result = MHD_queue_response (request->connection, status, response);
    MHD_destroy_response (response);
    request->status = (int) status;
    return result;
}

/* Text (owned, freed with the response). */
static enum MHD_Result
s_queue (gateway_request_t *request, unsigned status, const char *content_type, char *text,
         const char *set_cookie, const char *location)
{
    if (!text)
        text = strdup ("");
    struct MHD_Response *response =
        text ? MHD_create_response_from_buffer (strlen (text), text, MHD_RESPMEM_MUST_FREE) : NULL;
    if (!response)
        free (text);
    return s_send (request, status, response, content_type, set_cookie, location, NULL);
}

enum MHD_Result
gateway_reply_bytes (gateway_request_t *request, const char *content_type, const void *data,
                     size_t size, const char *disposition)
{
    struct MHD_Response *response =
        MHD_create_response_from_buffer (size, (void *) data, MHD_RESPMEM_MUST_COPY);
    return s_send (request, 200, response, content_type, NULL, NULL, disposition);
}

void
gateway_percent_encode (const char *text, char *buffer, size_t size)
{
    size_t used = 0;
    for (const unsigned char *at = (const unsigned char *) text; at && *at && used + 4 < size;
         at++) {
        if ((*at >= 'a' && *at <= 'z') || (*at >= 'A' && *at <= 'Z') || (*at >= '0' && *at <= '9')
            || strchr ("-._~", *at))
            buffer[used++] = (char) *at;
        else
            used += (size_t) snprintf (buffer + used, 4, "%%%02X", *at);
    }
    if (size)
        buffer[used] = 0;
}

void
gateway_disposition (const char *name, char *buffer, size_t size)
{
    /* RFC 6266/5987: the UTF-8 name percent-encoded. */
    snprintf (buffer, size, "attachment; filename*=UTF-8''");
    size_t used = strlen (buffer);
    gateway_percent_encode (name, buffer + used, size - used);
}

enum MHD_Result
gateway_reply_json (gateway_request_t *request, unsigned status, json_t *body,
                    const char *set_cookie, const char *location)
{
    if (request->capture) {
        json_decref (request->captured);
        request->captured = body;
        request->status = (int) status;
        return MHD_YES;
    }
    char *text = body ? json_dumps (body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref (body);
    if (text) {
        /* A newline, so `curl` output ends its line. */
        size_t length = strlen (text);
        char *line = realloc (text, length + 2);
        if (line) {
            line[length] = '\n';
            line[length + 1] = 0;
            text = line;
        }
    }
    return s_queue (request, status, "application/json; charset=utf-8", text, set_cookie, location);
}

enum MHD_Result
gateway_reply_html (gateway_request_t *request, unsigned status, char *html, const char *set_cookie,
                    const char *location)
{
    return s_queue (request, status, "text/html; charset=utf-8", html, set_cookie, location);
}

/* Is the request a browser's tab opening an API address (a file: an
   issue's PDF, an attachment, a bulletin), which shows the answer to a
   person: a GET whose Accept names HTML first. A script's call (Accept:
   application/json, or none) and a client's (curl: any type) are not. */
static bool
s_opened_in_tab (gateway_request_t *request)
{
    const char *accept = gateway_header (request, MHD_HTTP_HEADER_ACCEPT);
    return !request->capture && strcmp (request->method, "GET") == 0
           && strncmp (request->path, "/api/", 5) == 0 && accept
           && strncmp (accept, "text/html", 9) == 0;
}

/* The query of the request as it came (name=value&…, percent-encoded),
   into buffer. */
typedef struct {
    char *buffer;
    size_t size, used;
} s_query_t;

static enum MHD_Result
s_query_pair (void *closure, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind;
    s_query_t *query = closure;
    char name[256], encoded[1024];
    gateway_percent_encode (key, name, sizeof name);
    gateway_percent_encode (value ? value : "", encoded, sizeof encoded);
    int wrote = snprintf (query->buffer + query->used, query->size - query->used, "%s%s=%s",
                          query->used ? "&" : "", name, encoded);
    if (wrote > 0 && (size_t) wrote < query->size - query->used)
        query->used += (size_t) wrote;
    return MHD_YES;
}

/* What a person reads in the tab instead of the API's JSON: without a
   session, the login page, which comes back to the address once they
   have logged in (web/js/pages/login.js); else a page in Chinese, in the
   script they chose (page_text.c), with the status of the error. */
static enum MHD_Result
s_error_page (gateway_request_t *request, unsigned status)
{
    if (status == 401) {
        char query[1024] = "", here[1600], next[2400], location[2500];
        s_query_t pairs = {query, sizeof query, 0};
        MHD_get_connection_values (request->connection, MHD_GET_ARGUMENT_KIND, s_query_pair,
                                   &pairs);
        snprintf (here, sizeof here, "%s%s%s", request->path, *query ? "?" : "", query);
        gateway_percent_encode (here, next, sizeof next);
        snprintf (location, sizeof location, "/login?next=%s", next);
        return s_queue (
            request, 303, "text/html; charset=utf-8",
            strdup ("<!DOCTYPE html><meta charset=\"utf-8\"><a href=\"/login\">/login</a>\n"), NULL,
            location);
    }
    gateway_script_t script = gateway_script_choose (NULL, gateway_cookie (request, "bs_script"),
                                                     gateway_header (request, "Accept-Language"));
    gateway_text_t why = status == 404   ? GATEWAY_TEXT_FILE_NOT_FOUND
                         : status == 403 ? GATEWAY_TEXT_FILE_FORBIDDEN
                         : status == 400 ? GATEWAY_TEXT_FILE_INVALID
                         : status == 503 ? GATEWAY_TEXT_FILE_UNAVAILABLE
                                         : GATEWAY_TEXT_FILE_ERROR;
    char *text = NULL;
    size_t size = 0;
    FILE *stream = gateway_page_open (&text, &size, gateway_text (GATEWAY_TEXT_FILE_FAILED, script),
                                      script, NULL);
    if (!stream)
        return MHD_NO;
    fprintf (stream, "<p class=\"error\" id=\"why\">%s</p>\n<p><a href=\"/\">%s</a></p>\n",
             gateway_text (why, script), gateway_text (GATEWAY_TEXT_TO_CONSOLE, script));
    if (!gateway_page_close (stream, &text))
        return MHD_NO;
    return s_queue (request, status, "text/html; charset=utf-8", text, NULL, NULL);
}

/* A refusal: the console's error page to a page opened in a tab, else
   the JSON error (bs_json_error's shape, code a string: the gateway's own
   are "unauthorized" and "forbidden" too); logged once, here. */
static enum MHD_Result
s_refuse (gateway_request_t *request, unsigned status, const char *code, const bs_error_t *error)
{
    const char *field = error->field;
    if (s_opened_in_tab (request)) {
        bs_log_info ("%s %s refused (a page in the tab): %s%s%s", request->method, request->path,
                     error->text, *field ? " field " : "", field);
        return s_error_page (request, status);
    }
    json_t *body = json_pack ("{s:{s:s, s:s?, s:s, s:s*, s:o*}}", "error", "code", code, "field",
                              *field ? field : NULL, "message", error->text, "reason",
                              error->reason[0] ? error->reason : NULL, "line",
                              error->line ? json_integer (error->line) : NULL);
    bs_log_info ("%s %s refused: %s%s%s%s%s", request->method, request->path, error->text,
                 *field ? " field " : "", field, error->reason[0] ? " reason " : "", error->reason);
    return gateway_reply_json (request, status, body, NULL, NULL);
}

enum MHD_Result
gateway_reply_error (gateway_request_t *request, unsigned status, const char *code,
                     const char *field, const char *format, ...)
{
    bs_error_t error;
    bs_error_set (&error, BS_E_SYSTEM, field, "%s", "");
    va_list arguments;
    va_start (arguments, format);
    vsnprintf (error.text, sizeof error.text, format, arguments);
    va_end (arguments);
    return s_refuse (request, status, code, &error);
}

enum MHD_Result
gateway_reply_failure (gateway_request_t *request, const bs_error_t *error)
{
    return s_refuse (request, gateway_http_status (error->code), bs_error_name (error->code),
                     error);
}

/* Request data                                                           */

const char *
gateway_header (gateway_request_t *request, const char *name)
{
    return MHD_lookup_connection_value (request->connection, MHD_HEADER_KIND, name);
}

const char *
gateway_cookie (gateway_request_t *request, const char *name)
{
    return MHD_lookup_connection_value (request->connection, MHD_COOKIE_KIND, name);
}

const char *
gateway_query (gateway_request_t *request, const char *name)
{
    if (request->query)
        return json_string_value (json_object_get (request->query, name));
    return MHD_lookup_connection_value (request->connection, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result
s_query_value (void *closure, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind;
    json_object_set_new ((json_t *) closure, key, json_string (value ? value : ""));
    return MHD_YES;
}

json_t *
gateway_query_object (gateway_request_t *request)
{
    if (request->query)
        return json_copy (request->query);
    json_t *object = json_object ();
    MHD_get_connection_values (request->connection, MHD_GET_ARGUMENT_KIND, s_query_value, object);
    return object;
}

const gateway_part_t *
gateway_form_field (gateway_request_t *request, const char *name)
{
    for (size_t i = 0; i < request->part_count; i++)
        if (!request->parts[i].filename && strcmp (request->parts[i].name, name) == 0)
            return &request->parts[i];
    return NULL;
}

json_t *
gateway_form_value (const bs_schema_t *schema, const char *name, const char *value)
{
    const bs_field_t *field = bs_schema_field (schema, name);
    if (field && field->type == BS_FIELD_BOOL)
        return json_boolean (strcmp (value, "on") == 0 || strcmp (value, "true") == 0
                             || strcmp (value, "1") == 0 || strcmp (value, "yes") == 0);
    if (field && field->type != BS_FIELD_STR && !*value)
        return json_null (); /* an empty number box is no number */
    return json_string (value);
}

int
gateway_body_json (gateway_request_t *request, json_t **object, bs_error_t *error)
{
    *object = NULL;
    /* A body over gateway.max_body_bytes never gets here: gateway.c
       refuses it (s_too_large) before it routes the request. */
    if (request->body_size == 0)
        return bs_error_set (error, BS_E_MALFORMED, "", "the body is empty");
    if (!bs_codec_utf8_valid (request->body, request->body_size))
        return bs_error_set (error, BS_E_MALFORMED, "", "the body is not valid UTF-8");
    json_error_t parse_error;
    *object = json_loadb (request->body, request->body_size, JSON_REJECT_DUPLICATES, &parse_error);
    if (!*object)
        return bs_error_set (error, BS_E_MALFORMED, "", "the body is not valid JSON: %s (line %d)",
                             parse_error.text, parse_error.line);
    if (!json_is_object (*object)) {
        json_decref (*object);
        *object = NULL;
        return bs_error_set (error, BS_E_MALFORMED, "", "the body must be a JSON object");
    }
    return BS_OK;
}

bs_config_t *
gateway_config (gateway_t *self)
{
    return self->config;
}

const unsigned char *
gateway_session_key (gateway_t *self)
{
    return self->session_key;
}

uint64_t
gateway_session_ms (gateway_t *self)
{
    return self->session_ms;
}

gateway_login_limit_t *
gateway_login_limit (gateway_t *self)
{
    return self->login_limit;
}

gateway_console_t *
gateway_console (gateway_t *self)
{
    return self->console;
}

uint64_t
gateway_started_at (gateway_t *self)
{
    return self->started_at;
}

bool
gateway_behind_tls (gateway_t *self)
{
    return self->behind_tls;
}

enum MHD_Result
gateway_refuse (gateway_request_t *request, unsigned status, const bs_error_t *error)
{
    const char *code = status == 401   ? "unauthorized"
                       : status == 403 ? "forbidden"
                                       : bs_error_name (error->code);
    return s_refuse (request, status, code, error);
}
