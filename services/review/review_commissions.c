/*  review_commissions: commissions (約稿). The office asks units for
    reports on a topic by a deadline; units answer with reports (intake
    carries the commission's id on report.received, whatever the channel);
    review follows each unit: open, on_time, late, missed.

    Two timers, the same mechanism as urgent escalation (review_urgent.c):
    an index entry (time, commission id) per commission that still has
    something due, swept every review.sweep_ms. At remind_at every unit
    still open is reminded (commission.reminded, which the mail channel
    turns into a mail); at the deadline every unit still open is counted
    missing (commission.missed). Each sweep changes the commission, emits
    its events and removes its index entry in one transaction, so each
    happens exactly once however often review dies around the time: the
    transaction either committed (the entry is gone) or did not (the next
    sweep does it).

    A late answer, after the deadline, makes a missed unit late
    (commission.answered, on_time false); a unit whose answer arrives after
    the deadline but before the sweep ran is counted missed first, so every
    unit that did not answer in time has exactly one commission.missed.
    A unit's second answer changes nothing here (intake registered it as a
    plain report and said so in its receipt).

    Editors extend a deadline (before it passed) or cancel a commission;
    both are in its history and are events (commission.changed) that intake
    follows to check answers.
*/
#include "review.h"

#include <stdio.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_log.h"
#include "bs_records.h"
#include "bs_store.h"

static const review_actor_t s_clock = {"review", "system"};

static bool
s_unit_open (const bs_commission_t *commission)
{
    const bs_commission_unit_t *units = commission->units.items;
    for (size_t i = 0; i < commission->units.count; i++)
        if (strcmp (units[i].state, "open") == 0 && !units[i].reminded)
            return true;
    return false;
}

/* The index entries a commission has: commission_deadlines while open and
   not swept; commission_reminders while, besides, a unit awaits its
   reminder before the deadline. */
static int
s_index (bs_service_t *service, MDB_txn *txn, const bs_commission_t *commission, bool put)
{
    bool live = strcmp (commission->state, "open") == 0 && !commission->swept;
    struct {
        const char *name;
        bool member;
        uint64_t at;
    } entries[2] = {
        {"commission_deadlines", live, commission->deadline},
        {"commission_reminders",
         live && commission->remind_at && commission->remind_at < commission->deadline
             && s_unit_open (commission),
         commission->remind_at},
    };
    for (size_t i = 0; i < 2; i++) {
        if (!entries[i].member)
            continue;
        unsigned char bytes[16];
        bs_store_key (entries[i].at, bytes);
        bs_store_key (commission->commission_id, bytes + 8);
        MDB_val key = {16, bytes}, value = {0, ""};
        MDB_dbi dbi = bs_service_dbi (service, entries[i].name);
        int rc = put ? bs_store_put (txn, dbi, &key, &value, 0) : bs_store_del (txn, dbi, &key);
        if (rc && !(rc == MDB_NOTFOUND && !put))
            return bs_store_error (rc, put ? "index a commission" : "unindex a commission");
    }
    return BS_OK;
}

static int
s_put (bs_service_t *service, MDB_txn *txn, const bs_commission_t *commission)
{
    int rc = bs_store_put_record (txn, bs_service_dbi (service, "commissions"),
                                  commission->commission_id, &bs_commission_schema, commission);
    return rc == BS_OK ? s_index (service, txn, commission, true) : rc;
}

/* Add a line to the history (the list is the commission's; strings are
   copied). */
static int
s_history_add (bs_commission_t *commission, const review_actor_t *actor, const char *action,
               const char *note, uint64_t now)
{
    bs_list_t *history = &commission->history;
    if (history->count == 1000)
        return BS_OK; /* the schema's bound: later lines are in the log's events */
    bs_commission_entry_t *entries =
        realloc (history->items, (history->count + 1) * sizeof *entries);
    if (!entries)
        return BS_E_SYSTEM;
    history->items = entries;
    bs_commission_entry_t *entry = &entries[history->count];
    *entry = (bs_commission_entry_t){.at = now};
    history->count++;
    int rc = review_string_set (&entry->action, action);
    if (rc == BS_OK)
        rc = review_string_set (&entry->actor, actor->name);
    if (rc == BS_OK)
        rc = review_string_set (&entry->role, actor->role);
    if (rc == BS_OK)
        rc = review_string_set (&entry->note, note);
    return rc;
}

