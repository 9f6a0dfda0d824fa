/*  registry: intake's units, officers, logins and tokens, run in-process
    (bs_service driven turn by turn, a DEALER as the client).

    What users rely on: a unit needs a known level and an existing parent of
    a level not below its own; an officer's roles are known ones and an
    officer (role officer) has a unit; an email address or phone number
    belongs to one officer; a password is never returned and only the right
    one logs in; a token's secret is shown once, checks until revoked, and
    a wrong one is refused; an officer may submit only for their own unit;
    a refused command leaves nothing behind; an officer reads only their
    own unit's reports, attachments and officers.
*/
#include "bs_test.h"
#include "bs_test_keys.h"
#include "bs_test_service.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_codec.h"
#include "bs_config.h"
#include "bs_schemas.h"
#include "bs_service.h"
#include "bs_socket.h"
#include "bs_store.h"
#include "fingerprint.h"
#include "intake.h"
#include "registry.h"

/* Who s_call sends as. Every command acts as the certificate that sends
   it (bs_principal.h): by default the admin CLI's; s_acting, an officer
   named in the envelope, goes through the gateway's certificate (the one
   that may vouch for people); s_gateway sends the next call as the
   gateway itself (password hashes, sessions and tokens are its
   business). */
static const bs_principal_t *s_acting;
static bool s_gateway;
static bs_store_t *s_store; /* the service's, for a test that writes or reads it directly */

typedef struct {
    char *folder;
    bs_config_t *config;
    bs_service_t *service;
    zsock_t *admin;   /* DEALER presenting the admin certificate */
    zsock_t *gateway; /* DEALER presenting the gateway certificate */
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *fixture = calloc (1, sizeof *fixture);
    s_acting = NULL;
    s_gateway = false;
    zsys_init ();
    zsys_set_logstream (NULL);
    bs_test_service_open ("intake", intake_databases, "registry.password_cost = min\n",
                          &fixture->folder, &fixture->config, &fixture->service);
    assert_int_equal (intake_setup (fixture->service), BS_OK);
    fixture->admin = bs_test_keys_client (fixture->config, ZMQ_DEALER, "intake", "admin");
    fixture->gateway = bs_test_keys_client (fixture->config, ZMQ_DEALER, "intake", "gateway");
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = *state;
    zsock_destroy (&fixture->admin);
    zsock_destroy (&fixture->gateway);
    bs_test_service_close (&fixture->folder, &fixture->config, &fixture->service);
    free (fixture);
    return 0;
}

/* Send a command, turn the service until the reply is back, decode it into
   reply (reply_schema) or, on an error reply, return its code with error
   filled. */
