/*  test_kept: an older version's store upgraded in place. Before the kept
    store existed, statistics kept its rules and bulletins in its own store
    (databases rules, bulletins, bulletin_files). Opening such a store must
    move them into the kept store once, so that the rules in force, every
    version, every issued bulletin and its files are still there and the
    next rules loaded become the next version, not version 1 again.
*/
#include "bs_test.h"
#include "bs_test_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_schemas.h"
#include "bs_store.h"
#include "kept.h"
#include "rules.h"
#include "statistics.h"

static const char s_rules_v1[] = "[rules]\nname = 舊規則一\n[points]\nadopted = 2\n";
static const char s_rules_v2[] = "[rules]\nname = 舊規則二\n[points]\nadopted = 3\n";
static const unsigned char s_pdf[] = "%PDF-1.5 an issued bulletin's bytes";

typedef struct {
    char *folder;
    char store_path[1024], kept_path[1024];
} s_desk_t;

/* What an older version wrote into statistics' store. */
static int
s_write_old (MDB_txn *txn, void *argument)
{
    bs_store_t *store = argument;
    const char *texts[] = {s_rules_v1, s_rules_v2};
    const char *names[] = {"舊規則一", "舊規則二"};
    for (uint64_t version = 1; version <= 2; version++) {
        bs_stats_rules_t rules = {.version = version,
                                  .name = (char *) names[version - 1],
                                  .text = (char *) texts[version - 1],
                                  .loaded_at = 1700000000000 + version,
                                  .by = "管理員"};
        assert_int_equal (bs_store_put_record (txn, bs_store_dbi (store, "rules"), version,
                                               &bs_stats_rules_schema, &rules),
                          BS_OK);
    }
    bs_bulletin_t bulletin = {.bulletin_id = 1,
                              .kind = "monthly",
                              .period = "2026-10",
                              .title = "2026年10月信息工作通報",
                              .issued_at = 1700000000000,
                              .basis = "published",
                              .rules_version = 2,
                              .rules_name = "舊規則二"};
    assert_int_equal (bs_store_put_record (txn, bs_store_dbi (store, "bulletins"), 1,
                                           &bs_bulletin_schema, &bulletin),
                      BS_OK);
    /* The file key: bulletin id (8 bytes, big-endian), then the format. */
    unsigned char key_bytes[24] = {0};
    bs_store_key (1, key_bytes);
    memcpy (key_bytes + 8, "pdf", 3);
    MDB_val key = {11, key_bytes}, value = {sizeof s_pdf, (void *) s_pdf};
    assert_int_equal (bs_store_put (txn, bs_store_dbi (store, "bulletin_files"), &key, &value, 0),
                      0);
    return BS_OK;
}

/* An older version's store: statistics' databases and the three it had. */
static void
s_old_store (s_desk_t *desk)
{
    static const char *const old[] = {"figures", "values",    "units",          "reports",
                                      "adoptions", "once",    "rules",          "bulletins",
                                      "bulletin_files", NULL};
    bs_error_t error;
    bs_store_t *store = bs_store_new (desk->store_path, old, NULL, &error);
    assert_non_null (store);
    assert_int_equal (bs_store_write (store, s_write_old, store), BS_OK);
    bs_store_destroy (&store);
}

static bool
s_has_database (bs_store_t *store, const char *name)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    MDB_dbi dbi;
    int rc = mdb_dbi_open (txn, name, 0, &dbi);
    mdb_txn_abort (txn);
    assert_true (rc == 0 || rc == MDB_NOTFOUND);
    return rc == 0;
}

