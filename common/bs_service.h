/*  bs_service: the loop every baosong service runs: commands in, events
    through, one durable commit per turn, replies after it.

    A service is a store, a command socket (ROUTER), optionally a stream
    producer of its own log, consumers of other services' logs and a PUB
    feed. Each turn of the loop:
      1. waits for any socket or timer;
      2. takes every command that has arrived (up to batch_max) and every
         event consumers have received;
      3. applies them all in ONE LMDB write transaction (group commit): each
         event through the consume function, each consumer's cursor beside
         its effects, then each command. A refused command (or event, or
         timer run) leaves nothing behind while the others commit: the turn
         runs straight in its transaction, and when a step fails it is
         aborted and run again with each step in a nested transaction of
         its own. So handlers, consume functions and timers may run more
         than once for one commit, and must keep no state outside the
         transaction (nor act outside it) until the turn has committed;
      4. after the commit, and only then, sends the replies and lets the
         producer stream the new events. The feed messages, absolute
         figures for live displays, leave as the commit begins
         (bs_service_feed.c).
    Steps 3 and 4 overlap the next turn's: a writer thread (bs_writer.h)
    applies and commits a turn while the loop's thread receives, decodes
    and checks the next turn's commands, which it hands over once that
    commit has returned. So handlers, consume functions and timers run in
    the writer's thread, one turn at a time, in the order turns were
    taken; they must not use the service's sockets.

    Idempotency: a command registered as mutating must carry an envelope id.
    Its ok-reply is stored under (type, id) in the same transaction as its
    effects; the same (type, id) again gets the stored reply and changes
    nothing.

    Late commands: a command whose envelope deadline (bs_codec.h) has
    passed when the service takes it is dropped without a reply: its
    client has given up, so a slow turn never makes work for nobody.

    Bad input never reaches a handler: undecodable frames, unknown types and
    data that do not fit the schema get an "error" reply naming the problem
    (or, when not even a reply address exists, a log line).
*/
#ifndef BS_SERVICE_H_INCLUDED
#define BS_SERVICE_H_INCLUDED

#include <lmdb.h>
#include <stdbool.h>

#include "bs_codec.h"
#include "bs_config.h"
#include "bs_deferred.h"
#include "bs_peer.h"
#include "bs_store.h"

typedef struct bs_service bs_service_t;

/* Work a handler leaves for after the turn (bs_request_defer): start gets
   it once the turn has committed, with the reply it owes (bs_deferred.h);
   drop frees work that will never start. */
typedef void (bs_deferred_start_fn) (bs_deferred_t *deferred, void *work);
typedef void (bs_deferred_drop_fn) (void *work);

/* At most this many texts a reference gives back (two a whole issue's
   item), and this many bytes of reference (bs_request_store_without). */
#define BS_REPLY_TEXTS_MAX 4096
#define BS_REPLY_REFERENCE_MAX 32

typedef struct {
    bs_service_t *service;       /* the service */
    MDB_txn *txn;                /* this command's own (nested) write txn */
    const bs_message_t *message; /* the decoded request; ->data is its record */
    const bs_peer_t *peer;       /* who sent it, as its certificate says (bs_peer.h) */
    bs_principal_t principal;    /* who acts: the envelope's claim as peer vouches for it
                                    (bs_principal_acting); who "" = no one */
    uint64_t now;                /* time of this turn, ms since epoch */
    msgpack_sbuffer reply;       /* encoded reply, filled by bs_request_reply/fail */
    int code;                    /* BS_OK or the code of the failure reply */
    struct {                     /* while code is not BS_OK: what the failure reply says
                                    besides its code, so a command of many items reports
                                    an item's refusal without decoding the reply */
        char field[BS_ERROR_FIELD_MAX];      /* the field at fault, "" if none */
        char message[BS_ERROR_TEXT_MAX * 2]; /* the sentence (a longer one is cut) */
        char reason[BS_ERROR_REASON_MAX];    /* what is wrong, in a word; "" if none */
        unsigned line;                       /* field's line at fault, 0 if none */
    } refusal;
    struct {                     /* set by bs_request_defer; the loop's own */
        bs_deferred_start_fn *start;
        bs_deferred_drop_fn *drop;
        void *work;
    } deferral;
    struct {          /* set by bs_request_store_without: what the stored reply leaves out */
        size_t count; /* texts left out */
        size_t asked; /* texts the reference gives back */
        struct {
            uint32_t index;  /* of the texts the reference gives back */
            uint32_t offset; /* in reply */
            uint32_t size;   /* of the packed string there */
        } *texts;            /* count of them, in the order of the reply (malloc'ed) */
        size_t capacity;     /* texts allocated, kept from request to request */
        unsigned char reference[BS_REPLY_REFERENCE_MAX];
        size_t reference_size;
    } left_out;
} bs_request_t;

