/*  submission_internal: what the files of the registration path share,
    private to them (no file outside them includes it). submission.h is
    what the rest of intake sees, and says the steps in order.

    Files, one concern each:
      submission.c             the steps in order:
                               intake_submission_register and
                               intake_submission_register_vouched
      submission_duplicates.c  the fingerprints' index (step 5): the same
                               report again keeps this copy's provenance
                               and attachments; its recent part in memory
                               (recent_fingerprints.h)
      submission_identity.c    who vouches (step 2): an officer, a token,
                               the sender's address or the unit named; a
                               batch's token vouched for once
      submission_keys.c        the idempotency key (step 3): which, where
                               it is kept per channel and sender, the
                               first receipt
      submission_receipts.c    receipts, their strings copied in; a stored
                               report's receipt
      submission_store.c       what a registration writes (step 6): a new
                               report, a new version of one (step 4), a
                               submission held for staff
      submission_text.c        what a submission must say (step 1): title,
                               body, kind, channel, attachments

    Who calls whom, with no loop (each file calls only files below it):
      submission.c             text, identity, keys, store, duplicates,
                               receipts
      submission_store.c       duplicates, receipts
      submission_duplicates.c  receipts
      submission_keys.c        receipts
      submission_identity.c, submission_receipts.c, submission_text.c: none
    Beside them they call the rest of intake (registry.h, channel.h,
    attachments.h, reports.h, ...), none of which calls them back.
*/
#ifndef INTAKE_SUBMISSION_INTERNAL_H_INCLUDED
#define INTAKE_SUBMISSION_INTERNAL_H_INCLUDED

#include "bs_store.h"
#include "channel.h"
#include "submission.h"

#define SUBMISSION_SCOPE_MAX 400

/* Who a submission comes from, as far as the registry can tell. */
typedef struct {
    char unit[BS_UNIT_MAX + 1];       /* the unit it reports for */
    char officer[BS_NAME_MAX + 1];    /* the officer (login), "" if none */
    char scope[SUBMISSION_SCOPE_MAX]; /* whose keys these are: "token:NAME", ... */
    bool held;                        /* a sender no officer owns, no unit named */
} submission_identity_t;

/* What it says (submission_text.c)                                      */

/* Check submission's text, fill its channel's defaults (the channel's
   prepare) and set *channel_p to the channel it came by ("walk_in" when
   none is named): BS_OK, or a code with error filled. */
int submission_check_text (bs_service_t *service, bs_submit_t *submission,
                           const intake_channel_t **channel_p, bs_error_t *error);

/* Who vouches (submission_identity.c)                                    */

/* Fill identity for submission, come by channel: from vouched (may be
   NULL) when the submission carries its token and names no officer and no
   other unit, else from the officer, token and sender it names (the
   sender is not looked up when flags has INTAKE_ASSIGNED). BS_OK with
   identity->held when no officer owns the sender and no unit is named;
   BS_OK with an enabled unit; or a code with error filled. A token named
   is recorded as used at now (registry_token_check). */
int submission_identify (bs_service_t *service, MDB_txn *txn, uint64_t now,
                         const bs_submit_t *submission, const intake_channel_t *channel, int flags,
                         const intake_vouched_t *vouched, submission_identity_t *identity,
                         bs_error_t *error);

/* Keys (submission_keys.c)                                              */

/* The sender's idempotency key of submission: its key, else an email's
   Message-ID, else NULL (none). Points into submission. */
const char *submission_key (const bs_submit_t *submission, const intake_channel_t *channel);

/* Whether dbi, a database of a store made before that nothing writes
   any more, holds any entry: counted in txn, once a batch when counted
   is the batch's (intake_numbers_t), every time when it is NULL. */
static inline int
submission_earlier_held (MDB_txn *txn, MDB_dbi dbi, intake_earlier_t *counted, bool *held)
{
    if (counted && *counted != INTAKE_EARLIER_UNCOUNTED) {
        *held = *counted == INTAKE_EARLIER_HELD;
        return BS_OK;
    }
    MDB_stat stat;
    int rc = mdb_stat (txn, dbi, &stat);
    if (rc)
        return bs_store_error (rc, "count the entries of an earlier store");
    *held = stat.ms_entries > 0;
    if (counted)
        *counted = *held ? INTAKE_EARLIER_HELD : INTAKE_EARLIER_EMPTY;
    return BS_OK;
}

/* Where a sender's key keeps its first receipt: in "sender_keys", under a
   16-byte BLAKE2b hash of the channel and the identity's scope, in hex,
   then 0x1f and the key itself, so one sender's keys sit side by side in
   their order and a batch of keys that follow each other (a sending
   system's record numbers) writes a few leaf pages of the index, not one
   each. Stores made before kept a BLAKE2b-256 of channel, scope and key,
   in hex, in "keys": that database is only read, while it holds any
   entry, for a key not found in "sender_keys". */
