/*  periodicals: names from `periodicals`, attributes from the periodicals
    file, and the errors a wrong file gets when the service starts; the
    store they seed (a stored periodical keeps what an admin gave it), and
    an admin's publication.periodical_put: added, changed, refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_store.h"
#include "bs_test.h"
#include "bs_test_service.h"
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

/* The store: publication's periodicals database in a service of the test's
   own process.                                                           */

#define T0 1795000000000ULL

typedef struct {
    char *folder;
    bs_config_t *config;
    bs_service_t *service;
    char reason[BS_ERROR_REASON_MAX]; /* the last refusal's reason, "" if none */
    char field[BS_ERROR_FIELD_MAX];   /* the last refusal's field */
} office_t;

static void
s_office_open (office_t *office)
{
    static const char *const databases[] = {PERIODICALS_DATABASE, NULL};
    memset (office, 0, sizeof *office);
    bs_test_service_open ("publication", databases, "publication.issuing_unit = 某市委組織部\n",
                          &office->folder, &office->config, &office->service);
}

static void
s_office_close (office_t *office)
{
    bs_test_service_close (&office->folder, &office->config, &office->service);
}

/* Store the configured periodicals as the service does when it starts;
   how many were added. */
static size_t
s_seed (office_t *office)
{
    bs_error_t error;
    periodicals_t *seed = periodicals_load (office->config, &error);
    assert_non_null (seed);
    size_t added;
    assert_int_equal (periodicals_seed (office->service, seed, T0, &added), BS_OK);
    periodicals_destroy (&seed);
    return added;
}

/* An admin's publication.periodical_put; its code (the refusal's reason
   and field in office). */
static int
s_put (office_t *office, const bs_periodical_put_t *put)
{
    bs_message_t decoded;
    int rc = bs_test_service_command (office->service, periodicals_put, NULL,
                                      &bs_periodical_put_schema, put, T0, &decoded);
    office->reason[0] = office->field[0] = 0;
    if (decoded.schema == &bs_error_reply_schema) {
        const bs_error_reply_t *failure = decoded.data;
        snprintf (office->reason, sizeof office->reason, "%s",
                  failure->reason ? failure->reason : "");
        snprintf (office->field, sizeof office->field, "%s", failure->field ? failure->field : "");
    } else {
        assert_ptr_equal (decoded.schema, &bs_periodical_schema);
        const bs_periodical_t *reply = decoded.data;
        assert_string_equal (reply->name, put->name);
        assert_string_equal (reply->code, put->code);
    }
    bs_message_clear (&decoded);
    return rc;
}

/* The stored periodicals (the caller frees the page) and the events on
   the log so far. */
static bs_periodical_page_t
s_stored (office_t *office, uint64_t *events)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (office->service), &txn), BS_OK);
    bs_periodical_page_t page;
    assert_int_equal (
        periodicals_list (txn, bs_service_dbi (office->service, PERIODICALS_DATABASE), &page),
        BS_OK);
    if (events) {
        *events = 0;
        int rc = bs_eventlog_last (bs_service_store (office->service), txn, events);
        assert_true (rc == BS_OK || rc == BS_E_NOT_FOUND);
    }
    mdb_txn_abort (txn);
    return page;
}

static const bs_periodical_t *
s_named (const bs_periodical_page_t *page, const char *name)
{
    const bs_periodical_t *items = page->periodicals.items;
    for (size_t i = 0; i < page->periodicals.count; i++)
        if (strcmp (items[i].name, name) == 0)
            return &items[i];
    return NULL;
}

static void
test_the_configuration_seeds_the_store_once (void **state)
{
    (void) state;
    office_t office;
    s_office_open (&office);
    assert_int_equal (s_seed (&office), 2);
    uint64_t events;
    bs_periodical_page_t page = s_stored (&office, &events);
    assert_int_equal (page.periodicals.count, 2);
    assert_int_equal (events, 2); /* publication.periodical, one each */
    const bs_periodical_t *one = s_named (&page, "組工信息");
    assert_non_null (one);
    assert_string_equal (one->issuing_unit, "某市委組織部");
    bs_codec_record_free (&bs_periodical_page_schema, &page);

    /* An admin changes one; the next start keeps the admin's attributes. */
    bs_periodical_put_t put = {.name = "組工信息", .code = "ZGXX", .issuing_unit = "中共某市委組織部",
                               .level = "province", .signoff = true};
    assert_int_equal (s_put (&office, &put), BS_OK);
    assert_int_equal (s_seed (&office), 0);
    page = s_stored (&office, &events);
    assert_int_equal (events, 3);
    one = s_named (&page, "組工信息");
    assert_string_equal (one->code, "ZGXX");
    assert_string_equal (one->level, "province");
    assert_true (one->signoff);
    bs_codec_record_free (&bs_periodical_page_schema, &page);
    s_office_close (&office);
}

