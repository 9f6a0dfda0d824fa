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
