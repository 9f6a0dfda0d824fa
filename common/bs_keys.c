/*  bs_keys: certificate files in the keys folder; see bs_keys.h. */
#include "bs_keys.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bs_log.h"

#define S_PATH_MAX 1200

char *
bs_keys_folder (bs_config_t *config)
{
    const char *configured = bs_config_get (config, "keys_dir");
    char *folder = NULL;
    if (configured && *configured)
        folder = strdup (configured);
    else if (asprintf (&folder, "%s/keys", bs_config_get (config, "data_dir")) < 0)
        folder = NULL;
    return folder;
}

const char *
bs_keys_own_name (bs_config_t *config)
{
    const char *name = bs_config_get (config, "certificate");
    return name && *name ? name : "admin";
}

bool
bs_keys_name_valid (const char *name)
{
    size_t length = strlen (name);
    if (length == 0 || length > 63 || name[0] == '.')
        return false;
    for (const char *at = name; *at; at++)
        if (!((*at >= 'a' && *at <= 'z') || (*at >= '0' && *at <= '9') || *at == '.'
              || *at == '_' || *at == '-'))
            return false;
    return true;
}

/* mkdir -p folder with mode 0700, and make it 0700 if it was there. */
static int
s_private_folder (const char *folder, bs_error_t *error)
{
    char path[S_PATH_MAX];
    snprintf (path, sizeof path, "%s", folder);
    for (char *at = path + 1; *at; at++)
        if (*at == '/') {
            *at = 0;
            mkdir (path, 0700); /* a parent: made if missing, else left as it is */
            *at = '/';
        }
    if (mkdir (folder, 0700) == -1 && errno != EEXIST)
        return bs_error_set (error, BS_E_SYSTEM, "keys_dir", "cannot make %s: %s", folder,
                             strerror (errno));
    if (chmod (folder, 0700) == -1)
        return bs_error_set (error, BS_E_SYSTEM, "keys_dir", "cannot make %s private: %s", folder,
                             strerror (errno));
    return BS_OK;
}

static bool
s_exists (const char *path)
{
    struct stat status;
    return stat (path, &status) == 0;
}

int
bs_keys_create (const char *folder, bs_peer_t *peer, bs_error_t *error)
{
    if (!bs_keys_name_valid (peer->name))
        return bs_error_set (error, BS_E_INVALID, "name",
                             "'%s' cannot name a certificate: use 1 to 63 of a-z 0-9 . _ -",
                             peer->name);
    if (peer->kind == BS_PEER_NOBODY || peer->kind >= BS_PEER_KIND_COUNT)
        return bs_error_set (error, BS_E_INVALID, "kind", "a certificate needs a kind");
    int rc = s_private_folder (folder, error);
    if (rc != BS_OK)
        return rc;
    char path[S_PATH_MAX], secret[S_PATH_MAX + 8];
    snprintf (path, sizeof path, "%s/%s.cert", folder, peer->name);
    snprintf (secret, sizeof secret, "%s_secret", path);
    if (s_exists (path) || s_exists (secret))
        return bs_error_set (error, BS_E_CONFLICT, "name", "%s already has a certificate (%s)",
                             peer->name, path);
    zcert_t *cert = zcert_new ();
    if (!cert)
        return bs_error_set (error, BS_E_SYSTEM, "", "cannot make a key pair");
    zcert_set_meta (cert, "name", "%s", peer->name);
    zcert_set_meta (cert, "kind", "%s", bs_peer_kind_name (peer->kind));
    zcert_set_meta (cert, "login", "%s", peer->login);
    zcert_set_meta (cert, "unit", "%s", peer->unit);
    zcert_set_meta (cert, "roles", "%s", peer->roles);
    /* The secret first, private from its first byte (czmq saves it under
       a 077 umask); then the public one that makes the name taken. */
    rc = zcert_save_secret (cert, secret) == 0 && chmod (secret, 0600) == 0
                 && zcert_save_public (cert, path) == 0
             ? BS_OK
             : bs_error_set (error, BS_E_SYSTEM, "keys_dir", "cannot write %s: %s", path,
                             strerror (errno));
    if (rc == BS_OK)
        snprintf (peer->key, sizeof peer->key, "%s", zcert_public_txt (cert));
    else
        unlink (secret);
    zcert_destroy (&cert);
    return rc;
}

int
bs_keys_ensure (const char *folder, const char *const *services, size_t *created,
                bs_error_t *error)
{
    size_t count = 0;
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && services[i]; i++) {
        bs_peer_t peer = {.kind = BS_PEER_SERVICE, .roles = "stream"};
        snprintf (peer.name, sizeof peer.name, "%s", services[i]);
        rc = bs_keys_create (folder, &peer, error);
        count += rc == BS_OK;
        if (rc == BS_E_CONFLICT)
            rc = BS_OK;
    }
    const bs_peer_t clients[] = {
        {.name = "gateway", .kind = BS_PEER_GATEWAY},
        {.name = "mail", .kind = BS_PEER_MAIL, .roles = "stream"}, /* reads review's log */
        {.name = "admin", .kind = BS_PEER_ADMIN, .roles = "admin"},
    };
    for (size_t i = 0; rc == BS_OK && i < sizeof clients / sizeof clients[0]; i++) {
        bs_peer_t peer = clients[i];
        rc = bs_keys_create (folder, &peer, error);
        count += rc == BS_OK;
        if (rc == BS_E_CONFLICT)
            rc = BS_OK;
    }
    if (created)
        *created = count;
    return rc;
}

