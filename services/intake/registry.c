/*  registry: units, officers, logins and API tokens; see registry.h. */
#include "registry_internal.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_log.h"
#include "bs_store.h"
#include "bs_text.h"
#include "reports.h"

#define S_TOKEN_PREFIX "bst_"

/* The hash an unknown login is checked against, so the gateway's check of
   an unknown login costs as much as of a known one: an argon2id hash
   string at the configured cost whose salt and digest are random bytes.
   Checking a password against it runs argon2id in full at that cost, and
   no password fits it (as none fits a hash of a secret nobody knows).
   Made at setup without hashing: an argon2id hash at start-up cost intake
   0.1 s and 64 MiB on a quiet machine, seconds on a loaded one, before it
   answered anything. */
static char s_unknown_hash[crypto_pwhash_STRBYTES];

static int
s_unknown_hash_make (bs_service_t *service)
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
static int
s_login (bs_request_t *request, void *argument)
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

static int
s_session_check (bs_request_t *request, void *argument)
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
static int
s_session_end (bs_request_t *request, void *argument)
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

/* Tokens                                                                 */

static void
s_secret_hash (const char *secret, char hex[crypto_generichash_BYTES * 2 + 1])
{
    unsigned char hash[crypto_generichash_BYTES];
    crypto_generichash (hash, sizeof hash, (const unsigned char *) secret, strlen (secret), NULL,
                        0);
    sodium_bin2hex (hex, crypto_generichash_BYTES * 2 + 1, hash, sizeof hash);
}

int
registry_token_check (bs_service_t *service, MDB_txn *txn, const char *secret, bs_token_t *token,
                      bs_error_t *error)
{
    char hex[crypto_generichash_BYTES * 2 + 1];
    s_secret_hash (secret ? secret : "", hex);
    const void *name;
    size_t size;
    int rc = bs_store_get_bytes (txn, bs_service_dbi (service, "token_hashes"), hex, &name, &size);
    if (rc == BS_E_NOT_FOUND)
        return bs_error_set (error, BS_E_DENIED, "token", "the token is not known");
    if (rc != BS_OK)
        return bs_error_set (error, rc, "token", "cannot read tokens");
    /* The name is stored beside the hash; compare the full hash in
       constant time against the one the token record keeps. */
    char token_name[65];
    snprintf (token_name, sizeof token_name, "%.*s", (int) size, (const char *) name);
    const void *stored;
    rc = bs_store_get_bytes (txn, bs_service_dbi (service, "tokens"), token_name, &stored, &size);
    if (rc == BS_OK)
        rc = bs_codec_decode_record (stored, size, &bs_token_schema, &bs_codec_default_limits,
                                     token, NULL);
    if (rc != BS_OK)
        return bs_error_set (error, rc, "token", "cannot read token '%s'", token_name);
    if (token->revoked) {
        bs_codec_record_free (&bs_token_schema, token);
        return bs_error_set (error, BS_E_DENIED, "token", "token '%s' is revoked", token_name);
    }
    bool same = token->secret && strlen (token->secret) == strlen (hex)
                && sodium_memcmp (token->secret, hex, strlen (hex)) == 0;
    free (token->secret);
    token->secret = NULL;
    if (!same) {
        bs_codec_record_free (&bs_token_schema, token);
        return bs_error_set (error, BS_E_DENIED, "token", "the token is not known");
    }
    return BS_OK;
}

/* The stored token keeps the hash of its secret in `secret`; it never
   leaves intake. */
