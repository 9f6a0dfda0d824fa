/*  The web console's page as the gateway serves it: one answer that holds
    what the page draws first, so the browser asks for nothing more before
    it draws. An officer's /officer carries their session, the settings and
    their unit's open commissions (another unit's never), under the keys the
    page asks for them by ("/api/v1/commissions?open=true"); a "</script>"
    in a commission's title cannot end the data's element; with no session
    the page carries only the session's 401, so the login page is drawn at
    once; /login is written whole (web/first/login.html in place of the
    shell's main element), and so is an officer's /officer (its send form)
    and a dashboard's /leader (its figures written in, each the sum of its
    column of the rows the page carries); every page with the person's
    header (their roles' pages, their name); /officer with no session is a
    303 to the login page, which comes back to it, and /leader for an
    officer the 403 page (web/first/forbidden.html), with nothing of the
    dashboard's; every page with the gateway's list of who may open each
    page, which the gateway answers by; the login's answer names the
    person's main page and carries the first reads of the page that
    follows it. Its modules come as one script, which with the style sheet is
    named by a hash of its bytes and may be kept by the browser (the
    security headers still on them). (Fixture:
    tests/support/bs_gateway_fixture.)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_gateway_fixture.h"
#include "bs_test.h"

/* The JSON of html's data element <script type="application/json"
   id="ID"> (caller decrefs); fails the test when the page has none. */
static json_t *
s_data_element (const char *html, const char *id)
{
    char open[100];
    snprintf (open, sizeof open, "<script type=\"application/json\" id=\"%s\">", id);
    const char *from = strstr (html, open);
    if (!from)
        fail_msg ("the page carries no %s:\n%s", id, html);
    from += strlen (open);
    const char *to = strstr (from, "</script>");
    assert_non_null (to);
    json_error_t error;
    json_t *data = json_loadb (from, (size_t) (to - from), 0, &error);
    if (!data)
        fail_msg ("%s is no JSON (%s): %.*s", id, error.text, (int) (to - from), from);
    return data;
}

/* The first reads the page carries (caller decrefs). */
static json_t *
s_first_reads (const char *html)
{
    return s_data_element (html, "bs-first");
}

/* The answer under url in reads: its status, *body its JSON (borrowed). */
static int
s_read (json_t *reads, const char *url, json_t **body)
{
    json_t *entry = json_object_get (reads, url);
    if (!json_is_array (entry) || json_array_size (entry) != 2)
        fail_msg ("no answer for %s among the first reads", url);
    *body = json_array_get (entry, 1);
    return (int) json_integer_value (json_array_get (entry, 0));
}

/* A commission to unit from the editor. */
static void
s_commission (const char *title, const char *unit)
{
    json_t *request = json_pack ("{s:s, s:[{s:s}], s:I}", "title", title, "units", "unit", unit,
                                 "deadline", (json_int_t) (bs_clock_now () + 3600000));
    char *text = json_dumps (request, JSON_COMPACT);
    json_decref (request);
    char *body;
    int status = bs_gateway_post_json ("/api/v1/review/commission_create",
                                       bs_gateway.bearer_editor, text, &body);
    if (status != 200)
        fail_msg ("commission_create: %d %s", status, body);
    free (text);
    free (body);
}

