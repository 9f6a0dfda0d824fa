/*  Bad input to the service loop gets a clear error and never stops the
    service. (tests/support/bs_toy_service: a toy intake driven turn by
    turn.)
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

/* Packs an envelope of type with data {key: value} for each pair. */
static void
s_pack_envelope (msgpack_sbuffer *buffer, const char *type, const char *id,
                 const char *const *pairs)
{
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);
    size_t pair_count = 0;
    while (pairs[pair_count * 2])
        pair_count++;
    const char *strings[] = {"type", type, "id", id, "src", "test"};
    msgpack_pack_map (&packer, 6);
    msgpack_pack_str_with_body (&packer, "v", 1);
    msgpack_pack_uint64 (&packer, 1);
    for (size_t i = 0; i < 6; i++)
        msgpack_pack_str_with_body (&packer, strings[i], strlen (strings[i]));
    msgpack_pack_str_with_body (&packer, "at", 2);
    msgpack_pack_uint64 (&packer, 1);
    msgpack_pack_str_with_body (&packer, "data", 4);
    msgpack_pack_map (&packer, pair_count);
    for (size_t i = 0; i < pair_count * 2; i++)
        msgpack_pack_str_with_body (&packer, pairs[i], strlen (pairs[i]));
}

static void
test_bad_input_is_answered_and_serving_goes_on (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealer = bs_toy_dealer (fixture);
    msgpack_sbuffer buffer;

    const char *const none[] = {NULL};
    msgpack_sbuffer_init (&buffer);
    s_pack_envelope (&buffer, "no.such.type", "x-1", none);
    bs_toy_send_bytes (dealer, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    zframe_t *reply = bs_toy_reply (fixture, dealer);
    bs_toy_assert_error (&reply, "unknown_type", "type", "no.such.type");

    /* A known message type this service has no handler for. */
    bs_case_get_t get = {.report_id = 1};
    bs_toy_send (dealer, &bs_case_get_schema, &get, "x-2");
    reply = bs_toy_reply (fixture, dealer);
    bs_toy_assert_error (&reply, "unknown_type", "type", "review.get");

    /* Data that do not fit the schema: no title. */
    const char *const untitled[] = {"unit", "县农业局", "body", "正文", NULL};
    msgpack_sbuffer_init (&buffer);
    s_pack_envelope (&buffer, "intake.submit", "x-3", untitled);
    bs_toy_send_bytes (dealer, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    reply = bs_toy_reply (fixture, dealer);
    bs_toy_assert_error (&reply, "invalid", "title", NULL);

    /* Bytes that are no message: truncated, a length bomb, nothing, text. */
    const struct {
        const char *bytes;
        size_t size;
    } malformed[] = {
        {"\x93\x01", 2}, {"\xdd\xff\xff\xff\xff", 5}, {"", 0}, {"hello", 5}, {"\xc1", 1}};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        bs_toy_send_bytes (dealer, malformed[i].bytes, malformed[i].size);
        reply = bs_toy_reply (fixture, dealer);
        bs_toy_assert_error (&reply, "malformed", "", NULL);
    }

    /* Two frames: refused as a whole. */
    bs_submit_t submit = {.unit = (char *) "u", .title = (char *) "t", .body = (char *) "b"};
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, &bs_submit_schema, &submit, "x-4", "test", 1, 0), BS_OK);
    assert_int_equal (zmq_send (zsock_resolve (dealer), buffer.data, buffer.size, ZMQ_SNDMORE),
                      (int) buffer.size);
    bs_toy_send_bytes (dealer, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    reply = bs_toy_reply (fixture, dealer);
    bs_toy_assert_error (&reply, "malformed", "", "one frame");
    assert_int_equal (fixture->calls, 0); /* no handler saw any of it */

    /* Still serving. */
    bs_toy_send_ping (dealer);
    reply = bs_toy_reply (fixture, dealer);
    bs_message_t message;
    bs_toy_decode (reply, &message);
    assert_ptr_equal (message.schema, &bs_ping_reply_schema);
    assert_string_equal (((bs_ping_reply_t *) message.data)->service, "svc");
    bs_message_clear (&message);
    zframe_destroy (&reply);
    bs_toy_send_submit (dealer, "x-5", "好");
    reply = bs_toy_reply (fixture, dealer);
    assert_int_equal (bs_toy_assert_submitted (reply), 1);
    zframe_destroy (&reply);
    assert_int_equal (fixture->calls, 1);
    assert_int_equal (bs_toy_entries (fixture, "reports"), 1);
    zsock_destroy (&dealer);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_bad_input_is_answered_and_serving_goes_on,
                                         bs_toy_setup, bs_toy_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
