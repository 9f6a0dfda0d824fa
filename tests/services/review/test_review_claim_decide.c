/*  test_review_claim_decide: review.decide with claim, the decision an
    editor takes on a case they have read in one command, driven in-process
    (review_desk.h).

    What editors rely on: a case nobody holds is claimed and decided in the
    same write, and the audit trail has both steps by that editor, in order;
    the case leaves the queue and holds no lease; one review.decided goes
    out. A case another editor holds is refused as review.claim refuses it
    (conflict, reason claimed), a decided one as a decision is (closed), a
    decision the service refuses for its input (an unknown periodical)
    claims nothing: the case, its trail and the log unchanged. A case the
    editor holds already is decided on that claim, adding no claim entry;
    one whose lease ended (the sweep not yet run) is claimed again. Without
    claim, a queued case is refused as before (not_claimed).
*/
#include "review_desk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decide report_id with claim set, adopting into 組工信息 (or declining)
   as editor at now; its code, the reply in reply when not NULL. */
static int
s_decide_claiming (desk_t *desk, uint64_t report_id, const char *decision, const char *periodical,
                   const char *editor, uint64_t now, bs_review_case_t *reply, char *field)
{
    bs_decide_t decide = {.report_id = report_id,
                          .decision = (char *) decision,
                          .periodical = (char *) periodical,
                          .critique = "材料翔實，一次決定。",
                          .editor = (char *) editor,
                          .role = "editor",
                          .claim = true};
    return desk_command (desk, review_decide, &bs_decide_schema, &decide, now, reply, field);
}

/* Whether index ("queue", "leases") has an entry of report_id (its id in
   the key's last 8 bytes). */
static bool
s_indexed (desk_t *desk, const char *index, uint64_t report_id)
{
    MDB_txn *txn;
    MDB_cursor *cursor;
    MDB_val key, value;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    assert_int_equal (mdb_cursor_open (txn, bs_service_dbi (desk->service, index), &cursor), 0);
    bool found = false;
    for (int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST); rc == 0 && !found;
         rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT))
        found = bs_store_key_value ((unsigned char *) key.mv_data + key.mv_size - 8) == report_id;
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    return found;
}

static void
test_a_free_case_is_claimed_and_decided_at_once (void **state)
{
    desk_t *desk = *state;
    uint64_t id = desk_receive (desk, false);
    assert_true (s_indexed (desk, "queue", id));
    size_t entries = desk_audit_count (desk, id, NULL);
    uint64_t events = desk_events (desk);
    bs_review_case_t reply;
    char field[BS_ERROR_FIELD_MAX];
    assert_int_equal (
        s_decide_claiming (desk, id, "adopt", "組工信息", "甲", T0 + MINUTE, &reply, field), BS_OK);
    assert_string_equal (reply.state, "adopted");
    assert_string_equal (reply.editor, "甲");
    assert_null (reply.holder);
    assert_int_equal (reply.lease_until, 0);
    assert_int_equal (reply.decided_at, T0 + MINUTE);
    bs_codec_record_free (&bs_review_case_schema, &reply);

    bs_review_case_t stored;
    desk_case (desk, id, &stored);
    assert_string_equal (stored.state, "adopted");
    assert_string_equal (stored.periodical, "組工信息");
    assert_null (stored.holder);
    bs_codec_record_free (&bs_review_case_schema, &stored);
    assert_false (s_indexed (desk, "queue", id));
    assert_false (s_indexed (desk, "leases", id));
    assert_int_equal (desk_events (desk), events + 1);

    /* The trail: the claim, then the decision, each by 甲 at that time. */
    assert_int_equal (desk_audit_count (desk, id, NULL), entries + 2);
    bs_audit_page_t page = desk_audit (desk, id);
    const bs_audit_entry_t *trail = page.entries.items;
    const bs_audit_entry_t *claim = &trail[entries], *adopt = &trail[entries + 1];
    assert_string_equal (claim->action, "claim");
    assert_string_equal (claim->from_state, "queued");
    assert_string_equal (claim->to_state, "claimed");
    assert_string_equal (adopt->action, "adopt");
    assert_string_equal (adopt->from_state, "claimed");
    assert_string_equal (adopt->to_state, "adopted");
    for (const bs_audit_entry_t *entry = claim; entry <= adopt; entry++) {
        assert_string_equal (entry->actor, "甲");
        assert_string_equal (entry->role, "editor");
        assert_int_equal (entry->at, T0 + MINUTE);
    }
    bs_codec_record_free (&bs_audit_page_schema, &page);

    /* Once decided, a second such decision is refused as decided. */
    assert_int_equal (
        s_decide_claiming (desk, id, "decline", NULL, "甲", T0 + 2 * MINUTE, NULL, field),
        BS_E_CONFLICT);
    assert_string_equal (field, "report_id");
    assert_string_equal (desk->reason, "closed");
    assert_int_equal (desk_events (desk), events + 1);
}

