/*  Bad input: every socket a service binds (the four command ROUTERs and the
    stream ROUTERs of intake, review and publication) is sent what a broken
    or hostile peer sends: truncated frames, lying lengths, wrong types,
    invalid UTF-8, unknown types, missing fields, oversized, multi-frame and
    empty frames, and 10,000 random byte strings.

    A command socket must answer each bad message with an "error" envelope
    naming the problem (or, where no reply is possible, with nothing), and
    keep serving. A stream socket must drop it and keep streaming to its real
    consumer. Afterwards no state has changed beyond what the test submitted
    validly, every service is the same process as at the start, and memory
    has stayed bounded.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_schemas.h"
#include "bs_socket.h"
#include "bs_system.h"
#include "bs_test.h"

#define SERVICE_COUNT 4
#define PRODUCER_COUNT 3
#define RANDOM_MESSAGES 10000
#define RANDOM_BATCH 100
#define REPLY_TIMEOUT_MS 5000
#define RSS_GROWTH_MAX_KB (32 * 1024)
#define VALID_MAX 512
#define UNIT_COUNT 3

static const char *const s_services[SERVICE_COUNT] = {"intake", "review", "publication",
                                                      "statistics"};
static const char *const s_units[UNIT_COUNT] = {"壞輸入測試甲單位", "壞輸入測試乙單位",
                                                "壞輸入測試丙單位"};

/* Frames                                                                 */

typedef struct {
    unsigned char *data; /* owned */
    size_t size;
} blob_t;

/* What the service must do with a case on its command socket. */
typedef enum {
    REPLY_ERROR,     /* one "error" reply with code (and field) */
    REPLY_NOTHING,   /* no reply at all; the next request is answered first */
    REPLY_DISCONNECT /* libzmq drops the peer: no reply, on a socket of its own */
} reply_kind_t;

typedef struct {
    char what[96];      /* for failure messages */
    int category;       /* index into s_categories */
    blob_t frames[128]; /* one message of frame_count frames */
    size_t frame_count;
    reply_kind_t reply;
    const char *code;       /* expected error code */
    const char *field;      /* expected field, NULL: not checked */
    char id[64];            /* the id the reply must echo, "": not checked */
    const char *handled_by; /* service whose handler finds the fault; others
                               answer unknown_type for the type (NULL: any) */
    const char *skip;       /* service not to send it to (a valid command) */
    bool stream_credit;     /* a valid stream.credit: a producer answers it */
} bad_case_t;

static const char *const s_categories[] = {
    "truncated",     "huge lengths", "wrong types", "invalid UTF-8", "unknown types",
    "missing field", "limits",       "oversized",   "multi-frame",   "empty frames",
};
#define CATEGORY_COUNT (sizeof s_categories / sizeof s_categories[0])
enum {
    C_TRUNCATED,
    C_HUGE,
    C_TYPES,
    C_UTF8,
    C_UNKNOWN,
    C_MISSING,
    C_LIMITS,
    C_OVERSIZED,
    C_MULTI,
    C_EMPTY
};

/* The world the group of tests shares                                    */

typedef struct {
    uint64_t submitted, adopted, published;
} figures_t;

typedef struct {
    bs_system_t *system;
    bs_config_t *config;
    pid_t pids[SERVICE_COUNT]; /* at the start; must never change */
    bad_case_t *cases;
    size_t case_count;
    char titles[VALID_MAX][64]; /* every valid submission, in order */
    uint64_t report_ids[VALID_MAX];
    int report_units[VALID_MAX];
    size_t valid_count;
    uint64_t queued[VALID_MAX]; /* report ids still in review's queue */
    size_t queued_count;
    uint64_t pending[VALID_MAX]; /* adopted, not yet in an issue */
    size_t pending_count;
    size_t issues; /* issues created and published */
    figures_t expected[UNIT_COUNT];
    unsigned serial;                /* for unique ids */
    long rss_before[SERVICE_COUNT]; /* kB, before the random bytes */
} world_t;

static world_t s_world;

static const char *
s_unique_id (const char *prefix)
{
    static char id[64];
    snprintf (id, sizeof id, "%s-%u", prefix, ++s_world.serial);
    return id;
}

/* Building frames by hand                                                */

typedef enum { V_STR, V_U64, V_BOOL, V_RAW, V_NONE } value_kind_t;

/* One map entry: name and a value of kind. V_STR with size 0 uses
   strlen (text); V_RAW is size bytes of msgpack as they are; V_NONE in an
   override removes the entry. */
typedef struct {
    const char *name;
    value_kind_t kind;
    const char *text;
    size_t size;
    uint64_t number;
} entry_t;

/* clang-format off */
#define STR(name, text) {name, V_STR, text, 0, 0}
#define STRN(name, text) {name, V_STR, text, sizeof text - 1, 0}
#define U64(name, value) {name, V_U64, NULL, 0, value}
#define BOOLEAN(name, value) {name, V_BOOL, NULL, 0, value}
#define RAW(name, bytes) {name, V_RAW, bytes, sizeof bytes - 1, 0}
#define NONE(name) {name, V_NONE, NULL, 0, 0}
/* clang-format on */

static const entry_t s_submit_base[] = {STR ("unit", "壞輸入測試甲單位"),
                                        STR ("title", "不應登記的信息"),
                                        STR ("body", "這條信息是壞輸入，不應被登記。"),
                                        STR ("kind", "situation"), BOOLEAN ("urgent", 0)};
static const entry_t s_decide_base[] = {U64 ("report_id", 999999), STR ("decision", "adopt"),
                                        STR ("periodical", "組工信息"),
                                        STR ("critique", "不應生效")};
static const entry_t s_issue_create_base[] = {STR ("periodical", "組工信息")};
static const entry_t s_issue_add_base[] = {U64 ("issue_id", 999999),
                                           RAW ("report_ids", "\x91\x01")};
static const entry_t s_query_base[] = {STR ("period", "")};
static const entry_t s_ranking_base[] = {STR ("by", "adopted")};
static const entry_t s_credit_base[] = {U64 ("credit", 1)};
static const entry_t s_subscribe_base[] = {U64 ("from", 1), U64 ("credit", 10),
                                           STR ("consumer", "impostor")};
#define COUNT(array) (sizeof array / sizeof array[0])

typedef struct {
    msgpack_sbuffer buffer;
    msgpack_packer packer;
} builder_t;

static void
b_init (builder_t *self)
{
    msgpack_sbuffer_init (&self->buffer);
    msgpack_packer_init (&self->packer, &self->buffer, msgpack_sbuffer_write);
}

static void
b_str (builder_t *self, const char *text, size_t size)
{
    msgpack_pack_str_with_body (&self->packer, text, size);
}

static void
b_raw (builder_t *self, const void *bytes, size_t size)
{
    msgpack_sbuffer_write (&self->buffer, bytes, size);
}

static blob_t
b_finish (builder_t *self)
{
    blob_t blob = {malloc (self->buffer.size + 1), self->buffer.size};
    memcpy (blob.data, self->buffer.data ? self->buffer.data : "", self->buffer.size);
    msgpack_sbuffer_destroy (&self->buffer);
    return blob;
}

static void
b_entry (builder_t *self, const entry_t *entry)
{
    b_str (self, entry->name, strlen (entry->name));
    switch (entry->kind) {
    case V_STR:
        b_str (self, entry->text, entry->size ? entry->size : strlen (entry->text));
        break;
    case V_U64:
        msgpack_pack_uint64 (&self->packer, entry->number);
        break;
    case V_BOOL:
        entry->number ? msgpack_pack_true (&self->packer) : msgpack_pack_false (&self->packer);
        break;
    case V_RAW:
        b_raw (self, entry->text, entry->size);
        break;
    case V_NONE:
        break;
    }
}

