/*  issue_compose: composing a draft issue: create it, add, remove and
    reorder its items, edit an item's text, section, note and credit, and
    the issue's editor's note and responsible editor. Every change is in the
    issue's audit trail and withdraws a leader's sign-off. A published issue
    refuses them all (corrections are errata: issue_publish.c). */
#include "issue_compose.h"

#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"

static int
s_reply (bs_request_t *request, bs_issue_t *issue, int rc)
{
    if (rc == BS_E_SYSTEM)
        rc = bs_request_fail (request, BS_E_SYSTEM, "", "out of memory");
    if (rc == BS_OK)
        rc = issue_store_save (request, issue);
    if (rc == BS_OK)
        rc = issue_store_reply (request, issue);
    bs_codec_record_free (&bs_issue_schema, issue);
    return rc;
}

/* The item an adopted report becomes; the item takes the report's strings. */
static void
s_item_from (bs_pending_item_t *adopted, const char *section, bs_issue_item_t *item)
{
    *item = (bs_issue_item_t){.report_id = adopted->report_id,
                              .reg_no = adopted->reg_no,
                              .unit = adopted->unit,
                              .title = adopted->title,
                              .body = adopted->body,
                              .source_units = adopted->source_units,
                              .section = section && *section ? strdup (section) : NULL};
    adopted->reg_no = adopted->unit = adopted->title = adopted->body = adopted->source_units = NULL;
}

/* Check that report_id, the position-th of its list, may go into issue
   and place it there. */
static int
s_add_one (bs_request_t *request, bs_issue_t *issue, uint64_t report_id, size_t position,
           const char *section)
{
    MDB_dbi adopted_dbi = bs_service_dbi (request->service, "adopted");
    bs_pending_item_t adopted;
    int rc =
        bs_store_get_record (request->txn, adopted_dbi, report_id, &bs_pending_item_schema, &adopted);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_refuse_line (request, BS_E_NOT_FOUND, "report_ids", "not_adopted",
                                       (unsigned) position,
                                       "report %llu is not adopted (or its adoption has not "
                                       "reached publication yet)",
                                       (unsigned long long) report_id);
    if (rc != BS_OK)
        return rc;
    if (strcmp (adopted.periodical, issue->periodical) != 0)
        rc = bs_request_refuse_line (request, BS_E_CONFLICT, "report_ids", "other_periodical",
                                     (unsigned) position, "report %s was adopted for 《%s》, not 《%s》",
                                     adopted.reg_no, adopted.periodical, issue->periodical);
    else if (adopted.issue_id && adopted.issue_id != issue->issue_id)
        rc = bs_request_refuse_line (request, BS_E_CONFLICT, "report_ids", "in_issue",
                                     (unsigned) position, "report %s is already in issue %llu",
                                     adopted.reg_no, (unsigned long long) adopted.issue_id);
    else if (adopted.issue_id == 0 && issue->items.count >= BS_PAGE_MAX)
        rc = bs_request_fail (request, BS_E_LIMIT, "report_ids",
                              "an issue holds at most %d reports", BS_PAGE_MAX);
    else if (adopted.issue_id == 0) {
        adopted.issue_id = issue->issue_id;
        rc = bs_store_put_record (request->txn, adopted_dbi, report_id, &bs_pending_item_schema,
                                  &adopted);
        if (rc == BS_OK)
            rc = issue_store_unlist_waiting (request->txn,
                                             bs_service_dbi (request->service, "waiting"),
                                             report_id);
        bs_issue_item_t *items =
            realloc (issue->items.items, (issue->items.count + 1) * sizeof *items);
        if (rc == BS_OK && !items)
            rc = BS_E_SYSTEM;
        if (rc == BS_OK) {
            issue->items.items = items;
            s_item_from (&adopted, section, &items[issue->items.count++]);
        }
    }
    bs_codec_record_free (&bs_pending_item_schema, &adopted);
    return rc;
}

/* Add the reports of report_ids to issue, at its end, under section: the
   history says how many came, and a sign-off given before is withdrawn. */
static int
s_add_list (bs_request_t *request, bs_issue_t *issue, const bs_u64_list_t *report_ids,
            const char *section, const char *by)
{
    size_t before = issue->items.count;
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < report_ids->count; i++)
        rc = s_add_one (request, issue, report_ids->items[i], i + 1, section);
    if (rc == BS_OK && issue->items.count > before) {
        rc = issue_store_history (issue, "add", by, request->now, "%zu report(s)",
                                  issue->items.count - before);
        if (rc == BS_OK)
            rc = issue_store_withdraw_signoff (issue, by, request->now);
    }
    return rc;
}

/* The draft and the reports it holds from the start are one command: a
   report refused refuses the draft, which leaves nothing behind (nor
   takes an issue id). */
