/*  bench_load: the load every benchmark puts on a store (see bench_load.h).
 */
#include "bench_load.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bs_text.h"

volatile sig_atomic_t bench_interrupted;

uint64_t
bench_now_ns (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (uint64_t) now.tv_sec * 1000000000u + (uint64_t) now.tv_nsec;
}

void
bench_sleep_until_ns (uint64_t deadline)
{
    struct timespec at = {(time_t) (deadline / 1000000000u), (long) (deadline % 1000000000u)};
    while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR
           && !bench_interrupted)
        ;
}

void
bench_sleep_ms (int milliseconds)
{
    bench_sleep_until_ns (bench_now_ns () + (uint64_t) milliseconds * 1000000u);
}

/* Samples and numbers                                                     */

void
bench_samples_push (bench_samples_t *self, uint64_t value)
{
    if (self->count == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 4096;
        uint64_t *items = realloc (self->items, capacity * sizeof *items);
        if (!items)
            return; /* a sample lost to memory is not worth stopping for */
        self->items = items;
        self->capacity = capacity;
    }
    self->items[self->count++] = value;
}

void
bench_samples_free (bench_samples_t *self)
{
    free (self->items);
    memset (self, 0, sizeof *self);
}

static int
s_compare_u64 (const void *left, const void *right)
{
    uint64_t a = *(const uint64_t *) left, b = *(const uint64_t *) right;
    return a < b ? -1 : a > b;
}

bench_percentiles_t
bench_samples_percentiles (bench_samples_t *self)
{
    bench_percentiles_t result = {.count = self->count};
    if (self->count == 0)
        return result;
    qsort (self->items, self->count, sizeof *self->items, s_compare_u64);
    /* Integer arithmetic: the rank is ceil (count * percent / 100), and
       libm is not linked. */
    size_t percents[] = {50, 90, 99};
    double *fields[] = {&result.p50, &result.p90, &result.p99};
    for (int i = 0; i < 3; i++) {
        size_t rank = (self->count * percents[i] + 99) / 100;
        size_t index = rank ? rank - 1 : 0;
        *fields[i] = (double) self->items[index] / 1e6;
    }
    result.max = (double) self->items[self->count - 1] / 1e6;
    return result;
}

const char *
bench_thousands (double value, char *buffer, size_t size)
{
    char digits[32];
    snprintf (digits, sizeof digits, "%.0f", value);
    size_t length = strlen (digits), at = 0;
    for (size_t i = 0; i < length && at + 2 < size; i++) {
        if (i > 0 && (length - i) % 3 == 0)
            buffer[at++] = ',';
        buffer[at++] = digits[i];
    }
    buffer[at] = 0;
    return buffer;
}

/* Reports that read like real ones                                        */

static const char *const s_units[] = {"東城區委組織部",   "西城區委組織部",   "朝陽區委組織部",
                                      "海澱區委組織部",   "豐台區委組織部",   "通州區委組織部",
                                      "石景山區委組織部", "門頭溝區委組織部", "房山區委組織部",
                                      "順義區委組織部",   "昌平區委組織部",   "大興區委組織部"};
#define S_UNIT_COUNT (sizeof s_units / sizeof s_units[0])

static const char *const s_themes[] = {"推進基層黨組織標準化規範化建設", "做好年輕幹部選育管用工作",
                                       "深化幹部教育培訓改革", "加強村（社區）「兩委」班子建設",
                                       "開展人才引進「春雁行動」"};
#define S_THEME_COUNT (sizeof s_themes / sizeof s_themes[0])

const char *const *
bench_report_units (size_t *count)
{
    *count = S_UNIT_COUNT;
    return s_units;
}

/* A text put together piece by piece as snprintf would write it into a
   buffer (cut short to fit, NUL-terminated), without printf: measure 4's
   senders make a thousand reports a batch, and the printf of their texts
   was a quarter of the benchmark's own instructions. */
typedef struct {
    char *at;  /* where the next piece goes */
    char *end; /* the last byte, kept for the NUL */
} s_text_t;

static s_text_t
s_text (char *buffer, size_t size)
{
    *buffer = 0;
    return (s_text_t){buffer, buffer + size - 1};
}

static void
s_text_put (s_text_t *text, const char *piece)
{
    size_t length = strlen (piece), room = (size_t) (text->end - text->at);
    if (length > room)
        length = room;
    memcpy (text->at, piece, length);
    text->at += length;
    *text->at = 0;
}

/* value in decimal, a minus sign first when negative ("%d", "%llu"). */
static void
s_text_number (s_text_t *text, int64_t value, bool negative)
{
    char digits[24];
    char *at = digits;
    if (negative)
        *at++ = '-';
    *bs_text_decimal (at, negative ? 0 - (uint64_t) value : (uint64_t) value, 1) = 0;
    s_text_put (text, digits);
}

/* Each report differs from every other (so no present or future duplicate
   detection can shorten the work). The same bytes as
   snprintf (title, size, "%s%s的做法（%d-%" PRIu64 "）", unit, theme, client, number)
   and its body's format below. */
