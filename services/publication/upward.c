/*  upward: the outbox to the level above and the adoptions that come back;
    see upward.h. */
#include "upward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_commands.h"
#include "instructions.h"
#include "bs_log.h"

static int
s_index_get (MDB_txn *txn, bs_service_t *service, const char *kind, const char *name,
             uint64_t *outbox_id)
{
    char key[128];
    snprintf (key, sizeof key, "%s:%s", kind, name);
    return bs_store_get_u64 (txn, bs_service_dbi (service, "upward_index"), key, outbox_id);
}

static int
s_index_put (MDB_txn *txn, bs_service_t *service, const char *kind, const char *name,
             uint64_t outbox_id)
{
    char key[128];
    snprintf (key, sizeof key, "%s:%s", kind, name);
    return bs_store_put_u64 (txn, bs_service_dbi (service, "upward_index"), key, outbox_id);
}

/* Queue one item (a report already queued keeps its entry); the entry
   goes to page. */
static int
s_queue (bs_request_t *request, const bs_issue_t *issue, const bs_issue_item_t *item,
         const char *level, bs_list_t *page)
{
    bs_service_t *service = request->service;
    char report[24];
    snprintf (report, sizeof report, "%llu", (unsigned long long) item->report_id);
    uint64_t outbox_id = 0;
    int rc = s_index_get (request->txn, service, "report", report, &outbox_id);
    bs_outbox_entry_t *entries = page->items;
    bs_outbox_entry_t *entry = &entries[page->count];
    if (rc == BS_OK && outbox_id) {
        rc = bs_store_get_record (request->txn, bs_service_dbi (service, "outbox"), outbox_id,
                                  &bs_outbox_entry_schema, entry);
        if (rc == BS_OK)
            page->count++;
        return rc;
    }
    char key[64];
    snprintf (key, sizeof key, "report-%llu", (unsigned long long) item->report_id);
    bs_outbox_entry_t fresh = {
        .report_id = item->report_id,
        .reg_no = item->reg_no,
        .unit = item->unit,
        .title = item->title,
        .body = item->body,
        .issue_id = issue->issue_id,
        .destination =
            (char *) bs_config_get (bs_service_config (service), "publication.upward_url"),
        .level = (char *) level,
        .key = key,
        .state = "queued",
        .queued_at = request->now,
    };
    if (rc == BS_OK)
        rc = bs_store_next_counter (request->txn, bs_service_dbi (service, "counters"), "outbox",
                                    &fresh.outbox_id);
    if (rc == BS_OK)
        rc = bs_store_put_record (request->txn, bs_service_dbi (service, "outbox"),
                                  fresh.outbox_id, &bs_outbox_entry_schema, &fresh);
    if (rc == BS_OK)
        rc = s_index_put (request->txn, service, "report", report, fresh.outbox_id);
    if (rc == BS_OK)
        rc = bs_store_get_record (request->txn, bs_service_dbi (service, "outbox"),
                                  fresh.outbox_id, &bs_outbox_entry_schema, entry);
    if (rc == BS_OK)
        page->count++;
    return rc;
}

