/*  registry: intake's units, officers, logins, sessions and tokens, run
    in-process (intake_fixture.h).

    What users rely on: a unit needs a known level and an existing parent of
    a level not below its own; an officer's roles are known ones and an
    officer (role officer) has a unit; an email address or phone number
    belongs to one officer; a password is never returned and only the right
    one logs in; a session lasts until logout or a change that matters; a
    token's secret is shown once, checks until revoked, and a wrong one is
    refused; the admin lists the tokens (revoked ones too) without any
    secret, with each one's last use (recorded at most once a minute); a
    refused command leaves nothing behind.
*/
#include "intake_fixture.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "bs_clock.h"
#include "registry.h"

static void
test_units_form_a_hierarchy (void **state)
{
    intake_fixture_t *fixture = *state;
    intake_fixture_unit (fixture, "安陽市", "city", NULL);
    intake_fixture_unit (fixture, "林州市", "county", "安陽市");
    intake_fixture_unit (fixture, "姚村鎮", "township", "林州市");
    bs_unit_t bad = {.name = "某縣", .level = "village"};
    intake_fixture_refused (fixture, &bs_unit_schema, &bad, &bs_unit_schema, BS_E_INVALID, "level");
    bad = (bs_unit_t){.name = "某縣", .level = "county", .parent = "不存在市"};
    intake_fixture_refused (fixture, &bs_unit_schema, &bad, &bs_unit_schema, BS_E_NOT_FOUND,
                            "parent");
    bad = (bs_unit_t){.name = "河南省", .level = "province", .parent = "林州市"};
    intake_fixture_refused (fixture, &bs_unit_schema, &bad, &bs_unit_schema, BS_E_INVALID,
                            "parent");
    bad = (bs_unit_t){.name = "安陽市", .level = "city", .parent = "姚村鎮"};
    intake_fixture_refused (fixture, &bs_unit_schema, &bad, &bs_unit_schema, BS_E_INVALID,
                            "parent");
    bad = (bs_unit_t){.name = "某科", .level = "county", .kind = "team"};
    intake_fixture_refused (fixture, &bs_unit_schema, &bad, &bs_unit_schema, BS_E_INVALID, "kind");

    /* adding creates only: a name taken is refused (林州市 stays a county,
       below) */
    bs_unit_add_t add = {.name = "林州市", .level = "city"};
    intake_fixture_refused_because (fixture, &bs_unit_add_schema, &add, &bs_unit_schema,
                                    BS_E_CONFLICT, "name", "taken");
    add = (bs_unit_add_t){.name = "湯陰縣", .level = "county", .parent = "安陽市"};
    bs_unit_t added;
    bs_error_t error;
    assert_int_equal (
        intake_fixture_call (fixture, &bs_unit_add_schema, &add, &bs_unit_schema, &added, &error),
        BS_OK);
    assert_string_equal (added.kind, "department");
    bs_codec_record_free (&bs_unit_schema, &added);

    bs_unit_list_t query = {.parent = "安陽市"};
    bs_unit_page_t page;
    assert_int_equal (intake_fixture_call (fixture, &bs_unit_list_schema, &query,
                                           &bs_unit_page_schema, &page, &error),
                      BS_OK);
    assert_int_equal (page.units.count, 2);
    assert_string_equal (((bs_unit_t *) page.units.items)[0].name, "林州市");
    assert_string_equal (((bs_unit_t *) page.units.items)[0].level, "county");
    bs_codec_record_free (&bs_unit_page_schema, &page);
    /* paging by name */
    query = (bs_unit_list_t){.limit = 2};
    assert_int_equal (intake_fixture_call (fixture, &bs_unit_list_schema, &query,
                                           &bs_unit_page_schema, &page, &error),
                      BS_OK);
    assert_int_equal (page.units.count, 2);
    assert_non_null (page.next);
    query.after = page.next;
    bs_unit_page_t rest;
    assert_int_equal (intake_fixture_call (fixture, &bs_unit_list_schema, &query,
                                           &bs_unit_page_schema, &rest, &error),
                      BS_OK);
    assert_int_equal (rest.units.count, 2);
    assert_null (rest.next);
    bs_codec_record_free (&bs_unit_page_schema, &page);
    bs_codec_record_free (&bs_unit_page_schema, &rest);

    /* at most 16 units above a unit: a chain of 17 counties, the 18th
       refused for it */
    char names[18][16];
    for (int i = 0; i < 18; i++)
        snprintf (names[i], sizeof names[i], "縣%02d", i);
    for (int i = 0; i < 17; i++)
        intake_fixture_unit (fixture, names[i], "county", i ? names[i - 1] : NULL);
    bad = (bs_unit_t){.name = names[17], .level = "county", .parent = names[16]};
    intake_fixture_refused_because (fixture, &bs_unit_schema, &bad, &bs_unit_schema, BS_E_INVALID,
                                    "parent", "too_deep");
}

