/*  bs_principal: who a command acts as, from the peer that sent it (its
    certificate) and the principal its envelope claims.

    What users rely on: only the gateway may assert a person; a forged
    admin from any other key (an operator's, a service's, mail's, the admin
    CLI's) is refused; an operator certificate acts only for its own
    officer, with the unit and roles the keyring gives it, whatever the
    envelope says; the admin CLI acts as an administrator, a service as
    itself; a connection no certificate vouches for (peer "nobody") acts
    as no one, whatever it claims.
*/
#include "bs_test.h"

#include <stdio.h>
#include <string.h>

#include "bs_principal.h"

static bs_peer_t
s_peer (bs_peer_kind_t kind, const char *name, const char *login, const char *unit,
        const char *roles)
{
    bs_peer_t peer;
    memset (&peer, 0, sizeof peer);
    peer.kind = kind;
    snprintf (peer.name, sizeof peer.name, "%s", name);
    snprintf (peer.login, sizeof peer.login, "%s", login);
    snprintf (peer.unit, sizeof peer.unit, "%s", unit);
    snprintf (peer.roles, sizeof peer.roles, "%s", roles);
    return peer;
}

static void
test_only_the_gateway_asserts_people (void **state)
{
    (void) state;
    bs_principal_t forged, acting;
    bs_principal_set (&forged, "root", "officer", "滑縣", "admin,editor,leader,publisher");
    bs_error_t error;
    /* a forged admin from every key but the gateway's is refused */
    bs_peer_t others[] = {s_peer (BS_PEER_SERVICE, "review", "", "", ""),
                          s_peer (BS_PEER_MAIL, "mail", "", "", ""),
                          s_peer (BS_PEER_ADMIN, "cli-admin", "", "", ""),
                          s_peer (BS_PEER_OPERATOR, "op-wang", "wang", "林州市", "officer")};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        assert_int_equal (bs_principal_acting (&others[i], &forged, &acting, &error), BS_E_DENIED);
        assert_string_equal (error.field, "principal");
        assert_false (bs_principal_present (&acting));
    }
    /* the gateway's assertion stands: it verified the session */
    bs_peer_t gateway = s_peer (BS_PEER_GATEWAY, "gateway", "", "", "");
    assert_int_equal (bs_principal_acting (&gateway, &forged, &acting, &error), BS_OK);
    assert_true (bs_principal_is (&acting, "root"));
    assert_true (bs_principal_has_role (&acting, "admin"));
    /* but only for officers */
    bs_principal_t service;
    bs_principal_set (&service, "review", "service", "", "");
    assert_int_equal (bs_principal_acting (&gateway, &service, &acting, &error), BS_E_DENIED);
    /* with no claim it acts as itself, holding no role */
    bs_principal_t none = {0};
    assert_int_equal (bs_principal_acting (&gateway, &none, &acting, &error), BS_OK);
    assert_string_equal (acting.who, "gateway");
    assert_string_equal (acting.kind, "service");
    assert_false (bs_principal_has_role (&acting, "admin"));
}

static void
test_operator_acts_for_its_officer (void **state)
{
    (void) state;
    bs_peer_t operator_peer = s_peer (BS_PEER_OPERATOR, "op-li", "li", "滑縣", "officer");
    bs_principal_t claimed, acting;
    bs_error_t error;
    /* no claim: the certificate's officer, unit and roles */
    bs_principal_t none = {0};
    assert_int_equal (bs_principal_acting (&operator_peer, &none, &acting, &error), BS_OK);
    assert_true (bs_principal_is (&acting, "li"));
    assert_string_equal (acting.unit, "滑縣");
    assert_true (bs_principal_has_role (&acting, "officer"));
    assert_false (bs_principal_has_role (&acting, "editor"));
    /* claiming itself with another unit and more roles changes nothing */
    bs_principal_set (&claimed, "li", "officer", "林州市", "officer,admin");
    assert_int_equal (bs_principal_acting (&operator_peer, &claimed, &acting, &error), BS_OK);
    assert_string_equal (acting.unit, "滑縣");
    assert_false (bs_principal_has_role (&acting, "admin"));
    /* unit A's operator acting for unit B's officer: refused */
    bs_principal_set (&claimed, "wang", "officer", "林州市", "officer");
    assert_int_equal (bs_principal_acting (&operator_peer, &claimed, &acting, &error), BS_E_DENIED);
    assert_string_equal (error.field, "principal");
    /* a certificate bound to no officer acts for no one */
    bs_peer_t unbound = s_peer (BS_PEER_OPERATOR, "op-?", "", "", "");
    assert_int_equal (bs_principal_acting (&unbound, &none, &acting, &error), BS_E_DENIED);
}

