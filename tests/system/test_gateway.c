/*  The HTTP gateway, driven by curl as a client would drive it: real
    intake, review and gateway processes, the gateway on a free loopback
    port.

    Covered: login (JSON and the HTML form), sessions and API tokens, JSON
    and multipart submissions (a binary attachment comes back byte for
    byte), the HTML form with Chinese text, report status for the own unit
    and not for another, direct batches retried without registering twice,
    50 concurrent curl submitters, every kind of bad input (each answered
    with its status and a JSON error naming the field, and nothing stored),
    intake down (503), and no password or token in the gateway's log.
*/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "bs_curl.h"
#include "bs_schemas.h"
#include "bs_system.h"
#include "bs_test.h"

#define S_PASSWORD_LI "李-密碼-2026"
#define S_PASSWORD_WANG "wang-secret-9"
#define S_PASSWORD_EDITOR "editor-pass-7"
#define S_MAX_BODY (2u << 20) /* gateway.max_body_bytes in this test */
#define S_CONCURRENT 50

static bs_system_t *s_system;
static char *s_li;     /* li's session token (unit 滑縣) */
static char *s_wang;   /* wang's session token (unit 林州市) */
static char *s_editor; /* an editor's session token */
static char *s_secret; /* an API token of 滑縣 */
static char s_bearer_li[2048], s_bearer_wang[2048], s_bearer_editor[2048], s_bearer_token[256];
static size_t s_last_size; /* bytes of the last body read */

//  --------------------------------------------------------------------------
//  curl

static const char *
s_url (const char *path)
{
    static char buffers[8][1024];
    static int next;
    char *buffer = buffers[next++ % 8];
    snprintf (buffer, 1024, "%s%s", bs_system_gateway_url (s_system), path);
    return buffer;
}

/* Run curl with the arguments (NULL-terminated); returns the status. */
#define s_curl(body, ...) bs_curl (bs_system_folder (s_system), body, &s_last_size, __VA_ARGS__)

static json_t *
s_json (const char *body)
{
    json_error_t error;
    json_t *value = json_loads (body, 0, &error);
    if (!value)
        fail_msg ("not JSON (%s): %s", error.text, body);
    return value;
}

/* The string at key path a.b in object, or "". */
static const char *
s_get (json_t *object, const char *first, const char *second)
{
    json_t *value = json_object_get (object, first);
    if (second)
        value = json_object_get (value, second);
    return json_is_string (value) ? json_string_value (value) : "";
}

/* POST a JSON body with a header line (or NULL) to path. */
static int
s_post_json (const char *path, const char *header, const char *json, char **body)
{
    if (header)
        return s_curl (body, "-H", "Content-Type: application/json", "-H", header, "--data-binary",
                       json, s_url (path), NULL);
    return s_curl (body, "-H", "Content-Type: application/json", "--data-binary", json,
                   s_url (path), NULL);
}

/* Expect an error answer: status, the error code and field. */
static void
s_expect_error (int status, char **body_p, int expected_status, const char *code, const char *field)
{
    char *body = *body_p;
    *body_p = NULL;
    if (status != expected_status)
        fail_msg ("expected HTTP %d, got %d: %s", expected_status, status, body);
    json_t *object = s_json (body);
    json_t *error = json_object_get (object, "error");
    assert_non_null (error);
    assert_string_equal (s_get (error, "code", NULL), code);
    json_t *named = json_object_get (error, "field");
    if (field)
        assert_string_equal (json_is_string (named) ? json_string_value (named) : "(null)", field);
    assert_true (strlen (s_get (error, "message", NULL)) > 0);
    json_decref (object);
    free (body);
}

/* Reports intake holds. */
static size_t
s_count (void)
{
    size_t count = 0;
    uint64_t after = 0;
    while (true) {
        bs_report_list_t query = {.after = after, .limit = BS_PAGE_MAX};
        bs_report_page_t page;
        bs_error_t error;
        int rc = bs_system_call (bs_system_client (s_system, "intake"), &bs_report_list_schema,
                                 &query, &bs_report_page_schema, &page, &error);
        if (rc != BS_OK)
            fail_msg ("intake.list: %s", error.text);
        count += page.reports.count;
        uint64_t next = page.next;
        bs_codec_record_free (&bs_report_page_schema, &page);
        if (!next)
            break;
        after = next;
    }
    return count;
}

static void
s_intake (const bs_schema_t *schema, const void *record, const bs_schema_t *reply_schema,
          void *reply)
{
    bs_error_t error;
    int rc = bs_system_call (bs_system_client (s_system, "intake"), schema, record, reply_schema,
                             reply, &error);
    if (rc != BS_OK)
        fail_msg ("%s: %s", schema->type, error.text);
}

static char *
s_login (const char *login, const char *password)
{
    json_t *request = json_pack ("{s:s, s:s}", "login", login, "password", password);
    char *text = json_dumps (request, JSON_COMPACT);
    json_decref (request);
    char *body;
    int status = s_post_json ("/api/v1/login", NULL, text, &body);
    free (text);
    if (status != 200)
        fail_msg ("login %s: %d %s", login, status, body);
    json_t *object = s_json (body);
    char *token = strdup (s_get (object, "token", NULL));
    json_decref (object);
    free (body);
    assert_true (strncmp (token, "s1.", 3) == 0);
    return token;
}

