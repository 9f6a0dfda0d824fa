/*  bs_publication_steps: steps of the publication system tests; see
    bs_publication_steps.h. */
#include "bs_publication_steps.h"

#include <stdio.h>
#include <string.h>

#include "bs_review_steps.h"
#include "bs_test.h"

bool
bs_publication_waiting (bs_system_t *system, uint64_t report_id)
{
    bs_pending_request_t query = {.limit = BS_PAGE_MAX};
    for (;;) {
        bs_pending_page_t page;
        bs_error_t error;
        if (bs_system_call (bs_system_client (system, "publication"), &bs_pending_request_schema,
                            &query, &bs_pending_page_schema, &page, &error)
            != BS_OK)
            fail_msg ("publication.pending failed: %s", error.text);
        bool found = false;
        const bs_pending_item_t *items = page.items.items;
        for (size_t i = 0; i < page.items.count; i++)
            found = found || items[i].report_id == report_id;
        query.after = page.next;
        bs_codec_record_free (&bs_pending_page_schema, &page);
        if (found || !query.after)
            return found;
    }
}

int
bs_publication_decide_adopt (bs_system_t *system, uint64_t report_id, const char *periodical,
                             bs_error_t *error)
{
    bs_decide_t decide = {.report_id = report_id,
                          .decision = "adopt",
                          .periodical = (char *) periodical,
                          .critique = "情況清楚。",
                          .editor = "王編輯"};
    bs_review_case_t reply;
    int rc = bs_system_decide (bs_system_client (system, "review"), NULL, &decide, &reply, error);
    if (rc == BS_OK)
        bs_codec_record_free (&bs_review_case_schema, &reply);
    return rc;
}

uint64_t
bs_publication_adopt (bs_system_t *system, const char *unit, const char *title,
                      const char *periodical)
{
    uint64_t report_id = bs_steps_submit (system, unit, title, false);
    BS_WAIT_UNTIL (*bs_steps_state (system, report_id), "review to register the report");
    bs_error_t error;
    if (bs_publication_decide_adopt (system, report_id, periodical, &error) != BS_OK)
        fail_msg ("adopting report %llu failed: %s", (unsigned long long) report_id, error.text);
    BS_WAIT_UNTIL (bs_publication_waiting (system, report_id), "publication to hold the adoption");
    return report_id;
}

int
bs_publication_call (bs_system_t *system, const bs_schema_t *schema, const void *request,
                     bs_issue_t *reply, bs_error_t *error)
{
    memset (reply, 0, sizeof *reply);
    /* A leader signs off (as the leader named), a publisher does the rest. */
    bs_client_t *publication = bs_system_client (system, "publication");
    if (schema == &bs_issue_signoff_schema)
        bs_system_act_as (publication, ((const bs_issue_signoff_t *) request)->leader, "leader");
    else
        bs_system_act_as (publication, "出版者", "publisher");
    int rc = bs_system_call (publication, schema, request, &bs_issue_schema, reply, error);
    bs_system_act_as (publication, NULL, NULL);
    return rc;
}

uint64_t
bs_publication_must (bs_system_t *system, const bs_schema_t *schema, const void *request)
{
    bs_issue_t issue;
    bs_error_t error;
    if (bs_publication_call (system, schema, request, &issue, &error) != BS_OK)
        fail_msg ("%s failed: %s", schema->type, error.text);
    uint64_t issue_id = issue.issue_id;
    bs_codec_record_free (&bs_issue_schema, &issue);
    return issue_id;
}
