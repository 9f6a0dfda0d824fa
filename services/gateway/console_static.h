/*  gateway console_static: the console's files under /static/ (the
    script and the style sheet kept since the gateway started, any other
    file of gateway.web_root read when asked): console_static.c.
*/
#ifndef GATEWAY_CONSOLE_STATIC_H_INCLUDED
#define GATEWAY_CONSOLE_STATIC_H_INCLUDED

#include "gateway.h"

/* GET /static/TAIL: the file, or 404 for a path that is unsafe, of no
   known type or of no file. */
enum MHD_Result gateway_console_file (gateway_request_t *request, const gateway_route_t *route,
                                      const char *tail);

#endif
