/*  bs_test: what every baosong test needs beside cmocka: a private temporary
    folder that is removed afterwards, and the paths of the built programs.
*/
#ifndef BS_TEST_H_INCLUDED
#define BS_TEST_H_INCLUDED

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bs_folder.h"

/* Create a fresh folder under $TMPDIR (or /tmp); caller frees the string
   and removes the folder with bs_folder_remove. */
char *bs_test_temp_dir (const char *prefix);

/* Whether BAOSONG_TEST_QUICK asks for a smaller run (valgrind). */
bool bs_test_quick (void);

/* Path of a built program ("baosong", "baosong-intake", ...); static buffer. */
const char *bs_test_program (const char *name);

#endif
