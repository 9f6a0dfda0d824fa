/*  registry_sessions: logins and sessions, for the gateway: the
    credentials a login is checked against (registry.login), whether a
    session is current (registry.session_check) and logout, which ends
    every session of the officer (registry.session_end); see registry.h
    on session generations. */
#include "registry_internal.h"

#include <stdio.h>
#include <string.h>

#include "bs_log.h"
#include "bs_store.h"

/* The hash an unknown login is checked against, so the gateway's check of
   an unknown login costs as much as of a known one: an argon2id hash
   string at the configured cost whose salt and digest are random bytes.
   Checking a password against it runs argon2id in full at that cost, and
   no password fits it (as none fits a hash of a secret nobody knows).
   Made at setup without hashing: an argon2id hash at start-up cost intake
   0.1 s and 64 MiB on a quiet machine, seconds on a loaded one, before it
   answered anything. */
static char s_unknown_hash[crypto_pwhash_STRBYTES];

int
registry_unknown_hash_make (bs_service_t *service)
{
    unsigned long long ops;
    size_t memory;
    registry_password_cost (service, &ops, &memory);
    unsigned char salt[crypto_pwhash_SALTBYTES], digest[32];
    char salt64[sodium_base64_ENCODED_LEN (sizeof salt, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
    char digest64[sodium_base64_ENCODED_LEN (sizeof digest,
                                             sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
    randombytes_buf (salt, sizeof salt);
    randombytes_buf (digest, sizeof digest);
    sodium_bin2base64 (salt64, sizeof salt64, salt, sizeof salt,
                       sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    sodium_bin2base64 (digest64, sizeof digest64, digest, sizeof digest,
                       sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    snprintf (s_unknown_hash, sizeof s_unknown_hash, "%sv=%d$m=%zu,t=%llu,p=1$%s$%s",
              crypto_pwhash_STRPREFIX, 19, memory / 1024, ops, salt64, digest64);
    /* The same cost as a real hash's, or intake does not start. */
    if (crypto_pwhash_str_needs_rehash (s_unknown_hash, ops, memory) != 0) {
        bs_log_error ("cannot make the hash unknown logins are checked against");
        return BS_E_SYSTEM;
    }
    return BS_OK;
}

/* Login: the officer's credentials, for the gateway to check the password
   against. No argon2id runs here: a check costs 0.1 s and 64 MiB, and this
   loop answers every other command. */
int
registry_on_login (bs_request_t *request, void *argument)
{
    (void) argument;
    int allowed = registry_gateway_only (request);
    if (allowed != BS_OK)
        return allowed;
    bs_login_t *login = request->message->data;
    bs_officer_t officer;
    int rc = registry_officer_get (request->service, request->txn, login->login, &officer);
    if (rc != BS_OK && rc != BS_E_NOT_FOUND)
        return rc;
    bool found = rc == BS_OK;
    bool known = found && officer.password && *officer.password;
    bs_credentials_t credentials = {.login = login->login, .known = known, .hash = s_unknown_hash};
    if (known) {
        credentials.name = officer.name;
        credentials.unit = officer.unit;
        credentials.roles = officer.roles;
        credentials.disabled = officer.disabled;
        credentials.hash = officer.password;
        credentials.session_gen = officer.session_gen;
    }
    rc = bs_request_reply (request, &bs_credentials_schema, &credentials);
    if (found)
        bs_codec_record_free (&bs_officer_schema, &officer);
    return rc;
}

/* The officer of a live session: enabled, and the session made at the
   officer's current generation. */
static int
s_session_officer (bs_request_t *request, const char *login, uint64_t session_gen,
                   bs_officer_t *officer)
{
    int rc = registry_officer_get (request->service, request->txn, login, officer);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_DENIED, "session", "the session has ended");
    if (rc != BS_OK)
        return rc;
    if (officer->disabled || officer->session_gen != session_gen) {
        bs_codec_record_free (&bs_officer_schema, officer);
        return bs_request_fail (request, BS_E_DENIED, "session",
                                "the session has ended (logged out, or the officer changed): "
                                "log in again");
    }
    return BS_OK;
}

int
registry_on_session_check (bs_request_t *request, void *argument)
{
    (void) argument;
    int allowed = registry_gateway_only (request);
    if (allowed != BS_OK)
        return allowed;
    bs_session_check_t *check = request->message->data;
    bs_officer_t officer;
    int rc = s_session_officer (request, check->login, check->session_gen, &officer);
    return rc == BS_OK ? registry_officer_reply (request, &officer) : rc;
}

/* Logout: every session of the officer ends. A session already ended
   (an older generation) ends nothing more. */
int
registry_on_session_end (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_session_end_t *end = request->message->data;
    /* the officer themself (at logout through the gateway, or with their
       certificate), the gateway acting itself, or an admin */
    const bs_principal_t *principal = &request->principal;
    bool gateway_itself =
        request->peer->kind == BS_PEER_GATEWAY && strcmp (principal->kind, "officer") != 0;
    if (!bs_principal_is (principal, end->login) && !gateway_itself
        && !bs_principal_has_role (principal, "admin"))
        return bs_request_fail (request, BS_E_DENIED, "principal",
                                "%s '%s' may not end the sessions of %s", principal->kind,
                                principal->who, end->login);
    bs_officer_t officer;
    int rc = s_session_officer (request, end->login, end->session_gen, &officer);
    if (rc != BS_OK)
        return rc;
    officer.session_gen++;
    rc = bs_store_put_record_by_name (request->txn, bs_service_dbi (request->service, "officers"),
                                      officer.login, &bs_officer_schema, &officer);
    if (rc != BS_OK) {
        bs_codec_record_free (&bs_officer_schema, &officer);
        return rc;
    }
    bs_log_info ("officer %s logged out: every session ended", officer.login);
    return registry_officer_reply (request, &officer);
}
