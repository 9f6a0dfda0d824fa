/*  The gateway under hostile input, driven by curl: real intake, review and
    gateway processes on loopback.

    Covered: the security headers on every kind of answer (a page, JSON, an
    error, an unknown path, an attachment), with the pages' inline style
    allowed by its hash; the login form's own token (login CSRF); a form
    field name of 300 bytes (it overran the error message on the stack:
    under the sanitizer build the gateway's log would show it); attachment
    content types with CR LF or junk refused; and gateway.behind_tls making
    cookies Secure.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "bs_curl.h"
#include "bs_schemas.h"
#include "bs_system.h"
#include "bs_test.h"

#define S_PASSWORD "李-密碼-2026"

static bs_system_t *s_system;
static char s_bearer[2048]; /* Authorization: Bearer <li's session> */

static const char *
s_url (const char *path)
{
    static char buffers[4][1024];
    static int next;
    char *buffer = buffers[next++ % 4];
    snprintf (buffer, 1024, "%s%s", bs_system_gateway_url (s_system), path);
    return buffer;
}

static const char *
s_file (const char *name)
{
    static char buffers[4][1200];
    static int next;
    char *buffer = buffers[next++ % 4];
    snprintf (buffer, 1200, "%s/%s", bs_system_folder (s_system), name);
    return buffer;
}

#define s_curl(body, ...) bs_curl (bs_system_folder (s_system), body, NULL, __VA_ARGS__)

/* The whole file (caller frees). */
static char *
s_slurp (const char *path)
{
    FILE *file = fopen (path, "r");
    assert_non_null (file);
    char *text = calloc (1, 65536);
    size_t got = fread (text, 1, 65535, file);
    text[got] = 0;
    fclose (file);
    return text;
}

/* The text between start and end in text (caller frees), or NULL. */
static char *
s_between (const char *text, const char *start, const char *end)
{
    const char *from = strstr (text, start);
    if (!from)
        return NULL;
    from += strlen (start);
    const char *to = strstr (from, end);
    return to ? strndup (from, (size_t) (to - from)) : NULL;
}

/* The value of header name (lower case) in a curl -D dump, or NULL. */
static char *
s_header (const char *headers, const char *name)
{
    char start[128];
    snprintf (start, sizeof start, "\n%s: ", name);
    char *lower = strdup (headers);
    for (char *at = lower; *at; at++)
        if (*at >= 'A' && *at <= 'Z')
            *at = (char) (*at + 32);
    char *found = strstr (lower, start);
    char *value = NULL;
    if (found) {
        const char *from = headers + (found - lower) + strlen (start);
        value = strndup (from, strcspn (from, "\r\n"));
    }
    free (lower);
    return value;
}

/* Every answer's security headers. */
static void
s_expect_policy (const char *headers, const char *what)
{
    char *policy = s_header (headers, "content-security-policy");
    if (!policy || !strstr (policy, "frame-ancestors 'none'"))
        fail_msg ("%s: no Content-Security-Policy with frame-ancestors:\n%s", what, headers);
    char *referrer = s_header (headers, "referrer-policy");
    char *frames = s_header (headers, "x-frame-options");
    if (!referrer || strcmp (referrer, "no-referrer") != 0 || !frames)
        fail_msg ("%s: no Referrer-Policy / X-Frame-Options:\n%s", what, headers);
    free (policy);
    free (referrer);
    free (frames);
}

static int
s_setup (void **state)
{
    (void) state;
    if (sodium_init () < 0)
        return -1;
    s_system = bs_system_new ("web-hardening");
    if (!s_system)
        return -1;
    /* A login hashes with argon2id: slow under the sanitizers on a busy
       machine. */
    if (bs_system_configure (s_system, "request_timeout_ms", "10000") != 0)
        return -1;
    if (bs_system_start (s_system, "intake") != 0 || bs_system_start (s_system, "review") != 0
        || bs_system_start (s_system, "gateway") != 0)
        return -1;
    const char *units[] = {"滑縣"};
    if (bs_system_register_units (s_system, units, 1) != 0)
        return -1;
    bs_officer_t officer = {
        .login = "li", .name = "李明", .unit = "滑縣", .roles = "officer", .password = S_PASSWORD};
    bs_officer_t reply;
    bs_error_t error;
    if (bs_system_call (bs_system_client (s_system, "intake"), &bs_officer_schema, &officer,
                        &bs_officer_schema, &reply, &error)
        != BS_OK)
        return -1;
    bs_codec_record_free (&bs_officer_schema, &reply);
    char *body;
    int status = s_curl (&body, "-H", "Content-Type: application/json", "--data-binary",
                         "{\"login\": \"li\", \"password\": \"" S_PASSWORD "\"}",
                         s_url ("/api/v1/login"), NULL);
    char *token = status == 200 ? s_between (body, "\"token\":\"", "\"") : NULL;
    free (body);
    if (!token)
        return -1;
    snprintf (s_bearer, sizeof s_bearer, "Authorization: Bearer %s", token);
    free (token);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    bs_system_destroy (&s_system);
    return 0;
}

