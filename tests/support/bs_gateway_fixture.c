/*  bs_gateway_fixture: the gateway system tests' processes, people and
    HTTP helpers; see bs_gateway_fixture.h.
*/
#include "bs_gateway_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bs_test.h"

bs_gateway_fixture_t bs_gateway;

const char *
bs_gateway_url (const char *path)
{
    static char buffers[8][1024];
    static int next;
    char *buffer = buffers[next++ % 8];
    snprintf (buffer, 1024, "%s%s", bs_system_gateway_url (bs_gateway.system), path);
    return buffer;
}

json_t *
bs_gateway_json (const char *body)
{
    json_error_t error;
    json_t *value = json_loads (body, 0, &error);
    if (!value)
        fail_msg ("not JSON (%s): %s", error.text, body);
    return value;
}

/* The string at key path a.b in object, or "". */
const char *
bs_gateway_get (json_t *object, const char *first, const char *second)
{
    json_t *value = json_object_get (object, first);
    if (second)
        value = json_object_get (value, second);
    return json_is_string (value) ? json_string_value (value) : "";
}

/* POST a JSON body with a header line (or NULL) to path. */
int
bs_gateway_post_json (const char *path, const char *header, const char *json, char **body)
{
    if (header)
        return bs_gateway_curl (body, "-H", "Content-Type: application/json", "-H", header,
                                "--data-binary", json, bs_gateway_url (path), NULL);
    return bs_gateway_curl (body, "-H", "Content-Type: application/json", "--data-binary", json,
                            bs_gateway_url (path), NULL);
}

char *
bs_gateway_headers (const char *path)
{
    FILE *file = fopen (path, "r");
    assert_non_null (file);
    char *text = calloc (1, 8192);
    assert_non_null (text);
    size_t got = fread (text, 1, 8191, file);
    fclose (file);
    text[got] = 0;
    for (char *at = text; *at; at++)
        if (*at >= 'A' && *at <= 'Z')
            *at = (char) (*at + 32);
    return text;
}

/* Expect an error answer: status, the error code and field. */
void
bs_gateway_expect_error (int status, char **body_p, int expected_status, const char *code,
                         const char *field)
{
    bs_gateway_expect_refusal (status, body_p, expected_status, code, field, NULL);
}

void
bs_gateway_expect_refusal (int status, char **body_p, int expected_status, const char *code,
                           const char *field, const char *reason)
{
    char *body = *body_p;
    *body_p = NULL;
    if (status != expected_status)
        fail_msg ("expected HTTP %d, got %d: %s", expected_status, status, body);
    json_t *object = bs_gateway_json (body);
    json_t *error = json_object_get (object, "error");
    assert_non_null (error);
    assert_string_equal (bs_gateway_get (error, "code", NULL), code);
    json_t *named = json_object_get (error, "field");
    if (field)
        assert_string_equal (json_is_string (named) ? json_string_value (named) : "(null)", field);
    assert_true (strlen (bs_gateway_get (error, "message", NULL)) > 0);
    if (reason)
        assert_string_equal (bs_gateway_get (error, "reason", NULL), reason);
    json_decref (object);
    free (body);
}

