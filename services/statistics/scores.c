/*  scores: points and the assessment from figures and rules; see scores.h. */
#include "scores.h"

#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "figures.h"

uint64_t
statistics_period_quota (uint64_t monthly, const statistics_extent_t *extent)
{
    if (extent->months)
        return monthly * extent->months;
    return (monthly * extent->days + 29) / 30;
}

/* part * have / full, have at most full; all of part when full is 0. */
static uint64_t
s_share (uint64_t part, uint64_t have, uint64_t full)
{
    if (full == 0)
        return part;
    return part * (have < full ? have : full) / full;
}

static bool
s_upward (statistics_measure_t measure)
{
    const char *name = statistics_measure_name (measure);
    return strncmp (name, "adopted_", 8) == 0 || strncmp (name, "instructed_", 11) == 0;
}

void
statistics_points_of (const statistics_rules_t *rules, const statistics_counters_t *counters,
                      uint64_t *points_p, uint64_t *reward_p, uint64_t *up_p)
{
    const uint64_t *c = counters->slot;
    uint64_t points = 0, reward = 0, up = 0;
    for (size_t m = 0; m < STATISTICS_MEASURES; m++) {
        if (m == STATISTICS_ADOPTED && rules->synthesis_split)
            continue; /* below */
        points += rules->points[m] * c[m];
        reward += rules->rewards[m] * c[m];
        if (s_upward ((statistics_measure_t) m))
            up += rules->points[m] * c[m];
    }
    if (rules->synthesis_split) {
        /* Whole pieces, then the sources' shares of syntheses. */
        uint64_t shared = c[STATISTICS_SYNTHESIS_ADOPTED], share = c[STATISTICS_SYNTHESIS_SHARE];
        uint64_t whole = c[STATISTICS_ADOPTED] > shared ? c[STATISTICS_ADOPTED] - shared : 0;
        points += rules->points[STATISTICS_ADOPTED] * whole
                  + rules->points[STATISTICS_ADOPTED] * share / 100;
        reward += rules->rewards[STATISTICS_ADOPTED] * whole
                  + rules->rewards[STATISTICS_ADOPTED] * share / 100;
    }
    if (points_p)
        *points_p = points;
    if (reward_p)
        *reward_p = reward;
    if (up_p)
        *up_p = up;
}

void
statistics_score_of (const statistics_rules_t *rules, const statistics_counters_t *counters,
                     uint64_t quota, bs_stats_score_t *score)
{
    const uint64_t *c = counters->slot;
    uint64_t points, reward, up;
    statistics_points_of (rules, counters, &points, &reward, &up);
    uint64_t late = c[STATISTICS_ANSWERED_LATE_SCORED];
    uint64_t missed = c[STATISTICS_MISSED_SCORED] > late ? c[STATISTICS_MISSED_SCORED] - late : 0;
    uint64_t answered = c[STATISTICS_ANSWERED], late_all = c[STATISTICS_ANSWERED_LATE];
    uint64_t on_time = answered > late_all ? answered - late_all : 0;
    score->points = points;
    score->reward = reward;
    score->penalty = rules->penalty_missed * missed + rules->penalty_late * late;
    score->quota = quota;
    score->quota_done = c[rules->quota_figure];
    score->quota_met = score->quota_done >= quota;
    score->score_quota = s_share (rules->weight_quota, score->quota_done, quota);
    uint64_t submitted = c[STATISTICS_SUBMITTED];
    score->score_quality =
        submitted ? s_share (rules->weight_quality, c[STATISTICS_ADOPTED], submitted) : 0;
    score->score_timeliness =
        s_share (rules->weight_timeliness, on_time, c[STATISTICS_COMMISSIONED]);
    /* upward_full 0: any upward point earns the whole part. */
    score->score_upward = rules->upward_full
                              ? s_share (rules->weight_upward, up, rules->upward_full)
                              : (up ? rules->weight_upward : 0);
    uint64_t parts =
        score->score_quota + score->score_quality + score->score_timeliness + score->score_upward;
    score->score = parts > score->penalty ? parts - score->penalty : 0;
    if (rules->zero_after_missed && missed >= rules->zero_after_missed)
        score->score = 0;
    score->submitted = submitted;
    score->adopted = c[STATISTICS_ADOPTED];
    score->adopted_county = c[STATISTICS_ADOPTED_COUNTY];
    score->adopted_city = c[STATISTICS_ADOPTED_CITY];
    score->adopted_province = c[STATISTICS_ADOPTED_PROVINCE];
    score->adopted_central = c[STATISTICS_ADOPTED_CENTRAL];
    score->commissioned = c[STATISTICS_COMMISSIONED];
    score->answered_late_scored = late;
    score->missed_scored = c[STATISTICS_MISSED_SCORED];
}

