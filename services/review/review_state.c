/*  review_state: the state machine of a case, the roles that may act, and
    the one way a case is stored so its indexes always agree with it.

        received --receive--> queued --claim--> claimed
        claimed --release/expire--> queued
        claimed --adopt/return/decline/forward--> adopted/returned/declined/forwarded
        adopted/returned/declined/forwarded --revert--> queued
        returned --resubmit (a new version)--> queued
        queued/claimed --synthesize--> synthesized
        queued --withdraw (by its unit)--> withdrawn

    Actions that keep the state: edit (claimed), escalate (queued, claimed),
    revise (a new version arriving in any state but returned), publish,
    assign and comment (any state). Everything else is refused.
*/
#include "review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_store.h"
#include "bs_text.h"

const char *const review_states[] = {"received",  "queued",   "claimed",   "adopted",
                                     "returned",  "declined", "forwarded", "synthesized",
                                     "withdrawn", NULL};

const char *const review_actions[] = {"receive",    "claim",   "release",  "expire", "adopt",
                                      "return",     "decline", "forward",  "revert", "resubmit",
                                      "synthesize", "edit",    "escalate", "revise", "publish",
                                      "assign",     "comment", "withdraw", NULL};

#define S_ANY "*" /* every state a stored case can be in */
#define S_SAME NULL

typedef struct {
    const char *action; /* what is done */
    const char *from;   /* the state it is allowed in, or S_ANY */
    const char *to;     /* the state after, or S_SAME */
} s_transition_t;

/* clang-format indents the rows after each macro row deeper: */
/* clang-format off */
static const s_transition_t s_machine[] = {
    {"receive", "received", "queued"},
    {"claim", "queued", "claimed"},
    {"release", "claimed", "queued"},
    {"expire", "claimed", "queued"},
/* each decision (schemas/review.def) from claimed, and its revert */
#define S_DECIDE(IDENT, word, state) {word, "claimed", state},
    BS_DECISIONS (S_DECIDE)
#undef S_DECIDE
#define S_REVERT(IDENT, word, state) {"revert", state, "queued"},
    BS_DECISIONS (S_REVERT)
#undef S_REVERT
    {"resubmit", "returned", "queued"},
    {"synthesize", "queued", "synthesized"},
    {"synthesize", "claimed", "synthesized"},
    {"withdraw", "queued", "withdrawn"},
    {"edit", "claimed", S_SAME},
    {"escalate", "queued", S_SAME},
    {"escalate", "claimed", S_SAME},
    {"revise", "queued", S_SAME},
    {"revise", "claimed", S_SAME},
    {"revise", "adopted", S_SAME},
    {"revise", "declined", S_SAME},
    {"revise", "forwarded", S_SAME},
    {"revise", "synthesized", S_SAME},
    {"revise", "withdrawn", S_SAME},
    {"publish", S_ANY, S_SAME},
    {"assign", S_ANY, S_SAME},
    {"comment", S_ANY, S_SAME},
};
/* clang-format on */

/* Whether a and b are the same word: their first bytes compared here,
   so most words that differ cost no call (the machine is asked a few
   times in every action on a case). */
static bool
s_same (const char *a, const char *b)
{
    return a[0] == b[0] && strcmp (a, b) == 0;
}

static const char *
s_known_state (const char *state)
{
    for (size_t i = 0; review_states[i]; i++)
        if (s_same (review_states[i], state))
            return review_states[i];
    return NULL;
}

const char *
review_state_next (const char *state, const char *action)
{
    const char *known = state ? s_known_state (state) : NULL;
    if (!known || !action)
        return NULL;
    for (size_t i = 0; i < sizeof s_machine / sizeof s_machine[0]; i++) {
        const s_transition_t *step = &s_machine[i];
        if (!s_same (step->action, action))
            continue;
        bool from =
            s_same (step->from, S_ANY) ? !s_same (known, "received") : s_same (step->from, known);
        if (from)
            return step->to ? step->to : known;
    }
    return NULL;
}

#define S_DECISION(IDENT, word, state) {state, word},
static const char *const s_decisions[][2] = {BS_DECISIONS (S_DECISION)};
#undef S_DECISION

const char *
review_state_decision (const char *state)
{
    for (size_t i = 0; i < sizeof s_decisions / sizeof s_decisions[0]; i++)
        if (state && strcmp (s_decisions[i][0], state) == 0)
            return s_decisions[i][1];
    return NULL;
}

bool
review_state_decided (const char *state)
{
    return review_state_decision (state) != NULL;
}

