/*  Composing and publishing an issue with real processes: periodicals from
    the configuration file, and an admin adding one and changing another
    (kept over the file when publication starts again); add, remove, reorder and edit items (sections,
    editor's notes, edited text, credit, author) and the issue's note and
    responsible editor; a leader's sign-off required before publishing and
    withdrawn by any later change; numbers taken only when an issue is
    published (an abandoned draft leaves no hole), special issues numbered
    apart; a published issue refuses every change and takes errata. Each
    bad request gets its error and changes nothing.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_publication_steps.h"
#include "bs_review_steps.h"
#include "bs_system.h"
#include "bs_test.h"

#define UNIT "排版測試縣委組織部"

static bs_system_t *
s_start (void)
{
    bs_system_t *system = bs_system_new ("publication-compose");
    assert_non_null (system);
    char path[1200];
    snprintf (path, sizeof path, "%s/periodicals.conf", bs_system_folder (system));
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file, "# name | code | issuing unit | level | upward | signoff\n"
                   "組工信息 | ZGXX | 中共測試市委組織部 | city | no | yes\n"
                   "重點上報信息 | ZDSB | 中共測試市委組織部 | city | yes | no\n");
    fclose (file);
    assert_int_equal (bs_system_configure (system, "publication.periodicals_file", path), 0);
    assert_int_equal (bs_system_start_all (system), 0);
    return system;
}

/* The refusal of request: its code, its reason ("": none), words of its
   text. Returns its line (0: none). */
static unsigned
s_expect_refusal (bs_system_t *system, const bs_schema_t *schema, const void *request, int code,
                  const char *reason, const char *words)
{
    bs_issue_t issue;
    bs_error_t error;
    int rc = bs_publication_call (system, schema, request, &issue, &error);
    if (rc == BS_OK)
        bs_codec_record_free (&bs_issue_schema, &issue);
    assert_int_equal (rc, code);
    assert_string_equal (error.reason, reason);
    if (!strstr (error.text, words))
        fail_msg ("expected '%s' in: %s", words, error.text);
    return error.line;
}

static bs_issue_t
s_get (bs_system_t *system, uint64_t issue_id)
{
    bs_issue_get_t get = {.issue_id = issue_id};
    bs_issue_t issue;
    bs_error_t error;
    assert_int_equal (bs_publication_call (system, &bs_issue_get_schema, &get, &issue, &error),
                      BS_OK);
    return issue;
}

static uint64_t
s_item_id (const bs_issue_t *issue, size_t index)
{
    assert_true (index < issue->items.count);
    return ((const bs_issue_item_t *) issue->items.items)[index].report_id;
}

/* publication.periodical_list (name NULL: every one); the page is the
   caller's. */
static bs_periodical_page_t
s_periodicals (bs_system_t *system, const char *name)
{
    bs_periodical_list_t query = {.name = (char *) name};
    bs_periodical_page_t page;
    bs_error_t error;
    assert_int_equal (bs_system_call (bs_system_client (system, "publication"),
                                      &bs_periodical_list_schema, &query,
                                      &bs_periodical_page_schema, &page, &error),
                      BS_OK);
    return page;
}

static void
test_periodicals_come_from_the_configuration (void **state)
{
    (void) state;
    bs_system_t *system = s_start ();
    bs_periodical_page_t page = s_periodicals (system, NULL);
    assert_int_equal (page.periodicals.count, 2);
    const bs_periodical_t *list = page.periodicals.items;
    assert_string_equal (list[0].name, "組工信息");
    assert_string_equal (list[0].code, "ZGXX");
    assert_string_equal (list[0].issuing_unit, "中共測試市委組織部");
    assert_string_equal (list[0].level, "city");
    assert_false (list[0].upward);
    assert_true (list[0].signoff);
    assert_true (list[1].upward);
    assert_false (list[1].signoff);
    bs_codec_record_free (&bs_periodical_page_schema, &page);

    /* An unknown periodical is refused and takes no issue id. */
    bs_issue_create_t unknown = {.periodical = "不存在的刊物"};
    s_expect_refusal (system, &bs_issue_create_schema, &unknown, BS_E_INVALID, "", "unknown periodical");
    bs_issue_create_t bad_series = {.periodical = "組工信息", .series = "號外"};
    s_expect_refusal (system, &bs_issue_create_schema, &bad_series, BS_E_INVALID, "", "專刊");
    bs_issue_create_t create = {.periodical = "組工信息"};
    assert_int_equal (bs_publication_must (system, &bs_issue_create_schema, &create), 1);
    bs_system_destroy (&system);
}

/* An admin's publication.periodical_put: its code, the periodical as
   stored in *reply (when not NULL and ok), the refusal in *error. */
