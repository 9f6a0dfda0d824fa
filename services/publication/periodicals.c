/*  periodicals: the periodicals publication stores, seeded from the
    configuration and changed by an admin; see periodicals.h. */
#include "periodicals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_log.h"
#include "bs_text.h"

struct periodicals {
    bs_periodical_t items[BS_PERIODICALS_MAX]; /* in the order of `periodicals` */
    size_t count;                              /* items used */
};

static const char *const s_levels[] = {"county", "city", "province", "central"};
#define S_LEVEL_COUNT (sizeof s_levels / sizeof s_levels[0])

bool
periodicals_level_known (const char *level)
{
    for (size_t i = 0; level && i < S_LEVEL_COUNT; i++)
        if (strcmp (level, s_levels[i]) == 0)
            return true;
    return false;
}

const char *
periodicals_level_above (const char *level)
{
    for (size_t i = 0; level && i + 1 < S_LEVEL_COUNT; i++)
        if (strcmp (level, s_levels[i]) == 0)
            return s_levels[i + 1];
    return NULL;
}

bool
periodicals_series_known (const char *series)
{
    return !series || !*series || strcmp (series, "專刊") == 0 || strcmp (series, "增刊") == 0;
}

static void
s_set (char **field, const char *value)
{
    free (*field);
    *field = strdup (value);
}

void
periodicals_destroy (periodicals_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    periodicals_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        bs_codec_record_free (&bs_periodical_schema, &self->items[i]);
    free (self);
    *self_p = NULL;
}

static bs_periodical_t *
s_find (periodicals_t *self, const char *name)
{
    for (size_t i = 0; name && i < self->count; i++)
        if (strcmp (self->items[i].name, name) == 0)
            return &self->items[i];
    return NULL;
}

const bs_periodical_t *
periodicals_find (periodicals_t *self, const char *name)
{
    return s_find (self, name);
}

void
periodicals_page (periodicals_t *self, bs_periodical_page_t *page)
{
    memset (page, 0, sizeof *page);
    page->periodicals.items = self->items;
    page->periodicals.count = self->count;
}

static int
s_yes_no (const char *text, bool *value, const char *where, bs_error_t *error)
{
    if (strcmp (text, "yes") == 0 || strcmp (text, "是") == 0)
        *value = true;
    else if (strcmp (text, "no") == 0 || strcmp (text, "否") == 0)
        *value = false;
    else
        return bs_error_set (error, BS_E_INVALID, "publication.periodicals_file",
                             "%s: '%s' must be yes or no", where, text);
    return BS_OK;
}

/* One line: name | code | issuing unit | level | upward | signoff. */
static int
s_parse_line (periodicals_t *self, char *line, const char *where, bs_error_t *error)
{
    char *fields[6];
    size_t count = 0;
    for (char *at = line; count < 6; count++) {
        char *bar = strchr (at, '|');
        if (bar)
            *bar = 0;
        fields[count] = bs_text_trim (at);
        if (!bar) {
            count++;
            break;
        }
        at = bar + 1;
    }
    if (count != 6)
        return bs_error_set (error, BS_E_INVALID, "publication.periodicals_file",
                             "%s: expected name | code | issuing unit | level | upward | signoff",
                             where);
    bs_periodical_t *periodical = s_find (self, fields[0]);
    if (!periodical)
        return bs_error_set (error, BS_E_INVALID, "publication.periodicals_file",
                             "%s: '%s' is not one of the periodicals", where, fields[0]);
    if (!periodicals_level_known (fields[3]))
        return bs_error_set (error, BS_E_INVALID, "publication.periodicals_file",
                             "%s: level '%s' is not county, city, province or central", where,
                             fields[3]);
    if (!*fields[1] || strlen (fields[1]) > 32 || strlen (fields[2]) > BS_UNIT_MAX)
        return bs_error_set (error, BS_E_INVALID, "publication.periodicals_file",
                             "%s: a code of 1 to 32 bytes and an issuing unit of at most %d",
                             where, BS_UNIT_MAX);
    int rc = s_yes_no (fields[4], &periodical->upward, where, error);
    if (rc == BS_OK)
        rc = s_yes_no (fields[5], &periodical->signoff, where, error);
    if (rc == BS_OK) {
        s_set (&periodical->code, fields[1]);
        s_set (&periodical->issuing_unit, fields[2]);
        s_set (&periodical->level, fields[3]);
    }
    return rc;
}

