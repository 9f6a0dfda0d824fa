/*  test_review_state: review's state machine, driven in-process: the
    service's handlers, consumers and timers are called inside write
    transactions of a real store, exactly as the service loop calls them,
    with the time chosen by the test.

    What users rely on: every transition of the machine works and every
    other one is refused with a conflict that leaves the case unchanged,
    across the whole table (every reachable state times every action); a
    lease ends on the clock and the case is queued again; an urgent case
    escalates exactly once; bad input (deciding an unclaimed or someone
    else's case, twice, a revert without a reason or by an editor, an
    unknown topic or periodical, scores out of range, a topic's name
    another has) is refused naming the field (and the reason where one is
    documented), the case unchanged; every action is in the audit trail
    (kept beside its case: test_review_trail.c). Review is driven as
    review_desk.h says.
*/
#include "review_desk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The machine as the issue describes it, written out independently of
   review_state.c: the state after each action, "-" where it is refused. */
static const char *const s_states[] = {"queued",   "claimed",   "adopted",    "returned",
                                       "declined", "forwarded", "synthesized"};
static const char *const s_actions[] = {"claim",    "release",    "expire",  "adopt",
                                        "return",   "decline",    "forward", "revert",
                                        "resubmit", "synthesize", "edit"};
#define S_STATES 7
#define S_ACTIONS 11
static const char *const s_table[S_STATES][S_ACTIONS] = {
    /* queued */
    {"claimed", "-", "-", "-", "-", "-", "-", "-", "-", "synthesized", "-"},
    /* claimed */
    {"-", "queued", "queued", "adopted", "returned", "declined", "forwarded", "-", "-",
     "synthesized", "claimed"},
    /* adopted */
    {"-", "-", "-", "-", "-", "-", "-", "queued", "-", "-", "-"},
    /* returned */
    {"-", "-", "-", "-", "-", "-", "-", "queued", "queued", "-", "-"},
    /* declined */
    {"-", "-", "-", "-", "-", "-", "-", "queued", "-", "-", "-"},
    /* forwarded */
    {"-", "-", "-", "-", "-", "-", "-", "queued", "-", "-", "-"},
    /* synthesized */
    {"-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"},
};

static void
test_machine_is_the_table (void **state)
{
    (void) state;
    for (size_t s = 0; s < S_STATES; s++)
        for (size_t a = 0; a < S_ACTIONS; a++) {
            const char *next = review_state_next (s_states[s], s_actions[a]);
            const char *want = s_table[s][a];
            if (strcmp (want, "-") == 0 ? next != NULL : !next || strcmp (next, want) != 0)
                fail_msg ("%s in %s: machine says %s, table %s", s_actions[a], s_states[s],
                          next ? next : "refused", want);
        }
    /* received only ever becomes queued; unknown words are refused. */
    for (size_t a = 0; review_actions[a]; a++) {
        const char *next = review_state_next ("received", review_actions[a]);
        assert_true (strcmp (review_actions[a], "receive") == 0 ? next && !strcmp (next, "queued")
                                                                : next == NULL);
    }
    assert_null (review_state_next ("queued", "approve"));
    assert_null (review_state_next ("limbo", "claim"));
    assert_null (review_state_next (NULL, "claim"));
}

/* Try one action on a case; its code. */
static int
s_try (desk_t *desk, uint64_t id, const char *action, char *field)
{
    if (strcmp (action, "claim") == 0) /* someone other than the holder */
        return desk_claim_field (desk, id, "乙", T0 + MINUTE, field);
    if (strcmp (action, "release") == 0) {
        bs_release_t release = {.report_id = id, .editor = "甲", .role = "editor"};
        return desk_command (desk, review_release, &bs_release_schema, &release, T0 + MINUTE, NULL,
                             field);
    }
    if (strcmp (action, "revert") == 0)
        return desk_revert (desk, id, "leader", "誤判，重新審核。", field);
    if (strcmp (action, "edit") == 0) {
        bs_edit_t edit = {.report_id = id, .editor = "甲", .role = "editor", .title = "新標題"};
        return desk_command (desk, review_edit, &bs_edit_schema, &edit, T0 + MINUTE, NULL, field);
    }
    if (strcmp (action, "synthesize") == 0) {
        uint64_t ids[] = {id, desk_receive (desk, false)};
        bs_synthesize_t synthesize = {.editor = "甲",
                                      .role = "editor",
                                      .title = "綜合稿",
                                      .body = "綜合。",
                                      .report_ids = {2, ids}};
        return desk_command (desk, review_synthesize, &bs_synthesize_schema, &synthesize,
                             T0 + MINUTE, NULL, field);
    }
    return desk_decide (desk, id, action, "甲", field);
}

