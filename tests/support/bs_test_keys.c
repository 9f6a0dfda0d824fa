/*  bs_test_keys: certificates for tests; see bs_test_keys.h. */
#include "bs_test_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_keys.h"
#include "bs_socket.h"
#include "bs_test.h"
#include "bs_zap.h"

void
bs_test_keys (bs_config_t *config, const char *const *services)
{
    static const char *const system[] = {"intake", "review", "publication", "statistics", NULL};
    char *folder = bs_keys_folder (config);
    assert_non_null (folder);
    bs_error_t error;
    if (bs_keys_ensure (folder, services ? services : system, NULL, &error) != BS_OK)
        fail_msg ("cannot make certificates in %s: %s", folder, error.text);
    free (folder);
}

zsock_t *
bs_test_keys_client (bs_config_t *config, int type, const char *service, const char *certificate)
{
    char own[BS_PEER_NAME_MAX];
    snprintf (own, sizeof own, "%s", bs_keys_own_name (config));
    bs_error_t error;
    assert_int_equal (bs_config_set (config, "certificate", certificate, &error), BS_OK);
    zsock_t *socket = bs_socket_new (type, service, bs_config_endpoint (config, service, "command"),
                                     BS_SOCKET_CONNECT, config);
    assert_int_equal (bs_config_set (config, "certificate", own, &error), BS_OK);
    if (!socket)
        fail_msg ("no %s socket to %s presenting %s", type == ZMQ_DEALER ? "DEALER" : "client",
                  service, certificate);
    return socket;
}

void
bs_test_keys_operator (bs_config_t *config, const char *name, const char *login, const char *unit,
                       const char *roles)
{
    bs_peer_t peer = {.kind = BS_PEER_OPERATOR};
    snprintf (peer.name, sizeof peer.name, "%s", name);
    snprintf (peer.login, sizeof peer.login, "%s", login);
    snprintf (peer.unit, sizeof peer.unit, "%s", unit);
    snprintf (peer.roles, sizeof peer.roles, "%s", roles);
    char *folder = bs_keys_folder (config);
    assert_non_null (folder);
    bs_error_t error;
    if (bs_keys_create (folder, &peer, &error) != BS_OK)
        fail_msg ("cannot make the operator certificate %s: %s", name, error.text);
    free (folder);
}

bs_keyring_t *
bs_test_keys_serve (bs_config_t *config, const char *name)
{
    bs_error_t error;
    bs_keyring_t *keyring = bs_keyring_open (config, NULL, &error);
    if (!keyring)
        fail_msg ("no keyring: %s", error.text);
    assert_int_equal (bs_zap_serve (name, keyring), BS_OK);
    return keyring;
}

void
bs_test_keys_unserve (const char *name, bs_keyring_t **keyring_p)
{
    bs_zap_forget (name);
    bs_keyring_destroy (keyring_p);
}
