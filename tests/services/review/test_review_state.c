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
    documented), the case unchanged; every action is in the audit trail, kept
    beside its case (a trail an older build kept apart still reads; a
    store that had none at start never looks for one; a case's first
    entry never overwrites one there before it).
*/
#include "bs_test.h"
#include "bs_test_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs_config.h"
#include "bs_schemas.h"
#include "bs_service.h"
#include "bs_store.h"
#include "review.h"

#define T0 1795000000000ULL /* a fixed "now", 2026-11 */
#define MINUTE 60000ULL

typedef struct {
    char *folder;
    bs_config_t *config;
    bs_service_t *service;
    uint64_t next_id;                 /* the next report id this test sends */
    char reason[BS_ERROR_REASON_MAX]; /* the last refusal's reason, "" if none */
} desk_t;

/* Calling the service                                                    */

/* Run a command handler at time now; its code. The reply case goes to
   reply (when not NULL and ok), the failing field to field, the
   refusal's reason to desk->reason. */
static int
s_command (desk_t *desk, bs_command_fn *fn, const bs_schema_t *schema, const void *record,
           uint64_t now, bs_review_case_t *reply, char field[BS_ERROR_FIELD_MAX])
{
    bs_message_t decoded;
    int rc = bs_test_service_command (desk->service, fn, NULL, schema, record, now, &decoded);
    if (field)
        field[0] = 0;
    desk->reason[0] = 0;
    if (decoded.schema == &bs_error_reply_schema) {
        const bs_error_reply_t *failure = decoded.data;
        if (field)
            snprintf (field, BS_ERROR_FIELD_MAX, "%s", failure->field ? failure->field : "");
        snprintf (desk->reason, sizeof desk->reason, "%s", failure->reason ? failure->reason : "");
    } else if (reply && decoded.schema == &bs_review_case_schema)
        assert_int_equal (bs_codec_record_copy (&bs_review_case_schema, decoded.data, reply),
                          BS_OK);
    bs_message_clear (&decoded);
    return rc;
}

typedef struct {
    desk_t *desk;
    const bs_message_t *event;
    bs_consume_fn *consume;
    bs_timer_fn *timer;
    uint64_t now;
} s_apply_t;

static int
s_apply_write (MDB_txn *txn, void *argument)
{
    s_apply_t *apply = argument;
    if (apply->consume)
        return apply->consume (apply->desk->service, txn, apply->event, NULL);
    return apply->timer (apply->desk->service, txn, apply->now, NULL);
}

static void
s_event (desk_t *desk, bs_consume_fn *consume, const bs_schema_t *schema, const void *record)
{
    bs_message_t event = {.schema = schema, .data = (void *) record};
    s_apply_t apply = {.desk = desk, .event = &event, .consume = consume};
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_apply_write, &apply),
                      BS_OK);
}

static void
s_sweep (desk_t *desk, bs_timer_fn *timer, uint64_t now)
{
    s_apply_t apply = {.desk = desk, .timer = timer, .now = now};
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_apply_write, &apply),
                      BS_OK);
}

/* A report.received from intake; its report id. */
static uint64_t
s_receive_version (desk_t *desk, uint64_t report_id, bool urgent, uint64_t version,
                   const char *title)
{
    char reg_no[32];
    snprintf (reg_no, sizeof reg_no, "2026-%06llu", (unsigned long long) report_id);
    bs_report_t report = {.report_id = report_id,
                          .reg_no = reg_no,
                          .unit = "林州市委組織部",
                          .title = (char *) title,
                          .body = "第一句。第二句。第三句。",
                          .kind = "situation",
                          .urgent = urgent,
                          .channel = "web",
                          .received_at = T0,
                          .version = version};
    s_event (desk, review_on_intake, &bs_report_schema, &report);
    return report_id;
}

static uint64_t
s_receive (desk_t *desk, bool urgent)
{
    return s_receive_version (desk, desk->next_id++, urgent, 1, "幹部監督工作情況");
}

/* Reading the store                                                      */

static void
s_case (desk_t *desk, uint64_t report_id, bs_review_case_t *review_case)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    assert_int_equal (bs_store_get_record (txn, bs_service_dbi (desk->service, "cases"), report_id,
                                           &bs_review_case_schema, review_case),
                      BS_OK);
    mdb_txn_abort (txn);
}

/* The stored bytes of a case, to tell "unchanged" exactly. */
static char *
s_case_bytes (desk_t *desk, uint64_t report_id, size_t *size)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    unsigned char key_bytes[8];
    bs_store_key (report_id, key_bytes);
    MDB_val key = {8, key_bytes}, value;
    assert_int_equal (mdb_get (txn, bs_service_dbi (desk->service, "cases"), &key, &value), 0);
    char *copy = malloc (value.mv_size);
    memcpy (copy, value.mv_data, value.mv_size);
    *size = value.mv_size;
    mdb_txn_abort (txn);
    return copy;
}

