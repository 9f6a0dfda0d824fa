/*  bench_gateway: the HTTP gateway of a benchmark's system, and a small
    keep-alive HTTP/1.1 client to talk to it (bench_http, bench_sse).

    bench_gateway_start adds gateway.http (a free loopback port) to the
    system's configuration, starts baosong-gateway and waits until GET
    /api/v1/health answers 200; bench_system_stop_program stops it.
    bench_gateway_person registers a unit and one person of it at intake;
    bench_gateway_login logs that person in over HTTP.

    The client is our own rather than libcurl: no package to install for a
    benchmark, one keep-alive connection per thread, and nearly no client
    side cost, so a figure is the gateway's, not a client library's.
*/
#ifndef BENCH_GATEWAY_H_INCLUDED
#define BENCH_GATEWAY_H_INCLUDED

#include <stddef.h>
#include <sys/types.h>

#include "bench_system.h"

/* One keep-alive connection to the gateway on 127.0.0.1:port. Start with
   {.fd = -1, .port = port}; authorization is "" or a whole header line,
   "Authorization: Bearer TOKEN\r\n". */
typedef struct {
    int fd;                   /* connected socket, -1 if none */
    int port;                 /* gateway port on 127.0.0.1 */
    char authorization[1200]; /* "Authorization: Bearer ...\r\n" or "" */
    char buffer[65536];       /* bytes read and not yet used */
    size_t have;              /* bytes in buffer */
} bench_http_t;

/* Send one request (json: its body, or NULL) and read the response:
   returns its status and copies its body into body (NUL-terminated, cut
   to body_size); -1 when the connection is gone (it is closed then, and
   the next request connects again). */
int bench_http_request (bench_http_t *self, const char *method, const char *path, const char *json,
                        char *body, size_t body_size);

/* Close the connection; idempotent. */
void bench_http_close (bench_http_t *self);

/* Start the gateway on a free loopback port (*port); threads >= 0 sets
   gateway.threads. Its pid once it answers, else -1 (nothing left
   running). */
pid_t bench_gateway_start (bench_system_t *system, int threads, int *port);

/* Register unit (a county department) and the person login of it, with
   name, roles (a comma list) and password. 0, or -1 after saying why. */
int bench_gateway_person (bench_system_t *system, const char *unit, const char *login,
                          const char *name, const char *roles, const char *password);

/* Log login in over HTTP: its session token into token. 0, or -1 after
   saying why. */
int bench_gateway_login (int port, const char *login, const char *password, char *token,
                         size_t token_size);

#endif
