/*  archive_search: searching the archive and highlighting what was found;
    see archive.h. */
#include "archive.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive_postings.h"
#include "archive_rank.h"
#include "archive_text.h"
#include "bs_log.h"
#include "bs_store.h"

#define S_GROUPS_MAX 32       /* terms of one query */
#define S_PHRASES_MAX 16      /* Chinese runs checked word for word */
#define S_VERIFY_MAX 200      /* candidates checked word for word beyond the page */
#define S_SNIPPET_BEFORE 30   /* characters shown before the first match */
#define S_SNIPPET_LENGTH 120  /* characters of a snippet */
#define S_FRAGMENTS_MAX 64    /* pieces of one highlighted text */
#define S_STEP_MAX 16         /* docs the filters' cursor steps rather than seeks */

static uint64_t
s_microseconds (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (uint64_t) now.tv_sec * 1000000 + (uint64_t) now.tv_nsec / 1000;
}

typedef struct {
    archive_posting_t *items;
    size_t count, capacity;
} s_postings_t;

/* One term of the query: exact, or (a single Chinese character) every term
   that starts with it. */
typedef struct {
    char term[ARCHIVE_TERM_MAX + 1];
    bool prefix;
    s_postings_t postings;
} s_group_t;

typedef struct {
    s_group_t groups[S_GROUPS_MAX];
    size_t group_count;
    uint32_t *phrases[S_PHRASES_MAX]; /* folded characters of runs to check */
    size_t phrase_lengths[S_PHRASES_MAX];
    size_t phrase_count;
    uint64_t from, to; /* published_at bounds, ms; to 0: none */
} s_query_t;

static void
s_query_release (s_query_t *query)
{
    for (size_t i = 0; i < query->group_count; i++)
        free (query->groups[i].postings.items);
    for (size_t i = 0; i < query->phrase_count; i++)
        free (query->phrases[i]);
    memset (query, 0, sizeof *query);
}

static void
s_add_group (s_query_t *query, const char *term, bool prefix)
{
    for (size_t i = 0; i < query->group_count; i++)
        if (strcmp (query->groups[i].term, term) == 0 && query->groups[i].prefix == prefix)
            return;
    if (query->group_count == S_GROUPS_MAX)
        return;
    s_group_t *group = &query->groups[query->group_count++];
    snprintf (group->term, sizeof group->term, "%s", term);
    group->prefix = prefix;
}

/* The query's terms and phrases. BS_E_INVALID when it has no words. */
static int
s_parse_words (const char *words, s_query_t *query, bs_error_t *error)
{
    archive_text_t text;
    if (archive_text_decode (words, strlen (words), &text) != 0)
        return BS_E_SYSTEM;
    size_t at = 0;
    archive_run_t run;
    char term[ARCHIVE_TERM_MAX + 1];
    while (archive_text_next_run (&text, &at, &run)) {
        size_t length = run.end - run.first;
        if (!run.han || length == 1) {
            if (archive_text_term (&text, run.first, run.end, term))
                s_add_group (query, term, run.han);
            continue;
        }
        for (size_t i = run.first; i + 1 < run.end; i++)
            if (archive_text_term (&text, i, i + 2, term))
                s_add_group (query, term, false);
        if (length >= 3 && query->phrase_count < S_PHRASES_MAX) {
            uint32_t *phrase = malloc (length * sizeof *phrase);
            if (phrase) {
                memcpy (phrase, text.folded + run.first, length * sizeof *phrase);
                query->phrases[query->phrase_count] = phrase;
                query->phrase_lengths[query->phrase_count++] = length;
            }
        }
    }
    archive_text_release (&text);
    if (query->group_count == 0)
        return bs_error_set (error, BS_E_INVALID, "q",
                             "'%s' has no words to search for (Chinese characters, letters or "
                             "digits)",
                             words);
    return BS_OK;
}

