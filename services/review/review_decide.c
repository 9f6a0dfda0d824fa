/*  review_decide: decisions and their reverts, and the review.decided
    events publication and statistics consume.

    A decision needs a live claim of the deciding editor: two editors can
    never decide one case, and a second decision is refused ("already
    adopted"). With claim, the decision takes that claim itself when no
    other editor holds the case (review_claims.c), in the same write. It
    carries a critique and optional scores on the configured criteria
    (review.criteria, each 0..review.score_max). A revert (leader or
    admin, with a reason) takes a decision back and returns the case to
    the queue; an adoption already in a published issue cannot be
    reverted (publish an erratum instead).
*/
#include "review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_log.h"
#include "bs_store.h"

/* Whether name is one of the comma-separated words of list. */
static bool
s_listed (const char *list, const char *name)
{
    size_t length = strlen (name);
    for (const char *at = list; at && *at;) {
        const char *end = strchr (at, ',');
        size_t size = end ? (size_t) (end - at) : strlen (at);
        if (size == length && strncmp (at, name, length) == 0)
            return true;
        at = end ? end + 1 : NULL;
    }
    return false;
}

static int
s_scores_check (bs_request_t *request, const bs_list_t *scores)
{
    if (scores->count == 0)
        return BS_OK; /* nothing to check: the settings are not read */
    bs_config_t *config = bs_service_config (request->service);
    const char *criteria = bs_config_get (config, "review.criteria");
    uint64_t top = bs_config_get_number (config, "review.score_max");
    const bs_score_t *items = scores->items;
    for (size_t i = 0; i < scores->count; i++) {
        if (!s_listed (criteria, items[i].criterion))
            return bs_request_fail (request, BS_E_INVALID, "scores",
                                    "unknown criterion '%s'; the criteria are %s",
                                    items[i].criterion, criteria);
        if (items[i].value > top)
            return bs_request_fail (request, BS_E_INVALID, "scores",
                                    "score %llu for %s is out of range: scores are 0..%llu",
                                    (unsigned long long) items[i].value, items[i].criterion,
                                    (unsigned long long) top);
        for (size_t k = 0; k < i; k++)
            if (strcmp (items[k].criterion, items[i].criterion) == 0)
                return bs_request_fail (request, BS_E_INVALID, "scores", "%s is scored twice",
                                        items[i].criterion);
    }
    return BS_OK;
}

static void
s_scores_free (bs_list_t *scores)
{
    bs_score_t *items = scores->items;
    for (size_t i = 0; i < scores->count; i++)
        bs_codec_record_free (&bs_score_schema, &items[i]);
    free (items);
    *scores = (bs_list_t){0, NULL};
}

static int
s_scores_set (bs_list_t *target, const bs_list_t *source)
{
    s_scores_free (target);
    if (source->count == 0)
        return BS_OK;
    bs_score_t *items = calloc (source->count, sizeof *items);
    if (!items)
        return BS_E_SYSTEM;
    target->items = items;
    const bs_score_t *from = source->items;
    for (; target->count < source->count; target->count++)
        if (bs_codec_record_copy (&bs_score_schema, &from[target->count], &items[target->count])
            != BS_OK)
            return BS_E_SYSTEM;
    return BS_OK;
}

/* The event of a decision (or, with reverts set, of its revert). */
static int
s_emit (bs_service_t *service, MDB_txn *txn, const bs_review_case_t *review_case,
        const char *decision, const char *critique, const char *reverts, uint64_t previous_at,
        const char *reason, uint64_t now)
{
    bs_decision_t event = {
        .report_id = review_case->report_id,
        .reg_no = review_case->reg_no,
        .unit = review_case->unit,
        .title = review_case->edited_title ? review_case->edited_title : review_case->title,
        .body = review_case->edited_body ? review_case->edited_body : review_case->body,
        .kind = review_case->kind,
        .urgent = review_case->urgent,
        .decision = (char *) decision,
        .periodical = review_case->periodical,
        .critique = (char *) critique,
        .editor = review_case->editor,
        .received_at = review_case->received_at,
        .decided_at = now,
        .version = review_case->version,
        .reverts = (char *) reverts,
        .previous_at = previous_at,
        .reason = (char *) reason,
        .sources = review_case->sources,
    };
    return bs_service_emit (service, txn, &bs_decision_schema, &event, now);
}

/* Refuse a decision the case's claim does not allow. */
static int
s_claim_check (bs_request_t *request, const bs_review_case_t *review_case, const char *editor)
{
    if (strcmp (review_case->state, "claimed") != 0)
        return review_case_refuse (request, review_case, "be decided");
    if (strcmp (review_case->holder ? review_case->holder : "", editor) != 0)
        return bs_request_refuse (request, BS_E_CONFLICT, "report_id", "claimed",
                                  "report %s is claimed by %s, not by %s", review_case->reg_no,
                                  review_case->holder, editor);
    if (review_case->lease_until <= request->now) {
        char until[40];
        bs_clock_format (review_case->lease_until, until, sizeof until);
        return bs_request_refuse (request, BS_E_CONFLICT, "report_id", "lease_ended",
                                  "your claim on report %s ended at %s: claim it again",
                                  review_case->reg_no, until);
    }
    return BS_OK;
}

