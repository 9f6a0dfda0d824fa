/*  10,000 random byte strings (noise, noise behind a map header, pings
    with bytes changed; a fixed seed) on every command socket, each
    answered with one error or pong, and on every stream socket, all
    dropped while the streams flow on; no service's memory (VmRSS) grows
    by 32 MiB or more. At the end nothing changed but what was valid
    (tests/support/bs_bad_world).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_bad_world.h"
#include "bs_schemas.h"
#include "bs_test.h"

#define RANDOM_MESSAGES 10000
#define RANDOM_BATCH 100
#define RSS_GROWTH_MAX_KB (32 * 1024)

static uint64_t s_random_state = 0x9e3779b97f4a7c15ull; /* fixed seed */

static uint64_t
s_random (void)
{
    uint64_t x = s_random_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s_random_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* The n-th random message: pure noise, noise behind a map header, or a
   ping envelope with a few bytes changed (it may stay a valid ping, and
   cannot become any command that changes state). */
static bs_bad_blob_t
s_random_message (const bs_bad_blob_t *ping)
{
    uint64_t kind = s_random () % 3;
    if (kind < 2) {
        size_t size = (size_t) (s_random () % 300);
        bs_bad_blob_t blob = {malloc (size + 1), size};
        for (size_t i = 0; i < size; i++)
            blob.data[i] = (unsigned char) s_random ();
        if (kind == 1 && size > 0)
            blob.data[0] = (unsigned char) (0x80 | (s_random () % 16));
        return blob;
    }
    bs_bad_blob_t blob = bs_bad_copy (ping->data, ping->size);
    int changes = 1 + (int) (s_random () % 4);
    for (int i = 0; i < changes; i++)
        blob.data[s_random () % blob.size] = (unsigned char) s_random ();
    return blob;
}

static long
s_rss_kb (pid_t pid)
{
    char path[64], line[256];
    snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *file = fopen (path, "r");
    assert_non_null (file);
    long rss = -1;
    while (fgets (line, sizeof line, file))
        if (sscanf (line, "VmRSS: %ld kB", &rss) == 1)
            break;
    fclose (file);
    assert_true (rss > 0);
    return rss;
}

/* The tests                                                              */

static void
test_random_bytes_are_refused_and_memory_stays_bounded (void **state)
{
    (void) state;
    bs_bad_warm_up ();
    long rss_before[BS_BAD_SERVICE_COUNT]; /* kB */
    for (int s = 0; s < BS_BAD_SERVICE_COUNT; s++)
        rss_before[s] = s_rss_kb (bs_bad_world.pids[s]);
    bs_bad_blob_t ping = bs_bad_ping ("random-ping");

    /* Command sockets: every message one reply, an error or a pong. */
    for (int s = 0; s < BS_BAD_SERVICE_COUNT; s++) {
        const char *service = bs_bad_services[s];
        zsock_t *socket = bs_bad_dealer (service, "command");
        size_t errors = 0, pongs = 0;
        for (size_t sent = 0; sent < RANDOM_MESSAGES; sent += RANDOM_BATCH) {
            for (size_t i = 0; i < RANDOM_BATCH; i++) {
                bs_bad_blob_t message = s_random_message (&ping);
                assert_int_equal (zmq_send (zsock_resolve (socket), message.data, message.size, 0),
                                  (int) message.size);
                free (message.data);
            }
            for (size_t i = 0; i < RANDOM_BATCH; i++) {
                bs_message_t reply;
                if (!bs_bad_receive (socket, BS_BAD_REPLY_TIMEOUT_MS, &reply, "random bytes"))
                    fail_msg ("%s: no reply to random message %zu", service, sent + i);
                if (reply.schema == &bs_ping_reply_schema)
                    pongs++;
                else if (reply.schema == &bs_error_reply_schema) {
                    const char *code = ((bs_error_reply_t *) reply.data)->code;
                    if (strcmp (code, "malformed") != 0 && strcmp (code, "invalid") != 0
                        && strcmp (code, "unknown_type") != 0)
                        fail_msg ("%s: random bytes got a '%s' error", service, code);
                    errors++;
                } else
                    fail_msg ("%s: random bytes got a '%s' reply", service, reply.type);
                bs_message_clear (&reply);
            }
        }
        assert_int_equal (errors + pongs, RANDOM_MESSAGES);
        assert_true (errors > RANDOM_MESSAGES / 2);
        bs_bad_command_still_serves (service, socket,
                                     "after random bytes"); /* and no extra reply */
        zsock_destroy (&socket);
    }

    /* Stream sockets: all dropped, the streams flow on. */
    for (int s = 0; s < BS_BAD_PRODUCER_COUNT; s++) {
        const char *service = bs_bad_services[s];
        zsock_t *socket = bs_bad_dealer (service, "stream");
        for (size_t i = 0; i < RANDOM_MESSAGES; i++) {
            bs_bad_blob_t message = s_random_message (&ping);
            assert_int_equal (zmq_send (zsock_resolve (socket), message.data, message.size, 0),
                              (int) message.size);
            free (message.data);
        }
        bs_bad_stream_barrier (socket, service, 0, "after random bytes");
        bs_bad_stream_still_flows (service);
        zsock_destroy (&socket);
    }
    free (ping.data);

    for (int s = 0; s < BS_BAD_SERVICE_COUNT; s++) {
        long after = s_rss_kb (bs_bad_world.pids[s]);
        long growth = after - rss_before[s];
        fprintf (stderr, "%s: VmRSS %ld kB before, %ld kB after the random bytes\n",
                 bs_bad_services[s], rss_before[s], after);
        if (growth >= RSS_GROWTH_MAX_KB)
            fail_msg ("%s grew by %ld kB on random bytes", bs_bad_services[s], growth);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_random_bytes_are_refused_and_memory_stays_bounded),
        cmocka_unit_test (bs_bad_nothing_changed_but_what_was_valid),
    };
    return cmocka_run_group_tests (tests, bs_bad_setup, bs_bad_teardown);
}
