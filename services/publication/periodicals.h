/*  periodicals: the periodicals (刊物) an installation publishes, as
    configured, with what each issue's masthead and rules need.

    The names come from the `periodicals` key (review checks adoptions
    against it). Their attributes come from the file named by
    `publication.periodicals_file`, one periodical a line, fields separated
    by `|`:

        # name   | code | issuing unit (編印單位) | level | upward | signoff
        組工信息 | ZGXX | 中共某市委組織部         | city  | no     | yes

    upward: whether its items are sent to the level above (上報); signoff:
    whether a leader must sign an issue off (簽發) before it is published.
    A periodical the file does not describe gets code = its name, issuing
    unit = publication.issuing_unit, level = publication.level, upward no,
    signoff no. A line naming a periodical that is not in `periodicals`, a
    level that is not county, city, province or central, or a yes/no that
    is neither, is an error when the service starts.

    Special issues (專刊, 增刊) of a periodical are numbered apart from its
    regular issues: an issue's series is "" (regular), 專刊 or 增刊.
*/
#ifndef PERIODICALS_H_INCLUDED
#define PERIODICALS_H_INCLUDED

#include <stdbool.h>

#include "bs_config.h"
#include "bs_error.h"
#include "bs_schemas.h"

typedef struct periodicals periodicals_t;

/* Load the periodicals of config. NULL with error filled (file and line). */
periodicals_t *periodicals_load (bs_config_t *config, bs_error_t *error);
void periodicals_destroy (periodicals_t **self_p);

/* The periodical called name, or NULL. The record belongs to self. */
const bs_periodical_t *periodicals_find (periodicals_t *self, const char *name);

/* Every periodical, in the order of `periodicals`, as a page whose items
   point into self (do not free the page's strings: free only its list). */
void periodicals_page (periodicals_t *self, bs_periodical_page_t *page);

/* Whether series is one an issue may have: "" (regular), 專刊 or 增刊. */
bool periodicals_series_known (const char *series);

/* Whether level is county, city, province or central. */
bool periodicals_level_known (const char *level);

/* The level above level (county -> city -> province -> central), or NULL. */
const char *periodicals_level_above (const char *level);

#endif
