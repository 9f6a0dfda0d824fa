/*  Bad input on every stream socket (the stream ROUTERs of intake, review
    and publication): each case of bs_bad_cases is dropped, no bad message
    makes the sender a subscriber, a valid credit among them is answered,
    and after each category the stream still reaches its real consumer (a
    valid submission reaches review, an adoption publication, a published
    issue statistics); at the end nothing changed but what was valid
    (tests/support/bs_bad_world).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_bad_world.h"
#include "bs_schemas.h"
#include "bs_test.h"

/* Whether libzmq drops the peer that sends bad to a stream socket: it
   takes frames up to max_message_bytes and 1 KiB (bs_socket), unlike a
   command socket (four times the limit). Such a case goes on a socket of
   its own, so the barrier's credit does not race the reconnection. */
static bool
s_cut_off (const bs_bad_case_t *bad)
{
    if (bad->reply == BS_BAD_REPLY_DISCONNECT)
        return true;
    uint64_t limit = bs_config_get_number (bs_bad_world.config, "max_message_bytes");
    for (size_t i = 0; i < bad->frame_count; i++)
        if (bad->frames[i].size > limit + 1024)
            return true;
    return false;
}

static void
test_stream_sockets_survive_bad_input (void **state)
{
    (void) state;
    for (int s = 0; s < BS_BAD_PRODUCER_COUNT; s++) {
        const char *service = bs_bad_services[s];
        zsock_t *socket = bs_bad_dealer (service, "stream");
        size_t answers = 0;
        for (size_t c = 0; c < BS_BAD_CATEGORY_COUNT; c++) {
            for (size_t i = 0; i < bs_bad_world.case_count; i++) {
                const bs_bad_case_t *bad = &bs_bad_world.cases[i];
                if (bad->category != (int) c)
                    continue;
                if (s_cut_off (bad)) {
                    zsock_t *doomed = bs_bad_dealer (service, "stream");
                    zsock_set_linger (doomed, 2000);
                    bs_bad_send_case (doomed, bad);
                    zclock_sleep (100);
                    zsock_destroy (&doomed);
                } else
                    bs_bad_send_case (socket, bad);
                answers += bad->stream_credit;
            }
            char what[96];
            snprintf (what, sizeof what, "after %s", bs_bad_categories[c]);
            bs_bad_stream_barrier (socket, service, answers, what);
            answers = 0;
            bs_bad_stream_still_flows (service);
        }
        zsock_destroy (&socket);
    }
    /* The valid commands after the bad input went through every stream:
       reports were adopted and published. */
    uint64_t adopted = 0, published = 0;
    for (int u = 0; u < BS_BAD_UNIT_COUNT; u++) {
        adopted += bs_bad_world.expected[u].adopted;
        published += bs_bad_world.expected[u].published;
    }
    assert_true (adopted > 0 && published > 0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_stream_sockets_survive_bad_input),
        cmocka_unit_test (bs_bad_nothing_changed_but_what_was_valid),
    };
    return cmocka_run_group_tests (tests, bs_bad_setup, bs_bad_teardown);
}
