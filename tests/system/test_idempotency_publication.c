/*  Idempotency of publication: publication.issue_create retried with the
    same idempotency key after its reply was lost creates one issue and
    gets the first reply back; a different key is a new issue.
    Publication's replies that carry an issue's items are stored without
    their titles and bodies, and a retry still gets the first reply's
    bytes after the issue changed, publication restarted, the issue was
    published; the copies of an issue kept for them go with them,
    idempotency_days after the issue's last change.

    Intake's commands: test_idempotency_intake.c; review's:
    test_idempotency_review.c; what they share (the lost reply):
    idempotency_fixture.h.
*/
#include "idempotency_fixture.h"

#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_publication_steps.h"
#include "bs_test.h"

/* publication.issue_create                                               */

static void
s_issue_create (const char *key, bs_issue_t *issue)
{
    bs_issue_create_t create = {.periodical = "重點上報信息"};
    bs_error_t error;
    if (bs_system_call_with_id (bs_system_client (idempotency_system, "publication"), key,
                                &bs_issue_create_schema, &create, &bs_issue_schema, issue, &error)
        != BS_OK)
        fail_msg ("issue_create with key %s failed: %s", key, error.text);
}

static size_t
s_issue_count (const char *periodical)
{
    bs_issue_list_request_t query = {.periodical = (char *) periodical, .limit = 1000};
    bs_issue_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (idempotency_system, "publication"),
                                      &bs_issue_list_request_schema, &query, &bs_issue_page_schema,
                                      &page, &error),
                      BS_OK);
    size_t count = page.issues.count;
    bs_codec_record_free (&bs_issue_page_schema, &page);
    return count;
}

static void
test_issue_create_retried_after_lost_reply_creates_one_issue (void **state)
{
    (void) state;
    assert_int_equal (s_issue_count ("重點上報信息"), 0);
    bs_issue_create_t create = {.periodical = "重點上報信息"};
    char key[40];
    idempotency_new_key (key, sizeof key);
    idempotency_send_and_lose_reply ("publication", &bs_issue_create_schema, &create, key,
                                     LOSE_AFTER_ARRIVAL);

    bs_issue_t first, second, third;
    s_issue_create (key, &first);
    s_issue_create (key, &second);
    assert_int_equal (second.issue_id, first.issue_id);
    assert_int_equal (first.number, 0); /* numbered when published */
    assert_int_equal (s_issue_count ("重點上報信息"), 1);

    /* Lost at once this time, with another key: the next issue, and
       retries of it create no further one. */
    char second_key[40];
    idempotency_new_key (second_key, sizeof second_key);
    idempotency_send_and_lose_reply ("publication", &bs_issue_create_schema, &create, second_key,
                                     LOSE_AT_ONCE);
    s_issue_create (second_key, &third);
    assert_int_equal (third.issue_id, first.issue_id + 1);
    bs_codec_record_free (&bs_issue_schema, &third);
    s_issue_create (second_key, &third);
    assert_int_equal (third.issue_id, first.issue_id + 1);
    assert_int_equal (s_issue_count ("重點上報信息"), 2);

    /* A new key: the id after, so no retry created an issue. */
    char new_key[40];
    idempotency_new_key (new_key, sizeof new_key);
    bs_issue_t fresh;
    s_issue_create (new_key, &fresh);
    assert_int_equal (fresh.issue_id, first.issue_id + 2);
    assert_int_equal (s_issue_count ("重點上報信息"), 3);

    bs_codec_record_free (&bs_issue_schema, &first);
    bs_codec_record_free (&bs_issue_schema, &second);
    bs_codec_record_free (&bs_issue_schema, &third);
    bs_codec_record_free (&bs_issue_schema, &fresh);
}

/* publication: an issue's replies stored without its items' texts       */

