/*  The service loop keeps its promise of at most once: a retried command
    (the same id, in another turn, in the same turn, after a restart) is
    applied once and answered with the first reply's bytes; a mutating
    command without an id is refused; keys are kept idempotency_days, then
    swept, after which the command applies again (also in a store of an
    older build, whose expiry index was a tree of its own, read only
    while it has entries), and so are the
    copies kept for the replies (bs_service_keep_version), never sooner. (tests/support/
    bs_toy_service: a toy intake driven turn by turn.)
*/
#include "bs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_client.h"
#include "bs_clock.h"
#include "bs_schemas.h"
#include "bs_socket.h"
#include "bs_store.h"
#include "bs_toy_service.h"

static void
test_same_id_gets_the_first_reply (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealer = bs_toy_dealer (fixture);
    bs_toy_send_submit (dealer, "same-key", "防汛");
    zframe_t *first = bs_toy_reply (fixture, dealer);
    assert_int_equal (bs_toy_assert_submitted (first), 1);
    zclock_sleep (5); /* a re-run handler would reply with another time */
    bs_toy_send_submit (dealer, "same-key", "防汛");
    zframe_t *again = bs_toy_reply (fixture, dealer);
    assert_true (zframe_eq (first, again));
    assert_int_equal (fixture->calls, 1);
    assert_int_equal (bs_toy_entries (fixture, "reports"), 1);
    assert_int_equal (bs_toy_entries (fixture, "log"), 1);

    /* Another id is another command. */
    bs_toy_send_submit (dealer, "other-key", "防汛");
    zframe_t *other = bs_toy_reply (fixture, dealer);
    assert_int_equal (bs_toy_assert_submitted (other), 2);
    assert_false (zframe_eq (first, other));
    assert_int_equal (fixture->calls, 2);

    /* The same id twice in one turn: still once. */
    bs_toy_send_submit (dealer, "twin-key", "抗旱");
    bs_toy_send_submit (dealer, "twin-key", "抗旱");
    zclock_sleep (200);
    fixture->turn = 1;
    assert_int_equal (bs_service_turn (fixture->service, 1000), BS_OK);
    zframe_t *twin = bs_toy_reply_waiting (dealer);
    zframe_t *twin_again = bs_toy_reply_waiting (dealer);
    assert_int_equal (bs_toy_assert_submitted (twin), 3);
    assert_true (zframe_eq (twin, twin_again));
    assert_int_equal (fixture->calls, 3);
    assert_int_equal (fixture->call_turns[2], 1);

    /* The key is durable: a restarted service gives the same reply. */
    zsock_destroy (&dealer);
    bs_service_destroy (&fixture->service);
    bs_toy_open (fixture);
    dealer = bs_toy_dealer (fixture);
    bs_toy_send_submit (dealer, "same-key", "防汛");
    zframe_t *after_restart = bs_toy_reply (fixture, dealer);
    assert_true (zframe_eq (first, after_restart));
    assert_int_equal (fixture->calls, 3);
    assert_int_equal (bs_toy_entries (fixture, "reports"), 3);

    zframe_destroy (&first);
    zframe_destroy (&again);
    zframe_destroy (&other);
    zframe_destroy (&twin);
    zframe_destroy (&twin_again);
    zframe_destroy (&after_restart);
    zsock_destroy (&dealer);
}

static void
test_mutating_command_needs_an_id (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealer = bs_toy_dealer (fixture);
    bs_toy_send_submit (dealer, NULL, "没有编号");
    zframe_t *reply = bs_toy_reply (fixture, dealer);
    bs_toy_assert_error (&reply, "invalid", "id", "intake.submit");
    assert_int_equal (fixture->calls, 0);
    assert_int_equal (bs_toy_entries (fixture, "reports"), 0);
    assert_int_equal (bs_toy_entries (fixture, "idempotency"), 0);

    /* A command that changes nothing needs none. */
    bs_report_list_t list = {.limit = 10};
    bs_toy_send (dealer, &bs_report_list_schema, &list, NULL);
    reply = bs_toy_reply (fixture, dealer);
    bs_message_t message;
    bs_toy_decode (reply, &message);
    assert_ptr_equal (message.schema, &bs_report_page_schema);
    assert_int_equal (((bs_report_page_t *) message.data)->next, 7);
    bs_message_clear (&message);
    zframe_destroy (&reply);
    zsock_destroy (&dealer);
}

/* The test's clock, moved by hand (a day at a time). */
static const uint64_t day = 24 * 3600 * 1000;

static uint64_t s_fake_now;

static uint64_t
s_fake_clock (void)
{
    return s_fake_now;
}

