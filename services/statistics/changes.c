/*  changes: snapshot and changes after a sequence; see changes.h. */
#include "changes.h"

#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_store.h"
#include "queries.h"

#define S_LIMIT_DEFAULT 500

/* Decode the log's events after `after` into items (at most limit). */
static int
s_read (MDB_txn *txn, MDB_dbi log, uint64_t after, size_t limit, bs_feed_item_t *items,
        size_t *count)
{
    MDB_cursor *cursor = NULL;
    int rc = mdb_cursor_open (txn, log, &cursor);
    if (rc)
        return bs_store_error (rc, "read the log");
    unsigned char start[8];
    bs_store_key (after + 1, start);
    MDB_val key = {8, start}, value;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    rc = BS_OK;
    *count = 0;
    while (found == 0 && rc == BS_OK && *count < limit) {
        bs_message_t event = {0};
        bs_error_t error;
        if (bs_message_decode (value.mv_data, value.mv_size, &bs_codec_default_limits, &event,
                               &error)
                == BS_OK
            && (event.schema == &bs_stats_changed_schema || event.schema == &bs_escalated_schema)) {
            bs_feed_item_t *item = &items[(*count)++];
            item->seq = bs_store_key_value (key.mv_data);
            item->type = strdup (event.schema->type);
            void *record = calloc (1, event.schema->record_size);
            bs_list_t *list =
                event.schema == &bs_stats_changed_schema ? &item->changed : &item->escalated;
            if (!item->type || !record
                || bs_codec_record_copy (event.schema, event.data, record) != BS_OK) {
                free (record);
                rc = BS_E_SYSTEM;
            } else
                *list = (bs_list_t){1, record};
        }
        bs_message_clear (&event);
        found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    return rc;
}

int
statistics_changes_prune (bs_service_t *service, MDB_txn *txn, uint64_t now, void *argument)
{
    (void) now;
    (void) argument;
    uint64_t keep = bs_config_get_number (bs_service_config (service), "statistics.log_keep");
    if (keep < 1)
        keep = 1; /* the last entry carries the sequence on */
    MDB_dbi log = bs_service_dbi (service, "log");
    MDB_stat stat;
    int rc = mdb_stat (txn, log, &stat);
    if (rc)
        return bs_store_error (rc, "count the log");
    size_t excess = stat.ms_entries > keep ? stat.ms_entries - keep : 0;
    if (excess > 10000)
        excess = 10000; /* a turn stays short; the next run goes on */
    if (excess == 0)
        return BS_OK;
    MDB_cursor *cursor;
    rc = mdb_cursor_open (txn, log, &cursor);
    if (rc)
        return bs_store_error (rc, "prune the log");
    MDB_val key, value;
    for (size_t i = 0; rc == 0 && i < excess; i++) {
        rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
        if (rc == 0)
            rc = bs_store_cursor_del (cursor);
    }
    mdb_cursor_close (cursor);
    return rc ? bs_store_error (rc, "prune the log") : BS_OK;
}

/* The current month's figures of every unit, basis decided. */
static int
s_snapshot (bs_request_t *request, bs_changes_page_t *page, bs_error_t *error)
{
    char month[16];
    bs_clock_month (request->now, month, sizeof month);
    statistics_dbs_t dbs = {bs_service_dbi (request->service, "figures"),
                            bs_service_dbi (request->service, "values"),
                            bs_service_dbi (request->service, "units")};
    bs_stats_request_t query = {.period = month, .basis = "decided"};
    bs_stats_page_t figures;
    int rc = statistics_query (request->txn, &dbs, &query, &figures, error);
    if (rc != BS_OK)
        return rc;
    page->rows = figures.rows;
    figures.rows = (bs_list_t){0, NULL};
    bs_codec_record_free (&bs_stats_page_schema, &figures);
    page->period = strdup (month);
    return page->period ? BS_OK : BS_E_SYSTEM;
}

int
statistics_changes (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_changes_request_t *ask = request->message->data;
    size_t limit = ask->limit ? (size_t) ask->limit : S_LIMIT_DEFAULT;
    bs_changes_page_t page = {0};
    bs_error_t error = {0};
    int rc = bs_eventlog_last (bs_service_store (request->service), request->txn, &page.last);
    if (rc == BS_OK)
        rc = bs_eventlog_first (bs_service_store (request->service), request->txn, &page.first);
    uint64_t after = ask->snapshot ? page.last : ask->after;
    bs_feed_item_t *items = calloc (limit + 1, sizeof *items);
    if (rc == BS_OK && !items)
        rc = BS_E_SYSTEM;
    if (rc == BS_OK && ask->snapshot)
        rc = s_snapshot (request, &page, &error);
    if (rc == BS_OK)
        rc = s_read (request->txn, bs_service_dbi (request->service, "log"), after, limit, items,
                     &page.items.count);
    page.items.items = items;
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_changes_page_schema, &page);
    else if (!error.text[0])
        bs_error_set (&error, rc, "", "cannot read the changes");
    bs_codec_record_free (&bs_changes_page_schema, &page);
    return rc == BS_OK ? BS_OK : bs_request_fail (request, rc, error.field, "%s", error.text);
}
