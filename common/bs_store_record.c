/*  bs_store: records under u64 and string keys, a record stored as a
    reference to the event that carries it, raw bytes, counters, and the
    listings (pages of records in key order). Every LMDB code passes
    through bs_store_error (bs_store.c), so a full map met here still makes
    bs_store_write grow it.
*/
#include "bs_store.h"

#include "bs_log.h"
#include "bs_store_state.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* A record stored as a reference to the event that carries it
   (bs_store_put_event_record): this byte (msgpack's one byte never used,
   so no record begins with it), the event's sequence (8 bytes big-endian)
   and the record's size (4 bytes big-endian). */
#define S_EVENT_RECORD_TAG 0xc1
#define S_EVENT_RECORD_SIZE 13

/* Encode record and put it under key with LMDB's put flags: by cursor
   when there is one (LMDB looks on the page the cursor stands on first),
   or the one a write keeps on dbi (bs_store_kept_cursor), else into dbi.
   With MDB_NOOVERWRITE a key already there is the
   caller's BS_E_CONFLICT, not a store's failure. */
static int
s_put_record (MDB_txn *txn, MDB_dbi dbi, MDB_cursor *cursor, MDB_val *key, unsigned flags,
              const bs_schema_t *schema, const void *record)
{
    bs_store_t *self = mdb_env_get_userctx (mdb_txn_env (txn));
    msgpack_sbuffer own, *buffer = bs_store_encoded (self);
    if (!buffer) {
        msgpack_sbuffer_init (&own);
        buffer = &own;
    }
    int rc = bs_codec_encode_record (buffer, schema, record);
    if (!cursor)
        cursor = bs_store_kept_cursor (txn, dbi);
    if (rc == BS_OK) {
        MDB_val value = {.mv_size = buffer->size, .mv_data = buffer->data};
        int mdb_rc = cursor ? bs_store_cursor_put (cursor, key, &value, flags)
                            : bs_store_put (txn, dbi, key, &value, flags);
        rc = mdb_rc == MDB_KEYEXIST && (flags & MDB_NOOVERWRITE)
                 ? BS_E_CONFLICT
                 : bs_store_error (mdb_rc, "put record");
    } else
        bs_log_error ("cannot encode a %s record to store: %s", schema->type, bs_error_name (rc));
    if (buffer == &own)
        msgpack_sbuffer_destroy (&own);
    else
        bs_store_encoded_done (self);
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
    size_t size =
        (size_t) bytes[9] << 24 | (size_t) bytes[10] << 16 | (size_t) bytes[11] << 8 | bytes[12];
    static const char data_key[] = "\xa4"
                                   "data"; /* fixstr of 4, "data" */
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

/* Get the record under key and decode it: by the cursor a write keeps
   on dbi (left on the key, or where it would go), else from dbi. Stored records
   were checked when they were put, so one that does not decode means a
   damaged store. */
static int
s_get_record (MDB_txn *txn, MDB_dbi dbi, MDB_val *key, const bs_schema_t *schema, void *record)
{
    memset (record, 0, schema->record_size);
    MDB_cursor *cursor = bs_store_kept_cursor (txn, dbi);
    MDB_val value;
    int rc = bs_store_error (cursor ? mdb_cursor_get (cursor, key, &value, MDB_SET)
                                    : mdb_get (txn, dbi, key, &value),
                             "get record");
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
    return s_put_record (txn, dbi, NULL, &key_value, 0, schema, record);
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
bs_store_put_record_by_cursor (MDB_cursor *cursor, const void *key, size_t size, unsigned flags,
                               const bs_schema_t *schema, const void *record)
{
    assert (cursor && key && size && schema && record);
    MDB_val key_value = {.mv_size = size, .mv_data = (void *) key};
    return s_put_record (mdb_cursor_txn (cursor), mdb_cursor_dbi (cursor), cursor, &key_value,
                         flags, schema, record);
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
    /* By the kept cursor, as the other puts: a store's records go under
       rising keys, so the next one lands beside the last. */
    MDB_cursor *cursor = bs_store_kept_cursor (txn, dbi);
    return bs_store_error (cursor ? bs_store_cursor_put (cursor, &key_value, &value, 0)
                                  : bs_store_put (txn, dbi, &key_value, &value, 0),
                           "put an event's record");
}

int
bs_store_put_record_by_name (MDB_txn *txn, MDB_dbi dbi, const char *key, const bs_schema_t *schema,
                             const void *record)
{
    assert (txn && schema && record);
    MDB_val key_value = s_name_key (key);
    return s_put_record (txn, dbi, NULL, &key_value, 0, schema, record);
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
    MDB_cursor *cursor = bs_store_kept_cursor (txn, dbi);
    return bs_store_error (cursor ? bs_store_cursor_put (cursor, &key_value, &value, 0)
                                  : bs_store_put (txn, dbi, &key_value, &value, 0),
                           "put bytes");
}

int
bs_store_get_bytes (MDB_txn *txn, MDB_dbi dbi, const char *key, const void **bytes, size_t *size)
{
    assert (txn && bytes && size);
    MDB_val key_value = s_name_key (key);
    MDB_val value;
    MDB_cursor *cursor = bs_store_kept_cursor (txn, dbi);
    int rc = bs_store_error (cursor ? mdb_cursor_get (cursor, &key_value, &value, MDB_SET)
                                    : mdb_get (txn, dbi, &key_value, &value),
                             "get bytes");
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
    int rc = bs_store_cursor (txn, dbi, &cursor);
    if (rc != BS_OK)
        return rc;
    MDB_val key_value = s_name_key (key), stored_value;
    uint64_t stored = 0;
    rc = mdb_cursor_get (cursor, &key_value, &stored_value, MDB_SET_KEY);
    if (rc == MDB_SUCCESS && stored_value.mv_size != 8) {
        bs_log_error ("stored value %s is %zu bytes, not an 8-byte number", key,
                      stored_value.mv_size);
        bs_store_cursor_done (cursor);
        return BS_E_STORAGE;
    }
    if (rc == MDB_SUCCESS)
        stored = bs_store_key_value (stored_value.mv_data);
    unsigned char bytes[8];
    bs_store_key (stored + 1, bytes);
    MDB_val next = {.mv_size = sizeof bytes, .mv_data = bytes};
    if (rc == MDB_SUCCESS)
        rc = bs_store_cursor_put (cursor, &key_value, &next, MDB_CURRENT);
    else if (rc == MDB_NOTFOUND) {
        key_value = s_name_key (key);
        rc = bs_store_cursor_put (cursor, &key_value, &next, 0);
    }
    bs_store_cursor_done (cursor);
    rc = bs_store_error (rc, "count on");
    if (rc == BS_OK)
        *value = stored + 1;
    return rc;
}

/* The walk both listings share: records from the cursor's position (found
   is the result of positioning it) into list, those keep accepts, at most
   limit; with key_size, only those under keys of that size (other
   entries may share the database: review keeps a case's audit trail
   beside it). *last is the key of the page's last record when more
   follow, else {0, NULL}. One slot more than the page is allocated: the
   look-ahead that tells whether a next page exists lands there. */
static int
s_page_walk (MDB_cursor *cursor, int found, MDB_val *key, MDB_val *value, size_t key_size,
             const bs_schema_t *schema, uint64_t limit, bs_store_keep_fn *keep, const void *query,
             bs_list_t *list, MDB_val *last)
{
    char *items = list->items;
    MDB_val previous = {0, NULL};
    *last = previous;
    int rc = BS_OK;
    while (found == MDB_SUCCESS && rc == BS_OK) {
        if (key_size && key->mv_size != key_size) {
            found = mdb_cursor_get (cursor, key, value, MDB_NEXT);
            continue;
        }
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
    rc = s_page_walk (cursor, found, &key, &value, 8, schema, limit, keep, query, list, &last);
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
    rc = s_page_walk (cursor, found, &key, &value, 0, schema, limit, keep, query, list, &last);
    if (last.mv_data)
        *next = strndup (last.mv_data, last.mv_size);
    return rc;
}
