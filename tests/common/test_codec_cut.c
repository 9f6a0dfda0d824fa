/*  test_codec_cut: an event cut to what its reader reads
    (bs_codec_envelope_cut), as a stream's producer sends it to a consumer
    that said which keys it reads.

    What readers rely on: every key kept holds the value it held, the
    envelope around the data is the same, a reader's view decodes the cut
    event as it decodes the whole one; events of other types, and bytes
    that are no event, are never cut (a caller sends them whole); what
    cannot be read is refused without writing anything.
*/
#include "bs_test.h"
#include "bs_test_codec.h"

#include "bs_codec.h"
#include "bs_schemas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const bs_codec_limits_t *s_limits = &bs_codec_default_limits;

/* A report as intake stores its event: every kind of value a data map
   holds (strings, a long one, integers, a bool, a list of records, an
   empty list). */
static void
s_report_event (msgpack_sbuffer *buffer)
{
    bs_provenance_t provenance = {.channel = "direct", .key = "b0-1", .received_at = 1700000000123};
    bs_report_t report = {
        .report_id = 7,
        .reg_no = "2026-000007",
        .unit = "湯陰縣",
        .title = "林州市嚴格職權管理,積極自查自糾幹部超職數配備問題",
        .body = "林州市委組織部開展幹部超職數配備問題自查自糾。林州市委組織部開展幹部超職數配備問題"
                "自查自糾。林州市委組織部開展幹部超職數配備問題自查自糾。",
        .kind = "situation",
        .urgent = true,
        .channel = "direct",
        .received_at = 1700000000123,
        .version = 1,
        .provenances = {1, &provenance},
    };
    msgpack_sbuffer_init (buffer);
    assert_int_equal (bs_codec_encode_message (buffer, &bs_report_schema, &report, "intake:9",
                                               "intake", 1700000000999, 9),
                      BS_OK);
}

/* Decode bytes by a view of the report that leaves out leave_out. */
static void
s_decode_by_view (const void *bytes, size_t size, const char *const leave_out[],
                  bs_message_t *message)
{
    static bs_field_t fields[32];
    static bs_schema_t view;
    assert_int_equal (bs_schema_view (&bs_report_schema, leave_out, fields, 32, &view), BS_OK);
    const bs_schema_t *views[] = {&view, NULL};
    bs_error_t error;
    assert_int_equal (bs_message_decode_view (bytes, size, s_limits, views, message, &error),
                      BS_OK);
}

static void
test_a_report_cut_to_the_keys_read (void **state)
{
    (void) state;
    msgpack_sbuffer whole, cut;
    s_report_event (&whole);
    msgpack_sbuffer_init (&cut);
    bs_codec_cut_t *cuts[] = {
        bs_codec_cut_new ("review.decided", "report_id"),
        bs_codec_cut_new ("report.received",
                          "report_id reg_no unit kind urgent topic channel received_at version "
                          "officer commission"),
    };
    assert_non_null (cuts[0]);
    assert_non_null (cuts[1]);
    assert_int_equal (bs_codec_envelope_cut (whole.data, whole.size, cuts, 2, &cut), BS_OK);
    assert_true (cut.size < whole.size);
    char keys[512];
    bs_test_data_keys (cut.data, cut.size, keys, sizeof keys);
    assert_string_equal (keys, "report_id reg_no unit kind urgent channel received_at version");

    /* The reader's view decodes both alike; the envelope is the same. */
    static const char *const unread[] = {"title", "body", "attachments", "provenances", NULL};
    bs_message_t from_whole, from_cut;
    s_decode_by_view (whole.data, whole.size, unread, &from_whole);
    s_decode_by_view (cut.data, cut.size, unread, &from_cut);
    assert_ptr_equal (from_cut.schema, &bs_report_schema);
    assert_string_equal (from_cut.type, "report.received");
    assert_string_equal (from_cut.id, "intake:9");
    assert_string_equal (from_cut.src, "intake");
    assert_int_equal (from_cut.at, 1700000000999);
    assert_int_equal (from_cut.seq, 9);
    const bs_report_t *a = from_whole.data, *b = from_cut.data;
    assert_int_equal (b->report_id, 7);
    assert_string_equal (b->reg_no, a->reg_no);
    assert_string_equal (b->unit, "湯陰縣");
    assert_string_equal (b->kind, a->kind);
    assert_true (b->urgent);
    assert_string_equal (b->channel, "direct");
    assert_int_equal (b->received_at, a->received_at);
    assert_int_equal (b->version, 1);
    assert_null (b->title);
    assert_int_equal (b->provenances.count, 0);
    bs_message_clear (&from_whole);
    bs_message_clear (&from_cut);

    /* The whole schema misses what was cut: the cut is real. */
    bs_message_t message;
    bs_error_t error;
    assert_int_equal (bs_message_decode (cut.data, cut.size, s_limits, &message, &error),
                      BS_E_INVALID);
    assert_string_equal (error.field, "title");

    /* Appended after what out held, as a frame of several events is. */
    size_t first = cut.size;
    assert_int_equal (bs_codec_envelope_cut (whole.data, whole.size, cuts, 2, &cut), BS_OK);
    assert_int_equal (cut.size, 2 * first);
    assert_memory_equal (cut.data, cut.data + first, first);

    bs_codec_cut_destroy (&cuts[0]);
    bs_codec_cut_destroy (&cuts[1]);
    assert_null (cuts[1]);
    msgpack_sbuffer_destroy (&whole);
    msgpack_sbuffer_destroy (&cut);
}

