/*  archive_index: adding published items to the archive; see archive.h. */
#include "archive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_postings.h"
#include "archive_text.h"
#include "bs_log.h"
#include "bs_store.h"

/* One occurrence of a term in the doc being collected, or, once an
   issue's items are collected and summed, one posting: the term's weight
   in doc. */
typedef struct {
    char term[ARCHIVE_TERM_MAX + 1];
    uint32_t doc;
    uint32_t weight;
} s_term_t;

typedef struct {
    s_term_t *items;
    size_t count, capacity;
} s_terms_t;

static int
s_terms_push (s_terms_t *terms, const char *term, uint32_t doc, uint32_t weight)
{
    if (terms->count == terms->capacity) {
        size_t capacity = terms->capacity ? terms->capacity * 2 : 256;
        s_term_t *items = realloc (terms->items, capacity * sizeof *items);
        if (!items)
            return BS_E_SYSTEM;
        terms->items = items;
        terms->capacity = capacity;
    }
    s_term_t *slot = &terms->items[terms->count++];
    snprintf (slot->term, sizeof slot->term, "%s", term);
    slot->doc = doc;
    slot->weight = weight;
    return BS_OK;
}

/* Every term of text, each occurrence in doc with weight. */
static int
s_collect (const char *text, uint32_t doc, uint32_t weight, s_terms_t *terms)
{
    if (!text || !*text)
        return BS_OK;
    archive_text_t decoded;
    if (archive_text_decode (text, strlen (text), &decoded) != 0)
        return BS_E_SYSTEM;
    int rc = BS_OK;
    size_t at = 0;
    archive_run_t run;
    char term[ARCHIVE_TERM_MAX + 1];
    while (rc == BS_OK && archive_text_next_run (&decoded, &at, &run)) {
        if (!run.han) {
            if (archive_text_term (&decoded, run.first, run.end, term))
                rc = s_terms_push (terms, term, doc, weight);
            continue;
        }
        for (size_t i = run.first; rc == BS_OK && i + 1 < run.end; i++)
            if (archive_text_term (&decoded, i, i + 2, term))
                rc = s_terms_push (terms, term, doc, weight);
        if (rc == BS_OK && archive_text_term (&decoded, run.end - 1, run.end, term))
            rc = s_terms_push (terms, term, doc, weight);
    }
    archive_text_release (&decoded);
    return rc;
}

/* By term, then by doc. */
static int
s_term_order (const void *a, const void *b)
{
    const s_term_t *left = a, *right = b;
    int order = strcmp (left->term, right->term);
    if (order)
        return order;
    return left->doc < right->doc ? -1 : left->doc > right->doc;
}

/* A term's chunk being appended to: its key, its bytes, how many
   postings it holds and the last one's doc. */
typedef struct {
    unsigned char key[ARCHIVE_TERM_MAX + 5];
    size_t key_size;
    unsigned char bytes[ARCHIVE_CHUNK_POSTINGS * ARCHIVE_POSTING_BYTES_MAX];
    size_t used, count;
    uint32_t previous;
} s_chunk_t;

/* Start chunk anew for term, its first posting doc's. */
static void
s_chunk_start (s_chunk_t *chunk, const char *term, size_t length, uint32_t doc)
{
    memcpy (chunk->key, term, length + 1);
    archive_key_doc_put (doc, chunk->key + length + 1);
    chunk->key_size = length + 5;
    chunk->used = 0;
    chunk->count = 0;
    chunk->previous = doc;
}

/* The chunk a term's first new posting (for doc) goes into: the term's
   last chunk when it has room and ends before doc, else a new one. */