/* A command handler. Reply with bs_request_reply and return BS_OK, or
   return bs_request_fail (...). Returning BS_E_MAP_FULL or BS_E_STORAGE
   (from a store call) aborts the whole turn, which is retried. */
typedef int (bs_command_fn) (bs_request_t *request, void *argument);

/* Apply one upstream event inside the turn's transaction. event->schema is
   NULL for types this service does not know (skip them: return BS_OK). */
typedef int (bs_consume_fn) (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                             void *argument);

/* Called every interval with a write transaction (for deadlines, leases). */
typedef int (bs_timer_fn) (bs_service_t *service, MDB_txn *txn, uint64_t now, void *argument);

/* Open the service `name`: its store under <data_dir>/<name> with the named
   databases (plus "log", "cursors", "idempotency"), its command socket.
   NULL with error filled. */
bs_service_t *bs_service_new (const char *name, bs_config_t *config, const char *const *databases,
                              bs_error_t *error);
void bs_service_destroy (bs_service_t **self_p);

/* Open a second store, <data_dir>/<name>, with the named databases (plus
   "log"), owned by the service and closed with it: for records that no
   log gives back (what people decided, not what events count), kept apart
   from the store that deleting rebuilds from the logs. A service has at
   most one. NULL with error filled. */
bs_store_t *bs_service_open_kept (bs_service_t *self, const char *name,
                                  const char *const *databases, bs_error_t *error);

/* Texts the service keeps anyway, left out of the replies it stores
   under idempotency keys (bs_request_store_without) and put back when a
   retry asks for the reply again: fn gives the texts the reference names,
   in the order they were left out, each malloc'ed (the caller frees them),
   exactly as they were when the reply was made (a stored reply whose texts
   come back different is not sent: the retry gets an error). */
typedef int (bs_reply_texts_fn) (bs_service_t *service, MDB_txn *txn, const void *reference,
                                 size_t reference_size, char *texts[], size_t count);

/* The service's bs_reply_texts_fn (at most one). */
void bs_service_reply_texts (bs_service_t *self, bs_reply_texts_fn *fn);

/* Handle command type with fn; mutates: idempotency keys apply. */
int bs_service_on (bs_service_t *self, const bs_schema_t *request, bs_command_fn *fn,
                   void *argument, bool mutates);

/* Only a principal passing roles, a rule of bs_principal_allowed (a comma
   list of roles, "service" or "service:NAME", e.g. "publisher,admin";
   kept, not copied), may send command type request (registered with
   bs_service_on); others get denied (field principal) before the handler
   runs (every command acts as someone: bs_principal.h). BS_E_NOT_FOUND
   when request has no handler. */
int bs_service_allow (bs_service_t *self, const bs_schema_t *request, const char *roles);

/* Serve this service's log on its configured stream endpoint. */
int bs_service_produce (bs_service_t *self);

/* Consume upstream's log with fn. */
int bs_service_consume (bs_service_t *self, const char *upstream, bs_consume_fn *fn,
                        void *argument);

/* The events of the logs consumed (bs_service_consume, before or after)
   whose types views (NULL-terminated, kept, not copied) has are decoded by
   those views (bs_schema_view): fn gets records without the fields the
   views leave out (NULL, 0), their type's own schema in event->schema. */
void bs_service_consume_views (bs_service_t *self, const bs_schema_t *const *views);

/* What consume functions hold in memory over a turn's events, so that
   what many events change (a row of counters) is read and written once a
   turn rather than once an event: bs_service_hold. */
typedef int (bs_held_write_fn) (bs_service_t *service, MDB_txn *txn, void *held);
typedef void (bs_held_fn) (void *held);

/* Give the service what its consume functions hold (bs_service_held
   finds it for them). Before a run of a turn applies its events, forget
   (held) drops what an earlier run of that turn held (one that did not
   commit); once the events are applied, write (service, txn, held) puts
   what they hold into the turn's transaction, which stores the
   consumers' cursors too, and holds nothing after. When the turn runs
   carefully (step 3 above), each event is applied between a forget and a
   write of its own, in its nested transaction. Timers and commands run
   after the write, so they read what the events changed. The service
   owns held: destroy (held) with the service. At most one, before the
   loop runs. A service without such rows may hold there what its
   command handlers keep in memory beside the store, write and forget
   NULL; they keep it true to the transaction they are given themselves
   (intake's recent fingerprints). */
