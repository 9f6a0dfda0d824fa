/*  test_statistics_feed: the live statistics for browsers, Server-Sent
    Events through the gateway, with real processes on real sockets.

    What users rely on: a page that opens the feed gets a snapshot of every
    unit, then each change with a sequence number; a page that loses its
    connection and comes back with Last-Event-ID gets exactly the changes
    it missed, none twice, also when statistics and the gateway were killed
    with SIGKILL and started again in between; statistics killed while a
    page is connected only pauses the stream. A page that comes back after
    statistics pruned the changes it missed from its log gets a fresh
    snapshot, then every change after it: no gap, nothing twice.
    However many pages are open, the gateway reads statistics' changes
    once for all of them: its calls to statistics do not grow with the
    pages (each page used to poll statistics itself, so 50 pages at 5,000
    changes a second asked statistics for 250,000 changes a second and
    fell a minute behind). And it reads them as soon as statistics' PUB
    feed says something changed, not at its next pause's end.
*/
#include "bs_test.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bs_client.h"
#include "bs_clock.h"
#include "bs_curl.h"
#include "bs_schemas.h"
#include "bs_system.h"

#define UNITS 3
static const char *const s_units[UNITS] = {"饋送測試市", "饋送測試甲縣", "饋送測試乙縣"};

static bs_system_t *s_system;
static char s_token[2048];

/* One open feed: a socket and what was read of it. */
typedef struct {
    int fd;
    char buffer[1 << 16];
    size_t size;
} s_stream_t;

/* One event as the browser sees it. */
typedef struct {
    char name[32];
    uint64_t id;
    bool has_id;
    json_t *data;
} s_event_t;

static void
s_open (s_stream_t *stream, const char *last_event_id)
{
    const char *url = bs_system_gateway_url (s_system); /* http://127.0.0.1:PORT */
    const char *colon = strrchr (url, ':');
    assert_non_null (colon);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_port = htons ((uint16_t) atoi (colon + 1))};
    inet_pton (AF_INET, "127.0.0.1", &address.sin_addr);
    stream->fd = socket (AF_INET, SOCK_STREAM, 0);
    assert_true (stream->fd >= 0);
    assert_int_equal (connect (stream->fd, (struct sockaddr *) &address, sizeof address), 0);
    char request[4096];
    int length = snprintf (request, sizeof request,
                           "GET /api/v1/statistics/feed HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                           "Authorization: Bearer %s\r\nAccept: text/event-stream\r\n%s%s%s\r\n",
                           s_token, last_event_id ? "Last-Event-ID: " : "",
                           last_event_id ? last_event_id : "", last_event_id ? "\r\n" : "");
    assert_int_equal (write (stream->fd, request, (size_t) length), length);
    stream->size = 0;
    /* The head: 200 and text/event-stream. */
    char *end = NULL;
    while (!(end = strstr (stream->buffer, "\r\n\r\n"))) {
        ssize_t got = read (stream->fd, stream->buffer + stream->size,
                            sizeof stream->buffer - stream->size - 1);
        assert_true (got > 0);
        stream->size += (size_t) got;
        stream->buffer[stream->size] = 0;
    }
    assert_non_null (strstr (stream->buffer, " 200 "));
    assert_non_null (strstr (stream->buffer, "text/event-stream"));
    size_t head = (size_t) (end + 4 - stream->buffer);
    memmove (stream->buffer, stream->buffer + head, stream->size - head);
    stream->size -= head;
    stream->buffer[stream->size] = 0;
}

static void
s_close (s_stream_t *stream)
{
    close (stream->fd);
    stream->fd = -1;
}

/* The next event (comments and retry lines skipped), waiting up to
   timeout_ms; false when none came. */
