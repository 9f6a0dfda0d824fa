/*  mail_tag: the commission tag of a subject, in every form offices write
    it, is found and taken out of the title; what only looks like a tag is
    left alone. A GBK-encoded subject carries it through mail_parse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_test.h"
#include "mail_parse.h"
#include "mail_tag.h"

static void
s_expect (const char *subject, uint64_t commission, const char *title)
{
    char buffer[256];
    snprintf (buffer, sizeof buffer, "%s", subject);
    uint64_t found = mail_tag_commission (buffer);
    if (found != commission)
        fail_msg ("'%s': commission %llu, expected %llu", subject, (unsigned long long) found,
                  (unsigned long long) commission);
    assert_string_equal (buffer, title);
}

static void
test_tags (void **state)
{
    (void) state;
    s_expect ("[約稿12] 林州市基層黨建信息", 12, "林州市基層黨建信息");
    s_expect ("[约稿12]林州市基层党建信息", 12, "林州市基层党建信息");
    s_expect ("林州市基層黨建信息 【約稿7】", 7, "林州市基層黨建信息");
    s_expect ("關於 ［约稿 ３４］ 的答覆", 34, "關於 的答覆");
    s_expect ("[約稿#5] 答覆", 5, "答覆");
    s_expect ("[約稿12]", 12, "[約稿12]"); /* only the tag: it stays the title */
}

static void
test_not_tags (void **state)
{
    (void) state;
    s_expect ("林州市基層黨建信息", 0, "林州市基層黨建信息");
    s_expect ("[約稿] 沒有編號", 0, "[約稿] 沒有編號");
    s_expect ("[約稿0] 零號", 0, "[約稿0] 零號");
    s_expect ("[約稿12 沒有右括號", 0, "[約稿12 沒有右括號");
    s_expect ("約稿12 沒有括號", 0, "約稿12 沒有括號");
    s_expect ("[稿約12] 顛倒", 0, "[稿約12] 顛倒");
    s_expect ("[約稿12345678901234567] 太長", 0, "[約稿12345678901234567] 太長");
}

static void
test_gbk_subject (void **state)
{
    (void) state;
    char path[1024];
    snprintf (path, sizeof path, "%s/tests/data/mail/commission_gbk.eml", BAOSONG_SOURCE_DIR);
    FILE *file = fopen (path, "rb");
    assert_non_null (file);
    char bytes[4096];
    size_t size = fread (bytes, 1, sizeof bytes, file);
    fclose (file);
    mail_limits_t limits = {.max_message = 1 << 20};
    mail_report_t report;
    bs_error_t error;
    assert_int_equal (mail_parse (bytes, size, &limits, &report, &error), BS_OK);
    assert_int_equal (report.submit.commission, 1);
    assert_string_equal (report.submit.title, "县委组织部基层党建工作做法");
    mail_report_clear (&report);
}

int
main (void)
{
    mail_parse_init ();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_tags),
        cmocka_unit_test (test_not_tags),
        cmocka_unit_test (test_gbk_subject),
    };
    int failed = cmocka_run_group_tests (tests, NULL, NULL);
    mail_parse_shutdown ();
    return failed;
}
