/*  review: the editors' desk (審核). Every received report becomes a case in
    the queue (urgent first, then oldest); an editor decides it: adopt into a
    periodical, return for revision, or decline, always with a critique
    (講評). Each decision is a review.decided event for publication and
    statistics.

    Databases: cases (report id -> case), queue (urgency, received time,
    report id -> nothing: the queue order).
*/
#ifndef REVIEW_H_INCLUDED
#define REVIEW_H_INCLUDED

#include "bs_service.h"

extern const char *const review_databases[];

int review_setup (bs_service_t *service);

#endif
