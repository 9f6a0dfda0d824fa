/*  archive_index: adding published items to the archive; see archive.h. */
#include "archive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_postings.h"
#include "archive_text.h"
#include "bs_log.h"
#include "bs_store.h"

typedef struct {
    char term[ARCHIVE_TERM_MAX + 1];
    uint32_t weight;
} s_term_t;

typedef struct {
    s_term_t *items;
    size_t count, capacity;
} s_terms_t;

static int
s_terms_push (s_terms_t *terms, const char *term, uint32_t weight)
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
    slot->weight = weight;
    return BS_OK;
}

/* Every term of text, each occurrence with weight. */
static int
s_collect (const char *text, uint32_t weight, s_terms_t *terms)
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
                rc = s_terms_push (terms, term, weight);
            continue;
        }
        for (size_t i = run.first; rc == BS_OK && i + 1 < run.end; i++)
            if (archive_text_term (&decoded, i, i + 2, term))
                rc = s_terms_push (terms, term, weight);
        if (rc == BS_OK && archive_text_term (&decoded, run.end - 1, run.end, term))
            rc = s_terms_push (terms, term, weight);
    }
    archive_text_release (&decoded);
    return rc;
}

static int
s_term_order (const void *a, const void *b)
{
    return strcmp (((const s_term_t *) a)->term, ((const s_term_t *) b)->term);
}

/* Append (doc, weight) to term's last chunk (archive_postings.h), or
   start a chunk when it is full or there is none. */
static int
s_post (MDB_txn *txn, MDB_dbi terms, const char *term, uint32_t doc, uint32_t weight)
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
    unsigned char chunk[ARCHIVE_CHUNK_POSTINGS * ARCHIVE_POSTING_BYTES_MAX];
    archive_posting_t postings[ARCHIVE_CHUNK_POSTINGS];
    size_t used = 0;
    uint32_t previous = doc;
    bool same_term = rc == 0 && key.mv_size == length + 5
                     && memcmp (key.mv_data, term, length + 1) == 0
                     && value.mv_size <= sizeof chunk;
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
        memcpy (key_bytes, key.mv_data, key.mv_size);
        memcpy (chunk, value.mv_data, value.mv_size);
        used = value.mv_size;
        previous = postings[count - 1].doc;
    } else
        archive_key_doc_put (doc, key_bytes + length + 1);
    mdb_cursor_close (cursor);
    used += archive_posting_write (chunk + used, previous, doc, weight);
    key = (MDB_val){length + 5, key_bytes};
    value = (MDB_val){used, chunk};
    rc = mdb_put (txn, terms, &key, &value, 0);
    return rc ? bs_store_error (rc, "index an archived item") : BS_OK;
}

/* The terms of entry, summed per term, into the index under its doc id. */
static int
s_index (MDB_txn *txn, const archive_t *archive, const bs_archive_entry_t *entry)
{
    s_terms_t terms = {0};
    int rc = s_collect (entry->title, ARCHIVE_TITLE_WEIGHT, &terms);
    if (rc == BS_OK)
        rc = s_collect (entry->body, 1, &terms);
    if (rc == BS_OK && terms.count)
        qsort (terms.items, terms.count, sizeof *terms.items, s_term_order);
    for (size_t i = 0; rc == BS_OK && i < terms.count;) {
        uint32_t weight = 0;
        size_t j = i;
        for (; j < terms.count && strcmp (terms.items[j].term, terms.items[i].term) == 0; j++)
            weight += terms.items[j].weight;
        rc = s_post (txn, archive->terms, terms.items[i].term, (uint32_t) entry->doc_id, weight);
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
            rc = s_index (txn, archive, &entry);
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
    for (size_t i = 0; rc == BS_OK && i < issue->items.count; i++) {
        bs_archive_entry_t entry = {
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
        if (entry.doc_id > UINT32_MAX)
            return BS_E_LIMIT;
        rc = bs_store_put_record (txn, archive->entries, entry.doc_id, &bs_archive_entry_schema,
                                  &entry);
        if (rc == BS_OK)
            rc = s_put_meta (txn, archive, &entry);
        if (rc == BS_OK)
            rc = s_index (txn, archive, &entry);
        if (rc == BS_OK)
            rc = archive_add_level (txn, archive, entry.report_id, level);
    }
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