static void
test_every_command_in_every_state (void **state)
{
    desk_t *desk = *state;
    for (size_t s = 0; s < S_STATES; s++)
        for (size_t a = 0; a < S_ACTIONS; a++) {
            const char *action = s_actions[a], *want = s_table[s][a];
            if (strcmp (action, "expire") == 0 || strcmp (action, "resubmit") == 0)
                continue; /* not commands: see the tests below */
            uint64_t id = desk_case_in (desk, s_states[s]);
            size_t before_size, audit_before = desk_audit_count (desk, id, NULL);
            char *before = desk_case_bytes (desk, id, &before_size);
            uint64_t events_before = desk_events (desk);
            char field[BS_ERROR_FIELD_MAX];
            int rc = s_try (desk, id, action, field);
            char *now = desk_state (desk, id);
            if (strcmp (want, "-") == 0) {
                if (rc != BS_E_CONFLICT)
                    fail_msg ("%s in %s: want a conflict, got %s", action, s_states[s],
                              bs_error_name (rc));
                assert_string_equal (field, strcmp (action, "synthesize") == 0 ? "report_ids"
                                                                               : "report_id");
                if (strcmp (action, "synthesize") == 0) /* a source decided or combined */
                    assert_string_equal (desk->reason, "closed");
                size_t after_size;
                char *after = desk_case_bytes (desk, id, &after_size);
                assert_true (after_size == before_size && !memcmp (after, before, after_size));
                assert_int_equal (desk_audit_count (desk, id, NULL), audit_before);
                assert_int_equal (desk_events (desk), events_before);
                free (after);
            } else {
                if (rc != BS_OK)
                    fail_msg ("%s in %s refused: %s", action, s_states[s], bs_error_name (rc));
                if (strcmp (now, want) != 0)
                    fail_msg ("%s in %s: now %s, want %s", action, s_states[s], now, want);
                assert_int_equal (desk_audit_count (desk, id, action), 1);
                /* decisions and reverts are events; nothing else is */
                bool evented = review_state_decided (want) || strcmp (action, "revert") == 0;
                assert_int_equal (desk_events (desk), events_before + evented);
            }
            free (now);
            free (before);
        }
}

static void
test_new_version_requeues_only_a_returned_case (void **state)
{
    desk_t *desk = *state;
    for (size_t s = 0; s < S_STATES; s++) {
        uint64_t id = desk_case_in (desk, s_states[s]);
        desk_receive_version (desk, id, false, 2, "修改後的標題");
        bs_review_case_t review_case;
        desk_case (desk, id, &review_case);
        const char *want = strcmp (s_table[s][8], "-") == 0 ? s_states[s] : s_table[s][8];
        assert_string_equal (review_case.state, want);
        assert_string_equal (review_case.title, "修改後的標題"); /* never lost */
        assert_int_equal (review_case.version, 2);
        if (strcmp (s_states[s], "returned") == 0) {
            assert_string_equal (review_case.earlier_critique, "事實清楚。");
            assert_int_equal (desk_audit_count (desk, id, "resubmit"), 1);
        } else
            assert_int_equal (desk_audit_count (desk, id, "revise"), 1);
        bs_codec_record_free (&bs_review_case_schema, &review_case);
        /* the same version again changes nothing */
        size_t before_size, after_size;
        char *before = desk_case_bytes (desk, id, &before_size);
        desk_receive_version (desk, id, false, 2, "修改後的標題");
        char *after = desk_case_bytes (desk, id, &after_size);
        assert_true (after_size == before_size && !memcmp (after, before, after_size));
        free (before);
        free (after);
    }
}

