/*  limit_role: what every role of bench_limit shares (limit.c: the
    same-shape server and the chains' stages; limit_review.c: the review
    stage of the chain of measure 2's shape): the signals that stop a
    role, its LMDB store (LMDB's default flags: every commit fsync'ed), the
    file that says it is ready and the one it leaves its counts in, and
    CurveZMQ as baosong's services use it (a CURVE server socket with a ZAP
    domain, a ZAP handler thread admitting listed keys once per
    connection, each request's User-Id read; a connecting socket with a
    key pair and the server's public key). Nothing here is baosong's code.
*/
#ifndef BENCH_LIMIT_ROLE_H_INCLUDED
#define BENCH_LIMIT_ROLE_H_INCLUDED

#include <lmdb.h>
#include <msgpack.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "limit.h"

#define LIMIT_BATCH_MAX 1000   /* requests or messages a turn, as intake's batch_max */
#define LIMIT_HIGH_WATER 10000 /* messages queued per pipe */

/* Set by SIGTERM or SIGINT: the role's loop ends. */
extern volatile sig_atomic_t limit_stopping;

/* SIGTERM and SIGINT set limit_stopping (no SA_RESTART: a blocked call
   returns EINTR); the role also ends when the program that started it dies. */
void limit_role_signals (void);

typedef struct {
    MDB_env *env;
    MDB_dbi dbis[6];
} limit_store_t;

/* Open the environment in folder with count (<= 6) named databases and
   LMDB's flags (0: every commit fsync'ed). 0, or LMDB's error with a line
   on stderr. */
int limit_store_open (limit_store_t *store, const char *folder, const char *const *names,
                      size_t count, unsigned flags);

/* value as an 8-byte big-endian key (LMDB's order is the numbers'). */
void limit_key (uint64_t value, unsigned char key[8]);

int limit_put (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_size, const void *value,
               size_t value_size, unsigned flags);

/* FOLDER/ready, which the runner waits for. */
void limit_ready (const char *folder);

/* FOLDER/commits: "<items stored> <commits>", read by the runner after
   the role stopped. */
void limit_write_counts (const char *folder, uint64_t items, uint64_t commits);

void limit_pack_text (msgpack_packer *packer, const char *text);

/* The messages waiting on socket (a PULL), up to max, into messages
   (each initialised: the caller sends or closes it). How many. */
size_t limit_receive_waiting (void *socket, zmq_msg_t *messages, size_t max);

/* reply cleared, then {"error": text}. */
void limit_error_reply (msgpack_sbuffer *reply, const char *text);

/* A string field of a request: its key, and where its value goes. */
typedef struct {
    const char *name;
    msgpack_object_str *value;
} limit_field_t;

/* Decode data (msgpack) into unpacked (initialised here: the caller
   destroys it) and point each field's value at the string under its name
   in the map. The number of fields found, or -1 when data is not a map. */
int limit_decode_fields (msgpack_unpacked *unpacked, const void *data, size_t size,
                         const limit_field_t *fields, size_t count);

/* The type and report_id of an item of the chain of measure 2's shape (a
   msgpack map with both); false when it has neither. */
bool limit_item_head (const msgpack_object *item, msgpack_object_str *type, uint64_t *report_id);

/* LIMIT_KIND_RECEIVED, _DECIDED or _PUBLISHED for an item's type, 0 for
   another. */
int limit_item_kind (const msgpack_object_str *type);

/* The review stage of measure 2's shape (limit_review.c): items from IN
   (a PULL it binds), decisions asked for on ENDPOINT (a ROUTER it binds),
   each decision streamed to PUBLICATION and STATISTICS; keys as the other
   roles' ("-": plain). The role's exit status. */
int limit_review (const char *folder, const char *in, const char *endpoint, const char *publication,
                  const char *statistics, const char *keys);

/* CurveZMQ                                                                */

#define LIMIT_KEY_Z85 41 /* 40 characters and a null */

typedef struct {
    char secret[LIMIT_KEY_Z85];     /* the server's */
    char public[LIMIT_KEY_Z85];     /* derived from it */
    char (*clients)[LIMIT_KEY_Z85]; /* the public keys admitted */
    size_t count;
    void *handler;    /* REP on the ZAP endpoint */
    pthread_t thread; /* answering it */
    bool running;
} limit_curve_t;

/* Read KEYS: the server's secret key on the first line, the public keys
   admitted on the others (Z85). 0, or -1 with a line on stderr. */
int limit_curve_read (limit_curve_t *curve, const char *path);

/* Bind the ZAP handler in context and start its thread. libzmq asks it
   about every connection to a socket with a ZAP domain; with none bound it
   would admit every client unasked, so this comes before any bind. */
int limit_curve_start (limit_curve_t *curve, void *context);

/* socket a CURVE server with the server's keys and a ZAP domain. */
void limit_curve_serve (const limit_curve_t *curve, void *socket);

/* socket a CURVE client of a server with these keys, with the server's
   own key pair as its own (admitted: the runner lists the server's
   public key among the clients'): a stage connecting to the next. */
void limit_curve_connect_as_server (const limit_curve_t *curve, void *socket);

/* After every socket of context is closed: shut the context down (the
   handler's receive ends), join the handler, free the keys. */
void limit_curve_stop (limit_curve_t *curve, void *context);

#endif
