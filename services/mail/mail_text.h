/*  mail_text: the text of a mail, exactly, in UTF-8.

    Chinese mail arrives in GB2312, GBK, GB18030, Big5 or UTF-8, and is often
    labelled wrongly: a body declared GB2312 holds GBK characters (GB2312 has
    only 6,763 hanzi), one declared Big5 holds Windows code page 950
    additions. So a declared charset names a family, converted with the
    superset of the family:
        gb2312, gbk, cp936, euc-cn, x-gbk, gb18030   -> GB18030
        big5, cp950, x-big5, big5-hkscs              -> CP950, then BIG5-HKSCS
        utf-8, us-ascii (and none, for 7-bit bytes)  -> UTF-8
        anything else iconv knows                    -> that charset
    Conversion is strict: a byte sequence the charset cannot decode is an
    error (BS_E_INVALID, field "charset"), never a silent U+FFFD, because a
    registered report must be exactly what was sent. Undeclared 8-bit text
    (common in older Chinese mail) is taken as UTF-8 when it is valid UTF-8,
    else as GB18030 when that decodes, else refused.

    Headers: RFC 2047 encoded words (=?GBK?B?...?=, =?big5?Q?...?=) are
    decoded the same way; adjacent words of the same charset are joined
    before conversion, so a character split across two words survives.

    HTML-only mail is reduced to text: scripts, styles, head and comments
    are dropped, tags removed, block tags (p, div, br, li, tr, h1-h6, ...)
    become line or paragraph breaks, character references (&amp;, &nbsp;,
    &#20013;, &#x4e2d;) are decoded, runs of white space collapse.

    Every returned char * is the caller's to free.
*/
#ifndef MAIL_TEXT_H_INCLUDED
#define MAIL_TEXT_H_INCLUDED

#include <stddef.h>

#include "bs_error.h"

/* Close the converters mail_text_convert keeps open between mails (at
   exit: mail_parse_shutdown). */
void mail_text_forget (void);

/* Convert size bytes in charset (NULL or "" when undeclared) to UTF-8 in
 *text (NUL-terminated). A NUL byte in the text is refused too. */
int mail_text_convert (const char *charset, const char *bytes, size_t size, char **text,
                       bs_error_t *error);

/* Decode a raw (possibly folded) header value: unfold, decode encoded
   words, convert raw 8-bit bytes as undeclared text, collapse white space
   runs to one space, trim. */
int mail_text_header (const char *raw, char **text, bs_error_t *error);

/* The text of an HTML document (already UTF-8). */
char *mail_text_from_html (const char *html);

/* Tidy a plain body in place: CRLF and CR to LF, trailing white space of
   each line removed, blank lines at the start and end removed. */
void mail_text_tidy (char *text);

/* Whether text may be echoed into a header of a mail we send: no control
   character at all (C0, including CR, LF and tab, nor DEL), so a decoded
   value can never start a header of its own. */
int mail_text_header_safe (const char *text);

#endif
