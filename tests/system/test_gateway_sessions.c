/*  The HTTP gateway: who a request comes from. Logging in with JSON (a
    wrong password, a missing one, an unknown login), who a session or an
    API token says one is, and the HTML form's login and submission: the
    session cookie is HttpOnly, a form or the JSON API posted without the
    form's token is refused and stores nothing, and Chinese text with
    CR LF comes through exactly; the form in the script the person chose,
    and refused in it as the console says it, what was typed kept;
    a file of the API opened in a browser's tab that cannot be given.
    (Fixture: tests/support/bs_gateway_fixture.)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_gateway_fixture.h"
#include "bs_test.h"

static void
test_login (void **state)
{
    (void) state;
    char *body;
    bs_gateway_expect_error (bs_gateway_post_json ("/api/v1/login", NULL,
                                                   "{\"login\": \"li\", \"password\": \"wrong\"}",
                                                   &body),
                             &body, 401, "unauthorized", "password");
    bs_gateway_expect_error (
        bs_gateway_post_json ("/api/v1/login", NULL, "{\"login\": \"li\"}", &body), &body, 400,
        "invalid", "password");
    bs_gateway_expect_error (bs_gateway_post_json ("/api/v1/login", NULL,
                                                   "{\"login\": \"nobody\", \"password\": \"x\"}",
                                                   &body),
                             &body, 401, "unauthorized", "password");
    /* Who am I, by the session. */
    int status = bs_gateway_curl (&body, "-H", bs_gateway.bearer_li,
                                  bs_gateway_url ("/api/v1/session"), NULL);
    assert_int_equal (status, 200);
    json_t *object = bs_gateway_json (body);
    assert_string_equal (bs_gateway_get (object, "login", NULL), "li");
    assert_string_equal (bs_gateway_get (object, "unit", NULL), "滑縣");
    assert_string_equal (bs_gateway_get (object, "roles", NULL), "officer");
    json_decref (object);
    free (body);
    /* And by the API token. */
    status = bs_gateway_curl (&body, "-H", bs_gateway.bearer_token,
                              bs_gateway_url ("/api/v1/session"), NULL);
    assert_int_equal (status, 200);
    object = bs_gateway_json (body);
    assert_string_equal (bs_gateway_get (object, "token_name", NULL), "hn-direct");
    assert_string_equal (bs_gateway_get (object, "unit", NULL), "滑縣");
    json_decref (object);
    free (body);
}

/* A copy of what follows marker in text up to a character of stop, or NULL. */
static char *
s_between (const char *text, const char *marker, const char *stop)
{
    const char *at = strstr (text, marker);
    if (!at)
        return NULL;
    at += strlen (marker);
    return strndup (at, strcspn (at, stop));
}

/* The value of name="csrf" in a page. */
static char *
s_csrf_of (const char *page)
{
    char *value = s_between (page, "name=\"csrf\" value=\"", "\"");
    assert_non_null (value);
    return value;
}

