/*  registry_officers: the people baosong knows (信息員, editors,
    leaders, admins): their roles, unit, addresses and password hash,
    registry.officer_put, registry.officer_get and registry.officer_list,
    and the checks a submission makes of its officer; see
    registry_internal.h. */
#include "registry_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_log.h"
#include "bs_store.h"
#include "bs_text.h"
#include "bs_utf8.h"
#include "reports.h"

static const char *const s_roles[] = {"officer", "editor", "publisher", "leader", "admin", NULL};

/* An officer may act when enabled and of a unit. */
static const char *
s_officer_refusal (const void *record, const char **reason)
{
    const bs_officer_t *officer = record;
    if (officer->disabled) {
        *reason = "disabled";
        return "is disabled";
    }
    if (!officer->unit || !*officer->unit) {
        *reason = "no_unit";
        return "belongs to no unit";
    }
    return NULL;
}

static const registry_record_kind_t s_officer_kind = {.database = "officers",
                                                      .schema = &bs_officer_schema,
                                                      .noun = "officer",
                                                      .unregistered_hint = "",
                                                      .refusal = s_officer_refusal};

int
registry_officer_get (bs_service_t *service, MDB_txn *txn, const char *login, bs_officer_t *officer)
{
    return registry_record_get (service, txn, &s_officer_kind, login, officer);
}

int
registry_officer_enabled (bs_service_t *service, MDB_txn *txn, const char *login, const char *field,
                          bs_officer_t *officer, bs_error_t *error)
{
    return registry_record_enabled (service, txn, &s_officer_kind, login, field, officer, error);
}

int
registry_officer_by_address (bs_service_t *service, MDB_txn *txn, const char *kind,
                             const char *address, bs_officer_t *officer)
{
    char login[BS_NAME_MAX + 1];
    int rc = registry_address_owner (service, txn, kind, address, login);
    return rc == BS_OK ? registry_officer_get (service, txn, login, officer) : rc;
}

static int
s_role_check (const char *item, void *argument)
{
    bs_request_t *request = argument;
    if (registry_index_of (s_roles, item) < 0)
        return bs_request_fail (request, BS_E_INVALID, "roles",
                                "unknown role '%s'; known: officer, editor, publisher, leader, "
                                "admin",
                                item);
    return BS_OK;
}

static bool
s_same (const char *one, const char *other)
{
    return strcmp (one ? one : "", other ? other : "") == 0;
}

/* Whether putting officer over old ends old's sessions: a disabled
   officer, new roles, a new unit or a new password (a reset) must not
   keep a session made before. */
static bool
s_sessions_end (const bs_officer_t *old, const bs_officer_t *officer, bool password_given)
{
    return officer->disabled || password_given || !s_same (old->roles, officer->roles)
           || !s_same (old->unit, officer->unit);
}

