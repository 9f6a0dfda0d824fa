/*  The email channel: network mailbox (網絡信箱). The mail service sends the
    From address as sender; intake maps it to the officer who owns it, and
    holds mail from an address nobody owns for staff. */
#include "channel.h"

static int
s_prepare (bs_submit_t *submission, bs_error_t *error)
{
    if (!submission->sender || !*submission->sender)
        return bs_error_set (error, BS_E_INVALID, "sender",
                             "an email needs its sender (the From address)");
    return BS_OK;
}

static const intake_channel_t s_email = {
    .name = "email", .label = "網絡信箱", .prepare = s_prepare};
INTAKE_CHANNEL (s_email)