static char *
s_state (desk_t *desk, uint64_t report_id)
{
    bs_review_case_t review_case;
    s_case (desk, report_id, &review_case);
    char *state = strdup (review_case.state);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return state;
}

static uint64_t
s_events (desk_t *desk)
{
    MDB_txn *txn;
    uint64_t last;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    assert_int_equal (bs_eventlog_last (bs_service_store (desk->service), txn, &last), BS_OK);
    mdb_txn_abort (txn);
    return last;
}

/* The audit trail of report_id (free it with bs_codec_record_free). */
static bs_audit_page_t
s_audit (desk_t *desk, uint64_t report_id)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    bs_audit_page_t page;
    assert_int_equal (review_audit_read (desk->service, txn, report_id, &page), BS_OK);
    mdb_txn_abort (txn);
    return page;
}

static size_t
s_audit_count (desk_t *desk, uint64_t report_id, const char *action)
{
    bs_audit_page_t page = s_audit (desk, report_id);
    const bs_audit_entry_t *entries = page.entries.items;
    size_t count = 0;
    for (size_t i = 0; i < page.entries.count; i++) {
        assert_int_equal (entries[i].seq, i + 1);
        assert_true (*entries[i].actor && *entries[i].role && *entries[i].to_state);
        count += !action || strcmp (entries[i].action, action) == 0;
    }
    bs_codec_record_free (&bs_audit_page_schema, &page);
    return count;
}

/* The note of the last audit entry of action on report_id, into note. */
static void
s_audit_note (desk_t *desk, uint64_t report_id, const char *action, char *note, size_t size)
{
    bs_audit_page_t page = s_audit (desk, report_id);
    const bs_audit_entry_t *entries = page.entries.items;
    *note = 0;
    for (size_t i = 0; i < page.entries.count; i++)
        if (strcmp (entries[i].action, action) == 0)
            snprintf (note, size, "%s", entries[i].note ? entries[i].note : "");
    bs_codec_record_free (&bs_audit_page_schema, &page);
}

/* Commands, as an editor would send them                                 */

static int
s_claim_field (desk_t *desk, uint64_t report_id, const char *editor, uint64_t now, char *field)
{
    bs_claim_t claim = {.report_id = report_id, .editor = (char *) editor, .role = "editor"};
    return s_command (desk, review_claim, &bs_claim_schema, &claim, now, NULL, field);
}

static int
s_claim (desk_t *desk, uint64_t report_id, const char *editor, uint64_t now)
{
    return s_claim_field (desk, report_id, editor, now, NULL);
}

static int
s_decide (desk_t *desk, uint64_t report_id, const char *decision, const char *editor, char *field)
{
    bs_decide_t decide = {.report_id = report_id,
                          .decision = (char *) decision,
                          .periodical = strcmp (decision, "adopt") == 0 ? "組工信息" : NULL,
                          .critique = "事實清楚。",
                          .editor = (char *) editor,
                          .role = "editor"};
    return s_command (desk, review_decide, &bs_decide_schema, &decide, T0 + MINUTE, NULL, field);
}

static int
s_revert (desk_t *desk, uint64_t report_id, const char *role, const char *reason, char *field)
{
    bs_revert_t revert = {
        .report_id = report_id, .editor = "部長", .role = (char *) role, .reason = (char *) reason};
    return s_command (desk, review_revert, &bs_revert_schema, &revert, T0 + 2 * MINUTE, NULL,
                      field);
}

/* A case in the given state, made the way editors make it. */
static uint64_t
s_case_in (desk_t *desk, const char *state)
{
    uint64_t id = s_receive (desk, false);
    if (strcmp (state, "queued") == 0)
        return id;
    if (strcmp (state, "synthesized") == 0) {
        uint64_t ids[] = {id, s_receive (desk, false)};
        bs_synthesize_t synthesize = {.editor = "甲",
                                      .role = "editor",
                                      .title = "綜合",
                                      .body = "綜合稿。",
                                      .report_ids = {2, ids}};
        assert_int_equal (
            s_command (desk, review_synthesize, &bs_synthesize_schema, &synthesize, T0, NULL, NULL),
            BS_OK);
        return id;
    }
    assert_int_equal (s_claim (desk, id, "甲", T0), BS_OK);
    if (strcmp (state, "claimed") == 0)
        return id;
    const char *decision = review_state_decision (state);
    assert_non_null (decision);
    assert_int_equal (s_decide (desk, id, decision, "甲", NULL), BS_OK);
    return id;
}

