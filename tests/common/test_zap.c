/*  test_zap: the process's ZAP handler (bs_zap) is bound whenever it says
    it serves a domain. A handler stopped a moment before (its last domain
    forgotten) holds the ZAP endpoint until libzmq's reaper has closed its
    socket; a handler started then must wait for it, since libzmq admits
    every CurveZMQ client, with no User-Id, while no handler is bound.
*/
#include "bs_test.h"
#include "bs_test_keys.h"
#include "bs_test_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bs_config.h"
#include "bs_keys.h"
#include "bs_socket.h"
#include "bs_zap.h"

typedef struct {
    char *folder;
    bs_config_t *config;
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *fixture = calloc (1, sizeof *fixture);
    assert_non_null (fixture);
    zsys_init ();
    zsys_set_logstream (NULL);
    fixture->config = bs_test_service_config ("test-zap", NULL, &fixture->folder);
    bs_test_keys (fixture->config, (const char *const[]){"svc", NULL});
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = *state;
    bs_config_destroy (&fixture->config);
    bs_folder_remove (fixture->folder);
    free (fixture->folder);
    free (fixture);
    return 0;
}

/* While something else holds the ZAP endpoint, serving a domain fails (it
   used to succeed with no handler bound: nothing checked keys). */
static void
test_a_taken_endpoint_is_not_served (void **state)
{
    fixture_t *fixture = *state;
    zsock_t *squatter = zsock_new_rep ("@inproc://zeromq.zap.01");
    assert_non_null (squatter);
    bs_error_t error;
    bs_keyring_t *keyring = bs_keyring_open (fixture->config, NULL, &error);
    assert_non_null (keyring);
    assert_int_equal (bs_zap_serve ("svc", keyring), BS_E_SYSTEM);
    assert_false (bs_zap_serves ("svc"));
    zsock_destroy (&squatter);
    bs_keyring_destroy (&keyring);
}

/* Served, forgotten and served again at once, many times: each time the
   client's messages carry its key as User-Id (the handler decided). */
static void
test_served_again_at_once_checks_keys (void **state)
{
    fixture_t *fixture = *state;
    bs_error_t error;
    for (int round = 0; round < 40; round++) {
        /* A socket file of its own each round: a closed listener removes
           its file in libzmq's own time, maybe after the next one bound. */
        char run[1024];
        snprintf (run, sizeof run, "%s/run-%d", fixture->folder, round);
        assert_int_equal (mkdir (run, 0700), 0);
        assert_int_equal (bs_config_set (fixture->config, "run_dir", run, &error), BS_OK);
        bs_keyring_t *keyring = bs_test_keys_serve (fixture->config, "svc");
        zsock_t *router = bs_socket_new (
            ZMQ_ROUTER, "svc", bs_config_bind_endpoint (fixture->config, "svc", "command"),
            BS_SOCKET_BIND, fixture->config);
        assert_non_null (router);
        zsock_t *dealer = bs_test_keys_client (fixture->config, ZMQ_DEALER, "svc", "admin");
        assert_int_equal (zstr_send (dealer, "hello"), 0);
        zpoller_t *poller = zpoller_new (router, NULL);
        assert_ptr_equal (zpoller_wait (poller, 10000), router);
        zpoller_destroy (&poller);
        char key[BS_PEER_KEY_SIZE];
        zmsg_t *message = bs_socket_receive_from (router, key);
        assert_non_null (message);
        zmsg_destroy (&message);
        bs_peer_t peer;
        if (bs_keyring_find (keyring, key, &peer) != BS_OK)
            fail_msg ("round %d: the message came with key \"%s\", not one of the keyring's", round,
                      key);
        assert_string_equal (peer.name, "admin");
        zsock_destroy (&dealer);
        zsock_destroy (&router);
        bs_test_keys_unserve ("svc", &keyring);
    }
}

/* A command received in place (bs_socket_receive_command): the client's
   identity, its payload frame, the frames its message had and its key; a
   message of many frames is read to its end, so the next one comes whole. */
static void
test_a_command_is_received_in_place (void **state)
{
    fixture_t *fixture = *state;
    bs_keyring_t *keyring = bs_test_keys_serve (fixture->config, "svc");
    zsock_t *router =
        bs_socket_new (ZMQ_ROUTER, "svc", bs_config_bind_endpoint (fixture->config, "svc", "command"),
                       BS_SOCKET_BIND, fixture->config);
    assert_non_null (router);
    zsock_t *dealer = bs_test_keys_client (fixture->config, ZMQ_DEALER, "svc", "admin");
    zframe_t *identity;
    zmq_msg_t payload;
    size_t frames;
    char key[BS_PEER_KEY_SIZE];
    assert_false (bs_socket_receive_command (router, &identity, &payload, &frames, key));
    assert_null (identity);
    zmq_msg_close (&payload);
    const char *const sent[][13] = {
        {"first", NULL},
        {"many", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", NULL},
        {"", NULL},
        {"last", NULL}};
    const size_t counts[] = {1, 12, 1, 1};
    for (size_t m = 0; m < sizeof counts / sizeof counts[0]; m++) {
        for (size_t f = 0; f < counts[m]; f++)
            assert_int_equal (zmq_send (zsock_resolve (dealer), sent[m][f], strlen (sent[m][f]),
                                        f + 1 < counts[m] ? ZMQ_SNDMORE : 0),
                              (int) strlen (sent[m][f]));
        zpoller_t *poller = zpoller_new (router, NULL);
        assert_ptr_equal (zpoller_wait (poller, 10000), router);
        zpoller_destroy (&poller);
        assert_true (bs_socket_receive_command (router, &identity, &payload, &frames, key));
        assert_non_null (identity);
        assert_true (zframe_size (identity) > 0);
        assert_int_equal (frames, counts[m] + 1);
        assert_int_equal (zmq_msg_size (&payload), strlen (sent[m][0]));
        assert_memory_equal (zmq_msg_data (&payload), sent[m][0], strlen (sent[m][0]));
        zmq_msg_close (&payload);
        zframe_destroy (&identity);
        bs_peer_t peer;
        assert_int_equal (bs_keyring_find (keyring, key, &peer), BS_OK);
        assert_string_equal (peer.name, "admin");
    }
    assert_false (bs_socket_receive_command (router, &identity, &payload, &frames, key));
    zmq_msg_close (&payload);
    zsock_destroy (&dealer);
    zsock_destroy (&router);
    bs_test_keys_unserve ("svc", &keyring);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_a_taken_endpoint_is_not_served, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_served_again_at_once_checks_keys, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_a_command_is_received_in_place, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
