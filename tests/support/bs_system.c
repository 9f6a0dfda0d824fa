/*  bs_system: whole systems for tests; see bs_system.h. */
#include "bs_system.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bs_schemas.h"
#include "bs_test.h"

extern char **environ;

/* The first four are the core services bs_system_start_all starts; mail
   (the email channel) is started by the tests that need it. */
static const char *s_services[] = {"intake", "review", "publication", "statistics", "mail"};
#define S_SERVICE_COUNT 5
#define S_CORE_COUNT 4

struct bs_system {
    char *folder;                          /* temporary folder, removed at the end */
    char config_path[1024];                /* folder/baosong.conf */
    bs_config_t *config;                   /* the same configuration, loaded here */
    pid_t pids[S_SERVICE_COUNT];           /* running services, 0 if not */
    bs_client_t *clients[S_SERVICE_COUNT]; /* one client per service */
};

static int
s_index (const char *service)
{
    for (int i = 0; i < S_SERVICE_COUNT; i++)
        if (strcmp (s_services[i], service) == 0)
            return i;
    return -1;
}

bs_system_t *
bs_system_new (const char *name)
{
    bs_system_t *self = calloc (1, sizeof *self);
    self->folder = bs_test_temp_dir (name);
    if (!self->folder) {
        free (self);
        return NULL;
    }
    snprintf (self->config_path, sizeof self->config_path, "%s/baosong.conf", self->folder);
    FILE *file = fopen (self->config_path, "w");
    fprintf (file,
             "data_dir = %s/var\n"
             "heartbeat_ms = 200\n"
             "log_level = info\n"
             "request_timeout_ms = 2000\n"
             "request_retries = 5\n"
             "mail.lmtp = 127.0.0.1:0\n",
             self->folder);
    fclose (file);
    bs_error_t error;
    self->config = bs_config_load (self->config_path, &error);
    if (!self->config) {
        fprintf (stderr, "bs_system: %s\n", error.text);
        bs_test_remove_tree (self->folder);
        free (self->folder);
        free (self);
        return NULL;
    }
    zsys_init ();
    zsys_set_logstream (NULL);
    return self;
}

/* A sanitizer build writes its reports to the service's stderr, our log. */
static bool
s_sanitizer_clean (bs_system_t *self, const char *service)
{
    char path[1200], line[1024];
    snprintf (path, sizeof path, "%s/%s.log", self->folder, service);
    FILE *file = fopen (path, "r");
    if (!file)
        return true;
    bool clean = true;
    while (fgets (line, sizeof line, file))
        if (strstr (line, "ERROR: AddressSanitizer") || strstr (line, "ERROR: LeakSanitizer")
            || strstr (line, "runtime error:")) {
            if (clean)
                fprintf (stderr, "sanitizer report in %s:\n", path);
            fputs (line, stderr);
            clean = false;
        }
    fclose (file);
    return clean;
}

void
bs_system_destroy (bs_system_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bs_system_t *self = *self_p;
    /* SIGTERM first, so sanitizer builds run their leak check at exit. */
    for (int i = 0; i < S_SERVICE_COUNT; i++)
        if (self->pids[i])
            kill (self->pids[i], SIGTERM);
    for (int i = 0; i < S_SERVICE_COUNT; i++) {
        for (int wait = 0; self->pids[i] && wait < 100; wait++) {
            if (waitpid (self->pids[i], NULL, WNOHANG) == self->pids[i])
                self->pids[i] = 0;
            else
                usleep (50 * 1000);
        }
        if (self->pids[i])
            bs_system_kill (self, s_services[i], SIGKILL);
        bs_client_destroy (&self->clients[i]);
    }
    bs_config_destroy (&self->config);
    bool clean = true;
    for (int i = 0; i < S_SERVICE_COUNT; i++)
        clean &= s_sanitizer_clean (self, s_services[i]);
    if (!getenv ("BAOSONG_TEST_KEEP"))
        bs_test_remove_tree (self->folder);
    else
        fprintf (stderr, "kept %s\n", self->folder);
    free (self->folder);
    free (self);
    *self_p = NULL;
    if (!clean)
        fail_msg ("a service's log has a sanitizer report (see above)");
}