/* Roles                                                                  */

static const struct {
    const char *name;
    unsigned bit;
} s_roles[] = {{"officer", 0},
               {"publisher", 0},
               {"editor", REVIEW_ROLE_EDITOR},
               {"leader", REVIEW_ROLE_LEADER},
               {"admin", REVIEW_ROLE_ADMIN}};

bool
review_role_allows (const char *role, unsigned allowed)
{
    for (size_t i = 0; role && i < sizeof s_roles / sizeof s_roles[0]; i++)
        if (strcmp (s_roles[i].name, role) == 0)
            return (s_roles[i].bit & allowed) != 0;
    return false;
}

int
review_actor_check (bs_request_t *request, const review_actor_t *actor, unsigned allowed,
                    const char *what)
{
    if (!actor->name || !*actor->name)
        return bs_request_fail (request, BS_E_INVALID, "editor",
                                "%s needs the acting person in editor", what);
    bool known = false;
    for (size_t i = 0; actor->role && i < sizeof s_roles / sizeof s_roles[0]; i++)
        known |= strcmp (s_roles[i].name, actor->role) == 0;
    if (!known)
        return bs_request_fail (request, BS_E_INVALID, "role",
                                "role must be officer, editor, publisher, leader or admin, not "
                                "'%s'",
                                actor->role ? actor->role : "");
    /* The editor and role fields name who acts; the principal proves it
       (bs_principal.h), so they must agree with it. */
    const bs_principal_t *principal = &request->principal;
    if (bs_principal_present (principal) && strcmp (principal->who, actor->name) != 0)
        return bs_request_fail (request, BS_E_DENIED, "editor",
                                "%s acts here, so editor must be %s, not %s", principal->who,
                                principal->who, actor->name);
    if (bs_principal_present (principal) && !bs_principal_has_role (principal, actor->role))
        return bs_request_fail (request, BS_E_DENIED, "role", "%s does not hold the role %s",
                                principal->who, actor->role);
    if (review_role_allows (actor->role, allowed))
        return BS_OK;
    char who[64] = "";
    for (size_t i = 0; i < sizeof s_roles / sizeof s_roles[0]; i++)
        if (s_roles[i].bit & allowed)
            snprintf (who + strlen (who), sizeof who - strlen (who), "%s%s", *who ? ", " : "",
                      s_roles[i].name);
    return bs_request_fail (request, BS_E_INVALID, "role", "the role %s may not %s; only %s may",
                            actor->role, what, who);
}

/* Storage                                                                */

int
review_string_set (char **field, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = strdup (value)))
        return BS_E_SYSTEM;
    free (*field);
    *field = copy;
    return BS_OK;
}

int
review_case_get (bs_service_t *service, MDB_txn *txn, uint64_t report_id,
                 bs_review_case_t *review_case)
{
    return bs_store_get_record (txn, bs_service_dbi (service, "cases"), report_id,
                                &bs_review_case_schema, review_case);
}

/* A case, or not_found; with only_seen, a case of a unit the principal
   may not read is not found either. */
static int
s_case_load (bs_request_t *request, uint64_t report_id, bool only_seen,
             bs_review_case_t *review_case)
{
    int rc = review_case_get (request->service, request->txn, report_id, review_case);
    if (rc == BS_OK && only_seen
        && !bs_principal_sees (&request->principal, review_case->unit, REVIEW_READS_EVERY_UNIT)) {
        bs_codec_record_free (&bs_review_case_schema, review_case);
        rc = BS_E_NOT_FOUND; /* another unit's case, as if there were none */
    }
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "report_id", "no case for report %llu",
                                (unsigned long long) report_id);
    return rc;
}

int
review_case_load (bs_request_t *request, uint64_t report_id, bs_review_case_t *review_case)
{
    return s_case_load (request, report_id, false, review_case);
}

int
review_case_read (bs_request_t *request, uint64_t report_id, bs_review_case_t *review_case)
{
    return s_case_load (request, report_id, true, review_case);
}

int
review_case_reply (bs_request_t *request, const bs_review_case_t *review_case)
{
    int rc = bs_request_reply (request, &bs_review_case_schema, review_case);
    unsigned char reference[16];
    bs_store_key (review_case->report_id, reference);
    bs_store_key (review_case->version, reference + 8);
    const char *const texts[] = {review_case->title, review_case->body};
    if (rc == BS_OK)
        rc = bs_request_store_without (request, reference, sizeof reference, texts, 2);
    return rc;
}

