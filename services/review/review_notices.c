/*  review_notices: notices (通知) and reporting guidance (報送要點) the
    office sends to units, and who has read them. A notice is sent once
    (notice.sent) and never changes but for its read receipts: each officer
    of a unit it was sent to who reads it adds one entry (unit, officer,
    first read time); reading again changes nothing. Editors see who has
    read it; a unit lists the notices sent to it.
*/
#include "review.h"

#include <string.h>

#include "bs_records.h"
#include "bs_store.h"

static const char *const s_kinds[] = {"notice", "guidance", NULL};

static bool
s_sent_to (const bs_notice_t *notice, const char *unit)
{
    const bs_unit_ref_t *units = notice->units.items;
    for (size_t i = 0; i < notice->units.count; i++)
        if (strcmp (units[i].unit, unit) == 0)
            return true;
    return false;
}

/* What principal may read of a notice: the desk and services all of it;
   an officer a notice sent to their own unit, with their unit's read
   receipts alone. False: nothing. */
static bool
s_seen (const bs_principal_t *principal, bs_notice_t *notice)
{
    if (bs_principal_allowed (principal, REVIEW_READS_EVERY_UNIT))
        return true;
    if (!bs_principal_sees (principal, principal->unit, NULL)
        || !s_sent_to (notice, principal->unit))
        return false;
    bs_notice_keep_unit (notice, principal->unit);
    return true;
}

/* A notice, or not_found; with reader, one reader may not see (s_seen)
   is not found either, and one it may see keeps what it may see. */
static int
s_load (bs_request_t *request, uint64_t notice_id, const bs_principal_t *reader,
        bs_notice_t *notice)
{
    int rc = bs_store_get_record (request->txn, bs_service_dbi (request->service, "notices"),
                                  notice_id, &bs_notice_schema, notice);
    if (rc == BS_OK && reader && !s_seen (reader, notice)) {
        bs_codec_record_free (&bs_notice_schema, notice);
        rc = BS_E_NOT_FOUND; /* not sent to the reader's unit: as if there were none */
    }
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "notice_id", "no notice %llu",
                                (unsigned long long) notice_id);
    return rc;
}

int
review_notice_send (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_notice_send_t *send = request->message->data;
    review_actor_t actor = {send->editor, send->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_DESK, "send a notice");
    if (rc != BS_OK)
        return rc;
    const char *kind = send->kind && *send->kind ? send->kind : "notice";
    bool known = false;
    for (size_t i = 0; s_kinds[i]; i++)
        known |= strcmp (s_kinds[i], kind) == 0;
    if (!known)
        return bs_request_fail (request, BS_E_INVALID, "kind",
                                "kind is notice (通知) or guidance (報送要點), not '%s'", kind);
    const bs_unit_ref_t *units = send->units.items;
    for (size_t i = 0; i < send->units.count; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp (units[i].unit, units[j].unit) == 0)
                return bs_request_fail (request, BS_E_INVALID, "units", "unit %s is named twice",
                                        units[i].unit);
    bs_notice_t notice = {.kind = (char *) kind,
                          .title = send->title,
                          .body = send->body,
                          .tier = send->tier,
                          .units = send->units,
                          .sent_by = send->editor,
                          .sent_at = request->now};
    rc = bs_store_next_counter (request->txn, bs_service_dbi (request->service, "counters"),
                                "notice", &notice.notice_id);
    if (rc == BS_OK)
        rc = bs_store_put_record (request->txn, bs_service_dbi (request->service, "notices"),
                                  notice.notice_id, &bs_notice_schema, &notice);
    bs_notice_sent_t event = {.notice_id = notice.notice_id,
                              .kind = notice.kind,
                              .title = notice.title,
                              .body = notice.body,
                              .units = notice.units,
                              .sent_at = notice.sent_at};
    if (rc == BS_OK)
        rc = bs_service_emit (request->service, request->txn, &bs_notice_sent_schema, &event,
                              request->now);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_notice_schema, &notice);
    return rc;
}