bool
statistics_score_value (const bs_stats_score_t *score, const char *by, uint64_t *value)
{
    const struct {
        const char *name;
        uint64_t value;
    } values[] = {
        {"score", score->score},
        {"points", score->points},
        {"reward", score->reward},
        {"penalty", score->penalty},
        {"quota_done", score->quota_done},
        {"submitted", score->submitted},
        {"adopted", score->adopted},
        {"adopted_county", score->adopted_county},
        {"adopted_city", score->adopted_city},
        {"adopted_province", score->adopted_province},
        {"adopted_central", score->adopted_central},
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        if (strcmp (by, values[i].name) == 0) {
            *value = values[i].value;
            return true;
        }
    return false;
}

/* Rank rows within their tiers by `by` and put them in ranking order. */
static int
s_rank (bs_stats_score_t *rows, size_t count, const char *by)
{
    bs_rank_row_t *ranks = calloc (count + 1, sizeof *ranks);
    bs_stats_score_t *ordered = calloc (count + 1, sizeof *ordered);
    if (!ranks || !ordered) {
        free (ranks);
        free (ordered);
        return BS_E_SYSTEM;
    }
    for (size_t i = 0; i < count; i++) {
        uint64_t value = 0;
        statistics_score_value (&rows[i], by, &value);
        /* submitted carries the row's index through the sort. */
        ranks[i] = (bs_rank_row_t){
            .unit = rows[i].unit, .tier = rows[i].tier, .value = value, .submitted = i};
    }
    statistics_rank (ranks, count);
    for (size_t i = 0; i < count; i++) {
        ordered[i] = rows[ranks[i].submitted];
        ordered[i].rank = ranks[i].rank;
    }
    memcpy (rows, ordered, count * sizeof *rows);
    free (ranks);
    free (ordered);
    return BS_OK;
}

/* The points each unit earns from the units just below it (rules.h
   [parent_credit]); from_below has set->count entries, zeroed. */
static void
s_credit_parents (const statistics_units_t *set, const statistics_counters_t *counters,
                  const statistics_rules_t *rules, uint64_t *from_below)
{
    for (size_t i = 0; i < set->count; i++) {
        const statistics_unit_t *unit = &set->units[i];
        int order = statistics_tier_order (unit->tier);
        if (unit->up == SIZE_MAX || order >= STATISTICS_TIERS || !rules->parent_credit[order])
            continue;
        bs_stats_score_t own = {0};
        statistics_score_of (rules, &counters[i], 0, &own);
        from_below[unit->up] += own.points * rules->parent_credit[order] / 100;
    }
}

static int
s_rows (const statistics_units_t *set, const statistics_counters_t *counters, const bool *shown,
        const statistics_rules_t *rules, const statistics_extent_t *extent, bool rollup,
        bs_stats_score_t **rows, size_t *count)
{
    *rows = calloc (set->count + 1, sizeof **rows);
    uint64_t *from_below = calloc (set->count + 1, sizeof *from_below);
    *count = 0;
    if (!*rows || !from_below) {
        free (from_below);
        return BS_E_SYSTEM;
    }
    if (!rollup)
        s_credit_parents (set, counters, rules, from_below);
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < set->count; i++) {
        if (!shown[i])
            continue;
        const statistics_unit_t *unit = &set->units[i];
        bs_stats_score_t *row = &(*rows)[(*count)++];
        uint64_t monthly = statistics_rules_quota (rules, unit->name, unit->tier);
        statistics_score_of (rules, &counters[i], statistics_period_quota (monthly, extent), row);
        row->points_from_below = from_below[i];
        row->points += from_below[i];
        row->unit = strdup (unit->name);
        row->tier = strdup (unit->tier);
        row->parent = strdup (unit->parent);
        if (!row->unit || !row->tier || !row->parent)
            rc = BS_E_SYSTEM;
    }
    free (from_below);
    return rc;
}

