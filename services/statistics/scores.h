/*  scores: points, rewards, quotas and the 100-point assessment (百分考核)
    of every unit for a period, computed from the maintained figures with a
    version of the scoring rules (rules.h).

    Nothing here is stored: a score is a function of a unit's figures for
    the period and of the rules, so loading new rules recomputes the whole
    history at the next query, and asking an older rules version gives the
    scores it gave. Every page names the rules version it used.

    For one unit, with c the figures of the period and r the rules (all
    whole numbers, divisions rounded down):
      points    = sum of r.points[f] * c[f] over the figures f
      reward    = sum of r.rewards[f] * c[f]
                  (with [synthesis] split = 1, adopted counts as its whole
                  pieces, adopted - synthesis_adopted, plus
                  r.points[adopted] * synthesis_share / 100 in points and
                  r.rewards[adopted] * synthesis_share / 100 in reward)
      missed    = c.missed_scored - c.answered_late_scored (at least 0):
                  scored commissions never answered (a late answer comes
                  after the missed event of the same commission)
      points_from_below = sum over the units just below of their points
                  (their own, as above) * r.parent_credit[their tier] / 100,
                  each rounded down, added to points too (not rolled up:
                  a rolled-up row has its subtree's figures already)
      penalty   = r.missed * missed + r.answered_late * c.answered_late_scored
      quota     = the unit's monthly quota * months of the period (a range
                  of days: * days / 30, rounded up; all time: none)
      quota_done = c[r.figure]; quota_met: no quota, or done >= quota
      score_quota      = W.quota * min(done, quota) / quota (W.quota if none)
      score_quality    = W.quality * min(adopted, submitted) / submitted
                         (0 when nothing submitted)
      score_timeliness = W.timeliness * on time / commissioned, on time =
                         answered - answered_late (W if none commissioned)
      score_upward     = W.upward * min(up, upward_full) / upward_full, up =
                         the points of adopted_<level> and instructed_<level>
                         (upward_full 0: W for any upward point)
      score = sum of the parts - penalty, at least 0; 0 when
              zero_after_missed > 0 and missed >= zero_after_missed.
*/
#ifndef STATISTICS_SCORES_H_INCLUDED
#define STATISTICS_SCORES_H_INCLUDED

#include "period.h"
#include "queries.h"
#include "rules.h"

/* A unit's quota for a period of extent, from its monthly quota. */
uint64_t statistics_period_quota (uint64_t monthly, const statistics_extent_t *extent);

/* The [points] and [rewards] of counters with rules (the [synthesis]
   split included, no parent credit), and up: the points of adoptions and
   comments at the levels above. Any of the outputs may be NULL. */
void statistics_points_of (const statistics_rules_t *rules, const statistics_counters_t *counters,
                           uint64_t *points, uint64_t *reward, uint64_t *up);

/* Fill score's figures and scoring (not unit, tier, parent, rank) from
   counters with rules and the period's quota. */
void statistics_score_of (const statistics_rules_t *rules, const statistics_counters_t *counters,
                          uint64_t quota, bs_stats_score_t *score);

/* The value of score that by names (score, points, reward, penalty,
   quota_done or a figure of the score); false when by names none. */
bool statistics_score_value (const bs_stats_score_t *score, const char *by, uint64_t *value);

/* Answer statistics.scores with rules (the version query->rules_version
   asks, read by the caller): every shown unit, ranked within its tier by
   query->by, in ranking order (tiers in statistics_tier_order). Fill page
   (freed with bs_codec_record_free). Returns BS_OK or an error code with
   error naming the field at fault. */
int statistics_scores (MDB_txn *txn, const statistics_dbs_t *dbs, const statistics_rules_t *rules,
                       const bs_scores_request_t *query, bs_scores_page_t *page, bs_error_t *error);

/* statistics_scores with the rules version query asks, read from the kept
   store (kept.h). */
int statistics_scores_kept (MDB_txn *txn, const statistics_dbs_t *dbs, bs_store_t *kept,
                            const bs_scores_request_t *query, bs_scores_page_t *page,
                            bs_error_t *error);

#endif
