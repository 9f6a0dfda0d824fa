/*  rules: the scoring rules, a versioned INI file an office edits by hand.

    A rules file (parsed with inih, Debian's libinih) has these sections;
    every value is a whole number, 0 or more, and every key must be known:

        [rules]
        name = 2026年度信息工作考核辦法   ; shown beside the version

        [points]            ; points per piece, by any figure of statistics.row
        adopted = 1
        adopted_city = 3
        instructed_province = 4

        [penalties]         ; of scored commissions (約稿)
        missed = 5          ; per commission not answered at all
        answered_late = 2   ; per commission answered after its deadline
        zero_after_missed = 2  ; this many missed zero the assessment (0: never)

        [rewards]           ; 稿酬 in yuan per adopted piece, by level
        adopted = 50
        adopted_central = 500

        [quotas]            ; 信息任務 per month, by tier
        figure = adopted    ; the figure a quota counts (default adopted)
        county = 2

        [unit_quotas]       ; per month for one unit, over its tier's
        林州市 = 3

        [parent_credit]     ; by tier: the percent of a unit's points
        township = 50       ; also credited to its parent unit (its own
                            ; points stay its own)

        [synthesis]         ; a synthesis (綜合) of n units' items
        split = 1           ; 1: each source unit scores 1/n of an adoption
                            ; (points and reward of adopted); 0: each
                            ; scores a whole adoption

        [assessment]        ; the 100-point assessment (百分考核)
        quota = 30          ; weights of its parts: they sum to 100
        quality = 20
        timeliness = 20
        upward = 30
        upward_full = 20    ; upward points that earn the whole upward part
                            ; (0: any upward point earns it)

    Lines starting with ; or # are comments, as is what follows " ;" on a
    line. A key missing from the file is 0 (a section missing: all 0), but
    [assessment] weights must sum to 100 when any is given; a file without
    [assessment] takes the default weights above.

    A file is refused as a whole, with the number of the first line at
    fault, for a syntax error, an unknown section or key, or a value that
    is not a whole number of 0 or more; the rules in force stay. Loaded
    files are kept in the rules database as versions 1, 2, ...; version 0
    is statistics_rules_default, in force until a file is loaded.
*/
#ifndef STATISTICS_RULES_H_INCLUDED
#define STATISTICS_RULES_H_INCLUDED

#include <lmdb.h>
#include <stdint.h>

#include "bs_error.h"
#include "bs_store.h"
#include "bs_schemas.h"
#include "measures.h"

#define STATISTICS_TIERS 6 /* the tiers of units.h, in statistics_tier_order */

typedef struct {
    char *unit;       /* owned */
    uint64_t monthly; /* quota per month */
} statistics_unit_quota_t;

typedef struct {
    uint64_t version;                       /* 0: built in */
    char *name;                             /* owned, "" when none */
    uint64_t points[STATISTICS_MEASURES];   /* per piece of each figure */
    uint64_t rewards[STATISTICS_MEASURES];  /* yuan per adoption */
    uint64_t penalty_missed;                /* per missed scored commission */
    uint64_t penalty_late;                  /* per late scored commission */
    uint64_t zero_after_missed;             /* 0: never */
    statistics_measure_t quota_figure;      /* what a quota counts */
    uint64_t tier_quotas[STATISTICS_TIERS]; /* per month, by tier order */
    statistics_unit_quota_t *unit_quotas;   /* owned */
    size_t unit_quota_count;
    uint64_t weight_quota, weight_quality, weight_timeliness, weight_upward;
    uint64_t upward_full;
    bool synthesis_split;                     /* a synthesis's sources share its credit */
    uint64_t parent_credit[STATISTICS_TIERS]; /* percent, by tier order */
} statistics_rules_t;

/* The rules in force until a file is loaded (version 0). */
extern const char statistics_rules_default[];

/* Parse text into rules (cleared with statistics_rules_clear, also after a
   failure). Returns BS_OK, or BS_E_INVALID with error naming the line
   ("line 7: unknown key 'adoptd' in [points]", field "text"), and in its
   line and reason the first line at fault and what is wrong there:
   syntax (no [section] nor key = value), unknown_section, unknown_key,
   not_whole (a value not a whole number of 0 or more), out_of_range (a
   [parent_credit] percent over 100, a [synthesis] split over 1),
   unknown_figure (the [quotas] figure), weights_sum (the [assessment]
   weights do not sum to 100: the line of the first). */
int statistics_rules_parse (const char *text, statistics_rules_t *rules, bs_error_t *error);
void statistics_rules_clear (statistics_rules_t *rules);

/* The monthly quota of a unit of tier (its own line, or its tier's). */
uint64_t statistics_rules_quota (const statistics_rules_t *rules, const char *unit,
                                 const char *tier);

/* Parse text and keep it as the next version in the rules database;
   record receives what was kept (free with bs_codec_record_free). */
int statistics_rules_put (MDB_txn *txn, MDB_dbi database, const char *text, const char *by,
                          uint64_t now, bs_stats_rules_t *record, bs_error_t *error);

/* Read version (0: the one in force) as its record and parsed rules
   (either may be NULL). BS_E_NOT_FOUND when no such version. */
int statistics_rules_get (MDB_txn *txn, MDB_dbi database, uint64_t version,
                          bs_stats_rules_t *record, statistics_rules_t *rules, bs_error_t *error);

/* The history (statistics.rules_list): every version, newest first, then
   version 0, at most limit (0: BS_PAGE_MAX), the newest in force; page
   is freed with bs_codec_record_free, and holds nothing after a failure. */
int statistics_rules_list (MDB_txn *txn, MDB_dbi database, uint64_t limit, bs_rules_page_t *page,
                           bs_error_t *error);

/* Load put (the request statistics.rules_put) as the next version in the
   kept store (kept.h) at time now, once per request; record receives the
   version kept (free with bs_codec_record_free). */
int statistics_rules_load (bs_store_t *kept, const bs_message_t *put, uint64_t now,
                           bs_stats_rules_t *record, bs_error_t *error);

/* statistics_rules_get in a read transaction of the kept store. */
int statistics_rules_read (bs_store_t *kept, uint64_t version, bs_stats_rules_t *record,
                           statistics_rules_t *rules, bs_error_t *error);

/* statistics_rules_list in a read transaction of the kept store. */
int statistics_rules_versions (bs_store_t *kept, uint64_t limit, bs_rules_page_t *page,
                               bs_error_t *error);

#endif
