/*  bs_config: baosong's configuration: one file of `key = value` lines, with
    defaults that run the whole system on one machine with no file at all.

        # baosong.conf
        data_dir = /srv/baosong
        log_level = info
        intake.command = tcp://intake:5550

    Precedence, lowest first: built-in defaults, the file (BAOSONG_CONFIG or
    --config; in a build for the Debian package, /etc/baosong/baosong.conf
    when neither is given), then environment variables BAOSONG_<KEY> with dots and dashes
    as underscores (BAOSONG_INTAKE_COMMAND), which is how containers set it.

    Endpoints default to ipc:// sockets in run_dir, <data_dir>/run unless
    set (the Debian package's /run/baosong, made by systemd). Each service
    binds <service>.<socket>_bind when set (e.g. tcp://0.0.0.0:5550 in a container)
    and otherwise the same endpoint clients connect to.
*/
#ifndef BS_CONFIG_H_INCLUDED
#define BS_CONFIG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bs_codec.h"
#include "bs_error.h"

#define BS_CONFIG_VALUE_MAX 512
#define BS_PERIODICALS_MAX 16

typedef struct bs_config bs_config_t;

/* Load defaults, then path (NULL: BAOSONG_CONFIG if set, else none), then
   the environment. NULL with error filled when the file cannot be read or
   holds an unknown key or a bad value. */
bs_config_t *bs_config_load (const char *path, bs_error_t *error);

void bs_config_destroy (bs_config_t **self_p);

/* Set one key as if read from the file (for --data and tests). */
int bs_config_set (bs_config_t *self, const char *key, const char *value, bs_error_t *error);

/* The string value of key, or NULL if the key is unknown. */
const char *bs_config_get (bs_config_t *self, const char *key);

/* Whether key was given (by the file, the environment or bs_config_set)
   rather than left at its default: a program whose own default differs
   from the services' (the CLI's patience) keeps it unless told. */
bool bs_config_is_set (bs_config_t *self, const char *key);

/* Integer value of key (0 if not a number). */
uint64_t bs_config_get_number (bs_config_t *self, const char *key);

/* The endpoint clients connect to for service's socket ("command",
   "stream", "feed"): "<service>.<socket>". The string is valid until the
   same thread asks again; threads may share one configuration for reading
   (set values before starting them). */
const char *bs_config_endpoint (bs_config_t *self, const char *service, const char *socket);

/* The endpoint the service binds for that socket. */
const char *bs_config_bind_endpoint (bs_config_t *self, const char *service, const char *socket);

/* <data_dir>/<service>, the service's LMDB directory. Caller frees. */
char *bs_config_store_path (bs_config_t *self, const char *service);

/* Codec limits from configuration (max_message_bytes, ...). */
bs_codec_limits_t bs_config_codec_limits (bs_config_t *self);

/* Whether name is one of the configured periodicals. */
bool bs_config_has_periodical (bs_config_t *self, const char *name);

/* Write every key = value (defaults included) to file, for `baosong config`. */
void bs_config_print (bs_config_t *self, void *file);

#endif
