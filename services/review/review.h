/*  review: the editors' desk (審核, 講評). Every received report becomes a
    case; editors claim cases from the queue (urgent first, then oldest),
    edit a copy, score and critique them and decide: adopt into a
    periodical, return for revision, decline, or mark for forwarding upward.
    Decisions can be reverted (leader or admin, with a reason); urgent cases
    escalate when their deadline passes; cases are grouped under topics,
    combined into syntheses (綜合) and discussed in critique sessions. Every
    action is in the audit trail. Decisions, reverts and escalations are
    events (review.decided, review.escalated) for publication and statistics.

    Files, one concern each:
      review.c            setup, review.get, review.queue, review.audit
      review_state.c      the state machine, roles, case storage and indexes
      review_audit.c      the audit trail
      review_intake.c     report.received (new reports and new versions),
                          issue.published (which reports can no longer be
                          reverted) and publication.periodical
      review_periodicals.c the periodicals an adoption may name: the
                          configured ones and those publication stored
      review_claims.c     claim, release, lease expiry
      review_urgent.c     deadlines and escalation
      review_decide.c     decide, revert, scores, the decision events
      review_edit.c       the edited copy and its difference to the original
      review_topics.c     topics
      review_synthesis.c  syntheses
      review_sessions.c   critique sessions
      review_withdraw.c   withdrawal by the unit (撤回)
      review_commissions.c commissions (約稿): answers, reminders, missed units
      review_notices.c    notices (通知) and reporting guidance, read receipts

    Databases: cases (report id -> case, and right after it (report id,
    n) -> its audit entries: a change and its entry write the same page),
    queue (urgency, received time, report id: the undecided cases in the
    order editors take them), leases (lease end, report id: claimed
    cases), deadlines (deadline, report id: urgent undecided cases not yet
    escalated), audit ((report id, n) -> the audit entries a store of an
    older build kept apart from their cases, read before those beside the
    case when the store has any at start; nothing is written there now),
    topics (topic id -> topic), sessions (session id -> session), counters
    (ids of topics, sessions, syntheses and commissions), commissions
    (commission id -> commission), commission_deadlines and
    commission_reminders (time, commission id: what the timers still owe),
    notices (notice id -> notice and its read receipts), versions
    ("report id.version" -> the case as it was when a later version of the
    report replaced its text: the text a stored reply left out, read for
    nothing else), versions_expiry (when the idempotency sweep forgets
    them, bs_service_keep_version), periodicals (name -> periodical: those
    publication stored, from its log).

    Roles: the editor and role fields of each command must be the
    command's principal (bs_principal.h: the officer the gateway verified,
    or the officer of the CLI's operator certificate) and a role that
    principal holds. claim, release, decide, edit,
    synthesize and topics need editor, leader or admin; revert, releasing
    someone else's claim and critique sessions need leader or admin.
*/
#ifndef REVIEW_H_INCLUDED
#define REVIEW_H_INCLUDED

#include "bs_schemas.h"
#include "bs_service.h"

extern const char *const review_databases[];

int review_setup (bs_service_t *service);

/* Syntheses get ids from here up, so they never meet intake's report ids
   (which count from 1), and stay below 2^53 so JSON clients keep them
   exact. */
#define REVIEW_SYNTHESIS_ID_BASE 1000000000000000ULL
#define REVIEW_SYNTHESIS_UNIT "綜合"

/* The state machine (review_state.c)                                     */

/* States and actions, each list ending with NULL. */
extern const char *const review_states[];
extern const char *const review_actions[];

/* The state action leads to from state, or NULL when the machine refuses
   it. Some actions (edit, escalate, revise, publish, assign, comment) keep
   the state. */
const char *review_state_next (const char *state, const char *action);

/* Whether state is a decision (adopted, returned, declined, forwarded). */
bool review_state_decided (const char *state);

/* The decision word of a decided state ("adopted" -> "adopt"), or NULL. */
const char *review_state_decision (const char *state);

/* Who acts: a person and their role, or the service itself. */
typedef struct {
    const char *name; /* person, or "review" for the service */
    const char *role; /* officer, editor, publisher, leader, admin, system */
} review_actor_t;

#define REVIEW_ROLE_EDITOR 1u
#define REVIEW_ROLE_LEADER 2u
#define REVIEW_ROLE_ADMIN 4u
#define REVIEW_ROLES_DESK (REVIEW_ROLE_EDITOR | REVIEW_ROLE_LEADER | REVIEW_ROLE_ADMIN)
#define REVIEW_ROLES_LEAD (REVIEW_ROLE_LEADER | REVIEW_ROLE_ADMIN)

/* Who may withdraw a report for a unit not their own, as an officer not
   themself (a bs_principal_allowed rule). */
#define REVIEW_WITHDRAWS_FOR_UNITS "admin"

/* Refuse the request unless actor names a person whose role is one of
   allowed; what says what they tried ("decide"). BS_OK or the failure. */
int review_actor_check (bs_request_t *request, const review_actor_t *actor, unsigned allowed,
                        const char *what);

/* Whether role is one of allowed. */
bool review_role_allows (const char *role, unsigned allowed);

