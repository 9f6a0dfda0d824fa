/*  bench_throughput: how much durable work a whole baosong system does, as
    a person or a program outside it sees it.

    Each measure runs on a fresh system: its own temporary folder and
    configuration, the four service programs (baosong-intake, ... from the
    folder this program was built into) started with posix_spawn on ipc://
    sockets, with their default durable settings (every commit fsync'ed;
    no_sync stays 0), killed and removed at the end, also on failure.

      1. Durable submits per second: `clients` threads, each with its own
         bs_client, submit reports back to back. After a warm-up, the
         submits acknowledged within `duration` seconds are counted (a
         reply leaves intake only after the commit that holds the report is
         on disk), with the latency each client saw.
      2. End to end: `reports` reports submitted by `clients` threads; an
         editor walks review's cases by report id and decides each as it
         appears (every other one adopted into 《組工信息》, the rest
         declined), handing the decisions to `editors` clients; a publisher
         puts every 200 adopted reports into an issue and publishes it. The
         time runs from the first submit until statistics counts every
         submission, every decision and every published report.
      3. Submit to live feed: submits at a steady rate for `duration`
         seconds (a few clients taking turns, so a slow reply does not
         delay the next submit); each report gets a unit of its own, so the
         statistics.changed message that counts it on the live feed is
         known by its unit (and its seq, intake's log sequence, must equal
         the report id the submit got back). Latency runs from the moment
         the submit was due to the moment that message arrives.

    Only acknowledged work counts: a failed or unanswered call is reported,
    never counted, and measure 2 ends only when the statistics say so.

        bench_throughput [--quick] [--duration S] [--clients N] [--reports M]
                         [--editors N] [--rate R] [--only 1,2,3] [--dir FOLDER]
*/
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <mntent.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bs_client.h"
#include "bs_clock.h"
#include "bs_config.h"
#include "bs_schemas.h"
#include "bs_socket.h"

extern char **environ;

#define S_SERVICE_COUNT 4
#define S_PERIODICAL "組工信息"
#define S_FEED_UNIT_PREFIX "測速單位"

static const char *const s_services[S_SERVICE_COUNT] = {"intake", "review", "publication",
                                                        "statistics"};

/* Set by SIGINT/SIGTERM: every loop stops, the services are stopped and
   the folder removed. */
static volatile sig_atomic_t s_interrupted;

/* The running services and their folder, for the fatal-signal handler,
   which can only kill them and say where the folder is. */
static volatile pid_t s_child_pids[S_SERVICE_COUNT];
static char s_current_folder[PATH_MAX];

typedef struct {
    double duration;  /* seconds counted in measures 1 and 3 */
    double warmup;    /* seconds of measure 1 not counted */
    int clients;      /* concurrent submitters in measures 1 and 2 */
    int reports;      /* reports through the system in measure 2 */
    int editors;      /* clients the editor decides through in measure 2 (0: clients) */
    int issue_size;   /* adopted reports per issue in measure 2 */
    int rate;         /* submits per second in measure 3 */
    double deadline;  /* seconds measure 2 may take before it fails */
    const char *base; /* folder the temporary folders go into */
    bool run[4];      /* run[n]: run measure n */
    bool quick;       /* small numbers, for a smoke run */
} s_options_t;

/* ---------------------------------------------------------------------- */
/* Time, samples, numbers                                                  */

static uint64_t
s_now_ns (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (uint64_t) now.tv_sec * 1000000000u + (uint64_t) now.tv_nsec;
}

static void
s_sleep_until_ns (uint64_t deadline)
{
    struct timespec at = {(time_t) (deadline / 1000000000u), (long) (deadline % 1000000000u)};
    while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR && !s_interrupted)
        ;
}

static void
s_sleep_ms (int milliseconds)
{
    s_sleep_until_ns (s_now_ns () + (uint64_t) milliseconds * 1000000u);
}

/* Latencies in nanoseconds. */
typedef struct {
    uint64_t *items; /* the samples, owned */
    size_t count;    /* samples held */
    size_t capacity; /* room in items */
} s_samples_t;

static void
s_samples_push (s_samples_t *self, uint64_t value)
{
    if (self->count == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 4096;
        uint64_t *items = realloc (self->items, capacity * sizeof *items);
        if (!items)
            return; /* a sample lost to memory is not worth stopping for */
        self->items = items;
        self->capacity = capacity;
    }
    self->items[self->count++] = value;
}

static void
s_samples_free (s_samples_t *self)
{
    free (self->items);
    memset (self, 0, sizeof *self);
}

static int
s_compare_u64 (const void *left, const void *right)
{
    uint64_t a = *(const uint64_t *) left, b = *(const uint64_t *) right;
    return a < b ? -1 : a > b;
}

typedef struct {
    size_t count;              /* samples */
    double p50, p90, p99, max; /* milliseconds */
} s_percentiles_t;

/* Nearest-rank percentiles of the samples (sorted in place). */
static s_percentiles_t
s_samples_percentiles (s_samples_t *self)
{
    s_percentiles_t result = {.count = self->count};
    if (self->count == 0)
        return result;
    qsort (self->items, self->count, sizeof *self->items, s_compare_u64);
    /* Integer arithmetic: the rank is ceil (count * percent / 100), and
       libm is not linked. */
    size_t percents[] = {50, 90, 99};
    double *fields[] = {&result.p50, &result.p90, &result.p99};
    for (int i = 0; i < 3; i++) {
        size_t rank = (self->count * percents[i] + 99) / 100;
        size_t index = rank ? rank - 1 : 0;
        *fields[i] = (double) self->items[index] / 1e6;
    }
    result.max = (double) self->items[self->count - 1] / 1e6;
    return result;
}

/* 12345.6 -> "12,346" */
static const char *
s_thousands (double value, char *buffer, size_t size)
{
    char digits[32];
    snprintf (digits, sizeof digits, "%.0f", value);
    size_t length = strlen (digits), at = 0;
    for (size_t i = 0; i < length && at + 2 < size; i++) {
        if (i > 0 && (length - i) % 3 == 0)
            buffer[at++] = ',';
        buffer[at++] = digits[i];
    }
    buffer[at] = 0;
    return buffer;
}

/* ---------------------------------------------------------------------- */
/* Reports that read like real ones                                        */

static const char *const s_units[] = {"東城區委組織部",   "西城區委組織部",   "朝陽區委組織部",
                                      "海澱區委組織部",   "豐台區委組織部",   "通州區委組織部",
                                      "石景山區委組織部", "門頭溝區委組織部", "房山區委組織部",
                                      "順義區委組織部",   "昌平區委組織部",   "大興區委組織部"};
#define S_UNIT_COUNT (sizeof s_units / sizeof s_units[0])

static const char *const s_themes[] = {"推進基層黨組織標準化規範化建設", "做好年輕幹部選育管用工作",
                                       "深化幹部教育培訓改革", "加強村（社區）「兩委」班子建設",
                                       "開展人才引進「春雁行動」"};
#define S_THEME_COUNT (sizeof s_themes / sizeof s_themes[0])

typedef struct {
    char unit[BS_UNIT_MAX];
    char title[256];
    char body[1024];
} s_report_text_t;

/* Report number `number` of client `client`: about 300 bytes of title and
   body, each one different (so no present or future duplicate detection
   can shorten the work). */