static int
s_load_file (periodicals_t *self, const char *path, bs_error_t *error)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return bs_error_set (error, BS_E_NOT_FOUND, "publication.periodicals_file",
                             "cannot read %s: %m", path);
    char line[1024];
    int number = 0, rc = BS_OK;
    while (rc == BS_OK && fgets (line, sizeof line, file)) {
        number++;
        char *text = bs_text_trim (line);
        if (*text == 0 || *text == '#')
            continue;
        char where[BS_CONFIG_VALUE_MAX + 32];
        snprintf (where, sizeof where, "%s:%d", path, number);
        rc = s_parse_line (self, text, where, error);
    }
    fclose (file);
    return rc;
}

periodicals_t *
periodicals_load (bs_config_t *config, bs_error_t *error)
{
    periodicals_t *self = calloc (1, sizeof *self);
    if (!self) {
        bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
        return NULL;
    }
    char names[BS_CONFIG_VALUE_MAX];
    snprintf (names, sizeof names, "%s", bs_config_get (config, "periodicals"));
    const char *issuing_unit = bs_config_get (config, "publication.issuing_unit");
    const char *level = bs_config_get (config, "publication.level");
    int rc = periodicals_level_known (level)
                 ? BS_OK
                 : bs_error_set (error, BS_E_INVALID, "publication.level",
                                 "publication.level '%s' is not county, city, province or central",
                                 level);
    char *saved = NULL;
    for (char *name = strtok_r (names, ",", &saved); rc == BS_OK && name;
         name = strtok_r (NULL, ",", &saved)) {
        name = bs_text_trim (name);
        if (!*name || s_find (self, name))
            continue;
        if (self->count == BS_PERIODICALS_MAX) {
            rc = bs_error_set (error, BS_E_LIMIT, "periodicals", "more than %d periodicals",
                               BS_PERIODICALS_MAX);
            break;
        }
        bs_periodical_t *periodical = &self->items[self->count++];
        s_set (&periodical->name, name);
        s_set (&periodical->code, name);
        s_set (&periodical->issuing_unit, issuing_unit);
        s_set (&periodical->level, level);
    }
    const char *path = bs_config_get (config, "publication.periodicals_file");
    if (rc == BS_OK && path && *path)
        rc = s_load_file (self, path, error);
    if (rc != BS_OK)
        periodicals_destroy (&self);
    return self;
}

/* The stored periodicals, as a page, in the byte order of their names. */
int
periodicals_list (MDB_txn *txn, MDB_dbi dbi, bs_periodical_page_t *page)
{
    memset (page, 0, sizeof *page);
    char *next = NULL;
    int rc = bs_store_page_by_name (txn, dbi, &bs_periodical_schema, NULL, BS_PERIODICALS_MAX,
                                    NULL, NULL, &page->periodicals, &next);
    free (next);
    return rc;
}

int
periodicals_get (MDB_txn *txn, MDB_dbi dbi, const char *name, bs_periodical_t *periodical)
{
    memset (periodical, 0, sizeof *periodical);
    if (!name || !*name)
        return BS_E_NOT_FOUND;
    return bs_store_get_record_by_name (txn, dbi, name, &bs_periodical_schema, periodical);
}

int
periodicals_names (MDB_txn *txn, MDB_dbi dbi, char *buffer, size_t size)
{
    bs_periodical_page_t page;
    int rc = periodicals_list (txn, dbi, &page);
    const bs_periodical_t *items = page.periodicals.items;
    size_t used = 0;
    buffer[0] = 0;
    for (size_t i = 0; rc == BS_OK && i < page.periodicals.count && used < size; i++)
        used += (size_t) snprintf (buffer + used, size - used, "%s%s", i ? "," : "",
                                   items[i].name);
    bs_codec_record_free (&bs_periodical_page_schema, &page);
    return rc;
}

static bool
s_same (const bs_periodical_t *one, const bs_periodical_t *other)
{
    const char *one_unit = one->issuing_unit ? one->issuing_unit : "";
    const char *other_unit = other->issuing_unit ? other->issuing_unit : "";
    return strcmp (one->code, other->code) == 0 && strcmp (one_unit, other_unit) == 0
           && strcmp (one->level, other->level) == 0 && one->upward == other->upward
           && one->signoff == other->signoff;
}

/* Store periodical under its name and tell the services that follow
   publication's log (review: which periodicals it may adopt into). */