//  --------------------------------------------------------------------------
//  Setup: the system, units, officers, a token, sessions

static int
s_setup (void **state)
{
    (void) state;
    if (sodium_init () < 0)
        return -1;
    s_system = bs_system_new ("gateway");
    if (!s_system)
        return -1;
    char path[1200];
    snprintf (path, sizeof path, "%s/baosong.conf", bs_system_folder (s_system));
    FILE *file = fopen (path, "a");
    fprintf (file, "gateway.max_body_bytes = %u\n", S_MAX_BODY);
    /* Each HTTP connection is a gateway thread with CurveZMQ clients of
       its own: S_CONCURRENT connections at once are as many handshakes
       with intake, each through its ZAP handler, which takes seconds on a
       loaded machine. */
    fprintf (file, "request_timeout_ms = 6000\n");
    fclose (file);
    if (bs_system_start (s_system, "intake") != 0 || bs_system_start (s_system, "review") != 0
        || bs_system_start (s_system, "gateway") != 0)
        return -1;
    const char *units[][2] = {{"安陽市", "city"}, {"滑縣", "county"}, {"林州市", "county"}};
    for (size_t i = 0; i < 3; i++) {
        bs_unit_t unit = {.name = (char *) units[i][0],
                          .level = (char *) units[i][1],
                          .parent = i ? "安陽市" : NULL};
        bs_unit_t reply;
        s_intake (&bs_unit_schema, &unit, &bs_unit_schema, &reply);
        bs_codec_record_free (&bs_unit_schema, &reply);
    }
    const char *officers[][5] = {{"li", "李明", "滑縣", "officer", S_PASSWORD_LI},
                                 {"wang", "王芳", "林州市", "officer", S_PASSWORD_WANG},
                                 {"zhao", "趙編輯", "安陽市", "editor", S_PASSWORD_EDITOR}};
    for (size_t i = 0; i < 3; i++) {
        bs_officer_t officer = {.login = (char *) officers[i][0],
                                .name = (char *) officers[i][1],
                                .unit = (char *) officers[i][2],
                                .roles = (char *) officers[i][3],
                                .password = (char *) officers[i][4]};
        bs_officer_t reply;
        s_intake (&bs_officer_schema, &officer, &bs_officer_schema, &reply);
        bs_codec_record_free (&bs_officer_schema, &reply);
    }
    bs_token_create_t create = {.name = "hn-direct", .unit = "滑縣"};
    bs_token_t token;
    s_intake (&bs_token_create_schema, &create, &bs_token_schema, &token);
    s_secret = strdup (token.secret);
    bs_codec_record_free (&bs_token_schema, &token);
    s_li = s_login ("li", S_PASSWORD_LI);
    s_wang = s_login ("wang", S_PASSWORD_WANG);
    s_editor = s_login ("zhao", S_PASSWORD_EDITOR);
    snprintf (s_bearer_li, sizeof s_bearer_li, "Authorization: Bearer %s", s_li);
    snprintf (s_bearer_wang, sizeof s_bearer_wang, "Authorization: Bearer %s", s_wang);
    snprintf (s_bearer_editor, sizeof s_bearer_editor, "Authorization: Bearer %s", s_editor);
    snprintf (s_bearer_token, sizeof s_bearer_token, "Authorization: Bearer %s", s_secret);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    free (s_li);
    free (s_wang);
    free (s_editor);
    free (s_secret);
    bs_system_destroy (&s_system);
    return 0;
}

/* Submit title as li with JSON; returns the reg_no (caller frees). */
static char *
s_submit_json (const char *header, const char *title, const char *body_text)
{
    json_t *request = json_pack ("{s:s, s:s}", "title", title, "body", body_text);
    char *text = json_dumps (request, JSON_COMPACT);
    json_decref (request);
    char *body;
    int status = s_post_json ("/api/v1/reports", header, text, &body);
    free (text);
    if (status != 201)
        fail_msg ("submit: %d %s", status, body);
    json_t *object = s_json (body);
    char *reg_no = strdup (s_get (object, "reg_no", NULL));
    assert_string_equal (s_get (object, "status", NULL), "registered");
    json_decref (object);
    free (body);
    return reg_no;
}

/* GET a report as header; returns the status, *object the JSON. */
static int
s_get_report (const char *header, const char *id, json_t **object)
{
    char path[256];
    snprintf (path, sizeof path, "/api/v1/reports/%s", id);
    char *body;
    int status = s_curl (&body, "-H", header, s_url (path), NULL);
    *object = s_json (body);
    free (body);
    return status;
}

//  --------------------------------------------------------------------------
//  Tests

