/*  bs_stream_pair: what the stream's tests (tests/common/test_stream*.c)
    share: two services in one process joined by the reliable stream.

    "up" produces its log (a submit command emits one event per report);
    "down" consumes it, recording every applied sequence in its own store
    together with how many arrived twice ("again") or out of order
    ("disorder"). Both are turned from the test thread, so the test decides
    who runs when. Each test gets a fresh pair (bs_pair_setup, or
    bs_pair_setup_window_5 for a stream window of 5 instead of 8; then
    bs_pair_teardown), in a private folder with keys for both; clients
    present down's certificate.
*/
#ifndef BS_STREAM_PAIR_H_INCLUDED
#define BS_STREAM_PAIR_H_INCLUDED

#include "bs_test.h"

#include <stdint.h>

#include <czmq.h>

#include "bs_config.h"
#include "bs_schemas.h"
#include "bs_service.h"
#include "bs_store.h"
#include "bs_stream.h"

#define BS_PAIR_WAIT_MS 10000 /* longest wait for the stream to catch up */

typedef struct {
    char *folder;        /* private temporary folder, removed afterwards */
    bs_config_t *config; /* from folder/baosong.conf */
    bs_service_t *up;    /* producer, NULL while stopped */
    bs_service_t *down;  /* consumer, NULL while stopped */
    zsock_t *commands;   /* DEALER to up's command socket */
    int submitted;       /* submits sent so far (their ids) */
} bs_pair_t;

/* cmocka setup and teardown of one test: *state is the bs_pair_t. */
int bs_pair_setup (void **state);
int bs_pair_setup_window_5 (void **state);
int bs_pair_teardown (void **state);

/* Start up (with its command DEALER) or down; stop up. A stopped down is
   destroyed with bs_service_destroy (&pair->down). */
void bs_pair_up_start (bs_pair_t *pair);
void bs_pair_up_stop (bs_pair_t *pair);
void bs_pair_down_start (bs_pair_t *pair);

/* One turn of each running service; turns for milliseconds. */
void bs_pair_turn_both (bs_pair_t *pair, int timeout_ms);
void bs_pair_run_for (bs_pair_t *pair, int milliseconds);

/* Submit count reports to up (one event each) and wait for the replies,
   turning both services meanwhile. */
void bs_pair_submit (bs_pair_t *pair, int count);

/* The same submits sent, the replies left to the caller (up's command
   DEALER, pair->commands). */
void bs_pair_send_submits (bs_pair_t *pair, int count);

/* A u64 from down's store: a counter ("applied", "again", "disorder",
   "last"), or with database "cursors" the cursor of upstream "up". */
uint64_t bs_pair_down_value (bs_pair_t *pair, const char *database, const char *key);
uint64_t bs_pair_applied (bs_pair_t *pair);

/* Turn both until down has applied count events (fails after
   BS_PAIR_WAIT_MS). */
void bs_pair_run_until_applied (bs_pair_t *pair, uint64_t count);

/* Let the stream run a little longer (a late duplicate would show), then
   assert sequences 1..count were each applied once, in order. */
void bs_pair_assert_exactly_once (bs_pair_t *pair, uint64_t count);

/* The message in frame, decoded (the test fails if it does not decode). */
void bs_pair_decode (zframe_t *frame, bs_message_t *message);

/* Send a stream control message (subscribe, credit) from a test DEALER. */
void bs_pair_send_control (zsock_t *dealer, const bs_schema_t *schema, const void *record);

#endif