/* What a login of login answers the gateway, into credentials (free it
   with bs_codec_record_free). */
static void
s_credentials (intake_fixture_t *fixture, const char *login, bs_credentials_t *credentials)
{
    fixture->as_gateway = true;
    bs_login_t query = {.login = (char *) login};
    bs_error_t error;
    assert_int_equal (intake_fixture_call (fixture, &bs_login_schema, &query,
                                           &bs_credentials_schema, credentials, &error),
                      BS_OK);
}

/* Whether password fits the hash a login of login answers, and whether
   intake knows the login. */
static void
s_credentials_fit (intake_fixture_t *fixture, const char *login, const char *password, bool known,
                   bool fits)
{
    bs_credentials_t credentials;
    s_credentials (fixture, login, &credentials);
    assert_int_equal (credentials.known, known);
    assert_non_null (credentials.hash);
    assert_int_equal (crypto_pwhash_str_verify (credentials.hash, password, strlen (password)) == 0,
                      fits);
    /* known or not, a hash at the configured cost (min here): checking it
       costs the gateway the same */
    assert_int_equal (crypto_pwhash_str_needs_rehash (credentials.hash, crypto_pwhash_OPSLIMIT_MIN,
                                                      crypto_pwhash_MEMLIMIT_MIN),
                      0);
    bs_codec_record_free (&bs_credentials_schema, &credentials);
}

