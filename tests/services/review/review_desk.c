/*  review_desk: review driven in-process for its tests; see review_desk.h. */
#include "review_desk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_test_service.h"

/* Run a command handler at time now; its code. The reply case goes to
   reply (when not NULL and ok), the failing field to field, the
   refusal's reason to desk->reason. */
int
desk_command (desk_t *desk, bs_command_fn *fn, const bs_schema_t *schema, const void *record,
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

/* Apply event (decoded) through consume in a write transaction of the
   store, as the service loop applies an event it has received. */
void
desk_consume (desk_t *desk, bs_consume_fn *consume, const bs_message_t *event)
{
    s_apply_t apply = {.desk = desk, .event = event, .consume = consume};
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_apply_write, &apply),
                      BS_OK);
}

void
desk_event (desk_t *desk, bs_consume_fn *consume, const bs_schema_t *schema, const void *record)
{
    bs_message_t event = {.schema = schema, .data = (void *) record};
    s_apply_t apply = {.desk = desk, .event = &event, .consume = consume};
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_apply_write, &apply),
                      BS_OK);
}

void
desk_sweep (desk_t *desk, bs_timer_fn *timer, uint64_t now)
{
    s_apply_t apply = {.desk = desk, .timer = timer, .now = now};
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_apply_write, &apply),
                      BS_OK);
}

/* A report.received from intake; its report id. */
uint64_t
desk_receive_version (desk_t *desk, uint64_t report_id, bool urgent, uint64_t version,
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
    desk_event (desk, review_on_intake, &bs_report_schema, &report);
    return report_id;
}

uint64_t
desk_receive (desk_t *desk, bool urgent)
{
    return desk_receive_version (desk, desk->next_id++, urgent, 1, "幹部監督工作情況");
}

void
desk_case (desk_t *desk, uint64_t report_id, bs_review_case_t *review_case)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    assert_int_equal (bs_store_get_record (txn, bs_service_dbi (desk->service, "cases"), report_id,
                                           &bs_review_case_schema, review_case),
                      BS_OK);
    mdb_txn_abort (txn);
}

/* The stored bytes of a case, to tell "unchanged" exactly. */
char *
desk_case_bytes (desk_t *desk, uint64_t report_id, size_t *size)
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

char *
desk_state (desk_t *desk, uint64_t report_id)
{
    bs_review_case_t review_case;
    desk_case (desk, report_id, &review_case);
    char *state = strdup (review_case.state);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return state;
}

uint64_t
desk_events (desk_t *desk)
{
    MDB_txn *txn;
    uint64_t last;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    assert_int_equal (bs_eventlog_last (bs_service_store (desk->service), txn, &last), BS_OK);
    mdb_txn_abort (txn);
    return last;
}

/* The audit trail of report_id (free it with bs_codec_record_free). */
bs_audit_page_t
desk_audit (desk_t *desk, uint64_t report_id)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    bs_audit_page_t page;
    assert_int_equal (review_audit_read (desk->service, txn, report_id, &page), BS_OK);
    mdb_txn_abort (txn);
    return page;
}

size_t
desk_audit_count (desk_t *desk, uint64_t report_id, const char *action)
{
    bs_audit_page_t page = desk_audit (desk, report_id);
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
void
desk_audit_note (desk_t *desk, uint64_t report_id, const char *action, char *note, size_t size)
{
    bs_audit_page_t page = desk_audit (desk, report_id);
    const bs_audit_entry_t *entries = page.entries.items;
    *note = 0;
    for (size_t i = 0; i < page.entries.count; i++)
        if (strcmp (entries[i].action, action) == 0)
            snprintf (note, size, "%s", entries[i].note ? entries[i].note : "");
    bs_codec_record_free (&bs_audit_page_schema, &page);
}

int
desk_claim_field (desk_t *desk, uint64_t report_id, const char *editor, uint64_t now, char *field)
{
    bs_claim_t claim = {.report_id = report_id, .editor = (char *) editor, .role = "editor"};
    return desk_command (desk, review_claim, &bs_claim_schema, &claim, now, NULL, field);
}

int
desk_claim (desk_t *desk, uint64_t report_id, const char *editor, uint64_t now)
{
    return desk_claim_field (desk, report_id, editor, now, NULL);
}

int
desk_decide (desk_t *desk, uint64_t report_id, const char *decision, const char *editor,
             char *field)
{
    bs_decide_t decide = {.report_id = report_id,
                          .decision = (char *) decision,
                          .periodical = strcmp (decision, "adopt") == 0 ? "組工信息" : NULL,
                          .critique = "事實清楚。",
                          .editor = (char *) editor,
                          .role = "editor"};
    return desk_command (desk, review_decide, &bs_decide_schema, &decide, T0 + MINUTE, NULL, field);
}

int
desk_revert (desk_t *desk, uint64_t report_id, const char *role, const char *reason, char *field)
{
    bs_revert_t revert = {
        .report_id = report_id, .editor = "部長", .role = (char *) role, .reason = (char *) reason};
    return desk_command (desk, review_revert, &bs_revert_schema, &revert, T0 + 2 * MINUTE, NULL,
                         field);
}

/* A case in the given state, made the way editors make it. */
uint64_t
desk_case_in (desk_t *desk, const char *state)
{
    uint64_t id = desk_receive (desk, false);
    if (strcmp (state, "queued") == 0)
        return id;
    if (strcmp (state, "synthesized") == 0) {
        uint64_t ids[] = {id, desk_receive (desk, false)};
        bs_synthesize_t synthesize = {.editor = "甲",
                                      .role = "editor",
                                      .title = "綜合",
                                      .body = "綜合稿。",
                                      .report_ids = {2, ids}};
        assert_int_equal (desk_command (desk, review_synthesize, &bs_synthesize_schema, &synthesize,
                                        T0, NULL, NULL),
                          BS_OK);
        return id;
    }
    assert_int_equal (desk_claim (desk, id, "甲", T0), BS_OK);
    if (strcmp (state, "claimed") == 0)
        return id;
    const char *decision = review_state_decision (state);
    assert_non_null (decision);
    assert_int_equal (desk_decide (desk, id, decision, "甲", NULL), BS_OK);
    return id;
}

int
desk_setup (void **state)
{
    desk_t *desk = calloc (1, sizeof *desk);
    bs_test_service_open ("review", review_databases, NULL, &desk->folder, &desk->config,
                          &desk->service);
    assert_int_equal (review_audit_start (desk->service), BS_OK); /* as review_setup does */
    desk->next_id = 1;
    *state = desk;
    return 0;
}

int
desk_teardown (void **state)
{
    desk_t *desk = *state;
    bs_test_service_close (&desk->folder, &desk->config, &desk->service);
    free (desk);
    return 0;
}
