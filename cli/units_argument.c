/*  units_argument: what the commission and notice commands share: the id
    a subcommand names, and the units a commission or a notice goes to, as
    the command line names them: a comma list (--units A,B), or a whole tier
    (--tier county): every enabled unit of intake's registry whose level or
    kind is that word, looked up here (review knows no registry) and
    recorded on the commission or notice by its sender.
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Every enabled unit of intake's registry whose level or kind is tier,
   appended to *names (a comma list, malloc'd). */
static int
s_tier_units (cli_t *cli, const char *tier, char **names)
{
    bs_unit_list_t request = {.limit = BS_PAGE_MAX};
    char after[BS_UNIT_MAX + 1] = "";
    size_t found = 0;
    for (;;) {
        request.after = *after ? after : NULL;
        bs_unit_page_t page;
        int rc =
            cli_call (cli, "intake", &bs_unit_list_schema, &request, &bs_unit_page_schema, &page);
        if (rc != CLI_EXIT_OK)
            return rc;
        const bs_unit_t *units = page.units.items;
        for (size_t i = 0; i < page.units.count; i++) {
            bool member = strcmp (units[i].level, tier) == 0
                          || (units[i].kind && strcmp (units[i].kind, tier) == 0);
            if (!member || units[i].disabled)
                continue;
            size_t size = (*names ? strlen (*names) : 0) + strlen (units[i].name) + 2;
            char *longer = realloc (*names, size);
            if (!longer)
                break;
            if (!*names)
                *longer = 0;
            *names = longer;
            strcat (strcat (*names, *(*names) ? "," : ""), units[i].name);
            found++;
        }
        snprintf (after, sizeof after, "%s", page.next ? page.next : "");
        bs_codec_record_free (&bs_unit_page_schema, &page);
        if (!*after)
            break;
    }
    if (!found)
        return cli_usage_error (cli, "no enabled unit has the level or kind '%s'", tier);
    return CLI_EXIT_OK;
}

/* Split a comma list (changed in place) into unit references. */
static int
s_unit_refs (cli_t *cli, char *names, bs_list_t *list)
{
    size_t count = 1;
    for (const char *c = names; *c; c++)
        count += *c == ',';
    bs_unit_ref_t *refs = calloc (count, sizeof *refs);
    list->items = refs;
    list->count = 0;
    if (!refs)
        return CLI_EXIT_REFUSED;
    for (char *save = NULL, *name = strtok_r (names, ",", &save); name;
         name = strtok_r (NULL, ",", &save))
        if (*name)
            refs[list->count++].unit = name;
    return list->count ? CLI_EXIT_OK : cli_usage_error (cli, "name the units: --units A,B");
}

int
cli_units_argument (cli_t *cli, const char *units, const char *tier, char **names, bs_list_t *list)
{
    *names = NULL;
    *list = (bs_list_t){0};
    if (!units == !tier)
        return cli_usage_error (cli, "name the units (--units A,B) or a tier (--tier LEVEL|KIND)");
    int rc = CLI_EXIT_OK;
    if (units && !(*names = strdup (units)))
        rc = CLI_EXIT_REFUSED;
    if (rc == CLI_EXIT_OK && tier)
        rc = s_tier_units (cli, tier, names);
    if (rc == CLI_EXIT_OK)
        rc = s_unit_refs (cli, *names, list);
    return rc;
}

int
cli_id_argument (cli_t *cli, int argc, char **argv, const cli_option_t *options, const char *what,
                 uint64_t *id)
{
    char *words[1];
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, words, 1, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (count != 1 || !cli_parse_number (words[0], id) || *id == 0)
        return cli_usage_error (cli, "which %s? give its id (a number from 1)", what);
    return CLI_EXIT_OK;
}
