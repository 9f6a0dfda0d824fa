/*  publication: issues of periodicals; see publication.h. */
#include "publication.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_log.h"
#include "bs_schemas.h"
#include "bs_store.h"
#include "render.h"
#include "issue_compose.h"
#include "feedback.h"
#include "instructions.h"
#include "issue_publish.h"
#include "upward.h"
#include "upward_sender.h"
#include "archive_commands.h"
#include "pending.h"

const char *const publication_databases[] = {"adopted", "waiting", "issues", "counters", "errata",
                                             "outbox", "upward_index", "adoptions", "feedback",
                                             "instructions", "versions", "versions_expiry",
                                             PERIODICALS_DATABASE, ARCHIVE_DATABASES, NULL};

/* What every handler is given: the databases they share. */
static publication_t s_publication;

static int s_revert (bs_service_t *service, MDB_txn *txn, const bs_decision_t *decision);

/* The credit line of an adopted report: its unit, then each unit a
   synthesis combines that is not named yet, joined by 、. */
static void
s_source_units (const bs_decision_t *decision, char *buffer, size_t size)
{
    snprintf (buffer, size, "%s", decision->unit);
    const bs_source_t *sources = decision->sources.items;
    for (size_t i = 0; i < decision->sources.count; i++) {
        size_t length = strlen (sources[i].unit), used = strlen (buffer);
        bool named = false;
        for (const char *at = strstr (buffer, sources[i].unit); at && !named;
             at = strstr (at + 1, sources[i].unit))
            named = (at == buffer || (at - buffer >= 3 && strncmp (at - 3, "、", 3) == 0))
                    && (at[length] == 0 || strncmp (at + length, "、", 3) == 0);
        if (!named && used + length + 4 < size)
            snprintf (buffer + used, size - used, "、%s", sources[i].unit);
    }
}

/* review.decided: an adoption waits for an issue, under the title the
   editors gave it; a reverted adoption leaves. Other decisions are not
   publication's business. */
static int
s_on_decided (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    if (event->schema != &bs_decision_schema)
        return BS_OK;
    const bs_decision_t *decision = event->data;
    if (strcmp (decision->decision, "revert") == 0 && decision->reverts
        && strcmp (decision->reverts, "adopt") == 0)
        return s_revert (service, txn, decision);
    if (strcmp (decision->decision, "decline") == 0)
        return feedback_append (service, txn, decision->unit, decision->report_id,
                                decision->reg_no, "not_adopted", NULL, NULL, decision->decided_at);
    if (strcmp (decision->decision, "adopt") != 0 || !decision->periodical)
        return BS_OK;
    MDB_dbi adopted = bs_service_dbi (service, "adopted");
    bs_pending_item_t item;
    int rc =
        bs_store_get_record (txn, adopted, decision->report_id, &bs_pending_item_schema, &item);
    if (rc == BS_OK) {
        bs_codec_record_free (&bs_pending_item_schema, &item);
        return BS_OK; /* applied before */
    }
    if (rc != BS_E_NOT_FOUND)
        return rc;
    char source_units[BS_TEXT_MAX];
    s_source_units (decision, source_units, sizeof source_units);
    bs_pending_item_t fresh = {
        .report_id = decision->report_id,
        .reg_no = decision->reg_no,
        .unit = decision->unit,
        .title = decision->title,
        .body = decision->body,
        .source_units = source_units,
        .periodical = decision->periodical,
        .adopted_at = decision->decided_at,
    };
    rc = bs_store_put_record (txn, adopted, decision->report_id, &bs_pending_item_schema, &fresh);
    if (rc == BS_OK)
        rc = bs_store_put_record (txn, bs_service_dbi (service, "waiting"), decision->report_id,
                                  &bs_pending_item_schema, &fresh);
    if (rc == BS_OK)
        rc = feedback_append (service, txn, decision->unit, decision->report_id, decision->reg_no,
                              "adopted", decision->periodical, NULL, decision->decided_at);
    return rc;
}

