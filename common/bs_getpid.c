/*  bs_getpid: getpid() without a system call, for libzmq.

    libzmq (4.3.4, built with HAVE_FORK) asks getpid() each time one of
    its threads signals another and each time a thread waits for or takes
    a signal, to notice that it runs in a forked child whose descriptors
    it must not use; and glibc since 2.25 no longer caches the pid, so
    each of those asks is a system call: 16 a report in measure 2 of
    bench_throughput, a quarter of all the system calls of the bench and
    the four services (bench/README.md, "System calls a report"), and a
    system call is dear on a paravirtualised machine.

    This definition of getpid, in every program that links libzmq (the
    common library's link options force it in: CMakeLists.txt), is the
    one libzmq's calls bind to: a program's own definition comes first in
    the dynamic linker's search, and the linker exports it because a
    shared library the program links calls getpid. It gives the pid the
    kernel gave at first use and asks again in the child of a fork
    (pthread_atfork), so a forked child sees its own pid as before.
    Calls inside glibc do not come here (they bind within glibc).

    What it does not see: a child made without fork's handlers, by
    clone(2) or vfork(2) itself, would read its parent's pid here. No
    program of baosong makes one; a program is started by posix_spawn,
    whose child runs nothing of ours before exec.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static atomic_int s_pid; /* 0 until first use, and in a child until fork's handler */
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

/* In the child of a fork, before fork returns there. */
static void
s_forked (void)
{
    atomic_store_explicit (&s_pid, (int) syscall (SYS_getpid), memory_order_relaxed);
}

static void
s_first_use (void)
{
    pthread_atfork (NULL, NULL, s_forked);
    atomic_store_explicit (&s_pid, (int) syscall (SYS_getpid), memory_order_relaxed);
}

pid_t
getpid (void)
{
    int pid = atomic_load_explicit (&s_pid, memory_order_relaxed);
    if (pid == 0) {
        pthread_once (&s_once, s_first_use);
        pid = atomic_load_explicit (&s_pid, memory_order_relaxed);
    }
    return (pid_t) pid;
}
