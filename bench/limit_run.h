/*  limit_run: what the runners of limit.h's measures share (limit_run.c:
    the same-shape server and the 4-stage chain; limit_flow_run.c: the
    chain of measure 2's shape): a temporary folder, a role of bench_limit
    started in it, and the CurveZMQ keys a run's roles read.
*/
#ifndef BENCH_LIMIT_RUN_H_INCLUDED
#define BENCH_LIMIT_RUN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A temporary folder under base (baosong-limit-XXXXXX) into folder. 0, or
   -1 with a line on stderr. */
int limit_run_folder (const char *base, char *folder, size_t size);

/* Start a role of bench_limit (arguments: the role, then at most 5 more
   after the folder it is given: its own, folder/name) and wait until it is
   ready (its folder holds "ready"); stderr to folder/name.log. The pid,
   or -1. */
pid_t limit_run_start_role (const char *folder, const char *name, const char *const *arguments);

/* The CurveZMQ keys: a key pair for the server and one for each client
   (secret keys into client_secrets), written to path for the roles (the
   server's secret key, then the clients' public keys, then with
   admit_server the server's own public key, which the stages of measure
   2's shape connect to each other with); the server's public key into
   server_public. 0, or -1 with a line on stderr. */
int limit_run_curve_keys (const char *path, int clients, bool admit_server, char server_public[41],
                          char (*client_publics)[41], char (*client_secrets)[41]);

#endif
