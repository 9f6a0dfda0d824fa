/*  bs_keys: the keys folder of an installation: one CurveZMQ certificate
    per service and per client.

    <keys_dir> (default <data_dir>/keys, mode 0700) holds, for each name:
        <name>.cert          the public certificate: public key and what the
                             key is (name, kind, login, unit, roles)
        <name>.cert_secret   the same with the secret key, mode 0600: only
                             the process that presents this certificate
                             needs it
        revoked/<name>.<hex>.cert   certificates taken back; every service
                             refuses their keys for good
    The files are czmq's zcert format (text, `curve` and `metadata`
    sections). Services read the public certificates into their keyring
    (bs_keyring.h); each process reads its own secret certificate to set up
    its sockets (bs_socket.h). Nothing here is ever compiled into a program
    or an image: the folder is a volume (docker/).
*/
#ifndef BS_KEYS_H_INCLUDED
#define BS_KEYS_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>

#include "bs_config.h"
#include "bs_error.h"
#include "bs_peer.h"

/* The keys folder: keys_dir, or <data_dir>/keys. Caller frees. */
char *bs_keys_folder (bs_config_t *config);

/* The name of the certificate this process presents when it connects:
   the configured `certificate`, or "admin" (the CLI of the installation).
   Services present their own name (bs_service_load_config sets it). */
const char *bs_keys_own_name (bs_config_t *config);

/* Whether name can name a certificate: 1 to 63 of a-z 0-9 . _ -, not
   starting with a dot. */
bool bs_keys_name_valid (const char *name);

/* Make a new key pair for peer (name, kind, login, unit, roles filled by
   the caller) and save it in folder, which is made (0700) if missing.
   peer->key receives the public key. BS_E_CONFLICT when name already has
   a certificate. */
int bs_keys_create (const char *folder, bs_peer_t *peer, bs_error_t *error);

/* Create what is missing of the certificates an installation needs: one
   per service in services (kind service, role stream), and gateway, mail
   and admin. *created (may be NULL) counts the new ones. */
int bs_keys_ensure (const char *folder, const char *const *services, size_t *created,
                    bs_error_t *error);

/* Revoke name: its public certificate moves to folder/revoked, its secret
   is deleted. BS_E_NOT_FOUND when name has no certificate. */
int bs_keys_revoke (const char *folder, const char *name, bs_error_t *error);

/* Load name's certificate, with its secret key when secret is set.
   Caller destroys. NULL with error filled when the file is missing or bad. */
zcert_t *bs_keys_load (const char *folder, const char *name, bool secret, bs_error_t *error);

/* What cert says of its holder, into peer. BS_E_INVALID when its
   metadata name no valid name or kind. */
int bs_keys_describe (zcert_t *cert, bs_peer_t *peer);

/* Call fn for every certificate in folder (revoked false) and in
   folder/revoked (revoked true), in no particular order. A file that is
   not a valid certificate is skipped with a log line. Stops at the first
   fn that returns other than BS_OK, and returns that. */
typedef int (bs_keys_each_fn) (const bs_peer_t *peer, bool revoked, void *argument);
int bs_keys_each (const char *folder, bs_keys_each_fn *fn, void *argument);

#endif
