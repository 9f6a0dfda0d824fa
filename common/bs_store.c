/*  bs_store: a service's LMDB environment, its named databases and the one
    write path; see bs_store.h for the contract.

    LMDB never grows its map by itself: a write that does not fit fails with
    MDB_MAP_FULL and leaves its transaction unusable. So the growth lives in
    bs_store_write: abort, double the map, run the caller's function again.
    mdb_env_set_mapsize is only legal while this process has no transaction
    open; bs_store_write is the single writer of its process and calls it
    between transactions. The caller must not hold a read transaction across
    bs_store_write either: growing remaps the file, and pointers into the old
    map would dangle. A thread that reads while another thread writes (the
    service loop's streams, beside its writer thread) holds the read side
    of map_lock around its read transactions (bs_store_read_lock), and so
    does bs_store_write around each of its transactions. Every remap takes
    the write side, so it waits until no other thread is inside a
    transaction: the growth, and the adoption of a map that another
    process has grown (s_adopt), which a reader meets when it begins.

    Integer keys and counters are 8 big-endian bytes, so LMDB's default
    memcmp order is numeric order and cursors walk them in sequence.
*/
#include "bs_store.h"

#include "bs_folder.h"
#include "bs_log.h"
#include "bs_text.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#define BS_STORE_MAP_SIZE_DEFAULT ((size_t) 64 << 20)
#define BS_STORE_MAP_SIZE_MAX_DEFAULT ((size_t) 64 << 30)
#define BS_STORE_SPARE_DATABASES 4 /* room for a database added by a later version */
#define BS_STORE_LOG_NAME "log"
#define BS_STORE_RESIZED_RETRIES 8 /* another process grew the map this often in a row */

/* A record stored as a reference to the event that carries it
   (bs_store_put_event_record): this byte (msgpack's one byte never used,
   so no record begins with it), the event's sequence (8 bytes big-endian)
   and the record's size (4 bytes big-endian). */
#define S_EVENT_RECORD_TAG 0xc1
#define S_EVENT_RECORD_SIZE 13

typedef struct {
    char *name;         /* as given at open, owned */
    const char *given;  /* where it was given at open (a literal, mostly) */
    MDB_dbi dbi;        /* its handle, valid until the environment closes */
} database_t;

struct bs_store {
    MDB_env *env;          /* the environment */
    char *path;            /* its directory, owned */
    database_t *databases; /* the named databases, "log" among them */
    size_t database_count; /* entries in databases */
    MDB_dbi log_dbi;       /* the event log */
    size_t map_size_max;   /* bs_store_write never grows the map past this */
    bool no_sync;          /* opened with MDB_NOSYNC: sync once at close */
    pthread_rwlock_t map_lock; /* read side: a transaction is open (see top) */
    pthread_key_t reading;     /* per thread: how often it holds map_lock's read side */
    bool has_reading;          /* reading was created */
};

/* Set by bs_store_error when a put met MDB_MAP_FULL. A write function may
   turn that code into one of its own; the transaction is unusable all the
   same, and bs_store_write must still grow the map and retry. */
static _Thread_local bool s_map_full_seen;

/* Whether the store's file system has (almost) no space left. LMDB
   reports a short write, which is how a full disk usually shows itself
   (the write takes what still fits), as EIO, not ENOSPC: with less than
   a MiB left, that EIO is taken for a full disk. */
static bool
s_disk_full (bs_store_t *self)
{
    struct statvfs space;
    return statvfs (self->path, &space) == 0
           && (uint64_t) space.f_bavail * space.f_frsize < (uint64_t) 1 << 20;
}

/* How often this thread holds the read side of map_lock (it may nest: a
   write's function may ask for the map's use): a transaction begun under
   it that must adopt a grown map lets go of it for the remap (s_adopt). */
static uintptr_t
s_read_held (bs_store_t *self)
{
    return (uintptr_t) pthread_getspecific (self->reading);
}

static void
s_read_lock (bs_store_t *self)
{
    pthread_rwlock_rdlock (&self->map_lock);
    pthread_setspecific (self->reading, (void *) (s_read_held (self) + 1));
}

static void
s_read_unlock (bs_store_t *self)
{
    assert (s_read_held (self) > 0);
    pthread_setspecific (self->reading, (void *) (s_read_held (self) - 1));
    pthread_rwlock_unlock (&self->map_lock);
}