int
review_case_keep_version (bs_service_t *service, MDB_txn *txn, const bs_review_case_t *review_case)
{
    char key[48];
    bs_service_version_key (review_case->report_id, review_case->version, key, sizeof key);
    return bs_service_keep_version (service, txn, key, &bs_review_case_schema, review_case, 0);
}

int
review_case_texts (bs_service_t *service, MDB_txn *txn, const void *reference,
                   size_t reference_size, char *texts[], size_t count)
{
    if (reference_size != 16 || count != 2)
        return BS_E_SYSTEM;
    uint64_t report_id = bs_store_key_value (reference);
    uint64_t version = bs_store_key_value ((const unsigned char *) reference + 8);
    bs_review_case_t review_case;
    int rc = bs_store_get_record (txn, bs_service_dbi (service, "cases"), report_id,
                                  &bs_review_case_schema, &review_case);
    if (rc == BS_OK && review_case.version != version) {
        bs_codec_record_free (&bs_review_case_schema, &review_case);
        char key[48];
        bs_service_version_key (report_id, version, key, sizeof key);
        rc = bs_store_get_record_by_name (txn, bs_service_dbi (service, "versions"), key,
                                          &bs_review_case_schema, &review_case);
    }
    if (rc != BS_OK)
        return rc;
    texts[0] = review_case.title;
    texts[1] = review_case.body;
    review_case.title = NULL;
    review_case.body = NULL;
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return BS_OK;
}

static bool
s_undecided (const bs_review_case_t *review_case)
{
    return strcmp (review_case->state, "queued") == 0
           || strcmp (review_case->state, "claimed") == 0;
}

/* The index entries a case has: queue while undecided, leases while
   claimed, deadlines while urgent, undecided and not escalated. */
static int
s_index (bs_service_t *service, MDB_txn *txn, const bs_review_case_t *review_case, bool put)
{
    struct {
        const char *name;
        bool member;
        unsigned char key[17];
        size_t size;
    } entries[3] = {
        {"queue", s_undecided (review_case), {0}, 17},
        {"leases", strcmp (review_case->state, "claimed") == 0, {0}, 16},
        {"deadlines",
         s_undecided (review_case) && review_case->urgent && !review_case->escalated
             && review_case->deadline,
         {0},
         16},
    };
    entries[0].key[0] = review_case->urgent ? 0 : 1;
    bs_store_key (review_case->received_at, entries[0].key + 1);
    bs_store_key (review_case->report_id, entries[0].key + 9);
    bs_store_key (review_case->lease_until, entries[1].key);
    bs_store_key (review_case->report_id, entries[1].key + 8);
    bs_store_key (review_case->deadline, entries[2].key);
    bs_store_key (review_case->report_id, entries[2].key + 8);
    /* By the cursor the transaction keeps on each index: a case taken
       out and put back finds its entry's page without a search, and a
       new case's entry goes on the last page, where the one before went. */
    for (size_t i = 0; i < 3; i++) {
        if (!entries[i].member)
            continue;
        MDB_cursor *cursor;
        int rc = bs_store_cursor (txn, bs_service_dbi (service, entries[i].name), &cursor);
        if (rc != BS_OK)
            return rc;
        MDB_val key = {entries[i].size, entries[i].key}, value = {0, ""};
        rc = put ? bs_store_cursor_put (cursor, &key, &value, 0)
                 : mdb_cursor_get (cursor, &key, &value, MDB_SET);
        if (rc == 0 && !put)
            rc = bs_store_cursor_del (cursor);
        bs_store_cursor_done (cursor);
        if (rc && !(rc == MDB_NOTFOUND && !put))
            return bs_store_error (rc, put ? "index a case" : "unindex a case");
    }
    return BS_OK;
}

int
review_case_take (bs_service_t *service, MDB_txn *txn, const bs_review_case_t *review_case)
{
    return s_index (service, txn, review_case, false);
}

/* The case and its index entries put; the case by the cursor the
   transaction keeps on "cases" (bs_store_put_record), which its read left
   on its page (or, for a new case, on the last page, where its key goes). */
static int
s_case_put (bs_service_t *service, MDB_txn *txn, const bs_review_case_t *review_case)
{
    int rc = bs_store_put_record (txn, bs_service_dbi (service, "cases"), review_case->report_id,
                                  &bs_review_case_schema, review_case);
    return rc == BS_OK ? s_index (service, txn, review_case, true) : rc;
}

int
review_case_insert (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case)
{
    return s_case_put (service, txn, review_case);
}

