/*  The direct channel: system-to-system direct reporting (直報系統). A
    system authenticates with its API token, which names its unit. */
#include "channel.h"

static int
s_prepare (bs_submit_t *submission, bs_error_t *error)
{
    if (!submission->token || !*submission->token)
        return bs_error_set (error, BS_E_INVALID, "token",
                             "the direct channel needs an API token (baosong token create)");
    return BS_OK;
}

static const intake_channel_t s_direct = {
    .name = "direct", .label = "直報系統", .prepare = s_prepare};
INTAKE_CHANNEL (s_direct)
