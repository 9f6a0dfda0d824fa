/*  review_claims: an editor claims a case before deciding it. A claim is a
    lease of review.lease_minutes: when it ends undecided the case goes back
    to the queue (the sweep below, run every review.sweep_ms on the
    service's clock). Claims are applied one at a time in the service's
    single writer, so two editors can never hold the same case, and a
    decision is accepted only from the holder of a live lease.
*/
#include "review.h"

#include <stdio.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_store.h"

static uint64_t
s_lease_ms (bs_service_t *service)
{
    uint64_t minutes = bs_config_get_number (bs_service_config (service), "review.lease_minutes");
    return (minutes ? minutes : 30) * 60 * 1000;
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
    bool renew = strcmp (review_case.state, "claimed") == 0 && review_case.holder
                 && strcmp (review_case.holder, claim->editor) == 0;
    char until[40];
    if (!renew && strcmp (review_case.state, "claimed") == 0) {
        bs_clock_format_minute (review_case.lease_until, until, sizeof until);
        rc = bs_request_refuse (request, BS_E_CONFLICT, "report_id", "claimed",
                                "report %s is claimed by %s until %s", review_case.reg_no,
                                review_case.holder, until);
    } else if (!renew && !review_state_next (review_case.state, "claim"))
        rc = review_case_refuse (request, &review_case, "be claimed");
    else {
        rc = review_case_take (request->service, request->txn, &review_case);
        review_case.lease_until = request->now + s_lease_ms (request->service);
        if (!renew)
            review_case.claimed_at = request->now;
        if (rc == BS_OK)
            rc = review_string_set (&review_case.holder, claim->editor);
        bs_clock_format_minute (review_case.lease_until, until, sizeof until);
        char note[64];
        snprintf (note, sizeof note, "lease until %s", until);
        /* A renewal keeps the state: it is recorded as a claim from
           claimed to claimed, outside the machine's steps. */
        if (rc == BS_OK && renew) {
            rc = review_case_insert (request->service, request->txn, &review_case);
            if (rc == BS_OK)
                rc = review_audit_add (request->service, request->txn, review_case.report_id,
                                       "claim", &actor, "claimed", "claimed", note, request->now);
        } else if (rc == BS_OK)
            rc = review_case_move (request->service, request->txn, &review_case, "claim", &actor,
                                   note, request->now);
        if (rc == BS_OK)
            rc = review_case_reply (request, &review_case);
    }
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
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