/* What principal may read of a commission: the desk and services all of
   it; an officer a commission that asks their own unit, with that unit's
   line alone (not how the other units answered). False: nothing. */
static bool
s_seen (const bs_principal_t *principal, bs_commission_t *commission)
{
    if (bs_principal_allowed (principal, REVIEW_READS_EVERY_UNIT))
        return true;
    if (!bs_principal_sees (principal, principal->unit, NULL)
        || !bs_commission_unit_find (commission, principal->unit))
        return false;
    bs_commission_keep_unit (commission, principal->unit);
    return true;
}

/* A commission, or not_found; with reader, one reader may not see is not
   found either (s_seen), and one it may see keeps what it may see. */
static int
s_load_for (bs_request_t *request, uint64_t commission_id, const bs_principal_t *reader,
            bs_commission_t *commission)
{
    int rc = bs_store_get_record (request->txn, bs_service_dbi (request->service, "commissions"),
                                  commission_id, &bs_commission_schema, commission);
    if (rc == BS_OK && reader && !s_seen (reader, commission)) {
        bs_codec_record_free (&bs_commission_schema, commission);
        rc = BS_E_NOT_FOUND; /* not asked of the reader's unit: as if there were none */
    }
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "commission_id", "no commission %llu",
                                (unsigned long long) commission_id);
    return rc;
}

static int
s_load (bs_request_t *request, uint64_t commission_id, bs_commission_t *commission)
{
    return s_load_for (request, commission_id, NULL, commission);
}

static uint64_t
s_remind_at (bs_service_t *service, uint64_t deadline)
{
    uint64_t hours =
        bs_config_get_number (bs_service_config (service), "review.commission_remind_hours");
    uint64_t before = (hours ? hours : 24) * 3600 * 1000;
    return deadline > before ? deadline - before : 0;
}

/* The units asked, each once, all open. */
static int
s_units (bs_request_t *request, const bs_commission_create_t *create, bs_list_t *units)
{
    const bs_unit_ref_t *asked = create->units.items;
    bs_commission_unit_t *items = calloc (create->units.count, sizeof *items);
    units->items = items;
    units->count = 0;
    if (!items)
        return BS_E_SYSTEM;
    for (size_t i = 0; i < create->units.count; i++) {
        for (size_t j = 0; j < units->count; j++)
            if (strcmp (items[j].unit, asked[i].unit) == 0)
                return bs_request_fail (request, BS_E_INVALID, "units", "unit %s is named twice",
                                        asked[i].unit);
        items[units->count].unit = strdup (asked[i].unit);
        items[units->count].state = strdup ("open");
        if (!items[units->count].unit || !items[units->count].state)
            return BS_E_SYSTEM;
        units->count++;
    }
    return BS_OK;
}

int
review_commission_create (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_commission_create_t *create = request->message->data;
    review_actor_t actor = {create->editor, create->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_DESK, "commission reports");
    if (rc != BS_OK)
        return rc;
    char now[40];
    bs_clock_format (request->now, now, sizeof now);
    if (create->deadline <= request->now)
        return bs_request_fail (request, BS_E_INVALID, "deadline",
                                "the deadline must be later than now (%s)", now);
    if (create->remind_at
        && (create->remind_at <= request->now || create->remind_at >= create->deadline))
        return bs_request_fail (request, BS_E_INVALID, "remind_at",
                                "the reminder must come after now (%s) and before the deadline",
                                now);
    bs_commission_t draft = {
        .title = create->title,
        .brief = create->brief,
        .topic = create->topic,
        .tier = create->tier,
        .deadline = create->deadline,
        .remind_at = create->remind_at ? create->remind_at
                                       : s_remind_at (request->service, create->deadline),
        .scored = create->scored,
        .state = "open",
        .created_by = create->editor,
        .created_at = request->now,
    };
    if (draft.remind_at <= request->now)
        draft.remind_at = 0; /* too close to the deadline to remind */
    bs_commission_t commission;
    rc = bs_codec_record_copy (&bs_commission_schema, &draft, &commission);
    if (rc == BS_OK)
        rc = s_units (request, create, &commission.units);
    if (rc == BS_OK)
        rc = bs_store_next_counter (request->txn, bs_service_dbi (request->service, "counters"),
                                    "commission", &commission.commission_id);
    if (rc == BS_OK)
        rc = s_history_add (&commission, &actor, "create", NULL, request->now);
    if (rc == BS_OK)
        rc = s_put (request->service, request->txn, &commission);
    bs_commission_created_t event = {.commission_id = commission.commission_id,
                                     .title = create->title,
                                     .brief = create->brief,
                                     .topic = create->topic,
                                     .units = create->units,
                                     .deadline = create->deadline,
                                     .scored = create->scored,
                                     .created_at = request->now};
    if (rc == BS_OK)
        rc = bs_service_emit (request->service, request->txn, &bs_commission_created_schema, &event,
                              request->now);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_commission_schema, &commission);
    bs_codec_record_free (&bs_commission_schema, &commission);
    return rc;
}