/* The table                                                              */

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
        return s_claim_field (desk, id, "乙", T0 + MINUTE, field);
    if (strcmp (action, "release") == 0) {
        bs_release_t release = {.report_id = id, .editor = "甲", .role = "editor"};
        return s_command (desk, review_release, &bs_release_schema, &release, T0 + MINUTE, NULL,
                          field);
    }
    if (strcmp (action, "revert") == 0)
        return s_revert (desk, id, "leader", "誤判，重新審核。", field);
    if (strcmp (action, "edit") == 0) {
        bs_edit_t edit = {.report_id = id, .editor = "甲", .role = "editor", .title = "新標題"};
        return s_command (desk, review_edit, &bs_edit_schema, &edit, T0 + MINUTE, NULL, field);
    }
    if (strcmp (action, "synthesize") == 0) {
        uint64_t ids[] = {id, s_receive (desk, false)};
        bs_synthesize_t synthesize = {.editor = "甲",
                                      .role = "editor",
                                      .title = "綜合稿",
                                      .body = "綜合。",
                                      .report_ids = {2, ids}};
        return s_command (desk, review_synthesize, &bs_synthesize_schema, &synthesize, T0 + MINUTE,
                          NULL, field);
    }
    return s_decide (desk, id, action, "甲", field);
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
            uint64_t id = s_case_in (desk, s_states[s]);
            size_t before_size, audit_before = s_audit_count (desk, id, NULL);
            char *before = s_case_bytes (desk, id, &before_size);
            uint64_t events_before = s_events (desk);
            char field[BS_ERROR_FIELD_MAX];
            int rc = s_try (desk, id, action, field);
            char *now = s_state (desk, id);
            if (strcmp (want, "-") == 0) {
                if (rc != BS_E_CONFLICT)
                    fail_msg ("%s in %s: want a conflict, got %s", action, s_states[s],
                              bs_error_name (rc));
                assert_string_equal (field, strcmp (action, "synthesize") == 0 ? "report_ids"
                                                                               : "report_id");
                if (strcmp (action, "synthesize") == 0) /* a source decided or combined */
                    assert_string_equal (desk->reason, "closed");
                size_t after_size;
                char *after = s_case_bytes (desk, id, &after_size);
                assert_true (after_size == before_size && !memcmp (after, before, after_size));
                assert_int_equal (s_audit_count (desk, id, NULL), audit_before);
                assert_int_equal (s_events (desk), events_before);
                free (after);
            } else {
                if (rc != BS_OK)
                    fail_msg ("%s in %s refused: %s", action, s_states[s], bs_error_name (rc));
                if (strcmp (now, want) != 0)
                    fail_msg ("%s in %s: now %s, want %s", action, s_states[s], now, want);
                assert_int_equal (s_audit_count (desk, id, action), 1);
                /* decisions and reverts are events; nothing else is */
                bool evented = review_state_decided (want) || strcmp (action, "revert") == 0;
                assert_int_equal (s_events (desk), events_before + evented);
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
        uint64_t id = s_case_in (desk, s_states[s]);
        s_receive_version (desk, id, false, 2, "修改後的標題");
        bs_review_case_t review_case;
        s_case (desk, id, &review_case);
        const char *want = strcmp (s_table[s][8], "-") == 0 ? s_states[s] : s_table[s][8];
        assert_string_equal (review_case.state, want);
        assert_string_equal (review_case.title, "修改後的標題"); /* never lost */
        assert_int_equal (review_case.version, 2);
        if (strcmp (s_states[s], "returned") == 0) {
            assert_string_equal (review_case.earlier_critique, "事實清楚。");
            assert_int_equal (s_audit_count (desk, id, "resubmit"), 1);
        } else
            assert_int_equal (s_audit_count (desk, id, "revise"), 1);
        bs_codec_record_free (&bs_review_case_schema, &review_case);
        /* the same version again changes nothing */
        size_t before_size, after_size;
        char *before = s_case_bytes (desk, id, &before_size);
        s_receive_version (desk, id, false, 2, "修改後的標題");
        char *after = s_case_bytes (desk, id, &after_size);
        assert_true (after_size == before_size && !memcmp (after, before, after_size));
        free (before);
        free (after);
    }
}

