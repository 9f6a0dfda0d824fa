/*  issue_publish: sign-off, publish, errata, reading; see issue_publish.h. */
#include "issue_publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "feedback.h"
#include "archive_commands.h"

/* The issue's periodical as stored, into periodical (*known true: the
   caller frees it); *known false, and BS_OK, when it is not stored. */
static int
s_periodical_of (bs_request_t *request, const publication_t *publication, const bs_issue_t *issue,
                 bs_periodical_t *periodical, bool *known)
{
    int rc = periodicals_get (request->txn, publication->periodicals, issue->periodical, periodical);
    *known = rc == BS_OK;
    return rc == BS_E_NOT_FOUND ? BS_OK : rc;
}

/* Why a draft cannot be asked to be signed off, or BS_OK. periodical:
   the issue's, NULL when it is not stored. */
static int
s_refuse_ask (bs_request_t *request, const bs_periodical_t *periodical, const bs_issue_t *issue)
{
    if (issue->items.count == 0)
        return bs_request_refuse (request, BS_E_CONFLICT, "issue_id", "empty",
                                  "issue %llu has no items to sign off",
                                  (unsigned long long) issue->issue_id);
    if (!periodical)
        return bs_request_refuse (request, BS_E_CONFLICT, "periodical", "unknown",
                                  "《%s》 is not a stored periodical", issue->periodical);
    if (!periodical->signoff)
        return bs_request_refuse (request, BS_E_CONFLICT, "issue_id", "no_signoff",
                                  "《%s》 is published without a leader's sign-off (簽發)",
                                  issue->periodical);
    if (issue->signed_off_by)
        return bs_request_refuse (request, BS_E_CONFLICT, "issue_id", "signed_off",
                                  "issue %llu is already signed off by %s",
                                  (unsigned long long) issue->issue_id, issue->signed_off_by);
    return BS_OK;
}