static void
test_officers_and_logins (void **state)
{
    intake_fixture_t *fixture = *state;
    intake_fixture_unit (fixture, "湯陰縣", "county", NULL);
    bs_officer_t officer = {.login = "li",
                            .name = "李信息員",
                            .unit = "湯陰縣",
                            .roles = "officer,editor",
                            .emails = "Li@TangYin.example.cn, li2@example.cn",
                            .phones = "0372-5511234",
                            .password = "correct horse"};
    bs_officer_t reply;
    bs_error_t error;
    assert_int_equal (intake_fixture_call (fixture, &bs_officer_schema, &officer,
                                           &bs_officer_schema, &reply, &error),
                      BS_OK);
    assert_null (reply.password);
    bs_codec_record_free (&bs_officer_schema, &reply);

    bs_officer_get_t get = {.login = "li"};
    assert_int_equal (intake_fixture_call (fixture, &bs_officer_get_schema, &get,
                                           &bs_officer_schema, &reply, &error),
                      BS_OK);
    assert_null (reply.password); /* the hash never leaves intake */
    assert_string_equal (reply.unit, "湯陰縣");
    bs_codec_record_free (&bs_officer_schema, &reply);

    /* a password of fewer than 8 characters (as a person counts them) is
       refused saying so */
    officer.password = "李信息員的密";
    intake_fixture_refused_because (fixture, &bs_officer_schema, &officer, &bs_officer_schema,
                                    BS_E_INVALID, "password", "too_short");
    officer.password = "correct horse";

    /* A login answers the hash for the gateway to check: only the right
       password fits it, and an unknown login gets a hash nothing fits. */
    s_credentials_fit (fixture, "li", "correct horse", true, true);
    s_credentials_fit (fixture, "li", "wrong horse", true, false);
    s_credentials_fit (fixture, "nobody", "correct horse", false, false);
    s_credentials_fit (fixture, "nobody", "", false, false);

    /* bad officers */
    bs_officer_t bad = officer;
    bad.login = "wang";
    bad.roles = "officer,boss";
    intake_fixture_refused (fixture, &bs_officer_schema, &bad, &bs_officer_schema, BS_E_INVALID,
                            "roles");
    bad = (bs_officer_t){.login = "wang", .name = "王", .roles = "officer"};
    intake_fixture_refused (fixture, &bs_officer_schema, &bad, &bs_officer_schema, BS_E_INVALID,
                            "unit");
    bad = (bs_officer_t){.login = "wang", .name = "王", .roles = "officer", .unit = "無此縣"};
    intake_fixture_refused (fixture, &bs_officer_schema, &bad, &bs_officer_schema, BS_E_NOT_FOUND,
                            "unit");
    /* a password has at least 8 characters, as a person counts them: 7
       Chinese ones (21 bytes) are too few, 8 are enough */
    bad = (bs_officer_t){.login = "wang",
                         .name = "王",
                         .roles = "officer",
                         .unit = "湯陰縣",
                         .password = "七個漢字的密碼"};
    intake_fixture_refused (fixture, &bs_officer_schema, &bad, &bs_officer_schema, BS_E_INVALID,
                            "password");
    bad.login = "zhao";
    bad.password = "八個漢字組成密碼";
    intake_fixture_officer (fixture, &bad);
    s_credentials_fit (fixture, "zhao", "八個漢字組成密碼", true, true);
    /* an address belongs to one officer; the refused put leaves nothing */
    bad = (bs_officer_t){.login = "wang",
                         .name = "王",
                         .roles = "officer",
                         .unit = "湯陰縣",
                         .emails = "wang@example.cn,LI@tangyin.example.cn"};
    intake_fixture_refused_because (fixture, &bs_officer_schema, &bad, &bs_officer_schema,
                                    BS_E_CONFLICT, "emails", "taken");
    /* an address that is none: said for what it is */
    bad.emails = "wang.example.cn";
    intake_fixture_refused_because (fixture, &bs_officer_schema, &bad, &bs_officer_schema,
                                    BS_E_INVALID, "emails", "not_email");
    bad.emails = NULL;
    bad.phones = "待定";
    intake_fixture_refused_because (fixture, &bs_officer_schema, &bad, &bs_officer_schema,
                                    BS_E_INVALID, "phones", "not_phone");
    bad.phones = NULL;
    get.login = "wang";
    intake_fixture_refused (fixture, &bs_officer_get_schema, &get, &bs_officer_schema,
                            BS_E_NOT_FOUND, "login");
    /* an editor needs no unit */
    bad = (bs_officer_t){.login = "editor", .name = "編輯", .roles = "editor"};
    intake_fixture_officer (fixture, &bad);

    /* disabled officers cannot log in; a put without password keeps it */
    officer.disabled = true;
    officer.password = NULL;
    intake_fixture_officer (fixture, &officer);
    bs_credentials_t credentials;
    s_credentials (fixture, "li", &credentials);
    assert_true (credentials.disabled);
    bs_codec_record_free (&bs_credentials_schema, &credentials);
    officer.disabled = false;
    intake_fixture_officer (fixture, &officer);
    s_credentials_fit (fixture, "li", "correct horse", true, true);
}

/* The session generation of login, from a login's credentials. */
static uint64_t
s_generation (intake_fixture_t *fixture, const char *login)
{
    bs_credentials_t credentials;
    s_credentials (fixture, login, &credentials);
    uint64_t generation = credentials.session_gen;
    bs_codec_record_free (&bs_credentials_schema, &credentials);
    return generation;
}

