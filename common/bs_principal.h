/*  bs_principal: who is acting, as a command's envelope carries it.

    Every command may carry, in its envelope's "principal" map, the person
    or service on whose behalf it is sent:

        "principal": { "who": "li", "kind": "officer",
                       "unit": "湯陰縣", "roles": "officer,editor" }

    kind is "officer" (a person: who is their login) or "service" (a
    program: who is its name, e.g. "mail"). A service decides on this
    principal, never on a name typed into a field (an --editor, a role).

    The envelope only says who; it proves nothing by itself. What makes it
    true is the peer that sent it (request->peer, bs_peer.h: the kind and
    person of its CurveZMQ certificate): only a gateway may assert an
    officer whose session it verified, an operator certificate only its own
    officer, a service only itself.

    Roles and units are as registered in intake's registry: roles a comma
    list of officer, editor, publisher, leader, admin.
*/
#ifndef BS_PRINCIPAL_H_INCLUDED
#define BS_PRINCIPAL_H_INCLUDED

#include <stdbool.h>

#define BS_PRINCIPAL_WHO_MAX 65    /* bytes with NUL */
#define BS_PRINCIPAL_KIND_MAX 16   /* bytes with NUL */
#define BS_PRINCIPAL_UNIT_MAX 129  /* bytes with NUL */
#define BS_PRINCIPAL_ROLES_MAX 129 /* bytes with NUL */

typedef struct {
    char who[BS_PRINCIPAL_WHO_MAX];     /* officer login or service name; "" = none */
    char kind[BS_PRINCIPAL_KIND_MAX];   /* "officer" or "service" */
    char unit[BS_PRINCIPAL_UNIT_MAX];   /* the unit they act for, "" if none */
    char roles[BS_PRINCIPAL_ROLES_MAX]; /* comma list */
} bs_principal_t;

/* Fill principal (any argument may be NULL for ""). */
void bs_principal_set (bs_principal_t *principal, const char *who, const char *kind,
                       const char *unit, const char *roles);

/* Whether the principal names anyone. */
bool bs_principal_present (const bs_principal_t *principal);

/* Whether principal is an officer holding role. */
bool bs_principal_has_role (const bs_principal_t *principal, const char *role);

/* Whether principal is an officer with login who. */
bool bs_principal_is (const bs_principal_t *principal, const char *who);

#endif
