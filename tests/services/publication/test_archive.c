/*  archive: published items indexed in LMDB and found again: either
    script finds both, every word must occur, filters, ranking, snippets,
    bad queries. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive.h"
#include "archive_postings.h"
#include "bs_store.h"
#include "bs_test.h"

static char *s_folder;
static bs_store_t *s_store;
static archive_t s_archive;

static int
s_setup (void **state)
{
    (void) state;
    s_folder = bs_test_temp_dir ("archive");
    const char *const names[] = {ARCHIVE_DATABASES, NULL};
    bs_error_t error;
    s_store = bs_store_new (s_folder, names, NULL, &error);
    if (!s_store)
        return -1;
    s_archive = (archive_t){bs_store_dbi (s_store, "archive"), bs_store_dbi (s_store, "archive_meta"),
                            bs_store_dbi (s_store, "archive_terms"),
                            bs_store_dbi (s_store, "archive_levels"),
                            bs_store_dbi (s_store, "archive_issues")};
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    bs_store_destroy (&s_store);
    bs_folder_remove (s_folder);
    free (s_folder);
    return 0;
}

/* Local noon of a day, ms. */
static uint64_t
s_day (int year, int month, int day)
{
    struct tm when = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = 12,
                      .tm_isdst = -1};
    return (uint64_t) mktime (&when) * 1000;
}

typedef struct {
    const bs_issue_t *issue;
    const char *level;
} s_add_t;

static int
s_add (MDB_txn *txn, void *argument)
{
    const s_add_t *add = argument;
    return archive_add_issue (txn, &s_archive, add->issue, add->level);
}

static void
s_publish (uint64_t issue_id, const char *periodical, uint64_t published_at, const char *level,
           bs_issue_item_t *items, size_t count)
{
    bs_issue_t issue = {.issue_id = issue_id,
                        .periodical = (char *) periodical,
                        .year = 2026,
                        .number = issue_id,
                        .total = issue_id,
                        .state = "published",
                        .published_at = published_at,
                        .items = {.items = items, .count = count}};
    s_add_t add = {&issue, level};
    assert_int_equal (bs_store_write (s_store, s_add, &add), BS_OK);
}

static int
s_search (const bs_search_request_t *request, bs_search_page_t *page)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (s_store, &txn), BS_OK);
    bs_error_t error = {0};
    int rc = archive_search (txn, &s_archive, request, page, &error);
    mdb_txn_abort (txn);
    return rc;
}

/* The reg_nos of one page of request's hits, joined by spaces (a static
   buffer); its total into *total, the hits on the page into *shown. */
static const char *
s_page_shown (bs_search_request_t request, uint64_t *total, size_t *shown)
{
    bs_search_page_t page;
    assert_int_equal (s_search (&request, &page), BS_OK);
    static char found[1024];
    found[0] = 0;
    const bs_search_hit_t *hits = page.hits.items;
    for (size_t i = 0; i < page.hits.count; i++)
        snprintf (found + strlen (found), sizeof found - strlen (found), "%s%s", i ? " " : "",
                  hits[i].reg_no);
    assert_true (page.total_exact);
    *total = page.total;
    *shown = page.hits.count;
    bs_codec_record_free (&bs_search_page_schema, &page);
    return found;
}

/* The reg_nos of one page of request's hits, joined by spaces; its total
   into *total. */
static const char *
s_page_of (bs_search_request_t request, uint64_t *total)
{
    size_t shown;
    return s_page_shown (request, total, &shown);
}

/* The reg_nos of all of a search's hits (one page), joined by spaces. */
static const char *
s_found (const char *q, const bs_search_request_t *filters)
{
    bs_search_request_t request = filters ? *filters : (bs_search_request_t){0};
    request.q = (char *) q;
    uint64_t total;
    size_t shown;
    const char *found = s_page_shown (request, &total, &shown);
    assert_int_equal (total, shown);
    return found;
}

