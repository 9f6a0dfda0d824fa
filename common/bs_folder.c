/*  bs_folder: private folders; see bs_folder.h. */
#include "bs_folder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int
bs_folder_private (const char *path)
{
    char *copy = strdup (path);
    if (!copy)
        return ENOMEM;
    size_t length = strlen (copy);
    int rc = 0;
    for (size_t at = 1; at <= length && rc == 0; at++) {
        if (copy[at] != '/' && copy[at] != '\0')
            continue;
        char saved = copy[at];
        copy[at] = '\0';
        if (mkdir (copy, 0700) != 0 && errno != EEXIST)
            rc = errno;
        copy[at] = saved;
    }
    free (copy);
    if (rc == 0 && chmod (path, 0700) != 0)
        rc = errno;
    return rc;
}