static bool
s_next (s_stream_t *stream, s_event_t *event, int timeout_ms)
{
    uint64_t until = bs_clock_monotonic () + (uint64_t) timeout_ms;
    for (;;) {
        char *end = strstr (stream->buffer, "\n\n");
        while (end) {
            *end = 0;
            memset (event, 0, sizeof *event);
            for (char *line = stream->buffer; line && *line;) {
                char *next = strchr (line, '\n');
                if (next)
                    *next++ = 0;
                if (strncmp (line, "event: ", 7) == 0)
                    snprintf (event->name, sizeof event->name, "%s", line + 7);
                else if (strncmp (line, "id: ", 4) == 0) {
                    event->id = strtoull (line + 4, NULL, 10);
                    event->has_id = true;
                } else if (strncmp (line, "data: ", 6) == 0)
                    event->data = json_loads (line + 6, 0, NULL);
                line = next;
            }
            size_t used = (size_t) (end + 2 - stream->buffer);
            memmove (stream->buffer, stream->buffer + used, stream->size - used);
            stream->size -= used;
            stream->buffer[stream->size] = 0;
            if (event->name[0])
                return true;
            end = strstr (stream->buffer, "\n\n");
        }
        uint64_t now = bs_clock_monotonic ();
        if (now >= until)
            return false;
        struct pollfd item = {stream->fd, POLLIN, 0};
        if (poll (&item, 1, (int) (until - now)) <= 0)
            return false;
        ssize_t got = read (stream->fd, stream->buffer + stream->size,
                            sizeof stream->buffer - stream->size - 1);
        if (got <= 0)
            return false;
        stream->size += (size_t) got;
        stream->buffer[stream->size] = 0;
    }
}

static void
s_submit (int count, int *submitted)
{
    bs_client_t *intake = bs_system_client (s_system, "intake");
    for (int i = 0; i < count; i++) {
        int unit = (submitted[0] + submitted[1] + submitted[2]) % UNITS;
        char title[128];
        snprintf (title, sizeof title, "饋送測試第%d條信息",
                  submitted[0] + submitted[1] + submitted[2]);
        bs_submit_t submit = {.unit = (char *) s_units[unit],
                              .title = title,
                              .body = "饋送測試：鄉鎮黨委開展主題黨日活動，參與黨員一百二十名。",
                              .kind = "situation",
                              .channel = "walk_in",
                              .operator_name = "值班員"};
        bs_submitted_t receipt;
        bs_error_t error;
        if (bs_system_call (intake, &bs_submit_schema, &submit, &bs_submitted_schema, &receipt,
                            &error)
            != BS_OK)
            fail_msg ("submit: %s", error.text);
        bs_codec_record_free (&bs_submitted_schema, &receipt);
        submitted[unit]++;
    }
}

/* What a page knows: the last id and each unit's submitted this month. */
typedef struct {
    uint64_t last;
    uint64_t submitted[UNITS];
    size_t changes;
} s_page_t;

static int
s_unit_index (const char *name)
{
    for (int u = 0; u < UNITS; u++)
        if (name && strcmp (name, s_units[u]) == 0)
            return u;
    return -1;
}

/* Apply one event to the page; a change must carry the next id. */
static void
s_apply (s_page_t *page, const s_event_t *event)
{
    assert_true (event->has_id);
    assert_non_null (event->data);
    if (strcmp (event->name, "snapshot") == 0) {
        page->last = event->id;
        json_t *rows = json_object_get (event->data, "rows");
        assert_int_equal (json_array_size (rows), UNITS); /* every unit, zeros too */
        for (size_t i = 0; i < json_array_size (rows); i++) {
            json_t *row = json_array_get (rows, i);
            int unit = s_unit_index (json_string_value (json_object_get (row, "unit")));
            assert_true (unit >= 0);
            page->submitted[unit] = json_integer_value (json_object_get (row, "submitted"));
        }
        return;
    }
    assert_string_equal (event->name, "changed");
    if (event->id != page->last + 1)
        fail_msg ("change %llu after %llu: %s", (unsigned long long) event->id,
                  (unsigned long long) page->last,
                  event->id <= page->last ? "seen twice" : "a gap");
    page->last = event->id;
    page->changes++;
    int unit = s_unit_index (json_string_value (json_object_get (event->data, "unit")));
    assert_true (unit >= 0);
    page->submitted[unit] = json_integer_value (json_object_get (event->data, "submitted"));
}

/* Read events into page until it shows submitted (per unit), or fail. */
static void
s_follow (s_stream_t *stream, s_page_t *page, const int *submitted, const char *what)
{
    uint64_t until = bs_clock_monotonic () + 60000;
    while (memcmp (page->submitted,
                   (uint64_t[]){(uint64_t) submitted[0], (uint64_t) submitted[1],
                                (uint64_t) submitted[2]},
                   sizeof page->submitted)
           != 0) {
        s_event_t event;
        if (bs_clock_monotonic () > until || !s_next (stream, &event, 30000))
            fail_msg ("%s: the feed stopped at %llu, %llu/%llu/%llu submitted of %d/%d/%d", what,
                      (unsigned long long) page->last, (unsigned long long) page->submitted[0],
                      (unsigned long long) page->submitted[1],
                      (unsigned long long) page->submitted[2], submitted[0], submitted[1],
                      submitted[2]);
        s_apply (page, &event);
        json_decref (event.data);
    }
}

