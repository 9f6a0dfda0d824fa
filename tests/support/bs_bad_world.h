/*  bs_bad_world: the system the bad-input tests (tests/system/
    test_bad_input_*.c) send bad messages to, and what must hold
    afterwards. Every service runs (one frame limit for all); three units
    are registered. The tests send the cases of bs_bad_cases to raw
    DEALER sockets with real certificates, and after each round of bad
    input a valid command through each service, which the world records:
    at the end (bs_bad_nothing_changed_but_what_was_valid) the stores hold
    exactly what the valid commands made, every service is the process it
    was, and each stops cleanly with no sanitizer report.

    One world a test program: bs_bad_setup and bs_bad_teardown are the
    cmocka group's setup and teardown and fill the global bs_bad_world.
*/
#ifndef BS_BAD_WORLD_H_INCLUDED
#define BS_BAD_WORLD_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <czmq.h>

#include "bs_bad_cases.h"
#include "bs_system.h"

#define BS_BAD_SERVICE_COUNT 4  /* intake, review, publication, statistics */
#define BS_BAD_PRODUCER_COUNT 3 /* the first three have a stream socket */
#define BS_BAD_UNIT_COUNT 3
#define BS_BAD_VALID_MAX 512
#define BS_BAD_REPLY_TIMEOUT_MS 5000

extern const char *const bs_bad_services[BS_BAD_SERVICE_COUNT];

/* What statistics must count for a unit. */
typedef struct {
    uint64_t submitted, adopted, published;
} bs_bad_figures_t;

/* The system and what the valid commands sent to it made. */
typedef struct {
    bs_system_t *system;
    bs_config_t *config;
    pid_t pids[BS_BAD_SERVICE_COUNT]; /* at the start; must never change */
    bs_bad_case_t *cases;
    size_t case_count;
    char titles[BS_BAD_VALID_MAX][64]; /* every valid submission, in order */
    uint64_t report_ids[BS_BAD_VALID_MAX];
    int report_units[BS_BAD_VALID_MAX];
    size_t valid_count;
    uint64_t queued[BS_BAD_VALID_MAX]; /* report ids still in review's queue */
    size_t queued_count;
    uint64_t pending[BS_BAD_VALID_MAX]; /* adopted, not yet in an issue */
    size_t pending_count;
    size_t issues; /* issues created and published */
    bs_bad_figures_t expected[BS_BAD_UNIT_COUNT];
} bs_bad_world_t;

extern bs_bad_world_t bs_bad_world;

/* cmocka group setup: start the system, register the units, build the
   cases. */
int bs_bad_setup (void **state);

/* cmocka group teardown: free the cases, stop and remove the system. */
int bs_bad_teardown (void **state);

/* The test each program runs last: intake holds exactly the valid
   submissions, numbered without gaps; review, publication and statistics
   hold what the valid commands made; every service is still the process
   it was, stops cleanly on SIGTERM and logged no sanitizer report. */
void bs_bad_nothing_changed_but_what_was_valid (void **state);

/* A DEALER to service's socket ("command" or "stream") with admin's
   certificate (a stream reader's for a stream socket); the caller
   destroys it. */
zsock_t *bs_bad_dealer (const char *service, const char *socket_name);

/* Send the frames of a case. */
void bs_bad_send_case (zsock_t *socket, const bs_bad_case_t *bad);

/* One reply frame, decoded into *reply (bs_message_clear it); false on
   timeout. */
bool bs_bad_receive (zsock_t *socket, int timeout_ms, bs_message_t *reply, const char *what);

/* Fail unless reply is an error of code (and field, and id, when not
   NULL or empty) with a message. */
void bs_bad_check_error (const bs_message_t *reply, const char *code, const char *field,
                         const char *id, const char *service, const char *what);

/* A ping on socket whose answer must be the very next reply: whatever was
   sent before it got no reply. Returns the pong's oversize_refused. */
uint64_t bs_bad_ping_next (zsock_t *socket, const char *service, const char *what);

/* After bad input to service's command socket: it answers on socket and
   to a client, registers a valid submission, and is the same process. */
void bs_bad_command_still_serves (const char *service, zsock_t *socket, const char *what);

/* How many cases review's queue holds. */
uint64_t bs_bad_queued_in_review (void);

/* Whatever was sent on a stream socket has been read by the producer, and
   answers valid credits among it (and nothing else) came back. */
void bs_bad_stream_barrier (zsock_t *socket, const char *service, size_t answers, const char *what);

/* After bad input to service's stream socket: the service answers, and its
   stream still reaches its consumer. */
void bs_bad_stream_still_flows (const char *service);

/* Before a memory bound: a valid command through every stream, and a PDF
   of the issue it published, so that every service has done its usual
   work once and publication's render thread (which loads its fonts, tens
   of MiB, after the service starts) is settled. */
void bs_bad_warm_up (void);

#endif
