/*  bs_principal: who is acting; see bs_principal.h. */
#include "bs_principal.h"

#include <stdio.h>
#include <string.h>

void
bs_principal_set (bs_principal_t *principal, const char *who, const char *kind, const char *unit,
                  const char *roles)
{
    snprintf (principal->who, sizeof principal->who, "%s", who ? who : "");
    snprintf (principal->kind, sizeof principal->kind, "%s", kind ? kind : "");
    snprintf (principal->unit, sizeof principal->unit, "%s", unit ? unit : "");
    snprintf (principal->roles, sizeof principal->roles, "%s", roles ? roles : "");
}

bool
bs_principal_present (const bs_principal_t *principal)
{
    return principal && principal->who[0] != 0;
}

bool
bs_principal_has_role (const bs_principal_t *principal, const char *role)
{
    if (!bs_principal_present (principal) || strcmp (principal->kind, "officer") != 0)
        return false;
    size_t length = strlen (role);
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
bs_principal_is (const bs_principal_t *principal, const char *who)
{
    return bs_principal_present (principal) && strcmp (principal->kind, "officer") == 0 && who
           && strcmp (principal->who, who) == 0;
}
