/*  decisions: review's decisions and publication's issues into figures
    (counting.h says what each counts).

    A decision counts for each credited report: the report itself, or each
    source of a synthesis (綜合), whose unit also counts synthesis_adopted
    and a synthesis_share of 100 / sources. An adoption counts under basis
    decided when taken, and under basis published at the date of the
    issue that carries it: it is kept (adoptions database) until that
    issue. A revert takes the reverted decision back out where it was
    counted and counts reverted. An issue that statistics sees before the
    adoption of one of its items (the logs are followed each at its own
    pace) publishes the item for its unit and keeps it (published_early);
    when the adoption comes, that is taken back and the adoption
    published.
*/
#ifndef STATISTICS_DECISIONS_H_INCLUDED
#define STATISTICS_DECISIONS_H_INCLUDED

#include "bs_service.h"

/* review.decided (a decision, or the revert of one). */
int statistics_count_decided (bs_service_t *service, MDB_txn *txn, const bs_message_t *event);

/* issue.published. */
int statistics_count_published (bs_service_t *service, MDB_txn *txn, const bs_message_t *event);

#endif
