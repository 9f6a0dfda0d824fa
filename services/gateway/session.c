/*  gateway_session: signed session tokens; see session.h. */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#define S_PREFIX "s1."
#define S_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define S_PAYLOAD_MAX 1024 /* bytes of a decoded payload */

/* base64url of bytes; caller frees. */
static char *
s_base64 (const unsigned char *bytes, size_t size)
{
    size_t length = sodium_base64_encoded_len (size, S_VARIANT);
    char *text = malloc (length);
    if (text)
        sodium_bin2base64 (text, length, bytes, size, S_VARIANT);
    return text;
}

char *
gateway_session_sign (const gateway_session_t *session, const unsigned char *key)
{
    json_t *payload =
        json_pack ("{s:s, s:s, s:s, s:I, s:I}", "login", session->login, "unit", session->unit,
                   "roles", session->roles, "expires", (json_int_t) session->expires, "gen",
                   (json_int_t) session->generation);
    char *text = payload ? json_dumps (payload, JSON_COMPACT) : NULL;
    json_decref (payload);
    char *encoded = text ? s_base64 ((const unsigned char *) text, strlen (text)) : NULL;
    free (text);
    if (!encoded)
        return NULL;
    char *signed_part = NULL, *token = NULL;
    if (asprintf (&signed_part, S_PREFIX "%s", encoded) < 0) {
        free (encoded);
        return NULL;
    }
    free (encoded);
    unsigned char mac[crypto_auth_BYTES];
    crypto_auth (mac, (const unsigned char *) signed_part, strlen (signed_part), key);
    char *mac_text = s_base64 (mac, sizeof mac);
    if (mac_text && asprintf (&token, "%s.%s", signed_part, mac_text) < 0)
        token = NULL;
    free (mac_text);
    free (signed_part);
    return token;
}

static int
s_copy (char *target, size_t size, json_t *value)
{
    if (!json_is_string (value) || json_string_length (value) >= size)
        return -1;
    memcpy (target, json_string_value (value), json_string_length (value) + 1);
    return 0;
}

int
gateway_session_verify (const char *token, const unsigned char *key, uint64_t now,
                        gateway_session_t *session, bs_error_t *error)
{
    memset (session, 0, sizeof *session);
    const char *dot = token ? strrchr (token, '.') : NULL;
    if (!token || strncmp (token, S_PREFIX, strlen (S_PREFIX)) != 0 || !dot
        || dot < token + strlen (S_PREFIX))
        return bs_error_set (error, BS_E_INVALID, "session", "the session token is malformed");
    size_t signed_size = (size_t) (dot - token);
    unsigned char mac[crypto_auth_BYTES];
    size_t mac_size = 0;
    if (sodium_base642bin (mac, sizeof mac, dot + 1, strlen (dot + 1), NULL, &mac_size, NULL,
                           S_VARIANT)
            != 0
        || mac_size != sizeof mac)
        return bs_error_set (error, BS_E_INVALID, "session", "the session token is malformed");
    if (crypto_auth_verify (mac, (const unsigned char *) token, signed_size, key) != 0)
        return bs_error_set (error, BS_E_INVALID, "session",
                             "the session token's signature is wrong");
    /* Signed by us: the payload can be trusted to be ours. */
    const char *encoded = token + strlen (S_PREFIX);
    unsigned char payload[S_PAYLOAD_MAX];
    size_t payload_size = 0;
    if (sodium_base642bin (payload, sizeof payload - 1, encoded, (size_t) (dot - encoded), NULL,
                           &payload_size, NULL, S_VARIANT)
        != 0)
        return bs_error_set (error, BS_E_INVALID, "session", "the session token is malformed");
    json_t *object = json_loadb ((const char *) payload, payload_size, 0, NULL);
    json_t *expires = json_object_get (object, "expires");
    json_t *generation = json_object_get (object, "gen");
    int rc = BS_OK;
    if (!json_is_integer (expires) || !json_is_integer (generation)
        || s_copy (session->login, sizeof session->login, json_object_get (object, "login"))
        || s_copy (session->unit, sizeof session->unit, json_object_get (object, "unit"))
        || s_copy (session->roles, sizeof session->roles, json_object_get (object, "roles")))
        rc = bs_error_set (error, BS_E_INVALID, "session", "the session token is malformed");
    else {
        session->expires = (uint64_t) json_integer_value (expires);
        session->generation = (uint64_t) json_integer_value (generation);
        if (session->expires <= now)
            rc = bs_error_set (error, BS_E_INVALID, "session",
                               "the session has expired: log in again");
    }
    json_decref (object);
    if (rc != BS_OK)
        memset (session, 0, sizeof *session);
    return rc;
}

