/*  bs_utf8: one character decoded and encoded, and what is not UTF-8. */
#include <string.h>

#include "bs_test.h"
#include "bs_utf8.h"

static void
test_characters_round_trip (void **state)
{
    (void) state;
    const uint32_t points[] = {'a', 0xE9, 0x570B, 0x20BB7};
    const size_t sizes[] = {1, 2, 3, 4};
    for (size_t i = 0; i < 4; i++) {
        char bytes[4];
        assert_int_equal (bs_utf8_encode (points[i], bytes), sizes[i]);
        size_t size = 0;
        assert_int_equal (bs_utf8_decode (bytes, sizes[i], &size), points[i]);
        assert_int_equal (size, sizes[i]);
    }
    size_t size;
    assert_int_equal (bs_utf8_decode ("國家", strlen ("國家"), &size), 0x570B);
    assert_int_equal (size, 3);
}

static void
test_bad_bytes_are_one_byte_long (void **state)
{
    (void) state;
    size_t size = 0;
    assert_int_equal (bs_utf8_decode ("\xff" "a", 2, &size), UINT32_MAX);
    assert_int_equal (size, 1);
    assert_int_equal (bs_utf8_decode ("\xe5\x9c", 2, &size), UINT32_MAX); /* cut short */
    assert_int_equal (size, 1);
    assert_int_equal (bs_utf8_decode ("\xe5" "ab", 3, &size), UINT32_MAX); /* no continuation */
    assert_int_equal (size, 1);
}

static void
test_characters_counted_as_a_person_counts (void **state)
{
    (void) state;
    assert_int_equal (bs_utf8_characters (""), 0);
    assert_int_equal (bs_utf8_characters ("password"), 8);
    /* 七個漢字的密碼: 21 bytes, 7 characters */
    assert_int_equal (bs_utf8_characters ("七個漢字的密碼"), 7);
    assert_int_equal (bs_utf8_characters ("八個漢字組成密碼"), 8);
    assert_int_equal (bs_utf8_characters ("é李\xf0\xa0\xae\xb7" "a"), 4); /* 2, 3, 4, 1 bytes */
    /* a byte that is not UTF-8 counts as one, a stray continuation as none */
    assert_int_equal (bs_utf8_characters ("\xff" "a"), 2);
    assert_int_equal (bs_utf8_characters ("a\x80"), 1);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_characters_round_trip),
        cmocka_unit_test (test_bad_bytes_are_one_byte_long),
        cmocka_unit_test (test_characters_counted_as_a_person_counts),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
