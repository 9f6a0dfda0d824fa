/*  bs_system: whole systems for tests; see bs_system.h. */
#include "bs_system.h"
#include "bs_test_keys.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bs_schemas.h"
#include "bs_socket.h"
#include "bs_test.h"

extern char **environ;

/* The first four are the core services bs_system_start_all starts; the
   gateway (HTTP) and mail (the email channel) are started by the tests that
   need them. */
static const char *s_services[] = {"intake",     "review",  "publication",
                                   "statistics", "gateway", "mail"};
#define S_SERVICE_COUNT 6
#define S_CORE_COUNT 4

struct bs_system {
    char *folder;                          /* temporary folder, removed at the end */
    char config_path[1024];                /* folder/baosong.conf */
    bs_config_t *config;                   /* the same configuration, loaded here */
    bs_config_t *desk;                     /* the same, presenting the gateway's certificate */
    pid_t pids[S_SERVICE_COUNT];           /* running services, 0 if not */
    bs_client_t *clients[S_SERVICE_COUNT]; /* one client per service */
    char gateway_url[64];                  /* http://127.0.0.1:<port>, "" until started */
};

/* Systems not yet destroyed. A failing cmocka assertion jumps out of its
   test before bs_system_destroy, so at exit these lose their processes and
   folders here rather than outliving the test program. */
#define S_LIVE_MAX 16
static bs_system_t *s_live[S_LIVE_MAX];

static void
s_kill_leftovers (void)
{
    for (int k = 0; k < S_LIVE_MAX; k++) {
        bs_system_t *self = s_live[k];
        if (!self)
            continue;
        for (int i = 0; i < S_SERVICE_COUNT; i++)
            if (self->pids[i]) {
                kill (self->pids[i], SIGKILL);
                waitpid (self->pids[i], NULL, 0);
            }
        if (!getenv ("BAOSONG_TEST_KEEP"))
            bs_folder_remove (self->folder);
        s_live[k] = NULL;
    }
}

static void
s_live_set (bs_system_t *self, bs_system_t *value)
{
    static bool registered;
    if (!registered && atexit (s_kill_leftovers) == 0)
        registered = true;
    for (int k = 0; k < S_LIVE_MAX; k++)
        if (s_live[k] == self) {
            s_live[k] = value;
            return;
        }
}

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
        bs_folder_remove (self->folder);
        free (self->folder);
        free (self);
        return NULL;
    }
    /* The certificates `baosong init` would make: every socket of the
       system is CurveZMQ, and the test presents admin's. */
    bs_test_keys (self->config, NULL);
    bs_error_t desk_error;
    self->desk = bs_config_load (self->config_path, &desk_error);
    if (!self->desk || bs_config_set (self->desk, "certificate", "gateway", &desk_error) != BS_OK)
        fprintf (stderr, "bs_system: %s\n", desk_error.text);
    /* Every process of this system, the test's own included, reads its
       clock offset from here (bs_system_set_clock). */
    char clock_path[1100];
    snprintf (clock_path, sizeof clock_path, "%s/clock", self->folder);
    setenv ("BAOSONG_CLOCK_FILE", clock_path, 1);
    zsys_init ();
    zsys_set_logstream (NULL);
    s_live_set (NULL, self);
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
    s_live_set (self, NULL);
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
    bs_config_destroy (&self->desk);
    bool clean = true;
    for (int i = 0; i < S_SERVICE_COUNT; i++)
        clean &= s_sanitizer_clean (self, s_services[i]);
    if (!getenv ("BAOSONG_TEST_KEEP"))
        bs_folder_remove (self->folder);
    else
        fprintf (stderr, "kept %s\n", self->folder);
    free (self->folder);
    free (self);
    *self_p = NULL;
    if (!clean)
        fail_msg ("a service's log has a sanitizer report (see above)");
}

int
bs_system_configure (bs_system_t *self, const char *key, const char *value)
{
    bs_error_t error;
    if (bs_config_set (self->config, key, value, &error) != BS_OK
        || (self->desk && bs_config_set (self->desk, key, value, &error) != BS_OK)) {
        fprintf (stderr, "bs_system: %s\n", error.text);
        return -1;
    }
    FILE *file = fopen (self->config_path, "a");
    if (!file)
        return -1;
    fprintf (file, "%s = %s\n", key, value); /* the last line of a key wins */
    fclose (file);
    return 0;
}

bs_config_t *
bs_system_config (bs_system_t *self)
{
    return self->config;
}

bs_config_t *
bs_system_desk_config (bs_system_t *self)
{
    return self->desk;
}

