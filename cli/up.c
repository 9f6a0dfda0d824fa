/*  up: `baosong up`, the supervisor that runs the whole system on one
    machine.

    It starts the service programs found beside its own executable (the
    four services, the HTTP gateway and mail, the email channel),
    keeps them running, and stops them all on Ctrl-C:

      - it records its data folder in the run file (running.c), so the
        CLI finds it from any folder, and prints a banner: the console,
        the data folder, how to stop, commands to try;

      - one `up` per data folder: an exclusive flock on <data>/up.lock, held
        for the supervisor's life (the kernel drops it if we die);
      - each service is started with posix_spawn (never fork: a child must
        not inherit a ZeroMQ context or an LMDB environment, and this
        process opens neither) with --data <absolute folder>, and writes
        nothing to us: it inherits stderr, so its log lines show here;
      - its pid goes to <data>/run/<service>.pid;
      - a service that exits or is killed is started again after
        restart_delay_ms, doubled (up to 10 s) each time it dies within 5 s
        of its start, and back to restart_delay_ms once it has stayed up;
      - SIGINT, SIGTERM or SIGHUP sends SIGTERM to every service, waits up
        to 5 s for them, then SIGKILLs what is left; a second Ctrl-C kills
        at once.

    Signals are blocked and read from a signalfd in a poll loop whose
    timeout is the next scheduled restart, so the loop sleeps until
    something happens. A service left running by an earlier supervisor that
    was killed outright (its pid file still names a live baosong-<service>)
    is stopped before the new ones start, so two copies never share a store.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_folder.h"
#include "bs_keys.h"
#include "bs_log.h"
#include "cli.h"

extern char **environ;

#define S_QUICK_DEATH_MS 5000 /* dying sooner than this after start doubles the delay */
#define S_DELAY_MAX_MS 10000  /* the longest wait before a restart */
#define S_STOP_GRACE_MS 5000  /* how long services get to stop after SIGTERM */

typedef struct {
    const char *name;        /* "intake" */
    char program[PATH_MAX];  /* absolute path of baosong-<name> */
    char pid_file[PATH_MAX]; /* <data>/run/<name>.pid */
    pid_t pid;               /* running child, 0 if none */
    uint64_t started;        /* monotonic ms of the last start */
    uint64_t restart_at;     /* monotonic ms of a scheduled restart, 0 if none */
    uint64_t delay;          /* wait before the next restart, ms */
} s_child_t;

#define S_CHILD_COUNT 6

typedef struct {
    cli_t *cli;
    const char *data_dir;              /* absolute */
    s_child_t children[S_CHILD_COUNT]; /* intake, review, publication, statistics, gateway, mail */
    int signals;                       /* signalfd */
    uint64_t base_delay;               /* restart_delay_ms */
    bool stopping;                     /* a stop signal came */
    bool killing;                      /* a second one came: SIGKILL */
} s_up_t;

static const char *const s_names[S_CHILD_COUNT] = {"intake",     "review",  "publication",
                                                   "statistics", "gateway", "mail"};

/* The first `up` makes the certificates (as `baosong init` would); a later
   one makes only what is missing, e.g. after `baosong cert revoke gateway`
   (a new key pair: that is how a certificate is rotated). */
static int
s_make_keys (s_up_t *self)
{
    char *folder = bs_keys_folder (self->cli->config);
    size_t created = 0;
    bs_error_t error;
    int rc = folder ? cli_keys_ensure (self->cli, folder, &created, &error) : BS_E_SYSTEM;
    if (rc != BS_OK)
        fprintf (stderr, "baosong: cannot make the certificates: %s\n",
                 folder ? error.text : "out of memory");
    else if (created)
        printf ("made %zu certificates in %s\n", created, folder);
    free (folder);
    return rc == BS_OK ? 0 : -1;
}