void
bench_report_fill (bench_report_t *report, int client, uint64_t number, const char *unit)
{
    size_t pick = (size_t) client * 7 + (size_t) number;
    s_text_t text = s_text (report->unit, sizeof report->unit);
    s_text_put (&text, unit ? unit : s_units[pick % S_UNIT_COUNT]);
    text = s_text (report->title, sizeof report->title);
    s_text_put (&text, report->unit);
    s_text_put (&text, s_themes[pick % S_THEME_COUNT]);
    s_text_put (&text, "的做法（");
    s_text_number (&text, client, client < 0);
    s_text_put (&text, "-");
    s_text_number (&text, (int64_t) number, false);
    s_text_put (&text, "）");
    text = s_text (report->body, sizeof report->body);
    s_text_put (&text, "今年以來，");
    s_text_put (&text, report->unit);
    s_text_put (&text, "堅持以黨建引領基層治理，建立分片聯繫、定期研判、"
                       "跟蹤問效工作機制，累計培訓村（社區）幹部");
    s_text_number (&text, (int64_t) (100 + number % 900), false);
    s_text_put (&text, "人次，整頓軟弱渙散黨組織");
    s_text_number (&text, 1 + client % 9, 1 + client % 9 < 0);
    s_text_put (&text, "個，相關做法得到上級肯定。");
}

/* Clients submitting back to back                                         */

typedef struct {
    const bench_load_t *load;
    void *connection;          /* this thread's own */
    int index;                 /* client number */
    uint64_t window_start;     /* ns: acknowledgements from here count */
    uint64_t window_end;       /* ns: and up to here */
    uint64_t counted;          /* submits acknowledged in the window */
    uint64_t acknowledged;     /* submits acknowledged at all */
    uint64_t failures;         /* calls that failed */
    bench_samples_t latencies; /* of the counted submits */
    char error[512];           /* the first failure */
} s_client_t;

static void *
s_client_run (void *argument)
{
    s_client_t *self = argument;
    for (uint64_t number = 1; !bench_interrupted; number++) {
        uint64_t start = bench_now_ns ();
        if (start >= self->window_end)
            break;
        bench_report_t report;
        bench_report_fill (&report, self->index, number, NULL);
        char error[512] = "";
        int rc = self->load->submit (self->connection, &report, error, sizeof error);
        uint64_t end = bench_now_ns ();
        if (rc != BENCH_LOAD_OK) {
            if (self->failures++ == 0)
                snprintf (self->error, sizeof self->error, "%s", error);
            if (rc == BENCH_LOAD_GONE)
                break; /* the store is gone: nothing more to measure */
            continue;
        }
        self->acknowledged++;
        if (end >= self->window_start && end <= self->window_end) {
            self->counted++;
            bench_samples_push (&self->latencies, end - start);
        }
    }
    return NULL;
}

int
bench_load_run (const bench_load_t *load, bench_load_result_t *result)
{
    memset (result, 0, sizeof *result);
    int count = load->clients;
    s_client_t *clients = calloc ((size_t) count, sizeof *clients);
    pthread_t *threads = calloc ((size_t) count, sizeof *threads);
    if (!clients || !threads) {
        free (clients);
        free (threads);
        return -1;
    }
    uint64_t begin = bench_now_ns ();
    uint64_t window_start = begin + (uint64_t) (load->warmup * 1e9);
    uint64_t window_end = window_start + (uint64_t) (load->duration * 1e9);
    for (int i = 0; i < count; i++)
        clients[i] = (s_client_t){.load = load,
                                  .connection = load->connections[i],
                                  .index = i,
                                  .window_start = window_start,
                                  .window_end = window_end};
    int started = 0;
    for (; started < count; started++)
        if (pthread_create (&threads[started], NULL, s_client_run, &clients[started]) != 0)
            break;
    bench_samples_t all = {0};
    uint64_t counted = 0;
    for (int i = 0; i < started; i++) {
        pthread_join (threads[i], NULL);
        counted += clients[i].counted;
        result->acknowledged += clients[i].acknowledged;
        result->failures += clients[i].failures;
        if (clients[i].failures)
            fprintf (stderr, "%s: client %d: %" PRIu64 " failures, first: %s\n", load->name, i,
                     clients[i].failures, clients[i].error);
        for (size_t k = 0; k < clients[i].latencies.count; k++)
            bench_samples_push (&all, clients[i].latencies.items[k]);
        bench_samples_free (&clients[i].latencies);
    }
    /* A run with failed calls measured something else than a healthy store. */
    result->done = started == count && !bench_interrupted && bench_now_ns () >= window_end
                   && result->failures == 0;
    result->rate = (double) counted / load->duration;
    result->latency = bench_samples_percentiles (&all);
    bench_samples_free (&all);
    free (threads);
    free (clients);
    return result->done ? 0 : -1;
}
