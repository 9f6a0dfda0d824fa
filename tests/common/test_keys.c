/*  test_keys: certificate files (bs_keys). A secret certificate is loaded
    whatever its secret key's first bytes; a public certificate asked for
    as a secret one is refused.
*/
#include "bs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_keys.h"

typedef struct {
    char *folder;
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *fixture = calloc (1, sizeof *fixture);
    assert_non_null (fixture);
    fixture->folder = bs_test_temp_dir ("test-keys");
    assert_non_null (fixture->folder);
    zsys_init ();
    zsys_set_logstream (NULL);
    *state = fixture;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = *state;
    bs_folder_remove (fixture->folder);
    free (fixture->folder);
    free (fixture);
    return 0;
}

/* Save a certificate named name with this secret key (its public key is
   not checked against it by czmq, nor by bs_keys_load). */
static void
s_save (const char *folder, const char *name, const byte secret[32])
{
    byte public_key[32];
    for (int i = 0; i < 32; i++)
        public_key[i] = (byte) (i + 1);
    zcert_t *cert = zcert_new_from (public_key, secret);
    assert_non_null (cert);
    zcert_set_meta (cert, "name", "%s", name);
    zcert_set_meta (cert, "kind", "service");
    char path[1200];
    snprintf (path, sizeof path, "%s/%s.cert", folder, name);
    assert_int_equal (zcert_save (cert, path), 0);
    zcert_destroy (&cert);
}

/* Once in 65,536 keys the secret starts with two zero bytes: such a
   certificate was refused as "not a valid certificate" (a service of a
   test system failed to start, CI stop 32). */
static void
test_a_secret_starting_with_zero_bytes_is_loaded (void **state)
{
    fixture_t *fixture = *state;
    byte secret[32] = {0};
    for (int i = 2; i < 32; i++)
        secret[i] = (byte) (0xA0 + i);
    s_save (fixture->folder, "zeroes", secret);
    bs_error_t error;
    zcert_t *cert = bs_keys_load (fixture->folder, "zeroes", true, &error);
    if (!cert)
        fail_msg ("refused: %s", error.text);
    assert_memory_equal (zcert_secret_key (cert), secret, 32);
    zcert_destroy (&cert);
}

/* A secret asked for where only the public file is: refused, named. */
static void
test_a_public_certificate_is_no_secret (void **state)
{
    fixture_t *fixture = *state;
    bs_peer_t peer = {.kind = BS_PEER_SERVICE, .roles = "stream"};
    snprintf (peer.name, sizeof peer.name, "svc");
    bs_error_t error;
    assert_int_equal (bs_keys_create (fixture->folder, &peer, &error), BS_OK);
    char secret_path[1200];
    snprintf (secret_path, sizeof secret_path, "%s/svc.cert_secret", fixture->folder);
    zcert_t *cert = bs_keys_load (fixture->folder, "svc", true, &error);
    assert_non_null (cert);
    zcert_destroy (&cert);
    /* The secret file replaced by the public one's text: no secret key. */
    char public_path[1200];
    snprintf (public_path, sizeof public_path, "%s/svc.cert", fixture->folder);
    zcert_t *public_only = zcert_load (public_path);
    assert_non_null (public_only);
    assert_int_equal (zcert_save_public (public_only, secret_path), 0);
    zcert_destroy (&public_only);
    cert = bs_keys_load (fixture->folder, "svc", true, &error);
    assert_null (cert);
    assert_int_equal (error.code, BS_E_INVALID);
    assert_non_null (strstr (error.text, "not a valid certificate"));
    /* Asked for as a public certificate, it is one. */
    cert = bs_keys_load (fixture->folder, "svc", false, &error);
    assert_non_null (cert);
    zcert_destroy (&cert);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_a_secret_starting_with_zero_bytes_is_loaded,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_a_public_certificate_is_no_secret, s_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
