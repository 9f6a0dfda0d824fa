/*  registry_tokens: the API tokens of the systems that report directly
    (直報系統): registry.token_create (the secret shown once),
    registry.token_check, registry.token_revoke and registry.token_list
    (no secret), and the check a submission or a batch makes of its
    token; see registry.h. */
#include "registry_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_log.h"
#include "bs_store.h"
#include "bs_text.h"

#define S_TOKEN_PREFIX "bst_"

/* A token's use is recorded when the last recorded is this old. */
#define S_USE_RECORDED_EVERY_MS 60000

static void
s_secret_hash (const char *secret, char hex[crypto_generichash_BYTES * 2 + 1])
{
    unsigned char hash[crypto_generichash_BYTES];
    crypto_generichash (hash, sizeof hash, (const unsigned char *) secret, strlen (secret), NULL,
                        0);
    sodium_bin2hex (hex, crypto_generichash_BYTES * 2 + 1, hash, sizeof hash);
}

int
registry_token_check (bs_service_t *service, MDB_txn *txn, const char *secret, uint64_t now,
                      bs_token_t *token, bs_error_t *error)
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
    /* Its use, put back with the hash the record keeps; a clock set back
       records nothing until it is past the last use again. */
    if (same && token->last_used_at + S_USE_RECORDED_EVERY_MS <= now) {
        token->last_used_at = now;
        rc = bs_store_put_record_by_name (txn, bs_service_dbi (service, "tokens"), token_name,
                                          &bs_token_schema, token);
    }
    free (token->secret);
    token->secret = NULL;
    if (!same) {
        bs_codec_record_free (&bs_token_schema, token);
        return bs_error_set (error, BS_E_DENIED, "token", "the token is not known");
    }
    if (rc != BS_OK) {
        bs_codec_record_free (&bs_token_schema, token);
        return bs_error_set (error, rc, "token", "cannot record the use of token '%s'", token_name);
    }
    return BS_OK;
}

/* The stored token keeps the hash of its secret in `secret`; it never
   leaves intake. */
int
registry_on_token_create (bs_request_t *request, void *argument)
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
    int rc = registry_unit_enabled (service, request->txn, create->unit, "unit", &error);
    if (rc != BS_OK)
        return bs_request_fail_error (request, &error);
    const void *existing;
    size_t size;
    rc = bs_store_get_bytes (request->txn, bs_service_dbi (service, "tokens"), create->name,
                             &existing, &size);
    if (rc == BS_OK)
        return bs_request_refuse (request, BS_E_CONFLICT, "name", "taken",
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

int
registry_on_token_check (bs_request_t *request, void *argument)
{
    (void) argument;
    int allowed = registry_gateway_only (request);
    if (allowed != BS_OK)
        return allowed;
    bs_token_check_t *check = request->message->data;
    bs_token_t token;
    bs_error_t error;
    int rc = registry_token_check (request->service, request->txn, check->secret, request->now,
                                   &token, &error);
    if (rc != BS_OK) {
        bs_log_info ("token check refused: %s", error.text);
        return bs_request_fail (request, rc, "secret", "%s", error.text);
    }
    rc = bs_request_reply (request, &bs_token_schema, &token);
    bs_codec_record_free (&bs_token_schema, &token);
    return rc;
}

int
registry_on_token_revoke (bs_request_t *request, void *argument)
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
        return bs_request_refuse (request, rc, "name", "unknown", "no token is named '%s'",
                                  revoke->name);
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

/* Every stored token keeps the hash of its secret: the page leaves it
   out, as a check does. */
int
registry_on_token_list (bs_request_t *request, void *argument)
{
    (void) argument;
    int allowed = registry_admin_only (request);
    if (allowed != BS_OK)
        return allowed;
    bs_token_list_t *query = request->message->data;
    bs_token_page_t page = {0};
    int rc = bs_store_page_by_name (request->txn, bs_service_dbi (request->service, "tokens"),
                                    &bs_token_schema, query->after,
                                    query->limit ? query->limit : 100, NULL, NULL, &page.tokens,
                                    &page.next);
    bs_token_t *tokens = page.tokens.items;
    for (size_t i = 0; rc == BS_OK && i < page.tokens.count; i++) {
        free (tokens[i].secret);
        tokens[i].secret = NULL;
    }
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_token_page_schema, &page);
    bs_codec_record_free (&bs_token_page_schema, &page);
    return rc;
}
