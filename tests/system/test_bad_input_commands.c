/*  Bad input on every command socket (the four command ROUTERs): each case
    of bs_bad_cases (truncated frames, lying lengths, wrong types, invalid
    UTF-8, unknown types, missing fields, limits, oversized, multi-frame
    and empty frames) is answered with an "error" envelope naming the
    problem and echoing the id where it can be read (an oversized frame
    with `limit`, counted in oversize_refused); a peer that sends a frame
    over four times the limit is disconnected.
    After each category the service answers, registers a valid report and
    is the same process; at the end nothing changed but what was valid
    (tests/support/bs_bad_world).
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_bad_world.h"
#include "bs_client.h"
#include "bs_clock.h"
#include "bs_schemas.h"
#include "bs_test.h"

static void
test_command_sockets_answer_bad_input_with_errors (void **state)
{
    (void) state;
    for (int s = 0; s < BS_BAD_SERVICE_COUNT; s++) {
        const char *service = bs_bad_services[s];
        zsock_t *socket = bs_bad_dealer (service, "command");
        uint64_t oversize_refused = bs_bad_ping_next (socket, service, "before");
        for (size_t c = 0; c < BS_BAD_CATEGORY_COUNT; c++) {
            for (size_t i = 0; i < bs_bad_world.case_count; i++) {
                const bs_bad_case_t *bad = &bs_bad_world.cases[i];
                if (bad->category != (int) c || (bad->skip && strcmp (bad->skip, service) == 0))
                    continue;
                if (bad->reply == BS_BAD_REPLY_DISCONNECT) {
                    /* A socket of its own: libzmq drops this peer. */
                    zsock_t *doomed = bs_bad_dealer (service, "command");
                    zsock_set_linger (doomed, 2000);
                    bs_bad_send_case (doomed, bad);
                    bs_message_t reply;
                    if (bs_bad_receive (doomed, 300, &reply, bad->what))
                        fail_msg ("%s on %s: got a '%s' reply", bad->what, service, reply.type);
                    zsock_destroy (&doomed);
                    continue;
                }
                bs_bad_send_case (socket, bad);
                bs_message_t reply;
                if (!bs_bad_receive (socket, BS_BAD_REPLY_TIMEOUT_MS, &reply, bad->what))
                    fail_msg ("%s on %s: no reply", bad->what, service);
                if (bad->handled_by && strcmp (bad->handled_by, service) != 0)
                    bs_bad_check_error (&reply, "unknown_type", "type", bad->id, service,
                                        bad->what);
                else
                    bs_bad_check_error (&reply, bad->code, bad->field, bad->id, service, bad->what);
                bs_message_clear (&reply);
                if (bad->category == BS_BAD_OVERSIZED
                    && bs_bad_ping_next (socket, service, bad->what) != ++oversize_refused)
                    fail_msg ("%s on %s: not counted in oversize_refused", bad->what, service);
            }
            char what[96];
            snprintf (what, sizeof what, "after %s", bs_bad_categories[c]);
            bs_bad_command_still_serves (service, socket, what);
        }
        zsock_destroy (&socket);
    }
    BS_WAIT_UNTIL (bs_bad_queued_in_review () == bs_bad_world.queued_count,
                   "review to receive every valid report");
}

/* A client whose configuration allows a service more than the service
   allows itself sends a command over the service's limit: the call ends
   at once with `limit`, not after its timeout with `unavailable`. Mail's
   command socket too. */
static void
test_command_over_the_limit_ends_the_call_at_once (void **state)
{
    (void) state;
    bs_config_t *config = bs_bad_world.config;
    assert_int_equal (bs_system_start (bs_bad_world.system, "mail"), 0);
    uint64_t limit = bs_config_get_number (config, "max_message_bytes");
    char shared[32], intake[32], larger[32];
    snprintf (shared, sizeof shared, "%s", bs_config_get (config, "max_message_bytes"));
    snprintf (intake, sizeof intake, "%s", bs_config_get (config, "intake.message_max_bytes"));
    snprintf (larger, sizeof larger, "%" PRIu64, 8 * limit);
    static const char *const services[] = {"intake", "review", "publication", "statistics", "mail"};
    bs_client_t *clients[5];
    assert_int_equal (bs_config_set (config, "max_message_bytes", larger, NULL), BS_OK);
    assert_int_equal (bs_config_set (config, "intake.message_max_bytes", larger, NULL), BS_OK);
    for (size_t s = 0; s < 5; s++) {
        clients[s] = bs_client_new (config, services[s], "test");
        assert_non_null (clients[s]);
        bs_client_set_patience (clients[s], 4000, 1);
    }
    assert_int_equal (bs_config_set (config, "max_message_bytes", shared, NULL), BS_OK);
    assert_int_equal (bs_config_set (config, "intake.message_max_bytes", intake, NULL), BS_OK);

    char *body = malloc (3 * limit + 1);
    assert_non_null (body);
    memset (body, 'b', 3 * limit);
    for (size_t s = 0; s < 5; s++)
        for (size_t times = 1; times <= 3; times += 2) {
            body[times * limit] = 0; /* over the limit with the envelope's bytes */
            bs_submit_t submit = {.unit = "壞輸入測試甲單位", .title = "過大", .body = body};
            bs_submitted_t receipt;
            bs_error_t error;
            uint64_t start = bs_clock_monotonic ();
            int rc = bs_client_call (clients[s], &bs_submit_schema, &submit, &bs_submitted_schema,
                                     &receipt, &error);
            uint64_t took = bs_clock_monotonic () - start;
            if (rc != BS_E_LIMIT)
                fail_msg ("%s, %zu times the limit: %s (%s), not limit", services[s], times,
                          bs_error_name (rc), error.text);
            if (took > 2000)
                fail_msg ("%s, %zu times the limit: the refusal took %" PRIu64 " ms", services[s],
                          times, took);
            body[times * limit] = 'b';
        }
    free (body);
    for (size_t s = 0; s < 5; s++)
        bs_client_destroy (&clients[s]);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_command_sockets_answer_bad_input_with_errors),
        cmocka_unit_test (test_command_over_the_limit_ends_the_call_at_once),
        cmocka_unit_test (bs_bad_nothing_changed_but_what_was_valid),
    };
    return cmocka_run_group_tests (tests, bs_bad_setup, bs_bad_teardown);
}
