/*  The HTTP gateway: submitting and reading reports. JSON submissions and
    their status for the own unit (not for another, 404 as if absent; an
    editor sees it), by number, id and version; multipart with a binary
    attachment that comes back byte for byte; direct reports and batches
    by API token, retried without registering twice; 50 concurrent curl
    submitters, each with its own number; an officer's upward view of the
    own report only; intake down: 503 naming intake while the gateway
    answers. (Fixture: tests/support/bs_gateway_fixture.)
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "bs_gateway_fixture.h"
#include "bs_test.h"

#define S_CONCURRENT 50

static void
test_json_submit_and_status (void **state)
{
    (void) state;
    const char *title = "滑縣「三會一課」落實情況 😀";
    const char *text = "第一段：全縣黨支部。\n第二段：\"引號\" 與 \\ 反斜線。";
    char *reg_no = bs_gateway_submit_json (bs_gateway.bearer_li, title, text);
    char year[8];
    time_t now = time (NULL);
    strftime (year, sizeof year, "%Y", gmtime (&now));
    assert_true (strncmp (reg_no, year, 4) == 0 && reg_no[4] == '-');

    json_t *object;
    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_li, reg_no, &object), 200);
    json_t *report = json_object_get (object, "report");
    assert_string_equal (bs_gateway_get (report, "title", NULL), title);
    assert_string_equal (bs_gateway_get (report, "body", NULL), text);
    assert_string_equal (bs_gateway_get (report, "unit", NULL), "滑縣");
    assert_string_equal (bs_gateway_get (report, "officer", NULL), "li");
    assert_string_equal (bs_gateway_get (report, "channel", NULL), "web");
    assert_string_equal (bs_gateway_get (object, "reg_no", NULL), reg_no);
    assert_true (strlen (bs_gateway_get (object, "state", NULL)) > 0);
    char id[32];
    snprintf (id, sizeof id, "%lld",
              (long long) json_integer_value (json_object_get (report, "report_id")));
    json_decref (object);

    /* By report id too; another unit's officer sees nothing (404, as if it
       did not exist); an editor sees it. */
    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_li, id, &object), 200);
    json_decref (object);
    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_wang, reg_no, &object), 404);
    assert_string_equal (bs_gateway_get (object, "error", "code"), "not_found");
    json_decref (object);
    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_wang, id, &object), 404);
    json_decref (object);
    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_editor, reg_no, &object), 200);
    json_decref (object);
    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_li, "2000-999999", &object), 404);
    json_decref (object);
    /* Version 1 by number; a version that is not there; not a number. */
    char versioned[64];
    snprintf (versioned, sizeof versioned, "%s?version=1", reg_no);
    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_li, versioned, &object), 200);
    assert_string_equal (bs_gateway_get (json_object_get (object, "report"), "title", NULL), title);
    json_decref (object);
    snprintf (versioned, sizeof versioned, "%s?version=5", reg_no);
    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_li, versioned, &object), 404);
    json_decref (object);
    snprintf (versioned, sizeof versioned, "%s?version=x", reg_no);
    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_li, versioned, &object), 400);
    assert_string_equal (bs_gateway_get (object, "error", "field"), "version");
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
    snprintf (path, sizeof path, "%s/attachment.bin", bs_system_folder (bs_gateway.system));
    FILE *file = fopen (path, "wb");
    assert_int_equal (fwrite (bytes, 1, sizeof bytes, file), sizeof bytes);
    fclose (file);
    char file_part[1400];
    snprintf (file_part, sizeof file_part,
              "attachments=@%s;type=application/octet-stream;filename=data.bin", path);
    char note_path[1200], note_part[1400];
    snprintf (note_path, sizeof note_path, "%s/note.txt", bs_system_folder (bs_gateway.system));
    file = fopen (note_path, "w");
    fputs ("說明：附件二。\n", file);
    fclose (file);
    snprintf (note_part, sizeof note_part, "attachments=@%s;type=text/plain;filename=說明.txt",
              note_path);
    char *body;
    int status =
        bs_gateway_curl (&body, "-H", bs_gateway.bearer_li, "-F", "title=附件測試：照片與表格",
                         "-F", "body=見附件。", "-F", "kind=research", "-F", file_part, "-F",
                         note_part, bs_gateway_url ("/api/v1/reports"), NULL);
    if (status != 201)
        fail_msg ("multipart submit: %d %s", status, body);
    json_t *object = bs_gateway_json (body);
    char *reg_no = strdup (bs_gateway_get (object, "reg_no", NULL));
    json_decref (object);
    free (body);

    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_li, reg_no, &object), 200);
    json_t *report = json_object_get (object, "report");
    assert_string_equal (bs_gateway_get (report, "title", NULL), "附件測試：照片與表格");
    assert_string_equal (bs_gateway_get (report, "kind", NULL), "research");
    json_t *attachments = json_object_get (report, "attachments");
    assert_true (json_array_size (attachments) >= 1);
    json_t *first = json_array_get (attachments, 0);
    assert_string_equal (bs_gateway_get (first, "name", NULL), "data.bin");
    assert_string_equal (bs_gateway_get (first, "content_type", NULL), "application/octet-stream");
    assert_int_equal (json_integer_value (json_object_get (first, "size")), sizeof bytes);
    assert_int_equal (json_array_size (attachments), 2);
    assert_string_equal (bs_gateway_get (json_array_get (attachments, 1), "name", NULL),
                         "說明.txt");
    /* Byte for byte: intake's SHA-256 of what it stored is that of what we sent. */
    unsigned char hash[crypto_hash_sha256_BYTES];
    char hex[2 * sizeof hash + 1];
    crypto_hash_sha256 (hash, bytes, sizeof bytes);
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    assert_string_equal (bs_gateway_get (first, "sha256", NULL), hex);
    json_decref (object);
    /* And the bytes themselves, back through the gateway. */
    char path_get[256];
    snprintf (path_get, sizeof path_get, "/api/v1/reports/%s/attachments/0", reg_no);
    status = bs_gateway_curl (&body, "-H", bs_gateway.bearer_li, bs_gateway_url (path_get), NULL);
    assert_int_equal (status, 200);
    assert_int_equal (bs_gateway.last_size, sizeof bytes);
    assert_memory_equal (body, bytes, sizeof bytes);
    free (body);
    /* Not for another unit, and not an attachment that is not there. */
    bs_gateway_expect_error (
        bs_gateway_curl (&body, "-H", bs_gateway.bearer_wang, bs_gateway_url (path_get), NULL),
        &body, 404, "not_found", "id");
    snprintf (path_get, sizeof path_get, "/api/v1/reports/%s/attachments/7", reg_no);
    bs_gateway_expect_error (
        bs_gateway_curl (&body, "-H", bs_gateway.bearer_li, bs_gateway_url (path_get), NULL), &body,
        404, "not_found", "index");
    free (reg_no);
}

