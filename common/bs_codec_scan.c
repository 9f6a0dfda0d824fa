/*  bs_codec_scan: the scan of a frame (bs_codec_check), UTF-8
    validation, the peek at the envelope of a frame too large to decode
    (bs_codec_envelope_peek), and an event cut to what its reader reads
    (bs_codec_envelope_cut); see bs_codec.h.

    The scan walks one msgpack object over raw bytes, trusting no length:
    every declared str/bin/ext length must fit the bytes left, every array
    count must be at most the bytes left (each element takes at least one)
    and every map count at most half of them, nesting and the number of
    objects are capped, and the object must end exactly at the end of the
    frame. The decoder (bs_codec_reader.h) checks every head it reads as
    this scan does, and runs the scan when it refuses a frame: the scan's
    words are the refusal of a frame that is malformed.
*/
#include "bs_codec.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const bs_codec_limits_t bs_codec_default_limits = {1 << 20, 8, 200000};

typedef struct {
    const uint8_t *bytes; /* the frame */
    size_t size;          /* bytes in the frame */
    size_t offset;        /* next byte to read */
    size_t items;         /* objects seen so far */
    size_t max_items;     /* most objects allowed */
    size_t max_depth;     /* deepest nesting allowed */
    bs_error_t *error;    /* where a failure is described */
} scanner_t;

static int s_scan_object (scanner_t *self, size_t depth);

static size_t
s_left (const scanner_t *self)
{
    return self->size - self->offset;
}

