/*  test_review_decide_many: review.decide_many, the cases an editor
    selected in the queue decided in one command (批量審核), driven
    in-process (review_desk.h).

    What editors rely on: each item is decided exactly as review.decide
    would decide it alone (its claim taken when it says claim, the trail
    and one review.decided event each), and the results come one per
    item, in order, with the case's state after; a refused item (another
    editor's case, an unknown periodical, a case that does not exist, a
    queued case without claim) is refused as review.decide refuses it,
    with its code, field, message and reason, leaves its case, its trail
    and the log as they were, and does not stop the items after it. A
    case named twice is decided once: the second is refused as decided.
    Who acts is checked once for the command: a role that may not decide
    refuses it whole, deciding nothing.
*/
#include "review_desk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_test_service.h"

/* Run review.decide_many of items (count of them) as editor in role at
   now; its code, the results into page when ok (free with
   bs_codec_record_free), the field at fault into field. */
static int
s_decide_many (desk_t *desk, const bs_decide_item_t *items, size_t count, const char *editor,
               const char *role, uint64_t now, bs_decide_results_t *page, char *field)
{
    bs_decide_many_t many = {
        .editor = (char *) editor, .role = (char *) role, .decisions = {count, (void *) items}};
    bs_message_t decoded;
    int rc = bs_test_service_command (desk->service, review_decide_many, NULL,
                                      &bs_decide_many_schema, &many, now, &decoded);
    field[0] = 0;
    if (decoded.schema == &bs_error_reply_schema) {
        const bs_error_reply_t *failure = decoded.data;
        snprintf (field, BS_ERROR_FIELD_MAX, "%s", failure->field ? failure->field : "");
    } else {
        assert_ptr_equal (decoded.schema, &bs_decide_results_schema);
        assert_int_equal (bs_codec_record_copy (&bs_decide_results_schema, decoded.data, page),
                          BS_OK);
        assert_int_equal (page->results.count, count); /* one result per item */
    }
    bs_message_clear (&decoded);
    return rc;
}

/* s_decide_many as 甲, an editor, a minute after T0, which must answer
   ok; the results. */
static const bs_decide_result_t *
s_decide_many_ok (desk_t *desk, const bs_decide_item_t *items, size_t count,
                  bs_decide_results_t *page)
{
    char field[BS_ERROR_FIELD_MAX];
    assert_int_equal (s_decide_many (desk, items, count, "甲", "editor", T0 + MINUTE, page, field),
                      BS_OK);
    return page->results.items;
}

static bs_decide_item_t
s_item (uint64_t report_id, const char *decision, const char *periodical, bool claim)
{
    return (bs_decide_item_t){.report_id = report_id,
                              .decision = (char *) decision,
                              .periodical = (char *) periodical,
                              .critique = "批量審核：材料翔實。",
                              .claim = claim};
}

/* A result that decided its case into state. */
static void
s_assert_decided (const bs_decide_result_t *result, uint64_t report_id, const char *state)
{
    assert_int_equal (result->report_id, report_id);
    assert_string_equal (result->state, state);
    assert_non_null (result->reg_no);
    assert_null (result->code);
    assert_null (result->field);
    assert_null (result->message);
}

/* A result refused with code, field and reason ("" none), its case left
   in state (NULL: no case). */
static void
s_assert_refused (const bs_decide_result_t *result, uint64_t report_id, const char *state, int code,
                  const char *field, const char *reason)
{
    assert_int_equal (result->report_id, report_id);
    if (state)
        assert_string_equal (result->state, state);
    else
        assert_null (result->state);
    assert_non_null (result->code);
    assert_string_equal (result->code, bs_error_name (code));
    assert_string_equal (result->field, field);
    assert_non_null (result->message);
    assert_true (strlen (result->message) > 10); /* a sentence, not a code */
    if (*reason)
        assert_string_equal (result->reason, reason);
    else
        assert_null (result->reason);
}

