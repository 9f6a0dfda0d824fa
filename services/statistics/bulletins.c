/*  bulletins: issue, keep and serve frozen bulletins; see bulletins.h. */
#include "bulletins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_store.h"
#include "bulletin_render.h"
#include "figures.h"
#include "kept.h"
#include "scores.h"

/* The figures a correction compares, by their names in statistics.score. */
static const char *const s_corrected[] = {
    "submitted",        "adopted",         "adopted_county", "adopted_city",
    "adopted_province", "adopted_central", "points",         "reward",
    "quota_done",       "penalty",         "score",          NULL};

static statistics_dbs_t
s_dbs (bs_service_t *service)
{
    return (statistics_dbs_t){bs_service_dbi (service, "figures"),
                              bs_service_dbi (service, "values"),
                              bs_service_dbi (service, "units")};
}

/* The period's text is of the kind's shape: 2026-11 or 2026-Q4. */
static bool
s_shape (const char *kind, const char *period)
{
    if (strlen (period) != 7 || period[4] != '-')
        return false;
    if (strcmp (kind, "quarterly") == 0)
        return period[5] == 'Q';
    return strcmp (kind, "monthly") == 0 && period[5] >= '0' && period[5] <= '1';
}

static void
s_title (const char *kind, const char *period, char *title, size_t size)
{
    if (strcmp (kind, "quarterly") == 0)
        snprintf (title, size, "信息工作季度通报（%.4s年第%c季度）", period, period[6]);
    else
        snprintf (title, size, "信息工作月通报（%.4s年%d月）", period, atoi (period + 5));
}

typedef int (s_visit_fn) (const bs_bulletin_t *bulletin, void *argument);

/* Visit bulletins newest first until fn returns not 0 (1: stop, found). */
static int
s_each (MDB_txn *txn, MDB_dbi bulletins, s_visit_fn *fn, void *argument)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, bulletins, &cursor);
    if (rc)
        return bs_store_error (rc, "read the bulletins");
    MDB_val key, value;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_LAST);
    rc = BS_OK;
    while (found == 0 && rc == BS_OK) {
        bs_bulletin_t bulletin;
        rc = bs_store_get_record (txn, bulletins, bs_store_key_value (key.mv_data),
                                  &bs_bulletin_schema, &bulletin);
        if (rc != BS_OK)
            break;
        rc = fn (&bulletin, argument);
        bs_codec_record_free (&bs_bulletin_schema, &bulletin);
        found = mdb_cursor_get (cursor, &key, &value, MDB_PREV);
    }
    mdb_cursor_close (cursor);
    return rc;
}

/* The newest bulletin of a kind, and whether one of its period exists. */
typedef struct {
    const char *kind, *period;
    bs_bulletin_t previous; /* copied when found */
    bool has_previous;
    uint64_t same_period; /* id of a bulletin of this kind and period */
    uint64_t last_id;
} s_lookup_t;

static int
s_look (const bs_bulletin_t *bulletin, void *argument)
{
    s_lookup_t *lookup = argument;
    if (!lookup->last_id)
        lookup->last_id = bulletin->bulletin_id;
    if (strcmp (bulletin->kind, lookup->kind) != 0)
        return BS_OK;
    if (strcmp (bulletin->period, lookup->period) == 0)
        lookup->same_period = bulletin->bulletin_id;
    if (!lookup->has_previous) {
        lookup->has_previous = true;
        return bs_codec_record_copy (&bs_bulletin_schema, bulletin, &lookup->previous);
    }
    return BS_OK;
}

/* What an issue works with: the request (statistics' store) and the kept
   store's transaction. */
typedef struct {
    bs_request_t *request;
    bs_store_t *kept;
    MDB_txn *txn; /* the kept store's */
} s_desk_t;

/* The period's scores with a rules version kept (0: the one in force). */
static int
s_scores (const s_desk_t *desk, const char *period, const char *basis, uint64_t rules_version,
          bs_scores_page_t *page, bs_error_t *error)
{
    statistics_rules_t rules;
    int rc = statistics_rules_get (desk->txn, bs_store_dbi (desk->kept, "rules"), rules_version,
                                   NULL, &rules, error);
    if (rc != BS_OK)
        return rc;
    statistics_dbs_t dbs = s_dbs (desk->request->service);
    bs_scores_request_t query = {.period = (char *) period, .basis = (char *) basis, .by = "score"};
    rc = statistics_scores (desk->request->txn, &dbs, &rules, &query, page, error);
    statistics_rules_clear (&rules);
    return rc;
}