static void
test_login (void **state)
{
    (void) state;
    char *body;
    s_expect_error (
        s_post_json ("/api/v1/login", NULL, "{\"login\": \"li\", \"password\": \"wrong\"}", &body),
        &body, 401, "unauthorized", "password");
    s_expect_error (s_post_json ("/api/v1/login", NULL, "{\"login\": \"li\"}", &body), &body, 400,
                    "invalid", "password");
    s_expect_error (
        s_post_json ("/api/v1/login", NULL, "{\"login\": \"nobody\", \"password\": \"x\"}", &body),
        &body, 401, "unauthorized", "password");
    /* Who am I, by the session. */
    int status = s_curl (&body, "-H", s_bearer_li, s_url ("/api/v1/session"), NULL);
    assert_int_equal (status, 200);
    json_t *object = s_json (body);
    assert_string_equal (s_get (object, "login", NULL), "li");
    assert_string_equal (s_get (object, "unit", NULL), "滑縣");
    assert_string_equal (s_get (object, "roles", NULL), "officer");
    json_decref (object);
    free (body);
    /* And by the API token. */
    status = s_curl (&body, "-H", s_bearer_token, s_url ("/api/v1/session"), NULL);
    assert_int_equal (status, 200);
    object = s_json (body);
    assert_string_equal (s_get (object, "token_name", NULL), "hn-direct");
    assert_string_equal (s_get (object, "unit", NULL), "滑縣");
    json_decref (object);
    free (body);
}

static void
test_json_submit_and_status (void **state)
{
    (void) state;
    const char *title = "滑縣「三會一課」落實情況 😀";
    const char *text = "第一段：全縣黨支部。\n第二段：\"引號\" 與 \\ 反斜線。";
    char *reg_no = s_submit_json (s_bearer_li, title, text);
    char year[8];
    time_t now = time (NULL);
    strftime (year, sizeof year, "%Y", gmtime (&now));
    assert_true (strncmp (reg_no, year, 4) == 0 && reg_no[4] == '-');

    json_t *object;
    assert_int_equal (s_get_report (s_bearer_li, reg_no, &object), 200);
    json_t *report = json_object_get (object, "report");
    assert_string_equal (s_get (report, "title", NULL), title);
    assert_string_equal (s_get (report, "body", NULL), text);
    assert_string_equal (s_get (report, "unit", NULL), "滑縣");
    assert_string_equal (s_get (report, "officer", NULL), "li");
    assert_string_equal (s_get (report, "channel", NULL), "web");
    assert_string_equal (s_get (object, "reg_no", NULL), reg_no);
    assert_true (strlen (s_get (object, "state", NULL)) > 0);
    char id[32];
    snprintf (id, sizeof id, "%lld",
              (long long) json_integer_value (json_object_get (report, "report_id")));
    json_decref (object);

    /* By report id too; another unit's officer sees nothing (404, as if it
       did not exist); an editor sees it. */
    assert_int_equal (s_get_report (s_bearer_li, id, &object), 200);
    json_decref (object);
    assert_int_equal (s_get_report (s_bearer_wang, reg_no, &object), 404);
    assert_string_equal (s_get (object, "error", "code"), "not_found");
    json_decref (object);
    assert_int_equal (s_get_report (s_bearer_wang, id, &object), 404);
    json_decref (object);
    assert_int_equal (s_get_report (s_bearer_editor, reg_no, &object), 200);
    json_decref (object);
    assert_int_equal (s_get_report (s_bearer_li, "2000-999999", &object), 404);
    json_decref (object);
    /* Version 1 by number; a version that is not there; not a number. */
    char versioned[64];
    snprintf (versioned, sizeof versioned, "%s?version=1", reg_no);
    assert_int_equal (s_get_report (s_bearer_li, versioned, &object), 200);
    assert_string_equal (s_get (json_object_get (object, "report"), "title", NULL), title);
    json_decref (object);
    snprintf (versioned, sizeof versioned, "%s?version=5", reg_no);
    assert_int_equal (s_get_report (s_bearer_li, versioned, &object), 404);
    json_decref (object);
    snprintf (versioned, sizeof versioned, "%s?version=x", reg_no);
    assert_int_equal (s_get_report (s_bearer_li, versioned, &object), 400);
    assert_string_equal (s_get (object, "error", "field"), "version");
    json_decref (object);
    free (reg_no);
}

