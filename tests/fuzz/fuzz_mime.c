/*  Fuzz target: MIME parsing (services/mail/mail_parse.c and mail_text.c).

    The input is one mail as the LMTP server or the Maildir reader hands it
    over. Whatever it is, mail_parse returns a code and leaves nothing to
    leak; a mail it takes has a title and body of valid UTF-8, and a
    Message-ID and From without control characters (they are echoed into
    the receipt's headers).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "mail_parse.h"
#include "mail_text.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    mail_parse_init ();
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
    static const mail_limits_t limits = {.max_message = 1 << 20};
    mail_report_t report;
    bs_error_t error;
    if (mail_parse (bytes, size, &limits, &report, &error) == BS_OK) {
        const bs_submit_t *submit = &report.submit;
        if (!submit->title || !submit->body
            || !bs_codec_utf8_valid (submit->title, strlen (submit->title))
            || !bs_codec_utf8_valid (submit->body, strlen (submit->body)))
            abort ();
        if ((submit->message_id && !mail_text_header_safe (submit->message_id))
            || (report.reply_to && !mail_text_header_safe (report.reply_to)))
            abort ();
    }
    mail_report_clear (&report);
    return 0;
}
