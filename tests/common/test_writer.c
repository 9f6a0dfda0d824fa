/*  test_writer: bs_writer runs its job in another thread, one at a time,
    and gives back the job's code; the thread is named "writer".

    What the service loop relies on: a started job runs while its owner
    goes on (the owner sees it unfinished and is not blocked), its code
    comes back once, a second start while one runs is refused, and
    destroying a writer waits for the job it runs.
*/
#include "bs_test.h"

#include <czmq.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "bs_error.h"
#include "bs_writer.h"

typedef struct {
    atomic_bool release; /* the job may end */
    atomic_int runs;     /* jobs run */
    pthread_t thread;    /* the thread the job ran in */
    char name[16];       /* that thread's name */
} job_t;

static int
s_job (void *argument)
{
    job_t *job = argument;
    while (!atomic_load (&job->release))
        zclock_sleep (1);
    job->thread = pthread_self ();
    pthread_getname_np (job->thread, job->name, sizeof job->name);
    return 40 + atomic_fetch_add (&job->runs, 1);
}

static void
test_the_job_runs_beside_its_owner (void **state)
{
    (void) state;
    job_t job = {0};
    bs_writer_t *writer = bs_writer_new (s_job, &job);
    assert_non_null (writer);
    int code = -1;
    assert_int_equal (bs_writer_finish (writer, false, &code), BS_E_NOT_FOUND);

    assert_int_equal (bs_writer_start (writer), BS_OK);
    assert_true (bs_writer_busy (writer));
    assert_int_equal (bs_writer_start (writer), BS_E_CONFLICT); /* one at a time */
    zclock_sleep (20);
    assert_int_equal (bs_writer_finish (writer, false, &code), BS_E_TIMEOUT); /* still held */
    assert_int_equal (code, -1);
    assert_int_equal (atomic_load (&job.runs), 0);

    atomic_store (&job.release, true);
    struct pollfd finished = {.fd = bs_writer_fd (writer), .events = POLLIN};
    assert_int_equal (poll (&finished, 1, 5000), 1);
    assert_int_equal (bs_writer_finish (writer, false, &code), BS_OK);
    assert_int_equal (code, 40);
    assert_false (bs_writer_busy (writer));
    assert_false (pthread_equal (job.thread, pthread_self ()));
    assert_string_equal (job.name, "writer"); /* as a profile tells it (bench/profile) */

    assert_int_equal (bs_writer_start (writer), BS_OK); /* again, waited for */
    assert_int_equal (bs_writer_finish (writer, true, &code), BS_OK);
    assert_int_equal (code, 41);
    bs_writer_destroy (&writer);
    assert_null (writer);
    bs_writer_destroy (&writer);
}

static void *
s_release_later (void *argument)
{
    zclock_sleep (100);
    atomic_store (&((job_t *) argument)->release, true);
    return NULL;
}

static void
test_destroy_waits_for_the_running_job (void **state)
{
    (void) state;
    job_t job = {0};
    bs_writer_t *writer = bs_writer_new (s_job, &job);
    assert_int_equal (bs_writer_start (writer), BS_OK);
    pthread_t releaser;
    assert_int_equal (pthread_create (&releaser, NULL, s_release_later, &job), 0);
    bs_writer_destroy (&writer);
    assert_int_equal (atomic_load (&job.runs), 1); /* it ran to its end */
    pthread_join (releaser, NULL);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_the_job_runs_beside_its_owner),
        cmocka_unit_test (test_destroy_waits_for_the_running_job),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