static void
test_multipart_attachment (void **state)
{
    (void) state;
    /* Every byte value, NULs and bytes that are not UTF-8 included. */
    unsigned char bytes[3000];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char) (i * 7 + i / 256);
    char path[1200];
    snprintf (path, sizeof path, "%s/attachment.bin", bs_system_folder (s_system));
    FILE *file = fopen (path, "wb");
    assert_int_equal (fwrite (bytes, 1, sizeof bytes, file), sizeof bytes);
    fclose (file);
    char file_part[1400];
    snprintf (file_part, sizeof file_part,
              "attachments=@%s;type=application/octet-stream;filename=data.bin", path);
    char note_path[1200], note_part[1400];
    snprintf (note_path, sizeof note_path, "%s/note.txt", bs_system_folder (s_system));
    file = fopen (note_path, "w");
    fputs ("說明：附件二。\n", file);
    fclose (file);
    snprintf (note_part, sizeof note_part, "attachments=@%s;type=text/plain;filename=說明.txt",
              note_path);
    char *body;
    int status = s_curl (&body, "-H", s_bearer_li, "-F", "title=附件測試：照片與表格", "-F",
                         "body=見附件。", "-F", "kind=research", "-F", file_part, "-F", note_part,
                         s_url ("/api/v1/reports"), NULL);
    if (status != 201)
        fail_msg ("multipart submit: %d %s", status, body);
    json_t *object = s_json (body);
    char *reg_no = strdup (s_get (object, "reg_no", NULL));
    json_decref (object);
    free (body);

    assert_int_equal (s_get_report (s_bearer_li, reg_no, &object), 200);
    json_t *report = json_object_get (object, "report");
    assert_string_equal (s_get (report, "title", NULL), "附件測試：照片與表格");
    assert_string_equal (s_get (report, "kind", NULL), "research");
    json_t *attachments = json_object_get (report, "attachments");
    assert_true (json_array_size (attachments) >= 1);
    json_t *first = json_array_get (attachments, 0);
    assert_string_equal (s_get (first, "name", NULL), "data.bin");
    assert_string_equal (s_get (first, "content_type", NULL), "application/octet-stream");
    assert_int_equal (json_integer_value (json_object_get (first, "size")), sizeof bytes);
    assert_int_equal (json_array_size (attachments), 2);
    assert_string_equal (s_get (json_array_get (attachments, 1), "name", NULL), "說明.txt");
    /* Byte for byte: intake's SHA-256 of what it stored is that of what we sent. */
    unsigned char hash[crypto_hash_sha256_BYTES];
    char hex[2 * sizeof hash + 1];
    crypto_hash_sha256 (hash, bytes, sizeof bytes);
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    assert_string_equal (s_get (first, "sha256", NULL), hex);
    json_decref (object);
    /* And the bytes themselves, back through the gateway. */
    char path_get[256];
    snprintf (path_get, sizeof path_get, "/api/v1/reports/%s/attachments/0", reg_no);
    status = s_curl (&body, "-H", s_bearer_li, s_url (path_get), NULL);
    assert_int_equal (status, 200);
    assert_int_equal (s_last_size, sizeof bytes);
    assert_memory_equal (body, bytes, sizeof bytes);
    free (body);
    /* Not for another unit, and not an attachment that is not there. */
    s_expect_error (s_curl (&body, "-H", s_bearer_wang, s_url (path_get), NULL), &body, 404,
                    "not_found", "id");
    snprintf (path_get, sizeof path_get, "/api/v1/reports/%s/attachments/7", reg_no);
    s_expect_error (s_curl (&body, "-H", s_bearer_li, s_url (path_get), NULL), &body, 404,
                    "not_found", "index");
    free (reg_no);
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
    snprintf (jar, sizeof jar, "%s/cookies.txt", bs_system_folder (s_system));
    char *body;
    /* Not logged in: the login form, in UTF-8. */
    int status = s_curl (&body, s_url ("/submit"), NULL);
    assert_int_equal (status, 200);
    assert_non_null (strstr (body, "<meta charset=\"utf-8\">"));
    assert_non_null (strstr (body, "name=\"password\""));
    free (body);
    /* The login form carries its own token, tied to the bs_login cookie. */
    status = s_curl (&body, "-c", jar, s_url ("/submit"), NULL);
    assert_int_equal (status, 200);
    char *login_csrf = s_csrf_of (body);
    free (body);
    char login_part[128];
    snprintf (login_part, sizeof login_part, "csrf=%s", login_csrf);
    free (login_csrf);
    /* Wrong password: the form again, 401. */
    status = s_curl (&body, "-b", jar, "--data-urlencode", login_part, "--data-urlencode",
                     "login=li", "--data-urlencode", "password=nope", s_url ("/login"), NULL);
    assert_int_equal (status, 401);
    assert_non_null (strstr (body, "登錄名或密碼不正確"));
    free (body);
    /* Log in: a 303 to the form and the cookie. */
    status = s_curl (&body, "-b", jar, "-c", jar, "--data-urlencode", login_part,
                     "--data-urlencode", "login=li", "--data-urlencode",
                     "password=" S_PASSWORD_LI, s_url ("/login"), NULL);
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
    status = s_curl (&body, "-b", jar, s_url ("/submit"), NULL);
    assert_int_equal (status, 200);
    assert_non_null (strstr (body, "enctype=\"multipart/form-data\""));
    assert_non_null (strstr (body, "滑縣"));
    char *csrf = s_csrf_of (body);
    free (body);
    char csrf_part[128];
    snprintf (csrf_part, sizeof csrf_part, "csrf=%s", csrf);

    size_t before = s_count ();
    /* Without the form token: refused, nothing stored. */
    status =
        s_curl (&body, "-b", jar, "-F", "title=無令牌", "-F", "body=正文", s_url ("/submit"), NULL);
    assert_int_equal (status, 403);
    free (body);
    /* The cookie alone does not post to the JSON API either. */
    status = s_curl (&body, "-b", jar, "-H", "Content-Type: application/json", "--data-binary",
                     "{\"title\": \"t\", \"body\": \"b\"}", s_url ("/api/v1/reports"), NULL);
    s_expect_error (status, &body, 403, "forbidden", "csrf");
    assert_int_equal (s_count (), before);

    const char *title = "城關鎮開展「黨員先鋒崗」活動（緊急）";
    const char *text = "一、基本情況。\r\n二、主要做法：以「三個一」為抓手。";
    char title_part[512], body_part[512];
    snprintf (title_part, sizeof title_part, "title=%s", title);
    snprintf (body_part, sizeof body_part, "body=%s", text);
    status = s_curl (&body, "-b", jar, "-F", csrf_part, "-F", title_part, "-F", body_part, "-F",
                     "kind=urgent", "-F", "urgent=on", "-F", "topic=", s_url ("/submit"), NULL);
    if (status != 201)
        fail_msg ("form submit: %d %s", status, body);
    char *reg_no = s_between (body, "已登記，登記號 <strong id=\"reg_no\">", "<");
    if (!reg_no)
        fail_msg ("no receipt in: %s", body);
    assert_non_null (strstr (body, title));
    free (body);
    assert_int_equal (s_count (), before + 1);

    /* The same text came through exactly (the form keeps CR LF). */
    json_t *object;
    assert_int_equal (s_get_report (s_bearer_li, reg_no, &object), 200);
    json_t *report = json_object_get (object, "report");
    assert_string_equal (s_get (report, "title", NULL), title);
    assert_string_equal (s_get (report, "body", NULL), text);
    assert_true (json_is_true (json_object_get (report, "urgent")));
    assert_string_equal (s_get (report, "kind", NULL), "urgent");
    json_decref (object);
    free (reg_no);
    free (csrf);
}

