/*  gateway auth: who is asking.

    Three ways in, checked in this order:
      Authorization: Bearer s1.…   a session token (session.h), from login,
                                   signed by us and still current at intake
                                   (registry.session_check, every request);
      Authorization: Bearer <any>  an API token, checked by intake
                                   (registry.token_check) on every request:
                                   a revoked token stops at once, and the
                                   gateway caches nothing;
      Cookie: bs_session=s1.…      the session cookie of the web form.
    A cookie is sent by the browser on its own, so a POST authenticated by
    the cookie alone must also carry the session's form token (a hidden form
    field "csrf" or the X-CSRF-Token header); the cookie is SameSite=Strict
    besides. Bearer tokens are never sent on their own and need neither.
*/
#include "gateway.h"

#include <string.h>

#include "bs_clock.h"

/* The roles' names, GATEWAY_ROLE_OFFICER's (bit 0) first, and so on. */
static const char *const s_role_names[] = {"officer", "editor", "publisher", "leader", "admin"};

const char *
gateway_role_name (unsigned bit)
{
    return bit < sizeof s_role_names / sizeof s_role_names[0] ? s_role_names[bit] : NULL;
}

unsigned
gateway_roles_parse (const char *roles)
{
    unsigned bits = 0;
    char copy[GATEWAY_ROLES_MAX];
    snprintf (copy, sizeof copy, "%s", roles ? roles : "");
    char *state = NULL;
    for (char *role = strtok_r (copy, ", ", &state); role; role = strtok_r (NULL, ", ", &state))
        for (unsigned i = 0; i < sizeof s_role_names / sizeof s_role_names[0]; i++)
            if (strcmp (role, s_role_names[i]) == 0)
                bits |= 1u << i; /* GATEWAY_ROLE_OFFICER is bit 0, and so on */
    return bits;
}

void
gateway_principal_from_session (gateway_request_t *request, const gateway_session_t *session,
                                const char *token, bool cookie)
{
    gateway_principal_t *principal = &request->principal;
    memset (principal, 0, sizeof *principal);
    principal->known = true;
    principal->cookie = cookie;
    principal->roles = gateway_roles_parse (session->roles);
    principal->expires = session->expires;
    principal->generation = session->generation;
    snprintf (principal->login, sizeof principal->login, "%s", session->login);
    snprintf (principal->unit, sizeof principal->unit, "%s", session->unit);
    snprintf (principal->roles_text, sizeof principal->roles_text, "%s", session->roles);
    snprintf (principal->session, sizeof principal->session, "%s", token);
}

static int
s_from_session (gateway_request_t *request, const char *token, bool cookie, bs_error_t *error)
{
    gateway_session_t session;
    gateway_t *gateway = request->gateway;
    int rc = gateway_session_verify (token, gateway_session_key (gateway), bs_clock_now (),
                                     &session, error);
    if (rc != BS_OK)
        return rc;
    /* Signed by us, but it lives only while its generation is the
       officer's current one: logout, disabling, new roles end it. */
    bs_session_check_t check = {.login = session.login, .session_gen = session.generation};
    bs_officer_t officer = {0};
    rc = gateway_call (request, "intake", NULL, &bs_session_check_schema, &check,
                       &bs_officer_schema, &officer, error);
    if (rc == BS_OK) {
        gateway_principal_from_session (request, &session, token, cookie);
        snprintf (request->principal.name, sizeof request->principal.name, "%s",
                  officer.name ? officer.name : "");
    } else if (rc != BS_E_UNAVAILABLE && rc != BS_E_TIMEOUT && rc != BS_E_SYSTEM)
        rc = bs_error_set (error, BS_E_INVALID, "session",
                           "the session has ended (logged out, or the officer changed): log in "
                           "again");
    bs_codec_record_free (&bs_officer_schema, &officer);
    sodium_memzero (&session, sizeof session);
    return rc;
}

