/*  test_session: the gateway's signed session tokens.

    A session token is the only thing that stands between a request and an
    officer's rights, so besides the round trip: every byte of a token
    changed, a token signed with another key, an expired one, truncated
    ones and garbage must all be refused; and the key file is made once,
    0600, and read back the same.
*/
#include "bs_test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bs_config.h"
#include "gateway.h"
#include "session.h"

static const uint64_t s_now = 1795000000000ull; /* a fixed "now", ms */

static void
s_key (unsigned char *key, unsigned char fill)
{
    memset (key, fill, GATEWAY_KEY_BYTES);
}

static gateway_session_t
s_sample (void)
{
    gateway_session_t session = {.expires = s_now + 3600 * 1000};
    snprintf (session.login, sizeof session.login, "li.ming");
    snprintf (session.unit, sizeof session.unit, "滑縣");
    snprintf (session.roles, sizeof session.roles, "officer,editor");
    return session;
}

static void
test_round_trip (void **state)
{
    (void) state;
    unsigned char key[GATEWAY_KEY_BYTES];
    s_key (key, 7);
    gateway_session_t session = s_sample ();
    char *token = gateway_session_sign (&session, key);
    assert_non_null (token);
    assert_true (strncmp (token, "s1.", 3) == 0);
    /* Safe in a cookie and a header as it is. */
    assert_int_equal (
        strspn (token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
        strlen (token));
    gateway_session_t back;
    bs_error_t error;
    assert_int_equal (gateway_session_verify (token, key, s_now, &back, &error), BS_OK);
    assert_string_equal (back.login, "li.ming");
    assert_string_equal (back.unit, "滑縣");
    assert_string_equal (back.roles, "officer,editor");
    assert_true (back.expires == session.expires);
    free (token);
}

static void
test_expiry (void **state)
{
    (void) state;
    unsigned char key[GATEWAY_KEY_BYTES];
    s_key (key, 7);
    gateway_session_t session = s_sample ();
    char *token = gateway_session_sign (&session, key);
    gateway_session_t back;
    bs_error_t error;
    assert_int_equal (gateway_session_verify (token, key, session.expires - 1, &back, &error),
                      BS_OK);
    assert_int_equal (gateway_session_verify (token, key, session.expires, &back, &error),
                      BS_E_INVALID);
    assert_non_null (strstr (error.text, "expired"));
    assert_string_equal (back.login, "");
    free (token);
}

static void
test_tampering (void **state)
{
    (void) state;
    unsigned char key[GATEWAY_KEY_BYTES], other[GATEWAY_KEY_BYTES];
    s_key (key, 7);
    s_key (other, 8);
    gateway_session_t session = s_sample ();
    char *token = gateway_session_sign (&session, key);
    gateway_session_t back;
    bs_error_t error;
    /* Another key: refused. */
    assert_int_equal (gateway_session_verify (token, other, s_now, &back, &error), BS_E_INVALID);
    /* Every byte changed, one at a time: refused. */
    size_t length = strlen (token);
    for (size_t i = 0; i < length; i++) {
        char saved = token[i];
        token[i] = saved == 'A' ? 'B' : 'A';
        if (gateway_session_verify (token, key, s_now, &back, &error) == BS_OK)
            fail_msg ("a token changed at byte %zu was accepted", i);
        token[i] = saved;
    }
    /* Every truncation: refused. */
    for (size_t cut = 0; cut < length; cut++) {
        char *part = strndup (token, cut);
        if (gateway_session_verify (part, key, s_now, &back, &error) == BS_OK)
            fail_msg ("a token cut at %zu was accepted", cut);
        free (part);
    }
    /* A payload of our own making with a MAC from a token of another
       person: refused. */
    gateway_session_t admin = s_sample ();
    snprintf (admin.roles, sizeof admin.roles, "admin");
    char *admin_token = gateway_session_sign (&admin, other);
    const char *admin_mac = strrchr (admin_token, '.');
    char forged[2048];
    snprintf (forged, sizeof forged, "%.*s%s", (int) (admin_mac - admin_token), admin_token,
              strrchr (token, '.'));
    assert_int_equal (gateway_session_verify (forged, key, s_now, &back, &error), BS_E_INVALID);
    const char *garbage[] = {"", "s1.", "s1..", "s1.abc.def", "Bearer", "s2.x.y", NULL};
    for (int i = 0; garbage[i]; i++)
        assert_int_equal (gateway_session_verify (garbage[i], key, s_now, &back, &error),
                          BS_E_INVALID);
    assert_int_equal (gateway_session_verify (NULL, key, s_now, &back, &error), BS_E_INVALID);
    free (admin_token);
    free (token);
}

static void
test_csrf (void **state)
{
    (void) state;
    unsigned char key[GATEWAY_KEY_BYTES], other[GATEWAY_KEY_BYTES];
    s_key (key, 7);
    s_key (other, 8);
    char one[GATEWAY_CSRF_MAX], two[GATEWAY_CSRF_MAX], three[GATEWAY_CSRF_MAX];
    gateway_session_csrf ("s1.a.b", key, one, sizeof one);
    gateway_session_csrf ("s1.a.c", key, two, sizeof two);
    gateway_session_csrf ("s1.a.b", other, three, sizeof three);
    assert_true (strlen (one) >= 32);
    assert_string_not_equal (one, two);
    assert_string_not_equal (one, three);
    gateway_session_csrf ("s1.a.b", key, two, sizeof two);
    assert_string_equal (one, two);
}

static void
test_key_file (void **state)
{
    (void) state;
    char *folder = bs_test_temp_dir ("session");
    char path[1024];
    snprintf (path, sizeof path, "%s/data", folder);
    bs_error_t error;
    bs_config_t *config = bs_config_load (NULL, &error);
    assert_non_null (config);
    assert_int_equal (bs_config_set (config, "data_dir", path, &error), BS_OK);
    unsigned char first[GATEWAY_KEY_BYTES], second[GATEWAY_KEY_BYTES];
    assert_int_equal (gateway_session_key_load (config, first, &error), BS_OK);
    snprintf (path, sizeof path, "%s/data/gateway/session.key", folder);
    struct stat info;
    assert_int_equal (stat (path, &info), 0);
    assert_int_equal (info.st_mode & 0777, 0600);
    /* The second start reads the same key. */
    assert_int_equal (gateway_session_key_load (config, second, &error), BS_OK);
    assert_memory_equal (first, second, sizeof first);
    /* A configured key wins, and a bad one is refused naming the key. */
    assert_int_equal (bs_config_set (config, "gateway.session_key",
                                     "000102030405060708090a0b0c0d0e0f"
                                     "101112131415161718191a1b1c1d1e1f",
                                     &error),
                      BS_OK);
    assert_int_equal (gateway_session_key_load (config, second, &error), BS_OK);
    assert_int_equal (second[31], 0x1f);
    assert_int_equal (bs_config_set (config, "gateway.session_key", "abc", &error), BS_OK);
    assert_int_equal (gateway_session_key_load (config, second, &error), BS_E_INVALID);
    assert_string_equal (error.field, "gateway.session_key");
    bs_config_destroy (&config);
    bs_folder_remove (folder);
    free (folder);
}

static void
test_roles (void **state)
{
    (void) state;
    assert_int_equal (gateway_roles_parse ("officer"), GATEWAY_ROLE_OFFICER);
    assert_int_equal (gateway_roles_parse ("officer, editor"),
                      GATEWAY_ROLE_OFFICER | GATEWAY_ROLE_EDITOR);
    assert_int_equal (gateway_roles_parse ("admin,leader,publisher"),
                      GATEWAY_ROLE_ADMIN | GATEWAY_ROLE_LEADER | GATEWAY_ROLE_PUBLISHER);
    /* Near misses are not roles. */
    assert_int_equal (gateway_roles_parse ("officers,edit,administrator"), 0);
    assert_int_equal (gateway_roles_parse (""), 0);
    assert_int_equal (gateway_roles_parse (NULL), 0);
}

int
main (void)
{
    if (sodium_init () < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_round_trip), cmocka_unit_test (test_expiry),
        cmocka_unit_test (test_tampering),  cmocka_unit_test (test_csrf),
        cmocka_unit_test (test_key_file),   cmocka_unit_test (test_roles),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