static void
test_token_and_batches (void **state)
{
    (void) state;
    size_t before = s_count ();
    char *body;
    /* A single report by API token: the direct channel. */
    int status =
        s_curl (&body, "-H", s_bearer_token, "-H", "Idempotency-Key: one-1", "-H",
                "Content-Type: application/json", "--data-binary",
                "{\"title\": \"直報單篇\", \"body\": \"正文\"}", s_url ("/api/v1/reports"), NULL);
    if (status != 201)
        fail_msg ("token submit: %d %s", status, body);
    json_t *object = s_json (body);
    char *single = strdup (s_get (object, "reg_no", NULL));
    json_decref (object);
    free (body);
    /* The same key again: the same receipt, nothing new. */
    status =
        s_curl (&body, "-H", s_bearer_token, "-H", "Idempotency-Key: one-1", "-H",
                "Content-Type: application/json", "--data-binary",
                "{\"title\": \"直報單篇\", \"body\": \"正文\"}", s_url ("/api/v1/reports"), NULL);
    assert_true (status == 201 || status == 200);
    object = s_json (body);
    assert_string_equal (s_get (object, "reg_no", NULL), single);
    json_decref (object);
    free (body);
    assert_int_equal (s_count (), before + 1);

    const char *batch = "{\"items\": ["
                        "{\"key\": \"b-1\", \"title\": \"直報一\", \"body\": \"正文一\"},"
                        "{\"key\": \"b-2\", \"title\": \"直報二\", \"body\": \"正文二\"},"
                        "{\"key\": \"b-3\", \"title\": \"直報三\", \"body\": \"正文三\"}]}";
    char *first_body;
    status = s_curl (&first_body, "-H", s_bearer_token, "-H", "Idempotency-Key: batch-1", "-H",
                     "Content-Type: application/json", "--data-binary", batch,
                     s_url ("/api/v1/batches"), NULL);
    if (status != 200)
        fail_msg ("batch: %d %s", status, first_body);
    json_t *first = s_json (first_body);
    json_t *results = json_object_get (first, "results");
    assert_int_equal (json_array_size (results), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *result = json_array_get (results, i);
        assert_string_equal (s_get (result, "status", NULL), "registered");
        assert_true (strlen (s_get (result, "reg_no", NULL)) > 0);
    }
    assert_int_equal (s_count (), before + 4);
    /* The reply was lost: the same batch again, with the same key and
       without one (then the items' keys catch it): nothing twice. */
    const char *retries[] = {"Idempotency-Key: batch-1", "X-Nothing: 1"};
    for (int r = 0; r < 2; r++) {
        status = s_curl (&body, "-H", s_bearer_token, "-H", retries[r], "-H",
                         "Content-Type: application/json", "--data-binary", batch,
                         s_url ("/api/v1/batches"), NULL);
        if (status != 200)
            fail_msg ("batch retry: %d %s", status, body);
        object = s_json (body);
        json_t *again = json_object_get (object, "results");
        assert_int_equal (json_array_size (again), 3);
        for (size_t i = 0; i < 3; i++)
            assert_string_equal (s_get (json_array_get (again, i), "reg_no", NULL),
                                 s_get (json_array_get (results, i), "reg_no", NULL));
        json_decref (object);
        free (body);
        assert_int_equal (s_count (), before + 4);
    }
    json_decref (first);
    free (first_body);
    /* Batches need an API token; a wrong one is 401. */
    status = s_curl (&body, "-H", s_bearer_li, "-H", "Content-Type: application/json",
                     "--data-binary", batch, s_url ("/api/v1/batches"), NULL);
    s_expect_error (status, &body, 403, "forbidden", NULL);
    status = s_curl (&body, "-H", "Authorization: Bearer not-a-token", "-H",
                     "Content-Type: application/json", "--data-binary", batch,
                     s_url ("/api/v1/batches"), NULL);
    s_expect_error (status, &body, 401, "unauthorized", "authorization");
    assert_int_equal (s_count (), before + 4);
    free (single);
}

