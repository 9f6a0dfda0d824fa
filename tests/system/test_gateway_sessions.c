/*  The HTTP gateway: who a request comes from. Logging in with JSON (a
    wrong password, a missing one, an unknown login), who a session or an
    API token says one is, and the HTML form's login and submission: the
    session cookie is HttpOnly, a form or the JSON API posted without the
    form's token is refused and stores nothing, and Chinese text with
    CR LF comes through exactly. (Fixture: tests/support/bs_gateway_fixture.)
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
    assert_non_null (strstr (body, "登錄名或密碼不正確"));
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
    char *reg_no = s_between (body, "已登記，登記號 <strong id=\"reg_no\">", "<");
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

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_login),
        cmocka_unit_test (test_html_form),
        cmocka_unit_test (bs_gateway_no_secret_logged),
    };
    return cmocka_run_group_tests (tests, bs_gateway_setup, bs_gateway_teardown);
}