int bs_service_hold (bs_service_t *self, void *held, bs_held_write_fn *write, bs_held_fn *forget,
                     bs_held_fn *destroy);

/* What bs_service_hold gave, or NULL. */
void *bs_service_held (bs_service_t *self);

/* Bind a PUB live feed on the configured feed endpoint. */
int bs_service_feed (bs_service_t *self);

/* Run fn every interval_ms inside a write transaction. */
int bs_service_every (bs_service_t *self, uint64_t interval_ms, bs_timer_fn *fn, void *argument);

/* Run until SIGINT/SIGTERM. Returns BS_OK on a clean stop. */
int bs_service_run (bs_service_t *self);

/* Run one turn, waiting at most timeout_ms, and return once it is
   committed and answered. For tests that drive a service without its
   loop. */
int bs_service_turn (bs_service_t *self, int timeout_ms);

/* One turn of the loop as bs_service_run takes it: returns without
   waiting for the writer's turn to commit (a later turn collects it). For
   tests that turn a service in a thread of its own as it runs; a turn
   handed over and never collected is committed by bs_service_destroy. */
int bs_service_turn_running (bs_service_t *self, int timeout_ms);

const char *bs_service_name (bs_service_t *self);
bs_config_t *bs_service_config (bs_service_t *self);
bs_store_t *bs_service_store (bs_service_t *self);
MDB_dbi bs_service_dbi (bs_service_t *self, const char *name);
/* The handle of the database at index in the list given to
   bs_service_new (no look-up by name: bs_store_dbi_at). */
MDB_dbi bs_service_dbi_at (bs_service_t *self, size_t index);

/* Append an event to this service's log in txn (the turn's or a request's). */
int bs_service_emit (bs_service_t *self, MDB_txn *txn, const bs_schema_t *schema,
                     const void *record, uint64_t at);

/* The same with the record already encoded (packed, size bytes, as
   bs_codec_encode_record wrote it): a record stored and emitted is then
   encoded once, and stored once when the event's sequence (*seq_p, when
   seq_p is not NULL) goes to bs_store_put_event_record. */
int bs_service_emit_packed (bs_service_t *self, MDB_txn *txn, const bs_schema_t *schema,
                            const void *packed, size_t size, uint64_t at, uint64_t *seq_p);

/* A buffer of the writer's, empty, for a record a step encodes once for
   bs_service_emit_packed and bs_service_publish_packed (which encode into
   buffers of their own): kept from step to step rather than a fresh
   msgpack_sbuffer each time. The writer's thread only (a handler, an
   event's or a timer's step); valid until the next call. */
msgpack_sbuffer *bs_service_encoding (bs_service_t *self);

/* Queue a message for the live feed; sent as the turn's commit begins
   (before its flush: only what a reader may take again, bs_service_feed.c),
   dropped if the turn aborts. */
int bs_service_publish (bs_service_t *self, const bs_schema_t *schema, const void *record);

/* The same with the record already encoded (packed, size bytes, as
   bs_codec_encode_record wrote it): a record emitted and published is
   then encoded once. */
int bs_service_publish_packed (bs_service_t *self, const bs_schema_t *schema, const void *packed,
                               size_t size);

/* Answer request later, from another thread, so that work too long for
   the loop (rendering a document) does not hold up every other command:
   the handler reads what the work needs in its transaction, calls this
   with it and returns BS_OK without a reply. Once the turn has committed,
   the loop calls start (on the loop's thread) with the work and the reply
   it owes; start hands both to its thread, which ends the reply with
   bs_deferred_reply or bs_deferred_fail (bs_deferred.h), and the loop
   sends it on to the client. A handler run again in the same turn (see
   step 3 above), or a turn that does not commit, drops the work it gave
   (drop) and nothing leaves for it: only the last run's work starts, once.
   The request owns work from this call. Only for commands that do not
   mutate (no reply is stored for a retry): a mutating command that defers
   fails. Returns BS_OK. */
int bs_request_defer (bs_request_t *request, bs_deferred_start_fn *start, bs_deferred_drop_fn *drop,
                      void *work);

/* Encode the ok reply. Returns BS_OK. */
int bs_request_reply (bs_request_t *request, const bs_schema_t *schema, const void *record);

/* The ok reply with its data already encoded: packed (size bytes) is a
   record of schema as bs_codec_encode_record (or the same bytes put
   together otherwise: a record stored, a list of records encoded one by
   one) wrote it, copied as it is (bs_codec_encode_message_packed). The
   reply is then byte for byte bs_request_reply's of that record. BS_OK,
   or BS_E_SYSTEM when memory ran out. */