static void
test_lease_ends_on_the_clock (void **state)
{
    desk_t *desk = *state;
    uint64_t id = desk_receive (desk, false);
    assert_int_equal (desk_claim (desk, id, "甲", T0), BS_OK);
    uint64_t lease = 30 * MINUTE; /* review.lease_minutes default */
    /* the audit says until when, to the minute, as the CLI writes times */
    time_t until_seconds = (time_t) ((T0 + lease) / 1000);
    struct tm until_local;
    localtime_r (&until_seconds, &until_local);
    char expected[64], note[BS_TEXT_MAX + 1];
    strftime (expected, sizeof expected, "lease until %Y-%m-%d %H:%M", &until_local);
    desk_audit_note (desk, id, "claim", note, sizeof note);
    assert_string_equal (note, expected);
    desk_sweep (desk, review_leases_sweep, T0 + lease - 1);
    char *state_now = desk_state (desk, id);
    assert_string_equal (state_now, "claimed");
    free (state_now);
    /* another editor cannot take it while the lease runs */
    assert_int_equal (desk_claim (desk, id, "乙", T0 + lease - 1), BS_E_CONFLICT);
    desk_sweep (desk, review_leases_sweep, T0 + lease);
    bs_review_case_t review_case;
    desk_case (desk, id, &review_case);
    assert_string_equal (review_case.state, "queued");
    assert_null (review_case.holder);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    assert_int_equal (desk_audit_count (desk, id, "expire"), 1);
    /* the first holder's decision is now refused; the next claim works */
    char field[BS_ERROR_FIELD_MAX];
    assert_int_equal (desk_decide (desk, id, "adopt", "甲", field), BS_E_CONFLICT);
    assert_int_equal (desk_claim (desk, id, "乙", T0 + lease + 1), BS_OK);
    assert_int_equal (desk_decide (desk, id, "adopt", "甲", field), BS_E_CONFLICT);
    assert_string_equal (field, "report_id");
}

/* An edit's history says what it changed: a form sends both fields, and
   only the one that differs from the text as it reads now is named; an
   edit that changes nothing adds no entry. */
