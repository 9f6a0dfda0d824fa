/*  gateway: the HTTP server; see gateway.h.

    libmicrohttpd runs a thread per connection (gateway.threads 0, the
    default; gateway.connection_limit bounds them) or a pool of
    gateway.threads. Each thread handles its connections one request at a
    time and calls the services synchronously on a bs_client of its own,
    created on first use and destroyed when the thread ends (a pthread
    key's destructor): ZeroMQ sockets must never be shared between threads,
    and a DEALER per thread needs no locking at all. With a pool,
    connections that share a thread wait behind each other's calls; a
    thread per connection puts every connection's request at intake at
    once, where group commit turns many into one fsync.

    A request's body is read as it arrives: a form (multipart/form-data or
    x-www-form-urlencoded) through MHD's PostProcessor into parts, anything
    else into one buffer. gateway.max_body_bytes bounds either: a declared
    Content-Length over it is refused before a byte is read, a chunked body
    that grows over it is dropped as it comes and refused at its end (413),
    and cut off past four times the limit.
*/
#include "gateway.h"
#include "server.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "bs_clock.h"
#include "bs_log.h"

#define S_FIELD_MAX (BS_BODY_MAX + 1024) /* bytes of one plain form field */

static int
s_append (unsigned char **data, size_t *size, size_t *capacity, const char *bytes, size_t count)
{
    if (*size + count + 1 > *capacity) {
        size_t wanted = *capacity ? *capacity : 1024;
        while (wanted < *size + count + 1)
            wanted *= 2;
        unsigned char *grown = realloc (*data, wanted);
        if (!grown)
            return -1;
        *data = grown;
        *capacity = wanted;
    }
    memcpy (*data + *size, bytes, count);
    *size += count;
    (*data)[*size] = 0;
    return 0;
}

static enum MHD_Result
s_post_part (void *closure, enum MHD_ValueKind kind, const char *key, const char *filename,
             const char *content_type, const char *transfer_encoding, const char *data,
             uint64_t offset, size_t size)
{
    (void) kind;
    (void) transfer_encoding;
    gateway_request_t *request = closure;
    if (request->form_error.code)
        return MHD_YES; /* keep reading, answer at the end */
    gateway_part_t *part = request->part_count ? &request->parts[request->part_count - 1] : NULL;
    bool same = part && offset > 0 && strcmp (part->name, key ? key : "") == 0
                && (part->filename != NULL) == (filename != NULL);
    if (!same) {
        if (request->part_count >= 64) {
            bs_error_set (&request->form_error, BS_E_LIMIT, key ? key : "",
                          "the form has more than 64 parts");
            bs_error_reason (&request->form_error, "too_many", 0);
            return MHD_YES;
        }
        gateway_part_t *parts =
            realloc (request->parts, (request->part_count + 1) * sizeof (gateway_part_t));
        if (!parts)
            return MHD_NO;
        request->parts = parts;
        part = &parts[request->part_count++];
        memset (part, 0, sizeof *part);
        part->name = strdup (key ? key : "");
        part->filename = filename ? strdup (filename) : NULL;
        part->content_type = content_type ? strdup (content_type) : NULL;
        if (!part->name || s_append (&part->data, &part->size, &part->capacity, "", 0) != 0)
            return MHD_NO;
    }
    size_t limit = part->filename ? BS_ATTACHMENT_MAX : S_FIELD_MAX;
    if (part->size + size > limit) {
        bs_error_set (&request->form_error, BS_E_LIMIT, part->name, "%s is over %zu bytes",
                      part->filename ? part->filename : part->name, limit);
        bs_error_reason (&request->form_error, "too_large", 0);
        return MHD_YES;
    }
    if (size && s_append (&part->data, &part->size, &part->capacity, data, size) != 0)
        return MHD_NO;
    return MHD_YES;
}

static bool
s_is_form (const char *content_type)
{
    if (!content_type)
        return false;
    return strncasecmp (content_type, MHD_HTTP_POST_ENCODING_FORM_URLENCODED,
                        strlen (MHD_HTTP_POST_ENCODING_FORM_URLENCODED))
               == 0
           || strncasecmp (content_type, MHD_HTTP_POST_ENCODING_MULTIPART_FORMDATA,
                           strlen (MHD_HTTP_POST_ENCODING_MULTIPART_FORMDATA))
                  == 0;
}

/* libmicrohttpd callbacks                                                */