static void
test_other_types_and_keys_kept_whole (void **state)
{
    (void) state;
    msgpack_sbuffer whole, out;
    s_report_event (&whole);
    msgpack_sbuffer_init (&out);
    /* A type no cut names: byte for byte. */
    bs_codec_cut_t *other[] = {bs_codec_cut_new ("review.decided", "report_id")};
    assert_int_equal (bs_codec_envelope_cut (whole.data, whole.size, other, 1, &out), BS_OK);
    assert_int_equal (out.size, whole.size);
    assert_memory_equal (out.data, whole.data, whole.size);
    /* No cuts at all: the same. */
    out.size = 0;
    assert_int_equal (bs_codec_envelope_cut (whole.data, whole.size, NULL, 0, &out), BS_OK);
    assert_int_equal (out.size, whole.size);
    /* A cut that keeps every key (and one the report lacks): the same bytes. */
    bs_codec_cut_t *all[] = {bs_codec_cut_new (
        "report.received", "attachments provenances commission officer version received_at "
                           "channel topic urgent kind body title unit reg_no report_id extra")};
    out.size = 0;
    assert_int_equal (bs_codec_envelope_cut (whole.data, whole.size, all, 1, &out), BS_OK);
    assert_int_equal (out.size, whole.size);
    assert_memory_equal (out.data, whole.data, whole.size);
    /* A cut that keeps none: an empty data map. */
    bs_codec_cut_t *none[] = {bs_codec_cut_new ("report.received", "")};
    out.size = 0;
    assert_int_equal (bs_codec_envelope_cut (whole.data, whole.size, none, 1, &out), BS_OK);
    char keys[512];
    bs_test_data_keys (out.data, out.size, keys, sizeof keys);
    assert_string_equal (keys, "");
    bs_codec_cut_destroy (&other[0]);
    bs_codec_cut_destroy (&all[0]);
    bs_codec_cut_destroy (&none[0]);
    msgpack_sbuffer_destroy (&whole);
    msgpack_sbuffer_destroy (&out);
}

/* An envelope whose "type" comes after its "data" (baosong writes it
   before; the cut does not depend on it), and keys spaced by several
   spaces in the cut. */
