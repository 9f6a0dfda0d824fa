/*  Commissions (約稿) on a running system. An editor commissions reports
    from 10 units with a deadline on the injected clock; 6 answer on time
    over 4 channels (walk-in, phone, web, direct batch), 2 answer late, 2
    never. Review is killed -9 again and again around the reminder time
    and the deadline. Afterwards every unit is in exactly its state, the
    7 units open at the reminder time were reminded once each, the 4 that
    had not answered by the deadline were counted missing once each, and
    each answer is one commission.answered. Then the refusals: a unit the
    commission does not ask, a second answer (a plain report, said so in
    the receipt), a cancelled commission, an extension after the deadline.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_store.h"
#include "bs_system.h"
#include "bs_test.h"

#define HOUR 3600000ULL
#define UNITS 10

static bs_system_t *s_system;
static char s_units[UNITS][64];
static char s_token[128];

static void
s_call (const char *service, const bs_schema_t *schema, const void *request,
        const bs_schema_t *reply_schema, void *reply)
{
    bs_error_t error;
    if (bs_system_call (bs_system_client (s_system, service), schema, request, reply_schema, reply,
                        &error)
        != BS_OK)
        fail_msg ("%s failed: %s", schema->type, error.text);
}

/* The test's units (one with an officer, one with a token), registered. */
static void
s_register (void)
{
    const char *names[UNITS];
    for (int i = 0; i < UNITS; i++) {
        snprintf (s_units[i], sizeof s_units[i], "約稿測試第%02d單位", i + 1);
        names[i] = s_units[i];
    }
    assert_int_equal (bs_system_register_units (s_system, names, UNITS), 0);
    bs_unit_t outsider = {.name = "不在約稿之列", .level = "county"}, unit;
    s_call ("intake", &bs_unit_schema, &outsider, &bs_unit_schema, &unit);
    bs_codec_record_free (&bs_unit_schema, &unit);
    bs_officer_t officer = {
        .login = "wang", .name = "王信息員", .unit = s_units[4], .roles = "officer"};
    bs_officer_t officer_reply;
    s_call ("intake", &bs_officer_schema, &officer, &bs_officer_schema, &officer_reply);
    bs_codec_record_free (&bs_officer_schema, &officer_reply);
    bs_token_create_t create = {.name = "約稿直報", .unit = s_units[5]};
    bs_token_t token;
    s_call ("intake", &bs_token_create_schema, &create, &bs_token_schema, &token);
    snprintf (s_token, sizeof s_token, "%s", token.secret);
    bs_codec_record_free (&bs_token_schema, &token);
}

/* Submit for unit by channel, answering commission; the receipt's code. */
static int
s_answer (int unit, const char *channel, uint64_t commission, bs_submitted_t *receipt,
          bs_error_t *error)
{
    char title[128];
    snprintf (title, sizeof title, "%s的約稿答覆 %llu", s_units[unit],
              (unsigned long long) zclock_usecs ());
    bs_submit_t submit = {.title = title,
                          .body = "按約稿要求報送的信息。",
                          .channel = (char *) channel,
                          .commission = commission};
    if (strcmp (channel, "walk_in") == 0 || strcmp (channel, "phone") == 0) {
        submit.unit = s_units[unit];
        submit.operator_name = "值班文書";
        submit.sender = strcmp (channel, "phone") == 0 ? "0372-5550000" : NULL;
    } else if (strcmp (channel, "web") == 0)
        submit.officer = "wang";
    if (strcmp (channel, "direct") != 0)
        return bs_system_call (bs_system_client (s_system, "intake"), &bs_submit_schema, &submit,
                               &bs_submitted_schema, receipt, error);
    submit.key = title;
    bs_batch_t batch = {.token = s_token, .items = {1, &submit}};
    bs_batch_page_t page;
    int rc = bs_system_call (bs_system_client (s_system, "intake"), &bs_batch_schema, &batch,
                             &bs_batch_page_schema, &page, error);
    if (rc == BS_OK) {
        bs_submitted_t *result = page.results.items;
        *receipt = *result;
        memset (result, 0, sizeof *result);
        bs_codec_record_free (&bs_batch_page_schema, &page);
        if (receipt->code && *receipt->code) {
            rc = bs_error_code (receipt->code);
            snprintf (error->text, sizeof error->text, "%s", receipt->message);
            bs_codec_record_free (&bs_submitted_schema, receipt);
        }
    }
    return rc;
}