static void
test_token_and_batches (void **state)
{
    (void) state;
    size_t before = bs_gateway_count ();
    char *body;
    /* A single report by API token: the direct channel. */
    int status = bs_gateway_curl (&body, "-H", bs_gateway.bearer_token, "-H",
                                  "Idempotency-Key: one-1", "-H", "Content-Type: application/json",
                                  "--data-binary", "{\"title\": \"直報單篇\", \"body\": \"正文\"}",
                                  bs_gateway_url ("/api/v1/reports"), NULL);
    if (status != 201)
        fail_msg ("token submit: %d %s", status, body);
    json_t *object = bs_gateway_json (body);
    char *single = strdup (bs_gateway_get (object, "reg_no", NULL));
    json_decref (object);
    free (body);
    /* The same key again: the same receipt, nothing new. */
    status = bs_gateway_curl (&body, "-H", bs_gateway.bearer_token, "-H", "Idempotency-Key: one-1",
                              "-H", "Content-Type: application/json", "--data-binary",
                              "{\"title\": \"直報單篇\", \"body\": \"正文\"}",
                              bs_gateway_url ("/api/v1/reports"), NULL);
    assert_true (status == 201 || status == 200);
    object = bs_gateway_json (body);
    assert_string_equal (bs_gateway_get (object, "reg_no", NULL), single);
    json_decref (object);
    free (body);
    assert_int_equal (bs_gateway_count (), before + 1);

    const char *batch = "{\"items\": ["
                        "{\"key\": \"b-1\", \"title\": \"直報一\", \"body\": \"正文一\"},"
                        "{\"key\": \"b-2\", \"title\": \"直報二\", \"body\": \"正文二\"},"
                        "{\"key\": \"b-3\", \"title\": \"直報三\", \"body\": \"正文三\"}]}";
    char *first_body;
    status = bs_gateway_curl (&first_body, "-H", bs_gateway.bearer_token, "-H",
                              "Idempotency-Key: batch-1", "-H", "Content-Type: application/json",
                              "--data-binary", batch, bs_gateway_url ("/api/v1/batches"), NULL);
    if (status != 200)
        fail_msg ("batch: %d %s", status, first_body);
    json_t *first = bs_gateway_json (first_body);
    json_t *results = json_object_get (first, "results");
    assert_int_equal (json_array_size (results), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *result = json_array_get (results, i);
        assert_string_equal (bs_gateway_get (result, "status", NULL), "registered");
        assert_true (strlen (bs_gateway_get (result, "reg_no", NULL)) > 0);
    }
    assert_int_equal (bs_gateway_count (), before + 4);
    /* The reply was lost: the same batch again, with the same key and
       without one (then the items' keys catch it): nothing twice. */
    const char *retries[] = {"Idempotency-Key: batch-1", "X-Nothing: 1"};
    for (int r = 0; r < 2; r++) {
        status = bs_gateway_curl (&body, "-H", bs_gateway.bearer_token, "-H", retries[r], "-H",
                                  "Content-Type: application/json", "--data-binary", batch,
                                  bs_gateway_url ("/api/v1/batches"), NULL);
        if (status != 200)
            fail_msg ("batch retry: %d %s", status, body);
        object = bs_gateway_json (body);
        json_t *again = json_object_get (object, "results");
        assert_int_equal (json_array_size (again), 3);
        for (size_t i = 0; i < 3; i++)
            assert_string_equal (bs_gateway_get (json_array_get (again, i), "reg_no", NULL),
                                 bs_gateway_get (json_array_get (results, i), "reg_no", NULL));
        json_decref (object);
        free (body);
        assert_int_equal (bs_gateway_count (), before + 4);
    }
    json_decref (first);
    free (first_body);
    /* Batches need an API token; a wrong one is 401. */
    status =
        bs_gateway_curl (&body, "-H", bs_gateway.bearer_li, "-H", "Content-Type: application/json",
                         "--data-binary", batch, bs_gateway_url ("/api/v1/batches"), NULL);
    bs_gateway_expect_error (status, &body, 403, "forbidden", NULL);
    status = bs_gateway_curl (&body, "-H", "Authorization: Bearer not-a-token", "-H",
                              "Content-Type: application/json", "--data-binary", batch,
                              bs_gateway_url ("/api/v1/batches"), NULL);
    bs_gateway_expect_error (status, &body, 401, "unauthorized", "authorization");
    assert_int_equal (bs_gateway_count (), before + 4);
    free (single);
}

