/*  bs_config: defaults that run with no file, a file, the environment, and
    clear errors for unknown keys and bad values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_config.h"
#include "bs_test.h"

static char *
write_file (const char *folder, const char *text)
{
    char *path = NULL;
    assert_true (asprintf (&path, "%s/baosong.conf", folder) > 0);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fputs (text, file);
    fclose (file);
    return path;
}

static void
test_defaults_need_no_file (void **state)
{
    (void) state;
    unsetenv ("BAOSONG_CONFIG");
    bs_error_t error;
    bs_config_t *config = bs_config_load (NULL, &error);
    assert_non_null (config);
    const char *data = bs_config_get (config, "data_dir");
    assert_true (data[0] == '/'); /* made absolute once, for every process */
    assert_non_null (strstr (data, "/var"));
    char expected[1200];
    snprintf (expected, sizeof expected, "ipc://%s/run/intake-command.sock", data);
    assert_string_equal (bs_config_endpoint (config, "intake", "command"), expected);
    assert_string_equal (bs_config_bind_endpoint (config, "intake", "command"), expected);
    assert_true (bs_config_has_periodical (config, "組工信息"));
    assert_true (bs_config_has_periodical (config, "重點上報信息"));
    assert_false (bs_config_has_periodical (config, "組工"));
    assert_false (bs_config_has_periodical (config, ""));
    assert_int_equal (bs_config_get_number (config, "heartbeat_ms"), 1000);
    assert_null (bs_config_get (config, "no.such.key"));
    assert_false (bs_config_is_set (config, "review.sweep_ms")); /* a default */
    assert_false (bs_config_is_set (config, "no.such.key"));
    assert_int_equal (bs_config_set (config, "review.sweep_ms", "5", &error), BS_OK);
    assert_true (bs_config_is_set (config, "review.sweep_ms"));
    bs_config_destroy (&config);
    assert_null (config);
    bs_config_destroy (&config); /* idempotent */
}

static void
test_file_then_environment (void **state)
{
    (void) state;
    char *folder = bs_test_temp_dir ("baosong-config");
    char *path = write_file (folder, "# a comment\n\n  data_dir = /srv/baosong  \n"
                                     "intake.command = tcp://intake:5550\n"
                                     "intake.command_bind = tcp://0.0.0.0:5550\n"
                                     "heartbeat_ms = 250\n");
    setenv ("BAOSONG_HEARTBEAT_MS", "300", 1);
    bs_error_t error;
    bs_config_t *config = bs_config_load (path, &error);
    unsetenv ("BAOSONG_HEARTBEAT_MS");
    assert_non_null (config);
    assert_string_equal (bs_config_get (config, "data_dir"), "/srv/baosong");
    assert_int_equal (bs_config_get_number (config, "heartbeat_ms"), 300); /* env wins */
    assert_true (bs_config_is_set (config, "data_dir"));      /* from the file */
    assert_true (bs_config_is_set (config, "heartbeat_ms"));  /* from the environment */
    assert_false (bs_config_is_set (config, "review.sweep_ms"));
    assert_string_equal (bs_config_endpoint (config, "intake", "command"), "tcp://intake:5550");
    assert_string_equal (bs_config_bind_endpoint (config, "intake", "command"),
                         "tcp://0.0.0.0:5550");
    char *store = bs_config_store_path (config, "review");
    assert_string_equal (store, "/srv/baosong/review");
    free (store);
    bs_config_destroy (&config);
    free (path);
    /* The sockets' folder apart from the data (the package's /run/baosong),
       and the environment moving it back (the image, which reads the
       package's file). */
    path = write_file (folder, "data_dir = /srv/baosong\nrun_dir = /run/baosong\n");
    config = bs_config_load (path, &error);
    assert_non_null (config);
    assert_string_equal (bs_config_endpoint (config, "review", "command"),
                         "ipc:///run/baosong/review-command.sock");
    assert_string_equal (bs_config_bind_endpoint (config, "statistics", "feed"),
                         "ipc:///run/baosong/statistics-feed.sock");
    bs_config_destroy (&config);
    setenv ("BAOSONG_RUN_DIR", "/srv/baosong/run", 1);
    config = bs_config_load (path, &error);
    unsetenv ("BAOSONG_RUN_DIR");
    assert_non_null (config);
    assert_string_equal (bs_config_endpoint (config, "review", "command"),
                         "ipc:///srv/baosong/run/review-command.sock");
    bs_config_destroy (&config);
    free (path);
    bs_folder_remove (folder);
    free (folder);
}

static void
test_bad_files_are_refused_clearly (void **state)
{
    (void) state;
    char *folder = bs_test_temp_dir ("baosong-config");
    struct {
        const char *text;
        const char *field;
        const char *says;
    } cases[] = {
        {"heartbeet_ms = 5\n", "heartbeet_ms", "unknown configuration key"},
        {"heartbeat_ms = soon\n", "heartbeat_ms", "must be a number"},
        {"log_level = loud\n", "log_level", "log_level must be"},
        {"just words\n", "config", "expected key = value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = write_file (folder, cases[i].text);
        bs_error_t error;
        assert_null (bs_config_load (path, &error));
        assert_string_equal (error.field, cases[i].field);
        assert_non_null (strstr (error.text, cases[i].says));
        assert_non_null (strstr (error.text, ":1:")); /* the line is named */
        free (path);
    }
    bs_error_t error;
    assert_null (bs_config_load ("/nonexistent/baosong.conf", &error));
    assert_int_equal (error.code, BS_E_NOT_FOUND);
    setenv ("BAOSONG_MAP_SIZE_MB", "big", 1);
    assert_null (bs_config_load (NULL, &error));
    unsetenv ("BAOSONG_MAP_SIZE_MB");
    assert_string_equal (error.field, "map_size_mb");
    bs_folder_remove (folder);
    free (folder);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_defaults_need_no_file),
        cmocka_unit_test (test_file_then_environment),
        cmocka_unit_test (test_bad_files_are_refused_clearly),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
