/*  registry_access: who may change the registry, who may ask for
    credentials and sessions, for whom a principal may submit, and whether
    an officer or unit named may act; see registry_internal.h. */
#include "registry_internal.h"

#include <assert.h>
#include <string.h>

#include "bs_log.h"
#include "bs_store.h"
#include "bs_text.h"

int
registry_admin_only (bs_request_t *request)
{
    const bs_principal_t *principal = &request->principal;
    if (bs_principal_has_role (principal, "admin"))
        return BS_OK;
    return bs_request_fail (request, BS_E_DENIED, "principal",
                            "%s '%s' may not change the registry: only an admin may",
                            principal->kind, principal->who);
}

int
registry_gateway_only (bs_request_t *request)
{
    if (request->peer->kind == BS_PEER_GATEWAY && strcmp (request->principal.kind, "officer") != 0)
        return BS_OK;
    return bs_request_fail (request, BS_E_DENIED, "principal", "only the gateway may ask for %s",
                            request->message->type);
}

int
registry_principal_submits (bs_request_t *request, const bs_submit_t *submission)
{
    const bs_principal_t *principal = &request->principal;
    if (strcmp (principal->kind, "officer") != 0)
        return BS_OK; /* a service (mail, the gateway for a token), an admin */
    const char *as[][2] = {{"officer", submission->officer},
                           {"operator", submission->operator_name}};
    for (size_t i = 0; i < sizeof as / sizeof as[0]; i++)
        if (!bs_text_blank (as[i][1]) && strcmp (as[i][1], principal->who) != 0)
            return bs_request_fail (request, BS_E_DENIED, as[i][0],
                                    "%s may submit only as themself, not as %s '%s'",
                                    principal->who, as[i][0], as[i][1]);
    bool staff = bs_principal_has_role (principal, "editor")
                 || bs_principal_has_role (principal, "leader")
                 || bs_principal_has_role (principal, "admin");
    if (!staff && !bs_text_blank (submission->unit) && strcmp (submission->unit, principal->unit))
        return bs_request_fail (request, BS_E_DENIED, "unit",
                                "%s of %s may submit only for their own unit, not for %s",
                                principal->who, principal->unit, submission->unit);
    return BS_OK;
}

int
registry_record_get (bs_service_t *service, MDB_txn *txn, const registry_record_kind_t *kind,
                     const char *name, void *record)
{
    return bs_store_get_record_by_name (txn, bs_service_dbi (service, kind->database), name,
                                        kind->schema, record);
}

/* Whether the stored record of kind named name is disabled, by its flag
   alone (kind->disabled_key): BS_OK, or BS_E_NOT_FOUND or an error of the
   store or of the bytes. */
static int
s_record_disabled (bs_service_t *service, MDB_txn *txn, const registry_record_kind_t *kind,
                   const char *name, bool *disabled)
{
    const void *bytes;
    size_t size;
    int rc = bs_store_get_bytes (txn, bs_service_dbi (service, kind->database), name, &bytes, &size);
    if (rc == BS_OK && (rc = bs_codec_map_bool (bytes, size, kind->disabled_key, disabled)) != BS_OK)
        bs_log_error ("stored %s record '%s' does not decode", kind->noun, name);
    return rc;
}

int
registry_record_enabled (bs_service_t *service, MDB_txn *txn, const registry_record_kind_t *kind,
                         const char *name, const char *field, void *record, bs_error_t *error)
{
    assert (record || kind->disabled_key);
    bool disabled = false;
    int rc = record ? registry_record_get (service, txn, kind, name, record)
                    : s_record_disabled (service, txn, kind, name, &disabled);
    if (rc == BS_E_NOT_FOUND)
        return bs_error_set (error, BS_E_NOT_FOUND, field, "%s '%s' is not registered%s",
                             kind->noun, name, kind->unregistered_hint);
    if (rc != BS_OK)
        return bs_error_set (error, rc, field, "cannot read %s '%s'", kind->noun, name);
    const char *reason = "disabled";
    const char *refusal = disabled ? "is disabled"
                          : record && kind->refusal ? kind->refusal (record, &reason)
                                                    : NULL;
    if (refusal) {
        rc = bs_error_set (error, BS_E_DENIED, field, "%s '%s' %s", kind->noun, name, refusal);
        bs_error_reason (error, reason, 0);
        if (record)
            bs_codec_record_free (kind->schema, record);
        return rc;
    }
    return BS_OK;
}
