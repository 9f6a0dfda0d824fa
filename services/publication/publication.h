/*  publication: periodicals and their issues (刊物, 期).

    Adopted reports (review.decided with decision adopt) wait for an issue,
    under the title the editors gave them; a synthesis is one item. A
    reverted adoption (decision revert, reverts adopt) leaves the waiting
    list and its draft issue; a published issue never changes, so a revert
    that arrives after its issue was published is only logged (review
    refuses such reverts once it has seen the publication).
    An editor creates the next issue of a periodical: the server gives it
    the next number of its year (第N期) and of all time (總第N期); numbers
    are never reused or skipped, because they are taken from counters in the
    same transaction that stores the issue. Reports are added to a draft;
    publishing it freezes it for ever and emits issue.published.

    Databases: adopted (report id -> pending item, kept for ever), waiting
    (the adopted reports not yet in an issue, so listing them does not walk
    every report ever adopted), issues (issue id ->
    issue), counters ("issue", "number:<periodical>:<year>",
    "total:<periodical>").
*/
#ifndef PUBLICATION_H_INCLUDED
#define PUBLICATION_H_INCLUDED

#include "bs_service.h"

extern const char *const publication_databases[];

int publication_setup (bs_service_t *service);

#endif