static void
test_html_form (void **state)
{
    (void) state;
    char jar[1200];
    snprintf (jar, sizeof jar, "%s/cookies.txt", bs_system_folder (bs_gateway.system));
    char *body;
    /* Not logged in: the login form, in UTF-8. */
    int status = bs_gateway_curl (&body, bs_gateway_url ("/submit"), NULL);
    assert_int_equal (status, 200);
    assert_non_null (strstr (body, "<meta charset=\"utf-8\">"));
    assert_non_null (strstr (body, "name=\"password\""));
    free (body);
    /* The login form carries its own token, tied to the bs_login cookie. */
    status = bs_gateway_curl (&body, "-c", jar, bs_gateway_url ("/submit"), NULL);
    assert_int_equal (status, 200);
    char *login_csrf = s_csrf_of (body);
    free (body);
    char login_part[128];
    snprintf (login_part, sizeof login_part, "csrf=%s", login_csrf);
    free (login_csrf);
    /* Wrong password: the form again, 401. */
    status = bs_gateway_curl (&body, "-b", jar, "--data-urlencode", login_part, "--data-urlencode",
                              "login=li", "--data-urlencode", "password=nope",
                              bs_gateway_url ("/login"), NULL);
    assert_int_equal (status, 401);
    assert_non_null (strstr (body, "登录名或密码不正确"));
    free (body);
    /* Log in: a 303 to the form and the cookie. */
    status = bs_gateway_curl (&body, "-b", jar, "-c", jar, "--data-urlencode", login_part,
                              "--data-urlencode", "login=li", "--data-urlencode",
                              "password=" BS_GATEWAY_PASSWORD_LI, bs_gateway_url ("/login"), NULL);
    assert_int_equal (status, 303);
    free (body);
    FILE *file = fopen (jar, "r");
    char cookies[8192] = "";
    size_t got = fread (cookies, 1, sizeof cookies - 1, file);
    cookies[got] = 0;
    fclose (file);
    assert_non_null (strstr (cookies, "#HttpOnly_"));
    assert_non_null (strstr (cookies, "bs_session\ts1."));
    /* The submission form, with its form token. */
    status = bs_gateway_curl (&body, "-b", jar, bs_gateway_url ("/submit"), NULL);
    assert_int_equal (status, 200);
    assert_non_null (strstr (body, "enctype=\"multipart/form-data\""));
    assert_non_null (strstr (body, "滑縣"));
    /* The officer by their name as entered, not their login. */
    if (!strstr (body, "信息员 李明，报送单位：滑縣"))
        fail_msg ("the form does not name the officer by their name: %s", body);
    char *csrf = s_csrf_of (body);
    free (body);
    char csrf_part[128];
    snprintf (csrf_part, sizeof csrf_part, "csrf=%s", csrf);

    size_t before = bs_gateway_count ();
    /* Without the form token: refused, nothing stored. */
    status = bs_gateway_curl (&body, "-b", jar, "-F", "title=無令牌", "-F", "body=正文",
                              bs_gateway_url ("/submit"), NULL);
    assert_int_equal (status, 403);
    free (body);
    /* The cookie alone does not post to the JSON API either. */
    status = bs_gateway_curl (&body, "-b", jar, "-H", "Content-Type: application/json",
                              "--data-binary", "{\"title\": \"t\", \"body\": \"b\"}",
                              bs_gateway_url ("/api/v1/reports"), NULL);
    bs_gateway_expect_error (status, &body, 403, "forbidden", "csrf");
    assert_int_equal (bs_gateway_count (), before);

    const char *title = "城關鎮開展「黨員先鋒崗」活動（緊急）";
    const char *text = "一、基本情況。\r\n二、主要做法：以「三個一」為抓手。";
    char title_part[512], body_part[512];
    snprintf (title_part, sizeof title_part, "title=%s", title);
    snprintf (body_part, sizeof body_part, "body=%s", text);
    status = bs_gateway_curl (&body, "-b", jar, "-F", csrf_part, "-F", title_part, "-F", body_part,
                              "-F", "kind=urgent", "-F", "urgent=on", "-F",
                              "topic=", bs_gateway_url ("/submit"), NULL);
    if (status != 201)
        fail_msg ("form submit: %d %s", status, body);
    char *reg_no = s_between (body, "已登记，登记号 <strong id=\"reg_no\">", "<");
    if (!reg_no)
        fail_msg ("no receipt in: %s", body);
    assert_non_null (strstr (body, title));
    free (body);
    assert_int_equal (bs_gateway_count (), before + 1);

    /* The same text came through exactly (the form keeps CR LF). */
    json_t *object;
    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_li, reg_no, &object), 200);
    json_t *report = json_object_get (object, "report");
    assert_string_equal (bs_gateway_get (report, "title", NULL), title);
    assert_string_equal (bs_gateway_get (report, "body", NULL), text);
    assert_true (json_is_true (json_object_get (report, "urgent")));
    assert_string_equal (bs_gateway_get (report, "kind", NULL), "urgent");
    json_decref (object);
    free (reg_no);
    free (csrf);
}

/* The page's words all in one script: each word of the form and the
   login page (page_text.c) as the script writes it, none of the other's. */