static void
test_services_admin_and_nobody (void **state)
{
    (void) state;
    bs_principal_t none = {0}, claimed, acting;
    bs_error_t error;
    bs_peer_t admin = s_peer (BS_PEER_ADMIN, "cli-admin", "", "", "");
    assert_int_equal (bs_principal_acting (&admin, &none, &acting, &error), BS_OK);
    assert_string_equal (acting.who, "cli-admin");
    assert_string_equal (acting.kind, "admin");
    assert_true (bs_principal_has_role (&acting, "admin"));
    assert_false (bs_principal_is (&acting, "cli-admin")); /* not an officer */
    bs_peer_t mail = s_peer (BS_PEER_MAIL, "", "", "", "");
    assert_int_equal (bs_principal_acting (&mail, &none, &acting, &error), BS_OK);
    assert_string_equal (acting.who, "mail"); /* no name: its kind */
    assert_false (bs_principal_has_role (&acting, "officer"));
    /* nobody: refused, with or without a claim */
    bs_peer_t nobody = {0};
    bs_principal_set (&claimed, "admin", "admin", "", "admin");
    assert_int_equal (bs_principal_acting (&nobody, &claimed, &acting, &error), BS_E_DENIED);
    assert_string_equal (error.field, "principal");
    assert_false (bs_principal_present (&acting));
    assert_int_equal (bs_principal_acting (&nobody, &none, &acting, &error), BS_E_DENIED);
    assert_false (bs_principal_present (&acting));
}

/* Rules of who may send a command: roles, any service, one service. */
static void
test_rules (void **state)
{
    (void) state;
    bs_principal_t editor, publication, gateway, admin, nobody = {0};
    bs_principal_set (&editor, "wang", "officer", "林州市", "officer,editor");
    bs_principal_set (&publication, "publication", "service", "", "");
    bs_principal_set (&gateway, "gateway", "service", "", "");
    bs_principal_set (&admin, "admin", "admin", "", "admin");
    assert_true (bs_principal_allowed (&editor, "publisher,editor"));
    assert_false (bs_principal_allowed (&editor, "publisher,admin"));
    assert_false (bs_principal_allowed (&editor, "service"));
    assert_false (bs_principal_allowed (&editor, "edit")); /* whole words only */
    assert_true (bs_principal_allowed (&publication, "service:publication,admin"));
    assert_false (bs_principal_allowed (&gateway, "service:publication,admin"));
    assert_true (bs_principal_allowed (&gateway, "admin,service"));
    assert_true (bs_principal_allowed (&admin, "service:publication,admin"));
    assert_false (bs_principal_allowed (&admin, "service"));
    /* a service's name whole: not a prefix, not longer, not empty */
    assert_false (bs_principal_allowed (&publication, "service:publicatio,admin"));
    assert_false (bs_principal_allowed (&publication, "service:publications"));
    assert_false (bs_principal_allowed (&publication, "service:,services"));
    assert_true (bs_principal_allowed (&publication, "editor,service:publication"));
    assert_true (bs_principal_allowed (&editor, "admin,editor,"));
    /* an officer claiming to be a service by name is not one */
    bs_principal_t forged;
    bs_principal_set (&forged, "publication", "officer", "", "editor");
    assert_false (bs_principal_allowed (&forged, "service:publication"));
    assert_false (bs_principal_allowed (&nobody, "admin,service"));
    assert_false (bs_principal_allowed (&admin, ""));
    assert_false (bs_principal_allowed (&admin, NULL));
}

/* An officer acts for their own unit as themself; staff for any. */
static void
test_acting_for_a_unit (void **state)
{
    (void) state;
    bs_principal_t officer, editor, admin, service;
    bs_principal_set (&officer, "li", "officer", "湯陰縣", "officer");
    bs_principal_set (&editor, "wang", "officer", "林州市", "officer,editor");
    bs_principal_set (&admin, "admin", "admin", "", "admin");
    bs_principal_set (&service, "gateway", "service", "", "");
    bs_error_t error;
    assert_int_equal (bs_principal_check_for (&officer, "湯陰縣", "li", "admin", &error), BS_OK);
    assert_int_equal (bs_principal_check_for (&officer, "湯陰縣", "", "admin", &error), BS_OK);
    assert_int_equal (bs_principal_check_for (&officer, "林州市", "li", "admin", &error),
                      BS_E_DENIED);
    assert_string_equal (error.field, "unit");
    assert_int_equal (bs_principal_check_for (&officer, "湯陰縣", "zhao", "admin", &error),
                      BS_E_DENIED);
    assert_string_equal (error.field, "officer");
    /* an editor is staff only where the rule says so */
    assert_int_equal (bs_principal_check_for (&editor, "湯陰縣", "li", "admin", &error),
                      BS_E_DENIED);
    assert_int_equal (bs_principal_check_for (&editor, "湯陰縣", "li", "editor,admin", &error),
                      BS_OK);
    assert_int_equal (bs_principal_check_for (&admin, "湯陰縣", "li", "admin", &error), BS_OK);
    assert_int_equal (bs_principal_check_for (&admin, "湯陰縣", "li", NULL, &error), BS_E_DENIED);
    assert_string_equal (error.field, "principal");
    assert_int_equal (bs_principal_check_for (&service, "湯陰縣", "", "admin", &error),
                      BS_E_DENIED);
    assert_string_equal (error.field, "principal");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_only_the_gateway_asserts_people),
        cmocka_unit_test (test_operator_acts_for_its_officer),
        cmocka_unit_test (test_services_admin_and_nobody),
        cmocka_unit_test (test_rules),
        cmocka_unit_test (test_acting_for_a_unit),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
