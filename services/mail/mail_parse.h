/*  mail_parse: one mail (RFC 5322 bytes, MIME) -> one intake submission.

    GMime parses the MIME structure; mail_text turns every piece of text
    into exact UTF-8. What becomes what:
        Subject (encoded words decoded)  -> title; when absent or blank,
                                            the first line of the text
        a tag [約稿12] in it (mail_tag.h) -> commission, out of the title
        the text: the first text/plain part that is not an attachment (in
        multipart/alternative the plain one, else the HTML one reduced
        to text); further inline text/plain parts follow it after a blank
        line                              -> body
        From (the first mailbox)         -> sender (intake maps it to a unit)
        Message-ID                       -> message_id
        every other leaf part (attachment disposition, any non-text type,
        forwarded messages)              -> attachments, bytes decoded

    Refused, never truncated (the code and field say why; mail_reply turns
    them into LMTP replies):
        BS_E_LIMIT      "size": more than limits->max_message bytes
                        "attachments": more than BS_ATTACHMENTS_MAX, or one
                        bigger than BS_ATTACHMENT_MAX
                        "body", "title": longer than intake takes
        BS_E_MALFORMED  "mime": GMime reports the structure as broken (a
                        multipart with no boundary or no parts, a truncated
                        message, invalid header names, nesting too deep), or
                        no header at all
                        "message_id", "from": a control character (CR,
                        LF, ESC, ...) in the decoded Message-ID or From
                        address, which the receipt would echo as a header
        BS_E_INVALID    "charset": undecodable text (see mail_text.h)
                        "body": no text at all

    GMime must be initialised once per process: mail_parse_init.
*/
#ifndef MAIL_PARSE_H_INCLUDED
#define MAIL_PARSE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "bs_error.h"
#include "bs_schemas.h"

typedef struct {
    size_t max_message; /* bytes of a whole mail */
} mail_limits_t;

typedef struct {
    bs_submit_t submit;  /* channel "email", title, body, sender, message_id, commission,
                            attachments */
    char *reply_to;      /* the address a receipt goes to (From), NULL if none */
    bool auto_submitted; /* the mail is itself automatic: send it no receipt */
} mail_report_t;

/* g_mime_init, once; mail_parse_shutdown at exit. */
void mail_parse_init (void);
void mail_parse_shutdown (void);

/* Parse a mail into report (zeroed first; free with mail_report_clear,
   also after a failure). */
int mail_parse (const void *bytes, size_t size, const mail_limits_t *limits, mail_report_t *report,
                bs_error_t *error);

void mail_report_clear (mail_report_t *report);

#endif
