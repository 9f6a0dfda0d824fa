/*  baosong-mail: the email channel (網絡信箱).

    A process of its own, whose only store is the cursor of review's log
    (mail_notify.h): it takes mail from a mail server
    over LMTP (lmtp.h) and from a Maildir (maildir.h), turns each into a
    submission (mail_parse.h) for intake, and answers with the registration
    number (the LMTP reply and a receipt mail, mail_receipt.h). It also
    mails units their commissions, reminders and notices. The main thread
    answers service.ping on mail.command, so `baosong status` and
    `baosong up` see it like every other service.

    The address the LMTP server really listens on (mail.lmtp may give port
    0) is written to <data_dir>/run/mail-lmtp.address.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_folder.h"
#include "bs_keyring.h"
#include "bs_keys.h"
#include "bs_log.h"
#include "bs_schemas.h"
#include "bs_service.h"
#include "bs_socket.h"
#include "bs_zap.h"
#include "lmtp.h"
#include "maildir.h"
#include "mail_deliver.h"
#include "mail_notify.h"

/* keyring.reload: read the keys folder again (after `baosong cert`). */
static void
s_reload (bs_config_t *config, bs_keyring_t *keyring, const char *id, msgpack_sbuffer *buffer)
{
    char *folder = bs_keys_folder (config);
    bs_error_t error;
    int rc = folder ? bs_keyring_load (keyring, folder, NULL, &error)
                    : bs_error_set (&error, BS_E_SYSTEM, "", "out of memory");
    free (folder);
    if (rc == BS_OK) {
        bs_keyring_reloaded_t reply = {.admitted = bs_keyring_admitted (keyring),
                                       .revoked = bs_keyring_revoked (keyring)};
        bs_codec_encode_message (buffer, &bs_keyring_reloaded_schema, &reply, id, "mail",
                                 bs_clock_now (), 0);
    } else {
        bs_error_reply_t reply = {
            .code = (char *) bs_error_name (rc), .field = error.field, .message = error.text};
        bs_codec_encode_message (buffer, &bs_error_reply_schema, &reply, id, "mail",
                                 bs_clock_now (), 0);
    }
}

/* keyring.reload, as on every service (bs_service_take.c): from the admin
   certificate, a service, or an operator whose certificate holds admin. */
static bool
s_may_reload (const bs_peer_t *peer)
{
    return peer->kind == BS_PEER_ADMIN || peer->kind == BS_PEER_SERVICE
           || bs_peer_has_role (peer, "admin");
}

/* Answer every message waiting on the command socket. */
static void
s_answer (zsock_t *socket, bs_config_t *config, uint64_t started_at, bs_keyring_t *keyring)
{
    zmsg_t *message;
    bs_codec_limits_t limits = bs_config_codec_limits (config);
    char key[BS_PEER_KEY_SIZE];
    while ((message = bs_socket_receive_from (socket, key))) {
        zframe_t *identity = zmsg_first (message);
        zframe_t *frame = zmsg_last (message);
        if (zmsg_size (message) < 2) {
            zmsg_destroy (&message);
            continue;
        }
        bs_message_t request = {0};
        bs_error_t error;
        bs_peer_t peer;
        int rc;
        if (zframe_size (frame) > limits.max_frame) {
            /* Refused unread, under its own id (as bs_service_take does). */
            bs_codec_envelope_peek (zframe_data (frame), zframe_size (frame), &request);
            rc = bs_error_set (&error, BS_E_LIMIT, "",
                               "the command has %zu bytes; mail takes at most %zu "
                               "(max_message_bytes)",
                               zframe_size (frame), limits.max_frame);
        } else
            rc = bs_message_decode (zframe_data (frame), zframe_size (frame), &limits, &request,
                                    &error);
        if (rc == BS_OK && bs_keyring_find (keyring, key, &peer) != BS_OK)
            rc = bs_error_set (&error, BS_E_DENIED, "",
                               "this connection's certificate is no longer admitted");
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        if (rc == BS_OK && request.schema == &bs_keyring_reload_schema && !s_may_reload (&peer))
            rc = bs_error_set (&error, BS_E_DENIED, "principal",
                               "only an admin or a service may reload the keyring");
        if (rc == BS_OK && request.schema == &bs_keyring_reload_schema)
            s_reload (config, keyring, request.id, &buffer);
        else if (rc == BS_OK && request.schema == &bs_ping_schema) {
            bs_ping_reply_t pong = {
                .service = "mail", .pid = (uint64_t) getpid (), .started_at = started_at};
            bs_codec_encode_message (&buffer, &bs_ping_reply_schema, &pong, request.id, "mail",
                                     bs_clock_now (), 0);
        } else {
            if (rc == BS_OK || rc == BS_E_UNKNOWN_TYPE)
                bs_error_set (&error, BS_E_UNKNOWN_TYPE, "type",
                              "mail has no command '%s'; it takes mail by LMTP and Maildir",
                              request.type);
            bs_error_reply_t reply = {.code = (char *) bs_error_name (error.code),
                                      .field = error.field,
                                      .message = error.text};
            bs_codec_encode_message (&buffer, &bs_error_reply_schema, &reply, request.id, "mail",
                                     bs_clock_now (), 0);
        }
        bs_socket_send (socket, identity, buffer.data, buffer.size);
        msgpack_sbuffer_destroy (&buffer);
        bs_message_clear (&request);
        zmsg_destroy (&message);
    }
}

