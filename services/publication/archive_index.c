/*  archive_index: adding published items to the archive; see archive.h. */
#include "archive.h"

#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_postings.h"
#include "archive_text.h"
#include "bs_log.h"
#include "bs_store.h"
#include "bs_text.h"
#include "bs_utf8.h"

/* The terms of the items being indexed, each once, with its postings:
   a term's weight in each doc, in doc order (the items are collected in
   doc order, title then body, so a term met again in the same doc adds
   to its last posting). Terms are found by an open-addressing hash table
   (linear probing, at most half full), and only the distinct terms are
   sorted, for the puts' key order. Every occurrence made with snprintf,
   then all of them sorted with strcmp and summed, was three quarters of
   an issue's indexing (bench/README.md).

   A term is kept as its first 8 bytes, a big-endian number (NUL-padded:
   numbers order as strcmp orders the terms, no term holding a NUL), and
   its bytes after those in the tails (a Chinese term, at most two
   characters of 3 or 4 bytes, has none). Its slot keeps its hash (the
   table hash of bs_text.h, of its head as one word and its tail, the low
   32 bits): a probe compares the hashes before the terms, and the table
   grows without hashing a term again. */
typedef struct {
    uint64_t head;   /* bytes 0..7, big-endian, NUL-padded */
    uint32_t tail;   /* offset of bytes 8.. (NUL-terminated) in the tails; 0: "" */
    uint32_t length; /* of the term, bytes */
    uint32_t first;  /* index + 1 of its first posting */
    uint32_t last;   /* index + 1 of its last posting */
} s_term_t;

/* A slot of the table. */
typedef struct {
    uint32_t term; /* 0 empty, else term index + 1 */
    uint32_t hash; /* the term's hash, its low 32 bits */
} s_slot_t;

typedef struct {
    uint32_t doc;
    uint32_t weight;
    uint32_t next; /* index + 1 of the term's next posting; 0: none */
} s_posting_t;

typedef struct {
    s_term_t *terms;
    size_t count, capacity;
    s_posting_t *postings;
    size_t posting_count, posting_capacity;
    s_slot_t *slots;    /* slot_count of them, a power of two up to 2^32 */
    size_t slot_count;
    char *tails;        /* the tails of terms longer than 8 bytes; "" at 0 */
    size_t tails_used, tails_capacity;
    char *utf8;         /* the text being collected, folded, as UTF-8 */
    uint32_t *at;       /* where each of its characters starts in utf8 (one more: the end) */
    size_t text_capacity; /* characters utf8 and at have room for */
} s_terms_t;

static void
s_terms_release (s_terms_t *terms)
{
    free (terms->terms);
    free (terms->postings);
    free (terms->slots);
    free (terms->tails);
    free (terms->utf8);
    free (terms->at);
    *terms = (s_terms_t){0};
}

static int
s_terms_init (s_terms_t *terms)
{
    *terms = (s_terms_t){0};
    terms->slot_count = 1024;
    terms->slots = calloc (terms->slot_count, sizeof *terms->slots);
    terms->tails = malloc (256);
    if (!terms->slots || !terms->tails) {
        s_terms_release (terms);
        return BS_E_SYSTEM;
    }
    terms->tails[0] = 0;
    terms->tails_used = 1;
    terms->tails_capacity = 256;
    return BS_OK;
}

/* items (count used of *capacity, each size bytes) with room for one
   more: items itself, or moved into twice the room; NULL (items and
   *capacity as they were) when out of memory or past UINT32_MAX items
   (the indexes are 32-bit). */
static void *
s_room (void *items, size_t count, size_t *capacity, size_t size)
{
    if (count < *capacity)
        return items;
    size_t more = *capacity ? *capacity * 2 : 256;
    void *grown = more <= UINT32_MAX ? realloc (items, more * size) : NULL;
    if (grown)
        *capacity = more;
    return grown;
}

/* The table twice as large, every term placed again by its slot's
   hash. */
static int
s_slots_grow (s_terms_t *terms)
{
    size_t count = terms->slot_count * 2;
    s_slot_t *slots = count <= (size_t) UINT32_MAX + 1 ? calloc (count, sizeof *slots) : NULL;
    if (!slots)
        return BS_E_SYSTEM;
    for (size_t s = 0; s < terms->slot_count; s++) {
        if (!terms->slots[s].term)
            continue;
        size_t slot = terms->slots[s].hash & (count - 1);
        while (slots[slot].term)
            slot = (slot + 1) & (count - 1);
        slots[slot] = terms->slots[s];
    }
    free (terms->slots);
    terms->slots = slots;
    terms->slot_count = count;
    return BS_OK;
}

