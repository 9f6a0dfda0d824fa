/*  issue_store: issues in publication's store; see issue_store.h. */
#include "issue_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
issue_store_visible (const bs_principal_t *principal, const bs_issue_t *issue)
{
    return strcmp (issue->state, "published") == 0
           || bs_principal_allowed (principal, PUBLICATION_READS_EVERY_UNIT);
}

/* An issue, or not_found; with reader, one reader may not read is not
   found either. */
static int
s_load (bs_request_t *request, uint64_t issue_id, const bs_principal_t *reader, bs_issue_t *issue)
{
    int rc = bs_store_get_record (request->txn, bs_service_dbi (request->service, "issues"),
                                  issue_id, &bs_issue_schema, issue);
    if (rc == BS_OK && reader && !issue_store_visible (reader, issue)) {
        bs_codec_record_free (&bs_issue_schema, issue);
        rc = BS_E_NOT_FOUND; /* a draft, to an officer: as if there were none */
    }
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "issue_id", "no issue %llu",
                                (unsigned long long) issue_id);
    return rc;
}

int
issue_store_load (bs_request_t *request, uint64_t issue_id, bs_issue_t *issue)
{
    return s_load (request, issue_id, NULL, issue);
}

int
issue_store_read (bs_request_t *request, uint64_t issue_id, bs_issue_t *issue)
{
    return s_load (request, issue_id, &request->principal, issue);
}

int
issue_store_load_draft (bs_request_t *request, uint64_t issue_id, bs_issue_t *issue)
{
    int rc = issue_store_load (request, issue_id, issue);
    if (rc != BS_OK)
        return rc;
    if (strcmp (issue->state, "draft") != 0) {
        rc = bs_request_refuse (request, BS_E_CONFLICT, "issue_id", "published",
                                "issue %llu is published and can no longer change (record an "
                                "erratum instead)",
                                (unsigned long long) issue_id);
        bs_codec_record_free (&bs_issue_schema, issue);
    }
    return rc;
}

int
issue_store_save (bs_request_t *request, const bs_issue_t *issue)
{
    return bs_store_put_record (request->txn, bs_service_dbi (request->service, "issues"),
                                issue->issue_id, &bs_issue_schema, issue);
}

static void
s_composition_key (uint64_t issue_id, char *key, size_t size)
{
    snprintf (key, size, "texts:%llu", (unsigned long long) issue_id);
}

/* The issue's composition: how many changes moved, took out or rewrote
   its items (issue_store_keep_texts). */
static int
s_composition (bs_service_t *service, MDB_txn *txn, uint64_t issue_id, uint64_t *composition)
{
    char key[48];
    s_composition_key (issue_id, key, sizeof key);
    return bs_store_get_u64 (txn, bs_service_dbi (service, "counters"), key, composition);
}

/* The latest time in the issue's history (0: none). */
static uint64_t
s_changed_at (const bs_issue_t *issue)
{
    const bs_issue_history_t *lines = issue->history.items;
    uint64_t at = 0;
    for (size_t i = 0; i < issue->history.count; i++)
        if (lines[i].at > at)
            at = lines[i].at;
    return at;
}

int
issue_store_reply (bs_request_t *request, const bs_issue_t *issue)
{
    int rc = bs_request_reply (request, &bs_issue_schema, issue);
    size_t count = 2 * issue->items.count;
    /* Only a reply of a change (a history line at request->now) leaves
       texts out, so the kept copy of its composition, forgotten
       idempotency_days after the issue's last change
       (issue_store_keep_texts), never goes before it. */
    if (rc != BS_OK || count == 0 || s_changed_at (issue) != request->now)
        return rc;
    unsigned char reference[16];
    uint64_t composition = 0;
    rc = s_composition (request->service, request->txn, issue->issue_id, &composition);
    const char **texts = malloc (count * sizeof *texts);
    if (rc != BS_OK || !texts) {
        free (texts);
        return rc; /* out of memory: stored whole */
    }
    const bs_issue_item_t *items = issue->items.items;
    for (size_t i = 0; i < issue->items.count; i++) {
        texts[2 * i] = items[i].title;
        texts[2 * i + 1] = items[i].body;
    }
    bs_store_key (issue->issue_id, reference);
    bs_store_key (composition, reference + 8);
    rc = bs_request_store_without (request, reference, sizeof reference, texts, count);
    free (texts);
    return rc;
}

int
issue_store_keep_texts (bs_service_t *service, MDB_txn *txn, const bs_issue_t *issue)
{
    if (issue->items.count == 0)
        return BS_OK; /* no stored reply of it leaves texts out */
    uint64_t composition = 0;
    int rc = s_composition (service, txn, issue->issue_id, &composition);
    char key[48];
    bs_service_version_key (issue->issue_id, composition, key, sizeof key);
    uint64_t changed_at = s_changed_at (issue);
    if (rc == BS_OK)
        rc = bs_service_keep_version (service, txn, key, &bs_issue_schema, issue, changed_at);
    s_composition_key (issue->issue_id, key, sizeof key);
    if (rc == BS_OK)
        rc = bs_store_put_u64 (txn, bs_service_dbi (service, "counters"), key, composition + 1);
    return rc;
}