static void
s_report_text (s_report_text_t *text, int client, uint64_t number, const char *unit)
{
    size_t pick = (size_t) client * 7 + (size_t) number;
    snprintf (text->unit, sizeof text->unit, "%s", unit ? unit : s_units[pick % S_UNIT_COUNT]);
    snprintf (text->title, sizeof text->title, "%s%s的做法（%d-%" PRIu64 "）", text->unit,
              s_themes[pick % S_THEME_COUNT], client, number);
    snprintf (text->body, sizeof text->body,
              "今年以來，%s堅持以黨建引領基層治理，建立分片聯繫、定期研判、"
              "跟蹤問效工作機制，累計培訓村（社區）幹部%" PRIu64 "人次，"
              "整頓軟弱渙散黨組織%d個，相關做法得到上級肯定。",
              text->unit, 100 + number % 900, 1 + client % 9);
}

static bs_submit_t
s_submit_of (const s_report_text_t *text)
{
    return (bs_submit_t){.unit = (char *) text->unit,
                         .title = (char *) text->title,
                         .body = (char *) text->body,
                         .kind = "situation",
                         .channel = "direct"};
}

/* ---------------------------------------------------------------------- */
/* A whole system in a temporary folder                                    */

typedef struct {
    char folder[PATH_MAX];       /* temporary folder, removed by s_system_stop */
    char config_path[PATH_MAX];  /* folder/baosong.conf */
    bs_config_t *config;         /* the same configuration, loaded here */
    pid_t pids[S_SERVICE_COUNT]; /* running services, 0 if not */
} s_system_t;

/* The folder this program lives in: the build folder, where the service
   programs are built too. */
static int
s_program_folder (char *folder, size_t size)
{
    ssize_t length = readlink ("/proc/self/exe", folder, size - 1);
    if (length <= 0)
        return -1;
    folder[length] = 0;
    char *slash = strrchr (folder, '/');
    if (!slash)
        return -1;
    *slash = 0;
    return 0;
}

static int
s_remove_entry (const char *path, const struct stat *info, int flag, struct FTW *walk)
{
    (void) info;
    (void) flag;
    (void) walk;
    remove (path);
    return 0;
}

/* Print the last lines of each service log that has anything in it (at
   log_level warning, a healthy run writes nothing). */
static void
s_system_show_logs (s_system_t *self)
{
    for (int i = 0; i < S_SERVICE_COUNT; i++) {
        char path[PATH_MAX + 32];
        snprintf (path, sizeof path, "%s/%s.log", self->folder, s_services[i]);
        FILE *file = fopen (path, "r");
        if (!file)
            continue;
        char tail[2048];
        fseek (file, 0, SEEK_END);
        long size = ftell (file);
        fseek (file, size > (long) sizeof tail - 1 ? size - (long) sizeof tail + 1 : 0, SEEK_SET);
        size_t got = fread (tail, 1, sizeof tail - 1, file);
        tail[got] = 0;
        fclose (file);
        if (got)
            fprintf (stderr, "--- %s log (last %zu bytes) ---\n%s", s_services[i], got, tail);
    }
}

