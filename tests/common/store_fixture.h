/*  store_fixture: what the tests of bs_store (tests/common/test_store*.c)
    share: a private folder the store goes into, removed after the test;
    the store opened there with a map size (or any options, the journal's
    among them); a report as intake stores it, put, compared and looked
    up; events appended to the log and its last sequence; a child process
    that opens the store on its own.
*/
#ifndef STORE_FIXTURE_H_INCLUDED
#define STORE_FIXTURE_H_INCLUDED

#include "bs_test.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bs_schemas.h"
#include "bs_store.h"

#define MIB ((size_t) 1 << 20)

/* The databases the store is opened with: "reports" and "counters". */
extern const char *const store_fixture_names[];

typedef struct {
    char *folder;             /* private temporary folder, removed after the test */
    char *path;               /* the store's directory, two levels below folder */
    const char *const *names; /* its databases; NULL: store_fixture_names */
} store_fixture_t;

/* cmocka set-up and tear-down: *state is a store_fixture_t. */
int store_fixture_setup (void **state);
int store_fixture_teardown (void **state);

/* The store of fixture with these map sizes (0: the default); fails the
   test when it cannot be opened. */
bs_store_t *store_fixture_open (const store_fixture_t *fixture, size_t map_size,
                                size_t map_size_max);

/* The same with every option given (the journal's among them). */
bs_store_t *store_fixture_open_with (const store_fixture_t *fixture,
                                     const bs_store_options_t *options);

/* A report with Chinese text, as intake stores it; strings are not owned. */
void store_fixture_report_fill (bs_report_t *report, uint64_t report_id, char *body);

/* report stored under key, and under name too when name is not NULL, in
   a write of its own; fails the test when it cannot be. */
void store_fixture_report_put (bs_store_t *store, uint64_t key, const char *name,
                               bs_report_t *report);

/* Fails the test unless actual has every field of expected. */
void store_fixture_report_assert_equal (const bs_report_t *actual, const bs_report_t *expected);

/* Whether a report is stored under key (its report_id is key + 1):
   BS_OK or BS_E_NOT_FOUND. */
int store_fixture_report_lookup (bs_store_t *store, uint64_t key);

/* count report.received events (report 42, from "intake") appended in
   a write of its own whose function then returns result (BS_OK commits
   it); their sequences go to seqs. Returns what bs_store_write returns. */
int store_fixture_events_append (bs_store_t *store, size_t count, int result, uint64_t *seqs);

/* One event appended so, asserting the write returns result: its sequence. */
uint64_t store_fixture_event_append (bs_store_t *store, int result);

/* The event log's last sequence (0: empty), read in a transaction of its own. */
uint64_t store_fixture_log_last (bs_store_t *store);

/* What a child process does with the store before it tells the parent:
   true when it could. */
typedef bool (store_fixture_child_fn) (const store_fixture_t *fixture, size_t count);

/* A child that opens the store on its own (an LMDB environment must not
   cross a fork), does fn, says whether it could and waits to be killed
   (what it has of the parent's memory is no leak of its own). Returns
   once fn is done, asserting it could. */
pid_t store_fixture_child_start (const store_fixture_t *fixture, store_fixture_child_fn *fn,
                                 size_t count);

/* Kill the child (SIGKILL) and reap it. */
void store_fixture_child_kill (pid_t pid);

#endif