static int
s_call (fixture_t *fixture, const bs_schema_t *schema, const void *record,
        const bs_schema_t *reply_schema, void *reply, bs_error_t *error)
{
    char id[40];
    bs_clock_random_id (id, sizeof id);
    zsock_t *dealer = s_acting || s_gateway ? fixture->gateway : fixture->admin;
    s_gateway = false;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    bs_envelope_t envelope = {.id = id, .src = "test", .at = 1, .principal = s_acting};
    assert_int_equal (bs_codec_encode_command (&buffer, schema, record, &envelope), BS_OK);
    assert_int_equal (zmq_send (zsock_resolve (dealer), buffer.data, buffer.size, 0),
                      (int) buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    /* Up to 20 s: on a loaded machine a turn's fsync has taken seconds,
       and 5 s left the first call of a test without its reply. */
    for (int turn = 0; turn < 400; turn++) {
        assert_int_equal (bs_service_turn (fixture->service, 50), BS_OK);
        zmsg_t *message = bs_socket_receive (dealer);
        if (!message)
            continue;
        zframe_t *frame = zmsg_first (message);
        bs_message_t decoded;
        bs_error_t failure;
        assert_int_equal (
            bs_message_decode (zframe_data (frame), zframe_size (frame), NULL, &decoded, &failure),
            BS_OK);
        zmsg_destroy (&message);
        int rc = BS_OK;
        if (decoded.schema == &bs_error_reply_schema) {
            const bs_error_reply_t *problem = decoded.data;
            rc = bs_error_set (error, bs_error_code (problem->code), problem->field, "%s",
                               problem->message);
        } else {
            assert_ptr_equal (decoded.schema, reply_schema);
            assert_int_equal (bs_codec_record_copy (reply_schema, decoded.data, reply), BS_OK);
        }
        bs_message_clear (&decoded);
        return rc;
    }
    fail_msg ("no reply to %s", schema->type);
    return BS_E_TIMEOUT;
}

/* A call that must be refused with code, naming field. */
static void
s_refused (fixture_t *fixture, const bs_schema_t *schema, const void *record,
           const bs_schema_t *reply_schema, int code, const char *field)
{
    void *reply = calloc (1, reply_schema->record_size);
    bs_error_t error;
    int rc = s_call (fixture, schema, record, reply_schema, reply, &error);
    if (rc != code)
        fail_msg ("%s: got %s, wanted %s (%s)", schema->type, bs_error_name (rc),
                  bs_error_name (code), rc == BS_OK ? "" : error.text);
    assert_string_equal (error.field, field);
    free (reply);
}

static void
s_unit (fixture_t *fixture, const char *name, const char *level, const char *parent)
{
    bs_unit_t unit = {.name = (char *) name, .level = (char *) level, .parent = (char *) parent};
    bs_unit_t reply;
    bs_error_t error;
    if (s_call (fixture, &bs_unit_schema, &unit, &bs_unit_schema, &reply, &error) != BS_OK)
        fail_msg ("unit %s: %s", name, error.text);
    assert_string_equal (reply.kind, "department"); /* the default */
    bs_codec_record_free (&bs_unit_schema, &reply);
}

/* Puts an officer (as whoever s_acting says, the admin CLI by default)
   and expects it accepted. */
static void
s_officer (fixture_t *fixture, const bs_officer_t *officer)
{
    bs_officer_t reply;
    bs_error_t error;
    if (s_call (fixture, &bs_officer_schema, officer, &bs_officer_schema, &reply, &error) != BS_OK)
        fail_msg ("officer %s: %s", officer->login, error.text);
    bs_codec_record_free (&bs_officer_schema, &reply);
}

/* The first 1000 reports that s_acting may read, into page (free it with
   bs_codec_record_free). */
static void
s_report_page (fixture_t *fixture, bs_report_page_t *page)
{
    bs_report_list_t query = {.limit = 1000};
    bs_error_t error;
    assert_int_equal (
        s_call (fixture, &bs_report_list_schema, &query, &bs_report_page_schema, page, &error),
        BS_OK);
}

static size_t
s_report_count (fixture_t *fixture)
{
    bs_report_page_t page;
    s_report_page (fixture, &page);
    size_t count = page.reports.count;
    bs_codec_record_free (&bs_report_page_schema, &page);
    return count;
}

static void
test_units_form_a_hierarchy (void **state)
{
    fixture_t *fixture = *state;
    s_unit (fixture, "安陽市", "city", NULL);
    s_unit (fixture, "林州市", "county", "安陽市");
    s_unit (fixture, "姚村鎮", "township", "林州市");
    bs_unit_t bad = {.name = "某縣", .level = "village"};
    s_refused (fixture, &bs_unit_schema, &bad, &bs_unit_schema, BS_E_INVALID, "level");
    bad = (bs_unit_t){.name = "某縣", .level = "county", .parent = "不存在市"};
    s_refused (fixture, &bs_unit_schema, &bad, &bs_unit_schema, BS_E_NOT_FOUND, "parent");
    bad = (bs_unit_t){.name = "河南省", .level = "province", .parent = "林州市"};
    s_refused (fixture, &bs_unit_schema, &bad, &bs_unit_schema, BS_E_INVALID, "parent");
    bad = (bs_unit_t){.name = "安陽市", .level = "city", .parent = "姚村鎮"};
    s_refused (fixture, &bs_unit_schema, &bad, &bs_unit_schema, BS_E_INVALID, "parent");
    bad = (bs_unit_t){.name = "某科", .level = "county", .kind = "team"};
    s_refused (fixture, &bs_unit_schema, &bad, &bs_unit_schema, BS_E_INVALID, "kind");

    bs_unit_list_t query = {.parent = "安陽市"};
    bs_unit_page_t page;
    bs_error_t error;
    assert_int_equal (
        s_call (fixture, &bs_unit_list_schema, &query, &bs_unit_page_schema, &page, &error), BS_OK);
    assert_int_equal (page.units.count, 1);
    assert_string_equal (((bs_unit_t *) page.units.items)[0].name, "林州市");
    bs_codec_record_free (&bs_unit_page_schema, &page);
    /* paging by name */
    query = (bs_unit_list_t){.limit = 2};
    assert_int_equal (
        s_call (fixture, &bs_unit_list_schema, &query, &bs_unit_page_schema, &page, &error), BS_OK);
    assert_int_equal (page.units.count, 2);
    assert_non_null (page.next);
    query.after = page.next;
    bs_unit_page_t rest;
    assert_int_equal (
        s_call (fixture, &bs_unit_list_schema, &query, &bs_unit_page_schema, &rest, &error), BS_OK);
    assert_int_equal (rest.units.count, 1);
    assert_null (rest.next);
    bs_codec_record_free (&bs_unit_page_schema, &page);
    bs_codec_record_free (&bs_unit_page_schema, &rest);
}

/* Whether password fits the hash a login of login answers, and whether
   intake knows the login. */
static void
s_credentials_fit (fixture_t *fixture, const char *login, const char *password, bool known,
                   bool fits)
{
    s_gateway = true;
    bs_login_t query = {.login = (char *) login};
    bs_credentials_t credentials;
    bs_error_t error;
    assert_int_equal (s_call (fixture, &bs_login_schema, &query, &bs_credentials_schema,
                              &credentials, &error),
                      BS_OK);
    assert_int_equal (credentials.known, known);
    assert_non_null (credentials.hash);
    assert_int_equal (
        crypto_pwhash_str_verify (credentials.hash, password, strlen (password)) == 0, fits);
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
    fixture_t *fixture = *state;
    s_unit (fixture, "湯陰縣", "county", NULL);
    bs_officer_t officer = {.login = "li",
                            .name = "李信息員",
                            .unit = "湯陰縣",
                            .roles = "officer,editor",
                            .emails = "Li@TangYin.example.cn, li2@example.cn",
                            .phones = "0372-5511234",
                            .password = "correct horse"};
    bs_officer_t reply;
    bs_error_t error;
    assert_int_equal (
        s_call (fixture, &bs_officer_schema, &officer, &bs_officer_schema, &reply, &error), BS_OK);
    assert_null (reply.password);
    bs_codec_record_free (&bs_officer_schema, &reply);

    bs_officer_get_t get = {.login = "li"};
    assert_int_equal (
        s_call (fixture, &bs_officer_get_schema, &get, &bs_officer_schema, &reply, &error), BS_OK);
    assert_null (reply.password); /* the hash never leaves intake */
    assert_string_equal (reply.unit, "湯陰縣");
    bs_codec_record_free (&bs_officer_schema, &reply);

    /* A login answers the hash for the gateway to check: only the right
       password fits it, and an unknown login gets a hash nothing fits. */
    bs_login_t login = {.login = "li"};
    s_credentials_fit (fixture, "li", "correct horse", true, true);
    s_credentials_fit (fixture, "li", "wrong horse", true, false);
    s_credentials_fit (fixture, "nobody", "correct horse", false, false);
    s_credentials_fit (fixture, "nobody", "", false, false);

    /* bad officers */
    bs_officer_t bad = officer;
    bad.login = "wang";
    bad.roles = "officer,boss";
    s_refused (fixture, &bs_officer_schema, &bad, &bs_officer_schema, BS_E_INVALID, "roles");
    bad = (bs_officer_t){.login = "wang", .name = "王", .roles = "officer"};
    s_refused (fixture, &bs_officer_schema, &bad, &bs_officer_schema, BS_E_INVALID, "unit");
    bad = (bs_officer_t){.login = "wang", .name = "王", .roles = "officer", .unit = "無此縣"};
    s_refused (fixture, &bs_officer_schema, &bad, &bs_officer_schema, BS_E_NOT_FOUND, "unit");
    /* an address belongs to one officer; the refused put leaves nothing */
    bad = (bs_officer_t){.login = "wang",
                         .name = "王",
                         .roles = "officer",
                         .unit = "湯陰縣",
                         .emails = "wang@example.cn,LI@tangyin.example.cn"};
    s_refused (fixture, &bs_officer_schema, &bad, &bs_officer_schema, BS_E_CONFLICT, "emails");
    get.login = "wang";
    s_refused (fixture, &bs_officer_get_schema, &get, &bs_officer_schema, BS_E_NOT_FOUND, "login");
    /* an editor needs no unit */
    bad = (bs_officer_t){.login = "editor", .name = "編輯", .roles = "editor"};
    s_officer (fixture, &bad);

    /* disabled officers cannot log in; a put without password keeps it */
    officer.disabled = true;
    officer.password = NULL;
    s_officer (fixture, &officer);
    bs_credentials_t credentials;
    s_gateway = true;
    assert_int_equal (s_call (fixture, &bs_login_schema, &login, &bs_credentials_schema,
                              &credentials, &error),
                      BS_OK);
    assert_true (credentials.disabled);
    bs_codec_record_free (&bs_credentials_schema, &credentials);
    officer.disabled = false;
    s_officer (fixture, &officer);
    s_credentials_fit (fixture, "li", "correct horse", true, true);
}

/* The session generation of login, from a login's credentials. */
static uint64_t
s_generation (fixture_t *fixture, const char *login)
{
    s_gateway = true;
    bs_login_t query = {.login = (char *) login};
    bs_credentials_t credentials;
    bs_error_t error;
    assert_int_equal (s_call (fixture, &bs_login_schema, &query, &bs_credentials_schema,
                              &credentials, &error),
                      BS_OK);
    uint64_t generation = credentials.session_gen;
    bs_codec_record_free (&bs_credentials_schema, &credentials);
    return generation;
}

/* Whether a session of login made at generation is alive. */
static bool
s_session_alive (fixture_t *fixture, const char *login, uint64_t generation)
{
    s_gateway = true;
    bs_session_check_t check = {.login = (char *) login, .session_gen = generation};
    bs_officer_t officer;
    bs_error_t error;
    int rc = s_call (fixture, &bs_session_check_schema, &check, &bs_officer_schema, &officer,
                     &error);
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
    fixture_t *fixture = *state;
    s_unit (fixture, "湯陰縣", "county", NULL);
    s_unit (fixture, "滑縣", "county", NULL);
    bs_officer_t officer = {.login = "li",
                            .name = "李信息員",
                            .unit = "湯陰縣",
                            .roles = "officer",
                            .password = "correct horse"};
    s_officer (fixture, &officer);
    uint64_t generation = s_generation (fixture, "li");
    assert_true (s_session_alive (fixture, "li", generation));
    assert_false (s_session_alive (fixture, "li", generation + 1));
    assert_false (s_session_alive (fixture, "nobody", 0));

    /* logout ends every session of the officer; a second logout of the
       same (ended) session ends nothing more */
    bs_session_end_t end = {.login = "li", .session_gen = generation};
    bs_officer_t reply;
    bs_error_t error;
    assert_int_equal (
        s_call (fixture, &bs_session_end_schema, &end, &bs_officer_schema, &reply, &error), BS_OK);
    bs_codec_record_free (&bs_officer_schema, &reply);
    assert_false (s_session_alive (fixture, "li", generation));
    assert_int_equal (s_generation (fixture, "li"), generation + 1);
    s_refused (fixture, &bs_session_end_schema, &end, &bs_officer_schema, BS_E_DENIED, "session");
    assert_int_equal (s_generation (fixture, "li"), generation + 1);

    /* a put that changes nothing that matters keeps sessions alive */
    generation = s_generation (fixture, "li");
    officer.password = NULL;
    officer.name = "李 信息員";
    officer.session_gen = 0; /* a client cannot set it back */
    s_officer (fixture, &officer);
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
        s_officer (fixture, &changed);
        assert_false (s_session_alive (fixture, "li", generation));
        if (!changed.disabled)
            assert_true (s_session_alive (fixture, "li", s_generation (fixture, "li")));
        officer = changed;
        officer.password = NULL;
    }
    /* a disabled officer has no live session at any generation */
    assert_false (s_session_alive (fixture, "li", s_generation (fixture, "li")));
}