/* Map the size another process has grown the map to. The remap moves the
   file under every transaction of the process, so it takes the write side
   of map_lock: it waits until no other thread reads or writes. What this
   thread holds of the read side it lets go of meanwhile (it has no
   transaction of this store open: it is beginning one) and takes back
   after. */
static int
s_adopt (bs_store_t *self)
{
    uintptr_t held = s_read_held (self);
    for (uintptr_t count = 0; count < held; count++)
        s_read_unlock (self);
    pthread_rwlock_wrlock (&self->map_lock);
    int rc = mdb_env_set_mapsize (self->env, 0);
    pthread_rwlock_unlock (&self->map_lock);
    for (uintptr_t count = 0; count < held; count++)
        s_read_lock (self);
    if (rc == MDB_SUCCESS)
        bs_log_info ("store %s: adopted a map of %zu MiB grown by another process", self->path,
                     bs_store_map_size (self) >> 20);
    return rc;
}

/* mdb_txn_begin, adopting a map another process has grown: LMDB refuses the
   transaction with MDB_MAP_RESIZED until this process maps the new size. */
static int
s_txn_begin (bs_store_t *self, unsigned flags, MDB_txn **txn_p)
{
    for (int attempt = 0;; attempt++) {
        int rc = mdb_txn_begin (self->env, NULL, flags, txn_p);
        if (rc != MDB_MAP_RESIZED || attempt == BS_STORE_RESIZED_RETRIES)
            return rc;
        rc = s_adopt (self);
        if (rc != MDB_SUCCESS)
            return rc;
    }
}

/* Double the map for bs_store_write's next attempt, never past the maximum. */
static int
s_grow (bs_store_t *self)
{
    size_t size = bs_store_map_size (self);
    if (size >= self->map_size_max) {
        bs_log_error ("store %s is full: the map has reached its configured maximum of %zu MiB",
                      self->path, self->map_size_max >> 20);
        return BS_E_DISK_FULL;
    }
    size_t grown = size > self->map_size_max / 2 ? self->map_size_max : size * 2;
    pthread_rwlock_wrlock (&self->map_lock);
    int rc = mdb_env_set_mapsize (self->env, grown);
    if (rc != MDB_SUCCESS) {
        int code = bs_store_error (rc, "grow the map");
        /* A failed remap leaves the environment without a map; put the old
           one back so the store stays usable for what already fits. */
        if (mdb_env_set_mapsize (self->env, size) != MDB_SUCCESS)
            bs_log_error ("store %s: cannot map it again; it must be reopened", self->path);
        pthread_rwlock_unlock (&self->map_lock);
        return code;
    }
    pthread_rwlock_unlock (&self->map_lock);
    /* Retrying at the same size would loop forever. */
    if (bs_store_map_size (self) <= size) {
        bs_log_error ("store %s: the map did not grow past %zu bytes", self->path, size);
        return BS_E_STORAGE;
    }
    bs_log_info ("store %s: map grown from %zu to %zu MiB", self->path, size >> 20,
                 bs_store_map_size (self) >> 20);
    return BS_OK;
}

/* Opening a database is a write (the first time it creates it), so it goes
   through bs_store_write and can be retried; handles opened in an aborted
   transaction are discarded by LMDB, so every attempt opens them all. */
static int
s_open_databases (MDB_txn *txn, void *argument)
{
    bs_store_t *self = (bs_store_t *) argument;
    for (size_t index = 0; index < self->database_count; index++) {
        database_t *database = &self->databases[index];
        int rc = mdb_dbi_open (txn, database->name, MDB_CREATE, &database->dbi);
        if (rc != MDB_SUCCESS)
            return bs_store_error (rc, database->name);
    }
    return BS_OK;
}

/* Copy names plus "log" into self->databases. */
static int
s_name_databases (bs_store_t *self, const char *const *names)
{
    size_t count = 0;
    while (names && names[count])
        count++;
    self->databases = calloc (count + 1, sizeof *self->databases);
    if (!self->databases)
        return ENOMEM;
    bool has_log = false;
    for (size_t index = 0; index <= count; index++) {
        const char *name = index < count ? names[index] : BS_STORE_LOG_NAME;
        if (index == count && has_log)
            break;
        if (strcmp (name, BS_STORE_LOG_NAME) == 0)
            has_log = true;
        self->databases[self->database_count].given = name;
        self->databases[self->database_count].name = strdup (name);
        if (!self->databases[self->database_count].name)
            return ENOMEM;
        self->database_count++;
    }
    return 0;
}

