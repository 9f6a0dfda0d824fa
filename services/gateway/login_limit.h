/*  gateway_login_limit: how many wrong logins a login name or an address
    may make before it must wait, and how many password checks run at once.

    Each key ("login:<name>", "address:<ip>") has a bucket of failures that
    holds up to its burst (gateway.login_failures_per_login, ..._per_address)
    and forgives one failure every gateway.login_forgive_ms. A wrong password
    adds one to the bucket of its login and of its address; a login whose
    login or address bucket is full is refused before its password is
    checked (HTTP 429) and told how many seconds until one is forgiven
    (Retry-After). Right passwords add nothing.

    argon2id costs about 0.1 s and 64 MiB a check, so at most
    gateway.login_checks run at once; a login that waits longer than
    gateway.login_wait_ms for its turn is refused with 429 too.

    The table remembers GATEWAY_LOGIN_LIMIT_KEYS keys; when it is full the
    emptiest bucket makes room. Each gateway process counts on its own (N
    gateways behind one address allow N times the bursts). Thread-safe: the
    gateway's connection threads share one.
*/
#ifndef GATEWAY_LOGIN_LIMIT_H_INCLUDED
#define GATEWAY_LOGIN_LIMIT_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "bs_config.h"

#define GATEWAY_LOGIN_LIMIT_KEYS 4096

typedef struct gateway_login_limit gateway_login_limit_t;

/* From configuration (see above). NULL without memory. */
gateway_login_limit_t *gateway_login_limit_new (bs_config_t *config);
void gateway_login_limit_destroy (gateway_login_limit_t **self_p);

/* May login from address try now (monotonic ms now)? true, or false with
   *retry_after the seconds to wait (at least 1). */
bool gateway_login_limit_allows (gateway_login_limit_t *self, const char *login,
                                 const char *address, uint64_t now, unsigned *retry_after);

/* A wrong password for login from address. */
void gateway_login_limit_failed (gateway_login_limit_t *self, const char *login,
                                 const char *address, uint64_t now);

/* Take a turn to check a password: true when one is free within the
   configured wait, else false (answer 429). Give it back with _release. */
bool gateway_login_limit_acquire (gateway_login_limit_t *self);
void gateway_login_limit_release (gateway_login_limit_t *self);

/* Logins refused with 429 since the start (for the log and tests). */
uint64_t gateway_login_limit_refused (gateway_login_limit_t *self);

#endif