static void
test_concurrent_submitters (void **state)
{
    (void) state;
    size_t before = s_count ();
    bs_curl_t calls[S_CONCURRENT];
    char bodies[S_CONCURRENT][128];
    for (int i = 0; i < S_CONCURRENT; i++) {
        snprintf (bodies[i], sizeof bodies[i],
                  "{\"title\": \"併發報送 %d\", \"body\": \"第 %d 篇正文\"}", i, i);
        const char *arguments[] = {"-H",
                                   s_bearer_li,
                                   "-H",
                                   "Content-Type: application/json",
                                   "--data-binary",
                                   bodies[i],
                                   s_url ("/api/v1/reports"),
                                   NULL};
        bs_curl_start (&calls[i], bs_system_folder (s_system), arguments);
    }
    char *numbers[S_CONCURRENT];
    for (int i = 0; i < S_CONCURRENT; i++) {
        char *body;
        int status = bs_curl_finish (&calls[i], &body);
        if (status != 201)
            fail_msg ("submitter %d: %d %s", i, status, body);
        json_t *object = s_json (body);
        numbers[i] = strdup (s_get (object, "reg_no", NULL));
        assert_true (strlen (numbers[i]) > 0);
        json_decref (object);
        free (body);
    }
    for (int i = 0; i < S_CONCURRENT; i++)
        for (int k = i + 1; k < S_CONCURRENT; k++)
            if (strcmp (numbers[i], numbers[k]) == 0)
                fail_msg ("submitters %d and %d got the same number %s", i, k, numbers[i]);
    for (int i = 0; i < S_CONCURRENT; i++)
        free (numbers[i]);
    assert_int_equal (s_count (), before + S_CONCURRENT);
}

static void
test_bad_input (void **state)
{
    (void) state;
    size_t before = s_count ();
    char *body;
    const char *json = "Content-Type: application/json";
    const char *url = s_url ("/api/v1/reports");

    /* Over gateway.max_body_bytes: 413, before or while reading. */
    size_t big_size = S_MAX_BODY + 1000;
    char *big = malloc (big_size + 1);
    memset (big, 'x', big_size);
    memcpy (big, "{\"title\": \"t\", \"body\": \"", 24);
    memcpy (big + big_size - 2, "\"}", 2);
    big[big_size] = 0;
    char big_path[1200];
    snprintf (big_path, sizeof big_path, "@%s/big.json", bs_system_folder (s_system));
    FILE *file = fopen (big_path + 1, "w");
    fputs (big, file);
    fclose (file);
    free (big);
    s_expect_error (
        s_curl (&body, "-H", s_bearer_li, "-H", json, "--data-binary", big_path, url, NULL), &body,
        413, "limit", NULL);
    /* The same as chunks, with no length declared. */
    s_expect_error (s_curl (&body, "-H", s_bearer_li, "-H", json, "-H",
                            "Transfer-Encoding: chunked", "--data-binary", big_path, url, NULL),
                    &body, 413, "limit", NULL);
    /* Empty, not JSON, not UTF-8, not an object. */
    s_expect_error (s_curl (&body, "-H", s_bearer_li, "-H", json, "-X", "POST", url, NULL), &body,
                    400, "malformed", NULL);
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_li, "{\"title\": ", &body), &body, 400,
                    "malformed", NULL);
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_li,
                                 "{\"title\": \"\xff\xfe\", \"body\": \"b\"}", &body),
                    &body, 400, "malformed", NULL);
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_li, "[1, 2]", &body), &body, 400,
                    "malformed", NULL);
    /* Fields: missing, empty, too long, mistyped, unknown, the gateway's. */
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_li, "{\"body\": \"b\"}", &body), &body,
                    400, "invalid", "title");
    s_expect_error (
        s_post_json ("/api/v1/reports", s_bearer_li, "{\"title\": \"\", \"body\": \"b\"}", &body),
        &body, 400, "invalid", "title");
    char long_title[BS_TITLE_MAX + 64];
    snprintf (long_title, sizeof long_title, "{\"title\": \"%0*d\", \"body\": \"b\"}",
              BS_TITLE_MAX + 1, 0);
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_li, long_title, &body), &body, 400,
                    "invalid", "title");
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_li,
                                 "{\"title\": \"t\", \"body\": \"b\", \"urgent\": \"yes\"}", &body),
                    &body, 400, "invalid", "urgent");
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_li,
                                 "{\"title\": \"t\", \"body\": \"b\", \"titel\": \"x\"}", &body),
                    &body, 400, "invalid", "titel");
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_li,
                                 "{\"title\": \"t\", \"body\": \"b\", \"token\": \"x\"}", &body),
                    &body, 400, "invalid", "token");
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_li,
                                 "{\"title\": \"t\", \"body\": \"b\", \"kind\": \"poem\"}", &body),
                    &body, 400, "invalid", "kind");
    /* A form field that is not UTF-8. */
    s_expect_error (
        s_curl (&body, "-H", s_bearer_li, "-F", "title=\xc3\x28", "-F", "body=b", url, NULL), &body,
        400, "malformed", "title");
    /* Who: nobody, a wrong token, a changed session, another unit, another
       officer. */
    s_expect_error (
        s_post_json ("/api/v1/reports", NULL, "{\"title\": \"t\", \"body\": \"b\"}", &body), &body,
        401, "unauthorized", "authorization");
    s_expect_error (s_post_json ("/api/v1/reports", "Authorization: Bearer wrong-token",
                                 "{\"title\": \"t\", \"body\": \"b\"}", &body),
                    &body, 401, "unauthorized", "authorization");
    char tampered[2048];
    snprintf (tampered, sizeof tampered, "%s", s_bearer_li);
    char *payload = strstr (tampered, "s1.") + 5;
    *payload = *payload == 'A' ? 'B' : 'A';
    s_expect_error (
        s_post_json ("/api/v1/reports", tampered, "{\"title\": \"t\", \"body\": \"b\"}", &body),
        &body, 401, "unauthorized", "session");
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_li,
                                 "{\"unit\": \"林州市\", \"title\": \"t\", \"body\": \"b\"}",
                                 &body),
                    &body, 403, "forbidden", "unit");
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_token,
                                 "{\"unit\": \"林州市\", \"title\": \"t\", \"body\": \"b\"}",
                                 &body),
                    &body, 403, "forbidden", "unit");
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_li,
                                 "{\"officer\": \"wang\", \"title\": \"t\", \"body\": \"b\"}",
                                 &body),
                    &body, 403, "forbidden", "officer");
    /* A unit that is no longer accepted: its officer's session is no good. */
    bs_unit_t disabled = {
        .name = "林州市", .level = "county", .parent = "安陽市", .disabled = true};
    bs_unit_t unit_reply;
    s_intake (&bs_unit_schema, &disabled, &bs_unit_schema, &unit_reply);
    bs_codec_record_free (&bs_unit_schema, &unit_reply);
    s_expect_error (s_post_json ("/api/v1/reports", s_bearer_wang,
                                 "{\"title\": \"t\", \"body\": \"b\"}", &body),
                    &body, 401, "unauthorized", NULL);
    /* Routes. */
    s_expect_error (s_curl (&body, "-H", s_bearer_li, s_url ("/api/v1/nothing"), NULL), &body, 404,
                    "not_found", "path");
    s_expect_error (s_curl (&body, "-H", s_bearer_li, "-X", "DELETE", url, NULL), &body, 405,
                    "invalid", "method");
    /* An officer may not use the editors' rows. */
    s_expect_error (s_curl (&body, "-H", s_bearer_li, s_url ("/api/v1/review/queue"), NULL), &body,
                    403, "forbidden", "roles");
    assert_int_equal (s_count (), before);
}