static void
test_the_archive (void **state)
{
    (void) state;
    bs_issue_item_t first[] = {
        {.report_id = 1, .reg_no = "R1", .unit = "甲縣", .title = "基層黨建工作紮實推進",
         .body = "甲縣組織部門抓基層黨建，發展黨員三百名。"},
        {.report_id = 2, .reg_no = "R2", .unit = "乙縣", .title = "幹部監督有新舉措",
         .body = "乙县强化干部监督，组织工作稳步推进。"},
    };
    s_publish (1, "組工信息", s_day (2026, 3, 10), "city", first, 2);
    bs_issue_item_t second[] = {
        {.report_id = 3, .reg_no = "R3", .unit = "甲縣", .title = "村委換屆選舉順利完成",
         .body = "The village election (換屆) went well; 黨建 was mentioned once."},
    };
    s_publish (2, "重點上報信息", s_day (2026, 6, 1), "city", second, 1);
    /* 组织, 织工 and 工作 all occur here, 组织工作 does not */
    bs_issue_item_t third[] = {
        {.report_id = 4, .reg_no = "R4", .unit = "丙縣", .title = "紡織廠見聞",
         .body = "織工們在工作，組織了活動。"},
    };
    s_publish (3, "組工信息", s_day (2026, 7, 1), "county", third, 1);
    /* publishing the same issue again archives nothing more */
    s_publish (2, "重點上報信息", s_day (2026, 6, 1), "city", second, 1);
    MDB_txn *txn;
    uint64_t count = 0;
    assert_int_equal (bs_store_read_begin (s_store, &txn), BS_OK);
    assert_int_equal (archive_count (txn, &s_archive, &count), BS_OK);
    mdb_txn_abort (txn);
    assert_int_equal (count, 4);

    /* Either script finds both; the title counts more than the body */
    assert_string_equal (s_found ("党建", NULL), "R1 R3");
    assert_string_equal (s_found ("黨建", NULL), "R1 R3");
    assert_string_equal (s_found ("组织工作", NULL), "R2");
    /* in a title first, then the newest */
    assert_string_equal (s_found ("工作", NULL), "R1 R4 R2");
    assert_string_equal (s_found ("組織工作", NULL), "R2");
    /* every word must occur; Latin words are case-blind */
    assert_string_equal (s_found ("党建 VILLAGE", NULL), "R3");
    assert_string_equal (s_found ("党建 干部", NULL), "");
    /* one character finds it anywhere, also last in a run */
    assert_string_equal (s_found ("督", NULL), "R2");
    assert_string_equal (s_found ("措", NULL), "R2");
    assert_string_equal (s_found ("名", NULL), "R1");
    /* a phrase must stand together: R1 holds 推进 and 扎实 but not
       推进扎实, whose bigrams other than 进扎 it holds */
    assert_string_equal (s_found ("推进扎实", NULL), "");
    assert_string_equal (s_found ("扎实推进", NULL), "R1");
    /* filters */
    bs_search_request_t filters = {.periodical = "重點上報信息"};
    assert_string_equal (s_found ("党建", &filters), "R3");
    filters = (bs_search_request_t){.unit = "甲縣"};
    assert_string_equal (s_found ("推进", &filters), "R1");
    filters = (bs_search_request_t){.from = "2026-03-10", .to = "2026-03-10"};
    assert_string_equal (s_found ("党建", &filters), "R1");
    filters = (bs_search_request_t){.from = "2026-03-11"};
    assert_string_equal (s_found ("党建", &filters), "R3");
    filters = (bs_search_request_t){.level = "city"};
    assert_string_equal (s_found ("党建", &filters), "R1 R3");
    filters = (bs_search_request_t){.level = "province"};
    assert_string_equal (s_found ("党建", &filters), "");
}

static int
s_adopted_at_province (MDB_txn *txn, void *argument)
{
    (void) argument;
    return archive_add_level (txn, &s_archive, 3, "province");
}

static void
test_an_adoption_above_counts_for_the_level_filter (void **state)
{
    (void) state;
    assert_int_equal (bs_store_write (s_store, s_adopted_at_province, NULL), BS_OK);
    bs_search_request_t filters = {.level = "province"};
    assert_string_equal (s_found ("党建", &filters), "R3");
}

