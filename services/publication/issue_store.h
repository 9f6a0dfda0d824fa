/*  issue_store: what the publication commands share about issues in the
    store: loading an issue for a request (with the error a user reads),
    saving it, its audit trail, and the adopted reports that wait for one.

    Leaf file: the command files call it; it calls none of them.
*/
#ifndef ISSUE_STORE_H_INCLUDED
#define ISSUE_STORE_H_INCLUDED

#include <stdarg.h>

#include "bs_service.h"
#include "bs_schemas.h"
#include "periodicals.h"

/* What every publication handler is given as its argument. */
typedef struct {
    MDB_dbi periodicals; /* the stored periodicals (periodicals.h) */
} publication_t;

/* The office's staff (a bs_principal_allowed rule): they compose issues,
   record leaders' comments, adoptions and forwards, and may answer for
   any unit. */
#define PUBLICATION_STAFF "editor,leader,publisher,admin"

/* Who reads every unit's adopted reports, forwards, feedback and leaders'
   comments, and draft issues: staff and services. An officer reads only
   their own unit's (bs_principal_sees), and of issues only the published
   ones, which every unit of the level reads. */
#define PUBLICATION_READS_EVERY_UNIT "service," PUBLICATION_STAFF

/* Whether principal may read issue: a published one anyone; a draft
   those who read every unit's (PUBLICATION_READS_EVERY_UNIT). */
bool issue_store_visible (const bs_principal_t *principal, const bs_issue_t *issue);

/* Load issue issue_id; a missing one fails the request (not_found). */
int issue_store_load (bs_request_t *request, uint64_t issue_id, bs_issue_t *issue);

/* issue_store_load for a read by the request's principal: an issue it
   may not read (issue_store_visible) fails exactly as a missing one. */
int issue_store_read (bs_request_t *request, uint64_t issue_id, bs_issue_t *issue);

/* The same, and the issue must be a draft: a published one fails the
   request (conflict) and is freed. */
int issue_store_load_draft (bs_request_t *request, uint64_t issue_id, bs_issue_t *issue);

/* Store issue in the request's transaction. */
int issue_store_save (bs_request_t *request, const bs_issue_t *issue);

/* Reply with the issue. The copy stored for a retry of a change (the
   issue's history has a line at request->now) leaves out its items'
   titles and bodies (bs_request_store_without), which the issue keeps:
   issue_store_texts gives them back. */
int issue_store_reply (bs_request_t *request, const bs_issue_t *issue);

/* Before a change takes out, moves or rewrites items of a draft: keep the
   issue as it is in versions, for the stored replies made of it, and
   count the change in the issue's composition ("texts:<issue id>" in
   counters). The copy is forgotten idempotency_days after the issue's
   last change, with the last of those replies (bs_service_keep_version). Adding items at the end needs none: the texts of the items
   there before stay where they were. */
int issue_store_keep_texts (bs_service_t *service, MDB_txn *txn, const bs_issue_t *issue);

/* The titles and bodies of an issue's first items as a stored reply had
   them (bs_reply_texts_fn; the reference is the issue id and its
   composition, 8 bytes each, big-endian): from the issue while its
   composition is the reply's, else from versions. */
int issue_store_texts (bs_service_t *service, MDB_txn *txn, const void *reference,
                       size_t reference_size, char *texts[], size_t count);

/* Append a line to issue's audit trail (dropping the oldest past
   BS_PAGE_MAX). detail is a printf format (NULL: none). BS_OK or
   BS_E_SYSTEM (out of memory). */
int issue_store_history (bs_issue_t *issue, const char *action, const char *by, uint64_t at,
                         const char *detail, ...) __attribute__ ((format (printf, 5, 6)));

/* A change to a draft withdraws its sign-off (the leader signed what it
   was, not what it became) and the publisher's request for one (the
   draft asked about is not the draft now): clears signed_off_by/at and
   signoff_asked_by/at and says so in the trail. */
int issue_store_withdraw_signoff (bs_issue_t *issue, const char *by, uint64_t at);

/* Index of report_id among issue's items, or -1. */
long issue_store_item_index (const bs_issue_t *issue, uint64_t report_id);

/* An adopted report placed in an issue no longer waits; one taken out of
   an issue waits again. */
int issue_store_unlist_waiting (MDB_txn *txn, MDB_dbi waiting, uint64_t report_id);

/* Replace *field with a copy of value (NULL stays NULL). BS_OK or
   BS_E_SYSTEM. */
int issue_store_set_string (char **field, const char *value);

#endif