static int
s_put_periodical (bs_system_t *system, const char *roles, const bs_periodical_put_t *put,
                  bs_error_t *error)
{
    bs_client_t *client = bs_system_client (system, "publication");
    bs_system_act_as (client, "管理員", roles);
    bs_periodical_t reply;
    int rc = bs_client_call (client, &bs_periodical_put_schema, put, &bs_periodical_schema,
                             &reply, error);
    bs_client_set_principal (client, NULL);
    if (rc == BS_OK)
        bs_codec_record_free (&bs_periodical_schema, &reply);
    return rc;
}

static bs_periodical_t
s_periodical (bs_system_t *system, const char *name)
{
    bs_periodical_page_t page = s_periodicals (system, name);
    assert_int_equal (page.periodicals.count, 1);
    bs_periodical_t one;
    assert_int_equal (
        bs_codec_record_copy (&bs_periodical_schema, page.periodicals.items, &one), BS_OK);
    bs_codec_record_free (&bs_periodical_page_schema, &page);
    return one;
}

/* Whether an editor's adoption of report_id into periodical was taken
   (review refuses a periodical it does not know yet: invalid). */
static bool
s_adopted (bs_system_t *system, uint64_t report_id, const char *periodical)
{
    bs_error_t error;
    int rc = bs_publication_decide_adopt (system, report_id, periodical, &error);
    if (rc != BS_OK && (rc != BS_E_INVALID || strcmp (error.field, "periodical") != 0))
        fail_msg ("adopting report %llu failed: %s", (unsigned long long) report_id, error.text);
    return rc == BS_OK;
}

static void
test_an_admin_adds_and_changes_periodicals (void **state)
{
    (void) state;
    bs_system_t *system = s_start ();
    bs_error_t error;
    bs_periodical_put_t added = {.name = "三農信息", .code = "SNXX", .issuing_unit = "中共測試縣委農辦",
                                 .level = "county", .signoff = true};
    assert_int_equal (s_put_periodical (system, "publisher", &added, &error), BS_E_DENIED);
    assert_int_equal (s_put_periodical (system, "admin", &added, &error), BS_OK);
    bs_periodical_put_t bad = {.name = "三農信息", .code = "SNXX", .level = "town"};
    assert_int_equal (s_put_periodical (system, "admin", &bad, &error), BS_E_INVALID);
    assert_string_equal (error.field, "level");
    assert_string_equal (error.reason, "unknown_level");

    /* Review learns of it from publication's log: an editor adopts into
       it, and the new one takes issues, without a restart. */
    uint64_t report_id = bs_steps_submit (system, UNIT, "三農工作動態", false);
    BS_WAIT_UNTIL (*bs_steps_state (system, report_id), "review to register the report");
    BS_WAIT_UNTIL (s_adopted (system, report_id, "三農信息"), "review to take 三農信息");
    BS_WAIT_UNTIL (bs_publication_waiting (system, report_id), "publication to hold the adoption");
    bs_issue_create_t create = {.periodical = "三農信息", .report_ids = {1, &report_id}};
    uint64_t issue_id = bs_publication_must (system, &bs_issue_create_schema, &create);
    bs_issue_t issue = s_get (system, issue_id);
    assert_string_equal (issue.periodical, "三農信息");
    assert_int_equal (issue.items.count, 1);
    bs_codec_record_free (&bs_issue_schema, &issue);

    /* 組工信息's line says signoff yes; the admin says no, and that stays
       when publication starts again with the same file. */
    bs_periodical_put_t changed = {.name = "組工信息", .code = "ZGXX",
                                   .issuing_unit = "中共測試市委組織部辦公室", .level = "city"};
    assert_int_equal (s_put_periodical (system, "admin", &changed, &error), BS_OK);
    bs_system_kill (system, "publication", SIGTERM);
    assert_int_equal (bs_system_start (system, "publication"), 0);
    bs_periodical_t one = s_periodical (system, "組工信息");
    assert_false (one.signoff);
    assert_string_equal (one.issuing_unit, "中共測試市委組織部辦公室");
    bs_codec_record_free (&bs_periodical_schema, &one);
    one = s_periodical (system, "三農信息");
    assert_string_equal (one.level, "county");
    assert_true (one.signoff);
    bs_codec_record_free (&bs_periodical_schema, &one);

    /* Published without a sign-off now: nobody is asked for one. */
    bs_periodical_put_t plain = {.name = "三農信息", .code = "SNXX", .issuing_unit = "中共測試縣委農辦",
                                 .level = "county"};
    assert_int_equal (s_put_periodical (system, "admin", &plain, &error), BS_OK);
    bs_issue_signoff_ask_t ask = {.issue_id = issue_id};
    s_expect_refusal (system, &bs_issue_signoff_ask_schema, &ask, BS_E_CONFLICT, "no_signoff",
                      "without a leader's sign-off");
    bs_system_destroy (&system);
}

