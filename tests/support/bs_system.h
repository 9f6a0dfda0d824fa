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
#include "bs_schemas.h"

typedef struct bs_system bs_system_t;

/* A fresh folder and configuration (heartbeat 200 ms); nothing started. */
bs_system_t *bs_system_new (const char *name);

/* Kill every service still running, remove the folder. */
void bs_system_destroy (bs_system_t **self_p);

/* Start one service ("intake", ..., or "mail": LMTP on a free port, its
   address in <folder>/var/run/mail-lmtp.address) and wait until it
   answers service.ping. Returns 0 when it is up. */
int bs_system_start (bs_system_t *self, const char *service);

/* Start the four core services (not the gateway nor mail). The gateway is
   started by name ("gateway") on a free loopback port, and is up when it
   answers GET /api/v1/health; started again, it tries its former port
   first. */
int bs_system_start_all (bs_system_t *self);

/* Send signal to the service and wait for it to exit. */
void bs_system_kill (bs_system_t *self, const char *service, int signal);

/* pid of the running service, 0 if not running. */
pid_t bs_system_pid (bs_system_t *self, const char *service);

/* "http://127.0.0.1:<port>" of the started gateway, "" before. */
const char *bs_system_gateway_url (bs_system_t *self);

bs_config_t *bs_system_config (bs_system_t *self);

/* The same configuration presenting the gateway's certificate: a client
   made from it may name the person it acts for (bs_system_act_as), as the
   gateway does for a verified session. bs_system_client of review and
   publication is one; a test's own clients of them (other threads) are
   made from this. */
bs_config_t *bs_system_desk_config (bs_system_t *self);

/* Let client (of the desk configuration) act for officer login with roles
   (a comma list) from its next call on; login NULL: the gateway itself. */
void bs_system_act_as (bs_client_t *client, const char *login, const char *roles);

/* The same for an officer of unit. */
void bs_system_act_in (bs_client_t *client, const char *login, const char *unit,
                       const char *roles);

/* A call of a desk client (review, publication) acting for the person the
   request names, as the gateway would for that person's session: its
   editor, leader, by or officer field (else "編輯部"), of its unit field
   (else of none), in its role field (else as a staff member: editor,
   leader and publisher). Commands of
   other services go as the client's certificate itself. Otherwise as
   bs_client_call and bs_client_call_with_id; bs_system_act_for only sets
   the principal. Tests of who may do what use bs_system_act_as. */
void bs_system_act_for (bs_client_t *client, const bs_schema_t *schema, const void *request);
int bs_system_call (bs_client_t *client, const bs_schema_t *schema, const void *request,
                    const bs_schema_t *reply_schema, void *reply, bs_error_t *error);
int bs_system_call_with_id (bs_client_t *client, const char *id, const bs_schema_t *schema,
                            const void *request, const bs_schema_t *reply_schema, void *reply,
                            bs_error_t *error);

/* bs_system_call_with_id again and again, with the same id (a retried
   command is the same command), while the service does not answer: it
   may be dead for a while in a test that kills it. Gives up after 300
   unanswered calls (each waits the client's patience). */
int bs_system_call_until_answered (bs_client_t *client, const char *id, const bs_schema_t *schema,
                                   const void *request, const bs_schema_t *reply_schema,
                                   void *reply, bs_error_t *error);

/* Set a configuration key for the processes started from now on (a line
   appended to the system's file) and for this process. Returns 0 when set. */
int bs_system_configure (bs_system_t *self, const char *key, const char *value);
const char *bs_system_folder (bs_system_t *self);

/* A client of service, owned by the system (one per service, not shared
   between threads). */
bs_client_t *bs_system_client (bs_system_t *self, const char *service);

/* Register units in intake's registry (registry.unit_put: level county,
   kind department), as a test must before it submits for them. Returns 0
   when every one is registered. */
int bs_system_register_units (bs_system_t *self, const char *const *names, size_t count);

/* The same for one unit through a given intake client (any thread's). */
int bs_system_register_unit (bs_client_t *intake, const char *name);

/* Call fn on every report intake holds, in id order, a page
   (intake.report_list) at a time through the client intake; report is
   freed after the call. Fails the test when a page cannot be read.
   Returns how many reports there were. */
typedef void (bs_system_report_fn) (const bs_report_t *report, void *context);
size_t bs_system_each_report (bs_client_t *intake, bs_system_report_fn *fn, void *context);
/* Move the clock of every service of this system (and of the test
   process) to system time + offset_ms: the system's processes run with
   BAOSONG_CLOCK_FILE set to a file in its folder, read again whenever it
   changes (see bs_clock.h). */
void bs_system_set_clock (bs_system_t *self, long long offset_ms);

/* Claim a case for editor (role "editor", acting as them: the client is
   the desk's) with a fresh key, retrying while review is unavailable. Returns the claim's code. */
int bs_system_claim (bs_client_t *review, uint64_t report_id, const char *editor,
                     bs_error_t *error);

/* Claim the case decide->report_id for decide->editor (role decide->role,
   "editor" when NULL), then decide it: review's rule is claim before
   decide; with decide->claim, one command does both. id is the
   decision's idempotency key ("<id>/claim" is the claim's), NULL for
   fresh ones. A claim the case refuses is left for the
   decision to report. Retries while review is unavailable, so a test can
   kill review around it. Returns the decision's code; reply as
   bs_client_call. */
int bs_system_decide (bs_client_t *review, const char *id, const bs_decide_t *decide,
                      bs_review_case_t *reply, bs_error_t *error);

/* review.decide_many of many (editor "編輯" when none, role "editor"
   when NULL), acting as its editor, with key id (NULL: a fresh one),
   retrying while review is unavailable. Returns the command's code;
   reply as bs_client_call. */
int bs_system_decide_many (bs_client_t *review, const char *id, const bs_decide_many_t *many,
                           bs_decide_results_t *reply, bs_error_t *error);

/* Poll condition every 20 ms for up to 30 s, failing the (cmocka) test
   with what otherwise: sanitizer builds on a busy machine are slow, and a
   passing run waits only as long as it must. */
#define BS_WAIT_UNTIL(condition, what)                                                             \
    do {                                                                                           \
        int64_t deadline_ = zclock_mono () + 30000;                                                \
        while (!(condition)) {                                                                     \
            if (zclock_mono () > deadline_)                                                        \
                fail_msg ("waited 30 s in vain for %s", what);                                     \
            zclock_sleep (20);                                                                     \
        }                                                                                          \
    } while (0)

/* A SUB socket on statistics' live feed (every topic), joined: what is
   published from now on reaches it (high-water mark hwm messages). */
zsock_t *bs_system_feed_subscribe (bs_system_t *self, int hwm);

/* The next feed message within wait_ms, decoded into *message (asserted
   to decode; freed with bs_message_clear). False when none came. */
bool bs_system_feed_next (zsock_t *feed, int wait_ms, bs_message_t *message);

/* Print the tail of a service's log to stderr (for a failing test). */
void bs_system_show_log (bs_system_t *self, const char *service);

#endif
