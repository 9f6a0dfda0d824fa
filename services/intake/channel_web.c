/*  The web channel: web form and HTTP API, through the gateway, which has
    authenticated an officer (login) or a system (API token). */
#include "channel.h"

static int
s_prepare (bs_submit_t *submission, bs_error_t *error)
{
    if ((!submission->officer || !*submission->officer)
        && (!submission->token || !*submission->token))
        return bs_error_set (error, BS_E_INVALID, "officer",
                             "the web channel needs a logged-in officer or an API token");
    return BS_OK;
}

static const intake_channel_t s_web = {.name = "web", .label = "網頁與接口", .prepare = s_prepare};
INTAKE_CHANNEL (s_web)