static void
test_an_admin_adds_and_changes_one (void **state)
{
    (void) state;
    office_t office;
    s_office_open (&office);
    s_seed (&office);
    bs_periodical_put_t put = {.name = "三農信息", .code = "SNXX", .issuing_unit = "某縣委農辦",
                               .level = "county", .upward = true};
    assert_int_equal (s_put (&office, &put), BS_OK);
    uint64_t events;
    bs_periodical_page_t page = s_stored (&office, &events);
    assert_int_equal (page.periodicals.count, 3);
    assert_int_equal (events, 3);
    const bs_periodical_t *added = s_named (&page, "三農信息");
    assert_non_null (added);
    assert_string_equal (added->issuing_unit, "某縣委農辦");
    assert_true (added->upward);
    assert_false (added->signoff);
    bs_codec_record_free (&bs_periodical_page_schema, &page);

    /* The same again changes nothing and says nothing on the log. */
    assert_int_equal (s_put (&office, &put), BS_OK);
    page = s_stored (&office, &events);
    assert_int_equal (events, 3);
    bs_codec_record_free (&bs_periodical_page_schema, &page);

    put.upward = false;
    put.signoff = true;
    put.code = "SN";
    assert_int_equal (s_put (&office, &put), BS_OK);
    page = s_stored (&office, &events);
    assert_int_equal (page.periodicals.count, 3);
    assert_int_equal (events, 4);
    added = s_named (&page, "三農信息");
    assert_string_equal (added->code, "SN");
    assert_false (added->upward);
    assert_true (added->signoff);
    bs_codec_record_free (&bs_periodical_page_schema, &page);
    s_office_close (&office);
}

static void
test_a_wrong_put_is_refused (void **state)
{
    (void) state;
    office_t office;
    s_office_open (&office);
    s_seed (&office);
    const struct {
        bs_periodical_put_t put;
        int code;
        const char *field, *reason;
    } wrong[] = {
        {{.name = "三農信息", .code = "SN", .level = "town"}, BS_E_INVALID, "level", "unknown_level"},
        {{.name = "三農,信息", .code = "SN", .level = "city"}, BS_E_INVALID, "name", "separator"},
        {{.name = "三農|信息", .code = "SN", .level = "city"}, BS_E_INVALID, "name", "separator"},
        {{.name = "  ", .code = "SN", .level = "city"}, BS_E_INVALID, "name", "blank"},
        {{.name = "三農信息", .code = " ", .level = "city"}, BS_E_INVALID, "code", "blank"},
        {{.name = "組工信息", .code = "ZG", .level = "village"}, BS_E_INVALID, "level",
         "unknown_level"},
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        assert_int_equal (s_put (&office, &wrong[i].put), wrong[i].code);
        assert_string_equal (office.field, wrong[i].field);
        assert_string_equal (office.reason, wrong[i].reason);
    }
    uint64_t events;
    bs_periodical_page_t page = s_stored (&office, &events);
    assert_int_equal (page.periodicals.count, 2);
    assert_int_equal (events, 2);
    assert_string_equal (s_named (&page, "組工信息")->level, "city");
    bs_codec_record_free (&bs_periodical_page_schema, &page);

    /* Up to BS_PERIODICALS_MAX, then a 17th is refused; changing one of
       them still goes. */
    for (int i = 2; i < BS_PERIODICALS_MAX; i++) {
        char name[32];
        snprintf (name, sizeof name, "刊物%d", i);
        bs_periodical_put_t put = {.name = name, .code = name, .level = "city"};
        assert_int_equal (s_put (&office, &put), BS_OK);
    }
    bs_periodical_put_t more = {.name = "又一刊物", .code = "YY", .level = "city"};
    assert_int_equal (s_put (&office, &more), BS_E_LIMIT);
    assert_string_equal (office.reason, "too_many");
    bs_periodical_put_t change = {.name = "刊物2", .code = "K2", .level = "county"};
    assert_int_equal (s_put (&office, &change), BS_OK);
    page = s_stored (&office, NULL);
    assert_int_equal (page.periodicals.count, BS_PERIODICALS_MAX);
    assert_null (s_named (&page, "又一刊物"));
    bs_codec_record_free (&bs_periodical_page_schema, &page);
    s_office_close (&office);
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
        cmocka_unit_test (test_the_configuration_seeds_the_store_once),
        cmocka_unit_test (test_an_admin_adds_and_changes_one),
        cmocka_unit_test (test_a_wrong_put_is_refused),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