/* Whether a session of login made at generation is alive. */
static bool
s_session_alive (intake_fixture_t *fixture, const char *login, uint64_t generation)
{
    fixture->as_gateway = true;
    bs_session_check_t check = {.login = (char *) login, .session_gen = generation};
    bs_officer_t officer;
    bs_error_t error;
    int rc = intake_fixture_call (fixture, &bs_session_check_schema, &check, &bs_officer_schema,
                                  &officer, &error);
    if (rc == BS_OK) {
        assert_null (officer.password);
        bs_codec_record_free (&bs_officer_schema, &officer);
        return true;
    }
    assert_int_equal (rc, BS_E_DENIED);
    assert_string_equal (error.field, "session");
    return false;
}

static void
test_sessions_end (void **state)
{
    intake_fixture_t *fixture = *state;
    intake_fixture_unit (fixture, "湯陰縣", "county", NULL);
    intake_fixture_unit (fixture, "滑縣", "county", NULL);
    bs_officer_t officer = {.login = "li",
                            .name = "李信息員",
                            .unit = "湯陰縣",
                            .roles = "officer",
                            .password = "correct horse"};
    intake_fixture_officer (fixture, &officer);
    uint64_t generation = s_generation (fixture, "li");
    assert_true (s_session_alive (fixture, "li", generation));
    assert_false (s_session_alive (fixture, "li", generation + 1));
    assert_false (s_session_alive (fixture, "nobody", 0));

    /* logout ends every session of the officer; a second logout of the
       same (ended) session ends nothing more */
    bs_session_end_t end = {.login = "li", .session_gen = generation};
    bs_officer_t reply;
    bs_error_t error;
    assert_int_equal (intake_fixture_call (fixture, &bs_session_end_schema, &end,
                                           &bs_officer_schema, &reply, &error),
                      BS_OK);
    bs_codec_record_free (&bs_officer_schema, &reply);
    assert_false (s_session_alive (fixture, "li", generation));
    assert_int_equal (s_generation (fixture, "li"), generation + 1);
    intake_fixture_refused (fixture, &bs_session_end_schema, &end, &bs_officer_schema, BS_E_DENIED,
                            "session");
    assert_int_equal (s_generation (fixture, "li"), generation + 1);

    /* a put that changes nothing that matters keeps sessions alive */
    generation = s_generation (fixture, "li");
    officer.password = NULL;
    officer.name = "李 信息員";
    officer.session_gen = 0; /* a client cannot set it back */
    intake_fixture_officer (fixture, &officer);
    assert_true (s_session_alive (fixture, "li", generation));

    /* new roles, a new unit, a new password, disabling: each ends them */
    const char *changes[] = {"roles", "unit", "password", "disabled"};
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        generation = s_generation (fixture, "li");
        bs_officer_t changed = officer;
        if (strcmp (changes[i], "roles") == 0)
            changed.roles = "officer,editor";
        else if (strcmp (changes[i], "unit") == 0)
            changed.unit = "滑縣";
        else if (strcmp (changes[i], "password") == 0)
            changed.password = "battery staple";
        else
            changed.disabled = true;
        intake_fixture_officer (fixture, &changed);
        assert_false (s_session_alive (fixture, "li", generation));
        if (!changed.disabled)
            assert_true (s_session_alive (fixture, "li", s_generation (fixture, "li")));
        officer = changed;
        officer.password = NULL;
    }
    /* a disabled officer has no live session at any generation */
    assert_false (s_session_alive (fixture, "li", s_generation (fixture, "li")));
}