static int
s_refuse_forward (bs_request_t *request, const publication_t *publication,
                  const bs_forward_t *forward, const bs_issue_t *issue, const char **level)
{
    bs_config_t *config = bs_service_config (request->service);
    bs_periodical_t periodical;
    int rc = periodicals_get (request->txn, publication->periodicals, issue->periodical,
                              &periodical);
    bool upward = rc == BS_OK && periodical.upward;
    bs_codec_record_free (&bs_periodical_schema, &periodical);
    if (rc != BS_OK && rc != BS_E_NOT_FOUND)
        return rc;
    *level = periodicals_level_above (bs_config_get (config, "publication.level"));
    if (!*bs_config_get (config, "publication.upward_url") || !*level)
        return bs_request_refuse (request, BS_E_CONFLICT, "issue_id", "no_level_above",
                                  "no level above is configured (publication.upward_url)");
    if (!upward)
        return bs_request_refuse (request, BS_E_CONFLICT, "issue_id", "not_upward",
                                  "《%s》 is not sent upward (its upward attribute says no)",
                                  issue->periodical);
    if (strcmp (issue->state, "published") != 0 && !issue->signed_off_by)
        return bs_request_refuse (request, BS_E_CONFLICT, "issue_id", "not_signed_off",
                                  "issue %llu is neither signed off (簽發) nor published",
                                  (unsigned long long) issue->issue_id);
    for (size_t i = 0; i < forward->report_ids.count; i++)
        if (issue_store_item_index (issue, forward->report_ids.items[i]) < 0)
            return bs_request_fail (request, BS_E_NOT_FOUND, "report_ids",
                                    "report %llu is not in issue %llu",
                                    (unsigned long long) forward->report_ids.items[i],
                                    (unsigned long long) issue->issue_id);
    return BS_OK;
}

int
upward_forward (bs_request_t *request, void *argument)
{
    const bs_forward_t *forward = request->message->data;
    bs_issue_t issue;
    int rc = issue_store_load (request, forward->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    const char *level = NULL;
    rc = s_refuse_forward (request, argument, forward, &issue, &level);
    bs_outbox_page_t page = {0};
    size_t wanted = forward->report_ids.count ? forward->report_ids.count : issue.items.count;
    if (rc == BS_OK) {
        page.entries.items = calloc (wanted ? wanted : 1, sizeof (bs_outbox_entry_t));
        if (!page.entries.items)
            rc = bs_request_fail (request, BS_E_SYSTEM, "", "out of memory");
    }
    const bs_issue_item_t *items = issue.items.items;
    for (size_t i = 0; rc == BS_OK && i < issue.items.count; i++) {
        bool chosen = forward->report_ids.count == 0;
        for (size_t k = 0; k < forward->report_ids.count && !chosen; k++)
            chosen = forward->report_ids.items[k] == items[i].report_id;
        if (chosen)
            rc = s_queue (request, &issue, &items[i], level, &page.entries);
    }
    if (rc == BS_OK)
        bs_log_info ("issue %llu: %zu item(s) queued for the %s level by %s",
                     (unsigned long long) issue.issue_id, page.entries.count, level,
                     forward->by ? forward->by : "-");
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_outbox_page_schema, &page);
    bs_codec_record_free (&bs_outbox_page_schema, &page);
    bs_codec_record_free (&bs_issue_schema, &issue);
    return rc;
}

/* The outbox entries of one report (report_id) that reader may read, or
   of every report (0). */
typedef struct {
    uint64_t report_id;
    const bs_principal_t *reader;
    bool due;
} s_outbox_query_t;

static bool
s_keep_forward (const void *record, const void *query)
{
    const bs_outbox_entry_t *entry = record;
    const s_outbox_query_t *wanted = query;
    return (!wanted->report_id || entry->report_id == wanted->report_id)
           && (!wanted->due || strcmp (entry->state, "queued") == 0
               || strcmp (entry->state, "sent") == 0)
           && bs_principal_sees (wanted->reader, entry->unit, PUBLICATION_READS_EVERY_UNIT);
}

int
upward_outbox (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_outbox_request_t *query = request->message->data;
    bs_outbox_page_t page = {0};
    uint64_t limit = query->limit ? query->limit : 100;
    int rc = bs_store_page (request->txn, bs_service_dbi (request->service, "outbox"),
                            &bs_outbox_entry_schema, query->after, limit, s_keep_forward,
                            &(s_outbox_query_t){0, &request->principal, query->due},
                            &page.entries, &page.next);
    if (rc == BS_OK)
        rc = bs_store_get_u64 (request->txn, bs_service_dbi (request->service, "counters"),
                               "feedback_after", &page.feedback_after);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_outbox_page_schema, &page);
    bs_codec_record_free (&bs_outbox_page_schema, &page);
    return rc;
}