static int
s_token_create (bs_request_t *request, void *argument)
{
    (void) argument;
    int allowed = registry_admin_only (request);
    if (allowed != BS_OK)
        return allowed;
    bs_service_t *service = request->service;
    bs_token_create_t *create = request->message->data;
    if (bs_text_blank (create->name))
        return bs_request_fail (request, BS_E_INVALID, "name", "name is empty");
    bs_error_t error;
    bs_unit_t unit;
    int rc = registry_unit_enabled (service, request->txn, create->unit, "unit", &unit, &error);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, error.field, "%s", error.text);
    bs_codec_record_free (&bs_unit_schema, &unit);
    const void *existing;
    size_t size;
    rc = bs_store_get_bytes (request->txn, bs_service_dbi (service, "tokens"), create->name,
                             &existing, &size);
    if (rc == BS_OK)
        return bs_request_fail (request, BS_E_CONFLICT, "name",
                                "a token named '%s' exists (revoke it and choose a new name)",
                                create->name);
    if (rc != BS_E_NOT_FOUND)
        return rc;
    unsigned char random[32];
    randombytes_buf (random, sizeof random);
    char secret[sizeof S_TOKEN_PREFIX + 64];
    memcpy (secret, S_TOKEN_PREFIX, sizeof S_TOKEN_PREFIX - 1);
    sodium_bin2hex (secret + sizeof S_TOKEN_PREFIX - 1, 65, random, sizeof random);
    sodium_memzero (random, sizeof random);
    char hex[crypto_generichash_BYTES * 2 + 1];
    s_secret_hash (secret, hex);
    bs_token_t token = {
        .name = create->name, .unit = create->unit, .secret = hex, .created_at = request->now};
    rc = bs_store_put_record_by_name (request->txn, bs_service_dbi (service, "tokens"), token.name,
                                      &bs_token_schema, &token);
    if (rc == BS_OK)
        rc = bs_store_put_bytes (request->txn, bs_service_dbi (service, "token_hashes"), hex,
                                 token.name, strlen (token.name));
    if (rc != BS_OK)
        return rc;
    bs_log_info ("token %s created for unit %s", token.name, token.unit);
    token.secret = secret;
    rc = bs_request_reply (request, &bs_token_schema, &token);
    sodium_memzero (secret, sizeof secret);
    return rc;
}

static int
s_token_check (bs_request_t *request, void *argument)
{
    (void) argument;
    int allowed = registry_gateway_only (request);
    if (allowed != BS_OK)
        return allowed;
    bs_token_check_t *check = request->message->data;
    bs_token_t token;
    bs_error_t error;
    int rc = registry_token_check (request->service, request->txn, check->secret, &token, &error);
    if (rc != BS_OK) {
        bs_log_info ("token check refused: %s", error.text);
        return bs_request_fail (request, rc, "secret", "%s", error.text);
    }
    rc = bs_request_reply (request, &bs_token_schema, &token);
    bs_codec_record_free (&bs_token_schema, &token);
    return rc;
}

static int
s_token_revoke (bs_request_t *request, void *argument)
{
    (void) argument;
    int allowed = registry_admin_only (request);
    if (allowed != BS_OK)
        return allowed;
    bs_token_revoke_t *revoke = request->message->data;
    MDB_dbi tokens = bs_service_dbi (request->service, "tokens");
    bs_token_t token;
    int rc =
        bs_store_get_record_by_name (request->txn, tokens, revoke->name, &bs_token_schema, &token);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, rc, "name", "no token is named '%s'", revoke->name);
    if (rc != BS_OK)
        return rc;
    token.revoked = true;
    rc = bs_store_put_record_by_name (request->txn, tokens, token.name, &bs_token_schema, &token);
    free (token.secret);
    token.secret = NULL;
    if (rc == BS_OK) {
        bs_log_info ("token %s revoked", token.name);
        rc = bs_request_reply (request, &bs_token_schema, &token);
    }
    bs_codec_record_free (&bs_token_schema, &token);
    return rc;
}

int
registry_setup (bs_service_t *service)
{
    if (sodium_init () < 0) {
        bs_log_error ("libsodium cannot start");
        return BS_E_SYSTEM;
    }
    if (s_unknown_hash_make (service) != BS_OK)
        return BS_E_SYSTEM;
    /* token_create is not idempotent by envelope id on purpose: the stored
       reply would keep the secret; a retried create gets "conflict". */
    struct {
        const bs_schema_t *schema;
        bs_command_fn *fn;
        bool mutates;
    } commands[] = {
        {&bs_unit_schema, registry_on_unit_put, true},
        {&bs_unit_list_schema, registry_on_unit_list, false},
        {&bs_officer_schema, registry_on_officer_put, true},
        {&bs_officer_get_schema, registry_on_officer_get, false},
        {&bs_officer_list_schema, registry_on_officer_list, false},
        {&bs_login_schema, s_login, false},
        {&bs_session_check_schema, s_session_check, false},
        {&bs_session_end_schema, s_session_end, true},
        {&bs_token_create_schema, s_token_create, false},
        {&bs_token_check_schema, s_token_check, false},
        {&bs_token_revoke_schema, s_token_revoke, true},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        int rc =
            bs_service_on (service, commands[i].schema, commands[i].fn, NULL, commands[i].mutates);
        if (rc != BS_OK)
            return rc;
    }
    return BS_OK;
}
