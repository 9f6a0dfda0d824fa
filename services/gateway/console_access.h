/*  gateway console_access: the console's pages and who may open each one
    (console_access.c), by the path's first part: anyone (the login page,
    the 403 page), any session ("/"), or the roles the page names; a path
    that is no page of the console is anyone's and answers 404.
*/
#ifndef GATEWAY_CONSOLE_ACCESS_H_INCLUDED
#define GATEWAY_CONSOLE_ACCESS_H_INCLUDED

#include <stdbool.h>

#include "gateway.h"

/* Is path a page of the console? true with *roles, who may open it
   (GATEWAY_ANYONE, GATEWAY_SIGNED_IN or GATEWAY_ROLE_ bits); false: its
   404. */
bool gateway_console_page_roles (const char *path, unsigned *roles);

/* May a person of roles (GATEWAY_ROLE_ bits) open the console's page at
   path? Any path for GATEWAY_ANYONE's pages (the login page, 403) and for
   no page of the console (its 404); the roles the page names otherwise. */
bool gateway_console_opens (const char *path, unsigned roles);

/* The main page of a person of roles (GATEWAY_ROLE_ bits): the first of
   their roles' in the header's order ("/officer", "/review", "/publish",
   "/leader", "/admin"); NULL when none of them has one. */
const char *gateway_console_home (unsigned roles);

/* The pages as JSON for the script (caller frees; NULL without memory):
   [[PATH, WHO], ...] in their order, WHO "anyone", "session" or the list
   of the roles that may open it (gateway_role_name's: "officer",
   "editor", ...). Its paths and role names hold no "<", so it can stand
   in a script element. */
char *gateway_console_pages_json (void);

#endif