static void
test_type_after_data (void **state)
{
    (void) state;
    msgpack_sbuffer buffer, out;
    msgpack_sbuffer_init (&buffer);
    msgpack_sbuffer_init (&out);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 4);
    bs_test_pack_cstr (&packer, "v");
    msgpack_pack_uint64 (&packer, 1);
    bs_test_pack_cstr (&packer, "data");
    msgpack_pack_map (&packer, 3);
    bs_test_pack_cstr (&packer, "a");
    msgpack_pack_array (&packer, 2);
    msgpack_pack_map (&packer, 1);
    bs_test_pack_cstr (&packer, "deep");
    msgpack_pack_double (&packer, 1.5);
    msgpack_pack_int64 (&packer, -70000);
    bs_test_pack_cstr (&packer, "b");
    msgpack_pack_bin (&packer, 3);
    msgpack_pack_bin_body (&packer, "xyz", 3);
    bs_test_pack_cstr (&packer, "c");
    msgpack_pack_nil (&packer);
    bs_test_pack_cstr (&packer, "type");
    bs_test_pack_cstr (&packer, "x.y");
    bs_test_pack_cstr (&packer, "seq");
    msgpack_pack_uint64 (&packer, 3);
    bs_codec_cut_t *cuts[] = {bs_codec_cut_new ("x.y", "  a   c ")};
    assert_int_equal (bs_codec_envelope_cut (buffer.data, buffer.size, cuts, 1, &out), BS_OK);
    char keys[64];
    bs_test_data_keys (out.data, out.size, keys, sizeof keys);
    assert_string_equal (keys, "a c");
    assert_int_equal (bs_codec_check (out.data, out.size, s_limits, NULL), BS_OK);
    bs_codec_cut_destroy (&cuts[0]);
    msgpack_sbuffer_destroy (&buffer);
    msgpack_sbuffer_destroy (&out);
}

/* Bytes that are no event, cut short anywhere, or an envelope the cut
   cannot read: refused, nothing written (the producer sends them as they
   are). A cut that ends before its data map does (s_cut_order) reads no
   further: an event cut short after that point is cut as the whole is. */
static void
test_what_cannot_be_cut_is_refused (void **state)
{
    (void) state;
    msgpack_sbuffer whole, out;
    s_report_event (&whole);
    msgpack_sbuffer_init (&out);
    /* keeps attachments, the last field: read to the end */
    bs_codec_cut_t *cuts[] = {bs_codec_cut_new ("report.received", "report_id unit attachments")};
    msgpack_sbuffer_write (&out, "kept", 4);
    for (size_t size = 0; size < whole.size; size++)
        assert_int_equal (bs_codec_envelope_cut (whole.data, size, cuts, 1, &out), BS_E_MALFORMED);
    /* ends at the title, the first key after unit */
    bs_codec_cut_t *ending[] = {bs_codec_cut_new ("report.received", "report_id unit")};
    msgpack_sbuffer cut;
    msgpack_sbuffer_init (&cut);
    assert_int_equal (bs_codec_envelope_cut (whole.data, whole.size, ending, 1, &cut), BS_OK);
    size_t read = whole.size - (strlen ("title") + 1);
    while (memcmp (whole.data + read, "\xa5title", 6) != 0)
        read--; /* where the title's key begins, the last of the data's keys read */
    for (size_t size = 0; size < whole.size; size++) {
        size_t before = out.size;
        int rc = bs_codec_envelope_cut (whole.data, size, ending, 1, &out);
        assert_int_equal (rc, size < read + 6 ? BS_E_MALFORMED : BS_OK);
        if (rc == BS_OK) {
            assert_int_equal (out.size - before, cut.size);
            assert_memory_equal (out.data + before, cut.data, cut.size);
            out.size = before;
        }
    }
    msgpack_sbuffer_destroy (&cut);
    bs_codec_cut_destroy (&ending[0]);
    /* One byte more than the event: not one object. */
    char *longer = malloc (whole.size + 1);
    assert_non_null (longer);
    memcpy (longer, whole.data, whole.size);
    longer[whole.size] = 0;
    assert_int_equal (bs_codec_envelope_cut (longer, whole.size + 1, cuts, 1, &out),
                      BS_E_MALFORMED);
    free (longer);
    assert_int_equal (out.size, 4);

    /* Not a map; data not a map; data twice; a key that is no string. */
    for (int shape = 0; shape < 4; shape++) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        msgpack_packer packer;
        msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
        if (shape == 0)
            msgpack_pack_array (&packer, 0);
        else {
            msgpack_pack_map (&packer, shape == 2 ? 3 : 2);
            bs_test_pack_cstr (&packer, "type");
            bs_test_pack_cstr (&packer, "report.received");
            bs_test_pack_cstr (&packer, "data");
            if (shape == 1)
                msgpack_pack_array (&packer, 0);
            else {
                msgpack_pack_map (&packer, 1);
                if (shape == 3)
                    msgpack_pack_uint64 (&packer, 5);
                else
                    bs_test_pack_cstr (&packer, "unit");
                bs_test_pack_cstr (&packer, "x");
            }
            if (shape == 2) {
                bs_test_pack_cstr (&packer, "data");
                msgpack_pack_map (&packer, 0);
            }
        }
        assert_int_equal (bs_codec_envelope_cut (buffer.data, buffer.size, cuts, 1, &out),
                          BS_E_MALFORMED);
        msgpack_sbuffer_destroy (&buffer);
    }
    assert_int_equal (out.size, 4);
    bs_codec_cut_destroy (&cuts[0]);
    msgpack_sbuffer_destroy (&whole);
    msgpack_sbuffer_destroy (&out);
}