/* The decision of one case as review.decide takes it, in the request's
   write: its refusals (failing the request) all come before the first
   write, and *wrote says whether one began (a failure after it is the
   store's, and undoes nothing by itself). On success, the decided case
   is in review_case (the caller frees it) and its review.decided event
   is in the log. acting: who acts (decide's editor and role) was checked
   already, as review_actor_check checks it here otherwise. */
static int
s_decide_case (bs_request_t *request, const bs_decide_t *decide, bs_review_case_t *review_case,
               bool *wrote, bool acting)
{
    bs_service_t *service = request->service;
    const char *decision = decide->decision;
    const char *action = NULL;
    *wrote = false;
#define S_WORD(IDENT, word, state) word,
    static const char *const words[] = {BS_DECISIONS (S_WORD)};
#undef S_WORD
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp (decision, words[i]) == 0)
            action = words[i];
    if (!action)
        return bs_request_fail (request, BS_E_INVALID, "decision",
                                "decision must be adopt, return, decline or forward, not '%s'",
                                decision);
    bool adopt = strcmp (action, "adopt") == 0;
    bool named = decide->periodical && *decide->periodical, known = false;
    int rc = named ? review_periodical_known (service, request->txn, decide->periodical, &known)
                   : BS_OK;
    if (rc != BS_OK)
        return rc;
    if ((adopt && !named) || (named && !known)) {
        char names[BS_PERIODICALS_MAX * (BS_NAME_MAX + 1)];
        review_periodical_names (service, request->txn, names, sizeof names);
        if (!named)
            return bs_request_fail (request, BS_E_INVALID, "periodical",
                                    "an adoption names the periodical it goes into; known: %s",
                                    names);
        return bs_request_fail (request, BS_E_INVALID, "periodical",
                                "unknown periodical '%s'; known: %s", decide->periodical, names);
    }
    review_actor_t actor = {decide->editor, decide->role ? decide->role : ""};
    if (!acting)
        rc = review_actor_check (request, &actor, REVIEW_ROLES_DESK, "decide");
    if (rc == BS_OK)
        rc = s_scores_check (request, &decide->scores);
    if (rc != BS_OK)
        return rc;
    rc = review_case_load (request, decide->report_id, review_case);
    if (rc != BS_OK)
        return rc;
    bool taken = false;
    uint64_t trail = 0; /* the case's last audit entry, once the claim wrote one */
    if (decide->claim)
        rc = review_claim_to_decide (request, review_case, &actor, &taken, &trail);
    *wrote = taken;
    if (rc == BS_OK)
        rc = s_claim_check (request, review_case, decide->editor);
    *wrote |= rc == BS_OK;
    if (rc == BS_OK && !taken)
        rc = review_case_take (service, request->txn, review_case);
    if (rc == BS_OK)
        rc = review_string_set (&review_case->periodical, named ? decide->periodical : NULL);
    if (rc == BS_OK)
        rc = review_string_set (&review_case->critique, decide->critique);
    if (rc == BS_OK)
        rc = review_string_set (&review_case->editor, decide->editor);
    if (rc == BS_OK)
        rc = review_string_set (&review_case->holder, NULL);
    if (rc == BS_OK)
        rc = s_scores_set (&review_case->scores, &decide->scores);
    review_case->lease_until = 0;
    review_case->claimed_at = 0;
    review_case->decided_at = request->now;
    if (rc == BS_OK)
        rc = review_case_move_after (service, request->txn, review_case, action, &actor,
                                     decide->critique, request->now, &trail);
    if (rc == BS_OK)
        rc = s_emit (service, request->txn, review_case, action, decide->critique, NULL, 0, NULL,
                     request->now);
    if (rc != BS_OK)
        bs_codec_record_free (&bs_review_case_schema, review_case);
    return rc;
}

int
review_decide (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_review_case_t review_case;
    bool wrote;
    int rc = s_decide_case (request, request->message->data, &review_case, &wrote, false);
    if (rc != BS_OK)
        return rc;
    rc = review_case_reply (request, &review_case);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
}

/* Whether a failure of one decision of many is its refusal alone: a
   refusal's code, before the decision wrote anything. Else (the store
   failed, memory ran out) the whole command fails. */
static bool
s_refused_alone (int code, bool wrote)
{
    return !wrote
           && (code == BS_E_INVALID || code == BS_E_NOT_FOUND || code == BS_E_CONFLICT
               || code == BS_E_DENIED || code == BS_E_LIMIT);
}

/* A refused item's result: its refusal, as the request keeps it beside
   the error reply (code, field, message, reason), and the case's state,
   which the refusal left as it was. */