int
statistics_scores (MDB_txn *txn, const statistics_dbs_t *dbs, const statistics_rules_t *rules,
                   const bs_scores_request_t *query, bs_scores_page_t *page, bs_error_t *error)
{
    memset (page, 0, sizeof *page);
    const char *by = query->by && *query->by ? query->by : "score";
    bs_stats_score_t probe = {0};
    uint64_t ignored;
    if (!statistics_score_value (&probe, by, &ignored))
        return bs_error_set (error, BS_E_INVALID, "by",
                             "rank scores by score, points, reward, penalty, quota_done, "
                             "submitted, adopted or adopted_<level>, not '%s'",
                             by);
    statistics_extent_t extent;
    if (statistics_period_extent (query->period, &extent) != 0)
        extent = (statistics_extent_t){0}; /* the selection below says what is wrong */
    /* Every unit's figures, shown or not: a unit's points may come from
       below (s_credit_parents). */
    const char *unit = query->unit && *query->unit ? query->unit : NULL;
    const char *tier = query->tier && *query->tier ? query->tier : NULL;
    if (tier && !statistics_tier_known (tier))
        return bs_error_set (error, BS_E_INVALID, "tier",
                             "tier is province, city, county, township, section or key_unit, "
                             "not '%s'",
                             tier);
    statistics_selection_t selection = {query->period, query->basis, NULL, NULL, query->rollup};
    statistics_units_t set;
    statistics_counters_t *counters;
    bool *shown;
    int rc = statistics_unit_totals (txn, dbs, &selection, &set, &counters, &shown, error);
    if (rc != BS_OK)
        return rc;
    if (unit && statistics_units_find (&set, unit) == SIZE_MAX) {
        free (counters);
        free (shown);
        statistics_units_clear (&set);
        return bs_error_set (error, BS_E_NOT_FOUND, "unit", "unknown unit '%s'", unit);
    }
    for (size_t i = 0; i < set.count; i++)
        shown[i] = shown[i] && (!unit || strcmp (set.units[i].name, unit) == 0)
                   && (!tier || strcmp (set.units[i].tier, tier) == 0);
    bs_stats_score_t *rows = NULL;
    size_t count = 0;
    rc = s_rows (&set, counters, shown, rules, &extent, query->rollup, &rows, &count);
    page->rows = (bs_list_t){count, rows};
    if (rc == BS_OK)
        rc = s_rank (rows, count, by);
    free (counters);
    free (shown);
    statistics_units_clear (&set);
    page->period = strdup (query->period && *query->period ? query->period : "all");
    page->basis = strdup (statistics_basis_name (statistics_basis_named (query->basis)));
    page->by = strdup (by);
    page->rules_version = rules->version;
    page->rules_name = strdup (rules->name ? rules->name : "");
    if (rc == BS_OK && (!page->period || !page->basis || !page->by || !page->rules_name))
        rc = BS_E_SYSTEM;
    if (rc != BS_OK) {
        bs_codec_record_free (&bs_scores_page_schema, page);
        return bs_error_set (error, rc, "", "cannot score the units");
    }
    return BS_OK;
}

int
statistics_scores_kept (MDB_txn *txn, const statistics_dbs_t *dbs, bs_store_t *kept,
                        const bs_scores_request_t *query, bs_scores_page_t *page, bs_error_t *error)
{
    statistics_rules_t rules;
    int rc = statistics_rules_read (kept, query->rules_version, NULL, &rules, error);
    if (rc != BS_OK)
        return rc;
    rc = statistics_scores (txn, dbs, &rules, query, page, error);
    statistics_rules_clear (&rules);
    return rc;
}
