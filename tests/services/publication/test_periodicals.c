/*  periodicals: names from `periodicals`, attributes from the periodicals
    file, and the errors a wrong file gets when the service starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_test.h"
#include "periodicals.h"

static char *s_folder;

static bs_config_t *
s_config (const char *file_text)
{
    bs_error_t error;
    bs_config_t *config = bs_config_load (NULL, &error);
    assert_non_null (config);
    assert_int_equal (bs_config_set (config, "publication.issuing_unit", "某市委組織部", &error),
                      BS_OK);
    if (file_text) {
        char path[1200];
        snprintf (path, sizeof path, "%s/periodicals.conf", s_folder);
        FILE *file = fopen (path, "w");
        assert_non_null (file);
        fputs (file_text, file);
        fclose (file);
        assert_int_equal (bs_config_set (config, "publication.periodicals_file", path, &error),
                          BS_OK);
    }
    return config;
}

static void
test_defaults_without_a_file (void **state)
{
    (void) state;
    bs_config_t *config = s_config (NULL);
    bs_error_t error;
    periodicals_t *periodicals = periodicals_load (config, &error);
    assert_non_null (periodicals);
    const bs_periodical_t *one = periodicals_find (periodicals, "組工信息");
    assert_non_null (one);
    assert_string_equal (one->code, "組工信息");
    assert_string_equal (one->issuing_unit, "某市委組織部");
    assert_string_equal (one->level, "city");
    assert_false (one->signoff);
    assert_null (periodicals_find (periodicals, "河南組工信息"));
    bs_periodical_page_t page;
    periodicals_page (periodicals, &page);
    assert_int_equal (page.periodicals.count, 2);
    periodicals_destroy (&periodicals);
    periodicals_destroy (&periodicals);
    bs_config_destroy (&config);
}

static void
test_a_file_describes_them (void **state)
{
    (void) state;
    bs_config_t *config = s_config ("# comment\n\n"
                                    " 重點上報信息 | ZDSB | 中共某市委組織部辦公室 | city | yes | 是 \n");
    bs_error_t error;
    periodicals_t *periodicals = periodicals_load (config, &error);
    assert_non_null (periodicals);
    const bs_periodical_t *one = periodicals_find (periodicals, "重點上報信息");
    assert_string_equal (one->code, "ZDSB");
    assert_string_equal (one->issuing_unit, "中共某市委組織部辦公室");
    assert_true (one->upward);
    assert_true (one->signoff);
    periodicals_destroy (&periodicals);
    bs_config_destroy (&config);
}

static void
test_a_wrong_file_is_refused (void **state)
{
    (void) state;
    const char *wrong[][2] = {
        {"未知刊物 | X | 某單位 | city | no | no\n", "not one of the periodicals"},
        {"組工信息 | X | 某單位 | town | no | no\n", "level 'town'"},
        {"組工信息 | X | 某單位 | city | maybe | no\n", "yes or no"},
        {"組工信息 | X | 某單位\n", "expected name"},
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        bs_config_t *config = s_config (wrong[i][0]);
        bs_error_t error;
        periodicals_t *periodicals = periodicals_load (config, &error);
        assert_null (periodicals);
        if (!strstr (error.text, wrong[i][1]) || !strstr (error.text, ":1:"))
            fail_msg ("expected '%s' with the line in: %s", wrong[i][1], error.text);
        bs_config_destroy (&config);
    }
}

static void
test_levels (void **state)
{
    (void) state;
    assert_string_equal (periodicals_level_above ("city"), "province");
    assert_string_equal (periodicals_level_above ("province"), "central");
    assert_null (periodicals_level_above ("central"));
    assert_true (periodicals_series_known ("增刊"));
    assert_false (periodicals_series_known ("號外"));
}

static int
s_setup (void **state)
{
    (void) state;
    s_folder = bs_test_temp_dir ("periodicals");
    return s_folder ? 0 : -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    bs_folder_remove (s_folder);
    free (s_folder);
    return 0;
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_defaults_without_a_file),
        cmocka_unit_test (test_a_file_describes_them),
        cmocka_unit_test (test_a_wrong_file_is_refused),
        cmocka_unit_test (test_levels),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
