/*  officer_access: what an officer may do and read, run in-process
    (intake_fixture.h). Commands are checked against the principal they act
    as: an officer may not make admins, units or tokens, read password
    hashes or end another's sessions; an officer may submit only for their
    own unit and as themself, and a refused submission leaves nothing
    behind; a disabled officer, or one of no unit, is refused saying
    which (reason disabled, no_unit); an officer reads only their own unit's reports, attachments and
    officers.
*/
#include "intake_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Commands are checked against the principal they act as: here an officer
   the gateway's certificate vouches for, or the admin CLI. (Which claims a
   certificate may make is test_principal's.) */
static void
test_principal_checks (void **state)
{
    intake_fixture_t *fixture = *state;
    intake_fixture_unit (fixture, "滑縣", "county", NULL);
    intake_fixture_unit (fixture, "林州市", "county", NULL);
    bs_officer_t wang = {.login = "wang", .name = "王", .unit = "林州市", .roles = "officer"};
    bs_officer_t reply;
    bs_error_t error;
    intake_fixture_officer (fixture, &wang);

    /* an officer may not make themself (or anyone) an admin, nor tokens */
    bs_principal_t officer;
    bs_principal_set (&officer, "wang", "officer", "林州市", "officer");
    fixture->acting = &officer;
    bs_officer_t root = {.login = "root",
                         .name = "root",
                         .roles = "admin,editor,leader",
                         .password = "root-password"};
    intake_fixture_refused (fixture, &bs_officer_schema, &root, &bs_officer_schema, BS_E_DENIED,
                            "principal");
    bs_token_create_t create = {.name = "stolen", .unit = "滑縣"};
    intake_fixture_refused (fixture, &bs_token_create_schema, &create, &bs_token_schema,
                            BS_E_DENIED, "principal");
    bs_unit_t unit = {.name = "假縣", .level = "county"};
    intake_fixture_refused (fixture, &bs_unit_schema, &unit, &bs_unit_schema, BS_E_DENIED,
                            "principal");
    /* nor read password hashes or vouch for sessions: the gateway's */
    bs_login_t login = {.login = "wang"};
    intake_fixture_refused (fixture, &bs_login_schema, &login, &bs_credentials_schema, BS_E_DENIED,
                            "principal");
    bs_session_check_t check = {.login = "wang"};
    intake_fixture_refused (fixture, &bs_session_check_schema, &check, &bs_officer_schema,
                            BS_E_DENIED, "principal");
    /* but may end their own sessions, not another's */
    bs_session_end_t end = {.login = "wang"};
    assert_int_equal (intake_fixture_call (fixture, &bs_session_end_schema, &end,
                                           &bs_officer_schema, &reply, &error),
                      BS_OK);
    bs_codec_record_free (&bs_officer_schema, &reply);
    end.login = "li";
    intake_fixture_refused (fixture, &bs_session_end_schema, &end, &bs_officer_schema, BS_E_DENIED,
                            "principal");

    /* unit 林州市's officer submits neither for 滑縣 nor as someone else */
    bs_submit_t submit = {.unit = "滑縣", .title = "標題", .body = "正文", .officer = "wang"};
    intake_fixture_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_DENIED,
                            "unit");
    submit = (bs_submit_t){.title = "標題", .body = "正文", .officer = "li"};
    intake_fixture_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_DENIED,
                            "officer");
    submit = (bs_submit_t){.unit = "林州市", .title = "標題", .body = "正文", .officer = "wang"};
    submit.channel = "web";
    bs_submitted_t receipt;
    if (intake_fixture_call (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, &receipt,
                             &error)
        != BS_OK)
        fail_msg ("%s: %s", error.field, error.text);
    bs_codec_record_free (&bs_submitted_schema, &receipt);

    /* the gateway, which may vouch only for officers, cannot claim an
       admin; the admin CLI's certificate may change the registry */
    bs_principal_t admin;
    bs_principal_set (&admin, "cli-admin", "admin", "", "admin");
    fixture->acting = &admin;
    intake_fixture_refused (fixture, &bs_officer_schema, &root, &bs_officer_schema, BS_E_DENIED,
                            "principal");
    fixture->acting = NULL;
    intake_fixture_officer (fixture, &root);
}

/* An officer who may not submit is refused with the word of why: a
   disabled one, one of no unit (an editor named as the officer). */
static void
test_officer_refused_says_why (void **state)
{
    intake_fixture_t *fixture = *state;
    intake_fixture_unit (fixture, "林州市", "county", NULL);
    bs_officer_t closed = {
        .login = "gao", .name = "高", .unit = "林州市", .roles = "officer", .disabled = true};
    intake_fixture_officer (fixture, &closed);
    bs_officer_t unitless = {.login = "wu", .name = "吳", .roles = "editor"};
    intake_fixture_officer (fixture, &unitless);
    size_t before = intake_fixture_report_count (fixture);
    bs_submit_t submit = {
        .title = "停用後報送", .body = "已停用的信息員報送。", .channel = "web", .officer = "gao"};
    intake_fixture_refused_because (fixture, &bs_submit_schema, &submit, &bs_submitted_schema,
                                    BS_E_DENIED, "officer", "disabled");
    submit.officer = "wu";
    intake_fixture_refused_because (fixture, &bs_submit_schema, &submit, &bs_submitted_schema,
                                    BS_E_DENIED, "officer", "no_unit");
    assert_int_equal (intake_fixture_report_count (fixture), before);
}

