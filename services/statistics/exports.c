/*  exports: figure tables as files; see exports.h. */
#include "exports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "figures.h"
#include "queries.h"
#include "scores.h"

static const statistics_column_t s_score_columns[] = {
    {"tier", "层级", false},
    {"rank", "名次", true},
    {"unit", "单位", false},
    {"submitted", "报送", true},
    {"adopted", "采用", true},
    {"adopted_county", "县级采用", true},
    {"adopted_city", "市级采用", true},
    {"adopted_province", "省级采用", true},
    {"adopted_central", "中央采用", true},
    {"points", "积分", true},
    {"reward", "稿酬（元）", true},
    {"quota", "信息任务", true},
    {"quota_done", "完成", true},
    {"quota_met", "达标", false},
    {"commissioned", "约稿", true},
    {"missed_scored", "漏报约稿", true},
    {"answered_late_scored", "迟报约稿", true},
    {"penalty", "扣分", true},
    {"score_quota", "任务分", true},
    {"score_quality", "质量分", true},
    {"score_timeliness", "时效分", true},
    {"score_upward", "上行分", true},
    {"score", "考核总分", true},
};
#define S_SCORE_COLUMNS (sizeof s_score_columns / sizeof s_score_columns[0])

const char *
statistics_tier_label (const char *tier)
{
    static const char *const tiers[][2] = {
        {"province", "省级"}, {"city", "市级"},    {"county", "县级"},
        {"township", "乡镇"}, {"section", "科室"}, {"key_unit", "重点单位"},
    };
    for (size_t i = 0; tier && i < sizeof tiers / sizeof tiers[0]; i++)
        if (strcmp (tier, tiers[i][0]) == 0)
            return tiers[i][1];
    return tier && *tier ? tier : "未登记";
}

statistics_table_t *
statistics_scores_table (const char *title, const bs_stats_score_t *rows, size_t count)
{
    statistics_table_t *table = statistics_table_new (title, s_score_columns, S_SCORE_COLUMNS);
    for (size_t i = 0; table && i < count; i++) {
        const bs_stats_score_t *row = &rows[i];
        const uint64_t numbers[] = {
            row->rank,
            row->submitted,
            row->adopted,
            row->adopted_county,
            row->adopted_city,
            row->adopted_province,
            row->adopted_central,
            row->points,
            row->reward,
            row->quota,
            row->quota_done,
            row->commissioned,
            row->missed_scored,
            row->answered_late_scored,
            row->penalty,
            row->score_quota,
            row->score_quality,
            row->score_timeliness,
            row->score_upward,
            row->score,
        };
        char text[20][24];
        for (size_t n = 0; n < 20; n++)
            snprintf (text[n], sizeof text[n], "%llu", (unsigned long long) numbers[n]);
        const char *cells[S_SCORE_COLUMNS] = {row->tier, text[0],
                                              row->unit, text[1],
                                              text[2],   text[3],
                                              text[4],   text[5],
                                              text[6],   text[7],
                                              text[8],   text[9],
                                              text[10],  row->quota_met ? "是" : "否",
                                              text[11],  text[12],
                                              text[13],  text[14],
                                              text[15],  text[16],
                                              text[17],  text[18],
                                              text[19]};
        if (statistics_table_add (table, cells) != BS_OK)
            statistics_table_destroy (&table);
    }
    return table;
}

#define S_FIGURE_COLUMN(X, IDENT, field, decision) {#field, #field, true},
static const statistics_column_t s_figure_columns[] = {
    {"unit", "unit", false},
    {"tier", "tier", false},
    {"parent", "parent", false},
    {"period", "period", false},
    {"basis", "basis", false},
    {"dimension", "dimension", false},
    {"value", "value", false},
    {"rolled_up", "rolled_up", false},
    BS_STATS_MEASURES (S_FIGURE_COLUMN, _){"decision_p50_ms", "decision_p50_ms", true},
    {"decision_p90_ms", "decision_p90_ms", true},
};
#undef S_FIGURE_COLUMN
#define S_FIGURE_COLUMNS (sizeof s_figure_columns / sizeof s_figure_columns[0])
#define S_FIGURE_TEXTS 8