/* The envelope's keys before "data": v, type, id (unless NULL), src, at. */
static void
b_envelope_head (builder_t *self, const char *type, const char *id, size_t extra)
{
    msgpack_pack_map (&self->packer, (id ? 5 : 4) + extra);
    b_str (self, "v", 1);
    msgpack_pack_uint64 (&self->packer, 1);
    b_str (self, "type", 4);
    b_str (self, type, strlen (type));
    if (id) {
        b_str (self, "id", 2);
        b_str (self, id, strlen (id));
    }
    b_str (self, "src", 3);
    b_str (self, "test", 4);
    b_str (self, "at", 2);
    msgpack_pack_uint64 (&self->packer, bs_clock_now ());
}

/* An envelope of type whose data is base with override applied (replaced,
   removed or added); override may be NULL. */
static blob_t
s_message (const char *type, const char *id, const entry_t *base, size_t base_count,
           const entry_t *override)
{
    builder_t builder;
    b_init (&builder);
    b_envelope_head (&builder, type, id, 1);
    b_str (&builder, "data", 4);
    size_t count = base_count;
    bool replaces = false;
    for (size_t i = 0; override && i < base_count; i++)
        if (strcmp (base[i].name, override->name) == 0)
            replaces = true;
    if (override && !replaces && override->kind != V_NONE)
        count++;
    if (override && replaces && override->kind == V_NONE)
        count--;
    msgpack_pack_map (&builder.packer, count);
    for (size_t i = 0; i < base_count; i++) {
        if (override && strcmp (base[i].name, override->name) == 0) {
            if (override->kind != V_NONE)
                b_entry (&builder, override);
        } else
            b_entry (&builder, &base[i]);
    }
    if (override && !replaces && override->kind != V_NONE)
        b_entry (&builder, override);
    return b_finish (&builder);
}

/* An envelope whose "data" value is the raw bytes given. */
static blob_t
s_message_raw_data (const char *type, const char *id, const void *data, size_t size)
{
    builder_t builder;
    b_init (&builder);
    b_envelope_head (&builder, type, id, 1);
    b_str (&builder, "data", 4);
    b_raw (&builder, data, size);
    return b_finish (&builder);
}

static blob_t
s_copy (const void *bytes, size_t size)
{
    blob_t blob = {malloc (size + 1), size};
    memcpy (blob.data, bytes, size);
    return blob;
}

static blob_t
s_valid_submit (const char *id)
{
    return s_message ("intake.submit", id, s_submit_base, COUNT (s_submit_base), NULL);
}

static blob_t
s_ping (const char *id)
{
    return s_message ("service.ping", id, NULL, 0, NULL);
}

/* The cases                                                              */

static bad_case_t *
s_case (int category, const char *what, blob_t frame, const char *code, const char *field)
{
    s_world.cases = realloc (s_world.cases, (s_world.case_count + 1) * sizeof *s_world.cases);
    assert_non_null (s_world.cases);
    bad_case_t *bad = &s_world.cases[s_world.case_count++];
    memset (bad, 0, sizeof *bad);
    snprintf (bad->what, sizeof bad->what, "%s: %s", s_categories[category], what);
    bad->category = category;
    bad->frames[0] = frame;
    bad->frame_count = 1;
    bad->reply = REPLY_ERROR;
    bad->code = code;
    bad->field = field;
    return bad;
}

/* A case whose data fault is found while decoding: every service answers
   it the same way and echoes its id. */
static void
s_field_case (int category, const char *what, const char *type, const entry_t *base,
              size_t base_count, entry_t override, const char *code, const char *field)
{
    char id[64];
    snprintf (id, sizeof id, "%s", s_unique_id ("bad"));
    bad_case_t *bad =
        s_case (category, what, s_message (type, id, base, base_count, &override), code, field);
    if (strcmp (code, "malformed") != 0)
        snprintf (bad->id, sizeof bad->id, "%s", id);
}