bs_store_t *
bs_store_new (const char *path, const char *const *names, const bs_store_options_t *options,
              bs_error_t *error)
{
    assert (path);
    size_t map_size = options && options->map_size ? options->map_size : BS_STORE_MAP_SIZE_DEFAULT;
    size_t map_size_max =
        options && options->map_size_max ? options->map_size_max : BS_STORE_MAP_SIZE_MAX_DEFAULT;
    if (map_size_max < map_size)
        map_size_max = map_size;

    int rc = bs_folder_private (path);
    if (rc != 0) {
        bs_log_error ("cannot create store directory %s: %s", path, strerror (rc));
        bs_error_set (error, BS_E_SYSTEM, "path", "cannot create %s: %s", path, strerror (rc));
        return NULL;
    }
    bs_store_t *self = calloc (1, sizeof *self);
    if (self) {
        pthread_rwlock_init (&self->map_lock, NULL);
        self->has_reading = pthread_key_create (&self->reading, NULL) == 0;
    }
    if (!self || !self->has_reading || !(self->path = strdup (path))
        || s_name_databases (self, names) != 0) {
        bs_log_error ("store %s: out of memory", path);
        bs_error_set (error, BS_E_SYSTEM, "", "out of memory opening %s", path);
        bs_store_destroy (&self);
        return NULL;
    }
    self->map_size_max = map_size_max;
    self->no_sync = options && options->no_sync;

    const char *step = "create the environment";
    rc = mdb_env_create (&self->env);
    if (rc == MDB_SUCCESS) {
        step = "set its size";
        rc = mdb_env_set_maxdbs (self->env,
                                 (MDB_dbi) (self->database_count + BS_STORE_SPARE_DATABASES));
    }
    if (rc == MDB_SUCCESS)
        rc = mdb_env_set_mapsize (self->env, map_size);
    if (rc == MDB_SUCCESS) /* a transaction finds its store: s_event_record */
        rc = mdb_env_set_userctx (self->env, self);
    if (rc == MDB_SUCCESS) {
        step = "open it";
        rc = mdb_env_open (self->env, path, self->no_sync ? MDB_NOSYNC : 0, 0600);
    }
    if (rc != MDB_SUCCESS) {
        char what[512];
        snprintf (what, sizeof what, "store %s: cannot %s", path, step);
        int code = bs_store_error (rc, what);
        bs_error_set (error, code, "path", "%s: %s", what, mdb_strerror (rc));
        self->no_sync = false; /* nothing to flush */
        bs_store_destroy (&self);
        return NULL;
    }
    /* LMDB keeps a map at least as large as the data already in the file. */
    size_t adopted = bs_store_map_size (self);
    if (adopted > map_size)
        bs_log_info ("store %s: existing data needs a map of %zu MiB, more than the %zu asked",
                     path, adopted >> 20, map_size >> 20);

    int dead = 0;
    rc = mdb_reader_check (self->env, &dead);
    if (rc != MDB_SUCCESS)
        bs_store_error (rc, "check readers");
    else
        bs_log_write (dead > 0 ? BS_LOG_WARNING : BS_LOG_DEBUG,
                      "store %s: cleared %d stale reader%s at open", path, dead,
                      dead == 1 ? "" : "s");

    rc = bs_store_write (self, s_open_databases, self);
    if (rc != BS_OK) {
        bs_error_set (error, rc, "path", "cannot open the databases of %s: %s", path,
                      bs_error_name (rc));
        bs_store_destroy (&self);
        return NULL;
    }
    self->log_dbi = bs_store_dbi (self, BS_STORE_LOG_NAME);
    return self;
}

void
bs_store_destroy (bs_store_t **self_p)
{
    assert (self_p);
    bs_store_t *self = *self_p;
    if (!self)
        return;
    if (self->env) {
        /* With MDB_NOSYNC commits are not flushed; a clean close still is. */
        if (self->no_sync)
            mdb_env_sync (self->env, 1);
        mdb_env_close (self->env);
    }
    for (size_t index = 0; index < self->database_count; index++)
        free (self->databases[index].name);
    free (self->databases);
    free (self->path);
    pthread_rwlock_destroy (&self->map_lock);
    if (self->has_reading)
        pthread_key_delete (self->reading);
    free (self);
    *self_p = NULL;
}

