/*  The walk_in channel: handed over in person, keyed in by staff (the
    operator) on behalf of the unit. */
#include "channel.h"
#include "bs_text.h"

static int
s_prepare (bs_submit_t *submission, bs_error_t *error)
{
    if (bs_text_blank (submission->unit))
        return bs_error_set (error, BS_E_INVALID, "unit",
                             "unit is empty: a report handed over names its unit");
    if (bs_text_blank (submission->operator_name))
        return bs_error_set (error, BS_E_INVALID, "operator",
                             "a report handed over needs the staff member who keyed it in "
                             "(operator)");
    return BS_OK;
}

static const intake_channel_t s_walk_in = {
    .name = "walk_in", .label = "當面報送", .prepare = s_prepare};
INTAKE_CHANNEL (s_walk_in)