static void
test_concurrent_submitters (void **state)
{
    (void) state;
    size_t before = bs_gateway_count ();
    bs_curl_t calls[S_CONCURRENT];
    char bodies[S_CONCURRENT][128];
    for (int i = 0; i < S_CONCURRENT; i++) {
        snprintf (bodies[i], sizeof bodies[i],
                  "{\"title\": \"併發報送 %d\", \"body\": \"第 %d 篇正文\"}", i, i);
        const char *arguments[] = {"-H",
                                   bs_gateway.bearer_li,
                                   "-H",
                                   "Content-Type: application/json",
                                   "--data-binary",
                                   bodies[i],
                                   bs_gateway_url ("/api/v1/reports"),
                                   NULL};
        bs_curl_start (&calls[i], bs_system_folder (bs_gateway.system), arguments);
    }
    char *numbers[S_CONCURRENT];
    for (int i = 0; i < S_CONCURRENT; i++) {
        char *body;
        int status = bs_curl_finish (&calls[i], &body);
        if (status != 201)
            fail_msg ("submitter %d: %d %s", i, status, body);
        json_t *object = bs_gateway_json (body);
        numbers[i] = strdup (bs_gateway_get (object, "reg_no", NULL));
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
    assert_int_equal (bs_gateway_count (), before + S_CONCURRENT);
}

/* GET /api/v1/my/upward: an officer's own report only (another unit's is
   404, as on /api/v1/reports), officers only, report_id a number. This
   system runs no publication, so the own report's answer is 503; the
   browser test (tests/browser) sees the answer itself. */
static void
test_my_upward (void **state)
{
    (void) state;
    char *reg_no =
        bs_gateway_submit_json (bs_gateway.bearer_li, "上級採用查詢", "只查本單位的信息。");
    json_t *report;
    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_li, reg_no, &report), 200);
    json_int_t id =
        json_integer_value (json_object_get (json_object_get (report, "report"), "report_id"));
    json_decref (report);
    free (reg_no);
    assert_true (id > 0);
    char path[128];
    snprintf (path, sizeof path, "/api/v1/my/upward?report_id=%lld", (long long) id);
    char *body;
    bs_gateway_expect_error (
        bs_gateway_curl (&body, "-H", bs_gateway.bearer_wang, bs_gateway_url (path), NULL), &body,
        404, "not_found", "report_id");
    bs_gateway_expect_error (
        bs_gateway_curl (&body, "-H", bs_gateway.bearer_editor, bs_gateway_url (path), NULL), &body,
        403, "forbidden", "roles");
    bs_gateway_expect_error (bs_gateway_curl (&body, "-H", bs_gateway.bearer_li,
                                              bs_gateway_url ("/api/v1/my/upward?report_id=x"),
                                              NULL),
                             &body, 400, "invalid", "report_id");
    bs_gateway_expect_error (bs_gateway_curl (&body, "-H", bs_gateway.bearer_li,
                                              bs_gateway_url ("/api/v1/my/upward?report_id=999999"),
                                              NULL),
                             &body, 404, "not_found", "report_id");
    bs_gateway_expect_error (
        bs_gateway_curl (&body, "-H", bs_gateway.bearer_li, bs_gateway_url (path), NULL), &body,
        503, "unavailable", NULL);
}