/* Send a command with key id and take its reply's bytes. */
static zframe_t *
s_raw_call (const char *service, const bs_schema_t *schema, const void *record, const char *id)
{
    zsock_t *socket = idempotency_raw_send (service, schema, record, id);
    zmq_pollitem_t item = {zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, IDEMPOTENCY_REPLY_TIMEOUT_MS) != 1)
        fail_msg ("%s sent no reply to %s %s", service, schema->type, id);
    zframe_t *reply = zframe_recv (socket);
    assert_non_null (reply);
    zsock_destroy (&socket);
    return reply;
}

/* A read transaction on publication's store, beside the running
   service (mdb_env_close (mdb_txn_env (txn)) after mdb_txn_abort). */
static MDB_txn *
s_publication_read (void)
{
    char path[1200];
    snprintf (path, sizeof path, "%s/var/publication", bs_system_folder (idempotency_system));
    MDB_env *env;
    MDB_txn *txn;
    assert_int_equal (mdb_env_create (&env), 0);
    assert_int_equal (mdb_env_set_maxdbs (env, 64), 0);
    assert_int_equal (mdb_env_open (env, path, MDB_RDONLY, 0600), 0);
    assert_int_equal (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn), 0);
    return txn;
}

static void
s_publication_done (MDB_txn *txn)
{
    MDB_env *env = mdb_txn_env (txn);
    mdb_txn_abort (txn);
    mdb_env_close (env);
}

/* The size of what publication stored for (type, id). */
static size_t
s_stored_size (const char *type, const char *id)
{
    char key[BS_TYPE_MAX + BS_ID_MAX + 2];
    snprintf (key, sizeof key, "%s\x1f%s", type, id);
    MDB_txn *txn = s_publication_read ();
    MDB_dbi dbi;
    assert_int_equal (mdb_dbi_open (txn, "idempotency", 0, &dbi), 0);
    MDB_val name = {strlen (key), key}, value;
    assert_int_equal (mdb_get (txn, dbi, &name, &value), 0);
    size_t size = value.mv_size;
    s_publication_done (txn);
    return size;
}

/* Entries in database of publication's store. */
static size_t
s_publication_entries (const char *database)
{
    MDB_txn *txn = s_publication_read ();
    MDB_dbi dbi;
    MDB_stat stat;
    assert_int_equal (mdb_dbi_open (txn, database, 0, &dbi), 0);
    assert_int_equal (mdb_stat (txn, dbi, &stat), 0);
    s_publication_done (txn);
    return stat.ms_entries;
}

/* The same reply again for key id. */
static void
s_same_again (const bs_schema_t *schema, const void *record, const char *id, zframe_t *first)
{
    zframe_t *again = s_raw_call ("publication", schema, record, id);
    if (!zframe_eq (first, again))
        fail_msg ("%s %s: a retry got %zu bytes, not the first reply's %zu", schema->type, id,
                  zframe_size (again), zframe_size (first));
    zframe_destroy (&again);
}

/* The replies of issue_add, issue_item_edit and issue_publish carry every
   item's title and body, which the issue keeps: they are stored without
   them, and a retry gets the first reply byte for byte all the same, after
   later changes moved, took out and rewrote items, after publication was
   killed and started again, and after the issue was published. */
