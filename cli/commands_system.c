/*  commands_system: `baosong status` (is each service answering?) and
    `baosong config` (the configuration every process would use).

    status asks each service in turn and waits 500 ms for each, once, so
    that a system that is not running is reported at once; a configured
    request_timeout_ms or request_retries (cli_patience) is waited for as
    every other command does, for a slow machine or a container's health
    check.
*/
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>

#include "bs_clock.h"
#include "bs_text.h"
#include "cli.h"

/* status' own patience when none is configured: one quick try. */
#define S_PING_TIMEOUT_MS 500
#define S_PING_TRIES 1

/* The services `baosong up` runs, in the order their data flows. */
static const char *const s_services[] = {"intake", "review", "publication", "statistics", "mail"};
#define S_SERVICE_COUNT (sizeof s_services / sizeof s_services[0])

/* "3h 5m", "2m 10s", "42s": how long since at (ms). */
static void
s_uptime (uint64_t at, char *buffer, size_t size)
{
    uint64_t now = bs_clock_now ();
    uint64_t seconds = now > at ? (now - at) / 1000 : 0;
    if (seconds >= 86400)
        snprintf (buffer, size, "%llud %lluh", (unsigned long long) (seconds / 86400),
                  (unsigned long long) (seconds % 86400 / 3600));
    else if (seconds >= 3600)
        snprintf (buffer, size, "%lluh %llum", (unsigned long long) (seconds / 3600),
                  (unsigned long long) (seconds % 3600 / 60));
    else if (seconds >= 60)
        snprintf (buffer, size, "%llum %llus", (unsigned long long) (seconds / 60),
                  (unsigned long long) (seconds % 60));
    else
        snprintf (buffer, size, "%llus", (unsigned long long) seconds);
}

/* Ping one service; prints its line (or adds its JSON object to list).
   Returns true if it answered. */
static bool
s_ping (cli_t *cli, const char *service, json_t *list)
{
    bs_client_t *client = bs_client_new (cli->config, service, "cli");
    if (!client)
        return false;
    int timeout_ms = S_PING_TIMEOUT_MS, tries = S_PING_TRIES;
    cli_patience (cli, &timeout_ms, &tries);
    bs_client_set_patience (client, timeout_ms, tries);
    bs_ping_t request = {0};
    bs_ping_reply_t reply = {0};
    bs_error_t error;
    int rc =
        bs_client_call (client, &bs_ping_schema, &request, &bs_ping_reply_schema, &reply, &error);
    bs_client_destroy (&client);
    if (cli->json) {
        json_t *entry;
        if (rc == BS_OK) {
            entry = cli_json_record (&bs_ping_reply_schema, &reply);
            json_object_set_new (entry, "running", json_true ());
        } else
            entry = json_pack ("{s:s, s:b, s:{s:s, s:s}}", "service", service, "running", 0,
                               "error", "code", bs_error_name (rc), "message", error.text);
        json_array_append_new (list, entry);
    } else if (rc == BS_OK) {
        char since[32], uptime[32];
        cli_time_format (reply.started_at, since, sizeof since);
        s_uptime (reply.started_at, uptime, sizeof uptime);
        printf ("%-12s running      pid %llu, up since %s (%s)\n", service,
                (unsigned long long) reply.pid, since, uptime);
    } else if (rc == BS_E_UNAVAILABLE)
        printf ("%-12s not running  (no answer at %s)\n", service,
                bs_config_endpoint (cli->config, service, "command"));
    else
        printf ("%-12s not healthy  (%s)\n", service, error.text);
    bs_codec_record_free (&bs_ping_reply_schema, &reply);
    return rc == BS_OK;
}

/* GET /api/v1/health from the gateway at gateway.http, each socket step
   within timeout_ms; the reply's JSON body into *body. Returns true on a
   200. */