static void
test_officer_page_carries_its_data (void **state)
{
    (void) state;
    s_commission ("滑縣的約稿</script><script>alert(1)</script>", "滑縣");
    s_commission ("林州市的約稿", "林州市");
    char cookie[2100];
    snprintf (cookie, sizeof cookie, "Cookie: bs_session=%s", bs_gateway.li);
    char *html;
    assert_int_equal (bs_gateway_curl (&html, "-H", cookie, bs_gateway_url ("/officer"), NULL),
                      200);
    /* The title's "</script>" is written \u003c/script>: the element ends
       where the gateway ended it. */
    assert_null (strstr (html, "alert(1)</script>"));
    json_t *reads = s_first_reads (html);
    json_t *session, *settings, *commissions;
    assert_int_equal (s_read (reads, "/api/v1/session", &session), 200);
    assert_string_equal (bs_gateway_get (session, "login", NULL), "li");
    assert_string_equal (bs_gateway_get (session, "unit", NULL), "滑縣");
    assert_true (strlen (bs_gateway_get (session, "csrf", NULL)) > 10);
    assert_false (json_is_string (json_object_get (session, "token"))); /* HttpOnly stays */
    assert_int_equal (s_read (reads, "/api/v1/settings", &settings), 200);
    assert_true (json_array_size (json_object_get (settings, "criteria")) > 0);
    assert_int_equal (s_read (reads, "/api/v1/commissions?open=true", &commissions), 200);
    json_t *list = json_object_get (commissions, "commissions");
    assert_int_equal (json_array_size (list), 1);
    assert_string_equal (bs_gateway_get (json_array_get (list, 0), "title", NULL),
                         "滑縣的約稿</script><script>alert(1)</script>");
    assert_null (strstr (html, "林州市的約稿"));
    json_decref (reads);
    /* The send page is written whole (web/first/officer.html), its button
       disabled until the script takes the form. */
    const char *main = strstr (html, "<main ");
    if (!main || strncmp (main, "<main id=\"main\" tabindex=\"-1\" data-written=\"/officer\">", 54)
        || !strstr (main, "<textarea name=\"body\"") || strstr (html, "class=\"loading\"")
        || !strstr (main, "<button type=\"submit\" class=\"primary\" disabled=\"\">"))
        fail_msg ("/officer is not written whole:\n%s", html);
    /* With the officer's header: their page (the one they are on), their
       name and unit, logout; no other role's page. */
    if (!strstr (html, "<a href=\"/officer\" data-role=\"officer\" aria-current=\"page\">")
        || strstr (html, "data-role=\"admin\"") || !strstr (html, "id=\"logout\"")
        || !strstr (html, "data-fill=\"who\">李明<span class=\"unit\"> · 滑縣</span></span>"))
        fail_msg ("/officer's header is not the officer's:\n%s", html);
    free (html);
}

/* The figure written into the element data-fill="key" of html. */
static long long
s_filled (const char *html, const char *key)
{
    char attribute[100];
    snprintf (attribute, sizeof attribute, "data-fill=\"%s\">", key);
    const char *at = strstr (html, attribute);
    if (!at)
        fail_msg ("no %s written:\n%s", attribute, html);
    char *end;
    long long value = strtoll (at + strlen (attribute), &end, 10);
    if (end == at + strlen (attribute) || *end != '<')
        fail_msg ("%s holds no figure: %.40s", key, at);
    return value;
}

/* The sum of column over the rows of the statistics of period that reads
   carry; -1 when that read did not answer 200. */
static long long
s_sum (json_t *reads, const char *period, const char *column)
{
    char url[100];
    snprintf (url, sizeof url, "/api/v1/statistics?period=%s&basis=decided", period);
    json_t *entry = json_object_get (reads, url);
    if (json_integer_value (json_array_get (entry, 0)) != 200)
        return -1;
    json_t *body = json_array_get (entry, 1);
    long long sum = 0;
    size_t index;
    json_t *row;
    json_array_foreach (json_object_get (body, "rows"), index, row)
    {
        sum += json_integer_value (json_object_get (row, column));
    }
    return sum;
}