/* The test's clock from 2027-01-15 on; a dealer to the toy. */
static zsock_t *
s_clock_faked (bs_toy_t *fixture)
{
    s_fake_now = 1800000000000;
    bs_clock_set_source (s_fake_clock);
    return bs_toy_dealer (fixture);
}

/* Turn the service for at least ms milliseconds, so due timers run. */
static void
s_turn_for (bs_toy_t *fixture, int ms)
{
    int64_t until = zclock_mono () + ms;
    while (zclock_mono () < until)
        assert_int_equal (bs_service_turn (fixture->service, 5), BS_OK);
}

/* Idempotency keys are kept idempotency_days, then swept: a retry within
   the window gets the first reply; after it, the command applies again. */
static void
test_idempotency_keys_expire (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealer = s_clock_faked (fixture);

    bs_toy_send_submit (dealer, "key-1", "first");
    zframe_t *frame = bs_toy_reply (fixture, dealer);
    uint64_t first = bs_toy_assert_submitted (frame);
    zframe_destroy (&frame);

    s_fake_now += 29 * day; /* inside the window: the same reply */
    s_turn_for (fixture, 60);
    bs_toy_send_submit (dealer, "key-1", "first");
    frame = bs_toy_reply (fixture, dealer);
    assert_int_equal (bs_toy_assert_submitted (frame), first);
    zframe_destroy (&frame);
    assert_int_equal (fixture->calls, 1);

    s_fake_now += 2 * day; /* 31 days: swept, so applied again */
    s_turn_for (fixture, 60);
    bs_toy_send_submit (dealer, "key-1", "first");
    frame = bs_toy_reply (fixture, dealer);
    assert_int_equal (bs_toy_assert_submitted (frame), first + 1);
    zframe_destroy (&frame);
    assert_int_equal (fixture->calls, 2);

    zsock_destroy (&dealer);
    bs_clock_set_source (NULL);
}

/* Move the expiry entries of the idempotency tree (0, time, key) to
   idempotency_expiry (time, key), where an older build kept them. */
static int
s_index_as_before (MDB_txn *txn, void *argument)
{
    bs_toy_t *fixture = argument;
    MDB_dbi tree = bs_service_dbi (fixture->service, "idempotency");
    MDB_dbi before = bs_service_dbi (fixture->service, "idempotency_expiry");
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, tree, &cursor), 0);
    unsigned char zero = 0, moved[BS_TYPE_MAX + BS_ID_MAX + 8];
    MDB_val key = {1, &zero}, value, empty = {0, ""};
    while (mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE) == 0
           && *(const unsigned char *) key.mv_data == 0) {
        assert_true (key.mv_size > 9 && key.mv_size - 1 <= sizeof moved);
        memcpy (moved, (const unsigned char *) key.mv_data + 1, key.mv_size - 1);
        MDB_val index = {key.mv_size - 1, moved};
        assert_int_equal (bs_store_cursor_del (cursor), 0);
        assert_int_equal (bs_store_put (txn, before, &index, &empty, 0), 0);
        key = (MDB_val){1, &zero};
    }
    mdb_cursor_close (cursor);
    return BS_OK;
}

/* The store's expiry index where an older build kept it. */
static void
s_index_to_older (bs_toy_t *fixture)
{
    assert_int_equal (
        bs_store_write (bs_service_store (fixture->service), s_index_as_before, fixture), BS_OK);
}

/* A submit of key; the report id of its reply. */
static uint64_t
s_submitted (bs_toy_t *fixture, zsock_t *dealer, const char *key)
{
    bs_toy_send_submit (dealer, key, "防汛");
    zframe_t *frame = bs_toy_reply (fixture, dealer);
    uint64_t report_id = bs_toy_assert_submitted (frame);
    zframe_destroy (&frame);
    return report_id;
}

/* The toy service stopped and started again on its store; a new dealer. */
static zsock_t *
s_restart (bs_toy_t *fixture, zsock_t **dealer)
{
    zsock_destroy (dealer);
    bs_service_destroy (&fixture->service);
    bs_toy_open (fixture);
    return bs_toy_dealer (fixture);
}

/* The expiry index lives in the idempotency tree, beside the replies
   (a commit writes one tree); a store of an older build, whose index is
   in idempotency_expiry, has its keys kept and swept on time too. */