/* Open a fresh page and apply its snapshot; submitted gets each unit's
   figure from it (what earlier tests sent). */
static void
s_open_at_snapshot (s_stream_t *stream, s_page_t *page, int *submitted)
{
    s_open (stream, NULL);
    s_event_t event;
    assert_true (s_next (stream, &event, 30000));
    assert_string_equal (event.name, "snapshot");
    s_apply (page, &event);
    json_decref (event.data);
    for (int u = 0; u < UNITS; u++)
        submitted[u] = (int) page->submitted[u];
}

static void
test_resume_misses_nothing_and_repeats_nothing (void **state)
{
    (void) state;
    int submitted[UNITS] = {0};
    s_page_t page = {0};
    s_stream_t *stream = calloc (1, sizeof *stream);

    /* A fresh page: the snapshot first, every unit with zeros. */
    s_open (stream, NULL);
    s_event_t event;
    assert_true (s_next (stream, &event, 30000));
    assert_string_equal (event.name, "snapshot");
    s_apply (&page, &event);
    json_decref (event.data);
    s_submit (12, submitted);
    s_follow (stream, &page, submitted, "first changes");

    /* statistics killed while the page is connected: the stream pauses and
       goes on. */
    bs_system_kill (s_system, "statistics", SIGKILL);
    s_submit (6, submitted);
    assert_int_equal (bs_system_start (s_system, "statistics"), 0);
    s_follow (stream, &page, submitted, "after statistics restarted");

    /* The page goes away; while it is gone, more changes, then statistics
       and the gateway are killed and started again. */
    s_close (stream);
    s_submit (9, submitted);
    bs_system_kill (s_system, "statistics", SIGKILL);
    bs_system_kill (s_system, "gateway", SIGKILL);
    s_submit (5, submitted);
    assert_int_equal (bs_system_start (s_system, "statistics"), 0);
    assert_int_equal (bs_system_start (s_system, "gateway"), 0);
    s_submit (4, submitted);

    /* It comes back with the last id it saw: exactly what it missed. */
    char last[32];
    snprintf (last, sizeof last, "%llu", (unsigned long long) page.last);
    s_open (stream, last);
    s_follow (stream, &page, submitted, "after resuming");
    /* A change a unit's month a turn: at most one a submission (the
       submissions statistics counted in one turn are one change), and
       every id once (s_apply). */
    assert_true (page.changes >= 1 && page.changes <= 36);
    assert_false (s_next (stream, &event, 500)); /* and nothing more */

    /* An id past the end (a rebuilt store) gets a fresh snapshot. */
    s_close (stream);
    s_open (stream, "999999999");
    assert_true (s_next (stream, &event, 30000));
    assert_string_equal (event.name, "snapshot");
    assert_int_equal (event.id, page.last);
    json_decref (event.data);
    s_close (stream);
    free (stream);
}

/* The oldest sequence statistics' log still keeps, and its last. */
static uint64_t
s_log_bounds (uint64_t *last)
{
    bs_changes_request_t ask = {.after = 0, .limit = 1};
    bs_changes_page_t page;
    bs_error_t error;
    if (bs_system_call (bs_system_client (s_system, "statistics"), &bs_changes_request_schema, &ask,
                        &bs_changes_page_schema, &page, &error)
        != BS_OK)
        fail_msg ("statistics.changes: %s", error.text);
    uint64_t first = page.first;
    if (last)
        *last = page.last;
    bs_codec_record_free (&bs_changes_page_schema, &page);
    return first;
}

static uint64_t
s_log_first (void)
{
    return s_log_bounds (NULL);
}

static uint64_t
s_log_last (void)
{
    uint64_t last;
    s_log_bounds (&last);
    return last;
}

/* Submit count reports, each once statistics has counted the one before:
   a change each (a turn's submissions of a unit would be one). */
static void
s_submit_each_counted (int count, int *submitted)
{
    for (int i = 0; i < count; i++) {
        uint64_t before = s_log_last ();
        s_submit (1, submitted);
        uint64_t until = bs_clock_monotonic () + 60000;
        while (s_log_last () == before && bs_clock_monotonic () < until)
            zclock_sleep (10);
        assert_true (s_log_last () > before);
    }
}

