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
        four durable services, with no client waiting for anything.
      - the chain of measure 2's shape: four processes, one per service,
        each with the least measure 2's flows ask of it, and the clients
        waiting for their durable replies as measure 2's do:
          intake       a ROUTER answering `clients` synchronous DEALER
                       clients: the same-shape server's turn (decode, 6
                       puts a request, one commit, fsync, replies), then
                       each report's event streamed to review and to
                       statistics (PUSH);
          review       takes intake's events (PULL: a put each and the
                       cursor, in its turn's commit) into a queue, and
                       answers `editors` synchronous deciders on a ROUTER:
                       a decider asks for the next queued case and decides
                       it in one request/reply (decode, the case read, 6
                       puts, the turn's commit, fsync, the reply; a request
                       with no case queued waits for one), then streams
                       each decision to publication and to statistics;
          publication  takes the decisions (a put each, the cursor, one
                       commit a turn) and streams each adopted one (even
                       report ids, as measure 2's editor adopts) to
                       statistics;
          statistics   takes the three streams (a put each, the cursor, one
                       commit a turn) and after each commit tells the
                       runner what it counted.
        A report takes measure 2's hops: two request/replies (submit,
        decide) and five streams (intake to review and to statistics,
        review to publication and to statistics, publication to
        statistics for the adopted half; baosong's publication sends one
        event an issue of 200, to statistics and to review). bench_limit_flow times it from the first submit
        to the last item committed by statistics, checks that statistics
        committed every item once, and reads each process's CPU. With
        BENCH_LIMIT_CURVE every socket is CurveZMQ as baosong's are (each
        bound socket a CURVE server with a ZAP handler, each connecting one
        a key pair of its own); the runner's sink alone is plain.

    Both keep every commit synced (LMDB's default): a limit that skipped
    the fsync would measure another kind of work.
*/
#ifndef BENCH_LIMIT_H_INCLUDED
#define BENCH_LIMIT_H_INCLUDED

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench_load.h"

#define BENCH_LIMIT_STAGES 4

/* What the chain did. */
typedef struct {
    bool done;      /* every message came out of the last stage */
    double rate;    /* messages per second, first sent to last out */
    double seconds; /* that time */
    size_t batches; /* commits of the first stage (its group size is messages / batches) */
} bench_limit_chain_result_t;

/* The chain of measure 2's shape: its items' types, and statistics'
   notices, one a commit: 8 bytes an item counted, big-endian, the kind in
   the top byte and the report id below. */
#define LIMIT_RECEIVED "report.received"
#define LIMIT_DECIDED "report.decided"
#define LIMIT_PUBLISHED "report.published"
enum { LIMIT_KIND_RECEIVED = 1, LIMIT_KIND_DECIDED, LIMIT_KIND_PUBLISHED };
#define LIMIT_ENTRY(kind, report_id) (((uint64_t) (kind) << 56) | (report_id))
#define LIMIT_ENTRY_KIND(entry) ((int) ((entry) >> 56))
#define LIMIT_ENTRY_REPORT(entry) ((entry) & ((UINT64_C (1) << 56) - 1))

/* The editor's rule, as measure 2's: even report ids adopted. */
static inline bool
limit_adopts (uint64_t report_id)
{
    return report_id % 2 == 0;
}

/* What the chain of measure 2's shape did. */
typedef struct {
    bool done;          /* statistics committed every item once */
    double rate;        /* reports a second, first submit to the last item committed */
    double seconds;     /* that time */
    double submitted_s; /* from the first submit to the last submit acknowledged */
    double decided_s;   /* ... to the last decision acknowledged */
    size_t missing;     /* items statistics never committed */
    size_t doubled;     /* items it committed more than once */
    /* Each stage's commits and CPU (intake, review, publication,
       statistics), and [BENCH_LIMIT_STAGES] the runner's CPU (its clients
       and its sink), from the first submit to the last item committed. */
    uint64_t commits[BENCH_LIMIT_STAGES];
    uint64_t cpu_us[BENCH_LIMIT_STAGES + 1];
    bench_percentiles_t submit, decide; /* a client's round trip */
} bench_limit_flow_result_t;

/* The same-shape server's sockets. */
typedef enum { BENCH_LIMIT_PLAIN, BENCH_LIMIT_CURVE } bench_limit_security_t;

/* How the same-shape server makes a turn durable: LMDB's commit with its
   fsync (the shape of intake), or one append and one flush of a journal
   with the store's commit unflushed (the shape of Redis's AOF;
   limit_journal.h says what it leaves out). */
typedef enum { BENCH_LIMIT_SYNCED, BENCH_LIMIT_JOURNALED } bench_limit_commit_t;

/* Measure 1's load (clients, warmup, duration) on the same-shape server, in
   a temporary folder under base, with plain or CurveZMQ sockets and either
   commit. 0 when it ran to its end with no failure. */
int bench_limit_submits (const char *base, int clients, double warmup, double duration,
                         bench_limit_security_t security, bench_limit_commit_t commit,
                         bench_load_result_t *result);

/* `messages` reports through the 4-stage chain, in a temporary folder under
   base. 0 when every message came out. */
int bench_limit_chain (const char *base, int messages, bench_limit_chain_result_t *result);

/* `reports` reports through the chain of measure 2's shape, submitted by
   `clients` threads and decided by `editors`, in a temporary folder under
   base. 0 when statistics committed every item once. */
int bench_limit_flow (const char *base, int reports, int clients, int editors,
                      bench_limit_security_t security, bench_limit_flow_result_t *result);

/* Its processes' commits (reports a commit) and CPU a report, a line each
   beginning with indent, as measure 2 prints baosong's. */
void bench_limit_flow_print_stages (const bench_limit_flow_result_t *flow, int reports,
                                    const char *indent);

/* The encoded report of client/number (a msgpack map: type, id, unit,
   title, body), as both servers take it; bytes in buffer (malloc'd by
   msgpack_sbuffer, the caller's to free with msgpack_sbuffer_destroy). */
void bench_limit_encode (msgpack_sbuffer *buffer, const bench_report_t *report, const char *id);

#endif