int
bs_keys_revoke (const char *folder, const char *name, bs_error_t *error)
{
    bs_error_t local;
    if (!error)
        error = &local;
    if (!bs_keys_name_valid (name))
        return bs_error_set (error, BS_E_INVALID, "name", "'%s' names no certificate", name);
    zcert_t *cert = bs_keys_load (folder, name, false, error);
    if (!cert)
        return error->code;
    char path[S_PATH_MAX], secret[S_PATH_MAX + 8], revoked[S_PATH_MAX + 96];
    snprintf (path, sizeof path, "%s/%s.cert", folder, name);
    snprintf (secret, sizeof secret, "%s_secret", path);
    snprintf (revoked, sizeof revoked, "%s/revoked", folder);
    int rc = s_private_folder (revoked, error);
    if (rc == BS_OK) {
        /* The same name may be revoked again after a new certificate: the
           file name keeps the key's first bytes so none is overwritten. */
        const unsigned char *key = zcert_public_key (cert);
        snprintf (revoked, sizeof revoked, "%s/revoked/%s.%02x%02x%02x%02x%02x%02x%02x%02x.cert",
                  folder, name, key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7]);
        if (rename (path, revoked) == -1)
            rc = bs_error_set (error, BS_E_SYSTEM, "name", "cannot move %s to %s: %s", path,
                               revoked, strerror (errno));
        else if (unlink (secret) == -1 && errno != ENOENT)
            bs_log_warning ("revoked %s but cannot delete %s: %s", name, secret, strerror (errno));
    }
    zcert_destroy (&cert);
    return rc;
}

/* czmq loads a certificate without its secret key (the public file only)
   with a secret of 32 zero bytes. A real secret key may start with zero
   bytes (two of them once in 65,536 keys), so all 32 are looked at. */
static bool
s_all_zero (const byte *key, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if (key[i])
            return false;
    return true;
}

zcert_t *
bs_keys_load (const char *folder, const char *name, bool secret, bs_error_t *error)
{
    char path[S_PATH_MAX], secret_path[S_PATH_MAX + 8];
    snprintf (path, sizeof path, "%s/%s.cert", folder, name);
    snprintf (secret_path, sizeof secret_path, "%s_secret", path);
    if (!s_exists (secret ? secret_path : path)) {
        bs_error_set (error, BS_E_NOT_FOUND, "certificate",
                      "no certificate %s (%s): `baosong init` makes the certificates of an "
                      "installation, `baosong cert add` one more",
                      name, secret ? secret_path : path);
        return NULL;
    }
    zcert_t *cert = zcert_load (path); /* the secret file when there is one */
    if (!cert || (secret && s_all_zero (zcert_secret_key (cert), 32))) {
        bs_error_set (error, BS_E_INVALID, "certificate", "%s is not a valid certificate",
                      secret ? secret_path : path);
        zcert_destroy (&cert);
    }
    return cert;
}

static void
s_meta_copy (zcert_t *cert, const char *name, char *target, size_t size)
{
    const char *value = zcert_meta (cert, name);
    snprintf (target, size, "%s", value ? value : "");
}

int
bs_keys_describe (zcert_t *cert, bs_peer_t *peer)
{
    memset (peer, 0, sizeof *peer);
    snprintf (peer->key, sizeof peer->key, "%s", zcert_public_txt (cert));
    s_meta_copy (cert, "name", peer->name, sizeof peer->name);
    char kind[32];
    s_meta_copy (cert, "kind", kind, sizeof kind);
    peer->kind = bs_peer_kind_parse (kind);
    s_meta_copy (cert, "login", peer->login, sizeof peer->login);
    s_meta_copy (cert, "unit", peer->unit, sizeof peer->unit);
    s_meta_copy (cert, "roles", peer->roles, sizeof peer->roles);
    if (!bs_keys_name_valid (peer->name) || peer->kind == BS_PEER_NOBODY
        || peer->kind >= BS_PEER_KIND_COUNT) {
        peer->kind = BS_PEER_NOBODY;
        return BS_E_INVALID;
    }
    return BS_OK;
}

static bool
s_ends_with (const char *text, const char *end)
{
    size_t length = strlen (text), end_length = strlen (end);
    return length > end_length && strcmp (text + length - end_length, end) == 0;
}

static int
s_each_in (const char *folder, bool revoked, bs_keys_each_fn *fn, void *argument)
{
    DIR *directory = opendir (folder);
    if (!directory)
        return BS_OK; /* no certificates (yet) */
    int rc = BS_OK;
    struct dirent *entry;
    while (rc == BS_OK && (entry = readdir (directory))) {
        if (entry->d_name[0] == '.' || !s_ends_with (entry->d_name, ".cert"))
            continue;
        char path[S_PATH_MAX];
        snprintf (path, sizeof path, "%s/%s", folder, entry->d_name);
        zcert_t *cert = zcert_load (path);
        bs_peer_t peer;
        if (!cert || bs_keys_describe (cert, &peer) != BS_OK)
            bs_log_warning ("skipped %s: not a baosong certificate", path);
        else
            rc = fn (&peer, revoked, argument);
        zcert_destroy (&cert);
    }
    closedir (directory);
    return rc;
}

int
bs_keys_each (const char *folder, bs_keys_each_fn *fn, void *argument)
{
    int rc = s_each_in (folder, false, fn, argument);
    if (rc != BS_OK)
        return rc;
    char revoked[S_PATH_MAX];
    snprintf (revoked, sizeof revoked, "%s/revoked", folder);
    return s_each_in (revoked, true, fn, argument);
}