static bool
s_http_health (const char *address, int timeout_ms, json_t **body)
{
    *body = NULL;
    char host[256];
    const char *colon = strrchr (address, ':');
    if (!colon || (size_t) (colon - address) >= sizeof host)
        return false;
    memcpy (host, address, (size_t) (colon - address));
    host[colon - address] = 0;
    /* A name too (gateway:8080 in a container), not only an address. */
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *found = NULL;
    if (getaddrinfo (host, colon + 1, &hints, &found) != 0 || !found)
        return false;
    struct sockaddr_in peer;
    memcpy (&peer, found->ai_addr, sizeof peer);
    freeaddrinfo (found);
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct timeval timeout = {timeout_ms / 1000, timeout_ms % 1000 * 1000};
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    char reply[2048];
    size_t size = 0;
    if (connect (fd, (struct sockaddr *) &peer, sizeof peer) == 0) {
        const char request[] = "GET /api/v1/health HTTP/1.1\r\nHost: baosong\r\n"
                               "Connection: close\r\n\r\n";
        if (write (fd, request, sizeof request - 1) == (ssize_t) (sizeof request - 1)) {
            ssize_t got;
            while (size < sizeof reply - 1
                   && (got = read (fd, reply + size, sizeof reply - 1 - size)) > 0)
                size += (size_t) got;
        }
    }
    close (fd);
    reply[size] = 0;
    if (strncmp (reply, "HTTP/1.1 200", 12) != 0)
        return false;
    const char *start = strstr (reply, "\r\n\r\n");
    if (start)
        *body = json_loads (start + 4, JSON_DISABLE_EOF_CHECK, NULL);
    return true;
}

/* The gateway's line: it speaks HTTP, not ZeroMQ. */
static bool
s_gateway_status (cli_t *cli, json_t *list)
{
    const char *address = bs_config_get (cli->config, "gateway.http");
    int timeout_ms = S_PING_TIMEOUT_MS, tries = S_PING_TRIES;
    cli_patience (cli, &timeout_ms, &tries);
    json_t *body = NULL;
    bool running = false;
    for (int try = 0; try < tries && !running && !zsys_interrupted; try++) {
        json_decref (body);
        running = s_http_health (address, timeout_ms, &body);
    }
    uint64_t pid = (uint64_t) json_integer_value (json_object_get (body, "pid"));
    uint64_t started = (uint64_t) json_integer_value (json_object_get (body, "started_at"));
    json_decref (body);
    if (cli->json)
        json_array_append_new (list,
                               json_pack ("{s:s, s:b, s:s, s:I}", "service", "gateway", "running",
                                          running, "http", address, "pid", (json_int_t) pid));
    else if (running) {
        char since[32], uptime[32];
        cli_time_format (started, since, sizeof since);
        s_uptime (started, uptime, sizeof uptime);
        printf ("%-12s running      pid %llu, up since %s (%s), http://%s/\n", "gateway",
                (unsigned long long) pid, since, uptime, address);
    } else
        printf ("%-12s not running  (no answer at http://%s/)\n", "gateway", address);
    return running;
}

/* Whether name is one of the services `status` knows (gateway included). */
static bool
s_known_service (const char *name)
{
    if (strcmp (name, "gateway") == 0)
        return true;
    for (size_t i = 0; i < S_SERVICE_COUNT; i++)
        if (strcmp (name, s_services[i]) == 0)
            return true;
    return false;
}

/* Whether service is asked for: every one when none is named. */
static bool
s_wanted (const char *service, char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp (names[i], service) == 0)
            return true;
    return count == 0;
}

/* `baosong status [SERVICE...]`: every service, or only those named (a
   container's health check names its own). Exit 0 if all of them answer. */