int
review_commission_get (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_commission_get_t *query = request->message->data;
    bs_commission_t commission;
    int rc = s_load_for (request, query->commission_id, &request->principal, &commission);
    if (rc != BS_OK)
        return rc;
    rc = bs_request_reply (request, &bs_commission_schema, &commission);
    bs_codec_record_free (&bs_commission_schema, &commission);
    return rc;
}

static bool
s_asks (const bs_commission_t *commission, const char *unit)
{
    const bs_commission_unit_t *units = commission->units.items;
    for (size_t i = 0; i < commission->units.count; i++)
        if (strcmp (units[i].unit, unit) == 0)
            return true;
    return false;
}

typedef struct {
    const bs_commission_list_t *list;
    const bs_principal_t *principal;
} s_list_query_t;

static bool
s_listed (const void *record, const void *query)
{
    const bs_commission_t *commission = record;
    const s_list_query_t *asked = query;
    const bs_commission_list_t *list = asked->list;
    if (list->open && (strcmp (commission->state, "open") != 0 || commission->swept))
        return false;
    if (!bs_principal_allowed (asked->principal, REVIEW_READS_EVERY_UNIT)
        && !(bs_principal_sees (asked->principal, asked->principal->unit, NULL)
             && s_asks (commission, asked->principal->unit)))
        return false; /* not asked of the officer's unit */
    return !list->unit || !*list->unit || s_asks (commission, list->unit);
}

int
review_commission_list (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_commission_list_t *query = request->message->data;
    bs_commission_page_t page = {0};
    int rc = bs_store_page (request->txn, bs_service_dbi (request->service, "commissions"),
                            &bs_commission_schema, query->after, query->limit ? query->limit : 100,
                            s_listed, &(s_list_query_t){query, &request->principal},
                            &page.commissions, &page.next);
    bs_commission_t *commissions = page.commissions.items;
    for (size_t i = 0; i < page.commissions.count; i++)
        s_seen (&request->principal, &commissions[i]); /* an officer: their unit's line */
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_commission_page_schema, &page);
    bs_codec_record_free (&bs_commission_page_schema, &page);
    return rc;
}

/* Load an open commission an editor may change; refuse otherwise. */
static int
s_load_open (bs_request_t *request, uint64_t commission_id, const review_actor_t *actor,
             const char *what, bs_commission_t *commission)
{
    int rc = review_actor_check (request, actor, REVIEW_ROLES_DESK, what);
    if (rc == BS_OK)
        rc = s_load (request, commission_id, commission);
    if (rc != BS_OK)
        return rc;
    char deadline[40];
    bs_clock_format (commission->deadline, deadline, sizeof deadline);
    if (strcmp (commission->state, "open") != 0)
        rc = bs_request_fail (request, BS_E_CONFLICT, "commission_id",
                              "commission %llu is %s, so nobody can %s",
                              (unsigned long long) commission_id, commission->state, what);
    else if (commission->swept || commission->deadline <= request->now)
        rc = bs_request_fail (request, BS_E_CONFLICT, "commission_id",
                              "the deadline of commission %llu passed (%s) and missing units "
                              "were counted, so nobody can %s",
                              (unsigned long long) commission_id, deadline, what);
    if (rc != BS_OK)
        bs_codec_record_free (&bs_commission_schema, commission);
    return rc;
}