void
bs_system_act_as (bs_client_t *client, const char *login, const char *roles)
{
    bs_system_act_in (client, login, "", roles);
}

void
bs_system_act_in (bs_client_t *client, const char *login, const char *unit, const char *roles)
{
    if (!login) {
        bs_client_set_principal (client, NULL);
        return;
    }
    bs_principal_t person;
    bs_principal_set (&person, login, "officer", unit, roles);
    bs_client_set_principal (client, &person);
}

/* The text of record's string field name (of schema), NULL if none. */
static const char *
s_field_text (const bs_schema_t *schema, const void *record, const char *name)
{
    for (size_t i = 0; i < schema->field_count; i++) {
        const bs_field_t *field = &schema->fields[i];
        if (field->type == BS_FIELD_STR && strcmp (field->name, name) == 0) {
            const char *text = *(const char *const *) ((const char *) record + field->offset);
            return text && *text ? text : NULL;
        }
    }
    return NULL;
}

static bool
s_is_desk_command (const bs_schema_t *schema)
{
    return strncmp (schema->type, "review.", 7) == 0
           || strncmp (schema->type, "publication.", 12) == 0;
}

void
bs_system_act_for (bs_client_t *client, const bs_schema_t *schema, const void *request)
{
    if (!s_is_desk_command (schema)) {
        bs_client_set_principal (client, NULL);
        return;
    }
    static const char *const people[] = {"editor", "leader", "by", "officer"};
    const char *who = NULL;
    for (size_t i = 0; !who && i < sizeof people / sizeof people[0]; i++)
        who = s_field_text (schema, request, people[i]);
    const char *role = s_field_text (schema, request, "role");
    const char *unit = s_field_text (schema, request, "unit");
    bs_system_act_in (client, who ? who : "編輯部", unit ? unit : "",
                      role ? role : "editor,leader,publisher");
}

int
bs_system_call (bs_client_t *client, const bs_schema_t *schema, const void *request,
                const bs_schema_t *reply_schema, void *reply, bs_error_t *error)
{
    bs_system_act_for (client, schema, request);
    int rc = bs_client_call (client, schema, request, reply_schema, reply, error);
    bs_client_set_principal (client, NULL);
    return rc;
}

int
bs_system_call_with_id (bs_client_t *client, const char *id, const bs_schema_t *schema,
                        const void *request, const bs_schema_t *reply_schema, void *reply,
                        bs_error_t *error)
{
    bs_system_act_for (client, schema, request);
    int rc = bs_client_call_with_id (client, id, schema, request, reply_schema, reply, error);
    bs_client_set_principal (client, NULL);
    return rc;
}

int
bs_system_call_until_answered (bs_client_t *client, const char *id, const bs_schema_t *schema,
                               const void *request, const bs_schema_t *reply_schema, void *reply,
                               bs_error_t *error)
{
    for (int attempt = 0; attempt < 300; attempt++) {
        int rc = bs_system_call_with_id (client, id, schema, request, reply_schema, reply, error);
        if (rc != BS_E_UNAVAILABLE)
            return rc;
    }
    return BS_E_UNAVAILABLE;
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
    /* People reach review and publication through the gateway, so the
       test does too: its clients of them present the gateway's
       certificate and name the person acting (bs_system_act_as). */
    bool desk = strcmp (service, "review") == 0 || strcmp (service, "publication") == 0;
    if (!self->clients[index])
        self->clients[index] =
            bs_client_new (desk ? self->desk : self->config, service, "test");
    return self->clients[index];
}

/* A loopback port free right now (bound to 0, then let go). */
static int
s_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    socklen_t size = sizeof address;
    int port = -1;
    if (fd >= 0 && bind (fd, (struct sockaddr *) &address, sizeof address) == 0
        && getsockname (fd, (struct sockaddr *) &address, &size) == 0)
        port = ntohs (address.sin_port);
    if (fd >= 0)
        close (fd);
    return port;
}

/* Whether the gateway on port answers GET /api/v1/health with 200. */
static bool
s_gateway_answers (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_port = htons ((uint16_t) port),
                                  .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    char reply[64] = "";
    if (fd >= 0 && connect (fd, (struct sockaddr *) &address, sizeof address) == 0) {
        const char request[] =
            "GET /api/v1/health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
        if (write (fd, request, sizeof request - 1) == (ssize_t) (sizeof request - 1)
            && read (fd, reply, sizeof reply - 1) < 0)
            reply[0] = 0;
    }
    if (fd >= 0)
        close (fd);
    return strncmp (reply, "HTTP/1.1 200", 12) == 0;
}

static int s_spawn (bs_system_t *self, int index, pid_t *pid);

