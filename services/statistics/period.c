/*  period: period texts as spans of buckets; see period.h. */
#include "period.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bs_text.h"

typedef struct {
    int year, month, day;
} s_date_t;

static bool
s_leap (int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
s_days_in (int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && s_leap (year) ? 29 : days[month - 1];
}

/* Read exactly `digits` decimal digits. */
static bool
s_number (const char *text, size_t digits, int *value)
{
    *value = 0;
    for (size_t i = 0; i < digits; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        *value = *value * 10 + (text[i] - '0');
    }
    return true;
}

/* "YYYY-MM-DD", exactly, a real date. */
static bool
s_date (const char *text, size_t length, s_date_t *date)
{
    return length == 10 && text[4] == '-' && text[7] == '-' && s_number (text, 4, &date->year)
           && s_number (text + 5, 2, &date->month) && s_number (text + 8, 2, &date->day)
           && date->year >= 1 && date->month >= 1 && date->month <= 12 && date->day >= 1
           && date->day <= s_days_in (date->year, date->month);
}

static void
s_span (statistics_period_t *period, char kind, const s_date_t *first, const s_date_t *last)
{
    statistics_span_t *span = &period->spans[period->count++];
    if (kind == 'Y') {
        snprintf (span->first, sizeof span->first, "Y%04d", first->year);
        snprintf (span->last, sizeof span->last, "Y%04d", last->year);
    } else if (kind == 'M') {
        snprintf (span->first, sizeof span->first, "M%04d-%02d", first->year, first->month);
        snprintf (span->last, sizeof span->last, "M%04d-%02d", last->year, last->month);
    } else {
        snprintf (span->first, sizeof span->first, "D%04d-%02d-%02d", first->year, first->month,
                  first->day);
        snprintf (span->last, sizeof span->last, "D%04d-%02d-%02d", last->year, last->month,
                  last->day);
    }
}

static int
s_compare (const s_date_t *a, const s_date_t *b)
{
    if (a->year != b->year)
        return a->year - b->year;
    if (a->month != b->month)
        return a->month - b->month;
    return a->day - b->day;
}

static void
s_next_month (s_date_t *date)
{
    date->day = 1;
    if (++date->month > 12) {
        date->month = 1;
        date->year++;
    }
}

static void
s_previous_month_end (s_date_t *date)
{
    if (--date->month < 1) {
        date->month = 12;
        date->year--;
    }
    date->day = s_days_in (date->year, date->month);
}

/* Days from first to last, both included: head days, whole months, tail
   days. */
static int
s_range (const s_date_t *first, const s_date_t *last, statistics_period_t *period)
{
    if (s_compare (first, last) > 0)
        return -1;
    if (first->year == last->year && first->month == last->month) {
        bool whole = first->day == 1 && last->day == s_days_in (last->year, last->month);
        s_span (period, whole ? 'M' : 'D', first, last);
        return 0;
    }
    s_date_t months_from = *first, months_to = *last;
    if (first->day != 1) {
        s_date_t head_end = {first->year, first->month, s_days_in (first->year, first->month)};
        s_span (period, 'D', first, &head_end);
        s_next_month (&months_from);
    }
    bool tail = last->day != s_days_in (last->year, last->month);
    if (tail)
        s_previous_month_end (&months_to);
    if (s_compare (&months_from, &months_to) <= 0)
        s_span (period, 'M', &months_from, &months_to);
    if (tail) {
        s_date_t tail_start = {last->year, last->month, 1};
        s_span (period, 'D', &tail_start, last);
    }
    return 0;
}

/* The first and last day of a period text; kind is 'A' (all time), 'Y'
   (a year), 'M' (whole months: a half year, a quarter, a month), 'D' (a
   day) or 'R' (a range of days). */
static int
s_bounds (const char *text, s_date_t *first, s_date_t *last, char *kind)
{
    size_t length = text ? strlen (text) : 0;
    int year, part;
    if (length == 0 || strcmp (text, "all") == 0) {
        *first = (s_date_t){0, 1, 1};
        *last = (s_date_t){9999, 12, 31};
        *kind = 'A';
        return 0;
    }
    if (length < 4 || !s_number (text, 4, &year) || year < 1)
        return -1;
    if (length == 4) {
        *first = (s_date_t){year, 1, 1};
        *last = (s_date_t){year, 12, 31};
        *kind = 'Y';
        return 0;
    }
    if (length == 7 && text[4] == '-' && (text[5] == 'Q' || text[5] == 'H')
        && s_number (text + 6, 1, &part)) {
        int months = text[5] == 'Q' ? 3 : 6;
        if (part < 1 || part > 12 / months)
            return -1;
        *first = (s_date_t){year, (part - 1) * months + 1, 1};
        *last = (s_date_t){year, part * months, s_days_in (year, part * months)};
        *kind = 'M';
        return 0;
    }
    if (length == 7 && text[4] == '-' && s_number (text + 5, 2, &part)) {
        if (part < 1 || part > 12)
            return -1;
        *first = (s_date_t){year, part, 1};
        *last = (s_date_t){year, part, s_days_in (year, part)};
        *kind = 'M';
        return 0;
    }
    if (length == 10 && s_date (text, 10, first)) {
        *last = *first;
        *kind = 'D';
        return 0;
    }
    if (length == 22 && strncmp (text + 10, "..", 2) == 0 && s_date (text, 10, first)
        && s_date (text + 12, 10, last) && s_compare (first, last) <= 0) {
        *kind = 'R';
        return 0;
    }
    return -1;
}

int
statistics_period_parse (const char *text, statistics_period_t *period)
{
    memset (period, 0, sizeof *period);
    s_date_t first, last;
    char kind;
    if (s_bounds (text, &first, &last, &kind) != 0)
        return -1;
    if (kind == 'A' || kind == 'Y')
        s_span (period, 'Y', &first, &last);
    else if (kind == 'M' || kind == 'D')
        s_span (period, kind, &first, &last);
    else
        return s_range (&first, &last, period);
    return 0;
}

/* Local midnight at the start of date, ms. */
static uint64_t
s_midnight (const s_date_t *date)
{
    struct tm local = {.tm_year = date->year - 1900,
                       .tm_mon = date->month - 1,
                       .tm_mday = date->day,
                       .tm_isdst = -1};
    time_t seconds = mktime (&local);
    return seconds < 0 ? 0 : (uint64_t) seconds * 1000;
}

static uint64_t
s_days_between (const s_date_t *first, const s_date_t *last)
{
    /* Noon to noon: a day of a daylight-saving change is still a day. */
    s_date_t a = *first, b = *last;
    uint64_t from = s_midnight (&a) / 1000 + 43200, to = s_midnight (&b) / 1000 + 43200;
    return (to - from + 43200) / 86400 + 1;
}

int
statistics_period_extent (const char *text, statistics_extent_t *extent)
{
    memset (extent, 0, sizeof *extent);
    s_date_t first, last;
    char kind;
    if (s_bounds (text, &first, &last, &kind) != 0)
        return -1;
    if (kind == 'A')
        return 0;
    if (kind == 'Y' || kind == 'M')
        extent->months = (uint64_t) ((last.year - first.year) * 12 + last.month - first.month + 1);
    extent->days = s_days_between (&first, &last);
    extent->start_ms = s_midnight (&first);
    s_date_t after = last;
    if (++after.day > s_days_in (after.year, after.month))
        s_next_month (&after);
    extent->end_ms = s_midnight (&after);
    return 0;
}

/* Written digit by digit, not with snprintf: every count asks for the
   buckets of each of its dates. The day of the last second asked is kept
   (each thread its own): localtime_r was most of the cost, and a turn's
   events mostly fall in the same second. */
void
statistics_buckets_of (uint64_t at, char year[STATISTICS_BUCKET_MAX],
                       char month[STATISTICS_BUCKET_MAX], char day[STATISTICS_BUCKET_MAX])
{
    static __thread struct {
        bool known;
        time_t second;
        char day[STATISTICS_BUCKET_MAX];
    } last;
    time_t seconds = (time_t) (at / 1000);
    if (last.known && last.second == seconds)
        memcpy (day, last.day, STATISTICS_BUCKET_MAX);
    else {
        struct tm local;
        localtime_r (&seconds, &local);
        int y = local.tm_year + 1900;
        if (y < 0 || y > 9999)
            y = y < 0 ? 0 : 9999; /* four digits, as the period texts have */
        char *end = bs_text_decimal (day + 1, y, 4);
        *end++ = '-';
        end = bs_text_decimal (end, local.tm_mon + 1, 2);
        *end++ = '-';
        end = bs_text_decimal (end, local.tm_mday, 2);
        *end = 0;
        day[0] = 'D';
        memcpy (last.day, day, STATISTICS_BUCKET_MAX);
        last.second = seconds;
        last.known = true;
    }
    memcpy (month + 1, day + 1, 7);
    month[0] = 'M';
    month[8] = 0;
    memcpy (year + 1, day + 1, 4);
    year[0] = 'Y';
    year[5] = 0;
}
