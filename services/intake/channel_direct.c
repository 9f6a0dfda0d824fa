/*  The direct channel: system-to-system direct reporting. */
#include "channel.h"

static const intake_channel_t s_direct = {.name = "direct", .label = "直報系統", .prepare = NULL};
INTAKE_CHANNEL (s_direct)