/* The refusal of a body over gateway.max_body_bytes (reason too_large). */
static enum MHD_Result
s_too_large (gateway_request_t *request)
{
    bs_error_t error;
    bs_error_set (&error, BS_E_LIMIT, "", "the body is over %zu bytes (gateway.max_body_bytes)",
                  request->gateway->max_body);
    bs_error_reason (&error, "too_large", 0);
    return gateway_reply_failure (request, &error);
}

static enum MHD_Result
s_access (void *closure, struct MHD_Connection *connection, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size, void **context)
{
    (void) version;
    gateway_t *self = closure;
    gateway_request_t *request = *context;
    if (!request) {
        /* First call: headers only. */
        request = calloc (1, sizeof *request);
        if (!request)
            return MHD_NO;
        *context = request;
        request->gateway = self;
        request->connection = connection;
        request->started = bs_clock_monotonic ();
        snprintf (request->method, sizeof request->method, "%s", method);
        snprintf (request->path, sizeof request->path, "%s", url);
        const char *length = gateway_header (request, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull (length, NULL, 10) > self->max_body) {
            request->too_large = true;
            return s_too_large (request);
        }
        gateway_route_find (request);
        /* Only endpoints that take forms parse them; the others read the
           body as it is (curl -d sends JSON as urlencoded). */
        if (request->route && request->route->forms
            && s_is_form (gateway_header (request, MHD_HTTP_HEADER_CONTENT_TYPE))) {
            request->form = true;
            request->post = MHD_create_post_processor (connection, 64 * 1024, s_post_part, request);
            if (!request->post)
                return gateway_reply_error (request, 400, "malformed", "",
                                            "the form's Content-Type has no boundary");
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        if (request->status)
            return MHD_YES; /* already answered */
        request->received += size;
        /* A chunked body over the limit is read and dropped, so the client
           gets its 413 at the end (libmicrohttpd cannot answer in the middle
           of an upload); one that goes on past four times the limit is cut
           off. */
        if (request->received > self->max_body)
            request->too_large = true;
        if (request->too_large)
            return request->received > 4 * self->max_body ? MHD_NO : MHD_YES;
        if (request->post) {
            if (MHD_post_process (request->post, upload_data, size) != MHD_YES
                && !request->form_error.code)
                bs_error_set (&request->form_error, BS_E_MALFORMED, "", "the form is malformed");
            return MHD_YES;
        }
        if (s_append ((unsigned char **) &request->body, &request->body_size,
                      &request->body_capacity, upload_data, size)
            != 0)
            return MHD_NO;
        return MHD_YES;
    }
    if (request->status)
        return MHD_YES; /* answered while reading */
    /* The whole body is here. */
    if (request->too_large)
        return s_too_large (request);
    if (request->form_error.code)
        return gateway_reply_failure (request, &request->form_error);
    return gateway_route (request);
}

static void
s_completed (void *closure, struct MHD_Connection *connection, void **context,
             enum MHD_RequestTerminationCode code)
{
    (void) closure;
    (void) connection;
    gateway_request_t *request = *context;
    if (!request)
        return;
    uint64_t elapsed = bs_clock_monotonic () - request->started;
    gateway_metrics_response (request->gateway, request->status);
    /* The path only: tokens travel in headers and bodies, never logged. */
    bs_log_info ("%s %s %d %llu ms%s", request->method, request->path, request->status,
                 (unsigned long long) elapsed,
                 code == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection lost)");
    if (request->post)
        MHD_destroy_post_processor (request->post);
    for (size_t i = 0; i < request->part_count; i++) {
        free (request->parts[i].name);
        free (request->parts[i].filename);
        free (request->parts[i].content_type);
        free (request->parts[i].data);
    }
    free (request->parts);
    free (request->body);
    json_decref (request->first_reads);
    sodium_memzero (&request->principal, sizeof request->principal);
    free (request);
    *context = NULL;
}

static void
s_mhd_log (void *closure, const char *format, va_list arguments)
{
    (void) closure;
    char line[512];
    vsnprintf (line, sizeof line, format, arguments);
    size_t length = strlen (line);
    while (length && line[length - 1] == '\n')
        line[--length] = 0;
    bs_log_warning ("http: %s", line);
}

/* Life                                                                   */

static int
s_parse_address (const char *text, struct sockaddr_in *address, bs_error_t *error)
{
    char host[256];
    const char *colon = strrchr (text, ':');
    if (!colon || (size_t) (colon - text) >= sizeof host)
        return bs_error_set (error, BS_E_INVALID, "gateway.http",
                             "gateway.http must be host:port, not '%s'", text);
    memcpy (host, text, (size_t) (colon - text));
    host[colon - text] = 0;
    char *end;
    unsigned long port = strtoul (colon + 1, &end, 10);
    memset (address, 0, sizeof *address);
    address->sin_family = AF_INET;
    address->sin_port = htons ((uint16_t) port);
    if (*end || port > 65535
        || inet_pton (AF_INET, strcmp (host, "localhost") == 0 ? "127.0.0.1" : host,
                      &address->sin_addr)
               != 1)
        return bs_error_set (error, BS_E_INVALID, "gateway.http",
                             "gateway.http must be an IPv4 address and port, not '%s'", text);
    return BS_OK;
}

gateway_t *
gateway_new (bs_config_t *config, bs_error_t *error)
{
    gateway_t *self = calloc (1, sizeof *self);
    if (!self) {
        bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
        return NULL;
    }
    self->config = config;
    self->started_at = bs_clock_now ();
    self->session_ms = bs_config_get_number (config, "gateway.session_hours") * 3600 * 1000;
    self->max_body = (size_t) bs_config_get_number (config, "gateway.max_body_bytes");
    self->timeout = (int) bs_config_get_number (config, "request_timeout_ms");
    self->tries = (int) bs_config_get_number (config, "gateway.request_tries");
    self->behind_tls = bs_config_get_number (config, "gateway.behind_tls") != 0;
    if (sodium_init () < 0
        || s_parse_address (bs_config_get (config, "gateway.http"), &self->address, error) != BS_OK
        || gateway_session_key_load (config, self->session_key, error) != BS_OK) {
        if (!error->code)
            bs_error_set (error, BS_E_SYSTEM, "", "libsodium cannot start");
        gateway_destroy (&self);
        return NULL;
    }
    gateway_pages_policy (self->policy, sizeof self->policy);
    if (pthread_key_create (&self->clients_key, gateway_clients_destroy) != 0) {
        bs_error_set (error, BS_E_SYSTEM, "", "cannot make a thread key");
        gateway_destroy (&self);
        return NULL;
    }
    self->key_made = true;
    self->login_limit = gateway_login_limit_new (config);
    self->feed = gateway_feed_new (self);
    /* The API works without the console: its pages then answer 500. */
    bs_error_t console_error = {0};
    self->console = gateway_console_new (config, &console_error);
    if (!self->console)
        bs_log_error ("the web console cannot be served: %s", console_error.text);
    if (!self->login_limit || !self->feed) {
        bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
        gateway_destroy (&self);
        return NULL;
    }
    return self;
}

int
gateway_start (gateway_t *self, bs_error_t *error)
{
    unsigned threads = (unsigned) bs_config_get_number (self->config, "gateway.threads");
    /* threads 0: a thread per connection (as many requests at intake as
       there are connections); otherwise a pool of that many. A pool size
       of 0 would make MHD pick one thread: keep the option out instead. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_AUTO;
    if (threads == 0)
        flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG
                | MHD_USE_POLL;
    self->daemon = MHD_start_daemon (
        flags, 0, NULL, NULL, s_access, self, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, self,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &self->address, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned) bs_config_get_number (self->config, "gateway.connection_limit"),
        MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned) bs_config_get_number (self->config, "gateway.connection_timeout_s"),
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned) bs_config_get_number (self->config, "gateway.per_ip_limit"),
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, self,
        threads ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, MHD_OPTION_END);
    if (!self->daemon)
        return bs_error_set (error, BS_E_SYSTEM, "gateway.http", "cannot listen on %s: %s",
                             bs_config_get (self->config, "gateway.http"), strerror (errno));
    if (threads)
        bs_log_info ("listening on http://%s with %u threads",
                     bs_config_get (self->config, "gateway.http"), threads);
    else
        bs_log_info ("listening on http://%s with a thread per connection",
                     bs_config_get (self->config, "gateway.http"));
    return BS_OK;
}

void
gateway_destroy (gateway_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gateway_t *self = *self_p;
    if (self->daemon)
        MHD_stop_daemon (self->daemon); /* joins the workers: their clients go with them */
    gateway_feed_destroy (&self->feed); /* joins the feed's follower, clients too */
    if (self->key_made)
        pthread_key_delete (self->clients_key);
    gateway_login_limit_destroy (&self->login_limit);
    gateway_console_destroy (&self->console);
    sodium_memzero (self->session_key, sizeof self->session_key);
    free (self);
    *self_p = NULL;
}