/* Answer by walk-in; the code. */
static int
s_answer_code (int unit, uint64_t commission, bs_error_t *error)
{
    bs_submitted_t receipt;
    int rc = s_answer (unit, "walk_in", commission, &receipt, error);
    if (rc == BS_OK)
        bs_codec_record_free (&bs_submitted_schema, &receipt);
    return rc;
}

/* Answer, and expect the receipt to name the commission. */
static void
s_answer_ok (int unit, const char *channel, uint64_t commission)
{
    bs_submitted_t receipt;
    bs_error_t error;
    int rc = s_answer (unit, channel, commission, &receipt, &error);
    if (rc != BS_OK)
        fail_msg ("%s by %s: %s", s_units[unit], channel, error.text);
    assert_int_equal (receipt.commission, commission);
    assert_null (receipt.note);
    bs_codec_record_free (&bs_submitted_schema, &receipt);
}

static bs_commission_t
s_commission (uint64_t commission_id)
{
    bs_commission_get_t query = {.commission_id = commission_id};
    bs_commission_t commission;
    s_call ("review", &bs_commission_get_schema, &query, &bs_commission_schema, &commission);
    return commission;
}

/* How many units of a commission are in state. */
static size_t
s_count (uint64_t commission_id, const char *state)
{
    bs_commission_t commission = s_commission (commission_id);
    const bs_commission_unit_t *units = commission.units.items;
    size_t count = 0;
    for (size_t i = 0; i < commission.units.count; i++)
        count += strcmp (units[i].state, state) == 0;
    bs_codec_record_free (&bs_commission_schema, &commission);
    return count;
}

static const char *
s_state (uint64_t commission_id, int unit)
{
    static char state[16];
    bs_commission_t commission = s_commission (commission_id);
    const bs_commission_unit_t *units = commission.units.items;
    snprintf (state, sizeof state, "%s", units[unit].state);
    bs_codec_record_free (&bs_commission_schema, &commission);
    return state;
}

/* Kill review -9 a few times, starting it again each time. */
static void
s_kill_review (unsigned *seed, int rounds)
{
    for (int round = 0; round < rounds; round++) {
        bs_system_kill (s_system, "review", SIGKILL);
        assert_int_equal (bs_system_start (s_system, "review"), 0);
        zclock_sleep ((int) (rand_r (seed) % 120));
    }
}

/* The events of type in review's log, for unit (NULL: any). Review must be
   stopped. */
static size_t
s_events (const char *type, const char *unit)
{
    char path[1200];
    snprintf (path, sizeof path, "%s/var/review", bs_system_folder (s_system));
    const char *const names[] = {NULL};
    bs_error_t error;
    bs_store_t *store = bs_store_new (path, names, NULL, &error);
    assert_non_null (store);
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_store_dbi (store, "log"), &cursor), 0);
    MDB_val key, value;
    size_t count = 0;
    for (int found = mdb_cursor_get (cursor, &key, &value, MDB_FIRST); found == 0;
         found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        bs_message_t event;
        assert_int_equal (bs_message_decode (value.mv_data, value.mv_size, &bs_codec_default_limits,
                                             &event, &error),
                          BS_OK);
        if (strcmp (event.type, type) == 0) {
            /* Every commission event has its unit as the second field. */
            const char *of = NULL;
            if (event.schema == &bs_commission_missed_schema)
                of = ((bs_commission_missed_t *) event.data)->unit;
            else if (event.schema == &bs_commission_reminded_schema)
                of = ((bs_commission_reminded_t *) event.data)->unit;
            else if (event.schema == &bs_commission_answered_schema)
                of = ((bs_commission_answered_t *) event.data)->unit;
            count += !unit || (of && strcmp (of, unit) == 0);
        }
        bs_message_clear (&event);
    }
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    bs_store_destroy (&store);
    return count;
}

