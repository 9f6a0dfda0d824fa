/*  test_review_trail: review's audit trail, kept beside its case (review
    driven in-process: review_desk.h). What users rely on: listings of
    cases pass over the trail; a trail an older build kept apart in
    "audit" still reads first and the next entry is numbered after it; a
    store that had none there at start never looks for one; a case's first
    entry never overwrites one there before it.
*/
#include "review_desk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    desk_t *desk;
    uint64_t report_id;
    size_t moved;
} s_older_t;

static int
s_older_write (MDB_txn *txn, void *argument)
{
    s_older_t *older = argument;
    MDB_dbi cases = bs_service_dbi (older->desk->service, "cases");
    MDB_dbi audit = bs_service_dbi (older->desk->service, "audit");
    MDB_stat stat;
    assert_int_equal (mdb_stat (txn, audit, &stat), 0);
    assert_int_equal (stat.ms_entries, 0); /* this build keeps none there */
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, cases, &cursor), 0);
    unsigned char start[8];
    bs_store_key (older->report_id, start);
    MDB_val key = {8, start}, value;
    assert_int_equal (mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE), 0);
    assert_int_equal (key.mv_size, 8); /* the case itself comes first */
    int found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    while (found == 0 && key.mv_size == 16
           && bs_store_key_value (key.mv_data) == older->report_id) {
        assert_int_equal (bs_store_put (txn, audit, &key, &value, 0), 0);
        assert_int_equal (bs_store_cursor_del (cursor), 0);
        older->moved++;
        found = mdb_cursor_get (cursor, &key, &value, MDB_GET_CURRENT);
    }
    mdb_cursor_close (cursor);
    return BS_OK;
}

/* Move report_id's audit entries from beside its case into "audit", where
   a store of an older build kept them; how many were moved. */
static size_t
s_trail_to_older_store (desk_t *desk, uint64_t report_id)
{
    s_older_t older = {desk, report_id, 0};
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_older_write, &older),
                      BS_OK);
    return older.moved;
}

/* One page of the listing of every case: the report ids listed, and *next. */
static size_t
s_listed (desk_t *desk, uint64_t after, uint64_t limit, uint64_t ids[], uint64_t *next)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (desk->service), &txn), BS_OK);
    bs_list_t list;
    assert_int_equal (bs_store_page (txn, bs_service_dbi (desk->service, "cases"),
                                     &bs_review_case_schema, after, limit, NULL, NULL, &list, next),
                      BS_OK);
    mdb_txn_abort (txn);
    bs_review_case_t *items = list.items;
    for (size_t i = 0; i < list.count; i++) {
        ids[i] = items[i].report_id;
        bs_codec_record_free (&bs_review_case_schema, &items[i]);
    }
    free (items);
    return list.count;
}

/* The service stopped and started again on its store, as review_setup
   starts it. */
static void
s_restart (desk_t *desk)
{
    bs_service_destroy (&desk->service);
    bs_error_t error;
    desk->service = bs_service_new ("review", desk->config, review_databases, &error);
    if (!desk->service)
        fail_msg ("bs_service_new (review): %s", error.text);
    assert_int_equal (review_audit_start (desk->service), BS_OK);
}

/* A case's audit trail is kept beside the case, which listings of cases
   pass over; in a store an older build made, with trails in "audit", a
   trail there still reads first, and the next entry is numbered after
   it. */
static void
test_the_trail_beside_its_case (void **state)
{
    desk_t *desk = *state;
    uint64_t id = desk_receive (desk, false);
    uint64_t other = desk_receive (desk, false);
    assert_int_equal (desk_claim (desk, id, "甲", T0), BS_OK);
    uint64_t ids[10], next;
    assert_int_equal (s_listed (desk, 0, 1, ids, &next), 1);
    assert_int_equal (ids[0], id);
    assert_int_equal (next, id); /* the next page holds the other case */
    assert_int_equal (s_listed (desk, id, 10, ids, &next), 1);
    assert_int_equal (ids[0], other);
    assert_int_equal (next, 0);
    assert_int_equal (s_trail_to_older_store (desk, id), 2); /* receive, claim */
    s_restart (desk);
    assert_int_equal (desk_audit_count (desk, id, NULL), 2);
    assert_int_equal (desk_decide (desk, id, "adopt", "甲", NULL), BS_OK);
    assert_int_equal (desk_audit_count (desk, id, NULL), 3); /* numbered 1, 2, 3 */
    assert_int_equal (desk_audit_count (desk, id, "adopt"), 1);
    assert_int_equal (desk_audit_count (desk, other, NULL), 1);
    /* and after another start, the trail in "audit" still reads first */
    s_restart (desk);
    assert_int_equal (desk_audit_count (desk, id, NULL), 3);
}

/* A store that had no trail in "audit" when the service started never
   looks there: entries put there behind its back are neither read nor
   numbered after (a new store's first entry of a case costs no look
   into the older tree). */
static void
test_a_new_store_never_reads_the_older_trail (void **state)
{
    desk_t *desk = *state;
    uint64_t id = desk_receive (desk, false);
    assert_int_equal (desk_claim (desk, id, "甲", T0), BS_OK);
    assert_int_equal (desk_audit_count (desk, id, NULL), 2);
    assert_int_equal (s_trail_to_older_store (desk, id), 2);
    assert_int_equal (desk_audit_count (desk, id, NULL), 0);
    assert_int_equal (desk_decide (desk, id, "adopt", "甲", NULL), BS_OK);
    assert_int_equal (desk_audit_count (desk, id, NULL), 1); /* numbered 1 */
    assert_int_equal (desk_audit_count (desk, id, "adopt"), 1);
}

/* An entry of the next report's trail, before its case. */
static int
s_entry_write (MDB_txn *txn, void *argument)
{
    desk_t *desk = argument;
    static const review_actor_t admin = {"管理員", "admin"};
    return review_audit_add (desk->service, txn, desk->next_id, "comment", &admin, "queued",
                             "queued", "早到的一條", T0);
}

/* A case opened puts its first entry as entry 1 without a search; were
   an entry 1 of its report there already, it is kept, and the case's
   entry follows it. */
static void
test_a_first_entry_there_already_is_kept (void **state)
{
    desk_t *desk = *state;
    uint64_t next = desk->next_id;
    assert_int_equal (bs_store_write (bs_service_store (desk->service), s_entry_write, desk),
                      BS_OK);
    uint64_t id = desk_receive (desk, false);
    assert_int_equal (id, next);
    assert_int_equal (desk_audit_count (desk, id, NULL), 2); /* numbered 1, 2 */
    assert_int_equal (desk_audit_count (desk, id, "comment"), 1);
    assert_int_equal (desk_audit_count (desk, id, "receive"), 1);
    char note[64];
    desk_audit_note (desk, id, "comment", note, sizeof note);
    assert_string_equal (note, "早到的一條");
    /* and the next case's first entry is its own entry 1 */
    uint64_t other = desk_receive (desk, false);
    assert_int_equal (desk_audit_count (desk, other, NULL), 1);
    assert_int_equal (desk_audit_count (desk, other, "receive"), 1);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_the_trail_beside_its_case, desk_setup, desk_teardown),
        cmocka_unit_test_setup_teardown (test_a_new_store_never_reads_the_older_trail, desk_setup,
                                         desk_teardown),
        cmocka_unit_test_setup_teardown (test_a_first_entry_there_already_is_kept, desk_setup,
                                         desk_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