static void
test_officer_submits_for_own_unit_only (void **state)
{
    intake_fixture_t *fixture = *state;
    intake_fixture_unit (fixture, "林州市", "county", NULL);
    intake_fixture_unit (fixture, "殷都區", "county", NULL);
    bs_officer_t officer = {.login = "zhao", .name = "趙", .unit = "林州市", .roles = "officer"};
    bs_error_t error;
    intake_fixture_officer (fixture, &officer);
    size_t before = intake_fixture_report_count (fixture);
    bs_submit_t submit = {.unit = "殷都區",
                          .title = "越權報送",
                          .body = "林州市的信息員替殷都區報送。",
                          .channel = "web",
                          .officer = "zhao"};
    intake_fixture_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_DENIED,
                            "unit");
    submit.officer = "nobody";
    intake_fixture_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema,
                            BS_E_NOT_FOUND, "officer");
    submit.officer = NULL;
    intake_fixture_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_INVALID,
                            "officer");
    assert_int_equal (intake_fixture_report_count (fixture), before);
    submit = (bs_submit_t){.title = "本單位報送",
                           .body = "林州市的信息員為本單位報送。",
                           .channel = "web",
                           .officer = "zhao"};
    bs_submitted_t receipt;
    assert_int_equal (intake_fixture_call (fixture, &bs_submit_schema, &submit,
                                           &bs_submitted_schema, &receipt, &error),
                      BS_OK);
    bs_report_get_t get = {.report_id = receipt.report_id};
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    bs_report_t report;
    assert_int_equal (intake_fixture_call (fixture, &bs_report_get_schema, &get, &bs_report_schema,
                                           &report, &error),
                      BS_OK);
    assert_string_equal (report.unit, "林州市");
    assert_string_equal (report.officer, "zhao");
    assert_int_equal (report.provenances.count, 1);
    bs_codec_record_free (&bs_report_schema, &report);
    /* a disabled unit is refused */
    bs_unit_t disabled = {.name = "林州市", .level = "county", .disabled = true};
    bs_unit_t unit;
    assert_int_equal (
        intake_fixture_call (fixture, &bs_unit_schema, &disabled, &bs_unit_schema, &unit, &error),
        BS_OK);
    bs_codec_record_free (&bs_unit_schema, &unit);
    submit.title = "停用單位報送";
    intake_fixture_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_DENIED,
                            "unit");
    assert_int_equal (intake_fixture_report_count (fixture), before + 1);
}

/* An officer reads only their own unit's reports, attachments and
   officers over ZeroMQ, as the gateway shows them: another unit's is
   answered exactly as one that does not exist (by id, by registration
   number, at any version); held mail is staff's. Staff and the admin read
   every unit's. */
static uint64_t
s_submit_as (intake_fixture_t *fixture, const bs_principal_t *officer, const char *title,
             char **reg_no)
{
    bs_attachment_t file = {
        .name = "附件.txt", .content_type = "text/plain", .data = {6, (unsigned char *) "附件"}};
    bs_submit_t submit = {.title = (char *) title,
                          .body = "本單位的信息正文。",
                          .channel = "web",
                          .officer = (char *) officer->who,
                          .attachments = {1, &file}};
    bs_submitted_t receipt;
    bs_error_t error;
    fixture->acting = officer;
    if (intake_fixture_call (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, &receipt,
                             &error)
        != BS_OK)
        fail_msg ("%s: %s", error.field, error.text);
    uint64_t report_id = receipt.report_id;
    *reg_no = strdup (receipt.reg_no);
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    return report_id;
}

/* The units of a page of reports, as "unit,unit,". */
static void
s_listed_units (intake_fixture_t *fixture, char *units, size_t size)
{
    bs_report_page_t page;
    intake_fixture_report_page (fixture, &page);
    *units = 0;
    const bs_report_t *reports = page.reports.items;
    for (size_t i = 0; i < page.reports.count; i++)
        snprintf (units + strlen (units), size - strlen (units), "%s,", reports[i].unit);
    bs_codec_record_free (&bs_report_page_schema, &page);
}

