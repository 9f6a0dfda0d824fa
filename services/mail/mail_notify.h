/*  mail_notify: mail to the units about what the office asks of them:
    a new commission (約稿), the reminder before its deadline, a notice
    (通知) or reporting guidance (報送要點).

    The mail service follows review's log (commission.created,
    commission.reminded, notice.sent) like any consumer: its cursor is in a
    small LMDB store of its own, <data_dir>/mail/store, stored only after
    the batch's mails are in the outbox. Each mail goes to the email
    addresses of the enabled officers of the unit (intake's registry) and is
    written through the receipt path (the outbox Maildir and
    mail.sendmail) under a name that says what it is
    (commission-12-<unit hash>.mail, reminder-12-..., notice-3-...), so a
    batch applied again after a crash writes nothing twice. A unit with no
    officer address gets no mail (logged); it still sees the commission in
    `baosong commission list` and on the web.
*/
#ifndef MAIL_NOTIFY_H_INCLUDED
#define MAIL_NOTIFY_H_INCLUDED

#include <czmq.h>

#include "mail_deliver.h"

typedef struct mail_notify mail_notify_t;

/* Open the store and the consumer of review's log. NULL with error. */
mail_notify_t *mail_notify_new (mail_t *mail, bs_error_t *error);
void mail_notify_destroy (mail_notify_t **self_p);

/* The socket to poll. */
zsock_t *mail_notify_socket (mail_notify_t *self);

/* Read what review sent, write the mails, store the cursor; heartbeats.
   Call when the socket is readable and every turn of the loop. */
void mail_notify_turn (mail_notify_t *self);

/* The text of the mail about event (a commission.created,
   commission.reminded or notice.sent) to unit at addresses (a comma list);
   caller frees. NULL when out of memory. */
char *mail_notify_build (mail_t *mail, const bs_message_t *event, const char *unit,
                         const char *addresses);

#endif
