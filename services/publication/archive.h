/*  archive: every item of every published issue, kept for full-text
    search (檢索): `baosong search`, GET /api/v1/search, the
    publication.search command.

    Publishing an issue archives its items in the same transaction
    (archive_add_issue), so the archive holds exactly the published
    issues; an issue published before the archive existed is archived when
    the service starts (archive_catch_up). Adoptions recorded at other
    levels are noted too (archive_add_level), for the level filter.

    Databases (in publication's store):
      archive          doc id (u64 key) -> publication.archive_entry
      archive_meta     doc id -> what the filters read, packed:
                       published_at (8 bytes, big-endian), report id (8),
                       then periodical, unit, level, NUL-terminated
      archive_terms    term, NUL, first doc id of the chunk (4 bytes,
                       big-endian) -> postings in doc order, each the
                       distance from the doc before and the weight as
                       varints (archive_postings.h), at most
                       ARCHIVE_CHUNK_POSTINGS; a term's chunks follow each
                       other, and a new doc only ever appends to the
                       term's last chunk (doc ids grow), so adding an item
                       touches one small value per term. One key, NUL
                       "varint", says the postings are in this form (an
                       archive indexed with fixed 6-byte postings before it
                       is indexed again: archive_upgrade)
      archive_levels   report id (8) + level -> "" (adopted there)
      archive_issues   issue id (8) -> first doc id (archived once)

    Terms are archive_text.h's (Chinese bigrams and run-final characters,
    folded Traditional to Simplified; Latin words). A term's weight in an
    item is its count in the body plus ARCHIVE_TITLE_WEIGHT times its count
    in the title.

    Search (archive_search): every query term must occur (a single Chinese
    character matches every term that starts with it); items are scored by
    the sum of weight x log(1 + items / items with the term), best first,
    newest first among equals; a Chinese run of three characters or more
    is checked word for word in the item's text (bigrams alone would also
    find its pieces apart). Filters read archive_meta, never the item.
    The candidates are ranked with a heap (archive_rank.h), taken only as
    far as the page and the phrase check need; a one-character query
    merges its terms' postings, which are each in doc order.
*/
#ifndef ARCHIVE_H_INCLUDED
#define ARCHIVE_H_INCLUDED

#include <lmdb.h>

#include "bs_error.h"
#include "bs_schemas.h"

#define ARCHIVE_CHUNK_POSTINGS 128
#define ARCHIVE_TITLE_WEIGHT 4

/* The databases above, opened by the store (their names are in
   ARCHIVE_DATABASES, for publication_databases). */
typedef struct {
    MDB_dbi entries, meta, terms, levels, issues;
} archive_t;

#define ARCHIVE_DATABASES "archive", "archive_meta", "archive_terms", "archive_levels", "archive_issues"

/* Archive the items of a published issue whose periodical is at level.
   An issue archived before is left as it is. BS_OK, a store error, or
   BS_E_SYSTEM (out of memory). */
int archive_add_issue (MDB_txn *txn, const archive_t *archive, const bs_issue_t *issue,
                       const char *level);

/* Index the archive again when its postings are in the older fixed form
   (no format key in archive_terms), and mark them varints; *reindexed
   says how many items were indexed again (0 when there was nothing to
   do). BS_OK or a store error. */
int archive_upgrade (MDB_txn *txn, const archive_t *archive, size_t *reindexed);

/* Note that report_id was adopted at level (idempotent). */
int archive_add_level (MDB_txn *txn, const archive_t *archive, uint64_t report_id,
                       const char *level);

/* The items archived so far. */
int archive_count (MDB_txn *txn, const archive_t *archive, uint64_t *count);

/* Search: page (the caller frees it with bs_codec_record_free) holds the
   hits of query. BS_E_INVALID with error filled for a bad query (no
   words, a bad date, an unknown level); a store error; BS_E_SYSTEM. */
int archive_search (MDB_txn *txn, const archive_t *archive, const bs_search_request_t *query,
                    bs_search_page_t *page, bs_error_t *error);

/* Mark in text (fragments: a list of search_fragment records, malloc'd
   into *list) the occurrences of query's words: all of title (whole), or
   of a body a window around its first match. BS_OK or BS_E_SYSTEM. */
int archive_highlight (const char *text, const char *query, bool whole, bs_list_t *list);

#endif
