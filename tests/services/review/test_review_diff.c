/*  test_review_diff: the sentence-level diff of an edited report against
    its original (review_diff_text), as an editor reads it.
*/
#include "review_desk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
test_diff_sentence_by_sentence (void **state)
{
    (void) state;
    char *diff = review_diff_text ("第一句。第二句。第三句。", "第一句。第二句改了。第三句。");
    assert_string_equal (diff, "  第一句。\n- 第二句。\n+ 第二句改了。\n  第三句。\n");
    free (diff);
    diff = review_diff_text ("同樣。", "同樣。");
    assert_string_equal (diff, "  同樣。\n");
    free (diff);
    diff = review_diff_text ("", "新增。");
    assert_string_equal (diff, "+ 新增。\n");
    free (diff);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_diff_sentence_by_sentence),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