int
issue_store_texts (bs_service_t *service, MDB_txn *txn, const void *reference,
                   size_t reference_size, char *texts[], size_t count)
{
    if (reference_size != 16 || count % 2)
        return BS_E_SYSTEM;
    uint64_t issue_id = bs_store_key_value (reference);
    uint64_t composition = bs_store_key_value ((const unsigned char *) reference + 8), now = 0;
    bs_issue_t issue;
    int rc = s_composition (service, txn, issue_id, &now);
    if (rc == BS_OK && now == composition)
        rc = bs_store_get_record (txn, bs_service_dbi (service, "issues"), issue_id,
                                  &bs_issue_schema, &issue);
    else if (rc == BS_OK) {
        char key[48];
        bs_service_version_key (issue_id, composition, key, sizeof key);
        rc = bs_store_get_record_by_name (txn, bs_service_dbi (service, "versions"), key,
                                          &bs_issue_schema, &issue);
    }
    if (rc != BS_OK)
        return rc;
    bs_issue_item_t *items = issue.items.items;
    if (issue.items.count < count / 2)
        rc = BS_E_SYSTEM;
    for (size_t i = 0; rc == BS_OK && i < count / 2; i++) {
        texts[2 * i] = items[i].title;
        texts[2 * i + 1] = items[i].body;
        items[i].title = items[i].body = NULL;
    }
    bs_codec_record_free (&bs_issue_schema, &issue);
    return rc;
}

int
issue_store_set_string (char **field, const char *value)
{
    char *copy = value ? strdup (value) : NULL;
    if (value && !copy)
        return BS_E_SYSTEM;
    free (*field);
    *field = copy;
    return BS_OK;
}

int
issue_store_history (bs_issue_t *issue, const char *action, const char *by, uint64_t at,
                     const char *detail, ...)
{
    bs_list_t *history = &issue->history;
    bs_issue_history_t *lines = history->items;
    if (history->count == BS_PAGE_MAX) {
        bs_codec_record_free (&bs_issue_history_schema, &lines[0]);
        memmove (lines, lines + 1, (history->count - 1) * sizeof *lines);
        history->count--;
    }
    lines = realloc (history->items, (history->count + 1) * sizeof *lines);
    if (!lines)
        return BS_E_SYSTEM;
    history->items = lines;
    bs_issue_history_t *line = &lines[history->count];
    *line = (bs_issue_history_t){.at = at};
    char text[BS_TEXT_MAX / 4] = "";
    if (detail) {
        va_list arguments;
        va_start (arguments, detail);
        vsnprintf (text, sizeof text, detail, arguments);
        va_end (arguments);
    }
    line->action = strdup (action);
    line->by = by && *by ? strdup (by) : NULL;
    line->detail = *text ? strdup (text) : NULL;
    history->count++;
    if (!line->action || (by && *by && !line->by) || (*text && !line->detail))
        return BS_E_SYSTEM;
    return BS_OK;
}

int
issue_store_withdraw_signoff (bs_issue_t *issue, const char *by, uint64_t at)
{
    int rc = BS_OK;
    if (issue->signoff_asked_by)
        rc = issue_store_history (issue, "unask", by, at,
                                  "request for sign-off by %s withdrawn by the change",
                                  issue->signoff_asked_by);
    free (issue->signoff_asked_by);
    issue->signoff_asked_by = NULL;
    issue->signoff_asked_at = 0;
    if (rc == BS_OK && issue->signed_off_by)
        rc = issue_store_history (issue, "unsign", by, at, "sign-off by %s withdrawn by the change",
                                  issue->signed_off_by);
    free (issue->signed_off_by);
    issue->signed_off_by = NULL;
    issue->signed_off_at = 0;
    return rc;
}

long
issue_store_item_index (const bs_issue_t *issue, uint64_t report_id)
{
    const bs_issue_item_t *items = issue->items.items;
    for (size_t i = 0; i < issue->items.count; i++)
        if (items[i].report_id == report_id)
            return (long) i;
    return -1;
}

int
issue_store_unlist_waiting (MDB_txn *txn, MDB_dbi waiting, uint64_t report_id)
{
    unsigned char key_bytes[8];
    bs_store_key (report_id, key_bytes);
    MDB_val key = {8, key_bytes};
    int rc = bs_store_del (txn, waiting, &key);
    return rc && rc != MDB_NOTFOUND ? bs_store_error (rc, "unlist a waiting report") : BS_OK;
}