static void
test_commission_states_across_kills (void **state)
{
    (void) state;
    unsigned seed = 20261203;
    s_register ();
    bs_commission_create_t create = {.title = "關於報送基層黨建信息的約稿",
                                     .brief = "請報送本單位基層黨建工作的做法與成效。",
                                     .topic = "基層黨建",
                                     .deadline = bs_clock_now () + 48 * HOUR,
                                     .remind_at = bs_clock_now () + 24 * HOUR,
                                     .scored = true,
                                     .editor = "陳編輯",
                                     .role = "editor"};
    bs_unit_ref_t refs[UNITS];
    for (int i = 0; i < UNITS; i++)
        refs[i].unit = s_units[i];
    create.units = (bs_list_t){UNITS, refs};
    bs_commission_t commission;
    s_call ("review", &bs_commission_create_schema, &create, &bs_commission_schema, &commission);
    uint64_t id = commission.commission_id;
    assert_true (id >= 1);
    assert_int_equal (commission.units.count, UNITS);
    bs_codec_record_free (&bs_commission_schema, &commission);

    /* Intake learns of it from review's log. */
    bs_submitted_t receipt;
    bs_error_t error;
    int rc;
    BS_WAIT_UNTIL ((rc = s_answer (0, "walk_in", id, &receipt, &error)) != BS_E_NOT_FOUND,
                   "intake to know the commission");
    assert_int_equal (rc, BS_OK);
    assert_int_equal (receipt.commission, id);
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    s_answer_ok (1, "walk_in", id);
    s_answer_ok (2, "phone", id);

    /* The reminder time passes while review dies: the 7 units review has
       seen no answer from are reminded. */
    BS_WAIT_UNTIL (s_count (id, "on_time") == 3, "three answers on time");
    bs_system_set_clock (s_system, (long long) (24 * HOUR + 1000));
    s_kill_review (&seed, 4);
    s_answer_ok (3, "phone", id);
    s_answer_ok (4, "web", id);
    s_answer_ok (5, "direct", id);
    BS_WAIT_UNTIL (s_count (id, "on_time") == 6, "six answers on time");

    /* The deadline passes, once while review is down. */
    bs_system_set_clock (s_system, (long long) (48 * HOUR - 2000));
    s_kill_review (&seed, 2);
    bs_system_kill (s_system, "review", SIGKILL);
    bs_system_set_clock (s_system, (long long) (48 * HOUR + 1000));
    assert_int_equal (bs_system_start (s_system, "review"), 0);
    s_kill_review (&seed, 4);
    BS_WAIT_UNTIL (s_count (id, "missed") == 4, "four units missed");
    s_answer_ok (6, "walk_in", id);
    s_answer_ok (7, "walk_in", id);
    BS_WAIT_UNTIL (s_count (id, "late") == 2, "two late answers");
    s_kill_review (&seed, 2);
    bs_system_set_clock (s_system, (long long) (60 * HOUR));
    zclock_sleep (300);

    for (int i = 0; i < UNITS; i++)
        assert_string_equal (s_state (id, i), i < 6 ? "on_time" : i < 8 ? "late" : "missed");

    /* The refusals change nothing. */
    bs_submitted_t again;
    assert_int_equal (s_answer (0, "walk_in", id, &again, &error), BS_OK);
    assert_int_equal (again.commission, 0);
    assert_non_null (again.note);
    assert_non_null (strstr (again.note, "already answered"));
    bs_codec_record_free (&bs_submitted_schema, &again);
    bs_submit_t outsider = {.unit = "不在約稿之列",
                            .title = "不在約稿之列的信息",
                            .body = "正文。",
                            .channel = "walk_in",
                            .operator_name = "值班文書",
                            .commission = id};
    assert_int_equal (bs_system_call (bs_system_client (s_system, "intake"), &bs_submit_schema,
                                      &outsider, &bs_submitted_schema, &again, &error),
                      BS_E_DENIED);
    assert_non_null (strstr (error.text, "does not ask"));
    bs_commission_extend_t extend = {.commission_id = id,
                                     .deadline = bs_clock_now () + HOUR,
                                     .reason = "延期",
                                     .editor = "陳編輯",
                                     .role = "editor"};
    assert_int_equal (bs_system_call (bs_system_client (s_system, "review"),
                                      &bs_commission_extend_schema, &extend, &bs_commission_schema,
                                      &commission, &error),
                      BS_E_CONFLICT);
    assert_non_null (strstr (error.text, "deadline"));

    /* Exactly one event of each kind per unit, across every kill. */
    bs_system_kill (s_system, "review", SIGTERM);
    for (int i = 0; i < UNITS; i++) {
        assert_int_equal (s_events ("commission.answered", s_units[i]), i < 8 ? 1 : 0);
        assert_int_equal (s_events ("commission.missed", s_units[i]), i < 6 ? 0 : 1);
        assert_int_equal (s_events ("commission.reminded", s_units[i]), i < 3 ? 0 : 1);
    }
    assert_int_equal (s_events ("commission.created", NULL), 1);
    assert_int_equal (bs_system_start (s_system, "review"), 0);
}

