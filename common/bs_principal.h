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
    person of its CurveZMQ certificate). bs_principal_acting turns the two
    into the principal a command acts as, and the service loop does so for
    every command before its handler runs (request->principal):

      peer kind   claimed principal     acts as
      gateway     an officer, or none   that officer (a session the gateway
                                        verified), or the gateway itself
      operator    none, or its officer  the certificate's officer (login,
                                        unit, roles from the keyring)
      admin       none                  the administrator (role admin)
      service,    none                  that service
      mail
      any other   an officer            refused (denied, field principal):
                                        only the gateway asserts people
      nobody      any                   refused (denied, field principal)

    "nobody" is the peer of a connection no admitted certificate vouches
    for. With CurveZMQ on every socket (bs_socket.h) the ZAP handler never
    lets such a connection reach a handler, and a command whose key left
    the keyring meanwhile is refused before this; the row is the last line.
    So every command a handler sees acts as someone: an officer, an admin
    or a service, and services decide on that principal alone.

    Roles and units are as registered in intake's registry: roles a comma
    list of officer, editor, publisher, leader, admin.
*/
#ifndef BS_PRINCIPAL_H_INCLUDED
#define BS_PRINCIPAL_H_INCLUDED

#include <stdbool.h>

#include "bs_error.h"
#include "bs_peer.h"

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

/* The principal a command from peer, whose envelope claims claimed (who
   "" for none), acts as (the table above): BS_OK with acting filled, or
   BS_E_DENIED with error naming field "principal". */
int bs_principal_acting (const bs_peer_t *peer, const bs_principal_t *claimed,
                         bs_principal_t *acting, bs_error_t *error);

/* Whether principal's roles hold role (any kind). */
bool bs_principal_has_role (const bs_principal_t *principal, const char *role);

/* Whether principal is an officer with login who. */
bool bs_principal_is (const bs_principal_t *principal, const char *who);

/* Whether principal passes rule, a comma list of what suffices:
     a role          "editor": the principal holds it (bs_principal_has_role)
     service         any service acting as itself (kind "service")
     service:NAME    the service NAME acting as itself ("service:publication")
   e.g. "publisher,admin" or "service:publication,admin". An empty rule
   admits nobody. */
bool bs_principal_allowed (const bs_principal_t *principal, const char *rule);

/* Whether principal may read what belongs to unit: a principal passing
   every_unit (a rule as above, e.g. "service,editor,leader,admin": staff
   and services) what belongs to any unit; an officer only what belongs to
   their own unit (a record of no unit to nobody else). */
bool bs_principal_sees (const bs_principal_t *principal, const char *unit, const char *every_unit);

/* Whether principal may act for unit as the person who, the unit and
   person a command names (its unit and officer fields; "" or NULL when it
   names none): an officer only as themself and for their own unit; a
   principal passing any_unit (a rule as above, e.g. "editor,admin": staff
   who key in for units) for any unit and as anyone; nobody else. BS_OK, or
   BS_E_DENIED with error naming the field ("unit", "officer" or
   "principal"). */
int bs_principal_check_for (const bs_principal_t *principal, const char *unit, const char *who,
                            const char *any_unit, bs_error_t *error);

#endif
