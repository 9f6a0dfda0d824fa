/*  gateway console_reads: a console page's first reads, the API reads its
    script makes before it draws the page, which the gateway makes itself
    as the page is asked for (routes.c) and writes into the page it
    answers, so the browser draws it with no request of its own.

    The shell carries their answers where index.html says @FIRST_READS@
    (console_page.c), as JSON safe in a script element; asked with Accept:
    application/json, a page answers them alone (the script of a tab that
    had another page takes them: web/js/api.js carryFirstReads). Each
    role's main page's reads are listed here, with today's dates written
    into them as the dashboard writes them; a page of a record (a report,
    a case, an issue) reads that record, whose 404 the page answers with
    its 404 page. A page written whole shows figures summed from them
    (console_written.c). It calls no other file of the gateway.
*/
#include "console_reads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs_error.h"

/* The figures a page written whole shows: data-fill="PERIOD.COLUMN" in
   its web/first/NAME.html, an empty element the gateway writes into the
   sum of COLUMN over the rows of PERIOD's statistics (day, month, year:
   today's), one of the page's first reads. web/js/pages/leader.js shows
   the same keys from the same reads once it has drawn the page. */
#define S_STATISTICS(period) "/api/v1/statistics?period=" period "&basis=decided"

/* The reads each role's main page makes before it is drawn, as its module
   in web/js/pages/ writes them (the path, then the query in the order the
   page gives it): the gateway makes them itself as the page is asked for
   and writes their answers into it (routes.c), so the browser draws the
   page with no request of its own. Every page also reads the session and
   the settings (web/js/app.js). {day}, {month}, {year}: today's, in the
   gateway's local time, as the dashboard writes them; {months}: one read
   per month of this year so far. A read the page no longer makes is
   harmless (the page asks again); tests/browser checks none is missing. */
static const struct {
    const char *pages; /* the page's paths, separated by spaces */
    const char *reads[10];
} s_first_reads[] = {
    {"/officer", {"/api/v1/commissions?open=true"}},
    {"/review /queue /editor", {"/api/v1/review/queue?limit=1000", "/api/v1/people"}},
    {"/publish /issues",
     {"/api/v1/publication/periodicals", "/api/v1/publication/pending?limit=1000",
      "/api/v1/publication/issues?limit=1000", "/api/v1/people"}},
    {"/admin", {"/api/v1/units?limit=1000"}},
    {"/leader /stats /dashboard",
     {S_STATISTICS ("{day}"), S_STATISTICS ("{month}"), S_STATISTICS ("{year}"),
      "/api/v1/statistics/ranking?period={year}&by=adopted&basis=decided",
      S_STATISTICS ("{months}"),
      "/api/v1/review/queue?all=true&limit=1000", "/api/v1/publication/issues?limit=1000",
      "/api/v1/publication/instructions?limit=1000"}},
};

/* The record a page below another shows, named by the path's last part
   (a report, a case, an issue), and the read of it, the name where {id}
   is, as the page's module writes it: a first read of the page (carried,
   so the script draws the record from it), whose 404 (no such record, or
   another unit's report) the page answers with the 404 page the script
   draws from that answer. */
static const struct {
    const char *page; /* the path up to the record's name */
    const char *read;
} s_records[] = {
    {"/officer/reports/", "/api/v1/reports/{id}"},
    {"/review/case/", "/api/v1/review/case?report_id={id}"},
    {"/publish/issues/", "/api/v1/publication/issue?issue_id={id}"},
};

