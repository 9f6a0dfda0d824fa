/*  intake_fixture: intake run in the test's own process, and the calls the
    tests of tests/services/intake make of it (intake_fixture.h). */
#include "intake_fixture.h"
#include "bs_test_keys.h"
#include "bs_test_service.h"

#include <stdio.h>
#include <stdlib.h>

#include "bs_clock.h"
#include "bs_socket.h"
#include "intake.h"

int
intake_fixture_setup (void **state)
{
    intake_fixture_t *fixture = calloc (1, sizeof *fixture);
    zsys_init ();
    zsys_set_logstream (NULL);
    bs_test_service_open ("intake", intake_databases, "registry.password_cost = min\n",
                          &fixture->folder, &fixture->config, &fixture->service);
    assert_int_equal (intake_setup (fixture->service), BS_OK);
    fixture->store = bs_service_store (fixture->service);
    fixture->admin = bs_test_keys_client (fixture->config, ZMQ_DEALER, "intake", "admin");
    fixture->gateway = bs_test_keys_client (fixture->config, ZMQ_DEALER, "intake", "gateway");
    *state = fixture;
    return 0;
}

int
intake_fixture_teardown (void **state)
{
    intake_fixture_t *fixture = *state;
    zsock_destroy (&fixture->admin);
    zsock_destroy (&fixture->gateway);
    bs_test_service_close (&fixture->folder, &fixture->config, &fixture->service);
    msgpack_sbuffer_destroy (&fixture->reply);
    free (fixture);
    return 0;
}

void
intake_fixture_restart (intake_fixture_t *fixture)
{
    bs_service_destroy (&fixture->service);
    bs_error_t error;
    fixture->service = bs_service_new ("intake", fixture->config, intake_databases, &error);
    if (!fixture->service)
        fail_msg ("bs_service_new (intake): %s", error.text);
    assert_int_equal (intake_setup (fixture->service), BS_OK);
    fixture->store = bs_service_store (fixture->service);
    /* New connections to the new service: a DEALER still connected to the
       one destroyed may not have seen it go, and the next command would
       go down that dead pipe, never answered. */
    zsock_destroy (&fixture->admin);
    zsock_destroy (&fixture->gateway);
    fixture->admin = bs_test_keys_client (fixture->config, ZMQ_DEALER, "intake", "admin");
    fixture->gateway = bs_test_keys_client (fixture->config, ZMQ_DEALER, "intake", "gateway");
}

