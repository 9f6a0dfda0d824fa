/*  Who may send what, on running review and publication services: one row
    per rule, each sent by someone the rule refuses (denied, before the
    command touches anything) and by someone it admits (who then gets past
    the rule: the record asked for does not exist, so not_found, or the
    command's own answer).

    The senders hold real certificates: the gateway's acting for an officer
    of a unit (as for a verified session), the admin CLI's, and two
    services' (review's and publication's own).
*/
#include <stdio.h>
#include <string.h>

#include "bs_system.h"
#include "bs_test.h"

#define UNIT "湯陰縣"
#define OTHER_UNIT "林州市"

typedef enum {
    S_OFFICER,     /* li, an officer of UNIT (role officer) */
    S_EDITOR,      /* wang, an editor of OTHER_UNIT */
    S_LEADER,      /* zhao, a leader */
    S_PUBLISHER,   /* sun, a publisher */
    S_ADMIN,       /* the admin CLI's certificate */
    S_REVIEW,      /* review's certificate: a service, not publication */
    S_PUBLICATION, /* publication's own certificate */
    S_SENDERS
} s_sender_t;

static const char *const s_sender_names[S_SENDERS] = {
    "officer li of " UNIT, "editor wang",        "leader zhao", "publisher sun", "admin",
    "service review",      "service publication"};

static bs_system_t *s_system;
static bs_config_t *s_configs[S_SENDERS];    /* the certificates' configurations */
static bs_client_t *s_clients[S_SENDERS][2]; /* [sender][0 review, 1 publication] */

static bs_config_t *
s_config_presenting (const char *certificate)
{
    char path[1200];
    snprintf (path, sizeof path, "%s/baosong.conf", bs_system_folder (s_system));
    bs_error_t error;
    bs_config_t *config = bs_config_load (path, &error);
    assert_non_null (config);
    assert_int_equal (bs_config_set (config, "certificate", certificate, &error), BS_OK);
    return config;
}

static bs_client_t *
s_client (s_sender_t sender, const char *service)
{
    int index = strcmp (service, "review") == 0 ? 0 : 1;
    if (!s_clients[sender][index]) {
        static const char *const certificates[S_SENDERS] = {
            "gateway", "gateway", "gateway", "gateway", "admin", "review", "publication"};
        if (!s_configs[sender])
            s_configs[sender] = s_config_presenting (certificates[sender]);
        s_clients[sender][index] = bs_client_new (s_configs[sender], service, "rules");
        assert_non_null (s_clients[sender][index]);
    }
    bs_client_t *client = s_clients[sender][index];
    static const char *const people[][3] = {{"li", UNIT, "officer"},
                                            {"wang", OTHER_UNIT, "officer,editor"},
                                            {"zhao", OTHER_UNIT, "officer,leader"},
                                            {"sun", OTHER_UNIT, "officer,publisher"}};
    if (sender <= S_PUBLISHER)
        bs_system_act_in (client, people[sender][0], people[sender][1], people[sender][2]);
    return client;
}

typedef struct {
    const char *service;
    const bs_schema_t *schema;
    const void *request;
    const bs_schema_t *reply_schema;
    s_sender_t refused;  /* denied by the rule */
    s_sender_t admitted; /* passes the rule */
    int admitted_code;   /* what the admitted sender then gets */
} s_rule_t;

static void
s_check (const s_rule_t *rule)
{
    bs_error_t error;
    _Alignas(16) uint8_t reply[4096]; /* the reply record */
    assert_true (rule->reply_schema->record_size <= sizeof reply);
    bs_client_t *refused = s_client (rule->refused, rule->service);
    int rc =
        bs_client_call (refused, rule->schema, rule->request, rule->reply_schema, reply, &error);
    if (rc == BS_OK)
        bs_codec_record_free (rule->reply_schema, reply);
    if (rc != BS_E_DENIED)
        fail_msg ("%s from %s: expected denied, got %s (%s)", rule->schema->type,
                  s_sender_names[rule->refused], bs_error_name (rc), rc ? error.text : "");
    bs_client_t *admitted = s_client (rule->admitted, rule->service);
    rc = bs_client_call (admitted, rule->schema, rule->request, rule->reply_schema, reply, &error);
    if (rc == BS_OK)
        bs_codec_record_free (rule->reply_schema, reply);
    if (rc != rule->admitted_code)
        fail_msg ("%s from %s: expected %s, got %s (%s)", rule->schema->type,
                  s_sender_names[rule->admitted], bs_error_name (rule->admitted_code),
                  bs_error_name (rc), rc ? error.text : "");
}

