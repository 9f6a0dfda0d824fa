/*  bs_system: a whole baosong system for a test: its own temporary folder,
    configuration and service processes on ipc:// sockets inside that
    folder, started and killed one by one, cleaned up at the end.

    Services run as real processes (the built baosong-<name> programs), so
    tests cross real sockets and real fsyncs; their logs go to
    <folder>/<name>.log.
*/
#ifndef BS_SYSTEM_H_INCLUDED
#define BS_SYSTEM_H_INCLUDED

#include <czmq.h>
#include <inttypes.h>
#include <stdbool.h>
#include <sys/types.h>

#include "bs_client.h"
#include "bs_config.h"

typedef struct bs_system bs_system_t;

/* A fresh folder and configuration (heartbeat 200 ms); nothing started. */
bs_system_t *bs_system_new (const char *name);

/* Kill every service still running, remove the folder. */
void bs_system_destroy (bs_system_t **self_p);

/* Start one service ("intake", ..., or "mail": LMTP on a free port, its
   address in <folder>/var/run/mail-lmtp.address) and wait until it
   answers service.ping. Returns 0 when it is up. */
int bs_system_start (bs_system_t *self, const char *service);

/* Start the four core services (not mail). */
int bs_system_start_all (bs_system_t *self);

/* Send signal to the service and wait for it to exit. */
void bs_system_kill (bs_system_t *self, const char *service, int signal);

/* pid of the running service, 0 if not running. */
pid_t bs_system_pid (bs_system_t *self, const char *service);

bs_config_t *bs_system_config (bs_system_t *self);
const char *bs_system_folder (bs_system_t *self);

/* A client of service, owned by the system (one per service, not shared
   between threads). */
bs_client_t *bs_system_client (bs_system_t *self, const char *service);

/* Register units in intake's registry (registry.unit_put: level county,
   kind department), as a test must before it submits for them. Returns 0
   when every one is registered. */
int bs_system_register_units (bs_system_t *self, const char *const *names, size_t count);

/* Print the tail of a service's log to stderr (for a failing test). */
void bs_system_show_log (bs_system_t *self, const char *service);

#endif