static int
s_entry_load (bs_request_t *request, uint64_t outbox_id, bs_outbox_entry_t *entry)
{
    int rc = bs_store_get_record (request->txn, bs_service_dbi (request->service, "outbox"),
                                  outbox_id, &bs_outbox_entry_schema, entry);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "outbox_id", "no outbox entry %llu",
                                (unsigned long long) outbox_id);
    return rc;
}

/* The first acknowledgement: received, report.forwarded. Later ones (the
   sender's retry after a lost reply) change nothing. */
int
upward_ack (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_outbox_ack_t *ack = request->message->data;
    bool acknowledged = ack->upper_reg_no && *ack->upper_reg_no;
    if (!acknowledged && !(ack->error && *ack->error))
        return bs_request_fail (request, BS_E_INVALID, "upper_reg_no",
                                "an acknowledgement names the upper reg_no, a failure its error");
    bs_outbox_entry_t entry;
    int rc = s_entry_load (request, ack->outbox_id, &entry);
    if (rc != BS_OK)
        return rc;
    bool waiting = strcmp (entry.state, "queued") == 0 || strcmp (entry.state, "sent") == 0;
    if (waiting && !acknowledged) {
        entry.tries++;
        rc = issue_store_set_string (&entry.state, "sent");
        if (rc == BS_OK)
            rc = issue_store_set_string (&entry.last_error, ack->error);
    } else if (waiting) {
        entry.tries++;
        entry.received_at = request->now;
        entry.upper_report_id = ack->upper_report_id;
        rc = issue_store_set_string (&entry.state, "received");
        if (rc == BS_OK)
            rc = issue_store_set_string (&entry.upper_reg_no, ack->upper_reg_no);
        if (rc == BS_OK)
            rc = issue_store_set_string (&entry.last_error, NULL);
        if (rc == BS_OK)
            rc = s_index_put (request->txn, request->service, "upper", ack->upper_reg_no,
                              entry.outbox_id);
        bs_forwarded_t event = {.report_id = entry.report_id,
                                .reg_no = entry.reg_no,
                                .unit = entry.unit,
                                .issue_id = entry.issue_id,
                                .destination = entry.destination,
                                .level = entry.level,
                                .forwarded_at = request->now};
        if (rc == BS_OK)
            rc = bs_service_emit (request->service, request->txn, &bs_forwarded_schema, &event,
                                  request->now);
    }
    if (rc == BS_E_SYSTEM)
        rc = bs_request_fail (request, BS_E_SYSTEM, "", "out of memory");
    if (rc == BS_OK && waiting)
        rc = bs_store_put_record (request->txn, bs_service_dbi (request->service, "outbox"),
                                  entry.outbox_id, &bs_outbox_entry_schema, &entry);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_outbox_entry_schema, &entry);
    bs_codec_record_free (&bs_outbox_entry_schema, &entry);
    return rc;
}

/* Store an adoption on a report and emit report.adopted_upward. */
static int
s_adoption_add (bs_request_t *request, bs_adopted_upward_t *adoption)
{
    int rc = bs_store_next_counter (request->txn, bs_service_dbi (request->service, "counters"),
                                    "adoption", &adoption->adoption_id);
    if (rc == BS_OK)
        rc = bs_store_put_record (request->txn, bs_service_dbi (request->service, "adoptions"),
                                  adoption->adoption_id, &bs_adopted_upward_schema, adoption);
    if (rc == BS_OK)
        rc = bs_service_emit (request->service, request->txn, &bs_adopted_upward_schema, adoption,
                              request->now);
    if (rc == BS_OK) {
        archive_t archive; /* the level filter of search finds it there too */
        archive_of (request->service, &archive);
        rc = archive_add_level (request->txn, &archive, adoption->report_id, adoption->level);
    }
    return rc;
}

typedef struct {
    uint64_t report_id;
    const char *level;
    const char *outlet;
    const bs_principal_t *reader; /* NULL: every unit's */
} s_adoption_query_t;