/* Fill each child's program path from the folder of our own executable. */
static int
s_find_programs (s_up_t *self)
{
    char self_path[PATH_MAX];
    ssize_t length = readlink ("/proc/self/exe", self_path, sizeof self_path - 1);
    if (length <= 0) {
        fprintf (stderr, "baosong: cannot find my own program (/proc/self/exe): %s\n",
                 strerror (errno));
        return -1;
    }
    self_path[length] = 0;
    char *slash = strrchr (self_path, '/');
    *slash = 0;
    for (size_t i = 0; i < S_CHILD_COUNT; i++) {
        s_child_t *child = &self->children[i];
        child->name = s_names[i];
        snprintf (child->program, sizeof child->program, "%s/baosong-%s", self_path, child->name);
        snprintf (child->pid_file, sizeof child->pid_file, "%s/run/%s.pid", self->data_dir,
                  child->name);
        child->delay = self->base_delay;
        if (access (child->program, X_OK) == -1) {
            fprintf (stderr,
                     "baosong: cannot run %s: %s (build every target, not only "
                     "baosong)\n",
                     child->program, strerror (errno));
            return -1;
        }
    }
    return 0;
}

/* Take <data>/up.lock, or say who holds it. Returns the fd or -1. */
static int
s_lock (s_up_t *self)
{
    char path[PATH_MAX];
    snprintf (path, sizeof path, "%s/up.lock", self->data_dir);
    int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd == -1) {
        fprintf (stderr, "baosong: cannot open %s: %s\n", path, strerror (errno));
        return -1;
    }
    if (flock (fd, LOCK_EX | LOCK_NB) == -1) {
        int error = errno;
        char holder[32] = "";
        ssize_t size = pread (fd, holder, sizeof holder - 1, 0);
        holder[size > 0 ? size : 0] = 0;
        holder[strcspn (holder, "\n")] = 0;
        if (error == EWOULDBLOCK)
            fprintf (stderr,
                     "baosong: `baosong up` is already running on %s%s%s%s; stop it first "
                     "(Ctrl-C in its terminal)\n",
                     self->data_dir, *holder ? " (pid " : "", holder, *holder ? ")" : "");
        else
            fprintf (stderr, "baosong: cannot lock %s: %s\n", path, strerror (error));
        close (fd);
        return -1;
    }
    char pid[32];
    int length = snprintf (pid, sizeof pid, "%ld\n", (long) getpid ());
    if (ftruncate (fd, 0) == -1 || pwrite (fd, pid, (size_t) length, 0) != length)
        bs_log_warning ("cannot write my pid to %s: %s", path, strerror (errno));
    return fd;
}

static void
s_write_pid_file (s_child_t *child)
{
    char temporary[PATH_MAX + 8];
    snprintf (temporary, sizeof temporary, "%s.tmp", child->pid_file);
    FILE *file = fopen (temporary, "w");
    if (!file || fprintf (file, "%ld\n", (long) child->pid) < 0 || fclose (file) != 0
        || rename (temporary, child->pid_file) == -1)
        bs_log_warning ("cannot write %s: %s", child->pid_file, strerror (errno));
}

/* Whether pid runs the program baosong-<name> (checked before signalling a
   pid read from a file: pids are reused). */
static bool
s_runs_service (pid_t pid, const char *name)
{
    char program[64];
    snprintf (program, sizeof program, "baosong-%s", name);
    return cli_pid_runs ((long) pid, program);
}

/* Stop services an earlier supervisor left behind (it was SIGKILLed). */
static void
s_stop_leftovers (s_up_t *self)
{
    for (size_t i = 0; i < S_CHILD_COUNT; i++) {
        s_child_t *child = &self->children[i];
        FILE *file = fopen (child->pid_file, "r");
        long pid = 0;
        if (!file)
            continue;
        if (fscanf (file, "%ld", &pid) != 1)
            pid = 0;
        fclose (file);
        if (pid <= 1 || !s_runs_service ((pid_t) pid, child->name))
            continue;
        bs_log_warning ("stopping %s (pid %ld), left running by an earlier `baosong up`",
                        child->name, pid);
        kill ((pid_t) pid, SIGTERM);
        uint64_t deadline = bs_clock_monotonic () + S_STOP_GRACE_MS;
        while (kill ((pid_t) pid, 0) == 0 && s_runs_service ((pid_t) pid, child->name)
               && bs_clock_monotonic () < deadline)
            nanosleep (&(struct timespec){0, 50 * 1000 * 1000}, NULL);
        if (kill ((pid_t) pid, 0) == 0 && s_runs_service ((pid_t) pid, child->name))
            kill ((pid_t) pid, SIGKILL);
    }
}

