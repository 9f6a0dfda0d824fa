/*  test_mail_limits: LMTP clients that would tie the mail service up
    (tests/support/bs_mail_fixture): at most mail.lmtp_connections
    sessions, a line longer than 4 KiB refused, a silent client closed, a
    client stalled in DATA or trickling a byte at a time cut off, while
    other clients are served and their mail registers. */
#include "bs_test.h"
#include "bs_mail_fixture.h"

#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* At most mail.lmtp_connections sessions; a silent client is closed. */
static void
test_lmtp_limits (void **state)
{
    (void) state;
    bs_system_t *system =
        bs_mail_system_with (false, (const char *[]){"mail.lmtp_connections", "2",
                                                     "mail.lmtp_timeout_ms", "1000", NULL});
    int first = bs_mail_connect (system), second = bs_mail_connect (system);
    char buffer[4096];
    assert_true (recv (first, buffer, sizeof buffer, 0) > 0); /* both greeted */
    assert_true (recv (second, buffer, sizeof buffer, 0) > 0);
    int third = bs_mail_connect (system);
    bs_mail_read_all (third, buffer, sizeof buffer);
    if (strncmp (buffer, "421 4.3.2", 9) != 0)
        fail_msg ("a third connection was not refused: %s", buffer);
    close (third);
    /* a command line longer than 4 KiB is refused, the session goes on */
    char line[6000];
    memset (line, 'x', sizeof line - 3);
    memcpy (line + sizeof line - 3, "\r\n", 3);
    assert_int_equal (send (first, line, strlen (line), 0), (ssize_t) strlen (line));
    ssize_t got = recv (first, buffer, sizeof buffer - 1, 0);
    assert_true (got > 0);
    buffer[got] = 0;
    assert_non_null (strstr (buffer, "500 5.5.2 line too long"));
    bs_mail_read_all (second, buffer, sizeof buffer); /* silent: closed after 1 s */
    if (strncmp (buffer, "421 4.4.2", 9) != 0)
        fail_msg ("a silent client was not closed: %s", buffer);
    close (first);
    close (second);
    /* The slots are free again, once the service has seen the first
       client's close (it reads the end of that session in its own time:
       a connection that comes first is refused as the third was). */
    for (int attempt = 0;; attempt++) {
        int fourth = bs_mail_connect (system);
        got = recv (fourth, buffer, sizeof buffer - 1, 0);
        close (fourth);
        assert_true (got > 0);
        buffer[got] = 0;
        if (strncmp (buffer, "220 ", 4) == 0)
            break;
        if (strncmp (buffer, "421 4.3.2", 9) != 0 || attempt == 100)
            fail_msg ("the sessions' slots were not freed: %s", buffer);
        usleep (50 * 1000);
    }
    bs_system_destroy (&system);
}

/* A client that stalls in the middle of DATA is dropped after the
   timeout, and meanwhile another client is served as usual. */
static void
test_lmtp_stall_in_data (void **state)
{
    (void) state;
    bs_system_t *system = bs_mail_system_with (false, (const char *[]){"mail.lmtp_timeout_ms", "1000", NULL});
    int staller = bs_mail_connect (system);
    char buffer[4096];
    bs_mail_read_reply (staller, buffer, sizeof buffer);
    const char *opening = "LHLO stall.example\r\nMAIL FROM:<" BS_MAIL_OFFICER ">\r\n"
                          "RCPT TO:<" BS_MAIL_RCPT ">\r\nDATA\r\n";
    assert_int_equal (send (staller, opening, strlen (opening), 0), (ssize_t) strlen (opening));
    size_t used = 0;
    while (!strstr (buffer, "354") && used + 1 < sizeof buffer) {
        ssize_t got = recv (staller, buffer + used, sizeof buffer - used - 1, 0);
        assert_true (got > 0);
        used += (size_t) got;
        buffer[used] = 0;
    }
    const char *half = "Subject: =?UTF-8?B?5Y2K?=\r\n\r\nhalf a body, then nothing";
    assert_int_equal (send (staller, half, strlen (half), 0), (ssize_t) strlen (half));
    /* another client is not kept waiting by it */
    int other = bs_mail_connect (system);
    bs_mail_read_reply (other, buffer, sizeof buffer);
    assert_int_equal (strncmp (buffer, "220 ", 4), 0);
    assert_int_equal (send (other, "NOOP\r\n", 6, 0), 6);
    bs_mail_read_reply (other, buffer, sizeof buffer);
    if (strncmp (buffer, "250", 3) != 0)
        fail_msg ("a client beside a stalled one was not served: %s", buffer);
    close (other);
    /* the staller is told and closed */
    bs_mail_read_all (staller, buffer, sizeof buffer);
    if (!strstr (buffer, "421 4.4.2"))
        fail_msg ("a client stalled in DATA was not dropped: %s", buffer);
    close (staller);
    bs_system_destroy (&system);
}