/* What changed in the previous bulletin's figures since it was issued. */
static int
s_corrections (const s_desk_t *desk, const bs_bulletin_t *previous, bs_list_t *corrections,
               bs_error_t *error)
{
    bs_scores_page_t now;
    int rc =
        s_scores (desk, previous->period, previous->basis, previous->rules_version, &now, error);
    if (rc != BS_OK)
        return rc;
    const bs_stats_score_t *was = previous->rows.items, *is = now.rows.items;
    size_t capacity = previous->rows.count * 11 + 1, count = 0;
    bs_correction_t *items = calloc (capacity, sizeof *items);
    for (size_t w = 0; items && rc == BS_OK && w < previous->rows.count; w++)
        for (size_t n = 0; rc == BS_OK && n < now.rows.count; n++) {
            if (strcmp (was[w].unit, is[n].unit) != 0)
                continue;
            for (size_t f = 0; s_corrected[f]; f++) {
                uint64_t before = 0, after = 0;
                statistics_score_value (&was[w], s_corrected[f], &before);
                statistics_score_value (&is[n], s_corrected[f], &after);
                if (before == after)
                    continue;
                items[count] = (bs_correction_t){previous->bulletin_id,
                                                 strdup (previous->period),
                                                 strdup (was[w].unit),
                                                 strdup (s_corrected[f]),
                                                 before,
                                                 after};
                if (!items[count].period || !items[count].unit || !items[count].figure)
                    rc = BS_E_SYSTEM;
                count++;
            }
        }
    *corrections = (bs_list_t){count, items};
    bs_codec_record_free (&bs_scores_page_schema, &now);
    if (!items || rc != BS_OK)
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    return BS_OK;
}

/* The key of a bulletin's file: its id (8 bytes), then the format. */
static MDB_val
s_file_key (uint64_t bulletin_id, const char *format, unsigned char key[24])
{
    bs_store_key (bulletin_id, key);
    size_t length = strlen (format) < 16 ? strlen (format) : 16;
    memcpy (key + 8, format, length);
    return (MDB_val){8 + length, key};
}

static int
s_keep_files (const s_desk_t *desk, const bs_bulletin_t *bulletin)
{
    const char *issuing_unit =
        bs_config_get (bs_service_config (desk->request->service), "publication.issuing_unit");
    int rc = BS_OK;
    for (size_t f = 0; rc == BS_OK && statistics_bulletin_formats[f]; f++) {
        bs_bytes_t file;
        rc = statistics_bulletin_render (bulletin, issuing_unit ? issuing_unit : "",
                                         statistics_bulletin_formats[f], &file);
        if (rc != BS_OK)
            break;
        unsigned char key_bytes[24];
        MDB_val key = s_file_key (bulletin->bulletin_id, statistics_bulletin_formats[f], key_bytes);
        MDB_val value = {file.size, file.data};
        int mdb =
            bs_store_put (desk->txn, bs_store_dbi (desk->kept, "bulletin_files"), &key, &value, 0);
        free (file.data);
        if (mdb)
            rc = bs_store_error (mdb, "keep a bulletin's file");
    }
    return rc;
}

/* Check an issue request before anything is read. */
static int
s_check (const bs_request_t *request, const bs_bulletin_issue_t *ask, bs_error_t *error)
{
    if (strcmp (ask->kind, "monthly") != 0 && strcmp (ask->kind, "quarterly") != 0)
        return bs_error_set (error, BS_E_INVALID, "kind", "kind is monthly or quarterly, not '%s'",
                             ask->kind);
    statistics_extent_t extent;
    if (!s_shape (ask->kind, ask->period) || statistics_period_extent (ask->period, &extent) != 0)
        return bs_error_set (
            error, BS_E_INVALID, "period", "a %s bulletin is for a %s, not '%s'", ask->kind,
            strcmp (ask->kind, "monthly") == 0 ? "month (2026-11)" : "quarter (2026-Q4)",
            ask->period);
    if (request->now < extent.end_ms)
        return bs_error_set (error, BS_E_CONFLICT, "period",
                             "%s has not ended yet: its bulletin is issued after it ends",
                             ask->period);
    return BS_OK;
}