static void
test_tokens (void **state)
{
    intake_fixture_t *fixture = *state;
    intake_fixture_unit (fixture, "滑縣", "county", NULL);
    bs_token_create_t create = {.name = "province-system", .unit = "滑縣"};
    bs_token_t token;
    bs_error_t error;
    assert_int_equal (intake_fixture_call (fixture, &bs_token_create_schema, &create,
                                           &bs_token_schema, &token, &error),
                      BS_OK);
    assert_non_null (token.secret);
    assert_int_equal (strlen (token.secret), 4 + 64);
    char secret[80];
    snprintf (secret, sizeof secret, "%s", token.secret);
    bs_codec_record_free (&bs_token_schema, &token);
    intake_fixture_refused_because (fixture, &bs_token_create_schema, &create, &bs_token_schema,
                                    BS_E_CONFLICT, "name", "taken");
    create = (bs_token_create_t){.name = "x", .unit = "無此縣"};
    intake_fixture_refused (fixture, &bs_token_create_schema, &create, &bs_token_schema,
                            BS_E_NOT_FOUND, "unit");
    /* a disabled unit is given no token, and the refusal says why */
    bs_unit_t closed = {.name = "已撤銷鄉", .level = "township", .disabled = true};
    bs_unit_t unit;
    assert_int_equal (
        intake_fixture_call (fixture, &bs_unit_schema, &closed, &bs_unit_schema, &unit, &error),
        BS_OK);
    bs_codec_record_free (&bs_unit_schema, &unit);
    create = (bs_token_create_t){.name = "closed-system", .unit = "已撤銷鄉"};
    intake_fixture_refused_because (fixture, &bs_token_create_schema, &create, &bs_token_schema,
                                    BS_E_DENIED, "unit", "disabled");
    /* a token no one created cannot be revoked */
    bs_token_revoke_t unknown = {.name = "no-such-system"};
    intake_fixture_refused_because (fixture, &bs_token_revoke_schema, &unknown, &bs_token_schema,
                                    BS_E_NOT_FOUND, "name", "unknown");

    bs_token_check_t check = {.secret = secret};
    fixture->as_gateway = true;
    assert_int_equal (intake_fixture_call (fixture, &bs_token_check_schema, &check,
                                           &bs_token_schema, &token, &error),
                      BS_OK);
    assert_string_equal (token.unit, "滑縣");
    assert_null (token.secret); /* never again */
    bs_codec_record_free (&bs_token_schema, &token);
    char wrong[80];
    snprintf (wrong, sizeof wrong, "%s", secret);
    wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
    check.secret = wrong;
    fixture->as_gateway = true;
    intake_fixture_refused (fixture, &bs_token_check_schema, &check, &bs_token_schema, BS_E_DENIED,
                            "secret");

    /* a token of 滑縣 submits for 滑縣 only */
    size_t before = intake_fixture_report_count (fixture);
    intake_fixture_unit (fixture, "內黃縣", "county", NULL);
    bs_submit_t submit = {.unit = "內黃縣",
                          .title = "直報信息",
                          .body = "用滑縣的令牌為內黃縣報送。",
                          .channel = "direct",
                          .token = secret};
    intake_fixture_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_DENIED,
                            "unit");
    submit.unit = NULL;
    bs_submitted_t receipt;
    assert_int_equal (intake_fixture_call (fixture, &bs_submit_schema, &submit,
                                           &bs_submitted_schema, &receipt, &error),
                      BS_OK);
    assert_string_equal (receipt.status, "registered");
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    assert_int_equal (intake_fixture_report_count (fixture), before + 1);

    bs_token_revoke_t revoke = {.name = "province-system"};
    assert_int_equal (intake_fixture_call (fixture, &bs_token_revoke_schema, &revoke,
                                           &bs_token_schema, &token, &error),
                      BS_OK);
    assert_true (token.revoked);
    bs_codec_record_free (&bs_token_schema, &token);
    check.secret = secret;
    fixture->as_gateway = true;
    intake_fixture_refused (fixture, &bs_token_check_schema, &check, &bs_token_schema, BS_E_DENIED,
                            "secret");
    submit.title = "撤銷後的直報";
    intake_fixture_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_DENIED,
                            "token");
    assert_int_equal (intake_fixture_report_count (fixture), before + 1);
}

