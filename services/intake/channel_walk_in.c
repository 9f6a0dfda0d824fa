/*  The walk_in channel: handed over in person, keyed in by staff. */
#include "channel.h"

static const intake_channel_t s_walk_in = {.name = "walk_in", .label = "當面報送", .prepare = NULL};
INTAKE_CHANNEL (s_walk_in)