static int
s_refusal (bs_request_t *request, bs_decide_result_t *result)
{
    const char *texts[] = {bs_error_name (request->code), request->refusal.field,
                           request->refusal.message, request->refusal.reason};
    char **copies[] = {&result->code, &result->field, &result->message, &result->reason};
    int rc = request->code != BS_OK ? BS_OK : BS_E_SYSTEM; /* refused without a reply */
    for (size_t i = 0; rc == BS_OK && i < 4; i++)
        rc = *texts[i] ? review_string_set (copies[i], texts[i]) : BS_OK;
    bs_review_case_t review_case;
    int found = rc == BS_OK ? review_case_get (request->service, request->txn, result->report_id,
                                               &review_case)
                            : rc;
    if (found == BS_OK) {
        rc = review_string_set (&result->reg_no, review_case.reg_no);
        if (rc == BS_OK)
            rc = review_string_set (&result->state, review_case.state);
        bs_codec_record_free (&bs_review_case_schema, &review_case);
    } else if (found != BS_E_NOT_FOUND)
        rc = found;
    return rc;
}

int
review_decide_many (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_decide_many_t *many = request->message->data;
    /* Who acts is the command's, refused for all its items at once. */
    review_actor_t actor = {many->editor, many->role ? many->role : ""};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_DESK, "decide");
    if (rc != BS_OK)
        return rc;
    const bs_decide_item_t *items = many->decisions.items;
    size_t count = many->decisions.count;
    bs_decide_results_t page = {{0, calloc (count ? count : 1, sizeof (bs_decide_result_t))}};
    bs_decide_result_t *results = page.results.items;
    if (!results)
        return BS_E_SYSTEM;
    size_t refused = 0;
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        bs_decide_t decide = {.report_id = items[i].report_id,
                              .decision = items[i].decision,
                              .periodical = items[i].periodical,
                              .critique = items[i].critique,
                              .editor = many->editor,
                              .role = many->role,
                              .scores = items[i].scores,
                              .claim = items[i].claim};
        bs_decide_result_t *result = &results[page.results.count++];
        result->report_id = items[i].report_id;
        bs_review_case_t review_case;
        bool wrote;
        rc = s_decide_case (request, &decide, &review_case, &wrote, true);
        if (rc == BS_OK) {
            /* The decided case's texts move into the result (not copied). */
            result->reg_no = review_case.reg_no;
            result->state = review_case.state;
            review_case.reg_no = NULL;
            review_case.state = NULL;
            bs_codec_record_free (&bs_review_case_schema, &review_case);
        } else if (s_refused_alone (rc, wrote)) {
            refused++;
            rc = s_refusal (request, result);
        }
    }
    if (rc == BS_OK) {
        bs_log_info ("%zu decisions by %s: %zu refused", count, many->editor, refused);
        rc = bs_request_reply (request, &bs_decide_results_schema, &page);
    }
    bs_codec_record_free (&bs_decide_results_schema, &page);
    return rc;
}

int
review_revert (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_revert_t *revert = request->message->data;
    bs_service_t *service = request->service;
    review_actor_t actor = {revert->editor, revert->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_LEAD, "revert a decision");
    if (rc != BS_OK)
        return rc;
    const char *reason = revert->reason;
    while (*reason == ' ' || *reason == '\t' || *reason == '\n')
        reason++;
    if (!*reason)
        return bs_request_fail (request, BS_E_INVALID, "reason",
                                "a revert needs a reason a person can read");
    bs_review_case_t review_case;
    rc = review_case_load (request, revert->report_id, &review_case);
    if (rc != BS_OK)
        return rc;
    const char *taken_back = review_state_decision (review_case.state);
    if (!review_state_next (review_case.state, "revert"))
        rc = bs_request_fail (request, BS_E_CONFLICT, "report_id",
                              "report %s is %s: only a decision can be reverted",
                              review_case.reg_no, review_case.state);
    else if (review_case.published)
        rc = bs_request_refuse (request, BS_E_CONFLICT, "report_id", "published",
                                "report %s is in a published issue, which never changes: publish "
                                "an erratum instead of reverting",
                                review_case.reg_no);
    else {
        uint64_t previous_at = review_case.decided_at;
        char note[BS_TEXT_MAX + 32];
        snprintf (note, sizeof note, "%s reverted: %s", taken_back, revert->reason);
        rc = review_case_take (service, request->txn, &review_case);
        if (rc == BS_OK)
            rc = review_string_set (&review_case.revert_reason, revert->reason);
        review_case.decided_at = 0;
        /* The event needs the periodical the adoption went into; the case
           forgets it once the event is written. */
        if (rc == BS_OK)
            rc = review_case_move (service, request->txn, &review_case, "revert", &actor, note,
                                   request->now);
        if (rc == BS_OK)
            rc = s_emit (service, request->txn, &review_case, "revert",
                         review_case.critique ? review_case.critique : revert->reason, taken_back,
                         previous_at, revert->reason, request->now);
        if (rc == BS_OK)
            rc = review_string_set (&review_case.periodical, NULL);
        if (rc == BS_OK)
            rc = bs_store_put_record (request->txn, bs_service_dbi (service, "cases"),
                                      review_case.report_id, &bs_review_case_schema, &review_case);
        if (rc == BS_OK)
            rc = review_case_reply (request, &review_case);
    }
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
}