static void
test_hits_are_highlighted (void **state)
{
    (void) state;
    bs_search_request_t request = {.q = "黨建"};
    bs_search_page_t page;
    assert_int_equal (s_search (&request, &page), BS_OK);
    assert_int_equal (page.hits.count, 2);
    const bs_search_hit_t *hit = page.hits.items;
    assert_string_equal (hit->issue, "2026年第1期（總第1期）");
    assert_string_equal (hit->level, "city");
    assert_true (hit->score > 0);
    /* 基層【黨建】工作紮實推進 */
    const bs_search_fragment_t *title = hit->title_fragments.items;
    assert_int_equal (hit->title_fragments.count, 3);
    assert_string_equal (title[0].text, "基層");
    assert_false (title[0].hit);
    assert_string_equal (title[1].text, "黨建");
    assert_true (title[1].hit);
    const bs_search_fragment_t *snippet = hit->snippet.items;
    bool marked = false;
    for (size_t i = 0; i < hit->snippet.count; i++)
        marked |= snippet[i].hit && strcmp (snippet[i].text, "黨建") == 0;
    assert_true (marked);
    bs_codec_record_free (&bs_search_page_schema, &page);
}

static void
test_a_long_body_gets_a_window (void **state)
{
    (void) state;
    bs_list_t fragments;
    char body[4096] = "";
    for (int i = 0; i < 100; i++)
        strcat (body, "前文");
    strcat (body, "關鍵\n詞");
    for (int i = 0; i < 100; i++)
        strcat (body, "後文");
    assert_int_equal (archive_highlight (body, "关键", false, &fragments), BS_OK);
    assert_int_equal (fragments.count, 3);
    bs_search_fragment_t *pieces = fragments.items;
    assert_memory_equal (pieces[0].text, "…", strlen ("…"));
    assert_string_equal (pieces[1].text, "關鍵");
    assert_true (pieces[1].hit);
    assert_null (strchr (pieces[2].text, '\n'));
    assert_string_equal (pieces[2].text + strlen (pieces[2].text) - strlen ("…"), "…");
    for (size_t i = 0; i < fragments.count; i++)
        bs_codec_record_free (&bs_search_fragment_schema, &pieces[i]);
    free (fragments.items);
}

static void
test_bad_queries_are_refused (void **state)
{
    (void) state;
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (s_store, &txn), BS_OK);
    bs_search_page_t page;
    bs_error_t error = {0};
    bs_search_request_t request = {.q = "，。！"};
    assert_int_equal (archive_search (txn, &s_archive, &request, &page, &error), BS_E_INVALID);
    assert_string_equal (error.field, "q");
    bs_codec_record_free (&bs_search_page_schema, &page);
    request = (bs_search_request_t){.q = "党建", .from = "2026-02-30"};
    assert_int_equal (archive_search (txn, &s_archive, &request, &page, &error), BS_E_INVALID);
    assert_string_equal (error.field, "from");
    bs_codec_record_free (&bs_search_page_schema, &page);
    request = (bs_search_request_t){.q = "党建", .level = "galaxy"};
    assert_int_equal (archive_search (txn, &s_archive, &request, &page, &error), BS_E_INVALID);
    assert_string_equal (error.field, "level");
    bs_codec_record_free (&bs_search_page_schema, &page);
    mdb_txn_abort (txn);
}

static void
test_pages_follow_each_other (void **state)
{
    (void) state;
    bs_search_request_t request = {.q = "党建", .limit = 1};
    bs_search_page_t page;
    assert_int_equal (s_search (&request, &page), BS_OK);
    assert_int_equal (page.total, 2);
    assert_int_equal (page.hits.count, 1);
    assert_string_equal (((bs_search_hit_t *) page.hits.items)->reg_no, "R1");
    bs_codec_record_free (&bs_search_page_schema, &page);
    request.offset = 1;
    assert_int_equal (s_search (&request, &page), BS_OK);
    assert_int_equal (page.hits.count, 1);
    assert_string_equal (((bs_search_hit_t *) page.hits.items)->reg_no, "R3");
    bs_codec_record_free (&bs_search_page_schema, &page);
}

static int
s_adopted_above (MDB_txn *txn, void *argument)
{
    (void) argument;
    int rc = archive_add_level (txn, &s_archive, 106, "province");
    if (rc == BS_OK)
        rc = archive_add_level (txn, &s_archive, 113, "province");
    return rc;
}

/* 24 items scored alike, S1 to S24 (S5 says the words twice, so ranks
   higher), in 6 issues a day apart, the odd ones from 甲縣: equal scores
   come newest first on every page, filters and pages together, a page
   larger than what is found. */
