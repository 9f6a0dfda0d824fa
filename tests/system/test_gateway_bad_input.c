/*  The HTTP gateway refuses every kind of bad input with its status and a
    JSON error naming the field, and stores nothing: bodies over the limit
    (declared or chunked; said as too_large), bodies that are empty, not JSON, not UTF-8 or
    not an object; missing, empty, too long, mistyped, unknown and
    reserved fields; a form field that is not UTF-8; nobody, a wrong token,
    a changed session, another unit or officer, a disabled unit; unknown
    routes and methods; an officer on the editors' rows.
    (Fixture: tests/support/bs_gateway_fixture.)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_gateway_fixture.h"
#include "bs_test.h"

static void
test_bad_input (void **state)
{
    (void) state;
    size_t before = bs_gateway_count ();
    char *body;
    const char *json = "Content-Type: application/json";
    const char *url = bs_gateway_url ("/api/v1/reports");

    /* Over gateway.max_body_bytes: 413, before or while reading. */
    size_t big_size = BS_GATEWAY_MAX_BODY + 1000;
    char *big = malloc (big_size + 1);
    memset (big, 'x', big_size);
    memcpy (big, "{\"title\": \"t\", \"body\": \"", 24);
    memcpy (big + big_size - 2, "\"}", 2);
    big[big_size] = 0;
    char big_path[1200];
    snprintf (big_path, sizeof big_path, "@%s/big.json", bs_system_folder (bs_gateway.system));
    FILE *file = fopen (big_path + 1, "w");
    fputs (big, file);
    fclose (file);
    free (big);
    bs_gateway_expect_refusal (bs_gateway_curl (&body, "-H", bs_gateway.bearer_li, "-H", json,
                                                "--data-binary", big_path, url, NULL),
                               &body, 413, "limit", NULL, "too_large");
    /* The same as chunks, with no length declared. */
    bs_gateway_expect_refusal (bs_gateway_curl (&body, "-H", bs_gateway.bearer_li, "-H", json, "-H",
                                                "Transfer-Encoding: chunked", "--data-binary",
                                                big_path, url, NULL),
                               &body, 413, "limit", NULL, "too_large");
    /* Empty, not JSON, not UTF-8, not an object. */
    bs_gateway_expect_error (
        bs_gateway_curl (&body, "-H", bs_gateway.bearer_li, "-H", json, "-X", "POST", url, NULL),
        &body, 400, "malformed", NULL);
    bs_gateway_expect_error (
        bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li, "{\"title\": ", &body),
        &body, 400, "malformed", NULL);
    bs_gateway_expect_error (bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li,
                                                   "{\"title\": \"\xff\xfe\", \"body\": \"b\"}",
                                                   &body),
                             &body, 400, "malformed", NULL);
    bs_gateway_expect_error (
        bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li, "[1, 2]", &body), &body, 400,
        "malformed", NULL);
    /* Fields: missing, empty, too long, mistyped, unknown, the gateway's. */
    bs_gateway_expect_error (
        bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li, "{\"body\": \"b\"}", &body),
        &body, 400, "invalid", "title");
    bs_gateway_expect_error (bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li,
                                                   "{\"title\": \"\", \"body\": \"b\"}", &body),
                             &body, 400, "invalid", "title");
    char long_title[BS_TITLE_MAX + 64];
    snprintf (long_title, sizeof long_title, "{\"title\": \"%0*d\", \"body\": \"b\"}",
              BS_TITLE_MAX + 1, 0);
    bs_gateway_expect_error (
        bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li, long_title, &body), &body,
        400, "invalid", "title");
    bs_gateway_expect_error (
        bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li,
                              "{\"title\": \"t\", \"body\": \"b\", \"urgent\": \"yes\"}", &body),
        &body, 400, "invalid", "urgent");
    bs_gateway_expect_error (
        bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li,
                              "{\"title\": \"t\", \"body\": \"b\", \"titel\": \"x\"}", &body),
        &body, 400, "invalid", "titel");
    bs_gateway_expect_error (
        bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li,
                              "{\"title\": \"t\", \"body\": \"b\", \"token\": \"x\"}", &body),
        &body, 400, "invalid", "token");
    bs_gateway_expect_error (
        bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li,
                              "{\"title\": \"t\", \"body\": \"b\", \"kind\": \"poem\"}", &body),
        &body, 400, "invalid", "kind");
    /* A form field that is not UTF-8. */
    bs_gateway_expect_error (bs_gateway_curl (&body, "-H", bs_gateway.bearer_li, "-F",
                                              "title=\xc3\x28", "-F", "body=b", url, NULL),
                             &body, 400, "malformed", "title");
    /* Who: nobody, a wrong token, a changed session, another unit, another
       officer. */
    bs_gateway_expect_error (bs_gateway_post_json ("/api/v1/reports", NULL,
                                                   "{\"title\": \"t\", \"body\": \"b\"}", &body),
                             &body, 401, "unauthorized", "authorization");
    bs_gateway_expect_error (bs_gateway_post_json ("/api/v1/reports",
                                                   "Authorization: Bearer wrong-token",
                                                   "{\"title\": \"t\", \"body\": \"b\"}", &body),
                             &body, 401, "unauthorized", "authorization");
    char tampered[2048];
    snprintf (tampered, sizeof tampered, "%s", bs_gateway.bearer_li);
    char *payload = strstr (tampered, "s1.") + 5;
    *payload = *payload == 'A' ? 'B' : 'A';
    bs_gateway_expect_error (bs_gateway_post_json ("/api/v1/reports", tampered,
                                                   "{\"title\": \"t\", \"body\": \"b\"}", &body),
                             &body, 401, "unauthorized", "session");
    bs_gateway_expect_error (
        bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li,
                              "{\"unit\": \"林州市\", \"title\": \"t\", \"body\": \"b\"}", &body),
        &body, 403, "forbidden", "unit");
    bs_gateway_expect_error (
        bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_token,
                              "{\"unit\": \"林州市\", \"title\": \"t\", \"body\": \"b\"}", &body),
        &body, 403, "forbidden", "unit");
    bs_gateway_expect_error (
        bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li,
                              "{\"officer\": \"wang\", \"title\": \"t\", \"body\": \"b\"}", &body),
        &body, 403, "forbidden", "officer");
    /* A unit that is no longer accepted: its officer's session is no good. */
    bs_unit_t disabled = {
        .name = "林州市", .level = "county", .parent = "安陽市", .disabled = true};
    bs_unit_t unit_reply;
    bs_gateway_intake (&bs_unit_schema, &disabled, &bs_unit_schema, &unit_reply);
    bs_codec_record_free (&bs_unit_schema, &unit_reply);
    bs_gateway_expect_error (bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_wang,
                                                   "{\"title\": \"t\", \"body\": \"b\"}", &body),
                             &body, 401, "unauthorized", NULL);
    /* Routes. */
    bs_gateway_expect_error (bs_gateway_curl (&body, "-H", bs_gateway.bearer_li,
                                              bs_gateway_url ("/api/v1/nothing"), NULL),
                             &body, 404, "not_found", "path");
    bs_gateway_expect_error (
        bs_gateway_curl (&body, "-H", bs_gateway.bearer_li, "-X", "DELETE", url, NULL), &body, 405,
        "invalid", "method");
    /* An officer may not use the editors' rows. */
    bs_gateway_expect_error (bs_gateway_curl (&body, "-H", bs_gateway.bearer_li,
                                              bs_gateway_url ("/api/v1/review/queue"), NULL),
                             &body, 403, "forbidden", "roles");
    assert_int_equal (bs_gateway_count (), before);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_bad_input),
        cmocka_unit_test (bs_gateway_no_secret_logged),
    };
    return cmocka_run_group_tests (tests, bs_gateway_setup, bs_gateway_teardown);
}