static void
test_lease_ends_on_the_clock (void **state)
{
    desk_t *desk = *state;
    uint64_t id = s_receive (desk, false);
    assert_int_equal (s_claim (desk, id, "甲", T0), BS_OK);
    uint64_t lease = 30 * MINUTE; /* review.lease_minutes default */
    /* the audit says until when, to the minute, as the CLI writes times */
    time_t until_seconds = (time_t) ((T0 + lease) / 1000);
    struct tm until_local;
    localtime_r (&until_seconds, &until_local);
    char expected[64], note[BS_TEXT_MAX + 1];
    strftime (expected, sizeof expected, "lease until %Y-%m-%d %H:%M", &until_local);
    s_audit_note (desk, id, "claim", note, sizeof note);
    assert_string_equal (note, expected);
    s_sweep (desk, review_leases_sweep, T0 + lease - 1);
    char *state_now = s_state (desk, id);
    assert_string_equal (state_now, "claimed");
    free (state_now);
    /* another editor cannot take it while the lease runs */
    assert_int_equal (s_claim (desk, id, "乙", T0 + lease - 1), BS_E_CONFLICT);
    s_sweep (desk, review_leases_sweep, T0 + lease);
    bs_review_case_t review_case;
    s_case (desk, id, &review_case);
    assert_string_equal (review_case.state, "queued");
    assert_null (review_case.holder);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    assert_int_equal (s_audit_count (desk, id, "expire"), 1);
    /* the first holder's decision is now refused; the next claim works */
    char field[BS_ERROR_FIELD_MAX];
    assert_int_equal (s_decide (desk, id, "adopt", "甲", field), BS_E_CONFLICT);
    assert_int_equal (s_claim (desk, id, "乙", T0 + lease + 1), BS_OK);
    assert_int_equal (s_decide (desk, id, "adopt", "甲", field), BS_E_CONFLICT);
    assert_string_equal (field, "report_id");
}

/* An edit's history says what it changed: a form sends both fields, and
   only the one that differs from the text as it reads now is named; an
   edit that changes nothing adds no entry. */
static void
test_edit_names_what_changed (void **state)
{
    desk_t *desk = *state;
    uint64_t id = s_receive (desk, false);
    assert_int_equal (s_claim (desk, id, "甲", T0), BS_OK);
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
        size_t before = s_audit_count (desk, id, "edit");
        bs_edit_t edit = {.report_id = id,
                          .editor = "甲",
                          .role = "editor",
                          .title = (char *) edits[i].title,
                          .body = (char *) edits[i].body};
        assert_int_equal (s_command (desk, review_edit, &bs_edit_schema, &edit,
                                     T0 + (i + 1) * MINUTE, NULL, NULL),
                          BS_OK);
        assert_int_equal (s_audit_count (desk, id, "edit"), before + (edits[i].note != NULL));
        if (!edits[i].note)
            continue;
        char note[BS_TEXT_MAX + 1];
        s_audit_note (desk, id, "edit", note, sizeof note);
        if (strcmp (note, edits[i].note) != 0)
            fail_msg ("edit %zu: the history says \"%s\", not \"%s\"", i, note, edits[i].note);
    }
    bs_review_case_t review_case;
    s_case (desk, id, &review_case);
    assert_string_equal (review_case.edited_title, "幹部監督工作情況");
    assert_string_equal (review_case.edited_body, "第一句。第二句。");
    bs_codec_record_free (&bs_review_case_schema, &review_case);
}

typedef struct {
    desk_t *desk;
    uint64_t report_id;
    size_t moved;
} s_older_t;

static int
s_older_write (MDB_txn *txn, void *argument)
{
    s_older_t *older = argument;
    MDB_dbi cases = bs_service_dbi (older->desk->service, "cases");
    MDB_dbi audit = bs_service_dbi (older->desk->service, "audit");
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, audit, &stat), 0);
    assert_int_equal (stat.ms_entries, 0); /* this build keeps none there */
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, cases, &cursor), 0);
    unsigned char start[8];
    bs_store_key (older->report_id, start);
    MDB_val key = {8, start}, value;
    assert_int_equal (mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE), 0);
    assert_int_equal (key.mv_size, 8); /* the case itself comes first */
    int found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    while (found == 0 && key.mv_size == 16
           && bs_store_key_value (key.mv_data) == older->report_id) {
        assert_int_equal (mdb_put (txn, audit, &key, &value, 0), 0);
        assert_int_equal (mdb_cursor_del (cursor, 0), 0);
        older->moved++;
        found = mdb_cursor_get (cursor, &key, &value, MDB_GET_CURRENT);
    }
    mdb_cursor_close (cursor);
    return BS_OK;
}

/* Move report_id's audit entries from beside its case into "audit", where
   a store of an older build kept them; how many were moved. */
