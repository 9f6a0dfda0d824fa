/*  registry_passwords: officers' password hashes (argon2id, libsodium's
    crypto_pwhash_str) at the configured cost; see registry_internal.h. */
#include "registry_internal.h"

#include <string.h>

#include "bs_log.h"

void
registry_password_cost (bs_service_t *service, unsigned long long *ops, size_t *memory)
{
    const char *cost = bs_config_get (bs_service_config (service), "registry.password_cost");
    *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    *memory = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    if (cost && strcmp (cost, "min") == 0) {
        *ops = crypto_pwhash_OPSLIMIT_MIN;
        *memory = crypto_pwhash_MEMLIMIT_MIN;
    } else if (cost && strcmp (cost, "moderate") == 0) {
        *ops = crypto_pwhash_OPSLIMIT_MODERATE;
        *memory = crypto_pwhash_MEMLIMIT_MODERATE;
    }
}

int
registry_password_hash (bs_service_t *service, const char *password,
                        char hash[crypto_pwhash_STRBYTES])
{
    unsigned long long ops;
    size_t memory;
    registry_password_cost (service, &ops, &memory);
    if (crypto_pwhash_str (hash, password, strlen (password), ops, memory) != 0) {
        bs_log_error ("hashing a password failed (out of memory?)");
        return BS_E_SYSTEM;
    }
    return BS_OK;
}
