/*  A commission answered by mail: a unit's officer mails a report whose
    GBK-encoded subject carries the tag [约稿1]; through the Maildir, the
    mail service and intake, review links it to commission 1 (on time,
    with its registration number), the title keeps no tag, and the receipt
    in the outbox says which commission it answered. The unit's officer got
    the commission itself by mail, once, across a kill -9 of the mail
    service, and the commissions after it too: the streams run with a
    window of two events, so the mail service must grant its credit back
    as it goes.
*/
#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_system.h"
#include "bs_test.h"

#define UNIT "滑縣"

static void
s_call (bs_system_t *system, const char *service, const bs_schema_t *schema, const void *request,
        const bs_schema_t *reply_schema, void *reply)
{
    bs_error_t error;
    if (bs_system_call (bs_system_client (system, service), schema, request, reply_schema, reply,
                        &error)
        != BS_OK)
        fail_msg ("%s failed: %s", schema->type, error.text);
}

/* Copy the fixture into the Maildir as a mail server does. */
static void
s_drop (bs_system_t *running)
{
    char source[1200], temporary[1300], final[1300], command[4000];
    snprintf (source, sizeof source, "%s/tests/data/mail/commission_gbk.eml", BAOSONG_SOURCE_DIR);
    snprintf (temporary, sizeof temporary, "%s/Maildir/tmp/1.commission",
              bs_system_folder (running));
    snprintf (final, sizeof final, "%s/Maildir/new/1.commission", bs_system_folder (running));
    snprintf (command, sizeof command, "cp '%s' '%s' && mv '%s' '%s'", source, temporary, temporary,
              final);
    assert_int_equal (system (command), 0);
}

static bool
s_answered (bs_system_t *system, bs_commission_unit_t *answer)
{
    bs_commission_get_t query = {.commission_id = 1};
    bs_commission_t commission;
    s_call (system, "review", &bs_commission_get_schema, &query, &bs_commission_schema,
            &commission);
    bs_commission_unit_t *unit = commission.units.items;
    bool answered = strcmp (unit->state, "open") != 0;
    if (answered) {
        *answer = *unit;
        memset (unit, 0, sizeof *unit);
    }
    bs_codec_record_free (&bs_commission_schema, &commission);
    return answered;
}

/* The mails in the outbox whose names start with prefix; the text of the
   last one in *text (caller frees) when text is given. */
static size_t
s_outbox (bs_system_t *system, const char *prefix, char **text)
{
    char folder[1200], path[1500];
    snprintf (folder, sizeof folder, "%s/var/mail/outbox/new", bs_system_folder (system));
    DIR *dir = opendir (folder);
    struct dirent *entry;
    size_t count = 0;
    while (dir && (entry = readdir (dir)))
        if (strncmp (entry->d_name, prefix, strlen (prefix)) == 0) {
            count++;
            snprintf (path, sizeof path, "%s/%s", folder, entry->d_name);
            FILE *file = fopen (path, "rb");
            if (file && text) {
                free (*text);
                *text = calloc (1, 65536);
                if (*text)
                    (*text)[fread (*text, 1, 65535, file)] = 0;
            }
            if (file)
                fclose (file);
        }
    if (dir)
        closedir (dir);
    return count;
}

/* The receipt in the outbox, as text the caller frees; NULL while none. */
static char *
s_receipt (bs_system_t *system)
{
    char folder[1200], path[1500];
    snprintf (folder, sizeof folder, "%s/var/mail/outbox/new", bs_system_folder (system));
    DIR *dir = opendir (folder);
    struct dirent *entry;
    char *text = NULL;
    while (dir && !text && (entry = readdir (dir)))
        if (entry->d_name[0] != '.') {
            snprintf (path, sizeof path, "%s/%s", folder, entry->d_name);
            FILE *file = fopen (path, "rb");
            text = calloc (1, 65536);
            if (file) {
                size_t size = fread (text, 1, 65535, file);
                text[size] = 0;
                fclose (file);
            }
        }
    if (dir)
        closedir (dir);
    return text;
}