int bs_request_reply_packed (bs_request_t *request, const bs_schema_t *schema, const void *packed,
                             size_t size);

/* After bs_request_reply: the copy stored under the idempotency key
   leaves out texts of the reply (each packed string found first in it;
   NULL, short or absent ones are kept), which the service's
   bs_reply_texts_fn gives back from reference on a retry, so a reply
   holding a long text the store keeps anyway is not stored twice. The
   client gets the whole reply either way. Returns BS_OK. */
int bs_request_store_without (bs_request_t *request, const void *reference, size_t reference_size,
                              const char *const texts[], size_t count);

/* Keep record under key in the service's "versions" database, for the
   stored replies that left out texts the store has changed since (their
   bs_reply_texts_fn reads it back). For a service whose databases name
   both "versions" and "versions_expiry" (only then: other services'
   versions may be data users still read). at: a time no stored reply
   that may refer to the copy is later than (0: this turn's time). The
   idempotency sweep forgets the copy with the replies, idempotency_days
   after at; kept again under the same key, the later at holds. */
int bs_service_keep_version (bs_service_t *self, MDB_txn *txn, const char *key,
                             const bs_schema_t *schema, const void *record, uint64_t at);

/* The key of a kept copy: "id.version" in decimal, written into key
   (size bytes; 48 hold any two). One format for every service's
   versions, so the copy a stored reply asks for is the one kept. */
void bs_service_version_key (uint64_t id, uint64_t version, char *key, size_t size);

/* Encode an error reply and return code, e.g.
   return bs_request_fail (request, BS_E_NOT_FOUND, "report_id", "no report %lu", id); */
int bs_request_fail (bs_request_t *request, int code, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

/* As bs_request_fail, with what is wrong in a word of the documented
   reasons (bs_error_t, docs/API.md), e.g.
   return bs_request_refuse (request, BS_E_CONFLICT, "name", "exists", "'%s' exists", name); */
int bs_request_refuse (bs_request_t *request, int code, const char *field, const char *reason,
                       const char *format, ...) __attribute__ ((format (printf, 5, 6)));

/* As bs_request_refuse, naming the line (1, 2, ...) of field's list at
   fault, e.g. the third of report_ids. */
int bs_request_refuse_line (bs_request_t *request, int code, const char *field, const char *reason,
                            unsigned line, const char *format, ...)
    __attribute__ ((format (printf, 6, 7)));

/* Encode the error reply error says (code, field, text, reason, line) and
   return its code: a refusal a function filling a bs_error_t found. */
int bs_request_fail_error (bs_request_t *request, const bs_error_t *error);

/* glibc's malloc set for a service's traffic (bs_service_load_config does
   it first): a block under BS_SERVICE_MMAP_THRESHOLD comes from the heap
   of the thread's arena, not from its own mmap, and free space at the top
   of an arena is given back to the kernel only past
   BS_SERVICE_TRIM_THRESHOLD. Left to itself, glibc mmaps each block over
   128 KiB and trims an arena's top past 128 KiB until a freed mmapped
   block raises both (its "dynamic threshold"): a batch's request (about
   400 KiB in measure 4) received by libzmq's I/O thread and freed by the
   loop was then given back with madvise and faulted in again, zeroed,
   for every batch (bench/README.md, issue 9). The trim threshold bounds
   what an idle arena keeps. */
#define BS_SERVICE_MMAP_THRESHOLD (2 * 1024 * 1024)
#define BS_SERVICE_TRIM_THRESHOLD (4 * 1024 * 1024)
void bs_service_tune_memory (void);

/* A service program's configuration from its arguments ([--config FILE]
   [--data DIR]), with the log component set to name and `certificate` set
   to name (the certificate it presents as a client), malloc tuned first
   (bs_service_tune_memory): the start of every service program, also of
   the gateway and mail, which have no store. NULL when it should exit
   (--help, a bad option, a bad file: said on stderr) with *exit_code (0
   after --help, 2 otherwise). */
bs_config_t *bs_service_load_config (const char *name, int argc, char **argv, int *exit_code);

/* Run main of a service: load config (argv: [--config FILE] [--data DIR]),
   set the log component, call setup to register handlers, run. Returns the
   process exit code. */
typedef int (bs_service_setup_fn) (bs_service_t *service);

int bs_service_main (const char *name, const char *const *databases, bs_service_setup_fn *setup,
                     int argc, char **argv);

#endif
