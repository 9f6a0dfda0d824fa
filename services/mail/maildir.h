/*  mail_maildir: ingest the mail a mail server delivers into a Maildir.

    Every mail.maildir_poll_ms the thread lists <maildir>/new/ (a mail
    server writes into tmp/ and renames into new/, so what is there is
    whole) and delivers each file, oldest name first:
      - intake's durable reply (registered, duplicate, held, revised): the
        file moves to cur/<name>:2,S (seen), only after that reply, so a
        crash in between sends the same bytes again, which intake answers
        with its first reply (the envelope id is the hash of the bytes):
        each mail registers exactly once;
      - a bad mail (too big, malformed, undecodable, no text, refused by
        intake): it moves to the Maildir++ folder .failed (cur/<name>:2,)
        and the reason is written beside it in .failed/<name>.reason, with
        a log line; nothing is deleted and nothing is retried;
      - intake not answering: the file stays in new/ and the pass ends; the
        next pass tries again. Other passing failures (intake's store) are
        tried mail.maildir_retries times, then the mail goes to .failed.
*/
#ifndef MAIL_MAILDIR_H_INCLUDED
#define MAIL_MAILDIR_H_INCLUDED

#include "mail_deliver.h"

typedef struct mail_maildir mail_maildir_t;

/* Ingest path (creating new/, cur/, tmp/ and .failed/ when missing). */
mail_maildir_t *mail_maildir_new (mail_t *mail, const char *path, bs_error_t *error);

/* One pass over new/ with client; *delivered counts the files moved out of
   new/. Returns BS_E_UNAVAILABLE when intake did not answer. */
int mail_maildir_scan (mail_maildir_t *self, bs_client_t *client, size_t *delivered);

/* Poll in a thread of its own every mail.maildir_poll_ms. */
int mail_maildir_start (mail_maildir_t *self);

/* Stop the thread (after the mail in hand) and free. */
void mail_maildir_destroy (mail_maildir_t **self_p);

#endif
