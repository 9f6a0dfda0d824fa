/*  submission: how one submission becomes a registered report (上報登記),
    whatever channel it came by. intake.submit, every item of intake.batch
    and intake.held_assign go through intake_submission_register.

    In order:
      1. the text: title and body not blank, a known kind and channel, the
         channel's own rules (channel_*.c), the attachments' limits;
      2. who vouches for it: an officer (logged in at the gateway or CLI),
         an API token, or the sender's address (email address, caller
         number) of a registered officer, or, keyed in by staff, the unit
         named. Each maps to one unit; the unit named (if any) must be that
         unit, and must be registered and enabled. A sender no officer owns,
         with no unit named, is held for staff (held.c);
      3. the sender's idempotency key (key, or an email's Message-ID), per
         channel and sender: the same key again gets the first receipt;
      4. revision_of (a reg_no): a new version of that report, same unit;
         commission: one that asks the unit and is open (commissions.h);
      5. the content fingerprint (fingerprint.h): the same title and body
         from the same unit within intake.dedup_window_hours (default 168, a week) is the
         same report: it keeps this provenance too and the receipt says
         "duplicate" with its reg_no. Scope is one unit because two units
         reporting the same event are two reports for statistics;
      6. otherwise a new report: next report id, next reg_no of the year,
         stored with its provenance and attachments, report.received emitted.
    All in the caller's transaction. Every refusal (a code with error
    filled: the submission is wrong) is decided by steps 1 to 4 before
    anything is written (but a token's use, registry_token_check, true
    whatever follows), so a caller may go on with its transaction after
    one (a batch does); a failure after the first write is a storage or
    system failure, returned with error->code BS_OK, and the caller must
    abort.

    Databases: reports (id -> current version), versions (id + version ->
    earlier versions), registry (reg_no -> id), sender_keys (channel and
    sender, then the key -> first receipt; keys: the same by a hash, in
    stores made before, only read), unit_fingerprints (16 bytes of unit
    and fingerprint -> id: the whole, into which the recent part, kept in
    memory and made again from the log at start, is merged now and then,
    submission_duplicates.c; fingerprints: the same by name, in stores
    made before, only read; recent_fingerprints: a stored recent part of
    stores made before, emptied at start), counters.

    The path is one file per concern (submission_text.c,
    submission_identity.c, submission_keys.c, ...): submission_internal.h
    lists them, says who calls whom and declares what they share.
*/
#ifndef INTAKE_SUBMISSION_H_INCLUDED
#define INTAKE_SUBMISSION_H_INCLUDED

#include "bs_error.h"
#include "bs_schemas.h"
#include "bs_service.h"

/* A receipt whose strings live in it. */
typedef struct {
    bs_submitted_t record; /* points into the buffers below */
    char reg_no[33];
    char status[17];
    char key[129];
    char code[33];
    char field[65];
    char message[BS_ERROR_TEXT_MAX];
    char note[512];
} intake_receipt_t;

/* The unit of this submission was assigned by staff (held mail): the
   sender is not looked up and an earlier "held" receipt under its key is
   replaced. */
#define INTAKE_ASSIGNED 1

/* Who a batch's items come from, checked once for the batch: its token
   (already checked by the caller) and the token's unit, registered and
   enabled. Within the batch's transaction neither can change. */
typedef struct {
    const char *secret;                /* the token's secret, as the items carry it */
    char name[65];                     /* the token's name */
    char unit[BS_UNIT_MAX + 1];        /* its unit, enabled */
} intake_vouched_t;

/* The report ids and registration numbers of a batch's new reports,
   given one after another in the batch's transaction: the two counters
   ("report" and the year's "reg:YYYY") read at the batch's first new
   report and written back once, by intake_numbers_keep when the batch
   ends, where a report alone reads and writes both (two searches of
   "counters" a report). Every item of a batch shares its time, and so
   its year. Nothing else takes those counters while the batch runs: held
   submissions count their own ("hold"), revisions keep their number.
   The same for the fingerprints' recent part (submission_duplicates.c):
   made true to the batch's transaction at its first search or put, kept
   true by the batch's own puts, and its state written back once, by
   intake_numbers_keep, where a report alone reads the state twice and
   writes it once. And the databases of a store made before ("keys",
   "fingerprints"), which nothing writes any more: counted once a batch,
   at its first look into either, not once an item. */
