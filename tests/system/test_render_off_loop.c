/*  Rendering does not hold up publication's loop: while a long issue (a
    PDF of a few hundred pages) is being laid out, a ping and a reading
    command sent after the render request are answered before it, and the
    render still answers with the whole document. With rendering on the
    loop, the render's reply would come first: the loop would be busy
    until it was done.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_proto.h"
#include "bs_publication_steps.h"
#include "bs_socket.h"
#include "bs_system.h"
#include "bs_test.h"

#define UNIT "排版測試縣委組織部"
#define ITEMS 8

/* A dealer of its own on publication's command socket, presenting the
   gateway's certificate (bs_system_desk_config), taking replies up to
   64 MiB. */
static zsock_t *
s_dealer (bs_system_t *system)
{
    bs_config_t *config = bs_system_desk_config (system);
    zsock_t *dealer = bs_socket_new_sized (ZMQ_DEALER, "publication",
                                           bs_config_endpoint (config, "publication", "command"),
                                           BS_SOCKET_CONNECT, config, 64u << 20);
    assert_non_null (dealer);
    return dealer;
}

static void
s_send (zsock_t *dealer, const bs_schema_t *schema, const void *record, const char *id)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_message (&buffer, schema, record, id, "test", 0, 0), BS_OK);
    assert_int_equal (bs_socket_send (dealer, NULL, buffer.data, buffer.size), BS_OK);
    msgpack_sbuffer_destroy (&buffer);
}

/* The reply waiting on dealer, decoded into *message. */
static void
s_receive (zsock_t *dealer, bs_message_t *message)
{
    zmsg_t *reply = bs_socket_receive (dealer);
    assert_non_null (reply);
    zframe_t *frame = zmsg_first (reply);
    bs_codec_limits_t limits = bs_codec_default_limits;
    limits.max_frame = 64u << 20;
    bs_error_t error;
    assert_int_equal (
        bs_message_decode (zframe_data (frame), zframe_size (frame), &limits, message, &error),
        BS_OK);
    zmsg_destroy (&reply);
}

static char *
s_long_body (size_t paragraphs)
{
    const char *sentence =
        "全市各級組織部門認真貫徹落實上級部署，紮實推進基層黨建工作，取得明顯成效。";
    size_t length = strlen (sentence);
    char *body = malloc (paragraphs * (length * 4 + 1) + 1);
    assert_non_null (body);
    size_t used = 0;
    for (size_t p = 0; p < paragraphs; p++) {
        for (int s = 0; s < 4; s++, used += length)
            memcpy (body + used, sentence, length);
        body[used++] = '\n';
    }
    body[used] = 0;
    return body;
}

static void
test_a_long_render_does_not_hold_up_the_loop (void **state)
{
    (void) state;
    bs_system_t *system = bs_system_new ("render-off-loop");
    assert_non_null (system);
    assert_int_equal (bs_system_start_all (system), 0);
    uint64_t reports[ITEMS];
    for (size_t i = 0; i < ITEMS; i++) {
        char title[64];
        snprintf (title, sizeof title, "長篇信息第%zu篇", i + 1);
        reports[i] = bs_publication_adopt (system, UNIT, title, "組工信息");
    }
    bs_issue_create_t create = {.periodical = "組工信息"};
    uint64_t issue_id = bs_publication_must (system, &bs_issue_create_schema, &create);
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {.items = reports, .count = ITEMS}};
    bs_publication_must (system, &bs_issue_add_schema, &add);
    /* about 60 KiB of text an item (BS_BODY_MAX is 64): a PDF of some 200 pages */
    char *body = s_long_body (140);
    for (size_t i = 0; i < ITEMS; i++) {
        bs_issue_item_edit_t edit = {.issue_id = issue_id, .report_id = reports[i], .body = body};
        bs_publication_must (system, &bs_issue_item_edit_schema, &edit);
    }
    free (body);

    zsock_t *renderer = s_dealer (system), *other = s_dealer (system);
    bs_document_request_t render = {.issue_id = issue_id, .format = "pdf"};
    s_send (renderer, &bs_document_request_schema, &render, "render-1");
    zclock_sleep (300); /* the render has reached the service and begun */
    bs_ping_t ping = {0};
    s_send (other, &bs_ping_schema, &ping, "ping-1");
    bs_issue_get_t get = {.issue_id = issue_id};

    zpoller_t *poller = zpoller_new (renderer, other, NULL);
    const char *order[3] = {0};
    size_t answered = 0;
    bs_message_t message;
    while (answered < 3) {
        zsock_t *ready = zpoller_wait (poller, 180 * 1000);
        if (!ready)
            fail_msg ("no reply within 180 s (answered %zu)", answered);
        memset (&message, 0, sizeof message);
        s_receive (ready, &message);
        order[answered++] = strcmp (message.id, "render-1") == 0 ? "render"
                            : strcmp (message.id, "ping-1") == 0 ? "ping"
                                                                 : "get";
        if (strcmp (message.id, "ping-1") == 0) /* then a command with a store read */
            s_send (other, &bs_issue_get_schema, &get, "get-1");
        if (strcmp (message.id, "render-1") == 0) {
            assert_ptr_equal (message.schema, &bs_document_schema);
            const bs_document_t *document = message.data;
            assert_true (document->content.size > 100000);
            assert_memory_equal (document->content.data, "%PDF", 4);
        }
        bs_message_clear (&message);
    }
    assert_string_equal (order[0], "ping");
    assert_string_equal (order[1], "get");
    assert_string_equal (order[2], "render");
    zpoller_destroy (&poller);
    zsock_destroy (&renderer);
    zsock_destroy (&other);
    bs_system_destroy (&system);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_a_long_render_does_not_hold_up_the_loop),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
