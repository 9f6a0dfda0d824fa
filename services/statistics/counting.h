/*  counting: how each upstream event changes the figures.

    One consume function for every log statistics follows (intake, review,
    publication); it dispatches on the event's schema, so an event counts
    the same whichever service comes to emit it:
      registry.unit_put      the unit tree (units.h)
      report.received        submitted (a report's first version only)
      review.decided         adopted, returned, declined, forwarded (and
                             decided, decision_ms, the histogram); a
                             revert takes the decision back out of the
                             bucket it was counted in and counts reverted
      review.escalated       escalated (and a notice on the feed)
      issue.published        published, and adopted under basis published
      report.forwarded       sent_upward, once per report and destination
      report.adopted_upward  adopted_<level>, once per adoption_id
      report.instructed      instructed_<level>, once per report and level:
                             several leaders' comments at one level on
                             one report count (and score) as one
      commission.created     commissioned, per unit asked
      commission.answered    answered (and answered_late when late)
      commission.missed      missed
                             (answered_late_scored, missed_scored: the
                             same of a scored commission)
      notice.sent            notified, per unit
      report.withdrawn       withdrawn
    A synthesis credits each source's unit, each with its own receipt; an
    adopted synthesis of n sources also counts synthesis_adopted and a
    synthesis_share of 100 / n (rounded down) for each source.
    A count about a report not received yet (the logs are followed each at
    its own pace) waits for it, and is made again with its dimensions when
    it comes (waiting.h): the figures do not depend on the order in which
    the logs were applied. So does an issue that comes before the adoption
    of one of its items: the item is published for its unit, and when the
    adoption comes that is taken back and the adoption published.
    Each count is made under the three bases (figures.h) at the date the
    basis gives it; the unit's month under basis decided goes out on the
    feed as statistics.changed, appended to statistics' own log too
    (changes.h), once a turn for each unit, month and source log, as is
    each review.escalated.

    The rows of figures a turn counts are held in memory over the turn's
    events and written once, after them, in the same transaction
    (figures.h, the tally; bs_service_hold), and so are the feed's
    notices, the last of each unit, month and source log (notices.h):
    statistics_counting_hold gives the service both, before any event is
    counted.

    The rooms: counting.c dispatches and counts the events about a report
    (received, upward, withdrawn, escalated) and commissions and notices;
    decisions.c counts decisions and issues; counts.c makes one count,
    with a report's kept dimensions from reports.c (the reports met
    lately, in memory across turns).

    Databases used: figures, values, units, reports (report id -> what
    statistics keeps of it), adoptions (report id -> statistics.adoption,
    for the publication that follows), once (keys of events counted once),
    waiting (counts waiting for their report), published_early (items
    published before their adoption was seen).
*/
#ifndef STATISTICS_COUNTING_H_INCLUDED
#define STATISTICS_COUNTING_H_INCLUDED

#include "bs_service.h"

/* Give service the tally its counts are held in (bs_service_hold).
   BS_E_SYSTEM when out of memory. */
int statistics_counting_hold (bs_service_t *service);

/* The consume function (bs_consume_fn) of every log statistics follows;
   the counts go into the tally, which the service writes after the
   turn's events (or statistics_counting_write, for a caller driving it
   without the loop). */
int statistics_count_event (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                            void *argument);

/* Decode the events statistics counts without the texts it never reads
   (bs_service_consume_views): a report's and a decision's title, body and
   critique, an issue's items' texts. BS_E_SYSTEM when a view does not
   fit (a defect). */
int statistics_counting_views (bs_service_t *service);

/* Write what a turn's counts hold (held: bs_service_held) into txn, the
   rows of figures and then the feed's notices (bs_held_write_fn). */
int statistics_counting_write (bs_service_t *service, MDB_txn *txn, void *held);

/* Forget what a turn's counts hold, unwritten (bs_held_fn): the
   transaction they were made in will not commit. */
void statistics_counting_forget (void *held);

#endif
