/*  rules: the scoring rules file; see rules.h. */
#include "rules.h"

#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_store.h"
#include "kept.h"
#include "units.h"

const char statistics_rules_default[] =
    "; 系统默认的考核办法（第0版），载入新版本之前一直在用\n"
    "[rules]\n"
    "name = 默认规则\n"
    "\n"
    "[points]\n"
    "adopted = 1\n"
    "adopted_county = 2\n"
    "adopted_city = 3\n"
    "adopted_province = 6\n"
    "adopted_central = 10\n"
    "instructed_county = 1\n"
    "instructed_city = 2\n"
    "instructed_province = 4\n"
    "instructed_central = 8\n"
    "\n"
    "[penalties]\n"
    "missed = 5\n"
    "answered_late = 2\n"
    "zero_after_missed = 2\n"
    "\n"
    "[rewards]\n"
    "adopted = 50\n"
    "adopted_county = 80\n"
    "adopted_city = 100\n"
    "adopted_province = 200\n"
    "adopted_central = 500\n"
    "\n"
    "[quotas]\n"
    "figure = adopted\n"
    "county = 2\n"
    "township = 1\n"
    "section = 1\n"
    "key_unit = 1\n"
    "\n"
    "[synthesis]\n"
    "split = 1\n"
    "\n"
    "[assessment]\n"
    "quota = 30\n"
    "quality = 20\n"
    "timeliness = 20\n"
    "upward = 30\n"
    "upward_full = 20\n";

/* What the parse is doing: the rules being filled, the line being read
   (ini_parse_stream reads a line, then calls the handler for it), and the
   first fault. */
typedef struct {
    statistics_rules_t *rules;
    const char *next;    /* the rest of the text to read */
    int line;            /* the line last read, 1-based */
    int section_line;    /* the line of the last [section] read, 0: none */
    bool line_begun;     /* the last read ended mid-line (a line longer than inih's buffer) */
    int fault_line;      /* the first line at fault, 0: none */
    const char *reason;  /* what is wrong there, in a word (statistics_rules_parse) */
    char fault[200];     /* and in a sentence */
    int assessment_line; /* where [assessment] weights were given */
    bool assessment_given;
} s_parse_t;

/* inih's reader: one line of the text, as fgets would. */
static char *
s_read_line (char *buffer, int size, void *stream)
{
    s_parse_t *parse = stream;
    if (!*parse->next)
        return NULL;
    const char *end = strchr (parse->next, '\n');
    size_t length = end ? (size_t) (end - parse->next) + 1 : strlen (parse->next);
    if (length >= (size_t) size)
        length = (size_t) size - 1;
    memcpy (buffer, parse->next, length);
    buffer[length] = 0;
    parse->next += length;
    bool begins = !parse->line_begun;
    parse->line_begun = !(length == 0 || buffer[length - 1] == '\n' || !*parse->next);
    if (!parse->line_begun)
        parse->line++;
    if (begins && buffer[strspn (buffer, " \t")] == '[' && strchr (buffer, ']'))
        parse->section_line = parse->line + (parse->line_begun ? 1 : 0);
    return buffer;
}

static int s_fault_at (s_parse_t *parse, int line, const char *reason, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

/* The first fault: at line (0: the line just read), what is wrong there
   (reason), in a sentence. */
static int
s_fault_at (s_parse_t *parse, int line, const char *reason, const char *format, ...)
{
    if (!parse->fault_line) {
        parse->fault_line = line ? line : parse->line;
        parse->reason = reason;
        va_list arguments;
        va_start (arguments, format);
        vsnprintf (parse->fault, sizeof parse->fault, format, arguments);
        va_end (arguments);
    }
    return 0;
}

/* The first fault, on the line just read. */
#define s_fault(parse, ...) s_fault_at ((parse), (parse)->line, __VA_ARGS__)

/* A whole number of 0 or more, nothing else. */
static bool
s_whole (const char *text, uint64_t *value)
{
    if (!*text || strlen (text) > 15)
        return false;
    *value = 0;
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9')
            return false;
        *value = *value * 10 + (uint64_t) (*c - '0');
    }
    return true;
}