/* A cancelled commission takes no answers; an extended one moves its
   deadline; both are in its history. */
static void
test_commission_cancel_and_extend (void **state)
{
    (void) state;
    bs_unit_ref_t refs[] = {{.unit = s_units[0]}, {.unit = s_units[1]}};
    bs_commission_create_t create = {.title = "第二次約稿",
                                     .units = {2, refs},
                                     .deadline = bs_clock_now () + 10 * HOUR,
                                     .editor = "陳編輯",
                                     .role = "editor"};
    bs_commission_t commission;
    s_call ("review", &bs_commission_create_schema, &create, &bs_commission_schema, &commission);
    uint64_t id = commission.commission_id;
    bs_codec_record_free (&bs_commission_schema, &commission);
    bs_commission_extend_t extend = {.commission_id = id,
                                     .deadline = bs_clock_now () + 20 * HOUR,
                                     .reason = "多給一天",
                                     .editor = "陳編輯",
                                     .role = "editor"};
    s_call ("review", &bs_commission_extend_schema, &extend, &bs_commission_schema, &commission);
    assert_int_equal (commission.deadline, extend.deadline);
    bs_codec_record_free (&bs_commission_schema, &commission);
    bs_commission_cancel_t cancel = {
        .commission_id = id, .reason = "任務取消", .editor = "陳編輯", .role = "editor"};
    s_call ("review", &bs_commission_cancel_schema, &cancel, &bs_commission_schema, &commission);
    assert_string_equal (commission.state, "cancelled");
    const bs_commission_entry_t *history = commission.history.items;
    assert_int_equal (commission.history.count, 3);
    assert_string_equal (history[1].action, "extend");
    assert_string_equal (history[2].action, "cancel");
    assert_string_equal (history[2].note, "任務取消");
    bs_codec_record_free (&bs_commission_schema, &commission);

    bs_error_t error;
    int rc;
    BS_WAIT_UNTIL ((rc = s_answer_code (1, id, &error)) != BS_OK && rc != BS_E_NOT_FOUND,
                   "intake to refuse the cancelled commission");
    assert_int_equal (rc, BS_E_CONFLICT);
    assert_non_null (strstr (error.text, "cancelled"));
    /* An officer may not cancel it again, nor anyone a cancelled one. */
    cancel.role = "officer";
    assert_int_equal (bs_system_call (bs_system_client (s_system, "review"),
                                      &bs_commission_cancel_schema, &cancel, &bs_commission_schema,
                                      &commission, &error),
                      BS_E_INVALID);
    cancel.role = "editor";
    assert_int_equal (bs_system_call (bs_system_client (s_system, "review"),
                                      &bs_commission_cancel_schema, &cancel, &bs_commission_schema,
                                      &commission, &error),
                      BS_E_CONFLICT);
}

static int
s_setup (void **state)
{
    (void) state;
    setenv ("BAOSONG_REVIEW_SWEEP_MS", "50", 1);
    s_system = bs_system_new ("baosong-commissions");
    return s_system && bs_system_start_all (s_system) == 0 ? 0 : -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    bs_system_destroy (&s_system);
    unsetenv ("BAOSONG_REVIEW_SWEEP_MS");
    return 0;
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_commission_states_across_kills),
        cmocka_unit_test (test_commission_cancel_and_extend),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
