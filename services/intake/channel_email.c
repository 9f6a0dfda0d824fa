/*  The email channel: network mailbox. */
#include "channel.h"

static const intake_channel_t s_email = {.name = "email", .label = "網絡信箱", .prepare = NULL};
INTAKE_CHANNEL (s_email)
