/*  gateway console_reads: a console page's first reads (console_reads.c):
    which reads each page makes before it is drawn, with today's dates in
    them, and their answers as the page carries them, {"path?query":
    [status, body]} (request->first_reads, which routes.c fills).
*/
#ifndef GATEWAY_CONSOLE_READS_H_INCLUDED
#define GATEWAY_CONSOLE_READS_H_INCLUDED

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The bytes of one read, "path?query", with its NUL. */
#define GATEWAY_READ_MAX 256

/* The reads the console's page at path (its path only) draws first, each
   "path?query" as the page asks for it, into reads (at most max): how
   many: a role's main page's reads, or the read of the record a page of
   one shows (/review/case/12: the case). The session and the settings,
   read by every page, are not listed. */
size_t gateway_console_first_reads (const char *path, char reads[][GATEWAY_READ_MAX], size_t max);

/* The read of the record the page at path shows into url (of size
   bytes): false when path is no such page, or its name is no record's
   (letters, digits and "-": a report's id or registration number, a
   case's, an issue's id). */
bool gateway_console_record_read (const char *path, char *url, size_t size);

/* The answer reads carries for the read url, if it answered 200 (not
   the caller's); NULL otherwise. */
json_t *gateway_console_answered (json_t *reads, const char *url);

/* Today's day, month and year in the gateway's local time, as the
   dashboard writes them ("2026-12-04", "2026-12", "2026"). */
typedef struct {
    char day[16];
    char month[16];
    char year[16];
    int months; /* this year's months so far */
} gateway_today_t;
gateway_today_t gateway_today (void);

/* The figure of key ("PERIOD.COLUMN", length bytes, PERIOD day, month or
   year) from reads: the sum of COLUMN over the rows of PERIOD's
   statistics of dates, as a page written whole shows it (data-fill):
   BS_OK with *value, BS_E_NOT_FOUND when reads has no such answer. */
int gateway_console_figure (const char *key, size_t length, json_t *reads,
                            const gateway_today_t *dates, json_int_t *value);

/* reads as JSON for a script element of type application/json (NULL:
   "{}"): every "<" written as \u003c, so no "</script>" or "<!--" in a
   value can end the element or change how it is read (caller frees;
   NULL without memory). */
char *gateway_console_reads_json (json_t *reads);

#endif