int
issue_compose_create (bs_request_t *request, void *argument)
{
    const publication_t *publication = argument;
    const bs_issue_create_t *create = request->message->data;
    bs_periodical_t periodical;
    int known = periodicals_get (request->txn, publication->periodicals, create->periodical,
                                 &periodical);
    bs_codec_record_free (&bs_periodical_schema, &periodical);
    if (known == BS_E_NOT_FOUND) {
        char names[BS_PERIODICALS_MAX * (BS_NAME_MAX + 1)];
        known = periodicals_names (request->txn, publication->periodicals, names, sizeof names);
        if (known == BS_OK)
            known = bs_request_fail (request, BS_E_INVALID, "periodical",
                                     "unknown periodical '%s'; known: %s", create->periodical,
                                     names);
    }
    if (known != BS_OK)
        return known;
    if (!periodicals_series_known (create->series))
        return bs_request_fail (request, BS_E_INVALID, "series",
                                "series '%s' is not 專刊 or 增刊 (leave it out for a regular issue)",
                                create->series);
    bs_issue_t issue = {.year = create->year, .created_at = request->now};
    int rc = issue_store_set_string (&issue.periodical, create->periodical);
    if (rc == BS_OK && create->series && *create->series)
        rc = issue_store_set_string (&issue.series, create->series);
    if (rc == BS_OK)
        rc = issue_store_set_string (&issue.state, "draft");
    if (rc == BS_OK)
        rc = bs_store_next_counter (request->txn, bs_service_dbi (request->service, "counters"),
                                    "issue", &issue.issue_id);
    if (rc == BS_OK)
        rc = issue_store_history (&issue, "create", create->by, request->now, NULL);
    if (rc == BS_OK)
        rc = s_add_list (request, &issue, &create->report_ids, NULL, create->by);
    if (rc != BS_OK && rc != BS_E_SYSTEM) {
        bs_codec_record_free (&bs_issue_schema, &issue);
        return rc;
    }
    return s_reply (request, &issue, rc);
}

/* Adding a report already in this issue leaves it as it is, so adding the
   same list twice is harmless. */
