/*  bs_text: white space at the ends of a line cut off in place (the lines
    of configuration and periodicals files), blank text, decimals, text
    built in a memory stream, and the hash of names and texts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "bs_test.h"
#include "bs_text.h"

/* bs_text_trim of a copy of text: what it returns, and that it returns a
   place inside the copy, cut at its end. */
static void
s_check_trim (const char *text, const char *expected)
{
    char copy[256];
    snprintf (copy, sizeof copy, "%s", text);
    char *trimmed = bs_text_trim (copy);
    assert_true (trimmed >= copy && trimmed <= copy + strlen (text));
    assert_string_equal (trimmed, expected);
}

static void
test_trim_cuts_ascii_white_space_at_both_ends (void **state)
{
    (void) state;
    s_check_trim ("  key = value \n", "key = value");
    s_check_trim ("\t\r\n\v\f name\t\r\n\v\f ", "name");
    s_check_trim ("inner  spaces  stay", "inner  spaces  stay");
    s_check_trim ("組工信息 | zgxx \n", "組工信息 | zgxx");
    s_check_trim ("", "");
    s_check_trim (" \t\n", "");
    s_check_trim ("x", "x");
}

static void
test_trim_keeps_full_width_space (void **state)
{
    (void) state;
    /* U+3000 is typed text, not ASCII white space: as bs_text_blank */
    s_check_trim ("　組工信息　", "　組工信息　");
    s_check_trim (" 　 ", "　");
}

static void
test_trim_in_place (void **state)
{
    (void) state;
    char line[] = "  a b  ";
    char *trimmed = bs_text_trim (line);
    assert_ptr_equal (trimmed, line + 2);
    assert_memory_equal (line, "  a b\0\0", sizeof line);
}

static void
test_blank (void **state)
{
    (void) state;
    assert_true (bs_text_blank (NULL));
    assert_true (bs_text_blank (""));
    assert_true (bs_text_blank (" \t\r\n"));
    assert_false (bs_text_blank (" x "));
    assert_false (bs_text_blank ("　"));
}

/* bs_text_decimal writes what snprintf's "%0*llu" writes, without a NUL. */
static void
s_check_decimal (uint64_t value, int width)
{
    char expected[32], written[32];
    snprintf (expected, sizeof expected, "%0*llu", width, (unsigned long long) value);
    memset (written, 'x', sizeof written);
    char *end = bs_text_decimal (written, value, width);
    assert_int_equal (end - written, strlen (expected));
    assert_int_equal (*end, 'x');
    *end = 0;
    assert_string_equal (written, expected);
}

static void
test_decimal (void **state)
{
    (void) state;
    s_check_decimal (0, 0);
    s_check_decimal (0, 1);
    s_check_decimal (7, 6);
    s_check_decimal (2026, 4);
    s_check_decimal (123456, 6);
    s_check_decimal (1234567, 6);
    s_check_decimal (10, 1);
    s_check_decimal (UINT64_MAX, 0);
    s_check_decimal (UINT64_MAX, 20);
}

/* bs_text_copy is snprintf's "%s": cut to size - 1 bytes, always
   NUL-terminated, NULL as "", the whole length returned. */
static void
test_copy (void **state)
{
    (void) state;
    char out[8];
    memset (out, 'x', sizeof out);
    assert_int_equal (bs_text_copy (out, sizeof out, "review"), 6);
    assert_string_equal (out, "review");
    assert_int_equal (bs_text_copy (out, sizeof out, "publication"), 11);
    assert_string_equal (out, "publica");
    assert_int_equal (bs_text_copy (out, sizeof out, "1234567"), 7);
    assert_string_equal (out, "1234567");
    assert_int_equal (bs_text_copy (out, sizeof out, NULL), 0);
    assert_string_equal (out, "");
    memset (out, 'x', sizeof out);
    assert_int_equal (bs_text_copy (out, 1, "abc"), 3);
    assert_int_equal (out[0], 0);
    assert_int_equal (out[1], 'x');
    assert_int_equal (bs_text_copy (out, 0, "abc"), 3);
}

/* A cut never parts a UTF-8 character: "信息报送" is four characters of
   three bytes; into 8 bytes (7 and the NUL) two fit whole, the third's
   first byte does not go in alone. */
static void
test_copy_cuts_between_characters (void **state)
{
    (void) state;
    char out[8];
    assert_int_equal (bs_text_copy (out, sizeof out, "信息报送"), 12);
    assert_string_equal (out, "信息");
    assert_int_equal (bs_text_copy (out, 7, "信息报送"), 12);
    assert_string_equal (out, "信息");
    assert_int_equal (bs_text_copy (out, 6, "信息报送"), 12);
    assert_string_equal (out, "信");
    assert_int_equal (bs_text_copy (out, 3, "信息"), 6);
    assert_string_equal (out, "");
    assert_int_equal (bs_text_copy (out, sizeof out, "ab信息报"), 11);
    assert_string_equal (out, "ab信");
    assert_int_equal (bs_text_copy (out, sizeof out, "abcdef信"), 9);
    assert_string_equal (out, "abcdef");
}

/* A memory stream closed whole gives its text, its size set; flushed, it
   shows what it holds so far. */