static void
s_in_script (const char *page, const char *lang, const char *const *words,
             const char *const *other_words)
{
    char tag[40];
    snprintf (tag, sizeof tag, "<html lang=\"%s\">", lang);
    if (!strstr (page, tag))
        fail_msg ("not in %s: %s", lang, page);
    for (size_t i = 0; words[i]; i++)
        if (!strstr (page, words[i]) || strstr (page, other_words[i]))
            fail_msg ("in %s, \"%s\" is not written \"%s\": %s", lang, other_words[i], words[i],
                      page);
}

/* The form with no script follows the person's choice of script, as the
   console does (its cookie), else the browser's languages; Simplified by
   default; its switch (?script=) changes it and keeps the choice. */
static void
test_html_form_scripts (void **state)
{
    (void) state;
    static const char *const hans_login[] = {"登录名", "密码", "组工信息报送", "繁體中文", NULL};
    static const char *const hant_login[] = {"登錄名", "密碼", "組工信息報送", "简体中文", NULL};
    static const char *const hans_form[] = {"标题",     "类别",        "情况报道",
                                            "退出登录", "信息员 李明", NULL};
    static const char *const hant_form[] = {"標題",     "類別",        "情況報道",
                                            "退出登錄", "信息員 李明", NULL};
    char headers[1200], session[2100], *body;
    snprintf (headers, sizeof headers, "%s/script-headers.txt",
              bs_system_folder (bs_gateway.system));
    snprintf (session, sizeof session, "bs_session=%s", bs_gateway.li);
    /* Nothing said: Simplified, the switch to Traditional offered. */
    assert_int_equal (bs_gateway_curl (&body, bs_gateway_url ("/submit"), NULL), 200);
    s_in_script (body, "zh-Hans", hans_login, hant_login);
    assert_non_null (strstr (body, "<a href=\"/submit?script=zh-Hant\" lang=\"zh-Hant\""));
    free (body);
    /* The browser's languages: Traditional Chinese first (zh-TW) and a
       Simplified one (zh-CN). */
    assert_int_equal (bs_gateway_curl (&body, "-H", "Accept-Language: en;q=0.9, zh-TW, zh;q=0.8",
                                       bs_gateway_url ("/submit"), NULL),
                      200);
    s_in_script (body, "zh-Hant", hant_login, hans_login);
    assert_non_null (strstr (body, "<a href=\"/submit?script=zh-Hans\" lang=\"zh-Hans\""));
    free (body);
    assert_int_equal (bs_gateway_curl (&body, "-H", "Accept-Language: zh-CN,zh;q=0.9",
                                       bs_gateway_url ("/submit"), NULL),
                      200);
    s_in_script (body, "zh-Hans", hans_login, hant_login);
    free (body);
    /* The console's choice (its cookie) before the browser's languages. */
    char cookies[2200];
    snprintf (cookies, sizeof cookies, "%s; bs_script=zh-Hant", session);
    assert_int_equal (bs_gateway_curl (&body, "-b", cookies, "-H", "Accept-Language: zh-CN",
                                       bs_gateway_url ("/submit"), NULL),
                      200);
    s_in_script (body, "zh-Hant", hant_form, hans_form);
    free (body);
    /* The switch: Traditional at once, kept in the cookie for the console
       and the next page; and back. */
    for (int traditional = 1; traditional >= 0; traditional--) {
        const char *tag = traditional ? "zh-Hant" : "zh-Hans";
        char url[64], kept[64];
        snprintf (url, sizeof url, "/submit?script=%s", tag);
        assert_int_equal (
            bs_gateway_curl (&body, "-D", headers, "-b", session, bs_gateway_url (url), NULL), 200);
        s_in_script (body, tag, traditional ? hant_form : hans_form,
                     traditional ? hans_form : hant_form);
        free (body);
        char *dump = bs_gateway_headers (headers);
        snprintf (kept, sizeof kept, "set-cookie: bs_script=%s; path=/;", tag);
        for (char *at = kept; *at; at++)
            *at = (char) (*at >= 'A' && *at <= 'Z' ? *at + 32 : *at);
        if (!strstr (dump, kept))
            fail_msg ("the switch to %s is not kept: %s", tag, dump);
        free (dump);
    }
    /* The login page keeps the switch's cookie beside its own. */
    assert_int_equal (
        bs_gateway_curl (&body, "-D", headers, bs_gateway_url ("/submit?script=zh-Hant"), NULL),
        200);
    free (body);
    char *dump = bs_gateway_headers (headers);
    assert_non_null (strstr (dump, "set-cookie: bs_login="));
    assert_non_null (strstr (dump, "set-cookie: bs_script=zh-hant;"));
    free (dump);
}