static void
test_dashboard_written_with_its_figures (void **state)
{
    (void) state;
    char *receipt = bs_gateway_submit_json (bs_gateway.bearer_li, "儀表的稿件", "今天報送。");
    free (receipt);
    char cookie[2100];
    snprintf (cookie, sizeof cookie, "Cookie: bs_session=%s", bs_gateway.editor);
    time_t now = time (NULL);
    struct tm today;
    localtime_r (&now, &today);
    char periods[3][16];
    const char *names[] = {"day", "month", "year"};
    strftime (periods[0], sizeof periods[0], "%Y-%m-%d", &today);
    strftime (periods[1], sizeof periods[1], "%Y-%m", &today);
    strftime (periods[2], sizeof periods[2], "%Y", &today);
    /* For an officer, whose roles the page is not: 403, the 403 page
       written in its place, with nothing of the dashboard's (no read of
       its figures, no heading), the header the officer's. */
    char li[2100];
    snprintf (li, sizeof li, "Cookie: bs_session=%s", bs_gateway.li);
    char *html;
    assert_int_equal (bs_gateway_curl (&html, "-H", li, bs_gateway_url ("/leader"), NULL), 403);
    json_t *reads = s_first_reads (html);
    assert_null (json_object_get (reads, "/api/v1/review/queue?all=true&limit=1000"));
    assert_int_equal (s_sum (reads, periods[0], "submitted"), -1);
    if (!strstr (html, "<main id=\"main\" tabindex=\"-1\" data-written=\"/forbidden\">")
        || strstr (html, "data-written=\"/leader\"") || strstr (html, "leader.title")
        || strstr (html, "class=\"loading\""))
        fail_msg ("/leader is not the 403 page for an officer:\n%s", html);
    if (!strstr (html, "<a href=\"/officer\" data-role=\"officer\"><span")
        || strstr (html, "data-role=\"leader\"")
        || !strstr (html, "data-fill=\"who\">李明<span class=\"unit\"> · 滑縣</span></span>"))
        fail_msg ("/leader's header is not the officer's:\n%s", html);
    json_decref (reads);
    free (html);
    /* For the editor, once the statistics count the report: written, each
       figure the sum of its column of the period's rows the page carries. */
    assert_int_equal (bs_system_start (bs_gateway.system, "statistics"), 0);
    assert_int_equal (bs_system_start (bs_gateway.system, "publication"), 0);
    const char *main = NULL;
    reads = NULL;
    html = NULL;
    for (int round = 0; round < 200 && !main; round++) {
        json_decref (reads);
        free (html);
        assert_int_equal (
            bs_gateway_curl (&html, "-H", cookie, bs_gateway_url ("/leader"), NULL), 200);
        reads = s_first_reads (html);
        main = strstr (html, "<main ");
        if (s_sum (reads, periods[0], "submitted") < 1 || !main
            || strncmp (main, "<main id=\"main\" tabindex=\"-1\" data-written=\"/leader\">", 53))
            main = NULL;
        if (!main)
            usleep (100 * 1000);
    }
    if (!main)
        fail_msg ("/leader is not written whole with today's report:\n%s", html);
    if (strstr (html, "class=\"loading\""))
        fail_msg ("/leader is written and loading:\n%s", html);
    for (size_t i = 0; i < 3; i++)
        for (size_t c = 0; c < 2; c++) {
            const char *column = c ? "adopted" : "submitted";
            char name[40];
            snprintf (name, sizeof name, "%s.%s", names[i], column);
            long long sum = s_sum (reads, periods[i], column);
            if (s_filled (main, name) != sum)
                fail_msg ("%s shows %lld, its rows sum to %lld", name, s_filled (main, name), sum);
        }
    json_decref (reads);
    free (html);
}

static void
test_login_page_knows_there_is_no_session (void **state)
{
    (void) state;
    char *html;
    assert_int_equal (bs_gateway_curl (&html, bs_gateway_url ("/login"), NULL), 200);
    json_t *reads = s_first_reads (html);
    json_t *session;
    assert_int_equal (s_read (reads, "/api/v1/session", &session), 401);
    assert_null (json_object_get (reads, "/api/v1/commissions?open=true"));
    json_decref (reads);
    /* The login page is in the answer, one main element, before the end. */
    const char *main = strstr (html, "<main ");
    if (!main || strncmp (main, "<main id=\"main\" tabindex=\"-1\" data-written=\"/login\">", 52)
        || !strstr (main, "<h1 elementtiming=\"bs-page\">")
        || !strstr (main, "<input name=\"password\" type=\"password\"") || strstr (main + 1, "<main")
        || strstr (html, "class=\"loading\"") || !strstr (main, "</main>\n<div id=\"toast\""))
        fail_msg ("/login is not written whole:\n%s", html);
    /* The header as a person with no session sees it: no role's page, no
       name, no logout. */
    if (!strstr (html, "<header id=\"top\" class=\"top\" data-written=\"\">")
        || !strstr (html, "id=\"script-switch\"") || strstr (html, "data-role="))
        fail_msg ("/login's header is not written for no session:\n%s", html);
    free (html);
    /* An officer's page asked with no session: to the login page, which
       comes back to it (its query too), with nothing of the page's. */
    char headers[1200];
    snprintf (headers, sizeof headers, "%s/console-headers.txt",
              bs_system_folder (bs_gateway.system));
    assert_int_equal (bs_gateway_curl (&html, "-D", headers,
                                       bs_gateway_url ("/officer?commission=7&x=%E4%B8%80"), NULL),
                      303);
    char *dump = bs_gateway_headers (headers);
    if (!strstr (dump, "location: /login?next=%2fofficer%3fcommission%3d7%26x%3d%25e4%25b8%2580\r\n")
        || strstr (html, "bs-first"))
        fail_msg ("/officer with no session is no way to the login page:\n%s\n%s", dump, html);
    free (dump);
    free (html);
}