statistics_table_t *
statistics_figures_table (const char *title, const bs_stats_page_t *page)
{
    statistics_table_t *table = statistics_table_new (title, s_figure_columns, S_FIGURE_COLUMNS);
    const bs_stats_row_t *rows = page->rows.items;
    for (size_t i = 0; table && i < page->rows.count; i++) {
        const bs_stats_row_t *row = &rows[i];
        char numbers[S_FIGURE_COLUMNS][24];
        const char *cells[S_FIGURE_COLUMNS] = {
            row->unit,  row->tier,      row->parent, row->period,
            row->basis, row->dimension, row->value,  row->rolled_up ? "true" : "false"};
        for (size_t m = 0; m < STATISTICS_MEASURES + 2; m++) {
            uint64_t value =
                m < STATISTICS_MEASURES
                    ? statistics_row_value (row, (statistics_measure_t) m)
                    : (m == STATISTICS_MEASURES ? row->decision_p50_ms : row->decision_p90_ms);
            snprintf (numbers[m], sizeof numbers[m], "%llu", (unsigned long long) value);
            cells[S_FIGURE_TEXTS + m] = numbers[m];
        }
        if (statistics_table_add (table, cells) != BS_OK)
            statistics_table_destroy (&table);
    }
    return table;
}

/* The table an export asks for, computed now. */
static int
s_table (bs_request_t *request, bs_store_t *kept, const bs_stats_export_t *ask,
         statistics_table_t **table, bs_error_t *error)
{
    statistics_dbs_t dbs = {bs_service_dbi (request->service, "figures"),
                            bs_service_dbi (request->service, "values"),
                            bs_service_dbi (request->service, "units")};
    if (strcmp (ask->table, "figures") == 0) {
        bs_stats_request_t query = {ask->period, ask->unit,      ask->basis,
                                    ask->tier,   ask->dimension, ask->rollup};
        bs_stats_page_t page;
        int rc = statistics_query (request->txn, &dbs, &query, &page, error);
        if (rc != BS_OK)
            return rc;
        *table = statistics_figures_table ("figures", &page);
        bs_codec_record_free (&bs_stats_page_schema, &page);
    } else if (strcmp (ask->table, "scores") == 0) {
        bs_scores_request_t query = {ask->period, ask->unit, ask->basis,        ask->tier,
                                     ask->rollup, ask->by,   ask->rules_version};
        bs_scores_page_t page;
        int rc = statistics_scores_kept (request->txn, &dbs, kept, &query, &page, error);
        if (rc != BS_OK)
            return rc;
        *table = statistics_scores_table ("scores", page.rows.items, page.rows.count);
        bs_codec_record_free (&bs_scores_page_schema, &page);
    } else
        return bs_error_set (error, BS_E_INVALID, "table", "table is figures or scores, not '%s'",
                             ask->table);
    return *table ? BS_OK : bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
}

int
statistics_export (bs_request_t *request, void *argument)
{
    bs_store_t *kept = argument;
    const bs_stats_export_t *ask = request->message->data;
    bool csv = strcmp (ask->format, "csv") == 0;
    if (!csv && strcmp (ask->format, "xlsx") != 0)
        return bs_request_fail (request, BS_E_INVALID, "format", "format is csv or xlsx, not '%s'",
                                ask->format);
    statistics_table_t *table = NULL;
    bs_error_t error;
    int rc = s_table (request, kept, ask, &table, &error);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, error.field, "%s", error.text);
    char filename[128];
    snprintf (filename, sizeof filename, "%s-%s.%s", ask->table,
              ask->period && *ask->period ? ask->period : "all", ask->format);
    bs_stats_file_t file = {
        .format = ask->format,
        .content_type = csv ? "text/csv; charset=utf-8"
                            : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        .filename = filename};
    rc = csv ? statistics_table_csv (table, false, &file.content)
             : statistics_tables_xlsx (&table, 1, false, NULL, &file.content);
    statistics_table_destroy (&table);
    if (rc != BS_OK)
        return bs_request_fail (request, rc, "", "cannot write the %s file", ask->format);
    rc = bs_request_reply (request, &bs_stats_file_schema, &file);
    free (file.content.data);
    return rc;
}
