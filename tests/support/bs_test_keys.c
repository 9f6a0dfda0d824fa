/*  bs_test_keys: certificates for tests; see bs_test_keys.h. */
#include "bs_test_keys.h"

#include <stdlib.h>

#include "bs_keys.h"
#include "bs_test.h"
#include "bs_zap.h"

void
bs_test_keys (bs_config_t *config, const char *const *services)
{
    static const char *const system[] = {"intake", "review", "publication", "statistics", NULL};
    char *folder = bs_keys_folder (config);
    assert_non_null (folder);
    bs_error_t error;
    if (bs_keys_ensure (folder, services ? services : system, NULL, &error) != BS_OK)
        fail_msg ("cannot make certificates in %s: %s", folder, error.text);
    free (folder);
}

bs_keyring_t *
bs_test_keys_serve (bs_config_t *config, const char *name)
{
    bs_error_t error;
    bs_keyring_t *keyring = bs_keyring_open (config, NULL, &error);
    if (!keyring)
        fail_msg ("no keyring: %s", error.text);
    assert_int_equal (bs_zap_serve (name, keyring), BS_OK);
    return keyring;
}

void
bs_test_keys_unserve (const char *name, bs_keyring_t **keyring_p)
{
    bs_zap_forget (name);
    bs_keyring_destroy (keyring_p);
}