static void
test_issue_replies_stored_without_the_items_texts (void **state)
{
    (void) state;
    static const char *const titles[] = {"冪等測試：縣農業局推進春耕生產標準化建設的做法",
                                         "冪等測試：鎮黨委建立分片聯繫定期研判工作機制",
                                         "冪等測試：街道社區網格化治理的三點經驗"};
    uint64_t reports[3];
    size_t texts = 0; /* bytes of the items' titles and bodies */
    for (int i = 0; i < 3; i++) {
        reports[i] =
            bs_publication_adopt (idempotency_system, "冪等測試甲單位", titles[i], "組工信息");
        texts += strlen (titles[i]) + strlen ("組織工作信息。第二句。");
    }
    bs_issue_create_t create = {.periodical = "組工信息"};
    bs_issue_t issue;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (idempotency_system, "publication"),
                                      &bs_issue_create_schema, &create, &bs_issue_schema, &issue,
                                      &error),
                      BS_OK);
    uint64_t issue_id = issue.issue_id;
    bs_codec_record_free (&bs_issue_schema, &issue);

    char add_key[40], edit_key[40], publish_key[40], key[40];
    idempotency_new_key (add_key, sizeof add_key);
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {3, reports}};
    zframe_t *added = s_raw_call ("publication", &bs_issue_add_schema, &add, add_key);
    assert_non_null (
        memmem (zframe_data (added), zframe_size (added), titles[2], strlen (titles[2])));
    /* Stored: the reply without the texts, with a reference and where
       they were (under 64 bytes here). */
    assert_true (s_stored_size ("publication.issue_add", add_key) + texts
                 < zframe_size (added) + 64);
    s_same_again (&bs_issue_add_schema, &add, add_key, added);

    /* Later changes rewrite, move and take out items. */
    idempotency_new_key (edit_key, sizeof edit_key);
    bs_issue_item_edit_t edit = {.issue_id = issue_id,
                                 .report_id = reports[1],
                                 .body = "編輯後的正文：分片聯繫、定期研判，春耕生產進展順利。"};
    zframe_t *edited = s_raw_call ("publication", &bs_issue_item_edit_schema, &edit, edit_key);
    assert_non_null (
        memmem (zframe_data (edited), zframe_size (edited), edit.body, strlen (edit.body)));
    bs_issue_move_t move = {.issue_id = issue_id, .report_id = reports[2], .position = 1};
    idempotency_new_key (key, sizeof key);
    zframe_t *moved = s_raw_call ("publication", &bs_issue_move_schema, &move, key);
    zframe_destroy (&moved);
    bs_issue_remove_t remove = {.issue_id = issue_id, .report_ids = {1, &reports[0]}};
    idempotency_new_key (key, sizeof key);
    zframe_t *removed = s_raw_call ("publication", &bs_issue_remove_schema, &remove, key);
    zframe_destroy (&removed);
    s_same_again (&bs_issue_add_schema, &add, add_key, added);
    s_same_again (&bs_issue_item_edit_schema, &edit, edit_key, edited);

    /* And after a kill -9 and a start. */
    bs_system_kill (idempotency_system, "publication", SIGKILL);
    assert_int_equal (bs_system_start (idempotency_system, "publication"), 0);
    s_same_again (&bs_issue_add_schema, &add, add_key, added);
    s_same_again (&bs_issue_item_edit_schema, &edit, edit_key, edited);

    /* Published (组工信息 needs no sign-off by default): the issue's texts
       for ever. */
    bs_issue_publish_t publish = {.issue_id = issue_id};
    idempotency_new_key (publish_key, sizeof publish_key);
    zframe_t *published =
        s_raw_call ("publication", &bs_issue_publish_schema, &publish, publish_key);
    assert_non_null (
        memmem (zframe_data (published), zframe_size (published), edit.body, strlen (edit.body)));
    assert_true (s_stored_size ("publication.issue_publish", publish_key) + strlen (edit.body)
                     + strlen (titles[1]) + strlen (titles[2])
                 < zframe_size (published) + 64);
    s_same_again (&bs_issue_publish_schema, &publish, publish_key, published);
    s_same_again (&bs_issue_add_schema, &add, add_key, added);
    s_same_again (&bs_issue_item_edit_schema, &edit, edit_key, edited);

    zframe_destroy (&added);
    zframe_destroy (&edited);
    zframe_destroy (&published);
}

/* Wait (5 s at most) until publication's versions hold count copies. */
static void
s_wait_versions (size_t count)
{
    for (int i = 0; i < 100 && s_publication_entries ("versions") != count; i++)
        zclock_sleep (50);
    assert_int_equal (s_publication_entries ("versions"), count);
    assert_int_equal (s_publication_entries ("versions_expiry"), 2 * count);
}

