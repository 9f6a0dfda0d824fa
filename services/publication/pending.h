/*  pending: publication.pending, the adopted reports waiting for an issue,
    a page at a time (`waiting`, in report-id order, after a report id;
    those of one periodical, and of the reader's own unit for an officer).

    The page is made of the stored items' bytes: the bytes of the items
    chosen go into the reply as they are stored, never decoded and encoded
    again. An item is chosen by its unit, periodical and issue, read by a
    view of the item (the texts unread) the first time it is met and kept
    in memory with the bytes it was read from; while its entry holds the
    same bytes, the next pages choose it from what was kept (pending.c). A
    publisher asks for the list every few milliseconds while it fills
    (bench/README.md, measure 2): decoding and encoding every waiting item
    again each time was most of what publication did a report.
*/
#ifndef PENDING_H_INCLUDED
#define PENDING_H_INCLUDED

#include "bs_service.h"

/* Make the view the handler reads `waiting` by; once, before the loop. */
int pending_prepare (void);

/* The handler of publication.pending. */
int pending_list (bs_request_t *request, void *argument);

#endif