/* Local midnight of YYYY-MM-DD, ms; plus_day: of the day after. */
static int
s_parse_date (const char *text, const char *field, bool plus_day, uint64_t *at, bs_error_t *error)
{
    struct tm day = {0};
    char *end = strptime (text, "%Y-%m-%d", &day);
    if (!end || *end || day.tm_year < 0)
        return bs_error_set (error, BS_E_INVALID, field, "'%s' is not a date like 2026-01-31",
                             text);
    int month = day.tm_mon, day_of_month = day.tm_mday;
    day.tm_isdst = -1;
    time_t seconds = mktime (&day); /* normalizes 02-30 to 03-02: refused */
    if (seconds != (time_t) -1 && plus_day) {
        day.tm_mday++;
        day.tm_isdst = -1;
        struct tm next = day;
        seconds = mktime (&next);
        day.tm_mday--;
    }
    if (seconds == (time_t) -1 || day.tm_mon != month || day.tm_mday != day_of_month)
        return bs_error_set (error, BS_E_INVALID, field, "'%s' is not a date like 2026-01-31",
                             text);
    *at = (uint64_t) seconds * 1000;
    return BS_OK;
}

static int
s_parse (const bs_search_request_t *request, s_query_t *query, bs_error_t *error)
{
    static const char *const levels[] = {"county", "city", "province", "central"};
    if (request->level && *request->level) {
        bool known = false;
        for (size_t i = 0; i < 4; i++)
            known |= strcmp (levels[i], request->level) == 0;
        if (!known)
            return bs_error_set (error, BS_E_INVALID, "level",
                                 "no level '%s': county, city, province or central",
                                 request->level);
    }
    int rc = BS_OK;
    if (request->from && *request->from)
        rc = s_parse_date (request->from, "from", false, &query->from, error);
    if (rc == BS_OK && request->to && *request->to)
        rc = s_parse_date (request->to, "to", true, &query->to, error);
    if (rc == BS_OK)
        rc = s_parse_words (request->q, query, error);
    return rc;
}

/* Room for more postings. */
static int
s_postings_reserve (s_postings_t *postings, size_t more)
{
    if (postings->count + more <= postings->capacity)
        return BS_OK;
    size_t capacity = postings->capacity ? postings->capacity : 1024;
    while (capacity < postings->count + more)
        capacity *= 2;
    archive_posting_t *items = realloc (postings->items, capacity * sizeof *items);
    if (!items)
        return BS_E_SYSTEM;
    postings->items = items;
    postings->capacity = capacity;
    return BS_OK;
}

/* Append a chunk's postings (archive_postings.h); key ends with the
   chunk's first doc. */
static int
s_postings_append (s_postings_t *postings, const MDB_val *key, const MDB_val *chunk)
{
    if (s_postings_reserve (postings, ARCHIVE_CHUNK_POSTINGS) != BS_OK)
        return BS_E_SYSTEM;
    const unsigned char *first = (const unsigned char *) key->mv_data + key->mv_size - 4;
    long count = archive_postings_read (chunk->mv_data, chunk->mv_size, archive_key_doc (first),
                                        postings->items + postings->count, ARCHIVE_CHUNK_POSTINGS);
    if (count < 0) {
        bs_log_error ("the archive's postings of a term are damaged: rebuild the archive");
        return BS_E_STORAGE;
    }
    postings->count += (size_t) count;
    return BS_OK;
}

/* Where each run of postings starts (a prefix group's terms each give
   one, in doc order). */
typedef struct {
    size_t *items;
    size_t count, capacity;
} s_runs_t;

static int
s_runs_push (s_runs_t *runs, size_t start)
{
    if (runs->count == runs->capacity) {
        size_t capacity = runs->capacity ? runs->capacity * 2 : 64;
        size_t *items = realloc (runs->items, capacity * sizeof *items);
        if (!items)
            return BS_E_SYSTEM;
        runs->items = items;
        runs->capacity = capacity;
    }
    runs->items[runs->count++] = start;
    return BS_OK;
}

