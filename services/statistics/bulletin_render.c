/*  bulletin_render: a bulletin's PDF, XLSX, CSV and HTML; see
    bulletin_render.h. */
#include "bulletin_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs_pdf.h"
#include "exports.h"
#include "tables.h"

const char *const statistics_bulletin_formats[] = {"pdf", "xlsx", "csv", "html", NULL};

const char *
statistics_bulletin_content_type (const char *format)
{
    static const char *const types[] = {
        "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/csv; charset=utf-8", "text/html; charset=utf-8"};
    for (size_t i = 0; format && statistics_bulletin_formats[i]; i++)
        if (strcmp (format, statistics_bulletin_formats[i]) == 0)
            return types[i];
    return NULL;
}

static const statistics_column_t s_correction_columns[] = {
    {"bulletin_id", "原通报编号", true}, {"period", "期间", false}, {"unit", "单位", false},
    {"figure", "项目", false},           {"was", "原数", true},     {"now", "更正为", true},
};

static statistics_table_t *
s_corrections_table (const bs_bulletin_t *bulletin)
{
    statistics_table_t *table = statistics_table_new (
        "更正", s_correction_columns, sizeof s_correction_columns / sizeof s_correction_columns[0]);
    const bs_correction_t *items = bulletin->corrections.items;
    for (size_t i = 0; table && i < bulletin->corrections.count; i++) {
        char id[24], was[24], now[24];
        snprintf (id, sizeof id, "%llu", (unsigned long long) items[i].bulletin_id);
        snprintf (was, sizeof was, "%llu", (unsigned long long) items[i].was);
        snprintf (now, sizeof now, "%llu", (unsigned long long) items[i].now);
        const char *cells[] = {id, items[i].period, items[i].unit, items[i].figure, was, now};
        if (statistics_table_add (table, cells) != BS_OK)
            statistics_table_destroy (&table);
    }
    return table;
}

/* One unit's line: every figure of its row. */
static void
s_unit_line (const bs_stats_score_t *row, char *line, size_t size)
{
    char quota[96];
    if (row->quota)
        snprintf (quota, sizeof quota, "信息任务%llu篇完成%llu篇（%s）",
                  (unsigned long long) row->quota, (unsigned long long) row->quota_done,
                  row->quota_met ? "达标" : "未达标");
    else
        snprintf (quota, sizeof quota, "无信息任务");
    snprintf (line, size,
              "第%llu名 %s：报送%llu篇，采用%llu篇，县级采用%llu篇，市级采用%llu篇，"
              "省级采用%llu篇，中央采用%llu篇，积分%llu分，稿酬%llu元，%s，"
              "漏报约稿%llu次，迟报约稿%llu次，扣%llu分；考核：任务%llu分，质量%llu分，"
              "时效%llu分，上行%llu分，总分%llu分。",
              (unsigned long long) row->rank, row->unit, (unsigned long long) row->submitted,
              (unsigned long long) row->adopted, (unsigned long long) row->adopted_county,
              (unsigned long long) row->adopted_city, (unsigned long long) row->adopted_province,
              (unsigned long long) row->adopted_central, (unsigned long long) row->points,
              (unsigned long long) row->reward, quota, (unsigned long long) row->missed_scored,
              (unsigned long long) row->answered_late_scored, (unsigned long long) row->penalty,
              (unsigned long long) row->score_quota, (unsigned long long) row->score_quality,
              (unsigned long long) row->score_timeliness, (unsigned long long) row->score_upward,
              (unsigned long long) row->score);
}