static int
s_store (bs_service_t *service, MDB_txn *txn, const bs_periodical_t *periodical, uint64_t now)
{
    int rc = bs_store_put_record_by_name (txn, bs_service_dbi (service, PERIODICALS_DATABASE),
                                          periodical->name, &bs_periodical_schema, periodical);
    if (rc == BS_OK)
        rc = bs_service_emit (service, txn, &bs_periodical_schema, periodical, now);
    return rc;
}

typedef struct {
    bs_service_t *service;
    periodicals_t *seed;
    uint64_t now;
    size_t added;
} s_seeding_t;

/* Each periodical of the seed not stored yet, stored in txn. */
static int
s_seed_write (MDB_txn *txn, void *argument)
{
    s_seeding_t *work = argument;
    bs_service_t *service = work->service;
    periodicals_t *seed = work->seed;
    MDB_dbi dbi = bs_service_dbi (service, PERIODICALS_DATABASE);
    work->added = 0;
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < seed->count; i++) {
        bs_periodical_t stored;
        rc = periodicals_get (txn, dbi, seed->items[i].name, &stored);
        if (rc == BS_OK && !s_same (&stored, &seed->items[i]))
            bs_log_info ("periodical %s is stored: the configuration's attributes for it are not "
                         "applied (an admin changes them: publication.periodical_put)",
                         stored.name);
        if (rc == BS_OK)
            bs_codec_record_free (&bs_periodical_schema, &stored);
        else if (rc == BS_E_NOT_FOUND) {
            rc = s_store (service, txn, &seed->items[i], work->now);
            work->added += rc == BS_OK;
        }
    }
    return rc;
}

int
periodicals_seed (bs_service_t *service, periodicals_t *seed, uint64_t now, size_t *added)
{
    s_seeding_t work = {service, seed, now, 0};
    int rc = bs_store_write (bs_service_store (service), s_seed_write, &work);
    *added = rc == BS_OK ? work.added : 0;
    return rc;
}

/* What is wrong with a periodical an admin puts: BS_OK or the refusal. */
static int
s_refuse_put (bs_request_t *request, const bs_periodical_put_t *put, MDB_dbi dbi, bool exists)
{
    if (strpbrk (put->name, ",|"))
        return bs_request_refuse (request, BS_E_INVALID, "name", "separator",
                                  "a periodical's name has no ',' or '|' (they separate "
                                  "periodicals in the configuration): '%s'",
                                  put->name);
    const char *blank = NULL;
    if (strspn (put->name, " \t") == strlen (put->name))
        blank = "name";
    else if (strspn (put->code, " \t") == strlen (put->code))
        blank = "code";
    if (blank)
        return bs_request_refuse (request, BS_E_INVALID, blank, "blank",
                                  "a periodical's %s is more than spaces", blank);
    if (!periodicals_level_known (put->level))
        return bs_request_refuse (request, BS_E_INVALID, "level", "unknown_level",
                                  "level '%s' is not county, city, province or central",
                                  put->level);
    if (exists)
        return BS_OK;
    bs_periodical_page_t page;
    int rc = periodicals_list (request->txn, dbi, &page);
    size_t count = page.periodicals.count;
    bs_codec_record_free (&bs_periodical_page_schema, &page);
    if (rc == BS_OK && count >= BS_PERIODICALS_MAX)
        rc = bs_request_refuse (request, BS_E_LIMIT, "name", "too_many",
                                "there are %d periodicals already, the most there may be",
                                BS_PERIODICALS_MAX);
    return rc;
}

int
periodicals_put (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_periodical_put_t *put = request->message->data;
    MDB_dbi dbi = bs_service_dbi (request->service, PERIODICALS_DATABASE);
    bs_periodical_t stored;
    int rc = periodicals_get (request->txn, dbi, put->name, &stored);
    bool exists = rc == BS_OK;
    if (rc == BS_E_NOT_FOUND)
        rc = BS_OK;
    if (rc == BS_OK)
        rc = s_refuse_put (request, put, dbi, exists);
    bs_periodical_t periodical = {
        .name = put->name,
        .code = put->code,
        .issuing_unit = put->issuing_unit ? put->issuing_unit : "",
        .level = put->level,
        .upward = put->upward,
        .signoff = put->signoff,
    };
    if (rc == BS_OK && !(exists && s_same (&stored, &periodical)))
        rc = s_store (request->service, request->txn, &periodical, request->now);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_periodical_schema, &periodical);
    if (exists)
        bs_codec_record_free (&bs_periodical_schema, &stored);
    return rc;
}