/* Commands are checked against the principal they act as: here an officer
   the gateway's certificate vouches for, or the admin CLI. (Which claims a
   certificate may make is test_principal's.) */
static void
test_principal_checks (void **state)
{
    fixture_t *fixture = *state;
    s_unit (fixture, "滑縣", "county", NULL);
    s_unit (fixture, "林州市", "county", NULL);
    bs_officer_t wang = {.login = "wang", .name = "王", .unit = "林州市", .roles = "officer"};
    bs_officer_t reply;
    bs_error_t error;
    s_officer (fixture, &wang);

    /* an officer may not make themself (or anyone) an admin, nor tokens */
    bs_principal_t officer;
    bs_principal_set (&officer, "wang", "officer", "林州市", "officer");
    s_acting = &officer;
    bs_officer_t root = {.login = "root", .name = "root", .roles = "admin,editor,leader",
                         .password = "root-password"};
    s_refused (fixture, &bs_officer_schema, &root, &bs_officer_schema, BS_E_DENIED, "principal");
    bs_token_create_t create = {.name = "stolen", .unit = "滑縣"};
    s_refused (fixture, &bs_token_create_schema, &create, &bs_token_schema, BS_E_DENIED,
               "principal");
    bs_unit_t unit = {.name = "假縣", .level = "county"};
    s_refused (fixture, &bs_unit_schema, &unit, &bs_unit_schema, BS_E_DENIED, "principal");
    /* nor read password hashes or vouch for sessions: the gateway's */
    bs_login_t login = {.login = "wang"};
    s_refused (fixture, &bs_login_schema, &login, &bs_credentials_schema, BS_E_DENIED,
               "principal");
    bs_session_check_t check = {.login = "wang"};
    s_refused (fixture, &bs_session_check_schema, &check, &bs_officer_schema, BS_E_DENIED,
               "principal");
    /* but may end their own sessions, not another's */
    bs_session_end_t end = {.login = "wang"};
    assert_int_equal (
        s_call (fixture, &bs_session_end_schema, &end, &bs_officer_schema, &reply, &error), BS_OK);
    bs_codec_record_free (&bs_officer_schema, &reply);
    end.login = "li";
    s_refused (fixture, &bs_session_end_schema, &end, &bs_officer_schema, BS_E_DENIED,
               "principal");

    /* unit 林州市's officer submits neither for 滑縣 nor as someone else */
    bs_submit_t submit = {.unit = "滑縣", .title = "標題", .body = "正文", .officer = "wang"};
    s_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_DENIED, "unit");
    submit = (bs_submit_t){.title = "標題", .body = "正文", .officer = "li"};
    s_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_DENIED, "officer");
    submit = (bs_submit_t){.unit = "林州市", .title = "標題", .body = "正文", .officer = "wang"};
    submit.channel = "web";
    bs_submitted_t receipt;
    if (s_call (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, &receipt, &error)
        != BS_OK)
        fail_msg ("%s: %s", error.field, error.text);
    bs_codec_record_free (&bs_submitted_schema, &receipt);

    /* the gateway, which may vouch only for officers, cannot claim an
       admin; the admin CLI's certificate may change the registry */
    bs_principal_t admin;
    bs_principal_set (&admin, "cli-admin", "admin", "", "admin");
    s_acting = &admin;
    s_refused (fixture, &bs_officer_schema, &root, &bs_officer_schema, BS_E_DENIED, "principal");
    s_acting = NULL;
    s_officer (fixture, &root);
}