/* Replace an owned string field with a copy of value (NULL clears it). */
int review_string_set (char **field, const char *value);

/* The case of report_id (BS_E_NOT_FOUND: none), read by the cursor the
   write transaction keeps on "cases" (bs_store_cursor): the case's put
   and its audit entry that follow find their page where the read left
   the cursor, and a new case's report id, past every case, is found
   missing on the last page without a search. */
int review_case_get (bs_service_t *service, MDB_txn *txn, uint64_t report_id,
                     bs_review_case_t *review_case);

/* Load a case, failing the request with not_found when there is none. */
int review_case_load (bs_request_t *request, uint64_t report_id, bs_review_case_t *review_case);

/* Who reads every unit's cases, commissions and notices (a rule of
   bs_principal_allowed): the desk (editor, leader, admin) and services.
   An officer reads only their own unit's (bs_principal_sees). */
#define REVIEW_READS_EVERY_UNIT "service,editor,leader,admin"

/* review_case_load for a read by the request's principal: a case of a
   unit the principal may not read fails exactly as one that does not
   exist (report ids are sequential: a refusal would tell which exist). */
int review_case_read (bs_request_t *request, uint64_t report_id, bs_review_case_t *review_case);

/* Reply with the case. The copy stored for a retry leaves out the case's
   title and body, which the case (or, once a later version replaced them,
   versions) keeps: review_case_texts gives them back. */
int review_case_reply (bs_request_t *request, const bs_review_case_t *review_case);

/* The title and body of a report's version, for a stored reply
   (bs_reply_texts_fn; the reference is the report id and the version,
   8 bytes each, big-endian). */
int review_case_texts (bs_service_t *service, MDB_txn *txn, const void *reference,
                       size_t reference_size, char *texts[], size_t count);

/* Keep the case's text as it is before a later version replaces it, for
   the stored replies made of it: forgotten with them, idempotency_days
   after the later version came (bs_service_keep_version). */
int review_case_keep_version (bs_service_t *service, MDB_txn *txn,
                              const bs_review_case_t *review_case);

/* Store a new case and its index entries. */
int review_case_insert (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case);

/* Take a loaded case out of its indexes before changing fields they use
   (state, lease, deadline); review_case_move or review_case_keep puts it
   back. */
int review_case_take (bs_service_t *service, MDB_txn *txn, const bs_review_case_t *review_case);

/* Apply action to a taken case: its new state, stored with its index
   entries, and an audit entry (from its old state, with note). Returns
   BS_E_CONFLICT, changing nothing, when the machine refuses the action. */
int review_case_move (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case,
                      const char *action, const review_actor_t *actor, const char *note,
                      uint64_t now);

/* review_case_move without storing the case: for an action that another
   follows in the same write (a claim with its decision), whose
   review_case_move stores the case once, in its last state. Both actions
   are in the audit trail. */
int review_case_step (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case,
                      const char *action, const review_actor_t *actor, const char *note,
                      uint64_t now);

/* review_case_move and review_case_step for actions that follow one
   another on one case in one write: *trail is the n of the case's last
   audit entry when the write knows it (0: looked for), and becomes the n
   of the entry added, so the next action's entry is numbered without
   looking for the last again (review_audit_add_after). */
int review_case_move_after (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case,
                            const char *action, const review_actor_t *actor, const char *note,
                            uint64_t now, uint64_t *trail);
int review_case_step_after (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case,
                            const char *action, const review_actor_t *actor, const char *note,
                            uint64_t now, uint64_t *trail);

/* Fail the request with a clear conflict for action refused in the case's
   state. */
int review_case_refuse (bs_request_t *request, const bs_review_case_t *review_case,
                        const char *action);

/* The schema listings decode cases by (bs_schema_view): a case without
   its bodies, which are then neither checked nor copied (listings carry
   titles only); freed by either schema. Made by review_setup; NULL when
   the view does not fit (a defect). */
const bs_schema_t *review_case_listed (void);

/* A change a sweep makes to one due case (it is loaded, and freed after). */
typedef int (review_case_fn) (bs_service_t *service, MDB_txn *txn, bs_review_case_t *review_case,
                              uint64_t now);

#define REVIEW_SWEEP_MAX 256

/* The ids (the second half of each 16-byte key: time, id) of the entries
   of index due at or before now, in time order, at most REVIEW_SWEEP_MAX
   (the next run takes the rest). */
int review_index_due (bs_service_t *service, MDB_txn *txn, const char *index, uint64_t now,
                      uint64_t ids[REVIEW_SWEEP_MAX], size_t *count_p);

/* Apply fn to each case whose entry in index ("leases", "deadlines") is due
   at or before now, at most REVIEW_SWEEP_MAX a run. */
int review_index_sweep (bs_service_t *service, MDB_txn *txn, const char *index, uint64_t now,
                        review_case_fn *fn);

/* The audit trail (review_audit.c)                                       */

int review_audit_add (bs_service_t *service, MDB_txn *txn, uint64_t report_id, const char *action,
                      const review_actor_t *actor, const char *from_state, const char *to_state,
                      const char *note, uint64_t now);