/* The copies of an issue kept for its stored replies (versions) go with
   them: each idempotency_days (30) after the issue's last change before
   it was kept, with the last reply that may refer to it, and none sooner:
   a retry of a reply still stored gets its first bytes after the sweep. */
static void
test_kept_issue_texts_go_with_their_replies (void **state)
{
    (void) state;
    const long long day = 24LL * 3600 * 1000;
    assert_int_equal (bs_system_configure (idempotency_system, "idempotency_sweep_ms", "100"), 0);
    bs_system_kill (idempotency_system, "publication", SIGKILL);
    assert_int_equal (bs_system_start (idempotency_system, "publication"), 0);
    size_t kept = s_publication_entries ("versions"); /* by the test before */
    static const char *const titles[] = {"冪等測試：縣水利局汛前檢查全覆蓋的做法",
                                         "冪等測試：社區黨支部帶領居民整治背街小巷"};
    uint64_t reports[2];
    for (int i = 0; i < 2; i++)
        reports[i] =
            bs_publication_adopt (idempotency_system, "冪等測試乙單位", titles[i], "組工信息");
    bs_issue_create_t create = {.periodical = "組工信息"};
    uint64_t issue_id = bs_publication_must (idempotency_system, &bs_issue_create_schema, &create);

    char add_key[40], edit_key[40], key[40];
    idempotency_new_key (add_key, sizeof add_key);
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {2, reports}};
    zframe_t *added = s_raw_call ("publication", &bs_issue_add_schema, &add, add_key);
    /* Ten days later an edit keeps the issue as added; ten more, a move
       keeps it as edited. */
    bs_system_set_clock (idempotency_system, 10 * day);
    idempotency_new_key (edit_key, sizeof edit_key);
    bs_issue_item_edit_t edit = {.issue_id = issue_id,
                                 .report_id = reports[1],
                                 .body = "編輯後的正文：背街小巷整治後，居民出行更方便了。"};
    zframe_t *edited = s_raw_call ("publication", &bs_issue_item_edit_schema, &edit, edit_key);
    bs_system_set_clock (idempotency_system, 20 * day);
    bs_issue_move_t move = {.issue_id = issue_id, .report_id = reports[1], .position = 1};
    idempotency_new_key (key, sizeof key);
    zframe_t *moved = s_raw_call ("publication", &bs_issue_move_schema, &move, key);
    zframe_destroy (&moved);
    s_same_again (&bs_issue_add_schema, &add, add_key, added);
    s_same_again (&bs_issue_item_edit_schema, &edit, edit_key, edited);
    assert_int_equal (s_publication_entries ("versions"), kept + 2);

    /* 30 days and a half after the add: its reply and the issue as added
       go (and what the test before kept, earlier still); the edit's reply
       and the issue as edited stay. */
    bs_system_set_clock (idempotency_system, 30 * day + day / 2);
    s_wait_versions (1);
    s_same_again (&bs_issue_item_edit_schema, &edit, edit_key, edited);

    /* 30 days and a half after the edit: the issue as edited goes too. */
    bs_system_set_clock (idempotency_system, 40 * day + day / 2);
    s_wait_versions (0);

    bs_system_set_clock (idempotency_system, 0);
    zframe_destroy (&added);
    zframe_destroy (&edited);
}

static const char *const s_units[] = {"冪等測試甲單位", "冪等測試乙單位"};
#define S_UNIT_COUNT (sizeof s_units / sizeof *s_units)

static int
s_setup (void **state)
{
    (void) state;
    return idempotency_start ("baosong-idempotency-publication", s_units, S_UNIT_COUNT);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_issue_create_retried_after_lost_reply_creates_one_issue),
        cmocka_unit_test (test_issue_replies_stored_without_the_items_texts),
        /* after it: moves the clock 40 days on and sweeps what it kept */
        cmocka_unit_test (test_kept_issue_texts_go_with_their_replies),
    };
    return cmocka_run_group_tests (tests, s_setup, idempotency_stop);
}