static void
test_equal_scores_newest_first_on_every_page (void **state)
{
    (void) state;
    static char reg_nos[24][8];
    bs_issue_item_t items[24];
    for (int i = 0; i < 24; i++) {
        snprintf (reg_nos[i], sizeof reg_nos[i], "S%d", i + 1);
        items[i] = (bs_issue_item_t){.report_id = (uint64_t) (101 + i),
                                     .reg_no = reg_nos[i],
                                     .unit = i % 2 ? "乙縣" : "甲縣",
                                     .title = i == 4 ? "選調生在基層，選調生在村" : "選調生在基層",
                                     .body = "駐村一年。"};
    }
    for (int issue = 0; issue < 6; issue++)
        s_publish ((uint64_t) (20 + issue), "組工信息", s_day (2025, 5, 1 + issue), "city",
                   items + issue * 4, 4);
    uint64_t total;
    const char *all = "S5 S24 S23 S22 S21 S20 S19 S18 S17 S16 S15 S14 S13 S12 S11 S10 S9 S8 S7 S6 "
                      "S4 S3 S2 S1";
    assert_string_equal (s_page_of ((bs_search_request_t){.q = "选调生", .limit = 50}, &total), all);
    assert_int_equal (total, 24);
    assert_string_equal (s_page_of ((bs_search_request_t){.q = "選調生", .limit = 3}, &total),
                         "S5 S24 S23");
    assert_int_equal (total, 24);
    assert_string_equal (
        s_page_of ((bs_search_request_t){.q = "选调生", .offset = 21, .limit = 5}, &total),
        "S3 S2 S1");
    assert_int_equal (total, 24);
    assert_string_equal (
        s_page_of ((bs_search_request_t){.q = "选调生", .offset = 30, .limit = 5}, &total), "");
    assert_int_equal (total, 24);
    /* a phrase (checked word for word) gives the same order */
    assert_string_equal (s_page_of ((bs_search_request_t){.q = "選調生在基層", .limit = 50}, &total),
                         all);
    assert_int_equal (total, 24);
    /* filters, then pages of what passes */
    assert_string_equal (s_page_of ((bs_search_request_t){.q = "选调生", .unit = "甲縣",
                                                            .offset = 2, .limit = 3},
                                    &total),
                         "S21 S19 S17");
    assert_int_equal (total, 12);
    assert_string_equal (s_page_of ((bs_search_request_t){.q = "选调生在", .unit = "乙縣",
                                                            .offset = 10, .limit = 5},
                                    &total),
                         "S4 S2");
    assert_int_equal (total, 12);
    /* issues 2 and 3 (S5..S12), 甲縣's: S5 first, then the newest */
    assert_string_equal (s_page_of ((bs_search_request_t){.q = "选调生", .unit = "甲縣",
                                                            .from = "2025-05-02", .to = "2025-05-03"},
                                    &total),
                         "S5 S11 S9 S7");
    assert_int_equal (total, 4);
    assert_string_equal (s_page_of ((bs_search_request_t){.q = "选调生", .periodical = "重點上報信息"},
                                    &total),
                         "");
    assert_int_equal (total, 0);
    /* adopted above: S6 and S13 only */
    assert_int_equal (bs_store_write (s_store, s_adopted_above, NULL), BS_OK);
    assert_string_equal (
        s_page_of ((bs_search_request_t){.q = "选调生", .level = "province"}, &total), "S13 S6");
    assert_int_equal (total, 2);
    assert_string_equal (s_page_of ((bs_search_request_t){.q = "选调生", .level = "province",
                                                            .offset = 1, .limit = 1},
                                    &total),
                         "S6");
    assert_int_equal (total, 2);
    /* one character: every term it starts (村 last in S5's title, 村一 in
       every body, 村委 in R3's title), one hit per item, weights summed */
    assert_string_equal (s_page_of ((bs_search_request_t){.q = "村", .limit = 4}, &total),
                         "S5 R3 S24 S23");
    assert_int_equal (total, 25);
}

/* Postings as varints read back as written: distances from the chunk's
   first doc, big gaps, weights kept up to ARCHIVE_WEIGHT_MAX; a chunk cut
   short, out of order, or fuller than the room given is refused. */