static void
test_script_and_style_kept_by_the_browser (void **state)
{
    (void) state;
    char *html;
    assert_int_equal (bs_gateway_curl (&html, bs_gateway_url ("/login"), NULL), 200);
    /* One style sheet and one script, each named by a hash of its bytes. */
    const char *names[] = {"<link rel=\"stylesheet\" href=\"", "<script type=\"module\" src=\""};
    char headers[1200];
    snprintf (headers, sizeof headers, "%s/console-headers.txt",
              bs_system_folder (bs_gateway.system));
    for (size_t i = 0; i < 2; i++) {
        const char *at = strstr (html, names[i]);
        if (!at)
            fail_msg ("the page names no %s:\n%s", names[i], html);
        at += strlen (names[i]);
        char path[100];
        snprintf (path, sizeof path, "%.*s", (int) strcspn (at, "\""), at);
        assert_int_equal (strlen (path), strlen ("/static/console.0123456789abcdef.css") - (i ? 1 : 0));
        char *body;
        assert_int_equal (bs_gateway_curl (&body, "-D", headers, bs_gateway_url (path), NULL), 200);
        assert_true (bs_gateway.last_size > 1000);
        char *dump = bs_gateway_headers (headers);
        if (!strstr (dump, "cache-control: public, max-age=31536000, immutable")
            || !strstr (dump, "x-content-type-options: nosniff")
            || !strstr (dump, "content-security-policy: default-src 'self'"))
            fail_msg ("%s is not kept, or lacks the security headers:\n%s", path, dump);
        free (dump);
        free (body);
    }
    /* The modules themselves are in the script; any other file is not kept. */
    assert_null (strstr (html, "/static/js/"));
    char *body;
    assert_int_equal (bs_gateway_curl (&body, "-D", headers,
                                       bs_gateway_url ("/static/js/i18n/zh-Hant.js"), NULL),
                      200);
    char *dump = bs_gateway_headers (headers);
    assert_non_null (strstr (dump, "cache-control: no-store"));
    free (dump);
    free (body);
    free (html);
}

/* Who may open each page, as the page hands it to the script: the
   gateway's one list (bs-pages: [[PATH, WHO], ...]), by which the gateway
   itself refuses a page, so the script draws the 403 page exactly where
   the gateway would. */
static void
test_page_carries_who_may_open_each_page (void **state)
{
    (void) state;
    char *html;
    assert_int_equal (bs_gateway_curl (&html, bs_gateway_url ("/login"), NULL), 200);
    json_t *pages = s_data_element (html, "bs-pages");
    if (!json_is_array (pages) || json_array_size (pages) < 10)
        fail_msg ("no list of pages:\n%s", html);
    char *text = json_dumps (pages, JSON_COMPACT);
    if (!strstr (text, "[\"/login\",\"anyone\"]") || !strstr (text, "[\"/\",\"session\"]")
        || !strstr (text, "[\"/officer\",[\"officer\"]]")
        || !strstr (text, "[\"/admin\",[\"admin\"]]")
        || !strstr (text, "[\"/review\",[\"editor\",\"leader\",\"admin\"]]"))
        fail_msg ("the list of pages is not the gateway's: %s", text);
    free (text);
    /* Each page of roles, asked by an officer (li) and an editor (zhao):
       answered as the list says. */
    const char *people[] = {bs_gateway.li, bs_gateway.editor};
    const char *roles[] = {"officer", "editor"};
    size_t index;
    json_t *page;
    json_array_foreach (pages, index, page)
    {
        const char *path = json_string_value (json_array_get (page, 0));
        json_t *who = json_array_get (page, 1);
        assert_non_null (path);
        if (!json_is_array (who))
            continue;
        /* A page below another (/publish/issues/): of a record that is
           not there, 404 for who may open it, 403 for who may not. */
        bool below = path[strlen (path) - 1] == '/';
        char url[100];
        snprintf (url, sizeof url, "%s%s", path, below ? "999999" : "");
        for (size_t p = 0; p < 2; p++) {
            bool holds = false;
            size_t at;
            json_t *role;
            json_array_foreach (who, at, role)
            {
                holds = holds || strcmp (json_string_value (role), roles[p]) == 0;
            }
            char cookie[2100], *body;
            snprintf (cookie, sizeof cookie, "Cookie: bs_session=%s", people[p]);
            int status = bs_gateway_curl (&body, "-H", cookie, bs_gateway_url (url), NULL);
            if (status != (holds ? below ? 404 : 200 : 403))
                fail_msg ("%s for an %s answered %d; the list says %s", url, roles[p], status,
                          holds ? "open" : "refused");
            free (body);
        }
    }
    json_decref (pages);
    free (html);
}

