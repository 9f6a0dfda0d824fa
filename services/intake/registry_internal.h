/*  registry_internal: what the files of the registry share, private to
    them (no file outside the registry includes it). registry.h is what
    the rest of intake sees.

    Files, one concern each:
      registry.c            setup: the registry.* commands and who answers
                            each
      registry_addresses.c  which officer an email address or phone
                            number belongs to, and the lookup key of each
      registry_access.c     who may: admins change the registry, the
                            gateway asks for credentials and sessions, an
                            officer submits for their own unit, an officer
                            or unit named is registered and enabled
      registry_lists.c      comma lists (roles, emails, phones) and word
                            lists
      registry_officers.c   officers: roles, unit, addresses, password;
                            officer_put, officer_get, officer_list
      registry_passwords.c  password hashes (argon2id) at the configured
                            cost
      registry_sessions.c   logins and sessions, for the gateway: login,
                            session_check, session_end
      registry_tokens.c     API tokens: token_create, token_check,
                            token_revoke, token_list
      registry_units.c      units: levels, kinds, the hierarchy; unit_put,
                            unit_add, unit_list

    Who calls whom, with no loop (each file calls only files below it):
      registry.c            sessions, tokens, officers, units
      registry_sessions.c   officers, passwords, access
      registry_tokens.c     units, access
      registry_officers.c   units, addresses, passwords, access, lists
      registry_units.c      access, lists
      registry_addresses.c  lists
      registry_access.c, registry_lists.c, registry_passwords.c: none
    The rest of intake calls the functions of registry.h (intake.c,
    submission_identity.c, batch.c), and none of the registry calls it
    back.
*/
#ifndef INTAKE_REGISTRY_INTERNAL_H_INCLUDED
#define INTAKE_REGISTRY_INTERNAL_H_INCLUDED

#include <sodium.h>

#include "registry.h"

/* The longest lookup key of an address, and the longest item of a comma
   list (emails and phones are such lists). */
#define REGISTRY_ADDRESS_KEY_MAX 300

/* Comma lists and word lists (registry_lists.c)                          */

/* The index of name in names (a list ending with NULL), or -1 when it is
   not there (or name is NULL). */
int registry_index_of (const char *const *names, const char *name);

/* Each item of a comma list, trimmed, empty items skipped. fn returns
   BS_OK to go on. */
typedef int (registry_item_fn) (const char *item, void *argument);

/* Apply fn to each item of list (NULL is an empty list) until fn returns
   other than BS_OK: that, or BS_OK. */
int registry_each_item (const char *list, registry_item_fn *fn, void *argument);

/* Who may (registry_access.c)                                           */

/* Changing the registry is an administrator's work: the command must act
   for one (bs_principal.h: every command acts as someone). BS_OK, or the
   failure reply (denied) made. */
int registry_admin_only (bs_request_t *request);

/* Credentials and sessions are the gateway's: only its certificate,
   acting itself (not for an officer of a session), may ask for a password
   hash or vouch for a session. BS_OK, or the failure reply (denied)
   made. */
int registry_gateway_only (bs_request_t *request);

/* A kind of record a submission names (an officer, a unit): where it is
   stored, how errors name it, and why one may not act. */
typedef struct {
    const char *database;                        /* "officers", "units" */
    const bs_schema_t *schema;                   /* its record */
    const char *noun;                            /* "officer", "unit" */
    const char *unregistered_hint;               /* after "is not registered", or "" */
    /* why it may not act, or NULL; *reason its word (docs/API.md) */
    const char *(*refusal) (const void *record, const char **reason);
    const char *disabled_key; /* its flag, read alone when no record is asked for */
} registry_record_kind_t;

/* The record of kind named name, enabled or not: BS_OK, BS_E_NOT_FOUND
   or a storage error. Free record with bs_codec_record_free. */
int registry_record_get (bs_service_t *service, MDB_txn *txn, const registry_record_kind_t *kind,
                         const char *name, void *record);

/* The record of kind named name when it may act: BS_OK, or an error
   naming field (not registered, unreadable, or denied for kind's
   refusal, with its reason word; then nothing is left to free). With record NULL, only whether
   it may act: kind's disabled_key read where it lies in the stored record
   (bs_codec_map_bool), the record not decoded. */