/* The gateway: on a free loopback port written into the configuration, up
   when it answers HTTP; a port taken in between is retried with another. */
static int
s_start_gateway (bs_system_t *self, int index)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        /* A gateway started again keeps its port (other installations
           know it by that address), while it is free. */
        const char *colon = strrchr (self->gateway_url, ':');
        int port = attempt == 0 && colon ? atoi (colon + 1) : s_free_port ();
        char value[32];
        snprintf (value, sizeof value, "127.0.0.1:%d", port);
        FILE *file = fopen (self->config_path, "a");
        if (port < 0 || !file) {
            if (file)
                fclose (file);
            return -1;
        }
        fprintf (file, "gateway.http = %s\n", value); /* the last line of a key wins */
        fclose (file);
        bs_error_t error;
        bs_config_set (self->config, "gateway.http", value, &error);
        pid_t pid;
        if (s_spawn (self, index, &pid) != 0)
            return -1;
        for (int wait = 0; wait < 200; wait++) {
            if (s_gateway_answers (port)) {
                snprintf (self->gateway_url, sizeof self->gateway_url, "http://%s", value);
                return 0;
            }
            int status;
            if (waitpid (pid, &status, WNOHANG) == pid) {
                self->pids[index] = 0;
                break;
            }
            usleep (25 * 1000);
        }
        if (self->pids[index])
            bs_system_kill (self, "gateway", SIGKILL);
    }
    fprintf (stderr, "the gateway did not start\n");
    bs_system_show_log (self, "gateway");
    return -1;
}

const char *
bs_system_gateway_url (bs_system_t *self)
{
    return self->gateway_url;
}

static int
s_spawn (bs_system_t *self, int index, pid_t *pid_out)
{
    const char *service = s_services[index];
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
    *pid_out = pid;
    return 0;
}

