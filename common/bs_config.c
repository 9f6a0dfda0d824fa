/*  bs_config: key = value configuration with embedded defaults; see
    bs_config.h. The table below is the list of every key: a key that is not
    in it is refused, so a typo in a file is an error rather than a silent
    default.
*/
#include "bs_config.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs_log.h"
#include "bs_text.h"

typedef struct {
    const char *key;
    const char *value; /* default; "" for endpoints derived from data_dir */
    bool number;       /* value must be a decimal number */
} s_default_t;

static const s_default_t s_defaults[] = {
    {"data_dir", "./var", false},
    {"log_level", "info", false},
    {"keys_dir", "", false},
    {"run_dir", "", false},
    {"certificate", "", false},
    {"map_size_mb", "64", true},
    {"map_size_max_mb", "65536", true},
    {"max_message_bytes", "1048576", true},
    {"heartbeat_ms", "1000", true},
    {"request_timeout_ms", "3000", true},
    {"request_retries", "3", true},
    {"stream_window", "1000", true},
    {"batch_max", "1000", true},
    {"consume_linger_ms", "0", true},
    {"review.consume_linger_ms", "20", true},
    {"publication.consume_linger_ms", "20", true},
    {"statistics.consume_linger_ms", "0", true},
    {"consume_gather_ms", "0", true},
    {"statistics.consume_gather_ms", "10", true},
    {"reader_check_ms", "60000", true},
    {"restart_delay_ms", "500", true},
    {"no_sync", "0", true},
    {"store.journal", "0", true},
    {"store.journal_checkpoint_ms", "1000", true},
    {"store.fill_from_kb", "4096", true},
    {"idempotency_days", "30", true},
    {"idempotency_sweep_ms", "600000", true},
    {"periodicals", "組工信息,重點上報信息", false},
    {"publication.periodicals_file", "", false},
    {"publication.issuing_unit", "", false},
    {"publication.level", "city", false},
    {"publication.upward_url", "", false},
    {"publication.upward_token", "", false},
    {"publication.upward_poll_ms", "500", true},
    {"intake.message_max_bytes", "41943040", true},
    {"intake.attachments_max_bytes", "33554432", true},
    {"intake.dedup_window_hours", "168", true},
    {"intake.fingerprints_merge_at", "65536", true},
    {"registry.password_cost", "interactive", false},
    {"review.lease_minutes", "30", true},
    {"review.urgent_hours", "2", true},
    {"review.criteria", "timeliness,accuracy,depth,writing", false},
    {"review.score_max", "10", true},
    {"review.sweep_ms", "1000", true},
    {"review.commission_remind_hours", "24", true},
    {"intake.command", "", false},
    {"intake.command_bind", "", false},
    {"intake.stream", "", false},
    {"intake.stream_bind", "", false},
    {"review.command", "", false},
    {"review.command_bind", "", false},
    {"review.stream", "", false},
    {"review.stream_bind", "", false},
    {"publication.command", "", false},
    {"publication.command_bind", "", false},
    {"publication.stream", "", false},
    {"publication.stream_bind", "", false},
    {"statistics.log_keep", "100000", true},
    {"statistics.prune_ms", "60000", true},
    {"statistics.command", "", false},
    {"statistics.command_bind", "", false},
    {"statistics.feed", "", false},
    {"statistics.feed_bind", "", false},
    {"gateway.http", "127.0.0.1:8080", false},
    {"gateway.session_key", "", false},
    {"gateway.session_hours", "12", true},
    {"gateway.max_body_bytes", "41943040", true},
    {"gateway.threads", "0", true},
    {"gateway.feed_poll_ms", "100", true},
    {"gateway.connection_limit", "1000", true},
    {"gateway.connection_timeout_s", "30", true},
    {"gateway.per_ip_limit", "200", true},
    {"gateway.request_tries", "2", true},
    {"gateway.behind_tls", "0", true},
    {"gateway.login_failures_per_login", "5", true},
    {"gateway.login_failures_per_address", "20", true},
    {"gateway.login_forgive_ms", "60000", true},
    {"gateway.login_checks", "2", true},
    {"gateway.login_wait_ms", "2000", true},
    {"gateway.web_root", "", false},
    {"mail.command", "", false},
    {"mail.command_bind", "", false},
    {"mail.lmtp", "127.0.0.1:2424", false},
    {"mail.lmtp_connections", "16", true},
    {"mail.lmtp_timeout_ms", "300000", true},
    {"mail.lmtp_data_timeout_ms", "600000", true},
    {"mail.recipients", "", false},
    {"mail.max_message_bytes", "41943040", true},
    {"mail.maildir", "", false},
    {"mail.maildir_poll_ms", "1000", true},
    {"mail.maildir_retries", "5", true},
    {"mail.receipt_from", "baosong@localhost", false},
    {"mail.sendmail", "", false},
    {"mail.hostname", "", false},
};