static void
test_idempotency_keys_of_an_older_store_expire (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealer = s_clock_faked (fixture);

    uint64_t older = s_submitted (fixture, dealer, "key-older");
    assert_int_equal (bs_toy_entries (fixture, "idempotency"), 2); /* the reply, its expiry */
    assert_int_equal (bs_toy_entries (fixture, "idempotency_expiry"), 0);
    s_index_to_older (fixture);
    assert_int_equal (bs_toy_entries (fixture, "idempotency_expiry"), 1);
    dealer = s_restart (fixture, &dealer); /* opened as an older build left it */
    s_fake_now += day;
    uint64_t newer = s_submitted (fixture, dealer, "key-newer");
    assert_int_equal (bs_toy_entries (fixture, "idempotency"), 3);
    assert_int_equal (bs_toy_entries (fixture, "idempotency_expiry"), 1);

    s_fake_now += 29 * day; /* the older key's 30 days are not over: both kept */
    s_turn_for (fixture, 60);
    assert_int_equal (s_submitted (fixture, dealer, "key-older"), older);
    assert_int_equal (s_submitted (fixture, dealer, "key-newer"), newer);
    assert_int_equal (fixture->calls, 2);

    s_fake_now += 1; /* 30 days and 1 ms: the older key swept, the newer kept */
    s_turn_for (fixture, 60);
    assert_int_equal (bs_toy_entries (fixture, "idempotency_expiry"), 0);
    assert_int_equal (bs_toy_entries (fixture, "idempotency"), 2);
    assert_int_equal (s_submitted (fixture, dealer, "key-newer"), newer);
    assert_int_equal (s_submitted (fixture, dealer, "key-older"), newer + 1);
    assert_int_equal (fixture->calls, 3);

    s_fake_now += day; /* the newer key swept; the older's new reply kept */
    s_turn_for (fixture, 60);
    assert_int_equal (bs_toy_entries (fixture, "idempotency"), 2);
    assert_int_equal (s_submitted (fixture, dealer, "key-newer"), newer + 2);
    assert_int_equal (s_submitted (fixture, dealer, "key-older"), newer + 1);
    assert_int_equal (fixture->calls, 4);

    zsock_destroy (&dealer);
    bs_clock_set_source (NULL);
}

/* A store that had no entry in idempotency_expiry when the service
   started never opens it, nor does one whose entries there were all
   swept: entries put there behind the service's back are never swept
   (a new store's sweep costs no look into the older index). */
static void
test_a_new_store_never_reads_the_older_index (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealer = s_clock_faked (fixture);

    uint64_t first = s_submitted (fixture, dealer, "key-1");
    s_index_to_older (fixture);
    s_fake_now += 31 * day;
    s_turn_for (fixture, 60);
    assert_int_equal (bs_toy_entries (fixture, "idempotency_expiry"), 1); /* not looked at */
    assert_int_equal (s_submitted (fixture, dealer, "key-1"), first);     /* nor its reply swept */
    assert_int_equal (fixture->calls, 1);

    /* Started on it, the store is an older one: the entry goes. */
    dealer = s_restart (fixture, &dealer);
    s_turn_for (fixture, 60);
    assert_int_equal (bs_toy_entries (fixture, "idempotency_expiry"), 0);
    uint64_t again = s_submitted (fixture, dealer, "key-1");
    assert_int_equal (again, first + 1);
    s_turn_for (fixture, 60); /* a sweep finds the older index empty */

    /* And once it is empty, it is never opened again. */
    s_index_to_older (fixture);
    assert_int_equal (bs_toy_entries (fixture, "idempotency_expiry"), 1);
    s_fake_now += 31 * day;
    s_turn_for (fixture, 60);
    assert_int_equal (bs_toy_entries (fixture, "idempotency_expiry"), 1);
    assert_int_equal (s_submitted (fixture, dealer, "key-1"), again);
    assert_int_equal (fixture->calls, 2);

    zsock_destroy (&dealer);
    bs_clock_set_source (NULL);
}

/* The bytes stored under (type, id): their size, and the first
   capacity of them copied to copy (when not NULL). */
static size_t
s_stored (bs_toy_t *fixture, const char *type, const char *id, unsigned char *copy, size_t capacity)
{
    char key[BS_TYPE_MAX + BS_ID_MAX + 2];
    snprintf (key, sizeof key, "%s\x1f%s", type, id);
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->service), &txn), BS_OK);
    const void *bytes;
    size_t size;
    assert_int_equal (bs_store_get_bytes (txn, bs_service_dbi (fixture->service, "idempotency"),
                                          key, &bytes, &size),
                      BS_OK);
    if (copy)
        memcpy (copy, bytes, size < capacity ? size : capacity);
    mdb_txn_abort (txn);
    return size;
}

static size_t
s_stored_size (bs_toy_t *fixture, const char *type, const char *id)
{
    return s_stored (fixture, type, id, NULL, 0);
}

/* A report whose title and body are long enough to be left out of a
   stored reply, submitted with key id: its id. */
#define S_LONG_TITLE "縣農業局推進春耕生產標準化規範化建設的做法"
#define S_LONG_BODY "今年以來，縣農業局堅持以黨建引領春耕生產，建立分片聯繫、定期研判工作機制。"