static void
test_tokens (void **state)
{
    fixture_t *fixture = *state;
    s_unit (fixture, "滑縣", "county", NULL);
    bs_token_create_t create = {.name = "province-system", .unit = "滑縣"};
    bs_token_t token;
    bs_error_t error;
    assert_int_equal (
        s_call (fixture, &bs_token_create_schema, &create, &bs_token_schema, &token, &error),
        BS_OK);
    assert_non_null (token.secret);
    assert_int_equal (strlen (token.secret), 4 + 64);
    char secret[80];
    snprintf (secret, sizeof secret, "%s", token.secret);
    bs_codec_record_free (&bs_token_schema, &token);
    s_refused (fixture, &bs_token_create_schema, &create, &bs_token_schema, BS_E_CONFLICT, "name");
    create = (bs_token_create_t){.name = "x", .unit = "無此縣"};
    s_refused (fixture, &bs_token_create_schema, &create, &bs_token_schema, BS_E_NOT_FOUND, "unit");

    bs_token_check_t check = {.secret = secret};
    s_gateway = true;
    assert_int_equal (
        s_call (fixture, &bs_token_check_schema, &check, &bs_token_schema, &token, &error), BS_OK);
    assert_string_equal (token.unit, "滑縣");
    assert_null (token.secret); /* never again */
    bs_codec_record_free (&bs_token_schema, &token);
    char wrong[80];
    snprintf (wrong, sizeof wrong, "%s", secret);
    wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
    check.secret = wrong;
    s_gateway = true;
    s_refused (fixture, &bs_token_check_schema, &check, &bs_token_schema, BS_E_DENIED, "secret");

    /* a token of 滑縣 submits for 滑縣 only */
    size_t before = s_report_count (fixture);
    s_unit (fixture, "內黃縣", "county", NULL);
    bs_submit_t submit = {.unit = "內黃縣",
                          .title = "直報信息",
                          .body = "用滑縣的令牌為內黃縣報送。",
                          .channel = "direct",
                          .token = secret};
    s_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_DENIED, "unit");
    submit.unit = NULL;
    bs_submitted_t receipt;
    assert_int_equal (
        s_call (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, &receipt, &error),
        BS_OK);
    assert_string_equal (receipt.status, "registered");
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    assert_int_equal (s_report_count (fixture), before + 1);

    bs_token_revoke_t revoke = {.name = "province-system"};
    assert_int_equal (
        s_call (fixture, &bs_token_revoke_schema, &revoke, &bs_token_schema, &token, &error),
        BS_OK);
    assert_true (token.revoked);
    bs_codec_record_free (&bs_token_schema, &token);
    check.secret = secret;
    s_gateway = true;
    s_refused (fixture, &bs_token_check_schema, &check, &bs_token_schema, BS_E_DENIED, "secret");
    submit.title = "撤銷後的直報";
    s_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_DENIED, "token");
    assert_int_equal (s_report_count (fixture), before + 1);
}

/* A batch's token and its unit are checked once for the batch
   (submission.h's vouched sender); an item is registered exactly as if it
   came alone with the token: its key is the same key as a single
   submission's (either way round), an item naming another unit is
   refused, one naming an officer is that officer's, and when the token's
   unit is disabled every item is refused for it. */
static bs_submitted_t *
s_batch (fixture_t *fixture, const char *token, bs_submit_t *items, size_t count,
         bs_batch_page_t *page)
{
    bs_batch_t batch = {.token = (char *) token, .items = {count, items}};
    bs_error_t error;
    if (s_call (fixture, &bs_batch_schema, &batch, &bs_batch_page_schema, page, &error) != BS_OK)
        fail_msg ("batch: %s", error.text);
    assert_int_equal (page->results.count, count);
    return page->results.items;
}

