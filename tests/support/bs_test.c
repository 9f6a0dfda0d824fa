/*  bs_test: temporary folders and program paths for tests; see bs_test.h. */
#include "bs_test.h"

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

const char *
bs_test_program (const char *name)
{
    static char path[4096];
    snprintf (path, sizeof path, "%s/%s", BAOSONG_BINARY_DIR, name);
    return path;
}