static uint64_t
s_submit_long (bs_toy_t *fixture, zsock_t *dealer, const char *id)
{
    bs_submit_t submit = {
        .unit = (char *) "县农业局", .title = (char *) S_LONG_TITLE, .body = (char *) S_LONG_BODY};
    bs_toy_send (dealer, &bs_submit_schema, &submit, id);
    zframe_t *submitted = bs_toy_reply (fixture, dealer);
    uint64_t report_id = bs_toy_assert_submitted (submitted);
    zframe_destroy (&submitted);
    return report_id;
}

/* A claim of report_id with key id: its reply's bytes. */
static zframe_t *
s_claim (bs_toy_t *fixture, zsock_t *dealer, uint64_t report_id, const char *id)
{
    bs_claim_t claim = {
        .report_id = report_id, .editor = (char *) "編輯", .role = (char *) "editor"};
    bs_toy_send (dealer, &bs_claim_schema, &claim, id);
    return bs_toy_reply (fixture, dealer);
}

/* A reply that holds texts the service keeps anyway is stored without
   them, and a retry gets the first reply's bytes all the same: after the
   texts changed (they come back from the version the reply was made of),
   after a restart. When the texts the service gives back are not the
   ones left out, the retry gets an error, never a reply with other
   texts. */
static void
test_stored_reply_leaves_out_kept_texts (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealer = bs_toy_dealer (fixture);
    const char *body = S_LONG_BODY;
    uint64_t report_id = s_submit_long (fixture, dealer, "submit-long");

    zframe_t *first = s_claim (fixture, dealer, report_id, "claim-long");
    assert_non_null (memmem (zframe_data (first), zframe_size (first), body, strlen (body)));
    /* Stored: the reply without the texts, with a reference and where
       they were (under 64 bytes here). */
    size_t texts = strlen (body) + strlen (S_LONG_TITLE);
    assert_true (s_stored_size (fixture, "review.claim", "claim-long") + texts
                 < zframe_size (first) + 64);
    assert_int_equal (fixture->texts_given, 0);

    zframe_t *again = s_claim (fixture, dealer, report_id, "claim-long");
    assert_true (zframe_eq (first, again));
    assert_int_equal (fixture->texts_given, 1);

    /* A new version of the body: the retry still gets the first reply. */
    bs_edit_t edit = {.report_id = report_id,
                      .editor = (char *) "編輯",
                      .role = (char *) "editor",
                      .body = (char *) "第二版：春耕生產進展順利，各鄉鎮已完成早稻育秧工作。"};
    bs_toy_send (dealer, &bs_edit_schema, &edit, "edit-long");
    zframe_t *edited = bs_toy_reply (fixture, dealer);
    assert_non_null (
        memmem (zframe_data (edited), zframe_size (edited), edit.body, strlen (edit.body)));
    zframe_t *after_edit = s_claim (fixture, dealer, report_id, "claim-long");
    assert_true (zframe_eq (first, after_edit));

    /* And after a restart. */
    zsock_destroy (&dealer);
    bs_service_destroy (&fixture->service);
    bs_toy_open (fixture);
    dealer = bs_toy_dealer (fixture);
    zframe_t *after_restart = s_claim (fixture, dealer, report_id, "claim-long");
    assert_true (zframe_eq (first, after_restart));

    /* Texts that are not the ones left out are refused. */
    fixture->texts_wrong = true;
    zframe_t *wrong = s_claim (fixture, dealer, report_id, "claim-long");
    assert_false (zframe_eq (first, wrong));
    assert_null (memmem (zframe_data (wrong), zframe_size (wrong), edit.body, strlen (edit.body)));
    assert_non_null (memmem (zframe_data (wrong), zframe_size (wrong), "cannot be made again",
                             strlen ("cannot be made again")));

    zframe_destroy (&first);
    zframe_destroy (&again);
    zframe_destroy (&edited);
    zframe_destroy (&after_edit);
    zframe_destroy (&after_restart);
    zframe_destroy (&wrong);
    zsock_destroy (&dealer);
}

/* A text is left out wherever it stands in the reply: here the body,
   after a title of 15 tatweels (U+0640, bytes D9 80) whose every first
   byte is the body's header byte (a str8: D9, then its length), so the
   search by that byte gives up and the body is found by itself. */