typedef enum {
    INTAKE_EARLIER_UNCOUNTED = 0, /* not counted yet in this batch */
    INTAKE_EARLIER_EMPTY,         /* counted: no entry, nothing to look up */
    INTAKE_EARLIER_HELD,          /* counted: entries to look in */
} intake_earlier_t;

typedef struct {
    uint64_t now;       /* the batch's time */
    unsigned year;      /* now's: whose registration numbers */
    bool read;          /* the counters read: the two below hold */
    uint64_t report_id; /* the last report id given, or the counter's */
    uint64_t number;    /* the last registration number of year given, or the counter's */
    bool given;         /* any given: the counters to write back */
    bool fingerprints_true; /* the recent part made true to the batch's transaction */
    bool fingerprints_put;  /* any fingerprint put: their state to write back */
    intake_earlier_t earlier_keys;         /* the older store's "keys" */
    intake_earlier_t earlier_fingerprints; /* the older store's "fingerprints" */
} intake_numbers_t;

/* Start numbers for a batch arrived at now: nothing read yet. */
void intake_numbers_init (intake_numbers_t *numbers, uint64_t now);

/* Write the counters numbers gave from, and the fingerprints' state,
   back into txn (nothing when it gave none and put none): before the
   batch's transaction commits, and before anything else in it takes a
   report id or looks a fingerprint up. */
int intake_numbers_keep (bs_service_t *service, MDB_txn *txn, const intake_numbers_t *numbers);

/* Fill vouched from token (checked, for secret): BS_OK when its unit is
   registered and enabled, else that unit's refusal (then every item is
   checked in full and refused with it). */
int intake_submission_vouch (bs_service_t *service, MDB_txn *txn, const char *secret,
                             const bs_token_t *token, intake_vouched_t *vouched);

/* Register submission (the caller's; it may be changed) arrived at now in
   txn; fill receipt. Returns BS_OK, or a code with error filled; storage
   failures come back as they are. */
int intake_submission_register (bs_service_t *service, MDB_txn *txn, uint64_t now,
                                bs_submit_t *submission, int flags, intake_receipt_t *receipt,
                                bs_error_t *error);

/* The same for an item of a batch whose sender is vouched: an item that
   carries vouched's token, no officer and no other unit takes its
   identity from vouched instead of looking token and unit up again; any
   other is checked in full. A new report takes its report id and
   registration number from numbers (the batch's, for numbers->now).
   The receipt and what is stored are the same as
   intake_submission_register's. With BS_OK the receipt is also appended
   to packed (encoded as bs_codec_encode_record does), and the receipt
   kept under the item's key is those bytes: a receipt is encoded once
   for the store and the batch's reply (bs_request_reply_packed). */
int intake_submission_register_vouched (bs_service_t *service, MDB_txn *txn, uint64_t now,
                                        bs_submit_t *submission, const intake_vouched_t *vouched,
                                        intake_numbers_t *numbers, intake_receipt_t *receipt,
                                        msgpack_sbuffer *packed, bs_error_t *error);

/* Set up what registering holds in memory: the fingerprints' recent
   part (submission_duplicates.c), made from intake's log. Once, before
   the service runs. */
int intake_submission_setup (bs_service_t *service);

/* Copy a receipt (the record of another one) into receipt's buffers. */
void intake_receipt_set (intake_receipt_t *receipt, const bs_submitted_t *record);

/* A batch result for a refused item. */
void intake_receipt_error (intake_receipt_t *receipt, uint64_t now, const char *key,
                           const bs_error_t *error);

#endif
