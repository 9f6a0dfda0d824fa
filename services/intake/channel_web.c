/*  The web channel: web form and HTTP API. */
#include "channel.h"

static const intake_channel_t s_web = {.name = "web", .label = "網頁與接口", .prepare = NULL};
INTAKE_CHANNEL (s_web)
