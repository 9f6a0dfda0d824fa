/*  The HTTP gateway's rows that pass a request to a service: a listing
    whose query string is the request record (a bad number refused,
    naming it), and the review workflow, where the editor's login is the
    acting editor, a role they do not hold or another editor's name is
    refused, an officer is kept out, and the audit names the editor; a
    decision with "claim" claims and decides in one request; many
    decisions in one request (decide_many), a refused one among them
    answered in its result, more than 200 refused whole.
    (Fixture: tests/support/bs_gateway_fixture.)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs_gateway_fixture.h"
#include "bs_test.h"

static void
test_table_rows (void **state)
{
    (void) state;
    /* A pass-through row: the query string is the request record. */
    char *body;
    int status = bs_gateway_curl (&body, "-H", bs_gateway.bearer_li,
                                  bs_gateway_url ("/api/v1/units?limit=2"), NULL);
    if (status != 200)
        fail_msg ("units: %d %s", status, body);
    json_t *object = bs_gateway_json (body);
    assert_int_equal (json_array_size (json_object_get (object, "units")), 2);
    json_decref (object);
    free (body);
    bs_gateway_expect_error (bs_gateway_curl (&body, "-H", bs_gateway.bearer_li,
                                              bs_gateway_url ("/api/v1/units?limit=x"), NULL),
                             &body, 400, "invalid", "limit");
    status = bs_gateway_curl (&body, "-H", bs_gateway.bearer_editor,
                              bs_gateway_url ("/api/v1/review/queue?all=true"), NULL);
    if (status != 200)
        fail_msg ("queue: %d %s", status, body);
    object = bs_gateway_json (body);
    assert_true (json_is_array (json_object_get (object, "cases")));
    json_decref (object);
    free (body);
}

/* POST a review row as header; returns the status, *object the JSON. */
static int
s_review_post (const char *header, const char *path, json_t *request, json_t **object)
{
    char *text = json_dumps (request, JSON_COMPACT);
    json_decref (request);
    char *body;
    int status = bs_gateway_post_json (path, header, text, &body);
    free (text);
    *object = bs_gateway_json (body);
    free (body);
    return status;
}

/* A report submitted as li with title and body, once review has its
   case; its report id. */
static json_int_t
s_case_of_new_report (const char *title, const char *body_text)
{
    char *reg_no = bs_gateway_submit_json (bs_gateway.bearer_li, title, body_text);
    json_t *object;
    assert_int_equal (bs_gateway_get_report (bs_gateway.bearer_editor, reg_no, &object), 200);
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
        status =
            bs_gateway_curl (&body, "-H", bs_gateway.bearer_editor, bs_gateway_url (path), NULL);
        free (body);
        if (status != 200)
            usleep (100 * 1000);
    }
    assert_int_equal (status, 200);
    free (reg_no);
    return report_id;
}

/* The audit trail's entries by actor: how many reach each of two states. */
static void
s_audit_count (json_int_t report_id, const char *actor, const char *first, size_t *first_count,
               const char *second, size_t *second_count)
{
    char path[128], *body;
    snprintf (path, sizeof path, "/api/v1/review/audit?report_id=%lld", (long long) report_id);
    assert_int_equal (
        bs_gateway_curl (&body, "-H", bs_gateway.bearer_editor, bs_gateway_url (path), NULL), 200);
    json_t *object = bs_gateway_json (body);
    free (body);
    json_t *entries = json_object_get (object, "entries");
    size_t index;
    json_t *entry;
    *first_count = *second_count = 0;
    json_array_foreach (entries, index, entry)
    {
        if (strcmp (bs_gateway_get (entry, "actor", NULL), actor) != 0)
            continue;
        *first_count += strcmp (bs_gateway_get (entry, "to_state", NULL), first) == 0;
        *second_count += strcmp (bs_gateway_get (entry, "to_state", NULL), second) == 0;
    }
    json_decref (object);
}

/* The trail of report_id: one claim by zhao (the editor's login), and
   one decision of theirs into state. */
static void
s_assert_claimed_then (json_int_t report_id, const char *state)
{
    size_t claimed, decided;
    s_audit_count (report_id, "zhao", "claimed", &claimed, state, &decided);
    assert_int_equal (claimed, 1);
    assert_int_equal (decided, 1);
}

/* The review workflow through HTTP: the editor's login is the acting
   editor, a role they do not hold is refused, an officer is kept out. */
static void
test_review_rows (void **state)
{
    (void) state;
    json_int_t report_id = s_case_of_new_report ("審核流程經網關", "編輯經由網關認領並決定。");
    json_t *object;

    /* An officer may not claim; the editor claims as themself. */
    assert_int_equal (s_review_post (bs_gateway.bearer_li, "/api/v1/review/claim",
                                     json_pack ("{s:I}", "report_id", report_id), &object),
                      403);
    json_decref (object);
    assert_int_equal (s_review_post (bs_gateway.bearer_editor, "/api/v1/review/claim",
                                     json_pack ("{s:I}", "report_id", report_id), &object),
                      200);
    assert_string_equal (bs_gateway_get (object, "state", NULL), "claimed");
    json_decref (object);
    /* Acting as a leader they are not, or as another editor: refused. */
    assert_int_equal (s_review_post (bs_gateway.bearer_editor, "/api/v1/review/revert",
                                     json_pack ("{s:I, s:s, s:s}", "report_id", report_id, "role",
                                                "leader", "reason", "試試"),
                                     &object),
                      403);
    assert_string_equal (bs_gateway_get (object, "error", "field"), "role");
    json_decref (object);
    assert_int_equal (
        s_review_post (bs_gateway.bearer_editor, "/api/v1/review/decide",
                       json_pack ("{s:I, s:s, s:s, s:s}", "report_id", report_id, "decision",
                                  "decline", "critique", "x", "editor", "someone-else"),
                       &object),
        403);
    json_decref (object);
    /* The decision, with a critique in Chinese. */
    assert_int_equal (s_review_post (bs_gateway.bearer_editor, "/api/v1/review/decide",
                                     json_pack ("{s:I, s:s, s:s, s:s}", "report_id", report_id,
                                                "decision", "adopt", "periodical", "組工信息",
                                                "critique", "情況清楚，時效性強。"),
                                     &object),
                      200);
    assert_string_equal (bs_gateway_get (object, "state", NULL), "adopted");
    assert_string_equal (bs_gateway_get (object, "critique", NULL), "情況清楚，時效性強。");
    json_decref (object);
    /* The audit trail names the editor's login for both steps. */
    s_assert_claimed_then (report_id, "adopted");
}