static void
test_postings_read_back (void **state)
{
    (void) state;
    const archive_posting_t written[] = {{7, 1},     {8, 4},         {300, 127},
                                         {301, 128}, {70000, 65535}, {UINT32_MAX, 3}};
    unsigned char chunk[6 * ARCHIVE_POSTING_BYTES_MAX];
    size_t used = 0;
    uint32_t previous = written[0].doc;
    for (size_t i = 0; i < 6; i++) {
        used += archive_posting_write (chunk + used, previous, written[i].doc, written[i].weight);
        previous = written[i].doc;
    }
    assert_int_equal (used, 2 + 2 + 3 + 3 + 6 + 6);
    archive_posting_t read[6];
    assert_int_equal (archive_postings_read (chunk, used, 7, read, 6), 6);
    assert_memory_equal (read, written, sizeof written);
    unsigned char clamped[ARCHIVE_POSTING_BYTES_MAX];
    size_t size = archive_posting_write (clamped, 5, 5, 1000000);
    assert_int_equal (archive_postings_read (clamped, size, 5, read, 1), 1);
    assert_int_equal (read[0].weight, ARCHIVE_WEIGHT_MAX);
    assert_int_equal (archive_postings_read (chunk, used - 1, 7, read, 6), -1);
    assert_int_equal (archive_postings_read (chunk, used, 7, read, 5), -1);
    const unsigned char twice[] = {0, 1, 0, 1}; /* the same doc again */
    assert_int_equal (archive_postings_read (twice, sizeof twice, 7, read, 6), -1);
    const unsigned char past[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1}; /* beyond 2^32 */
    assert_int_equal (archive_postings_read (past, sizeof past, 7, read, 6), -1);
}

/* The postings of one term, every chunk in key order: each chunk's
   first doc (from its key) and its postings, into docs and weights; the
   chunks' sizes into sizes. Returns the number of postings. */
static size_t
s_term_postings (const char *term, uint32_t *docs, uint32_t *weights, size_t capacity,
                 size_t *sizes, size_t *chunks)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (s_store, &txn), BS_OK);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, s_archive.terms, &cursor), 0);
    size_t length = strlen (term), count = 0;
    MDB_val key = {length + 1, (void *) term}, value;
    *chunks = 0;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
    for (; found == 0 && key.mv_size == length + 5 && memcmp (key.mv_data, term, length + 1) == 0;
         found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        uint32_t first = archive_key_doc ((const unsigned char *) key.mv_data + length + 1);
        archive_posting_t postings[ARCHIVE_CHUNK_POSTINGS];
        long read = archive_postings_read (value.mv_data, value.mv_size, first, postings,
                                           ARCHIVE_CHUNK_POSTINGS);
        assert_true (read > 0);
        assert_int_equal (postings[0].doc, first); /* a chunk is keyed by its first doc */
        for (long i = 0; i < read && count < capacity; i++, count++) {
            docs[count] = postings[i].doc;
            weights[count] = postings[i].weight;
        }
        sizes[(*chunks)++] = (size_t) read;
    }
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    return count;
}

/* The doc id the next archived item gets. */
static uint64_t
s_next_doc (void)
{
    uint64_t count;
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (s_store, &txn), BS_OK);
    assert_int_equal (archive_count (txn, &s_archive, &count), BS_OK);
    mdb_txn_abort (txn);
    return count + 1;
}

/* An issue's items are indexed together (each term's last chunk read and
   written once for the issue): the chunks are still those of adding the
   items one at a time. A term in 100 items of one issue, then in 270 of
   the next 300 (not in every tenth) and again in 1 item of a third, has
   its postings in order, each item once with its summed weight (title x4
   + body), in chunks of ARCHIVE_CHUNK_POSTINGS filled one after another:
   the first chunk topped up from the second issue, the last left short. */