int
intake_fixture_call (intake_fixture_t *fixture, const bs_schema_t *schema, const void *record,
                     const bs_schema_t *reply_schema, void *reply, bs_error_t *error)
{
    char id[40];
    bs_clock_random_id (id, sizeof id);
    if (fixture->call_id)
        snprintf (id, sizeof id, "%s", fixture->call_id);
    fixture->call_id = NULL;
    zsock_t *dealer = fixture->acting || fixture->as_gateway ? fixture->gateway : fixture->admin;
    fixture->as_gateway = false;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    bs_envelope_t envelope = {.id = id, .src = "test", .at = 1, .principal = fixture->acting};
    assert_int_equal (bs_codec_encode_command (&buffer, schema, record, &envelope), BS_OK);
    assert_int_equal (zmq_send (zsock_resolve (dealer), buffer.data, buffer.size, 0),
                      (int) buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    /* Up to 20 s by the clock, not by a count of turns: a turn returns
       before its 50 ms when a timer of the service is due, so 400 turns
       were far less than 20 s on a loaded machine, where a turn's fsync
       has taken seconds (and 5 s left a test's first call unanswered). */
    uint64_t deadline = bs_clock_monotonic () + 20000;
    while (bs_clock_monotonic () < deadline) {
        assert_int_equal (bs_service_turn (fixture->service, 50), BS_OK);
        zmsg_t *message = bs_socket_receive (dealer);
        if (!message)
            continue;
        zframe_t *frame = zmsg_first (message);
        fixture->reply.size = 0;
        msgpack_sbuffer_write (&fixture->reply, (const char *) zframe_data (frame),
                               zframe_size (frame));
        bs_message_t decoded;
        bs_error_t failure;
        assert_int_equal (
            bs_message_decode (zframe_data (frame), zframe_size (frame), NULL, &decoded, &failure),
            BS_OK);
        zmsg_destroy (&message);
        int rc = BS_OK;
        if (decoded.schema == &bs_error_reply_schema) {
            const bs_error_reply_t *problem = decoded.data;
            rc = bs_error_set (error, bs_error_code (problem->code), problem->field, "%s",
                               problem->message);
            bs_error_reason (error, problem->reason ? problem->reason : "",
                             (unsigned) problem->line);
        } else {
            assert_ptr_equal (decoded.schema, reply_schema);
            assert_int_equal (bs_codec_record_copy (reply_schema, decoded.data, reply), BS_OK);
        }
        bs_message_clear (&decoded);
        return rc;
    }
    fail_msg ("no reply to %s", schema->type);
    return BS_E_TIMEOUT;
}

void
intake_fixture_refused_because (intake_fixture_t *fixture, const bs_schema_t *schema,
                                const void *record, const bs_schema_t *reply_schema, int code,
                                const char *field, const char *reason)
{
    void *reply = calloc (1, reply_schema->record_size);
    bs_error_t error;
    int rc = intake_fixture_call (fixture, schema, record, reply_schema, reply, &error);
    if (rc != code)
        fail_msg ("%s: got %s, wanted %s (%s)", schema->type, bs_error_name (rc),
                  bs_error_name (code), rc == BS_OK ? "" : error.text);
    assert_string_equal (error.field, field);
    if (reason)
        assert_string_equal (error.reason, reason);
    free (reply);
}

void
intake_fixture_refused (intake_fixture_t *fixture, const bs_schema_t *schema, const void *record,
                        const bs_schema_t *reply_schema, int code, const char *field)
{
    intake_fixture_refused_because (fixture, schema, record, reply_schema, code, field, NULL);
}

void
intake_fixture_unit (intake_fixture_t *fixture, const char *name, const char *level,
                     const char *parent)
{
    bs_unit_t unit = {.name = (char *) name, .level = (char *) level, .parent = (char *) parent};
    bs_unit_t reply;
    bs_error_t error;
    if (intake_fixture_call (fixture, &bs_unit_schema, &unit, &bs_unit_schema, &reply, &error)
        != BS_OK)
        fail_msg ("unit %s: %s", name, error.text);
    assert_string_equal (reply.kind, "department"); /* the default */
    bs_codec_record_free (&bs_unit_schema, &reply);
}

void
intake_fixture_officer (intake_fixture_t *fixture, const bs_officer_t *officer)
{
    bs_officer_t reply;
    bs_error_t error;
    if (intake_fixture_call (fixture, &bs_officer_schema, officer, &bs_officer_schema, &reply,
                             &error)
        != BS_OK)
        fail_msg ("officer %s: %s", officer->login, error.text);
    bs_codec_record_free (&bs_officer_schema, &reply);
}

void
intake_fixture_report_page (intake_fixture_t *fixture, bs_report_page_t *page)
{
    bs_report_list_t query = {.limit = 1000};
    bs_error_t error;
    assert_int_equal (intake_fixture_call (fixture, &bs_report_list_schema, &query,
                                           &bs_report_page_schema, page, &error),
                      BS_OK);
}

size_t
intake_fixture_report_count (intake_fixture_t *fixture)
{
    bs_report_page_t page;
    intake_fixture_report_page (fixture, &page);
    size_t count = page.reports.count;
    bs_codec_record_free (&bs_report_page_schema, &page);
    return count;
}

void
intake_fixture_city_system (intake_fixture_t *fixture, char *secret, size_t size)
{
    intake_fixture_unit (fixture, "滑縣", "county", NULL);
    bs_token_create_t create = {.name = "city-system", .unit = "滑縣"};
    bs_token_t token;
    bs_error_t error;
    assert_int_equal (intake_fixture_call (fixture, &bs_token_create_schema, &create,
                                           &bs_token_schema, &token, &error),
                      BS_OK);
    snprintf (secret, size, "%s", token.secret);
    bs_codec_record_free (&bs_token_schema, &token);
}

bs_submitted_t *
intake_fixture_batch (intake_fixture_t *fixture, const char *token, bs_submit_t *items,
                      size_t count, bs_batch_page_t *page)
{
    bs_batch_t batch = {.token = (char *) token, .items = {count, items}};
    bs_error_t error;
    if (intake_fixture_call (fixture, &bs_batch_schema, &batch, &bs_batch_page_schema, page, &error)
        != BS_OK)
        fail_msg ("batch: %s", error.text);
    assert_int_equal (page->results.count, count);
    return page->results.items;
}
