/*  mail_tag: the commission tag of a mail's subject. A unit answers a
    commission (約稿) by mail by putting its number in the subject, as
    offices already do by hand: "[約稿12] 林州市基層黨建信息". The tag is
    約稿 or 约稿 and the number, in square brackets ([ ], full-width ［ ］)
    or lenticular ones (【 】), anywhere in the subject; the number may be
    full-width too (１２). The subject has been decoded to UTF-8 before
    (GBK, GB18030, Big5 encoded words all arrive here the same).
*/
#ifndef MAIL_TAG_H_INCLUDED
#define MAIL_TAG_H_INCLUDED

#include <stdint.h>

/* The commission number in subject (0 when there is no tag), taking the
   tag out of subject in place, with the spaces around it; a subject that
   was only the tag is left as it was. */
uint64_t mail_tag_commission (char *subject);

#endif
