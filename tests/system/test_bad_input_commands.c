/*  Bad input on every command socket (the four command ROUTERs): each case
    of bs_bad_cases (truncated frames, lying lengths, wrong types, invalid
    UTF-8, unknown types, missing fields, limits, oversized, multi-frame
    and empty frames) is answered with an "error" envelope naming the
    problem and echoing the id where it can be read, or, where no reply is
    possible, with nothing (an oversized frame is counted as dropped); a
    peer that sends a frame over three times the limit is disconnected.
    After each category the service answers, registers a valid report and
    is the same process; at the end nothing changed but what was valid
    (tests/support/bs_bad_world).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_bad_world.h"
#include "bs_schemas.h"
#include "bs_test.h"

static void
test_command_sockets_answer_bad_input_with_errors (void **state)
{
    (void) state;
    for (int s = 0; s < BS_BAD_SERVICE_COUNT; s++) {
        const char *service = bs_bad_services[s];
        zsock_t *socket = bs_bad_dealer (service, "command");
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
                if (bad->reply == BS_BAD_REPLY_NOTHING) {
                    uint64_t dropped = bs_bad_ping_next (socket, service, bad->what);
                    if (bad->category == BS_BAD_OVERSIZED && dropped == 0)
                        fail_msg ("%s on %s: not counted as dropped", bad->what, service);
                    continue;
                }
                bs_message_t reply;
                if (!bs_bad_receive (socket, BS_BAD_REPLY_TIMEOUT_MS, &reply, bad->what))
                    fail_msg ("%s on %s: no reply", bad->what, service);
                if (bad->handled_by && strcmp (bad->handled_by, service) != 0)
                    bs_bad_check_error (&reply, "unknown_type", "type", bad->id, service,
                                        bad->what);
                else
                    bs_bad_check_error (&reply, bad->code, bad->field, bad->id, service, bad->what);
                bs_message_clear (&reply);
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

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_command_sockets_answer_bad_input_with_errors),
        cmocka_unit_test (bs_bad_nothing_changed_but_what_was_valid),
    };
    return cmocka_run_group_tests (tests, bs_bad_setup, bs_bad_teardown);
}
