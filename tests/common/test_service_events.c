/*  Events a service emits are numbered without gaps, and only committed
    commands emit them. (tests/support/bs_toy_service: a toy intake driven
    turn by turn.)
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

static void
test_emitted_events_are_numbered_without_gaps (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealer = bs_toy_dealer (fixture);
    const char *titles[] = {"一", "refuse", "二", "refuse", "三"};
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf (id, sizeof id, "emit-%d", i);
        bs_toy_send_submit (dealer, id, titles[i]);
        zframe_t *reply = bs_toy_reply (fixture, dealer);
        zframe_destroy (&reply);
    }
    /* One turn each; a refused one runs twice: straight, then carefully. */
    assert_int_equal (fixture->calls, 5 + 2);

    const char *expected[] = {"一", "二", "三"};
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->service), &txn), BS_OK);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_service_dbi (fixture->service, "log"), &cursor), 0);
    MDB_val key, value;
    uint64_t count = 0;
    int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    for (; rc == 0; rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        count++;
        assert_int_equal (key.mv_size, 8);
        assert_int_equal (bs_store_key_value (key.mv_data), count);
        bs_message_t event;
        bs_error_t error;
        assert_int_equal (bs_message_decode (value.mv_data, value.mv_size, &bs_codec_default_limits,
                                             &event, &error),
                          BS_OK);
        assert_ptr_equal (event.schema, &bs_report_schema);
        assert_int_equal (event.seq, count);
        assert_string_equal (event.src, "svc");
        assert_true (count <= 3);
        const bs_report_t *report = (const bs_report_t *) event.data;
        assert_string_equal (report->title, expected[count - 1]);
        assert_int_equal (report->report_id, count);
        bs_message_clear (&event);
    }
    assert_int_equal (rc, MDB_NOTFOUND);
    assert_int_equal (count, 3);
    uint64_t last;
    assert_int_equal (bs_eventlog_last (bs_service_store (fixture->service), txn, &last), BS_OK);
    assert_int_equal (last, 3);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    zsock_destroy (&dealer);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_emitted_events_are_numbered_without_gaps,
                                         bs_toy_setup, bs_toy_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