static int
s_from_token (gateway_request_t *request, const char *secret, bs_error_t *error)
{
    if (strlen (secret) > 128)
        return bs_error_set (error, BS_E_INVALID, "authorization", "the API token is unknown");
    bs_token_check_t check = {.secret = (char *) secret};
    bs_token_t token = {0};
    int rc = gateway_call (request, "intake", NULL, &bs_token_check_schema, &check,
                           &bs_token_schema, &token, error);
    if (rc == BS_E_UNAVAILABLE || rc == BS_E_TIMEOUT || rc == BS_E_SYSTEM)
        return rc;
    if (rc != BS_OK || token.revoked) {
        bs_codec_record_free (&bs_token_schema, &token);
        return bs_error_set (error, BS_E_INVALID, "authorization",
                             "the API token is unknown or revoked");
    }
    gateway_principal_t *principal = &request->principal;
    principal->known = true;
    principal->roles = GATEWAY_ROLE_TOKEN;
    snprintf (principal->unit, sizeof principal->unit, "%s", token.unit ? token.unit : "");
    snprintf (principal->token_name, sizeof principal->token_name, "%s",
              token.name ? token.name : "");
    snprintf (principal->secret, sizeof principal->secret, "%s", secret);
    bs_codec_record_free (&bs_token_schema, &token);
    return BS_OK;
}

static int
s_authenticate (gateway_request_t *request, bs_error_t *error)
{
    memset (&request->principal, 0, sizeof request->principal);
    const char *header = gateway_header (request, MHD_HTTP_HEADER_AUTHORIZATION);
    if (header) {
        if (strncasecmp (header, "Bearer ", 7) != 0)
            return bs_error_set (error, BS_E_INVALID, "authorization",
                                 "the Authorization header must be 'Bearer <token>'");
        const char *token = header + 7;
        while (*token == ' ')
            token++;
        if (!*token)
            return bs_error_set (error, BS_E_INVALID, "authorization", "the Bearer token is empty");
        if (strncmp (token, "s1.", 3) == 0)
            return s_from_session (request, token, false, error);
        return s_from_token (request, token, error);
    }
    const char *cookie = gateway_cookie (request, "bs_session");
    if (cookie && *cookie)
        return s_from_session (request, cookie, true, error);
    return bs_error_set (error, BS_E_NOT_FOUND, "authorization",
                         "log in first, or send 'Authorization: Bearer <token>'");
}

int
gateway_authenticate (gateway_request_t *request, bs_error_t *error)
{
    if (!request->auth.done) {
        memset (&request->auth.error, 0, sizeof request->auth.error);
        request->auth.rc = s_authenticate (request, &request->auth.error);
        request->auth.done = true;
    }
    *error = request->auth.error;
    return request->auth.rc;
}

void
gateway_csrf_token (gateway_request_t *request, char *buffer, size_t size)
{
    gateway_session_csrf (request->principal.session, gateway_session_key (request->gateway),
                          buffer, size);
}

bool
gateway_csrf_ok (gateway_request_t *request, const char *given)
{
    if (!request->principal.cookie)
        return true;
    if (!given)
        given = gateway_header (request, "X-CSRF-Token");
    if (!given)
        return false;
    char expected[GATEWAY_CSRF_MAX];
    gateway_csrf_token (request, expected, sizeof expected);
    return strlen (given) == strlen (expected)
           && sodium_memcmp (given, expected, strlen (expected)) == 0;
}

int
gateway_idempotency_id (gateway_request_t *request, const char *what, const char *key, char *buffer,
                        size_t size, bs_error_t *error)
{
    snprintf (buffer, size, "%s", "");
    if (!key || !*key)
        return BS_OK;
    if (strlen (key) > GATEWAY_IDEMPOTENCY_KEY_MAX)
        return bs_error_set (error, BS_E_INVALID, "key", "the Idempotency-Key header is over %d bytes",
                             GATEWAY_IDEMPOTENCY_KEY_MAX);
    /* The caller's identity is in the hash, so two units that happen to use
       the same key never share a command. */
    const gateway_principal_t *principal = &request->principal;
    crypto_generichash_state state;
    unsigned char hash[16];
    crypto_generichash_init (&state, NULL, 0, sizeof hash);
    const char *parts[] = {what, principal->token_name, principal->login, principal->unit, key};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        crypto_generichash_update (&state, (const unsigned char *) parts[i], strlen (parts[i]) + 1);
    crypto_generichash_final (&state, hash, sizeof hash);
    char hex[2 * sizeof hash + 1];
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    snprintf (buffer, size, "http-%s", hex);
    return BS_OK;
}
