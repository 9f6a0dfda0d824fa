/*  pending: the adopted reports waiting for an issue; see pending.h. */
#include "pending.h"

#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_principal.h"
#include "bs_schemas.h"
#include "bs_store.h"
#include "issue_store.h"

/* What the page is chosen by; the view leaves the rest unread. */
static const char *const s_unread[] = {"reg_no",       "title",      "body",
                                       "source_units", "adopted_at", NULL};

#define S_VIEW_FIELDS 16
static bs_field_t s_view_fields[S_VIEW_FIELDS];
static bs_schema_t s_view;

/* The page's bytes, kept from request to request below this size. */
#define S_PAGE_KEPT_MAX (1u << 20)
static msgpack_sbuffer s_page;

int
pending_prepare (void)
{
    return bs_schema_view (&bs_pending_item_schema, s_unread, s_view_fields, S_VIEW_FIELDS, &s_view)
                   == BS_OK
               ? BS_OK
               : BS_E_SYSTEM;
}

/* What the page is chosen by, of the stored items met lately, each with
   the bytes it was read from: an entry of `waiting` whose bytes are the
   same is chosen as its view was, without decoding it again. The bytes
   are the whole stored item, compared at each visit, so what is kept is
   never another item than the store holds (an item put again under its
   report id, say adopted anew into another periodical, differs, and is
   decoded again); a restart keeps nothing. At most S_KEPT, one a place
   by report id (the waiting list is a run of recent ids), each of at most
   S_KEPT_BYTES (a longer one is decoded at each visit). */
#define S_KEPT 4096 /* a power of two */
#define S_KEPT_BYTES 4096

typedef struct {
    uint64_t report_id; /* 0: none */
    uint64_t issue_id;
    size_t size; /* of bytes */
    char *bytes; /* the stored item, then its unit and periodical, NUL-terminated */
    const char *unit, *periodical;
} s_kept_t;

static s_kept_t *s_kept;

/* Who reads, and what. */
typedef struct {
    const bs_pending_request_t *query;
    const bs_principal_t *reader;
    bool every; /* the reader sees every unit's */
} s_reading_t;

/* Whether an item (its report's issue, unit and periodical) belongs in
   the reader's page. */
static bool
s_keep (const s_reading_t *reading, uint64_t issue_id, const char *unit, const char *periodical)
{
    const char *wanted = reading->query->periodical;
    return issue_id == 0 && (!wanted || !*wanted || strcmp (wanted, periodical) == 0)
           && (reading->every
               || bs_principal_sees (reading->reader, unit, PUBLICATION_READS_EVERY_UNIT));
}

/* Whether the stored item value (under report_id) belongs in the page:
   from what is kept of it, or from its view, then kept. */
static int
s_chosen (const s_reading_t *reading, uint64_t report_id, const MDB_val *value, bool *chosen)
{
    if (!s_kept && !(s_kept = calloc (S_KEPT, sizeof *s_kept)))
        return BS_E_SYSTEM;
    s_kept_t *kept = &s_kept[report_id & (S_KEPT - 1)];
    if (kept->report_id == report_id && kept->size == value->mv_size
        && memcmp (kept->bytes, value->mv_data, value->mv_size) == 0) {
        *chosen = s_keep (reading, kept->issue_id, kept->unit, kept->periodical);
        return BS_OK;
    }
    bs_pending_item_t item;
    if (bs_codec_decode_record (value->mv_data, value->mv_size, &s_view, &bs_codec_default_limits,
                                &item, NULL)
        != BS_OK)
        return BS_E_STORAGE;
    *chosen = s_keep (reading, item.issue_id, item.unit, item.periodical);
    free (kept->bytes);
    *kept = (s_kept_t){0};
    size_t unit = strlen (item.unit) + 1, periodical = strlen (item.periodical) + 1;
    char *bytes =
        value->mv_size <= S_KEPT_BYTES ? malloc (value->mv_size + unit + periodical) : NULL;
    if (bytes) {
        memcpy (bytes, value->mv_data, value->mv_size);
        memcpy (bytes + value->mv_size, item.unit, unit);
        memcpy (bytes + value->mv_size + unit, item.periodical, periodical);
        *kept = (s_kept_t){.report_id = report_id,
                           .issue_id = item.issue_id,
                           .size = value->mv_size,
                           .bytes = bytes,
                           .unit = bytes + value->mv_size,
                           .periodical = bytes + value->mv_size + unit};
    }
    bs_codec_record_free (&s_view, &item);
    return BS_OK;
}