#define S_KEY_COUNT (sizeof s_defaults / sizeof s_defaults[0])

/* Keys are looked up by hash (open addressing, linear probing, at most
   half full): handlers read settings by name in every command (review's
   lease and criteria, a decision's periodicals), and a strcmp against
   each key before it cost about 1,300 instructions a read (bench/README.md,
   issue 9). */
#define S_SLOTS 256
_Static_assert(S_KEY_COUNT <= S_SLOTS / 2, "the key table is over half full");

struct bs_config {
    char values[S_KEY_COUNT][BS_CONFIG_VALUE_MAX]; /* current value of each key */
    bool set[S_KEY_COUNT];  /* given by the file, the environment or bs_config_set */
    uint8_t slots[S_SLOTS]; /* a key's index in s_defaults + 1 at its hash's slot; 0 empty */
};

/* A derived endpoint is built here: one buffer per thread, so threads that
   share a configuration (a benchmark's clients) do not overwrite each
   other's. */
static __thread char s_endpoint[BS_CONFIG_VALUE_MAX + 64];

/* The slot of key: the one holding it, or the empty one where it would go. */
static size_t
s_slot (const bs_config_t *self, const char *key)
{
    size_t slot = bs_text_hash (BS_TEXT_HASH, key, strlen (key)) & (S_SLOTS - 1);
    while (self->slots[slot] && strcmp (s_defaults[self->slots[slot] - 1].key, key) != 0)
        slot = (slot + 1) & (S_SLOTS - 1);
    return slot;
}

static void
s_hash_keys (bs_config_t *self)
{
    for (size_t i = 0; i < S_KEY_COUNT; i++)
        self->slots[s_slot (self, s_defaults[i].key)] = (uint8_t) (i + 1);
}

/* Key's index in s_defaults, or -1 when it is none. */
static int
s_index (const bs_config_t *self, const char *key)
{
    return (int) self->slots[s_slot (self, key)] - 1;
}

int
bs_config_set (bs_config_t *self, const char *key, const char *value, bs_error_t *error)
{
    int index = s_index (self, key);
    if (index < 0)
        return bs_error_set (error, BS_E_INVALID, key, "unknown configuration key '%s'", key);
    if (strlen (value) >= BS_CONFIG_VALUE_MAX)
        return bs_error_set (error, BS_E_INVALID, key, "value of '%s' is too long", key);
    if (s_defaults[index].number) {
        char *end;
        strtoull (value, &end, 10);
        if (!*value || *end)
            return bs_error_set (error, BS_E_INVALID, key, "'%s' must be a number, not '%s'", key,
                                 value);
    }
    if (strcmp (key, "log_level") == 0 && bs_log_level_parse (value) < 0)
        return bs_error_set (error, BS_E_INVALID, key,
                             "log_level must be error, warning, info or debug, not '%s'", value);
    snprintf (self->values[index], BS_CONFIG_VALUE_MAX, "%s", value);
    self->set[index] = true;
    return BS_OK;
}

static int
s_load_file (bs_config_t *self, const char *path, bs_error_t *error)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return bs_error_set (error, BS_E_NOT_FOUND, "config", "cannot read %s: %m", path);
    char line[BS_CONFIG_VALUE_MAX * 2];
    int number = 0;
    int rc = BS_OK;
    while (rc == BS_OK && fgets (line, sizeof line, file)) {
        number++;
        char *text = bs_text_trim (line);
        if (*text == 0 || *text == '#')
            continue;
        char *equals = strchr (text, '=');
        if (!equals) {
            rc = bs_error_set (error, BS_E_INVALID, "config", "%s:%d: expected key = value", path,
                               number);
            break;
        }
        *equals = 0;
        rc = bs_config_set (self, bs_text_trim (text), bs_text_trim (equals + 1), error);
        if (rc != BS_OK && error) {
            char text_copy[BS_ERROR_TEXT_MAX];
            snprintf (text_copy, sizeof text_copy, "%s", error->text);
            snprintf (error->text, sizeof error->text, "%s:%d: %s", path, number, text_copy);
        }
    }
    fclose (file);
    return rc;
}

static int
s_load_environment (bs_config_t *self, bs_error_t *error)
{
    for (size_t i = 0; i < S_KEY_COUNT; i++) {
        char name[128] = "BAOSONG_";
        size_t at = strlen (name);
        for (const char *c = s_defaults[i].key; *c && at < sizeof name - 1; c++)
            name[at++] = (*c == '.' || *c == '-') ? '_' : (char) toupper ((unsigned char) *c);
        name[at] = 0;
        const char *value = getenv (name);
        if (value) {
            int rc = bs_config_set (self, s_defaults[i].key, value, error);
            if (rc != BS_OK)
                return rc;
        }
    }
    return BS_OK;
}