static void
s_build_cases (void)
{
    /* Truncated: every proper prefix of a valid submission. */
    blob_t whole = s_valid_submit ("truncated");
    for (size_t length = 0; length < whole.size; length++) {
        char what[64];
        snprintf (what, sizeof what, "first %zu of %zu bytes", length, whole.size);
        s_case (C_TRUNCATED, what, s_copy (whole.data, length), "malformed", NULL);
    }
    blob_t trailing = s_copy (whole.data, whole.size);
    trailing.data = realloc (trailing.data, whole.size + 1);
    trailing.data[trailing.size++] = 0xc0;
    s_case (C_TRUNCATED, "a byte after the object", trailing, "malformed", NULL);
    free (whole.data);

    /* Huge declared lengths: alone, as the data, as a field value and as
       a key. */
    static const struct {
        const char *what;
        const char *bytes;
        size_t size;
    } huge[] = {
        {"array32 of 0xff000000", "\xdd\xff\x00\x00\x00", 5},
        {"str32 of 4 GiB", "\xdb\xff\xff\xff\xff", 5},
        {"bin32 of 4 GiB", "\xc6\xff\xff\xff\xff", 5},
        {"map32 of 4G entries", "\xdf\xff\xff\xff\xff", 5},
        {"array16 of 65535", "\xdc\xff\xff", 3},
        {"map16 of 65535", "\xde\xff\xff", 3},
        {"ext32 of 4 GiB", "\xc9\xff\xff\xff\xff\x01", 6},
        {"str8 of 255",
         "\xd9\xff"
         "abc",
         5},
    };
    for (size_t i = 0; i < COUNT (huge); i++) {
        char what[96];
        snprintf (what, sizeof what, "%s alone", huge[i].what);
        s_case (C_HUGE, what, s_copy (huge[i].bytes, huge[i].size), "malformed", NULL);
        snprintf (what, sizeof what, "%s as data", huge[i].what);
        s_case (C_HUGE, what,
                s_message_raw_data ("intake.submit", "huge", huge[i].bytes, huge[i].size),
                "malformed", NULL);
        snprintf (what, sizeof what, "%s as the title", huge[i].what);
        entry_t title = {"title", V_RAW, huge[i].bytes, huge[i].size, 0};
        s_case (C_HUGE, what,
                s_message ("intake.submit", "huge", s_submit_base, COUNT (s_submit_base), &title),
                "malformed", NULL);
        snprintf (what, sizeof what, "%s as the envelope", huge[i].what);
        builder_t builder;
        b_init (&builder);
        b_raw (&builder, huge[i].bytes, huge[i].size);
        b_raw (&builder, "\x82\xa1v\x01\xa4type", 8);
        s_case (C_HUGE, what, b_finish (&builder), "malformed", NULL);
    }

    /* Wrong types, for the fields of each service's commands. */
    s_field_case (C_TYPES, "unit is an integer", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) RAW ("unit", "\x2a"), "invalid", "unit");
    s_field_case (C_TYPES, "unit is negative", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) RAW ("unit", "\xff"), "invalid", "unit");
    s_field_case (C_TYPES, "unit is a map", "intake.submit", s_submit_base, COUNT (s_submit_base),
                  (entry_t) RAW ("unit", "\x80"), "invalid", "unit");
    s_field_case (C_TYPES, "urgent is a string", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) STR ("urgent", "yes"), "invalid", "urgent");
    s_field_case (C_TYPES, "urgent is 1", "intake.submit", s_submit_base, COUNT (s_submit_base),
                  (entry_t) U64 ("urgent", 1), "invalid", "urgent");
    s_field_case (C_TYPES, "title is true", "intake.submit", s_submit_base, COUNT (s_submit_base),
                  (entry_t) RAW ("title", "\xc3"), "invalid", "title");
    s_field_case (C_TYPES, "title is bin", "intake.submit", s_submit_base, COUNT (s_submit_base),
                  (entry_t) RAW ("title", "\xc4\x03"
                                          "abc"),
                  "invalid", "title");
    s_field_case (C_TYPES, "body is an array", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) RAW ("body", "\x92\x01\x02"), "invalid", "body");
    s_field_case (C_TYPES, "kind is a float", "intake.submit", s_submit_base, COUNT (s_submit_base),
                  (entry_t) RAW ("kind", "\xcb\x40\x09\x21\xfb\x54\x44\x2d\x18"), "invalid",
                  "kind");
    s_field_case (C_TYPES, "decide report_id is a string", "review.decide", s_decide_base,
                  COUNT (s_decide_base), (entry_t) STR ("report_id", "7"), "invalid", "report_id");
    s_field_case (C_TYPES, "decide report_id is 0", "review.decide", s_decide_base,
                  COUNT (s_decide_base), (entry_t) U64 ("report_id", 0), "invalid", "report_id");
    s_field_case (C_TYPES, "issue_create year 10000", "publication.issue_create",
                  s_issue_create_base, COUNT (s_issue_create_base), (entry_t) U64 ("year", 10000),
                  "invalid", "year");
    s_field_case (C_TYPES, "issue_add report_ids of strings", "publication.issue_add",
                  s_issue_add_base, COUNT (s_issue_add_base),
                  (entry_t) RAW ("report_ids", "\x91\xa1x"), "invalid", "report_ids");
    s_field_case (C_TYPES, "issue_add report_ids empty", "publication.issue_add", s_issue_add_base,
                  COUNT (s_issue_add_base), (entry_t) RAW ("report_ids", "\x90"), "invalid",
                  "report_ids");
    s_field_case (C_TYPES, "subscribe from 0", "stream.subscribe", s_subscribe_base,
                  COUNT (s_subscribe_base), (entry_t) U64 ("from", 0), "invalid", "from");
    s_field_case (C_TYPES, "subscribe with a million credits", "stream.subscribe", s_subscribe_base,
                  COUNT (s_subscribe_base), (entry_t) U64 ("credit", 1000000), "invalid", "credit");
    s_field_case (C_TYPES, "subscribe from a string", "stream.subscribe", s_subscribe_base,
                  COUNT (s_subscribe_base), (entry_t) STR ("from", "1"), "invalid", "from");
    s_field_case (C_TYPES, "query period is a number", "statistics.query", s_query_base,
                  COUNT (s_query_base), (entry_t) U64 ("period", 2026), "invalid", "period");
    s_field_case (C_TYPES, "ranking by too long", "statistics.ranking", s_ranking_base,
                  COUNT (s_ranking_base), (entry_t) STR ("by", "adopted-and-more-and-more-and-more-and-more"),
                  "invalid", "by");
    {
        /* The envelope itself mistyped. */
        builder_t builder;
        b_init (&builder);
        msgpack_pack_map (&builder.packer, 2);
        b_raw (&builder,
               "\xa1v\xa1"
               "1"
               "\xa4type\xadintake.submit",
               21);
        s_case (C_TYPES, "envelope v is a string", b_finish (&builder), "malformed", NULL);
        b_init (&builder);
        b_raw (&builder, "\x82\xa1v\x00\xa4type\xadintake.submit", 20);
        s_case (C_TYPES, "envelope v is 0", b_finish (&builder), "malformed", NULL);
        b_init (&builder);
        b_raw (&builder, "\x82\xa1v\x01\xa4type\x07", 8);
        s_case (C_TYPES, "envelope type is a number", b_finish (&builder), "malformed", NULL);
        b_init (&builder);
        b_raw (&builder, "\x83\xa1v\x01\xa4type\xadintake.submit\xa2id\x2a", 24);
        s_case (C_TYPES, "envelope id is a number", b_finish (&builder), "malformed", NULL);
        char long_id[201];
        memset (long_id, 'k', 200);
        long_id[200] = 0;
        s_case (C_TYPES, "envelope id of 200 bytes", s_valid_submit (long_id), "malformed", NULL);
        s_case (C_TYPES, "data is a number", s_message_raw_data ("intake.submit", "x", "\x05", 1),
                "malformed", NULL);
        s_case (C_TYPES, "envelope is an array", s_copy ("\x93\x01\x02\x03", 4), "malformed", NULL);
        s_case (C_TYPES, "envelope is a string", s_copy ("\xa5hello", 6), "malformed", NULL);
        b_init (&builder);
        b_raw (&builder, "\x83\xa1v\x01\xa4type\xacservice.ping\xa4type\xacservice.ping", 40);
        s_case (C_TYPES, "envelope type twice", b_finish (&builder), "malformed", NULL);
        /* A ping any service answers at v 1, at an envelope version no
           service knows. */
        b_init (&builder);
        b_raw (&builder, "\x83\xa1v\x63\xa4type\xacservice.ping\xa2id\xa3v99", 29);
        s_case (C_TYPES, "envelope v is 99", b_finish (&builder), "malformed", "v");
    }

    /* Invalid UTF-8 in strings: a field, a key, the type. */
    static const struct {
        const char *what;
        const char *bytes;
    } utf8[] = {
        {"0xff", "ok\xff"},
        {"overlong slash", "\xc0\xaf"},
        {"surrogate", "\xed\xa0\x80"},
        {"above U+10FFFF", "\xf4\x90\x80\x80"},
        {"cut after 2 of 3 bytes", "報送\xe4\xb8"},
        {"lone continuation", "\x80"},
    };
    for (size_t i = 0; i < COUNT (utf8); i++) {
        /* In a field: refused by the schema, naming the field, keeping the
           id. In the envelope's type, id or src: the envelope is refused. */
        char what[96];
        snprintf (what, sizeof what, "%s in the title", utf8[i].what);
        s_field_case (C_UTF8, what, "intake.submit", s_submit_base, COUNT (s_submit_base),
                      (entry_t){"title", V_STR, utf8[i].bytes, 0, 0}, "invalid", "title");
        snprintf (what, sizeof what, "%s in the critique", utf8[i].what);
        s_field_case (C_UTF8, what, "review.decide", s_decide_base, COUNT (s_decide_base),
                      (entry_t){"critique", V_STR, utf8[i].bytes, 0, 0}, "invalid", "critique");
        snprintf (what, sizeof what, "%s in the type", utf8[i].what);
        char text[64];
        snprintf (text, sizeof text, "intake.%s", utf8[i].bytes);
        s_case (C_UTF8, what, s_message (text, "utf8", NULL, 0, NULL), "malformed", NULL);
        snprintf (what, sizeof what, "%s in the id", utf8[i].what);
        s_case (
            C_UTF8, what,
            s_message ("intake.submit", utf8[i].bytes, s_submit_base, COUNT (s_submit_base), NULL),
            "malformed", NULL);
    }

    /* Unknown types, and types the service does not take. */
    bad_case_t *bad =
        s_case (C_UNKNOWN, "nonsense.command", s_message ("nonsense.command", "n1", NULL, 0, NULL),
                "unknown_type", "type");
    snprintf (bad->id, sizeof bad->id, "n1");
    bad = s_case (C_UNKNOWN, "stream.credit on a command socket",
                  s_message ("stream.credit", "n2", s_credit_base, COUNT (s_credit_base), NULL),
                  "unknown_type", "type");
    snprintf (bad->id, sizeof bad->id, "n2");
    bad->stream_credit = true;
    bad = s_case (C_UNKNOWN, "a valid intake.submit elsewhere", s_valid_submit ("n3"),
                  "unknown_type", "type");
    snprintf (bad->id, sizeof bad->id, "n3");
    bad->skip = "intake";
    bad = s_case (C_UNKNOWN, "a valid review.decide elsewhere",
                  s_message ("review.decide", "n4", s_decide_base, COUNT (s_decide_base), NULL),
                  "unknown_type", "type");
    snprintf (bad->id, sizeof bad->id, "n4");
    bad->skip = "review";

    /* Missing required fields: in data, the idempotency key, the envelope. */
    s_field_case (C_MISSING, "submit without title", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) NONE ("title"), "invalid", "title");
    s_field_case (C_MISSING, "submit with title nil", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) RAW ("title", "\xc0"), "invalid", "title");
    s_field_case (C_MISSING, "decide without critique", "review.decide", s_decide_base,
                  COUNT (s_decide_base), (entry_t) NONE ("critique"), "invalid", "critique");
    s_field_case (C_MISSING, "issue_create without periodical", "publication.issue_create",
                  s_issue_create_base, COUNT (s_issue_create_base), (entry_t) NONE ("periodical"),
                  "invalid", "periodical");
    {
        builder_t builder;
        b_init (&builder);
        b_envelope_head (&builder, "intake.submit", "no-data", 0);
        bad = s_case (C_MISSING, "submit without data", b_finish (&builder), "invalid", "title");
        snprintf (bad->id, sizeof bad->id, "no-data");
        bad = s_case (C_MISSING, "submit without id",
                      s_message ("intake.submit", NULL, s_submit_base, COUNT (s_submit_base), NULL),
                      "invalid", "id");
        bad->handled_by = "intake";
        bad = s_case (C_MISSING, "decide without id",
                      s_message ("review.decide", NULL, s_decide_base, COUNT (s_decide_base), NULL),
                      "invalid", "id");
        bad->handled_by = "review";
        b_init (&builder);
        b_raw (&builder, "\x81\xa1v\x01", 4);
        s_case (C_MISSING, "envelope without type", b_finish (&builder), "malformed", NULL);
        b_init (&builder);
        b_raw (&builder, "\x81\xa4type\xacservice.ping", 19);
        s_case (C_MISSING, "envelope without v", b_finish (&builder), "malformed", NULL);
        s_case (C_MISSING, "empty map", s_copy ("\x80", 1), "malformed", NULL);
    }

    /* Limits: lengths, counts, nesting, NUL, duplicates, and what the
       handler itself refuses (the fault found after the type's handler was
       chosen: other services answer unknown_type). */
    {
        char title[602];
        memset (title, 'a', 601);
        title[601] = 0;
        s_field_case (C_LIMITS, "title of 601 bytes", "intake.submit", s_submit_base,
                      COUNT (s_submit_base), (entry_t) STR ("title", title), "invalid", "title");
        char *body = malloc (65538);
        memset (body, 'b', 65537);
        body[65537] = 0;
        s_field_case (C_LIMITS, "body of 64 KiB + 1", "intake.submit", s_submit_base,
                      COUNT (s_submit_base), (entry_t) STR ("body", body), "invalid", "body");
        free (body);
        s_field_case (C_LIMITS, "NUL in the title", "intake.submit", s_submit_base,
                      COUNT (s_submit_base), (entry_t) STRN ("title", "ab\0cd"), "invalid",
                      "title");
        builder_t builder;
        b_init (&builder);
        b_envelope_head (&builder, "intake.submit", "twice", 1);
        b_str (&builder, "data", 4);
        msgpack_pack_map (&builder.packer, COUNT (s_submit_base) + 1);
        for (size_t i = 0; i < COUNT (s_submit_base); i++)
            b_entry (&builder, &s_submit_base[i]);
        b_entry (&builder, &s_submit_base[0]);
        bad = s_case (C_LIMITS, "unit twice", b_finish (&builder), "invalid", "unit");
        snprintf (bad->id, sizeof bad->id, "twice");

        unsigned char deep[64];
        memset (deep, 0x91, 40);
        deep[40] = 0xc0;
        s_case (C_LIMITS, "data nested 40 deep",
                s_message_raw_data ("intake.submit", "deep", deep, 41), "malformed", NULL);
        s_case (C_LIMITS, "bare nesting 40 deep", s_copy (deep, 41), "malformed", NULL);
        s_case (C_LIMITS, "the never-used byte 0xc1", s_copy ("\xc1", 1), "malformed", NULL);
        size_t many = 250000;
        unsigned char *items = calloc (many + 5, 1);
        items[0] = 0xdd;
        items[1] = (unsigned char) (many >> 24);
        items[2] = (unsigned char) (many >> 16);
        items[3] = (unsigned char) (many >> 8);
        items[4] = (unsigned char) many;
        entry_t extra = {"extra", V_RAW, (const char *) items, many + 5, 0};
        s_case (C_LIMITS, "250,000 objects",
                s_message ("intake.submit", "many", s_submit_base, COUNT (s_submit_base), &extra),
                "malformed", NULL);
        free (items);

        static const struct {
            const char *what, *type, *field;
            const char *handler;
            entry_t override;
        } semantic[] = {
            {"blank unit", "intake.submit", "unit", "intake", STR ("unit", "   ")},
            {"empty unit", "intake.submit", "unit", "intake", STR ("unit", "")},
            {"unknown kind", "intake.submit", "kind", "intake", STR ("kind", "bogus")},
            {"unknown channel", "intake.submit", "channel", "intake",
             STR ("channel", "carrier-pigeon")},
            {"decision maybe", "review.decide", "decision", "review", STR ("decision", "maybe")},
            {"adopt without periodical", "review.decide", "periodical", "review",
             NONE ("periodical")},
            {"unknown periodical", "publication.issue_create", "periodical", "publication",
             STR ("periodical", "不存在的刊物")},
            {"month 13", "statistics.query", "period", "statistics", STR ("period", "2026-13")},
            {"rank by votes", "statistics.ranking", "by", "statistics", STR ("by", "votes")},
        };
        for (size_t i = 0; i < COUNT (semantic); i++) {
            const entry_t *base =
                strcmp (semantic[i].type, "intake.submit") == 0              ? s_submit_base
                : strcmp (semantic[i].type, "review.decide") == 0            ? s_decide_base
                : strcmp (semantic[i].type, "publication.issue_create") == 0 ? s_issue_create_base
                : strcmp (semantic[i].type, "statistics.query") == 0         ? s_query_base
                                                                             : s_ranking_base;
            size_t count = base == s_submit_base         ? COUNT (s_submit_base)
                           : base == s_decide_base       ? COUNT (s_decide_base)
                           : base == s_issue_create_base ? COUNT (s_issue_create_base)
                                                         : 1;
            char id[64];
            snprintf (id, sizeof id, "%s", s_unique_id ("semantic"));
            bad = s_case (C_LIMITS, semantic[i].what,
                          s_message (semantic[i].type, id, base, count, &semantic[i].override),
                          "invalid", semantic[i].field);
            snprintf (bad->id, sizeof bad->id, "%s", id);
            bad->handled_by = semantic[i].handler;
        }
    }

    /* Oversized: above the codec's limit, up to twice it (an error reply);
       above twice it (dropped unread, counted, no reply); and above what
       the socket takes at all, twice the limit and 64 KiB (the peer is
       dropped, to bound memory). */
    uint64_t limit = bs_config_get_number (s_world.config, "max_message_bytes");
    {
        blob_t big = {malloc (limit + 1), limit + 1};
        memset (big.data, 'x', big.size);
        big.data[0] = 0xdb; /* str32 of the rest */
        uint32_t rest = (uint32_t) (big.size - 5);
        big.data[1] = (unsigned char) (rest >> 24);
        big.data[2] = (unsigned char) (rest >> 16);
        big.data[3] = (unsigned char) (rest >> 8);
        big.data[4] = (unsigned char) rest;
        s_case (C_OVERSIZED, "max_message_bytes + 1", big, "malformed", NULL);
        blob_t twice = {malloc (2 * limit), 2 * limit};
        memset (twice.data, 'y', twice.size);
        s_case (C_OVERSIZED, "twice max_message_bytes", twice, "malformed", NULL);
        blob_t over_twice = {malloc (2 * limit + 1), 2 * limit + 1};
        memset (over_twice.data, 'z', over_twice.size);
        bad = s_case (C_OVERSIZED, "twice max_message_bytes and one", over_twice, NULL, NULL);
        bad->reply = REPLY_NOTHING;
        blob_t huge_frame = {malloc (3 * limit), 3 * limit};
        memset (huge_frame.data, 'y', huge_frame.size);
        bad = s_case (C_OVERSIZED, "three times max_message_bytes", huge_frame, NULL, NULL);
        bad->reply = REPLY_DISCONNECT;
    }

    /* Multi-frame: refused with an error reply, however many frames (the
       first 8 with the identity are kept, the rest dropped unread). Never
       does a frame of one register. */
    static const size_t frame_counts[] = {2, 3, 7, 8, 9, 100};
    for (size_t i = 0; i < COUNT (frame_counts); i++) {
        char what[64];
        snprintf (what, sizeof what, "%zu valid submissions in one message", frame_counts[i]);
        bad = s_case (C_MULTI, what, s_valid_submit ("multi"), "malformed", NULL);
        for (size_t k = 1; k < frame_counts[i]; k++)
            bad->frames[k] = s_valid_submit ("multi");
        bad->frame_count = frame_counts[i];
    }
    bad = s_case (C_MULTI, "REQ-style empty delimiter, then a submission", s_copy ("", 0),
                  "malformed", NULL);
    bad->frames[1] = s_valid_submit ("req");
    bad->frame_count = 2;

    /* Empty frames. */
    s_case (C_EMPTY, "one empty frame", s_copy ("", 0), "malformed", NULL);
    bad = s_case (C_EMPTY, "two empty frames", s_copy ("", 0), "malformed", NULL);
    bad->frames[1] = s_copy ("", 0);
    bad->frame_count = 2;
    bad = s_case (C_EMPTY, "a submission, then an empty frame", s_valid_submit ("then-empty"),
                  "malformed", NULL);
    bad->frames[1] = s_copy ("", 0);
    bad->frame_count = 2;
}