/* Merge runs [a, a_end) and [b, b_end) of from into out (doc order, one
   posting per doc, weights of a doc in both summed); the postings written. */
static size_t
s_merge_two (const archive_posting_t *from, size_t a, size_t a_end, size_t b, size_t b_end,
             archive_posting_t *out)
{
    size_t used = 0;
    while (a < a_end && b < b_end) {
        if (from[a].doc < from[b].doc)
            out[used++] = from[a++];
        else if (from[b].doc < from[a].doc)
            out[used++] = from[b++];
        else {
            out[used] = from[a++];
            out[used++].weight += from[b++].weight;
        }
    }
    while (a < a_end)
        out[used++] = from[a++];
    while (b < b_end)
        out[used++] = from[b++];
    return used;
}

/* The runs of postings merged pairwise until one is left: one posting
   per doc, in doc order, in count x log(runs) steps. */
static int
s_merge_runs (s_postings_t *postings, s_runs_t *runs)
{
    if (runs->count < 2)
        return BS_OK;
    archive_posting_t *from = postings->items, *to = malloc (postings->count * sizeof *to);
    if (!to)
        return BS_E_SYSTEM;
    size_t count = postings->count, *starts = runs->items, left = runs->count;
    while (left > 1) {
        size_t used = 0, merged = 0;
        for (size_t r = 0; r < left; r += 2) {
            size_t a_end = r + 1 < left ? starts[r + 1] : count;
            size_t b_end = r + 2 < left ? starts[r + 2] : count;
            size_t start = used;
            used += s_merge_two (from, starts[r], a_end, a_end, b_end, to + used);
            starts[merged++] = start;
        }
        archive_posting_t *swap = from;
        from = to;
        to = swap;
        count = used;
        left = merged;
    }
    free (to);
    postings->capacity = from == postings->items ? postings->capacity : postings->count;
    postings->items = from;
    postings->count = count;
    return BS_OK;
}

/* A group's postings, in doc order, one per doc. */
static int
s_load (MDB_txn *txn, const archive_t *archive, s_group_t *group)
{
    size_t length = strlen (group->term) + (group->prefix ? 0 : 1);
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, archive->terms, &cursor);
    if (rc)
        return bs_store_error (rc, "open the archive's terms");
    MDB_val key = {length, group->term}, value, last = {0, NULL};
    s_runs_t runs = {0};
    int found = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    rc = BS_OK;
    while (rc == BS_OK && found == 0 && key.mv_size >= length + 4
           && memcmp (key.mv_data, group->term, length) == 0) {
        /* a key is term, NUL, first doc (4): a new term starts a run */
        if (last.mv_size != key.mv_size || memcmp (last.mv_data, key.mv_data, key.mv_size - 4))
            rc = s_runs_push (&runs, group->postings.count);
        last = key;
        if (rc == BS_OK)
            rc = s_postings_append (&group->postings, &key, &value);
        found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    if (found && found != MDB_NOTFOUND)
        rc = bs_store_error (found, "read the archive's terms");
    if (rc == BS_OK)
        rc = s_merge_runs (&group->postings, &runs);
    free (runs.items);
    return rc;
}

static int
s_group_order (const void *a, const void *b)
{
    size_t x = ((const s_group_t *) a)->postings.count, y = ((const s_group_t *) b)->postings.count;
    return (x > y) - (x < y);
}

