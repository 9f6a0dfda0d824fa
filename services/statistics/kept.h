/*  kept: what statistics keeps that no log gives back, in a store of its
    own beside statistics' store: the rules files loaded and the bulletins
    issued with their files (<data_dir>/statistics_kept).

    Statistics' own store holds only what the logs of intake, review and
    publication rebuild: delete it, and the service replays them into the
    same figures. Loading rules and issuing a bulletin are acts of people,
    not events of any log, so they live here and outlast that rebuild: the
    scores come back under the same rules versions, and every issued
    bulletin with the same figures and the same bytes.

    A command that keeps something writes here in a transaction of its own,
    committed before its turn in statistics' store. The service may run a
    handler again (a turn retried step by step), and a client retries after
    a crash with the same envelope id, so each such write is filed under
    the request's type and id: the same request again finds the key it
    kept (a rules version, a bulletin id) and keeps nothing new.

    Databases: rules (version -> statistics.rules), bulletins (id ->
    statistics.bulletin), bulletin_files (id, format -> bytes), requests
    (type \x1f id -> the key kept).

    Before the kept store existed, rules and bulletins were databases of
    the same names in statistics' own store. statistics_kept_migrate moves
    them here once, when the service opens an old store in place: copied
    as they are (same keys, same records) in one transaction of the kept
    store, which also files the move under requests ("migrated" \x1f
    "statistics"), then dropped from statistics' store. A crash between
    the two leaves the copy done and the old databases to drop at the next
    open. When the kept store already holds rules or bulletins of its own
    (a version without this move ran and kept some), the two cannot be
    merged without renumbering what people saw: the old databases are left
    in place, untouched, and the error says so.
*/
#ifndef STATISTICS_KEPT_H_INCLUDED
#define STATISTICS_KEPT_H_INCLUDED

#include "bs_service.h"

extern const char *const statistics_kept_databases[];

/* Open the kept store of service (closed with the service). */
bs_store_t *statistics_kept_open (bs_service_t *service, bs_error_t *error);

/* Move rules and bulletins from statistics' own store (store) into kept,
   once (see above). BS_OK when moved or nothing to move; BS_E_CONFLICT,
   with nothing changed, when both hold some; another error code when a
   store fails. */
int statistics_kept_migrate (bs_store_t *store, bs_store_t *kept, bs_error_t *error);

/* Keep something for request: fn runs in a write transaction of kept and
   returns BS_OK with *key set (what it kept), or an error code with error
   filled (nothing is kept). When the request (its type and envelope id)
   kept something before, fn does not run and *key is what it kept then.
   A request without an id runs fn every time. */
typedef int (statistics_keep_fn) (MDB_txn *txn, void *argument, uint64_t *key, bs_error_t *error);
int statistics_kept_once (bs_store_t *kept, const bs_message_t *request, statistics_keep_fn *fn,
                          void *argument, uint64_t *key, bs_error_t *error);

#endif