static void
test_an_issue_indexed_at_once_fills_the_chunks_in_order (void **state)
{
    (void) state;
    static bs_issue_item_t items[300];
    static char reg_nos[300][32], titles[300][64];
    const char *term = "zqxchunk";
    uint64_t first = s_next_doc ();
    uint32_t expected[400];
    size_t expected_count = 0;
    uint64_t doc = first;
    const size_t sizes[] = {100, 300, 1};
    for (size_t issue = 0; issue < 3; issue++) {
        for (size_t i = 0; i < sizes[issue]; i++, doc++) {
            bool has = issue != 1 || i % 10 != 9;
            snprintf (reg_nos[i], sizeof reg_nos[i], "2026-9%02zu%03zu", issue, i);
            snprintf (titles[i], sizeof titles[i], "%s 標題", has ? term : "other");
            items[i] = (bs_issue_item_t){.report_id = 900000 + issue * 1000 + i,
                                         .reg_no = reg_nos[i],
                                         .unit = "雙河鎮",
                                         .title = titles[i],
                                         .body = has ? "zqxchunk 正文 ZQXCHUNK" : "正文"};
            if (has)
                expected[expected_count++] = (uint32_t) doc;
        }
        s_publish (900 + issue, "組工信息", s_day (2026, 3, 1), "county", items, sizes[issue]);
    }
    assert_int_equal (expected_count, 371);
    uint32_t docs[400], weights[400];
    size_t chunk_sizes[8], chunks;
    assert_int_equal (s_term_postings (term, docs, weights, 400, chunk_sizes, &chunks), 371);
    assert_memory_equal (docs, expected, sizeof docs[0] * expected_count);
    for (size_t i = 0; i < expected_count; i++)
        assert_int_equal (weights[i], ARCHIVE_TITLE_WEIGHT + 2);
    assert_int_equal (chunks, 3);
    assert_int_equal (chunk_sizes[0], ARCHIVE_CHUNK_POSTINGS);
    assert_int_equal (chunk_sizes[1], ARCHIVE_CHUNK_POSTINGS);
    assert_int_equal (chunk_sizes[2], 371 - 2 * ARCHIVE_CHUNK_POSTINGS);
    char query[32];
    snprintf (query, sizeof query, "%s", term);
    bs_search_request_t request = {.q = query};
    uint64_t total;
    s_page_of (request, &total);
    assert_int_equal (total, 371);
}

/* The terms of an issue are sorted by their first 8 bytes as a number
   and by the bytes after them apart: terms alike in their first 8 bytes
   (Latin words of 7 to 10 letters; a bigram of two supplementary-plane
   characters, 8 bytes) each keep their own postings, with each item's
   occurrences summed. */
static void
test_terms_alike_in_their_first_bytes_stay_apart (void **state)
{
    (void) state;
    bs_issue_item_t items[] = {
        {.report_id = 950001, .reg_no = "2026-95001", .unit = "雙河鎮", .title = "zqxlongaa1",
         .body = "zqxlongab zqxlonga zqxlongaa1 \xf0\xa0\x80\x80\xf0\xa0\x80\x81"},
        {.report_id = 950002, .reg_no = "2026-95002", .unit = "雙河鎮", .title = "zqxlong",
         .body = "zqxlongaa2 zqxlonga zqxlonga \xf0\xa0\x80\x80\xf0\xa0\x80\x82"},
    };
    uint64_t first = s_next_doc ();
    s_publish (950, "組工信息", s_day (2026, 4, 1), "county", items, 2);
    const struct {
        const char *term;
        size_t count;
        uint32_t docs[2], weights[2];
    } expected[] = {
        {"zqxlong", 1, {1}, {ARCHIVE_TITLE_WEIGHT}},
        {"zqxlonga", 2, {0, 1}, {1, 2}},
        {"zqxlongaa1", 1, {0}, {ARCHIVE_TITLE_WEIGHT + 1}},
        {"zqxlongaa2", 1, {1}, {1}},
        {"zqxlongab", 1, {0}, {1}},
        {"\xf0\xa0\x80\x80\xf0\xa0\x80\x81", 1, {0}, {1}},
        {"\xf0\xa0\x80\x80\xf0\xa0\x80\x82", 1, {1}, {1}},
    };
    for (size_t t = 0; t < sizeof expected / sizeof expected[0]; t++) {
        uint32_t docs[4], weights[4];
        size_t sizes[4], chunks;
        assert_int_equal (s_term_postings (expected[t].term, docs, weights, 4, sizes, &chunks),
                          expected[t].count);
        for (size_t i = 0; i < expected[t].count; i++) {
            assert_int_equal (docs[i], first + expected[t].docs[i]);
            assert_int_equal (weights[i], expected[t].weights[i]);
        }
    }
    assert_string_equal (s_found ("zqxlongab", NULL), "2026-95001");
    assert_string_equal (s_found ("zqxlonga", NULL), "2026-95002 2026-95001");

    /* 600 words of 11 letters alike in their first 8, in one item, then
       the same 600 again: each its own term (the table's probes meet many
       of the others), its two occurrences summed though the table grew
       (at 512 terms) between them */
    static char body[2 * 600 * 12 + 1];
    for (size_t i = 0; i < 2 * 600; i++)
        snprintf (body + i * 12, sizeof body - i * 12, "zqxlongb%03zu ", i % 600);
    bs_issue_item_t many = {.report_id = 950003, .reg_no = "2026-95003", .unit = "雙河鎮",
                            .title = "標題", .body = body};
    s_publish (951, "組工信息", s_day (2026, 4, 2), "county", &many, 1);
    for (size_t i = 0; i < 600; i++) {
        char term[16];
        snprintf (term, sizeof term, "zqxlongb%03zu", i);
        uint32_t docs[4], weights[4];
        size_t sizes[4], chunks;
        assert_int_equal (s_term_postings (term, docs, weights, 4, sizes, &chunks), 1);
        assert_int_equal (docs[0], first + 2);
        assert_int_equal (weights[0], 2);
    }
}