/* review_audit_add when the write may know the case's last entry: *trail
   its n (0: not known, looked for), then the n of the entry added. */
int review_audit_add_after (bs_service_t *service, MDB_txn *txn, uint64_t report_id,
                            const char *action, const review_actor_t *actor, const char *from_state,
                            const char *to_state, const char *note, uint64_t now, uint64_t *trail);

/* The same for the first entry of a case opened in txn (its trail is
   empty): numbered 1 without looking for the last. */
int review_audit_open (bs_service_t *service, MDB_txn *txn, uint64_t report_id, const char *action,
                       const review_actor_t *actor, const char *from_state, const char *to_state,
                       const char *note, uint64_t now);

/* At start: whether the store holds trails an older build kept in
   "audit" (nothing writes there now), held in memory so that a store
   with none never looks there (review_setup calls it). Until it is
   called, each trail is looked for there too. */
int review_audit_start (bs_service_t *service);

/* A case's whole trail, oldest first, into *page (free with
   bs_codec_record_free). */
int review_audit_read (bs_service_t *service, MDB_txn *txn, uint64_t report_id,
                       bs_audit_page_t *page);

/* Handlers and consumers, registered by review_setup                     */

int review_on_intake (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                      void *argument);
/* The views review_on_intake's events are decoded by
   (bs_service_consume_views; NULL-terminated): a report.received without
   what no case keeps (its channel, officer, provenances and attachments'
   descriptions), which is then neither checked nor copied. NULL when the
   view does not fit (a defect). */
const bs_schema_t *const *review_intake_views (void);
int review_on_publication (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                           void *argument);

/* review_periodicals.c: keep a periodical publication stored (its
   publication.periodical event); whether name may be adopted into (a
   configured periodical or one publication stored); the names an editor
   may choose, joined by ',' (for the refusal's sentence). */
int review_periodical_learn (bs_service_t *service, MDB_txn *txn, const bs_periodical_t *periodical);
int review_periodical_known (bs_service_t *service, MDB_txn *txn, const char *name, bool *known);
void review_periodical_names (bs_service_t *service, MDB_txn *txn, char *buffer, size_t size);
int review_claim (bs_request_t *request, void *argument);

/* A decision's claim (review.decide with claim): a loaded case no other
   editor holds is claimed for actor as review.claim would claim it, in
   the request's write, taken out of its indexes (*taken true: the
   decision stores it); one the actor holds with a live lease is left as
   it is (*taken false). Refused as review.claim refuses. *trail as
   review_case_step_after's. */
int review_claim_to_decide (bs_request_t *request, bs_review_case_t *review_case,
                            const review_actor_t *actor, bool *taken, uint64_t *trail);
int review_release (bs_request_t *request, void *argument);
int review_leases_sweep (bs_service_t *service, MDB_txn *txn, uint64_t now, void *argument);
int review_deadlines_sweep (bs_service_t *service, MDB_txn *txn, uint64_t now, void *argument);
int review_decide (bs_request_t *request, void *argument);
int review_decide_many (bs_request_t *request, void *argument);
int review_revert (bs_request_t *request, void *argument);
int review_edit (bs_request_t *request, void *argument);
int review_diff (bs_request_t *request, void *argument);
int review_topic_create (bs_request_t *request, void *argument);
int review_topic_rename (bs_request_t *request, void *argument);
int review_topic_close (bs_request_t *request, void *argument);
int review_topic_list (bs_request_t *request, void *argument);
int review_topic_assign (bs_request_t *request, void *argument);
int review_topic_cases (bs_request_t *request, void *argument);
int review_synthesize (bs_request_t *request, void *argument);
int review_session_open (bs_request_t *request, void *argument);
int review_session_comment (bs_request_t *request, void *argument);
int review_session_close (bs_request_t *request, void *argument);
int review_session_get (bs_request_t *request, void *argument);
int review_withdraw (bs_request_t *request, void *argument);
int review_commission_create (bs_request_t *request, void *argument);
int review_commission_get (bs_request_t *request, void *argument);
int review_commission_list (bs_request_t *request, void *argument);
int review_commission_extend (bs_request_t *request, void *argument);
int review_commission_cancel (bs_request_t *request, void *argument);
int review_notice_send (bs_request_t *request, void *argument);
int review_notice_get (bs_request_t *request, void *argument);
int review_notice_list (bs_request_t *request, void *argument);
int review_notice_read (bs_request_t *request, void *argument);
int review_commission_deadlines_sweep (bs_service_t *service, MDB_txn *txn, uint64_t now,
                                       void *argument);
int review_commission_reminders_sweep (bs_service_t *service, MDB_txn *txn, uint64_t now,
                                       void *argument);

/* A new report that names a commission answers it (review_commissions.c). */
int review_commission_answer (bs_service_t *service, MDB_txn *txn, const bs_report_t *report);

/* The deadline of an urgent case received at received_at (review_urgent.c). */
uint64_t review_deadline (bs_service_t *service, uint64_t received_at);

/* The text of a case's diff, sentence by sentence (review_edit.c); caller
   frees. NULL when out of memory. */
char *review_diff_text (const char *original, const char *edited);

#endif
