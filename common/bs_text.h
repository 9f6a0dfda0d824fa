/*  bs_text: small checks on the text people type, shared by every service
    that reads it (intake's fields, mail bodies).
*/
#ifndef BS_TEXT_H_INCLUDED
#define BS_TEXT_H_INCLUDED

#include <stdbool.h>

/* Whether text is NULL, empty or only white space (ASCII white space: a
   line of only full-width spaces is not blank). */
bool bs_text_blank (const char *text);

#endif