MDB_dbi
bs_store_dbi (bs_store_t *self, const char *name)
{
    assert (self);
    assert (name);
    /* Callers name a database by the same literal the service gave at open
       (the linker keeps one copy of equal literals): found by its address
       first, then checked by its text (the address may have been reused),
       with one strcmp instead of one for each database before it; a store
       looks names up a dozen times a report. */
    for (size_t index = 0; index < self->database_count; index++)
        if (self->databases[index].given == name && strcmp (self->databases[index].name, name) == 0)
            return self->databases[index].dbi;
    for (size_t index = 0; index < self->database_count; index++)
        if (strcmp (self->databases[index].name, name) == 0)
            return self->databases[index].dbi;
    assert (!"bs_store_dbi: database not named at open");
    return 0;
}

int
bs_store_write (bs_store_t *self, bs_store_write_fn *fn, void *argument)
{
    assert (self);
    assert (fn);
    while (true) {
        MDB_txn *txn;
        s_read_lock (self); /* no other thread remaps while the transaction runs */
        int rc = s_txn_begin (self, 0, &txn);
        if (rc != MDB_SUCCESS) {
            s_read_unlock (self);
            return bs_store_error (rc, "begin a write transaction");
        }
        s_map_full_seen = false;
        rc = fn (txn, argument);
        bool map_full = rc == BS_E_MAP_FULL || rc == MDB_MAP_FULL || s_map_full_seen;
        if (rc == BS_OK && !map_full) {
            rc = mdb_txn_commit (txn); /* frees txn, also on failure */
            s_read_unlock (self);
            if (rc == MDB_SUCCESS)
                return BS_OK;
            if (rc == EIO && s_disk_full (self))
                rc = ENOSPC;
            if (rc != MDB_MAP_FULL)
                return bs_store_error (rc, "commit");
            map_full = true;
        } else {
            mdb_txn_abort (txn);
            s_read_unlock (self);
        }
        if (!map_full)
            return rc;
        rc = s_grow (self);
        if (rc != BS_OK)
            return rc;
    }
}

int
bs_store_read_begin (bs_store_t *self, MDB_txn **txn_p)
{
    assert (self);
    assert (txn_p);
    int rc = s_txn_begin (self, MDB_RDONLY, txn_p);
    if (rc != MDB_SUCCESS) {
        *txn_p = NULL;
        return bs_store_error (rc, "begin a read transaction");
    }
    return BS_OK;
}

void
bs_store_read_lock (bs_store_t *self)
{
    assert (self);
    s_read_lock (self);
}

void
bs_store_read_unlock (bs_store_t *self)
{
    assert (self);
    s_read_unlock (self);
}

int
bs_store_check_readers (bs_store_t *self)
{
    assert (self);
    int dead = 0;
    int rc = mdb_reader_check (self->env, &dead);
    if (rc != MDB_SUCCESS) {
        bs_store_error (rc, "check readers");
        return 0;
    }
    if (dead > 0)
        bs_log_warning ("store %s: cleared %d stale reader%s left by dead processes", self->path,
                        dead, dead == 1 ? "" : "s");
    return dead;
}

int
bs_store_backup (bs_store_t *self, const char *path)
{
    assert (self);
    assert (path);
    int rc = bs_folder_private (path);
    if (rc != 0) {
        bs_log_error ("cannot create backup directory %s: %s", path, strerror (rc));
        return BS_E_SYSTEM;
    }
    rc = mdb_env_copy2 (self->env, path, MDB_CP_COMPACT);
    if (rc != MDB_SUCCESS) {
        char what[512];
        snprintf (what, sizeof what, "back up %s into %s", self->path, path);
        return bs_store_error (rc, what);
    }
    bs_log_info ("store %s: backed up into %s", self->path, path);
    return BS_OK;
}

size_t
bs_store_map_size (bs_store_t *self)
{
    assert (self);
    MDB_envinfo info;
    mdb_env_info (self->env, &info);
    return info.me_mapsize;
}

void
bs_store_map_use (bs_store_t *self, uint64_t *size, uint64_t *used)
{
    assert (self);
    MDB_envinfo info;
    MDB_stat stat;
    bs_store_read_lock (self);
    mdb_env_info (self->env, &info);
    mdb_env_stat (self->env, &stat);
    bs_store_read_unlock (self);
    *size = info.me_mapsize;
    *used = (info.me_last_pgno + 1) * (uint64_t) stat.ms_psize;
}

void
bs_store_key (uint64_t value, unsigned char key[8])
{
    for (int index = 7; index >= 0; index--) {
        key[index] = (unsigned char) (value & 0xff);
        value >>= 8;
    }
}