int
cli_cmd_status (cli_t *cli, int argc, char **argv)
{
    char *names[S_SERVICE_COUNT + 1];
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, names,
                                S_SERVICE_COUNT + 1, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    for (size_t i = 0; i < count; i++)
        if (!s_known_service (names[i]))
            return cli_usage_error (cli,
                                    "no service '%s' (intake, review, publication, "
                                    "statistics, mail, gateway)",
                                    names[i]);
    cli_sockets_init ();
    const char *data_dir = bs_config_get (cli->config, "data_dir");
    if (!cli->json)
        printf ("system in %s%s%s%s\n", data_dir, cli->found_running ? " (found in " : "",
                cli->found_running ? cli_run_file () : "", cli->found_running ? ")" : "");
    json_t *list = cli->json ? json_array () : NULL;
    size_t running = 0, asked = 0;
    for (size_t i = 0; i < S_SERVICE_COUNT && !zsys_interrupted; i++)
        if (s_wanted (s_services[i], names, count)) {
            asked++;
            if (s_ping (cli, s_services[i], list))
                running++;
        }
    if (!zsys_interrupted && s_wanted ("gateway", names, count)) {
        asked++;
        if (s_gateway_status (cli, list))
            running++;
    }
    bool all = running == asked && !zsys_interrupted;
    if (cli->json)
        cli_json_print_value (json_pack ("{s:o, s:b, s:s}", "services", list, "all_running", all,
                                         "data_dir", data_dir),
                              false);
    else if (!all && !cli_up_runs (data_dir))
        printf ("%zu of %zu services running, and no `baosong up` runs on %s: start one with "
                "`baosong up`, or name a running system's data folder with --data DIR\n",
                running, asked, data_dir);
    else if (!all)
        printf ("%zu of %zu services running; `baosong up` restarts the others\n", running, asked);
    return all ? CLI_EXIT_OK : CLI_EXIT_UNAVAILABLE;
}

int
cli_cmd_config (cli_t *cli, int argc, char **argv)
{
    size_t count;
    int rc =
        cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!cli->json) {
        bs_config_print (cli->config, stdout);
        return CLI_EXIT_OK;
    }
    /* bs_config_print is the one list of keys: read its lines back into an
       object rather than keeping a second list here. */
    char *text = NULL;
    size_t size = 0;
    FILE *memory = bs_text_stream_open (&text, &size);
    if (!memory)
        return CLI_EXIT_REFUSED;
    bs_config_print (cli->config, memory);
    if (!bs_text_stream_close (memory, &text))
        return CLI_EXIT_REFUSED;
    json_t *object = json_object ();
    for (char *line = strtok (text, "\n"); line; line = strtok (NULL, "\n")) {
        char *equals = strstr (line, " = ");
        if (!equals)
            continue;
        *equals = 0;
        json_object_set_new (object, line, json_string (equals + 3));
    }
    free (text);
    cli_json_print_value (object, false);
    return CLI_EXIT_OK;
}

/* One schema as a Markdown table. */
static void
s_print_schema (const bs_schema_t *schema)
{
    static const char *const types[] = {"string",       "u64",      "bool",
                                        "array of u64", "array of", "bytes"};
    static const char *const limits[] = {" bytes", "", "", " items", " items", " bytes"};
    printf ("#### `%s` (version %u)\n\n", schema->type, schema->version);
    printf ("| field | type | required | limits |\n|---|---|---|---|\n");
    for (size_t f = 0; f < schema->field_count; f++) {
        const bs_field_t *field = &schema->fields[f];
        printf ("| `%s` | %s", field->name, types[field->type]);
        if (field->type == BS_FIELD_LIST)
            printf (" `%s`", field->item->type);
        printf (" | %s | ", field->required ? "yes" : "no");
        if (field->type == BS_FIELD_BOOL)
            printf ("|\n");
        else if (field->max == UINT64_MAX)
            printf ("≥ %" PRIu64 "%s |\n", field->min, limits[field->type]);
        else
            printf ("%" PRIu64 "–%" PRIu64 "%s |\n", field->min, field->max, limits[field->type]);
    }
    printf ("\n");
}

/* Every message and record, as the Markdown tables of docs/API.md (a test
   checks that the document holds exactly this output). */
int
cli_cmd_schemas (cli_t *cli, int argc, char **argv)
{
    size_t count;
    int rc =
        cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    for (size_t i = 0; bs_proto_all[i]; i++)
        s_print_schema (bs_proto_all[i]);
    for (size_t i = 0; bs_schema_all[i]; i++)
        s_print_schema (bs_schema_all[i]);
    return CLI_EXIT_OK;
}
