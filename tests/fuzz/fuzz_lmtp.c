/*  Fuzz target: the LMTP server's command parser (services/mail/lmtp.c),
    driven as a mail server drives it: the input is what a client sends on
    one connection (commands, DATA with dot-stuffing, anything).

    One real mail_lmtp_t listens on a Unix socket in a temporary folder for
    the whole run; each input is written to a fresh connection, the write
    side shut, and every reply read to the end. Intake is not running, so a
    complete DATA gets the quick "intake not answering" (451) reply. Every
    reply line must be a well-formed LMTP reply: three digits, then a space
    or a dash, then printable text, never a bare CR or another control
    character echoed from the input.

    An input ends only when the server's session thread has ended too
    (its task gone from /proc/self/task): libFuzzer looks for leaks right
    after each input, and a thread still running its thread-exit
    destructors (GLib frees its per-thread slice cache there) would be
    reported as a leak that is none.
*/
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_config.h"
#include "lmtp.h"
#include "mail_deliver.h"
#include "mail_parse.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size);

#define S_INPUT_MAX (64 * 1024) /* well under a Unix socket's buffer */

static mail_t s_mail;
static char s_socket[600];
static char s_folder[] = "/tmp/baosong-fuzz-lmtp-XXXXXX";

static int
s_remove_one (const char *path, const struct stat *status, int flag, struct FTW *walk)
{
    (void) status;
    (void) flag;
    (void) walk;
    return remove (path);
}

/* The temporary folder goes when the run ends (libFuzzer exits). */
static void
s_remove_folder (void)
{
    nftw (s_folder, s_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    bs_error_t error;
    bs_config_t *config = mkdtemp (s_folder) ? bs_config_load (NULL, &error) : NULL;
    if (!config)
        abort ();
    atexit (s_remove_folder);
    char path[600];
    snprintf (path, sizeof path, "%s/var", s_folder);
    snprintf (s_socket, sizeof s_socket, "%s/lmtp.sock", s_folder);
    if (bs_config_set (config, "data_dir", path, &error) != BS_OK
        || bs_config_set (config, "request_timeout_ms", "5", &error) != BS_OK
        || bs_config_set (config, "request_retries", "0", &error) != BS_OK
        || bs_config_set (config, "mail.max_message_bytes", "16384", &error) != BS_OK
        || bs_config_set (config, "mail.lmtp_timeout_ms", "5000", &error) != BS_OK
        || bs_config_set (config, "log_level", "error", &error) != BS_OK)
        abort ();
    mail_parse_init ();
    char address[620];
    snprintf (address, sizeof address, "unix:%s", s_socket);
    mail_lmtp_t *server = NULL;
    if (mail_init (&s_mail, config, &error) != BS_OK
        || !(server = mail_lmtp_new (&s_mail, address, &error)) || mail_lmtp_start (server) != 0) {
        fprintf (stderr, "fuzz_lmtp: %s\n", error.text);
        abort ();
    }
    return 0; /* the server runs until the process ends */
}

/* Every reply line: "NNN" then ' ' or '-', then printable text. */
static void
s_check_replies (const char *replies, size_t size)
{
    const char *line = replies, *end = replies + size;
    while (line < end) {
        const char *stop = memchr (line, '\n', (size_t) (end - line));
        if (!stop)
            break; /* a connection cut mid-line (the server stopped) */
        size_t length = (size_t) (stop - line);
        if (length < 4 || line[length - 1] != '\r' || line[0] < '2' || line[0] > '5'
            || line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9'
            || (line[3] != ' ' && line[3] != '-'))
            abort ();
        for (size_t i = 0; i + 1 < length; i++)
            if ((unsigned char) line[i] < 0x20 || line[i] == 0x7f)
                abort ();
        line = stop + 1;
    }
}

/* Threads of this process now. */
static size_t
s_thread_count (void)
{
    DIR *tasks = opendir ("/proc/self/task");
    size_t count = 0;
    if (!tasks)
        return 0;
    for (struct dirent *entry = readdir (tasks); entry; entry = readdir (tasks))
        count += entry->d_name[0] != '.';
    closedir (tasks);
    return count;
}

/* Wait until no more threads run than before, at most 2 s (no failure
   either way: the first complete DATA starts ZeroMQ's two threads for
   good, and a thread may wait long for a core on a busy machine). */
static void
s_wait_threads (size_t before)
{
    uint64_t deadline = bs_clock_monotonic () + 2000;
    while (s_thread_count () > before && bs_clock_monotonic () < deadline)
        usleep (100);
}

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
    if (size > S_INPUT_MAX)
        return 0;
    size_t threads = s_thread_count ();
    int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    snprintf (address.sun_path, sizeof address.sun_path, "%s", s_socket);
    if (fd < 0 || connect (fd, (struct sockaddr *) &address, sizeof address) != 0) {
        /* the server stopped listening, or this process ran out of
           descriptors: say which before the crash report */
        fprintf (stderr, "fuzz_lmtp: cannot connect to %s: %s (%zu threads)\n", s_socket,
                 strerror (errno), s_thread_count ());
        abort ();
    }
    size_t sent = 0;
    /* Every call below may be interrupted by libFuzzer's own timer
       (SIGALRM every -timeout/2 + 1 seconds) and is then simply resumed:
       an interrupted wait is not a server that hangs. */
    while (sent < size) {
        ssize_t wrote = send (fd, bytes + sent, size - sent, MSG_NOSIGNAL);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0)
            break; /* the server closed first (QUIT) */
        sent += (size_t) wrote;
    }
    shutdown (fd, SHUT_WR);
    static char replies[256 * 1024];
    size_t got = 0;
    /* Five minutes without a byte: at nice 19 on a busy machine a session
       thread may wait long for a core (a minute was seen). */
    uint64_t quiet_until = bs_clock_monotonic () + 300000;
    while (got < sizeof replies) {
        struct pollfd item = {.fd = fd, .events = POLLIN};
        uint64_t now = bs_clock_monotonic ();
        int ready = now < quiet_until ? poll (&item, 1, (int) (quiet_until - now)) : 0;
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0) {
            fprintf (stderr, "fuzz_lmtp: no reply for five minutes\n");
            abort (); /* the server hangs */
        }
        ssize_t count = recv (fd, replies + got, sizeof replies - got, 0);
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            break;
        got += (size_t) count;
        quiet_until = bs_clock_monotonic () + 300000;
    }
    close (fd);
    s_check_replies (replies, got);
    s_wait_threads (threads);
    return 0;
}
