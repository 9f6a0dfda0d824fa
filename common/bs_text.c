/*  bs_text: checks on typed text; see bs_text.h. */
#include "bs_text.h"

#include <ctype.h>

bool
bs_text_blank (const char *text)
{
    for (; text && *text; text++)
        if (!isspace ((unsigned char) *text))
            return false;
    return true;
}