static void
test_stored_reply_leaves_out_a_text_after_false_starts (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealer = bs_toy_dealer (fixture);
    const char *title = "ـــــــــــــــ"; /* 30 bytes: kept in the stored reply */
    const char *body = S_LONG_BODY S_LONG_BODY;
    assert_int_equal (strlen (title), 30);
    assert_in_range (strlen (body), 32, 255);
    bs_submit_t submit = {.unit = (char *) "县农业局", .title = (char *) title, .body = (char *) body};
    bs_toy_send (dealer, &bs_submit_schema, &submit, "submit-tatweel");
    zframe_t *submitted = bs_toy_reply (fixture, dealer);
    uint64_t report_id = bs_toy_assert_submitted (submitted);

    zframe_t *first = s_claim (fixture, dealer, report_id, "claim-tatweel");
    assert_non_null (memmem (zframe_data (first), zframe_size (first), body, strlen (body)));
    assert_true (s_stored_size (fixture, "review.claim", "claim-tatweel")
                 < zframe_size (first) - strlen (body));
    zframe_t *again = s_claim (fixture, dealer, report_id, "claim-tatweel");
    assert_true (zframe_eq (first, again));
    assert_int_equal (fixture->texts_given, 1);

    zframe_destroy (&submitted);
    zframe_destroy (&first);
    zframe_destroy (&again);
    zsock_destroy (&dealer);
}

/* A stored reply (of a form of an earlier build) put under (type, id)
   in the toy's store. */
typedef struct {
    bs_toy_t *fixture;
    char key[BS_TYPE_MAX + BS_ID_MAX + 2];
    msgpack_sbuffer form;
} s_first_form_t;

static int
s_first_form_put (MDB_txn *txn, void *argument)
{
    s_first_form_t *put = argument;
    return bs_store_put_bytes (txn, bs_service_dbi (put->fixture->service, "idempotency"), put->key,
                               put->form.data, put->form.size);
}

static void
s_be (unsigned char *at, uint64_t value, size_t size)
{
    for (size_t i = 0; i < size; i++)
        at[i] = (unsigned char) (value >> (8 * (size - 1 - i)));
}

#define S_FNV_START 14695981039346656037ULL

/* FNV-1a of bytes, on from hash. */
static uint64_t
s_fnv (uint64_t hash, const void *bytes, size_t size)
{
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ ((const unsigned char *) bytes)[i]) * 1099511628211ULL;
    return hash;
}