/* The tokens by name, page by page, each with its unit, when it was made
   and whether it is revoked, and no secret nor its hash; an admin's. */
static void
test_tokens_listed (void **state)
{
    intake_fixture_t *fixture = *state;
    intake_fixture_unit (fixture, "滑縣", "county", NULL);
    const char *names[] = {"b-system", "a-system"};
    bs_token_t token;
    bs_error_t error;
    for (size_t i = 0; i < 2; i++) {
        bs_token_create_t create = {.name = (char *) names[i], .unit = "滑縣"};
        assert_int_equal (intake_fixture_call (fixture, &bs_token_create_schema, &create,
                                               &bs_token_schema, &token, &error),
                          BS_OK);
        bs_codec_record_free (&bs_token_schema, &token);
    }
    bs_token_revoke_t revoke = {.name = "b-system"};
    assert_int_equal (intake_fixture_call (fixture, &bs_token_revoke_schema, &revoke,
                                           &bs_token_schema, &token, &error),
                      BS_OK);
    bs_codec_record_free (&bs_token_schema, &token);

    bs_token_list_t query = {.limit = 1};
    bs_token_page_t page;
    assert_int_equal (intake_fixture_call (fixture, &bs_token_list_schema, &query,
                                           &bs_token_page_schema, &page, &error),
                      BS_OK);
    assert_int_equal (page.tokens.count, 1);
    bs_token_t *first = page.tokens.items;
    assert_string_equal (first->name, "a-system");
    assert_string_equal (first->unit, "滑縣");
    assert_true (first->created_at > 0);
    assert_false (first->revoked);
    assert_null (first->secret);
    assert_string_equal (page.next, "a-system");
    query.after = page.next;
    bs_token_page_t rest;
    assert_int_equal (intake_fixture_call (fixture, &bs_token_list_schema, &query,
                                           &bs_token_page_schema, &rest, &error),
                      BS_OK);
    assert_int_equal (rest.tokens.count, 1);
    bs_token_t *second = rest.tokens.items;
    assert_string_equal (second->name, "b-system");
    assert_true (second->revoked);
    assert_null (second->secret);
    bs_codec_record_free (&bs_token_page_schema, &page);
    bs_codec_record_free (&bs_token_page_schema, &rest);

    /* an officer sees no token */
    bs_principal_t officer;
    bs_principal_set (&officer, "wang", "officer", "滑縣", "officer");
    fixture->acting = &officer;
    query = (bs_token_list_t){0};
    intake_fixture_refused (fixture, &bs_token_list_schema, &query, &bs_token_page_schema,
                            BS_E_DENIED, "principal");
    fixture->acting = NULL;
}

/* A check of secret at now, as the service makes one in its turn. */
typedef struct {
    intake_fixture_t *fixture;
    const char *secret;
    uint64_t now;
    int rc;
} s_use_t;

static int
s_use_write (MDB_txn *txn, void *argument)
{
    s_use_t *use = argument;
    bs_token_t token;
    bs_error_t error;
    use->rc =
        registry_token_check (use->fixture->service, txn, use->secret, use->now, &token, &error);
    if (use->rc == BS_OK)
        bs_codec_record_free (&bs_token_schema, &token);
    return BS_OK;
}

static int
s_use (intake_fixture_t *fixture, const char *secret, uint64_t now)
{
    s_use_t use = {fixture, secret, now, BS_OK};
    assert_int_equal (bs_store_write (fixture->store, s_use_write, &use), BS_OK);
    return use.rc;
}

