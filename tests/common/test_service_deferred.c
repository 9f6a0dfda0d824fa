/*  A deferred reply: its work starts once, after its turn has committed
    (though the turn ran twice, a refusal in it), its client gets exactly
    one reply, and a command that changes state may not answer later.
    (tests/support/bs_toy_service: a toy intake driven turn by turn.)
*/
#include "bs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_client.h"
#include "bs_clock.h"
#include "bs_schemas.h"
#include "bs_socket.h"
#include "bs_store.h"
#include "bs_toy_service.h"

/* A deferred reply: its work starts after the commit, once, though the
   turn ran twice (a refusal in it), and the client gets one reply. */
static void
test_deferred_reply_starts_once_after_the_commit (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealers[3] = {bs_toy_dealer (fixture), bs_toy_dealer (fixture),
                           bs_toy_dealer (fixture)};
    bs_toy_connect (fixture, dealers, 3);

    bs_report_get_t get = {.report_id = 1};
    bs_toy_send (dealers[0], &bs_report_get_schema, &get, "later-1");
    bs_toy_send_submit (dealers[1], "good-1", "春耕");
    bs_toy_send_submit (dealers[2], "bad-1", "refuse");
    zclock_sleep (300); /* all three wait in the command socket */
    assert_int_equal (bs_service_turn (fixture->service, 1000), BS_OK);
    /* straight, then carefully: the first run's work is dropped */
    assert_int_equal (fixture->deferrals, 2);
    assert_int_equal (fixture->dropped, 1);
    assert_int_equal (fixture->started, 1);
    assert_int_equal (fixture->reports_at_start, 1); /* the turn was on disk */

    zframe_t *later = bs_toy_reply (fixture, dealers[0]);
    bs_message_t message;
    bs_toy_decode (later, &message);
    assert_ptr_equal (message.schema, &bs_report_page_schema);
    assert_string_equal (message.id, "later-1");
    assert_int_equal (((bs_report_page_t *) message.data)->next, 42);
    bs_message_clear (&message);
    zframe_destroy (&later);
    zframe_t *good = bs_toy_reply_waiting (dealers[1]);
    zframe_t *refused = bs_toy_reply_waiting (dealers[2]);
    assert_int_equal (bs_toy_assert_submitted (good), 1);
    bs_toy_assert_error (&refused, "conflict", "title", NULL);
    zframe_destroy (&good);

    /* No second reply, however long the service turns. */
    for (int i = 0; i < 20; i++)
        assert_int_equal (bs_service_turn (fixture->service, 10), BS_OK);
    zmsg_t *extra = bs_socket_receive (dealers[0]);
    assert_null (extra);
    assert_int_equal (fixture->started, 1);

    /* A command that changes state may not answer later. */
    bs_issue_get_t issue = {.issue_id = 1};
    bs_toy_send (dealers[0], &bs_issue_get_schema, &issue, "mutating-1");
    zframe_t *reply = bs_toy_reply (fixture, dealers[0]);
    bs_toy_assert_error (&reply, "system", "", "cannot answer later");
    assert_int_equal (fixture->started, 1);
    assert_int_equal (fixture->dropped, 1 + 2); /* refused straight, then carefully */
    assert_int_equal (bs_toy_entries (fixture, "idempotency"), 2); /* a reply, its expiry */
    for (int i = 0; i < 3; i++)
        zsock_destroy (&dealers[i]);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_deferred_reply_starts_once_after_the_commit,
                                         bs_toy_setup, bs_toy_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