/* The docs in every group, scored. */
static int
s_intersect (s_query_t *query, uint64_t documents, archive_candidate_t **candidates_p, size_t *count_p)
{
    qsort (query->groups, query->group_count, sizeof *query->groups, s_group_order);
    const s_postings_t *smallest = &query->groups[0].postings;
    archive_candidate_t *candidates = malloc ((smallest->count + 1) * sizeof *candidates);
    size_t *cursors = calloc (query->group_count, sizeof *cursors);
    if (!candidates || !cursors) {
        free (candidates);
        free (cursors);
        return BS_E_SYSTEM;
    }
    double idf[S_GROUPS_MAX];
    for (size_t g = 0; g < query->group_count; g++)
        idf[g] = log (1.0 + (double) documents / (double) (query->groups[g].postings.count + 1));
    size_t count = 0;
    for (size_t i = 0; i < smallest->count; i++) {
        uint32_t doc = smallest->items[i].doc;
        double score = smallest->items[i].weight * idf[0];
        bool everywhere = true;
        for (size_t g = 1; everywhere && g < query->group_count; g++) {
            const s_postings_t *list = &query->groups[g].postings;
            /* Gallop from where the last doc was found: both lists grow. */
            size_t low = cursors[g], step = 1, high = low;
            while (high < list->count && list->items[high].doc < doc) {
                low = high;
                high += step;
                step *= 2;
            }
            if (high > list->count)
                high = list->count;
            while (low < high) {
                size_t middle = (low + high) / 2;
                if (list->items[middle].doc < doc)
                    low = middle + 1;
                else
                    high = middle;
            }
            cursors[g] = low;
            everywhere = low < list->count && list->items[low].doc == doc;
            if (everywhere)
                score += list->items[low].weight * idf[g];
        }
        if (everywhere)
            candidates[count++] = (archive_candidate_t){doc, score};
    }
    free (cursors);
    *candidates_p = candidates;
    *count_p = count;
    return BS_OK;
}

/* Whether the request filters at all. */
static bool
s_filtered (const bs_search_request_t *request, const s_query_t *query)
{
    return (request->periodical && *request->periodical) || (request->unit && *request->unit)
           || (request->level && *request->level) || query->from || query->to;
}

/* Cursors on the databases the filters read. Candidates come in doc
   order, so the cursor on archive_meta only moves forward, mostly a step
   or a few (s_meta_of); the one on archive_levels mostly does too (report
   ids grow roughly with doc ids), and LMDB finds a key on the page the
   cursor is at without walking down the tree again. */
typedef struct {
    MDB_cursor *meta, *levels;
    uint32_t at; /* the doc the meta cursor is at; 0: none yet */
} s_filter_cursors_t;

/* The filters of doc into *value: a few docs ahead the meta cursor steps
   there (every doc has its entry), further it seeks. */
static int
s_meta_of (s_filter_cursors_t *cursors, uint32_t doc, MDB_val *value)
{
    unsigned char key_bytes[8];
    bs_store_key (doc, key_bytes);
    MDB_val key = {8, key_bytes};
    int rc = MDB_NOTFOUND;
    if (cursors->at && doc > cursors->at && doc - cursors->at <= S_STEP_MAX) {
        int order = -1; /* keys are big-endian: byte order is number order */
        while (order < 0 && (rc = mdb_cursor_get (cursors->meta, &key, value, MDB_NEXT)) == 0)
            order = memcmp (key.mv_data, key_bytes, 8);
        if (rc == 0 && order != 0)
            rc = MDB_NOTFOUND;
    } else
        rc = mdb_cursor_get (cursors->meta, &key, value, MDB_SET);
    cursors->at = rc == 0 ? doc : 0;
    return rc ? bs_store_error (rc, "read an archived item's filters") : BS_OK;
}

/* Whether report_id was adopted at level. */
static int
s_adopted_at (s_filter_cursors_t *cursors, uint64_t report_id, const char *level, bool *adopted)
{
    unsigned char key_bytes[8 + 16];
    size_t length = strnlen (level, 16);
    bs_store_key (report_id, key_bytes);
    memcpy (key_bytes + 8, level, length);
    MDB_val key = {8 + length, key_bytes}, value;
    int rc = mdb_cursor_get (cursors->levels, &key, &value, MDB_SET);
    if (rc && rc != MDB_NOTFOUND)
        return bs_store_error (rc, "read an archived item's levels");
    *adopted = rc == 0;
    return BS_OK;
}

