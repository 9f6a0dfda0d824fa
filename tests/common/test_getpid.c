/*  test_getpid: the getpid libzmq calls is common/bs_getpid.c's, and it
    gives the kernel's pid, in a forked child too.

    The program links the common library as every baosong program does,
    so what holds here holds for them: the dynamic linker's getpid (the
    one libzmq's calls bind to) is defined in this program, not in libc;
    it agrees with the system call in the process and, asked before a
    fork, in the child after it; and ZeroMQ, which asks it at every
    signal between its threads, still carries a round trip.
*/
#include "bs_test.h"

#include <czmq.h>
#include <dlfcn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void
test_the_dynamic_linkers_getpid_is_ours (void **state)
{
    (void) state;
    void *found = dlsym (RTLD_DEFAULT, "getpid");
    assert_non_null (found);
    assert_ptr_not_equal (found, dlsym (RTLD_NEXT, "getpid")); /* libc's comes after ours */
    Dl_info where, program;
    assert_true (dladdr (found, &where));
    assert_true (dladdr ((void *) test_the_dynamic_linkers_getpid_is_ours, &program));
    assert_ptr_equal (where.dli_fbase, program.dli_fbase); /* defined in this program */
}

static void
test_it_is_the_kernels_pid (void **state)
{
    (void) state;
    assert_int_equal (getpid (), (pid_t) syscall (SYS_getpid));
    assert_int_equal (getpid (), (pid_t) syscall (SYS_getpid)); /* kept, and still right */
}

static void
test_a_forked_child_sees_its_own_pid (void **state)
{
    (void) state;
    pid_t parent = getpid (); /* asked before the fork, so the parent's is kept */
    pid_t child = fork ();
    assert_true (child >= 0);
    if (child == 0) {
        pid_t own = getpid ();
        _exit (own == (pid_t) syscall (SYS_getpid) && own != parent ? 0 : 1);
    }
    int status = 0;
    assert_int_equal (waitpid (child, &status, 0), child);
    assert_true (WIFEXITED (status));
    assert_int_equal (WEXITSTATUS (status), 0);
    assert_int_equal (getpid (), parent);
    assert_int_equal (getpid (), (pid_t) syscall (SYS_getpid));
}

static void
test_zeromq_carries_a_round_trip (void **state)
{
    (void) state;
    /* tcp on loopback: libzmq's I/O thread carries the bytes, and its
       threads signal each other both ways */
    zsock_t *server = zsock_new_router ("@tcp://127.0.0.1:*");
    assert_non_null (server);
    zsock_t *client = zsock_new_dealer (zsock_endpoint (server));
    assert_non_null (client);
    zsock_set_rcvtimeo (server, 5000);
    zsock_set_rcvtimeo (client, 5000);
    for (int round = 0; round < 3; round++) {
        assert_int_equal (zstr_send (client, "ping"), 0);
        zframe_t *identity = zframe_recv (server);
        assert_non_null (identity);
        char *request = zstr_recv (server);
        assert_string_equal (request, "ping");
        zstr_free (&request);
        assert_int_equal (zframe_send (&identity, server, ZFRAME_MORE), 0);
        assert_int_equal (zstr_send (server, "pong"), 0);
        char *reply = zstr_recv (client);
        assert_non_null (reply);
        assert_string_equal (reply, "pong");
        zstr_free (&reply);
    }
    zsock_destroy (&client);
    zsock_destroy (&server);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_the_dynamic_linkers_getpid_is_ours),
        cmocka_unit_test (test_it_is_the_kernels_pid),
        cmocka_unit_test (test_a_forked_child_sees_its_own_pid),
        cmocka_unit_test (test_zeromq_carries_a_round_trip),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