static int
s_unit_quota (statistics_rules_t *rules, const char *unit, uint64_t monthly)
{
    statistics_unit_quota_t *more =
        realloc (rules->unit_quotas, (rules->unit_quota_count + 1) * sizeof *more);
    if (!more)
        return 0;
    rules->unit_quotas = more;
    more[rules->unit_quota_count].unit = strdup (unit);
    more[rules->unit_quota_count].monthly = monthly;
    if (!more[rules->unit_quota_count].unit)
        return 0;
    rules->unit_quota_count++;
    return 1;
}

/* A key of [points] or [rewards]: a figure; rewards only adoptions. */
static int
s_per_figure (s_parse_t *parse, const char *section, const char *name, uint64_t value,
              uint64_t *table)
{
    statistics_measure_t measure = statistics_measure_named (name);
    bool rewards = strcmp (section, "rewards") == 0;
    if (measure == STATISTICS_NONE || measure == STATISTICS_DECISION_MS
        || (rewards && strncmp (name, "adopted", 7) != 0))
        return s_fault (parse, "unknown_key",
                        rewards ? "unknown key '%s' in [%s]: adopted or adopted_<level>"
                                : "unknown key '%s' in [%s]: a figure of statistics.row",
                        name, section);
    table[measure] = value;
    return 1;
}

static int
s_assessment (s_parse_t *parse, const char *name, uint64_t value)
{
    statistics_rules_t *rules = parse->rules;
    uint64_t *weights[] = {&rules->weight_quota, &rules->weight_quality, &rules->weight_timeliness,
                           &rules->weight_upward};
    static const char *const names[] = {"quota", "quality", "timeliness", "upward"};
    if (strcmp (name, "upward_full") == 0) {
        rules->upward_full = value;
        return 1;
    }
    for (size_t i = 0; i < 4; i++)
        if (strcmp (name, names[i]) == 0) {
            if (!parse->assessment_given) {
                for (size_t w = 0; w < 4; w++)
                    *weights[w] = 0;
                parse->assessment_given = true;
                parse->assessment_line = parse->line;
            }
            *weights[i] = value;
            return 1;
        }
    return s_fault (parse, "unknown_key", "unknown key '%s' in [%s]", name, "assessment");
}

static int
s_quotas (s_parse_t *parse, const char *name, const char *text, uint64_t value, bool whole)
{
    statistics_rules_t *rules = parse->rules;
    if (strcmp (name, "figure") == 0) {
        statistics_measure_t figure = statistics_measure_named (text);
        if (figure == STATISTICS_NONE || figure == STATISTICS_DECISION_MS)
            return s_fault (parse, "unknown_figure",
                            "[quotas] figure is a figure of statistics.row, not '%s'", text);
        rules->quota_figure = figure;
        return 1;
    }
    if (!statistics_tier_known (name))
        return s_fault (parse, "unknown_key", "unknown key '%s' in [%s]: figure or a tier", name,
                        "quotas");
    if (!whole)
        return s_fault (parse, "not_whole", "'%s' is not a whole number of 0 or more (key %s)",
                        text, name);
    rules->tier_quotas[statistics_tier_order (name)] = value;
    return 1;
}

