/*  periodicals: the periodicals (刊物) an installation publishes, with what
    each issue's masthead and rules need, kept in publication's store
    (database `periodicals`: name -> publication.periodical) and listed in
    the byte order of their names.

    The configuration seeds them. The names come from the `periodicals`
    key, their attributes from the file named by
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

    As the service starts, each configured periodical that is not stored
    yet is stored; one that is stored keeps what it has (an admin may have
    changed it: the file's line for it is then logged and not applied).
    An admin adds a periodical or changes one's attributes with
    publication.periodical_put (periodicals_put). Every periodical added or
    changed is emitted on publication's log as publication.periodical, so
    review learns which periodicals it may adopt into without asking.

    A name never changes: it is the key of its issues, its adoptions (in
    review's cases and publication's waiting list, reaching publication
    later than review makes them), its numbers (`number:<name>:<year>`,
    `total:<name>`) and its archive entries, so a rename could not be done
    in one transaction without losing an adoption on its way. A put names
    the periodical it adds or changes; a periodical under another name is
    another periodical. Periodicals are never deleted: published issues
    name them for ever.

    Special issues (專刊, 增刊) of a periodical are numbered apart from its
    regular issues: an issue's series is "" (regular), 專刊 or 增刊.
*/
#ifndef PERIODICALS_H_INCLUDED
#define PERIODICALS_H_INCLUDED

#include <stdbool.h>

#include "bs_config.h"
#include "bs_error.h"
#include "bs_schemas.h"
#include "bs_service.h"

/* The database of publication's store that holds them. */
#define PERIODICALS_DATABASE "periodicals"

typedef struct periodicals periodicals_t;

/* Load the periodicals of config (the seed). NULL with error filled (file
   and line). */
periodicals_t *periodicals_load (bs_config_t *config, bs_error_t *error);
void periodicals_destroy (periodicals_t **self_p);

/* The periodical of the seed called name, or NULL. The record belongs to
   self. */
const bs_periodical_t *periodicals_find (periodicals_t *self, const char *name);

/* Every periodical of the seed, in the order of `periodicals`, as a page
   whose items point into self (do not free the page's strings: free only
   its list). */
void periodicals_page (periodicals_t *self, bs_periodical_page_t *page);

/* Store, in one write of service's store, each periodical of seed not
   stored yet (emitting publication.periodical at now); a stored one is left
   as it is. *added: how many were stored. BS_OK or a store error. */
int periodicals_seed (bs_service_t *service, periodicals_t *seed, uint64_t now, size_t *added);

/* The stored periodical called name (dbi: the periodicals database): BS_OK
   with *periodical (the caller's: bs_codec_record_free), BS_E_NOT_FOUND, or
   a store error. */
int periodicals_get (MDB_txn *txn, MDB_dbi dbi, const char *name, bs_periodical_t *periodical);

/* Every stored periodical (the caller frees the page with
   bs_codec_record_free). */
int periodicals_list (MDB_txn *txn, MDB_dbi dbi, bs_periodical_page_t *page);

/* The stored periodicals' names, joined by ',', in buffer (for messages
   that say which are known). */
int periodicals_names (MDB_txn *txn, MDB_dbi dbi, char *buffer, size_t size);

/* publication.periodical_put (a bs_command_fn; argument unused): add the
   periodical, or change the attributes of the one of that name, and reply
   with it as stored. Refused (docs/API.md): a name with ',' or '|'
   (invalid, name, separator), a name or code of spaces only (invalid,
   blank), a level not county, city, province or central (invalid, level,
   unknown_level), a periodical more than BS_PERIODICALS_MAX (limit, name,
   too_many). A put that changes nothing stores and emits nothing. */
int periodicals_put (bs_request_t *request, void *argument);

/* Whether series is one an issue may have: "" (regular), 專刊 or 增刊. */
bool periodicals_series_known (const char *series);

/* Whether level is county, city, province or central. */
bool periodicals_level_known (const char *level);

/* The level above level (county -> city -> province -> central), or NULL. */
const char *periodicals_level_above (const char *level);

#endif
