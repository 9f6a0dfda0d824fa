/*  gateway_session: signed session tokens, so the gateway keeps no state.

    A session is what the gateway learnt at login (login, unit, roles) and
    when it ends, signed with a key only the gateways know:

        s1.<base64url (JSON payload)>.<base64url (MAC)>

    The MAC is libsodium's crypto_auth (HMAC-SHA-512-256) over
    "s1.<payload>", so any change to the payload, or a token signed with
    another key, fails verification in constant time. Nothing is stored on
    the gateway: every gateway that shares the key accepts the token. The
    token carries the officer's session generation at login; intake checks
    it on every request (registry.session_check), so logout, disabling the
    officer, or new roles, unit or password end the session at once.

    The key comes from configuration (gateway.session_key, 64 hex digits) or,
    when that is unset, from <data_dir>/gateway/session.key, created at the
    first start (32 random bytes as hex, mode 0600). Several gateways behind
    one address must share the key.

    The form token (CSRF) of a session is a second MAC, of "csrf:<token>":
    a page that holds it was served to that session.
*/
#ifndef GATEWAY_SESSION_H_INCLUDED
#define GATEWAY_SESSION_H_INCLUDED

#include <sodium.h>
#include <stdint.h>

#include "bs_config.h"
#include "bs_error.h"

#define GATEWAY_KEY_BYTES crypto_auth_KEYBYTES
#define GATEWAY_LOGIN_MAX 65  /* bytes with NUL */
#define GATEWAY_UNIT_MAX 129  /* bytes with NUL */
#define GATEWAY_ROLES_MAX 129 /* bytes with NUL */
#define GATEWAY_CSRF_MAX 64   /* bytes of a form token with NUL */

typedef struct {
    char login[GATEWAY_LOGIN_MAX]; /* the officer's login */
    char unit[GATEWAY_UNIT_MAX];   /* their unit, "" if none */
    char roles[GATEWAY_ROLES_MAX]; /* comma list: officer, editor, ... */
    uint64_t expires;              /* ms since epoch */
    uint64_t generation;           /* the officer's session_gen at login */
} gateway_session_t;

/* Sign session with key; caller frees the token. NULL without memory. */
char *gateway_session_sign (const gateway_session_t *session, const unsigned char *key);

/* Check token against key at time now (ms): BS_OK with session filled,
   else BS_E_INVALID with a sentence (malformed, bad signature, expired). */
int gateway_session_verify (const char *token, const unsigned char *key, uint64_t now,
                            gateway_session_t *session, bs_error_t *error);

/* The form token of a session token into buffer (GATEWAY_CSRF_MAX bytes). */
void gateway_session_csrf (const char *token, const unsigned char *key, char *buffer, size_t size);

/* Load the key (see above) into key. */
int gateway_session_key_load (bs_config_t *config, unsigned char *key, bs_error_t *error);

#endif
