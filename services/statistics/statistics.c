/*  statistics: the service's wiring; see statistics.h. */
#include "statistics.h"

#include <string.h>

#include "authors.h"
#include "bs_log.h"
#include "bulletins.h"
#include "changes.h"
#include "counting.h"
#include "exports.h"
#include "kept.h"
#include "queries.h"
#include "rules.h"
#include "scores.h"

const char *const statistics_databases[] = {"figures", "values",  "units",
                                            "reports", "adoptions", "once",
                                            "waiting", "published_early", NULL};

static statistics_dbs_t
s_dbs (bs_service_t *service)
{
    return (statistics_dbs_t){
        .figures = bs_service_dbi (service, "figures"),
        .values = bs_service_dbi (service, "values"),
        .units = bs_service_dbi (service, "units"),
    };
}

/* Reply with answer (a record of schema, freed here) when rc is BS_OK,
   else fail with error. */
static int
s_answer (bs_request_t *request, int rc, const bs_error_t *error, const bs_schema_t *schema,
          void *answer)
{
    if (rc != BS_OK)
        return bs_request_fail_error (request, error);
    rc = bs_request_reply (request, schema, answer);
    bs_codec_record_free (schema, answer);
    return rc;
}

static int
s_query (bs_request_t *request, void *argument)
{
    (void) argument;
    statistics_dbs_t dbs = s_dbs (request->service);
    bs_stats_page_t page;
    bs_error_t error;
    int rc = statistics_query (request->txn, &dbs, request->message->data, &page, &error);
    return s_answer (request, rc, &error, &bs_stats_page_schema, &page);
}

static int
s_ranking (bs_request_t *request, void *argument)
{
    (void) argument;
    statistics_dbs_t dbs = s_dbs (request->service);
    bs_ranking_page_t page;
    bs_error_t error;
    int rc = statistics_ranking (request->txn, &dbs, request->message->data, &page, &error);
    return s_answer (request, rc, &error, &bs_ranking_page_schema, &page);
}

/* The person a command names in its field `by` is the principal who
   sends it (bs_principal.h): an empty `by` is filled with who, another
   name is refused. Runs fn with *by pointing at who meanwhile. */
static int
s_as_principal (bs_request_t *request, char **by, bs_command_fn *fn, void *argument)
{
    const bs_principal_t *principal = &request->principal;
    if (!bs_principal_present (principal))
        return fn (request, argument);
    if (*by && **by && strcmp (*by, principal->who) != 0)
        return bs_request_fail (request, BS_E_DENIED, "by", "%s acts here, so by must be %s, not %s",
                                principal->who, principal->who, *by);
    char *given = *by;
    *by = (char *) principal->who;
    int rc = fn (request, argument);
    *by = given;
    return rc;
}

static int
s_rules_load (bs_request_t *request, void *argument)
{
    bs_stats_rules_t record;
    bs_error_t error;
    int rc = statistics_rules_load (argument, request->message, request->now, &record, &error);
    return s_answer (request, rc, &error, &bs_stats_rules_schema, &record);
}

static int
s_rules_put (bs_request_t *request, void *argument)
{
    bs_rules_put_t *put = request->message->data;
    return s_as_principal (request, &put->by, s_rules_load, argument);
}

static int
s_bulletin_issue (bs_request_t *request, void *argument)
{
    bs_bulletin_issue_t *ask = request->message->data;
    return s_as_principal (request, &ask->by, statistics_bulletin_issue, argument);
}

static int
s_rules_get (bs_request_t *request, void *argument)
{
    const bs_rules_get_t *get = request->message->data;
    bs_stats_rules_t record;
    bs_error_t error;
    int rc = statistics_rules_read (argument, get->version, &record, NULL, &error);
    return s_answer (request, rc, &error, &bs_stats_rules_schema, &record);
}