/* The last use of the token named name, as the admin's list has it. */
static uint64_t
s_last_used (intake_fixture_t *fixture, const char *name)
{
    bs_token_list_t query = {0};
    bs_token_page_t page;
    bs_error_t error;
    assert_int_equal (intake_fixture_call (fixture, &bs_token_list_schema, &query,
                                           &bs_token_page_schema, &page, &error),
                      BS_OK);
    uint64_t last = UINT64_MAX;
    const bs_token_t *tokens = page.tokens.items;
    for (size_t i = 0; i < page.tokens.count; i++)
        if (strcmp (tokens[i].name, name) == 0)
            last = tokens[i].last_used_at;
    bs_codec_record_free (&bs_token_page_schema, &page);
    assert_true (last != UINT64_MAX);
    return last;
}

/* A token's last use is in the admin's list: none before its first,
   then when a check let it through, recorded at most once a minute (a
   system calling every second costs a write a minute, not one a call);
   a wrong secret is no use of any token. */
static void
test_token_last_use (void **state)
{
    intake_fixture_t *fixture = *state;
    char secret[128];
    intake_fixture_city_system (fixture, secret, sizeof secret);
    assert_int_equal (s_last_used (fixture, "city-system"), 0);

    /* The gateway's check, at the service's own time. */
    uint64_t before = bs_clock_now ();
    fixture->as_gateway = true;
    bs_token_t token;
    bs_error_t error;
    bs_token_check_t check = {.secret = secret};
    assert_int_equal (intake_fixture_call (fixture, &bs_token_check_schema, &check,
                                           &bs_token_schema, &token, &error),
                      BS_OK);
    bs_codec_record_free (&bs_token_schema, &token);
    uint64_t first = s_last_used (fixture, "city-system");
    assert_true (first >= before && first <= bs_clock_now ());

    /* Within the minute: used, not recorded again; a minute on: recorded. */
    assert_int_equal (s_use (fixture, secret, first + 1000), BS_OK);
    assert_int_equal (s_use (fixture, secret, first + 59999), BS_OK);
    assert_int_equal (s_last_used (fixture, "city-system"), first);
    assert_int_equal (s_use (fixture, secret, first + 60000), BS_OK);
    assert_int_equal (s_last_used (fixture, "city-system"), first + 60000);
    assert_int_equal (s_use (fixture, "bst_not-a-secret", first + 10 * 60000), BS_E_DENIED);
    assert_int_equal (s_last_used (fixture, "city-system"), first + 60000);
}

static void
test_addresses_compare_as_people_write_them (void **state)
{
    (void) state;
    char key[128];
    assert_true (registry_address_key ("email", " Li@TangYin.Example.CN ", key, sizeof key));
    assert_string_equal (key, "email:li@tangyin.example.cn");
    assert_true (
        registry_address_key ("email", "李信息員 <Li@TangYin.example.cn>", key, sizeof key));
    assert_string_equal (key, "email:li@tangyin.example.cn");
    const char *same[] = {"0372-5511234", "(0372) 551 1234", "+86 372 5511234", "0086-372-5511234"};
    for (size_t i = 0; i < 4; i++) {
        assert_true (registry_address_key ("phone", same[i], key, sizeof key));
        assert_string_equal (key, "phone:03725511234");
    }
    assert_true (registry_address_key ("phone", "+86 138 0000 1234", key, sizeof key));
    assert_string_equal (key, "phone:13800001234");
    assert_true (registry_address_key ("phone", "13800001234", key, sizeof key));
    assert_string_equal (key, "phone:13800001234");
    assert_true (registry_address_key ("phone", "86123456", key, sizeof key)); /* a local number */
    assert_string_equal (key, "phone:86123456");
    assert_false (registry_address_key ("phone", "n/a", key, sizeof key));
    assert_false (registry_address_key ("email", "  ", key, sizeof key));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_addresses_compare_as_people_write_them),
        cmocka_unit_test_setup_teardown (test_units_form_a_hierarchy, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_officers_and_logins, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_sessions_end, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_tokens, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_token_last_use, intake_fixture_setup,
                                         intake_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_tokens_listed, intake_fixture_setup,
                                         intake_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