uint64_t
bs_store_key_value (const void *key)
{
    const unsigned char *bytes = (const unsigned char *) key;
    uint64_t value = 0;
    for (int index = 0; index < 8; index++)
        value = (value << 8) | bytes[index];
    return value;
}

/* Encode record and put it under key. */
static int
s_put_record (MDB_txn *txn, MDB_dbi dbi, MDB_val *key, const bs_schema_t *schema,
              const void *record)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    int rc = bs_codec_encode_record (&buffer, schema, record);
    if (rc == BS_OK) {
        MDB_val value = {.mv_size = buffer.size, .mv_data = buffer.data};
        rc = bs_store_error (mdb_put (txn, dbi, key, &value, 0), "put record");
    } else
        bs_log_error ("cannot encode a %s record to store: %s", schema->type, bs_error_name (rc));
    msgpack_sbuffer_destroy (&buffer);
    return rc;
}

/* When value is a reference to an event's record (S_EVENT_RECORD_TAG),
   make it the record: the last bytes of the event's envelope, whose last
   key is "data" (bs_codec_encode_message_packed), in the map for as long
   as txn. Any other value is left as it is. BS_E_STORAGE when the event
   is missing or does not end with a record of that size. */
static int
s_event_record (MDB_txn *txn, MDB_val *value)
{
    const unsigned char *bytes = value->mv_data;
    if (value->mv_size != S_EVENT_RECORD_SIZE || bytes[0] != S_EVENT_RECORD_TAG)
        return BS_OK;
    bs_store_t *self = mdb_env_get_userctx (mdb_txn_env (txn));
    uint64_t seq = bs_store_key_value (bytes + 1);
    size_t size = (size_t) bytes[9] << 24 | (size_t) bytes[10] << 16 | (size_t) bytes[11] << 8
                  | bytes[12];
    static const char data_key[] = "\xa4" "data"; /* fixstr of 4, "data" */
    size_t key_size = sizeof data_key - 1;
    MDB_val key = {8, (void *) (bytes + 1)}, event = {0, NULL};
    int rc = self ? mdb_get (txn, self->log_dbi, &key, &event) : MDB_NOTFOUND;
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        return bs_store_error (rc, "read a stored record's event");
    const char *end = (const char *) event.mv_data + event.mv_size;
    if (rc == MDB_NOTFOUND || event.mv_size < size + key_size
        || memcmp (end - size - key_size, data_key, key_size) != 0) {
        bs_log_error ("a stored record's event %" PRIu64 " is %s", seq,
                      rc == MDB_NOTFOUND ? "missing" : "not one of its size");
        return BS_E_STORAGE;
    }
    value->mv_data = (void *) (end - size);
    value->mv_size = size;
    return BS_OK;
}

/* Get the record under key and decode it. Stored records were checked when
   they were put, so one that does not decode means a damaged store. */
static int
s_get_record (MDB_txn *txn, MDB_dbi dbi, MDB_val *key, const bs_schema_t *schema, void *record)
{
    memset (record, 0, schema->record_size);
    MDB_val value;
    int rc = bs_store_error (mdb_get (txn, dbi, key, &value), "get record");
    if (rc == BS_OK)
        rc = s_event_record (txn, &value);
    if (rc != BS_OK)
        return rc;
    bs_error_t error;
    bs_error_clear (&error);
    rc = bs_codec_decode_record (value.mv_data, value.mv_size, schema, &bs_codec_default_limits,
                                 record, &error);
    if (rc != BS_OK)
        bs_log_error ("stored %s record does not decode: %s%s%s", schema->type, error.field,
                      error.field[0] ? ": " : "", error.text);
    return rc;
}

static MDB_val
s_name_key (const char *key)
{
    assert (key && key[0]); /* LMDB refuses empty keys */
    MDB_val value = {.mv_size = strlen (key), .mv_data = (void *) key};
    return value;
}

int
bs_store_put_record (MDB_txn *txn, MDB_dbi dbi, uint64_t key, const bs_schema_t *schema,
                     const void *record)
{
    assert (txn && schema && record);
    unsigned char bytes[8];
    bs_store_key (key, bytes);
    MDB_val key_value = {.mv_size = sizeof bytes, .mv_data = bytes};
    return s_put_record (txn, dbi, &key_value, schema, record);
}