/* Store a changed commission (taken out of its indexes before), its
   history line, commission.changed, and the reply. */
static int
s_change (bs_request_t *request, bs_commission_t *commission, const review_actor_t *actor,
          const char *action, const char *reason)
{
    int rc = s_history_add (commission, actor, action, reason, request->now);
    if (rc == BS_OK)
        rc = s_put (request->service, request->txn, commission);
    bs_commission_changed_t event = {.commission_id = commission->commission_id,
                                     .state = commission->state,
                                     .deadline = commission->deadline,
                                     .editor = (char *) actor->name,
                                     .reason = (char *) reason,
                                     .changed_at = request->now};
    if (rc == BS_OK)
        rc = bs_service_emit (request->service, request->txn, &bs_commission_changed_schema, &event,
                              request->now);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_commission_schema, commission);
    return rc;
}

int
review_commission_extend (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_commission_extend_t *extend = request->message->data;
    review_actor_t actor = {extend->editor, extend->role};
    bs_commission_t commission;
    int rc = s_load_open (request, extend->commission_id, &actor, "extend it", &commission);
    if (rc != BS_OK)
        return rc;
    char from[40], to[40], note[BS_TEXT_MAX + 100];
    bs_clock_format (commission.deadline, from, sizeof from);
    bs_clock_format (extend->deadline, to, sizeof to);
    if (extend->deadline <= commission.deadline)
        rc = bs_request_fail (request, BS_E_INVALID, "deadline",
                              "an extension must move the deadline later than %s", from);
    else {
        rc = s_index (request->service, request->txn, &commission, false);
        /* The reminder keeps its distance to the deadline. */
        if (commission.remind_at)
            commission.remind_at += extend->deadline - commission.deadline;
        commission.deadline = extend->deadline;
        snprintf (note, sizeof note, "%s -> %s: %s", from, to, extend->reason);
        if (rc == BS_OK)
            rc = s_change (request, &commission, &actor, "extend", note);
    }
    bs_codec_record_free (&bs_commission_schema, &commission);
    return rc;
}

int
review_commission_cancel (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_commission_cancel_t *cancel = request->message->data;
    review_actor_t actor = {cancel->editor, cancel->role};
    bs_commission_t commission;
    int rc = s_load_open (request, cancel->commission_id, &actor, "cancel it", &commission);
    if (rc != BS_OK)
        return rc;
    rc = s_index (request->service, request->txn, &commission, false);
    if (rc == BS_OK)
        rc = review_string_set (&commission.state, "cancelled");
    if (rc == BS_OK)
        rc = s_change (request, &commission, &actor, "cancel", cancel->reason);
    bs_codec_record_free (&bs_commission_schema, &commission);
    return rc;
}

static int
s_miss (bs_service_t *service, MDB_txn *txn, const bs_commission_t *commission,
        bs_commission_unit_t *unit)
{
    bs_commission_missed_t event = {.commission_id = commission->commission_id,
                                    .unit = unit->unit,
                                    .scored = commission->scored,
                                    .deadline = commission->deadline};
    int rc = review_string_set (&unit->state, "missed");
    if (rc == BS_OK)
        rc = bs_service_emit (service, txn, &bs_commission_missed_schema, &event,
                              commission->deadline);
    return rc;
}

/* A sweep's change to one due commission: fn on each open unit, a history
   line, stored (leaving the index it was due in). */
typedef int (s_unit_fn) (bs_service_t *service, MDB_txn *txn, const bs_commission_t *commission,
                         bs_commission_unit_t *unit, uint64_t now);

