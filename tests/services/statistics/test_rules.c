/*  rules and scores: the scoring rules file is read as documented, a bad
    file is refused as a whole with the line at fault, the versions loaded
    are listed newest first with the one in force, and one unit's points,
    reward, quota and assessment follow the formulas of scores.h.
*/
#include "bs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_folder.h"
#include "bs_store.h"
#include "kept.h"
#include "rules.h"
#include "scores.h"

static void
test_the_built_in_rules_read (void **state)
{
    (void) state;
    statistics_rules_t rules;
    bs_error_t error;
    assert_int_equal (statistics_rules_parse (statistics_rules_default, &rules, &error), BS_OK);
    assert_string_equal (rules.name, "默认规则");
    assert_int_equal (rules.points[STATISTICS_ADOPTED_CENTRAL], 10);
    assert_int_equal (rules.rewards[STATISTICS_ADOPTED_PROVINCE], 200);
    assert_int_equal (rules.penalty_missed, 5);
    assert_int_equal (rules.zero_after_missed, 2);
    assert_int_equal (rules.quota_figure, STATISTICS_ADOPTED);
    assert_int_equal (statistics_rules_quota (&rules, "林州市", "county"), 2);
    assert_int_equal (statistics_rules_quota (&rules, "安陽市", "city"), 0);
    assert_int_equal (rules.weight_quota + rules.weight_quality + rules.weight_timeliness
                          + rules.weight_upward,
                      100);
    statistics_rules_clear (&rules);
}

static void
test_a_file_of_the_office_reads (void **state)
{
    (void) state;
    const char *text = "# 2026 rules\n"
                       "[rules]\n"
                       "name = 2026年度信息工作考核辦法\n"
                       "[points]\n"
                       "adopted = 2   ; own level\n"
                       "adopted_central = 20\n"
                       "[quotas]\n"
                       "figure = submitted\n"
                       "county = 4\n"
                       "[unit_quotas]\n"
                       "林州市 = 6\n"
                       "[assessment]\n"
                       "quota = 40\n"
                       "quality = 10\n"
                       "timeliness = 10\n"
                       "upward = 40\n";
    statistics_rules_t rules;
    bs_error_t error;
    assert_int_equal (statistics_rules_parse (text, &rules, &error), BS_OK);
    assert_string_equal (rules.name, "2026年度信息工作考核辦法");
    assert_int_equal (rules.points[STATISTICS_ADOPTED], 2);
    assert_int_equal (rules.points[STATISTICS_ADOPTED_CITY], 0); /* not given: 0 */
    assert_int_equal (rules.quota_figure, STATISTICS_SUBMITTED);
    assert_int_equal (statistics_rules_quota (&rules, "林州市", "county"), 6);
    assert_int_equal (statistics_rules_quota (&rules, "滑縣", "county"), 4);
    assert_int_equal (rules.weight_quota, 40);
    assert_int_equal (rules.weight_upward, 40);
    statistics_rules_clear (&rules);
}

/* text is refused, and the error names line and says contains; its line
   and reason (what the console says in Chinese) are line and reason. */
static void
s_refused (const char *text, int line, const char *reason, const char *contains)
{
    statistics_rules_t rules;
    bs_error_t error;
    assert_int_equal (statistics_rules_parse (text, &rules, &error), BS_E_INVALID);
    char prefix[32];
    snprintf (prefix, sizeof prefix, "line %d: ", line);
    if (strncmp (error.text, prefix, strlen (prefix)) != 0 || !strstr (error.text, contains))
        fail_msg ("expected '%s...%s', got '%s'", prefix, contains, error.text);
    assert_string_equal (error.field, "text");
    assert_int_equal (error.line, line);
    assert_string_equal (error.reason, reason);
    assert_null (rules.name); /* nothing kept of a refused file */
}

/* Files refused: each with the first line at fault, what is wrong there
   and what the sentence says. */
