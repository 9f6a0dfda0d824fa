/*  bs_test_keys: CurveZMQ certificates for a test's private folder.

    Every socket is CurveZMQ, in tests as in production, so a test that
    opens services or sockets first makes the certificates `baosong init`
    would make, in its configuration's keys folder. A test that binds a
    socket of its own in place of a service (a fake server) also needs a
    ZAP domain for it: bs_test_keys_serve.
*/
#ifndef BS_TEST_KEYS_H_INCLUDED
#define BS_TEST_KEYS_H_INCLUDED

#include <czmq.h>

#include "bs_config.h"
#include "bs_keyring.h"

/* Certificates for each of services (NULL-terminated; NULL: intake,
   review, publication, statistics), gateway, mail and admin in config's
   keys folder. Fails the test when they cannot be made. */
void bs_test_keys (bs_config_t *config, const char *const *services);

/* A socket of type connected to service's endpoint (config's) that
   presents the certificate `certificate` ("admin", "gateway", an
   operator's), as the program holding it would. Fails the test when it
   cannot be made. */
zsock_t *bs_test_keys_client (bs_config_t *config, int type, const char *service,
                              const char *certificate);

/* An operator certificate `name` bound to officer login of unit with roles
   (a comma list), as `baosong cert add --kind operator` makes it. A
   service started before it admits it after keyring.reload. */
void bs_test_keys_operator (bs_config_t *config, const char *name, const char *login,
                            const char *unit, const char *roles);

/* Admit the keys of config's keys folder to sockets bound as name (a fake
   server in a test). Undo with bs_test_keys_unserve. */
bs_keyring_t *bs_test_keys_serve (bs_config_t *config, const char *name);
void bs_test_keys_unserve (const char *name, bs_keyring_t **keyring_p);

#endif