/* A report's event as intake stores it now, its texts last
   (bs_schema_texts_last), or as it stored it before, in its schema's
   order; with every optional field, or none. */
static void
s_report_stored (msgpack_sbuffer *buffer, bool texts_last, bool optional)
{
    bs_provenance_t provenance = {.channel = "direct", .key = "b0-1", .received_at = 1700000000123};
    bs_report_t report = {
        .report_id = 8,
        .reg_no = "2026-000008",
        .unit = "滑縣",
        .title = "滑縣組織部召開幹部大會",
        .body = "會議傳達了上級精神，部署了下一階段的工作。",
        .kind = "situation",
        .channel = "direct",
        .received_at = 1700000000123,
        .provenances = {1, &provenance},
    };
    if (optional) {
        report.urgent = true;
        report.topic = "幹部";
        report.version = 2;
        report.officer = "wang";
        report.commission = 3;
    }
    static bs_field_t fields[32];
    static bs_schema_t stored;
    assert_int_equal (bs_schema_texts_last (&bs_report_schema, fields, 32, &stored), BS_OK);
    msgpack_sbuffer_init (buffer);
    assert_int_equal (bs_codec_encode_message (buffer, texts_last ? &stored : &bs_report_schema,
                                               &report, "intake:10", "intake", 1700000000999, 10),
                      BS_OK);
}

/* Statistics' cut of a report whose texts come last ends where they
   begin; of one stored before, in schema order, it keeps every key read
   all the same (the order tells them apart: kind, channel and
   received_at, required, come after the title there). Both give the same
   bytes. A cut that keeps a text, or a field after one it leaves out,
   keeps it in both orders. */
