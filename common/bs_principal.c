/*  bs_principal: who is acting; see bs_principal.h. */
#include "bs_principal.h"

#include <string.h>

#include "bs_error.h"
#include "bs_text.h"

void
bs_principal_set (bs_principal_t *principal, const char *who, const char *kind, const char *unit,
                  const char *roles)
{
    bs_text_copy (principal->who, sizeof principal->who, who);
    bs_text_copy (principal->kind, sizeof principal->kind, kind);
    bs_text_copy (principal->unit, sizeof principal->unit, unit);
    bs_text_copy (principal->roles, sizeof principal->roles, roles);
}

bool
bs_principal_present (const bs_principal_t *principal)
{
    return principal && principal->who[0] != 0;
}

/* Whether principal has the role of length bytes at role (not
   NUL-terminated: an item of a rule). */
static bool
s_has_role (const bs_principal_t *principal, const char *role, size_t length)
{
    if (!bs_principal_present (principal) || length == 0)
        return false;
    for (const char *at = principal->roles; *at;) {
        while (*at == ' ' || *at == ',')
            at++;
        size_t item = strcspn (at, ", ");
        if (item == length && strncmp (at, role, length) == 0)
            return true;
        at += item;
    }
    return false;
}

bool
bs_principal_has_role (const bs_principal_t *principal, const char *role)
{
    return s_has_role (principal, role, strlen (role));
}

bool
bs_principal_is (const bs_principal_t *principal, const char *who)
{
    return bs_principal_present (principal) && strcmp (principal->kind, "officer") == 0 && who
           && strcmp (principal->who, who) == 0;
}

bool
bs_principal_allowed (const bs_principal_t *principal, const char *rule)
{
    if (!bs_principal_present (principal) || !rule)
        return false;
    /* Each item is read where it is (every command is checked here). */
    bool service = strcmp (principal->kind, "service") == 0;
    for (const char *at = rule; *at;) {
        const char *item = at;
        size_t length = strcspn (at, ",");
        at += length + (at[length] == ',');
        if (length == 7 && memcmp (item, "service", 7) == 0 ? service
            : length >= 8 && memcmp (item, "service:", 8) == 0
                ? service && strlen (principal->who) == length - 8
                      && memcmp (item + 8, principal->who, length - 8) == 0
                : s_has_role (principal, item, length))
            return true;
    }
    return false;
}

static bool
s_named (const char *text)
{
    return text && *text;
}

bool
bs_principal_sees (const bs_principal_t *principal, const char *unit, const char *every_unit)
{
    if (bs_principal_allowed (principal, every_unit))
        return true;
    return bs_principal_present (principal) && strcmp (principal->kind, "officer") == 0
           && s_named (unit) && *principal->unit && strcmp (unit, principal->unit) == 0;
}

int
bs_principal_check_for (const bs_principal_t *principal, const char *unit, const char *who,
                        const char *any_unit, bs_error_t *error)
{
    if (bs_principal_allowed (principal, any_unit))
        return BS_OK;
    if (!bs_principal_present (principal) || strcmp (principal->kind, "officer") != 0)
        return bs_error_set (error, BS_E_DENIED, "principal",
                             "%s '%s' acts for no unit: only an officer of the unit%s%s may",
                             bs_principal_present (principal) ? principal->kind : "nobody",
                             principal ? principal->who : "", s_named (any_unit) ? " or " : "",
                             s_named (any_unit) ? any_unit : "");
    if (s_named (unit) && strcmp (unit, principal->unit) != 0)
        return bs_error_set (error, BS_E_DENIED, "unit",
                             "%s of %s acts only for their own unit, not for %s", principal->who,
                             *principal->unit ? principal->unit : "no unit", unit);
    if (s_named (who) && strcmp (who, principal->who) != 0)
        return bs_error_set (error, BS_E_DENIED, "officer", "%s acts only as themself, not as %s",
                             principal->who, who);
    return BS_OK;
}

/* A certificate's name, or the word of its kind when it has none. */
static const char *
s_peer_name (const bs_peer_t *peer)
{
    return *peer->name ? peer->name : bs_peer_kind_name (peer->kind);
}

int
bs_principal_acting (const bs_peer_t *peer, const bs_principal_t *claimed, bs_principal_t *acting,
                     bs_error_t *error)
{
    bool claims = bs_principal_present (claimed);
    memset (acting, 0, sizeof *acting);
    switch (peer->kind) {
    case BS_PEER_NOBODY: /* no certificate vouches: no one may act */
        return bs_error_set (error, BS_E_DENIED, "principal",
                             "no admitted certificate vouches for this connection");
    case BS_PEER_GATEWAY:
        if (claims && strcmp (claimed->kind, "officer") != 0)
            return bs_error_set (error, BS_E_DENIED, "principal",
                                 "the gateway acts for officers, not for a %s", claimed->kind);
        if (claims)
            *acting = *claimed;
        else
            bs_principal_set (acting, s_peer_name (peer), "service", "", "");
        return BS_OK;
    case BS_PEER_OPERATOR:
        if (!*peer->login)
            return bs_error_set (error, BS_E_DENIED, "principal",
                                 "the operator certificate %s is bound to no officer",
                                 s_peer_name (peer));
        if (claims
            && !(strcmp (claimed->kind, "officer") == 0 && strcmp (claimed->who, peer->login) == 0))
            return bs_error_set (error, BS_E_DENIED, "principal",
                                 "the certificate %s acts only for officer %s, not for %s",
                                 s_peer_name (peer), peer->login, claimed->who);
        bs_principal_set (acting, peer->login, "officer", peer->unit, peer->roles);
        return BS_OK;
    default:
        if (claims)
            return bs_error_set (error, BS_E_DENIED, "principal",
                                 "only the gateway may act for a person; the certificate %s "
                                 "(%s) may not claim %s",
                                 s_peer_name (peer), bs_peer_kind_name (peer->kind), claimed->who);
        if (peer->kind == BS_PEER_ADMIN)
            bs_principal_set (acting, s_peer_name (peer), "admin", "", "admin");
        else
            bs_principal_set (acting, s_peer_name (peer), "service", "", "");
        return BS_OK;
    }
}