static const struct {
    const char *text;
    int line;
    const char *reason;
    const char *contains;
} s_bad_files[] = {
    {"[points]\nadopted = 1\nadoptd = 2\n", 3, "unknown_key", "unknown key 'adoptd'"},
    {"[points]\nadopted = -1\n", 2, "not_whole", "not a whole number"},
    {"[points]\nadopted = 1.5\n", 2, "not_whole", "not a whole number"},
    {"[rules]\nname = x\n[points]\nadopted 3\n", 4, "syntax", "not a [section]"},
    {"[points\nadopted = 1\n", 1, "syntax", "not a [section]"},
    /* An unknown section is its own line, not its first key's. */
    {"; c\n\n[bonus]\nx = 1\n", 3, "unknown_section", "unknown section [bonus]"},
    {"[points]\nadopted = 1\n  [bonus]\n\n; c\nx = 1\n", 3, "unknown_section",
     "unknown section [bonus]"},
    {"adopted = 1\n", 1, "unknown_section", "unknown section []"},
    {"[rewards]\nsubmitted = 5\n", 2, "unknown_key", "adopted or adopted_<level>"},
    {"[quotas]\ncounty = 2\nplanet = 1\n", 3, "unknown_key", "unknown key 'planet'"},
    {"[quotas]\ncounty = two\n", 2, "not_whole", "not a whole number"},
    {"[quotas]\nfigure = pieces\n", 2, "unknown_figure", "not 'pieces'"},
    {"[penalties]\nlate = 1\n", 2, "unknown_key", "unknown key 'late'"},
    {"[synthesis]\nsplit = 2\n", 2, "out_of_range", "split = 0 or 1"},
    {"[synthesis]\nshare = 1\n", 2, "unknown_key", "split = 0 or 1"},
    {"[parent_credit]\ntownship = 50\nvillage = 10\n", 3, "unknown_key", "a tier = a percent"},
    {"[parent_credit]\ntownship = 150\n", 2, "out_of_range", "a tier = a percent"},
    {"[rules]\ntitle = x\n", 2, "unknown_key", "unknown key 'title'"},
    {"[points]\nadopted = 1\n[assessment]\nquota = 50\nquality = 20\n", 4, "weights_sum",
     "sum to 70, not 100"},
    {"[assessment]\nquota = 30\nbonus = 1\n", 3, "unknown_key", "unknown key 'bonus'"},
    /* The first fault is the one said, a syntax error before a bad key too. */
    {"[points]\nbroken\nadoptd = 1\n", 2, "syntax", "not a [section]"},
    {"[points]\nadoptd = 1\nbroken\n", 2, "unknown_key", "unknown key"},
};

static void
test_a_bad_file_is_refused_with_its_line (void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof s_bad_files / sizeof s_bad_files[0]; i++)
        s_refused (s_bad_files[i].text, s_bad_files[i].line, s_bad_files[i].reason,
                   s_bad_files[i].contains);
}

/* Check one entry of the history. */
static void
s_assert_version (const bs_rules_version_t *version, uint64_t number, const char *name,
                  const char *by, uint64_t loaded_at, bool in_force)
{
    assert_int_equal (version->version, number);
    assert_string_equal (version->name, name);
    assert_string_equal (version->by ? version->by : "", by);
    assert_int_equal (version->loaded_at, loaded_at);
    assert_int_equal (version->in_force, in_force);
}

/* The history of a kept store (statistics.rules_list): after two files
   loaded, both newest first, then the built-in version 0, each with its
   name, who loaded it and when; the newest alone in force. A limit keeps
   the newest. */
static void
test_the_history_lists_every_version (void **state)
{
    (void) state;
    char *folder = bs_test_temp_dir ("test-rules-history");
    assert_non_null (folder);
    char path[1024];
    snprintf (path, sizeof path, "%s/statistics_kept", folder);
    bs_error_t error;
    bs_store_t *kept = bs_store_new (path, statistics_kept_databases, NULL, &error);
    assert_non_null (kept);
    bs_rules_page_t page;
    assert_int_equal (statistics_rules_versions (kept, 0, &page, &error), BS_OK);
    assert_int_equal (page.versions.count, 1);
    s_assert_version (page.versions.items, 0, "默认规则", "", 0, true);
    bs_codec_record_free (&bs_rules_page_schema, &page);

    const char *texts[] = {"[rules]\nname = 甲版\n[points]\nadopted = 2\n",
                           "[rules]\nname = 乙版\n"};
    const char *people[] = {"張三", "李四"};
    for (size_t i = 0; i < 2; i++) {
        bs_rules_put_t put = {.text = (char *) texts[i], .by = (char *) people[i]};
        bs_message_t message = {.schema = &bs_rules_put_schema, .data = &put};
        snprintf (message.type, sizeof message.type, "%s", bs_rules_put_schema.type);
        snprintf (message.id, sizeof message.id, "history-%zu", i);
        bs_stats_rules_t record;
        assert_int_equal (
            statistics_rules_load (kept, &message, 1800000000000 + i, &record, &error), BS_OK);
        bs_codec_record_free (&bs_stats_rules_schema, &record);
    }
    assert_int_equal (statistics_rules_versions (kept, 0, &page, &error), BS_OK);
    assert_int_equal (page.versions.count, 3);
    const bs_rules_version_t *versions = page.versions.items;
    s_assert_version (&versions[0], 2, "乙版", "李四", 1800000000001, true);
    s_assert_version (&versions[1], 1, "甲版", "張三", 1800000000000, false);
    s_assert_version (&versions[2], 0, "默认规则", "", 0, false);
    bs_codec_record_free (&bs_rules_page_schema, &page);

    assert_int_equal (statistics_rules_versions (kept, 2, &page, &error), BS_OK);
    assert_int_equal (page.versions.count, 2);
    versions = page.versions.items;
    s_assert_version (&versions[0], 2, "乙版", "李四", 1800000000001, true);
    s_assert_version (&versions[1], 1, "甲版", "張三", 1800000000000, false);
    bs_codec_record_free (&bs_rules_page_schema, &page);

    bs_store_destroy (&kept);
    bs_folder_remove (folder);
    free (folder);
}