int
bs_system_start (bs_system_t *self, const char *service)
{
    int index = s_index (service);
    if (index < 0 || self->pids[index])
        return -1;
    if (strcmp (service, "gateway") == 0)
        return s_start_gateway (self, index);
    pid_t pid;
    if (s_spawn (self, index, &pid) != 0)
        return -1;
    /* Up means: it answers a ping. A sanitizer build on a loaded 2-core
       machine can take tens of seconds to start (publication loads its
       fonts): wait up to a minute before calling it a failure. */
    bs_client_t *client = bs_client_new (self->config, service, "test");
    bs_client_set_patience (client, 250, 1);
    for (int attempt = 0; attempt < 240; attempt++) {
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
bs_system_set_clock (bs_system_t *self, long long offset_ms)
{
    char path[1100], temporary[1100];
    snprintf (path, sizeof path, "%s/clock", self->folder);
    snprintf (temporary, sizeof temporary, "%s/clock.new", self->folder);
    FILE *file = fopen (temporary, "w");
    if (!file)
        fail_msg ("cannot write %s", temporary);
    fprintf (file, "%lld\n", offset_ms);
    fclose (file);
    if (rename (temporary, path) != 0)
        fail_msg ("cannot rename %s", temporary);
}

/* Call until review answers: it may be down for a while. */
static int
s_review_call (bs_client_t *review, const char *id, const bs_schema_t *schema, const void *request,
               bs_review_case_t *reply, bs_error_t *error)
{
    int rc = BS_E_UNAVAILABLE;
    for (int attempt = 0; attempt < 200 && rc == BS_E_UNAVAILABLE; attempt++)
        rc = id ? bs_client_call_with_id (review, id, schema, request, &bs_review_case_schema,
                                          reply, error)
                : bs_client_call (review, schema, request, &bs_review_case_schema, reply, error);
    return rc;
}

int
bs_system_claim (bs_client_t *review, uint64_t report_id, const char *editor, bs_error_t *error)
{
    bs_claim_t claim = {.report_id = report_id, .editor = (char *) editor, .role = "editor"};
    bs_review_case_t reply;
    bs_system_act_as (review, editor, "editor");
    int rc = s_review_call (review, NULL, &bs_claim_schema, &claim, &reply, error);
    bs_system_act_as (review, NULL, NULL);
    if (rc == BS_OK)
        bs_codec_record_free (&bs_review_case_schema, &reply);
    return rc;
}

int
bs_system_decide (bs_client_t *review, const char *id, const bs_decide_t *decide,
                  bs_review_case_t *reply, bs_error_t *error)
{
    bs_decide_t claimed = *decide;
    if (!claimed.editor || !*claimed.editor)
        claimed.editor = "編輯";
    if (!claimed.role)
        claimed.role = "editor";
    bs_claim_t claim = {
        .report_id = decide->report_id, .editor = claimed.editor, .role = claimed.role};
    char claim_id[BS_ID_MAX + 8];
    if (id)
        snprintf (claim_id, sizeof claim_id, "%s/claim", id);
    bs_review_case_t claim_reply;
    bs_system_act_as (review, claimed.editor, claimed.role);
    int rc = BS_OK;
    if (!decide->claim) { /* else the decision claims: one command */
        rc = s_review_call (review, id ? claim_id : NULL, &bs_claim_schema, &claim, &claim_reply,
                            error);
        if (rc == BS_OK)
            bs_codec_record_free (&bs_review_case_schema, &claim_reply);
    }
    if (rc != BS_E_UNAVAILABLE)
        rc = s_review_call (review, id, &bs_decide_schema, &claimed, reply, error);
    bs_system_act_as (review, NULL, NULL);
    return rc;
}

int
bs_system_decide_many (bs_client_t *review, const char *id, const bs_decide_many_t *many,
                       bs_decide_results_t *reply, bs_error_t *error)
{
    bs_decide_many_t acting = *many;
    if (!acting.editor || !*acting.editor)
        acting.editor = "編輯";
    if (!acting.role)
        acting.role = "editor";
    bs_system_act_as (review, acting.editor, acting.role);
    int rc = BS_E_UNAVAILABLE;
    for (int attempt = 0; attempt < 200 && rc == BS_E_UNAVAILABLE; attempt++)
        rc = id ? bs_client_call_with_id (review, id, &bs_decide_many_schema, &acting,
                                          &bs_decide_results_schema, reply, error)
                : bs_client_call (review, &bs_decide_many_schema, &acting,
                                  &bs_decide_results_schema, reply, error);
    bs_system_act_as (review, NULL, NULL);
    return rc;
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
bs_system_register_unit (bs_client_t *intake, const char *name)
{
    bs_unit_t unit = {.name = (char *) name, .level = "county", .kind = "department"};
    bs_unit_t reply;
    bs_error_t error;
    if (bs_client_call (intake, &bs_unit_schema, &unit, &bs_unit_schema, &reply, &error) != BS_OK) {
        fprintf (stderr, "bs_system: cannot register unit %s: %s\n", name, error.text);
        return -1;
    }
    bs_codec_record_free (&bs_unit_schema, &reply);
    return 0;
}

size_t
bs_system_each_report (bs_client_t *intake, bs_system_report_fn *fn, void *context)
{
    uint64_t after = 0;
    size_t count = 0;
    do {
        bs_report_list_t query = {.after = after, .limit = 1000};
        bs_report_page_t page;
        bs_error_t error;
        assert_int_equal (bs_system_call (intake, &bs_report_list_schema, &query,
                                          &bs_report_page_schema, &page, &error),
                          BS_OK);
        const bs_report_t *reports = page.reports.items;
        for (size_t i = 0; i < page.reports.count; i++)
            fn (&reports[i], context);
        count += page.reports.count;
        after = page.next;
        bs_codec_record_free (&bs_report_page_schema, &page);
    } while (after);
    return count;
}

int
bs_system_register_units (bs_system_t *self, const char *const *names, size_t count)
{
    bs_client_t *client = bs_system_client (self, "intake");
    for (size_t i = 0; i < count; i++)
        if (bs_system_register_unit (client, names[i]) != 0)
            return -1;
    return 0;
}

zsock_t *
bs_system_feed_subscribe (bs_system_t *self, int hwm)
{
    zsock_t *feed = zsock_new (ZMQ_SUB);
    assert_non_null (feed);
    zsock_set_rcvhwm (feed, hwm);
    zsock_set_subscribe (feed, "");
    bs_config_t *config = bs_system_config (self);
    assert_int_equal (bs_socket_secure (feed, "statistics", BS_SOCKET_CONNECT, config), BS_OK);
    assert_int_equal (zsock_connect (feed, "%s", bs_config_endpoint (config, "statistics", "feed")),
                      0);
    zclock_sleep (200); /* a SUB only sees what is sent after it has joined */
    return feed;
}

bool
bs_system_feed_next (zsock_t *feed, int wait_ms, bs_message_t *message)
{
    zmq_pollitem_t item = {zsock_resolve (feed), 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, wait_ms) != 1)
        return false;
    zframe_t *frame = zframe_recv (feed);
    assert_non_null (frame);
    bs_error_t error;
    assert_int_equal (bs_message_decode (zframe_data (frame), zframe_size (frame),
                                         &bs_codec_default_limits, message, &error),
                      BS_OK);
    zframe_destroy (&frame);
    return true;
}