/* Raw sockets                                                            */

/* A DEALER to service's socket ("command" or "stream"). It presents
   admin's certificate to a command socket, and a stream reader's
   (statistics', which holds the role stream) to a stream socket: the bad
   input must reach the code that parses it. */
static zsock_t *
s_dealer (const char *service, const char *socket_name)
{
    zsock_t *socket = zsock_new (ZMQ_DEALER);
    assert_non_null (socket);
    zsock_set_sndtimeo (socket, REPLY_TIMEOUT_MS);
    bs_error_t error;
    bool stream = strcmp (socket_name, "stream") == 0;
    bs_config_set (s_world.config, "certificate", stream ? "statistics" : "admin", &error);
    assert_int_equal (bs_socket_secure (socket, service, BS_SOCKET_CONNECT, s_world.config), BS_OK);
    bs_config_set (s_world.config, "certificate", "admin", &error);
    assert_int_equal (
        zsock_connect (socket, "%s", bs_config_endpoint (s_world.config, service, socket_name)),
        0);
    return socket;
}

static void
s_send_case (zsock_t *socket, const bad_case_t *bad)
{
    void *handle = zsock_resolve (socket);
    for (size_t i = 0; i < bad->frame_count; i++) {
        int more = i + 1 < bad->frame_count ? ZMQ_SNDMORE : 0;
        int sent = zmq_send (handle, bad->frames[i].data, bad->frames[i].size, more);
        if (sent != (int) bad->frames[i].size)
            fail_msg ("%s: could not send: %s", bad->what, zmq_strerror (zmq_errno ()));
    }
}

