/*  bench_system: a whole baosong system in a temporary folder, for the
    benchmarks to measure from outside, as clients would.

    bench_system_start makes a folder under `base` with its own
    configuration and starts the four service programs (baosong-intake, ...
    from the folder the calling program was built into) with posix_spawn on
    ipc:// sockets, with their default durable settings (every commit
    fsync'ed; it refuses to start when no_sync is set), and waits until
    each answers service.ping. bench_system_stop stops them (SIGTERM, then
    SIGKILL after 3 s), shows the tail of any service log that is not
    empty, and removes the folder. bench_system_handle_signals makes
    SIGINT/SIGTERM set bench_interrupted, and a crash kill the services.

    Also here: the submit of measure 1 (bench_load_submit_fn on a
    bs_client_t of intake), and what the machine is, for table headers.
*/
#ifndef BENCH_SYSTEM_H_INCLUDED
#define BENCH_SYSTEM_H_INCLUDED

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench_load.h"
#include "bs_config.h"
#include "bs_latency.h"
#include "bs_schemas.h"

#define BENCH_SERVICE_COUNT 4

typedef struct {
    char folder[PATH_MAX];           /* temporary folder, removed by bench_system_stop */
    char config_path[PATH_MAX];      /* folder/baosong.conf */
    bs_config_t *config;             /* the same configuration, loaded here (owned) */
    pid_t pids[BENCH_SERVICE_COUNT]; /* running services, 0 if not */
} bench_system_t;

/* 0 when all four services answer; else -1, with nothing left running. */
int bench_system_start (bench_system_t *self, const char *base);
/* Idempotent. */
void bench_system_stop (bench_system_t *self);

/* Register units at intake (registry.unit_put), as every unit must be
   before it submits. bench_system_start registers the load's units. 0 when
   all are. */
int bench_system_register_units (bench_system_t *self, const char *const *names, size_t count);

/* Start baosong-<program> (built beside this program) with the system's
   configuration, its stderr to <folder>/<program>.log (the gateway, for
   bench_http). The pid, or -1. */
pid_t bench_system_spawn (bench_system_t *self, const char *program);

/* Start the program file built beside this one with arguments
   (NULL-terminated, at most 14; argv[0] is set here), stdout to /dev/null
   and stderr to log_path. The pid, or -1. */
pid_t bench_system_spawn_program (const char *file, const char *const *arguments,
                                  const char *log_path);

/* SIGTERM, and SIGKILL after 3 s; waits for it. Nothing when pid <= 0. */
void bench_system_stop_program (pid_t pid);

/* The index of service `name` in pids (intake 0, review 1, publication
   2, statistics 3), or -1. */
int bench_system_index (const char *name);

/* The name of the service at index ("intake", ...), NULL out of range. */
const char *bench_system_name (int index);

/* CPU time (user and system) process pid has used, microseconds (at the
   kernel's clock tick); 0 when it is gone. */
uint64_t bench_system_cpu_us (pid_t pid);

/* What each service had done at one moment: its commit histogram (a
   turn's apply and commit, from service.pong) and the CPU it had used;
   [BENCH_SERVICE_COUNT] is the calling program's (its clients). */
typedef struct {
    uint64_t counts[BENCH_SERVICE_COUNT][BS_LATENCY_BOUNDS + 1];
    uint64_t sum_us[BENCH_SERVICE_COUNT];
    uint64_t cpu_us[BENCH_SERVICE_COUNT + 1];
} bench_stages_t;

/* The services' work between two readings: turns committed, their summed
   time and their p99 (the bound of its bs_latency bucket; 0: no turn,
   UINT64_MAX: above every bound), and the CPU used; cpu_us[BENCH_SERVICE_COUNT]
   is the calling program's. */
typedef struct {
    uint64_t turns[BENCH_SERVICE_COUNT];
    uint64_t commit_sum_us[BENCH_SERVICE_COUNT];
    uint64_t commit_p99_us[BENCH_SERVICE_COUNT];
    uint64_t cpu_us[BENCH_SERVICE_COUNT + 1];
} bench_stages_work_t;

/* Read every service's stage now (a service.ping each). */
void bench_system_stages_read (bench_system_t *self, bench_stages_t *stages);

/* The work done from before to after. */
void bench_stages_between (const bench_stages_t *before, const bench_stages_t *after,
                           bench_stages_work_t *work);

/* kill -9 the service at index and reap it (a crash: no clean stop). */
void bench_system_kill (bench_system_t *self, int index);

/* Start the service at index again (after bench_system_kill). 0 once it
   is spawned; bench_system_wait_up then waits for its first answer. */
int bench_system_respawn (bench_system_t *self, int index);

/* 0 once the service at index answers service.ping (tries for about 20 s). */
int bench_system_wait_up (bench_system_t *self, int index);

/* A process's resident memory, from /proc/PID/status, in KiB:
   anonymous (heap, stacks: what the service allocates) and file-backed
   (LMDB's map, the program and its libraries). */
typedef struct {
    long anonymous, file;
} bench_memory_t;

/* 0 when read; else -1 (the process is gone). */
int bench_system_memory (pid_t pid, bench_memory_t *memory);

/* Call once, first thing in main. */
void bench_system_handle_signals (void);

/* The submit request for a report (pointers into report, not copies). */
bs_submit_t bench_system_submit_of (const bench_report_t *report);

/* bench_load_submit_fn: connection is a bs_client_t of intake. */
int bench_system_submit (void *connection, const bench_report_t *report, char *error,
                         size_t error_size);

/* The CPU model, from /proc/cpuinfo. */
void bench_system_cpu_model (char *model, size_t size);
/* The file system type and device that hold folder. */
void bench_system_storage (const char *folder, char *type, size_t type_size, char *device,
                           size_t device_size);

#endif
