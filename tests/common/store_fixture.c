/*  store_fixture: a private folder for a store, and what the tests of
    bs_store share (store_fixture.h). */
#include "store_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bs_codec.h"

const char *const store_fixture_names[] = {"reports", "counters", NULL};

int
store_fixture_setup (void **state)
{
    store_fixture_t *fixture = calloc (1, sizeof *fixture);
    assert_non_null (fixture);
    fixture->folder = bs_test_temp_dir ("test-store");
    assert_non_null (fixture->folder);
    assert_true (asprintf (&fixture->path, "%s/data/intake", fixture->folder) > 0);
    *state = fixture;
    return 0;
}

int
store_fixture_teardown (void **state)
{
    store_fixture_t *fixture = (store_fixture_t *) *state;
    bs_folder_remove (fixture->folder);
    free (fixture->folder);
    free (fixture->path);
    free (fixture);
    return 0;
}

bs_store_t *
store_fixture_open_with (const store_fixture_t *fixture, const bs_store_options_t *options)
{
    bs_error_t error;
    bs_error_clear (&error);
    const char *const *names = fixture->names ? fixture->names : store_fixture_names;
    bs_store_t *store = bs_store_new (fixture->path, names, options, &error);
    if (!store)
        fail_msg ("bs_store_new: %s", error.text);
    return store;
}

bs_store_t *
store_fixture_open (const store_fixture_t *fixture, size_t map_size, size_t map_size_max)
{
    bs_store_options_t options = {.map_size = map_size, .map_size_max = map_size_max};
    return store_fixture_open_with (fixture, &options);
}

void
store_fixture_report_fill (bs_report_t *report, uint64_t report_id, char *body)
{
    memset (report, 0, sizeof *report);
    report->report_id = report_id;
    report->reg_no = (char *) "报-2026-0001";
    report->unit = (char *) "市委办公室";
    report->title = (char *) "关于防汛工作的紧急报告";
    report->body = body;
    report->kind = (char *) "紧急";
    report->urgent = true;
    report->topic = (char *) "防汛抗旱";
    report->channel = (char *) "网页";
    report->received_at = 1764295391123;
}

typedef struct {
    bs_store_t *store;
    uint64_t key;
    const char *name;
    bs_report_t *report;
} report_put_t;

static int
s_report_put (MDB_txn *txn, void *argument)
{
    report_put_t *put = (report_put_t *) argument;
    MDB_dbi dbi = bs_store_dbi (put->store, "reports");
    int rc = bs_store_put_record (txn, dbi, put->key, &bs_report_schema, put->report);
    if (rc == BS_OK && put->name)
        rc = bs_store_put_record_by_name (txn, dbi, put->name, &bs_report_schema, put->report);
    return rc;
}

void
store_fixture_report_put (bs_store_t *store, uint64_t key, const char *name, bs_report_t *report)
{
    report_put_t put = {.store = store, .key = key, .name = name, .report = report};
    assert_int_equal (bs_store_write (store, s_report_put, &put), BS_OK);
}

void
store_fixture_report_assert_equal (const bs_report_t *actual, const bs_report_t *expected)
{
    assert_int_equal (actual->report_id, expected->report_id);
    assert_string_equal (actual->reg_no, expected->reg_no);
    assert_string_equal (actual->unit, expected->unit);
    assert_string_equal (actual->title, expected->title);
    assert_string_equal (actual->body, expected->body);
    assert_string_equal (actual->kind, expected->kind);
    assert_true (actual->urgent == expected->urgent);
    assert_string_equal (actual->topic, expected->topic);
    assert_string_equal (actual->channel, expected->channel);
    assert_int_equal (actual->received_at, expected->received_at);
}

int
store_fixture_report_lookup (bs_store_t *store, uint64_t key)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    bs_report_t report;
    int rc =
        bs_store_get_record (txn, bs_store_dbi (store, "reports"), key, &bs_report_schema, &report);
    if (rc == BS_OK)
        assert_int_equal (report.report_id, key + 1);
    bs_codec_record_free (&bs_report_schema, &report);
    mdb_txn_abort (txn);
    return rc;
}

typedef struct {
    bs_store_t *store;
    size_t count;
    int result;
    uint64_t *seqs;
} events_append_t;

static int
s_events_append (MDB_txn *txn, void *argument)
{
    events_append_t *append = (events_append_t *) argument;
    bs_report_t report;
    store_fixture_report_fill (&report, 42, (char *) "堤坝出现险情。");
    for (size_t index = 0; index < append->count; index++) {
        int rc = bs_eventlog_append (append->store, txn, &bs_report_schema, &report, "intake",
                                     1764295391123, &append->seqs[index]);
        if (rc != BS_OK)
            return rc;
    }
    return append->result;
}

int
store_fixture_events_append (bs_store_t *store, size_t count, int result, uint64_t *seqs)
{
    events_append_t append = {.store = store, .count = count, .result = result, .seqs = seqs};
    return bs_store_write (store, s_events_append, &append);
}

uint64_t
store_fixture_event_append (bs_store_t *store, int result)
{
    uint64_t seq = 0;
    assert_int_equal (store_fixture_events_append (store, 1, result, &seq), result);
    return seq;
}

uint64_t
store_fixture_log_last (bs_store_t *store)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    uint64_t last = 99;
    assert_int_equal (bs_eventlog_last (store, txn, &last), BS_OK);
    mdb_txn_abort (txn);
    return last;
}

pid_t
store_fixture_child_start (const store_fixture_t *fixture, store_fixture_child_fn *fn, size_t count)
{
    int done_pipe[2];
    assert_int_equal (pipe (done_pipe), 0);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        close (done_pipe[0]);
        alarm (60); /* never outlive a parent that failed before killing it */
        char done = fn (fixture, count) ? 'y' : 'n';
        if (write (done_pipe[1], &done, 1) != 1)
            _exit (1);
        while (true)
            pause ();
    }
    close (done_pipe[1]);
    char done = 0;
    assert_int_equal (read (done_pipe[0], &done, 1), 1);
    close (done_pipe[0]);
    assert_int_equal (done, 'y');
    return pid;
}

void
store_fixture_child_kill (pid_t pid)
{
    assert_int_equal (kill (pid, SIGKILL), 0);
    int status;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
}
