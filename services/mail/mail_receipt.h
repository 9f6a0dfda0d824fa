/*  mail_receipt: the reply mail that gives a sender the registration
    number of their report (回執).

    A UTF-8 text/plain message built with GMime: From mail.receipt_from, To
    the report's sender, Subject 回執：已登記 2026-000123 (RFC 2047 encoded),
    In-Reply-To and References the original Message-ID, Auto-Submitted:
    auto-replied (RFC 3834, so other robots do not answer it). It is always
    written to the outbox Maildir <data_dir>/mail/outbox (tmp/ then new/,
    named by the mail's hash so a retried mail writes it once), and, when
    mail.sendmail is set (e.g. "/usr/sbin/sendmail -t -i"), also piped to
    that command through /bin/sh. Held mail (unknown senders) gets no
    receipt: answering unknown addresses would send mail to forged senders.
*/
#ifndef MAIL_RECEIPT_H_INCLUDED
#define MAIL_RECEIPT_H_INCLUDED

#include <gmime/gmime.h>

#include "mail_deliver.h"

/* Create the outbox folders. */
int mail_receipt_prepare (mail_t *mail, bs_error_t *error);

/* A UTF-8 mail from mail.receipt_from with subject, a date and a
   Message-ID; add To and headers, then mail_message_finish. */
GMimeMessage *mail_message_new (mail_t *mail, const char *subject);

/* Give message the plain text (base64) and return it as RFC 5322 text
   (caller frees; NULL when out of memory). Takes message. */
char *mail_message_finish (GMimeMessage *message, const char *text);

/* The receipt as RFC 5322 text; caller frees. */
char *mail_receipt_build (mail_t *mail, const mail_report_t *report, const mail_outcome_t *outcome);

/* Write text (a whole mail) to the outbox as new/<name> (through tmp/),
   unless a mail of that name is there already (in new/ or cur/), and hand
   it to sendmail. Naming a mail by what it is makes a retry write it
   once. */
int mail_outbox_write (mail_t *mail, const char *name, const char *text, bs_error_t *error);

/* Build, write to the outbox, hand to sendmail. */
int mail_receipt_send (mail_t *mail, const mail_report_t *report, const mail_outcome_t *outcome,
                       bs_error_t *error);

#endif