static void
s_varint (msgpack_sbuffer *form, uint64_t value)
{
    do {
        unsigned char byte = (unsigned char) ((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
        msgpack_sbuffer_write (form, (const char *) &byte, 1);
        value >>= 7;
    } while (value);
}

/* The forms a claim's reply was stored in by earlier builds, leaving out
   title and body: the first (9e1973c: a head of fixed fields, a hash a
   text), with one hash off, and the second (the whole reply, the texts'
   places as varints, one hash of both). */
typedef enum { S_FIRST_FORM, S_FIRST_FORM_WRONG, S_SECOND_FORM } s_form_t;

/* Store reply (a claim of report_id) in an earlier form under
   (type, id). */
static void
s_store_earlier_form (bs_toy_t *fixture, const char *id, zframe_t *reply, uint64_t report_id,
                      const char *title, const char *body, s_form_t form)
{
    s_first_form_t put = {.fixture = fixture};
    snprintf (put.key, sizeof put.key, "review.claim\x1f%s", id);
    msgpack_sbuffer_init (&put.form);
    const char *data = (const char *) zframe_data (reply);
    size_t size = zframe_size (reply);
    unsigned char head[4 + 16 + 2 * 17] = {0xc1, 2, 2, 16};
    bs_store_key (report_id, head + 4);
    bs_store_key (0, head + 12); /* the toy's reports are version 0 */
    const char *texts[] = {title, body};
    size_t offsets[2], sizes[2];
    uint64_t both = S_FNV_START;
    for (size_t i = 0; i < 2; i++) {
        msgpack_sbuffer packed;
        msgpack_sbuffer_init (&packed);
        msgpack_packer packer;
        msgpack_packer_init (&packer, &packed, msgpack_sbuffer_write);
        msgpack_pack_str_with_body (&packer, texts[i], strlen (texts[i]));
        const char *found = memmem (data, size, packed.data, packed.size);
        assert_non_null (found);
        offsets[i] = (size_t) (found - data);
        sizes[i] = packed.size;
        unsigned char *entry = head + 20 + i * 17;
        entry[0] = (unsigned char) i;
        s_be (entry + 1, offsets[i], 4);
        s_be (entry + 5, sizes[i], 4);
        s_be (entry + 9,
              s_fnv (S_FNV_START, packed.data, packed.size)
                  + (form == S_FIRST_FORM_WRONG && i == 1),
              8);
        both = s_fnv (both, packed.data, packed.size);
        msgpack_sbuffer_destroy (&packed);
    }
    assert_true (offsets[0] + sizes[0] <= offsets[1]);
    if (form == S_SECOND_FORM) {
        msgpack_sbuffer_write (&put.form, "\xc1\x00\x02\x10", 4);
        msgpack_sbuffer_write (&put.form, (const char *) head + 4, 16);
        s_varint (&put.form, 2);
        unsigned char hash[8];
        s_be (hash, both, 8);
        msgpack_sbuffer_write (&put.form, (const char *) hash, 8);
        s_varint (&put.form, 0);
        s_varint (&put.form, offsets[0]);
        s_varint (&put.form, 0);
        s_varint (&put.form, offsets[1] - offsets[0] - sizes[0]);
    } else
        msgpack_sbuffer_write (&put.form, (const char *) head, sizeof head);
    msgpack_sbuffer_write (&put.form, data, offsets[0]);
    msgpack_sbuffer_write (&put.form, data + offsets[0] + sizes[0],
                           offsets[1] - offsets[0] - sizes[0]);
    msgpack_sbuffer_write (&put.form, data + offsets[1] + sizes[1], size - offsets[1] - sizes[1]);
    assert_int_equal (bs_store_write (bs_service_store (fixture->service), s_first_form_put, &put),
                      BS_OK);
    msgpack_sbuffer_destroy (&put.form);
}

/* Replies stored in the first form, before the stored form took any
   number of texts, are read as before: the same bytes, or an error when
   a text comes back other than it was. */
static void
test_stored_reply_of_the_first_form_is_read (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealer = bs_toy_dealer (fixture);
    const char *body = S_LONG_BODY;
    uint64_t report_id = s_submit_long (fixture, dealer, "submit-first-form");
    zframe_t *first = s_claim (fixture, dealer, report_id, "claim-first-form");

    s_store_earlier_form (fixture, "claim-first-form", first, report_id, S_LONG_TITLE, body,
                          S_FIRST_FORM);
    zframe_t *again = s_claim (fixture, dealer, report_id, "claim-first-form");
    assert_true (zframe_eq (first, again));
    assert_int_equal (fixture->texts_given, 1);

    s_store_earlier_form (fixture, "claim-first-form", first, report_id, S_LONG_TITLE, body,
                          S_FIRST_FORM_WRONG);
    zframe_t *wrong = s_claim (fixture, dealer, report_id, "claim-first-form");
    assert_null (memmem (zframe_data (wrong), zframe_size (wrong), body, strlen (body)));
    assert_non_null (memmem (zframe_data (wrong), zframe_size (wrong), "cannot be made again",
                             strlen ("cannot be made again")));

    zframe_destroy (&first);
    zframe_destroy (&again);
    zframe_destroy (&wrong);
    zsock_destroy (&dealer);
}

/* The claim with key id again: the first reply's bytes. */
static void
s_claim_same (bs_toy_t *fixture, zsock_t *dealer, uint64_t report_id, const char *id,
              zframe_t *first)
{
    zframe_t *again = s_claim (fixture, dealer, report_id, id);
    assert_true (zframe_eq (first, again));
    zframe_destroy (&again);
}

/* bytes (size of them) stored under (type, id) in place of what is. */
static void
s_store_bytes (bs_toy_t *fixture, const char *type, const char *id, const void *bytes, size_t size)
{
    s_first_form_t put = {.fixture = fixture};
    snprintf (put.key, sizeof put.key, "%s\x1f%s", type, id);
    msgpack_sbuffer_init (&put.form);
    msgpack_sbuffer_write (&put.form, bytes, size);
    assert_int_equal (bs_store_write (bs_service_store (fixture->service), s_first_form_put, &put),
                      BS_OK);
    msgpack_sbuffer_destroy (&put.form);
}

/* Whether frame is an error reply that says the stored reply cannot be
   made again. */
static bool
s_cannot_be_made_again (zframe_t *frame)
{
    const char *text = "cannot be made again";
    return memmem (zframe_data (frame), zframe_size (frame), text, strlen (text)) != NULL;
}

/* A reply is stored without the names of its fields (nor the envelope's
   id and src, known on a retry): a retry gets the first reply byte for
   byte, from that form and from the forms earlier builds stored (a
   reply whole, or a claim's without its texts), as after an upgrade. A
   form whose names are not the schema's (a field's number moved, as a
   schema changed since would) gives an error, never another reply. */
static void
test_stored_reply_without_its_names (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealer = bs_toy_dealer (fixture);
    bs_toy_send_submit (dealer, "submit-compact", "防汛");
    zframe_t *first = bs_toy_reply (fixture, dealer);
    unsigned char stored[512];
    size_t size = s_stored (fixture, "intake.submit", "submit-compact", stored, sizeof stored);
    assert_true (size <= sizeof stored);
    assert_int_equal (stored[0], 0xc1);
    assert_int_equal (stored[1], 'c');
    assert_true (2 * size < zframe_size (first));
    bs_toy_send_submit (dealer, "submit-compact", "防汛");
    zframe_t *again = bs_toy_reply (fixture, dealer);
    assert_true (zframe_eq (first, again));
    zframe_destroy (&again);
    assert_int_equal (fixture->calls, 1);

    /* Stored whole, as every build before stored it. */
    s_store_bytes (fixture, "intake.submit", "submit-compact", zframe_data (first),
                   zframe_size (first));
    bs_toy_send_submit (dealer, "submit-compact", "防汛");
    again = bs_toy_reply (fixture, dealer);
    assert_true (zframe_eq (first, again));
    zframe_destroy (&again);

    /* A field's number moved: the names hashed are not the ones left out. */
    size_t data = 2 + 4 + 1 + (stored[6] & 0x1f); /* the head, the hash, the type */
    data += stored[data] == 0xcf ? 9 : stored[data] == 0xce ? 5 : stored[data] == 0xcd ? 3 : 1;
    assert_int_equal (stored[data] & 0xf0, 0x80); /* the data's map */
    assert_int_equal (stored[data + 1], 0);       /* its first field is the schema's first */
    stored[data + 1] = 1;
    s_store_bytes (fixture, "intake.submit", "submit-compact", stored, size);
    bs_toy_send_submit (dealer, "submit-compact", "防汛");
    again = bs_toy_reply (fixture, dealer);
    assert_true (s_cannot_be_made_again (again));
    zframe_destroy (&again);
    assert_int_equal (fixture->calls, 1);

    /* A claim's reply without its texts, in its compact form; and in the
       form the build before stored it. */
    uint64_t report_id = s_submit_long (fixture, dealer, "submit-long");
    zframe_t *claimed = s_claim (fixture, dealer, report_id, "claim-long");
    size_t texts = strlen (S_LONG_BODY) + strlen (S_LONG_TITLE);
    assert_true (s_stored_size (fixture, "review.claim", "claim-long") + texts + 64
                 < zframe_size (claimed));
    s_claim_same (fixture, dealer, report_id, "claim-long", claimed);
    s_store_earlier_form (fixture, "claim-long", claimed, report_id, S_LONG_TITLE, S_LONG_BODY,
                          S_SECOND_FORM);
    s_claim_same (fixture, dealer, report_id, "claim-long", claimed);
    assert_int_equal (fixture->texts_given, 2);

    zframe_destroy (&first);
    zframe_destroy (&claimed);
    zsock_destroy (&dealer);
}

/* A new body of report_id with key id: the version before it is kept. */
static void
s_edit (bs_toy_t *fixture, zsock_t *dealer, uint64_t report_id, const char *id, const char *body)
{
    bs_edit_t edit = {.report_id = report_id,
                      .editor = (char *) "編輯",
                      .role = (char *) "editor",
                      .body = (char *) body};
    bs_toy_send (dealer, &bs_edit_schema, &edit, id);
    zframe_t *edited = bs_toy_reply (fixture, dealer);
    zframe_destroy (&edited);
}

/* The copies kept for stored replies (bs_service_keep_version) go with
   the replies: each is swept idempotency_days after it was kept, and
   none sooner, so a reply still stored gets its texts back. */
static void
test_kept_versions_expire_with_their_replies (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    const uint64_t start = 1800000000000;
    s_fake_now = start;
    bs_clock_set_source (s_fake_clock);
    zsock_t *dealer = bs_toy_dealer (fixture);
    uint64_t report_id = s_submit_long (fixture, dealer, "submit-kept");
    zframe_t *claimed_0 = s_claim (fixture, dealer, report_id, "claim-0"); /* of version 0 */
    s_fake_now = start + 5 * day;
    s_edit (fixture, dealer, report_id, "edit-1", S_LONG_BODY "第二稿，補充了春耕進度。");
    s_fake_now = start + 10 * day;
    zframe_t *claimed_1 = s_claim (fixture, dealer, report_id, "claim-1"); /* of version 1 */
    s_fake_now = start + 15 * day;
    s_edit (fixture, dealer, report_id, "edit-2", S_LONG_BODY "第三稿，補充了防汛準備。");
    assert_int_equal (bs_toy_entries (fixture, "versions"), 2);
    assert_int_equal (bs_toy_entries (fixture, "versions_expiry"), 4);
    s_claim_same (fixture, dealer, report_id, "claim-0", claimed_0);
    s_claim_same (fixture, dealer, report_id, "claim-1", claimed_1);

    /* 30 days and a half after version 0 was kept: it goes with claim-0;
       version 1, kept 10 days later, stays for claim-1. */
    s_fake_now = start + 35 * day + day / 2;
    s_turn_for (fixture, 60);
    assert_int_equal (bs_toy_entries (fixture, "versions"), 1);
    assert_int_equal (bs_toy_entries (fixture, "versions_expiry"), 2);
    int given = fixture->texts_given;
    s_claim_same (fixture, dealer, report_id, "claim-1", claimed_1);
    assert_int_equal (fixture->texts_given, given + 1);

    /* And version 1 after its 30 days. */
    s_fake_now = start + 45 * day + day / 2;
    s_turn_for (fixture, 60);
    assert_int_equal (bs_toy_entries (fixture, "versions"), 0);
    assert_int_equal (bs_toy_entries (fixture, "versions_expiry"), 0);

    zframe_destroy (&claimed_0);
    zframe_destroy (&claimed_1);
    zsock_destroy (&dealer);
    bs_clock_set_source (NULL);
}

/* A copy put in the toy's versions: with bs_service_keep_version at a
   time, or bare, as a build before versions_expiry kept it. */
typedef struct {
    bs_toy_t *fixture;
    const char *key;
    uint64_t at;
    bool bare;
} s_keep_t;

static int
s_keep_write (MDB_txn *txn, void *argument)
{
    s_keep_t *keep = argument;
    bs_service_t *service = keep->fixture->service;
    bs_report_t report = {.report_id = 9,
                          .reg_no = (char *) "2027-0009",
                          .unit = (char *) "县农业局",
                          .title = (char *) S_LONG_TITLE,
                          .body = (char *) S_LONG_BODY};
    if (keep->bare)
        return bs_store_put_record_by_name (txn, bs_service_dbi (service, "versions"), keep->key,
                                            &bs_report_schema, &report);
    return bs_service_keep_version (service, txn, keep->key, &bs_report_schema, &report, keep->at);
}

static void
s_keep (bs_toy_t *fixture, const char *key, uint64_t at, bool bare)
{
    s_keep_t keep = {fixture, key, at, bare};
    assert_int_equal (bs_store_write (bs_service_store (fixture->service), s_keep_write, &keep),
                      BS_OK);
}

/* Whether the toy's versions hold key. */
static bool
s_kept (bs_toy_t *fixture, const char *key)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->service), &txn), BS_OK);
    const void *bytes;
    size_t size;
    int rc =
        bs_store_get_bytes (txn, bs_service_dbi (fixture->service, "versions"), key, &bytes, &size);
    mdb_txn_abort (txn);
    assert_true (rc == BS_OK || rc == BS_E_NOT_FOUND);
    return rc == BS_OK;
}