/* Relative data folders are made absolute once, so every process started
   from the same place agrees on the ipc socket paths. */
static void
s_absolute_data_dir (bs_config_t *self)
{
    int index = s_index (self, "data_dir");
    char *value = self->values[index];
    if (value[0] == '/')
        return;
    char cwd[PATH_MAX];
    if (!getcwd (cwd, sizeof cwd))
        return;
    const char *relative = value;
    if (relative[0] == '.' && relative[1] == '/')
        relative += 2;
    char absolute[PATH_MAX + BS_CONFIG_VALUE_MAX];
    snprintf (absolute, sizeof absolute, "%s/%s", cwd, relative);
    snprintf (value, BS_CONFIG_VALUE_MAX, "%s", absolute);
}

bs_config_t *
bs_config_load (const char *path, bs_error_t *error)
{
    bs_config_t *self = calloc (1, sizeof *self);
    if (!self) {
        bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
        return NULL;
    }
    s_hash_keys (self);
    for (size_t i = 0; i < S_KEY_COUNT; i++)
        snprintf (self->values[i], BS_CONFIG_VALUE_MAX, "%s", s_defaults[i].value);
    if (!path)
        path = getenv ("BAOSONG_CONFIG");
#ifdef BAOSONG_SYSTEM_CONFIG
    /* An installed package's programs (packaging/) read its file by
       default, so `baosong status` needs no option there. */
    if (!path && access (BAOSONG_SYSTEM_CONFIG, R_OK) == 0)
        path = BAOSONG_SYSTEM_CONFIG;
#endif
    if ((path && *path && s_load_file (self, path, error) != BS_OK)
        || s_load_environment (self, error) != BS_OK) {
        free (self);
        return NULL;
    }
    s_absolute_data_dir (self);
    bs_log_set_level ((bs_log_level_t) bs_log_level_parse (bs_config_get (self, "log_level")));
    return self;
}

void
bs_config_destroy (bs_config_t **self_p)
{
    if (self_p && *self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

const char *
bs_config_get (bs_config_t *self, const char *key)
{
    int index = s_index (self, key);
    if (index < 0)
        return NULL;
    if (strcmp (key, "data_dir") == 0)
        s_absolute_data_dir (self);
    return self->values[index];
}

bool
bs_config_is_set (bs_config_t *self, const char *key)
{
    int index = s_index (self, key);
    return index >= 0 && self->set[index];
}

uint64_t
bs_config_get_number (bs_config_t *self, const char *key)
{
    const char *value = bs_config_get (self, key);
    return value ? strtoull (value, NULL, 10) : 0;
}

const char *
bs_config_endpoint (bs_config_t *self, const char *service, const char *socket)
{
    char key[96];
    snprintf (key, sizeof key, "%s.%s", service, socket);
    const char *value = bs_config_get (self, key);
    if (value && *value)
        return value;
    const char *run_dir = bs_config_get (self, "run_dir");
    if (*run_dir)
        snprintf (s_endpoint, sizeof s_endpoint, "ipc://%s/%s-%s.sock", run_dir, service,
                  socket);
    else
        snprintf (s_endpoint, sizeof s_endpoint, "ipc://%s/run/%s-%s.sock",
                  bs_config_get (self, "data_dir"), service, socket);
    return s_endpoint;
}

const char *
bs_config_bind_endpoint (bs_config_t *self, const char *service, const char *socket)
{
    char key[96];
    snprintf (key, sizeof key, "%s.%s_bind", service, socket);
    const char *value = bs_config_get (self, key);
    if (value && *value)
        return value;
    return bs_config_endpoint (self, service, socket);
}

char *
bs_config_store_path (bs_config_t *self, const char *service)
{
    char *path = NULL;
    if (asprintf (&path, "%s/%s", bs_config_get (self, "data_dir"), service) < 0)
        return NULL;
    return path;
}

bs_codec_limits_t
bs_config_codec_limits (bs_config_t *self)
{
    bs_codec_limits_t limits = bs_codec_default_limits;
    limits.max_frame = (size_t) bs_config_get_number (self, "max_message_bytes");
    return limits;
}

bool
bs_config_has_periodical (bs_config_t *self, const char *name)
{
    const char *list = bs_config_get (self, "periodicals");
    size_t length = strlen (name);
    if (length == 0)
        return false;
    for (const char *at = list; *at;) {
        const char *comma = strchr (at, ',');
        size_t item = comma ? (size_t) (comma - at) : strlen (at);
        if (item == length && memcmp (at, name, length) == 0)
            return true;
        if (!comma)
            break;
        at = comma + 1;
    }
    return false;
}

void
bs_config_print (bs_config_t *self, void *file)
{
    for (size_t i = 0; i < S_KEY_COUNT; i++)
        fprintf ((FILE *) file, "%s = %s\n", s_defaults[i].key, self->values[i]);
}
