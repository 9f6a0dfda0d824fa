/*  mail_lmtp: the LMTP server (RFC 2033) a mail server delivers to.

    Postfix (`mailbox_transport = lmtp:inet:127.0.0.1:2424`) or Exim (an
    lmtp transport) hands each mail over with LHLO, MAIL FROM, RCPT TO and
    DATA; after the data the server answers once per accepted recipient,
    which is where the registration number goes back:
        250 2.0.0 <reports@example.org> registered as 2026-000123
    and a refusal says why with its enhanced status code (552 5.3.4 too
    big, 554 5.6.0 malformed or undecodable, 451 4.3.0 intake not
    answering: the mail server keeps the mail and tries again).

    Extensions announced in the LHLO reply: PIPELINING (replies are written
    in order as commands are read, so a client may send commands without
    waiting), ENHANCEDSTATUSCODES, 8BITMIME, SIZE <mail.max_message_bytes>
    (a MAIL FROM with a larger SIZE is refused at once; a larger DATA is
    read to its end, discarded and refused). Also RSET, NOOP, QUIT, VRFY
    (252); HELO and EHLO are refused (this is LMTP).

    One thread per connection, each with its own intake client (ZeroMQ
    sockets are not thread-safe), at most mail.lmtp_connections at once
    (more are told 421 4.3.2 and closed). A client is told 421 4.4.2 and
    closed when it is silent for mail.lmtp_timeout_ms, when a command line
    is not whole within mail.lmtp_timeout_ms, or when a mail (from the 354
    to the lone dot) is not whole within mail.lmtp_data_timeout_ms: a
    client trickling a byte at a time holds a session no longer than
    that. mail.recipients,
    when set, is a comma list of addresses or @domains RCPT TO accepts
    (others get 550 5.1.1).
*/
#ifndef MAIL_LMTP_H_INCLUDED
#define MAIL_LMTP_H_INCLUDED

#include "mail_deliver.h"

typedef struct mail_lmtp mail_lmtp_t;

/* Listen on address: "host:port" (port 0 picks a free port; "[::1]:2424"
   for IPv6) or "unix:PATH" (a Unix socket, mode 0666: protect it with its
   folder's permissions). NULL with error filled when it cannot be bound. */
mail_lmtp_t *mail_lmtp_new (mail_t *mail, const char *address, bs_error_t *error);

/* "127.0.0.1:2424" or "unix:PATH": where it really listens. */
const char *mail_lmtp_address (mail_lmtp_t *self);

/* Accept connections in a thread of its own. */
int mail_lmtp_start (mail_lmtp_t *self);

/* One session on fd, a connection already open, in the calling thread:
   greeting, commands and mails until QUIT, the end of the stream, a
   timeout or destroy; then fd is closed and everything the session took
   is freed. What each accepted connection's thread runs (and what the
   fuzz harness drives without a thread per input). */
void mail_lmtp_serve (mail_lmtp_t *self, int fd);

/* Stop accepting, end every session, join the threads, close. */
void mail_lmtp_destroy (mail_lmtp_t **self_p);

#endif