static size_t
s_trail_to_older_store (desk_t *desk, uint64_t report_id)
{
    s_older_t older = {desk, report_id, 0};
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_older_write, &older),
                      BS_OK);
    return older.moved;
}

/* One page of the listing of every case: the report ids listed, and *next. */
static size_t
s_listed (desk_t *desk, uint64_t after, uint64_t limit, uint64_t ids[], uint64_t *next)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    bs_list_t list;
    assert_int_equal (bs_store_page (txn, bs_service_dbi (desk->service, "cases"),
                                     &bs_review_case_schema, after, limit, NULL, NULL, &list, next),
                      BS_OK);
    mdb_txn_abort (txn);
    bs_review_case_t *items = list.items;
    for (size_t i = 0; i < list.count; i++) {
        ids[i] = items[i].report_id;
        bs_codec_record_free (&bs_review_case_schema, &items[i]);
    }
    free (items);
    return list.count;
}

/* The service stopped and started again on its store, as review_setup
   starts it. */
static void
s_restart (desk_t *desk)
{
    bs_service_destroy (&desk->service);
    bs_error_t error;
    desk->service = bs_service_new ("review", desk->config, review_databases, &error);
    if (!desk->service)
        fail_msg ("bs_service_new (review): %s", error.text);
    assert_int_equal (review_audit_start (desk->service), BS_OK);
}

/* A case's audit trail is kept beside the case, which listings of cases
   pass over; in a store an older build made, with trails in "audit", a
   trail there still reads first, and the next entry is numbered after
   it. */
static void
test_the_trail_beside_its_case (void **state)
{
    desk_t *desk = *state;
    uint64_t id = s_receive (desk, false);
    uint64_t other = s_receive (desk, false);
    assert_int_equal (s_claim (desk, id, "甲", T0), BS_OK);
    uint64_t ids[10], next;
    assert_int_equal (s_listed (desk, 0, 1, ids, &next), 1);
    assert_int_equal (ids[0], id);
    assert_int_equal (next, id); /* the next page holds the other case */
    assert_int_equal (s_listed (desk, id, 10, ids, &next), 1);
    assert_int_equal (ids[0], other);
    assert_int_equal (next, 0);
    assert_int_equal (s_trail_to_older_store (desk, id), 2); /* receive, claim */
    s_restart (desk);
    assert_int_equal (s_audit_count (desk, id, NULL), 2);
    assert_int_equal (s_decide (desk, id, "adopt", "甲", NULL), BS_OK);
    assert_int_equal (s_audit_count (desk, id, NULL), 3); /* numbered 1, 2, 3 */
    assert_int_equal (s_audit_count (desk, id, "adopt"), 1);
    assert_int_equal (s_audit_count (desk, other, NULL), 1);
    /* and after another start, the trail in "audit" still reads first */
    s_restart (desk);
    assert_int_equal (s_audit_count (desk, id, NULL), 3);
}

/* A store that had no trail in "audit" when the service started never
   looks there: entries put there behind its back are neither read nor
   numbered after (a new store's first entry of a case costs no look
   into the older tree). */
static void
test_a_new_store_never_reads_the_older_trail (void **state)
{
    desk_t *desk = *state;
    uint64_t id = s_receive (desk, false);
    assert_int_equal (s_claim (desk, id, "甲", T0), BS_OK);
    assert_int_equal (s_audit_count (desk, id, NULL), 2);
    assert_int_equal (s_trail_to_older_store (desk, id), 2);
    assert_int_equal (s_audit_count (desk, id, NULL), 0);
    assert_int_equal (s_decide (desk, id, "adopt", "甲", NULL), BS_OK);
    assert_int_equal (s_audit_count (desk, id, NULL), 1); /* numbered 1 */
    assert_int_equal (s_audit_count (desk, id, "adopt"), 1);
}

/* An entry of the next report's trail, before its case. */
static int
s_entry_write (MDB_txn *txn, void *argument)
{
    desk_t *desk = argument;
    static const review_actor_t admin = {"管理員", "admin"};
    return review_audit_add (desk->service, txn, desk->next_id, "comment", &admin, "queued",
                             "queued", "早到的一條", T0);
}

/* A case opened puts its first entry as entry 1 without a search; were
   an entry 1 of its report there already, it is kept, and the case's
   entry follows it. */