/* Whether doc passes the request's filters. */
static int
s_passes (s_filter_cursors_t *cursors, const bs_search_request_t *request,
          const s_query_t *query, uint32_t doc, bool *passes)
{
    MDB_val value;
    int rc = s_meta_of (cursors, doc, &value);
    if (rc != BS_OK)
        return rc;
    const char *meta = value.mv_data;
    uint64_t published_at = bs_store_key_value (meta);
    uint64_t report_id = bs_store_key_value (meta + 8);
    const char *its_periodical = meta + 16;
    const char *its_unit = its_periodical + strlen (its_periodical) + 1;
    const char *its_level = its_unit + strlen (its_unit) + 1;
    const char *level = request->level && *request->level ? request->level : NULL;
    *passes = (!request->periodical || !*request->periodical
               || strcmp (its_periodical, request->periodical) == 0)
              && (!request->unit || !*request->unit || strcmp (its_unit, request->unit) == 0)
              && published_at >= query->from && (!query->to || published_at < query->to);
    if (*passes && level && strcmp (its_level, level) != 0)
        return s_adopted_at (cursors, report_id, level, passes);
    return BS_OK;
}

/* Keep of the candidates (in doc order) those that pass the filters. */
static int
s_filter (MDB_txn *txn, const archive_t *archive, const bs_search_request_t *request,
          const s_query_t *query, archive_candidate_t *candidates, size_t *count)
{
    if (!s_filtered (request, query))
        return BS_OK;
    s_filter_cursors_t cursors = {0};
    int rc = mdb_cursor_open (txn, archive->meta, &cursors.meta);
    if (rc == 0)
        rc = mdb_cursor_open (txn, archive->levels, &cursors.levels);
    rc = rc ? bs_store_error (rc, "open the archive's filters") : BS_OK;
    size_t kept = 0;
    for (size_t i = 0; rc == BS_OK && i < *count; i++) {
        bool passes = false;
        rc = s_passes (&cursors, request, query, candidates[i].doc, &passes);
        if (passes)
            candidates[kept++] = candidates[i];
    }
    if (cursors.meta)
        mdb_cursor_close (cursors.meta);
    if (cursors.levels)
        mdb_cursor_close (cursors.levels);
    *count = kept;
    return rc;
}

/* Whether text holds every phrase of query. */
static bool
s_has_phrases (const archive_text_t *text, const s_query_t *query)
{
    for (size_t p = 0; p < query->phrase_count; p++) {
        bool found = false;
        for (size_t i = 0; !found && i + query->phrase_lengths[p] <= text->count; i++)
            found = archive_text_matches (text, i, query->phrases[p], query->phrase_lengths[p]);
        if (!found)
            return false;
    }
    return true;
}

/* Whether the entry's title or body holds every phrase. */
static int
s_verify (const bs_archive_entry_t *entry, const s_query_t *query, bool *holds)
{
    *holds = true;
    if (query->phrase_count == 0)
        return BS_OK;
    /* A phrase lies in the title or in the body; never across them. */
    archive_text_t title, body;
    if (archive_text_decode (entry->title, strlen (entry->title), &title) != 0)
        return BS_E_SYSTEM;
    const char *text = entry->body ? entry->body : "";
    if (archive_text_decode (text, strlen (text), &body) != 0) {
        archive_text_release (&title);
        return BS_E_SYSTEM;
    }
    for (size_t p = 0; *holds && p < query->phrase_count; p++) {
        s_query_t one = {.phrase_count = 1};
        one.phrases[0] = query->phrases[p];
        one.phrase_lengths[0] = query->phrase_lengths[p];
        *holds = s_has_phrases (&title, &one) || s_has_phrases (&body, &one);
    }
    archive_text_release (&title);
    archive_text_release (&body);
    return BS_OK;
}