/* One reply frame, decoded; false on timeout. */
static bool
s_receive (zsock_t *socket, int timeout_ms, bs_message_t *reply, const char *what)
{
    zmq_pollitem_t item = {zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, timeout_ms) != 1)
        return false;
    zmq_msg_t part;
    zmq_msg_init (&part);
    assert_true (zmq_msg_recv (&part, zsock_resolve (socket), 0) >= 0);
    if (zmq_msg_more (&part))
        fail_msg ("%s: the reply has more than one frame", what);
    bs_error_t error;
    bs_codec_limits_t limits = bs_codec_default_limits;
    int rc = bs_message_decode (zmq_msg_data (&part), zmq_msg_size (&part), &limits, reply, &error);
    zmq_msg_close (&part);
    if (rc != BS_OK)
        fail_msg ("%s: the service's reply does not decode: %s", what, error.text);
    return true;
}

static void
s_check_error (const bs_message_t *reply, const char *code, const char *field, const char *id,
               const char *service, const char *what)
{
    if (reply->schema != &bs_error_reply_schema)
        fail_msg ("%s on %s: expected an error reply, got '%s'", what, service, reply->type);
    const bs_error_reply_t *failure = reply->data;
    if (strcmp (failure->code, code) != 0)
        fail_msg ("%s on %s: expected code '%s', got '%s' (%s)", what, service, code, failure->code,
                  failure->message);
    if (field && strcmp (failure->field ? failure->field : "", field) != 0)
        fail_msg ("%s on %s: expected field '%s', got '%s' (%s)", what, service, field,
                  failure->field ? failure->field : "", failure->message);
    if (id && *id && strcmp (reply->id, id) != 0)
        fail_msg ("%s on %s: the reply's id is '%s', not the request's '%s'", what, service,
                  reply->id, id);
    if (strlen (failure->message) == 0)
        fail_msg ("%s on %s: the error reply has no message", what, service);
}

/* A ping on socket whose answer must be the very next reply: whatever was
   sent before it got no reply. Returns the pong's oversize_dropped. */
static uint64_t
s_ping_next (zsock_t *socket, const char *service, const char *what)
{
    const char *id = s_unique_id ("ping");
    blob_t ping = s_ping (id);
    assert_int_equal (zmq_send (zsock_resolve (socket), ping.data, ping.size, 0), (int) ping.size);
    free (ping.data);
    bs_message_t reply;
    if (!s_receive (socket, REPLY_TIMEOUT_MS, &reply, what))
        fail_msg ("%s: %s does not answer a ping afterwards", what, service);
    if (reply.schema != &bs_ping_reply_schema || strcmp (reply.id, id) != 0)
        fail_msg ("%s: %s sent '%s' (id '%s') where only the pong '%s' was due", what, service,
                  reply.type, reply.id, id);
    assert_string_equal (((bs_ping_reply_t *) reply.data)->service, service);
    uint64_t dropped = ((bs_ping_reply_t *) reply.data)->oversize_dropped;
    bs_message_clear (&reply);
    return dropped;
}

/* What must hold after each round of bad input                           */

static int
s_service_index (const char *service)
{
    for (int i = 0; i < SERVICE_COUNT; i++)
        if (strcmp (s_services[i], service) == 0)
            return i;
    return -1;
}