static void
test_an_old_store_moves_its_rules_and_bulletins_once (void **state)
{
    s_desk_t *desk = *state;
    s_old_store (desk);
    bs_error_t error;
    bs_store_t *store = bs_store_new (desk->store_path, statistics_databases, NULL, &error);
    bs_store_t *kept = bs_store_new (desk->kept_path, statistics_kept_databases, NULL, &error);
    assert_non_null (store);
    assert_non_null (kept);
    assert_int_equal (statistics_kept_migrate (store, kept, &error), BS_OK);

    /* The rules in force are the old version 2, and version 1 is there. */
    bs_stats_rules_t record;
    statistics_rules_t rules;
    assert_int_equal (statistics_rules_read (kept, 0, &record, &rules, &error), BS_OK);
    assert_int_equal (record.version, 2);
    assert_string_equal (record.name, "舊規則二");
    assert_string_equal (record.by, "管理員");
    assert_int_equal (rules.points[STATISTICS_ADOPTED], 3);
    bs_codec_record_free (&bs_stats_rules_schema, &record);
    statistics_rules_clear (&rules);
    assert_int_equal (statistics_rules_read (kept, 1, &record, NULL, &error), BS_OK);
    assert_string_equal (record.text, s_rules_v1);
    bs_codec_record_free (&bs_stats_rules_schema, &record);
    /* The bulletin and its file, byte for byte. */
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (kept, &txn), BS_OK);
    bs_bulletin_t bulletin;
    assert_int_equal (bs_store_get_record (txn, bs_store_dbi (kept, "bulletins"), 1,
                                           &bs_bulletin_schema, &bulletin),
                      BS_OK);
    assert_string_equal (bulletin.period, "2026-10");
    bs_codec_record_free (&bs_bulletin_schema, &bulletin);
    unsigned char key_bytes[24] = {0};
    bs_store_key (1, key_bytes);
    memcpy (key_bytes + 8, "pdf", 3);
    MDB_val key = {11, key_bytes}, value;
    assert_int_equal (mdb_get (txn, bs_store_dbi (kept, "bulletin_files"), &key, &value), 0);
    assert_int_equal (value.mv_size, sizeof s_pdf);
    assert_memory_equal (value.mv_data, s_pdf, sizeof s_pdf);
    mdb_txn_abort (txn);
    /* Gone from statistics' store, which a rebuild may now delete. */
    assert_false (s_has_database (store, "rules"));
    assert_false (s_has_database (store, "bulletins"));
    assert_false (s_has_database (store, "bulletin_files"));

    /* Opened again: nothing more to move, nothing moved twice; the next
       rules loaded are version 3. */
    assert_int_equal (statistics_kept_migrate (store, kept, &error), BS_OK);
    assert_int_equal (bs_test_store_entries (kept, "rules"), 2);
    assert_int_equal (bs_test_store_entries (kept, "bulletins"), 1);
    assert_int_equal (bs_test_store_entries (kept, "bulletin_files"), 1);
    bs_rules_put_t put = {.text = "[rules]\nname = 新規則\n", .by = "管理員"};
    bs_message_t message = {.schema = &bs_rules_put_schema, .data = &put};
    snprintf (message.type, sizeof message.type, "%s", bs_rules_put_schema.type);
    snprintf (message.id, sizeof message.id, "upgrade-test-1");
    assert_int_equal (statistics_rules_load (kept, &message, 1800000000000, &record, &error),
                      BS_OK);
    assert_int_equal (record.version, 3);
    bs_codec_record_free (&bs_stats_rules_schema, &record);
    bs_store_destroy (&kept);
    bs_store_destroy (&store);
}

/* A kept store with rules of its own and an old store with others: no
   merge (it would renumber what people saw), nothing changed. */
static void
test_both_holding_rules_changes_nothing (void **state)
{
    s_desk_t *desk = *state;
    s_old_store (desk);
    bs_error_t error;
    bs_store_t *kept = bs_store_new (desk->kept_path, statistics_kept_databases, NULL, &error);
    assert_non_null (kept);
    bs_rules_put_t put = {.text = "[rules]\nname = 升級後載入\n", .by = "管理員"};
    bs_message_t message = {.schema = &bs_rules_put_schema, .data = &put};
    bs_stats_rules_t record;
    assert_int_equal (statistics_rules_load (kept, &message, 1800000000000, &record, &error),
                      BS_OK);
    bs_codec_record_free (&bs_stats_rules_schema, &record);
    bs_store_t *store = bs_store_new (desk->store_path, statistics_databases, NULL, &error);
    assert_non_null (store);
    assert_int_equal (statistics_kept_migrate (store, kept, &error), BS_E_CONFLICT);
    assert_non_null (strstr (error.text, "left where they are"));
    assert_true (s_has_database (store, "rules"));
    assert_int_equal (bs_test_store_entries (kept, "rules"), 1);
    assert_int_equal (bs_test_store_entries (kept, "bulletins"), 0);
    bs_store_destroy (&kept);
    bs_store_destroy (&store);
}

static int
s_setup (void **state)
{
    s_desk_t *desk = calloc (1, sizeof *desk);
    desk->folder = bs_test_temp_dir ("test-kept");
    assert_non_null (desk->folder);
    snprintf (desk->store_path, sizeof desk->store_path, "%s/statistics", desk->folder);
    snprintf (desk->kept_path, sizeof desk->kept_path, "%s/statistics_kept", desk->folder);
    *state = desk;
    return 0;
}

static int
s_teardown (void **state)
{
    s_desk_t *desk = *state;
    bs_folder_remove (desk->folder);
    free (desk->folder);
    free (desk);
    return 0;
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_an_old_store_moves_its_rules_and_bulletins_once,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_both_holding_rules_changes_nothing, s_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