/* Issue in the kept store's transaction: the bulletin's id goes to *id. */
static int
s_issue (MDB_txn *txn, void *argument, uint64_t *id, bs_error_t *error)
{
    s_desk_t desk = *(s_desk_t *) argument;
    desk.txn = txn;
    const bs_bulletin_issue_t *ask = desk.request->message->data;
    s_lookup_t lookup = {.kind = ask->kind, .period = ask->period};
    bs_scores_page_t scores = {0};
    bs_bulletin_t bulletin = {0};
    int rc = s_each (txn, bs_store_dbi (desk.kept, "bulletins"), s_look, &lookup);
    if (rc != BS_OK)
        bs_error_set (error, rc, "", "cannot read the bulletins");
    else if (lookup.same_period)
        rc = bs_error_set (error, BS_E_CONFLICT, "period",
                           "the %s bulletin of %s was issued already: bulletin %llu", ask->kind,
                           ask->period, (unsigned long long) lookup.same_period);
    if (rc == BS_OK)
        rc = s_scores (&desk, ask->period, ask->basis, 0, &scores, error);
    if (rc == BS_OK && lookup.has_previous)
        rc = s_corrections (&desk, &lookup.previous, &bulletin.corrections, error);
    char title[256];
    if (rc == BS_OK) {
        s_title (ask->kind, ask->period, title, sizeof title);
        bulletin.bulletin_id = *id = lookup.last_id + 1;
        bulletin.kind = ask->kind;
        bulletin.period = ask->period;
        bulletin.title = title;
        bulletin.issued_at = desk.request->now;
        bulletin.by = ask->by;
        bulletin.basis = scores.basis;
        bulletin.rules_version = scores.rules_version;
        bulletin.rules_name = scores.rules_name;
        bulletin.rows = scores.rows;
        rc = bs_store_put_record (txn, bs_store_dbi (desk.kept, "bulletins"), bulletin.bulletin_id,
                                  &bs_bulletin_schema, &bulletin);
        if (rc == BS_OK)
            rc = s_keep_files (&desk, &bulletin);
        if (rc != BS_OK)
            bs_error_set (error, rc, "", "cannot keep the bulletin");
    }
    bs_bulletin_t owned = {.corrections = bulletin.corrections};
    bs_codec_record_free (&bs_bulletin_schema, &owned);
    bs_codec_record_free (&bs_scores_page_schema, &scores);
    if (lookup.has_previous)
        bs_codec_record_free (&bs_bulletin_schema, &lookup.previous);
    return rc;
}

/* A kept bulletin, read in a transaction of its own. */
static int
s_read (bs_store_t *kept, uint64_t bulletin_id, bs_bulletin_t *bulletin, bs_error_t *error)
{
    MDB_txn *txn;
    int rc = bs_store_read_begin (kept, &txn);
    if (rc == BS_OK) {
        rc = bs_store_get_record (txn, bs_store_dbi (kept, "bulletins"), bulletin_id,
                                  &bs_bulletin_schema, bulletin);
        mdb_txn_abort (txn);
    }
    if (rc == BS_E_NOT_FOUND)
        return bs_error_set (error, rc, "bulletin_id", "no bulletin %llu",
                             (unsigned long long) bulletin_id);
    return rc == BS_OK ? BS_OK : bs_error_set (error, rc, "", "cannot read the bulletin");
}

int
statistics_bulletin_issue (bs_request_t *request, void *argument)
{
    s_desk_t desk = {request, argument, NULL};
    bs_error_t error;
    uint64_t id;
    int rc = s_check (request, request->message->data, &error);
    if (rc == BS_OK)
        rc = statistics_kept_once (desk.kept, request->message, s_issue, &desk, &id, &error);
    bs_bulletin_t bulletin;
    if (rc == BS_OK)
        rc = s_read (desk.kept, id, &bulletin, &error);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, error.field, "%s", error.text);
    rc = bs_request_reply (request, &bs_bulletin_schema, &bulletin);
    bs_codec_record_free (&bs_bulletin_schema, &bulletin);
    return rc;
}