/* A file of the API opened in a browser's tab (an issue's PDF, an
   attachment: Accept names HTML first) that cannot be given shows a page
   in Chinese, never the API's JSON; with no session, the way to the login
   page and back to the file. A script's call keeps its JSON. */
static void
test_file_opened_in_a_tab (void **state)
{
    (void) state;
    const char *tab = "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    char headers[1200], session[2100], *body;
    snprintf (headers, sizeof headers, "%s/tab-headers.txt", bs_system_folder (bs_gateway.system));
    snprintf (session, sizeof session, "bs_session=%s", bs_gateway.li);
    const char *missing = "/api/v1/reports/2026-999999/attachments/0";
    assert_int_equal (bs_gateway_curl (&body, "-D", headers, "-b", session, "-H", tab,
                                       bs_gateway_url (missing), NULL),
                      404);
    char *dump = bs_gateway_headers (headers);
    if (!strstr (dump, "content-type: text/html") || !strstr (body, "<html lang=\"zh-Hans\">")
        || !strstr (body, "找不到这个文件") || strstr (body, "{\"error\""))
        fail_msg ("a missing attachment in a tab:\n%s\n%s", dump, body);
    free (dump);
    free (body);
    /* In the script the person chose. */
    char cookies[2200];
    snprintf (cookies, sizeof cookies, "%s; bs_script=zh-Hant", session);
    assert_int_equal (bs_gateway_curl (&body, "-b", cookies, "-H", tab,
                                       bs_gateway_url ("/api/v1/issues/1/document?format=pdf"),
                                       NULL),
                      403);
    if (!strstr (body, "您無權查看這個文件") || strstr (body, "{\"error\""))
        fail_msg ("an issue's PDF refused to an officer in a tab: %s", body);
    free (body);
    /* No session: to the login page, which comes back to the file. */
    assert_int_equal (
        bs_gateway_curl (
            &body, "-D", headers, "-H", tab,
            bs_gateway_url ("/api/v1/statistics/bulletin_file?bulletin_id=1&format=pdf"), NULL),
        303);
    free (body);
    dump = bs_gateway_headers (headers);
    if (!strstr (dump, "location: /login?next=%2fapi%2fv1%2fstatistics%2fbulletin_file%3fbulletin_"
                       "id%3d1%26format%3dpdf\r\n"))
        fail_msg ("a file asked with no session does not go to the login page: %s", dump);
    free (dump);
    /* A script (or curl) asking the same gets the API's JSON. */
    int status = bs_gateway_curl (&body, "-b", session, "-H", "Accept: application/json",
                                  bs_gateway_url (missing), NULL);
    bs_gateway_expect_error (status, &body, 404, "not_found", NULL);
    status = bs_gateway_curl (&body, "-H", bs_gateway.bearer_li, bs_gateway_url (missing), NULL);
    bs_gateway_expect_error (status, &body, 404, "not_found", NULL);
}

/* page holds each of marks, or the test fails showing what. */
static void
s_page_has (const char *page, const char *what, const char *const *marks)
{
    for (size_t i = 0; marks[i]; i++)
        if (!strstr (page, marks[i]))
            fail_msg ("%s: no \"%s\" in: %s", what, marks[i], page);
}

/* The form with no script refused: the refusal in the person's script,
   as the console says it (its dictionaries: web/js/i18n), the field at
   fault marked and focused, what the person typed kept, nothing stored. */