static int
s_chunk_open (MDB_txn *txn, MDB_dbi terms, const char *term, uint32_t doc, s_chunk_t *chunk)
{
    size_t length = strlen (term);
    unsigned char key_bytes[ARCHIVE_TERM_MAX + 5];
    memcpy (key_bytes, term, length + 1);
    memset (key_bytes + length + 1, 0xFF, 4);
    MDB_val key = {length + 5, key_bytes}, value;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, terms, &cursor);
    if (rc)
        return bs_store_error (rc, "open the archive's terms");
    rc = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    rc = rc == 0 ? mdb_cursor_get (cursor, &key, &value, MDB_PREV)
                 : mdb_cursor_get (cursor, &key, &value, MDB_LAST);
    archive_posting_t postings[ARCHIVE_CHUNK_POSTINGS];
    bool same_term = rc == 0 && key.mv_size == length + 5
                     && memcmp (key.mv_data, term, length + 1) == 0
                     && value.mv_size <= sizeof chunk->bytes;
    long count = 0;
    if (same_term) {
        const unsigned char *first = (const unsigned char *) key.mv_data + length + 1;
        count = archive_postings_read (value.mv_data, value.mv_size, archive_key_doc (first),
                                       postings, ARCHIVE_CHUNK_POSTINGS);
        if (count < 0) {
            mdb_cursor_close (cursor);
            bs_log_error ("the archive's postings of a term are damaged: rebuild the archive");
            return BS_E_STORAGE;
        }
    }
    if (same_term && count > 0 && count < ARCHIVE_CHUNK_POSTINGS && postings[count - 1].doc < doc) {
        memcpy (chunk->key, key.mv_data, key.mv_size);
        chunk->key_size = key.mv_size;
        memcpy (chunk->bytes, value.mv_data, value.mv_size);
        chunk->used = value.mv_size;
        chunk->count = (size_t) count;
        chunk->previous = postings[count - 1].doc;
    } else
        s_chunk_start (chunk, term, length, doc);
    mdb_cursor_close (cursor);
    return BS_OK;
}

static int
s_chunk_put (MDB_txn *txn, MDB_dbi terms, s_chunk_t *chunk)
{
    MDB_val key = {chunk->key_size, chunk->key}, value = {chunk->used, chunk->bytes};
    int rc = mdb_put (txn, terms, &key, &value, 0);
    return rc ? bs_store_error (rc, "index an archived item") : BS_OK;
}

/* Append one term's postings (postings[0..count), docs in growing order,
   each above every doc the archive had) to its chunks: the last chunk
   read and written once for all of them, a new chunk started whenever
   one is full. The chunks are those that adding the docs one at a time
   would make. */
static int
s_post (MDB_txn *txn, MDB_dbi terms, const s_term_t *postings, size_t count)
{
    const char *term = postings[0].term;
    s_chunk_t chunk;
    int rc = s_chunk_open (txn, terms, term, postings[0].doc, &chunk);
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        if (chunk.count == ARCHIVE_CHUNK_POSTINGS) {
            rc = s_chunk_put (txn, terms, &chunk);
            s_chunk_start (&chunk, term, strlen (term), postings[i].doc);
            if (rc != BS_OK)
                break;
        }
        chunk.used += archive_posting_write (chunk.bytes + chunk.used, chunk.previous,
                                             postings[i].doc, postings[i].weight);
        chunk.previous = postings[i].doc;
        chunk.count++;
    }
    return rc == BS_OK ? s_chunk_put (txn, terms, &chunk) : rc;
}

/* The terms of entries (doc ids growing, each above every doc the archive
   had), summed per term and doc, into the index: each term's postings of
   all the entries appended at once. */