static void
s_same_processes (void)
{
    for (int i = 0; i < SERVICE_COUNT; i++) {
        pid_t pid = bs_system_pid (s_world.system, s_services[i]);
        int status;
        if (pid != s_world.pids[i] || kill (pid, 0) != 0 || waitpid (pid, &status, WNOHANG) != 0) {
            bs_system_show_log (s_world.system, s_services[i]);
            fail_msg ("%s is no longer the process it was (pid %d, now %d)", s_services[i],
                      (int) s_world.pids[i], (int) pid);
        }
    }
}

static void
s_client_ping (const char *service)
{
    bs_ping_t ping = {0};
    bs_ping_reply_t pong;
    bs_error_t error;
    if (bs_system_call (bs_system_client (s_world.system, service), &bs_ping_schema, &ping,
                        &bs_ping_reply_schema, &pong, &error)
        != BS_OK)
        fail_msg ("%s does not answer a ping: %s", service, error.text);
    assert_int_equal (pong.pid, (uint64_t) s_world.pids[s_service_index (service)]);
    bs_codec_record_free (&bs_ping_reply_schema, &pong);
}

/* A valid submission through intake; it is expected in every figure. */
static void
s_submit_valid (void)
{
    size_t index = s_world.valid_count;
    assert_true (index < VALID_MAX);
    int unit = (int) (index % UNIT_COUNT);
    snprintf (s_world.titles[index], sizeof s_world.titles[index], "壞輸入之後的有效信息%zu",
              index + 1);
    bs_submit_t submit = {.unit = (char *) s_units[unit],
                          .title = s_world.titles[index],
                          .body = "壞輸入之後，服務仍照常登記。",
                          .channel = "walk_in",
                          .operator= "壞輸入測試員" };
    bs_submitted_t submitted;
    bs_error_t error;
    if (bs_system_call (bs_system_client (s_world.system, "intake"), &bs_submit_schema, &submit,
                        &bs_submitted_schema, &submitted, &error)
        != BS_OK)
        fail_msg ("a valid submission failed after bad input: %s", error.text);
    s_world.report_ids[index] = submitted.report_id;
    s_world.report_units[index] = unit;
    s_world.queued[s_world.queued_count++] = submitted.report_id;
    s_world.expected[unit].submitted++;
    s_world.valid_count++;
    bs_codec_record_free (&bs_submitted_schema, &submitted);
}

static uint64_t
s_queued_in_review (void)
{
    bs_queue_request_t query = {.limit = 1};
    bs_case_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (s_world.system, "review"),
                                      &bs_queue_request_schema, &query, &bs_case_page_schema, &page,
                                      &error),
                      BS_OK);
    uint64_t queued = page.queued;
    bs_codec_record_free (&bs_case_page_schema, &page);
    return queued;
}

static size_t
s_pending_in_publication (void)
{
    bs_pending_request_t query = {.limit = 1000};
    bs_pending_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (s_world.system, "publication"),
                                      &bs_pending_request_schema, &query, &bs_pending_page_schema,
                                      &page, &error),
                      BS_OK);
    size_t count = page.items.count;
    bs_codec_record_free (&bs_pending_page_schema, &page);
    return count;
}

/* Statistics' all-time figures equal what the test expects. */
static bool
s_statistics_equal (void)
{
    bs_stats_request_t query = {.period = "", .basis = "decided"};
    bs_stats_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (s_world.system, "statistics"),
                                      &bs_stats_request_schema, &query, &bs_stats_page_schema,
                                      &page, &error),
                      BS_OK);
    bool equal = true;
    size_t seen = 0;
    const bs_stats_row_t *rows = page.rows.items;
    for (size_t i = 0; i < page.rows.count; i++) {
        int unit = -1;
        for (int u = 0; u < UNIT_COUNT; u++)
            if (strcmp (rows[i].unit, s_units[u]) == 0)
                unit = u;
        if (unit < 0) {
            equal = false; /* a unit only bad input named */
            continue;
        }
        seen++;
        const figures_t *want = &s_world.expected[unit];
        equal &= rows[i].submitted == want->submitted && rows[i].adopted == want->adopted
                 && rows[i].published == want->published && rows[i].returned == 0
                 && rows[i].declined == 0;
    }
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return equal && seen == UNIT_COUNT; /* every registered unit, zeros included */
}

/* After bad input to service's command socket. */
static void
s_command_still_serves (const char *service, zsock_t *socket, const char *what)
{
    s_ping_next (socket, service, what);
    s_client_ping (service);
    s_submit_valid ();
    s_same_processes ();
}

/* Adopt the oldest queued case; publication and statistics must see it. */
static void
s_adopt_one (void)
{
    assert_true (s_world.queued_count > 0);
    uint64_t report_id = s_world.queued[0];
    memmove (s_world.queued, s_world.queued + 1, --s_world.queued_count * sizeof (uint64_t));
    bs_decide_t decide = {.report_id = report_id,
                          .decision = "adopt",
                          .periodical = "組工信息",
                          .critique = "壞輸入之後仍可採用。",
                          .editor = "編輯"};
    bs_review_case_t decided;
    bs_error_t error;
    if (bs_system_decide (bs_system_client (s_world.system, "review"), NULL, &decide, &decided,
                          &error)
        != BS_OK)
        fail_msg ("a valid decision failed after bad input: %s", error.text);
    bs_codec_record_free (&bs_review_case_schema, &decided);
    for (size_t i = 0; i < s_world.valid_count; i++)
        if (s_world.report_ids[i] == report_id)
            s_world.expected[s_world.report_units[i]].adopted++;
    s_world.pending[s_world.pending_count++] = report_id;
    BS_WAIT_UNTIL (s_pending_in_publication () == s_world.pending_count,
                   "publication to receive an adoption");
}

/* Publish an issue of the oldest adoption; statistics must count it. */
static void
s_publish_one (void)
{
    if (s_world.pending_count == 0)
        s_adopt_one ();
    bs_client_t *publication = bs_system_client (s_world.system, "publication");
    bs_error_t error;
    bs_issue_create_t create = {.periodical = "組工信息"};
    bs_issue_t issue;
    assert_int_equal (bs_system_call (publication, &bs_issue_create_schema, &create,
                                      &bs_issue_schema, &issue, &error),
                      BS_OK);
    uint64_t issue_id = issue.issue_id;
    bs_codec_record_free (&bs_issue_schema, &issue);
    uint64_t report_id = s_world.pending[0];
    memmove (s_world.pending, s_world.pending + 1, --s_world.pending_count * sizeof (uint64_t));
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {1, &report_id}};
    assert_int_equal (
        bs_system_call (publication, &bs_issue_add_schema, &add, &bs_issue_schema, &issue, &error),
        BS_OK);
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_issue_publish_t publish = {.issue_id = issue_id};
    assert_int_equal (bs_system_call (publication, &bs_issue_publish_schema, &publish,
                                      &bs_issue_schema, &issue, &error),
                      BS_OK);
    /* Refused commands consumed no number. */
    assert_int_equal (issue.number, s_world.issues + 1);
    bs_codec_record_free (&bs_issue_schema, &issue);
    s_world.issues++;
    for (size_t i = 0; i < s_world.valid_count; i++)
        if (s_world.report_ids[i] == report_id)
            s_world.expected[s_world.report_units[i]].published++;
}

/* Whatever was sent on a stream socket before has been read by the producer
   once it answers a stream.credit from this (unsubscribed) socket with an
   "unknown" heartbeat. Exactly answers + 1 such heartbeats must arrive (one
   for each valid credit among the bad input, one for this) and nothing
   else: no bad message made this socket a subscriber. */