/* A page asked for JSON (Accept: application/json): the reads it would
   carry alone, with the page's status, no page around them; with no
   session 401, not the way to the login page. */
static void
test_page_reads_alone_as_json (void **state)
{
    (void) state;
    char headers[1200];
    snprintf (headers, sizeof headers, "%s/console-json-headers.txt",
              bs_system_folder (bs_gateway.system));
    char editor[2100], li[2100];
    snprintf (editor, sizeof editor, "Cookie: bs_session=%s", bs_gateway.editor);
    snprintf (li, sizeof li, "Cookie: bs_session=%s", bs_gateway.li);
    char *text;
    assert_int_equal (bs_gateway_curl (&text, "-D", headers, "-H", editor, "-H",
                                       "Accept: application/json", bs_gateway_url ("/leader"),
                                       NULL),
                      200);
    char *dump = bs_gateway_headers (headers);
    json_error_t error;
    json_t *reads = json_loads (text, 0, &error);
    if (!strstr (dump, "content-type: application/json") || !json_is_object (reads)
        || strstr (text, "<main") || strstr (text, "bs-first"))
        fail_msg ("/leader asked for JSON is not its reads alone:\n%s\n%s", dump, text);
    free (dump);
    json_t *body;
    assert_int_equal (s_read (reads, "/api/v1/session", &body), 200);
    assert_string_equal (bs_gateway_get (body, "login", NULL), "zhao");
    (void) s_read (reads, "/api/v1/settings", &body);
    (void) s_read (reads, "/api/v1/review/queue?all=true&limit=1000", &body);
    json_decref (reads);
    free (text);
    /* For an officer the 403's reads: the session and the settings only. */
    assert_int_equal (bs_gateway_curl (&text, "-H", li, "-H", "Accept: application/json",
                                       bs_gateway_url ("/leader"), NULL),
                      403);
    reads = json_loads (text, 0, &error);
    assert_int_equal (json_object_size (reads), 2);
    assert_int_equal (s_read (reads, "/api/v1/session", &body), 200);
    json_decref (reads);
    free (text);
    /* With no session: 401 as JSON. */
    assert_int_equal (bs_gateway_curl (&text, "-H", "Accept: application/json",
                                       bs_gateway_url ("/officer"), NULL),
                      401);
    json_t *refused = json_loads (text, 0, &error);
    assert_string_equal (json_string_value (json_object_get (json_object_get (refused, "error"),
                                                             "code")),
                         "unauthorized");
    json_decref (refused);
    free (text);
}

/* The page of a record (a report, a case, an issue) that is not there,
   or is another unit's report: the 404 page with status 404, its read
   carried (the script draws the 404 page from it); the person's own
   record: 200, its read carried. */
static void
test_missing_record_page_is_404 (void **state)
{
    (void) state;
    (void) bs_system_start (bs_gateway.system, "publication"); /* running already, or now */
    char *own = bs_gateway_submit_json (bs_gateway.bearer_li, "滑縣自己的稿件", "本單位的。");
    char *other = bs_gateway_submit_json (bs_gateway.bearer_wang, "林州市的稿件", "別的單位的。");
    char li[2100], editor[2100];
    snprintf (li, sizeof li, "Cookie: bs_session=%s", bs_gateway.li);
    snprintf (editor, sizeof editor, "Cookie: bs_session=%s", bs_gateway.editor);
    char own_page[100], other_page[100], own_read[100], other_read[100];
    snprintf (own_page, sizeof own_page, "/officer/reports/%s", own);
    snprintf (other_page, sizeof other_page, "/officer/reports/%s", other);
    snprintf (own_read, sizeof own_read, "/api/v1/reports/%s", own);
    snprintf (other_read, sizeof other_read, "/api/v1/reports/%s", other);
    const struct {
        const char *cookie, *page, *read;
        int status;
    } cases[] = {
        {li, own_page, own_read, 200},
        {li, other_page, other_read, 404},
        {li, "/officer/reports/2026-999999", "/api/v1/reports/2026-999999", 404},
        {editor, "/review/case/999999", "/api/v1/review/case?report_id=999999", 404},
        {editor, "/publish/issues/999999", "/api/v1/publication/issue?issue_id=999999", 404},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *html;
        int status = bs_gateway_curl (&html, "-H", cases[i].cookie, bs_gateway_url (cases[i].page),
                                      NULL);
        if (status != cases[i].status)
            fail_msg ("%s answered %d, not %d:\n%s", cases[i].page, status, cases[i].status, html);
        json_t *reads = s_first_reads (html), *body;
        assert_int_equal (s_read (reads, cases[i].read, &body), cases[i].status);
        if (!strstr (html, "<main id=\"main\""))
            fail_msg ("%s is not the console's page:\n%s", cases[i].page, html);
        json_decref (reads);
        free (html);
    }
    free (own);
    free (other);
}

