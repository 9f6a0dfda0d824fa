/*  intake_channel: the ways a report reaches intake (報送渠道).

    Each channel is one file (channel_web.c, channel_email.c, ...) that fills
    an intake_channel_t and registers it from a constructor, so adding a
    channel is adding one file. A channel may prepare a submission before it
    is registered: fill defaults, check what its senders must provide.
*/
#ifndef INTAKE_CHANNEL_H_INCLUDED
#define INTAKE_CHANNEL_H_INCLUDED

#include "bs_error.h"
#include "bs_schemas.h"

typedef struct {
    const char *name;  /* wire name: "web", "email", "phone", "direct", "walk_in" */
    const char *label; /* the name our users know: "網絡信箱" */
    /* Check or complete a submission that arrived by this channel; NULL when
       the channel has nothing to add. */
    int (*prepare) (bs_submit_t *submission, bs_error_t *error);
} intake_channel_t;

/* Add a channel; called from each channel file's constructor. */
void intake_channel_register (const intake_channel_t *channel);

/* The channel named name, or NULL. */
const intake_channel_t *intake_channel_find (const char *name);

/* "web, email, ..." for error messages; static storage. */
const char *intake_channel_names (void);

/* Register a channel from its own file. */
#define INTAKE_CHANNEL(variable)                                                                   \
    __attribute__ ((constructor)) static void s_register_##variable (void)                         \
    {                                                                                              \
        intake_channel_register (&variable);                                                       \
    }

#endif