/* A client that sends a byte every 100 ms: never silent, never done. */
typedef struct {
    int fd;
    char reply[1024]; /* what the server said before closing */
    bool closed;      /* the server closed the connection */
} s_trickler_t;

static void *
s_trickle (void *argument)
{
    s_trickler_t *trickler = argument;
    for (int i = 0; i < 600 && !trickler->closed; i++) { /* 60 s at most */
        if (send (trickler->fd, "x", 1, MSG_NOSIGNAL) != 1)
            break;
        usleep (100 * 1000);
        struct pollfd item = {.fd = trickler->fd, .events = POLLIN};
        if (poll (&item, 1, 0) > 0) {
            bs_mail_read_all (trickler->fd, trickler->reply, sizeof trickler->reply);
            trickler->closed = true;
        }
    }
    return NULL;
}

/* A session that trickles a byte at a time is never silent for
   mail.lmtp_timeout_ms, yet it is dropped: a mail must be whole within
   mail.lmtp_data_timeout_ms, a command line within mail.lmtp_timeout_ms.
   Meanwhile a mail from another client registers. */
static void
test_lmtp_trickle (void **state)
{
    (void) state;
    bs_system_t *system = bs_mail_system_with (
        false, (const char *[]){"mail.lmtp_timeout_ms", "5000", "mail.lmtp_data_timeout_ms", "1500",
                                NULL});
    s_trickler_t in_data = {.fd = bs_mail_connect (system)},
                 in_command = {.fd = bs_mail_connect (system)};
    char buffer[4096];
    bs_mail_read_reply (in_data.fd, buffer, sizeof buffer);
    const char *opening = "LHLO trickle.example\r\nMAIL FROM:<" BS_MAIL_OFFICER ">\r\n"
                          "RCPT TO:<" BS_MAIL_RCPT ">\r\nDATA\r\nSubject: slow\r\n\r\n";
    assert_int_equal (send (in_data.fd, opening, strlen (opening), 0), (ssize_t) strlen (opening));
    size_t used = 0;
    while (!strstr (buffer, "354") && used + 1 < sizeof buffer) {
        ssize_t got = recv (in_data.fd, buffer + used, sizeof buffer - used - 1, 0);
        assert_true (got > 0);
        used += (size_t) got;
        buffer[used] = 0;
    }
    bs_mail_read_reply (in_command.fd, buffer, sizeof buffer);
    assert_int_equal (strncmp (buffer, "220 ", 4), 0);
    pthread_t threads[2];
    assert_int_equal (pthread_create (&threads[0], NULL, s_trickle, &in_data), 0);
    assert_int_equal (pthread_create (&threads[1], NULL, s_trickle, &in_command), 0);
    /* another client delivers a whole mail meanwhile */
    char *output = bs_mail_swaks (system, bs_mail_good[0].file, BS_MAIL_RCPT);
    char reg_no[32];
    bs_mail_reg_no (output, reg_no, sizeof reg_no);
    bs_mail_check_report (system, reg_no, &bs_mail_good[0]);
    free (output);
    pthread_join (threads[0], NULL);
    pthread_join (threads[1], NULL);
    close (in_data.fd);
    close (in_command.fd);
    if (!in_data.closed || !strstr (in_data.reply, "421 4.4.2")
        || !strstr (in_data.reply, "the mail took more than"))
        fail_msg ("a mail trickled a byte at a time was not cut off: '%s'", in_data.reply);
    if (!in_command.closed || !strstr (in_command.reply, "421 4.4.2 ")
        || !strstr (in_command.reply, "no command for"))
        fail_msg ("a command line trickled a byte at a time was not cut off: '%s'",
                  in_command.reply);
    assert_int_equal (bs_mail_report_count (system), 1); /* the cut mail is not stored */
    bs_system_destroy (&system);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_lmtp_limits),
        cmocka_unit_test (test_lmtp_stall_in_data),
        cmocka_unit_test (test_lmtp_trickle),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