static void
test_stream_close (void **state)
{
    (void) state;
    char *text = NULL;
    size_t size = 0;
    FILE *stream = bs_text_stream_open (&text, &size);
    assert_non_null (stream);
    fputs ("第1号", stream);
    fflush (stream);
    assert_string_equal (text, "第1号");
    fprintf (stream, "%s", "通报");
    char *closed = bs_text_stream_close (stream, &text);
    assert_ptr_equal (closed, text);
    assert_string_equal (closed, "第1号通报");
    assert_int_equal (size, strlen ("第1号通报"));
    free (text);

    stream = bs_text_stream_open (&text, &size); /* nothing written: "" */
    assert_non_null (stream);
    closed = bs_text_stream_close (stream, &text);
    assert_non_null (closed);
    assert_string_equal (closed, "");
    assert_int_equal (size, 0);
    free (text);
}

/* Written as the renderers write, not looking at what each write returns,
   64 MiB into a stream with 16 MiB of address space to spare: a write
   runs out of memory, and the close says so (NULL, the text freed)
   instead of giving a text cut short. glibc's own memory stream drops
   the bytes it has no memory for without setting its error flag; this
   test fails with one. Run in a child process, whose address space is
   bounded (RLIMIT_AS); not under AddressSanitizer or valgrind, whose own
   allocators stop the process when memory runs out. */
static void
test_stream_close_after_running_out (void **state)
{
    (void) state;
#ifdef __SANITIZE_ADDRESS__
    skip ();
#endif
    if (RUNNING_ON_VALGRIND)
        skip ();
    pid_t child = fork ();
    assert_true (child >= 0);
    if (child == 0) {
        long pages = 0;
        FILE *statm = fopen ("/proc/self/statm", "r");
        if (!statm || fscanf (statm, "%ld", &pages) != 1)
            _exit (2);
        fclose (statm);
        rlim_t bound = (rlim_t) pages * (rlim_t) sysconf (_SC_PAGESIZE) + ((rlim_t) 16 << 20);
        if (setrlimit (RLIMIT_AS, &(struct rlimit){bound, bound}) != 0)
            _exit (3);
        static char chunk[1 << 16];
        memset (chunk, 'x', sizeof chunk);
        char *text = NULL;
        size_t size = 0;
        FILE *stream = bs_text_stream_open (&text, &size);
        if (!stream)
            _exit (4);
        for (int i = 0; i < 1024; i++)
            fwrite (chunk, 1, sizeof chunk, stream);
        fputs ("end", stream);
        char *closed = bs_text_stream_close (stream, &text);
        _exit (closed ? 1 : 0); /* 1: a text came back, cut short */
    }
    int status = 0;
    assert_int_equal (waitpid (child, &status, 0), child);
    assert_true (WIFEXITED (status));
    assert_int_equal (WEXITSTATUS (status), 0);
}

/* bs_text_hash is FNV-1a's 64 bits, and stays so: stored replies keep
   the hash of the texts they left out, checked when they are put back. */
static void
test_hash_is_fnv1a_64 (void **state)
{
    (void) state;
    assert_true (bs_text_hash (BS_TEXT_HASH, "", 0) == 0xcbf29ce484222325ULL);
    assert_true (bs_text_hash (BS_TEXT_HASH, "a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true (bs_text_hash (BS_TEXT_HASH, "foobar", 6) == 0x85944171f73967e8ULL);
    const char *unit = "滑縣";
    assert_true (bs_text_hash (BS_TEXT_HASH, unit, strlen (unit)) == 0x31e2b4de3b27fc6bULL);
    /* a hash goes on with more bytes as if they had come at once */
    uint64_t foo = bs_text_hash (BS_TEXT_HASH, "foo", 3);
    assert_true (bs_text_hash (foo, "bar", 3) == 0x85944171f73967e8ULL);
}

/* bs_text_table_hash reads every byte and the length, and its low bits,
   the ones a table of a power of two uses, depend on the high bytes of a
   word too (keys alike but for their eighth byte, as terms and rows'
   keys are, spread over the slots). */
static void
test_table_hash_reads_every_byte_into_its_low_bits (void **state)
{
    (void) state;
    char key[24];
    for (size_t length = 1; length <= sizeof key; length++) {
        memset (key, 'a', sizeof key);
        uint32_t whole = (uint32_t) bs_text_table_hash (key, length);
        for (size_t i = 0; i < length; i++) {
            key[i] = 'b';
            assert_true ((uint32_t) bs_text_table_hash (key, length) != whole);
            key[i] = 'a';
        }
    }
    /* a word's NULs after the key are not the key's own */
    assert_true (bs_text_table_hash ("ab", 2) != bs_text_table_hash ("ab\0", 3));
    assert_true (bs_text_table_hash ("abcdefgh", 8) != bs_text_table_hash ("abcdefgh\0", 9));
    static bool used[1024];
    size_t slots = 0;
    for (unsigned i = 0; i < 1024; i++) {
        unsigned char word[8] = {'t', 'e', 'r', 'm', 's', 'x', (unsigned char) (i >> 8),
                                 (unsigned char) i};
        uint64_t slot = bs_text_table_hash (word, 8) & 1023;
        slots += !used[slot];
        used[slot] = true;
    }
    assert_true (slots > 512); /* about 1 - 1/e of 1,024 when spread */
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_trim_cuts_ascii_white_space_at_both_ends),
        cmocka_unit_test (test_trim_keeps_full_width_space),
        cmocka_unit_test (test_trim_in_place),
        cmocka_unit_test (test_blank),
        cmocka_unit_test (test_decimal),
        cmocka_unit_test (test_copy),
        cmocka_unit_test (test_copy_cuts_between_characters),
        cmocka_unit_test (test_stream_close),
        cmocka_unit_test (test_stream_close_after_running_out),
        cmocka_unit_test (test_hash_is_fnv1a_64),
        cmocka_unit_test (test_table_hash_reads_every_byte_into_its_low_bits),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
