/*  bs_store: the event log, an append-only database "log" in the store's
    environment (key: the sequence, 8 bytes big-endian; value: the encoded
    envelope), appended in the same transaction as the change it tells.
*/
#include "bs_store.h"

#include "bs_log.h"
#include "bs_store_state.h"
#include "bs_text.h"

#include <assert.h>
#include <string.h>

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
    /* The last sequence is searched for once a run of a write, not once
       an event: after that, the write's last append says it. */
    uint64_t last;
    int rc = bs_store_kept_log_last (txn, &last) ? BS_OK : bs_eventlog_last (self, txn, &last);
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

    msgpack_sbuffer *buffer = bs_store_encoded (self);
    rc = packed ? bs_codec_encode_message_packed (buffer, schema, packed, size, id, src, at, seq)
                : bs_codec_encode_message (buffer, schema, record, id, src, at, seq);
    if (rc == BS_OK) {
        unsigned char key_bytes[8];
        bs_store_key (seq, key_bytes);
        MDB_val key = {.mv_size = sizeof key_bytes, .mv_data = key_bytes};
        MDB_val value = {.mv_size = buffer->size, .mv_data = buffer->data};
        /* The key is past the last one, so LMDB may skip the search; by
           the cursor a write keeps on the log (bs_store_kept_cursor), not
           one made and set up for each event. */
        MDB_cursor *cursor = bs_store_kept_cursor (txn, self->log_dbi);
        rc = bs_store_error (cursor ? bs_store_cursor_put (cursor, &key, &value, MDB_APPEND)
                                    : bs_store_put (txn, self->log_dbi, &key, &value, MDB_APPEND),
                             "append to the event log");
    } else
        bs_log_error ("cannot encode a %s event: %s", schema->type, bs_error_name (rc));
    bs_store_encoded_done (self);
    if (rc == BS_OK) {
        *seq_p = seq;
        bs_store_kept_log_appended (txn, seq);
    }
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