static void
test_compose_sign_off_publish_and_correct (void **state)
{
    (void) state;
    bs_system_t *system = s_start ();
    uint64_t reports[4];
    for (int i = 0; i < 4; i++) {
        char title[64];
        snprintf (title, sizeof title, "排版測試信息%d", i + 1);
        reports[i] = bs_publication_adopt (system, UNIT, title, "組工信息");
    }
    uint64_t elsewhere = bs_publication_adopt (system, UNIT, "另一刊物的信息", "重點上報信息");
    uint64_t not_adopted = bs_steps_submit (system, UNIT, "未採用的信息", false);

    bs_issue_create_t create = {.periodical = "組工信息", .by = "李編輯"};
    uint64_t issue_id = bs_publication_must (system, &bs_issue_create_schema, &create);
    bs_issue_t issue = s_get (system, issue_id);
    assert_string_equal (issue.state, "draft");
    assert_int_equal (issue.number, 0);
    bs_codec_record_free (&bs_issue_schema, &issue);

    /* Bad additions change nothing; the refusal names the report at fault
       by its place in the list (line). */
    bs_issue_add_t bad = {.issue_id = issue_id, .report_ids = {1, &not_adopted}};
    assert_int_equal (s_expect_refusal (system, &bs_issue_add_schema, &bad, BS_E_NOT_FOUND,
                                        "not_adopted", "not adopted"),
                      1);
    uint64_t mixed[2] = {reports[0], elsewhere};
    bs_issue_add_t wrong = {.issue_id = issue_id, .report_ids = {2, mixed}};
    assert_int_equal (s_expect_refusal (system, &bs_issue_add_schema, &wrong, BS_E_CONFLICT,
                                        "other_periodical", "重點上報信息"),
                      2);
    issue = s_get (system, issue_id);
    assert_int_equal (issue.items.count, 0);
    bs_codec_record_free (&bs_issue_schema, &issue);
    assert_true (bs_publication_waiting (system, reports[0]));

    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {3, reports}, .section = "工作動態"};
    bs_publication_must (system, &bs_issue_add_schema, &add);
    bs_issue_add_t add_last = {.issue_id = issue_id, .report_ids = {1, &reports[3]},
                               .section = "基層經驗"};
    bs_publication_must (system, &bs_issue_add_schema, &add_last);
    assert_false (bs_publication_waiting (system, reports[0]));

    /* A report in this draft goes into no other: a draft created with it
       is refused whole, and leaves nothing behind (no draft, no id); a
       draft with no items is neither signed off nor published. */
    uint64_t taken[2] = {reports[3], reports[1]};
    bs_issue_create_t with_taken = {.periodical = "組工信息", .report_ids = {2, taken}};
    assert_int_equal (s_expect_refusal (system, &bs_issue_create_schema, &with_taken,
                                        BS_E_CONFLICT, "in_issue", "already in issue"),
                      1);
    bs_issue_create_t second = {.periodical = "組工信息"};
    uint64_t second_id = bs_publication_must (system, &bs_issue_create_schema, &second);
    assert_int_equal (second_id, issue_id + 1);
    bs_issue_add_t twice = {.issue_id = second_id, .report_ids = {2, taken}};
    assert_int_equal (s_expect_refusal (system, &bs_issue_add_schema, &twice, BS_E_CONFLICT,
                                        "in_issue", "already in issue"),
                      1);
    bs_issue_signoff_t empty_signoff = {.issue_id = second_id, .leader = "趙部長", .role = "leader"};
    s_expect_refusal (system, &bs_issue_signoff_schema, &empty_signoff, BS_E_CONFLICT, "empty",
                      "no items");
    bs_issue_publish_t empty_publish = {.issue_id = second_id};
    s_expect_refusal (system, &bs_issue_publish_schema, &empty_publish, BS_E_CONFLICT, "empty",
                      "no reports");

    /* Reorder: the last to the front; remove the second of the original. */
    bs_issue_move_t move = {.issue_id = issue_id, .report_id = reports[3], .position = 1};
    bs_publication_must (system, &bs_issue_move_schema, &move);
    bs_issue_move_t too_far = {.issue_id = issue_id, .report_id = reports[3], .position = 9};
    s_expect_refusal (system, &bs_issue_move_schema, &too_far, BS_E_INVALID, "", "past");
    bs_issue_remove_t remove = {.issue_id = issue_id, .report_ids = {1, &reports[1]}};
    bs_publication_must (system, &bs_issue_remove_schema, &remove);
    assert_true (bs_publication_waiting (system, reports[1]));

    bs_issue_item_edit_t edit_item = {.issue_id = issue_id,
                                      .report_id = reports[0],
                                      .title = "排版測試信息1（編輯稿）",
                                      .body = "編輯後的正文。",
                                      .note = "此文經驗值得推廣。",
                                      .source_units = UNIT "、某鎮黨委",
                                      .author = "張三"};
    bs_publication_must (system, &bs_issue_item_edit_schema, &edit_item);
    bs_issue_item_edit_t empty_title = {.issue_id = issue_id, .report_id = reports[0], .title = ""};
    s_expect_refusal (system, &bs_issue_item_edit_schema, &empty_title, BS_E_INVALID, "", "empty");
    bs_issue_edit_t edit = {.issue_id = issue_id, .note = "本期編者按。", .responsible_editor = "李編輯"};
    bs_publication_must (system, &bs_issue_edit_schema, &edit);

    issue = s_get (system, issue_id);
    assert_int_equal (issue.items.count, 3);
    assert_int_equal (s_item_id (&issue, 0), reports[3]);
    assert_int_equal (s_item_id (&issue, 1), reports[0]);
    assert_int_equal (s_item_id (&issue, 2), reports[2]);
    const bs_issue_item_t *items = issue.items.items;
    assert_string_equal (items[0].section, "基層經驗");
    assert_string_equal (items[1].section, "工作動態");
    assert_string_equal (items[1].title, "排版測試信息1（編輯稿）");
    assert_string_equal (items[1].body, "編輯後的正文。");
    assert_string_equal (items[1].note, "此文經驗值得推廣。");
    assert_string_equal (items[1].source_units, UNIT "、某鎮黨委");
    assert_string_equal (items[1].author, "張三");
    assert_string_equal (items[2].body, "組織工作信息。第二句。"); /* review's text */
    assert_string_equal (items[2].source_units, UNIT);
    assert_string_equal (issue.note, "本期編者按。");
    assert_string_equal (issue.responsible_editor, "李編輯");
    bs_codec_record_free (&bs_issue_schema, &issue);

    /* 組工信息 needs a leader's sign-off; an editor cannot give it; a change
       after it withdraws it. The publisher asks for it (送簽): an empty
       draft cannot be asked about; a change withdraws the request too. */
    bs_issue_publish_t publish = {.issue_id = issue_id, .by = "李編輯"};
    s_expect_refusal (system, &bs_issue_publish_schema, &publish, BS_E_CONFLICT, "needs_signoff", "簽發");
    bs_issue_signoff_ask_t empty_ask = {.issue_id = second_id, .by = "李編輯"};
    s_expect_refusal (system, &bs_issue_signoff_ask_schema, &empty_ask, BS_E_CONFLICT, "empty",
                      "no items");
    bs_issue_signoff_ask_t ask = {.issue_id = issue_id, .by = "李編輯"};
    bs_publication_must (system, &bs_issue_signoff_ask_schema, &ask);
    issue = s_get (system, issue_id);
    assert_string_equal (issue.signoff_asked_by, "李編輯");
    assert_true (issue.signoff_asked_at > 0);
    uint64_t asked_at = issue.signoff_asked_at;
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_issue_signoff_ask_t again = {.issue_id = issue_id, .by = "王編輯"};
    bs_publication_must (system, &bs_issue_signoff_ask_schema, &again); /* changes nothing */
    issue = s_get (system, issue_id);
    assert_string_equal (issue.signoff_asked_by, "李編輯");
    assert_int_equal (issue.signoff_asked_at, asked_at);
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_publication_must (system, &bs_issue_edit_schema, &edit);
    issue = s_get (system, issue_id);
    assert_null (issue.signoff_asked_by);
    assert_int_equal (issue.signoff_asked_at, 0);
    assert_string_equal (((const bs_issue_history_t *) issue.history.items)[issue.history.count - 1].action,
                         "unask");
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_publication_must (system, &bs_issue_signoff_ask_schema, &ask);
    bs_issue_signoff_t by_editor = {.issue_id = issue_id, .leader = "李編輯", .role = "editor"};
    s_expect_refusal (system, &bs_issue_signoff_schema, &by_editor, BS_E_DENIED, "", "leader");
    bs_issue_signoff_t signoff = {.issue_id = issue_id, .leader = "趙部長", .role = "leader"};
    bs_publication_must (system, &bs_issue_signoff_schema, &signoff);
    s_expect_refusal (system, &bs_issue_signoff_ask_schema, &ask, BS_E_CONFLICT, "signed_off",
                      "already signed off");
    bs_publication_must (system, &bs_issue_edit_schema, &edit);
    s_expect_refusal (system, &bs_issue_publish_schema, &publish, BS_E_CONFLICT, "needs_signoff", "簽發");
    bs_publication_must (system, &bs_issue_signoff_schema, &signoff);

    /* An abandoned draft and a special issue take no regular number. */
    bs_issue_create_t abandoned = {.periodical = "組工信息"};
    bs_publication_must (system, &bs_issue_create_schema, &abandoned);
    bs_issue_t published;
    bs_error_t error;
    assert_int_equal (
        bs_publication_call (system, &bs_issue_publish_schema, &publish, &published, &error), BS_OK);
    assert_string_equal (published.state, "published");
    assert_int_equal (published.number, 1);
    assert_int_equal (published.total, 1);
    assert_string_equal (published.signed_off_by, "趙部長");
    const bs_issue_history_t *history = published.history.items;
    size_t lines = published.history.count;
    assert_true (lines >= 8);
    assert_string_equal (history[0].action, "create");
    assert_string_equal (history[lines - 2].action, "signoff");
    assert_string_equal (history[lines - 2].by, "趙部長");
    assert_string_equal (history[lines - 1].action, "publish");
    bs_codec_record_free (&bs_issue_schema, &published);

    /* Created with its report (one command): the draft holds it. */
    bs_issue_create_t special = {.periodical = "組工信息", .series = "專刊",
                                 .report_ids = {1, &reports[1]}};
    uint64_t special_id = bs_publication_must (system, &bs_issue_create_schema, &special);
    issue = s_get (system, special_id);
    assert_int_equal (issue.items.count, 1);
    assert_int_equal (s_item_id (&issue, 0), reports[1]);
    assert_int_equal (issue.history.count, 2);
    assert_string_equal (((bs_issue_history_t *) issue.history.items)[1].action, "add");
    bs_codec_record_free (&bs_issue_schema, &issue);
    assert_false (bs_publication_waiting (system, reports[1]));
    bs_issue_signoff_t special_signoff = {.issue_id = special_id, .leader = "趙部長",
                                          .role = "leader"};
    bs_publication_must (system, &bs_issue_signoff_schema, &special_signoff);
    bs_issue_publish_t special_publish = {.issue_id = special_id};
    assert_int_equal (bs_publication_call (system, &bs_issue_publish_schema, &special_publish,
                                           &published, &error),
                      BS_OK);
    assert_string_equal (published.series, "專刊");
    assert_int_equal (published.number, 1);
    bs_codec_record_free (&bs_issue_schema, &published);

    /* A published issue refuses every change and is left as it was. */
    s_expect_refusal (system, &bs_issue_publish_schema, &publish, BS_E_CONFLICT, "published", "already");
    bs_issue_add_t late = {.issue_id = issue_id, .report_ids = {1, &elsewhere}};
    s_expect_refusal (system, &bs_issue_add_schema, &late, BS_E_CONFLICT, "published", "erratum");
    s_expect_refusal (system, &bs_issue_remove_schema, &remove, BS_E_CONFLICT, "published", "erratum");
    s_expect_refusal (system, &bs_issue_item_edit_schema, &edit_item, BS_E_CONFLICT, "published", "erratum");
    s_expect_refusal (system, &bs_issue_move_schema, &move, BS_E_CONFLICT, "published", "erratum");
    s_expect_refusal (system, &bs_issue_signoff_schema, &signoff, BS_E_CONFLICT, "published", "erratum");
    issue = s_get (system, issue_id);
    assert_int_equal (issue.items.count, 3);
    assert_int_equal (issue.history.count, lines);
    bs_codec_record_free (&bs_issue_schema, &issue);

    /* Errata go beside it. */
    bs_erratum_add_t erratum = {.issue_id = issue_id, .report_id = reports[0],
                                .text = "第二段“三個”應為“四個”。", .by = "李編輯"};
    bs_erratum_t recorded;
    bs_client_t *publication = bs_system_client (system, "publication");
    assert_int_equal (bs_system_call (publication, &bs_erratum_add_schema, &erratum,
                                      &bs_erratum_schema, &recorded, &error),
                      BS_OK);
    bs_codec_record_free (&bs_erratum_schema, &recorded);
    bs_erratum_add_t on_draft = {.issue_id = 2, .text = "草稿不需更正。"};
    assert_int_equal (bs_system_call (publication, &bs_erratum_add_schema, &on_draft,
                                      &bs_erratum_schema, &recorded, &error),
                      BS_E_CONFLICT);
    assert_string_equal (error.reason, "draft");
    bs_errata_request_t errata_query = {.issue_id = issue_id};
    bs_errata_page_t errata;
    assert_int_equal (bs_system_call (publication, &bs_errata_request_schema, &errata_query,
                                      &bs_errata_page_schema, &errata, &error),
                      BS_OK);
    assert_int_equal (errata.errata.count, 1);
    assert_string_equal (((bs_erratum_t *) errata.errata.items)[0].text, "第二段“三個”應為“四個”。");
    bs_codec_record_free (&bs_errata_page_schema, &errata);

    /* No level above is configured here: forwarding is refused, nothing
       queued. */
    bs_forward_t forward = {.issue_id = issue_id};
    bs_outbox_page_t outbox;
    assert_int_equal (bs_system_call (publication, &bs_forward_schema, &forward,
                                      &bs_outbox_page_schema, &outbox, &error),
                      BS_E_CONFLICT);
    assert_non_null (strstr (error.text, "no level above"));
    assert_string_equal (error.reason, "no_level_above");
    bs_outbox_request_t all = {0};
    assert_int_equal (bs_system_call (publication, &bs_outbox_request_schema, &all,
                                      &bs_outbox_page_schema, &outbox, &error),
                      BS_OK);
    assert_int_equal (outbox.entries.count, 0);
    bs_codec_record_free (&bs_outbox_page_schema, &outbox);

    /* Adoption by an outlet outside baosong, recorded by hand. */
    bs_adoption_record_t by_hand = {.report_id = reports[0],
                                    .level = "central",
                                    .outlet = "中組部組工信息",
                                    .outlet_issue = "2026年第5期",
                                    .by = "李編輯"};
    bs_adopted_upward_t adoption;
    assert_int_equal (bs_system_call (publication, &bs_adoption_record_schema, &by_hand,
                                      &bs_adopted_upward_schema, &adoption, &error),
                      BS_OK);
    assert_string_equal (adoption.source, "manual");
    bs_codec_record_free (&bs_adopted_upward_schema, &adoption);
    bs_adoption_record_t bad_level = by_hand;
    bad_level.level = "world";
    assert_int_equal (bs_system_call (publication, &bs_adoption_record_schema, &bad_level,
                                      &bs_adopted_upward_schema, &adoption, &error),
                      BS_E_INVALID);
    bs_adoption_record_t unknown = by_hand;
    unknown.report_id = not_adopted;
    assert_int_equal (bs_system_call (publication, &bs_adoption_record_schema, &unknown,
                                      &bs_adopted_upward_schema, &adoption, &error),
                      BS_E_NOT_FOUND);
    bs_upward_request_t upward_query = {.report_id = reports[0]};
    bs_upward_page_t upward;
    assert_int_equal (bs_system_call (publication, &bs_upward_request_schema, &upward_query,
                                      &bs_upward_page_schema, &upward, &error),
                      BS_OK);
    assert_int_equal (upward.adoptions.count, 1);
    assert_string_equal (((bs_adopted_upward_t *) upward.adoptions.items)[0].outlet,
                         "中組部組工信息");
    bs_codec_record_free (&bs_upward_page_schema, &upward);

    /* Leaders' comments: one fresh, one long overdue; the unit answers. */
    bs_instruction_t instruction;
    bs_instruct_t fresh = {.report_id = reports[0], .issue_id = issue_id, .leader = "市委書記",
                           .level = "city", .text = "經驗很好，請總結推廣。", .by = "李編輯"};
    assert_int_equal (bs_system_call (publication, &bs_instruct_schema, &fresh,
                                      &bs_instruction_schema, &instruction, &error),
                      BS_OK);
    assert_string_equal (instruction.unit, UNIT);
    assert_true (instruction.follow_up_due > instruction.instructed_at);
    bs_codec_record_free (&bs_instruction_schema, &instruction);
    bs_instruct_t old = {.report_id = reports[2], .leader = "省委組織部部長", .level = "province",
                         .text = "請抓好落實。", .instructed_at = 1000, .follow_up_days = 1};
    assert_int_equal (bs_system_call (publication, &bs_instruct_schema, &old,
                                      &bs_instruction_schema, &instruction, &error),
                      BS_OK);
    uint64_t overdue_id = instruction.instruction_id;
    bs_codec_record_free (&bs_instruction_schema, &instruction);
    bs_instruct_t wrong_issue = fresh;
    wrong_issue.report_id = reports[1]; /* in the special issue, not this one */
    assert_int_equal (bs_system_call (publication, &bs_instruct_schema, &wrong_issue,
                                      &bs_instruction_schema, &instruction, &error),
                      BS_E_NOT_FOUND);
    bs_instruction_list_t overdue_query = {.overdue = true};
    bs_instruction_page_t listed;
    assert_int_equal (bs_system_call (publication, &bs_instruction_list_schema, &overdue_query,
                                      &bs_instruction_page_schema, &listed, &error),
                      BS_OK);
    assert_int_equal (listed.instructions.count, 1);
    assert_int_equal (((bs_instruction_t *) listed.instructions.items)[0].instruction_id,
                      overdue_id);
    bs_codec_record_free (&bs_instruction_page_schema, &listed);
    bs_follow_up_t other_unit = {.instruction_id = overdue_id, .text = "已落實。",
                                 .unit = "別的單位", .by = "某人"};
    assert_int_equal (bs_system_call (publication, &bs_follow_up_schema, &other_unit,
                                      &bs_instruction_schema, &instruction, &error),
                      BS_E_DENIED);
    /* An officer answers for their own unit only, and as themself; staff
       for any unit. Another unit's comment is, to an officer, one that
       does not exist (the refusal names neither it nor its unit). */
    bs_follow_up_t answer = {.instruction_id = overdue_id, .text = "已召開專題會議落實。",
                             .unit = UNIT, .by = "縣信息員"};
    bs_system_act_in (publication, "外單位信息員", "別的單位", "officer");
    assert_int_equal (bs_client_call (publication, &bs_follow_up_schema, &answer,
                                      &bs_instruction_schema, &instruction, &error),
                      BS_E_NOT_FOUND);
    assert_string_equal (error.field, "instruction_id");
    assert_null (strstr (error.text, UNIT));
    bs_system_act_in (publication, "另一信息員", UNIT, "officer");
    assert_int_equal (bs_client_call (publication, &bs_follow_up_schema, &answer,
                                      &bs_instruction_schema, &instruction, &error),
                      BS_E_DENIED);
    assert_string_equal (error.field, "officer");
    bs_system_act_in (publication, "縣信息員", UNIT, "officer");
    assert_int_equal (bs_client_call (publication, &bs_follow_up_schema, &answer,
                                      &bs_instruction_schema, &instruction, &error),
                      BS_OK);
    bs_system_act_as (publication, NULL, NULL);
    assert_string_equal (instruction.follow_up_text, "已召開專題會議落實。");
    bs_codec_record_free (&bs_instruction_schema, &instruction);
    assert_int_equal (bs_system_call (publication, &bs_instruction_list_schema, &overdue_query,
                                      &bs_instruction_page_schema, &listed, &error),
                      BS_OK);
    assert_int_equal (listed.instructions.count, 0);
    bs_codec_record_free (&bs_instruction_page_schema, &listed);
    bs_instruction_list_t by_unit = {.unit = UNIT};
    assert_int_equal (bs_system_call (publication, &bs_instruction_list_schema, &by_unit,
                                      &bs_instruction_page_schema, &listed, &error),
                      BS_OK);
    assert_int_equal (listed.instructions.count, 2);
    bs_codec_record_free (&bs_instruction_page_schema, &listed);
    bs_system_destroy (&system);
}