static void
s_stream_barrier (zsock_t *socket, const char *service, size_t answers, const char *what)
{
    builder_t builder;
    b_init (&builder);
    b_envelope_head (&builder, "stream.credit", NULL, 1);
    b_str (&builder, "data", 4);
    b_raw (&builder,
           "\x81\xa6"
           "credit"
           "\x00",
           9);
    blob_t credit = b_finish (&builder);
    assert_int_equal (zmq_send (zsock_resolve (socket), credit.data, credit.size, 0),
                      (int) credit.size);
    free (credit.data);
    for (size_t received = 0; received < answers + 1; received++) {
        bs_message_t message;
        if (!s_receive (socket, REPLY_TIMEOUT_MS, &message, what))
            fail_msg ("%s: %s's producer sent %zu of %zu heartbeats to an unknown consumer", what,
                      service, received, answers + 1);
        if (message.schema != &bs_stream_heartbeat_schema
            || !((bs_stream_heartbeat_t *) message.data)->unknown)
            fail_msg ("%s: %s's producer sent '%s' to a socket that never subscribed", what,
                      service, message.type);
        bs_message_clear (&message);
    }
    bs_message_t extra;
    if (s_receive (socket, 100, &extra, what))
        fail_msg ("%s: %s's producer sent an extra '%s'", what, service, extra.type);
}

/* After bad input to service's stream socket: the service answers, and its
   stream still reaches its consumer. */
static void
s_stream_still_flows (const char *service)
{
    s_client_ping (service);
    if (strcmp (service, "intake") == 0) {
        s_submit_valid ();
        BS_WAIT_UNTIL (s_queued_in_review () == s_world.queued_count,
                       "review to receive a report submitted after bad input");
    } else if (strcmp (service, "review") == 0)
        s_adopt_one ();
    else {
        s_publish_one ();
        BS_WAIT_UNTIL (s_statistics_equal (),
                       "statistics to count an issue published after bad input");
    }
    s_same_processes ();
}

/* Random bytes                                                           */

static uint64_t s_random_state = 0x9e3779b97f4a7c15ull; /* fixed seed */

