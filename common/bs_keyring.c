/*  bs_keyring: admitted and revoked keys, in the store and in memory; see
    bs_keyring.h.
*/
#include "bs_keyring.h"

#include <czmq.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_keys.h"
#include "bs_log.h"
#include "bs_proto.h"

struct bs_keyring {
    bs_store_t *store;       /* not owned; NULL: memory only */
    pthread_mutex_t lock;    /* guards the two tables */
    zhashx_t *admitted;      /* Z85 key -> bs_peer_t * (owned) */
    zhashx_t *revoked;       /* Z85 key -> bs_peer_t * (owned) */
};

static void
s_peer_free (void **item)
{
    free (*item);
    *item = NULL;
}

static zhashx_t *
s_table_new (void)
{
    zhashx_t *table = zhashx_new ();
    if (table)
        zhashx_set_destructor (table, s_peer_free);
    return table;
}

bs_keyring_t *
bs_keyring_new (bs_store_t *store)
{
    bs_keyring_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    pthread_mutex_init (&self->lock, NULL);
    self->admitted = s_table_new ();
    self->revoked = s_table_new ();
    if (!self->admitted || !self->revoked)
        bs_keyring_destroy (&self);
    return self;
}

void
bs_keyring_destroy (bs_keyring_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bs_keyring_t *self = *self_p;
    zhashx_destroy (&self->admitted);
    zhashx_destroy (&self->revoked);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

bs_keyring_t *
bs_keyring_open (bs_config_t *config, bs_store_t *store, bs_error_t *error)
{
    bs_keyring_t *self = bs_keyring_new (store);
    char *folder = bs_keys_folder (config);
    int rc = self && folder ? BS_OK : bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    if (rc == BS_OK)
        rc = bs_keyring_load (self, folder, NULL, error);
    if (rc == BS_OK && bs_keyring_admitted (self) == 0)
        rc = bs_error_set (error, BS_E_DENIED, "keys_dir",
                           "no certificate in %s: `baosong init` makes them", folder);
    free (folder);
    if (rc != BS_OK)
        bs_keyring_destroy (&self);
    return self;
}

/* Put a copy of peer in table under its key (replacing one there). */
static int
s_table_put (zhashx_t *table, const bs_peer_t *peer)
{
    bs_peer_t *copy = malloc (sizeof *copy);
    if (!copy)
        return BS_E_SYSTEM;
    *copy = *peer;
    zhashx_update (table, copy->key, copy);
    return BS_OK;
}

/* A load in progress: the tables it builds. */
typedef struct {
    bs_store_t *store;  /* NULL: memory only */
    zhashx_t *admitted; /* Z85 key -> bs_peer_t * */
    zhashx_t *revoked;  /* Z85 key -> bs_peer_t * */
} s_load_t;

static int
s_collect (const bs_peer_t *peer, bool revoked, void *argument)
{
    s_load_t *load = argument;
    return s_table_put (revoked ? load->revoked : load->admitted, peer);
}

static void
s_peer_from_entry (const char *key, const bs_keyring_entry_t *entry, bs_peer_t *peer)
{
    memset (peer, 0, sizeof *peer);
    snprintf (peer->key, sizeof peer->key, "%s", key);
    snprintf (peer->name, sizeof peer->name, "%s", entry->name);
    peer->kind = bs_peer_kind_parse (entry->kind);
    if (peer->kind >= BS_PEER_KIND_COUNT)
        peer->kind = BS_PEER_NOBODY;
    snprintf (peer->login, sizeof peer->login, "%s", entry->login ? entry->login : "");
    snprintf (peer->unit, sizeof peer->unit, "%s", entry->unit ? entry->unit : "");
    snprintf (peer->roles, sizeof peer->roles, "%s", entry->roles ? entry->roles : "");
}

/* Keys the store holds as revoked join the load's revoked table: a
   revocation is for good. */
static int
s_read_revoked (MDB_txn *txn, MDB_dbi dbi, s_load_t *load)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, dbi, &cursor);
    if (rc)
        return bs_store_error (rc, "read the keyring");
    MDB_val key, value;
    rc = BS_OK;
    for (int found = mdb_cursor_get (cursor, &key, &value, MDB_FIRST); found == 0 && rc == BS_OK;
         found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        bs_keyring_entry_t entry;
        bs_error_t error;
        char text[BS_PEER_KEY_SIZE];
        if (key.mv_size != BS_PEER_KEY_SIZE - 1
            || bs_codec_decode_record (value.mv_data, value.mv_size, &bs_keyring_entry_schema,
                                       &bs_codec_default_limits, &entry, &error)
                   != BS_OK)
            continue; /* not ours to read; dropped by the rewrite below */
        memcpy (text, key.mv_data, key.mv_size);
        text[key.mv_size] = 0;
        if (entry.revoked) {
            bs_peer_t peer;
            s_peer_from_entry (text, &entry, &peer);
            rc = s_table_put (load->revoked, &peer);
        }
        bs_codec_record_free (&bs_keyring_entry_schema, &entry);
    }
    mdb_cursor_close (cursor);
    return rc;
}

