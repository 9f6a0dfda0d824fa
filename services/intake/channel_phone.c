/*  The phone channel: reporting hotline, transcribed by an operator. */
#include "channel.h"

static const intake_channel_t s_phone = {.name = "phone", .label = "信息報送電話", .prepare = NULL};
INTAKE_CHANNEL (s_phone)
