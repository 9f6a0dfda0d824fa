/*  mail_deliver: what happens to one mail, whichever way it came (LMTP or
    the Maildir): parse it, submit it to intake, write the receipt.

    The submission's envelope id is "mail-" and the BLAKE2b hash
    (crypto_generichash) of the mail's bytes, so the same bytes submitted
    again (an LMTP client retrying after a lost reply, a Maildir message
    whose move to cur/ was cut short by a crash) get intake's first reply
    and register once. The receipt file is named by the same hash, so it is
    written once too.

    The outcome says what to answer: the LMTP reply for a recipient, or
    whether a Maildir message is done (moved to cur/), bad (moved to
    .failed/) or to be tried again later (intake did not answer).
*/
#ifndef MAIL_DELIVER_H_INCLUDED
#define MAIL_DELIVER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bs_client.h"
#include "bs_config.h"
#include "bs_error.h"
#include "mail_parse.h"

typedef struct {
    bs_config_t *config;  /* shared, read only once threads run */
    mail_limits_t limits; /* mail.max_message_bytes */
    size_t intake_max;    /* max_message_bytes: the largest frame intake takes */
    char outbox[1024];    /* <data_dir>/mail/outbox, a Maildir */
    char sender[256];     /* mail.receipt_from */
    char sendmail[512];   /* mail.sendmail, "" for none */
    char hostname[256];   /* for Message-IDs, the LMTP greeting */
} mail_t;

typedef struct {
    int code;             /* BS_OK: intake's reply is durable; else why not */
    bool temporary;       /* worth trying again later */
    char status[16];      /* registered, revised, duplicate, held */
    char reg_no[32];      /* when registered, revised or duplicate */
    uint64_t version;     /* when revised */
    uint64_t hold_id;     /* when held */
    uint64_t received_at; /* intake's time, ms */
    uint64_t commission;  /* the commission (約稿) the report answers, 0 if none */
    char id[80];          /* the envelope id: mail-<hash> */
    bs_error_t error;     /* when code is not BS_OK */
} mail_outcome_t;

/* Fill mail from configuration. */
int mail_init (mail_t *mail, bs_config_t *config, bs_error_t *error);

/* Deliver size bytes of one mail through client (a client of intake owned
   by the calling thread). */
void mail_deliver (mail_t *mail, bs_client_t *client, const void *bytes, size_t size,
                   mail_outcome_t *outcome);

/* The LMTP reply line (no CRLF) for recipient: "250 2.0.0 <a@b> registered
   as 2026-000123", "552 5.3.4 ...". ASCII only. */
void mail_outcome_reply (const mail_outcome_t *outcome, const char *recipient, char *line,
                         size_t size);

/* "mail-" + 64 hex digits of the hash of bytes into id (>= 70 bytes). */
void mail_envelope_id (const void *bytes, size_t size, char *id, size_t id_size);

#endif