int
registry_on_officer_put (bs_request_t *request, void *argument)
{
    (void) argument;
    int allowed = registry_admin_only (request);
    if (allowed != BS_OK)
        return allowed;
    bs_service_t *service = request->service;
    bs_officer_t officer = *(bs_officer_t *) request->message->data;
    if (bs_text_blank (officer.login))
        return bs_request_fail (request, BS_E_INVALID, "login", "login is empty");
    if (strchr (officer.login, ' '))
        return bs_request_refuse (request, BS_E_INVALID, "login", "has_space", "login has spaces");
    if (bs_text_blank (officer.name))
        return bs_request_fail (request, BS_E_INVALID, "name", "name is empty");
    int rc = registry_each_item (officer.roles, s_role_check, request);
    if (rc != BS_OK)
        return rc;
    if (bs_text_blank (officer.roles))
        return bs_request_fail (request, BS_E_INVALID, "roles", "roles is empty");
    bool has_unit = officer.unit && *officer.unit;
    if (registry_has_role (officer.roles, "officer") && !has_unit)
        return bs_request_refuse (request, BS_E_INVALID, "unit", "unit_required",
                                  "an officer (role officer) must belong to a unit");
    if (has_unit) {
        bs_unit_t unit;
        rc = registry_unit_get (service, request->txn, officer.unit, &unit);
        if (rc == BS_E_NOT_FOUND)
            return bs_request_fail (request, BS_E_NOT_FOUND, "unit", "unit '%s' is not registered",
                                    officer.unit);
        if (rc != BS_OK)
            return rc;
        bs_codec_record_free (&bs_unit_schema, &unit);
    }
    char hash[crypto_pwhash_STRBYTES] = "";
    bs_officer_t old;
    bool password_given = officer.password && *officer.password;
    officer.session_gen = 0;
    rc = registry_officer_get (service, request->txn, officer.login, &old);
    if (rc == BS_OK) {
        if (old.password)
            snprintf (hash, sizeof hash, "%s", old.password);
        officer.session_gen = old.session_gen + s_sessions_end (&old, &officer, password_given);
        rc = registry_addresses_update (request, &old, true);
        bs_codec_record_free (&bs_officer_schema, &old);
    } else if (rc == BS_E_NOT_FOUND)
        rc = BS_OK;
    if (rc != BS_OK)
        return rc;
    rc = registry_addresses_update (request, &officer, false);
    if (rc != BS_OK)
        return rc;
    if (officer.password && *officer.password) {
        if (bs_utf8_characters (officer.password) < 8)
            return bs_request_refuse (request, BS_E_INVALID, "password", "too_short",
                                      "a password has at least 8 characters");
        rc = registry_password_hash (service, officer.password, hash);
        if (rc != BS_OK)
            return bs_request_fail (request, rc, "password", "cannot hash the password");
    }
    officer.password = hash[0] ? hash : NULL;
    rc = bs_store_put_record_by_name (request->txn, bs_service_dbi (service, "officers"),
                                      officer.login, &bs_officer_schema, &officer);
    if (rc != BS_OK)
        return rc;
    bs_log_info ("officer %s (%s) of unit %s registered", officer.login, officer.roles,
                 has_unit ? officer.unit : "-");
    officer.password = NULL;
    return bs_request_reply (request, &bs_officer_schema, &officer);
}

int
registry_officer_reply (bs_request_t *request, bs_officer_t *officer)
{
    free (officer->password);
    officer->password = NULL;
    int rc = bs_request_reply (request, &bs_officer_schema, officer);
    bs_codec_record_free (&bs_officer_schema, officer);
    return rc;
}

/* Officers as readers see them: staff and services every unit's, an
   officer their own unit's (bs_principal_sees); another unit's
   officer is answered as one not registered. */
int
registry_on_officer_get (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_officer_get_t *query = request->message->data;
    bs_officer_t officer;
    int rc = registry_officer_get (request->service, request->txn, query->login, &officer);
    if (rc == BS_OK
        && !bs_principal_sees (&request->principal, officer.unit, INTAKE_READS_EVERY_UNIT)
        && !bs_principal_is (&request->principal, officer.login)) {
        bs_codec_record_free (&bs_officer_schema, &officer);
        rc = BS_E_NOT_FOUND; /* another unit's officer, as if unknown */
    }
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, rc, "login", "officer '%s' is not registered",
                                query->login);
    if (rc != BS_OK)
        return rc;
    return registry_officer_reply (request, &officer);
}

typedef struct {
    const char *unit;                /* the unit asked for, NULL or "" for all */
    const bs_principal_t *principal; /* who asks: sees whom bs_principal_sees lets */
} s_officer_query_t;

static bool
s_officer_of (const void *record, const void *query)
{
    const bs_officer_t *officer = record;
    const s_officer_query_t *asked = query;
    if (!bs_principal_sees (asked->principal, officer->unit, INTAKE_READS_EVERY_UNIT))
        return false;
    return !asked->unit || !*asked->unit
           || (officer->unit && strcmp (officer->unit, asked->unit) == 0);
}

int
registry_on_officer_list (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_officer_list_t *query = request->message->data;
    bs_officer_page_t page = {0};
    int rc = bs_store_page_by_name (
        request->txn, bs_service_dbi (request->service, "officers"), &bs_officer_schema,
        query->after, query->limit ? query->limit : 100, s_officer_of,
        &(s_officer_query_t){query->unit, &request->principal}, &page.officers, &page.next);
    bs_officer_t *officers = page.officers.items;
    for (size_t i = 0; rc == BS_OK && i < page.officers.count; i++) {
        free (officers[i].password);
        officers[i].password = NULL;
    }
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_officer_page_schema, &page);
    bs_codec_record_free (&bs_officer_page_schema, &page);
    return rc;
}