static void
test_html_form_refused (void **state)
{
    (void) state;
    char session[2100], hant[2200], *body;
    snprintf (session, sizeof session, "bs_session=%s", bs_gateway.li);
    snprintf (hant, sizeof hant, "%s; bs_script=zh-Hant", session);
    assert_int_equal (bs_gateway_curl (&body, "-b", session, bs_gateway_url ("/submit"), NULL),
                      200);
    char *csrf = s_csrf_of (body);
    free (body);
    char csrf_part[128];
    snprintf (csrf_part, sizeof csrf_part, "csrf=%s", csrf);
    free (csrf);
    size_t before = bs_gateway_count ();

    /* No body (Simplified, the default): the console's sentence for it. */
    int status =
        bs_gateway_curl (&body, "-b", session, "-F", csrf_part, "-F", "title=A&B <「四風」整治>",
                         "-F", "body=", "-F", "kind=research", "-F", "topic=基層減負", "-F",
                         "urgent=on", bs_gateway_url ("/submit"), NULL);
    assert_int_equal (status, 400);
    static const char *const empty_body[] = {
        "<html lang=\"zh-Hans\">",
        "<p class=\"error\" id=\"refusal\" role=\"alert\">未能登记：请填写正文。</p>",
        "<label class=\"invalid\">正文 <textarea name=\"body\" aria-invalid=\"true\" "
        "aria-describedby=\"refusal\" autofocus required>",
        "name=\"title\" required maxlength=\"200\" value=\"A&amp;B &lt;「四風」整治&gt;\"",
        "<option value=\"research\" selected>",
        "name=\"topic\" value=\"基層減負\"",
        "name=\"urgent\" value=\"on\" checked",
        NULL};
    s_page_has (body, "a form without a body", empty_body);
    /* Only the field at fault is marked, and the page has a new form token. */
    assert_null (strstr (body, "name=\"title\" aria-invalid"));
    char *again = s_csrf_of (body);
    free (again);
    free (body);

    /* A kind the service does not know (Traditional, the person's choice):
       the field named, then what is wrong with it. */
    status =
        bs_gateway_curl (&body, "-b", hant, "-F", csrf_part, "-F", "title=標題", "-F",
                         "body=正文正文", "-F", "kind=novel", bs_gateway_url ("/submit"), NULL);
    assert_int_equal (status, 400);
    static const char *const unknown_kind[] = {
        "<html lang=\"zh-Hant\">", "未能登記：類別：填寫的內容不符合要求，請檢查。</p>",
        "<select name=\"kind\" aria-invalid=\"true\" aria-describedby=\"refusal\" autofocus>",
        "name=\"title\" required maxlength=\"200\" value=\"標題\"", NULL};
    s_page_has (body, "a kind unknown", unknown_kind);
    assert_null (strstr (body, " selected>"));
    free (body);

    /* Too many files (a refusal with a reason): its own sentence, and the
       file control marked. */
    char file[1200], part[1300];
    snprintf (file, sizeof file, "%s/note.txt", bs_system_folder (bs_gateway.system));
    FILE *note = fopen (file, "w");
    assert_non_null (note);
    fputs ("附件\n", note);
    fclose (note);
    snprintf (part, sizeof part, "attachments=@%s", file);
#define S_FILE "-F", part
    status =
        bs_gateway_curl (&body, "-b", hant, "-F", csrf_part, "-F", "title=附件多", "-F",
                         "body=正文正文", S_FILE, S_FILE, S_FILE, S_FILE, S_FILE, S_FILE, S_FILE,
                         S_FILE, S_FILE, S_FILE, S_FILE, S_FILE, S_FILE, S_FILE, S_FILE, S_FILE,
                         S_FILE, S_FILE, S_FILE, S_FILE, S_FILE, bs_gateway_url ("/submit"), NULL);
#undef S_FILE
    assert_int_equal (status, 400);
    static const char *const too_many[] = {
        "未能登記：附件太多：一篇信息最多附 20 個文件。</p>",
        "<input type=\"file\" name=\"attachments\" aria-invalid=\"true\" "
        "aria-describedby=\"refusal\" autofocus multiple>",
        NULL};
    s_page_has (body, "too many files", too_many);
    free (body);
    assert_int_equal (bs_gateway_count (), before);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_login),
        cmocka_unit_test (test_html_form),
        cmocka_unit_test (test_html_form_scripts),
        cmocka_unit_test (test_html_form_refused),
        cmocka_unit_test (test_file_opened_in_a_tab),
        cmocka_unit_test (bs_gateway_no_secret_logged),
    };
    return cmocka_run_group_tests (tests, bs_gateway_setup, bs_gateway_teardown);
}