int registry_record_enabled (bs_service_t *service, MDB_txn *txn,
                             const registry_record_kind_t *kind, const char *name,
                             const char *field, void *record, bs_error_t *error);

/* Officers (registry_officers.c)                                         */

/* The officer with login, enabled or not: BS_OK, BS_E_NOT_FOUND or a
   storage error. Free officer with bs_codec_record_free. */
int registry_officer_get (bs_service_t *service, MDB_txn *txn, const char *login,
                          bs_officer_t *officer);

/* Reply with officer, its password hash left out, and free it: the
   reply's code. */
int registry_officer_reply (bs_request_t *request, bs_officer_t *officer);

/* registry.officer_put (an admin's: known roles, a registered unit, the
   officer's own addresses, a new password hashed), registry.officer_get
   and registry.officer_list (the officers the principal may see). */
int registry_on_officer_put (bs_request_t *request, void *argument);
int registry_on_officer_get (bs_request_t *request, void *argument);
int registry_on_officer_list (bs_request_t *request, void *argument);

/* Passwords (registry_passwords.c)                                       */

/* The configured cost of a password hash (registry.password_cost, see
   registry.h): libsodium's opslimit and memlimit. */
void registry_password_cost (bs_service_t *service, unsigned long long *ops, size_t *memory);

/* Hash password with the configured cost into hash: BS_OK, or
   BS_E_SYSTEM (logged) when hashing fails. */
int registry_password_hash (bs_service_t *service, const char *password,
                            char hash[crypto_pwhash_STRBYTES]);

/* Addresses (registry_addresses.c)                                      */

/* Index officer's emails and phones (comma lists) as theirs, or, when
   remove, take them out of the index. Adding fails the request (invalid)
   for an item that is not an address of its kind, or (conflict) for one
   that belongs to another officer; removing skips such items. BS_OK, the
   failure reply made, or a storage error. */
int registry_addresses_update (bs_request_t *request, const bs_officer_t *officer, bool remove);

/* The login of the officer who owns address (kind "email" or "phone"):
   BS_OK, BS_E_NOT_FOUND when nobody does, or a storage error. */
int registry_address_owner (bs_service_t *service, MDB_txn *txn, const char *kind,
                            const char *address, char login[BS_NAME_MAX + 1]);

/* Logins and sessions (registry_sessions.c)                             */

/* Make the hash an unknown login is checked against (once, at setup):
   BS_OK, or BS_E_SYSTEM (logged). */
int registry_unknown_hash_make (bs_service_t *service);

/* registry.login (the officer's credentials, or an unknown login's),
   registry.session_check and registry.session_end: the gateway's. */
int registry_on_login (bs_request_t *request, void *argument);
int registry_on_session_check (bs_request_t *request, void *argument);
int registry_on_session_end (bs_request_t *request, void *argument);

/* Tokens (registry_tokens.c)                                             */

/* registry.token_create (an admin's, for an enabled unit; the reply is
   the only place the secret is ever shown), registry.token_check (the
   gateway's), registry.token_revoke and registry.token_list (an admin's:
   a page of tokens by name, revoked ones too, no secret). */
int registry_on_token_create (bs_request_t *request, void *argument);
int registry_on_token_check (bs_request_t *request, void *argument);
int registry_on_token_revoke (bs_request_t *request, void *argument);
int registry_on_token_list (bs_request_t *request, void *argument);

/* Units (registry_units.c)                                               */

/* The unit named name, enabled or not: BS_OK, BS_E_NOT_FOUND or a storage
   error. Free unit with bs_codec_record_free. */
int registry_unit_get (bs_service_t *service, MDB_txn *txn, const char *name, bs_unit_t *unit);

/* registry.unit_put (an admin's: a unit of a known level and kind, under
   an existing parent of a level not below its own; a unit that exists
   is changed), registry.unit_add (the same for a new unit only: a name
   taken is refused) and registry.unit_list (a page of units, those under
   parent when it is given). */
int registry_on_unit_put (bs_request_t *request, void *argument);
int registry_on_unit_add (bs_request_t *request, void *argument);
int registry_on_unit_list (bs_request_t *request, void *argument);

#endif