/* A refusal changes nothing: the case's bytes, its trail, the log. */
static void
s_assert_refused_unchanged (desk_t *desk, uint64_t id, const char *decision, const char *periodical,
                            int code, const char *field_wanted, const char *reason)
{
    size_t before_size, after_size, entries = desk_audit_count (desk, id, NULL);
    char *before = desk_case_bytes (desk, id, &before_size);
    uint64_t events = desk_events (desk);
    char field[BS_ERROR_FIELD_MAX];
    assert_int_equal (
        s_decide_claiming (desk, id, decision, periodical, "甲", T0 + MINUTE, NULL, field), code);
    assert_string_equal (field, field_wanted);
    assert_string_equal (desk->reason, reason);
    char *after = desk_case_bytes (desk, id, &after_size);
    assert_true (after_size == before_size && !memcmp (after, before, after_size));
    free (after);
    free (before);
    assert_int_equal (desk_audit_count (desk, id, NULL), entries);
    assert_int_equal (desk_events (desk), events);
}

static void
test_a_case_another_holds_is_refused (void **state)
{
    desk_t *desk = *state;
    uint64_t id = desk_receive (desk, false);
    assert_int_equal (desk_claim (desk, id, "乙", T0), BS_OK);
    s_assert_refused_unchanged (desk, id, "adopt", "組工信息", BS_E_CONFLICT, "report_id",
                                "claimed");
    char *state_now = desk_state (desk, id);
    assert_string_equal (state_now, "claimed");
    free (state_now);
    /* its holder still decides it */
    char field[BS_ERROR_FIELD_MAX];
    assert_int_equal (desk_decide (desk, id, "decline", "乙", field), BS_OK);
}

static void
test_bad_input_claims_nothing (void **state)
{
    desk_t *desk = *state;
    uint64_t id = desk_receive (desk, false);
    /* refused before the case is looked at */
    s_assert_refused_unchanged (desk, id, "adopt", "不存在的刊物", BS_E_INVALID, "periodical", "");
    s_assert_refused_unchanged (desk, id, "approve", NULL, BS_E_INVALID, "decision", "");
    /* states no claim leads from */
    uint64_t synthesized = desk_case_in (desk, "synthesized");
    s_assert_refused_unchanged (desk, synthesized, "decline", NULL, BS_E_CONFLICT, "report_id",
                                "closed");
    uint64_t returned = desk_case_in (desk, "returned");
    s_assert_refused_unchanged (desk, returned, "decline", NULL, BS_E_CONFLICT, "report_id",
                                "closed");
    char *state_now = desk_state (desk, id);
    assert_string_equal (state_now, "queued");
    free (state_now);
    assert_true (s_indexed (desk, "queue", id));
    /* without claim, a queued case is refused as ever */
    char field[BS_ERROR_FIELD_MAX];
    assert_int_equal (desk_decide (desk, id, "adopt", "甲", field), BS_E_CONFLICT);
    assert_string_equal (desk->reason, "not_claimed");
}

static void
test_the_editors_own_claim (void **state)
{
    desk_t *desk = *state;
    char field[BS_ERROR_FIELD_MAX];
    /* a live claim: decided on it, no second claim entry */
    uint64_t held = desk_receive (desk, false);
    assert_int_equal (desk_claim (desk, held, "甲", T0), BS_OK);
    assert_int_equal (
        s_decide_claiming (desk, held, "decline", NULL, "甲", T0 + MINUTE, NULL, field), BS_OK);
    assert_int_equal (desk_audit_count (desk, held, "claim"), 1);
    assert_int_equal (desk_audit_count (desk, held, "decline"), 1);
    /* a claim whose lease ended before the sweep ran: claimed again
       (claimed to claimed), then decided; without claim, refused */
    uint64_t lapsed = desk_receive (desk, false);
    uint64_t after_lease = T0 + 31 * MINUTE; /* review.lease_minutes: 30 */
    assert_int_equal (desk_claim (desk, lapsed, "甲", T0), BS_OK);
    bs_decide_t plain = {.report_id = lapsed,
                         .decision = "decline",
                         .critique = "過期。",
                         .editor = "甲",
                         .role = "editor"};
    assert_int_equal (
        desk_command (desk, review_decide, &bs_decide_schema, &plain, after_lease, NULL, field),
        BS_E_CONFLICT);
    assert_string_equal (desk->reason, "lease_ended");
    bs_review_case_t reply;
    assert_int_equal (
        s_decide_claiming (desk, lapsed, "decline", NULL, "甲", after_lease, &reply, field), BS_OK);
    assert_string_equal (reply.state, "declined");
    bs_codec_record_free (&bs_review_case_schema, &reply);
    assert_int_equal (desk_audit_count (desk, lapsed, "claim"), 2);
    bs_audit_page_t page = desk_audit (desk, lapsed);
    const bs_audit_entry_t *trail = page.entries.items;
    const bs_audit_entry_t *renewal = &trail[page.entries.count - 2];
    assert_string_equal (renewal->action, "claim");
    assert_string_equal (renewal->from_state, "claimed");
    assert_string_equal (renewal->to_state, "claimed");
    assert_int_equal (renewal->at, after_lease);
    bs_codec_record_free (&bs_audit_page_schema, &page);
    assert_false (s_indexed (desk, "leases", lapsed));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_a_free_case_is_claimed_and_decided_at_once,
                                         desk_setup, desk_teardown),
        cmocka_unit_test_setup_teardown (test_a_case_another_holds_is_refused, desk_setup,
                                         desk_teardown),
        cmocka_unit_test_setup_teardown (test_bad_input_claims_nothing, desk_setup, desk_teardown),
        cmocka_unit_test_setup_teardown (test_the_editors_own_claim, desk_setup, desk_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