static int
s_write_table (MDB_txn *txn, MDB_dbi dbi, zhashx_t *table, bool revoked)
{
    for (bs_peer_t *peer = zhashx_first (table); peer; peer = zhashx_next (table)) {
        bs_keyring_entry_t entry = {.name = peer->name,
                                    .kind = (char *) bs_peer_kind_name (peer->kind),
                                    .login = peer->login,
                                    .unit = peer->unit,
                                    .roles = peer->roles,
                                    .revoked = revoked};
        int rc = bs_store_put_record_by_name (txn, dbi, peer->key, &bs_keyring_entry_schema, &entry);
        if (rc != BS_OK)
            return rc;
    }
    return BS_OK;
}

/* In the store's write transaction: keep what it revoked, then write the
   keyring anew from the load. */
static int
s_store_load (MDB_txn *txn, void *argument)
{
    s_load_t *load = argument;
    MDB_dbi dbi = bs_store_dbi (load->store, "keyring");
    int rc = s_read_revoked (txn, dbi, load);
    if (rc != BS_OK)
        return rc;
    for (bs_peer_t *peer = zhashx_first (load->revoked); peer; peer = zhashx_next (load->revoked))
        zhashx_delete (load->admitted, peer->key);
    rc = bs_store_clear (txn, dbi);
    if (rc)
        return bs_store_error (rc, "empty the keyring");
    rc = s_write_table (txn, dbi, load->admitted, false);
    return rc == BS_OK ? s_write_table (txn, dbi, load->revoked, true) : rc;
}

int
bs_keyring_load (bs_keyring_t *self, const char *folder, size_t *dropped, bs_error_t *error)
{
    s_load_t load = {.store = self->store, .admitted = s_table_new (), .revoked = s_table_new ()};
    int rc = load.admitted && load.revoked ? BS_OK : BS_E_SYSTEM;
    if (rc == BS_OK)
        rc = bs_keys_each (folder, s_collect, &load);
    pthread_mutex_lock (&self->lock);
    /* Without a store, what this process revoked before stays revoked. */
    for (bs_peer_t *peer = zhashx_first (self->revoked); rc == BS_OK && peer;
         peer = zhashx_next (self->revoked))
        rc = s_table_put (load.revoked, peer);
    pthread_mutex_unlock (&self->lock);
    if (rc == BS_OK && self->store)
        rc = bs_store_write (self->store, s_store_load, &load);
    else
        for (bs_peer_t *peer = zhashx_first (load.revoked); rc == BS_OK && peer;
             peer = zhashx_next (load.revoked))
            zhashx_delete (load.admitted, peer->key);
    if (rc != BS_OK) {
        zhashx_destroy (&load.admitted);
        zhashx_destroy (&load.revoked);
        return bs_error_set (error, rc, "keys_dir", "cannot load the keyring from %s: %s", folder,
                             bs_error_name (rc));
    }
    size_t count = 0;
    pthread_mutex_lock (&self->lock);
    for (bs_peer_t *peer = zhashx_first (self->admitted); peer; peer = zhashx_next (self->admitted))
        count += zhashx_lookup (load.admitted, peer->key) == NULL;
    zhashx_destroy (&self->admitted);
    zhashx_destroy (&self->revoked);
    self->admitted = load.admitted;
    self->revoked = load.revoked;
    pthread_mutex_unlock (&self->lock);
    if (dropped)
        *dropped = count;
    return BS_OK;
}

int
bs_keyring_find (bs_keyring_t *self, const char *key, bs_peer_t *peer)
{
    pthread_mutex_lock (&self->lock);
    const bs_peer_t *found = zhashx_lookup (self->admitted, key);
    if (found)
        *peer = *found;
    pthread_mutex_unlock (&self->lock);
    return found ? BS_OK : BS_E_DENIED;
}

static size_t
s_count (bs_keyring_t *self, zhashx_t **table)
{
    pthread_mutex_lock (&self->lock);
    size_t count = zhashx_size (*table);
    pthread_mutex_unlock (&self->lock);
    return count;
}

size_t
bs_keyring_admitted (bs_keyring_t *self)
{
    return s_count (self, &self->admitted);
}

size_t
bs_keyring_revoked (bs_keyring_t *self)
{
    return s_count (self, &self->revoked);
}
