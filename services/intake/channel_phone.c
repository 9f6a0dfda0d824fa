/*  The phone channel: reporting hotline (信息報送電話), transcribed by an
    operator. The caller number (sender) maps to the unit of the officer
    who owns it; the operator may name the unit of an unknown caller. */
#include "channel.h"

static int
s_prepare (bs_submit_t *submission, bs_error_t *error)
{
    if (!submission->sender || !*submission->sender)
        return bs_error_set (error, BS_E_INVALID, "sender",
                             "a phoned-in report needs the caller number (sender)");
    if (!submission->operator_name || !*submission->operator_name)
        return bs_error_set (error, BS_E_INVALID, "operator",
                             "a phoned-in report needs the operator who took the call");
    return BS_OK;
}

static const intake_channel_t s_phone = {
    .name = "phone", .label = "信息報送電話", .prepare = s_prepare};
INTAKE_CHANNEL (s_phone)