static void
test_batch_items_as_if_alone (void **state)
{
    fixture_t *fixture = *state;
    s_unit (fixture, "滑縣", "county", NULL);
    s_unit (fixture, "內黃縣", "county", NULL);
    bs_officer_t wang = {.login = "wang", .name = "王", .unit = "滑縣", .roles = "officer"};
    bs_error_t error;
    s_officer (fixture, &wang);
    bs_token_create_t create = {.name = "city-system", .unit = "滑縣"};
    bs_token_t token;
    assert_int_equal (
        s_call (fixture, &bs_token_create_schema, &create, &bs_token_schema, &token, &error),
        BS_OK);
    char secret[80];
    snprintf (secret, sizeof secret, "%s", token.secret);
    bs_codec_record_free (&bs_token_schema, &token);

    bs_submit_t alone = {
        .title = "單篇直報", .body = "先單獨報送。", .channel = "direct", .token = secret, .key = "k-1"};
    bs_submitted_t first;
    assert_int_equal (
        s_call (fixture, &bs_submit_schema, &alone, &bs_submitted_schema, &first, &error), BS_OK);
    size_t before = s_report_count (fixture);

    bs_submit_t items[] = {
        {.key = "k-1", .title = "單篇直報", .body = "先單獨報送。"},
        {.key = "k-2", .title = "直報二", .body = "寫明本單位。", .unit = "滑縣"},
        {.key = "k-3", .title = "直報三", .body = "為別的單位報送。", .unit = "內黃縣"},
        {.key = "k-4", .title = "直報四", .body = "信息員署名。", .officer = "wang"},
        {.key = "k-5", .title = "直報五", .body = "只帶令牌。"},
    };
    bs_batch_page_t page;
    bs_submitted_t *results = s_batch (fixture, secret, items, 5, &page);
    assert_string_equal (results[0].status, "registered"); /* the single one's first receipt */
    assert_string_equal (results[0].reg_no, first.reg_no);
    assert_string_equal (results[1].status, "registered");
    assert_string_equal (results[2].status, "error");
    assert_string_equal (results[2].code, "denied");
    assert_string_equal (results[2].field, "unit");
    assert_string_equal (results[3].status, "registered");
    assert_string_equal (results[4].status, "registered");
    assert_int_equal (s_report_count (fixture), before + 3);
    bs_report_get_t get = {.report_id = results[3].report_id};
    bs_report_t report;
    assert_int_equal (s_call (fixture, &bs_report_get_schema, &get, &bs_report_schema, &report,
                              &error),
                      BS_OK);
    assert_string_equal (report.officer, "wang");
    assert_string_equal (report.unit, "滑縣");
    bs_codec_record_free (&bs_report_schema, &report);
    /* the batch's k-5 alone again: the batch's receipt */
    alone.key = "k-5";
    alone.title = "直報五";
    alone.body = "只帶令牌。";
    bs_submitted_t again;
    assert_int_equal (
        s_call (fixture, &bs_submit_schema, &alone, &bs_submitted_schema, &again, &error), BS_OK);
    assert_string_equal (again.reg_no, results[4].reg_no);
    bs_codec_record_free (&bs_submitted_schema, &again);
    bs_codec_record_free (&bs_submitted_schema, &first);
    bs_codec_record_free (&bs_batch_page_schema, &page);

    /* the token's unit disabled: each item refused for it, nothing stored */
    bs_unit_t disabled = {.name = "滑縣", .level = "county", .disabled = true}, unit;
    assert_int_equal (s_call (fixture, &bs_unit_schema, &disabled, &bs_unit_schema, &unit, &error),
                      BS_OK);
    bs_codec_record_free (&bs_unit_schema, &unit);
    bs_submit_t late[] = {{.key = "k-6", .title = "停用後一", .body = "正文。"},
                          {.key = "k-7", .title = "停用後二", .body = "正文。", .unit = "滑縣"}};
    results = s_batch (fixture, secret, late, 2, &page);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal (results[i].status, "error");
        assert_string_equal (results[i].code, "denied");
        assert_string_equal (results[i].field, "unit");
    }
    bs_codec_record_free (&bs_batch_page_schema, &page);
    assert_int_equal (s_report_count (fixture), before + 3);
}

/* The unit 滑縣 and a token of its direct channel, city-system, into
   secret; s_store set to the service's. */
static void
s_city_system (fixture_t *fixture, char *secret, size_t size)
{
    s_store = bs_service_store (fixture->service);
    s_unit (fixture, "滑縣", "county", NULL);
    bs_token_create_t create = {.name = "city-system", .unit = "滑縣"};
    bs_token_t token;
    bs_error_t error;
    assert_int_equal (
        s_call (fixture, &bs_token_create_schema, &create, &bs_token_schema, &token, &error),
        BS_OK);
    snprintf (secret, size, "%s", token.secret);
    bs_codec_record_free (&bs_token_schema, &token);
}

/* A sender's idempotency keys (sender_keys.h): one sender's keys are
   stored side by side in the key's order, so a batch of keys that follow
   each other writes few pages; a key kept by a store made before, as a
   hash in "keys", still answers with its first receipt and registers
   nothing. */
typedef struct {
    const char *hex;               /* the earlier layout's key */
    const bs_submitted_t *receipt; /* kept under it */
} s_legacy_key_t;

static int
s_put_legacy_key (MDB_txn *txn, void *argument)
{
    const s_legacy_key_t *legacy = argument;
    return bs_store_put_record_by_name (txn, bs_store_dbi (s_store, "keys"), legacy->hex,
                                        &bs_submitted_schema, legacy->receipt);
}

static void
test_sender_keys_side_by_side (void **state)
{
    fixture_t *fixture = *state;
    char secret[80];
    s_city_system (fixture, secret, sizeof secret);

    /* The earlier layout: BLAKE2b-256 of channel, scope (each with its
       NUL) and key, in hex. */
    crypto_generichash_state hash_state;
    unsigned char hash[32];
    crypto_generichash_init (&hash_state, NULL, 0, sizeof hash);
    crypto_generichash_update (&hash_state, (const unsigned char *) "direct", 7);
    crypto_generichash_update (&hash_state, (const unsigned char *) "token:city-system", 18);
    crypto_generichash_update (&hash_state, (const unsigned char *) "old-1", 5);
    crypto_generichash_final (&hash_state, hash, sizeof hash);
    char hex[65];
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    bs_submitted_t kept = {
        .report_id = 77, .reg_no = "2025-000077", .status = "registered", .key = "old-1"};
    s_legacy_key_t legacy = {hex, &kept};
    assert_int_equal (bs_store_write (s_store, s_put_legacy_key, &legacy), BS_OK);

    size_t before = s_report_count (fixture);
    bs_submit_t items[] = {
        {.key = "k-3", .title = "直報三", .body = "第三篇。"},
        {.key = "old-1", .title = "升級前報過", .body = "再報一次。"},
        {.key = "k-1", .title = "直報一", .body = "第一篇。"},
        {.key = "k-2", .title = "直報二", .body = "第二篇。"},
    };
    bs_batch_page_t page;
    bs_submitted_t *results = s_batch (fixture, secret, items, 4, &page);
    assert_string_equal (results[1].reg_no, "2025-000077");
    assert_int_equal (results[1].report_id, 77);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal (results[i].status, "registered");
    assert_int_equal (s_report_count (fixture), before + 3);
    bs_codec_record_free (&bs_batch_page_schema, &page);

    /* The new keys, one after the other in key order under one prefix;
       nothing more in "keys". */
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (s_store, &txn), BS_OK);
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, bs_store_dbi (s_store, "keys"), &stat), 0);
    assert_int_equal (stat.ms_entries, 1);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_store_dbi (s_store, "sender_keys"), &cursor), 0);
    MDB_val key, value;
    const char *expected[] = {"k-1", "k-2", "k-3"};
    char prefix[34] = "";
    size_t count = 0;
    for (int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT), count++) {
        assert_true (count < 3);
        assert_int_equal (key.mv_size, 33 + strlen (expected[count]));
        if (!prefix[0])
            memcpy (prefix, key.mv_data, 33);
        assert_memory_equal (key.mv_data, prefix, 33);
        assert_memory_equal ((char *) key.mv_data + 33, expected[count], strlen (expected[count]));
    }
    assert_int_equal (count, 3);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
}