static int
s_handle (void *user, const char *section, const char *name, const char *text)
{
    s_parse_t *parse = user;
    statistics_rules_t *rules = parse->rules;
    uint64_t value = 0;
    bool whole = s_whole (text, &value);
    if (strcmp (section, "rules") == 0) {
        if (strcmp (name, "name") != 0)
            return s_fault (parse, "unknown_key", "unknown key '%s' in [%s]: name", name, section);
        free (rules->name);
        rules->name = strdup (text);
        return rules->name ? 1 : 0;
    }
    if (strcmp (section, "quotas") == 0)
        return s_quotas (parse, name, text, value, whole);
    bool known = strcmp (section, "points") == 0 || strcmp (section, "rewards") == 0
                 || strcmp (section, "penalties") == 0 || strcmp (section, "unit_quotas") == 0
                 || strcmp (section, "assessment") == 0 || strcmp (section, "synthesis") == 0
                 || strcmp (section, "parent_credit") == 0;
    if (!known)
        return s_fault_at (parse, parse->section_line, "unknown_section",
                           "unknown section [%s]: rules, points, penalties, rewards, quotas, "
                           "unit_quotas, parent_credit, synthesis, assessment",
                           section);
    if (!whole)
        return s_fault (parse, "not_whole", "'%s' is not a whole number of 0 or more (key %s)",
                        text, name);
    if (strcmp (section, "points") == 0)
        return s_per_figure (parse, section, name, value, rules->points);
    if (strcmp (section, "rewards") == 0)
        return s_per_figure (parse, section, name, value, rules->rewards);
    if (strcmp (section, "unit_quotas") == 0)
        return s_unit_quota (rules, name, value);
    if (strcmp (section, "assessment") == 0)
        return s_assessment (parse, name, value);
    if (strcmp (section, "parent_credit") == 0) {
        if (!statistics_tier_known (name) || value > 100)
            return s_fault (parse, statistics_tier_known (name) ? "out_of_range" : "unknown_key",
                            "[parent_credit] has a tier = a percent up to 100, not '%s = %s'", name,
                            text);
        rules->parent_credit[statistics_tier_order (name)] = value;
        return 1;
    }
    if (strcmp (section, "synthesis") == 0) {
        if (strcmp (name, "split") != 0 || value > 1)
            return s_fault (parse, strcmp (name, "split") == 0 ? "out_of_range" : "unknown_key",
                            "[synthesis] has split = 0 or 1, not '%s = %s'", name, text);
        rules->synthesis_split = value == 1;
        return 1;
    }
    if (strcmp (name, "missed") == 0)
        rules->penalty_missed = value;
    else if (strcmp (name, "answered_late") == 0)
        rules->penalty_late = value;
    else if (strcmp (name, "zero_after_missed") == 0)
        rules->zero_after_missed = value;
    else
        return s_fault (parse, "unknown_key",
                        "unknown key '%s' in [%s]: missed, answered_late, zero_after_missed", name,
                        section);
    return 1;
}

int
statistics_rules_parse (const char *text, statistics_rules_t *rules, bs_error_t *error)
{
    memset (rules, 0, sizeof *rules);
    rules->quota_figure = STATISTICS_ADOPTED;
    rules->weight_quota = 30;
    rules->weight_quality = 20;
    rules->weight_timeliness = 20;
    rules->weight_upward = 30;
    rules->name = strdup ("");
    s_parse_t parse = {.rules = rules, .next = text ? text : ""};
    /* One line, one key: a continued value would hide a typing error. */
    ini_allow_multiline = false;
    int line = ini_parse_stream (s_read_line, &parse, s_handle, &parse);
    uint64_t weights = rules->weight_quota + rules->weight_quality + rules->weight_timeliness
                       + rules->weight_upward;
    int rc = BS_OK;
    if (line < 0 || !rules->name)
        rc = bs_error_set (error, BS_E_SYSTEM, "text", "out of memory reading the rules");
    else if (parse.fault_line && (line == 0 || parse.fault_line <= line)) {
        rc = bs_error_set (error, BS_E_INVALID, "text", "line %d: %s", parse.fault_line,
                           parse.fault);
        bs_error_reason (error, parse.reason, (unsigned) parse.fault_line);
    } else if (line > 0) {
        rc = bs_error_set (error, BS_E_INVALID, "text",
                           "line %d: not a [section] nor a key = value line", line);
        bs_error_reason (error, "syntax", (unsigned) line);
    } else if (weights != 100) {
        rc = bs_error_set (error, BS_E_INVALID, "text",
                           "line %d: the [assessment] weights quota, quality, timeliness and "
                           "upward sum to %llu, not 100",
                           parse.assessment_line, (unsigned long long) weights);
        bs_error_reason (error, "weights_sum", (unsigned) parse.assessment_line);
    }
    if (rc != BS_OK)
        statistics_rules_clear (rules);
    return rc;
}

void
statistics_rules_clear (statistics_rules_t *rules)
{
    free (rules->name);
    for (size_t i = 0; i < rules->unit_quota_count; i++)
        free (rules->unit_quotas[i].unit);
    free (rules->unit_quotas);
    memset (rules, 0, sizeof *rules);
}