/* A copy kept again under its key lives from the later time (never from
   an earlier one); a copy kept before versions_expiry existed (a store
   of an older build) is given the time of the first sweep that finds it,
   so it outlives every reply stored by then, and then goes. */
static void
test_kept_version_kept_again_or_from_before (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    const uint64_t start = 1800000000000;
    s_fake_now = start;
    bs_clock_set_source (s_fake_clock);
    s_keep (fixture, "9.0", start, false);
    s_keep (fixture, "9.0", start + 10 * day, false);
    s_keep (fixture, "9.0", start + 5 * day, false); /* earlier: the later time holds */
    s_keep (fixture, "8.0", 0, true);
    assert_int_equal (bs_toy_entries (fixture, "versions_expiry"), 2);

    s_fake_now = start + 35 * day;
    s_turn_for (fixture, 60);
    assert_true (s_kept (fixture, "9.0"));
    assert_true (s_kept (fixture, "8.0"));
    assert_int_equal (bs_toy_entries (fixture, "versions_expiry"), 4); /* 8.0 adopted */

    s_fake_now = start + 41 * day;
    s_turn_for (fixture, 60);
    assert_false (s_kept (fixture, "9.0"));
    assert_true (s_kept (fixture, "8.0"));

    s_fake_now = start + 66 * day;
    s_turn_for (fixture, 60);
    assert_false (s_kept (fixture, "8.0"));
    assert_int_equal (bs_toy_entries (fixture, "versions"), 0);
    assert_int_equal (bs_toy_entries (fixture, "versions_expiry"), 0);
    bs_clock_set_source (NULL);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_same_id_gets_the_first_reply, bs_toy_setup,
                                         bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_stored_reply_leaves_out_kept_texts, bs_toy_setup,
                                         bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_stored_reply_leaves_out_a_text_after_false_starts,
                                         bs_toy_setup, bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_stored_reply_of_the_first_form_is_read, bs_toy_setup,
                                         bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_stored_reply_without_its_names, bs_toy_setup,
                                         bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_mutating_command_needs_an_id, bs_toy_setup,
                                         bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_idempotency_keys_expire, bs_toy_setup_expiring,
                                         bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_idempotency_keys_of_an_older_store_expire,
                                         bs_toy_setup_expiring, bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_a_new_store_never_reads_the_older_index,
                                         bs_toy_setup_expiring, bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_kept_versions_expire_with_their_replies,
                                         bs_toy_setup_expiring, bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_kept_version_kept_again_or_from_before,
                                         bs_toy_setup_expiring, bs_toy_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