static int
s_sweep (bs_service_t *service, MDB_txn *txn, const char *index, uint64_t now, s_unit_fn *fn,
         const char *action, bool swept)
{
    uint64_t ids[REVIEW_SWEEP_MAX];
    size_t count;
    int rc = review_index_due (service, txn, index, now, ids, &count);
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        bs_commission_t commission;
        rc = bs_store_get_record (txn, bs_service_dbi (service, "commissions"), ids[i],
                                  &bs_commission_schema, &commission);
        if (rc != BS_OK)
            break;
        rc = s_index (service, txn, &commission, false);
        bs_commission_unit_t *units = commission.units.items;
        size_t changed = 0;
        /* Every open unit is missed at the deadline; each is reminded once. */
        for (size_t u = 0; rc == BS_OK && u < commission.units.count; u++)
            if (strcmp (units[u].state, "open") == 0 && (swept || !units[u].reminded)) {
                rc = fn (service, txn, &commission, &units[u], now);
                changed++;
            }
        if (swept)
            commission.swept = true;
        char note[64];
        snprintf (note, sizeof note, "%zu units", changed);
        if (rc == BS_OK)
            rc = s_history_add (&commission, &s_clock, action, note, now);
        if (rc == BS_OK)
            rc = s_put (service, txn, &commission);
        bs_codec_record_free (&bs_commission_schema, &commission);
    }
    return rc;
}

static int
s_missed (bs_service_t *service, MDB_txn *txn, const bs_commission_t *commission,
          bs_commission_unit_t *unit, uint64_t now)
{
    (void) now;
    return s_miss (service, txn, commission, unit);
}

static int
s_remind (bs_service_t *service, MDB_txn *txn, const bs_commission_t *commission,
          bs_commission_unit_t *unit, uint64_t now)
{
    unit->reminded = true;
    bs_commission_reminded_t event = {.commission_id = commission->commission_id,
                                      .unit = unit->unit,
                                      .title = commission->title,
                                      .deadline = commission->deadline,
                                      .reminded_at = now};
    return bs_service_emit (service, txn, &bs_commission_reminded_schema, &event, now);
}

int
review_commission_deadlines_sweep (bs_service_t *service, MDB_txn *txn, uint64_t now,
                                   void *argument)
{
    (void) argument;
    return s_sweep (service, txn, "commission_deadlines", now, s_missed, "miss", true);
}

int
review_commission_reminders_sweep (bs_service_t *service, MDB_txn *txn, uint64_t now,
                                   void *argument)
{
    (void) argument;
    return s_sweep (service, txn, "commission_reminders", now, s_remind, "remind", false);
}

int
review_commission_answer (bs_service_t *service, MDB_txn *txn, const bs_report_t *report)
{
    bs_commission_t commission;
    int rc = bs_store_get_record (txn, bs_service_dbi (service, "commissions"), report->commission,
                                  &bs_commission_schema, &commission);
    if (rc == BS_E_NOT_FOUND) {
        bs_log_warning ("report %s answers commission %llu, which review does not know",
                        report->reg_no, (unsigned long long) report->commission);
        return BS_OK;
    }
    if (rc != BS_OK)
        return rc;
    bs_commission_unit_t *unit = bs_commission_unit_find (&commission, report->unit);
    bool waiting = unit && strcmp (commission.state, "open") == 0
                   && (strcmp (unit->state, "open") == 0 || strcmp (unit->state, "missed") == 0);
    if (!waiting)
        bs_log_info ("report %s of %s does not answer commission %llu (%s): kept as a plain "
                     "report",
                     report->reg_no, report->unit, (unsigned long long) report->commission,
                     unit ? unit->state : "not asked");
    else {
        bool on_time = report->received_at <= commission.deadline;
        rc = s_index (service, txn, &commission, false);
        if (rc == BS_OK && !on_time && strcmp (unit->state, "open") == 0)
            rc = s_miss (service, txn, &commission, unit);
        if (rc == BS_OK)
            rc = review_string_set (&unit->state, on_time ? "on_time" : "late");
        if (rc == BS_OK)
            rc = review_string_set (&unit->reg_no, report->reg_no);
        unit->report_id = report->report_id;
        unit->answered_at = report->received_at;
        bs_commission_answered_t event = {.commission_id = commission.commission_id,
                                          .unit = unit->unit,
                                          .report_id = report->report_id,
                                          .reg_no = report->reg_no,
                                          .on_time = on_time,
                                          .scored = commission.scored,
                                          .answered_at = report->received_at};
        if (rc == BS_OK)
            rc = bs_service_emit (service, txn, &bs_commission_answered_schema, &event,
                                  report->received_at);
        if (rc == BS_OK)
            rc = s_put (service, txn, &commission);
    }
    bs_codec_record_free (&bs_commission_schema, &commission);
    return rc;
}