/* The fingerprints' index (submission_duplicates.c): a report's unit and
   fingerprint kept as 16 bytes, so a batch's random leaves are fewer; the
   same text again, in the same batch too, is a duplicate; an entry a
   store made before kept under the unit's name and hex fingerprint still
   finds its report. */
typedef struct {
    const char *name;   /* the earlier layout's key */
    uint64_t report_id; /* kept under it */
} s_legacy_fingerprint_t;

static int
s_put_legacy_fingerprint (MDB_txn *txn, void *argument)
{
    const s_legacy_fingerprint_t *legacy = argument;
    unsigned char value[8];
    bs_store_key (legacy->report_id, value);
    return bs_store_put_bytes (txn, bs_store_dbi (s_store, "fingerprints"), legacy->name, value,
                               sizeof value);
}

static void
test_fingerprints_in_sixteen_bytes (void **state)
{
    fixture_t *fixture = *state;
    char secret[80];
    s_city_system (fixture, secret, sizeof secret);

    bs_submit_t items[] = {
        {.key = "k-1", .title = "指紋一", .body = "第一篇的正文，有十個字以上。"},
        {.key = "k-2", .title = "指紋一", .body = "第一篇的正文，有十個字以上。"},
        {.key = "k-3", .title = "指紋二", .body = "第二篇的正文，也有十個字以上。"},
    };
    bs_batch_page_t page;
    bs_submitted_t *results = s_batch (fixture, secret, items, 3, &page);
    assert_string_equal (results[0].status, "registered");
    assert_string_equal (results[1].status, "duplicate");
    assert_string_equal (results[1].reg_no, results[0].reg_no);
    assert_string_equal (results[2].status, "registered");
    uint64_t first = results[0].report_id;
    bs_codec_record_free (&bs_batch_page_schema, &page);

    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (s_store, &txn), BS_OK);
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, bs_store_dbi (s_store, "fingerprints"), &stat), 0);
    assert_int_equal (stat.ms_entries, 0);
    /* a turn's entries go to the recent part of the index first */
    assert_int_equal (mdb_stat (txn, bs_store_dbi (s_store, "unit_fingerprints"), &stat), 0);
    assert_int_equal (stat.ms_entries, 0);
    MDB_cursor *cursor;
    assert_int_equal (
        mdb_cursor_open (txn, bs_store_dbi (s_store, "recent_fingerprints"), &cursor), 0);
    MDB_val key, value;
    size_t count = 0;
    for (int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT), count++) {
        assert_int_equal (key.mv_size, 16);
        assert_int_equal (value.mv_size, 8);
    }
    assert_int_equal (count, 2);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);

    /* A store made before: the unit, a unit separator and the hex
       fingerprint as the key. */
    char hex[INTAKE_FINGERPRINT_HEX], name[128];
    assert_true (intake_fingerprint ("升級前的指紋", "升級前報過的正文，十個字以上。", hex));
    snprintf (name, sizeof name, "滑縣\x1f%s", hex);
    s_legacy_fingerprint_t legacy = {name, first};
    assert_int_equal (bs_store_write (s_store, s_put_legacy_fingerprint, &legacy), BS_OK);
    bs_submit_t again[] = {
        {.key = "k-4", .title = "升級前的指紋", .body = "升級前報過的正文，十個字以上。"},
    };
    results = s_batch (fixture, secret, again, 1, &page);
    assert_string_equal (results[0].status, "duplicate");
    assert_int_equal (results[0].report_id, first);
    bs_codec_record_free (&bs_batch_page_schema, &page);
}

/* The fingerprints' index in two parts (submission_duplicates.c): a
   report's entry goes to recent_fingerprints, which keeps 16,384 entries
   (S_RECENT_MIN) while the whole is small; past that each new entry moves
   one, in key order from where the last move stopped, into
   unit_fingerprints. An entry is in one part, never both, and a duplicate
   is found in either, in a batch or by another channel. */
#define S_RECENT 16384
#define S_SPREAD_BATCHES 18
#define S_SPREAD_ITEMS 1000

static void
s_spread_text (size_t n, char *title, char *body)
{
    snprintf (title, 32, "分兩部的指紋%zu", n);
    snprintf (body, 96, "第%zu篇的正文，有十個字以上。", n);
}

/* The index's key of the text of item n: BLAKE2b-128 of the unit, a unit
   separator and the hex fingerprint. */
static void
s_spread_key (size_t n, unsigned char key[16])
{
    char title[32], body[96], hex[INTAKE_FINGERPRINT_HEX], name[128];
    s_spread_text (n, title, body);
    assert_true (intake_fingerprint (title, body, hex));
    snprintf (name, sizeof name, "滑縣\x1f%s", hex);
    crypto_generichash (key, 16, (const unsigned char *) name, strlen (name), NULL, 0);
}

/* 0: in neither part; 1: recent; 2: the whole; 3: both. */
static int
s_where (MDB_txn *txn, const unsigned char key[16])
{
    MDB_val mkey = {16, (void *) key}, value;
    int in_recent = mdb_get (txn, bs_store_dbi (s_store, "recent_fingerprints"), &mkey, &value);
    int in_whole = mdb_get (txn, bs_store_dbi (s_store, "unit_fingerprints"), &mkey, &value);
    return (in_recent == 0 ? 1 : 0) + (in_whole == 0 ? 2 : 0);
}