/* A decision with "claim": the editor claims and decides a case nobody
   holds in one request; the trail has both steps by them. */
static void
test_decide_with_its_claim (void **state)
{
    (void) state;
    json_int_t report_id = s_case_of_new_report ("一次決定經網關", "編輯經由網關一次認領並決定。");
    json_t *object;
    assert_int_equal (
        s_review_post (bs_gateway.bearer_editor, "/api/v1/review/decide",
                       json_pack ("{s:I, s:s, s:s, s:b}", "report_id", report_id, "decision",
                                  "decline", "critique", "與本刊方向不符。", "claim", 1),
                       &object),
        200);
    assert_string_equal (bs_gateway_get (object, "state", NULL), "declined");
    json_decref (object);
    s_assert_claimed_then (report_id, "declined");
}

/* POST /api/v1/review/decide_many: the results one per decision, in
   order, a refusal inside its result; who may, as for decide; more than
   200 decisions refused whole (400, field decisions). */
static void
test_decide_many (void **state)
{
    (void) state;
    json_int_t first = s_case_of_new_report ("批量審核經網關一", "編輯經由網關批量審核。");
    json_int_t second = s_case_of_new_report ("批量審核經網關二", "編輯經由網關批量審核。");
    json_t *object;
    json_t *decisions = json_pack (
        "[{s:I, s:s, s:s, s:s, s:b}, {s:I, s:s, s:s, s:b}, {s:I, s:s, s:s, s:b}]", "report_id",
        first, "decision", "adopt", "periodical", "組工信息", "critique", "批量採用。", "claim", 1,
        "report_id", first, "decision", "decline", "critique", "第二次。", "claim", 1, "report_id",
        second, "decision", "decline", "critique", "批量不採用。", "claim", 1);
    /* An officer may not; nor may the editor act as another. */
    assert_int_equal (s_review_post (bs_gateway.bearer_li, "/api/v1/review/decide_many",
                                     json_pack ("{s:O}", "decisions", decisions), &object),
                      403);
    json_decref (object);
    assert_int_equal (
        s_review_post (bs_gateway.bearer_editor, "/api/v1/review/decide_many",
                       json_pack ("{s:O, s:s}", "decisions", decisions, "editor", "someone-else"),
                       &object),
        403);
    json_decref (object);
    assert_int_equal (s_review_post (bs_gateway.bearer_editor, "/api/v1/review/decide_many",
                                     json_pack ("{s:o}", "decisions", decisions), &object),
                      200);
    json_t *results = json_object_get (object, "results");
    assert_int_equal (json_array_size (results), 3);
    json_t *result = json_array_get (results, 0);
    assert_int_equal (json_integer_value (json_object_get (result, "report_id")), first);
    assert_string_equal (bs_gateway_get (result, "state", NULL), "adopted");
    json_t *code = json_object_get (result, "code");
    assert_true (!code || json_is_null (code));
    result = json_array_get (results, 1); /* the same case again: refused as decided */
    assert_int_equal (json_integer_value (json_object_get (result, "report_id")), first);
    assert_string_equal (bs_gateway_get (result, "state", NULL), "adopted");
    assert_string_equal (bs_gateway_get (result, "code", NULL), "conflict");
    assert_string_equal (bs_gateway_get (result, "field", NULL), "report_id");
    assert_string_equal (bs_gateway_get (result, "reason", NULL), "closed");
    assert_true (strlen (bs_gateway_get (result, "message", NULL)) > 10);
    result = json_array_get (results, 2);
    assert_int_equal (json_integer_value (json_object_get (result, "report_id")), second);
    assert_string_equal (bs_gateway_get (result, "state", NULL), "declined");
    json_decref (object);
    s_assert_claimed_then (first, "adopted");
    s_assert_claimed_then (second, "declined");

    /* 201 decisions: refused whole, naming decisions. */
    json_t *many = json_array ();
    for (int i = 0; i < 201; i++)
        json_array_append_new (many,
                               json_pack ("{s:I, s:s, s:s, s:b}", "report_id", second, "decision",
                                          "decline", "critique", "多。", "claim", 1));
    assert_int_equal (s_review_post (bs_gateway.bearer_editor, "/api/v1/review/decide_many",
                                     json_pack ("{s:o}", "decisions", many), &object),
                      400);
    assert_string_equal (bs_gateway_get (object, "error", "code"), "invalid");
    assert_string_equal (bs_gateway_get (object, "error", "field"), "decisions");
    json_decref (object);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_table_rows),
        cmocka_unit_test (test_review_rows),
        cmocka_unit_test (test_decide_with_its_claim),
        cmocka_unit_test (test_decide_many),
        cmocka_unit_test (bs_gateway_no_secret_logged),
    };
    return cmocka_run_group_tests (tests, bs_gateway_setup, bs_gateway_teardown);
}