/* publication.pending as reader reads it (NULL: staff), from after, at
   most limit, of periodical (NULL: every one): the items' report ids must
   be ids (count of them) and its next next; each item as its adoption
   made it, never in an issue. */
static void
s_expect_pending (bs_system_t *system, const char *reader_unit, const char *periodical,
                  uint64_t after, uint64_t limit, const uint64_t *ids, size_t count, uint64_t next)
{
    bs_client_t *client = bs_system_client (system, "publication");
    bs_pending_request_t query = {
        .periodical = (char *) periodical, .after = after, .limit = limit};
    bs_pending_page_t page;
    bs_error_t error;
    if (reader_unit)
        bs_system_act_in (client, "信息員", reader_unit, "officer");
    else
        bs_system_act_as (client, "編輯部", "publisher");
    assert_int_equal (bs_client_call (client, &bs_pending_request_schema, &query,
                                      &bs_pending_page_schema, &page, &error),
                      BS_OK);
    bs_system_act_as (client, NULL, NULL);
    assert_int_equal (page.items.count, count);
    assert_int_equal (page.next, next);
    const bs_pending_item_t *items = page.items.items;
    for (size_t i = 0; i < count; i++) {
        assert_int_equal (items[i].report_id, ids[i]);
        assert_int_equal (items[i].issue_id, 0);
        assert_true (items[i].adopted_at > 0);
        assert_non_null (strstr (items[i].reg_no, "-"));
        bool other = strcmp (items[i].unit, UNIT) != 0;
        assert_string_equal (items[i].unit, other ? UNIT "二" : UNIT);
        assert_string_equal (items[i].source_units, items[i].unit);
        assert_string_equal (items[i].body, "組織工作信息。第二句。");
        char title[64];
        snprintf (title, sizeof title, "待刊稿件%llu", (unsigned long long) items[i].report_id);
        assert_string_equal (items[i].title, title);
        if (periodical)
            assert_string_equal (items[i].periodical, periodical);
        else if (other)
            assert_string_equal (items[i].periodical, "重點上報信息");
    }
    bs_codec_record_free (&bs_pending_page_schema, &page);
}

