/*  bench_gateway: the gateway of a benchmark's system and a keep-alive
    HTTP/1.1 client to it (see bench_gateway.h).
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "bs_client.h"
#include "bs_schemas.h"

#include "bench_gateway.h"

static int
s_connect (bench_http_t *self)
{
    self->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_port = htons ((uint16_t) self->port),
                                  .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    int one = 1;
    setsockopt (self->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (self->fd < 0 || connect (self->fd, (struct sockaddr *) &address, sizeof address) != 0) {
        if (self->fd >= 0)
            close (self->fd);
        self->fd = -1;
        return -1;
    }
    self->have = 0;
    return 0;
}

void
bench_http_close (bench_http_t *self)
{
    if (self->fd >= 0)
        close (self->fd);
    self->fd = -1;
}

int
bench_http_request (bench_http_t *self, const char *method, const char *path, const char *json,
                    char *body, size_t body_size)
{
    if (self->fd < 0 && s_connect (self) != 0)
        return -1;
    char head[1600];
    size_t length = json ? strlen (json) : 0;
    int head_size =
        snprintf (head, sizeof head,
                  "%s %s HTTP/1.1\r\nHost: bench\r\n%sContent-Type: application/json\r\n"
                  "Content-Length: %zu\r\n\r\n",
                  method, path, self->authorization, length);
    struct iovec parts[2] = {{head, (size_t) head_size}, {(void *) json, length}};
    struct msghdr message = {.msg_iov = parts, .msg_iovlen = json ? 2 : 1};
    size_t total = (size_t) head_size + length, sent = 0;
    while (sent < total) {
        ssize_t wrote = sendmsg (self->fd, &message, MSG_NOSIGNAL);
        if (wrote <= 0) {
            bench_http_close (self);
            return -1;
        }
        sent += (size_t) wrote;
        /* Rare: a short write; move the vectors on. */
        size_t skip = (size_t) wrote;
        while (message.msg_iovlen && skip >= message.msg_iov[0].iov_len) {
            skip -= message.msg_iov[0].iov_len;
            message.msg_iov++;
            message.msg_iovlen--;
        }
        if (message.msg_iovlen) {
            message.msg_iov[0].iov_base = (char *) message.msg_iov[0].iov_base + skip;
            message.msg_iov[0].iov_len -= skip;
        }
    }
    /* Headers, then Content-Length bytes of body. */
    char *end = NULL;
    size_t content_length = 0, header_size = 0;
    while (true) {
        if (!end) {
            self->buffer[self->have] = 0;
            end = strstr (self->buffer, "\r\n\r\n");
            if (end) {
                header_size = (size_t) (end - self->buffer) + 4;
                for (char *line = strstr (self->buffer, "\r\n"); line && line < end;
                     line = strstr (line + 2, "\r\n"))
                    if (strncasecmp (line + 2, "Content-Length:", 15) == 0)
                        content_length = strtoul (line + 17, NULL, 10);
                if (header_size + content_length >= sizeof self->buffer) {
                    bench_http_close (self);
                    return -1;
                }
            }
        }
        if (end && self->have >= header_size + content_length)
            break;
        ssize_t got =
            read (self->fd, self->buffer + self->have, sizeof self->buffer - 1 - self->have);
        if (got <= 0) {
            bench_http_close (self);
            return -1;
        }
        self->have += (size_t) got;
    }
    int status = atoi (self->buffer + 9); /* "HTTP/1.1 201 ..." */
    size_t copy = content_length < body_size - 1 ? content_length : body_size - 1;
    memcpy (body, self->buffer + header_size, copy);
    body[copy] = 0;
    size_t used = header_size + content_length;
    memmove (self->buffer, self->buffer + used, self->have - used);
    self->have -= used;
    return status;
}

pid_t
bench_gateway_start (bench_system_t *system, int threads, int *port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    socklen_t size = sizeof address;
    if (fd < 0 || bind (fd, (struct sockaddr *) &address, sizeof address) != 0
        || getsockname (fd, (struct sockaddr *) &address, &size) != 0) {
        if (fd >= 0)
            close (fd);
        return -1;
    }
    *port = ntohs (address.sin_port);
    close (fd);
    FILE *file = fopen (system->config_path, "a");
    if (!file)
        return -1;
    fprintf (file, "gateway.http = 127.0.0.1:%d\n", *port);
    if (threads >= 0)
        fprintf (file, "gateway.threads = %d\n", threads);
    fclose (file);
    pid_t pid = bench_system_spawn (system, "gateway");
    /* Up when it answers. */
    bench_http_t probe = {.fd = -1, .port = *port};
    char body[256];
    for (int attempt = 0; pid > 0 && attempt < 400; attempt++) { /* 10 s */
        if (bench_http_request (&probe, "GET", "/api/v1/health", NULL, body, sizeof body) == 200) {
            bench_http_close (&probe);
            return pid;
        }
        bench_sleep_ms (25);
    }
    fprintf (stderr, "bench: the gateway did not answer on port %d\n", *port);
    bench_system_stop_program (pid);
    return -1;
}

int
bench_gateway_person (bench_system_t *system, const char *unit, const char *login, const char *name,
                      const char *roles, const char *password)
{
    bs_client_t *client = bs_client_new (system->config, "intake", "bench");
    bs_error_t error;
    bs_unit_t unit_record = {.name = (char *) unit, .level = "county", .kind = "department"},
              unit_reply;
    bs_officer_t officer = {.login = (char *) login,
                            .name = (char *) name,
                            .unit = (char *) unit,
                            .roles = (char *) roles,
                            .password = (char *) password},
                 officer_reply;
    int rc = client ? bs_client_call (client, &bs_unit_schema, &unit_record, &bs_unit_schema,
                                      &unit_reply, &error)
                    : bs_error_set (&error, BS_E_SYSTEM, "", "out of memory");
    if (rc == BS_OK) {
        bs_codec_record_free (&bs_unit_schema, &unit_reply);
        rc = bs_client_call (client, &bs_officer_schema, &officer, &bs_officer_schema,
                             &officer_reply, &error);
    }
    if (rc == BS_OK)
        bs_codec_record_free (&bs_officer_schema, &officer_reply);
    bs_client_destroy (&client);
    if (rc != BS_OK) {
        fprintf (stderr, "bench: cannot register %s of %s: %s\n", login, unit, error.text);
        return -1;
    }
    return 0;
}

int
bench_gateway_login (int port, const char *login, const char *password, char *token,
                     size_t token_size)
{
    json_t *request = json_pack ("{s:s, s:s}", "login", login, "password", password);
    char *text = request ? json_dumps (request, JSON_COMPACT) : NULL;
    json_decref (request);
    bench_http_t http = {.fd = -1, .port = port};
    char body[4096] = "";
    int status =
        text ? bench_http_request (&http, "POST", "/api/v1/login", text, body, sizeof body) : -1;
    bench_http_close (&http);
    free (text);
    json_t *reply = status == 200 ? json_loads (body, 0, NULL) : NULL;
    const char *found = json_string_value (json_object_get (reply, "token"));
    int rc = found && strlen (found) < token_size ? 0 : -1;
    if (rc == 0)
        snprintf (token, token_size, "%s", found);
    else
        fprintf (stderr, "bench: login of %s failed: HTTP %d %s\n", login, status, body);
    json_decref (reply);
    return rc;
}