static void
s_system_stop (s_system_t *self)
{
    for (int i = 0; i < S_SERVICE_COUNT; i++)
        if (self->pids[i])
            kill (self->pids[i], SIGTERM);
    /* A clean stop closes LMDB properly; three seconds, then SIGKILL. */
    uint64_t deadline = s_now_ns () + 3000000000u;
    for (int i = 0; i < S_SERVICE_COUNT; i++) {
        while (self->pids[i]) {
            int status;
            pid_t done = waitpid (self->pids[i], &status, WNOHANG);
            if (done == self->pids[i] || (done == -1 && errno == ECHILD))
                self->pids[i] = 0;
            else if (s_now_ns () > deadline) {
                kill (self->pids[i], SIGKILL);
                while (waitpid (self->pids[i], &status, 0) == -1 && errno == EINTR)
                    ;
                self->pids[i] = 0;
            } else
                usleep (10000);
        }
        s_child_pids[i] = 0;
    }
    bs_config_destroy (&self->config);
    if (self->folder[0]) {
        s_system_show_logs (self);
        nftw (self->folder, s_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        self->folder[0] = 0;
        s_current_folder[0] = 0;
    }
}

static int
s_system_spawn (s_system_t *self, int index, const char *program_folder)
{
    const char *service = s_services[index];
    char path[PATH_MAX + 64], log_path[PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/baosong-%s", program_folder, service);
    snprintf (log_path, sizeof log_path, "%s/%s.log", self->folder, service);
    if (access (path, X_OK) != 0) {
        fprintf (stderr, "bench: %s is not there: build the services first\n", path);
        return -1;
    }
    char *argv[] = {path, "--config", self->config_path, NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, 2, log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_addopen (&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attributes;
    posix_spawnattr_init (&attributes);
    /* The services keep their own SIGINT/SIGTERM handling: start them
       with default dispositions and nothing blocked. */
    sigset_t none, all;
    sigemptyset (&none);
    sigfillset (&all);
    posix_spawnattr_setsigmask (&attributes, &none);
    posix_spawnattr_setsigdefault (&attributes, &all);
    posix_spawnattr_setflags (&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int rc = posix_spawn (&pid, path, &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy (&actions);
    posix_spawnattr_destroy (&attributes);
    if (rc != 0) {
        fprintf (stderr, "bench: cannot start %s: %s\n", path, strerror (rc));
        return -1;
    }
    self->pids[index] = pid;
    s_child_pids[index] = pid;
    return 0;
}

/* Up means: it answers service.ping. */
static int
s_system_wait_up (s_system_t *self, int index)
{
    bs_client_t *client = bs_client_new (self->config, s_services[index], "bench");
    bs_client_set_patience (client, 250, 1);
    int rc = -1;
    for (int attempt = 0; attempt < 80 && rc != 0 && !s_interrupted; attempt++) {
        bs_ping_t ping = {0};
        bs_ping_reply_t pong;
        bs_error_t error;
        if (bs_client_call (client, &bs_ping_schema, &ping, &bs_ping_reply_schema, &pong, &error)
            == BS_OK) {
            bs_codec_record_free (&bs_ping_reply_schema, &pong);
            rc = 0;
            break;
        }
        int status;
        if (waitpid (self->pids[index], &status, WNOHANG) == self->pids[index]) {
            fprintf (stderr, "bench: %s exited at start\n", s_services[index]);
            self->pids[index] = 0;
            s_child_pids[index] = 0;
            break;
        }
    }
    bs_client_destroy (&client);
    if (rc != 0)
        fprintf (stderr, "bench: %s did not answer service.ping\n", s_services[index]);
    return rc;
}

static int
s_system_start (s_system_t *self, const s_options_t *options)
{
    memset (self, 0, sizeof *self);
    char program_folder[PATH_MAX];
    if (s_program_folder (program_folder, sizeof program_folder) != 0) {
        fprintf (stderr, "bench: cannot read /proc/self/exe\n");
        return -1;
    }
    snprintf (self->folder, sizeof self->folder, "%s/baosong-bench-XXXXXX", options->base);
    if (!mkdtemp (self->folder)) {
        fprintf (stderr, "bench: cannot make a folder in %s: %s\n", options->base,
                 strerror (errno));
        self->folder[0] = 0;
        return -1;
    }
    snprintf (s_current_folder, sizeof s_current_folder, "%s", self->folder);
    snprintf (self->config_path, sizeof self->config_path, "%s/baosong.conf", self->folder);
    FILE *file = fopen (self->config_path, "w");
    if (!file) {
        fprintf (stderr, "bench: cannot write %s: %s\n", self->config_path, strerror (errno));
        s_system_stop (self);
        return -1;
    }
    /* Only what a benchmark must choose; everything else (no_sync = 0
       among it) keeps its default. */
    fprintf (file, "data_dir = %s/var\nlog_level = warning\n", self->folder);
    fclose (file);
    bs_error_t error;
    self->config = bs_config_load (self->config_path, &error);
    if (!self->config) {
        fprintf (stderr, "bench: %s\n", error.text);
        s_system_stop (self);
        return -1;
    }
    if (bs_config_get_number (self->config, "no_sync") != 0) {
        fprintf (stderr, "bench: no_sync is set (BAOSONG_NO_SYNC?): that would not be durable\n");
        s_system_stop (self);
        return -1;
    }
    for (int i = 0; i < S_SERVICE_COUNT; i++)
        if (s_system_spawn (self, i, program_folder) != 0) {
            s_system_stop (self);
            return -1;
        }
    for (int i = 0; i < S_SERVICE_COUNT; i++)
        if (s_system_wait_up (self, i) != 0) {
            s_system_stop (self);
            return -1;
        }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Measure 1: durable submits per second                                   */

typedef struct {
    bs_client_t *client;           /* this thread's own */
    int index;                     /* client number */
    uint64_t window_start;         /* ns: acknowledgements from here count */
    uint64_t window_end;           /* ns: and up to here */
    uint64_t acknowledged;         /* submits acknowledged in the window */
    uint64_t failures;             /* calls that failed */
    s_samples_t latencies;         /* of the counted submits */
    char error[BS_ERROR_TEXT_MAX]; /* the first failure */
} s_submitter_t;

static void *
s_submitter_run (void *argument)
{
    s_submitter_t *self = argument;
    for (uint64_t number = 1; !s_interrupted; number++) {
        uint64_t start = s_now_ns ();
        if (start >= self->window_end)
            break;
        s_report_text_t text;
        s_report_text (&text, self->index, number, NULL);
        bs_submit_t submit = s_submit_of (&text);
        bs_submitted_t reply;
        bs_error_t error;
        int rc = bs_client_call (self->client, &bs_submit_schema, &submit, &bs_submitted_schema,
                                 &reply, &error);
        uint64_t end = s_now_ns ();
        if (rc != BS_OK) {
            if (self->failures++ == 0)
                snprintf (self->error, sizeof self->error, "%s", error.text);
            if (rc == BS_E_UNAVAILABLE)
                break; /* intake is gone: nothing more to measure */
            continue;
        }
        bs_codec_record_free (&bs_submitted_schema, &reply);
        if (end >= self->window_start && end <= self->window_end) {
            self->acknowledged++;
            s_samples_push (&self->latencies, end - start);
        }
    }
    return NULL;
}

typedef struct {
    bool done;               /* the measure ran to its end */
    double rate;             /* per second */
    s_percentiles_t latency; /* client-observed */
    uint64_t failures;       /* failed calls */
} s_submits_result_t;

static int
s_measure_submits (const s_options_t *options, s_submits_result_t *result)
{
    memset (result, 0, sizeof *result);
    s_system_t system;
    if (s_system_start (&system, options) != 0)
        return -1;
    fprintf (stderr, "measure 1: %d clients submit for %.0f s after %.1f s of warm-up\n",
             options->clients, options->duration, options->warmup);
    int count = options->clients;
    s_submitter_t *submitters = calloc ((size_t) count, sizeof *submitters);
    pthread_t *threads = calloc ((size_t) count, sizeof *threads);
    uint64_t begin = s_now_ns ();
    uint64_t window_start = begin + (uint64_t) (options->warmup * 1e9);
    uint64_t window_end = window_start + (uint64_t) (options->duration * 1e9);
    int started = 0;
    for (int i = 0; i < count; i++) {
        submitters[i].client = bs_client_new (system.config, "intake", "bench");
        submitters[i].index = i;
        submitters[i].window_start = window_start;
        submitters[i].window_end = window_end;
    }
    for (; started < count; started++)
        if (pthread_create (&threads[started], NULL, s_submitter_run, &submitters[started]) != 0)
            break;
    s_samples_t all = {0};
    uint64_t acknowledged = 0;
    for (int i = 0; i < started; i++) {
        pthread_join (threads[i], NULL);
        acknowledged += submitters[i].acknowledged;
        result->failures += submitters[i].failures;
        if (submitters[i].failures)
            fprintf (stderr, "measure 1: client %d: %" PRIu64 " failures, first: %s\n", i,
                     submitters[i].failures, submitters[i].error);
        for (size_t k = 0; k < submitters[i].latencies.count; k++)
            s_samples_push (&all, submitters[i].latencies.items[k]);
        s_samples_free (&submitters[i].latencies);
    }
    for (int i = 0; i < count; i++)
        bs_client_destroy (&submitters[i].client);
    /* A run with failed calls measured something else than a healthy system. */
    result->done =
        started == count && !s_interrupted && s_now_ns () >= window_end && result->failures == 0;
    result->rate = (double) acknowledged / options->duration;
    result->latency = s_samples_percentiles (&all);
    s_samples_free (&all);
    free (threads);
    free (submitters);
    s_system_stop (&system);
    return result->done ? 0 : -1;
}

/* ---------------------------------------------------------------------- */
/* Measure 2: end to end                                                   */

/* The editor's rule: every other report adopted, the rest declined. */
static bool
s_adopts (uint64_t report_id)
{
    return report_id % 2 == 0;
}

typedef struct {
    const s_options_t *options;
    atomic_bool abort;                 /* something failed: every thread stops */
    char error[BS_ERROR_TEXT_MAX * 2]; /* the first failure, under lock */
    pthread_mutex_t lock;              /* guards error and the decision queue */
    pthread_cond_t wake;               /* a decision is queued */
    /* submitters */
    atomic_int next;                    /* next report to submit, 0-based */
    atomic_int submitted;               /* acknowledged submits */
    atomic_uint_fast64_t submitted_at;  /* ns of the last acknowledgement */
    atomic_uint_fast64_t max_report_id; /* largest id acknowledged */
    /* editor: walker plus deciders */
    uint64_t *queue;                 /* report ids to decide, as they appeared */
    size_t queue_head, queue_tail;   /* under lock */
    atomic_int decided;              /* acknowledged decisions */
    atomic_int adopted;              /* of which adoptions */
    atomic_bool editor_done;         /* every report decided */
    atomic_uint_fast64_t decided_at; /* ns of the last decision */
    /* publisher */
    atomic_int issues;                 /* published issues */
    atomic_int published;              /* reports in them */
    atomic_uint_fast64_t published_at; /* ns of the last publication */
} s_flow_t;

static void s_flow_fail (s_flow_t *flow, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_flow_fail (s_flow_t *flow, const char *format, ...)
{
    pthread_mutex_lock (&flow->lock);
    if (!atomic_load (&flow->abort)) {
        va_list args;
        va_start (args, format);
        vsnprintf (flow->error, sizeof flow->error, format, args);
        va_end (args);
    }
    atomic_store (&flow->abort, true);
    pthread_cond_broadcast (&flow->wake);
    pthread_mutex_unlock (&flow->lock);
}

static bool
s_flow_stopped (s_flow_t *flow)
{
    return s_interrupted || atomic_load (&flow->abort);
}

static void
s_atomic_max (atomic_uint_fast64_t *target, uint64_t value)
{
    uint_fast64_t seen = atomic_load (target);
    while (seen < value && !atomic_compare_exchange_weak (target, &seen, value))
        ;
}

typedef struct {
    s_flow_t *flow;
    bs_client_t *client;
    int index;
} s_worker_t;

static void *
s_flow_submitter (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    int total = flow->options->reports;
    while (!s_flow_stopped (flow)) {
        int number = atomic_fetch_add (&flow->next, 1);
        if (number >= total)
            break;
        s_report_text_t text;
        s_report_text (&text, self->index, (uint64_t) number, NULL);
        bs_submit_t submit = s_submit_of (&text);
        bs_submitted_t reply;
        bs_error_t error;
        if (bs_client_call (self->client, &bs_submit_schema, &submit, &bs_submitted_schema, &reply,
                            &error)
            != BS_OK) {
            s_flow_fail (flow, "submit failed: %s", error.text);
            break;
        }
        s_atomic_max (&flow->max_report_id, reply.report_id);
        bs_codec_record_free (&bs_submitted_schema, &reply);
        atomic_fetch_add (&flow->submitted, 1);
        s_atomic_max (&flow->submitted_at, s_now_ns ());
    }
    return NULL;
}

static void
s_queue_push (s_flow_t *flow, uint64_t report_id)
{
    pthread_mutex_lock (&flow->lock);
    flow->queue[flow->queue_tail++] = report_id;
    pthread_cond_signal (&flow->wake);
    pthread_mutex_unlock (&flow->lock);
}

/* The next report id to decide; 0 when there is none left. */
static uint64_t
s_queue_pop (s_flow_t *flow)
{
    pthread_mutex_lock (&flow->lock);
    while (flow->queue_head == flow->queue_tail && !s_flow_stopped (flow))
        pthread_cond_wait (&flow->wake, &flow->lock);
    uint64_t report_id = 0;
    if (flow->queue_head < flow->queue_tail && !s_flow_stopped (flow))
        report_id = flow->queue[flow->queue_head++];
    pthread_mutex_unlock (&flow->lock);
    return report_id;
}

static void *
s_flow_decider (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    int total = flow->options->reports;
    uint64_t report_id;
    while ((report_id = s_queue_pop (flow)) != 0) {
        bool adopt = s_adopts (report_id);
        bs_decide_t decide = {.report_id = report_id,
                              .decision = adopt ? "adopt" : "decline",
                              .periodical = adopt ? S_PERIODICAL : NULL,
                              .critique = adopt ? "講評：材料翔實，做法可借鑒，採用。"
                                                : "講評：內容一般，暫不採用。",
                              .editor = "bench"};
        char id[64];
        snprintf (id, sizeof id, "bench-decide-%" PRIu64, report_id);
        bs_review_case_t reply;
        bs_error_t error;
        if (bs_client_call_with_id (self->client, id, &bs_decide_schema, &decide,
                                    &bs_review_case_schema, &reply, &error)
            != BS_OK) {
            s_flow_fail (flow, "decide %" PRIu64 " failed: %s", report_id, error.text);
            break;
        }
        bs_codec_record_free (&bs_review_case_schema, &reply);
        if (adopt)
            atomic_fetch_add (&flow->adopted, 1);
        s_atomic_max (&flow->decided_at, s_now_ns ());
        if (atomic_fetch_add (&flow->decided, 1) + 1 == total)
            atomic_store (&flow->editor_done, true);
    }
    return NULL;
}

/* The editor's eyes: walk every case by report id (review.queue with all)
   and queue each queued one for a decision the moment it appears. Cases
   appear in report-id order (review applies intake's log in order), so a
   cursor that only moves forward sees each once. */
static void *
s_flow_walker (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    uint64_t after = 0, seen = 0, total = (uint64_t) flow->options->reports;
    while (seen < total && !s_flow_stopped (flow)) {
        bs_queue_request_t query = {.after = after, .limit = 500, .all = true};
        bs_case_page_t page;
        bs_error_t error;
        if (bs_client_call (self->client, &bs_queue_request_schema, &query, &bs_case_page_schema,
                            &page, &error)
            != BS_OK) {
            s_flow_fail (flow, "review.queue failed: %s", error.text);
            break;
        }
        const bs_review_case_t *cases = page.cases.items;
        for (size_t i = 0; i < page.cases.count; i++) {
            after = cases[i].report_id;
            seen++;
            if (strcmp (cases[i].state, "queued") == 0)
                s_queue_push (flow, cases[i].report_id);
            else
                s_flow_fail (flow, "case %" PRIu64 " is %s before the editor decided it",
                             cases[i].report_id, cases[i].state);
        }
        bool short_page = page.cases.count < query.limit;
        bs_codec_record_free (&bs_case_page_schema, &page);
        if (short_page && seen < total)
            s_sleep_ms (5); /* caught up with review: let more arrive */
    }
    return NULL;
}

/* Compose, fill and publish one issue of the given adopted reports. */
static int
s_publish_issue (s_worker_t *self, int number, uint64_t *report_ids, size_t count)
{
    s_flow_t *flow = self->flow;
    char id[64];
    bs_error_t error;
    bs_issue_t issue;
    bs_issue_create_t create = {.periodical = S_PERIODICAL};
    snprintf (id, sizeof id, "bench-issue-create-%d", number);
    if (bs_client_call_with_id (self->client, id, &bs_issue_create_schema, &create,
                                &bs_issue_schema, &issue, &error)
        != BS_OK) {
        s_flow_fail (flow, "issue_create failed: %s", error.text);
        return -1;
    }
    uint64_t issue_id = issue.issue_id;
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {count, report_ids}};
    snprintf (id, sizeof id, "bench-issue-add-%d", number);
    if (bs_client_call_with_id (self->client, id, &bs_issue_add_schema, &add, &bs_issue_schema,
                                &issue, &error)
        != BS_OK) {
        s_flow_fail (flow, "issue_add failed: %s", error.text);
        return -1;
    }
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_issue_publish_t publish = {.issue_id = issue_id};
    snprintf (id, sizeof id, "bench-issue-publish-%d", number);
    if (bs_client_call_with_id (self->client, id, &bs_issue_publish_schema, &publish,
                                &bs_issue_schema, &issue, &error)
        != BS_OK) {
        s_flow_fail (flow, "issue_publish failed: %s", error.text);
        return -1;
    }
    bs_codec_record_free (&bs_issue_schema, &issue);
    return 0;
}

/* Publish an issue whenever issue_size adopted reports wait, and the rest
   once the editor is done and every adoption has reached publication.

   publication.pending scans from `after`; asking from 0 every time would
   make each look walk every adoption ever made. The publisher knows which
   reports the editor adopts, so it asks from the highest id below which
   every adopted report is already in an issue. */
static void *
s_flow_publisher (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    size_t total = (size_t) flow->options->reports;
    size_t issue_size = (size_t) flow->options->issue_size;
    char *issued = calloc (total + 2, 1);
    uint64_t *ids = calloc (issue_size, sizeof *ids);
    uint64_t low = 0; /* every adopted id <= low is in an issue */
    int number = 0;
    size_t placed = 0;
    while (!s_flow_stopped (flow)) {
        bool editor_done = atomic_load (&flow->editor_done);
        size_t adopted = (size_t) atomic_load (&flow->adopted);
        if (editor_done && placed == adopted)
            break;
        bs_pending_request_t query = {
            .periodical = S_PERIODICAL, .after = low, .limit = issue_size};
        bs_pending_page_t page;
        bs_error_t error;
        if (bs_client_call (self->client, &bs_pending_request_schema, &query,
                            &bs_pending_page_schema, &page, &error)
            != BS_OK) {
            s_flow_fail (flow, "publication.pending failed: %s", error.text);
            break;
        }
        size_t count = page.items.count;
        bool full = count == issue_size;
        bool last = editor_done && count > 0 && count == adopted - placed;
        const bs_pending_item_t *items = page.items.items;
        for (size_t i = 0; i < count; i++)
            ids[i] = items[i].report_id;
        bs_codec_record_free (&bs_pending_page_schema, &page);
        if (!full && !last) {
            s_sleep_ms (10);
            continue;
        }
        if (s_publish_issue (self, ++number, ids, count) != 0)
            break;
        for (size_t i = 0; i < count; i++) {
            if (ids[i] > total) {
                s_flow_fail (flow, "report id %" PRIu64 " beyond the %zu submitted", ids[i], total);
                break;
            }
            issued[ids[i]] = 1;
        }
        while (low < total && (!s_adopts (low + 1) || issued[low + 1]))
            low++;
        placed += count;
        atomic_fetch_add (&flow->issues, 1);
        atomic_fetch_add (&flow->published, (int) count);
        s_atomic_max (&flow->published_at, s_now_ns ());
    }
    free (ids);
    free (issued);
    return NULL;
}

typedef struct {
    uint64_t submitted, adopted, returned, declined, published;
} s_counts_t;

/* Every unit's all-time figures from statistics, summed. */
static int
s_statistics_totals (bs_client_t *client, s_counts_t *counts, bs_error_t *error)
{
    bs_stats_request_t query = {.period = ""};
    bs_stats_page_t page;
    int rc = bs_client_call (client, &bs_stats_request_schema, &query, &bs_stats_page_schema, &page,
                             error);
    if (rc != BS_OK)
        return rc;
    memset (counts, 0, sizeof *counts);
    const bs_stats_row_t *rows = page.rows.items;
    for (size_t i = 0; i < page.rows.count; i++) {
        counts->submitted += rows[i].submitted;
        counts->adopted += rows[i].adopted;
        counts->returned += rows[i].returned;
        counts->declined += rows[i].declined;
        counts->published += rows[i].published;
    }
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return BS_OK;
}

typedef struct {
    bool done;          /* statistics counted everything */
    double rate;        /* reports per second, first submit to counted */
    double submitted_s; /* seconds until the last submit was acknowledged */
    double decided_s;   /* ... the last decision */
    double published_s; /* ... the last publication */
    double counted_s;   /* ... statistics showed everything */
    int issues;         /* issues published */
    int adopted;        /* reports adopted */
    s_counts_t last;    /* last figures statistics gave */
} s_flow_result_t;

static int
s_measure_end_to_end (const s_options_t *options, s_flow_result_t *result)
{
    memset (result, 0, sizeof *result);
    s_system_t system;
    if (s_system_start (&system, options) != 0)
        return -1;
    fprintf (stderr,
             "measure 2: %d reports from %d clients, decided through %d editor clients, "
             "issues of %d\n",
             options->reports, options->clients, options->editors, options->issue_size);
    s_flow_t *flow = calloc (1, sizeof *flow);
    flow->options = options;
    pthread_mutex_init (&flow->lock, NULL);
    pthread_cond_init (&flow->wake, NULL);
    flow->queue = calloc ((size_t) options->reports + 1, sizeof *flow->queue);

    int workers = options->clients + options->editors + 2;
    s_worker_t *worker = calloc ((size_t) workers, sizeof *worker);
    pthread_t *threads = calloc ((size_t) workers, sizeof *threads);
    /* Clients are made here, not in the threads: bs_client_new writes
       into the shared configuration. */
    for (int i = 0; i < workers; i++) {
        const char *service = i < options->clients                      ? "intake"
                              : i < options->clients + options->editors ? "review"
                              : i == workers - 2                        ? "review"
                                                                        : "publication";
        worker[i] = (s_worker_t){flow, bs_client_new (system.config, service, "bench"), i};
    }
    bs_client_t *statistics = bs_client_new (system.config, "statistics", "bench");

    uint64_t begin = s_now_ns ();
    int started = 0;
    for (; started < workers; started++) {
        void *(*run) (void *) = started < options->clients                      ? s_flow_submitter
                                : started < options->clients + options->editors ? s_flow_decider
                                : started == workers - 2                        ? s_flow_walker
                                                                                : s_flow_publisher;
        if (pthread_create (&threads[started], NULL, run, &worker[started]) != 0) {
            s_flow_fail (flow, "cannot start a thread");
            break;
        }
    }
    uint64_t deadline = begin + (uint64_t) (options->deadline * 1e9);
    uint64_t counted_at = 0;
    while (!s_flow_stopped (flow)) {
        if (atomic_load (&flow->editor_done)) {
            s_counts_t counts;
            bs_error_t error;
            if (s_statistics_totals (statistics, &counts, &error) != BS_OK) {
                s_flow_fail (flow, "statistics.query failed: %s", error.text);
                break;
            }
            result->last = counts;
            uint64_t total = (uint64_t) options->reports;
            uint64_t adopted = (uint64_t) atomic_load (&flow->adopted);
            if (counts.submitted == total && counts.adopted == adopted
                && counts.declined == total - adopted && counts.published == adopted) {
                counted_at = s_now_ns ();
                break;
            }
        }
        if (s_now_ns () > deadline) {
            s_flow_fail (flow, "not everything was counted within %.0f s", options->deadline);
            break;
        }
        s_sleep_ms (20);
    }
    if (counted_at == 0 && !atomic_load (&flow->abort))
        s_flow_fail (flow, "interrupted");
    /* Counted: the work is done and only idle deciders wait; stop them. */
    pthread_mutex_lock (&flow->lock);
    atomic_store (&flow->abort, true);
    pthread_cond_broadcast (&flow->wake);
    pthread_mutex_unlock (&flow->lock);
    for (int i = 0; i < started; i++)
        pthread_join (threads[i], NULL);
    for (int i = 0; i < workers; i++)
        bs_client_destroy (&worker[i].client);
    bs_client_destroy (&statistics);

    if (counted_at) {
        result->done = true;
        result->counted_s = (double) (counted_at - begin) / 1e9;
        result->submitted_s = (double) (atomic_load (&flow->submitted_at) - begin) / 1e9;
        result->decided_s = (double) (atomic_load (&flow->decided_at) - begin) / 1e9;
        result->published_s = (double) (atomic_load (&flow->published_at) - begin) / 1e9;
        result->rate = options->reports / result->counted_s;
        result->issues = atomic_load (&flow->issues);
        result->adopted = atomic_load (&flow->adopted);
        if (atomic_load (&flow->max_report_id) != (uint64_t) options->reports)
            fprintf (stderr, "measure 2: warning: largest report id %" PRIu64 ", expected %d\n",
                     (uint64_t) atomic_load (&flow->max_report_id), options->reports);
    } else
        fprintf (stderr,
                 "measure 2 failed: %s\n  (submitted %d, decided %d, published %d; statistics "
                 "last showed %" PRIu64 " submitted, %" PRIu64 " adopted, %" PRIu64
                 " declined, %" PRIu64 " published)\n",
                 flow->error, atomic_load (&flow->submitted), atomic_load (&flow->decided),
                 atomic_load (&flow->published), result->last.submitted, result->last.adopted,
                 result->last.declined, result->last.published);
    free (threads);
    free (worker);
    free (flow->queue);
    pthread_cond_destroy (&flow->wake);
    pthread_mutex_destroy (&flow->lock);
    free (flow);
    s_system_stop (&system);
    return result->done ? 0 : -1;
}

/* ---------------------------------------------------------------------- */
/* Measure 3: submit to the live statistics feed                           */

typedef struct {
    char endpoint[BS_CONFIG_VALUE_MAX + 64]; /* statistics feed */
    bs_config_t *config;                     /* for socket options only (read) */
    size_t count;                            /* reports that will be submitted */
    uint64_t *arrived;                       /* ns the feed counted report i, 0 if not yet */
    uint64_t *seq;                           /* the seq that message carried */
    atomic_size_t received;                  /* reports the feed counted */
    atomic_size_t messages;                  /* feed messages of any kind */
    atomic_bool ready;                       /* subscribed */
    atomic_bool stop;                        /* end the thread */
    atomic_bool failed;                      /* could not subscribe */
} s_feed_t;

static void *
s_feed_run (void *argument)
{
    s_feed_t *self = argument;
    zsock_t *socket = bs_socket_new (ZMQ_SUB, self->endpoint, BS_SOCKET_CONNECT, self->config);
    if (!socket) {
        atomic_store (&self->failed, true);
        return NULL;
    }
    zsock_set_subscribe (socket, "");
    atomic_store (&self->ready, true);
    bs_codec_limits_t limits = bs_codec_default_limits;
    size_t prefix = strlen (S_FEED_UNIT_PREFIX);
    while (!atomic_load (&self->stop) && !s_interrupted) {
        zmq_pollitem_t item = {zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, 50) <= 0)
            continue;
        zmsg_t *message;
        while ((message = bs_socket_receive (socket))) {
            uint64_t now = s_now_ns ();
            zframe_t *frame = zmsg_first (message);
            bs_message_t event = {0};
            bs_error_t error;
            if (bs_message_decode (zframe_data (frame), zframe_size (frame), &limits, &event,
                                   &error)
                    == BS_OK
                && event.schema == &bs_stats_changed_schema) {
                atomic_fetch_add (&self->messages, 1);
                const bs_stats_changed_t *change = event.data;
                if (strcmp (change->source, "intake") == 0
                    && strncmp (change->unit, S_FEED_UNIT_PREFIX, prefix) == 0) {
                    size_t index = strtoul (change->unit + prefix, NULL, 10);
                    if (index < self->count && self->arrived[index] == 0) {
                        self->seq[index] = change->seq;
                        self->arrived[index] = now;
                        atomic_fetch_add (&self->received, 1);
                    }
                }
            }
            bs_message_clear (&event);
            zmsg_destroy (&message);
        }
    }
    zsock_destroy (&socket);
    return NULL;
}

typedef struct {
    bool done;                    /* the measure ran to its end */
    size_t submitted;             /* reports submitted */
    size_t missing;               /* of them never seen on the feed */
    size_t seq_mismatches;        /* seen with seq != report id */
    size_t late;                  /* submits that started > 1 ms after they were due */
    s_percentiles_t latency;      /* due -> feed message */
    s_percentiles_t acknowledged; /* due -> durable reply */
} s_feed_result_t;

static int
s_submit_one (bs_client_t *client, const char *unit, uint64_t number, uint64_t *report_id,
              bs_error_t *error)
{
    s_report_text_t text;
    s_report_text (&text, 0, number, unit);
    bs_submit_t submit = s_submit_of (&text);
    bs_submitted_t reply;
    int rc =
        bs_client_call (client, &bs_submit_schema, &submit, &bs_submitted_schema, &reply, error);
    if (rc == BS_OK) {
        *report_id = reply.report_id;
        bs_codec_record_free (&bs_submitted_schema, &reply);
    }
    return rc;
}

/* The steady submitters of measure 3. Submit i is due at begin + i / rate
   and is made by client i % S_PACERS: with a few clients taking turns, one
   slow reply does not push the next submits off their schedule, so the
   rate holds and each latency runs from the moment the submit was due. */
#define S_PACERS 8

typedef struct {
    bs_client_t *client;           /* this pacer's own */
    int index;                     /* makes submits index, index + S_PACERS, ... */
    size_t count;                  /* submits in all */
    uint64_t begin;                /* ns when submit 0 is due */
    uint64_t interval;             /* ns between submits */
    uint64_t *due;                 /* ns each submit was due */
    uint64_t *acknowledged;        /* ns each reply came, 0 if none */
    uint64_t *report_ids;          /* id each submit got */
    size_t late;                   /* submits started > 1 ms after they were due */
    char error[BS_ERROR_TEXT_MAX]; /* the first failure */
} s_pacer_t;

static void *
s_pacer_run (void *argument)
{
    s_pacer_t *self = argument;
    for (size_t i = (size_t) self->index; i < self->count && !s_interrupted; i += S_PACERS) {
        char unit[BS_UNIT_MAX];
        snprintf (unit, sizeof unit, "%s%05zu", S_FEED_UNIT_PREFIX, i);
        self->due[i] = self->begin + i * self->interval;
        s_sleep_until_ns (self->due[i]);
        if (s_now_ns () > self->due[i] + 1000000u)
            self->late++;
        bs_error_t error;
        if (s_submit_one (self->client, unit, i, &self->report_ids[i], &error) != BS_OK) {
            snprintf (self->error, sizeof self->error, "submit %zu failed: %s", i, error.text);
            break;
        }
        self->acknowledged[i] = s_now_ns ();
    }
    return NULL;
}

static int
s_measure_feed (const s_options_t *options, s_feed_result_t *result)
{
    memset (result, 0, sizeof *result);
    s_system_t system;
    if (s_system_start (&system, options) != 0)
        return -1;
    size_t count = (size_t) (options->rate * options->duration);
    fprintf (stderr,
             "measure 3: %zu submits at %d/s (%d clients taking turns), each timed to its "
             "statistics.changed\n",
             count, options->rate, S_PACERS);
    s_feed_t *feed = calloc (1, sizeof *feed);
    snprintf (feed->endpoint, sizeof feed->endpoint, "%s",
              bs_config_endpoint (system.config, "statistics", "feed"));
    feed->config = system.config;
    feed->count = count;
    feed->arrived = calloc (count + 1, sizeof *feed->arrived);
    feed->seq = calloc (count + 1, sizeof *feed->seq);
    uint64_t *due = calloc (count + 1, sizeof *due);
    uint64_t *acknowledged = calloc (count + 1, sizeof *acknowledged);
    uint64_t *report_ids = calloc (count + 1, sizeof *report_ids);
    s_pacer_t pacers[S_PACERS];
    for (int k = 0; k < S_PACERS; k++)
        pacers[k] = (s_pacer_t){.client = bs_client_new (system.config, "intake", "bench"),
                                .index = k,
                                .count = count,
                                .interval = 1000000000u / (uint64_t) options->rate,
                                .due = due,
                                .acknowledged = acknowledged,
                                .report_ids = report_ids};
    pthread_t thread;
    bool thread_started = pthread_create (&thread, NULL, s_feed_run, feed) == 0;
    int rc = thread_started ? 0 : -1;
    while (rc == 0 && !atomic_load (&feed->ready) && !atomic_load (&feed->failed))
        s_sleep_ms (1);
    if (atomic_load (&feed->failed))
        rc = -1;

    /* A subscription takes a moment to reach the publisher; until a warm-up
       report shows up on the feed, later messages could be lost. */
    uint64_t warmups = 0, ignored;
    bs_error_t error;
    uint64_t give_up = s_now_ns () + 10000000000u;
    while (rc == 0 && atomic_load (&feed->messages) == 0 && !s_interrupted) {
        if (s_now_ns () > give_up) {
            fprintf (stderr, "measure 3: the live feed delivered nothing in 10 s\n");
            rc = -1;
            break;
        }
        if (s_submit_one (pacers[0].client, "預熱單位", ++warmups, &ignored, &error) != BS_OK) {
            fprintf (stderr, "measure 3: warm-up submit failed: %s\n", error.text);
            rc = -1;
        }
        s_sleep_ms (100);
    }

    pthread_t pacer_threads[S_PACERS];
    int started = 0;
    uint64_t begin = s_now_ns () + 10000000u;
    for (; rc == 0 && started < S_PACERS; started++) {
        pacers[started].begin = begin;
        if (pthread_create (&pacer_threads[started], NULL, s_pacer_run, &pacers[started]) != 0)
            rc = -1;
    }
    for (int k = 0; k < started; k++) {
        pthread_join (pacer_threads[k], NULL);
        result->late += pacers[k].late;
        if (pacers[k].error[0]) {
            fprintf (stderr, "measure 3: %s\n", pacers[k].error);
            rc = -1;
        }
    }
    s_samples_t acknowledged_samples = {0};
    for (size_t i = 0; i < count; i++)
        if (acknowledged[i]) {
            result->submitted++;
            s_samples_push (&acknowledged_samples, acknowledged[i] - due[i]);
        }
    /* Let the last messages arrive (they should take milliseconds). */
    uint64_t wait_until = s_now_ns () + 5000000000u;
    while (rc == 0 && atomic_load (&feed->received) < result->submitted && s_now_ns () < wait_until
           && !s_interrupted)
        s_sleep_ms (5);
    atomic_store (&feed->stop, true);
    if (thread_started)
        pthread_join (thread, NULL);
    for (int k = 0; k < S_PACERS; k++)
        bs_client_destroy (&pacers[k].client);

    s_samples_t latencies = {0};
    for (size_t i = 0; i < count; i++) {
        if (!acknowledged[i])
            continue;
        if (!feed->arrived[i]) {
            result->missing++;
            continue;
        }
        if (feed->seq[i] != report_ids[i])
            result->seq_mismatches++;
        s_samples_push (&latencies, feed->arrived[i] - due[i]);
    }
    result->latency = s_samples_percentiles (&latencies);
    result->acknowledged = s_samples_percentiles (&acknowledged_samples);
    result->done = rc == 0 && !s_interrupted && result->submitted == count;
    s_samples_free (&latencies);
    s_samples_free (&acknowledged_samples);
    free (report_ids);
    free (acknowledged);
    free (due);
    free (feed->seq);
    free (feed->arrived);
    free (feed);
    s_system_stop (&system);
    return result->done ? 0 : -1;
}

/* ---------------------------------------------------------------------- */
/* The machine and the report                                              */

static void
s_cpu_model (char *model, size_t size)
{
    snprintf (model, size, "unknown CPU");
    FILE *file = fopen ("/proc/cpuinfo", "r");
    if (!file)
        return;
    char line[512];
    while (fgets (line, sizeof line, file))
        if (strncmp (line, "model name", 10) == 0) {
            char *colon = strchr (line, ':');
            if (colon) {
                colon++;
                while (*colon == ' ' || *colon == '\t')
                    colon++;
                colon[strcspn (colon, "\n")] = 0;
                snprintf (model, size, "%s", colon);
            }
            break;
        }
    fclose (file);
}

/* The file system that holds folder: the mount with the longest matching
   prefix. */
static void
s_storage (const char *folder, char *type, size_t type_size, char *device, size_t device_size)
{
    snprintf (type, type_size, "unknown");
    snprintf (device, device_size, "unknown");
    char real[PATH_MAX];
    if (!realpath (folder, real))
        snprintf (real, sizeof real, "%s", folder);
    FILE *mounts = setmntent ("/proc/self/mounts", "r");
    if (!mounts)
        return;
    size_t best = 0;
    struct mntent *entry;
    while ((entry = getmntent (mounts))) {
        size_t length = strlen (entry->mnt_dir);
        bool prefix = strncmp (real, entry->mnt_dir, length) == 0
                      && (length == 1 || real[length] == '/' || real[length] == 0);
        if (prefix && length >= best) {
            best = length;
            snprintf (type, type_size, "%s", entry->mnt_type);
            snprintf (device, device_size, "%s", entry->mnt_fsname);
        }
    }
    endmntent (mounts);
}

static void
s_print_latency_columns (const s_percentiles_t *latency)
{
    printf ("%9.2f %9.2f %9.2f %9.2f\n", latency->p50, latency->p90, latency->p99, latency->max);
}

static void
s_usage (void)
{
    fprintf (stderr,
             "usage: bench_throughput [--quick] [--duration S] [--clients N] [--reports M]\n"
             "                        [--editors N] [--rate R] [--only 1,2,3] [--dir FOLDER]\n"
             "  --duration S  seconds measured in measures 1 and 3 (default 10)\n"
             "  --clients N   concurrent submitting clients in measures 1 and 2 (default 50)\n"
             "  --reports M   reports through all four services in measure 2 (default 20000)\n"
             "  --editors N   clients the editor decides through in measure 2 (default: as\n"
             "                many as --clients)\n"
             "  --rate R      submits per second in measure 3 (default 200)\n"
             "  --only LIST   run only these measures, e.g. 1,3\n"
             "  --dir FOLDER  where the temporary data folders go (default $TMPDIR or /tmp);\n"
             "                it must be on the disk you mean to measure, not tmpfs\n"
             "  --quick       small numbers, for a smoke run\n");
}

static int
s_parse_options (int argc, char **argv, s_options_t *options)
{
    const char *base = getenv ("TMPDIR");
    *options = (s_options_t){.duration = 10,
                             .warmup = 2,
                             .clients = 50,
                             .reports = 20000,
                             .editors = 0,
                             .issue_size = 200,
                             .rate = 200,
                             .deadline = 600,
                             .base = base && *base ? base : "/tmp",
                             .run = {false, true, true, true}};
    static const struct option long_options[] = {
        {"duration", required_argument, 0, 'd'}, {"clients", required_argument, 0, 'c'},
        {"reports", required_argument, 0, 'r'},  {"editors", required_argument, 0, 'e'},
        {"rate", required_argument, 0, 'R'},     {"only", required_argument, 0, 'o'},
        {"dir", required_argument, 0, 'D'},      {"quick", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    /* --quick first, so explicit numbers given with it win. */
    for (int i = 1; i < argc; i++)
        if (strcmp (argv[i], "--quick") == 0) {
            options->quick = true;
            options->duration = 2;
            options->warmup = 0.5;
            options->clients = 10;
            options->reports = 1000;
            options->issue_size = 200;
        }
    bool only_seen = false;
    int option;
    while ((option = getopt_long (argc, argv, "", long_options, NULL)) != -1) {
        char *end = NULL;
        switch (option) {
        case 'd':
            options->duration = strtod (optarg, &end);
            if (*end || options->duration <= 0)
                return -1;
            break;
        case 'c':
            options->clients = (int) strtol (optarg, &end, 10);
            if (*end || options->clients < 1 || options->clients > 1000)
                return -1;
            break;
        case 'r':
            options->reports = (int) strtol (optarg, &end, 10);
            if (*end || options->reports < 1)
                return -1;
            break;
        case 'e':
            options->editors = (int) strtol (optarg, &end, 10);
            if (*end || options->editors < 1 || options->editors > 1000)
                return -1;
            break;
        case 'R':
            options->rate = (int) strtol (optarg, &end, 10);
            if (*end || options->rate < 1 || options->rate > 100000)
                return -1;
            break;
        case 'o':
            if (!only_seen)
                memset (options->run, 0, sizeof options->run);
            only_seen = true;
            for (const char *c = optarg; *c; c++)
                if (*c >= '1' && *c <= '3')
                    options->run[*c - '0'] = true;
                else if (*c != ',')
                    return -1;
            break;
        case 'D':
            options->base = optarg;
            break;
        case 'q':
            break;
        default:
            return -1;
        }
    }
    if (options->editors == 0)
        options->editors = options->clients; /* the same concurrency on both sides */
    return optind == argc ? 0 : -1;
}

static void
s_on_interrupt (int signal)
{
    (void) signal;
    s_interrupted = 1;
}

/* A crash must not leave four services running: kill them (all a signal
   handler may do), then die of the same signal. */
static void
s_on_fatal (int signal)
{
    for (int i = 0; i < S_SERVICE_COUNT; i++)
        if (s_child_pids[i] > 0)
            kill (s_child_pids[i], SIGKILL);
    if (s_current_folder[0]) {
        static const char left[] = "bench: crashed; services killed, data left in ";
        if (write (2, left, sizeof left - 1) > 0
            && write (2, s_current_folder, strlen (s_current_folder)) > 0)
            (void) write (2, "\n", 1);
    }
    struct sigaction action = {.sa_handler = SIG_DFL};
    sigaction (signal, &action, NULL);
    raise (signal);
}

int
main (int argc, char **argv)
{
    s_options_t options;
    if (s_parse_options (argc, argv, &options) != 0) {
        s_usage ();
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (NULL);
    zsys_handler_set (s_on_interrupt); /* instead of czmq's: we clean up first */
    int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction action = {.sa_handler = s_on_fatal};
        sigaction (fatal[i], &action, NULL);
    }

    char model[256], type[64], device[256], stamp[64];
    s_cpu_model (model, sizeof model);
    s_storage (options.base, type, sizeof type, device, sizeof device);
    struct utsname system_name;
    uname (&system_name);
    time_t now = time (NULL);
    strftime (stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S %z", localtime (&now));
    s_report_text_t sample;
    s_report_text (&sample, 3, 1234, NULL);

    s_submits_result_t submits = {0};
    s_flow_result_t flow = {0};
    s_feed_result_t feed = {0};
    int failures = 0;
    if (options.run[1] && !s_interrupted)
        failures += s_measure_submits (&options, &submits) != 0;
    if (options.run[2] && !s_interrupted)
        failures += s_measure_end_to_end (&options, &flow) != 0;
    if (options.run[3] && !s_interrupted)
        failures += s_measure_feed (&options, &feed) != 0;

    char number[32];
    printf ("baosong bench_throughput, %s%s\n", stamp, options.quick ? " (--quick)" : "");
    printf ("machine  %ld cores, %s, %s %s %s\n", sysconf (_SC_NPROCESSORS_ONLN), model,
            system_name.sysname, system_name.release, system_name.machine);
    printf ("storage  %s on %s under %s; durable: every LMDB commit fsync'ed (no_sync = 0)\n", type,
            device, options.base);
#ifndef __OPTIMIZE__
    printf ("         WARNING: built without optimization (Debug?): use bench/run, which builds "
            "Release\n");
#endif
    if (strcmp (type, "tmpfs") == 0 || strcmp (type, "ramfs") == 0)
        printf ("         WARNING: %s keeps no data across a power cut and fsync costs nothing "
                "there; use --dir on a disk\n",
                type);
    printf ("report   %zu-byte title + %zu-byte body (Chinese, UTF-8); 4 services, ipc://, "
            "one process each\n\n",
            strlen (sample.title), strlen (sample.body));
    printf ("%-44s %14s %9s %9s %9s %9s\n", "measure", "result", "p50 ms", "p90 ms", "p99 ms",
            "max ms");
    if (options.run[1]) {
        char name[64];
        snprintf (name, sizeof name, "1 durable submits (%d clients, %.0f s)", options.clients,
                  options.duration);
        if (submits.done) {
            printf ("%-44s %9s /s   ", name, s_thousands (submits.rate, number, sizeof number));
            s_print_latency_columns (&submits.latency);
        } else
            printf ("%-44s %14s\n", name, "FAILED");
    }
    if (options.run[2]) {
        char name[64];
        snprintf (name, sizeof name, "2 end to end (%s reports, %d clients)",
                  s_thousands (options.reports, number, sizeof number), options.clients);
        if (flow.done)
            printf ("%-44s %9s /s   %9s %9s %9s %9s\n", name,
                    s_thousands (flow.rate, number, sizeof number), "-", "-", "-", "-");
        else
            printf ("%-44s %14s\n", name, "FAILED");
    }
    if (options.run[3]) {
        char name[64];
        snprintf (name, sizeof name, "3 submit -> statistics feed (%d/s, %.0f s)", options.rate,
                  options.duration);
        if (feed.done) {
            printf ("%-44s %9s rep  ", name,
                    s_thousands ((double) (feed.submitted - feed.missing), number, sizeof number));
            s_print_latency_columns (&feed.latency);
        } else
            printf ("%-44s %14s\n", name, "FAILED");
    }
    printf ("\n");
    if (options.run[1] && submits.done)
        printf ("1: acknowledged submits per second within the window, after %.1f s of warm-up; "
                "latency as each client saw it; %" PRIu64 " failed calls\n",
                options.warmup, submits.failures);
    if (options.run[2] && flow.done)
        printf ("2: first submit to statistics counting all: %.2f s (all submits acknowledged "
                "at %.2f s, all decided at %.2f s, last issue published at %.2f s); "
                "%d adopted, %d declined, %d issues; editor clients: %d\n",
                flow.counted_s, flow.submitted_s, flow.decided_s, flow.published_s, flow.adopted,
                options.reports - flow.adopted, flow.issues, options.editors);
    if (options.run[3] && feed.done)
        printf ("3: due time of each submit to its statistics.changed on the feed; durable reply "
                "p50 %.2f ms, p99 %.2f ms; %zu missing, %zu with seq != report id, %zu sent late\n",
                feed.acknowledged.p50, feed.acknowledged.p99, feed.missing, feed.seq_mismatches,
                feed.late);
    if (s_interrupted)
        printf ("interrupted\n");
    fflush (stdout);
    return failures || s_interrupted ? 1 : 0;
}