static uint64_t
s_random (void)
{
    uint64_t x = s_random_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s_random_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* The n-th random message: pure noise, noise behind a map header, or a
   ping envelope with a few bytes changed (it may stay a valid ping, and
   cannot become any command that changes state). */
static blob_t
s_random_message (const blob_t *ping)
{
    uint64_t kind = s_random () % 3;
    if (kind < 2) {
        size_t size = (size_t) (s_random () % 300);
        blob_t blob = {malloc (size + 1), size};
        for (size_t i = 0; i < size; i++)
            blob.data[i] = (unsigned char) s_random ();
        if (kind == 1 && size > 0)
            blob.data[0] = (unsigned char) (0x80 | (s_random () % 16));
        return blob;
    }
    blob_t blob = s_copy (ping->data, ping->size);
    int changes = 1 + (int) (s_random () % 4);
    for (int i = 0; i < changes; i++)
        blob.data[s_random () % blob.size] = (unsigned char) s_random ();
    return blob;
}

static long
s_rss_kb (pid_t pid)
{
    char path[64], line[256];
    snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *file = fopen (path, "r");
    assert_non_null (file);
    long rss = -1;
    while (fgets (line, sizeof line, file))
        if (sscanf (line, "VmRSS: %ld kB", &rss) == 1)
            break;
    fclose (file);
    assert_true (rss > 0);
    return rss;
}

/* The tests                                                              */

static void
test_command_sockets_answer_bad_input_with_errors (void **state)
{
    (void) state;
    for (int s = 0; s < SERVICE_COUNT; s++) {
        const char *service = s_services[s];
        zsock_t *socket = s_dealer (service, "command");
        for (size_t c = 0; c < CATEGORY_COUNT; c++) {
            for (size_t i = 0; i < s_world.case_count; i++) {
                const bad_case_t *bad = &s_world.cases[i];
                if (bad->category != (int) c || (bad->skip && strcmp (bad->skip, service) == 0))
                    continue;
                if (bad->reply == REPLY_DISCONNECT) {
                    /* A socket of its own: libzmq drops this peer. */
                    zsock_t *doomed = s_dealer (service, "command");
                    zsock_set_linger (doomed, 2000);
                    s_send_case (doomed, bad);
                    bs_message_t reply;
                    if (s_receive (doomed, 300, &reply, bad->what))
                        fail_msg ("%s on %s: got a '%s' reply", bad->what, service, reply.type);
                    zsock_destroy (&doomed);
                    continue;
                }
                s_send_case (socket, bad);
                if (bad->reply == REPLY_NOTHING) {
                    uint64_t dropped = s_ping_next (socket, service, bad->what);
                    if (bad->category == C_OVERSIZED && dropped == 0)
                        fail_msg ("%s on %s: not counted as dropped", bad->what, service);
                    continue;
                }
                bs_message_t reply;
                if (!s_receive (socket, REPLY_TIMEOUT_MS, &reply, bad->what))
                    fail_msg ("%s on %s: no reply", bad->what, service);
                if (bad->handled_by && strcmp (bad->handled_by, service) != 0)
                    s_check_error (&reply, "unknown_type", "type", bad->id, service, bad->what);
                else
                    s_check_error (&reply, bad->code, bad->field, bad->id, service, bad->what);
                bs_message_clear (&reply);
            }
            char what[96];
            snprintf (what, sizeof what, "after %s", s_categories[c]);
            s_command_still_serves (service, socket, what);
        }
        zsock_destroy (&socket);
    }
    BS_WAIT_UNTIL (s_queued_in_review () == s_world.queued_count,
                   "review to receive every valid report");
}

static void
test_stream_sockets_survive_bad_input (void **state)
{
    (void) state;
    for (int s = 0; s < 3; s++) {
        const char *service = s_services[s];
        zsock_t *socket = s_dealer (service, "stream");
        size_t answers = 0;
        for (size_t c = 0; c < CATEGORY_COUNT; c++) {
            for (size_t i = 0; i < s_world.case_count; i++) {
                const bad_case_t *bad = &s_world.cases[i];
                if (bad->category != (int) c)
                    continue;
                if (bad->reply == REPLY_DISCONNECT) {
                    zsock_t *doomed = s_dealer (service, "stream");
                    zsock_set_linger (doomed, 2000);
                    s_send_case (doomed, bad);
                    zclock_sleep (100);
                    zsock_destroy (&doomed);
                } else
                    s_send_case (socket, bad);
                answers += bad->stream_credit;
            }
            char what[96];
            snprintf (what, sizeof what, "after %s", s_categories[c]);
            s_stream_barrier (socket, service, answers, what);
            answers = 0;
            s_stream_still_flows (service);
        }
        zsock_destroy (&socket);
    }
}

static void
test_random_bytes_are_refused_and_memory_stays_bounded (void **state)
{
    (void) state;
    for (int s = 0; s < SERVICE_COUNT; s++)
        s_world.rss_before[s] = s_rss_kb (s_world.pids[s]);
    blob_t ping = s_ping ("random-ping");

    /* Command sockets: every message one reply, an error or a pong. */
    for (int s = 0; s < SERVICE_COUNT; s++) {
        const char *service = s_services[s];
        zsock_t *socket = s_dealer (service, "command");
        size_t errors = 0, pongs = 0;
        for (size_t sent = 0; sent < RANDOM_MESSAGES; sent += RANDOM_BATCH) {
            for (size_t i = 0; i < RANDOM_BATCH; i++) {
                blob_t message = s_random_message (&ping);
                assert_int_equal (zmq_send (zsock_resolve (socket), message.data, message.size, 0),
                                  (int) message.size);
                free (message.data);
            }
            for (size_t i = 0; i < RANDOM_BATCH; i++) {
                bs_message_t reply;
                if (!s_receive (socket, REPLY_TIMEOUT_MS, &reply, "random bytes"))
                    fail_msg ("%s: no reply to random message %zu", service, sent + i);
                if (reply.schema == &bs_ping_reply_schema)
                    pongs++;
                else if (reply.schema == &bs_error_reply_schema) {
                    const char *code = ((bs_error_reply_t *) reply.data)->code;
                    if (strcmp (code, "malformed") != 0 && strcmp (code, "invalid") != 0
                        && strcmp (code, "unknown_type") != 0)
                        fail_msg ("%s: random bytes got a '%s' error", service, code);
                    errors++;
                } else
                    fail_msg ("%s: random bytes got a '%s' reply", service, reply.type);
                bs_message_clear (&reply);
            }
        }
        assert_int_equal (errors + pongs, RANDOM_MESSAGES);
        assert_true (errors > RANDOM_MESSAGES / 2);
        s_command_still_serves (service, socket, "after random bytes"); /* and no extra reply */
        zsock_destroy (&socket);
    }

    /* Stream sockets: all dropped, the streams flow on. */
    for (int s = 0; s < 3; s++) {
        const char *service = s_services[s];
        zsock_t *socket = s_dealer (service, "stream");
        for (size_t i = 0; i < RANDOM_MESSAGES; i++) {
            blob_t message = s_random_message (&ping);
            assert_int_equal (zmq_send (zsock_resolve (socket), message.data, message.size, 0),
                              (int) message.size);
            free (message.data);
        }
        s_stream_barrier (socket, service, 0, "after random bytes");
        s_stream_still_flows (service);
        zsock_destroy (&socket);
    }
    free (ping.data);

    for (int s = 0; s < SERVICE_COUNT; s++) {
        long after = s_rss_kb (s_world.pids[s]);
        long growth = after - s_world.rss_before[s];
        fprintf (stderr, "%s: VmRSS %ld kB before, %ld kB after the random bytes\n", s_services[s],
                 s_world.rss_before[s], after);
        if (growth >= RSS_GROWTH_MAX_KB)
            fail_msg ("%s grew by %ld kB on random bytes", s_services[s], growth);
    }
}

static void
test_nothing_changed_but_what_was_valid (void **state)
{
    (void) state;
    s_same_processes ();
    bs_error_t error;

    /* intake holds exactly the valid submissions, numbered without gaps. */
    bs_report_list_t list = {.limit = 1000};
    bs_report_page_t page;
    assert_int_equal (bs_system_call (bs_system_client (s_world.system, "intake"),
                                      &bs_report_list_schema, &list, &bs_report_page_schema, &page,
                                      &error),
                      BS_OK);
    assert_int_equal (page.reports.count, s_world.valid_count);
    const bs_report_t *reports = page.reports.items;
    unsigned year = bs_clock_year (bs_clock_now ());
    for (size_t i = 0; i < page.reports.count; i++) {
        char reg_no[32];
        snprintf (reg_no, sizeof reg_no, "%04u-%06zu", year, i + 1);
        assert_int_equal (reports[i].report_id, i + 1);
        assert_int_equal (reports[i].report_id, s_world.report_ids[i]);
        assert_string_equal (reports[i].reg_no, reg_no);
        assert_string_equal (reports[i].title, s_world.titles[i]);
        assert_string_equal (reports[i].unit, s_units[s_world.report_units[i]]);
    }
    bs_codec_record_free (&bs_report_page_schema, &page);

    /* review, publication and statistics hold what the valid commands made. */
    BS_WAIT_UNTIL (s_queued_in_review () == s_world.queued_count, "review's queue to settle");
    assert_int_equal (s_pending_in_publication (), s_world.pending_count);
    bs_issue_list_request_t issues_query = {.limit = 1000};
    bs_issue_page_t issues;
    assert_int_equal (bs_system_call (bs_system_client (s_world.system, "publication"),
                                      &bs_issue_list_request_schema, &issues_query,
                                      &bs_issue_page_schema, &issues, &error),
                      BS_OK);
    assert_int_equal (issues.issues.count, s_world.issues);
    for (size_t i = 0; i < issues.issues.count; i++) {
        const bs_issue_t *issue = &((const bs_issue_t *) issues.issues.items)[i];
        assert_int_equal (issue->number, i + 1);
        assert_string_equal (issue->state, "published");
    }
    bs_codec_record_free (&bs_issue_page_schema, &issues);
    BS_WAIT_UNTIL (s_statistics_equal (), "statistics to equal the valid input");
    uint64_t adopted = 0, published = 0;
    for (int u = 0; u < UNIT_COUNT; u++)
        adopted += s_world.expected[u].adopted, published += s_world.expected[u].published;
    assert_true (adopted > 0 && published > 0);

    /* A clean stop, and no sanitizer report in any log. */
    s_same_processes ();
    for (int s = 0; s < SERVICE_COUNT; s++) {
        bs_system_kill (s_world.system, s_services[s], SIGTERM);
        char path[1200];
        snprintf (path, sizeof path, "%s/%s.log", bs_system_folder (s_world.system), s_services[s]);
        FILE *file = fopen (path, "r");
        assert_non_null (file);
        char line[4096];
        bool stopped = false;
        while (fgets (line, sizeof line, file)) {
            if (strstr (line, "Sanitizer") || strstr (line, "runtime error"))
                fail_msg ("%s's log has a sanitizer report: %s", s_services[s], line);
            stopped |= strstr (line, "is stopping") != NULL;
        }
        fclose (file);
        if (!stopped)
            fail_msg ("%s did not stop cleanly on SIGTERM", s_services[s]);
    }
}

static int
s_setup (void **state)
{
    (void) state;
    /* One frame limit for every service (intake's own is bigger, for
       batches and attachments), so the oversized cases hold for all. */
    setenv ("BAOSONG_INTAKE_MESSAGE_MAX_BYTES", "1048576", 1);
    s_world.system = bs_system_new ("baosong-bad-input");
    if (!s_world.system)
        return -1;
    s_world.config = bs_system_config (s_world.system);
    if (bs_system_start_all (s_world.system) != 0
        || bs_system_register_units (s_world.system, s_units, UNIT_COUNT) != 0)
        return -1;
    for (int i = 0; i < SERVICE_COUNT; i++)
        s_world.pids[i] = bs_system_pid (s_world.system, s_services[i]);
    s_build_cases ();
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    for (size_t i = 0; i < s_world.case_count; i++)
        for (size_t k = 0; k < s_world.cases[i].frame_count; k++)
            free (s_world.cases[i].frames[k].data);
    free (s_world.cases);
    bs_system_destroy (&s_world.system);
    return 0;
}

int
main (void)
{
    /* Under AddressSanitizer freed memory waits in a quarantine (256 MiB by
       default) before it is reused, so the services' VmRSS would measure
       the quarantine rather than the services. A small one keeps
       use-after-free detection and gives the memory bound the same meaning
       in both builds; a build without ASan ignores the variable. Options
       already set come after, so they win. */
    const char *options = getenv ("ASAN_OPTIONS");
    char asan_options[1024];
    snprintf (asan_options, sizeof asan_options, "quarantine_size_mb=4%s%s",
              options && *options ? ":" : "", options ? options : "");
    setenv ("ASAN_OPTIONS", asan_options, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_command_sockets_answer_bad_input_with_errors),
        cmocka_unit_test (test_stream_sockets_survive_bad_input),
        cmocka_unit_test (test_random_bytes_are_refused_and_memory_stays_bounded),
        cmocka_unit_test (test_nothing_changed_but_what_was_valid),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