static void
test_scores_follow_the_formulas (void **state)
{
    (void) state;
    statistics_rules_t rules;
    bs_error_t error;
    assert_int_equal (statistics_rules_parse (statistics_rules_default, &rules, &error), BS_OK);
    statistics_counters_t c = {{0}};
    c.slot[STATISTICS_SUBMITTED] = 10;
    c.slot[STATISTICS_ADOPTED] = 4;
    c.slot[STATISTICS_ADOPTED_CITY] = 2;
    c.slot[STATISTICS_ADOPTED_CENTRAL] = 1;
    c.slot[STATISTICS_INSTRUCTED_PROVINCE] = 1;
    c.slot[STATISTICS_COMMISSIONED] = 4;
    c.slot[STATISTICS_ANSWERED] = 3;
    c.slot[STATISTICS_ANSWERED_LATE] = 1;
    c.slot[STATISTICS_ANSWERED_LATE_SCORED] = 1;
    c.slot[STATISTICS_MISSED] = 2;
    c.slot[STATISTICS_MISSED_SCORED] = 2;
    statistics_extent_t quarter;
    assert_int_equal (statistics_period_extent ("2026-Q1", &quarter), 0);
    assert_int_equal (quarter.months, 3);
    assert_int_equal (quarter.days, 90);
    uint64_t quota = statistics_period_quota (2, &quarter);
    assert_int_equal (quota, 6);
    bs_stats_score_t score = {0};
    statistics_score_of (&rules, &c, quota, &score);
    /* points: 4*1 + 2*3 + 1*10 + 1*4 = 24; upward part of them: 20 */
    assert_int_equal (score.points, 24);
    assert_int_equal (score.reward, 4 * 50 + 2 * 100 + 1 * 500);
    /* missed 2 less 1 answered late = 1 never answered: 5 + 1 late * 2 */
    assert_int_equal (score.penalty, 7);
    assert_int_equal (score.quota_done, 4);
    assert_false (score.quota_met);
    assert_int_equal (score.score_quota, 30 * 4 / 6);      /* 20 */
    assert_int_equal (score.score_quality, 20 * 4 / 10);   /* 8 */
    assert_int_equal (score.score_timeliness, 20 * 2 / 4); /* 10 */
    assert_int_equal (score.score_upward, 30);             /* 20 >= upward_full */
    assert_int_equal (score.score, 20 + 8 + 10 + 30 - 7);
    /* Two commissions never answered zero the assessment. */
    c.slot[STATISTICS_MISSED_SCORED] = 3;
    statistics_score_of (&rules, &c, quota, &score);
    assert_int_equal (score.score, 0);
    /* A range of days: quota * days / 30, rounded up; all time: none. */
    statistics_extent_t days;
    assert_int_equal (statistics_period_extent ("2026-03-15..2026-05-10", &days), 0);
    assert_int_equal (days.months, 0);
    assert_int_equal (days.days, 57);
    assert_int_equal (statistics_period_quota (2, &days), 4);
    assert_int_equal (statistics_period_extent ("", &days), 0);
    assert_int_equal (statistics_period_quota (2, &days), 0);
    assert_int_equal (statistics_period_extent ("2026-Q5", &days), -1);
    statistics_rules_clear (&rules);
}

/* A synthesis of three sources gives each 33 hundredths of an adoption's
   points and reward under split = 1; each a whole one under split = 0. */
static void
test_a_synthesis_splits_its_credit (void **state)
{
    (void) state;
    statistics_rules_t rules;
    bs_error_t error;
    assert_int_equal (statistics_rules_parse (statistics_rules_default, &rules, &error), BS_OK);
    assert_true (rules.synthesis_split);
    statistics_counters_t c = {{0}};
    c.slot[STATISTICS_ADOPTED] = 5; /* two whole, three as sources */
    c.slot[STATISTICS_SYNTHESIS_ADOPTED] = 3;
    c.slot[STATISTICS_SYNTHESIS_SHARE] = 3 * 33;
    bs_stats_score_t score = {0};
    statistics_score_of (&rules, &c, 0, &score);
    assert_int_equal (score.points, 2 * 1 + 1 * 99 / 100);   /* 2 */
    assert_int_equal (score.reward, 2 * 50 + 50 * 99 / 100); /* 149 */
    assert_int_equal (score.adopted, 5);                     /* the figure stays whole */
    statistics_rules_clear (&rules);
    assert_int_equal (
        statistics_rules_parse ("[points]\nadopted = 4\n[synthesis]\nsplit = 0\n", &rules, &error),
        BS_OK);
    assert_false (rules.synthesis_split);
    statistics_score_of (&rules, &c, 0, &score);
    assert_int_equal (score.points, 5 * 4);
    statistics_rules_clear (&rules);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_the_built_in_rules_read),
        cmocka_unit_test (test_a_file_of_the_office_reads),
        cmocka_unit_test (test_a_bad_file_is_refused_with_its_line),
        cmocka_unit_test (test_the_history_lists_every_version),
        cmocka_unit_test (test_scores_follow_the_formulas),
        cmocka_unit_test (test_a_synthesis_splits_its_credit),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