bs_config_t *
bs_system_config (bs_system_t *self)
{
    return self->config;
}

const char *
bs_system_folder (bs_system_t *self)
{
    return self->folder;
}

pid_t
bs_system_pid (bs_system_t *self, const char *service)
{
    return self->pids[s_index (service)];
}

bs_client_t *
bs_system_client (bs_system_t *self, const char *service)
{
    int index = s_index (service);
    if (!self->clients[index])
        self->clients[index] = bs_client_new (self->config, service, "test");
    return self->clients[index];
}

int
bs_system_start (bs_system_t *self, const char *service)
{
    int index = s_index (service);
    if (index < 0 || self->pids[index])
        return -1;
    char program[64], log_path[1200];
    snprintf (program, sizeof program, "baosong-%s", service);
    snprintf (log_path, sizeof log_path, "%s/%s.log", self->folder, service);
    const char *path = bs_test_program (program);
    char *argv[] = {(char *) path, "--config", self->config_path, NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, 2, log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_addopen (&actions, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn (&pid, path, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy (&actions);
    if (rc != 0) {
        fprintf (stderr, "cannot start %s: %s\n", path, strerror (rc));
        return -1;
    }
    self->pids[index] = pid;
    /* Up means: it answers a ping. */
    bs_client_t *client = bs_client_new (self->config, service, "test");
    bs_client_set_patience (client, 250, 1);
    for (int attempt = 0; attempt < 80; attempt++) {
        bs_ping_t ping = {0};
        bs_ping_reply_t pong;
        bs_error_t error;
        if (bs_client_call (client, &bs_ping_schema, &ping, &bs_ping_reply_schema, &pong, &error)
            == BS_OK) {
            bs_codec_record_free (&bs_ping_reply_schema, &pong);
            bs_client_destroy (&client);
            return 0;
        }
        int status;
        if (waitpid (pid, &status, WNOHANG) == pid) {
            self->pids[index] = 0;
            fprintf (stderr, "%s exited at start\n", service);
            bs_system_show_log (self, service);
            break;
        }
    }
    bs_client_destroy (&client);
    return -1;
}

int
bs_system_start_all (bs_system_t *self)
{
    for (int i = 0; i < S_CORE_COUNT; i++)
        if (!self->pids[i] && bs_system_start (self, s_services[i]) != 0)
            return -1;
    return 0;
}

void
bs_system_kill (bs_system_t *self, const char *service, int signal)
{
    int index = s_index (service);
    if (index < 0 || !self->pids[index])
        return;
    kill (self->pids[index], signal);
    int status;
    while (waitpid (self->pids[index], &status, 0) == -1 && errno == EINTR)
        ;
    self->pids[index] = 0;
}

void
bs_system_show_log (bs_system_t *self, const char *service)
{
    char command[1400];
    snprintf (command, sizeof command, "tail -n 30 '%s/%s.log' >&2", self->folder, service);
    if (system (command) != 0)
        fprintf (stderr, "(no log for %s)\n", service);
}

int
bs_system_register_units (bs_system_t *self, const char *const *names, size_t count)
{
    bs_client_t *client = bs_system_client (self, "intake");
    for (size_t i = 0; i < count; i++) {
        bs_unit_t unit = {.name = (char *) names[i], .level = "county", .kind = "department"};
        bs_unit_t reply;
        bs_error_t error;
        if (bs_client_call (client, &bs_unit_schema, &unit, &bs_unit_schema, &reply, &error)
            != BS_OK) {
            fprintf (stderr, "bs_system: cannot register unit %s: %s\n", names[i], error.text);
            return -1;
        }
        bs_codec_record_free (&bs_unit_schema, &reply);
    }
    return 0;
}