static void
test_a_page_behind_the_pruned_log_takes_a_snapshot (void **state)
{
    (void) state;
    /* statistics keeps the last 3 changes, pruned every 100 ms. */
    assert_int_equal (bs_system_configure (s_system, "statistics.log_keep", "3"), 0);
    assert_int_equal (bs_system_configure (s_system, "statistics.prune_ms", "100"), 0);
    bs_system_kill (s_system, "statistics", SIGTERM);
    assert_int_equal (bs_system_start (s_system, "statistics"), 0);

    s_page_t page = {0};
    s_stream_t *stream = calloc (1, sizeof *stream);
    int submitted[UNITS];
    s_open_at_snapshot (stream, &page, submitted);
    s_submit (4, submitted);
    s_follow (stream, &page, submitted, "before the page left");

    /* The page goes away; ten changes come and all but the last three
       are pruned, among them the first one the page would need. */
    s_close (stream);
    uint64_t seen = page.last;
    s_submit_each_counted (10, submitted);
    uint64_t until = bs_clock_monotonic () + 60000;
    while (s_log_first () <= seen + 1 && bs_clock_monotonic () < until)
        zclock_sleep (50);
    assert_true (s_log_first () > seen + 1);
    /* It comes back to another gateway (this one, started again), which
       does not hold those changes either: a gateway holds the changes
       since it started, and serves a page from them while it can. */
    bs_system_kill (s_system, "gateway", SIGTERM);
    assert_int_equal (bs_system_start (s_system, "gateway"), 0);

    /* Back with its last id: a snapshot (not the changes that are left,
       which would skip the pruned ones), then every change after it. */
    char last[32];
    snprintf (last, sizeof last, "%llu", (unsigned long long) seen);
    s_open (stream, last);
    s_event_t event;
    assert_true (s_next (stream, &event, 30000));
    assert_string_equal (event.name, "snapshot");
    assert_true (event.id >= seen + 10);
    s_apply (&page, &event);
    json_decref (event.data);
    for (int u = 0; u < UNITS; u++)
        assert_int_equal (page.submitted[u], submitted[u]);
    /* Then live, one change at a time: the page never falls behind what
       the log keeps, so it gets each change, once, in order (s_apply). */
    size_t changes = page.changes;
    for (int i = 0; i < 7; i++) {
        s_submit (1, submitted);
        s_follow (stream, &page, submitted, "after the snapshot");
    }
    assert_int_equal (page.changes - changes, 7);
    assert_false (s_next (stream, &event, 500));
    s_close (stream);
    free (stream);
}

/* The commands the gateway has sent to statistics (GET /metrics). */
static uint64_t
s_statistics_calls (void)
{
    char url[256], *body = NULL;
    size_t size;
    snprintf (url, sizeof url, "%s/metrics", bs_system_gateway_url (s_system));
    assert_int_equal (bs_curl (bs_system_folder (s_system), &body, &size, url, NULL), 200);
    const char *line = strstr (body, "baosong_gateway_commands_total{service=\"statistics\"} ");
    assert_non_null (line);
    uint64_t calls = strtoull (strchr (line, '}') + 2, NULL, 10);
    free (body);
    return calls;
}

#define PAGES 10

