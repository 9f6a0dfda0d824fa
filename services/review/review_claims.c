/*  review_claims: an editor claims a case before deciding it. A claim is a
    lease of review.lease_minutes: when it ends undecided the case goes back
    to the queue (the sweep below, run every review.sweep_ms on the
    service's clock). Claims are applied one at a time in the service's
    single writer, so two editors can never hold the same case, and a
    decision is accepted only from the holder of a live lease. A decision
    that says claim takes its claim here first, in the same write
    (review_claim_to_decide): the editor who has read a case decides it
    in one round trip, and the trail keeps both steps.
*/
#include "review.h"

#include <stdio.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_store.h"

/* Room for a claim's note. */
#define S_NOTE_MAX 64

static uint64_t
s_lease_ms (bs_service_t *service)
{
    uint64_t minutes = bs_config_get_number (bs_service_config (service), "review.lease_minutes");
    return (minutes ? minutes : 30) * 60 * 1000;
}

/* Refuse a claim of editor on the case unless the case is queued or
   editor holds it already (*renew: a renewal, which keeps the state). */
static int
s_claim_allowed (bs_request_t *request, const bs_review_case_t *review_case, const char *editor,
                 bool *renew)
{
    bool claimed = strcmp (review_case->state, "claimed") == 0;
    *renew = claimed && review_case->holder && strcmp (review_case->holder, editor) == 0;
    if (!*renew && claimed) {
        char until[40];
        bs_clock_format_minute (review_case->lease_until, until, sizeof until);
        return bs_request_refuse (request, BS_E_CONFLICT, "report_id", "claimed",
                                  "report %s is claimed by %s until %s", review_case->reg_no,
                                  review_case->holder, until);
    }
    if (!*renew && !review_state_next (review_case->state, "claim"))
        return review_case_refuse (request, review_case, "be claimed");
    return BS_OK;
}

/* The note of a claim's entry: "lease until " and the lease's end to
   the minute. The claims of one command (review.decide_many) all end at
   once: the last note made is kept (by each thread: a service's writer
   makes them) and used again while the end is the same. */
static void
s_lease_note (uint64_t lease_until, char note[S_NOTE_MAX])
{
    static _Thread_local uint64_t made_for;
    static _Thread_local char made[S_NOTE_MAX];
    if (!made[0] || made_for != lease_until) {
        char until[40];
        bs_clock_format_minute (lease_until, until, sizeof until);
        snprintf (made, sizeof made, "lease until %s", until);
        made_for = lease_until;
    }
    memcpy (note, made, S_NOTE_MAX);
}

/* A taken case held by actor from now for a lease, recorded (a renewal
   as a claim from claimed to claimed, outside the machine's steps); the
   case stored too, or with store false left for the action that follows
   in the same write to store (trail as review_case_step_after's). The
   lease's end is in the entry's note. */
static int
s_hold (bs_request_t *request, bs_review_case_t *review_case, const review_actor_t *actor,
        bool renew, bool store, uint64_t *trail)
{
    review_case->lease_until = request->now + s_lease_ms (request->service);
    if (!renew)
        review_case->claimed_at = request->now;
    int rc = review_string_set (&review_case->holder, actor->name);
    char note[S_NOTE_MAX];
    s_lease_note (review_case->lease_until, note);
    if (rc == BS_OK && renew) {
        if (store)
            rc = review_case_insert (request->service, request->txn, review_case);
        if (rc == BS_OK)
            rc = review_audit_add_after (request->service, request->txn, review_case->report_id,
                                         "claim", actor, "claimed", "claimed", note, request->now,
                                         trail);
    } else if (rc == BS_OK && store)
        rc = review_case_move_after (request->service, request->txn, review_case, "claim", actor,
                                     note, request->now, trail);
    else if (rc == BS_OK)
        rc = review_case_step_after (request->service, request->txn, review_case, "claim", actor,
                                     note, request->now, trail);
    return rc;
}

int
review_claim (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_claim_t *claim = request->message->data;
    review_actor_t actor = {claim->editor, claim->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_DESK, "claim a case");
    if (rc != BS_OK)
        return rc;
    bs_review_case_t review_case;
    rc = review_case_load (request, claim->report_id, &review_case);
    if (rc != BS_OK)
        return rc;
    bool renew;
    rc = s_claim_allowed (request, &review_case, claim->editor, &renew);
    if (rc == BS_OK)
        rc = review_case_take (request->service, request->txn, &review_case);
    uint64_t trail = 0;
    if (rc == BS_OK)
        rc = s_hold (request, &review_case, &actor, renew, true, &trail);
    if (rc == BS_OK)
        rc = review_case_reply (request, &review_case);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
}

int
review_claim_to_decide (bs_request_t *request, bs_review_case_t *review_case,
                        const review_actor_t *actor, bool *taken, uint64_t *trail)
{
    *taken = false;
    bool renew;
    int rc = s_claim_allowed (request, review_case, actor->name, &renew);
    if (rc != BS_OK || (renew && review_case->lease_until > request->now))
        return rc; /* refused, or the actor's live claim: nothing to take */
    rc = review_case_take (request->service, request->txn, review_case);
    *taken = rc == BS_OK;
    return rc == BS_OK ? s_hold (request, review_case, actor, renew, false, trail) : rc;
}

/* Back to the queue: no holder, no lease. */
static int
s_unclaim (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case, const char *action,
           const review_actor_t *actor, const char *note, uint64_t now)
{
    int rc = review_case_take (service, txn, review_case);
    if (rc == BS_OK)
        rc = review_string_set (&review_case->holder, NULL);
    review_case->lease_until = 0;
    review_case->claimed_at = 0;
    if (rc == BS_OK)
        rc = review_case_move (service, txn, review_case, action, actor, note, now);
    return rc;
}

int
review_release (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_release_t *release = request->message->data;
    review_actor_t actor = {release->editor, release->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_DESK, "release a case");
    if (rc != BS_OK)
        return rc;
    bs_review_case_t review_case;
    rc = review_case_load (request, release->report_id, &review_case);
    if (rc != BS_OK)
        return rc;
    if (!review_state_next (review_case.state, "release"))
        rc = bs_request_refuse (request, BS_E_CONFLICT, "report_id", "not_claimed",
                                "report %s is %s, not claimed: there is nothing to release",
                                review_case.reg_no, review_case.state);
    else if (strcmp (review_case.holder ? review_case.holder : "", release->editor) != 0
             && !review_role_allows (release->role, REVIEW_ROLES_LEAD))
        rc = bs_request_refuse (request, BS_E_CONFLICT, "report_id", "claimed",
                                "report %s is claimed by %s; only they, a leader or an admin can "
                                "release it",
                                review_case.reg_no, review_case.holder);
    else {
        char note[BS_NAME_MAX + 32];
        snprintf (note, sizeof note, "claim of %s released", review_case.holder);
        rc = s_unclaim (request->service, request->txn, &review_case, "release", &actor, note,
                        request->now);
        if (rc == BS_OK)
            rc = review_case_reply (request, &review_case);
    }
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
}

static int
s_expire (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case, uint64_t now)
{
    static const review_actor_t clock = {"review", "system"};
    char note[BS_NAME_MAX + 32];
    snprintf (note, sizeof note, "lease of %s ended", review_case->holder);
    return s_unclaim (service, txn, review_case, "expire", &clock, note, now);
}

/* The timer: every lease that has ended gives its case back. */
int
review_leases_sweep (bs_service_t *service, MDB_txn *txn, uint64_t now, void *argument)
{
    (void) argument;
    return review_index_sweep (service, txn, "leases", now, s_expire);
}