static int
s_index (MDB_txn *txn, const archive_t *archive, const bs_archive_entry_t *entries, size_t count)
{
    s_terms_t terms = {0};
    int rc = BS_OK;
    for (size_t e = 0; rc == BS_OK && e < count; e++) {
        uint32_t doc = (uint32_t) entries[e].doc_id;
        rc = s_collect (entries[e].title, doc, ARCHIVE_TITLE_WEIGHT, &terms);
        if (rc == BS_OK)
            rc = s_collect (entries[e].body, doc, 1, &terms);
    }
    if (rc == BS_OK && terms.count)
        qsort (terms.items, terms.count, sizeof *terms.items, s_term_order);
    /* Sum each (term, doc) into its first occurrence, in place. */
    size_t postings = 0;
    for (size_t i = 0; rc == BS_OK && i < terms.count;) {
        s_term_t sum = terms.items[i];
        size_t j = i + 1;
        for (; j < terms.count && terms.items[j].doc == sum.doc
               && strcmp (terms.items[j].term, sum.term) == 0;
             j++)
            sum.weight += terms.items[j].weight;
        terms.items[postings++] = sum;
        i = j;
    }
    for (size_t i = 0; rc == BS_OK && i < postings;) {
        size_t j = i + 1;
        while (j < postings && strcmp (terms.items[j].term, terms.items[i].term) == 0)
            j++;
        rc = s_post (txn, archive->terms, &terms.items[i], j - i);
        i = j;
    }
    free (terms.items);
    return rc;
}

/* The key of archive_terms that says its postings are varints
   (archive_postings.h); no term starts with a NUL byte. */
static const unsigned char s_format_key[] = {0, 'v', 'a', 'r', 'i', 'n', 't'};

int
archive_upgrade (MDB_txn *txn, const archive_t *archive, size_t *reindexed)
{
    *reindexed = 0;
    MDB_val key = {sizeof s_format_key, (void *) s_format_key}, value;
    int rc = mdb_get (txn, archive->terms, &key, &value);
    if (rc == 0)
        return BS_OK;
    if (rc != MDB_NOTFOUND)
        return bs_store_error (rc, "read the archive's format");
    rc = mdb_drop (txn, archive->terms, 0);
    if (rc)
        return bs_store_error (rc, "empty the archive's terms");
    MDB_cursor *cursor;
    rc = mdb_cursor_open (txn, archive->entries, &cursor);
    if (rc)
        return bs_store_error (rc, "read the archive");
    int found = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    rc = BS_OK;
    for (; rc == BS_OK && found == 0; found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        bs_archive_entry_t entry;
        rc = bs_codec_decode_record (value.mv_data, value.mv_size, &bs_archive_entry_schema,
                                     &bs_codec_default_limits, &entry, NULL);
        if (rc == BS_OK) {
            rc = s_index (txn, archive, &entry, 1);
            bs_codec_record_free (&bs_archive_entry_schema, &entry);
            (*reindexed)++;
        }
    }
    mdb_cursor_close (cursor);
    if (rc == BS_OK && found != MDB_NOTFOUND)
        rc = bs_store_error (found, "read the archive");
    key = (MDB_val){sizeof s_format_key, (void *) s_format_key};
    value = (MDB_val){1, "2"};
    int put = rc == BS_OK ? mdb_put (txn, archive->terms, &key, &value, 0) : 0;
    return put ? bs_store_error (put, "mark the archive's format") : rc;
}

static int
s_put_meta (MDB_txn *txn, const archive_t *archive, const bs_archive_entry_t *entry)
{
    unsigned char meta[16 + BS_NAME_MAX + BS_UNIT_MAX + 16 + 3];
    bs_store_key (entry->published_at, meta);
    bs_store_key (entry->report_id, meta + 8);
    size_t used = 16;
    const char *texts[] = {entry->periodical, entry->unit, entry->level};
    for (size_t i = 0; i < 3; i++) {
        size_t length = strlen (texts[i]) + 1;
        memcpy (meta + used, texts[i], length);
        used += length;
    }
    unsigned char key_bytes[8];
    bs_store_key (entry->doc_id, key_bytes);
    MDB_val key = {8, key_bytes}, value = {used, meta};
    int rc = mdb_put (txn, archive->meta, &key, &value, 0);
    return rc ? bs_store_error (rc, "store an archived item's filters") : BS_OK;
}