static void
s_date (uint64_t at, char *buffer, size_t size)
{
    time_t seconds = (time_t) (at / 1000);
    struct tm local;
    localtime_r (&seconds, &local);
    snprintf (buffer, size, "%d年%d月%d日", local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
}

static const char *
s_basis_said (const char *basis)
{
    if (strcmp (basis, "decided") == 0)
        return "各项按发生日期统计（采用按决定日期）";
    if (strcmp (basis, "received") == 0)
        return "各项按收稿日期统计";
    return "报送按收稿日期、采用按刊发日期统计";
}

static void
s_pdf_ranking (bs_pdf_t *pdf, const bs_bulletin_t *bulletin, const bs_pdf_style_t *heading,
               const bs_pdf_style_t *body)
{
    const bs_stats_score_t *rows = bulletin->rows.items;
    char line[2048];
    for (size_t i = 0; i < bulletin->rows.count; i++) {
        if (i == 0 || strcmp (rows[i].tier, rows[i - 1].tier) != 0) {
            snprintf (line, sizeof line, "%s单位排名", statistics_tier_label (rows[i].tier));
            bs_pdf_paragraph (pdf, heading, line);
        }
        s_unit_line (&rows[i], line, sizeof line);
        bs_pdf_paragraph (pdf, body, line);
    }
}

/* "未完成信息任务的单位：甲、乙。" or that every unit met its quota. */
static char *
s_short_of_quota (const bs_bulletin_t *bulletin)
{
    const bs_stats_score_t *rows = bulletin->rows.items;
    size_t size = 256;
    for (size_t i = 0; i < bulletin->rows.count; i++)
        size += strlen (rows[i].unit) + 4;
    char *text = malloc (size);
    if (!text)
        return NULL;
    size_t used = (size_t) snprintf (text, size, "未完成信息任务的单位：");
    size_t named = 0;
    for (size_t i = 0; i < bulletin->rows.count; i++)
        if (!rows[i].quota_met)
            used += (size_t) snprintf (text + used, size - used, "%s%s", named++ ? "、" : "",
                                       rows[i].unit);
    snprintf (text + used, size - used, "%s", named ? "。" : "无，各单位均完成信息任务。");
    return text;
}

static void
s_pdf_corrections (bs_pdf_t *pdf, const bs_bulletin_t *bulletin, const bs_pdf_style_t *heading,
                   const bs_pdf_style_t *body)
{
    bs_pdf_paragraph (pdf, heading, "更正");
    const bs_correction_t *items = bulletin->corrections.items;
    if (bulletin->corrections.count == 0)
        bs_pdf_paragraph (pdf, body, "上期通报无需更正。");
    char line[512];
    for (size_t i = 0; i < bulletin->corrections.count; i++) {
        snprintf (line, sizeof line, "第%llu号通报（%s）%s的%s由%llu更正为%llu。",
                  (unsigned long long) items[i].bulletin_id, items[i].period, items[i].unit,
                  items[i].figure, (unsigned long long) items[i].was,
                  (unsigned long long) items[i].now);
        bs_pdf_paragraph (pdf, body, line);
    }
}

static int
s_pdf (const bs_bulletin_t *bulletin, const char *issuing_unit, bs_bytes_t *out)
{
    bs_pdf_t *pdf = bs_pdf_new ();
    if (!pdf)
        return BS_E_SYSTEM;
    bs_pdf_style_t title = bs_pdf_style_title (), heading = bs_pdf_style_heading (),
                   body = bs_pdf_style_body ();
    body.size = 12;
    body.indent = 0;
    body.align = BS_PDF_LEFT;
    body.space_after = 4;
    heading.size = 14;
    bs_pdf_set_title (pdf, bulletin->title);
    bs_pdf_paragraph (pdf, &title, bulletin->title);
    char date[64], line[512];
    s_date (bulletin->issued_at, date, sizeof date);
    bs_pdf_two_sides (pdf, &body, issuing_unit, date);
    bs_pdf_rule (pdf, 1.0, BS_PDF_RED);
    snprintf (line, sizeof line,
              "第%llu号。统计期间%s，%s，"
              "计分规则第%llu版%s%s。",
              (unsigned long long) bulletin->bulletin_id, bulletin->period,
              s_basis_said (bulletin->basis), (unsigned long long) bulletin->rules_version,
              bulletin->rules_name && *bulletin->rules_name ? "：" : "",
              bulletin->rules_name ? bulletin->rules_name : "");
    bs_pdf_paragraph (pdf, &body, line);
    s_pdf_ranking (pdf, bulletin, &heading, &body);
    char *short_of = s_short_of_quota (bulletin);
    bs_pdf_paragraph (pdf, &heading, "信息任务");
    bs_pdf_paragraph (pdf, &body, short_of ? short_of : "");
    free (short_of);
    s_pdf_corrections (pdf, bulletin, &heading, &body);
    bs_pdf_page_break (pdf);
    const bs_stats_score_t *rows = bulletin->rows.items;
    bs_pdf_bar_t *bars = calloc (bulletin->rows.count + 1, sizeof *bars);
    for (size_t i = 0; bars && i < bulletin->rows.count; i++)
        bars[i] = (bs_pdf_bar_t){rows[i].unit, (double) rows[i].adopted};
    int rc = bars ? bs_pdf_bar_chart (pdf, "各单位采用篇数", bars, bulletin->rows.count, BS_PDF_RED)
                  : BS_E_SYSTEM;
    free (bars);
    unsigned char *bytes = NULL;
    size_t size = 0;
    if (rc == BS_OK)
        rc = bs_pdf_finish (pdf, &bytes, &size);
    bs_pdf_destroy (&pdf);
    out->data = bytes;
    out->size = size;
    return rc;
}

int
statistics_bulletin_render (const bs_bulletin_t *bulletin, const char *issuing_unit,
                            const char *format, bs_bytes_t *out)
{
    memset (out, 0, sizeof *out);
    if (strcmp (format, "pdf") == 0)
        return s_pdf (bulletin, issuing_unit ? issuing_unit : "", out);
    statistics_table_t *tables[2] = {
        statistics_scores_table ("通报", bulletin->rows.items, bulletin->rows.count),
        s_corrections_table (bulletin)};
    int rc = tables[0] && tables[1] ? BS_OK : BS_E_SYSTEM;
    statistics_chart_t chart = {"各单位采用篇数", "unit", "adopted"};
    if (rc == BS_OK && strcmp (format, "xlsx") == 0)
        rc = statistics_tables_xlsx (tables, 2, true, &chart, out);
    else if (rc == BS_OK && strcmp (format, "csv") == 0)
        rc = statistics_table_csv (tables[0], false, out);
    else if (rc == BS_OK)
        rc = statistics_tables_html (bulletin->title, tables, 2, out);
    statistics_table_destroy (&tables[0]);
    statistics_table_destroy (&tables[1]);
    return rc;
}