int
bs_store_get_record (MDB_txn *txn, MDB_dbi dbi, uint64_t key, const bs_schema_t *schema,
                     void *record)
{
    assert (txn && schema && record);
    unsigned char bytes[8];
    bs_store_key (key, bytes);
    MDB_val key_value = {.mv_size = sizeof bytes, .mv_data = bytes};
    return s_get_record (txn, dbi, &key_value, schema, record);
}

int
bs_store_put_event_record (MDB_txn *txn, MDB_dbi dbi, uint64_t key, uint64_t seq, size_t size)
{
    assert (txn && seq && size <= UINT32_MAX);
    unsigned char bytes[8], reference[S_EVENT_RECORD_SIZE] = {S_EVENT_RECORD_TAG};
    bs_store_key (key, bytes);
    bs_store_key (seq, reference + 1);
    for (int i = 0; i < 4; i++)
        reference[9 + i] = (unsigned char) (size >> (24 - 8 * i));
    MDB_val key_value = {sizeof bytes, bytes}, value = {sizeof reference, reference};
    return bs_store_error (mdb_put (txn, dbi, &key_value, &value, 0), "put an event's record");
}

int
bs_store_put_record_by_name (MDB_txn *txn, MDB_dbi dbi, const char *key, const bs_schema_t *schema,
                             const void *record)
{
    assert (txn && schema && record);
    MDB_val key_value = s_name_key (key);
    return s_put_record (txn, dbi, &key_value, schema, record);
}

int
bs_store_get_record_by_name (MDB_txn *txn, MDB_dbi dbi, const char *key, const bs_schema_t *schema,
                             void *record)
{
    assert (txn && schema && record);
    MDB_val key_value = s_name_key (key);
    return s_get_record (txn, dbi, &key_value, schema, record);
}

int
bs_store_put_bytes (MDB_txn *txn, MDB_dbi dbi, const char *key, const void *bytes, size_t size)
{
    assert (txn && (bytes || size == 0));
    MDB_val key_value = s_name_key (key);
    MDB_val value = {.mv_size = size, .mv_data = (void *) bytes};
    return bs_store_error (mdb_put (txn, dbi, &key_value, &value, 0), "put bytes");
}

int
bs_store_get_bytes (MDB_txn *txn, MDB_dbi dbi, const char *key, const void **bytes, size_t *size)
{
    assert (txn && bytes && size);
    MDB_val key_value = s_name_key (key);
    MDB_val value;
    int rc = bs_store_error (mdb_get (txn, dbi, &key_value, &value), "get bytes");
    *bytes = rc == BS_OK ? value.mv_data : NULL;
    *size = rc == BS_OK ? value.mv_size : 0;
    return rc;
}

int
bs_store_get_u64 (MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *value)
{
    assert (value);
    *value = 0;
    const void *bytes;
    size_t size;
    int rc = bs_store_get_bytes (txn, dbi, key, &bytes, &size);
    if (rc == BS_E_NOT_FOUND)
        return BS_OK;
    if (rc != BS_OK)
        return rc;
    if (size != 8) {
        bs_log_error ("stored value %s is %zu bytes, not an 8-byte number", key, size);
        return BS_E_STORAGE;
    }
    *value = bs_store_key_value (bytes);
    return BS_OK;
}

int
bs_store_put_u64 (MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t value)
{
    unsigned char bytes[8];
    bs_store_key (value, bytes);
    return bs_store_put_bytes (txn, dbi, key, bytes, sizeof bytes);
}

int
bs_store_next_counter (MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *value)
{
    assert (value);
    *value = 0;
    /* Found and written again at the cursor's place: one search of the
       tree, where a get and a put made two (two counters a report). */
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, dbi, &cursor);
    if (rc != MDB_SUCCESS)
        return bs_store_error (rc, "open a counter");
    MDB_val key_value = s_name_key (key), stored_value;
    uint64_t stored = 0;
    rc = mdb_cursor_get (cursor, &key_value, &stored_value, MDB_SET_KEY);
    if (rc == MDB_SUCCESS && stored_value.mv_size != 8) {
        bs_log_error ("stored value %s is %zu bytes, not an 8-byte number", key,
                      stored_value.mv_size);
        mdb_cursor_close (cursor);
        return BS_E_STORAGE;
    }
    if (rc == MDB_SUCCESS)
        stored = bs_store_key_value (stored_value.mv_data);
    unsigned char bytes[8];
    bs_store_key (stored + 1, bytes);
    MDB_val next = {.mv_size = sizeof bytes, .mv_data = bytes};
    if (rc == MDB_SUCCESS)
        rc = mdb_cursor_put (cursor, &key_value, &next, MDB_CURRENT);
    else if (rc == MDB_NOTFOUND) {
        key_value = s_name_key (key);
        rc = mdb_cursor_put (cursor, &key_value, &next, 0);
    }
    mdb_cursor_close (cursor);
    rc = bs_store_error (rc, "count on");
    if (rc == BS_OK)
        *value = stored + 1;
    return rc;
}