static void
s_spawn (s_up_t *self, s_child_t *child, const char *verb)
{
    child->restart_at = 0;
    child->started = bs_clock_monotonic ();
    char *argv[7];
    int argc = 0;
    argv[argc++] = child->program;
    argv[argc++] = "--data";
    argv[argc++] = (char *) self->data_dir;
    if (self->cli->config_path) {
        argv[argc++] = "--config";
        argv[argc++] = (char *) self->cli->config_path;
    }
    argv[argc] = NULL;

    /* The child starts with no signal blocked and default dispositions:
       we block ours for the signalfd, and a background shell job may
       inherit SIGINT ignored. stdin is /dev/null: services read sockets. */
    posix_spawnattr_t attributes;
    posix_spawnattr_init (&attributes);
    sigset_t none, defaults;
    sigemptyset (&none);
    sigemptyset (&defaults);
    int defaulted[] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE, SIGQUIT};
    for (size_t i = 0; i < sizeof defaulted / sizeof defaulted[0]; i++)
        sigaddset (&defaults, defaulted[i]);
    posix_spawnattr_setsigmask (&attributes, &none);
    posix_spawnattr_setsigdefault (&attributes, &defaults);
    posix_spawnattr_setflags (&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

    pid_t pid;
    int rc = posix_spawn (&pid, child->program, &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy (&actions);
    posix_spawnattr_destroy (&attributes);
    if (rc != 0) {
        child->pid = 0;
        child->restart_at = child->started + child->delay;
        bs_log_error ("cannot start %s: %s; trying again in %llu ms", child->program, strerror (rc),
                      (unsigned long long) child->delay);
        child->delay = child->delay * 2 > S_DELAY_MAX_MS ? S_DELAY_MAX_MS : child->delay * 2;
        return;
    }
    child->pid = pid;
    s_write_pid_file (child);
    bs_log_info ("%s %s (pid %ld)", verb, child->name, (long) pid);
}

/* A child ended: say how, and schedule its restart unless we are stopping. */
static void
s_child_ended (s_up_t *self, s_child_t *child, int status)
{
    uint64_t now = bs_clock_monotonic ();
    uint64_t uptime = now - child->started;
    char how[96];
    if (WIFSIGNALED (status))
        snprintf (how, sizeof how, "was killed by signal %d (%s)", WTERMSIG (status),
                  strsignal (WTERMSIG (status)));
    else
        snprintf (how, sizeof how, "exited with status %d", WEXITSTATUS (status));
    pid_t pid = child->pid;
    child->pid = 0;
    if (self->stopping) {
        bs_log_info ("%s (pid %ld) %s", child->name, (long) pid, how);
        return;
    }
    if (uptime >= S_QUICK_DEATH_MS)
        child->delay = self->base_delay;
    child->restart_at = now + child->delay;
    bs_log_warning ("%s (pid %ld) %s after %llu ms; restarting it in %llu ms", child->name,
                    (long) pid, how, (unsigned long long) uptime,
                    (unsigned long long) child->delay);
    if (uptime < S_QUICK_DEATH_MS)
        child->delay = child->delay * 2 > S_DELAY_MAX_MS ? S_DELAY_MAX_MS : child->delay * 2;
}

static void
s_reap (s_up_t *self)
{
    int status;
    pid_t pid;
    while ((pid = waitpid (-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < S_CHILD_COUNT; i++)
            if (self->children[i].pid == pid)
                s_child_ended (self, &self->children[i], status);
    }
}

static size_t
s_running (s_up_t *self)
{
    size_t running = 0;
    for (size_t i = 0; i < S_CHILD_COUNT; i++)
        if (self->children[i].pid > 0)
            running++;
    return running;
}

static void
s_signal_all (s_up_t *self, int signal_number)
{
    for (size_t i = 0; i < S_CHILD_COUNT; i++)
        if (self->children[i].pid > 0)
            kill (self->children[i].pid, signal_number);
}

/* Wait up to timeout ms (-1: forever) for a signal; handle what came. */
static void
s_wait (s_up_t *self, int timeout)
{
    struct pollfd item = {.fd = self->signals, .events = POLLIN};
    if (poll (&item, 1, timeout) <= 0)
        return;
    struct signalfd_siginfo info[16];
    ssize_t size;
    while ((size = read (self->signals, info, sizeof info)) > 0) {
        for (size_t i = 0; i < (size_t) size / sizeof info[0]; i++) {
            int signal_number = (int) info[i].ssi_signo;
            if (signal_number == SIGCHLD)
                continue; /* reaped below: SIGCHLDs merge, so wait for all */
            if (self->stopping)
                self->killing = true;
            else
                bs_log_info ("%s: stopping every service", strsignal (signal_number));
            self->stopping = true;
        }
    }
    s_reap (self);
}

/* The ms until the next scheduled restart, or -1 if none is scheduled. */
static int
s_next_timeout (s_up_t *self)
{
    uint64_t now = bs_clock_monotonic ();
    int timeout = -1;
    for (size_t i = 0; i < S_CHILD_COUNT; i++) {
        s_child_t *child = &self->children[i];
        if (child->pid || !child->restart_at)
            continue;
        int wait = child->restart_at > now ? (int) (child->restart_at - now) : 0;
        if (timeout < 0 || wait < timeout)
            timeout = wait;
    }
    return timeout;
}

static void
s_restart_due (s_up_t *self)
{
    uint64_t now = bs_clock_monotonic ();
    for (size_t i = 0; i < S_CHILD_COUNT && !self->stopping; i++) {
        s_child_t *child = &self->children[i];
        if (!child->pid && child->restart_at && child->restart_at <= now) {
            s_spawn (self, child, "restarted");
        }
    }
}

static void
s_stop (s_up_t *self)
{
    s_signal_all (self, self->killing ? SIGKILL : SIGTERM);
    uint64_t deadline = bs_clock_monotonic () + S_STOP_GRACE_MS;
    bool killed = self->killing;
    while (s_running (self) > 0) {
        uint64_t now = bs_clock_monotonic ();
        if (!killed && (now >= deadline || self->killing)) {
            if (now >= deadline)
                bs_log_warning ("services still running after %d ms: killing them",
                                S_STOP_GRACE_MS);
            s_signal_all (self, SIGKILL);
            killed = true;
        }
        s_wait (self, killed ? 1000 : (int) (deadline - now));
    }
    for (size_t i = 0; i < S_CHILD_COUNT; i++)
        unlink (self->children[i].pid_file);
    bs_log_info ("every service has stopped");
}

/* How a person types this program: "baosong" when that is the one PATH
   finds, else its absolute path (build/baosong before PATH is set). */
static void
s_cli_name (char *buffer, size_t size)
{
    char self[PATH_MAX], found[PATH_MAX], candidate[PATH_MAX + 16];
    ssize_t length = readlink ("/proc/self/exe", self, sizeof self - 1);
    self[length > 0 ? length : 0] = 0;
    snprintf (buffer, size, "%s", length > 0 ? self : "baosong");
    const char *path = getenv ("PATH");
    while (path && *path && length > 0) {
        size_t part = strcspn (path, ":");
        snprintf (candidate, sizeof candidate, "%.*s/baosong", (int) part, path);
        if (access (candidate, X_OK) == 0) {
            if (realpath (candidate, found) && strcmp (found, self) == 0)
                snprintf (buffer, size, "baosong");
            return; /* the first one PATH finds is what a person gets */
        }
        path += part + (path[part] == ':');
    }
}

/* What a newcomer needs once everything is started: where the console
   is, where the data lives, how to stop, and commands to try. */
static void
s_banner (s_up_t *self)
{
    char command[PATH_MAX * 2 + 64];
    s_cli_name (command, sizeof command);
    const char *run_file = cli_run_file ();
    if (!run_file) { /* no home for the run file: the CLI must be told */
        size_t used = strlen (command);
        snprintf (command + used, sizeof command - used, " --data %s", self->data_dir);
    }
    bs_config_t *config = self->cli->config;
    printf ("baosong is up: %s, %s, %s, %s, %s and %s (%d services).\n", s_names[0], s_names[1],
            s_names[2], s_names[3], s_names[4], s_names[5], S_CHILD_COUNT);
    printf (
        "  web console  http://%s/  (people log in as officers: `baosong officer add --help`)\n",
        bs_config_get (config, "gateway.http"));
    printf ("  mail (LMTP)  %s\n", bs_config_get (config, "mail.lmtp"));
    printf ("  data         %s  (each service's store, the keys, the sockets)\n", self->data_dir);
    printf ("  stop         Ctrl-C here, or `kill -INT %ld`; a second Ctrl-C kills at once\n",
            (long) getpid ());
    if (run_file)
        printf ("The CLI finds this system from any folder (recorded in %s).\n", run_file);
    printf ("Try, in another terminal:\n"
            "  %s status\n"
            "  %s unit add 示範縣 --level county\n"
            "  %s submit --unit 示範縣 --title 示範信息 --body '一條示範信息，用來試一試。'\n"
            "  %s queue\n",
            command, command, command, command);
    fflush (stdout);
}

/* Block the stop signals and SIGCHLD, and read them from a signalfd. */
static int
s_signals_open (void)
{
    sigset_t set;
    sigemptyset (&set);
    int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD};
    for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++) {
        signal (caught[i], SIG_DFL); /* a background job may have SIGINT ignored */
        sigaddset (&set, caught[i]);
    }
    signal (SIGPIPE, SIG_IGN); /* a closed terminal must not kill the supervisor */
    if (sigprocmask (SIG_BLOCK, &set, NULL) == -1)
        return -1;
    return signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int
cli_cmd_up (cli_t *cli, int argc, char **argv)
{
    size_t count;
    int rc =
        cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    bs_log_set_component ("up");
    s_up_t self = {.cli = cli, .signals = -1};
    self.data_dir = bs_config_get (cli->config, "data_dir");
    self.base_delay = bs_config_get_number (cli->config, "restart_delay_ms");
    if (self.base_delay == 0)
        self.base_delay = 1;
    char run[PATH_MAX];
    snprintf (run, sizeof run, "%s/run", self.data_dir);
    /* Private, whatever the umask: stores, keys and sockets live here. */
    int made = bs_folder_private (self.data_dir);
    if (made == 0)
        made = bs_folder_private (run);
    if (made != 0) {
        fprintf (stderr, "baosong: cannot create %s (mode 0700): %s\n", run, strerror (made));
        return CLI_EXIT_REFUSED;
    }
    if (s_find_programs (&self) == -1 || s_make_keys (&self) == -1)
        return CLI_EXIT_REFUSED;
    int lock = s_lock (&self);
    if (lock == -1)
        return CLI_EXIT_REFUSED;
    self.signals = s_signals_open ();
    if (self.signals == -1) {
        fprintf (stderr, "baosong: cannot set up signal handling: %s\n", strerror (errno));
        close (lock);
        return CLI_EXIT_REFUSED;
    }
    s_stop_leftovers (&self);
    for (size_t i = 0; i < S_CHILD_COUNT; i++)
        s_spawn (&self, &self.children[i], "started");
    cli_running_record (self.data_dir, cli->config_path);
    s_banner (&self);
    while (!self.stopping) {
        s_wait (&self, s_next_timeout (&self));
        s_restart_due (&self);
    }
    s_stop (&self);
    cli_running_forget (self.data_dir);
    close (self.signals);
    if (ftruncate (lock, 0) == -1) /* no pid: no `up` runs here (running.c) */
        bs_log_warning ("cannot empty %s/up.lock: %s", self.data_dir, strerror (errno));
    close (lock);
    return CLI_EXIT_OK;
}