static void
test_fingerprints_recent_then_whole (void **state)
{
    fixture_t *fixture = *state;
    char secret[80];
    s_city_system (fixture, secret, sizeof secret);
    bs_officer_t wang = {.login = "wang", .name = "王", .unit = "滑縣", .roles = "officer"};
    s_officer (fixture, &wang);

    size_t total = S_SPREAD_BATCHES * S_SPREAD_ITEMS;
    char(*titles)[32] = calloc (total, sizeof *titles);
    char(*bodies)[96] = calloc (total, sizeof *bodies);
    char(*keys)[16] = calloc (total, sizeof *keys);
    char(*reg_nos)[32] = calloc (total, sizeof *reg_nos);
    bs_submit_t *items = calloc (S_SPREAD_ITEMS, sizeof *items);
    assert_non_null (titles);
    assert_non_null (bodies);
    assert_non_null (keys);
    assert_non_null (reg_nos);
    assert_non_null (items);
    for (size_t b = 0; b < S_SPREAD_BATCHES; b++) {
        for (size_t i = 0; i < S_SPREAD_ITEMS; i++) {
            size_t n = b * S_SPREAD_ITEMS + i;
            s_spread_text (n, titles[n], bodies[n]);
            snprintf (keys[n], sizeof keys[n], "s-%zu", n);
            items[i] = (bs_submit_t){.key = keys[n], .title = titles[n], .body = bodies[n]};
        }
        bs_batch_page_t page;
        bs_submitted_t *results = s_batch (fixture, secret, items, S_SPREAD_ITEMS, &page);
        for (size_t i = 0; i < S_SPREAD_ITEMS; i++) {
            assert_string_equal (results[i].status, "registered");
            snprintf (reg_nos[b * S_SPREAD_ITEMS + i], 32, "%s", results[i].reg_no);
        }
        bs_codec_record_free (&bs_batch_page_schema, &page);
    }

    /* The recent part keeps S_RECENT; the rest moved, each entry in one
       part; the moves began at the lowest key and went up, none past the
       key moved last. */
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (s_store, &txn), BS_OK);
    MDB_stat recent, whole;
    assert_int_equal (mdb_stat (txn, bs_store_dbi (s_store, "recent_fingerprints"), &recent), 0);
    assert_int_equal (mdb_stat (txn, bs_store_dbi (s_store, "unit_fingerprints"), &whole), 0);
    assert_int_equal (recent.ms_entries, S_RECENT);
    assert_int_equal (whole.ms_entries, total - S_RECENT);
    const void *merged;
    size_t merged_size;
    assert_int_equal (bs_store_get_bytes (txn, bs_store_dbi (s_store, "counters"),
                                          "fingerprints.merged", &merged, &merged_size),
                      BS_OK);
    assert_int_equal (merged_size, 16);
    size_t in_recent = 0, in_whole = 0, recent_at = total, whole_at = total;
    for (size_t n = 0; n < total; n++) {
        unsigned char key[16];
        s_spread_key (n, key);
        int where = s_where (txn, key);
        assert_true (where == 1 || where == 2);
        if (where == 2)
            assert_true (memcmp (key, merged, 16) <= 0);
        in_recent += where == 1;
        in_whole += where == 2;
        if (where == 1 && recent_at == total)
            recent_at = n;
        if (where == 2 && whole_at == total)
            whole_at = n;
    }
    mdb_txn_abort (txn);
    assert_int_equal (in_recent, S_RECENT);
    assert_int_equal (in_whole, total - S_RECENT);

    /* The same texts again: a duplicate from either part, in a batch and
       by the web, each the report first registered. */
    bs_submit_t again[] = {
        {.key = "again-1", .title = titles[whole_at], .body = bodies[whole_at]},
        {.key = "again-2", .title = titles[recent_at], .body = bodies[recent_at]},
    };
    bs_batch_page_t page;
    bs_submitted_t *results = s_batch (fixture, secret, again, 2, &page);
    assert_string_equal (results[0].status, "duplicate");
    assert_string_equal (results[0].reg_no, reg_nos[whole_at]);
    assert_string_equal (results[1].status, "duplicate");
    assert_string_equal (results[1].reg_no, reg_nos[recent_at]);
    bs_codec_record_free (&bs_batch_page_schema, &page);
    size_t by_web[] = {whole_at, recent_at};
    for (size_t i = 0; i < 2; i++) {
        bs_submit_t submit = {.title = titles[by_web[i]],
                              .body = bodies[by_web[i]],
                              .channel = "web",
                              .officer = "wang"};
        bs_submitted_t receipt;
        bs_error_t error;
        assert_int_equal (
            s_call (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, &receipt, &error),
            BS_OK);
        assert_string_equal (receipt.status, "duplicate");
        assert_string_equal (receipt.reg_no, reg_nos[by_web[i]]);
        bs_codec_record_free (&bs_submitted_schema, &receipt);
    }
    free (titles);
    free (bodies);
    free (keys);
    free (reg_nos);
    free (items);
}

static void
test_officer_submits_for_own_unit_only (void **state)
{
    fixture_t *fixture = *state;
    s_unit (fixture, "林州市", "county", NULL);
    s_unit (fixture, "殷都區", "county", NULL);
    bs_officer_t officer = {.login = "zhao", .name = "趙", .unit = "林州市", .roles = "officer"};
    bs_error_t error;
    s_officer (fixture, &officer);
    size_t before = s_report_count (fixture);
    bs_submit_t submit = {.unit = "殷都區",
                          .title = "越權報送",
                          .body = "林州市的信息員替殷都區報送。",
                          .channel = "web",
                          .officer = "zhao"};
    s_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_DENIED, "unit");
    submit.officer = "nobody";
    s_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_NOT_FOUND,
               "officer");
    submit.officer = NULL;
    s_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_INVALID, "officer");
    assert_int_equal (s_report_count (fixture), before);
    submit = (bs_submit_t){.title = "本單位報送",
                           .body = "林州市的信息員為本單位報送。",
                           .channel = "web",
                           .officer = "zhao"};
    bs_submitted_t receipt;
    assert_int_equal (
        s_call (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, &receipt, &error),
        BS_OK);
    bs_report_get_t get = {.report_id = receipt.report_id};
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    bs_report_t report;
    assert_int_equal (
        s_call (fixture, &bs_report_get_schema, &get, &bs_report_schema, &report, &error), BS_OK);
    assert_string_equal (report.unit, "林州市");
    assert_string_equal (report.officer, "zhao");
    assert_int_equal (report.provenances.count, 1);
    bs_codec_record_free (&bs_report_schema, &report);
    /* a disabled unit is refused */
    bs_unit_t disabled = {.name = "林州市", .level = "county", .disabled = true};
    bs_unit_t unit;
    assert_int_equal (s_call (fixture, &bs_unit_schema, &disabled, &bs_unit_schema, &unit, &error),
                      BS_OK);
    bs_codec_record_free (&bs_unit_schema, &unit);
    submit.title = "停用單位報送";
    s_refused (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, BS_E_DENIED, "unit");
    assert_int_equal (s_report_count (fixture), before + 1);
}

/* An officer reads only their own unit's reports, attachments and
   officers over ZeroMQ, as the gateway shows them: another unit's is
   answered exactly as one that does not exist (by id, by registration
   number, at any version); held mail is staff's. Staff and the admin read
   every unit's. */
