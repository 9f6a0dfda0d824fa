/*  sign_in: logging in and out, and the cookies that carry a session;
    used by the JSON API (routes.c) and the plain pages (pages.c). The
    password is checked here (argon2id, a limited number at once), never
    at intake; see gateway.h.
*/
#include "gateway.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_log.h"

void
gateway_cookie_format (gateway_request_t *request, const char *name, const char *value,
                       uint64_t seconds, char *buffer, size_t size)
{
    snprintf (buffer, size, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s; Max-Age=%llu", name,
              value ? value : "", gateway_behind_tls (request->gateway) ? "; Secure" : "",
              (unsigned long long) (value ? seconds : 0));
}

void
gateway_session_cookie (gateway_request_t *request, const char *token, char *buffer, size_t size)
{
    gateway_cookie_format (request, "bs_session", token,
                           gateway_session_ms (request->gateway) / 1000, buffer, size);
}

/* Check password against credentials on this thread, in one of the
   limited turns. BS_OK when it is right and the officer may log in. */
static int
s_password_check (gateway_request_t *request, const bs_credentials_t *credentials,
                  const char *password, unsigned *status, bs_error_t *error)
{
    gateway_login_limit_t *limit = gateway_login_limit (request->gateway);
    if (!gateway_login_limit_acquire (limit)) {
        *status = 429;
        request->retry_after = 1;
        bs_error_set (error, BS_E_LIMIT, "login",
                      "too many logins are being checked: try again in a second");
        return bs_error_reason (error, "busy", 0);
    }
    bool right = crypto_pwhash_str_verify (credentials->hash, password, strlen (password)) == 0;
    gateway_login_limit_release (limit);
    if (right && credentials->known && !credentials->disabled)
        return BS_OK;
    /* Only the right password learns that its login is disabled. */
    if (right && credentials->known) {
        *status = 403;
        bs_error_set (error, BS_E_DENIED, "login", "login '%s' is disabled", credentials->login);
        return bs_error_reason (error, "disabled", 0);
    }
    *status = 401;
    return bs_error_set (error, BS_E_INVALID, "password", "wrong login or password");
}

int
gateway_login (gateway_request_t *request, const char *login, const char *password, char **token,
               char *name, size_t name_size, unsigned *status, bs_error_t *error)
{
    *token = NULL;
    if (!password || !*password) {
        *status = 400;
        return bs_error_set (error, BS_E_INVALID, "password", "password is empty");
    }
    gateway_login_limit_t *limit = gateway_login_limit (request->gateway);
    char address[64];
    gateway_client_address (request, address, sizeof address);
    unsigned wait = 0;
    if (!gateway_login_limit_allows (limit, login, address, bs_clock_monotonic (), &wait)) {
        *status = 429;
        request->retry_after = wait;
        bs_log_info ("login of '%s' from %s refused for %u s: too many wrong passwords", login,
                     address, wait);
        bs_error_set (error, BS_E_LIMIT, "login",
                      "too many wrong passwords: try again in %u seconds", wait);
        return bs_error_reason (error, "too_many_tries", 0);
    }
    /* Intake answers the hash; the check (argon2id) runs here, never on
       intake's loop. Tried once: a login is never sent twice. */
    bs_login_t query = {.login = (char *) login};
    bs_credentials_t credentials = {0};
    int rc = gateway_call_once (request, "intake", &bs_login_schema, &query, &bs_credentials_schema,
                                &credentials, error);
    if (rc != BS_OK) {
        bs_codec_record_free (&bs_credentials_schema, &credentials);
        *status = gateway_http_status (rc);
        return rc;
    }
    rc = s_password_check (request, &credentials, password, status, error);
    if (rc != BS_OK) {
        if (*status == 401) {
            gateway_login_limit_failed (limit, login, address, bs_clock_monotonic ());
            bs_log_info ("login refused for '%s' from %s", login, address);
        }
        bs_codec_record_free (&bs_credentials_schema, &credentials);
        return rc;
    }
    gateway_session_t session = {.expires = bs_clock_now () + gateway_session_ms (request->gateway),
                                 .generation = credentials.session_gen};
    snprintf (session.login, sizeof session.login, "%s", credentials.login);
    snprintf (session.unit, sizeof session.unit, "%s", credentials.unit ? credentials.unit : "");
    snprintf (session.roles, sizeof session.roles, "%s",
              credentials.roles ? credentials.roles : "");
    snprintf (name, name_size, "%s", credentials.name ? credentials.name : credentials.login);
    char named[sizeof request->principal.name];
    snprintf (named, sizeof named, "%s", credentials.name ? credentials.name : "");
    bs_codec_record_free (&bs_credentials_schema, &credentials);
    *token = gateway_session_sign (&session, gateway_session_key (request->gateway));
    if (!*token) {
        *status = 500;
        return bs_error_set (error, BS_E_SYSTEM, "", "cannot sign the session");
    }
    /* The rest of this request acts as the new session (the reads of
       the page the login answer carries: routes.c), as if it had come
       with it. */
    gateway_principal_from_session (request, &session, *token, false);
    snprintf (request->principal.name, sizeof request->principal.name, "%s", named);
    request->auth.done = true;
    request->auth.rc = BS_OK;
    return BS_OK;
}

void
gateway_logout (gateway_request_t *request)
{
    bs_error_t error;
    if (gateway_authenticate (request, &error) != BS_OK || !*request->principal.login)
        return;
    bs_session_end_t end = {.login = request->principal.login,
                            .session_gen = request->principal.generation};
    bs_officer_t officer = {0};
    if (gateway_call (request, "intake", NULL, &bs_session_end_schema, &end, &bs_officer_schema,
                      &officer, &error)
        != BS_OK)
        bs_log_warning ("logout of %s: %s", request->principal.login, error.text);
    bs_codec_record_free (&bs_officer_schema, &officer);
}