static bool
s_keep_adoption (const void *record, const void *query)
{
    const bs_adopted_upward_t *adoption = record;
    const s_adoption_query_t *wanted = query;
    return adoption->report_id == wanted->report_id
           && (!wanted->level || strcmp (adoption->level, wanted->level) == 0)
           && (!wanted->outlet || strcmp (adoption->outlet, wanted->outlet) == 0)
           && (!wanted->reader
               || bs_principal_sees (wanted->reader, adoption->unit, PUBLICATION_READS_EVERY_UNIT));
}

/* A leader's comment above on a report forwarded from here: recorded on
   the original report, for its unit to see and answer (the feedback
   cursor makes it once). */
static int
s_instruction_add (bs_request_t *request, const bs_outbox_entry_t *entry,
                   const bs_feedback_entry_t *feedback)
{
    if (!feedback->leader || !*feedback->leader || !feedback->text || !*feedback->text) {
        bs_log_warning ("the level above sent a comment on %s with no leader or text: skipped",
                        entry->reg_no);
        return BS_OK;
    }
    uint64_t due = feedback->follow_up_due
                       ? feedback->follow_up_due
                       : feedback->at + INSTRUCTIONS_FOLLOW_UP_DAYS * INSTRUCTIONS_DAY_MS;
    bs_instruction_t instruction = {.report_id = entry->report_id,
                                    .reg_no = entry->reg_no,
                                    .unit = entry->unit,
                                    .title = entry->title,
                                    .issue_id = entry->issue_id,
                                    .leader = feedback->leader,
                                    .level = feedback->level,
                                    .text = feedback->text,
                                    .instructed_at = feedback->at,
                                    .follow_up_due = due,
                                    .recorded_by = "callback"};
    return instructions_record (request->service, request->txn, &instruction, request->now);
}

/* One feedback entry about a report this installation forwarded. */
static int
s_apply_one (bs_request_t *request, const bs_feedback_entry_t *feedback)
{
    uint64_t outbox_id = 0;
    int rc = s_index_get (request->txn, request->service, "upper", feedback->reg_no, &outbox_id);
    if (rc != BS_OK || !outbox_id)
        return rc; /* not one of ours */
    bs_outbox_entry_t entry;
    rc = s_entry_load (request, outbox_id, &entry);
    if (rc != BS_OK)
        return rc;
    if (strcmp (feedback->state, "instructed") == 0) {
        rc = s_instruction_add (request, &entry, feedback);
        bs_codec_record_free (&bs_outbox_entry_schema, &entry);
        return rc;
    }
    bool adopted = strcmp (feedback->state, "not_adopted") != 0;
    rc = issue_store_set_string (&entry.state, adopted ? "adopted" : "not_adopted");
    if (rc == BS_OK)
        rc = bs_store_put_record (request->txn, bs_service_dbi (request->service, "outbox"),
                                  entry.outbox_id, &bs_outbox_entry_schema, &entry);
    const char *outlet = feedback->outlet && *feedback->outlet ? feedback->outlet : feedback->level;
    s_adoption_query_t query = {entry.report_id, feedback->level, outlet, NULL};
    bs_list_t found = {0};
    uint64_t next = 0;
    if (rc == BS_OK && adopted)
        rc = bs_store_page (request->txn, bs_service_dbi (request->service, "adoptions"),
                            &bs_adopted_upward_schema, 0, 1, s_keep_adoption, &query, &found,
                            &next);
    if (rc == BS_OK && adopted && found.count == 0) {
        bs_adopted_upward_t adoption = {.report_id = entry.report_id,
                                        .reg_no = entry.reg_no,
                                        .unit = entry.unit,
                                        .level = feedback->level,
                                        .outlet = (char *) outlet,
                                        .outlet_issue = feedback->outlet_issue,
                                        .adopted_at = feedback->at,
                                        .source = "callback"};
        rc = s_adoption_add (request, &adoption);
    } else if (rc == BS_OK && adopted && feedback->outlet_issue) {
        /* Published after it was adopted: the same adoption, now with its
           issue (counted once). */
        bs_adopted_upward_t *adoption = found.items;
        rc = issue_store_set_string (&adoption->outlet_issue, feedback->outlet_issue);
        if (rc == BS_OK)
            rc = bs_store_put_record (request->txn, bs_service_dbi (request->service, "adoptions"),
                                      adoption->adoption_id, &bs_adopted_upward_schema, adoption);
    }
    for (size_t i = 0; i < found.count; i++)
        bs_codec_record_free (&bs_adopted_upward_schema, &((bs_adopted_upward_t *) found.items)[i]);
    free (found.items);
    bs_codec_record_free (&bs_outbox_entry_schema, &entry);
    return rc;
}