/* The entries of `waiting` after query->after that the reader's page
   holds, at most limit, into items (room for limit); *next is the last
   one's report id when another follows, else 0. The values point into
   the map: they stay as they are while the handler's transaction writes
   nothing. */
static int
s_choose (bs_request_t *request, const bs_pending_request_t *query, uint64_t limit, MDB_val *items,
          size_t *count, uint64_t *next)
{
    *count = 0;
    *next = 0;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (request->txn, bs_service_dbi (request->service, "waiting"), &cursor);
    if (rc != MDB_SUCCESS)
        return bs_store_error (rc, "open the waiting list");
    s_reading_t reading = {
        query, &request->principal,
        bs_principal_allowed (&request->principal, PUBLICATION_READS_EVERY_UNIT)};
    unsigned char start[8];
    bs_store_key (query->after + 1, start);
    MDB_val key = {8, start}, value;
    uint64_t previous = 0;
    rc = BS_OK;
    for (int found = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
         found == MDB_SUCCESS && rc == BS_OK;
         found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        if (key.mv_size != 8)
            continue;
        uint64_t report_id = bs_store_key_value (key.mv_data);
        bool kept;
        rc = s_chosen (&reading, report_id, &value, &kept);
        if (rc != BS_OK)
            break;
        if (kept && *count == limit) {
            *next = previous; /* one more exists: the page has a next */
            break;
        }
        if (kept) {
            items[(*count)++] = value;
            previous = report_id;
        }
    }
    mdb_cursor_close (cursor);
    return rc;
}

/* The page record (bs_pending_page) from the chosen items' bytes, as
   bs_codec_encode_record writes it: items, then next when not 0. */
static int
s_page_pack (const MDB_val *items, size_t count, uint64_t next)
{
    s_page.size = 0;
    msgpack_packer packer;
    msgpack_packer_init (&packer, &s_page, msgpack_sbuffer_write);
    int failed = msgpack_pack_map (&packer, next ? 2 : 1) || msgpack_pack_str (&packer, 5)
                 || msgpack_pack_str_body (&packer, "items", 5)
                 || msgpack_pack_array (&packer, count);
    for (size_t i = 0; !failed && i < count; i++)
        failed = msgpack_sbuffer_write (&s_page, items[i].mv_data, items[i].mv_size);
    if (!failed && next)
        failed = msgpack_pack_str (&packer, 4) || msgpack_pack_str_body (&packer, "next", 4)
                 || msgpack_pack_uint64 (&packer, next);
    return failed ? BS_E_SYSTEM : BS_OK;
}

int
pending_list (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_pending_request_t *query = request->message->data;
    uint64_t limit = query->limit ? query->limit : 100;
    MDB_val *items = malloc ((size_t) limit * sizeof *items);
    if (!items)
        return BS_E_SYSTEM;
    size_t count;
    uint64_t next;
    int rc = s_choose (request, query, limit, items, &count, &next);
    if (rc == BS_OK)
        rc = s_page_pack (items, count, next);
    free (items);
    if (rc == BS_OK)
        rc = bs_request_reply_packed (request, &bs_pending_page_schema, s_page.data, s_page.size);
    if (s_page.alloc > S_PAGE_KEPT_MAX) {
        msgpack_sbuffer_destroy (&s_page);
        msgpack_sbuffer_init (&s_page);
    }
    return rc;
}