static int s_malformed (scanner_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static int
s_malformed (scanner_t *self, const char *format, ...)
{
    if (self->error) {
        self->error->code = BS_E_MALFORMED;
        self->error->field[0] = 0;
        self->error->reason[0] = 0;
        self->error->line = 0;
        va_list args;
        va_start (args, format);
        vsnprintf (self->error->text, sizeof self->error->text, format, args);
        va_end (args);
    }
    return BS_E_MALFORMED;
}

/* Read a big-endian unsigned integer of width bytes (a length, a count or
   a scalar's payload that is skipped). */
static int
s_read_uint (scanner_t *self, size_t width, const char *what, uint64_t *value)
{
    if (width > s_left (self))
        return s_malformed (self, "%s at byte %zu needs %zu bytes but %zu remain", what,
                            self->offset - 1, width, s_left (self));
    uint64_t result = 0;
    for (size_t i = 0; i < width; i++)
        result = (result << 8) | self->bytes[self->offset + i];
    self->offset += width;
    if (value)
        *value = result;
    return BS_OK;
}

/* Skip a body of length bytes that a header declared. */
static int
s_skip_body (scanner_t *self, uint64_t length, const char *what)
{
    if (length > s_left (self))
        return s_malformed (self, "%s declares %" PRIu64 " bytes but %zu bytes remain", what,
                            length, s_left (self));
    self->offset += (size_t) length;
    return BS_OK;
}

/* A str's UTF-8 is checked where the string is used (s_decode_str and the
   envelope), so the error can name the field and the reply can carry the
   request's id; strings in fields nobody reads are skipped like bin. */
static int
s_scan_str (scanner_t *self, uint64_t length)
{
    return s_skip_body (self, length, "str");
}

/* An ext is a type byte then length bytes of data. */
static int
s_scan_ext (scanner_t *self, uint64_t length)
{
    if (s_left (self) < 1 || length > s_left (self) - 1)
        return s_malformed (self,
                            "ext declares %" PRIu64 " bytes and a type byte but %zu bytes remain",
                            length, s_left (self));
    self->offset += 1 + (size_t) length;
    return BS_OK;
}

static int
s_enter (scanner_t *self, size_t depth)
{
    if (depth + 1 > self->max_depth)
        return s_malformed (self, "nesting at byte %zu is deeper than %zu levels", self->offset - 1,
                            self->max_depth);
    return BS_OK;
}

/* Every element takes at least one byte, so a count above the bytes left
   is a lie, refused before anything would allocate for it. */
static int
s_scan_array (scanner_t *self, uint64_t count, size_t depth)
{
    int rc = s_enter (self, depth);
    if (rc)
        return rc;
    if (count > s_left (self))
        return s_malformed (self, "array declares %" PRIu64 " elements but %zu bytes remain", count,
                            s_left (self));
    for (uint64_t i = 0; i < count; i++)
        if ((rc = s_scan_object (self, depth + 1)))
            return rc;
    return BS_OK;
}

/* Each entry is a key and a value, at least two bytes. */
static int
s_scan_map (scanner_t *self, uint64_t count, size_t depth)
{
    int rc = s_enter (self, depth);
    if (rc)
        return rc;
    if (count > s_left (self) / 2)
        return s_malformed (self, "map declares %" PRIu64 " entries but %zu bytes remain", count,
                            s_left (self));
    for (uint64_t i = 0; i < 2 * count; i++)
        if ((rc = s_scan_object (self, depth + 1)))
            return rc;
    return BS_OK;
}

/* Scan one object; depth is the number of containers around it. */
static int
s_scan_object (scanner_t *self, size_t depth)
{
    if (s_left (self) == 0)
        return s_malformed (self, "frame ends at byte %zu where an object should start",
                            self->offset);
    if (++self->items > self->max_items)
        return s_malformed (self, "frame holds more than %zu objects", self->max_items);

    uint8_t tag = self->bytes[self->offset++];
    uint64_t value = 0;
    int rc = BS_OK;

    if (tag <= 0x7f || tag >= 0xe0) /* positive and negative fixint */
        return BS_OK;
    if (tag <= 0x8f)
        return s_scan_map (self, tag & 0x0f, depth);
    if (tag <= 0x9f)
        return s_scan_array (self, tag & 0x0f, depth);
    if (tag <= 0xbf)
        return s_scan_str (self, tag & 0x1f);

    switch (tag) {
    case 0xc0: /* nil */
    case 0xc2: /* false */
    case 0xc3: /* true */
        return BS_OK;
    case 0xc1:
        return s_malformed (self, "byte 0xc1 at %zu is never used in msgpack", self->offset - 1);
    case 0xc4:
    case 0xc5:
    case 0xc6:
        rc = s_read_uint (self, (size_t) 1 << (tag - 0xc4), "bin length", &value);
        return rc ? rc : s_skip_body (self, value, "bin");
    case 0xc7:
    case 0xc8:
    case 0xc9:
        rc = s_read_uint (self, (size_t) 1 << (tag - 0xc7), "ext length", &value);
        return rc ? rc : s_scan_ext (self, value);
    case 0xca:
        return s_read_uint (self, 4, "float32", NULL);
    case 0xcb:
        return s_read_uint (self, 8, "float64", NULL);
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
        return s_read_uint (self, (size_t) 1 << (tag - 0xcc), "uint", NULL);
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3:
        return s_read_uint (self, (size_t) 1 << (tag - 0xd0), "int", NULL);
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8: /* fixext 1, 2, 4, 8, 16 */
        return s_scan_ext (self, (uint64_t) 1 << (tag - 0xd4));
    case 0xd9:
    case 0xda:
    case 0xdb:
        rc = s_read_uint (self, (size_t) 1 << (tag - 0xd9), "str length", &value);
        return rc ? rc : s_scan_str (self, value);
    case 0xdc:
    case 0xdd:
        rc = s_read_uint (self, (size_t) 2 << (tag - 0xdc), "array count", &value);
        return rc ? rc : s_scan_array (self, value, depth);
    default: /* 0xde, 0xdf */
        rc = s_read_uint (self, (size_t) 2 << (tag - 0xde), "map count", &value);
        return rc ? rc : s_scan_map (self, value, depth);
    }
}

int
bs_codec_object_size (const void *bytes, size_t size, const bs_codec_limits_t *limits,
                      size_t *object_size, bs_error_t *error)
{
    if (!limits)
        limits = &bs_codec_default_limits;
    scanner_t scanner = {
        .bytes = bytes,
        .size = size,
        .max_items = limits->max_items,
        .max_depth =
            limits->max_depth < BS_CODEC_DEPTH_CAP ? limits->max_depth : BS_CODEC_DEPTH_CAP,
        .error = error,
    };
    *object_size = 0;
    if (size == 0 || !bytes)
        return s_malformed (&scanner, "frame is empty");
    if (size > limits->max_frame)
        return s_malformed (&scanner, "frame of %zu bytes is larger than the limit of %zu", size,
                            limits->max_frame);
    int rc = s_scan_object (&scanner, 0);
    if (rc)
        return rc;
    *object_size = scanner.offset;
    bs_error_clear (error);
    return BS_OK;
}

/* The peek reads a frame's first bytes only: far more than an envelope's
   keys before "data" take (type, id, src and principal are bounded), far
   less than a frame the service refuses to read. */
#define S_PEEK_BYTES 4096

/* A str at the scanner's offset, whose body fits the bytes left: its bytes
   and length, the scanner past it. false (offset unchanged) otherwise. */
static bool
s_peek_str (scanner_t *self, const char **text, size_t *length)
{
    size_t start = self->offset;
    if (s_left (self) == 0)
        return false;
    uint8_t tag = self->bytes[self->offset++];
    uint64_t value = tag & 0x1f;
    if ((tag < 0xa0 || tag > 0xbf) && (tag < 0xd9 || tag > 0xdb)) {
        self->offset = start;
        return false;
    }
    if (tag >= 0xd9 && s_read_uint (self, (size_t) 1 << (tag - 0xd9), "str length", &value)) {
        self->offset = start;
        return false;
    }
    if (value > s_left (self)) {
        self->offset = start;
        return false;
    }
    *text = (const char *) self->bytes + self->offset;
    *length = (size_t) value;
    self->offset += (size_t) value;
    return true;
}

/* Copy an envelope string as bs_message_decode would take it (UTF-8, no
   NUL, shorter than capacity), unless target is already set. */
static void
s_peek_copy (const char *text, size_t length, char *target, size_t capacity)
{
    if (target[0] || length >= capacity || memchr (text, 0, length)
        || !bs_codec_utf8_valid (text, length))
        return;
    memcpy (target, text, length);
    target[length] = 0;
}

void
bs_codec_envelope_peek (const void *bytes, size_t size, bs_message_t *message)
{
    memset (message, 0, sizeof *message);
    scanner_t scanner = {
        .bytes = bytes,
        .size = size < S_PEEK_BYTES ? size : S_PEEK_BYTES,
        .max_items = S_PEEK_BYTES,
        .max_depth = bs_codec_default_limits.max_depth,
    };
    if (!bytes || scanner.size == 0)
        return;
    uint8_t tag = scanner.bytes[scanner.offset++];
    uint64_t count = tag & 0x0f;
    if (tag == 0xde || tag == 0xdf) {
        if (s_read_uint (&scanner, (size_t) 2 << (tag - 0xde), "map count", &count))
            return;
    } else if (tag < 0x80 || tag > 0x8f)
        return; /* not a map */
    for (uint64_t i = 0; i < count && !(message->id[0] && message->type[0]); i++) {
        const char *key, *value;
        size_t key_length, value_length;
        char *target = NULL;
        size_t capacity = 0;
        if (s_peek_str (&scanner, &key, &key_length)) {
            if (key_length == 2 && memcmp (key, "id", 2) == 0) {
                target = message->id;
                capacity = sizeof message->id;
            } else if (key_length == 4 && memcmp (key, "type", 4) == 0) {
                target = message->type;
                capacity = sizeof message->type;
            }
        } else if (s_scan_object (&scanner, 1))
            return; /* a key that runs past the bytes read */
        if (target && s_peek_str (&scanner, &value, &value_length))
            s_peek_copy (value, value_length, target, capacity);
        else if (s_scan_object (&scanner, 1))
            return; /* a value that runs past the bytes read: "data", usually */
    }
}

int
bs_codec_map_bool (const void *bytes, size_t size, const char *key, bool *value)
{
    *value = false;
    scanner_t scanner = {
        .bytes = bytes,
        .size = size,
        .max_items = bs_codec_default_limits.max_items,
        .max_depth = bs_codec_default_limits.max_depth,
    };
    if (!bytes || size == 0 || size > bs_codec_default_limits.max_frame)
        return BS_E_MALFORMED;
    uint8_t tag = scanner.bytes[scanner.offset++];
    uint64_t count = tag & 0x0f;
    if (tag == 0xde || tag == 0xdf) {
        if (s_read_uint (&scanner, (size_t) 2 << (tag - 0xde), "map count", &count))
            return BS_E_MALFORMED;
    } else if (tag < 0x80 || tag > 0x8f)
        return BS_E_MALFORMED; /* not a map */
    size_t key_length = strlen (key);
    for (uint64_t i = 0; i < count; i++) {
        const char *name;
        size_t name_length;
        if (!s_peek_str (&scanner, &name, &name_length)) {
            if (s_scan_object (&scanner, 1) || s_scan_object (&scanner, 1))
                return BS_E_MALFORMED;
            continue; /* a key that is not a string: no field's */
        }
        if (name_length != key_length || memcmp (name, key, key_length) != 0) {
            if (s_scan_object (&scanner, 1))
                return BS_E_MALFORMED;
            continue;
        }
        if (s_left (&scanner) == 0)
            return BS_E_MALFORMED;
        tag = scanner.bytes[scanner.offset];
        if (tag != 0xc2 && tag != 0xc3 && tag != 0xc0)
            return BS_E_MALFORMED; /* as the decoder refuses a BOOL field that is none */
        *value = tag == 0xc3;
        return BS_OK;
    }
    return BS_OK;
}

/* A map's head at the scanner: its entry count, the scanner past the
   head; false when the object there is no map. */
static bool
s_map_head (scanner_t *self, uint64_t *count)
{
    if (s_left (self) == 0)
        return false;
    uint8_t tag = self->bytes[self->offset++];
    *count = tag & 0x0f;
    if (tag == 0xde || tag == 0xdf)
        return s_read_uint (self, (size_t) 2 << (tag - 0xde), "map count", count) == BS_OK;
    return tag >= 0x80 && tag <= 0x8f;
}

/* Keys a cut keeps, at most, and the slots of its table (a power of two,
   twice as many: a probe finds a key or an empty slot in one or two). */
#define S_CUT_KEYS 64
#define S_CUT_SLOTS 128

struct bs_codec_cut {
    const char *type;                 /* in text */
    size_t type_size;                 /* strlen (type) */
    size_t key_count;                 /* keys kept */
    const char *keys[S_CUT_KEYS];     /* in text */
    size_t key_sizes[S_CUT_KEYS];     /* their lengths */
    unsigned char slots[S_CUT_SLOTS]; /* a key's index + 1 where it hashes, 0 none */
    /* Where a data map's cut may end early (s_cut_order): once the map
       has shown every required field the cut keeps (required of them),
       the first key it leaves out ends what it keeps. */
    bool ends;
    size_t required;
    bool key_required[S_CUT_KEYS];
    char text[]; /* type, NUL, the keys each ended by NUL */
};

static size_t
s_cut_slot (const char *key, size_t size)
{
    return (size * 31 + (unsigned char) key[0] * 7 + (unsigned char) key[size - 1])
           & (S_CUT_SLOTS - 1);
}

/* The index of key (size bytes, at least one) among the keys the cut
   keeps, or -1. */
static inline int
s_cut_index (const bs_codec_cut_t *cut, const char *key, size_t size)
{
    for (size_t slot = s_cut_slot (key, size); cut->slots[slot];
         slot = (slot + 1) & (S_CUT_SLOTS - 1)) {
        size_t i = cut->slots[slot] - 1u;
        if (cut->key_sizes[i] == size && memcmp (cut->keys[i], key, size) == 0)
            return (int) i;
    }
    return -1;
}

static inline bool
s_cut_keeps (const bs_codec_cut_t *cut, const char *key, size_t size)
{
    return s_cut_index (cut, key, size) >= 0;
}

/* Whether, among fields (count of them, in the order a writer writes
   them), the cut keeps nothing after the first field it leaves out that
   comes after the last required field it keeps. */
static bool
s_cut_ends_in (const bs_codec_cut_t *cut, const bs_field_t *fields, size_t count)
{
    size_t after = 0;
    for (size_t i = 0; i < count; i++)
        if (fields[i].required && s_cut_keeps (cut, fields[i].name, fields[i].name_size))
            after = i + 1;
    bool left_out = false;
    for (size_t i = after; i < count; i++) {
        bool kept = s_cut_keeps (cut, fields[i].name, fields[i].name_size);
        if (kept && left_out)
            return false;
        left_out = left_out || !kept;
    }
    return true;
}

/* Where the cut of a data map may end before the map does. baosong's
   encoder writes a record's fields in its schema's order, or with its
   texts last (bs_schema_texts_last: intake's report events), each in
   the order of the schema of the version that wrote it (fields added
   since are absent, none has moved), and writes every required field.
   So when, in both orders, nothing the cut keeps comes after the first
   field it leaves out past the last required field it keeps, a map's
   cut ends at the first key it leaves out once it has met those
   required fields: in a map with its texts last, for a reader of none
   of them, where they begin (a truncation); in a map in schema order,
   where the fields after the last required one it reads are left out.
   Not when the type's schema is unknown, or names no key the cut keeps
   (a key of a newer schema): then the whole map is walked, as for any
   map. */
static void
s_cut_order (bs_codec_cut_t *cut)
{
    const bs_schema_t *schema = bs_schema_lookup (cut->type);
    bs_field_t fields[S_CUT_KEYS * 2];
    bs_schema_t texts_last;
    if (!schema
        || bs_schema_texts_last (schema, fields, S_CUT_KEYS * 2, &texts_last) != BS_OK)
        return;
    for (size_t i = 0; i < cut->key_count; i++) {
        const bs_field_t *field = NULL;
        for (size_t j = 0; j < schema->field_count && !field; j++)
            if (schema->fields[j].name_size == cut->key_sizes[i]
                && memcmp (schema->fields[j].name, cut->keys[i], cut->key_sizes[i]) == 0)
                field = &schema->fields[j];
        if (!field)
            return;
        /* a key named twice counts once: the map's key finds the first */
        bool first = s_cut_index (cut, cut->keys[i], cut->key_sizes[i]) == (int) i;
        cut->key_required[i] = field->required && first;
        cut->required += cut->key_required[i];
    }
    cut->ends = s_cut_ends_in (cut, schema->fields, schema->field_count)
                && s_cut_ends_in (cut, texts_last.fields, texts_last.field_count);
}

bs_codec_cut_t *
bs_codec_cut_new (const char *type, const char *fields)
{
    size_t type_size = strlen (type), fields_size = strlen (fields);
    bs_codec_cut_t *self = calloc (1, sizeof *self + type_size + fields_size + 2);
    if (!self)
        return NULL;
    memcpy (self->text, type, type_size + 1);
    self->type = self->text;
    self->type_size = type_size;
    char *keys = self->text + type_size + 1, *rest = NULL;
    memcpy (keys, fields, fields_size + 1);
    for (char *key = strtok_r (keys, " ", &rest); key; key = strtok_r (NULL, " ", &rest)) {
        if (self->key_count == S_CUT_KEYS) {
            free (self);
            return NULL; /* more than a record has: not cut */
        }
        size_t size = strlen (key), slot = s_cut_slot (key, size);
        while (self->slots[slot])
            slot = (slot + 1) & (S_CUT_SLOTS - 1);
        self->keys[self->key_count] = key;
        self->key_sizes[self->key_count] = size;
        self->slots[slot] = (unsigned char) ++self->key_count;
    }
    s_cut_order (self);
    return self;
}

void
bs_codec_cut_destroy (bs_codec_cut_t **self_p)
{
    if (self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

static const bs_codec_cut_t *
s_cut_of (bs_codec_cut_t *const *cuts, size_t cut_count, const char *type, size_t size)
{
    for (size_t i = 0; i < cut_count; i++)
        if (cuts[i]->type_size == size && memcmp (cuts[i]->type, type, size) == 0)
            return cuts[i];
    return NULL;
}

/* A key at the scanner, a str of one byte or more, the scanner past it;
   false otherwise. Record keys are fixstr: read here. */
static inline bool
s_key (scanner_t *self, const char **key, size_t *size)
{
    if (s_left (self) >= 2) {
        uint8_t tag = self->bytes[self->offset];
        size_t length = tag & 0x1f;
        if (tag > 0xa0 && tag <= 0xbf && length < s_left (self)) {
            *key = (const char *) self->bytes + self->offset + 1;
            *size = length;
            self->offset += 1 + length;
            return true;
        }
    }
    return s_peek_str (self, key, size) && *size > 0;
}

/* Skip the value at the scanner, as s_scan_object does: the heads an
   event's data is mostly made of (small integers, strings, booleans,
   u64, small arrays and maps of them) read here, anything else by the
   scan. */
static int
s_skip_value (scanner_t *self, size_t depth)
{
    if (s_left (self) == 0 || self->items >= self->max_items)
        return s_scan_object (self, depth); /* which says why not */
    uint8_t tag = self->bytes[self->offset];
    size_t length;
    if (tag <= 0x7f || tag == 0xc0 || tag == 0xc2 || tag == 0xc3)
        length = 1;
    else if (tag >= 0xa0 && tag <= 0xbf)
        length = 1 + (size_t) (tag & 0x1f);
    else if (tag == 0xd9 && s_left (self) >= 2)
        length = 2 + (size_t) self->bytes[self->offset + 1];
    else if (tag == 0xda && s_left (self) >= 3) /* a report's body, often */
        length = 3 + ((size_t) self->bytes[self->offset + 1] << 8 | self->bytes[self->offset + 2]);
    else if (tag >= 0xcc && tag <= 0xcf)
        length = 1 + ((size_t) 1 << (tag - 0xcc));
    else if (tag >= 0x80 && tag <= 0x9f && depth + 1 <= self->max_depth) {
        /* fixmap, fixarray: each entry of a map is two objects */
        size_t objects = tag <= 0x8f ? 2 * (size_t) (tag & 0x0f) : (size_t) (tag & 0x0f);
        self->items++;
        self->offset++;
        for (size_t i = 0; i < objects; i++)
            if (s_skip_value (self, depth + 1))
                return BS_E_MALFORMED;
        return BS_OK;
    } else
        return s_scan_object (self, depth);
    if (length > s_left (self))
        return s_scan_object (self, depth); /* which says why not */
    self->items++;
    self->offset += length;
    return BS_OK;
}

/* Runs of kept entries one data map may have: an event's data has a
   score of keys; a map more scattered than this goes whole. */
#define S_CUT_RUNS 32

typedef struct {
    size_t start, end; /* bytes of entries kept one after another */
} s_run_t;

/* The data map at the scanner, read to the runs of its entries that cut
   keeps (*runs of them, *kept entries in all), the scanner past it; or,
   with may_end, only as far as where the cut ends (s_cut_order): then
   *ended, the scanner there. */
static bool
s_cut_runs (scanner_t *self, const bs_codec_cut_t *cut, s_run_t runs[S_CUT_RUNS], size_t *run_count,
            uint64_t *kept, bool may_end, bool *ended)
{
    uint64_t count;
    if (!s_map_head (self, &count) || count > s_left (self) / 2)
        return false;
    *run_count = 0;
    *kept = 0;
    *ended = false;
    bool last_kept = false;
    size_t required = 0;
    for (uint64_t i = 0; i < count; i++) {
        size_t start = self->offset;
        const char *key;
        size_t key_size;
        if (!s_key (self, &key, &key_size))
            return false; /* a record's keys are strings */
        int index = s_cut_index (cut, key, key_size);
        if (index < 0 && may_end && required == cut->required) {
            *ended = true;
            return true;
        }
        if (s_skip_value (self, 2))
            return false;
        required += index >= 0 && cut->key_required[index];
        bool keep = index >= 0;
        if (keep && last_kept)
            runs[*run_count - 1].end = self->offset;
        else if (keep) {
            if (*run_count == S_CUT_RUNS)
                return false;
            runs[(*run_count)++] = (s_run_t){start, self->offset};
        }
        *kept += keep;
        last_kept = keep;
    }
    return true;
}

static bool
s_write (msgpack_sbuffer *out, const void *bytes, size_t size)
{
    return msgpack_sbuffer_write (out, (const char *) bytes, size) == 0;
}

int
bs_codec_envelope_cut (const void *bytes, size_t size, bs_codec_cut_t *const *cuts,
                       size_t cut_count, msgpack_sbuffer *out)
{
    scanner_t scanner = {
        .bytes = bytes,
        .size = size,
        .max_items = bs_codec_default_limits.max_items,
        .max_depth = bs_codec_default_limits.max_depth,
    };
    uint64_t count;
    if (!bytes || size == 0 || size > bs_codec_default_limits.max_frame
        || !s_map_head (&scanner, &count) || count > s_left (&scanner) / 2)
        return BS_E_MALFORMED;
    /* The envelope's type and where its data's value lies: baosong writes
       "type" before "data", but the cut does not depend on it. */
    const bs_codec_cut_t *cut = NULL;
    size_t data_start = 0, data_end = 0;
    s_run_t runs[S_CUT_RUNS];
    size_t run_count = 0;
    uint64_t kept = 0;
    bool runs_read = false, ended = false;
    for (uint64_t i = 0; i < count; i++) {
        const char *key, *type;
        size_t key_size, type_size;
        if (!s_key (&scanner, &key, &key_size))
            return BS_E_MALFORMED; /* an envelope's keys are strings */
        bool is_type = key_size == 4 && memcmp (key, "type", 4) == 0;
        bool is_data = key_size == 4 && memcmp (key, "data", 4) == 0;
        if (is_data && data_end)
            return BS_E_MALFORMED; /* data twice: which would the reader take? */
        size_t start = scanner.offset;
        if (is_type && s_peek_str (&scanner, &type, &type_size))
            cut = s_cut_of (cuts, cut_count, type, type_size);
        else if (is_data && cut) {
            /* read once, to its runs; when the data is the envelope's
               last value (baosong writes it last), only as far as the cut
               keeps anything: the bytes after it are neither read nor
               sent */
            if (!s_cut_runs (&scanner, cut, runs, &run_count, &kept, cut->ends && i + 1 == count,
                             &ended))
                return BS_E_MALFORMED;
            if (ended)
                scanner.offset = size;
            runs_read = true;
        } else if (s_skip_value (&scanner, 1))
            return BS_E_MALFORMED;
        if (is_data) {
            data_start = start;
            data_end = scanner.offset;
        }
    }
    if (scanner.offset != size)
        return BS_E_MALFORMED;
    if (cut && data_end && !runs_read) { /* a type after the data */
        scanner_t data = scanner;
        data.offset = data_start;
        if (!s_cut_runs (&data, cut, runs, &run_count, &kept, false, &ended)
            || data.offset != data_end)
            return BS_E_MALFORMED;
    }
    size_t before = out->size;
    bool written;
    if (!cut || !data_end)
        written = s_write (out, bytes, size);
    else {
        /* The envelope to its data, the data's head for the entries kept
           and those entries, the envelope after its data. */
        msgpack_packer packer;
        msgpack_packer_init (&packer, out, msgpack_sbuffer_write);
        written =
            s_write (out, bytes, data_start) && msgpack_pack_map (&packer, (size_t) kept) == 0;
        for (size_t i = 0; written && i < run_count; i++)
            written = s_write (out, scanner.bytes + runs[i].start, runs[i].end - runs[i].start);
        written = written && s_write (out, scanner.bytes + data_end, size - data_end);
    }
    if (written)
        return BS_OK;
    out->size = before;
    return BS_E_SYSTEM;
}

/* The 8 bytes at bytes as a little-endian number: one load on machines
   that allow it (compilers merge the bytes' loads), the same value on
   any. */
static inline uint64_t
s_load64 (const unsigned char *bytes)
{
    return (uint64_t) bytes[0] | (uint64_t) bytes[1] << 8 | (uint64_t) bytes[2] << 16
           | (uint64_t) bytes[3] << 24 | (uint64_t) bytes[4] << 32 | (uint64_t) bytes[5] << 40
           | (uint64_t) bytes[6] << 48 | (uint64_t) bytes[7] << 56;
}

/* The high bit of each of 8 bytes: none is set in ASCII. */
#define S_HIGH_BITS 0x8080808080808080ull

/* Eight characters of three bytes in 24 bytes, read as three numbers of
   eight: each lead byte 1110xxxx (its bits under 0xf0 are 0xe0), each
   continuation 10xxxxxx (under 0xc0, 0x80). The leads are at bytes 0, 3
   and 6 of the first number, 1, 4 and 7 of the second, 2 and 5 of the
   third; with its leads' low halves each number fills the others' gaps. */
#define S_EIGHT_MASK_0 0xc0f0c0c0f0c0c0f0ull
#define S_EIGHT_0 0x80e08080e08080e0ull
#define S_EIGHT_MASK_1 0xf0c0c0f0c0c0f0c0ull
#define S_EIGHT_1 0xe08080e08080e080ull
#define S_EIGHT_MASK_2 0xc0c0f0c0c0f0c0c0ull
#define S_EIGHT_2 0x8080e08080e08080ull
#define S_LEADS_0 0x000f00000f00000full
#define S_LEADS_1 0x0f00000f00000f00ull
#define S_LEADS_2 0x00000f00000f0000ull

/* Two characters of three bytes in the first six of eight bytes. */
#define S_TWO_MASK 0x0000c0c0f0c0c0f0ull
#define S_TWO 0x00008080e08080e0ull
#define S_TWO_LEADS 0x000000000f00000full

/* Whether none of the bytes of halves under high (their high bits) is 0
   or 0x0d; each byte of halves is 0..0x0f, the low half of a lead e0..ef.
   Those two are e0 (overlong below U+0800 unless its next byte is a0..bf)
   and ed (a surrogate unless it is 80..9f): with any other lead, any two
   continuation bytes make a valid character, U+1000..U+CFFF or
   U+E000..U+FFFF, most Chinese. A byte plus 0x7f reaches 0x80 only when
   it is not 0; no byte carries into the next. */
static inline bool
s_plain_leads (uint64_t halves, uint64_t high)
{
    uint64_t not_zero = halves + 0x7f7f7f7f7f7f7f7full;
    uint64_t not_d = (halves ^ 0x0d0d0d0d0d0d0d0dull) + 0x7f7f7f7f7f7f7f7full;
    return (not_zero & not_d & high) == high;
}

bool
bs_codec_utf8_valid (const char *bytes, size_t size)
{
    /* Every string of every command is checked here, so what most texts
       are made of goes fast: ASCII eight bytes at a time, Chinese eight
       characters at a time (24 bytes as three numbers), then two (six of
       eight bytes), then one. Whatever those do not take, a bad byte too,
       goes the general way, one character at a time. */
    const unsigned char *next = (const unsigned char *) bytes, *end = next + size;
    while (next < end) {
        if (end - next >= 8) {
            uint64_t high = s_load64 (next) & S_HIGH_BITS;
            if (!high) {
                next += 8;
                continue;
            }
            next += __builtin_ctzll (high) / 8; /* the ASCII before the first that is not */
        } else if (*next < 0x80) {
            next++;
            continue;
        }
        while (end - next >= 24) {
            uint64_t first = s_load64 (next), second = s_load64 (next + 8),
                     third = s_load64 (next + 16);
            if (((first & S_EIGHT_MASK_0) ^ S_EIGHT_0) | ((second & S_EIGHT_MASK_1) ^ S_EIGHT_1)
                | ((third & S_EIGHT_MASK_2) ^ S_EIGHT_2))
                break;
            if (!s_plain_leads ((first & S_LEADS_0) | (second & S_LEADS_1) | (third & S_LEADS_2),
                                S_HIGH_BITS))
                break;
            next += 24;
        }
        while (end - next >= 8) {
            uint64_t eight = s_load64 (next);
            if ((eight & S_TWO_MASK) != S_TWO
                || !s_plain_leads (eight & S_TWO_LEADS, (S_TWO_LEADS << 4) & S_HIGH_BITS))
                break;
            next += 6;
        }
        if (end - next >= 3 && (unsigned) (next[0] - 0xe1) <= 0xef - 0xe1 && next[0] != 0xed
            && ((next[1] ^ 0x80) | (next[2] ^ 0x80)) < 0x40) {
            next += 3;
            continue;
        }
        if (next == end)
            break;
        /* One character; the lead byte gives the sequence length; c0, c1
           and f5..ff can only start overlong or out-of-range sequences. */
        unsigned char lead = *next;
        if (lead < 0x80) {
            next++;
            continue;
        }
        size_t extra;
        uint32_t code, least;
        if (lead >= 0xc2 && lead <= 0xdf) {
            extra = 1;
            code = lead & 0x1f;
            least = 0x80;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            extra = 2;
            code = lead & 0x0f;
            least = 0x800;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            extra = 3;
            code = lead & 0x07;
            least = 0x10000;
        } else
            return false;
        if (extra > (size_t) (end - next) - 1)
            return false;
        for (size_t i = 1; i <= extra; i++) {
            unsigned char continuation = next[i];
            if ((continuation & 0xc0) != 0x80)
                return false;
            code = (code << 6) | (continuation & 0x3f);
        }
        if (code < least || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
            return false;
        next += 1 + extra;
    }
    return true;
}

/* One object, filling the frame: the object's size is the frame's. */
int
bs_codec_check (const void *bytes, size_t size, const bs_codec_limits_t *limits, bs_error_t *error)
{
    size_t object_size = 0;
    int rc = bs_codec_object_size (bytes, size, limits, &object_size, error);
    if (rc)
        return rc;
    if (object_size != size) {
        scanner_t scanner = {.error = error};
        return s_malformed (&scanner, "%zu trailing bytes after the object", size - object_size);
    }
    return BS_OK;
}
