/*  registry: the registry.* commands, each answered by the file of its
    concern (the files are listed in registry_internal.h); see registry.h
    for what the registry is. */
#include "registry_internal.h"

#include "bs_log.h"

int
registry_setup (bs_service_t *service)
{
    if (sodium_init () < 0) {
        bs_log_error ("libsodium cannot start");
        return BS_E_SYSTEM;
    }
    if (registry_unknown_hash_make (service) != BS_OK)
        return BS_E_SYSTEM;
    /* token_create is not idempotent by envelope id on purpose: the stored
       reply would keep the secret; a retried create gets "conflict". */
    struct {
        const bs_schema_t *schema;
        bs_command_fn *fn;
        bool mutates;
    } commands[] = {
        {&bs_unit_schema, registry_on_unit_put, true},
        {&bs_unit_add_schema, registry_on_unit_add, true},
        {&bs_unit_list_schema, registry_on_unit_list, false},
        {&bs_officer_schema, registry_on_officer_put, true},
        {&bs_officer_get_schema, registry_on_officer_get, false},
        {&bs_officer_list_schema, registry_on_officer_list, false},
        {&bs_login_schema, registry_on_login, false},
        {&bs_session_check_schema, registry_on_session_check, false},
        {&bs_session_end_schema, registry_on_session_end, true},
        {&bs_token_create_schema, registry_on_token_create, false},
        {&bs_token_check_schema, registry_on_token_check, false},
        {&bs_token_revoke_schema, registry_on_token_revoke, true},
        {&bs_token_list_schema, registry_on_token_list, false},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        int rc =
            bs_service_on (service, commands[i].schema, commands[i].fn, NULL, commands[i].mutates);
        if (rc != BS_OK)
            return rc;
    }
    return BS_OK;
}
