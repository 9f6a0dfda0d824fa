/*  gateway console_access: the console's pages and who may open each
    one, the one list by which the gateway refuses a page (console_page.c,
    and routes.c, which makes a page's first reads only for a person who
    may open it) and the script draws one (web/js/app.js, which the shell
    hands the list to where index.html says @PAGES@); and each role's main
    page. It calls no other file of the gateway.
*/
#include "console_access.h"

#include <string.h>

/* Every page the console draws and who may open it, by the path's first
   part: GATEWAY_ANYONE's pages are anyone's, GATEWAY_SIGNED_IN's any
   session's. A path ending in "/" is a page of its own below another (its
   parts after it are the page's), listed before it. The one list: the
   shell hands it to the script where index.html says @PAGES@ (gateway_console_pages_json),
   and web/js/app.js draws a page by it. */
#define S_EDITORS (GATEWAY_ROLE_EDITOR | GATEWAY_ROLE_LEADER | GATEWAY_ROLE_ADMIN)
#define S_PUBLISHERS (GATEWAY_ROLE_PUBLISHER | GATEWAY_ROLE_ADMIN)
#define S_READERS                                                                                  \
    (GATEWAY_ROLE_LEADER | GATEWAY_ROLE_ADMIN | GATEWAY_ROLE_EDITOR | GATEWAY_ROLE_PUBLISHER)
static const struct {
    const char *path;
    unsigned roles;
} s_pages[] = {
    {"/login", GATEWAY_ANYONE},        {"/forbidden", GATEWAY_ANYONE},
    {"/", GATEWAY_SIGNED_IN},          {"/officer", GATEWAY_ROLE_OFFICER},
    {"/review", S_EDITORS},            {"/queue", S_EDITORS},
    {"/editor", S_EDITORS},            {"/publish/issues/", S_PUBLISHERS | S_EDITORS},
    {"/publish", S_PUBLISHERS},        {"/issues", S_PUBLISHERS},
    {"/leader", S_READERS},            {"/stats", S_READERS},
    {"/dashboard", S_READERS},         {"/admin", GATEWAY_ROLE_ADMIN},
};

/* Each role's main page, in the order the header lists them
   (web/first/top.html): a person's is the first of the roles they hold
   (gateway_console_home), which the session's and the login's answers
   name ("home": routes.c), the page "/" goes to (web/js/pages/home.js),
   and the login answers the first reads of when asked (docs/API.md). */
static const struct {
    unsigned role;
    const char *path;
} s_homes[] = {
    {GATEWAY_ROLE_OFFICER, "/officer"}, {GATEWAY_ROLE_EDITOR, "/review"},
    {GATEWAY_ROLE_PUBLISHER, "/publish"}, {GATEWAY_ROLE_LEADER, "/leader"},
    {GATEWAY_ROLE_ADMIN, "/admin"},
};

char *
gateway_console_pages_json (void)
{
    json_t *pages = json_array ();
    for (size_t i = 0; pages && i < sizeof s_pages / sizeof s_pages[0]; i++) {
        unsigned roles = s_pages[i].roles;
        json_t *who = roles == GATEWAY_ANYONE      ? json_string ("anyone")
                      : roles == GATEWAY_SIGNED_IN ? json_string ("session")
                                                   : json_array ();
        for (unsigned bit = 0; json_is_array (who) && gateway_role_name (bit); bit++)
            if (roles & (1u << bit))
                json_array_append_new (who, json_string (gateway_role_name (bit)));
        json_array_append_new (pages, json_pack ("[so]", s_pages[i].path, who));
    }
    char *text = pages ? json_dumps (pages, JSON_COMPACT) : NULL;
    json_decref (pages);
    return text;
}

/* The page of path in s_pages, or -1: no page of the console (404). */
static int
s_page_of (const char *path)
{
    for (size_t i = 0; i < sizeof s_pages / sizeof s_pages[0]; i++) {
        const char *page = s_pages[i].path;
        size_t length = strlen (page);
        bool below = page[length - 1] == '/'; /* "/publish/issues/": what is below it */
        bool first = length == 1 ? strcspn (path + 1, "/") == 0
                                 : strncmp (path, page, length) == 0
                                       && (below || path[length] == 0 || path[length] == '/');
        if (first)
            return (int) i;
    }
    return -1;
}

const char *
gateway_console_home (unsigned roles)
{
    for (size_t i = 0; i < sizeof s_homes / sizeof s_homes[0]; i++)
        if (roles & s_homes[i].role)
            return s_homes[i].path;
    return NULL;
}

bool
gateway_console_page_roles (const char *path, unsigned *roles)
{
    int page = s_page_of (path);
    if (page >= 0)
        *roles = s_pages[page].roles;
    return page >= 0;
}

bool
gateway_console_opens (const char *path, unsigned roles)
{
    int page = s_page_of (path);
    if (page < 0 || s_pages[page].roles == GATEWAY_ANYONE)
        return true;
    return s_pages[page].roles == GATEWAY_SIGNED_IN || (roles & s_pages[page].roles) != 0;
}