static void
test_every_answer_has_the_headers (void **state)
{
    (void) state;
    const char *headers = s_file ("headers.txt");
    char *body, *dump;
    /* The login page: its inline style is the one the policy allows. */
    assert_int_equal (s_curl (&body, "-D", headers, s_url ("/submit"), NULL), 200);
    dump = s_slurp (headers);
    s_expect_policy (dump, "GET /submit");
    char *policy = s_header (dump, "content-security-policy");
    assert_non_null (strstr (policy, "default-src 'self'"));
    char *style = s_between (body, "<style>", "</style>");
    assert_non_null (style);
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (hash, (const unsigned char *) style, strlen (style));
    char encoded[64], allowed[100];
    sodium_bin2base64 (encoded, sizeof encoded, hash, sizeof hash, sodium_base64_VARIANT_ORIGINAL);
    snprintf (allowed, sizeof allowed, "'sha256-%s'", encoded);
    if (!strstr (policy, allowed))
        fail_msg ("the page's style (%s) is not allowed by %s", allowed, policy);
    assert_null (strstr (body, "<script"));
    free (style);
    free (policy);
    free (dump);
    free (body);
    /* JSON, an error, an unknown path, the web console's page and script. */
    const char *paths[] = {"/api/v1/health", "/api/v1/reports/1", "/no/such/page", "/",
                           "/static/js/app.js"};
    for (size_t i = 0; i < 5; i++) {
        s_curl (&body, "-D", headers, s_url (paths[i]), NULL);
        dump = s_slurp (headers);
        s_expect_policy (dump, paths[i]);
        free (dump);
        free (body);
    }
    /* An attachment: a sandbox of its own. */
    char *reply;
    int status =
        s_curl (&reply, "-H", s_bearer, "-F", "title=附件", "-F", "body=見附件。", "-F",
                "attachments=@/etc/hostname;type=text/html", s_url ("/api/v1/reports"), NULL);
    if (status != 201)
        fail_msg ("submit with an attachment: %d %s", status, reply);
    char *reg_no = s_between (reply, "\"reg_no\":\"", "\"");
    free (reply);
    char path[128];
    snprintf (path, sizeof path, "/api/v1/reports/%s/attachments/0", reg_no);
    assert_int_equal (s_curl (&body, "-D", headers, "-H", s_bearer, s_url (path), NULL), 200);
    dump = s_slurp (headers);
    s_expect_policy (dump, path);
    policy = s_header (dump, "content-security-policy");
    assert_non_null (strstr (policy, "sandbox"));
    free (policy);
    free (dump);
    free (body);
    free (reg_no);
}

static void
test_login_form_needs_its_token (void **state)
{
    (void) state;
    const char *jar = s_file ("login-jar.txt"), *headers = s_file ("login-headers.txt");
    char *body, *dump;
    /* A post from elsewhere: no token, no bs_login cookie. */
    int status = s_curl (&body, "-D", headers, "--data-urlencode", "login=li", "--data-urlencode",
                         "password=" S_PASSWORD, s_url ("/login"), NULL);
    assert_int_equal (status, 403);
    dump = s_slurp (headers);
    assert_null (strstr (dump, "bs_session=s1."));
    free (dump);
    /* The form's token, from another browser's page (no cookie). */
    char *csrf = s_between (body, "name=\"csrf\" value=\"", "\"");
    assert_non_null (csrf);
    free (body);
    char field[128];
    snprintf (field, sizeof field, "csrf=%s", csrf);
    free (csrf);
    status = s_curl (&body, "--data-urlencode", field, "--data-urlencode", "login=li",
                     "--data-urlencode", "password=" S_PASSWORD, s_url ("/login"), NULL);
    assert_int_equal (status, 403);
    free (body);
    /* The browser's own page and cookie: logged in. */
    assert_int_equal (s_curl (&body, "-c", jar, s_url ("/submit"), NULL), 200);
    csrf = s_between (body, "name=\"csrf\" value=\"", "\"");
    assert_non_null (csrf);
    free (body);
    snprintf (field, sizeof field, "csrf=%s", csrf);
    free (csrf);
    status = s_curl (&body, "-D", headers, "-b", jar, "-c", jar, "--data-urlencode", field,
                     "--data-urlencode", "login=li", "--data-urlencode", "password=" S_PASSWORD,
                     s_url ("/login"), NULL);
    assert_int_equal (status, 303);
    free (body);
    dump = s_slurp (headers);
    assert_non_null (strstr (dump, "bs_session=s1."));
    assert_null (strstr (dump, "; Secure")); /* gateway.behind_tls is off */
    free (dump);
}