int
archive_count (MDB_txn *txn, const archive_t *archive, uint64_t *count)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, archive->entries, &cursor);
    if (rc)
        return bs_store_error (rc, "open the archive");
    MDB_val key, value;
    rc = mdb_cursor_get (cursor, &key, &value, MDB_LAST);
    *count = rc == 0 ? bs_store_key_value (key.mv_data) : 0;
    mdb_cursor_close (cursor);
    return rc == 0 || rc == MDB_NOTFOUND ? BS_OK : bs_store_error (rc, "read the archive");
}

/* "2026年第3期（總第15期）", "專刊2026年第1期（總第1期）". */
static void
s_issue_label (const bs_issue_t *issue, char *buffer, size_t size)
{
    snprintf (buffer, size, "%s%u年第%llu期（總第%llu期）", issue->series ? issue->series : "",
              (unsigned) issue->year, (unsigned long long) issue->number,
              (unsigned long long) issue->total);
}

int
archive_add_issue (MDB_txn *txn, const archive_t *archive, const bs_issue_t *issue,
                   const char *level)
{
    uint64_t first = 0;
    unsigned char issue_key[8];
    bs_store_key (issue->issue_id, issue_key);
    MDB_val key = {8, issue_key}, value;
    int rc = mdb_get (txn, archive->issues, &key, &value);
    if (rc == 0)
        return BS_OK; /* archived before */
    if (rc != MDB_NOTFOUND)
        return bs_store_error (rc, "read the archived issues");
    rc = archive_count (txn, archive, &first);
    if (rc != BS_OK)
        return rc;
    first++;
    char label[128];
    s_issue_label (issue, label, sizeof label);
    const bs_issue_item_t *items = issue->items.items;
    size_t count = issue->items.count;
    if (first + count - 1 > UINT32_MAX)
        return BS_E_LIMIT;
    bs_archive_entry_t *entries = calloc (count ? count : 1, sizeof *entries);
    if (!entries)
        return BS_E_SYSTEM;
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        entries[i] = (bs_archive_entry_t){
            .doc_id = first + i,
            .report_id = items[i].report_id,
            .reg_no = items[i].reg_no,
            .unit = items[i].unit,
            .title = items[i].title,
            .body = items[i].body,
            .source_units = items[i].source_units,
            .periodical = issue->periodical,
            .series = issue->series,
            .issue_id = issue->issue_id,
            .issue = label,
            .published_at = issue->published_at,
            .level = (char *) level,
        };
        rc = bs_store_put_record (txn, archive->entries, entries[i].doc_id,
                                  &bs_archive_entry_schema, &entries[i]);
        if (rc == BS_OK)
            rc = s_put_meta (txn, archive, &entries[i]);
        if (rc == BS_OK)
            rc = archive_add_level (txn, archive, entries[i].report_id, level);
    }
    /* The issue's items indexed together: a term common to many of them
       has its last chunk read and written once, not once an item. */
    if (rc == BS_OK)
        rc = s_index (txn, archive, entries, count);
    free (entries);
    if (rc == BS_OK) {
        unsigned char first_bytes[8];
        bs_store_key (first, first_bytes);
        value = (MDB_val){8, first_bytes};
        int mdb_rc = mdb_put (txn, archive->issues, &key, &value, 0);
        if (mdb_rc)
            rc = bs_store_error (mdb_rc, "mark an issue archived");
    }
    return rc;
}

int
archive_add_level (MDB_txn *txn, const archive_t *archive, uint64_t report_id, const char *level)
{
    unsigned char key_bytes[8 + 17];
    size_t length = strnlen (level, 16);
    bs_store_key (report_id, key_bytes);
    memcpy (key_bytes + 8, level, length);
    MDB_val key = {8 + length, key_bytes}, value = {0, ""};
    int rc = mdb_put (txn, archive->levels, &key, &value, 0);
    return rc ? bs_store_error (rc, "note an adoption's level") : BS_OK;
}
