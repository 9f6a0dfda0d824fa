/*  submission_text: what a submission must say (step 1 of submission.h):
    a title and a body, a known kind and channel, the channel's own rules,
    the attachments' limits; see submission_internal.h. */
#include "submission_internal.h"

#include <string.h>

#include "attachments.h"
#include "bs_text.h"

/* The kinds of report the seed names (情況報道, 專題信息, 緊急重要信息,
   調研性信息, 特色亮點信息). */
static const char *const s_kinds[] = {"situation", "topic",     "urgent",
                                      "research",  "highlight", NULL};

static bool
s_is_kind (const char *kind)
{
    for (size_t i = 0; s_kinds[i]; i++)
        if (strcmp (s_kinds[i], kind) == 0)
            return true;
    return false;
}

int
submission_check_text (bs_service_t *service, bs_submit_t *submission,
                       const intake_channel_t **channel_p, bs_error_t *error)
{
    if (bs_text_blank (submission->title))
        return bs_error_set (error, BS_E_INVALID, "title", "title is empty");
    if (bs_text_blank (submission->body))
        return bs_error_set (error, BS_E_INVALID, "body", "body is empty");
    if (submission->kind && *submission->kind && !s_is_kind (submission->kind))
        return bs_error_set (error, BS_E_INVALID, "kind",
                             "unknown kind '%s'; known: situation, topic, urgent, research, "
                             "highlight",
                             submission->kind);
    const char *name =
        submission->channel && *submission->channel ? submission->channel : "walk_in";
    const intake_channel_t *channel = intake_channel_find (name);
    if (!channel)
        return bs_error_set (error, BS_E_INVALID, "channel", "unknown channel '%s'; known: %s",
                             name, intake_channel_names ());
    if (channel->prepare) {
        int rc = channel->prepare (submission, error);
        if (rc != BS_OK)
            return rc;
    }
    *channel_p = channel;
    return intake_attachments_check (service, &submission->attachments, error);
}
