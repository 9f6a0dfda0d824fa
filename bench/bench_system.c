/*  bench_system: a whole baosong system in a temporary folder (see
    bench_system.h).
*/
#include "bench_system.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bs_client.h"
#include "bs_folder.h"
#include "bs_keys.h"

extern char **environ;

static const char *const s_services[BENCH_SERVICE_COUNT] = {"intake", "review", "publication",
                                                            "statistics"};

/* The running services and their folder, for the fatal-signal handler,
   which can only kill them and say where the folder is. */
static volatile pid_t s_child_pids[BENCH_SERVICE_COUNT];
static char s_current_folder[PATH_MAX];

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

/* Print the last lines of each service log that has anything in it (at
   log_level warning, a healthy run writes nothing). */
static void
s_system_show_logs (bench_system_t *self)
{
    for (int i = 0; i < BENCH_SERVICE_COUNT; i++) {
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

void
bench_system_stop (bench_system_t *self)
{
    for (int i = 0; i < BENCH_SERVICE_COUNT; i++)
        if (self->pids[i])
            kill (self->pids[i], SIGTERM);
    /* A clean stop closes LMDB properly; three seconds, then SIGKILL. */
    uint64_t deadline = bench_now_ns () + 3000000000u;
    for (int i = 0; i < BENCH_SERVICE_COUNT; i++) {
        while (self->pids[i]) {
            int status;
            pid_t done = waitpid (self->pids[i], &status, WNOHANG);
            if (done == self->pids[i] || (done == -1 && errno == ECHILD))
                self->pids[i] = 0;
            else if (bench_now_ns () > deadline) {
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
        bs_folder_remove (self->folder);
        self->folder[0] = 0;
        s_current_folder[0] = 0;
    }
}

pid_t
bench_system_spawn_program (const char *file, const char *const *arguments, const char *log_path)
{
    char program_folder[PATH_MAX];
    if (s_program_folder (program_folder, sizeof program_folder) != 0) {
        fprintf (stderr, "bench: cannot read /proc/self/exe\n");
        return -1;
    }
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s", program_folder, file);
    if (access (path, X_OK) != 0) {
        fprintf (stderr, "bench: %s is not there: build it first\n", path);
        return -1;
    }
    char *argv[16] = {path};
    for (size_t i = 0; arguments[i] && i < 14; i++)
        argv[i + 1] = (char *) arguments[i];
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, 2, log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_addopen (&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attributes;
    posix_spawnattr_init (&attributes);
    /* The programs keep their own SIGINT/SIGTERM handling: start them
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
    return pid;
}

pid_t
bench_system_spawn (bench_system_t *self, const char *program)
{
    char file[64], log_path[PATH_MAX + 32];
    snprintf (file, sizeof file, "baosong-%s", program);
    snprintf (log_path, sizeof log_path, "%s/%s.log", self->folder, program);
    const char *arguments[] = {"--config", self->config_path, NULL};
    return bench_system_spawn_program (file, arguments, log_path);
}

void
bench_system_stop_program (pid_t pid)
{
    if (pid <= 0)
        return;
    kill (pid, SIGTERM);
    uint64_t deadline = bench_now_ns () + 3000000000u;
    int status;
    while (true) {
        pid_t done = waitpid (pid, &status, WNOHANG);
        if (done == pid || (done == -1 && errno == ECHILD))
            return;
        if (bench_now_ns () > deadline)
            break;
        usleep (10000);
    }
    kill (pid, SIGKILL);
    while (waitpid (pid, &status, 0) == -1 && errno == EINTR)
        ;
}

static int
s_system_spawn (bench_system_t *self, int index)
{
    pid_t pid = bench_system_spawn (self, s_services[index]);
    if (pid < 0)
        return -1;
    self->pids[index] = pid;
    s_child_pids[index] = pid;
    return 0;
}

/* Up means: it answers service.ping. */
int
bench_system_wait_up (bench_system_t *self, int index)
{
    bs_client_t *client = bs_client_new (self->config, s_services[index], "bench");
    bs_client_set_patience (client, 250, 1);
    int rc = -1;
    for (int attempt = 0; attempt < 80 && rc != 0 && !bench_interrupted; attempt++) {
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

int
bench_system_start (bench_system_t *self, const char *base)
{
    memset (self, 0, sizeof *self);
    snprintf (self->folder, sizeof self->folder, "%s/baosong-bench-XXXXXX", base);
    if (!mkdtemp (self->folder)) {
        fprintf (stderr, "bench: cannot make a folder in %s: %s\n", base, strerror (errno));
        self->folder[0] = 0;
        return -1;
    }
    snprintf (s_current_folder, sizeof s_current_folder, "%s", self->folder);
    snprintf (self->config_path, sizeof self->config_path, "%s/baosong.conf", self->folder);
    FILE *file = fopen (self->config_path, "w");
    if (!file) {
        fprintf (stderr, "bench: cannot write %s: %s\n", self->config_path, strerror (errno));
        bench_system_stop (self);
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
        bench_system_stop (self);
        return -1;
    }
    if (bs_config_get_number (self->config, "no_sync") != 0) {
        fprintf (stderr, "bench: no_sync is set (BAOSONG_NO_SYNC?): that would not be durable\n");
        bench_system_stop (self);
        return -1;
    }
    /* Every socket is CurveZMQ, in a benchmark as in production. */
    static const char *const services[] = {"intake", "review", "publication", "statistics", NULL};
    char *keys = bs_keys_folder (self->config);
    int keys_rc = keys ? bs_keys_ensure (keys, services, NULL, &error) : BS_E_SYSTEM;
    free (keys);
    if (keys_rc != BS_OK) {
        fprintf (stderr, "bench: cannot make certificates: %s\n", error.text);
        bench_system_stop (self);
        return -1;
    }
    for (int i = 0; i < BENCH_SERVICE_COUNT; i++)
        if (s_system_spawn (self, i) != 0) {
            bench_system_stop (self);
            return -1;
        }
    for (int i = 0; i < BENCH_SERVICE_COUNT; i++)
        if (bench_system_wait_up (self, i) != 0) {
            bench_system_stop (self);
            return -1;
        }
    size_t count;
    const char *const *units = bench_report_units (&count);
    if (bench_system_register_units (self, units, count) != 0) {
        bench_system_stop (self);
        return -1;
    }
    return 0;
}

int
bench_system_index (const char *name)
{
    for (int i = 0; i < BENCH_SERVICE_COUNT; i++)
        if (strcmp (s_services[i], name) == 0)
            return i;
    return -1;
}

const char *
bench_system_name (int index)
{
    return index >= 0 && index < BENCH_SERVICE_COUNT ? s_services[index] : NULL;
}

uint64_t
bench_system_cpu_us (pid_t pid)
{
    char path[64], line[1024];
    snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
    FILE *file = fopen (path, "r");
    if (!file)
        return 0;
    bool read = fgets (line, sizeof line, file) != NULL;
    fclose (file);
    /* After the command's name in parentheses (which may hold spaces):
       the state is field 3, utime and stime fields 14 and 15. */
    char *after = read ? strrchr (line, ')') : NULL;
    unsigned long long user = 0, system = 0;
    if (!after
        || sscanf (after + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &user,
                   &system)
               != 2)
        return 0;
    long hertz = sysconf (_SC_CLK_TCK);
    return hertz > 0 ? (user + system) * 1000000u / (uint64_t) hertz : 0;
}

void
bench_system_stages_read (bench_system_t *self, bench_stages_t *stages)
{
    memset (stages, 0, sizeof *stages);
    for (int i = 0; i < BENCH_SERVICE_COUNT; i++) {
        stages->cpu_us[i] = bench_system_cpu_us (self->pids[i]);
        bs_client_t *client = bs_client_new (self->config, bench_system_name (i), "bench");
        bs_ping_t ping = {0};
        bs_ping_reply_t pong;
        bs_error_t error;
        if (client
            && bs_client_call (client, &bs_ping_schema, &ping, &bs_ping_reply_schema, &pong, &error)
                   == BS_OK) {
            if (pong.commit_counts.count == BS_LATENCY_BOUNDS + 1)
                memcpy (stages->counts[i], pong.commit_counts.items, sizeof stages->counts[i]);
            stages->sum_us[i] = pong.commit_sum_us;
            bs_codec_record_free (&bs_ping_reply_schema, &pong);
        }
        bs_client_destroy (&client);
    }
    struct timespec cpu;
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &cpu);
    stages->cpu_us[BENCH_SERVICE_COUNT] =
        (uint64_t) cpu.tv_sec * 1000000u + (uint64_t) cpu.tv_nsec / 1000u;
}

void
bench_stages_between (const bench_stages_t *before, const bench_stages_t *after,
                      bench_stages_work_t *work)
{
    memset (work, 0, sizeof *work);
    for (int i = 0; i < BENCH_SERVICE_COUNT; i++) {
        uint64_t counts[BS_LATENCY_BOUNDS + 1], turns = 0;
        for (int b = 0; b <= BS_LATENCY_BOUNDS; b++) {
            counts[b] = after->counts[i][b] - before->counts[i][b];
            turns += counts[b];
        }
        work->turns[i] = turns;
        work->commit_sum_us[i] = after->sum_us[i] - before->sum_us[i];
        uint64_t below = 0;
        for (int b = 0; turns && b <= BS_LATENCY_BOUNDS; b++) {
            below += counts[b];
            if (below * 100 >= turns * 99) {
                work->commit_p99_us[i] =
                    b < BS_LATENCY_BOUNDS ? bs_latency_bounds_us[b] : UINT64_MAX;
                break;
            }
        }
    }
    for (int i = 0; i <= BENCH_SERVICE_COUNT; i++)
        work->cpu_us[i] = after->cpu_us[i] - before->cpu_us[i];
}

void
bench_system_kill (bench_system_t *self, int index)
{
    if (self->pids[index] <= 0)
        return;
    kill (self->pids[index], SIGKILL);
    int status;
    while (waitpid (self->pids[index], &status, 0) == -1 && errno == EINTR)
        ;
    self->pids[index] = 0;
    s_child_pids[index] = 0;
}

int
bench_system_respawn (bench_system_t *self, int index)
{
    return s_system_spawn (self, index);
}

int
bench_system_memory (pid_t pid, bench_memory_t *memory)
{
    char path[64], line[256];
    snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *file = fopen (path, "r");
    if (!file)
        return -1;
    *memory = (bench_memory_t){-1, -1};
    while (fgets (line, sizeof line, file)) {
        if (strncmp (line, "RssAnon:", 8) == 0)
            memory->anonymous = strtol (line + 8, NULL, 10);
        else if (strncmp (line, "RssFile:", 8) == 0)
            memory->file = strtol (line + 8, NULL, 10);
    }
    fclose (file);
    return memory->anonymous >= 0 && memory->file >= 0 ? 0 : -1;
}

int
bench_system_register_units (bench_system_t *self, const char *const *names, size_t count)
{
    bs_client_t *client = bs_client_new (self->config, "intake", "bench");
    int rc = client ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        bs_unit_t unit = {.name = (char *) names[i], .level = "county", .kind = "department"};
        bs_unit_t reply;
        bs_error_t error;
        if (bs_client_call (client, &bs_unit_schema, &unit, &bs_unit_schema, &reply, &error)
            != BS_OK) {
            fprintf (stderr, "bench: cannot register unit %s: %s\n", names[i], error.text);
            rc = -1;
        } else
            bs_codec_record_free (&bs_unit_schema, &reply);
    }
    bs_client_destroy (&client);
    return rc;
}

static void
s_on_interrupt (int signal)
{
    (void) signal;
    bench_interrupted = 1;
}

/* A crash must not leave four services running: kill them (all a signal
   handler may do), then die of the same signal. */
static void
s_on_fatal (int signal)
{
    for (int i = 0; i < BENCH_SERVICE_COUNT; i++)
        if (s_child_pids[i] > 0)
            kill (s_child_pids[i], SIGKILL);
    if (s_current_folder[0]) {
        static const char left[] = "bench: crashed; services killed, data left in ";
        bool written = write (2, left, sizeof left - 1) > 0
                       && write (2, s_current_folder, strlen (s_current_folder)) > 0
                       && write (2, "\n", 1) > 0;
        (void) written; /* in a signal handler: nothing to do if stderr is gone */
    }
    struct sigaction action = {.sa_handler = SIG_DFL};
    sigaction (signal, &action, NULL);
    raise (signal);
}

void
bench_system_cpu_model (char *model, size_t size)
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
void
bench_system_storage (const char *folder, char *type, size_t type_size, char *device,
                      size_t device_size)
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

void
bench_system_handle_signals (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    zsys_handler_set (s_on_interrupt); /* instead of czmq's: we clean up first */
    int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction action = {.sa_handler = s_on_fatal};
        sigaction (fatal[i], &action, NULL);
    }
}

bs_submit_t
bench_system_submit_of (const bench_report_t *report)
{
    return (bs_submit_t){.unit = (char *) report->unit,
                         .title = (char *) report->title,
                         .body = (char *) report->body,
                         .kind = "situation",
                         .channel = "walk_in",
                         .operator_name = "bench"};
}

int
bench_system_submit (void *connection, const bench_report_t *report, char *error, size_t error_size)
{
    bs_submit_t submit = bench_system_submit_of (report);
    bs_submitted_t reply;
    bs_error_t failure;
    int rc = bs_client_call (connection, &bs_submit_schema, &submit, &bs_submitted_schema, &reply,
                             &failure);
    if (rc != BS_OK) {
        snprintf (error, error_size, "%s", failure.text);
        return rc == BS_E_UNAVAILABLE ? BENCH_LOAD_GONE : BENCH_LOAD_FAILED;
    }
    bs_codec_record_free (&bs_submitted_schema, &reply);
    return BENCH_LOAD_OK;
}