void
gateway_session_csrf (const char *token, const unsigned char *key, char *buffer, size_t size)
{
    crypto_auth_hmacsha512256_state state;
    unsigned char mac[crypto_auth_BYTES];
    crypto_auth_hmacsha512256_init (&state, key, GATEWAY_KEY_BYTES);
    crypto_auth_hmacsha512256_update (&state, (const unsigned char *) "csrf:", 5);
    crypto_auth_hmacsha512256_update (&state, (const unsigned char *) token, strlen (token));
    crypto_auth_hmacsha512256_final (&state, mac);
    /* 24 bytes of the MAC are plenty for a form token. */
    char *text = s_base64 (mac, 24);
    snprintf (buffer, size, "%s", text ? text : "");
    free (text);
}

static int
s_key_from_hex (const char *hex, unsigned char *key, const char *where, bs_error_t *error)
{
    size_t size = 0;
    if (sodium_hex2bin (key, GATEWAY_KEY_BYTES, hex, strlen (hex), " \n", &size, NULL) != 0
        || size != GATEWAY_KEY_BYTES)
        return bs_error_set (error, BS_E_INVALID, "gateway.session_key",
                             "the session key in %s must be %d hex digits", where,
                             2 * GATEWAY_KEY_BYTES);
    return BS_OK;
}

/* mkdir -p path, 0700. */
static int
s_make_folders (const char *path)
{
    char buffer[4096];
    snprintf (buffer, sizeof buffer, "%s", path);
    for (char *at = buffer + 1; *at; at++)
        if (*at == '/') {
            *at = 0;
            if (mkdir (buffer, 0700) != 0 && errno != EEXIST)
                return -1;
            *at = '/';
        }
    return mkdir (buffer, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

int
gateway_session_key_load (bs_config_t *config, unsigned char *key, bs_error_t *error)
{
    const char *configured = bs_config_get (config, "gateway.session_key");
    if (configured && *configured)
        return s_key_from_hex (configured, key, "the configuration", error);
    char *folder = bs_config_store_path (config, "gateway");
    char path[4096];
    snprintf (path, sizeof path, "%s/session.key", folder ? folder : ".");
    if (folder && s_make_folders (folder) != 0) {
        int rc = bs_error_set (error, BS_E_SYSTEM, "gateway.session_key", "cannot create %s: %s",
                               folder, strerror (errno));
        free (folder);
        return rc;
    }
    free (folder);
    /* O_EXCL: when two gateways start at once, one creates, both read it. */
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
        unsigned char fresh[GATEWAY_KEY_BYTES];
        char hex[2 * GATEWAY_KEY_BYTES + 2];
        randombytes_buf (fresh, sizeof fresh);
        sodium_bin2hex (hex, sizeof hex, fresh, sizeof fresh);
        strcat (hex, "\n");
        ssize_t written = write (fd, hex, strlen (hex));
        bool synced = written == (ssize_t) strlen (hex) && fsync (fd) == 0;
        close (fd);
        sodium_memzero (fresh, sizeof fresh);
        if (!synced) {
            unlink (path);
            return bs_error_set (error, BS_E_SYSTEM, "gateway.session_key", "cannot write %s: %s",
                                 path, strerror (errno));
        }
    } else if (errno != EEXIST)
        return bs_error_set (error, BS_E_SYSTEM, "gateway.session_key", "cannot create %s: %s",
                             path, strerror (errno));
    char hex[256] = "";
    FILE *file = NULL;
    /* A gateway that lost the O_EXCL race may read before the winner wrote. */
    for (int attempt = 0; attempt < 50; attempt++) {
        file = fopen (path, "r");
        if (file && fgets (hex, sizeof hex, file) && strlen (hex) >= 2 * GATEWAY_KEY_BYTES)
            break;
        if (file)
            fclose (file);
        file = NULL;
        usleep (20 * 1000);
    }
    if (!file)
        return bs_error_set (error, BS_E_SYSTEM, "gateway.session_key", "cannot read %s", path);
    fclose (file);
    int rc = s_key_from_hex (hex, key, path, error);
    sodium_memzero (hex, sizeof hex);
    return rc;
}
