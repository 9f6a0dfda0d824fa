/*  bs_folder_remove: a folder removed with everything in it, and nothing
    outside it, even through a symbolic link. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bs_folder.h"
#include "bs_test.h"

static void
s_write (const char *folder, const char *name)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", folder, name);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fputs ("組工信息\n", file);
    assert_int_equal (fclose (file), 0);
}

static void
s_folder (const char *folder, const char *name)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", folder, name);
    assert_int_equal (mkdir (path, 0700), 0);
}

static bool
s_exists (const char *folder, const char *name)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", folder, name);
    struct stat info;
    return lstat (path, &info) == 0;
}

static void
test_remove_takes_the_whole_tree (void **state)
{
    (void) state;
    char *base = bs_test_temp_dir ("baosong-test-folder");
    assert_non_null (base);
    s_folder (base, "tree");
    s_write (base, "tree/top.txt");
    s_folder (base, "tree/store");
    s_write (base, "tree/store/data.mdb");
    s_folder (base, "tree/store/deeper");
    s_folder (base, "tree/store/deeper/empty");
    s_write (base, "tree/store/deeper/.hidden");
    s_write (base, "beside.txt");

    char tree[4096];
    snprintf (tree, sizeof tree, "%s/tree", base);
    assert_int_equal (bs_folder_remove (tree), 0);
    assert_false (s_exists (base, "tree"));
    assert_true (s_exists (base, "beside.txt")); /* only what is below path */
    assert_int_equal (bs_folder_remove (base), 0);
    struct stat info;
    assert_int_equal (lstat (base, &info), -1);
    free (base);
}

static void
test_remove_does_not_follow_links (void **state)
{
    (void) state;
    char *base = bs_test_temp_dir ("baosong-test-folder");
    assert_non_null (base);
    s_folder (base, "kept");
    s_write (base, "kept/report.txt");
    s_folder (base, "tree");
    char target[4096], link[4096];
    snprintf (target, sizeof target, "%s/kept", base);
    snprintf (link, sizeof link, "%s/tree/link", base);
    assert_int_equal (symlink (target, link), 0);

    char tree[4096];
    snprintf (tree, sizeof tree, "%s/tree", base);
    assert_int_equal (bs_folder_remove (tree), 0);
    assert_false (s_exists (base, "tree"));
    assert_true (s_exists (base, "kept/report.txt"));
    assert_int_equal (bs_folder_remove (base), 0);
    free (base);
}

static void
test_remove_of_nothing_is_done (void **state)
{
    (void) state;
    char *base = bs_test_temp_dir ("baosong-test-folder");
    assert_non_null (base);
    char missing[4096];
    snprintf (missing, sizeof missing, "%s/never-made", base);
    assert_int_equal (bs_folder_remove (missing), 0);
    assert_int_equal (bs_folder_remove (NULL), 0);
    assert_int_equal (bs_folder_remove (base), 0);
    free (base);
}

static void
test_remove_says_what_it_could_not_do (void **state)
{
    (void) state;
    char *base = bs_test_temp_dir ("baosong-test-folder");
    assert_non_null (base);
    s_write (base, "file");
    char below_a_file[4096];
    snprintf (below_a_file, sizeof below_a_file, "%s/file/x", base);
    assert_int_equal (bs_folder_remove (below_a_file), ENOTDIR);
    assert_true (s_exists (base, "file"));

    if (geteuid () != 0) { /* root may remove from a read-only folder */
        s_folder (base, "locked");
        s_write (base, "locked/a");
        s_folder (base, "open");
        s_write (base, "open/b");
        char locked[4096];
        snprintf (locked, sizeof locked, "%s/locked", base);
        assert_int_equal (chmod (locked, 0500), 0);
        assert_int_equal (bs_folder_remove (base), EACCES);
        assert_false (s_exists (base, "open")); /* the rest went all the same */
        assert_true (s_exists (base, "locked/a"));
        assert_int_equal (chmod (locked, 0700), 0);
    }
    assert_int_equal (bs_folder_remove (base), 0);
    free (base);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_remove_takes_the_whole_tree),
        cmocka_unit_test (test_remove_does_not_follow_links),
        cmocka_unit_test (test_remove_of_nothing_is_done),
        cmocka_unit_test (test_remove_says_what_it_could_not_do),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
