/*  review_sessions: critique sessions (講評會). A leader opens a session
    over a batch of cases, comments on each (each comment also goes to the
    case's audit trail), and closes it; the session is kept for ever as the
    record of what was said. Only a leader or an admin runs a session.
*/
#include "review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_store.h"

static int
s_session_load (bs_request_t *request, uint64_t session_id, bs_session_t *session)
{
    int rc = bs_store_get_record (request->txn, bs_service_dbi (request->service, "sessions"),
                                  session_id, &bs_session_schema, session);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "session_id", "no session %llu",
                                (unsigned long long) session_id);
    return rc;
}

static int
s_session_store (bs_request_t *request, const bs_session_t *session)
{
    int rc = bs_store_put_record (request->txn, bs_service_dbi (request->service, "sessions"),
                                  session->session_id, &bs_session_schema, session);
    return rc == BS_OK ? bs_request_reply (request, &bs_session_schema, session) : rc;
}

int
review_session_open (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_session_open_t *open = request->message->data;
    review_actor_t actor = {open->editor, open->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_LEAD, "open a critique session");
    const uint64_t *ids = open->report_ids.items;
    for (size_t i = 0; rc == BS_OK && i < open->report_ids.count; i++) {
        bs_review_case_t review_case;
        rc = review_case_load (request, ids[i], &review_case);
        if (rc == BS_OK)
            bs_codec_record_free (&bs_review_case_schema, &review_case);
    }
    bs_session_t session = {.title = open->title,
                            .leader = open->editor,
                            .state = "open",
                            .opened_at = request->now,
                            .report_ids = open->report_ids};
    if (rc == BS_OK)
        rc = bs_store_next_counter (request->txn, bs_service_dbi (request->service, "counters"),
                                    "session", &session.session_id);
    return rc == BS_OK ? s_session_store (request, &session) : rc;
}

int
review_session_comment (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_session_comment_t *comment = request->message->data;
    review_actor_t actor = {comment->editor, comment->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_LEAD, "comment in a session");
    bs_session_t session;
    if (rc == BS_OK)
        rc = s_session_load (request, comment->session_id, &session);
    if (rc != BS_OK)
        return rc;
    bool listed = false;
    const uint64_t *ids = session.report_ids.items;
    for (size_t i = 0; i < session.report_ids.count; i++)
        listed |= ids[i] == comment->report_id;
    bs_session_entry_t *entries = NULL;
    if (strcmp (session.state, "open") != 0)
        rc = bs_request_fail (request, BS_E_CONFLICT, "session_id",
                              "session %llu is closed: its record no longer changes",
                              (unsigned long long) session.session_id);
    else if (!listed)
        rc = bs_request_fail (request, BS_E_INVALID, "report_id",
                              "report %llu is not one of this session's cases",
                              (unsigned long long) comment->report_id);
    else if (session.entries.count >= 10000)
        rc = bs_request_fail (request, BS_E_LIMIT, "session_id",
                              "a session holds at most 10000 comments");
    else if (!(entries =
                   realloc (session.entries.items, (session.entries.count + 1) * sizeof *entries)))
        rc = BS_E_SYSTEM;
    if (rc == BS_OK) {
        session.entries.items = entries;
        bs_session_entry_t *entry = &entries[session.entries.count];
        *entry = (bs_session_entry_t){.report_id = comment->report_id, .at = request->now};
        session.entries.count++;
        rc = review_string_set (&entry->comment, comment->comment);
        if (rc == BS_OK)
            rc = review_string_set (&entry->author, comment->editor);
    }
    bs_review_case_t review_case;
    if (rc == BS_OK)
        rc = review_case_load (request, comment->report_id, &review_case);
    if (rc == BS_OK) {
        char note[BS_TEXT_MAX + 48];
        snprintf (note, sizeof note, "session %llu: %s", (unsigned long long) session.session_id,
                  comment->comment);
        rc = review_case_take (request->service, request->txn, &review_case);
        if (rc == BS_OK)
            rc = review_case_move (request->service, request->txn, &review_case, "comment", &actor,
                                   note, request->now);
        bs_codec_record_free (&bs_review_case_schema, &review_case);
    }
    if (rc == BS_OK)
        rc = s_session_store (request, &session);
    bs_codec_record_free (&bs_session_schema, &session);
    return rc;
}

int
review_session_close (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_session_close_t *close = request->message->data;
    review_actor_t actor = {close->editor, close->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_LEAD, "close a critique session");
    bs_session_t session;
    if (rc == BS_OK)
        rc = s_session_load (request, close->session_id, &session);
    if (rc != BS_OK)
        return rc;
    if (strcmp (session.state, "open") != 0)
        rc =
            bs_request_fail (request, BS_E_CONFLICT, "session_id", "session %llu is already closed",
                             (unsigned long long) session.session_id);
    else {
        rc = review_string_set (&session.state, "closed");
        session.closed_at = request->now;
        if (rc == BS_OK)
            rc = s_session_store (request, &session);
    }
    bs_codec_record_free (&bs_session_schema, &session);
    return rc;
}

int
review_session_get (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_session_get_t *query = request->message->data;
    bs_session_t session;
    int rc = s_session_load (request, query->session_id, &session);
    if (rc != BS_OK)
        return rc;
    rc = bs_request_reply (request, &bs_session_schema, &session);
    bs_codec_record_free (&bs_session_schema, &session);
    return rc;
}
