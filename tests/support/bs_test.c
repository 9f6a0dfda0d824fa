/*  bs_test: temporary folders and program paths for tests; see bs_test.h. */
#include "bs_test.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool
bs_test_quick (void)
{
    const char *quick = getenv ("BAOSONG_TEST_QUICK");
    return quick && *quick && strcmp (quick, "0") != 0;
}

char *
bs_test_temp_dir (const char *prefix)
{
    const char *base = getenv ("TMPDIR");
    char *path = NULL;
    if (asprintf (&path, "%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix) < 0)
        return NULL;
    if (!mkdtemp (path)) {
        free (path);
        return NULL;
    }
    return path;
}

static int
s_remove_entry (const char *path, const struct stat *info, int flag, struct FTW *walk)
{
    (void) info;
    (void) flag;
    (void) walk;
    remove (path);
    return 0;
}

void
bs_test_remove_tree (const char *path)
{
    if (path)
        nftw (path, s_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
bs_test_program (const char *name)
{
    static char path[4096];
    snprintf (path, sizeof path, "%s/%s", BAOSONG_BINARY_DIR, name);
    return path;
}