uint64_t
statistics_rules_quota (const statistics_rules_t *rules, const char *unit, const char *tier)
{
    for (size_t i = 0; i < rules->unit_quota_count; i++)
        if (strcmp (rules->unit_quotas[i].unit, unit) == 0)
            return rules->unit_quotas[i].monthly;
    int order = statistics_tier_order (tier);
    return order < STATISTICS_TIERS ? rules->tier_quotas[order] : 0;
}

/* Version 0, the rules in force until a file is loaded: kept nowhere. */
static bs_stats_rules_t
s_built_in (void)
{
    return (bs_stats_rules_t){
        .version = 0, .name = "默认规则", .text = (char *) statistics_rules_default};
}

/* The last version kept, 0 when none. */
static int
s_last_version (MDB_txn *txn, MDB_dbi database, uint64_t *version)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, database, &cursor);
    if (rc)
        return bs_store_error (rc, "read the rules");
    MDB_val key, value;
    rc = mdb_cursor_get (cursor, &key, &value, MDB_LAST);
    *version = rc == 0 && key.mv_size == 8 ? bs_store_key_value (key.mv_data) : 0;
    mdb_cursor_close (cursor);
    return rc == 0 || rc == MDB_NOTFOUND ? BS_OK : bs_store_error (rc, "read the rules");
}

int
statistics_rules_put (MDB_txn *txn, MDB_dbi database, const char *text, const char *by,
                      uint64_t now, bs_stats_rules_t *record, bs_error_t *error)
{
    statistics_rules_t rules;
    int rc = statistics_rules_parse (text, &rules, error);
    if (rc != BS_OK)
        return rc;
    uint64_t last;
    rc = s_last_version (txn, database, &last);
    bs_stats_rules_t kept = {.version = last + 1,
                             .name = rules.name,
                             .text = (char *) text,
                             .loaded_at = now,
                             .by = (char *) (by ? by : "")};
    if (rc == BS_OK)
        rc = bs_store_put_record (txn, database, kept.version, &bs_stats_rules_schema, &kept);
    if (rc == BS_OK)
        rc = bs_codec_record_copy (&bs_stats_rules_schema, &kept, record);
    statistics_rules_clear (&rules);
    return rc == BS_OK ? BS_OK : bs_error_set (error, rc, "", "cannot keep the rules");
}

int
statistics_rules_get (MDB_txn *txn, MDB_dbi database, uint64_t version, bs_stats_rules_t *record,
                      statistics_rules_t *rules, bs_error_t *error)
{
    uint64_t last;
    int rc = s_last_version (txn, database, &last);
    if (rc != BS_OK)
        return bs_error_set (error, rc, "", "cannot read the rules");
    uint64_t wanted = version ? version : last;
    bs_stats_rules_t kept = s_built_in ();
    bool stored = wanted > 0;
    if (stored) {
        rc = bs_store_get_record (txn, database, wanted, &bs_stats_rules_schema, &kept);
        if (rc == BS_E_NOT_FOUND)
            return bs_error_set (error, rc, "version", "no rules version %llu (the last is %llu)",
                                 (unsigned long long) wanted, (unsigned long long) last);
        if (rc != BS_OK)
            return bs_error_set (error, rc, "", "cannot read the rules");
    }
    if (rules) {
        rc = statistics_rules_parse (kept.text, rules, error);
        rules->version = kept.version;
    }
    if (rc == BS_OK && record)
        rc = bs_codec_record_copy (&bs_stats_rules_schema, &kept, record);
    if (stored)
        bs_codec_record_free (&bs_stats_rules_schema, &kept);
    if (rc != BS_OK && rules)
        statistics_rules_clear (rules);
    return rc;
}

/* version as an entry of the history (its text left out) into item. */
static int
s_list_one (const bs_stats_rules_t *version, bool in_force, bs_rules_version_t *item)
{
    bs_rules_version_t entry = {.version = version->version,
                                .name = version->name,
                                .loaded_at = version->loaded_at,
                                .by = version->by,
                                .in_force = in_force};
    return bs_codec_record_copy (&bs_rules_version_schema, &entry, item);
}

/* Add the versions loaded into database to page, newest first, the
   first in force, until page holds max. */