/* The same Idempotency-Key twice on a publication command is one command
   (one draft, the first reply again); another key, another draft; a key
   over 128 bytes refused, naming it. */
static void
test_same_key_makes_one_issue (void **state)
{
    (void) state;
    (void) bs_system_start (bs_gateway.system, "publication"); /* running already, or now */
    bs_officer_t officer = {.login = "liu", .name = "劉編發", .unit = "安陽市",
                            .roles = "publisher", .password = "liu-pass-3"};
    bs_officer_t reply;
    bs_gateway_intake (&bs_officer_schema, &officer, &bs_officer_schema, &reply);
    bs_codec_record_free (&bs_officer_schema, &reply);
    char *session = bs_gateway_login ("liu", "liu-pass-3");
    char publisher[2100];
    snprintf (publisher, sizeof publisher, "Authorization: Bearer %s", session);
    free (session);
    const char *create = "{\"periodical\": \"組工信息\"}";
    const char *keys[] = {"Idempotency-Key: compose-1", "Idempotency-Key: compose-1",
                          "Idempotency-Key: compose-2"};
    json_int_t ids[3];
    for (size_t i = 0; i < 3; i++) {
        char *body;
        int status = bs_gateway_curl (&body, "-H", "Content-Type: application/json", "-H",
                                      publisher, "-H", keys[i], "--data-binary",
                                      create, bs_gateway_url ("/api/v1/publication/issue_create"),
                                      NULL);
        if (status != 200)
            fail_msg ("issue_create answered %d: %s", status, body);
        json_t *issue = bs_gateway_json (body);
        ids[i] = json_integer_value (json_object_get (issue, "issue_id"));
        json_decref (issue);
        free (body);
    }
    assert_true (ids[0] > 0);
    assert_int_equal (ids[1], ids[0]);
    assert_true (ids[2] != ids[0]);
    char *body;
    assert_int_equal (bs_gateway_curl (&body, "-H", publisher,
                                       bs_gateway_url ("/api/v1/publication/issues?limit=1000"),
                                       NULL),
                      200);
    json_t *page = bs_gateway_json (body);
    size_t index, made = 0;
    json_t *issue;
    json_array_foreach (json_object_get (page, "issues"), index, issue)
    {
        json_int_t id = json_integer_value (json_object_get (issue, "issue_id"));
        made += id == ids[0] || id == ids[2];
    }
    assert_int_equal (made, 2);
    json_decref (page);
    free (body);
    char long_key[200] = "Idempotency-Key: ";
    memset (long_key + strlen (long_key), 'k', 129);
    int status = bs_gateway_curl (&body, "-H", "Content-Type: application/json", "-H",
                                  publisher, "-H", long_key, "--data-binary", create,
                                  bs_gateway_url ("/api/v1/publication/issue_create"), NULL);
    bs_gateway_expect_error (status, &body, 400, "invalid", "key");
}

/* POST /api/v1/login with page as JSON ("null": none): its answer
   (caller decrefs), which must be 200. */
static json_t *
s_login_to (const char *login, const char *password, const char *page)
{
    char text[400], *body;
    snprintf (text, sizeof text, "{\"login\": \"%s\", \"password\": \"%s\", \"page\": %s}", login,
              password, page);
    int status = bs_gateway_post_json ("/api/v1/login", NULL, text, &body);
    if (status != 200)
        fail_msg ("login of %s for %s: %d %s", login, page, status, body);
    json_t *answer = bs_gateway_json (body);
    free (body);
    return answer;
}

