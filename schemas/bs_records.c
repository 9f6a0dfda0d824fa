/*  bs_records: lookups on records; see bs_records.h. */
#include "bs_records.h"

#include <stddef.h>
#include <string.h>

#include "bs_codec.h"

bs_commission_unit_t *
bs_commission_unit_find (bs_commission_t *commission, const char *unit)
{
    bs_commission_unit_t *units = commission->units.items;
    for (size_t i = 0; unit && i < commission->units.count; i++)
        if (strcmp (units[i].unit, unit) == 0)
            return &units[i];
    return NULL;
}

/* Keep the items of list (records of schema, size bytes each) whose
   string at offset is unit, in order; free the others. */
static void
s_keep_unit (bs_list_t *list, const bs_schema_t *schema, size_t size, size_t offset,
             const char *unit)
{
    char *items = list->items;
    size_t kept = 0;
    for (size_t i = 0; i < list->count; i++) {
        char *item = items + i * size;
        const char *own = *(char **) (item + offset);
        if (unit && own && strcmp (own, unit) == 0)
            memmove (items + kept++ * size, item, size);
        else
            bs_codec_record_free (schema, item);
    }
    list->count = kept;
}

void
bs_commission_keep_unit (bs_commission_t *commission, const char *unit)
{
    s_keep_unit (&commission->units, &bs_commission_unit_schema, sizeof (bs_commission_unit_t),
                 offsetof (bs_commission_unit_t, unit), unit);
}

void
bs_notice_keep_unit (bs_notice_t *notice, const char *unit)
{
    s_keep_unit (&notice->reads, &bs_notice_read_entry_schema, sizeof (bs_notice_read_entry_t),
                 offsetof (bs_notice_read_entry_t, unit), unit);
}
