/*  publication: periodicals and their issues (刊物, 期).

    Adopted reports (review.decided with decision adopt) wait for an issue,
    under the title the editors gave them; a synthesis is one item. A
    reverted adoption (decision revert, reverts adopt) leaves the waiting
    list and its draft issue; a published issue never changes, so a revert
    that arrives after its issue was published is only logged (review
    refuses such reverts once it has seen the publication).
    An editor creates a draft issue of a stored periodical (periodicals.h:
    seeded from the configuration, added and changed by an admin), composes it (issue_compose.h: items, sections, notes,
    credit, responsible editor), a leader signs it off where the periodical
    requires it, and publishing it (issue_publish.h) numbers it (第N期 of its
    year, 總第N期) and freezes it for ever, emitting issue.published in the
    same transaction. Corrections are errata beside it.

    Databases: adopted (report id -> pending item, kept for ever), waiting
    (the adopted reports not yet in an issue, so listing them does not walk
    every report ever adopted), issues (issue id -> issue), errata
    (erratum id -> erratum), counters ("issue", "erratum",
    "number:<periodical>[/<series>]:<year>", "total:<periodical>[/<series>]",
    "texts:<issue id>": how many changes took out, moved or rewrote its
    items), versions ("issue id.composition" -> the issue as it was before
    such a change: the texts a stored reply left out, issue_store.h),
    periodicals (name -> periodical, periodicals.h).
*/
#ifndef PUBLICATION_H_INCLUDED
#define PUBLICATION_H_INCLUDED

#include "bs_service.h"

extern const char *const publication_databases[];

int publication_setup (bs_service_t *service);

#endif