int
bs_store_error (int mdb_code, const char *what)
{
    switch (mdb_code) {
    case MDB_SUCCESS:
        return BS_OK;
    case MDB_NOTFOUND:
        return BS_E_NOT_FOUND;
    case MDB_MAP_FULL:
        s_map_full_seen = true;
        return BS_E_MAP_FULL;
    case ENOSPC:
    case EDQUOT:
        bs_log_error ("%s: the disk is full (%s)", what, mdb_strerror (mdb_code));
        return BS_E_DISK_FULL;
    default:
        bs_log_error ("%s: %s", what, mdb_strerror (mdb_code));
        return BS_E_STORAGE;
    }
}

/* The walk both listings share: records from the cursor's position (found
   is the result of positioning it) into list, those keep accepts, at most
   limit. *last is the key of the page's last record when more follow,
   else {0, NULL}. One slot more than the page is allocated: the
   look-ahead that tells whether a next page exists lands there. */
static int
s_page_walk (MDB_cursor *cursor, int found, MDB_val *key, MDB_val *value, const bs_schema_t *schema,
             uint64_t limit, bs_store_keep_fn *keep, const void *query, bs_list_t *list,
             MDB_val *last)
{
    char *items = list->items;
    MDB_val previous = {0, NULL};
    *last = previous;
    int rc = BS_OK;
    while (found == MDB_SUCCESS && rc == BS_OK) {
        void *record = items + list->count * schema->record_size;
        rc = s_event_record (mdb_cursor_txn (cursor), value);
        if (rc == BS_OK)
            rc = bs_codec_decode_record (value->mv_data, value->mv_size, schema,
                                         &bs_codec_default_limits, record, NULL);
        if (rc == BS_OK && (!keep || keep (record, query))) {
            if (list->count == limit) {
                bs_codec_record_free (schema, record);
                *last = previous; //  one more exists: the page has a next
                break;
            }
            list->count++;
            previous = *key;
        } else if (rc == BS_OK)
            bs_codec_record_free (schema, record);
        found = mdb_cursor_get (cursor, key, value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    return rc == BS_OK ? BS_OK : BS_E_STORAGE;
}

static int
s_page_open (MDB_txn *txn, MDB_dbi dbi, const bs_schema_t *schema, uint64_t limit, bs_list_t *list,
             MDB_cursor **cursor)
{
    list->items = calloc (limit + 1, schema->record_size);
    list->count = 0;
    if (!list->items)
        return BS_E_SYSTEM;
    int rc = mdb_cursor_open (txn, dbi, cursor);
    return rc == MDB_SUCCESS ? BS_OK : bs_store_error (rc, "open a listing");
}

int
bs_store_page (MDB_txn *txn, MDB_dbi dbi, const bs_schema_t *schema, uint64_t after, uint64_t limit,
               bs_store_keep_fn *keep, const void *query, bs_list_t *list, uint64_t *next)
{
    *next = 0;
    MDB_cursor *cursor;
    int rc = s_page_open (txn, dbi, schema, limit, list, &cursor);
    if (rc != BS_OK)
        return rc;
    unsigned char start[8];
    bs_store_key (after + 1, start);
    MDB_val key = {8, start}, value, last;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    rc = s_page_walk (cursor, found, &key, &value, schema, limit, keep, query, list, &last);
    if (last.mv_data)
        *next = bs_store_key_value (last.mv_data);
    return rc;
}

int
bs_store_page_by_name (MDB_txn *txn, MDB_dbi dbi, const bs_schema_t *schema, const char *after,
                       uint64_t limit, bs_store_keep_fn *keep, const void *query, bs_list_t *list,
                       char **next)
{
    *next = NULL;
    MDB_cursor *cursor;
    int rc = s_page_open (txn, dbi, schema, limit, list, &cursor);
    if (rc != BS_OK)
        return rc;
    size_t after_size = after ? strlen (after) : 0;
    MDB_val key = {after_size, (void *) after}, value, last;
    int found = after_size ? mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE)
                           : mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    if (found == MDB_SUCCESS && after_size && key.mv_size == after_size
        && memcmp (key.mv_data, after, after_size) == 0)
        found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT); /* strictly after */
    rc = s_page_walk (cursor, found, &key, &value, schema, limit, keep, query, list, &last);
    if (last.mv_data)
        *next = strndup (last.mv_data, last.mv_size);
    return rc;
}