static void
test_a_cut_ends_where_the_texts_begin (void **state)
{
    (void) state;
    const char *read = "report_id reg_no unit kind urgent topic channel received_at version "
                       "officer commission";
    struct {
        const char *fields, *some, *all; /* kept; the keys of the cut without, with optionals */
    } cases[] = {
        {read, "report_id reg_no unit kind urgent channel received_at", /* a bool always */
         "report_id reg_no unit kind urgent topic channel received_at version officer "
         "commission"},
        {"report_id title", "report_id title", "report_id title"},
        {"report_id unit commission", "report_id unit", "report_id unit commission"},
        {"reg_no received_at commission provenances", "reg_no received_at provenances",
         "reg_no received_at commission provenances"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        bs_codec_cut_t *cuts[] = {bs_codec_cut_new ("report.received", cases[c].fields)};
        assert_non_null (cuts[0]);
        for (int optional = 0; optional < 2; optional++) {
            msgpack_sbuffer cut[2];
            for (int texts_last = 0; texts_last < 2; texts_last++) {
                msgpack_sbuffer whole;
                s_report_stored (&whole, texts_last, optional);
                msgpack_sbuffer_init (&cut[texts_last]);
                assert_int_equal (bs_codec_envelope_cut (whole.data, whole.size, cuts, 1,
                                                         &cut[texts_last]),
                                  BS_OK);
                char keys[512];
                bs_test_data_keys (cut[texts_last].data, cut[texts_last].size, keys,
                                   sizeof keys);
                assert_string_equal (keys, optional ? cases[c].all : cases[c].some);
                assert_int_equal (bs_codec_check (cut[texts_last].data, cut[texts_last].size,
                                                  s_limits, NULL),
                                  BS_OK);
                if (c == 0 && texts_last) {
                    /* ends where the title's key begins: nothing after it read */
                    size_t start = whole.size - 6;
                    while (memcmp (whole.data + start, "\xa5title", 6) != 0)
                        start--;
                    msgpack_sbuffer short_cut;
                    msgpack_sbuffer_init (&short_cut);
                    assert_int_equal (bs_codec_envelope_cut (whole.data, start + 6, cuts, 1,
                                                             &short_cut),
                                      BS_OK);
                    assert_int_equal (short_cut.size, cut[1].size);
                    assert_memory_equal (short_cut.data, cut[1].data, cut[1].size);
                    msgpack_sbuffer_destroy (&short_cut);
                }
                msgpack_sbuffer_destroy (&whole);
            }
            if (c != 1 && c != 3) { /* the same bytes, whatever the order stored */
                assert_int_equal (cut[0].size, cut[1].size);
                assert_memory_equal (cut[0].data, cut[1].data, cut[0].size);
            }
            msgpack_sbuffer_destroy (&cut[0]);
            msgpack_sbuffer_destroy (&cut[1]);
        }
        bs_codec_cut_destroy (&cuts[0]);
    }
}

/* A data map whose kept keys are scattered in more runs than the cut
   keeps track of goes whole (refused: the caller sends it as it is); one
   just within is cut. */
static void
test_a_scattered_map (void **state)
{
    (void) state;
    for (size_t runs = 32; runs <= 33; runs++) {
        msgpack_sbuffer buffer, out;
        msgpack_sbuffer_init (&buffer);
        msgpack_sbuffer_init (&out);
        msgpack_packer packer;
        msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
        msgpack_pack_map (&packer, 2);
        bs_test_pack_cstr (&packer, "type");
        bs_test_pack_cstr (&packer, "x.y");
        bs_test_pack_cstr (&packer, "data");
        msgpack_pack_map (&packer, (size_t) (2 * runs));
        for (size_t i = 0; i < 2 * runs; i++) {
            char key[8];
            snprintf (key, sizeof key, "%c%zu", i % 2 ? 'n' : 'k', i);
            bs_test_pack_cstr (&packer, key);
            msgpack_pack_uint64 (&packer, i);
        }
        /* the keys k0 k2 k4 ...: one run each */
        char fields[512] = "";
        for (size_t i = 0; i < 2 * runs; i += 2)
            snprintf (fields + strlen (fields), sizeof fields - strlen (fields), "k%zu ", i);
        bs_codec_cut_t *cuts[] = {bs_codec_cut_new ("x.y", fields)};
        assert_non_null (cuts[0]);
        int rc = bs_codec_envelope_cut (buffer.data, buffer.size, cuts, 1, &out);
        assert_int_equal (rc, runs == 32 ? BS_OK : BS_E_MALFORMED);
        if (rc == BS_OK) {
            char keys[512];
            bs_test_data_keys (out.data, out.size, keys, sizeof keys);
            fields[strlen (fields) - 1] = 0;
            assert_string_equal (keys, fields);
        } else
            assert_int_equal (out.size, 0);
        bs_codec_cut_destroy (&cuts[0]);
        msgpack_sbuffer_destroy (&buffer);
        msgpack_sbuffer_destroy (&out);
    }
}

/* A cut keeps at most 64 keys: more than any record has. */
static void
test_a_cut_of_too_many_keys (void **state)
{
    (void) state;
    char fields[1024] = "";
    for (int i = 0; i < 64; i++)
        snprintf (fields + strlen (fields), sizeof fields - strlen (fields), "f%d ", i);
    bs_codec_cut_t *cut = bs_codec_cut_new ("x.y", fields);
    assert_non_null (cut);
    bs_codec_cut_destroy (&cut);
    snprintf (fields + strlen (fields), sizeof fields - strlen (fields), "f64");
    assert_null (bs_codec_cut_new ("x.y", fields));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_a_report_cut_to_the_keys_read),
        cmocka_unit_test (test_other_types_and_keys_kept_whole),
        cmocka_unit_test (test_type_after_data),
        cmocka_unit_test (test_what_cannot_be_cut_is_refused),
        cmocka_unit_test (test_a_cut_ends_where_the_texts_begin),
        cmocka_unit_test (test_a_scattered_map),
        cmocka_unit_test (test_a_cut_of_too_many_keys),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