int
statistics_bulletin_get (bs_request_t *request, void *argument)
{
    const bs_bulletin_get_t *ask = request->message->data;
    bs_bulletin_t bulletin;
    bs_error_t error;
    int rc = s_read (argument, ask->bulletin_id, &bulletin, &error);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, error.field, "%s", error.text);
    rc = bs_request_reply (request, &bs_bulletin_schema, &bulletin);
    bs_codec_record_free (&bs_bulletin_schema, &bulletin);
    return rc;
}

typedef struct {
    const char *kind;
    bs_bulletin_t *items;
    size_t count;
} s_listing_t;

/* A bulletin in a listing: without its rows and corrections. */
static int
s_list_one (const bs_bulletin_t *bulletin, void *argument)
{
    s_listing_t *listing = argument;
    if ((listing->kind && *listing->kind && strcmp (bulletin->kind, listing->kind) != 0)
        || listing->count >= BS_PAGE_MAX)
        return BS_OK;
    bs_bulletin_t light = *bulletin;
    light.rows = (bs_list_t){0, NULL};
    light.corrections = (bs_list_t){0, NULL};
    return bs_codec_record_copy (&bs_bulletin_schema, &light, &listing->items[listing->count++]);
}

int
statistics_bulletin_list (bs_request_t *request, void *argument)
{
    bs_store_t *kept = argument;
    const bs_bulletin_list_t *ask = request->message->data;
    s_listing_t listing = {ask->kind, calloc (BS_PAGE_MAX, sizeof (bs_bulletin_t)), 0};
    MDB_txn *txn = NULL;
    int rc = listing.items ? bs_store_read_begin (kept, &txn) : BS_E_SYSTEM;
    if (rc == BS_OK) {
        rc = s_each (txn, bs_store_dbi (kept, "bulletins"), s_list_one, &listing);
        mdb_txn_abort (txn);
    }
    bs_bulletin_page_t page = {.bulletins = {listing.count, listing.items}};
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_bulletin_page_schema, &page);
    else
        rc = bs_request_fail (request, rc, "", "cannot list the bulletins");
    bs_codec_record_free (&bs_bulletin_page_schema, &page);
    return rc;
}

int
statistics_bulletin_file (bs_request_t *request, void *argument)
{
    bs_store_t *kept = argument;
    const bs_bulletin_file_t *ask = request->message->data;
    const char *content_type = statistics_bulletin_content_type (ask->format);
    if (!content_type)
        return bs_request_fail (request, BS_E_INVALID, "format",
                                "format is pdf, xlsx, csv or html, not '%s'", ask->format);
    bs_bulletin_t bulletin;
    bs_error_t error;
    int rc = s_read (kept, ask->bulletin_id, &bulletin, &error);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, error.field, "%s", error.text);
    char filename[640];
    snprintf (filename, sizeof filename, "%s.%s", bulletin.title, ask->format);
    bs_codec_record_free (&bs_bulletin_schema, &bulletin);
    MDB_txn *txn;
    rc = bs_store_read_begin (kept, &txn);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, "", "cannot read the bulletin's %s file", ask->format);
    unsigned char key_bytes[24];
    MDB_val key = s_file_key (ask->bulletin_id, ask->format, key_bytes), value;
    int mdb = mdb_get (txn, bs_store_dbi (kept, "bulletin_files"), &key, &value);
    if (mdb) {
        mdb_txn_abort (txn);
        return bs_request_fail (request, bs_store_error (mdb, "read a bulletin's file"), "",
                                "cannot read the bulletin's %s file", ask->format);
    }
    bs_stats_file_t file = {.format = (char *) ask->format,
                            .content_type = (char *) content_type,
                            .filename = filename,
                            .content = {value.mv_size, value.mv_data}};
    /* The reply is encoded now, while the file's bytes are mapped. */
    rc = bs_request_reply (request, &bs_stats_file_schema, &file);
    mdb_txn_abort (txn);
    return rc;
}
