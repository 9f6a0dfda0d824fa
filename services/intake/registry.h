/*  registry: the units and officers baosong knows (報送單位, 信息員), and
    the API tokens of the systems that report directly (直報系統).

    Intake owns the registry because every submission is checked against it:
    a unit must be registered and enabled, an officer may submit only for
    their own unit, an email address or a caller number maps to the unit of
    the officer who owns it, a token names the unit it reports for.

    Databases (in intake's environment):
      units         name -> unit record
      officers      login -> officer record (password = argon2id hash string)
      addresses     "email:<lowercase address>" | "phone:<digits>" -> login
      tokens        name -> token record (no secret)
      token_hashes  hex BLAKE2b of the secret -> token name

    Passwords are hashed with libsodium's crypto_pwhash_str (argon2id). The
    cost is registry.password_cost: "interactive" (the default: about 0.1 s
    and 64 MiB per hash or check), "moderate" (about 0.7 s, 256 MiB) or
    "min" (libsodium's minimum, for tests). Hashing a new password runs in
    intake's loop (an admin's rare put); checking one never does: a login
    (registry.login) answers the officer's hash and the gateway checks the
    password itself, on its own threads.

    Sessions: each officer has a session generation (session_gen). A
    session carries the generation it was made at and lives while it is
    current (registry.session_check, on every request the gateway takes);
    logout (registry.session_end), disabling the officer, and new roles,
    unit or password move it on, ending every session of that officer at
    once.

    Token secrets are 32 random bytes shown once as "bst_" + 64 hex digits;
    only a BLAKE2b hash is kept, looked up by hash and compared in constant
    time.

    The registry is one file per concern (registry_units.c,
    registry_officers.c, registry_tokens.c, ...): registry_internal.h
    lists them, says who calls whom and declares what they share.
*/
#ifndef INTAKE_REGISTRY_H_INCLUDED
#define INTAKE_REGISTRY_H_INCLUDED

#include "bs_error.h"
#include "bs_schemas.h"
#include "bs_service.h"

#define REGISTRY_DATABASES "units", "officers", "addresses", "tokens", "token_hashes"

/* Register the registry.* commands. */
int registry_setup (bs_service_t *service);

/* Whether the unit named name is registered and enabled: BS_OK, or an
   error naming field (the field of the submission that named it). */
int registry_unit_enabled (bs_service_t *service, MDB_txn *txn, const char *name, const char *field,
                           bs_error_t *error);

/* The officer with login, enabled, with a unit: BS_OK or an error naming
   field. */
int registry_officer_enabled (bs_service_t *service, MDB_txn *txn, const char *login,
                              const char *field, bs_officer_t *officer, bs_error_t *error);

/* The officer who owns address (kind "email" or "phone"): BS_OK,
   BS_E_NOT_FOUND when nobody does, or a storage error. */
int registry_officer_by_address (bs_service_t *service, MDB_txn *txn, const char *kind,
                                 const char *address, bs_officer_t *officer);

/* The live token whose secret is secret: BS_OK or BS_E_DENIED (field
   "token") with error filled. A token let through is recorded as used at
   now (its last_used_at), in txn, at most once a minute: a system that
   calls every second costs one write a minute, not one a call. */
int registry_token_check (bs_service_t *service, MDB_txn *txn, const char *secret, uint64_t now,
                          bs_token_t *token, bs_error_t *error);

/* The lookup key of an address: "email:" + the address in lower case
   without spaces (the part in <> of "Name <address>"), or "phone:" + its
   digits as dialled inside China (a +86 or 0086 prefix becomes the 0 of
   the area code, or goes before a mobile's 1). Returns false when nothing
   is left. */
bool registry_address_key (const char *kind, const char *address, char *key, size_t size);

/* Whether the request's principal may make submission: an officer submits
   only as themself (officer, operator) and, unless staff (editor, leader,
   admin, who key in calls and walk-ins for any unit), only for their own
   unit. BS_OK, or the failure reply (denied) made. */
int registry_principal_submits (bs_request_t *request, const bs_submit_t *submission);

/* Whether roles (a comma list) holds role. */
bool registry_has_role (const char *roles, const char *role);

#endif