static void
test_a_first_entry_there_already_is_kept (void **state)
{
    desk_t *desk = *state;
    uint64_t next = desk->next_id;
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_entry_write, desk),
                      BS_OK);
    uint64_t id = s_receive (desk, false);
    assert_int_equal (id, next);
    assert_int_equal (s_audit_count (desk, id, NULL), 2); /* numbered 1, 2 */
    assert_int_equal (s_audit_count (desk, id, "comment"), 1);
    assert_int_equal (s_audit_count (desk, id, "receive"), 1);
    char note[64];
    s_audit_note (desk, id, "comment", note, sizeof note);
    assert_string_equal (note, "早到的一條");
    /* and the next case's first entry is its own entry 1 */
    uint64_t other = s_receive (desk, false);
    assert_int_equal (s_audit_count (desk, other, NULL), 1);
    assert_int_equal (s_audit_count (desk, other, "receive"), 1);
}

static void
test_urgent_escalates_once (void **state)
{
    desk_t *desk = *state;
    uint64_t plain = s_receive (desk, false), urgent = s_receive (desk, true);
    uint64_t deadline = T0 + 2 * 60 * MINUTE; /* review.urgent_hours default */
    uint64_t events = s_events (desk);
    s_sweep (desk, review_deadlines_sweep, deadline - 1);
    assert_int_equal (s_events (desk), events);
    s_sweep (desk, review_deadlines_sweep, deadline);
    s_sweep (desk, review_deadlines_sweep, deadline + 1);
    s_sweep (desk, review_deadlines_sweep, deadline + 60 * MINUTE);
    assert_int_equal (s_events (desk), events + 1);
    bs_review_case_t review_case;
    s_case (desk, urgent, &review_case);
    assert_true (review_case.escalated);
    assert_int_equal (review_case.escalated_at, deadline);
    assert_string_equal (review_case.state, "queued");
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    assert_int_equal (s_audit_count (desk, urgent, "escalate"), 1);
    assert_int_equal (s_audit_count (desk, plain, "escalate"), 0);
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
    uint64_t id = s_receive (desk, false);
    assert_int_equal (s_claim (desk, id, "甲", T0), BS_OK);
    char field[BS_ERROR_FIELD_MAX];
    bs_decide_t decide = {.report_id = id,
                          .decision = "adopt",
                          .periodical = "三農信息",
                          .critique = "好。",
                          .editor = "甲",
                          .role = "editor"};
    assert_int_equal (s_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
                      BS_E_INVALID);
    assert_string_equal (field, "periodical");
    bs_periodical_t added = {.name = "三農信息", .code = "SNXX", .level = "county"};
    s_event (desk, review_on_publication, &bs_periodical_schema, &added);
    bs_review_case_t decided;
    assert_int_equal (
        s_command (desk, review_decide, &bs_decide_schema, &decide, T0, &decided, field), BS_OK);
    assert_string_equal (decided.state, "adopted");
    assert_string_equal (decided.periodical, "三農信息");
    bs_codec_record_free (&bs_review_case_schema, &decided);
}