/* An archive indexed before postings were varints (fixed 6-byte
   postings, no format key) is indexed again at start, once, and finds
   what it found before. */
static int
s_make_old (MDB_txn *txn, void *argument)
{
    (void) argument;
    int rc = bs_store_clear (txn, s_archive.terms);
    unsigned char key[] = {0xE5, 0x85, 0x9A, 0xE5, 0xBB, 0xBA, 0, 0, 0, 0, 1}; /* 党建, doc 1 */
    unsigned char old[] = {0, 0, 0, 1, 0, 5, 0, 0, 0, 3, 0, 1};
    MDB_val mkey = {sizeof key, key}, value = {sizeof old, old};
    return rc ? rc : bs_store_put (txn, s_archive.terms, &mkey, &value, 0);
}

static int
s_upgrade (MDB_txn *txn, void *argument)
{
    return archive_upgrade (txn, &s_archive, argument);
}

static void
test_an_older_archive_is_indexed_again (void **state)
{
    (void) state;
    const char *queries[] = {"党建", "黨", "幹部監督", "甲縣", "组织工作"};
    char before[5][1024];
    for (size_t i = 0; i < 5; i++)
        snprintf (before[i], sizeof before[i], "%s", s_found (queries[i], NULL));
    assert_string_not_equal (before[0], "");
    uint64_t items;
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (s_store, &txn), BS_OK);
    assert_int_equal (archive_count (txn, &s_archive, &items), BS_OK);
    mdb_txn_abort (txn);
    /* this store was never marked (only the service's start marks it):
       indexed again, to the same postings */
    size_t reindexed = 0;
    assert_int_equal (bs_store_write (s_store, s_upgrade, &reindexed), BS_OK);
    assert_int_equal (reindexed, items);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal (s_found (queries[i], NULL), before[i]);
    /* an older archive: fixed postings the varint reader cannot read */
    assert_int_equal (bs_store_write (s_store, s_make_old, NULL), BS_OK);
    assert_int_equal (bs_store_write (s_store, s_upgrade, &reindexed), BS_OK);
    assert_int_equal (reindexed, items);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal (s_found (queries[i], NULL), before[i]);
    /* once marked, never again */
    assert_int_equal (bs_store_write (s_store, s_upgrade, &reindexed), BS_OK);
    assert_int_equal (reindexed, 0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_the_archive),
        cmocka_unit_test (test_an_adoption_above_counts_for_the_level_filter),
        cmocka_unit_test (test_hits_are_highlighted),
        cmocka_unit_test (test_a_long_body_gets_a_window),
        cmocka_unit_test (test_bad_queries_are_refused),
        cmocka_unit_test (test_pages_follow_each_other),
        cmocka_unit_test (test_equal_scores_newest_first_on_every_page),
        cmocka_unit_test (test_postings_read_back),
        cmocka_unit_test (test_an_issue_indexed_at_once_fills_the_chunks_in_order),
        cmocka_unit_test (test_terms_alike_in_their_first_bytes_stay_apart),
        cmocka_unit_test (test_an_older_archive_is_indexed_again),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
