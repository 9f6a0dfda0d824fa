/*  bs_folder: private folders, and removing folders; see bs_folder.h. */
#include "bs_folder.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
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

/* The errno of the first entry bs_folder_remove could not remove: nftw
   passes its callback nothing of the caller's. */
static __thread int s_remove_error;

static int
s_remove_entry (const char *path, const struct stat *info, int flag, struct FTW *walk)
{
    (void) info;
    (void) flag;
    (void) walk;
    if (remove (path) != 0 && s_remove_error == 0)
        s_remove_error = errno;
    return 0; /* go on: remove what can be removed */
}

int
bs_folder_remove (const char *path)
{
    if (!path)
        return 0;
    s_remove_error = 0;
    if (nftw (path, s_remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT
        && s_remove_error == 0)
        s_remove_error = errno;
    return s_remove_error;
}

static int
s_compare_names (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

char **
bs_folder_names (const char *folder, const char *prefix, size_t *count)
{
    *count = 0;
    DIR *dir = opendir (folder);
    if (!dir)
        return NULL;
    size_t capacity = 0, length = prefix ? strlen (prefix) : 0;
    char **names = NULL;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        if (entry->d_name[0] == '.' || strncmp (entry->d_name, prefix ? prefix : "", length) != 0)
            continue;
        if (*count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            char **grown = realloc (names, capacity * sizeof *grown);
            if (!grown)
                break;
            names = grown;
        }
        names[*count] = strdup (entry->d_name);
        if (names[*count])
            (*count)++;
    }
    closedir (dir);
    if (*count)
        qsort (names, *count, sizeof *names, s_compare_names);
    else {
        free (names);
        names = NULL;
        errno = 0;
    }
    return names;
}

void
bs_folder_names_free (char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free (names[i]);
    free (names);
}