static void
test_bad_input_leaves_the_case_unchanged (void **state)
{
    desk_t *desk = *state;
    uint64_t id = s_receive (desk, false);
    char field[BS_ERROR_FIELD_MAX];
    size_t before_size, after_size;
    char *before = s_case_bytes (desk, id, &before_size);
    /* unclaimed */
    assert_int_equal (s_decide (desk, id, "adopt", "甲", field), BS_E_CONFLICT);
    assert_string_equal (field, "report_id");
    /* an officer cannot claim */
    bs_claim_t claim = {.report_id = id, .editor = "信息員", .role = "officer"};
    assert_int_equal (s_command (desk, review_claim, &bs_claim_schema, &claim, T0, NULL, field),
                      BS_E_INVALID);
    assert_string_equal (field, "role");
    char *after = s_case_bytes (desk, id, &after_size);
    assert_true (after_size == before_size && !memcmp (after, before, after_size));
    free (after);
    free (before);

    assert_int_equal (s_claim (desk, id, "甲", T0), BS_OK);
    before = s_case_bytes (desk, id, &before_size);
    /* someone else's */
    assert_int_equal (s_decide (desk, id, "decline", "乙", field), BS_E_CONFLICT);
    /* unknown periodical */
    bs_decide_t decide = {.report_id = id,
                          .decision = "adopt",
                          .periodical = "不存在的刊物",
                          .critique = "好。",
                          .editor = "甲",
                          .role = "editor"};
    assert_int_equal (s_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
                      BS_E_INVALID);
    assert_string_equal (field, "periodical");
    /* scores out of range, unknown criterion, twice */
    bs_score_t scores[] = {{"timeliness", 11}, {"beauty", 5}, {"depth", 3}, {"depth", 4}};
    decide.periodical = "組工信息";
    decide.scores = (bs_list_t){1, &scores[0]};
    assert_int_equal (s_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
                      BS_E_INVALID);
    assert_string_equal (field, "scores");
    decide.scores = (bs_list_t){1, &scores[1]};
    assert_int_equal (s_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
                      BS_E_INVALID);
    decide.scores = (bs_list_t){2, &scores[2]};
    assert_int_equal (s_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
                      BS_E_INVALID);
    /* an unknown decision */
    decide.decision = "approve";
    decide.scores = (bs_list_t){0, NULL};
    assert_int_equal (s_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
                      BS_E_INVALID);
    assert_string_equal (field, "decision");
    /* an unknown topic */
    bs_topic_assign_t assign = {.report_id = id, .topic_id = 77, .editor = "甲", .role = "editor"};
    assert_int_equal (
        s_command (desk, review_topic_assign, &bs_topic_assign_schema, &assign, T0, NULL, field),
        BS_E_NOT_FOUND);
    assert_string_equal (field, "topic_id");
    /* a topic's name another topic has, said for what it is */
    bs_topic_create_t topic = {.name = "鄉村振興", .editor = "甲", .role = "editor"};
    assert_int_equal (
        s_command (desk, review_topic_create, &bs_topic_create_schema, &topic, T0, NULL, field),
        BS_OK);
    assert_int_equal (
        s_command (desk, review_topic_create, &bs_topic_create_schema, &topic, T0, NULL, field),
        BS_E_CONFLICT);
    assert_string_equal (field, "name");
    assert_string_equal (desk->reason, "taken");
    /* a closed topic (the first: 1) closed again or given a case, said
       for what it is */
    bs_topic_close_t closing = {.topic_id = 1, .editor = "甲", .role = "editor"};
    assert_int_equal (
        s_command (desk, review_topic_close, &bs_topic_close_schema, &closing, T0, NULL, field), BS_OK);
    assert_int_equal (
        s_command (desk, review_topic_close, &bs_topic_close_schema, &closing, T0, NULL, field),
        BS_E_CONFLICT);
    assert_string_equal (field, "topic_id");
    assert_string_equal (desk->reason, "closed");
    assign.topic_id = 1;
    assert_int_equal (
        s_command (desk, review_topic_assign, &bs_topic_assign_schema, &assign, T0, NULL, field),
        BS_E_CONFLICT);
    assert_string_equal (field, "topic_id");
    assert_string_equal (desk->reason, "closed");
    /* a synthesis of a report another editor holds */
    uint64_t held = s_receive (desk, false);
    assert_int_equal (s_claim (desk, held, "乙", T0), BS_OK);
    uint64_t sources[] = {id, held};
    bs_synthesize_t synthesize = {.editor = "甲",
                                  .role = "editor",
                                  .title = "綜合",
                                  .body = "綜合稿。",
                                  .report_ids = {2, sources}};
    assert_int_equal (
        s_command (desk, review_synthesize, &bs_synthesize_schema, &synthesize, T0, NULL, field),
        BS_E_CONFLICT);
    assert_string_equal (field, "report_ids");
    assert_string_equal (desk->reason, "claimed");
    after = s_case_bytes (desk, id, &after_size);
    assert_true (after_size == before_size && !memcmp (after, before, after_size));
    free (after);
    free (before);

    /* scores in range are kept */
    decide.decision = "adopt";
    decide.scores = (bs_list_t){1, &scores[2]};
    bs_review_case_t decided;
    assert_int_equal (
        s_command (desk, review_decide, &bs_decide_schema, &decide, T0, &decided, field), BS_OK);
    assert_int_equal (decided.scores.count, 1);
    assert_string_equal (((bs_score_t *) decided.scores.items)[0].criterion, "depth");
    bs_codec_record_free (&bs_review_case_schema, &decided);
    /* twice */
    decide.scores = (bs_list_t){0, NULL};
    assert_int_equal (s_command (desk, review_decide, &bs_decide_schema, &decide, T0, NULL, field),
                      BS_E_CONFLICT);

    before = s_case_bytes (desk, id, &before_size);
    /* a revert needs a reason, and a leader or admin */
    assert_int_equal (s_revert (desk, id, "leader", "   ", field), BS_E_INVALID);
    assert_string_equal (field, "reason");
    assert_int_equal (s_revert (desk, id, "editor", "錯了", field), BS_E_INVALID);
    assert_string_equal (field, "role");
    after = s_case_bytes (desk, id, &after_size);
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
    s_event (desk, review_on_publication, &bs_issue_published_schema, &published);
    assert_int_equal (s_revert (desk, id, "admin", "錯了", field), BS_E_CONFLICT);
    assert_string_equal (field, "report_id");
}

/* A report.received as review's consumer decodes it (review_intake_views):
   without what no case keeps, which is then not even checked (a sender
   that is not UTF-8 here, refused by the whole schema), and a case opened
   from it with all it keeps. */