int
upward_feedback_apply (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_feedback_apply_t *apply = request->message->data;
    MDB_dbi counters = bs_service_dbi (request->service, "counters");
    uint64_t cursor = 0;
    int rc = bs_store_get_u64 (request->txn, counters, "feedback_after", &cursor);
    const bs_feedback_entry_t *entries = apply->entries.items;
    for (size_t i = 0; rc == BS_OK && i < apply->entries.count; i++) {
        if (entries[i].seq <= cursor)
            continue; /* applied before */
        rc = s_apply_one (request, &entries[i]);
        cursor = entries[i].seq;
    }
    if (rc == BS_OK)
        rc = bs_store_put_u64 (request->txn, counters, "feedback_after", cursor);
    if (rc == BS_E_SYSTEM)
        rc = bs_request_fail (request, BS_E_SYSTEM, "", "out of memory");
    bs_outbox_page_t page = {.feedback_after = cursor};
    return rc == BS_OK ? bs_request_reply (request, &bs_outbox_page_schema, &page) : rc;
}

int
upward_adoption_record (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_adoption_record_t *record = request->message->data;
    if (!periodicals_level_known (record->level))
        return bs_request_fail (request, BS_E_INVALID, "level",
                                "level '%s' is not county, city, province or central",
                                record->level);
    bs_pending_item_t report;
    int rc = bs_store_get_record (request->txn, bs_service_dbi (request->service, "adopted"),
                                  record->report_id, &bs_pending_item_schema, &report);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "report_id",
                                "report %llu was not adopted here, so publication does not know it",
                                (unsigned long long) record->report_id);
    if (rc != BS_OK)
        return rc;
    bs_adopted_upward_t adoption = {.report_id = report.report_id,
                                    .reg_no = report.reg_no,
                                    .unit = report.unit,
                                    .level = record->level,
                                    .outlet = record->outlet,
                                    .outlet_issue = record->outlet_issue,
                                    .adopted_at = record->adopted_at ? record->adopted_at
                                                                     : request->now,
                                    .source = "manual",
                                    .recorded_by = record->by};
    rc = s_adoption_add (request, &adoption);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_adopted_upward_schema, &adoption);
    bs_codec_record_free (&bs_pending_item_schema, &report);
    return rc;
}

int
upward_get (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_upward_request_t *query = request->message->data;
    bs_upward_page_t page = {.report_id = query->report_id};
    /* Another unit's report, to an officer, is a report with nothing
       recorded: as one publication does not know. */
    s_adoption_query_t adoptions = {query->report_id, NULL, NULL, &request->principal};
    s_outbox_query_t forwards = {query->report_id, &request->principal, false};
    uint64_t next = 0;
    int rc = bs_store_page (request->txn, bs_service_dbi (request->service, "outbox"),
                            &bs_outbox_entry_schema, 0, 16, s_keep_forward, &forwards,
                            &page.forwards, &next);
    if (rc == BS_OK)
        rc = bs_store_page (request->txn, bs_service_dbi (request->service, "adoptions"),
                            &bs_adopted_upward_schema, 0, BS_PAGE_MAX, s_keep_adoption, &adoptions,
                            &page.adoptions, &next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_upward_page_schema, &page);
    bs_codec_record_free (&bs_upward_page_schema, &page);
    return rc;
}