/* Take a report out of a draft issue's items. */
static int
s_draft_remove (bs_service_t *service, MDB_txn *txn, uint64_t issue_id, uint64_t report_id,
                bool *published)
{
    MDB_dbi issues = bs_service_dbi (service, "issues");
    bs_issue_t issue;
    int rc = bs_store_get_record (txn, issues, issue_id, &bs_issue_schema, &issue);
    if (rc == BS_E_NOT_FOUND)
        return BS_OK;
    if (rc != BS_OK)
        return rc;
    *published = strcmp (issue.state, "draft") != 0;
    if (!*published && issue_store_item_index (&issue, report_id) >= 0)
        rc = issue_store_keep_texts (service, txn, &issue);
    bs_issue_item_t *items = issue.items.items;
    size_t kept = 0;
    for (size_t i = 0; !*published && i < issue.items.count; i++) {
        if (items[i].report_id == report_id)
            bs_codec_record_free (&bs_issue_item_schema, &items[i]);
        else
            items[kept++] = items[i];
    }
    if (!*published && rc == BS_OK) {
        issue.items.count = kept;
        rc = bs_store_put_record (txn, issues, issue_id, &bs_issue_schema, &issue);
    }
    bs_codec_record_free (&bs_issue_schema, &issue);
    return rc;
}

/* A reverted adoption: out of the waiting list and out of a draft issue,
   and no longer adopted (so a new adoption of the same report is taken).
   Review refuses to revert a report it knows is published; if an issue
   was published while the revert was on its way, the published issue
   stays as it is (it never changes) and the revert is logged. */
static int
s_revert (bs_service_t *service, MDB_txn *txn, const bs_decision_t *decision)
{
    MDB_dbi adopted = bs_service_dbi (service, "adopted");
    bs_pending_item_t item;
    int rc =
        bs_store_get_record (txn, adopted, decision->report_id, &bs_pending_item_schema, &item);
    if (rc == BS_E_NOT_FOUND)
        return BS_OK;
    if (rc != BS_OK)
        return rc;
    bool published = false;
    if (item.issue_id)
        rc = s_draft_remove (service, txn, item.issue_id, item.report_id, &published);
    if (rc == BS_OK && published)
        bs_log_warning ("report %s was reverted after issue %llu was published: the issue stays "
                        "as published",
                        item.reg_no, (unsigned long long) item.issue_id);
    else if (rc == BS_OK) {
        unsigned char key_bytes[8];
        bs_store_key (item.report_id, key_bytes);
        MDB_val key = {8, key_bytes};
        int mdb_rc = bs_store_del (txn, adopted, &key);
        if (mdb_rc && mdb_rc != MDB_NOTFOUND)
            rc = bs_store_error (mdb_rc, "forget a reverted adoption");
        if (rc == BS_OK)
            rc = issue_store_unlist_waiting (txn, bs_service_dbi (service, "waiting"), item.report_id);
    }
    bs_codec_record_free (&bs_pending_item_schema, &item);
    return rc;
}

/* The configured periodicals that are not stored yet are stored
   (periodicals.h): the configuration seeds them, an admin changes them. */
static int
s_seed_periodicals (bs_service_t *service)
{
    bs_error_t error;
    periodicals_t *seed = periodicals_load (bs_service_config (service), &error);
    if (!seed) {
        bs_log_error ("%s", error.text);
        return error.code;
    }
    size_t added;
    int rc = periodicals_seed (service, seed, bs_clock_now (), &added);
    if (rc == BS_OK && added)
        bs_log_info ("stored %zu configured periodicals", added);
    periodicals_destroy (&seed);
    return rc;
}

