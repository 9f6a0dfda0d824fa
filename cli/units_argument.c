/*  units_argument: the units a command line names: the units a
    commission or a notice goes to (a comma list, --units A,B, or a whole
    tier, --tier county: every enabled unit of intake's registry whose
    level or kind is that word, looked up here, as review knows no
    registry, and recorded on the commission or notice by its sender), and
    the id a subcommand names. A single --unit is checked by options.c
    (CLI_OPTION_UNIT, through unit_lookup.c).
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
    const char *tier; /* a level or a kind */
    char *names;      /* the comma list so far, malloc'd */
    size_t found;
    bool failed; /* out of memory */
} s_tier_t;

static bool
s_tier_member (const bs_unit_t *unit, void *context)
{
    s_tier_t *tier = context;
    bool member = strcmp (unit->level, tier->tier) == 0
                  || (unit->kind && strcmp (unit->kind, tier->tier) == 0);
    if (!member || unit->disabled)
        return true;
    size_t size = (tier->names ? strlen (tier->names) : 0) + strlen (unit->name) + 2;
    char *longer = realloc (tier->names, size);
    if (!longer) {
        tier->failed = true;
        return false;
    }
    if (!tier->names)
        *longer = 0;
    tier->names = longer;
    strcat (strcat (tier->names, *tier->names ? "," : ""), unit->name);
    tier->found++;
    return true;
}

/* Every enabled unit of intake's registry whose level or kind is tier,
   appended to *names (a comma list, malloc'd). */
static int
s_tier_units (cli_t *cli, const char *tier, char **names)
{
    s_tier_t members = {tier, *names, 0, false};
    int rc = cli_units_each (cli, s_tier_member, &members);
    *names = members.names;
    if (rc != CLI_EXIT_OK)
        return rc;
    if (members.failed)
        return CLI_EXIT_REFUSED;
    if (!members.found)
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