/* A new term (length bytes of text, its head and hash given) into slot. */
static int
s_term_add (s_terms_t *terms, uint64_t head, uint32_t hash, const char *text, size_t length,
            size_t slot)
{
    s_term_t *room = s_room (terms->terms, terms->count, &terms->capacity, sizeof *room);
    if (!room)
        return BS_E_SYSTEM;
    terms->terms = room;
    uint32_t tail = 0;
    if (length > 8) {
        size_t need = terms->tails_used + length - 8 + 1;
        if (need > terms->tails_capacity) {
            size_t more = need * 2;
            char *tails = more <= UINT32_MAX ? realloc (terms->tails, more) : NULL;
            if (!tails)
                return BS_E_SYSTEM;
            terms->tails = tails;
            terms->tails_capacity = more;
        }
        tail = (uint32_t) terms->tails_used;
        memcpy (terms->tails + tail, text + 8, length - 8);
        terms->tails[tail + length - 8] = 0;
        terms->tails_used = need;
    }
    terms->terms[terms->count] = (s_term_t){.head = head, .tail = tail, .length = (uint32_t) length};
    terms->slots[slot] = (s_slot_t){.term = (uint32_t) ++terms->count, .hash = hash};
    return BS_OK;
}

/* The hash of a term (length bytes of text) whose first 8 bytes are
   head: head as one word, then the bytes after it (bs_text.h). */
static uint32_t
s_term_hash (uint64_t head, const char *text, size_t length)
{
    uint64_t hash = bs_text_table_word (bs_text_table_start (length), head);
    if (length > 8) {
        unsigned char tail[ARCHIVE_TERM_MAX - 8 + 7] = {0};
        memcpy (tail, text + 8, length - 8);
        for (size_t at = 0; at < length - 8; at += 8) {
            uint64_t word;
            memcpy (&word, tail + at, 8);
            hash = bs_text_table_word (hash, word);
        }
    }
    return (uint32_t) bs_text_table_end (hash);
}

/* One occurrence of the term text (length bytes) in doc, with weight. */
static int
s_terms_push (s_terms_t *terms, const char *text, size_t length, uint32_t doc, uint32_t weight)
{
    if ((terms->count + 1) * 2 > terms->slot_count && s_slots_grow (terms) != BS_OK)
        return BS_E_SYSTEM;
    unsigned char bytes[8] = {0};
    memcpy (bytes, text, length < 8 ? length : 8);
    uint64_t head;
    memcpy (&head, bytes, 8);
    head = be64toh (head);
    uint32_t hash = s_term_hash (head, text, length);
    size_t mask = terms->slot_count - 1;
    size_t slot = hash & mask;
    s_term_t *term = NULL;
    for (; terms->slots[slot].term; slot = (slot + 1) & mask) {
        if (terms->slots[slot].hash != hash)
            continue;
        s_term_t *held = &terms->terms[terms->slots[slot].term - 1];
        if (held->head == head && held->length == length
            && (length <= 8 || memcmp (terms->tails + held->tail, text + 8, length - 8) == 0)) {
            term = held;
            break;
        }
    }
    if (term && terms->postings[term->last - 1].doc == doc) {
        terms->postings[term->last - 1].weight += weight;
        return BS_OK;
    }
    if (!term) {
        if (s_term_add (terms, head, hash, text, length, slot) != BS_OK)
            return BS_E_SYSTEM;
        term = &terms->terms[terms->count - 1];
    }
    s_posting_t *room =
        s_room (terms->postings, terms->posting_count, &terms->posting_capacity, sizeof *room);
    if (!room)
        return BS_E_SYSTEM;
    terms->postings = room;
    uint32_t posting = (uint32_t) ++terms->posting_count;
    terms->postings[posting - 1] = (s_posting_t){.doc = doc, .weight = weight};
    if (term->last)
        terms->postings[term->last - 1].next = posting;
    else
        term->first = posting;
    term->last = posting;
    return BS_OK;
}

/* The folded characters of decoded as UTF-8 into terms' utf8, each
   encoded once (a term is then the bytes between two of them: the
   bigrams share their characters). */
static int
s_encode (const archive_text_t *decoded, s_terms_t *terms)
{
    if (decoded->count + 1 > terms->text_capacity) {
        size_t capacity = decoded->count + 1;
        char *utf8 = malloc (capacity * 4);
        uint32_t *at = malloc (capacity * sizeof *at);
        if (!utf8 || !at) {
            free (utf8);
            free (at);
            return BS_E_SYSTEM;
        }
        free (terms->utf8);
        free (terms->at);
        terms->utf8 = utf8;
        terms->at = at;
        terms->text_capacity = capacity;
    }
    size_t used = 0;
    for (size_t i = 0; i < decoded->count; i++) {
        terms->at[i] = (uint32_t) used;
        used += bs_utf8_encode (decoded->folded[i], terms->utf8 + used);
    }
    terms->at[decoded->count] = (uint32_t) used;
    return BS_OK;
}

/* The term of characters [first, end) of the text encoded (s_encode),
   unless it is longer than ARCHIVE_TERM_MAX bytes (archive_text_term's
   terms), as one occurrence in doc with weight. */
