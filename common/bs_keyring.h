/*  bs_keyring: the certificates a service admits, kept in its own store.

    A service's keyring is the database "keyring" of its LMDB store: one
    entry per public key (Z85 text) with what its certificate says
    (bs_keyring_entry in bs_proto.def). bs_keyring_load makes it what the
    keys folder says (bs_keys.h): every certificate there is admitted; one
    moved to revoked/ is refused, and stays refused in the store even if
    its certificate file comes back. A service loads at start and again on
    keyring.reload (which `baosong cert add|revoke` sends).

    The ZAP handler (bs_zap.h) asks bs_keyring_find from its own thread for
    every connection; the service asks it for every command, so a key
    revoked while its connection is open loses it at its next message.
    Lookups use a copy in memory, guarded by a mutex; the store is written
    only by bs_keyring_load, from the thread that owns the store.

    A keyring without a store (mail, which keeps no LMDB) holds the same
    copy in memory only.
*/
#ifndef BS_KEYRING_H_INCLUDED
#define BS_KEYRING_H_INCLUDED

#include <stddef.h>

#include "bs_config.h"
#include "bs_error.h"
#include "bs_peer.h"
#include "bs_store.h"

typedef struct bs_keyring bs_keyring_t;

/* A keyring in store's database "keyring" (which the store must have been
   opened with), or in memory when store is NULL. Empty until loaded: it
   admits nobody. */
bs_keyring_t *bs_keyring_new (bs_store_t *store);
void bs_keyring_destroy (bs_keyring_t **self_p);

/* A new keyring loaded from config's keys folder (bs_keys_folder): what a
   service does at start. NULL with error filled when the folder holds no
   certificate or cannot be read. */
bs_keyring_t *bs_keyring_open (bs_config_t *config, bs_store_t *store, bs_error_t *error);

/* Make the keyring what folder says. *dropped (may be NULL) counts the
   keys admitted before and no longer (revoked, or their file removed):
   connections that must end. */
int bs_keyring_load (bs_keyring_t *self, const char *folder, size_t *dropped,
                     bs_error_t *error);

/* What the keyring knows of an admitted key (Z85 text): BS_OK with peer
   filled, or BS_E_DENIED for a key that is unknown or revoked. Any thread. */
int bs_keyring_find (bs_keyring_t *self, const char *key, bs_peer_t *peer);

/* Admitted and revoked keys. */
size_t bs_keyring_admitted (bs_keyring_t *self);
size_t bs_keyring_revoked (bs_keyring_t *self);

#endif