static void
test_officer_reads_own_unit_only (void **state)
{
    intake_fixture_t *fixture = *state;
    intake_fixture_unit (fixture, "滑縣", "county", NULL);
    intake_fixture_unit (fixture, "湯陰縣", "county", NULL);
    const char *people[][3] = {{"wang", "滑縣", "officer"},
                               {"li", "湯陰縣", "officer"},
                               {"zhou", "湯陰縣", "officer,editor"}};
    bs_principal_t principals[3];
    for (int i = 0; i < 3; i++) {
        bs_officer_t officer = {.login = (char *) people[i][0],
                                .name = (char *) people[i][0],
                                .unit = (char *) people[i][1],
                                .roles = (char *) people[i][2]};
        fixture->acting = NULL;
        intake_fixture_officer (fixture, &officer);
        bs_principal_set (&principals[i], people[i][0], "officer", people[i][1], people[i][2]);
    }
    const bs_principal_t *wang = &principals[0], *li = &principals[1], *editor = &principals[2];
    char *own_number, *other_number;
    uint64_t own = s_submit_as (fixture, wang, "滑縣的信息", &own_number);
    uint64_t other = s_submit_as (fixture, li, "湯陰縣的信息", &other_number);

    /* wang, of 滑縣: 湯陰縣's report is not there, however it is asked for */
    fixture->acting = wang;
    bs_report_get_t get = {.report_id = other};
    intake_fixture_refused (fixture, &bs_report_get_schema, &get, &bs_report_schema, BS_E_NOT_FOUND,
                            "report_id");
    get = (bs_report_get_t){.report_id = other, .version = 2};
    intake_fixture_refused (fixture, &bs_report_get_schema, &get, &bs_report_schema, BS_E_NOT_FOUND,
                            "report_id");
    get = (bs_report_get_t){.reg_no = other_number};
    intake_fixture_refused (fixture, &bs_report_get_schema, &get, &bs_report_schema, BS_E_NOT_FOUND,
                            "reg_no");
    bs_attachment_get_t attachment = {.report_id = other, .index = 0};
    intake_fixture_refused (fixture, &bs_attachment_get_schema, &attachment, &bs_attachment_schema,
                            BS_E_NOT_FOUND, "report_id");
    bs_officer_get_t officer_get = {.login = "li"};
    intake_fixture_refused (fixture, &bs_officer_get_schema, &officer_get, &bs_officer_schema,
                            BS_E_NOT_FOUND, "login");
    bs_held_list_t held = {0};
    intake_fixture_refused (fixture, &bs_held_list_schema, &held, &bs_held_page_schema, BS_E_DENIED,
                            "principal");
    bs_held_assign_t assign = {.hold_id = 1, .unit = "滑縣"};
    intake_fixture_refused (fixture, &bs_held_assign_schema, &assign, &bs_submitted_schema,
                            BS_E_DENIED, "principal");
    char units[256];
    s_listed_units (fixture, units, sizeof units);
    assert_string_equal (units, "滑縣,");
    bs_officer_list_t officer_list = {.limit = 100};
    bs_officer_page_t officers;
    bs_error_t error;
    assert_int_equal (intake_fixture_call (fixture, &bs_officer_list_schema, &officer_list,
                                           &bs_officer_page_schema, &officers, &error),
                      BS_OK);
    assert_int_equal (officers.officers.count, 1);
    assert_string_equal (((bs_officer_t *) officers.officers.items)[0].login, "wang");
    bs_codec_record_free (&bs_officer_page_schema, &officers);

    /* ... while its own unit's is, with its attachment and a version
       that does not exist named as such */
    bs_report_t report;
    fixture->acting = wang;
    get = (bs_report_get_t){.reg_no = own_number};
    assert_int_equal (intake_fixture_call (fixture, &bs_report_get_schema, &get, &bs_report_schema,
                                           &report, &error),
                      BS_OK);
    assert_int_equal (report.report_id, own);
    bs_codec_record_free (&bs_report_schema, &report);
    get = (bs_report_get_t){.report_id = own, .version = 2};
    intake_fixture_refused (fixture, &bs_report_get_schema, &get, &bs_report_schema, BS_E_NOT_FOUND,
                            "version");
    attachment.report_id = own;
    bs_attachment_t bytes;
    fixture->acting = wang;
    assert_int_equal (intake_fixture_call (fixture, &bs_attachment_get_schema, &attachment,
                                           &bs_attachment_schema, &bytes, &error),
                      BS_OK);
    assert_memory_equal (bytes.data.data, "附件", 6);
    bs_codec_record_free (&bs_attachment_schema, &bytes);

    /* staff (an editor of 湯陰縣) and the admin read every unit's */
    const bs_principal_t *readers[] = {editor, NULL};
    for (int i = 0; i < 2; i++) {
        fixture->acting = readers[i];
        get = (bs_report_get_t){.report_id = own};
        assert_int_equal (intake_fixture_call (fixture, &bs_report_get_schema, &get,
                                               &bs_report_schema, &report, &error),
                          BS_OK);
        bs_codec_record_free (&bs_report_schema, &report);
        fixture->acting = readers[i];
        s_listed_units (fixture, units, sizeof units);
        assert_string_equal (units, "滑縣,湯陰縣,");
    }
    fixture->acting = NULL;
    free (own_number);
    free (other_number);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_principal_checks, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_officer_refused_says_why, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_officer_submits_for_own_unit_only,
                                         intake_fixture_setup, intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_officer_reads_own_unit_only, intake_fixture_setup,
                                         intake_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