int
issue_compose_add (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_add_t *add = request->message->data;
    bs_issue_t issue;
    int rc = issue_store_load_draft (request, add->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    rc = s_add_list (request, &issue, &add->report_ids, add->section, add->by);
    if (rc != BS_OK && rc != BS_E_SYSTEM) {
        bs_codec_record_free (&bs_issue_schema, &issue);
        return rc;
    }
    return s_reply (request, &issue, rc);
}

/* The report leaves the issue and waits for one again. */
static int
s_release (bs_request_t *request, uint64_t report_id)
{
    MDB_dbi adopted_dbi = bs_service_dbi (request->service, "adopted");
    bs_pending_item_t adopted;
    int rc =
        bs_store_get_record (request->txn, adopted_dbi, report_id, &bs_pending_item_schema, &adopted);
    if (rc == BS_E_NOT_FOUND)
        return BS_OK; /* its adoption was reverted meanwhile */
    if (rc != BS_OK)
        return rc;
    adopted.issue_id = 0;
    rc = bs_store_put_record (request->txn, adopted_dbi, report_id, &bs_pending_item_schema,
                              &adopted);
    if (rc == BS_OK)
        rc = bs_store_put_record (request->txn, bs_service_dbi (request->service, "waiting"),
                                  report_id, &bs_pending_item_schema, &adopted);
    bs_codec_record_free (&bs_pending_item_schema, &adopted);
    return rc;
}

int
issue_compose_remove (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_remove_t *remove = request->message->data;
    bs_issue_t issue;
    int rc = issue_store_load_draft (request, remove->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    for (size_t i = 0; i < remove->report_ids.count; i++)
        if (issue_store_item_index (&issue, remove->report_ids.items[i]) < 0) {
            rc = bs_request_fail (request, BS_E_NOT_FOUND, "report_ids",
                                  "report %llu is not in issue %llu",
                                  (unsigned long long) remove->report_ids.items[i],
                                  (unsigned long long) issue.issue_id);
            bs_codec_record_free (&bs_issue_schema, &issue);
            return rc;
        }
    rc = issue_store_keep_texts (request->service, request->txn, &issue);
    bs_issue_item_t *items = issue.items.items;
    for (size_t i = 0; rc == BS_OK && i < remove->report_ids.count; i++) {
        long at = issue_store_item_index (&issue, remove->report_ids.items[i]);
        if (at < 0)
            continue; /* named twice */
        rc = s_release (request, items[at].report_id);
        bs_codec_record_free (&bs_issue_item_schema, &items[at]);
        memmove (&items[at], &items[at + 1], (issue.items.count - (size_t) at - 1) * sizeof *items);
        issue.items.count--;
    }
    if (rc == BS_OK)
        rc = issue_store_history (&issue, "remove", remove->by, request->now, "%zu report(s)",
                                  remove->report_ids.count);
    if (rc == BS_OK)
        rc = issue_store_withdraw_signoff (&issue, remove->by, request->now);
    return s_reply (request, &issue, rc);
}

int
issue_compose_move (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_move_t *move = request->message->data;
    bs_issue_t issue;
    int rc = issue_store_load_draft (request, move->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    long from = issue_store_item_index (&issue, move->report_id);
    if (from < 0 || move->position > issue.items.count) {
        rc = from < 0 ? bs_request_fail (request, BS_E_NOT_FOUND, "report_id",
                                         "report %llu is not in issue %llu",
                                         (unsigned long long) move->report_id,
                                         (unsigned long long) issue.issue_id)
                      : bs_request_fail (request, BS_E_INVALID, "position",
                                         "position %llu is past the issue's %zu items",
                                         (unsigned long long) move->position, issue.items.count);
        bs_codec_record_free (&bs_issue_schema, &issue);
        return rc;
    }
    rc = issue_store_keep_texts (request->service, request->txn, &issue);
    if (rc != BS_OK) {
        bs_codec_record_free (&bs_issue_schema, &issue);
        return rc;
    }
    bs_issue_item_t *items = issue.items.items;
    bs_issue_item_t moving = items[from];
    size_t to = (size_t) move->position - 1;
    if ((size_t) from < to)
        memmove (&items[from], &items[from + 1], (to - (size_t) from) * sizeof *items);
    else
        memmove (&items[to + 1], &items[to], ((size_t) from - to) * sizeof *items);
    items[to] = moving;
    rc = issue_store_history (&issue, "move", move->by, request->now, "report %s to position %zu",
                              moving.reg_no, to + 1);
    if (rc == BS_OK)
        rc = issue_store_withdraw_signoff (&issue, move->by, request->now);
    return s_reply (request, &issue, rc);
}

/* Empty clears an optional text; NULL leaves it. */
static int
s_replace (char **field, const char *value)
{
    if (!value)
        return BS_OK;
    return issue_store_set_string (field, *value ? value : NULL);
}

int
issue_compose_edit_item (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_item_edit_t *edit = request->message->data;
    if ((edit->title && !*edit->title) || (edit->body && !*edit->body))
        return bs_request_fail (request, BS_E_INVALID, edit->title && !*edit->title ? "title" : "body",
                                "an item's title and body cannot be empty");
    bs_issue_t issue;
    int rc = issue_store_load_draft (request, edit->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    long at = issue_store_item_index (&issue, edit->report_id);
    if (at < 0) {
        rc = bs_request_fail (request, BS_E_NOT_FOUND, "report_id",
                              "report %llu is not in issue %llu",
                              (unsigned long long) edit->report_id,
                              (unsigned long long) issue.issue_id);
        bs_codec_record_free (&bs_issue_schema, &issue);
        return rc;
    }
    if (edit->title || edit->body)
        rc = issue_store_keep_texts (request->service, request->txn, &issue);
    bs_issue_item_t *item = &((bs_issue_item_t *) issue.items.items)[at];
    if (rc == BS_OK)
        rc = s_replace (&item->title, edit->title);
    if (rc == BS_OK)
        rc = s_replace (&item->body, edit->body);
    if (rc == BS_OK)
        rc = s_replace (&item->section, edit->section);
    if (rc == BS_OK)
        rc = s_replace (&item->note, edit->note);
    if (rc == BS_OK)
        rc = s_replace (&item->source_units, edit->source_units);
    if (rc == BS_OK)
        rc = s_replace (&item->author, edit->author);
    if (rc == BS_OK)
        rc = issue_store_history (&issue, "edit_item", edit->by, request->now, "report %s",
                                  item->reg_no);
    if (rc == BS_OK)
        rc = issue_store_withdraw_signoff (&issue, edit->by, request->now);
    return s_reply (request, &issue, rc);
}

int
issue_compose_edit (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_edit_t *edit = request->message->data;
    bs_issue_t issue;
    int rc = issue_store_load_draft (request, edit->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    rc = s_replace (&issue.note, edit->note);
    if (rc == BS_OK)
        rc = s_replace (&issue.responsible_editor, edit->responsible_editor);
    if (rc == BS_OK)
        rc = issue_store_history (&issue, "edit", edit->by, request->now, NULL);
    if (rc == BS_OK)
        rc = issue_store_withdraw_signoff (&issue, edit->by, request->now);
    return s_reply (request, &issue, rc);
}