int
review_notice_get (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_notice_get_t *query = request->message->data;
    bs_notice_t notice;
    int rc = s_load (request, query->notice_id, &request->principal, &notice);
    if (rc != BS_OK)
        return rc;
    rc = bs_request_reply (request, &bs_notice_schema, &notice);
    bs_codec_record_free (&bs_notice_schema, &notice);
    return rc;
}

typedef struct {
    const bs_notice_list_t *list;
    const bs_principal_t *principal;
} s_list_query_t;

static bool
s_listed (const void *record, const void *query)
{
    const bs_notice_t *notice = record;
    const s_list_query_t *asked = query;
    const bs_notice_list_t *list = asked->list;
    if (list->kind && *list->kind && strcmp (notice->kind, list->kind) != 0)
        return false;
    if (!bs_principal_allowed (asked->principal, REVIEW_READS_EVERY_UNIT)
        && !(bs_principal_sees (asked->principal, asked->principal->unit, NULL)
             && s_sent_to (notice, asked->principal->unit)))
        return false; /* not sent to the officer's unit */
    return !list->unit || !*list->unit || s_sent_to (notice, list->unit);
}

int
review_notice_list (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_notice_list_t *query = request->message->data;
    bs_notice_page_t page = {0};
    int rc = bs_store_page (request->txn, bs_service_dbi (request->service, "notices"),
                            &bs_notice_schema, query->after, query->limit ? query->limit : 100,
                            s_listed, &(s_list_query_t){query, &request->principal},
                            &page.notices, &page.next);
    bs_notice_t *notices = page.notices.items;
    for (size_t i = 0; i < page.notices.count; i++)
        s_seen (&request->principal, &notices[i]); /* an officer: their unit's receipts */
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_notice_page_schema, &page);
    bs_codec_record_free (&bs_notice_page_schema, &page);
    return rc;
}

/* Whether officer has read the notice already. */
static bool
s_has_read (const bs_notice_t *notice, const char *officer)
{
    const bs_notice_read_entry_t *reads = notice->reads.items;
    for (size_t i = 0; i < notice->reads.count; i++)
        if (strcmp (reads[i].officer, officer) == 0)
            return true;
    return false;
}

int
review_notice_read (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_notice_read_t *read = request->message->data;
    bs_error_t error;
    /* A read receipt says a person read it: only they may give it. */
    if (bs_principal_check_for (&request->principal, read->unit, read->officer, NULL, &error)
        != BS_OK)
        return bs_request_fail (request, error.code, error.field, "%s", error.text);
    bs_notice_t notice;
    int rc = s_load (request, read->notice_id, NULL, &notice);
    if (rc != BS_OK)
        return rc;
    if (!s_sent_to (&notice, read->unit)) /* another unit's notice: as if there were none */
        rc = bs_request_fail (request, BS_E_NOT_FOUND, "notice_id", "no notice %llu",
                              (unsigned long long) read->notice_id);
    else if (!s_has_read (&notice, read->officer)) {
        bs_list_t *reads = &notice.reads;
        bs_notice_read_entry_t *entries =
            realloc (reads->items, (reads->count + 1) * sizeof *entries);
        if (!entries)
            rc = BS_E_SYSTEM;
        else {
            reads->items = entries;
            entries[reads->count] = (bs_notice_read_entry_t){.unit = strdup (read->unit),
                                                             .officer = strdup (read->officer),
                                                             .read_at = request->now};
            reads->count++;
            if (!entries[reads->count - 1].unit || !entries[reads->count - 1].officer)
                rc = BS_E_SYSTEM;
        }
        if (rc == BS_OK)
            rc = bs_store_put_record (request->txn, bs_service_dbi (request->service, "notices"),
                                      notice.notice_id, &bs_notice_schema, &notice);
    }
    if (rc == BS_OK && s_seen (&request->principal, &notice)) /* their unit's receipts */
        rc = bs_request_reply (request, &bs_notice_schema, &notice);
    bs_codec_record_free (&bs_notice_schema, &notice);
    return rc;
}
