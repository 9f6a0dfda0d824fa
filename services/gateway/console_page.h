/*  gateway console_page: a page of the console, the shell with its first
    reads, the person's header and the page written whole, or the login
    page for a person with no session (console_page.c).
*/
#ifndef GATEWAY_CONSOLE_PAGE_H_INCLUDED
#define GATEWAY_CONSOLE_PAGE_H_INCLUDED

#include "gateway.h"

/* GET of any path that is no endpoint's and not under /api/: the page
   (200, 403 or 404), a 303 to the login page, or the first reads alone
   (Accept: application/json). 500 when the console's files could not be
   read as the gateway started. */
enum MHD_Result gateway_console_page (gateway_request_t *request, const gateway_route_t *route,
                                      const char *tail);

#endif