static void
test_table_rows (void **state)
{
    (void) state;
    /* A pass-through row: the query string is the request record. */
    char *body;
    int status = s_curl (&body, "-H", s_bearer_li, s_url ("/api/v1/units?limit=2"), NULL);
    if (status != 200)
        fail_msg ("units: %d %s", status, body);
    json_t *object = s_json (body);
    assert_int_equal (json_array_size (json_object_get (object, "units")), 2);
    json_decref (object);
    free (body);
    s_expect_error (s_curl (&body, "-H", s_bearer_li, s_url ("/api/v1/units?limit=x"), NULL), &body,
                    400, "invalid", "limit");
    status = s_curl (&body, "-H", s_bearer_editor, s_url ("/api/v1/review/queue?all=true"), NULL);
    if (status != 200)
        fail_msg ("queue: %d %s", status, body);
    object = s_json (body);
    assert_true (json_is_array (json_object_get (object, "cases")));
    json_decref (object);
    free (body);
}

/* GET /api/v1/my/upward: an officer's own report only (another unit's is
   404, as on /api/v1/reports), officers only, report_id a number. This
   system runs no publication, so the own report's answer is 503; the
   browser test (tests/browser) sees the answer itself. */
static void
test_my_upward (void **state)
{
    (void) state;
    char *reg_no = s_submit_json (s_bearer_li, "上級採用查詢", "只查本單位的信息。");
    json_t *report;
    assert_int_equal (s_get_report (s_bearer_li, reg_no, &report), 200);
    json_int_t id =
        json_integer_value (json_object_get (json_object_get (report, "report"), "report_id"));
    json_decref (report);
    free (reg_no);
    assert_true (id > 0);
    char path[128];
    snprintf (path, sizeof path, "/api/v1/my/upward?report_id=%lld", (long long) id);
    char *body;
    s_expect_error (s_curl (&body, "-H", s_bearer_wang, s_url (path), NULL), &body, 404,
                    "not_found", "report_id");
    s_expect_error (s_curl (&body, "-H", s_bearer_editor, s_url (path), NULL), &body, 403,
                    "forbidden", "roles");
    s_expect_error (
        s_curl (&body, "-H", s_bearer_li, s_url ("/api/v1/my/upward?report_id=x"), NULL), &body,
        400, "invalid", "report_id");
    s_expect_error (
        s_curl (&body, "-H", s_bearer_li, s_url ("/api/v1/my/upward?report_id=999999"), NULL),
        &body, 404, "not_found", "report_id");
    s_expect_error (s_curl (&body, "-H", s_bearer_li, s_url (path), NULL), &body, 503,
                    "unavailable", NULL);
}

/* POST a review row as header; returns the status, *object the JSON. */
static int
s_review_post (const char *header, const char *path, json_t *request, json_t **object)
{
    char *text = json_dumps (request, JSON_COMPACT);
    json_decref (request);
    char *body;
    int status = s_post_json (path, header, text, &body);
    free (text);
    *object = s_json (body);
    free (body);
    return status;
}

/* The review workflow through HTTP: the editor's login is the acting
   editor, a role they do not hold is refused, an officer is kept out. */
