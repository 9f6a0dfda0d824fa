/*  bs_test_service: a service in the test's process; see bs_test_service.h. */
#include "bs_test_service.h"

#include <stdio.h>
#include <stdlib.h>

#include "bs_test.h"
#include "bs_test_keys.h"

bs_config_t *
bs_test_service_config (const char *prefix, const char *extra, char **folder)
{
    *folder = bs_test_temp_dir (prefix);
    assert_non_null (*folder);
    char path[1024];
    snprintf (path, sizeof path, "%s/baosong.conf", *folder);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file, "data_dir = %s/data\nlog_level = error\n%s", *folder, extra ? extra : "");
    fclose (file);
    bs_error_t error;
    bs_config_t *config = bs_config_load (path, &error);
    if (!config)
        fail_msg ("bs_config_load: %s", error.text);
    return config;
}

void
bs_test_service_open (const char *name, const char *const *databases, const char *extra,
                      char **folder, bs_config_t **config, bs_service_t **service)
{
    char prefix[64];
    snprintf (prefix, sizeof prefix, "test-%s", name);
    *config = bs_test_service_config (prefix, extra, folder);
    bs_test_keys (*config, NULL);
    bs_error_t error;
    *service = bs_service_new (name, *config, databases, &error);
    if (!*service)
        fail_msg ("bs_service_new (%s): %s", name, error.text);
}

void
bs_test_service_close (char **folder, bs_config_t **config, bs_service_t **service)
{
    bs_service_destroy (service);
    bs_config_destroy (config);
    if (*folder && !getenv ("BAOSONG_TEST_KEEP"))
        bs_folder_remove (*folder);
    free (*folder);
    *folder = NULL;
}