/* review_case_move, or with store false review_case_step; trail as
   review_case_move_after's. */
static int
s_case_change (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case,
               const char *action, const review_actor_t *actor, const char *note, uint64_t now,
               bool store, uint64_t *trail)
{
    const char *next = review_state_next (review_case->state, action);
    if (!next)
        return BS_E_CONFLICT;
    char from[32];
    bs_text_copy (from, sizeof from, review_case->state);
    int rc = review_string_set (&review_case->state, next);
    if (rc == BS_OK && store)
        rc = s_case_put (service, txn, review_case);
    uint64_t looked = 0;
    if (rc == BS_OK)
        rc = review_audit_add_after (service, txn, review_case->report_id, action, actor, from,
                                     next, note, now, trail ? trail : &looked);
    return rc;
}

int
review_case_move (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case,
                  const char *action, const review_actor_t *actor, const char *note, uint64_t now)
{
    return s_case_change (service, txn, review_case, action, actor, note, now, true, NULL);
}

int
review_case_move_after (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case,
                        const char *action, const review_actor_t *actor, const char *note,
                        uint64_t now, uint64_t *trail)
{
    return s_case_change (service, txn, review_case, action, actor, note, now, true, trail);
}

int
review_case_step (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case,
                  const char *action, const review_actor_t *actor, const char *note, uint64_t now)
{
    return s_case_change (service, txn, review_case, action, actor, note, now, false, NULL);
}

int
review_case_step_after (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case,
                        const char *action, const review_actor_t *actor, const char *note,
                        uint64_t now, uint64_t *trail)
{
    return s_case_change (service, txn, review_case, action, actor, note, now, false, trail);
}

int
review_case_refuse (bs_request_t *request, const bs_review_case_t *review_case, const char *action)
{
    const char *state = review_case->state;
    if (review_state_decided (state) || strcmp (state, "synthesized") == 0
        || strcmp (state, "withdrawn") == 0)
        return bs_request_refuse (request, BS_E_CONFLICT, "report_id", "closed",
                                  "report %s is already %s, so it cannot %s", review_case->reg_no,
                                  state, action);
    if (strcmp (state, "queued") == 0)
        return bs_request_refuse (request, BS_E_CONFLICT, "report_id", "not_claimed",
                                  "report %s is queued and nobody has claimed it, so it cannot %s: "
                                  "claim it first",
                                  review_case->reg_no, action);
    return bs_request_fail (request, BS_E_CONFLICT, "report_id",
                            "report %s is %s; '%s' is not allowed in that state",
                            review_case->reg_no, state, action);
}

/* Room for the case's fields in the listings' view. */
#define S_LISTED_FIELDS 40

const bs_schema_t *
review_case_listed (void)
{
    static const char *const bodies[] = {"body", "edited_body", NULL};
    static bs_field_t fields[S_LISTED_FIELDS];
    static bs_schema_t listed;
    if (!listed.field_count
        && bs_schema_view (&bs_review_case_schema, bodies, fields, S_LISTED_FIELDS, &listed)
               != BS_OK)
        return NULL;
    return &listed;
}

int
review_index_due (bs_service_t *service, MDB_txn *txn, const char *index, uint64_t now,
                  uint64_t ids[REVIEW_SWEEP_MAX], size_t *count_p)
{
    *count_p = 0;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, bs_service_dbi (service, index), &cursor);
    if (rc)
        return bs_store_error (rc, "walk an index");
    MDB_val key, value;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    while (found == 0 && *count_p < REVIEW_SWEEP_MAX && key.mv_size == 16
           && bs_store_key_value (key.mv_data) <= now) {
        ids[(*count_p)++] = bs_store_key_value ((unsigned char *) key.mv_data + 8);
        found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    return BS_OK;
}

int
review_index_sweep (bs_service_t *service, MDB_txn *txn, const char *index, uint64_t now,
                    review_case_fn *fn)
{
    uint64_t ids[REVIEW_SWEEP_MAX];
    size_t count;
    /* The ids first: fn changes the index under the cursor. */
    int rc = review_index_due (service, txn, index, now, ids, &count);
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        bs_review_case_t review_case;
        rc = bs_store_get_record (txn, bs_service_dbi (service, "cases"), ids[i],
                                  &bs_review_case_schema, &review_case);
        if (rc == BS_OK) {
            rc = fn (service, txn, &review_case, now);
            bs_codec_record_free (&bs_review_case_schema, &review_case);
        }
    }
    return rc;
}
