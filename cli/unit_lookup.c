/*  unit_lookup: the units of intake's registry, page by page, and whether
    a unit a command names (--unit, an option of kind CLI_OPTION_UNIT) is
    one of them. It calls intake through call.c and nothing of options.c,
    so that options.c may check a CLI_OPTION_UNIT without a call loop.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

int
cli_units_each (cli_t *cli, cli_unit_fn *each, void *context)
{
    bs_unit_list_t request = {.limit = BS_PAGE_MAX};
    char after[BS_UNIT_MAX + 1] = "";
    bool more = true;
    while (more) {
        request.after = *after ? after : NULL;
        bs_unit_page_t page;
        int rc =
            cli_call (cli, "intake", &bs_unit_list_schema, &request, &bs_unit_page_schema, &page);
        if (rc != CLI_EXIT_OK)
            return rc;
        const bs_unit_t *units = page.units.items;
        for (size_t i = 0; more && i < page.units.count; i++)
            more = each (&units[i], context);
        snprintf (after, sizeof after, "%s", page.next ? page.next : "");
        bs_codec_record_free (&bs_unit_page_schema, &page);
        more = more && *after;
    }
    return CLI_EXIT_OK;
}

typedef struct {
    const char *name; /* the unit looked for */
    bool found;
} s_lookup_t;

static bool
s_lookup (const bs_unit_t *unit, void *context)
{
    s_lookup_t *lookup = context;
    lookup->found = strcmp (unit->name, lookup->name) == 0;
    return !lookup->found;
}

int
cli_unit_known (cli_t *cli, const char *unit)
{
    if (!unit || !*unit)
        return CLI_EXIT_OK;
    s_lookup_t lookup = {unit, false};
    int rc = cli_units_each (cli, s_lookup, &lookup);
    if (rc != CLI_EXIT_OK || lookup.found)
        return rc;
    bs_error_t error;
    bs_error_set (&error, BS_E_NOT_FOUND, "unit",
                  "unknown unit '%s' (未登記的單位): `baosong unit list` shows the registered "
                  "units, `baosong unit add` registers one",
                  unit);
    cli_error_print (cli, &error);
    return cli_exit_code (BS_E_NOT_FOUND);
}
