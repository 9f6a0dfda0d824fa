/*  idempotency_fixture: what the idempotency system tests of each service
    share; see idempotency_fixture.h. */
#include "idempotency_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_socket.h"
#include "bs_test.h"

bs_system_t *idempotency_system;

int
idempotency_start (const char *name, const char *const *units, size_t count)
{
    idempotency_system = bs_system_new (name);
    return idempotency_system && bs_system_start_all (idempotency_system) == 0
                   && bs_system_register_units (idempotency_system, units, count) == 0
               ? 0
               : -1;
}

int
idempotency_stop (void **state)
{
    (void) state;
    bs_system_destroy (&idempotency_system);
    return 0;
}

zsock_t *
idempotency_raw_send (const char *service, const bs_schema_t *schema, const void *record,
                      const char *id)
{
    zsock_t *socket = zsock_new (ZMQ_DEALER);
    assert_non_null (socket);
    zsock_set_linger (socket, 2000); /* the request leaves even if we close at once */
    assert_int_equal (bs_socket_secure (socket, service, BS_SOCKET_CONNECT,
                                        bs_system_config (idempotency_system)),
                      BS_OK);
    assert_int_equal (zsock_connect (socket, "%s",
                                     bs_config_endpoint (bs_system_config (idempotency_system),
                                                         service, "command")),
                      0);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, schema, record, id, "test", bs_clock_now (), 0), BS_OK);
    assert_int_equal (zmq_send (zsock_resolve (socket), buffer.data, buffer.size, 0),
                      (int) buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    return socket;
}

/* Send a command with key id whose reply is lost. */
void
idempotency_send_and_lose_reply (const char *service, const bs_schema_t *schema, const void *record,
                                 const char *id, lose_t how)
{
    zsock_t *socket = idempotency_raw_send (service, schema, record, id);
    if (how == LOSE_AFTER_ARRIVAL) {
        zmq_pollitem_t item = {zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, IDEMPOTENCY_REPLY_TIMEOUT_MS) != 1)
            fail_msg ("%s sent no reply to the first %s", service, schema->type);
    }
    zsock_destroy (&socket); /* unread */
}

void
idempotency_new_key (char *key, size_t size)
{
    bs_clock_random_id (key, size);
}

uint64_t
idempotency_last_seq (const char *service)
{
    bs_ping_t ping = {0};
    bs_ping_reply_t pong;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (idempotency_system, service),
                                      &bs_ping_schema, &ping, &bs_ping_reply_schema, &pong, &error),
                      BS_OK);
    uint64_t last = pong.last_seq;
    bs_codec_record_free (&bs_ping_reply_schema, &pong);
    return last;
}

int
idempotency_submit (const char *key, const bs_submit_t *submit, bs_submitted_t *submitted)
{
    bs_error_t error;
    int rc =
        bs_system_call_with_id (bs_system_client (idempotency_system, "intake"), key,
                                &bs_submit_schema, submit, &bs_submitted_schema, submitted, &error);
    if (rc != BS_OK)
        fail_msg ("submit with key %s failed: %s", key, error.text);
    return rc;
}

/* Statistics' all-time figures of one unit (zero if it has none). */
bs_stats_row_t
idempotency_unit_figures (const char *unit)
{
    bs_stats_request_t query = {.period = "", .unit = (char *) unit, .basis = "decided"};
    bs_stats_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (idempotency_system, "statistics"),
                                      &bs_stats_request_schema, &query, &bs_stats_page_schema,
                                      &page, &error),
                      BS_OK);
    bs_stats_row_t figures = {0};
    if (page.rows.count == 1) {
        const bs_stats_row_t *row = page.rows.items;
        figures.submitted = row->submitted;
        figures.adopted = row->adopted;
        figures.published = row->published;
    } else
        assert_int_equal (page.rows.count, 0);
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return figures;
}