static void
test_gbk_mail_answers_its_commission (void **state)
{
    (void) state;
    setenv ("BAOSONG_REVIEW_SWEEP_MS", "50", 1);
    bs_system_t *system = bs_system_new ("baosong-commission-mail");
    assert_non_null (system);
    char maildir[1200];
    snprintf (maildir, sizeof maildir, "%s/Maildir", bs_system_folder (system));
    assert_int_equal (bs_system_configure (system, "mail.recipients", "reports@city.example"), 0);
    assert_int_equal (bs_system_configure (system, "mail.receipt_from", "baosong@city.example"),
                      0);
    assert_int_equal (bs_system_configure (system, "mail.maildir", maildir), 0);
    assert_int_equal (bs_system_configure (system, "mail.maildir_poll_ms", "100"), 0);
    assert_int_equal (bs_system_configure (system, "stream_window", "2"), 0);
    assert_int_equal (bs_system_start_all (system), 0);
    bs_unit_t unit = {.name = UNIT, .level = "county"}, unit_reply;
    s_call (system, "intake", &bs_unit_schema, &unit, &bs_unit_schema, &unit_reply);
    bs_codec_record_free (&bs_unit_schema, &unit_reply);
    bs_officer_t officer = {.login = "wangzhe",
                            .name = "王喆",
                            .unit = UNIT,
                            .roles = "officer",
                            .emails = "officer@county.example"},
                 officer_reply;
    s_call (system, "intake", &bs_officer_schema, &officer, &bs_officer_schema, &officer_reply);
    bs_codec_record_free (&bs_officer_schema, &officer_reply);

    bs_unit_ref_t ref = {.unit = UNIT};
    bs_commission_create_t create = {.title = "基層黨建工作做法約稿",
                                     .units = {1, &ref},
                                     .deadline = bs_clock_now () + 3600000,
                                     .editor = "陳編輯",
                                     .role = "editor"};
    bs_commission_t commission;
    s_call (system, "review", &bs_commission_create_schema, &create, &bs_commission_schema,
            &commission);
    assert_int_equal (commission.commission_id, 1);
    bs_codec_record_free (&bs_commission_schema, &commission);
    /* Intake must know the commission before the mail comes: wait until it
       refuses a walk-in answer from a unit the commission does not ask. */
    bs_unit_t other = {.name = "別縣", .level = "county"};
    s_call (system, "intake", &bs_unit_schema, &other, &bs_unit_schema, &unit_reply);
    bs_codec_record_free (&bs_unit_schema, &unit_reply);
    bs_submit_t probe = {.unit = "別縣",
                         .title = "探測",
                         .body = "探測。",
                         .channel = "walk_in",
                         .operator_name = "文書",
                         .commission = 1};
    bs_submitted_t receipt;
    bs_error_t error;
    BS_WAIT_UNTIL (bs_system_call (bs_system_client (system, "intake"), &bs_submit_schema, &probe,
                                   &bs_submitted_schema, &receipt, &error)
                       == BS_E_DENIED,
                   "intake to know commission 1");

    assert_int_equal (bs_system_start (system, "mail"), 0);
    s_drop (system);
    bs_commission_unit_t answer;
    BS_WAIT_UNTIL (s_answered (system, &answer), "the mail to answer commission 1");
    assert_string_equal (answer.state, "on_time");
    assert_non_null (answer.reg_no);
    bs_report_get_t get = {.report_id = answer.report_id};
    bs_report_t report;
    s_call (system, "intake", &bs_report_get_schema, &get, &bs_report_schema, &report);
    assert_string_equal (report.title, "县委组织部基层党建工作做法");
    assert_string_equal (report.channel, "email");
    assert_int_equal (report.commission, 1);
    bs_codec_record_free (&bs_report_schema, &report);
    bs_codec_record_free (&bs_commission_unit_schema, &answer);
    char *text;
    BS_WAIT_UNTIL ((text = s_receipt (system)), "the receipt");
    assert_non_null (strstr (text, "X-Baosong-Commission: 1"));
    free (text);

    /* The unit got the commission by mail, once, though mail is killed
       and replays review's log. */
    text = NULL;
    BS_WAIT_UNTIL (s_outbox (system, "commission-1-", NULL) == 1, "the commission's mail");
    bs_system_kill (system, "mail", SIGKILL);
    assert_int_equal (bs_system_start (system, "mail"), 0);
    zclock_sleep (500);
    assert_int_equal (s_outbox (system, "commission-1-", &text), 1);
    assert_non_null (strstr (text, "To: officer@county.example"));
    assert_non_null (strstr (text, "X-Baosong-Commission: 1"));
    assert_non_null (strstr (text, "Auto-Submitted: auto-generated"));
    free (text);

    /* Later commissions, each its own event on review's log, more than
       the window: every one is mailed. */
    for (uint64_t id = 2; id <= 5; id++) {
        create.deadline = bs_clock_now () + 3600000;
        s_call (system, "review", &bs_commission_create_schema, &create, &bs_commission_schema,
                &commission);
        assert_int_equal (commission.commission_id, id);
        bs_codec_record_free (&bs_commission_schema, &commission);
        char prefix[32];
        snprintf (prefix, sizeof prefix, "commission-%" PRIu64 "-", id);
        BS_WAIT_UNTIL (s_outbox (system, prefix, NULL) == 1, "a later commission's mail");
    }
    bs_system_destroy (&system);
    unsetenv ("BAOSONG_REVIEW_SWEEP_MS");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_gbk_mail_answers_its_commission),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
