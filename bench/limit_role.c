/*  limit_role: what bench_limit's roles share; see limit_role.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "limit_role.h"

#define S_MAP_SIZE ((size_t) 16 << 30) /* sparse: only what is written takes disk */
#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"

volatile sig_atomic_t limit_stopping;

static void
s_on_signal (int signal)
{
    (void) signal;
    limit_stopping = 1;
}

void
limit_role_signals (void)
{
    struct sigaction action = {.sa_handler = s_on_signal};
    sigaction (SIGTERM, &action, NULL);
    sigaction (SIGINT, &action, NULL);
    prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* The store                                                               */

int
limit_store_open (limit_store_t *store, const char *folder, const char *const *names, size_t count,
                  unsigned flags)
{
    MDB_txn *txn;
    int rc = mdb_env_create (&store->env);
    if (!rc)
        rc = mdb_env_set_maxdbs (store->env, (MDB_dbi) count);
    if (!rc)
        rc = mdb_env_set_mapsize (store->env, S_MAP_SIZE);
    if (!rc)
        rc = mdb_env_open (store->env, folder, flags, 0600);
    if (!rc)
        rc = mdb_txn_begin (store->env, NULL, 0, &txn);
    for (size_t i = 0; !rc && i < count; i++)
        rc = mdb_dbi_open (txn, names[i], MDB_CREATE, &store->dbis[i]);
    if (!rc)
        rc = mdb_txn_commit (txn);
    if (rc)
        fprintf (stderr, "bench_limit: store %s: %s\n", folder, mdb_strerror (rc));
    return rc;
}

void
limit_key (uint64_t value, unsigned char key[8])
{
    for (int i = 7; i >= 0; i--, value >>= 8)
        key[i] = (unsigned char) value;
}

int
limit_put (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_size, const void *value,
           size_t value_size, unsigned flags)
{
    MDB_val k = {key_size, (void *) key}, v = {value_size, (void *) value};
    return mdb_put (txn, dbi, &k, &v, flags);
}

void
limit_ready (const char *folder)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/ready", folder);
    FILE *file = fopen (path, "w");
    if (file)
        fclose (file);
}

void
limit_write_counts (const char *folder, uint64_t items, uint64_t commits)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/commits", folder);
    FILE *file = fopen (path, "w");
    if (file) {
        fprintf (file, "%" PRIu64 " %" PRIu64 "\n", items, commits);
        fclose (file);
    }
}

void
limit_pack_text (msgpack_packer *packer, const char *text)
{
    msgpack_pack_str (packer, strlen (text));
    msgpack_pack_str_body (packer, text, strlen (text));
}

size_t
limit_receive_waiting (void *socket, zmq_msg_t *messages, size_t max)
{
    size_t count = 0;
    for (; count < max; count++) {
        zmq_msg_init (&messages[count]);
        if (zmq_msg_recv (&messages[count], socket, ZMQ_DONTWAIT) == -1) {
            zmq_msg_close (&messages[count]);
            break;
        }
    }
    return count;
}

void
limit_error_reply (msgpack_sbuffer *reply, const char *text)
{
    msgpack_sbuffer_clear (reply);
    msgpack_packer packer;
    msgpack_packer_init (&packer, reply, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 1);
    limit_pack_text (&packer, "error");
    limit_pack_text (&packer, text);
}

int
limit_decode_fields (msgpack_unpacked *unpacked, const void *data, size_t size,
                     const limit_field_t *fields, size_t count)
{
    msgpack_unpacked_init (unpacked);
    size_t offset = 0;
    if (msgpack_unpack_next (unpacked, data, size, &offset) != MSGPACK_UNPACK_SUCCESS
        || unpacked->data.type != MSGPACK_OBJECT_MAP)
        return -1;
    int found = 0;
    const msgpack_object_map *map = &unpacked->data.via.map;
    for (uint32_t i = 0; i < map->size; i++) {
        const msgpack_object *key = &map->ptr[i].key, *value = &map->ptr[i].val;
        if (key->type != MSGPACK_OBJECT_STR || value->type != MSGPACK_OBJECT_STR)
            continue;
        for (size_t f = 0; f < count; f++)
            if (key->via.str.size == strlen (fields[f].name)
                && memcmp (key->via.str.ptr, fields[f].name, key->via.str.size) == 0) {
                *fields[f].value = value->via.str;
                found++;
            }
    }
    return found;
}

bool
limit_item_head (const msgpack_object *item, msgpack_object_str *type, uint64_t *report_id)
{
    if (item->type != MSGPACK_OBJECT_MAP)
        return false;
    int found = 0;
    const msgpack_object_map *map = &item->via.map;
    for (uint32_t i = 0; i < map->size && found < 2; i++) {
        const msgpack_object *key = &map->ptr[i].key, *value = &map->ptr[i].val;
        if (key->type != MSGPACK_OBJECT_STR)
            continue;
        if (key->via.str.size == 4 && memcmp (key->via.str.ptr, "type", 4) == 0
            && value->type == MSGPACK_OBJECT_STR) {
            *type = value->via.str;
            found++;
        } else if (key->via.str.size == 9 && memcmp (key->via.str.ptr, "report_id", 9) == 0
                   && value->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
            *report_id = value->via.u64;
            found++;
        }
    }
    return found == 2;
}

int
limit_item_kind (const msgpack_object_str *type)
{
    static const char *const types[] = {NULL, LIMIT_RECEIVED, LIMIT_DECIDED, LIMIT_PUBLISHED};
    for (int kind = LIMIT_KIND_RECEIVED; kind <= LIMIT_KIND_PUBLISHED; kind++)
        if (type->size == strlen (types[kind]) && memcmp (type->ptr, types[kind], type->size) == 0)
            return kind;
    return 0;
}