static void
test_publication_rules (void **state)
{
    (void) state;
    bs_forward_t forward = {.issue_id = 999};
    bs_adoption_record_t adoption = {
        .report_id = 999, .level = "province", .outlet = "河南組工信息", .by = "sun"};
    bs_instruct_t instruct = {
        .report_id = 999, .leader = "市委書記", .level = "city", .text = "請推廣。", .by = "zhao"};
    bs_outbox_ack_t ack = {.outbox_id = 999, .error = "refused"};
    bs_feedback_apply_t apply = {0};
    bs_follow_up_t follow_up = {.instruction_id = 999, .text = "已落實。", .unit = UNIT};
    const s_rule_t rules[] = {
        {"publication", &bs_forward_schema, &forward, &bs_outbox_page_schema, S_OFFICER, S_EDITOR,
         BS_E_NOT_FOUND},
        {"publication", &bs_forward_schema, &forward, &bs_outbox_page_schema, S_REVIEW, S_PUBLISHER,
         BS_E_NOT_FOUND},
        {"publication", &bs_adoption_record_schema, &adoption, &bs_adopted_upward_schema, S_OFFICER,
         S_PUBLISHER, BS_E_NOT_FOUND},
        {"publication", &bs_instruct_schema, &instruct, &bs_instruction_schema, S_OFFICER, S_LEADER,
         BS_E_NOT_FOUND},
        {"publication", &bs_outbox_ack_schema, &ack, &bs_outbox_entry_schema, S_EDITOR,
         S_PUBLICATION, BS_E_NOT_FOUND},
        {"publication", &bs_outbox_ack_schema, &ack, &bs_outbox_entry_schema, S_REVIEW, S_ADMIN,
         BS_E_NOT_FOUND},
        {"publication", &bs_feedback_apply_schema, &apply, &bs_outbox_page_schema, S_PUBLISHER,
         S_PUBLICATION, BS_OK},
        {"publication", &bs_feedback_apply_schema, &apply, &bs_outbox_page_schema, S_REVIEW,
         S_ADMIN, BS_OK},
        /* a comment that does not exist is not found for anyone who may
           answer at all; a service may not */
        {"publication", &bs_follow_up_schema, &follow_up, &bs_instruction_schema, S_REVIEW,
         S_OFFICER, BS_E_NOT_FOUND},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        s_check (&rules[i]);
}

static void
test_review_rules (void **state)
{
    (void) state;
    bs_withdraw_t own = {.report_id = 999, .unit = UNIT, .officer = "li", .reason = "誤報"};
    bs_withdraw_t for_other_unit = own;
    for_other_unit.unit = OTHER_UNIT;
    bs_withdraw_t as_other_officer = own;
    as_other_officer.officer = "zhou";
    bs_notice_read_t read = {.notice_id = 999, .unit = UNIT, .officer = "li"};
    bs_notice_read_t read_for_other = {.notice_id = 999, .unit = OTHER_UNIT, .officer = "wang"};
    bs_unit_ref_t units[] = {{.unit = UNIT}};
    bs_commission_create_t create = {.title = "約稿",
                                     .units = {1, units},
                                     .deadline = 4102444800000ULL,
                                     .editor = "li",
                                     .role = "editor"};
    bs_commission_create_t create_by_wang = create;
    create_by_wang.editor = "wang";
    bs_commission_create_t create_by_admin = create;
    create_by_admin.editor = "admin";
    create_by_admin.role = "admin";
    bs_commission_cancel_t cancel = {
        .commission_id = 999, .reason = "取消", .editor = "li", .role = "editor"};
    bs_commission_cancel_t cancel_by_wang = cancel;
    cancel_by_wang.editor = "wang";
    bs_commission_extend_t extend = {.commission_id = 999,
                                     .deadline = 4102444800001ULL,
                                     .reason = "延期",
                                     .editor = "li",
                                     .role = "editor"};
    bs_commission_extend_t extend_by_wang = extend;
    extend_by_wang.editor = "wang";
    const s_rule_t rules[] = {
        /* withdrawal: the officer's own unit, as themself; admin any */
        {"review", &bs_withdraw_schema, &own, &bs_review_case_schema, S_EDITOR, S_OFFICER,
         BS_E_NOT_FOUND},
        {"review", &bs_withdraw_schema, &for_other_unit, &bs_review_case_schema, S_OFFICER, S_ADMIN,
         BS_E_NOT_FOUND},
        {"review", &bs_withdraw_schema, &as_other_officer, &bs_review_case_schema, S_OFFICER,
         S_ADMIN, BS_E_NOT_FOUND},
        {"review", &bs_withdraw_schema, &own, &bs_review_case_schema, S_REVIEW, S_OFFICER,
         BS_E_NOT_FOUND},
        /* read receipts: only the reader */
        {"review", &bs_notice_read_schema, &read, &bs_notice_schema, S_ADMIN, S_OFFICER,
         BS_E_NOT_FOUND},
        {"review", &bs_notice_read_schema, &read_for_other, &bs_notice_schema, S_OFFICER, S_EDITOR,
         BS_E_NOT_FOUND},
        /* commissions: the desk (editor, leader, admin) as themselves */
        {"review", &bs_commission_create_schema, &create, &bs_commission_schema, S_OFFICER, S_ADMIN,
         BS_E_DENIED},
        {"review", &bs_commission_create_schema, &create_by_wang, &bs_commission_schema, S_OFFICER,
         S_EDITOR, BS_OK},
        {"review", &bs_commission_create_schema, &create_by_admin, &bs_commission_schema, S_REVIEW,
         S_ADMIN, BS_OK},
        {"review", &bs_commission_cancel_schema, &cancel, &bs_commission_schema, S_OFFICER, S_ADMIN,
         BS_E_DENIED},
        {"review", &bs_commission_cancel_schema, &cancel_by_wang, &bs_commission_schema, S_OFFICER,
         S_EDITOR, BS_E_NOT_FOUND},
        {"review", &bs_commission_extend_schema, &extend_by_wang, &bs_commission_schema, S_OFFICER,
         S_EDITOR, BS_E_NOT_FOUND},
        {"review", &bs_commission_extend_schema, &extend, &bs_commission_schema, S_PUBLISHER,
         S_ADMIN, BS_E_DENIED},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        s_check (&rules[i]);
}

/* keyring.reload: an admin or a service, not an officer of any role. */
static void
test_keyring_reload (void **state)
{
    (void) state;
    bs_keyring_reload_t reload = {.reason = "test"};
    bs_keyring_reloaded_t reply;
    bs_error_t error;
    bs_principal_t root;
    bs_principal_set (&root, "root", "officer", UNIT, "officer,editor,leader,publisher,admin");
    for (int i = 0; i < 2; i++) {
        const char *service = i ? "publication" : "review";
        bs_client_t *officer = s_client (S_OFFICER, service);
        assert_int_equal (bs_client_call (officer, &bs_keyring_reload_schema, &reload,
                                          &bs_keyring_reloaded_schema, &reply, &error),
                          BS_E_DENIED);
        assert_string_equal (error.field, "principal");
        /* an officer whom the registry made an admin may */
        bs_client_set_principal (officer, &root);
        assert_int_equal (bs_client_call (officer, &bs_keyring_reload_schema, &reload,
                                          &bs_keyring_reloaded_schema, &reply, &error),
                          BS_OK);
        assert_int_equal (bs_client_call (s_client (S_ADMIN, service), &bs_keyring_reload_schema,
                                          &reload, &bs_keyring_reloaded_schema, &reply, &error),
                          BS_OK);
        assert_int_equal (bs_client_call (s_client (S_REVIEW, service), &bs_keyring_reload_schema,
                                          &reload, &bs_keyring_reloaded_schema, &reply, &error),
                          BS_OK);
    }
}

static int
s_setup (void **state)
{
    (void) state;
    s_system = bs_system_new ("baosong-rules");
    return s_system && bs_system_start (s_system, "review") == 0
                   && bs_system_start (s_system, "publication") == 0
               ? 0
               : -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    for (int i = 0; i < S_SENDERS; i++) {
        bs_client_destroy (&s_clients[i][0]);
        bs_client_destroy (&s_clients[i][1]);
        bs_config_destroy (&s_configs[i]);
    }
    bs_system_destroy (&s_system);
    return 0;
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_publication_rules),
        cmocka_unit_test (test_review_rules),
        cmocka_unit_test (test_keyring_reload),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
