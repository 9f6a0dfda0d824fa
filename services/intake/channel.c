/*  intake_channel: the registry of reporting channels; see channel.h. */
#include "channel.h"

#include <stdio.h>
#include <string.h>

#define S_CHANNELS_MAX 16

static const intake_channel_t *s_channels[S_CHANNELS_MAX];
static size_t s_channel_count;

void
intake_channel_register (const intake_channel_t *channel)
{
    if (s_channel_count < S_CHANNELS_MAX)
        s_channels[s_channel_count++] = channel;
}

const intake_channel_t *
intake_channel_find (const char *name)
{
    for (size_t i = 0; name && i < s_channel_count; i++)
        if (strcmp (s_channels[i]->name, name) == 0)
            return s_channels[i];
    return NULL;
}

const char *
intake_channel_names (void)
{
    static char names[256];
    size_t used = 0;
    names[0] = 0;
    for (size_t i = 0; i < s_channel_count && used < sizeof names; i++)
        used += (size_t) snprintf (names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                   s_channels[i]->name);
    return names;
}