bool
gateway_console_record_read (const char *path, char *url, size_t size)
{
    for (size_t i = 0; i < sizeof s_records / sizeof s_records[0]; i++) {
        size_t length = strlen (s_records[i].page);
        if (strncmp (path, s_records[i].page, length) != 0)
            continue;
        const char *name = path + length;
        size_t name_length = strspn (name, "0123456789-abcdefghijklmnopqrstuvwxyz"
                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        const char *read = s_records[i].read, *mark = strstr (read, "{id}");
        if (!name_length || name[name_length] || name_length > 64 || !mark)
            return false;
        snprintf (url, size, "%.*s%s%s", (int) (mark - read), read, name, mark + strlen ("{id}"));
        return true;
    }
    return false;
}

char *
gateway_console_reads_json (json_t *reads)
{
    char *text = reads ? json_dumps (reads, JSON_COMPACT) : strdup ("{}");
    if (!text)
        return NULL;
    size_t angles = 0;
    for (const char *at = text; *at; at++)
        angles += *at == '<';
    char *safe = malloc (strlen (text) + 5 * angles + 1);
    char *out = safe;
    for (const char *at = text; safe && *at; at++)
        if (*at == '<')
            out += sprintf (out, "\\u003c");
        else
            *out++ = *at;
    if (safe)
        *out = 0;
    free (text);
    return safe;
}

gateway_today_t
gateway_today (void)
{
    time_t now = time (NULL);
    struct tm today;
    localtime_r (&now, &today);
    gateway_today_t dates;
    snprintf (dates.year, sizeof dates.year, "%04d", today.tm_year + 1900);
    snprintf (dates.month, sizeof dates.month, "%s-%02d", dates.year, today.tm_mon + 1);
    snprintf (dates.day, sizeof dates.day, "%s-%02d", dates.month, today.tm_mday);
    dates.months = today.tm_mon + 1;
    return dates;
}

/* read with its {day}, {month} or {year} as today's, into out. */
static void
s_expand (const char *read, const gateway_today_t *dates, char *out, size_t size)
{
    static const char *const names[] = {"{day}", "{month}", "{year}"};
    const char *values[] = {dates->day, dates->month, dates->year};
    for (size_t i = 0; i < 3; i++) {
        const char *at = strstr (read, names[i]);
        if (at) {
            snprintf (out, size, "%.*s%s%s", (int) (at - read), read, values[i],
                      at + strlen (names[i]));
            return;
        }
    }
    snprintf (out, size, "%s", read);
}

json_t *
gateway_console_answered (json_t *reads, const char *url)
{
    json_t *entry = json_object_get (reads, url);
    return json_integer_value (json_array_get (entry, 0)) == 200 ? json_array_get (entry, 1)
                                                                 : NULL;
}

int
gateway_console_figure (const char *key, size_t length, json_t *reads, const gateway_today_t *dates,
                        json_int_t *value)
{
    const char *dot = memchr (key, '.', length);
    if (!dot || dot - key > 10 || length > 60)
        return BS_E_NOT_FOUND;
    char read[GATEWAY_READ_MAX], url[GATEWAY_READ_MAX], column[64];
    snprintf (read, sizeof read, S_STATISTICS ("{%.*s}"), (int) (dot - key), key);
    snprintf (column, sizeof column, "%.*s", (int) (length - (size_t) (dot + 1 - key)), dot + 1);
    s_expand (read, dates, url, sizeof url);
    json_t *rows = json_object_get (gateway_console_answered (reads, url), "rows");
    if (strcmp (read, url) == 0 || !json_is_array (rows))
        return BS_E_NOT_FOUND;
    size_t index;
    json_t *row;
    *value = 0;
    json_array_foreach (rows, index, row)
    {
        *value += json_integer_value (json_object_get (row, column));
    }
    return BS_OK;
}

/* Is path one of the space-separated paths of list? */
static bool
s_listed (const char *list, const char *path)
{
    size_t length = strlen (path);
    for (const char *at = list; *at; at += strcspn (at, " "), at += *at == ' ') {
        size_t part = strcspn (at, " ");
        if (part == length && strncmp (at, path, length) == 0)
            return true;
    }
    return false;
}

size_t
gateway_console_first_reads (const char *path, char reads[][GATEWAY_READ_MAX], size_t max)
{
    gateway_today_t dates = gateway_today ();
    size_t count = 0;
    for (size_t i = 0; i < sizeof s_first_reads / sizeof s_first_reads[0]; i++) {
        if (!s_listed (s_first_reads[i].pages, path))
            continue;
        for (size_t j = 0; j < 10 && s_first_reads[i].reads[j] && count < max; j++) {
            const char *read = s_first_reads[i].reads[j];
            const char *months = strstr (read, "{months}");
            for (int m = 1; months && m <= dates.months && count < max; m++)
                snprintf (reads[count++], GATEWAY_READ_MAX, "%.*s%s-%02d%s", (int) (months - read),
                          read, dates.year, m, months + strlen ("{months}"));
            if (!months)
                s_expand (read, &dates, reads[count++], GATEWAY_READ_MAX);
        }
    }
    if (count < max && gateway_console_record_read (path, reads[count], GATEWAY_READ_MAX))
        count++;
    return count;
}