static int
s_term_of (s_terms_t *terms, size_t first, size_t end, uint32_t doc, uint32_t weight)
{
    size_t length = terms->at[end] - terms->at[first];
    if (length > ARCHIVE_TERM_MAX)
        return BS_OK;
    return s_terms_push (terms, terms->utf8 + terms->at[first], length, doc, weight);
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
    int rc = s_encode (&decoded, terms);
    size_t next = 0;
    archive_run_t run;
    while (rc == BS_OK && archive_text_next_run (&decoded, &next, &run)) {
        if (!run.han) {
            rc = s_term_of (terms, run.first, run.end, doc, weight);
            continue;
        }
        for (size_t i = run.first; rc == BS_OK && i + 1 < run.end; i++)
            rc = s_term_of (terms, i, i + 2, doc, weight);
        if (rc == BS_OK)
            rc = s_term_of (terms, run.end - 1, run.end, doc, weight);
    }
    archive_text_release (&decoded);
    return rc;
}

/* qsort_r's order of two term indexes, as strcmp orders their texts
   (argument: the terms). */
static int
s_term_order (const void *a, const void *b, void *argument)
{
    const s_terms_t *terms = argument;
    const s_term_t *left = &terms->terms[*(const uint32_t *) a];
    const s_term_t *right = &terms->terms[*(const uint32_t *) b];
    if (left->head != right->head)
        return left->head < right->head ? -1 : 1;
    return strcmp (terms->tails + left->tail, terms->tails + right->tail);
}

/* The text of term, NUL-terminated, into buffer (ARCHIVE_TERM_MAX + 1). */
static void
s_term_text (const s_term_t *term, const char *tails, char *buffer)
{
    for (size_t i = 0; i < 8; i++)
        buffer[i] = (char) (term->head >> (56 - 8 * i));
    if (term->length > 8)
        memcpy (buffer + 8, tails + term->tail, term->length - 8);
    buffer[term->length] = 0;
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
    int rc = bs_store_put (txn, terms, &key, &value, 0);
    return rc ? bs_store_error (rc, "index an archived item") : BS_OK;
}

/* Append one term's postings (from posting first, index + 1, on: docs
   in growing order, each above every doc the archive had) to its
   chunks: the last chunk read and written once for all of them, a new
   chunk started whenever one is full. The chunks are those that adding
   the docs one at a time would make. */
static int
s_post (MDB_txn *txn, MDB_dbi terms, const char *term, size_t length,
        const s_posting_t *postings, uint32_t first)
{
    s_chunk_t chunk;
    int rc = s_chunk_open (txn, terms, term, postings[first - 1].doc, &chunk);
    for (uint32_t i = first; rc == BS_OK && i; i = postings[i - 1].next) {
        const s_posting_t *posting = &postings[i - 1];
        if (chunk.count == ARCHIVE_CHUNK_POSTINGS) {
            rc = s_chunk_put (txn, terms, &chunk);
            s_chunk_start (&chunk, term, length, posting->doc);
            if (rc != BS_OK)
                break;
        }
        chunk.used += archive_posting_write (chunk.bytes + chunk.used, chunk.previous,
                                             posting->doc, posting->weight);
        chunk.previous = posting->doc;
        chunk.count++;
    }
    return rc == BS_OK ? s_chunk_put (txn, terms, &chunk) : rc;
}

/* The terms of entries (doc ids growing, each above every doc the archive
   had), summed per term and doc, into the index: each term's postings of
   all the entries appended at once, the terms in key order. */
static int
s_index (MDB_txn *txn, const archive_t *archive, const bs_archive_entry_t *entries, size_t count)
{
    s_terms_t terms;
    int rc = s_terms_init (&terms);
    for (size_t e = 0; rc == BS_OK && e < count; e++) {
        uint32_t doc = (uint32_t) entries[e].doc_id;
        rc = s_collect (entries[e].title, doc, ARCHIVE_TITLE_WEIGHT, &terms);
        if (rc == BS_OK)
            rc = s_collect (entries[e].body, doc, 1, &terms);
    }
    uint32_t *order = rc == BS_OK ? malloc ((terms.count ? terms.count : 1) * sizeof *order) : NULL;
    if (rc == BS_OK && !order)
        rc = BS_E_SYSTEM;
    if (rc == BS_OK) {
        for (size_t t = 0; t < terms.count; t++)
            order[t] = (uint32_t) t;
        qsort_r (order, terms.count, sizeof *order, s_term_order, &terms);
    }
    for (size_t t = 0; rc == BS_OK && t < terms.count; t++) {
        const s_term_t *term = &terms.terms[order[t]];
        char text[ARCHIVE_TERM_MAX + 1];
        s_term_text (term, terms.tails, text);
        rc = s_post (txn, archive->terms, text, term->length, terms.postings, term->first);
    }
    free (order);
    s_terms_release (&terms);
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
    rc = bs_store_clear (txn, archive->terms);
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
    int put = rc == BS_OK ? bs_store_put (txn, archive->terms, &key, &value, 0) : 0;
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
    int rc = bs_store_put (txn, archive->meta, &key, &value, 0);
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
        int mdb_rc = bs_store_put (txn, archive->issues, &key, &value, 0);
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
    int rc = bs_store_put (txn, archive->levels, &key, &value, 0);
    return rc ? bs_store_error (rc, "note an adoption's level") : BS_OK;
}
