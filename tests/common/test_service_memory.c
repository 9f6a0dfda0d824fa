/*  test_service_memory: a service program's malloc gives a block of a
    batch's size back to the thread that freed it without the kernel
    (bs_service_tune_memory, done by bs_service_load_config).

    The pattern is measure 4's (bench/README.md, issue 9): libzmq's I/O
    thread receives a batch of some 400 KiB into a new block, the block
    is freed once the batch is taken, and the next batch needs one as
    large. With glibc's defaults that block was mmapped and unmapped, or
    taken from an arena's top that free then gave back (brk, madvise), so
    every batch faulted its pages in again, zeroed. Here a block of 1 MiB
    is taken, written, freed, and taken and written again, in the main
    thread (glibc's main arena) and in another thread (an arena of its
    own); the second time must fault (nearly) no page in. Without the
    mmap threshold the block is mmapped each time; without the trim
    threshold the freed top is given back: either way the second time
    faults about 256 pages.
*/
#include "bs_test.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "bs_service.h"

#define S_BLOCK (1024 * 1024)
#define S_FAULTS_ALLOWED 16 /* of 256 pages: a stack page, a guard */

/* The block's writes kept: the compiler may not drop a block that is
   written and freed unread. */
static void
s_keep (char *block)
{
    __asm__ volatile("" : : "r"(block) : "memory");
}

static long
s_faults (void)
{
    struct rusage usage;
    getrusage (RUSAGE_THREAD, &usage);
    return usage.ru_minflt;
}

/* Pages faulted in by taking and writing a block again after it was
   taken, written and freed, in the calling thread. */
static long
s_faults_the_second_time (void)
{
    char *block = malloc (S_BLOCK);
    if (!block)
        return -1;
    memset (block, 1, S_BLOCK);
    s_keep (block);
    free (block);
    long before = s_faults ();
    block = malloc (S_BLOCK);
    if (!block)
        return -1;
    memset (block, 2, S_BLOCK);
    s_keep (block);
    long faults = s_faults () - before;
    free (block);
    return faults;
}

static void *
s_thread_run (void *argument)
{
    *(long *) argument = s_faults_the_second_time ();
    return NULL;
}

static void
test_a_batchs_block_taken_again_faults_nothing (void **state)
{
    (void) state;
#if defined(__SANITIZE_ADDRESS__)
    skip (); /* the sanitizer's allocator is not glibc's malloc */
#endif
    if (RUNNING_ON_VALGRIND)
        skip (); /* nor is valgrind's, which replaces malloc and free */
    /* as a service program starts: its options, --help here (nothing
       loaded, the usage said on stderr) */
    char program[] = "baosong-test", help[] = "--help";
    char *argv[] = {program, help, NULL};
    int exit_code = -1;
    assert_null (bs_service_load_config ("test", 2, argv, &exit_code));
    assert_int_equal (exit_code, 0);

    long faults = s_faults_the_second_time ();
    assert_in_range (faults, 0, S_FAULTS_ALLOWED);

    long thread_faults = -1;
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_thread_run, &thread_faults), 0);
    assert_int_equal (pthread_join (thread, NULL), 0);
    assert_in_range (thread_faults, 0, S_FAULTS_ALLOWED);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_a_batchs_block_taken_again_faults_nothing),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
