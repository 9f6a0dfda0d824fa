/*  test_mail_maildir: the email channel through a Maildir, and what
    survives a crash or an absence (tests/support/bs_mail_fixture).

    Good mail is stored and moved to cur/, bad mail goes to .failed with a
    .reason file and stores nothing; the same bytes again register nothing
    new; a kill -9 of the mail service in the middle of the Maildir loses
    and doubles nothing; while intake is away LMTP says 451 and the Maildir
    keeps the mail in new/, and once intake is back both register. */
#include "bs_test.h"
#include "bs_mail_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
test_maildir (void **state)
{
    (void) state;
    bs_system_t *system = bs_mail_system (true);
    bs_mail_write_oversize (system);
    char name[64];
    for (size_t i = 0; i < bs_mail_good_count; i++) {
        snprintf (name, sizeof name, "1700000000.good%zu.host", i);
        bs_mail_drop (system, bs_mail_good[i].file, name);
    }
    for (size_t i = 0; i < bs_mail_bad_count; i++) {
        snprintf (name, sizeof name, "1700000000.bad%zu.host", i);
        bs_mail_drop (system, bs_mail_bad[i].file, name);
    }
    bs_mail_drop (system, "unknown_sender.eml", "1700000000.stranger.host");
    if (!bs_mail_wait_empty (system, 20)) {
        bs_system_show_log (system, "mail");
        fail_msg ("the Maildir's new/ was not emptied");
    }
    for (size_t i = 0; i < bs_mail_good_count; i++) {
        snprintf (name, sizeof name, "cur/1700000000.good%zu.host:2,S", i);
        assert_true (bs_mail_exists (system, name));
        char *reg_no = bs_mail_find (system, bs_mail_good[i].title);
        bs_mail_check_report (system, reg_no, &bs_mail_good[i]);
        free (reg_no);
    }
    for (size_t i = 0; i < bs_mail_bad_count; i++) {
        snprintf (name, sizeof name, ".failed/cur/1700000000.bad%zu.host:2,", i);
        if (!bs_mail_exists (system, name))
            fail_msg ("%s did not move to .failed", bs_mail_bad[i].file);
        char path[1500];
        snprintf (path, sizeof path, "%s/Maildir/.failed/1700000000.bad%zu.host.reason",
                  bs_system_folder (system), i);
        char *reason = bs_mail_read_file (path, NULL);
        if (!reason || !strstr (reason, bs_mail_bad[i].reply))
            fail_msg ("%s: the reason file does not say '%s': %s", bs_mail_bad[i].file,
                      bs_mail_bad[i].reply, reason ? reason : "(none)");
        free (reason);
    }
    assert_true (bs_mail_exists (system, "cur/1700000000.stranger.host:2,S"));
    assert_true (bs_mail_held (system, "stranger@elsewhere.example"));
    assert_int_equal (bs_mail_report_count (system), bs_mail_good_count);

    /* A crash after intake's reply but before the move leaves the mail in
       new/: the same bytes again register nothing new. */
    bs_mail_drop (system, bs_mail_good[0].file, "1700000001.again.host");
    assert_true (bs_mail_wait_empty (system, 20));
    assert_true (bs_mail_exists (system, "cur/1700000001.again.host:2,S"));
    assert_int_equal (bs_mail_report_count (system), bs_mail_good_count);
    bs_system_destroy (&system);
}

static void
test_maildir_kill (void **state)
{
    (void) state;
    bs_system_t *system = bs_mail_system (true);
    bs_system_kill (system, "mail", SIGKILL);
    enum { COUNT = 40 };
    for (int i = 0; i < COUNT; i++) {
        char path[1300], final[1300];
        snprintf (path, sizeof path, "%s/Maildir/tmp/m%02d", bs_system_folder (system), i);
        snprintf (final, sizeof final, "%s/Maildir/new/1700000000.m%02d.host",
                  bs_system_folder (system), i);
        FILE *file = fopen (path, "w");
        fprintf (file,
                 "From: %s\nSubject: 第%d份報告\nMessage-ID: <m%d@county.example>\n"
                 "Content-Type: text/plain; charset=utf-8\n\n第%d份報告的正文。\n",
                 BS_MAIL_OFFICER, i, i, i);
        fclose (file);
        assert_int_equal (rename (path, final), 0);
    }
    char folder[1200];
    snprintf (folder, sizeof folder, "%s/Maildir/cur", bs_system_folder (system));
    for (int round = 0; round < 3; round++) {
        assert_int_equal (bs_system_start (system, "mail"), 0);
        size_t before = bs_mail_folder_count (folder);
        for (int i = 0; i < 400 && bs_mail_folder_count (folder) < before + 5; i++)
            usleep (5 * 1000);
        bs_system_kill (system, "mail", SIGKILL); /* in the middle of the Maildir */
        if (round == 0)
            assert_true (bs_mail_folder_count (folder) < COUNT); /* the kill did cut it short */
    }
    assert_int_equal (bs_system_start (system, "mail"), 0);
    assert_true (bs_mail_wait_empty (system, 30));
    assert_int_equal (bs_mail_folder_count (folder), COUNT);
    assert_int_equal (bs_mail_report_count (system), COUNT);
    for (int i = 0; i < COUNT; i++) {
        char title[64];
        snprintf (title, sizeof title, "第%d份報告", i);
        free (bs_mail_find (system, title));
    }
    bs_system_destroy (&system);
}

/* intake away: LMTP says 451 (the mail server keeps the mail and tries
   again), the Maildir keeps the mail in new/; once intake is back both
   register. */
static void
test_intake_away (void **state)
{
    (void) state;
    bs_system_t *system =
        bs_mail_system_with (
            true, (const char *[]){"request_timeout_ms", "200", "request_retries", "1", NULL});
    bs_system_kill (system, "intake", SIGKILL);
    char *output = bs_mail_swaks (system, bs_mail_good[2].file, BS_MAIL_RCPT);
    if (!strstr (output, "<** 451 4.3.0 intake is not answering"))
        fail_msg ("no 451 while intake is away:\n%s", output);
    free (output);
    bs_mail_drop (system, bs_mail_good[3].file, "1700000000.waiting.host");
    usleep (1000 * 1000);
    assert_true (bs_mail_exists (system, "new/1700000000.waiting.host"));
    assert_int_equal (bs_system_start (system, "intake"), 0);
    assert_true (bs_mail_wait_empty (system, 20));
    assert_true (bs_mail_exists (system, "cur/1700000000.waiting.host:2,S"));
    output = bs_mail_swaks (system, bs_mail_good[2].file, BS_MAIL_RCPT);
    char reg_no[32];
    bs_mail_reg_no (output, reg_no, sizeof reg_no);
    bs_mail_check_report (system, reg_no, &bs_mail_good[2]);
    free (output);
    bs_system_destroy (&system);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_maildir),
        cmocka_unit_test (test_maildir_kill),
        cmocka_unit_test (test_intake_away),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
