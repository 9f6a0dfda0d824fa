/*  bs_html: text written into HTML or XML with its markup characters
    escaped, so that what a person typed is shown as typed and never read
    as markup.

    One escaper for every page and document the system writes: the
    gateway's pages (pages.c, console.c), publication's issues as HTML
    and DOCX (render_html.c, render_docx.c) and statistics' bulletins as
    HTML (tables.c).
    & < > " and ' become &amp; &lt; &gt; &quot; and &#39; (a numeric
    reference: HTML and XML both read it, where &apos; is not HTML 4), so
    the text is safe between tags and in an attribute value quoted either
    way. Every other byte is written as it is: UTF-8 (Chinese) passes
    through unchanged, and so do bytes that are not UTF-8 (text is checked
    where it is read, by bs_codec_utf8_valid; this is no place to change
    it). The text is a C string: it ends at its first NUL.
    Leaf: no other class of common/ is used.
*/
#ifndef BS_HTML_H_INCLUDED
#define BS_HTML_H_INCLUDED

#include <stdio.h>

/* The characters bs_html escapes, for strcspn. */
#define BS_HTML_MARKUP "&<>\"'"

/* Write text to out with & < > " ' escaped; nothing when text is NULL. */
void bs_html_escape (FILE *out, const char *text);

/* The reference that stands for c ("&amp;" for '&'), or NULL when c is
   written as it is. */
const char *bs_html_entity (char c);

#endif
