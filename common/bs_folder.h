/*  bs_folder: the folders baosong keeps its data in.

    Everything under data_dir is private to the account that runs baosong:
    stores, keys, the run folder with its sockets and pid files, the mail
    outbox. So each folder is made with mode 0700 and, when it already
    existed (made by hand, or by an older version with 0755), set to 0700
    explicitly, whatever the umask.

    And a folder removed with everything in it: the temporary folders of
    the tests, the benchmarks and the fuzz targets; and the sorted names
    in a folder (a Maildir's mails, a store's journal segments).
*/
#include <stddef.h>

#ifndef BS_FOLDER_H_INCLUDED
#define BS_FOLDER_H_INCLUDED

/* mkdir -p path, every folder it creates 0700, then chmod 0700 on path
   itself. 0, or the errno of the mkdir or chmod that failed. */
int bs_folder_private (const char *path);

/* rm -rf path: path and everything below it, depth first. Symbolic links
   are removed, never followed. 0 when nothing of path is left (also when
   there was nothing, or path is NULL), else the errno of the first entry
   that could not be removed (the others are removed all the same). */
int bs_folder_remove (const char *path);

/* The names in folder that start with prefix ("" or NULL: any) and not
   with a dot, sorted (strcmp), malloc'd each and the array (free with
   bs_folder_names_free); *count of them. NULL with *count 0 when the
   folder cannot be read (errno says why) or holds none. */
char **bs_folder_names (const char *folder, const char *prefix, size_t *count);
void bs_folder_names_free (char **names, size_t count);

#endif