/* The waiting list as it changes: adoptions, an issue taking one and
   giving it back, a revert, a restart; paged, by periodical, and an
   officer's own unit only. The page is made of the stored items' bytes
   (services/publication/pending.c). */
static void
test_pending_lists_what_waits (void **state)
{
    (void) state;
    bs_system_t *system = s_start ();
    uint64_t id[4];
    char title[64];
    for (int i = 0; i < 4; i++) {
        bool other = i == 1;
        uint64_t next_id = (uint64_t) i + 1;
        snprintf (title, sizeof title, "待刊稿件%llu", (unsigned long long) next_id);
        id[i] = bs_publication_adopt (system, other ? UNIT "二" : UNIT, title,
                                      other ? "重點上報信息" : "組工信息");
        assert_int_equal (id[i], next_id);
    }
    s_expect_pending (system, NULL, NULL, 0, 0, id, 4, 0);
    s_expect_pending (system, NULL, "組工信息", 0, 0, (uint64_t[]){id[0], id[2], id[3]}, 3, 0);
    s_expect_pending (system, NULL, "重點上報信息", 0, 0, &id[1], 1, 0);
    s_expect_pending (system, UNIT "二", NULL, 0, 0, &id[1], 1, 0);
    s_expect_pending (system, UNIT, NULL, 0, 0, (uint64_t[]){id[0], id[2], id[3]}, 3, 0);
    /* a page at a time: next is the last item's id while more follow */
    s_expect_pending (system, NULL, NULL, 0, 2, id, 2, id[1]);
    s_expect_pending (system, NULL, NULL, id[1], 2, &id[2], 2, 0);
    s_expect_pending (system, NULL, "組工信息", 0, 1, id, 1, id[0]);
    s_expect_pending (system, NULL, "組工信息", id[0], 1, &id[2], 1, id[2]);
    s_expect_pending (system, NULL, "組工信息", id[2], 1, &id[3], 1, 0);
    s_expect_pending (system, NULL, "組工信息", id[3], 1, NULL, 0, 0);

    /* an issue takes two, then gives one back */
    bs_issue_create_t create = {.periodical = "組工信息",
                                .report_ids = {2, (uint64_t[]){id[0], id[2]}}};
    uint64_t issue_id = bs_publication_must (system, &bs_issue_create_schema, &create);
    s_expect_pending (system, NULL, NULL, 0, 0, (uint64_t[]){id[1], id[3]}, 2, 0);
    s_expect_pending (system, NULL, "組工信息", 0, 1, &id[3], 1, 0);
    bs_issue_remove_t remove = {.issue_id = issue_id, .report_ids = {1, &id[0]}};
    bs_publication_must (system, &bs_issue_remove_schema, &remove);
    s_expect_pending (system, NULL, NULL, 0, 0, (uint64_t[]){id[0], id[1], id[3]}, 3, 0);

    /* a reverted adoption leaves */
    bs_revert_t revert = {
        .report_id = id[3], .editor = "部長", .role = "leader", .reason = "數據有誤，撤回採用。"};
    bs_error_t error;
    assert_int_equal (bs_steps_review (system, &bs_revert_schema, &revert, NULL, &error), BS_OK);
    BS_WAIT_UNTIL (!bs_publication_waiting (system, id[3]), "publication to take the revert");
    s_expect_pending (system, NULL, NULL, 0, 0, (uint64_t[]){id[0], id[1]}, 2, 0);
    s_expect_pending (system, NULL, NULL, 0, 1, id, 1, id[0]);
    s_expect_pending (system, NULL, "組工信息", 0, 0, id, 1, 0);

    /* adopted again, into the other periodical: the same report id, an
       item stored anew (publication must not choose it as it was) */
    BS_WAIT_UNTIL (bs_publication_decide_adopt (system, id[3], "重點上報信息", &error) == BS_OK,
                   "review to take the adoption again");
    BS_WAIT_UNTIL (bs_publication_waiting (system, id[3]), "publication to hold it again");
    s_expect_pending (system, NULL, "組工信息", 0, 0, id, 1, 0);
    s_expect_pending (system, NULL, "重點上報信息", 0, 0, (uint64_t[]){id[1], id[3]}, 2, 0);
    s_expect_pending (system, NULL, NULL, 0, 0, (uint64_t[]){id[0], id[1], id[3]}, 3, 0);
    bs_revert_t again = {
        .report_id = id[3], .editor = "部長", .role = "leader", .reason = "再次撤回。"};
    assert_int_equal (bs_steps_review (system, &bs_revert_schema, &again, NULL, &error), BS_OK);
    BS_WAIT_UNTIL (!bs_publication_waiting (system, id[3]), "publication to take the revert");

    /* the same after a restart */
    bs_system_kill (system, "publication", SIGKILL);
    assert_int_equal (bs_system_start (system, "publication"), 0);
    s_expect_pending (system, NULL, NULL, 0, 0, (uint64_t[]){id[0], id[1]}, 2, 0);
    s_expect_pending (system, NULL, "組工信息", 0, 0, id, 1, 0);
    s_expect_pending (system, UNIT "二", "組工信息", 0, 0, NULL, 0, 0);
    bs_system_destroy (&system);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_periodicals_come_from_the_configuration),
        cmocka_unit_test (test_an_admin_adds_and_changes_periodicals),
        cmocka_unit_test (test_compose_sign_off_publish_and_correct),
        cmocka_unit_test (test_pending_lists_what_waits),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