/* The sequence at one end of the log (op: MDB_FIRST or MDB_LAST). */
static int
s_eventlog_end (bs_store_t *self, MDB_txn *txn, MDB_cursor_op op, uint64_t *seq_p)
{
    assert (self && txn && seq_p);
    *seq_p = 0;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->log_dbi, &cursor);
    if (rc != MDB_SUCCESS)
        return bs_store_error (rc, "open the event log");
    MDB_val key, value;
    rc = mdb_cursor_get (cursor, &key, &value, op);
    mdb_cursor_close (cursor);
    if (rc == MDB_NOTFOUND)
        return BS_OK;
    if (rc != MDB_SUCCESS)
        return bs_store_error (rc, "read the end of the event log");
    if (key.mv_size != 8) {
        bs_log_error ("store %s: event log key of %zu bytes", self->path, key.mv_size);
        return BS_E_STORAGE;
    }
    *seq_p = bs_store_key_value (key.mv_data);
    return BS_OK;
}

int
bs_eventlog_last (bs_store_t *self, MDB_txn *txn, uint64_t *seq_p)
{
    return s_eventlog_end (self, txn, MDB_LAST, seq_p);
}

int
bs_eventlog_first (bs_store_t *self, MDB_txn *txn, uint64_t *seq_p)
{
    return s_eventlog_end (self, txn, MDB_FIRST, seq_p);
}

/* bs_eventlog_append's, with record or, when packed is not NULL, the
   record already encoded. */
static int
s_eventlog_append (bs_store_t *self, MDB_txn *txn, const bs_schema_t *schema, const void *record,
                   const void *packed, size_t size, const char *src, uint64_t at, uint64_t *seq_p)
{
    assert (self && txn && schema && (record || packed) && seq_p);
    *seq_p = 0;
    uint64_t last;
    int rc = bs_eventlog_last (self, txn, &last);
    if (rc != BS_OK)
        return rc;
    uint64_t seq = last + 1;
    /* "%s:%llu" of src and seq, cut short to fit, without printf (an
       event a report) */
    char id[BS_ID_MAX], number[20];
    char *out = id, *end = id + sizeof id - 1;
    for (const char *from = src ? src : ""; *from && out < end;)
        *out++ = *from++;
    if (out < end)
        *out++ = ':';
    size_t digits = (size_t) (bs_text_decimal (number, seq, 0) - number);
    if (digits > (size_t) (end - out))
        digits = (size_t) (end - out);
    memcpy (out, number, digits);
    out[digits] = 0;

    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    rc = packed ? bs_codec_encode_message_packed (&buffer, schema, packed, size, id, src, at, seq)
                : bs_codec_encode_message (&buffer, schema, record, id, src, at, seq);
    if (rc == BS_OK) {
        unsigned char key_bytes[8];
        bs_store_key (seq, key_bytes);
        MDB_val key = {.mv_size = sizeof key_bytes, .mv_data = key_bytes};
        MDB_val value = {.mv_size = buffer.size, .mv_data = buffer.data};
        /* The key is past the last one, so LMDB may skip the search. */
        rc = bs_store_error (mdb_put (txn, self->log_dbi, &key, &value, MDB_APPEND),
                             "append to the event log");
    } else
        bs_log_error ("cannot encode a %s event: %s", schema->type, bs_error_name (rc));
    msgpack_sbuffer_destroy (&buffer);
    if (rc == BS_OK)
        *seq_p = seq;
    return rc;
}

int
bs_eventlog_append (bs_store_t *self, MDB_txn *txn, const bs_schema_t *schema, const void *record,
                    const char *src, uint64_t at, uint64_t *seq_p)
{
    assert (record);
    return s_eventlog_append (self, txn, schema, record, NULL, 0, src, at, seq_p);
}

int
bs_eventlog_append_packed (bs_store_t *self, MDB_txn *txn, const bs_schema_t *schema,
                           const void *packed, size_t size, const char *src, uint64_t at,
                           uint64_t *seq_p)
{
    assert (packed);
    return s_eventlog_append (self, txn, schema, NULL, packed, size, src, at, seq_p);
}