static void
test_mixed_items_each_as_decide_alone (void **state)
{
    desk_t *desk = *state;
    uint64_t free_case = desk_receive (desk, false);
    uint64_t others = desk_receive (desk, false);
    assert_int_equal (desk_claim (desk, others, "乙", T0), BS_OK);
    uint64_t unknown_periodical = desk_receive (desk, false);
    uint64_t mine = desk_receive (desk, false);
    assert_int_equal (desk_claim (desk, mine, "甲", T0), BS_OK);
    uint64_t unclaimed = desk_receive (desk, false);
    uint64_t missing = desk->next_id + 100;
    uint64_t last = desk_receive (desk, false);

    uint64_t refused_ids[] = {others, unknown_periodical, unclaimed};
    char *before[3];
    size_t before_size[3], entries[3];
    for (int i = 0; i < 3; i++) {
        before[i] = desk_case_bytes (desk, refused_ids[i], &before_size[i]);
        entries[i] = desk_audit_count (desk, refused_ids[i], NULL);
    }
    size_t free_entries = desk_audit_count (desk, free_case, NULL);
    size_t mine_entries = desk_audit_count (desk, mine, NULL);
    uint64_t events = desk_events (desk);

    bs_decide_item_t items[] = {
        s_item (free_case, "adopt", "組工信息", true),
        s_item (others, "decline", NULL, true),
        s_item (unknown_periodical, "adopt", "不存在的刊物", true),
        s_item (missing, "decline", NULL, true),
        s_item (mine, "forward", NULL, false),
        s_item (unclaimed, "return", NULL, false),
        s_item (last, "decline", NULL, true),
    };
    bs_decide_results_t page;
    const bs_decide_result_t *results = s_decide_many_ok (desk, items, 7, &page);
    s_assert_decided (&results[0], free_case, "adopted");
    s_assert_refused (&results[1], others, "claimed", BS_E_CONFLICT, "report_id", "claimed");
    s_assert_refused (&results[2], unknown_periodical, "queued", BS_E_INVALID, "periodical", "");
    s_assert_refused (&results[3], missing, NULL, BS_E_NOT_FOUND, "report_id", "");
    s_assert_decided (&results[4], mine, "forwarded");
    s_assert_refused (&results[5], unclaimed, "queued", BS_E_CONFLICT, "report_id", "not_claimed");
    s_assert_decided (&results[6], last, "declined"); /* after the refusals, decided */
    /* Each refusal's own sentence, as review.decide says it. */
    const char *unknown = "unknown periodical '不存在的刊物'; known: ";
    assert_memory_equal (results[2].message, unknown, strlen (unknown));
    char no_case[64];
    snprintf (no_case, sizeof no_case, "no case for report %llu", (unsigned long long) missing);
    assert_string_equal (results[3].message, no_case);
    bs_codec_record_free (&bs_decide_results_schema, &page);

    /* The refused cases, their trails and the log as they were. */
    for (int i = 0; i < 3; i++) {
        size_t size;
        char *after = desk_case_bytes (desk, refused_ids[i], &size);
        assert_true (size == before_size[i] && !memcmp (after, before[i], size));
        free (after);
        free (before[i]);
        assert_int_equal (desk_audit_count (desk, refused_ids[i], NULL), entries[i]);
    }
    /* The decided ones as review.decide decides them: a claim taken with
       the decision where it said claim, one event each. */
    assert_int_equal (desk_events (desk), events + 3);
    assert_int_equal (desk_audit_count (desk, free_case, NULL), free_entries + 2);
    assert_int_equal (desk_audit_count (desk, free_case, "claim"), 1);
    assert_int_equal (desk_audit_count (desk, free_case, "adopt"), 1);
    assert_int_equal (desk_audit_count (desk, mine, NULL), mine_entries + 1);
    assert_int_equal (desk_audit_count (desk, mine, "forward"), 1);
    bs_review_case_t stored;
    desk_case (desk, free_case, &stored);
    assert_string_equal (stored.state, "adopted");
    assert_string_equal (stored.periodical, "組工信息");
    assert_string_equal (stored.editor, "甲");
    assert_string_equal (stored.critique, "批量審核：材料翔實。");
    assert_null (stored.holder);
    assert_int_equal (stored.decided_at, T0 + MINUTE);
    bs_codec_record_free (&bs_review_case_schema, &stored);
}

static void
test_a_case_named_twice_is_decided_once (void **state)
{
    desk_t *desk = *state;
    uint64_t id = desk_receive (desk, false);
    uint64_t events = desk_events (desk);
    bs_decide_item_t items[] = {s_item (id, "adopt", "組工信息", true),
                                s_item (id, "decline", NULL, true)};
    bs_decide_results_t page;
    const bs_decide_result_t *results = s_decide_many_ok (desk, items, 2, &page);
    s_assert_decided (&results[0], id, "adopted");
    s_assert_refused (&results[1], id, "adopted", BS_E_CONFLICT, "report_id", "closed");
    bs_codec_record_free (&bs_decide_results_schema, &page);
    assert_int_equal (desk_events (desk), events + 1);
    assert_int_equal (desk_audit_count (desk, id, "adopt"), 1);
    assert_int_equal (desk_audit_count (desk, id, "decline"), 0);
    assert_int_equal (desk_audit_count (desk, id, "claim"), 1);
}

static void
test_roles_as_decide (void **state)
{
    desk_t *desk = *state;
    uint64_t id = desk_receive (desk, false);
    uint64_t events = desk_events (desk);
    size_t entries = desk_audit_count (desk, id, NULL);
    bs_decide_item_t items[] = {s_item (id, "decline", NULL, true)};
    bs_decide_results_t page;
    char field[BS_ERROR_FIELD_MAX];
    /* An officer or a publisher may not decide: the command is refused
       whole, as review.decide refuses them. */
    assert_int_equal (s_decide_many (desk, items, 1, "甲", "officer", T0, &page, field),
                      BS_E_INVALID);
    assert_string_equal (field, "role");
    assert_int_equal (s_decide_many (desk, items, 1, "甲", "publisher", T0, &page, field),
                      BS_E_INVALID);
    assert_string_equal (field, "role");
    assert_int_equal (s_decide_many (desk, items, 1, "甲", NULL, T0, &page, field), BS_E_INVALID);
    assert_string_equal (field, "role");
    assert_int_equal (s_decide_many (desk, items, 1, "", "editor", T0, &page, field), BS_E_INVALID);
    assert_string_equal (field, "editor");
    char *state_now = desk_state (desk, id);
    assert_string_equal (state_now, "queued");
    free (state_now);
    assert_int_equal (desk_events (desk), events);
    assert_int_equal (desk_audit_count (desk, id, NULL), entries);
    /* a leader and an admin may */
    assert_int_equal (s_decide_many (desk, items, 1, "丙", "leader", T0, &page, field), BS_OK);
    s_assert_decided (page.results.items, id, "declined");
    bs_codec_record_free (&bs_decide_results_schema, &page);
    uint64_t other = desk_receive (desk, false);
    items[0].report_id = other;
    assert_int_equal (s_decide_many (desk, items, 1, "丁", "admin", T0, &page, field), BS_OK);
    s_assert_decided (page.results.items, other, "declined");
    bs_codec_record_free (&bs_decide_results_schema, &page);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_mixed_items_each_as_decide_alone, desk_setup,
                                         desk_teardown),
        cmocka_unit_test_setup_teardown (test_a_case_named_twice_is_decided_once, desk_setup,
                                         desk_teardown),
        cmocka_unit_test_setup_teardown (test_roles_as_decide, desk_setup, desk_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