/* Reports intake holds. */
size_t
bs_gateway_count (void)
{
    size_t count = 0;
    uint64_t after = 0;
    while (true) {
        bs_report_list_t query = {.after = after, .limit = BS_PAGE_MAX};
        bs_report_page_t page;
        bs_error_t error;
        int rc =
            bs_system_call (bs_system_client (bs_gateway.system, "intake"), &bs_report_list_schema,
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

void
bs_gateway_intake (const bs_schema_t *schema, const void *record, const bs_schema_t *reply_schema,
                   void *reply)
{
    bs_error_t error;
    int rc = bs_system_call (bs_system_client (bs_gateway.system, "intake"), schema, record,
                             reply_schema, reply, &error);
    if (rc != BS_OK)
        fail_msg ("%s: %s", schema->type, error.text);
}

char *
bs_gateway_login (const char *login, const char *password)
{
    json_t *request = json_pack ("{s:s, s:s}", "login", login, "password", password);
    char *text = json_dumps (request, JSON_COMPACT);
    json_decref (request);
    char *body;
    int status = bs_gateway_post_json ("/api/v1/login", NULL, text, &body);
    free (text);
    if (status != 200)
        fail_msg ("login %s: %d %s", login, status, body);
    json_t *object = bs_gateway_json (body);
    char *token = strdup (bs_gateway_get (object, "token", NULL));
    json_decref (object);
    free (body);
    assert_true (strncmp (token, "s1.", 3) == 0);
    return token;
}

int
bs_gateway_setup (void **state)
{
    (void) state;
    if (sodium_init () < 0)
        return -1;
    bs_gateway.system = bs_system_new ("gateway");
    if (!bs_gateway.system)
        return -1;
    char max_body[32];
    snprintf (max_body, sizeof max_body, "%u", BS_GATEWAY_MAX_BODY);
    if (bs_system_configure (bs_gateway.system, "gateway.max_body_bytes", max_body) != 0)
        return -1;
    /* Each HTTP connection is a gateway thread with CurveZMQ clients of
       its own: S_CONCURRENT connections at once are as many handshakes
       with intake, each through its ZAP handler, which takes seconds on a
       loaded machine. */
    if (bs_system_configure (bs_gateway.system, "request_timeout_ms", "6000") != 0)
        return -1;
    if (bs_system_start (bs_gateway.system, "intake") != 0
        || bs_system_start (bs_gateway.system, "review") != 0
        || bs_system_start (bs_gateway.system, "gateway") != 0)
        return -1;
    const char *units[][2] = {{"安陽市", "city"}, {"滑縣", "county"}, {"林州市", "county"}};
    for (size_t i = 0; i < 3; i++) {
        bs_unit_t unit = {.name = (char *) units[i][0],
                          .level = (char *) units[i][1],
                          .parent = i ? "安陽市" : NULL};
        bs_unit_t reply;
        bs_gateway_intake (&bs_unit_schema, &unit, &bs_unit_schema, &reply);
        bs_codec_record_free (&bs_unit_schema, &reply);
    }
    const char *officers[][5] = {
        {"li", "李明", "滑縣", "officer", BS_GATEWAY_PASSWORD_LI},
        {"wang", "王芳", "林州市", "officer", BS_GATEWAY_PASSWORD_WANG},
        {"zhao", "趙編輯", "安陽市", "editor", BS_GATEWAY_PASSWORD_EDITOR}};
    for (size_t i = 0; i < 3; i++) {
        bs_officer_t officer = {.login = (char *) officers[i][0],
                                .name = (char *) officers[i][1],
                                .unit = (char *) officers[i][2],
                                .roles = (char *) officers[i][3],
                                .password = (char *) officers[i][4]};
        bs_officer_t reply;
        bs_gateway_intake (&bs_officer_schema, &officer, &bs_officer_schema, &reply);
        bs_codec_record_free (&bs_officer_schema, &reply);
    }
    bs_token_create_t create = {.name = "hn-direct", .unit = "滑縣"};
    bs_token_t token;
    bs_gateway_intake (&bs_token_create_schema, &create, &bs_token_schema, &token);
    bs_gateway.secret = strdup (token.secret);
    bs_codec_record_free (&bs_token_schema, &token);
    bs_gateway.li = bs_gateway_login ("li", BS_GATEWAY_PASSWORD_LI);
    bs_gateway.wang = bs_gateway_login ("wang", BS_GATEWAY_PASSWORD_WANG);
    bs_gateway.editor = bs_gateway_login ("zhao", BS_GATEWAY_PASSWORD_EDITOR);
    snprintf (bs_gateway.bearer_li, sizeof bs_gateway.bearer_li, "Authorization: Bearer %s",
              bs_gateway.li);
    snprintf (bs_gateway.bearer_wang, sizeof bs_gateway.bearer_wang, "Authorization: Bearer %s",
              bs_gateway.wang);
    snprintf (bs_gateway.bearer_editor, sizeof bs_gateway.bearer_editor, "Authorization: Bearer %s",
              bs_gateway.editor);
    snprintf (bs_gateway.bearer_token, sizeof bs_gateway.bearer_token, "Authorization: Bearer %s",
              bs_gateway.secret);
    return 0;
}

int
bs_gateway_teardown (void **state)
{
    (void) state;
    free (bs_gateway.li);
    free (bs_gateway.wang);
    free (bs_gateway.editor);
    free (bs_gateway.secret);
    bs_system_destroy (&bs_gateway.system);
    return 0;
}

/* Submit title as li with JSON; returns the reg_no (caller frees). */
char *
bs_gateway_submit_json (const char *header, const char *title, const char *body_text)
{
    json_t *request = json_pack ("{s:s, s:s}", "title", title, "body", body_text);
    char *text = json_dumps (request, JSON_COMPACT);
    json_decref (request);
    char *body;
    int status = bs_gateway_post_json ("/api/v1/reports", header, text, &body);
    free (text);
    if (status != 201)
        fail_msg ("submit: %d %s", status, body);
    json_t *object = bs_gateway_json (body);
    char *reg_no = strdup (bs_gateway_get (object, "reg_no", NULL));
    assert_string_equal (bs_gateway_get (object, "status", NULL), "registered");
    json_decref (object);
    free (body);
    return reg_no;
}

/* GET a report as header; returns the status, *object the JSON. */
int
bs_gateway_get_report (const char *header, const char *id, json_t **object)
{
    char path[256];
    snprintf (path, sizeof path, "/api/v1/reports/%s", id);
    char *body;
    int status = bs_gateway_curl (&body, "-H", header, bs_gateway_url (path), NULL);
    *object = bs_gateway_json (body);
    free (body);
    return status;
}

void
bs_gateway_no_secret_logged (void **state)
{
    (void) state;
    const char *secrets[] = {BS_GATEWAY_PASSWORD_LI,     BS_GATEWAY_PASSWORD_WANG,
                             BS_GATEWAY_PASSWORD_EDITOR, bs_gateway.secret,
                             bs_gateway.li + 10,         bs_gateway.wang + 10,
                             bs_gateway.editor + 10};
    char path[1200], line[4096];
    snprintf (path, sizeof path, "%s/gateway.log", bs_system_folder (bs_gateway.system));
    FILE *file = fopen (path, "r");
    assert_non_null (file);
    size_t lines = 0;
    while (fgets (line, sizeof line, file)) {
        lines++;
        for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
            if (strstr (line, secrets[i]))
                fail_msg ("a secret in the gateway log: %s", line);
    }
    fclose (file);
    assert_true (lines >= 3); /* a line per request: the three logins at least */
}
