/*  limit: what this machine allows for baosong's shape of work, measured
    in the same run as baosong, so that baosong's figures print as ratios
    of it (bench_throughput, bench_baseline).

    Two minimal servers with no baosong code in their path, each in
    processes of their own (the program bench_limit, bench/limit.c, run by
    the functions below):

      - the same-shape server: one ROUTER; every client has a DEALER and
        one request in flight. Each turn it takes every request waiting (up
        to 1,000, as intake's batch_max), decodes each (msgpack), writes 6
        puts per request (the report, its log entry, a counter, the
        registration number, the fingerprint, the idempotency reply) in ONE
        LMDB write transaction, commits it with fsync, then replies to all.
        bench_limit_submits puts measure 1's load (bench_load_run, the same
        reports) on it. Its CurveZMQ variant (BENCH_LIMIT_CURVE) is the same
        server with what CurveZMQ costs baosong and nothing more: a CURVE
        server socket, each client a key pair of its own and the server's
        public key, a ZAP handler admitting the clients' keys, each
        request's User-Id read. Beside the plain server it shows how much of
        baosong's distance to it is the encryption baosong requires.
      - the 4-stage chain: four processes in a row, each PULL -> one LMDB
        write transaction per batch of what has arrived (a put per message
        and the stage's cursor), committed with fsync -> PUSH to the next.
        bench_limit_chain sends `reports` encoded reports in and counts them
        out of the last stage: the ceiling of measure 2, a report crossing
        four durable services.

    Both keep every commit synced (LMDB's default): a limit that skipped
    the fsync would measure another kind of work.
*/
#ifndef BENCH_LIMIT_H_INCLUDED
#define BENCH_LIMIT_H_INCLUDED

#include <msgpack.h>

#include "bench_load.h"

#define BENCH_LIMIT_STAGES 4

/* What the chain did. */
typedef struct {
    bool done;      /* every message came out of the last stage */
    double rate;    /* messages per second, first sent to last out */
    double seconds; /* that time */
    size_t batches; /* commits of the first stage (its group size is messages / batches) */
} bench_limit_chain_result_t;

/* The same-shape server's sockets. */
typedef enum { BENCH_LIMIT_PLAIN, BENCH_LIMIT_CURVE } bench_limit_security_t;

/* Measure 1's load (clients, warmup, duration) on the same-shape server, in
   a temporary folder under base, with plain or CurveZMQ sockets. 0 when it
   ran to its end with no failure. */
int bench_limit_submits (const char *base, int clients, double warmup, double duration,
                         bench_limit_security_t security, bench_load_result_t *result);

/* `messages` reports through the 4-stage chain, in a temporary folder under
   base. 0 when every message came out. */
int bench_limit_chain (const char *base, int messages, bench_limit_chain_result_t *result);

/* The encoded report of client/number (a msgpack map: type, id, unit,
   title, body), as both servers take it; bytes in buffer (malloc'd by
   msgpack_sbuffer, the caller's to free with msgpack_sbuffer_destroy). */
void bench_limit_encode (msgpack_sbuffer *buffer, const bench_report_t *report, const char *id);

#endif