static int
s_list_loaded (MDB_txn *txn, MDB_dbi database, size_t max, bs_rules_page_t *page)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, database, &cursor);
    if (rc)
        return bs_store_error (rc, "read the rules");
    bs_rules_version_t *items = page->versions.items;
    size_t *count = &page->versions.count;
    MDB_val key, value;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_LAST);
    for (rc = BS_OK; found == 0 && rc == BS_OK && *count < max;
         found = mdb_cursor_get (cursor, &key, &value, MDB_PREV)) {
        bs_stats_rules_t version;
        rc = bs_store_get_record (txn, database, bs_store_key_value (key.mv_data),
                                  &bs_stats_rules_schema, &version);
        if (rc != BS_OK)
            break;
        rc = s_list_one (&version, *count == 0, &items[*count]);
        *count += rc == BS_OK;
        bs_codec_record_free (&bs_stats_rules_schema, &version);
    }
    mdb_cursor_close (cursor);
    if (rc == BS_OK && found != 0 && found != MDB_NOTFOUND)
        rc = bs_store_error (found, "read the rules");
    return rc;
}

int
statistics_rules_list (MDB_txn *txn, MDB_dbi database, uint64_t limit, bs_rules_page_t *page,
                       bs_error_t *error)
{
    size_t max = limit && limit < BS_PAGE_MAX ? (size_t) limit : BS_PAGE_MAX;
    bs_rules_version_t *items = calloc (max, sizeof *items);
    *page = (bs_rules_page_t){.versions = {0, items}};
    int rc = items ? s_list_loaded (txn, database, max, page) : BS_E_SYSTEM;
    /* Version 0 last: in force when no file was loaded. */
    bs_stats_rules_t built_in = s_built_in ();
    size_t *count = &page->versions.count;
    if (rc == BS_OK && *count < max) {
        rc = s_list_one (&built_in, *count == 0, &items[*count]);
        *count += rc == BS_OK;
    }
    if (rc == BS_OK)
        return BS_OK;
    bs_codec_record_free (&bs_rules_page_schema, page);
    return bs_error_set (error, rc, "", "cannot read the rules");
}

typedef struct {
    bs_store_t *kept;
    const bs_message_t *put;
    uint64_t now;
} s_load_t;

static int
s_keep (MDB_txn *txn, void *argument, uint64_t *version, bs_error_t *error)
{
    s_load_t *load = argument;
    const bs_rules_put_t *put = load->put->data;
    bs_stats_rules_t record;
    int rc = statistics_rules_put (txn, bs_store_dbi (load->kept, "rules"), put->text, put->by,
                                   load->now, &record, error);
    if (rc == BS_OK) {
        *version = record.version;
        bs_codec_record_free (&bs_stats_rules_schema, &record);
    }
    return rc;
}

int
statistics_rules_load (bs_store_t *kept, const bs_message_t *put, uint64_t now,
                       bs_stats_rules_t *record, bs_error_t *error)
{
    s_load_t load = {kept, put, now};
    uint64_t version;
    int rc = statistics_kept_once (kept, put, s_keep, &load, &version, error);
    return rc == BS_OK ? statistics_rules_read (kept, version, record, NULL, error) : rc;
}

int
statistics_rules_read (bs_store_t *kept, uint64_t version, bs_stats_rules_t *record,
                       statistics_rules_t *rules, bs_error_t *error)
{
    MDB_txn *txn;
    int rc = bs_store_read_begin (kept, &txn);
    if (rc != BS_OK)
        return bs_error_set (error, rc, "", "cannot read the rules");
    rc = statistics_rules_get (txn, bs_store_dbi (kept, "rules"), version, record, rules, error);
    mdb_txn_abort (txn);
    return rc;
}

int
statistics_rules_versions (bs_store_t *kept, uint64_t limit, bs_rules_page_t *page,
                           bs_error_t *error)
{
    MDB_txn *txn;
    int rc = bs_store_read_begin (kept, &txn);
    if (rc != BS_OK) {
        *page = (bs_rules_page_t){0};
        return bs_error_set (error, rc, "", "cannot read the rules");
    }
    rc = statistics_rules_list (txn, bs_store_dbi (kept, "rules"), limit, page, error);
    mdb_txn_abort (txn);
    return rc;
}