/* CurveZMQ                                                                */

int
limit_curve_read (limit_curve_t *curve, const char *path)
{
    FILE *file = fopen (path, "r");
    char line[128];
    size_t capacity = 0;
    bool ok = file && fgets (line, sizeof line, file) && strlen (line) >= 40;
    if (ok) {
        snprintf (curve->secret, sizeof curve->secret, "%.40s", line);
        ok = zmq_curve_public (curve->public, curve->secret) == 0;
    }
    while (ok && fgets (line, sizeof line, file)) {
        if (strlen (line) < 40)
            continue;
        if (curve->count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            char (*clients)[LIMIT_KEY_Z85] = realloc (curve->clients, capacity * sizeof *clients);
            if (!clients) {
                ok = false;
                break;
            }
            curve->clients = clients;
        }
        snprintf (curve->clients[curve->count++], LIMIT_KEY_Z85, "%.40s", line);
    }
    if (file)
        fclose (file);
    if (!ok)
        fprintf (stderr, "bench_limit: cannot read the keys in %s\n", path);
    return ok ? 0 : -1;
}

/* Answer ZAP requests (RFC 27) until the context is shut: 200 with the
   key as User-Id for a CURVE client whose key is listed, 400 otherwise. */
static void *
s_zap_run (void *argument)
{
    limit_curve_t *curve = argument;
    while (true) {
        zmq_msg_t frames[8];
        size_t count = 0;
        int more = 1, error = 0;
        while (more) {
            zmq_msg_t frame;
            zmq_msg_init (&frame);
            if (zmq_msg_recv (&frame, curve->handler, 0) == -1) {
                zmq_msg_close (&frame);
                if (errno == EINTR)
                    continue;
                error = errno;
                break;
            }
            more = zmq_msg_more (&frame);
            if (count < 8) { /* no ZAP request has more */
                zmq_msg_init (&frames[count]);
                zmq_msg_move (&frames[count++], &frame);
            }
            zmq_msg_close (&frame);
        }
        if (error) {
            for (size_t i = 0; i < count; i++)
                zmq_msg_close (&frames[i]);
            break; /* ETERM: the role stops */
        }
        /* version, request id, domain, address, identity, mechanism, key */
        char key[LIMIT_KEY_Z85] = "";
        bool admitted = false;
        if (count == 7 && zmq_msg_size (&frames[5]) == 5
            && memcmp (zmq_msg_data (&frames[5]), "CURVE", 5) == 0
            && zmq_msg_size (&frames[6]) == 32
            && zmq_z85_encode (key, zmq_msg_data (&frames[6]), 32))
            for (size_t i = 0; i < curve->count && !admitted; i++)
                admitted = strcmp (curve->clients[i], key) == 0;
        const char *reply[] = {"1.0",
                               NULL,
                               admitted ? "200" : "400",
                               admitted ? "OK" : "not admitted",
                               admitted ? key : "",
                               ""};
        for (size_t i = 0; i < 6; i++) {
            int flags = i < 5 ? ZMQ_SNDMORE : 0;
            if (i == 1 && count > 1)
                zmq_send (curve->handler, zmq_msg_data (&frames[1]), zmq_msg_size (&frames[1]),
                          flags);
            else
                zmq_send (curve->handler, reply[i] ? reply[i] : "",
                          reply[i] ? strlen (reply[i]) : 0, flags);
        }
        for (size_t i = 0; i < count; i++)
            zmq_msg_close (&frames[i]);
    }
    zmq_close (curve->handler);
    return NULL;
}

int
limit_curve_start (limit_curve_t *curve, void *context)
{
    curve->handler = zmq_socket (context, ZMQ_REP);
    if (!curve->handler || zmq_bind (curve->handler, S_ZAP_ENDPOINT) != 0) {
        fprintf (stderr, "bench_limit: no ZAP handler: %s\n", zmq_strerror (errno));
        return -1;
    }
    if (pthread_create (&curve->thread, NULL, s_zap_run, curve) != 0) {
        zmq_close (curve->handler);
        return -1;
    }
    curve->running = true;
    return 0;
}

void
limit_curve_serve (const limit_curve_t *curve, void *socket)
{
    int on = 1;
    zmq_setsockopt (socket, ZMQ_CURVE_SERVER, &on, sizeof on);
    zmq_setsockopt (socket, ZMQ_CURVE_SECRETKEY, curve->secret, LIMIT_KEY_Z85);
    zmq_setsockopt (socket, ZMQ_CURVE_PUBLICKEY, curve->public, LIMIT_KEY_Z85);
    zmq_setsockopt (socket, ZMQ_ZAP_DOMAIN, "intake", 6);
}

void
limit_curve_connect_as_server (const limit_curve_t *curve, void *socket)
{
    zmq_setsockopt (socket, ZMQ_CURVE_SERVERKEY, curve->public, LIMIT_KEY_Z85);
    zmq_setsockopt (socket, ZMQ_CURVE_PUBLICKEY, curve->public, LIMIT_KEY_Z85);
    zmq_setsockopt (socket, ZMQ_CURVE_SECRETKEY, curve->secret, LIMIT_KEY_Z85);
}

void
limit_curve_stop (limit_curve_t *curve, void *context)
{
    if (curve->running) {
        zmq_ctx_shutdown (context); /* the handler's receive ends (ETERM) */
        pthread_join (curve->thread, NULL);
        curve->running = false;
    }
    free (curve->clients);
    curve->clients = NULL;
}