static uint64_t
s_submit_as (fixture_t *fixture, const bs_principal_t *officer, const char *title, char **reg_no)
{
    bs_attachment_t file = {.name = "附件.txt", .content_type = "text/plain", .data = {6, (unsigned char *) "附件"}};
    bs_submit_t submit = {.title = (char *) title,
                          .body = "本單位的信息正文。",
                          .channel = "web",
                          .officer = (char *) officer->who,
                          .attachments = {1, &file}};
    bs_submitted_t receipt;
    bs_error_t error;
    s_acting = officer;
    if (s_call (fixture, &bs_submit_schema, &submit, &bs_submitted_schema, &receipt, &error)
        != BS_OK)
        fail_msg ("%s: %s", error.field, error.text);
    uint64_t report_id = receipt.report_id;
    *reg_no = strdup (receipt.reg_no);
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    return report_id;
}

/* The units of a page of reports, as "unit,unit,". */
static void
s_listed_units (fixture_t *fixture, char *units, size_t size)
{
    bs_report_page_t page;
    s_report_page (fixture, &page);
    *units = 0;
    const bs_report_t *reports = page.reports.items;
    for (size_t i = 0; i < page.reports.count; i++)
        snprintf (units + strlen (units), size - strlen (units), "%s,", reports[i].unit);
    bs_codec_record_free (&bs_report_page_schema, &page);
}

static void
test_officer_reads_own_unit_only (void **state)
{
    fixture_t *fixture = *state;
    s_unit (fixture, "滑縣", "county", NULL);
    s_unit (fixture, "湯陰縣", "county", NULL);
    const char *people[][3] = {{"wang", "滑縣", "officer"},
                               {"li", "湯陰縣", "officer"},
                               {"zhou", "湯陰縣", "officer,editor"}};
    bs_principal_t principals[3];
    for (int i = 0; i < 3; i++) {
        bs_officer_t officer = {.login = (char *) people[i][0],
                                .name = (char *) people[i][0],
                                .unit = (char *) people[i][1],
                                .roles = (char *) people[i][2]};
        s_acting = NULL;
        s_officer (fixture, &officer);
        bs_principal_set (&principals[i], people[i][0], "officer", people[i][1], people[i][2]);
    }
    const bs_principal_t *wang = &principals[0], *li = &principals[1], *editor = &principals[2];
    char *own_number, *other_number;
    uint64_t own = s_submit_as (fixture, wang, "滑縣的信息", &own_number);
    uint64_t other = s_submit_as (fixture, li, "湯陰縣的信息", &other_number);

    /* wang, of 滑縣: 湯陰縣's report is not there, however it is asked for */
    s_acting = wang;
    bs_report_get_t get = {.report_id = other};
    s_refused (fixture, &bs_report_get_schema, &get, &bs_report_schema, BS_E_NOT_FOUND,
               "report_id");
    get = (bs_report_get_t){.report_id = other, .version = 2};
    s_refused (fixture, &bs_report_get_schema, &get, &bs_report_schema, BS_E_NOT_FOUND,
               "report_id");
    get = (bs_report_get_t){.reg_no = other_number};
    s_refused (fixture, &bs_report_get_schema, &get, &bs_report_schema, BS_E_NOT_FOUND, "reg_no");
    bs_attachment_get_t attachment = {.report_id = other, .index = 0};
    s_refused (fixture, &bs_attachment_get_schema, &attachment, &bs_attachment_schema,
               BS_E_NOT_FOUND, "report_id");
    bs_officer_get_t officer_get = {.login = "li"};
    s_refused (fixture, &bs_officer_get_schema, &officer_get, &bs_officer_schema, BS_E_NOT_FOUND,
               "login");
    bs_held_list_t held = {0};
    s_refused (fixture, &bs_held_list_schema, &held, &bs_held_page_schema, BS_E_DENIED,
               "principal");
    bs_held_assign_t assign = {.hold_id = 1, .unit = "滑縣"};
    s_refused (fixture, &bs_held_assign_schema, &assign, &bs_submitted_schema, BS_E_DENIED,
               "principal");
    char units[256];
    s_listed_units (fixture, units, sizeof units);
    assert_string_equal (units, "滑縣,");
    bs_officer_list_t officer_list = {.limit = 100};
    bs_officer_page_t officers;
    bs_error_t error;
    assert_int_equal (s_call (fixture, &bs_officer_list_schema, &officer_list,
                              &bs_officer_page_schema, &officers, &error),
                      BS_OK);
    assert_int_equal (officers.officers.count, 1);
    assert_string_equal (((bs_officer_t *) officers.officers.items)[0].login, "wang");
    bs_codec_record_free (&bs_officer_page_schema, &officers);

    /* ... while its own unit's is, with its attachment and a version
       that does not exist named as such */
    bs_report_t report;
    s_acting = wang;
    get = (bs_report_get_t){.reg_no = own_number};
    assert_int_equal (
        s_call (fixture, &bs_report_get_schema, &get, &bs_report_schema, &report, &error), BS_OK);
    assert_int_equal (report.report_id, own);
    bs_codec_record_free (&bs_report_schema, &report);
    get = (bs_report_get_t){.report_id = own, .version = 2};
    s_refused (fixture, &bs_report_get_schema, &get, &bs_report_schema, BS_E_NOT_FOUND, "version");
    attachment.report_id = own;
    bs_attachment_t bytes;
    s_acting = wang;
    assert_int_equal (s_call (fixture, &bs_attachment_get_schema, &attachment,
                              &bs_attachment_schema, &bytes, &error),
                      BS_OK);
    assert_memory_equal (bytes.data.data, "附件", 6);
    bs_codec_record_free (&bs_attachment_schema, &bytes);

    /* staff (an editor of 湯陰縣) and the admin read every unit's */
    const bs_principal_t *readers[] = {editor, NULL};
    for (int i = 0; i < 2; i++) {
        s_acting = readers[i];
        get = (bs_report_get_t){.report_id = own};
        assert_int_equal (
            s_call (fixture, &bs_report_get_schema, &get, &bs_report_schema, &report, &error),
            BS_OK);
        bs_codec_record_free (&bs_report_schema, &report);
        s_acting = readers[i];
        s_listed_units (fixture, units, sizeof units);
        assert_string_equal (units, "滑縣,湯陰縣,");
    }
    s_acting = NULL;
    free (own_number);
    free (other_number);
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
        cmocka_unit_test_setup_teardown (test_units_form_a_hierarchy, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_officers_and_logins, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_sessions_end, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_principal_checks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_tokens, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_batch_items_as_if_alone, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_sender_keys_side_by_side, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_fingerprints_in_sixteen_bytes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_fingerprints_recent_then_whole, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_officer_submits_for_own_unit_only, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_officer_reads_own_unit_only, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