static void
test_intake_down (void **state)
{
    (void) state;
    /* Intake stops: a submit is answered 503, naming intake. */
    bs_system_kill (bs_gateway.system, "intake", SIGTERM);
    char *body;
    int status = bs_gateway_post_json ("/api/v1/reports", bs_gateway.bearer_li,
                                       "{\"title\": \"t\", \"body\": \"b\"}", &body);
    assert_int_equal (status, 503);
    json_t *object = bs_gateway_json (body);
    assert_string_equal (bs_gateway_get (object, "error", "code"), "unavailable");
    assert_non_null (strstr (bs_gateway_get (object, "error", "message"), "intake"));
    json_decref (object);
    free (body);
    /* The gateway itself is still there. */
    assert_int_equal (bs_gateway_curl (&body, bs_gateway_url ("/api/v1/health"), NULL), 200);
    free (body);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_json_submit_and_status),
        cmocka_unit_test (test_multipart_attachment),
        cmocka_unit_test (test_token_and_batches),
        cmocka_unit_test (test_concurrent_submitters),
        cmocka_unit_test (test_my_upward),
        cmocka_unit_test (test_intake_down),
        cmocka_unit_test (bs_gateway_no_secret_logged),
    };
    return cmocka_run_group_tests (tests, bs_gateway_setup, bs_gateway_teardown);
}