static void
s_write_address (bs_config_t *config, const char *address)
{
    char folder[1100], path[1200], temporary[1300];
    /* run/ exists already when the command socket is ipc:// (binding made
       it), not when it is tcp:// as in a container. */
    snprintf (folder, sizeof folder, "%s/run", bs_config_get (config, "data_dir"));
    snprintf (path, sizeof path, "%s/mail-lmtp.address", folder);
    snprintf (temporary, sizeof temporary, "%s.tmp", path);
    FILE *file = bs_folder_private (folder) == 0 ? fopen (temporary, "w") : NULL;
    if (!file || fprintf (file, "%s\n", address) < 0 || fclose (file) != 0
        || rename (temporary, path) != 0)
        bs_log_warning ("cannot write %s", path);
}

static int
s_run (bs_config_t *config)
{
    bs_error_t error;
    /* Mail keeps no store: its keyring, for the command socket, is the
       keys folder's in memory. */
    bs_keyring_t *keyring = bs_keyring_open (config, NULL, &error);
    if (!keyring || bs_zap_serve ("mail", keyring) != BS_OK) {
        bs_log_error ("cannot start mail: %s", keyring ? "no ZAP handler" : error.text);
        bs_keyring_destroy (&keyring);
        return 1;
    }
    /* The command socket first: binding an ipc:// endpoint makes
       <data_dir>/run, and so <data_dir>, where the outbox goes. */
    /* Four times the limit, so a command over it is read far enough to
       be refused under its id (bs_service.c says why). */
    zsock_t *commands = bs_socket_new_sized (
        ZMQ_ROUTER, "mail", bs_config_bind_endpoint (config, "mail", "command"), BS_SOCKET_BIND,
        config, 4 * (size_t) bs_config_get_number (config, "max_message_bytes"));
    if (!commands) {
        bs_zap_forget ("mail");
        bs_keyring_destroy (&keyring);
        return 1;
    }
    mail_t mail;
    if (mail_init (&mail, config, &error) != BS_OK) {
        bs_log_error ("cannot start mail: %s", error.text);
        zsock_destroy (&commands);
        bs_zap_forget ("mail");
        bs_keyring_destroy (&keyring);
        return 1;
    }
    mail_lmtp_t *lmtp = NULL;
    mail_maildir_t *maildir = NULL;
    mail_notify_t *notify = mail_notify_new (&mail, &error);
    if (!notify) {
        bs_log_error ("cannot mail commissions and notices: %s", error.text);
        zsock_destroy (&commands);
        return 1;
    }
    int exit_code = 1;
    const char *lmtp_address = bs_config_get (config, "mail.lmtp");
    uint64_t lmtp_retry_at = 0; /* when to try binding LMTP again, 0: not needed */
    int lmtp_failures = 0;
    if (*lmtp_address)
        lmtp_retry_at = 1;
    const char *maildir_path = bs_config_get (config, "mail.maildir");
    if (*maildir_path) {
        maildir = mail_maildir_new (&mail, maildir_path, &error);
        if (!maildir || mail_maildir_start (maildir) != BS_OK) {
            bs_log_error ("cannot ingest the Maildir: %s", maildir ? "no thread" : error.text);
            goto done;
        }
    }
    bs_log_info ("mail is serving on %s", bs_config_bind_endpoint (config, "mail", "command"));
    uint64_t started_at = bs_clock_now ();
    while (!zsys_interrupted) {
        if (lmtp_retry_at && bs_clock_monotonic () >= lmtp_retry_at) {
            /* Keep serving pings and the Maildir when the LMTP address is
               taken, and try again: `baosong up` must not crash-loop on a
               busy port. */
            lmtp = mail_lmtp_new (&mail, lmtp_address, &error);
            if (lmtp && mail_lmtp_start (lmtp) == BS_OK) {
                s_write_address (config, mail_lmtp_address (lmtp));
                bs_log_info ("LMTP on %s", mail_lmtp_address (lmtp));
                lmtp_retry_at = 0;
            } else {
                if (lmtp_failures++ % 12 == 0)
                    bs_log_error ("no LMTP: %s; trying again every 5 s",
                                  lmtp ? "cannot start its thread" : error.text);
                mail_lmtp_destroy (&lmtp);
                lmtp_retry_at = bs_clock_monotonic () + 5000;
            }
        }
        zmq_pollitem_t items[2] = {{zsock_resolve (commands), 0, ZMQ_POLLIN, 0}};
        zsock_t *review = mail_notify_socket (notify);
        if (review)
            items[1] = (zmq_pollitem_t){zsock_resolve (review), 0, ZMQ_POLLIN, 0};
        if (zmq_poll (items, review ? 2 : 1, 250) > 0 && (items[0].revents & ZMQ_POLLIN))
            s_answer (commands, config, started_at, keyring);
        mail_notify_turn (notify);
    }
    bs_log_info ("mail is stopping");
    exit_code = 0;
done:
    mail_notify_destroy (&notify);
    mail_maildir_destroy (&maildir);
    mail_lmtp_destroy (&lmtp);
    zsock_destroy (&commands);
    bs_zap_forget ("mail");
    bs_keyring_destroy (&keyring);
    return exit_code;
}

int
main (int argc, char **argv)
{
    int exit_code = 1;
    bs_config_t *config = bs_service_load_config ("mail", argc, argv, &exit_code);
    if (!config)
        return exit_code;
    zsys_init ();
    zsys_set_logstream (NULL);
    signal (SIGPIPE, SIG_IGN); /* a closed LMTP peer or sendmail is an error, not a death */
    mail_parse_init ();
    exit_code = s_run (config);
    mail_parse_shutdown ();
    bs_config_destroy (&config);
    return exit_code;
}