static void
test_a_report_read_without_what_no_case_keeps (void **state)
{
    desk_t *desk = *state;
    bs_provenance_t provenance = {.channel = "direct",
                                  .sender = "\xff\xfe not UTF-8",
                                  .key = "item-1",
                                  .received_at = T0};
    bs_attachment_t attachment = {.name = "附件.pdf", .content_type = "application/pdf"};
    bs_report_t report = {.report_id = 41,
                          .reg_no = "2026-000041",
                          .unit = "林州市委組織部",
                          .title = "幹部監督工作情況",
                          .body = "第一句。第二句。",
                          .kind = "situation",
                          .urgent = true,
                          .topic = "幹部監督",
                          .channel = "direct",
                          .received_at = T0,
                          .officer = "張三",
                          .provenances = {1, &provenance},
                          .attachments = {1, &attachment}};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, &bs_report_schema, &report, "e-41", "intake", T0, 9),
        BS_OK);
    bs_message_t event;
    bs_error_t error;
    assert_int_equal (bs_message_decode (buffer.data, buffer.size, &bs_codec_default_limits,
                                         &event, &error),
                      BS_E_INVALID);
    const bs_schema_t *const *views = review_intake_views ();
    assert_non_null (views);
    assert_ptr_equal (review_intake_views (), views); /* made once */
    assert_int_equal (bs_message_decode_view (buffer.data, buffer.size, &bs_codec_default_limits,
                                              views, &event, &error),
                      BS_OK);
    msgpack_sbuffer_destroy (&buffer);
    const bs_report_t *decoded = event.data;
    assert_ptr_equal (event.schema, &bs_report_schema);
    assert_null (decoded->channel);
    assert_null (decoded->officer);
    assert_int_equal (decoded->provenances.count, 0);
    assert_int_equal (decoded->attachments.count, 0);
    s_apply_t apply = {.desk = desk, .event = &event, .consume = review_on_intake};
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_apply_write, &apply),
                      BS_OK);
    bs_message_clear (&event);

    bs_review_case_t review_case;
    s_case (desk, 41, &review_case);
    assert_string_equal (review_case.state, "queued");
    assert_string_equal (review_case.reg_no, "2026-000041");
    assert_string_equal (review_case.unit, "林州市委組織部");
    assert_string_equal (review_case.title, "幹部監督工作情況");
    assert_string_equal (review_case.body, "第一句。第二句。");
    assert_string_equal (review_case.kind, "situation");
    assert_string_equal (review_case.topic, "幹部監督");
    assert_true (review_case.urgent);
    assert_true (review_case.deadline > T0);
    assert_int_equal (review_case.received_at, T0);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    assert_int_equal (s_audit_count (desk, 41, "receive"), 1);
}

static void
test_diff_sentence_by_sentence (void **state)
{
    (void) state;
    char *diff = review_diff_text ("第一句。第二句。第三句。", "第一句。第二句改了。第三句。");
    assert_string_equal (diff, "  第一句。\n- 第二句。\n+ 第二句改了。\n  第三句。\n");
    free (diff);
    diff = review_diff_text ("同樣。", "同樣。");
    assert_string_equal (diff, "  同樣。\n");
    free (diff);
    diff = review_diff_text ("", "新增。");
    assert_string_equal (diff, "+ 新增。\n");
    free (diff);
}

/* Fixture                                                                */

static int
s_setup (void **state)
{
    desk_t *desk = calloc (1, sizeof *desk);
    bs_test_service_open ("review", review_databases, NULL, &desk->folder, &desk->config,
                          &desk->service);
    assert_int_equal (review_audit_start (desk->service), BS_OK); /* as review_setup does */
    desk->next_id = 1;
    *state = desk;
    return 0;
}

static int
s_teardown (void **state)
{
    desk_t *desk = *state;
    bs_test_service_close (&desk->folder, &desk->config, &desk->service);
    free (desk);
    return 0;
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_machine_is_the_table),
        cmocka_unit_test_setup_teardown (test_every_command_in_every_state, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_new_version_requeues_only_a_returned_case, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_lease_ends_on_the_clock, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_urgent_escalates_once, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_edit_names_what_changed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_the_trail_beside_its_case, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_a_new_store_never_reads_the_older_trail, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_a_first_entry_there_already_is_kept, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_a_periodical_publication_stored_is_adoptable,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_input_leaves_the_case_unchanged, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_a_report_read_without_what_no_case_keeps, s_setup,
                                         s_teardown),
        cmocka_unit_test (test_diff_sentence_by_sentence),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
