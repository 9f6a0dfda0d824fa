/*  archive_commands: the archive in publication's service: its databases,
    the publication.search command and the catch-up at start; see
    archive_commands.h. */
#include "archive_commands.h"

#include <string.h>

#include "bs_log.h"
#include "bs_store.h"

void
archive_of (bs_service_t *service, archive_t *archive)
{
    *archive = (archive_t){
        .entries = bs_service_dbi (service, "archive"),
        .meta = bs_service_dbi (service, "archive_meta"),
        .terms = bs_service_dbi (service, "archive_terms"),
        .levels = bs_service_dbi (service, "archive_levels"),
        .issues = bs_service_dbi (service, "archive_issues"),
    };
}

int
archive_search_command (bs_request_t *request, void *argument)
{
    (void) argument;
    archive_t archive;
    archive_of (request->service, &archive);
    bs_search_page_t page;
    bs_error_t error = {0};
    int rc = archive_search (request->txn, &archive, request->message->data, &page, &error);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_search_page_schema, &page);
    else if (rc == BS_E_INVALID || rc == BS_E_SYSTEM)
        rc = bs_request_fail (request, rc, error.field, "%s", error.text);
    bs_codec_record_free (&bs_search_page_schema, &page);
    return rc;
}

typedef struct {
    bs_service_t *service;
    size_t archived, reindexed;
} s_catch_up_t;

static int
s_catch_up (MDB_txn *txn, void *argument)
{
    s_catch_up_t *work = argument;
    archive_t archive;
    archive_of (work->service, &archive);
    work->archived = 0;
    int rc = archive_upgrade (txn, &archive, &work->reindexed);
    if (rc != BS_OK)
        return rc;
    MDB_cursor *cursor;
    rc = mdb_cursor_open (txn, bs_service_dbi (work->service, "issues"), &cursor);
    if (rc)
        return bs_store_error (rc, "read the issues");
    MDB_val key, value;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    rc = BS_OK;
    for (; rc == BS_OK && found == 0; found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        MDB_val archived;
        if (mdb_get (txn, archive.issues, &key, &archived) == 0)
            continue;
        bs_issue_t issue;
        rc = bs_store_get_record (txn, bs_service_dbi (work->service, "issues"),
                                  bs_store_key_value (key.mv_data), &bs_issue_schema, &issue);
        if (rc != BS_OK)
            break;
        if (strcmp (issue.state, "published") == 0) {
            bs_periodical_t periodical;
            rc = periodicals_get (txn, bs_service_dbi (work->service, PERIODICALS_DATABASE),
                                  issue.periodical, &periodical);
            if (rc == BS_OK || rc == BS_E_NOT_FOUND)
                rc = archive_add_issue (txn, &archive, &issue,
                                        periodical.level ? periodical.level : "city");
            bs_codec_record_free (&bs_periodical_schema, &periodical);
            work->archived++;
        }
        bs_codec_record_free (&bs_issue_schema, &issue);
    }
    mdb_cursor_close (cursor);
    return rc;
}

int
archive_catch_up (bs_service_t *service)
{
    s_catch_up_t work = {service, 0, 0};
    int rc = bs_store_write (bs_service_store (service), s_catch_up, &work);
    if (rc == BS_OK && work.reindexed)
        bs_log_info ("indexed %zu archived items again (postings as varints)", work.reindexed);
    if (rc == BS_OK && work.archived)
        bs_log_info ("archived %zu issues published before the archive existed", work.archived);
    return rc;
}