static void
test_edit_names_what_changed (void **state)
{
    desk_t *desk = *state;
    uint64_t id = desk_receive (desk, false);
    assert_int_equal (desk_claim (desk, id, "甲", T0), BS_OK);
    const struct {
        const char *title, *body, *note; /* note NULL: no entry */
    } edits[] = {
        {"幹部監督工作情況", "第一句。第二句改了。第三句。", "body"},
        {"幹部監督工作新情況", "第一句。第二句改了。第三句。", "title"},
        {"幹部監督工作情況", "第一句。", "title and body"},
        {"幹部監督工作情況", "第一句。", NULL},
        {NULL, "第一句。第二句。", "body"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        size_t before = desk_audit_count (desk, id, "edit");
        bs_edit_t edit = {.report_id = id,
                          .editor = "甲",
                          .role = "editor",
                          .title = (char *) edits[i].title,
                          .body = (char *) edits[i].body};
        assert_int_equal (desk_command (desk, review_edit, &bs_edit_schema, &edit,
                                        T0 + (i + 1) * MINUTE, NULL, NULL),
                          BS_OK);
        assert_int_equal (desk_audit_count (desk, id, "edit"), before + (edits[i].note != NULL));
        if (!edits[i].note)
            continue;
        char note[BS_TEXT_MAX + 1];
        desk_audit_note (desk, id, "edit", note, sizeof note);
        if (strcmp (note, edits[i].note) != 0)
            fail_msg ("edit %zu: the history says \"%s\", not \"%s\"", i, note, edits[i].note);
    }
    bs_review_case_t review_case;
    desk_case (desk, id, &review_case);
    assert_string_equal (review_case.edited_title, "幹部監督工作情況");
    assert_string_equal (review_case.edited_body, "第一句。第二句。");
    bs_codec_record_free (&bs_review_case_schema, &review_case);
}

static void
test_urgent_escalates_once (void **state)
{
    desk_t *desk = *state;
    uint64_t plain = desk_receive (desk, false), urgent = desk_receive (desk, true);
    uint64_t deadline = T0 + 2 * 60 * MINUTE; /* review.urgent_hours default */
    uint64_t events = desk_events (desk);
    desk_sweep (desk, review_deadlines_sweep, deadline - 1);
    assert_int_equal (desk_events (desk), events);
    desk_sweep (desk, review_deadlines_sweep, deadline);
    desk_sweep (desk, review_deadlines_sweep, deadline + 1);
    desk_sweep (desk, review_deadlines_sweep, deadline + 60 * MINUTE);
    assert_int_equal (desk_events (desk), events + 1);
    bs_review_case_t review_case;
    desk_case (desk, urgent, &review_case);
    assert_true (review_case.escalated);
    assert_int_equal (review_case.escalated_at, deadline);
    assert_string_equal (review_case.state, "queued");
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    assert_int_equal (desk_audit_count (desk, urgent, "escalate"), 1);
    assert_int_equal (desk_audit_count (desk, plain, "escalate"), 0);
    /* urgent first in the queue, though it came after */
    MDB_txn *txn;
    MDB_cursor *cursor;
    MDB_val key, value;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    assert_int_equal (mdb_cursor_open (txn, bs_service_dbi (desk->service, "queue"), &cursor), 0);
    assert_int_equal (mdb_cursor_get (cursor, &key, &value, MDB_FIRST), 0);
    assert_int_equal (bs_store_key_value ((unsigned char *) key.mv_data + 9), urgent);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
}

/* A periodical publication stored (its publication.periodical event) is
   one an editor may adopt into, without a restart; before the event it is
   refused, and the refusal names it among the known. */
static void
test_a_periodical_publication_stored_is_adoptable (void **state)
{
    desk_t *desk = *state;
    uint64_t id = desk_receive (desk, false);
    assert_int_equal (desk_claim (desk, id, "甲", T0), BS_OK);
    char field[BS_ERROR_FIELD_MAX];
    bs_decide_t decide = {.report_id = id,
                          .decision = "adopt",
                          .periodical = "三農信息",
                          .critique = "好。",
                          .editor = "甲",
                          .role = "editor"};
    assert_int_equal (
        desk_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
        BS_E_INVALID);
    assert_string_equal (field, "periodical");
    bs_periodical_t added = {.name = "三農信息", .code = "SNXX", .level = "county"};
    desk_event (desk, review_on_publication, &bs_periodical_schema, &added);
    bs_review_case_t decided;
    assert_int_equal (
        desk_command (desk, review_decide, &bs_decide_schema, &decide, T0, &decided, field), BS_OK);
    assert_string_equal (decided.state, "adopted");
    assert_string_equal (decided.periodical, "三農信息");
    bs_codec_record_free (&bs_review_case_schema, &decided);
}

static void
test_bad_input_leaves_the_case_unchanged (void **state)
{
    desk_t *desk = *state;
    uint64_t id = desk_receive (desk, false);
    char field[BS_ERROR_FIELD_MAX];
    size_t before_size, after_size;
    char *before = desk_case_bytes (desk, id, &before_size);
    /* unclaimed */
    assert_int_equal (desk_decide (desk, id, "adopt", "甲", field), BS_E_CONFLICT);
    assert_string_equal (field, "report_id");
    /* an officer cannot claim */
    bs_claim_t claim = {.report_id = id, .editor = "信息員", .role = "officer"};
    assert_int_equal (desk_command (desk, review_claim, &bs_claim_schema, &claim, T0, NULL, field),
                      BS_E_INVALID);
    assert_string_equal (field, "role");
    char *after = desk_case_bytes (desk, id, &after_size);
    assert_true (after_size == before_size && !memcmp (after, before, after_size));
    free (after);
    free (before);

    assert_int_equal (desk_claim (desk, id, "甲", T0), BS_OK);
    before = desk_case_bytes (desk, id, &before_size);
    /* someone else's */
    assert_int_equal (desk_decide (desk, id, "decline", "乙", field), BS_E_CONFLICT);
    /* unknown periodical */
    bs_decide_t decide = {.report_id = id,
                          .decision = "adopt",
                          .periodical = "不存在的刊物",
                          .critique = "好。",
                          .editor = "甲",
                          .role = "editor"};
    assert_int_equal (
        desk_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
        BS_E_INVALID);
    assert_string_equal (field, "periodical");
    /* scores out of range, unknown criterion, twice */
    bs_score_t scores[] = {{"timeliness", 11}, {"beauty", 5}, {"depth", 3}, {"depth", 4}};
    decide.periodical = "組工信息";
    decide.scores = (bs_list_t){1, &scores[0]};
    assert_int_equal (
        desk_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
        BS_E_INVALID);
    assert_string_equal (field, "scores");
    decide.scores = (bs_list_t){1, &scores[1]};
    assert_int_equal (
        desk_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
        BS_E_INVALID);
    decide.scores = (bs_list_t){2, &scores[2]};
    assert_int_equal (
        desk_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
        BS_E_INVALID);
    /* an unknown decision */
    decide.decision = "approve";
    decide.scores = (bs_list_t){0, NULL};
    assert_int_equal (
        desk_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
        BS_E_INVALID);
    assert_string_equal (field, "decision");
    /* an unknown topic */
    bs_topic_assign_t assign = {.report_id = id, .topic_id = 77, .editor = "甲", .role = "editor"};
    assert_int_equal (
        desk_command (desk, review_topic_assign, &bs_topic_assign_schema, &assign, T0, NULL, field),
        BS_E_NOT_FOUND);
    assert_string_equal (field, "topic_id");
    /* a topic's name another topic has, said for what it is */
    bs_topic_create_t topic = {.name = "鄉村振興", .editor = "甲", .role = "editor"};
    assert_int_equal (
        desk_command (desk, review_topic_create, &bs_topic_create_schema, &topic, T0, NULL, field),
        BS_OK);
    assert_int_equal (
        desk_command (desk, review_topic_create, &bs_topic_create_schema, &topic, T0, NULL, field),
        BS_E_CONFLICT);
    assert_string_equal (field, "name");
    assert_string_equal (desk->reason, "taken");
    /* a closed topic (the first: 1) closed again or given a case, said
       for what it is */
    bs_topic_close_t closing = {.topic_id = 1, .editor = "甲", .role = "editor"};
    assert_int_equal (
        desk_command (desk, review_topic_close, &bs_topic_close_schema, &closing, T0, NULL, field),
        BS_OK);
    assert_int_equal (
        desk_command (desk, review_topic_close, &bs_topic_close_schema, &closing, T0, NULL, field),
        BS_E_CONFLICT);
    assert_string_equal (field, "topic_id");
    assert_string_equal (desk->reason, "closed");
    assign.topic_id = 1;
    assert_int_equal (
        desk_command (desk, review_topic_assign, &bs_topic_assign_schema, &assign, T0, NULL, field),
        BS_E_CONFLICT);
    assert_string_equal (field, "topic_id");
    assert_string_equal (desk->reason, "closed");
    /* a synthesis of a report another editor holds */
    uint64_t held = desk_receive (desk, false);
    assert_int_equal (desk_claim (desk, held, "乙", T0), BS_OK);
    uint64_t sources[] = {id, held};
    bs_synthesize_t synthesize = {.editor = "甲",
                                  .role = "editor",
                                  .title = "綜合",
                                  .body = "綜合稿。",
                                  .report_ids = {2, sources}};
    assert_int_equal (
        desk_command (desk, review_synthesize, &bs_synthesize_schema, &synthesize, T0, NULL, field),
        BS_E_CONFLICT);
    assert_string_equal (field, "report_ids");
    assert_string_equal (desk->reason, "claimed");
    after = desk_case_bytes (desk, id, &after_size);
    assert_true (after_size == before_size && !memcmp (after, before, after_size));
    free (after);
    free (before);

    /* scores in range are kept */
    decide.decision = "adopt";
    decide.scores = (bs_list_t){1, &scores[2]};
    bs_review_case_t decided;
    assert_int_equal (
        desk_command (desk, review_decide, &bs_decide_schema, &decide, T0, &decided, field), BS_OK);
    assert_int_equal (decided.scores.count, 1);
    assert_string_equal (((bs_score_t *) decided.scores.items)[0].criterion, "depth");
    bs_codec_record_free (&bs_review_case_schema, &decided);
    /* twice */
    decide.scores = (bs_list_t){0, NULL};
    assert_int_equal (
        desk_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
        BS_E_CONFLICT);

    before = desk_case_bytes (desk, id, &before_size);
    /* a revert needs a reason, and a leader or admin */
    assert_int_equal (desk_revert (desk, id, "leader", "   ", field), BS_E_INVALID);
    assert_string_equal (field, "reason");
    assert_int_equal (desk_revert (desk, id, "editor", "錯了", field), BS_E_INVALID);
    assert_string_equal (field, "role");
    after = desk_case_bytes (desk, id, &after_size);
    assert_true (after_size == before_size && !memcmp (after, before, after_size));
    free (after);
    free (before);
    /* once published it cannot be reverted */
    bs_issue_item_t item = {.report_id = id, .reg_no = "x", .unit = "u", .title = "t"};
    bs_issue_published_t published = {.issue_id = 1,
                                      .periodical = "組工信息",
                                      .year = 2026,
                                      .number = 1,
                                      .total = 1,
                                      .published_at = T0,
                                      .items = {1, &item}};
    desk_event (desk, review_on_publication, &bs_issue_published_schema, &published);
    assert_int_equal (desk_revert (desk, id, "admin", "錯了", field), BS_E_CONFLICT);
    assert_string_equal (field, "report_id");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_machine_is_the_table),
        cmocka_unit_test_setup_teardown (test_every_command_in_every_state, desk_setup,
                                         desk_teardown),
        cmocka_unit_test_setup_teardown (test_new_version_requeues_only_a_returned_case, desk_setup,
                                         desk_teardown),
        cmocka_unit_test_setup_teardown (test_lease_ends_on_the_clock, desk_setup, desk_teardown),
        cmocka_unit_test_setup_teardown (test_urgent_escalates_once, desk_setup, desk_teardown),
        cmocka_unit_test_setup_teardown (test_edit_names_what_changed, desk_setup, desk_teardown),
        cmocka_unit_test_setup_teardown (test_a_periodical_publication_stored_is_adoptable,
                                         desk_setup, desk_teardown),
        cmocka_unit_test_setup_teardown (test_bad_input_leaves_the_case_unchanged, desk_setup,
                                         desk_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
