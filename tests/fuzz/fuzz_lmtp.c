/*  Fuzz target: the LMTP server's command parser (services/mail/lmtp.c),
    driven as a mail server drives it: the input is what a client sends on
    one connection (commands, DATA with dot-stuffing, anything).

    One real mail_lmtp_t is made for the whole run (bound to a Unix socket
    in a temporary folder, its acceptor not started), and one server
    thread, also for the whole run, runs a session (mail_lmtp_serve: what
    the acceptor's thread per connection runs) on each connection the
    harness hands it. Each input is written to a fresh connection (a
    socketpair), the write side shut, and every reply read to the end,
    which comes when the session has ended and freed what it took. Intake
    is not running, so a complete DATA gets the quick "intake not
    answering" (451) reply. Every reply line must be a well-formed LMTP
    reply: three digits, then a space or a dash, then printable text,
    never a bare CR or another control character echoed from the input.

    Earlier the harness connected to the listening socket, so every input
    cost a thread of the acceptor's (slow to create under ASan) and a
    wait until that thread was gone; the session, the parser and the
    replies it exercises are the same. The accept loop and its thread per
    connection are tested by system_test_mail_lmtp.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_config.h"
#include "bs_folder.h"
#include "lmtp.h"
#include "mail_deliver.h"
#include "mail_parse.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size);

#define S_INPUT_MAX (64 * 1024) /* well under a Unix socket's buffer */

static mail_t s_mail;
static char s_socket[600];
static int s_handoff[2]; /* the harness writes each session's descriptor into [1] */
static char s_folder[] = "/tmp/baosong-fuzz-lmtp-XXXXXX";

/* The temporary folder goes when the run ends (libFuzzer exits). */
static void
s_remove_folder (void)
{
    bs_folder_remove (s_folder);
}

/* The server thread: one session per descriptor read from s_handoff[0]. */
static void *
s_serve (void *argument)
{
    mail_lmtp_t *server = argument;
    while (true) {
        int fd;
        ssize_t got = read (s_handoff[0], &fd, sizeof fd);
        if (got < 0 && errno == EINTR)
            continue; /* libFuzzer's timer (below) */
        if (got != (ssize_t) sizeof fd)
            abort ();
        mail_lmtp_serve (server, fd);
    }
    return NULL;
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
        || !(server = mail_lmtp_new (&s_mail, address, &error))) {
        fprintf (stderr, "fuzz_lmtp: %s\n", error.text);
        abort ();
    }
    pthread_t thread;
    if (pipe2 (s_handoff, O_CLOEXEC) != 0 || pthread_create (&thread, NULL, s_serve, server) != 0)
        abort ();
    return 0; /* the server thread runs until the process ends */
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

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
    if (size > S_INPUT_MAX)
        return 0;
    int ends[2];
    if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0
        || write (s_handoff[1], &ends[1], sizeof ends[1]) != (ssize_t) sizeof ends[1]) {
        fprintf (stderr, "fuzz_lmtp: cannot open a connection: %s\n", strerror (errno));
        abort ();
    }
    int fd = ends[0];
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
    static char replies[256 * 1024], beyond[4096];
    size_t got = 0;
    /* Five minutes without a byte: at nice 19 on a busy machine a session
       thread may wait long for a core (a minute was seen). Read to the
       end (the session has then freed everything: libFuzzer looks for
       leaks when the input returns); past 256 KiB unchecked. */
    uint64_t quiet_until = bs_clock_monotonic () + 300000;
    while (true) {
        struct pollfd item = {.fd = fd, .events = POLLIN};
        uint64_t now = bs_clock_monotonic ();
        int ready = now < quiet_until ? poll (&item, 1, (int) (quiet_until - now)) : 0;
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0) {
            fprintf (stderr, "fuzz_lmtp: no reply for five minutes\n");
            abort (); /* the server hangs */
        }
        bool full = got == sizeof replies;
        ssize_t count = full ? recv (fd, beyond, sizeof beyond, 0)
                             : recv (fd, replies + got, sizeof replies - got, 0);
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            break;
        got += full ? 0 : (size_t) count;
        quiet_until = bs_clock_monotonic () + 300000;
    }
    close (fd);
    s_check_replies (replies, got);
    return 0;
}