static void
test_pages_share_one_reader_of_statistics (void **state)
{
    (void) state;
    s_stream_t *streams = calloc (PAGES, sizeof *streams);
    s_page_t pages[PAGES] = {0};
    int submitted[UNITS];
    for (int p = 0; p < PAGES; p++) {
        s_open (&streams[p], NULL);
        s_event_t event;
        assert_true (s_next (&streams[p], &event, 30000));
        assert_string_equal (event.name, "snapshot");
        s_apply (&pages[p], &event);
        json_decref (event.data);
    }
    for (int u = 0; u < UNITS; u++)
        submitted[u] = (int) pages[0].submitted[u];

    /* From here on the pages only read changes. */
    /* (the count is read while each GET /metrics is under way: the time
       from before the first to after the second holds every call counted) */
    uint64_t began = bs_clock_monotonic ();
    uint64_t calls = s_statistics_calls ();
    uint64_t logged = s_log_last ();
    s_submit (20, submitted);
    for (int p = 0; p < PAGES; p++)
        s_follow (&streams[p], &pages[p], submitted, "ten pages");
    zclock_sleep (1000); /* and a quiet second */
    calls = s_statistics_calls () - calls;
    uint64_t elapsed = bs_clock_monotonic () - began;
    logged = s_log_last () - logged; /* (asked of statistics itself, not counted in calls) */

    /* One reader asks at most once per 100 ms poll when it is not behind,
       and once per change statistics' PUB feed told of; ten pages polling
       each for themselves asked ten times that. */
    /* Every page got every change statistics logged: at most one a
       submission (a turn's submissions of a unit are one change). */
    assert_true (logged >= 1 && logged <= 20);
    for (int p = 0; p < PAGES; p++)
        assert_int_equal (pages[p].changes, logged);
    if (calls > logged + elapsed / 100 + 2)
        fail_msg ("%d pages made %llu calls to statistics in %llu ms: more than one reader's",
                  PAGES, (unsigned long long) calls, (unsigned long long) elapsed);
    for (int p = 0; p < PAGES; p++)
        s_close (&streams[p]);
    free (streams);
}

static int
s_setup (void **state)
{
    (void) state;
    s_system = bs_system_new ("feed");
    if (!s_system || bs_system_start_all (s_system) != 0
        || bs_system_start (s_system, "gateway") != 0
        || bs_system_register_units (s_system, s_units, UNITS) != 0) {
        fprintf (stderr, "cannot start the system\n");
        return -1;
    }
    bs_officer_t leader = {.login = "feedleader",
                           .name = "饋送領導",
                           .unit = (char *) s_units[0],
                           .roles = "leader",
                           .password = "feed-leader-password-1"};
    bs_officer_t reply;
    bs_error_t error;
    if (bs_system_call (bs_system_client (s_system, "intake"), &bs_officer_schema, &leader,
                        &bs_officer_schema, &reply, &error)
        != BS_OK) {
        fprintf (stderr, "cannot register the leader: %s\n", error.text);
        return -1;
    }
    bs_codec_record_free (&bs_officer_schema, &reply);
    char url[256], *body = NULL;
    size_t size;
    snprintf (url, sizeof url, "%s/api/v1/login", bs_system_gateway_url (s_system));
    int status = bs_curl (
        bs_system_folder (s_system), &body, &size, "-H", "Content-Type: application/json", "--data",
        "{\"login\": \"feedleader\", \"password\": \"feed-leader-password-1\"}", url, NULL);
    json_t *object = status == 200 ? json_loads (body, 0, NULL) : NULL;
    const char *token = json_string_value (json_object_get (object, "token"));
    if (token)
        snprintf (s_token, sizeof s_token, "%s", token);
    if (!token)
        fprintf (stderr, "cannot log in: %d %s\n", status, body ? body : "");
    json_decref (object);
    free (body);
    return token ? 0 : -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    bs_system_destroy (&s_system);
    return 0;
}

/* A change reaches an open page as soon as statistics has committed it,
   not at the gateway's next read of the log: the gateway reads it again
   when statistics' PUB feed says something changed. Here its pause
   between reads, when the PUB says nothing, is ten minutes, longer than
   the test waits. (Last: the gateway is started again with that pause.) */
static void
test_a_change_reaches_a_page_without_waiting_for_a_poll (void **state)
{
    (void) state;
    bs_system_kill (s_system, "gateway", SIGTERM);
    assert_int_equal (bs_system_configure (s_system, "gateway.feed_poll_ms", "600000"), 0);
    assert_int_equal (bs_system_start (s_system, "gateway"), 0);
    s_stream_t *stream = calloc (1, sizeof *stream);
    s_page_t page = {0};
    int submitted[UNITS];
    s_open_at_snapshot (stream, &page, submitted);
    zclock_sleep (500); /* the gateway's SUB joins statistics' PUB */
    for (int round = 0; round < 3; round++) {
        s_submit (2, submitted);
        s_follow (stream, &page, submitted, "a change without a poll");
    }
    s_close (stream);
    free (stream);
}

int
main (void)
{
    signal (SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_resume_misses_nothing_and_repeats_nothing),
        cmocka_unit_test (test_pages_share_one_reader_of_statistics),
        cmocka_unit_test (test_a_page_behind_the_pruned_log_takes_a_snapshot),
        cmocka_unit_test (test_a_change_reaches_a_page_without_waiting_for_a_poll),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