static int
s_rules_list (bs_request_t *request, void *argument)
{
    const bs_rules_list_t *ask = request->message->data;
    bs_rules_page_t page;
    bs_error_t error;
    int rc = statistics_rules_versions (argument, ask->limit, &page, &error);
    return s_answer (request, rc, &error, &bs_rules_page_schema, &page);
}

static int
s_scores (bs_request_t *request, void *argument)
{
    statistics_dbs_t dbs = s_dbs (request->service);
    bs_scores_page_t page;
    bs_error_t error;
    int rc = statistics_scores_kept (request->txn, &dbs, argument, request->message->data, &page,
                                     &error);
    return s_answer (request, rc, &error, &bs_scores_page_schema, &page);
}

static int
s_authors (bs_request_t *request, void *argument)
{
    statistics_dbs_t dbs = s_dbs (request->service);
    bs_authors_page_t page;
    bs_error_t error;
    int rc = statistics_authors_kept (request->txn, &dbs, argument, request->message->data, &page,
                                      &error);
    return s_answer (request, rc, &error, &bs_authors_page_schema, &page);
}

/* The commands statistics answers, each given the kept store (kept.h);
   mutating ones keep their reply under the request's id. */
static const struct {
    const bs_schema_t *schema;
    bs_command_fn *fn;
    bool mutates;
} s_commands[] = {
    {&bs_stats_request_schema, s_query, false},
    {&bs_ranking_request_schema, s_ranking, false},
    {&bs_changes_request_schema, statistics_changes, false},
    {&bs_rules_put_schema, s_rules_put, true},
    {&bs_rules_get_schema, s_rules_get, false},
    {&bs_rules_list_schema, s_rules_list, false},
    {&bs_scores_request_schema, s_scores, false},
    {&bs_authors_request_schema, s_authors, false},
    {&bs_stats_export_schema, statistics_export, false},
    {&bs_bulletin_issue_schema, s_bulletin_issue, true},
    {&bs_bulletin_get_schema, statistics_bulletin_get, false},
    {&bs_bulletin_list_schema, statistics_bulletin_list, false},
    {&bs_bulletin_file_schema, statistics_bulletin_file, false},
};

int
statistics_setup (bs_service_t *service)
{
    static const char *const upstreams[] = {"intake", "review", "publication"};
    bs_error_t error;
    bs_store_t *kept = statistics_kept_open (service, &error);
    if (!kept) {
        bs_log_error ("cannot open statistics' kept store: %s", error.text);
        return error.code;
    }
    /* Rules and bulletins an older version kept in statistics' store. */
    int rc = statistics_kept_migrate (bs_service_store (service), kept, &error);
    if (rc == BS_E_CONFLICT)
        bs_log_error ("%s", error.text); /* left in place: the service still serves */
    else if (rc != BS_OK) {
        bs_log_error ("%s", error.text);
        return rc;
    }
    rc = bs_service_feed (service);
    if (rc == BS_OK)
        rc = statistics_counting_hold (service);
    if (rc == BS_OK)
        rc = statistics_counting_views (service);
    for (size_t i = 0; rc == BS_OK && i < sizeof upstreams / sizeof upstreams[0]; i++)
        rc = bs_service_consume (service, upstreams[i], statistics_count_event, NULL);
    if (rc == BS_OK)
        rc = bs_service_every (
            service, bs_config_get_number (bs_service_config (service), "statistics.prune_ms"),
            statistics_changes_prune, NULL);
    for (size_t i = 0; rc == BS_OK && i < sizeof s_commands / sizeof s_commands[0]; i++)
        rc = bs_service_on (service, s_commands[i].schema, s_commands[i].fn, kept,
                            s_commands[i].mutates);
    /* What the office decides: scoring rules and frozen bulletins. */
    if (rc == BS_OK)
        rc = bs_service_allow (service, &bs_rules_put_schema, "editor,admin");
    if (rc == BS_OK)
        rc = bs_service_allow (service, &bs_bulletin_issue_schema, "editor,leader,admin");
    return rc;
}