static void
test_long_field_name (void **state)
{
    (void) state;
    const char *jar = s_file ("long-jar.txt");
    char *body;
    assert_int_equal (s_curl (&body, "-c", jar, s_url ("/submit"), NULL), 200);
    char *csrf = s_between (body, "name=\"csrf\" value=\"", "\"");
    free (body);
    char field[128];
    snprintf (field, sizeof field, "csrf=%s", csrf);
    free (csrf);
    assert_int_equal (s_curl (&body, "-b", jar, "-c", jar, "--data-urlencode", field,
                              "--data-urlencode", "login=li", "--data-urlencode",
                              "password=" S_PASSWORD, s_url ("/login"), NULL),
                      303);
    free (body);
    assert_int_equal (s_curl (&body, "-b", jar, s_url ("/submit"), NULL), 200);
    csrf = s_between (body, "name=\"csrf\" value=\"", "\"");
    free (body);
    snprintf (field, sizeof field, "csrf=%s", csrf);
    free (csrf);
    /* A field name of 300 bytes whose value is not UTF-8: the error's
       sentence and field both name it, and the page's message is cut, not
       overrun. */
    char name[320];
    memset (name, 'x', 300);
    snprintf (name + 300, sizeof name - 300, "=\xff\xfe");
    int status = s_curl (&body, "-b", jar, "-F", field, "-F", "title=t", "-F", "body=b", "-F", name,
                         s_url ("/submit"), NULL);
    assert_int_equal (status, 400);
    assert_non_null (strstr (body, "未能登记"));
    free (body);
    /* The gateway is still there and answers. */
    assert_int_equal (s_curl (&body, s_url ("/api/v1/health"), NULL), 200);
    free (body);
    assert_true (bs_system_pid (s_system, "gateway") > 0);
}

/* Submit one attachment of content type type as JSON: the status. */
static int
s_submit_typed (const char *type, char **body)
{
    json_t *request =
        json_pack ("{s:s, s:s, s:[{s:s, s:s, s:s}]}", "title", "類型", "body", "正文",
                   "attachments", "name", "a.txt", "content_type", type, "data", "aGVsbG8=");
    char *text = json_dumps (request, JSON_COMPACT);
    json_decref (request);
    int status = s_curl (body, "-H", s_bearer, "-H", "Content-Type: application/json",
                         "--data-binary", text, s_url ("/api/v1/reports"), NULL);
    free (text);
    return status;
}

static void
test_attachment_content_types (void **state)
{
    (void) state;
    const char *refused[] = {
        "text/html\r\nX-Injected: 1", "text/plain\n",      "not a type", "text/", "/plain",
        "text/plain; name=\"a\x01\"", "image/jpeg\x1b[31m"};
    char *body;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int status = s_submit_typed (refused[i], &body);
        if (status != 400 || !strstr (body, "\"attachments\""))
            fail_msg ("content type %zu: %d %s", i, status, body);
        free (body);
    }
    const char *taken[] = {
        "image/jpeg", "text/plain; charset=utf-8",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"};
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
        int status = s_submit_typed (taken[i], &body);
        if (status != 201)
            fail_msg ("content type %s: %d %s", taken[i], status, body);
        free (body);
    }
}

static void
test_secure_cookies_behind_tls (void **state)
{
    (void) state;
    bs_system_kill (s_system, "gateway", SIGTERM);
    assert_int_equal (bs_system_configure (s_system, "gateway.behind_tls", "1"), 0);
    assert_int_equal (bs_system_start (s_system, "gateway"), 0);
    const char *headers = s_file ("tls-headers.txt");
    char *body;
    assert_int_equal (s_curl (&body, "-D", headers, s_url ("/submit"), NULL), 200);
    free (body);
    char *dump = s_slurp (headers);
    char *cookie = s_header (dump, "set-cookie");
    if (!cookie || !strstr (cookie, "bs_login=") || !strstr (cookie, "; Secure"))
        fail_msg ("no Secure cookie behind TLS:\n%s", dump);
    char *transport = s_header (dump, "strict-transport-security");
    assert_non_null (transport);
    free (transport);
    free (cookie);
    free (dump);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_every_answer_has_the_headers),
        cmocka_unit_test (test_login_form_needs_its_token),
        cmocka_unit_test (test_long_field_name),
        cmocka_unit_test (test_attachment_content_types),
        cmocka_unit_test (test_secure_cookies_behind_tls),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
