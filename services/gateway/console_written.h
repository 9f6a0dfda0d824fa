/*  gateway console_written: a page written whole and the header, as the
    person asking sees them (console_written.c).
*/
#ifndef GATEWAY_CONSOLE_WRITTEN_H_INCLUDED
#define GATEWAY_CONSOLE_WRITTEN_H_INCLUDED

#include "console.h"

/* The main element of a page written whole, for a request whose first
   reads are reads (caller frees): NULL when the page cannot be written
   now, so the script draws it. A page with first reads of its own (the
   officer's, the leader's) is written once each of them answered 200
   (not for a person with no session, or whose roles the reads refuse);
   its figures (data-fill) are filled from them. */
char *gateway_written_main (const gateway_written_t *page, json_t *reads);

/* The header (web/first/top.html) as who sees it at path (caller frees):
   an element with data-role="ROLE" (officer, editor, publisher, leader,
   admin) is kept when the person holds ROLE, one with data-role="session"
   when they have a session, each up to the first end tag of its name (no
   element of the same name in it); a kept link to where path is (path, or
   below it) is marked aria-current="page" (the last of its attributes);
   data-fill="who" holds the person's name (their login if none) and
   <span class="unit"> · UNIT</span>. web/js/app.js (header) draws the same
   from the same markup. NULL: the shell's header as it is (also when top
   is NULL). */
char *gateway_written_top (const char *top, const gateway_principal_t *who, const char *path);

#endif
