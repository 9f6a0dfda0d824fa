/*  bs_bad_cases: bad messages built by hand; see bs_bad_cases.h.
 */
#include "bs_bad_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "bs_clock.h"
#include "bs_schemas.h"
#include "bs_test.h"

const char *const bs_bad_categories[BS_BAD_CATEGORY_COUNT] = {
    "truncated",     "huge lengths", "wrong types", "invalid UTF-8", "unknown types",
    "missing field", "limits",       "oversized",   "multi-frame",   "empty frames",
};

const char *
bs_bad_unique_id (const char *prefix)
{
    static char id[64];
    static unsigned serial;
    snprintf (id, sizeof id, "%s-%u", prefix, ++serial);
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
static const entry_t s_decide_many_base[] = {STR ("editor", "壞輸入編輯"), STR ("role", "editor")};
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

static bs_bad_blob_t
b_finish (builder_t *self)
{
    bs_bad_blob_t blob = {malloc (self->buffer.size + 1), self->buffer.size};
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
static bs_bad_blob_t
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
bs_bad_blob_t
bs_bad_message_raw_data (const char *type, const char *id, const void *data, size_t size)
{
    builder_t builder;
    b_init (&builder);
    b_envelope_head (&builder, type, id, 1);
    b_str (&builder, "data", 4);
    b_raw (&builder, data, size);
    return b_finish (&builder);
}

bs_bad_blob_t
bs_bad_copy (const void *bytes, size_t size)
{
    bs_bad_blob_t blob = {malloc (size + 1), size};
    memcpy (blob.data, bytes, size);
    return blob;
}

static bs_bad_blob_t
s_valid_submit (const char *id)
{
    return s_message ("intake.submit", id, s_submit_base, COUNT (s_submit_base), NULL);
}

bs_bad_blob_t
bs_bad_ping (const char *id)
{
    return s_message ("service.ping", id, NULL, 0, NULL);
}

/* The cases                                                              */

static bs_bad_case_t *s_cases; /* being built */
static size_t s_case_count;
static bs_config_t *s_config; /* the system's, for its limits */

static bs_bad_case_t *
s_case (int category, const char *what, bs_bad_blob_t frame, const char *code, const char *field)
{
    s_cases = realloc (s_cases, (s_case_count + 1) * sizeof *s_cases);
    assert_non_null (s_cases);
    bs_bad_case_t *bad = &s_cases[s_case_count++];
    memset (bad, 0, sizeof *bad);
    snprintf (bad->what, sizeof bad->what, "%s: %s", bs_bad_categories[category], what);
    bad->category = category;
    bad->frames[0] = frame;
    bad->frame_count = 1;
    bad->reply = BS_BAD_REPLY_ERROR;
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
    snprintf (id, sizeof id, "%s", bs_bad_unique_id ("bad"));
    bs_bad_case_t *bad =
        s_case (category, what, s_message (type, id, base, base_count, &override), code, field);
    if (strcmp (code, "malformed") != 0)
        snprintf (bad->id, sizeof bad->id, "%s", id);
}

bs_bad_case_t *
bs_bad_cases_build (bs_config_t *config, size_t *case_count)
{
    s_config = config;
    /* Truncated: every proper prefix of a valid submission. */
    bs_bad_blob_t whole = s_valid_submit ("truncated");
    for (size_t length = 0; length < whole.size; length++) {
        char what[64];
        snprintf (what, sizeof what, "first %zu of %zu bytes", length, whole.size);
        s_case (BS_BAD_TRUNCATED, what, bs_bad_copy (whole.data, length), "malformed", NULL);
    }
    bs_bad_blob_t trailing = bs_bad_copy (whole.data, whole.size);
    trailing.data = realloc (trailing.data, whole.size + 1);
    trailing.data[trailing.size++] = 0xc0;
    s_case (BS_BAD_TRUNCATED, "a byte after the object", trailing, "malformed", NULL);
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
        s_case (BS_BAD_HUGE, what, bs_bad_copy (huge[i].bytes, huge[i].size), "malformed", NULL);
        snprintf (what, sizeof what, "%s as data", huge[i].what);
        s_case (BS_BAD_HUGE, what,
                bs_bad_message_raw_data ("intake.submit", "huge", huge[i].bytes, huge[i].size),
                "malformed", NULL);
        snprintf (what, sizeof what, "%s as the title", huge[i].what);
        entry_t title = {"title", V_RAW, huge[i].bytes, huge[i].size, 0};
        s_case (BS_BAD_HUGE, what,
                s_message ("intake.submit", "huge", s_submit_base, COUNT (s_submit_base), &title),
                "malformed", NULL);
        snprintf (what, sizeof what, "%s as the envelope", huge[i].what);
        builder_t builder;
        b_init (&builder);
        b_raw (&builder, huge[i].bytes, huge[i].size);
        b_raw (&builder, "\x82\xa1v\x01\xa4type", 8);
        s_case (BS_BAD_HUGE, what, b_finish (&builder), "malformed", NULL);
    }

    /* Wrong types, for the fields of each service's commands. */
    s_field_case (BS_BAD_TYPES, "unit is an integer", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) RAW ("unit", "\x2a"), "invalid", "unit");
    s_field_case (BS_BAD_TYPES, "unit is negative", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) RAW ("unit", "\xff"), "invalid", "unit");
    s_field_case (BS_BAD_TYPES, "unit is a map", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) RAW ("unit", "\x80"), "invalid", "unit");
    s_field_case (BS_BAD_TYPES, "urgent is a string", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) STR ("urgent", "yes"), "invalid", "urgent");
    s_field_case (BS_BAD_TYPES, "urgent is 1", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) U64 ("urgent", 1), "invalid", "urgent");
    s_field_case (BS_BAD_TYPES, "title is true", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) RAW ("title", "\xc3"), "invalid", "title");
    s_field_case (BS_BAD_TYPES, "title is bin", "intake.submit", s_submit_base,
                  COUNT (s_submit_base),
                  (entry_t) RAW ("title", "\xc4\x03"
                                          "abc"),
                  "invalid", "title");
    s_field_case (BS_BAD_TYPES, "body is an array", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) RAW ("body", "\x92\x01\x02"), "invalid", "body");
    s_field_case (
        BS_BAD_TYPES, "kind is a float", "intake.submit", s_submit_base, COUNT (s_submit_base),
        (entry_t) RAW ("kind", "\xcb\x40\x09\x21\xfb\x54\x44\x2d\x18"), "invalid", "kind");
    s_field_case (BS_BAD_TYPES, "decide report_id is a string", "review.decide", s_decide_base,
                  COUNT (s_decide_base), (entry_t) STR ("report_id", "7"), "invalid", "report_id");
    s_field_case (BS_BAD_TYPES, "decide report_id is 0", "review.decide", s_decide_base,
                  COUNT (s_decide_base), (entry_t) U64 ("report_id", 0), "invalid", "report_id");
    s_field_case (BS_BAD_TYPES, "issue_create year 10000", "publication.issue_create",
                  s_issue_create_base, COUNT (s_issue_create_base), (entry_t) U64 ("year", 10000),
                  "invalid", "year");
    s_field_case (BS_BAD_TYPES, "issue_add report_ids of strings", "publication.issue_add",
                  s_issue_add_base, COUNT (s_issue_add_base),
                  (entry_t) RAW ("report_ids", "\x91\xa1x"), "invalid", "report_ids");
    s_field_case (BS_BAD_TYPES, "issue_add report_ids empty", "publication.issue_add",
                  s_issue_add_base, COUNT (s_issue_add_base), (entry_t) RAW ("report_ids", "\x90"),
                  "invalid", "report_ids");
    s_field_case (BS_BAD_TYPES, "subscribe from 0", "stream.subscribe", s_subscribe_base,
                  COUNT (s_subscribe_base), (entry_t) U64 ("from", 0), "invalid", "from");
    s_field_case (BS_BAD_TYPES, "subscribe with a million credits", "stream.subscribe",
                  s_subscribe_base, COUNT (s_subscribe_base), (entry_t) U64 ("credit", 1000000),
                  "invalid", "credit");
    s_field_case (BS_BAD_TYPES, "subscribe from a string", "stream.subscribe", s_subscribe_base,
                  COUNT (s_subscribe_base), (entry_t) STR ("from", "1"), "invalid", "from");
    s_field_case (BS_BAD_TYPES, "query period is a number", "statistics.query", s_query_base,
                  COUNT (s_query_base), (entry_t) U64 ("period", 2026), "invalid", "period");
    s_field_case (BS_BAD_TYPES, "ranking by too long", "statistics.ranking", s_ranking_base,
                  COUNT (s_ranking_base),
                  (entry_t) STR ("by", "adopted-and-more-and-more-and-more-and-more"), "invalid",
                  "by");
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
        s_case (BS_BAD_TYPES, "envelope v is a string", b_finish (&builder), "malformed", NULL);
        b_init (&builder);
        b_raw (&builder, "\x82\xa1v\x00\xa4type\xadintake.submit", 20);
        s_case (BS_BAD_TYPES, "envelope v is 0", b_finish (&builder), "malformed", NULL);
        b_init (&builder);
        b_raw (&builder, "\x82\xa1v\x01\xa4type\x07", 8);
        s_case (BS_BAD_TYPES, "envelope type is a number", b_finish (&builder), "malformed", NULL);
        b_init (&builder);
        b_raw (&builder, "\x83\xa1v\x01\xa4type\xadintake.submit\xa2id\x2a", 24);
        s_case (BS_BAD_TYPES, "envelope id is a number", b_finish (&builder), "malformed", NULL);
        char long_id[201];
        memset (long_id, 'k', 200);
        long_id[200] = 0;
        s_case (BS_BAD_TYPES, "envelope id of 200 bytes", s_valid_submit (long_id), "malformed",
                NULL);
        s_case (BS_BAD_TYPES, "data is a number",
                bs_bad_message_raw_data ("intake.submit", "x", "\x05", 1), "malformed", NULL);
        s_case (BS_BAD_TYPES, "envelope is an array", bs_bad_copy ("\x93\x01\x02\x03", 4),
                "malformed", NULL);
        s_case (BS_BAD_TYPES, "envelope is a string", bs_bad_copy ("\xa5hello", 6), "malformed",
                NULL);
        b_init (&builder);
        b_raw (&builder, "\x83\xa1v\x01\xa4type\xacservice.ping\xa4type\xacservice.ping", 40);
        s_case (BS_BAD_TYPES, "envelope type twice", b_finish (&builder), "malformed", NULL);
        /* A ping any service answers at v 1, at an envelope version no
           service knows. */
        b_init (&builder);
        b_raw (&builder, "\x83\xa1v\x63\xa4type\xacservice.ping\xa2id\xa3v99", 29);
        s_case (BS_BAD_TYPES, "envelope v is 99", b_finish (&builder), "malformed", "v");
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
        s_field_case (BS_BAD_UTF8, what, "intake.submit", s_submit_base, COUNT (s_submit_base),
                      (entry_t){"title", V_STR, utf8[i].bytes, 0, 0}, "invalid", "title");
        snprintf (what, sizeof what, "%s in the critique", utf8[i].what);
        s_field_case (BS_BAD_UTF8, what, "review.decide", s_decide_base, COUNT (s_decide_base),
                      (entry_t){"critique", V_STR, utf8[i].bytes, 0, 0}, "invalid", "critique");
        snprintf (what, sizeof what, "%s in the type", utf8[i].what);
        char text[64];
        snprintf (text, sizeof text, "intake.%s", utf8[i].bytes);
        s_case (BS_BAD_UTF8, what, s_message (text, "utf8", NULL, 0, NULL), "malformed", NULL);
        snprintf (what, sizeof what, "%s in the id", utf8[i].what);
        s_case (
            BS_BAD_UTF8, what,
            s_message ("intake.submit", utf8[i].bytes, s_submit_base, COUNT (s_submit_base), NULL),
            "malformed", NULL);
    }

    /* Unknown types, and types the service does not take. */
    bs_bad_case_t *bad =
        s_case (BS_BAD_UNKNOWN, "nonsense.command",
                s_message ("nonsense.command", "n1", NULL, 0, NULL), "unknown_type", "type");
    snprintf (bad->id, sizeof bad->id, "n1");
    bad = s_case (BS_BAD_UNKNOWN, "stream.credit on a command socket",
                  s_message ("stream.credit", "n2", s_credit_base, COUNT (s_credit_base), NULL),
                  "unknown_type", "type");
    snprintf (bad->id, sizeof bad->id, "n2");
    bad->stream_credit = true;
    bad = s_case (BS_BAD_UNKNOWN, "a valid intake.submit elsewhere", s_valid_submit ("n3"),
                  "unknown_type", "type");
    snprintf (bad->id, sizeof bad->id, "n3");
    bad->skip = "intake";
    bad = s_case (BS_BAD_UNKNOWN, "a valid review.decide elsewhere",
                  s_message ("review.decide", "n4", s_decide_base, COUNT (s_decide_base), NULL),
                  "unknown_type", "type");
    snprintf (bad->id, sizeof bad->id, "n4");
    bad->skip = "review";

    /* Missing required fields: in data, the idempotency key, the envelope. */
    s_field_case (BS_BAD_MISSING, "submit without title", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) NONE ("title"), "invalid", "title");
    s_field_case (BS_BAD_MISSING, "submit with title nil", "intake.submit", s_submit_base,
                  COUNT (s_submit_base), (entry_t) RAW ("title", "\xc0"), "invalid", "title");
    s_field_case (BS_BAD_MISSING, "decide without critique", "review.decide", s_decide_base,
                  COUNT (s_decide_base), (entry_t) NONE ("critique"), "invalid", "critique");
    s_field_case (BS_BAD_MISSING, "issue_create without periodical", "publication.issue_create",
                  s_issue_create_base, COUNT (s_issue_create_base), (entry_t) NONE ("periodical"),
                  "invalid", "periodical");
    {
        builder_t builder;
        b_init (&builder);
        b_envelope_head (&builder, "intake.submit", "no-data", 0);
        bad =
            s_case (BS_BAD_MISSING, "submit without data", b_finish (&builder), "invalid", "title");
        snprintf (bad->id, sizeof bad->id, "no-data");
        bad = s_case (BS_BAD_MISSING, "submit without id",
                      s_message ("intake.submit", NULL, s_submit_base, COUNT (s_submit_base), NULL),
                      "invalid", "id");
        bad->handled_by = "intake";
        bad = s_case (BS_BAD_MISSING, "decide without id",
                      s_message ("review.decide", NULL, s_decide_base, COUNT (s_decide_base), NULL),
                      "invalid", "id");
        bad->handled_by = "review";
        b_init (&builder);
        b_raw (&builder, "\x81\xa1v\x01", 4);
        s_case (BS_BAD_MISSING, "envelope without type", b_finish (&builder), "malformed", NULL);
        b_init (&builder);
        b_raw (&builder, "\x81\xa4type\xacservice.ping", 19);
        s_case (BS_BAD_MISSING, "envelope without v", b_finish (&builder), "malformed", NULL);
        s_case (BS_BAD_MISSING, "empty map", bs_bad_copy ("\x80", 1), "malformed", NULL);
    }

    /* Limits: lengths, counts, nesting, NUL, duplicates, and what the
       handler itself refuses (the fault found after the type's handler was
       chosen: other services answer unknown_type). */
    {
        char title[602];
        memset (title, 'a', 601);
        title[601] = 0;
        s_field_case (BS_BAD_LIMITS, "title of 601 bytes", "intake.submit", s_submit_base,
                      COUNT (s_submit_base), (entry_t) STR ("title", title), "invalid", "title");
        char *body = malloc (65538);
        memset (body, 'b', 65537);
        body[65537] = 0;
        s_field_case (BS_BAD_LIMITS, "body of 64 KiB + 1", "intake.submit", s_submit_base,
                      COUNT (s_submit_base), (entry_t) STR ("body", body), "invalid", "body");
        free (body);
        s_field_case (BS_BAD_LIMITS, "NUL in the title", "intake.submit", s_submit_base,
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
        bad = s_case (BS_BAD_LIMITS, "unit twice", b_finish (&builder), "invalid", "unit");
        snprintf (bad->id, sizeof bad->id, "twice");

        unsigned char deep[64];
        memset (deep, 0x91, 40);
        deep[40] = 0xc0;
        s_case (BS_BAD_LIMITS, "data nested 40 deep",
                bs_bad_message_raw_data ("intake.submit", "deep", deep, 41), "malformed", NULL);
        s_case (BS_BAD_LIMITS, "bare nesting 40 deep", bs_bad_copy (deep, 41), "malformed", NULL);
        s_case (BS_BAD_LIMITS, "the never-used byte 0xc1", bs_bad_copy ("\xc1", 1), "malformed",
                NULL);
        size_t many = 250000;
        unsigned char *items = calloc (many + 5, 1);
        items[0] = 0xdd;
        items[1] = (unsigned char) (many >> 24);
        items[2] = (unsigned char) (many >> 16);
        items[3] = (unsigned char) (many >> 8);
        items[4] = (unsigned char) many;
        entry_t extra = {"extra", V_RAW, (const char *) items, many + 5, 0};
        s_case (BS_BAD_LIMITS, "250,000 objects",
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
            snprintf (id, sizeof id, "%s", bs_bad_unique_id ("semantic"));
            bad = s_case (BS_BAD_LIMITS, semantic[i].what,
                          s_message (semantic[i].type, id, base, count, &semantic[i].override),
                          "invalid", semantic[i].field);
            snprintf (bad->id, sizeof bad->id, "%s", id);
            bad->handled_by = semantic[i].handler;
        }
    }

    /* review.decide_many: at least one decision, at most
       BS_DECIDE_MANY_MAX, found while decoding (one too many decides
       nothing). */
    {
        builder_t list;
        b_init (&list);
        msgpack_pack_array (&list.packer, BS_DECIDE_MANY_MAX + 1);
        for (size_t i = 0; i < BS_DECIDE_MANY_MAX + 1; i++) {
            msgpack_pack_map (&list.packer, COUNT (s_decide_base));
            for (size_t k = 0; k < COUNT (s_decide_base); k++)
                b_entry (&list, &s_decide_base[k]);
        }
        bs_bad_blob_t decisions = b_finish (&list);
        entry_t over = {"decisions", V_RAW, (const char *) decisions.data, decisions.size, 0};
        s_field_case (BS_BAD_LIMITS, "decide_many of 201 decisions", "review.decide_many",
                      s_decide_many_base, COUNT (s_decide_many_base), over, "invalid", "decisions");
        free (decisions.data);
        s_field_case (BS_BAD_LIMITS, "decide_many of no decisions", "review.decide_many",
                      s_decide_many_base, COUNT (s_decide_many_base),
                      (entry_t) RAW ("decisions", "\x90"), "invalid", "decisions");
    }

    /* Oversized: above the service's limit, up to four times it, a
       `limit` error reply, under the command's id when its first bytes
       hold one (a command of ours); above what the socket takes at all,
       four times the limit and 1 KiB, the peer is dropped (to bound
       memory). */
    uint64_t limit = bs_config_get_number (s_config, "max_message_bytes");
    {
        bs_bad_blob_t big = {malloc (limit + 1), limit + 1};
        memset (big.data, 'x', big.size);
        big.data[0] = 0xdb; /* str32 of the rest */
        uint32_t rest = (uint32_t) (big.size - 5);
        big.data[1] = (unsigned char) (rest >> 24);
        big.data[2] = (unsigned char) (rest >> 16);
        big.data[3] = (unsigned char) (rest >> 8);
        big.data[4] = (unsigned char) rest;
        s_case (BS_BAD_OVERSIZED, "max_message_bytes + 1", big, "limit", "");
        static const struct {
            const char *what;
            size_t times, plus;
        } raw[] = {{"twice max_message_bytes", 2, 0},
                   {"twice max_message_bytes and one", 2, 1},
                   {"three times max_message_bytes", 3, 0},
                   {"four times max_message_bytes", 4, 0}};
        for (size_t i = 0; i < COUNT (raw); i++) {
            size_t size = raw[i].times * limit + raw[i].plus;
            bs_bad_blob_t blob = {malloc (size), size};
            memset (blob.data, 'y', blob.size);
            s_case (BS_BAD_OVERSIZED, raw[i].what, blob, "limit", "");
        }
        /* Submissions whose body makes them just over the limit, and
           three times it: the reply carries their id. */
        for (size_t times = 1; times <= 3; times += 2) {
            char *body = malloc (times * limit + 1);
            memset (body, 'b', times * limit);
            entry_t over = {"body", V_STR, body, times * limit, 0};
            char what[64];
            snprintf (what, sizeof what, "a submission of %zu times max_message_bytes", times);
            s_field_case (BS_BAD_OVERSIZED, what, "intake.submit", s_submit_base,
                          COUNT (s_submit_base), over, "limit", "");
            free (body);
        }
        bs_bad_blob_t huge_frame = {malloc (5 * limit), 5 * limit};
        memset (huge_frame.data, 'y', huge_frame.size);
        bad = s_case (BS_BAD_OVERSIZED, "five times max_message_bytes", huge_frame, NULL, NULL);
        bad->reply = BS_BAD_REPLY_DISCONNECT;
    }

    /* Multi-frame: refused with an error reply, however many frames (the
       first 8 with the identity are kept, the rest dropped unread). Never
       does a frame of one register. */
    static const size_t frame_counts[] = {2, 3, 7, 8, 9, 100};
    for (size_t i = 0; i < COUNT (frame_counts); i++) {
        char what[64];
        snprintf (what, sizeof what, "%zu valid submissions in one message", frame_counts[i]);
        bad = s_case (BS_BAD_MULTI, what, s_valid_submit ("multi"), "malformed", NULL);
        for (size_t k = 1; k < frame_counts[i]; k++)
            bad->frames[k] = s_valid_submit ("multi");
        bad->frame_count = frame_counts[i];
    }
    bad = s_case (BS_BAD_MULTI, "REQ-style empty delimiter, then a submission", bs_bad_copy ("", 0),
                  "malformed", NULL);
    bad->frames[1] = s_valid_submit ("req");
    bad->frame_count = 2;

    /* Empty frames. */
    s_case (BS_BAD_EMPTY, "one empty frame", bs_bad_copy ("", 0), "malformed", NULL);
    bad = s_case (BS_BAD_EMPTY, "two empty frames", bs_bad_copy ("", 0), "malformed", NULL);
    bad->frames[1] = bs_bad_copy ("", 0);
    bad->frame_count = 2;
    bad = s_case (BS_BAD_EMPTY, "a submission, then an empty frame", s_valid_submit ("then-empty"),
                  "malformed", NULL);
    bad->frames[1] = bs_bad_copy ("", 0);
    bad->frame_count = 2;
    *case_count = s_case_count;
    bs_bad_case_t *cases = s_cases;
    s_cases = NULL;
    s_case_count = 0;
    return cases;
}

void
bs_bad_cases_free (bs_bad_case_t *cases, size_t count)
{
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; k < cases[i].frame_count; k++)
            free (cases[i].frames[k].data);
    free (cases);
}