int
publication_setup (bs_service_t *service)
{
    s_publication.periodicals = bs_service_dbi (service, PERIODICALS_DATABASE);
    int rc = s_seed_periodicals (service);
    if (rc != BS_OK)
        return rc;
    static const struct {
        const bs_schema_t *schema;
        bs_command_fn *fn;
        bool mutates;
    } commands[] = {
        {&bs_periodical_list_schema, issue_publish_periodicals, false},
        {&bs_periodical_put_schema, periodicals_put, true},
        {&bs_issue_create_schema, issue_compose_create, true},
        {&bs_issue_add_schema, issue_compose_add, true},
        {&bs_issue_remove_schema, issue_compose_remove, true},
        {&bs_issue_move_schema, issue_compose_move, true},
        {&bs_issue_item_edit_schema, issue_compose_edit_item, true},
        {&bs_issue_edit_schema, issue_compose_edit, true},
        {&bs_issue_signoff_ask_schema, issue_publish_signoff_ask, true},
        {&bs_issue_signoff_schema, issue_publish_signoff, true},
        {&bs_issue_publish_schema, issue_publish_publish, true},
        {&bs_erratum_add_schema, issue_publish_erratum_add, true},
        {&bs_errata_request_schema, issue_publish_errata, false},
        {&bs_issue_get_schema, issue_publish_get, false},
        {&bs_issue_list_request_schema, issue_publish_list, false},
        {&bs_pending_request_schema, pending_list, false},
        {&bs_forward_schema, upward_forward, true},
        {&bs_outbox_request_schema, upward_outbox, false},
        {&bs_outbox_ack_schema, upward_ack, true},
        {&bs_feedback_apply_schema, upward_feedback_apply, true},
        {&bs_adoption_record_schema, upward_adoption_record, true},
        {&bs_upward_request_schema, upward_get, false},
        {&bs_feedback_request_schema, feedback_list, false},
        {&bs_instruct_schema, instructions_instruct, true},
        {&bs_follow_up_schema, instructions_follow_up, true},
        {&bs_instruction_list_schema, instructions_list, false},
        {&bs_document_request_schema, render_issue, false},
        {&bs_search_request_schema, archive_search_command, false},
    };
    rc = render_prepare ();
    if (rc == BS_OK)
        rc = pending_prepare ();
    if (rc == BS_OK)
        rc = bs_service_produce (service);
    if (rc == BS_OK)
        rc = bs_service_consume (service, "review", s_on_decided, NULL);
    bs_service_reply_texts (service, issue_store_texts);
    for (size_t i = 0; rc == BS_OK && i < sizeof commands / sizeof commands[0]; i++)
        rc = bs_service_on (service, commands[i].schema, commands[i].fn, &s_publication,
                            commands[i].mutates);
    /* Who may send what (bs_principal_allowed): adding and changing
       periodicals is an admin's; composing and publishing
       issues is a publisher's work (or an admin's); signing one off a
       leader's; forwarding upward and recording what became of a report
       (an adoption, a leader's comment) the office staff's; what the level
       above answered only publication's own sender (upward_sender.h) or an
       admin may apply; a follow-up is sent by people (officers or staff),
       and its handler checks that an officer answers for the comment's
       unit as themself. */
    static const struct {
        const bs_schema_t *schema;
        const char *roles;
    } allowed[] = {
        {&bs_periodical_put_schema, "admin"},
        {&bs_issue_create_schema, "publisher,admin"},
        {&bs_issue_add_schema, "publisher,admin"},
        {&bs_issue_remove_schema, "publisher,admin"},
        {&bs_issue_move_schema, "publisher,admin"},
        {&bs_issue_item_edit_schema, "publisher,admin"},
        {&bs_issue_edit_schema, "publisher,admin"},
        {&bs_issue_publish_schema, "publisher,admin"},
        {&bs_issue_signoff_ask_schema, "publisher,admin"},
        {&bs_erratum_add_schema, "publisher,admin"},
        {&bs_issue_signoff_schema, "leader"},
        {&bs_forward_schema, PUBLICATION_STAFF},
        {&bs_adoption_record_schema, PUBLICATION_STAFF},
        {&bs_instruct_schema, PUBLICATION_STAFF},
        {&bs_follow_up_schema, "officer," PUBLICATION_STAFF},
        {&bs_outbox_ack_schema, "service:publication,admin"},
        {&bs_feedback_apply_schema, "service:publication,admin"},
    };
    for (size_t i = 0; rc == BS_OK && i < sizeof allowed / sizeof allowed[0]; i++)
        rc = bs_service_allow (service, allowed[i].schema, allowed[i].roles);
    if (rc == BS_OK)
        rc = archive_catch_up (service);
    if (rc == BS_OK)
        rc = upward_sender_start (bs_service_config (service));
    return rc;
}