static void
test_review_rows (void **state)
{
    (void) state;
    char *reg_no = s_submit_json (s_bearer_li, "審核流程經網關", "編輯經由網關認領並決定。");
    json_t *object;
    assert_int_equal (s_get_report (s_bearer_editor, reg_no, &object), 200);
    json_int_t report_id =
        json_integer_value (json_object_get (json_object_get (object, "report"), "report_id"));
    json_decref (object);
    assert_true (report_id > 0);
    char path[128];
    snprintf (path, sizeof path, "/api/v1/review/case?report_id=%lld", (long long) report_id);
    /* Review takes the report from intake's log: wait for its case. */
    int status = 0;
    for (int attempt = 0; attempt < 100 && status != 200; attempt++) {
        char *body;
        status = s_curl (&body, "-H", s_bearer_editor, s_url (path), NULL);
        free (body);
        if (status != 200)
            usleep (100 * 1000);
    }
    assert_int_equal (status, 200);

    /* An officer may not claim; the editor claims as themself. */
    assert_int_equal (s_review_post (s_bearer_li, "/api/v1/review/claim",
                                     json_pack ("{s:I}", "report_id", report_id), &object),
                      403);
    json_decref (object);
    assert_int_equal (s_review_post (s_bearer_editor, "/api/v1/review/claim",
                                     json_pack ("{s:I}", "report_id", report_id), &object),
                      200);
    assert_string_equal (s_get (object, "state", NULL), "claimed");
    json_decref (object);
    /* Acting as a leader they are not, or as another editor: refused. */
    assert_int_equal (s_review_post (s_bearer_editor, "/api/v1/review/revert",
                                     json_pack ("{s:I, s:s, s:s}", "report_id", report_id, "role",
                                                "leader", "reason", "試試"),
                                     &object),
                      403);
    assert_string_equal (s_get (object, "error", "field"), "role");
    json_decref (object);
    assert_int_equal (
        s_review_post (s_bearer_editor, "/api/v1/review/decide",
                       json_pack ("{s:I, s:s, s:s, s:s}", "report_id", report_id, "decision",
                                  "decline", "critique", "x", "editor", "someone-else"),
                       &object),
        403);
    json_decref (object);
    /* The decision, with a critique in Chinese. */
    assert_int_equal (s_review_post (s_bearer_editor, "/api/v1/review/decide",
                                     json_pack ("{s:I, s:s, s:s, s:s}", "report_id", report_id,
                                                "decision", "adopt", "periodical", "組工信息",
                                                "critique", "情況清楚，時效性強。"),
                                     &object),
                      200);
    assert_string_equal (s_get (object, "state", NULL), "adopted");
    assert_string_equal (s_get (object, "critique", NULL), "情況清楚，時效性強。");
    json_decref (object);
    /* The audit trail names the editor's login for both steps. */
    snprintf (path, sizeof path, "/api/v1/review/audit?report_id=%lld", (long long) report_id);
    char *body;
    assert_int_equal (s_curl (&body, "-H", s_bearer_editor, s_url (path), NULL), 200);
    object = s_json (body);
    free (body);
    json_t *entries = json_object_get (object, "entries");
    size_t claimed = 0, decided = 0, index;
    json_t *entry;
    json_array_foreach (entries, index, entry)
    {
        if (strcmp (s_get (entry, "actor", NULL), "zhao") != 0)
            continue;
        claimed += strcmp (s_get (entry, "to_state", NULL), "claimed") == 0;
        decided += strcmp (s_get (entry, "to_state", NULL), "adopted") == 0;
    }
    assert_int_equal (claimed, 1);
    assert_int_equal (decided, 1);
    json_decref (object);
    free (reg_no);
}

static void
test_log_and_intake_down (void **state)
{
    (void) state;
    /* No password or token in the gateway's log. */
    char path[1200], line[4096];
    snprintf (path, sizeof path, "%s/gateway.log", bs_system_folder (s_system));
    FILE *file = fopen (path, "r");
    assert_non_null (file);
    size_t lines = 0;
    while (fgets (line, sizeof line, file)) {
        lines++;
        if (strstr (line, S_PASSWORD_LI) || strstr (line, s_secret) || strstr (line, s_li + 10))
            fail_msg ("a secret in the gateway log: %s", line);
    }
    fclose (file);
    assert_true (lines > 50); /* one line per request */

    bs_system_kill (s_system, "intake", SIGTERM);
    char *body;
    int status =
        s_post_json ("/api/v1/reports", s_bearer_li, "{\"title\": \"t\", \"body\": \"b\"}", &body);
    assert_int_equal (status, 503);
    json_t *object = s_json (body);
    assert_string_equal (s_get (object, "error", "code"), "unavailable");
    assert_non_null (strstr (s_get (object, "error", "message"), "intake"));
    json_decref (object);
    free (body);
    /* The gateway itself is still there. */
    assert_int_equal (s_curl (&body, s_url ("/api/v1/health"), NULL), 200);
    free (body);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_login),
        cmocka_unit_test (test_json_submit_and_status),
        cmocka_unit_test (test_multipart_attachment),
        cmocka_unit_test (test_html_form),
        cmocka_unit_test (test_token_and_batches),
        cmocka_unit_test (test_concurrent_submitters),
        cmocka_unit_test (test_bad_input),
        cmocka_unit_test (test_table_rows),
        cmocka_unit_test (test_review_rows),
        cmocka_unit_test (test_my_upward),
        cmocka_unit_test (test_log_and_intake_down),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
