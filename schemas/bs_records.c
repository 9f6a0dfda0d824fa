/*  bs_records: lookups on records; see bs_records.h. */
#include "bs_records.h"

#include <string.h>

bs_commission_unit_t *
bs_commission_unit_find (bs_commission_t *commission, const char *unit)
{
    bs_commission_unit_t *units = commission->units.items;
    for (size_t i = 0; unit && i < commission->units.count; i++)
        if (strcmp (units[i].unit, unit) == 0)
            return &units[i];
    return NULL;
}