static int
s_load_entry (MDB_txn *txn, const archive_t *archive, uint32_t doc, bs_archive_entry_t *entry)
{
    int rc = bs_store_get_record (txn, archive->entries, doc, &bs_archive_entry_schema, entry);
    return rc == BS_E_NOT_FOUND ? BS_E_STORAGE : rc;
}

static int
s_make_hit (const bs_archive_entry_t *entry, double score, const char *words, bs_search_hit_t *hit)
{
    *hit = (bs_search_hit_t){
        .doc_id = entry->doc_id,
        .report_id = entry->report_id,
        .reg_no = strdup (entry->reg_no),
        .unit = strdup (entry->unit),
        .title = strdup (entry->title),
        .source_units = entry->source_units ? strdup (entry->source_units) : NULL,
        .periodical = strdup (entry->periodical),
        .series = entry->series ? strdup (entry->series) : NULL,
        .issue_id = entry->issue_id,
        .issue = strdup (entry->issue),
        .published_at = entry->published_at,
        .level = strdup (entry->level),
        .score = (uint64_t) (score * 1000.0),
    };
    if (!hit->reg_no || !hit->unit || !hit->title || !hit->periodical || !hit->issue
        || !hit->level)
        return BS_E_SYSTEM;
    int rc = archive_highlight (entry->title, words, true, &hit->title_fragments);
    if (rc == BS_OK)
        rc = archive_highlight (entry->body && *entry->body ? entry->body : entry->title, words,
                                false, &hit->snippet);
    return rc;
}

/* Take the candidates best first: the page's hits, and the total. Past
   the page only phrases need reading (at most S_VERIFY_MAX items); with
   none, every candidate left counts without being taken in order. */
static int
s_page (MDB_txn *txn, const archive_t *archive, const bs_search_request_t *request,
        const s_query_t *query, archive_rank_t *rank, bs_search_page_t *page)
{
    uint64_t limit = request->limit ? request->limit : 20;
    page->hits.items = calloc (limit, sizeof (bs_search_hit_t));
    if (!page->hits.items)
        return BS_E_SYSTEM;
    uint64_t matched = 0;
    size_t checked = 0;
    page->total_exact = true;
    int rc = BS_OK;
    archive_candidate_t next;
    while (rc == BS_OK && rank->count) {
        bool shown = matched >= request->offset && page->hits.count < limit;
        if (!query->phrase_count && page->hits.count == limit) {
            matched += rank->count; /* each holds */
            break;
        }
        if (!shown && query->phrase_count && checked >= S_VERIFY_MAX) {
            page->total_exact = false;
            matched += rank->count; /* at most */
            break;
        }
        archive_rank_next (rank, &next);
        bool holds = true;
        if (shown || query->phrase_count) {
            bs_archive_entry_t entry;
            rc = s_load_entry (txn, archive, next.doc, &entry);
            if (rc != BS_OK)
                break;
            rc = s_verify (&entry, query, &holds);
            checked++;
            if (rc == BS_OK && holds && shown) {
                bs_search_hit_t *hits = page->hits.items;
                rc = s_make_hit (&entry, next.score, request->q, &hits[page->hits.count++]);
            }
            bs_codec_record_free (&bs_archive_entry_schema, &entry);
        }
        matched += holds;
    }
    page->total = matched;
    return rc;
}