#define SUBMISSION_KEY_NAME_MAX (32 + 1 + 128)
typedef struct {
    const intake_channel_t *channel;        /* not owned */
    const submission_identity_t *identity;  /* not owned */
    const char *key;                        /* not owned */
    char name[SUBMISSION_KEY_NAME_MAX + 1]; /* the key in "sender_keys" */
} submission_key_t;

/* Make where key, sent by identity through channel, is kept (all three
   kept by the caller while kept_under is used). */
void submission_key_make (submission_key_t *kept_under, const intake_channel_t *channel,
                          const submission_identity_t *identity, const char *key);

/* The receipt first given under kept_under, into receipt: BS_OK,
   BS_E_NOT_FOUND when the key is new, or a storage error. numbers (a
   batch's, or NULL) keeps whether the older "keys" holds any entry. */
int submission_key_receipt (bs_service_t *service, MDB_txn *txn, const submission_key_t *kept_under,
                            intake_numbers_t *numbers, intake_receipt_t *receipt);

/* Keep receipt as the one given under kept_under; with packed (not
   NULL), the receipt is appended to packed and those bytes are kept. */
int submission_key_keep (bs_service_t *service, MDB_txn *txn, const submission_key_t *kept_under,
                         const intake_receipt_t *receipt, msgpack_sbuffer *packed);

/* The work of one registration, past the checks (steps 1 to 4). */
typedef struct {
    bs_service_t *service;
    MDB_txn *txn;
    uint64_t now;
    bs_submit_t *submission;
    const intake_channel_t *channel;
    const submission_identity_t *identity;
    bs_provenance_t provenance; /* this copy's: channel, sender, key, ... */
    intake_receipt_t *receipt;  /* what the registration fills */
    bs_error_t *error;
    const char *note; /* for the receipt: a commission answered before */
    /* The fingerprints' index key of this unit and fingerprint, made by
       the first of the search and the put that needs it
       (submission_duplicates.c). */
    unsigned char fingerprint_key[16];
    bool fingerprint_keyed;
    /* The recent part made true to txn by this registration's search, for
       its put (a report alone; a batch's item goes by its numbers). */
    bool fingerprints_true;
    intake_numbers_t *numbers; /* a batch's, or NULL: a report's own from the counters */
} submission_work_t;

/* Receipts (submission_receipts.c)                                       */

/* Fill work's receipt for report, with status ("registered", "revised",
   "duplicate"). */
void submission_receipt_report (const submission_work_t *work, const bs_report_t *report,
                                const char *status);

/* Duplicates (submission_duplicates.c)                                   */

/* Index report_id under work's unit and fingerprint, registered by the
   event seq of work's transaction (nothing when fingerprint is NULL). */
int submission_fingerprint_put (submission_work_t *work, const char *fingerprint,
                                uint64_t report_id, uint64_t seq);

/* Write the fingerprints' state, as a batch's puts left it, into txn
   (intake_numbers_keep, when numbers->fingerprints_put). */
int submission_fingerprints_keep (bs_service_t *service, MDB_txn *txn);

/* Hold the fingerprints' recent part in service's memory, two tables
   sized for intake.fingerprints_merge_at, and make it from intake's log;
   a store made before has its stored recent part moved into the whole.
   Once, at set-up, before the loop runs. */
int submission_fingerprints_open (bs_service_t *service);

/* Whether the same title and body came from the same unit within the
   window (fingerprint NULL: never): then *found, and report is that report
   (loaded; free it with bs_codec_record_free). */
int submission_find_duplicate (submission_work_t *work, const char *fingerprint,
                               bs_report_t *report, bool *found);

/* Register work's submission as report again: it keeps this provenance and
   this copy's attachments it does not have yet (by SHA-256); no event, it
   is still one report. */
int submission_register_duplicate (submission_work_t *work, bs_report_t *report);

/* What is written (submission_store.c)                                   */

/* Make the order a report's event is stored in (its texts last): once,
   at set-up, before the first report is stored. BS_OK, or BS_E_LIMIT. */
#define SUBMISSION_REPORT_FIELDS 32
int submission_store_setup (void);

/* Register work's submission as a new report: the next report id and
   registration number of its year, its attachments, fingerprint (NULL:
   none) and provenance stored, the commission it answers marked,
   report.received emitted. */
int submission_register_new (submission_work_t *work, const char *fingerprint);

/* Register work's submission as the next version of the report its
   revision_of names: refused (not found, or denied: of another unit)
   before anything is written; else the current version kept in versions
   and the new one stored and emitted as submission_register_new's. */
int submission_register_revision (submission_work_t *work, const char *fingerprint);

/* Hold work's submission for staff (no officer owns its sender, no unit
   is named): its receipt says "held" with the hold id. */
int submission_register_held (submission_work_t *work);

#endif