/* The login's answer names the person's main page (home: the first of
   their roles' pages), and, asked for the page that follows ("/": that
   main page), carries its first reads as the page would, made as the new
   session: an officer's their unit's open commissions (another unit's
   never), an editor's the queue and the people; a page of a role the
   person does not hold none of its reads. */
static void
test_login_carries_the_next_page (void **state)
{
    (void) state;
    s_commission ("林州市的另一篇約稿", "林州市");
    json_t *li = s_login_to ("li", BS_GATEWAY_PASSWORD_LI, "\"/\"");
    assert_string_equal (bs_gateway_get (li, "home", NULL), "/officer");
    assert_true (strlen (bs_gateway_get (li, "token", NULL)) > 10);
    json_t *reads = json_object_get (li, "first_reads"), *body;
    assert_int_equal (s_read (reads, "/api/v1/session", &body), 200);
    assert_string_equal (bs_gateway_get (body, "login", NULL), "li");
    assert_string_equal (bs_gateway_get (body, "name", NULL), "李明");
    assert_string_equal (bs_gateway_get (body, "home", NULL), "/officer");
    assert_false (json_is_string (json_object_get (body, "token")));
    assert_int_equal (s_read (reads, "/api/v1/settings", &body), 200);
    assert_int_equal (s_read (reads, "/api/v1/commissions?open=true", &body), 200);
    json_t *list = json_object_get (body, "commissions"), *commission;
    size_t index;
    assert_true (json_is_array (list));
    json_array_foreach (list, index, commission)
    {
        if (strstr (bs_gateway_get (commission, "title", NULL), "林州市"))
            fail_msg ("li's login carries another unit's commission");
    }
    json_decref (li);
    /* The editor's: the queue and the people. */
    json_t *zhao = s_login_to ("zhao", BS_GATEWAY_PASSWORD_EDITOR, "\"/\"");
    assert_string_equal (bs_gateway_get (zhao, "home", NULL), "/review");
    reads = json_object_get (zhao, "first_reads");
    assert_int_equal (s_read (reads, "/api/v1/review/queue?limit=1000", &body), 200);
    assert_true (json_is_array (json_object_get (body, "cases")));
    assert_int_equal (s_read (reads, "/api/v1/people", &body), 200);
    json_decref (zhao);
    /* Another page named (its query aside); one the officer may not open:
       the session and settings alone. */
    li = s_login_to ("li", BS_GATEWAY_PASSWORD_LI, "\"/officer?commission=1\"");
    assert_int_equal (s_read (json_object_get (li, "first_reads"), "/api/v1/commissions?open=true",
                              &body),
                      200);
    json_decref (li);
    li = s_login_to ("li", BS_GATEWAY_PASSWORD_LI, "\"/admin\"");
    reads = json_object_get (li, "first_reads");
    assert_int_equal (json_object_size (reads), 2);
    assert_int_equal (s_read (reads, "/api/v1/session", &body), 200);
    json_decref (li);
    /* No page asked: the session alone, home beside; a page that is no
       path refused. */
    li = s_login_to ("li", BS_GATEWAY_PASSWORD_LI, "null");
    assert_null (json_object_get (li, "first_reads"));
    assert_string_equal (bs_gateway_get (li, "home", NULL), "/officer");
    json_decref (li);
    char *text;
    int status = bs_gateway_post_json ("/api/v1/login", NULL,
                                       "{\"login\": \"li\", \"password\": \"x\", \"page\": \"admin\"}",
                                       &text);
    bs_gateway_expect_error (status, &text, 400, "invalid", "page");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_officer_page_carries_its_data),
        cmocka_unit_test (test_login_page_knows_there_is_no_session),
        cmocka_unit_test (test_dashboard_written_with_its_figures),
        cmocka_unit_test (test_page_reads_alone_as_json),
        cmocka_unit_test (test_missing_record_page_is_404),
        cmocka_unit_test (test_same_key_makes_one_issue),
        cmocka_unit_test (test_script_and_style_kept_by_the_browser),
        cmocka_unit_test (test_page_carries_who_may_open_each_page),
        cmocka_unit_test (test_login_carries_the_next_page),
        cmocka_unit_test (bs_gateway_no_secret_logged),
    };
    return cmocka_run_group_tests (tests, bs_gateway_setup, bs_gateway_teardown);
}