int
issue_publish_signoff_ask (bs_request_t *request, void *argument)
{
    const publication_t *publication = argument;
    const bs_issue_signoff_ask_t *ask = request->message->data;
    bs_issue_t issue;
    int rc = issue_store_load_draft (request, ask->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    bs_periodical_t periodical;
    bool known;
    rc = s_periodical_of (request, publication, &issue, &periodical, &known);
    if (rc == BS_OK)
        rc = s_refuse_ask (request, known ? &periodical : NULL, &issue);
    if (known)
        bs_codec_record_free (&bs_periodical_schema, &periodical);
    /* Asked already: the request stands as it was. */
    bool asked = issue.signoff_asked_by != NULL;
    if (rc == BS_OK && !asked) {
        const char *by = ask->by && *ask->by ? ask->by : "";
        rc = issue_store_set_string (&issue.signoff_asked_by, by);
        issue.signoff_asked_at = request->now;
        if (rc == BS_OK)
            rc = issue_store_history (&issue, "signoff_ask", by, request->now, NULL);
        if (rc == BS_OK)
            rc = issue_store_save (request, &issue);
        if (rc == BS_E_SYSTEM)
            rc = bs_request_fail (request, BS_E_SYSTEM, "", "out of memory");
    }
    if (rc == BS_OK)
        rc = issue_store_reply (request, &issue);
    bs_codec_record_free (&bs_issue_schema, &issue);
    return rc;
}

int
issue_publish_signoff (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_signoff_t *signoff = request->message->data;
    if (strcmp (signoff->role, "leader") != 0)
        return bs_request_fail (request, BS_E_DENIED, "role",
                                "only a leader signs an issue off (簽發), not a %s",
                                signoff->role);
    /* The leader named is the one acting (bs_principal.h). */
    if (bs_principal_present (&request->principal)
        && strcmp (request->principal.who, signoff->leader) != 0)
        return bs_request_fail (request, BS_E_DENIED, "leader",
                                "%s acts here, so leader must be %s, not %s",
                                request->principal.who, request->principal.who, signoff->leader);
    bs_issue_t issue;
    int rc = issue_store_load_draft (request, signoff->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    if (issue.items.count == 0) {
        rc = bs_request_refuse (request, BS_E_CONFLICT, "issue_id", "empty",
                                "issue %llu has no items to sign off",
                                (unsigned long long) issue.issue_id);
        bs_codec_record_free (&bs_issue_schema, &issue);
        return rc;
    }
    rc = issue_store_set_string (&issue.signed_off_by, signoff->leader);
    issue.signed_off_at = request->now;
    if (rc == BS_OK)
        rc = issue_store_history (&issue, "signoff", signoff->leader, request->now, NULL);
    if (rc == BS_OK)
        rc = issue_store_save (request, &issue);
    if (rc == BS_E_SYSTEM)
        rc = bs_request_fail (request, BS_E_SYSTEM, "", "out of memory");
    if (rc == BS_OK)
        rc = issue_store_reply (request, &issue);
    bs_codec_record_free (&bs_issue_schema, &issue);
    return rc;
}

/* Take the next 第N期 and 總第N期 of the issue's periodical and series. */
static int
s_take_numbers (bs_request_t *request, bs_issue_t *issue)
{
    if (!issue->year)
        issue->year = bs_clock_year (request->now);
    char series[BS_NAME_MAX + 32] = "", number_key[512], total_key[512];
    if (issue->series && *issue->series)
        snprintf (series, sizeof series, "/%s", issue->series);
    snprintf (number_key, sizeof number_key, "number:%s%s:%04u", issue->periodical, series,
              (unsigned) issue->year);
    snprintf (total_key, sizeof total_key, "total:%s%s", issue->periodical, series);
    MDB_dbi counters = bs_service_dbi (request->service, "counters");
    int rc = bs_store_next_counter (request->txn, counters, number_key, &issue->number);
    if (rc == BS_OK)
        rc = bs_store_next_counter (request->txn, counters, total_key, &issue->total);
    return rc;
}

/* periodical: the issue's, NULL when it is not stored. */
static int
s_refuse_publish (bs_request_t *request, const bs_periodical_t *periodical, const bs_issue_t *issue)
{
    if (issue->items.count == 0)
        return bs_request_refuse (request, BS_E_CONFLICT, "issue_id", "empty",
                                  "issue %llu has no reports: add some before publishing",
                                  (unsigned long long) issue->issue_id);
    if (!periodical)
        return bs_request_refuse (request, BS_E_CONFLICT, "periodical", "unknown",
                                  "《%s》 is not a stored periodical", issue->periodical);
    if (periodical->signoff && !issue->signed_off_by)
        return bs_request_refuse (request, BS_E_CONFLICT, "issue_id", "needs_signoff",
                                  "《%s》 needs a leader's sign-off (簽發) before issue %llu is "
                                  "published",
                                  issue->periodical, (unsigned long long) issue->issue_id);
    return BS_OK;
}

/* Tell the level below, through the feedback log, which issue carries
   each of its reports. */
static int
s_feedback_published (bs_request_t *request, const bs_issue_t *issue)
{
    char outlet_issue[64];
    snprintf (outlet_issue, sizeof outlet_issue, "%s%u年第%llu期", issue->series ? issue->series : "",
              (unsigned) issue->year, (unsigned long long) issue->number);
    const bs_issue_item_t *items = issue->items.items;
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < issue->items.count; i++)
        rc = feedback_append (request->service, request->txn, items[i].unit, items[i].report_id,
                              items[i].reg_no, "published", issue->periodical, outlet_issue,
                              request->now);
    return rc;
}

int
issue_publish_publish (bs_request_t *request, void *argument)
{
    const publication_t *publication = argument;
    const bs_issue_publish_t *publish = request->message->data;
    bs_issue_t issue;
    int rc = issue_store_load (request, publish->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    bs_periodical_t periodical;
    bool known;
    rc = s_periodical_of (request, publication, &issue, &periodical, &known);
    if (rc == BS_OK && strcmp (issue.state, "draft") != 0)
        rc = bs_request_refuse (request, BS_E_CONFLICT, "issue_id", "published",
                                "issue %llu is already published",
                                (unsigned long long) issue.issue_id);
    else if (rc == BS_OK)
        rc = s_refuse_publish (request, known ? &periodical : NULL, &issue);
    if (rc == BS_OK)
        rc = s_take_numbers (request, &issue);
    if (rc == BS_OK)
        rc = issue_store_set_string (&issue.state, "published");
    issue.published_at = request->now;
    if (rc == BS_OK)
        rc = issue_store_history (&issue, "publish", publish->by, request->now,
                                  "第%llu期 總第%llu期", (unsigned long long) issue.number,
                                  (unsigned long long) issue.total);
    if (rc == BS_OK)
        rc = issue_store_save (request, &issue);
    bs_issue_published_t event = {
        .issue_id = issue.issue_id,
        .periodical = issue.periodical,
        .series = issue.series,
        .year = issue.year,
        .number = issue.number,
        .total = issue.total,
        .published_at = request->now,
        .items = issue.items,
    };
    if (rc == BS_OK)
        rc = bs_service_emit (request->service, request->txn, &bs_issue_published_schema, &event,
                              request->now);
    if (rc == BS_OK)
        rc = s_feedback_published (request, &issue);
    if (rc == BS_OK) {
        /* Searchable from the moment it is published (archive.h). */
        archive_t archive;
        archive_of (request->service, &archive);
        rc = archive_add_issue (request->txn, &archive, &issue, periodical.level);
    }
    if (rc == BS_E_SYSTEM)
        rc = bs_request_fail (request, BS_E_SYSTEM, "", "out of memory");
    if (rc == BS_OK)
        rc = issue_store_reply (request, &issue);
    if (known)
        bs_codec_record_free (&bs_periodical_schema, &periodical);
    bs_codec_record_free (&bs_issue_schema, &issue);
    return rc;
}

int
issue_publish_erratum_add (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_erratum_add_t *add = request->message->data;
    bs_issue_t issue;
    int rc = issue_store_load (request, add->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    if (strcmp (issue.state, "published") != 0)
        rc = bs_request_refuse (request, BS_E_CONFLICT, "issue_id", "draft",
                                "issue %llu is a draft: correct it directly, errata are for "
                                "published issues",
                                (unsigned long long) issue.issue_id);
    else if (add->report_id && issue_store_item_index (&issue, add->report_id) < 0)
        rc = bs_request_fail (request, BS_E_NOT_FOUND, "report_id",
                              "report %llu is not in issue %llu",
                              (unsigned long long) add->report_id,
                              (unsigned long long) issue.issue_id);
    bs_codec_record_free (&bs_issue_schema, &issue);
    if (rc != BS_OK)
        return rc;
    bs_erratum_t erratum = {.issue_id = add->issue_id,
                            .report_id = add->report_id,
                            .text = add->text,
                            .by = add->by,
                            .recorded_at = request->now};
    rc = bs_store_next_counter (request->txn, bs_service_dbi (request->service, "counters"),
                                "erratum", &erratum.erratum_id);
    if (rc == BS_OK)
        rc = bs_store_put_record (request->txn, bs_service_dbi (request->service, "errata"),
                                  erratum.erratum_id, &bs_erratum_schema, &erratum);
    return rc == BS_OK ? bs_request_reply (request, &bs_erratum_schema, &erratum) : rc;
}

static bool
s_keep_erratum (const void *record, const void *query)
{
    return ((const bs_erratum_t *) record)->issue_id == *(const uint64_t *) query;
}

int
issue_publish_errata (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_errata_request_t *query = request->message->data;
    bs_issue_t issue;
    int rc = issue_store_read (request, query->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_errata_page_t page = {0};
    uint64_t next = 0;
    rc = bs_store_page (request->txn, bs_service_dbi (request->service, "errata"),
                        &bs_erratum_schema, 0, BS_PAGE_MAX, s_keep_erratum, &query->issue_id,
                        &page.errata, &next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_errata_page_schema, &page);
    bs_codec_record_free (&bs_errata_page_schema, &page);
    return rc;
}

int
issue_publish_get (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_get_t *query = request->message->data;
    bs_issue_t issue;
    int rc = issue_store_read (request, query->issue_id, &issue);
    if (rc != BS_OK)
        return rc;
    rc = bs_request_reply (request, &bs_issue_schema, &issue);
    bs_codec_record_free (&bs_issue_schema, &issue);
    return rc;
}

typedef struct {
    const bs_issue_list_request_t *list;
    const bs_principal_t *principal;
} s_issue_query_t;

/* The issues of the periodical asked for that the principal may read
   (an officer: the published ones). */
static bool
s_keep_issue (const void *record, const void *query)
{
    const bs_issue_t *issue = record;
    const s_issue_query_t *asked = query;
    const char *periodical = asked->list->periodical;
    return (!periodical || !*periodical || strcmp (periodical, issue->periodical) == 0)
           && issue_store_visible (asked->principal, issue);
}

int
issue_publish_list (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_issue_list_request_t *query = request->message->data;
    bs_issue_page_t page = {0};
    uint64_t limit = query->limit ? query->limit : 100;
    int rc = bs_store_page (request->txn, bs_service_dbi (request->service, "issues"),
                            &bs_issue_schema, query->after, limit, s_keep_issue,
                            &(s_issue_query_t){query, &request->principal}, &page.issues,
                            &page.next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_issue_page_schema, &page);
    bs_codec_record_free (&bs_issue_page_schema, &page);
    return rc;
}

int
issue_publish_periodicals (bs_request_t *request, void *argument)
{
    const publication_t *publication = argument;
    const bs_periodical_list_t *query = request->message->data;
    bs_periodical_page_t page = {0};
    int rc;
    if (query->name && *query->name) {
        bs_periodical_t one;
        rc = periodicals_get (request->txn, publication->periodicals, query->name, &one);
        if (rc == BS_E_NOT_FOUND)
            return bs_request_fail (request, BS_E_NOT_FOUND, "name", "no periodical '%s'",
                                    query->name);
        if (rc == BS_OK)
            rc = bs_request_reply (request, &bs_periodical_page_schema,
                                   &(bs_periodical_page_t){.periodicals = {1, &one}});
        bs_codec_record_free (&bs_periodical_schema, &one);
        return rc;
    }
    rc = periodicals_list (request->txn, publication->periodicals, &page);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_periodical_page_schema, &page);
    bs_codec_record_free (&bs_periodical_page_schema, &page);
    return rc;
}