int
archive_search (MDB_txn *txn, const archive_t *archive, const bs_search_request_t *request,
                bs_search_page_t *page, bs_error_t *error)
{
    uint64_t started = s_microseconds ();
    memset (page, 0, sizeof *page);
    s_query_t query = {0};
    int rc = s_parse (request, &query, error);
    uint64_t documents = 0;
    if (rc == BS_OK)
        rc = archive_count (txn, archive, &documents);
    for (size_t g = 0; rc == BS_OK && g < query.group_count; g++)
        rc = s_load (txn, archive, &query.groups[g]);
    archive_candidate_t *candidates = NULL;
    size_t count = 0;
    if (rc == BS_OK)
        rc = s_intersect (&query, documents, &candidates, &count);
    if (rc == BS_OK)
        rc = s_filter (txn, archive, request, &query, candidates, &count);
    if (rc == BS_OK) {
        archive_rank_t rank;
        archive_rank_start (&rank, candidates, count);
        rc = s_page (txn, archive, request, &query, &rank, page);
    }
    free (candidates);
    s_query_release (&query);
    page->took_us = s_microseconds () - started;
    if (rc == BS_E_SYSTEM)
        bs_error_set (error, rc, "", "out of memory");
    return rc;
}

/* Highlighting                                                           */

static int
s_fragment (bs_list_t *list, const char *text, size_t length, bool hit, const char *before,
            const char *after)
{
    bs_search_fragment_t *fragments = list->items;
    size_t extra = strlen (before) + strlen (after);
    char *piece = malloc (length + extra + 1);
    if (!piece)
        return BS_E_SYSTEM;
    size_t used = (size_t) snprintf (piece, extra + 1, "%s", before);
    for (size_t i = 0; i < length; i++) /* a snippet is one line */
        piece[used++] = text[i] == '\n' || text[i] == '\r' || text[i] == '\t' ? ' ' : text[i];
    memcpy (piece + used, after, strlen (after) + 1);
    fragments[list->count++] = (bs_search_fragment_t){.text = piece, .hit = hit};
    return BS_OK;
}

/* Mark in marks (text.count) every occurrence of the query's runs. */
static int
s_mark (const archive_text_t *text, const char *words, bool *marks)
{
    archive_text_t query;
    if (archive_text_decode (words, strlen (words), &query) != 0)
        return BS_E_SYSTEM;
    size_t at = 0;
    archive_run_t run;
    while (archive_text_next_run (&query, &at, &run)) {
        size_t length = run.end - run.first;
        for (size_t i = 0; i + length <= text->count; i++)
            if (archive_text_matches (text, i, query.folded + run.first, length))
                for (size_t j = i; j < i + length; j++)
                    marks[j] = true;
    }
    archive_text_release (&query);
    return BS_OK;
}

int
archive_highlight (const char *source, const char *words, bool whole, bs_list_t *list)
{
    memset (list, 0, sizeof *list);
    archive_text_t text;
    if (archive_text_decode (source, strlen (source), &text) != 0)
        return BS_E_SYSTEM;
    bool *marks = calloc (text.count + 1, sizeof *marks);
    list->items = calloc (S_FRAGMENTS_MAX, sizeof (bs_search_fragment_t));
    int rc = marks && list->items ? s_mark (&text, words, marks) : BS_E_SYSTEM;
    size_t first = 0, end = text.count;
    if (rc == BS_OK && !whole) {
        size_t hit = 0;
        while (hit < text.count && !marks[hit])
            hit++;
        if (hit == text.count)
            hit = 0;
        first = hit > S_SNIPPET_BEFORE ? hit - S_SNIPPET_BEFORE : 0;
        end = first + S_SNIPPET_LENGTH < text.count ? first + S_SNIPPET_LENGTH : text.count;
    }
    for (size_t i = first; rc == BS_OK && i < end;) {
        size_t j = i + 1;
        while (j < end && marks[j] == marks[i])
            j++;
        if (list->count == S_FRAGMENTS_MAX - 1)
            j = end; /* the rest in one piece */
        const char *before = i == first && first > 0 ? "…" : "";
        const char *after = j == end && end < text.count ? "…" : "";
        rc = s_fragment (list, source + text.offsets[i], text.offsets[j] - text.offsets[i],
                         marks[i], before, after);
        i = j;
    }
    free (marks);
    archive_text_release (&text);
    return rc;
}
