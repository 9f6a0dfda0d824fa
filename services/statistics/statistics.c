/*  statistics: the service's wiring; see statistics.h. */
#include "statistics.h"

#include "bulletins.h"
#include "changes.h"
#include "counting.h"
#include "exports.h"
#include "queries.h"
#include "rules.h"
#include "scores.h"

const char *const statistics_databases[] = {"figures",        "values", "units", "reports",
                                            "adoptions",      "once",   "rules", "bulletins",
                                            "bulletin_files", NULL};

static statistics_dbs_t
s_dbs (bs_service_t *service)
{
    return (statistics_dbs_t){
        .figures = bs_service_dbi (service, "figures"),
        .values = bs_service_dbi (service, "values"),
        .units = bs_service_dbi (service, "units"),
    };
}

static int
s_query (bs_request_t *request, void *argument)
{
    (void) argument;
    statistics_dbs_t dbs = s_dbs (request->service);
    bs_stats_page_t page;
    bs_error_t error;
    int rc = statistics_query (request->txn, &dbs, request->message->data, &page, &error);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, error.field, "%s", error.text);
    rc = bs_request_reply (request, &bs_stats_page_schema, &page);
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return rc;
}

static int
s_ranking (bs_request_t *request, void *argument)
{
    (void) argument;
    statistics_dbs_t dbs = s_dbs (request->service);
    bs_ranking_page_t page;
    bs_error_t error;
    int rc = statistics_ranking (request->txn, &dbs, request->message->data, &page, &error);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, error.field, "%s", error.text);
    rc = bs_request_reply (request, &bs_ranking_page_schema, &page);
    bs_codec_record_free (&bs_ranking_page_schema, &page);
    return rc;
}

static int
s_rules_put (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_rules_put_t *put = request->message->data;
    bs_stats_rules_t record;
    bs_error_t error;
    int rc = statistics_rules_put (request->txn, bs_service_dbi (request->service, "rules"),
                                   put->text, put->by, request->now, &record, &error);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, error.field, "%s", error.text);
    rc = bs_request_reply (request, &bs_stats_rules_schema, &record);
    bs_codec_record_free (&bs_stats_rules_schema, &record);
    return rc;
}

static int
s_rules_get (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_rules_get_t *get = request->message->data;
    bs_stats_rules_t record;
    bs_error_t error;
    int rc = statistics_rules_get (request->txn, bs_service_dbi (request->service, "rules"),
                                   get->version, &record, NULL, &error);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, error.field, "%s", error.text);
    rc = bs_request_reply (request, &bs_stats_rules_schema, &record);
    bs_codec_record_free (&bs_stats_rules_schema, &record);
    return rc;
}

static int
s_scores (bs_request_t *request, void *argument)
{
    (void) argument;
    statistics_dbs_t dbs = s_dbs (request->service);
    bs_scores_page_t page;
    bs_error_t error;
    int rc = statistics_scores (request->txn, &dbs, bs_service_dbi (request->service, "rules"),
                                request->message->data, &page, &error);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, error.field, "%s", error.text);
    rc = bs_request_reply (request, &bs_scores_page_schema, &page);
    bs_codec_record_free (&bs_scores_page_schema, &page);
    return rc;
}

int
statistics_setup (bs_service_t *service)
{
    int rc = bs_service_feed (service);
    if (rc == BS_OK)
        rc = bs_service_consume (service, "intake", statistics_count_event, NULL);
    if (rc == BS_OK)
        rc = bs_service_consume (service, "review", statistics_count_event, NULL);
    if (rc == BS_OK)
        rc = bs_service_consume (service, "publication", statistics_count_event, NULL);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_stats_request_schema, s_query, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_ranking_request_schema, s_ranking, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_changes_request_schema, statistics_changes, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_rules_put_schema, s_rules_put, NULL, true);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_rules_get_schema, s_rules_get, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_scores_request_schema, s_scores, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_stats_export_schema, statistics_export, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_bulletin_issue_schema, statistics_bulletin_issue, NULL,
                            true);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_bulletin_get_schema, statistics_bulletin_get, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_bulletin_list_schema, statistics_bulletin_list, NULL,
                            false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_bulletin_file_schema, statistics_bulletin_file, NULL,
                            false);
    return rc;
}
