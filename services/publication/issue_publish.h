/*  issue_publish: the request for a sign-off (送簽), sign-off (簽發), publishing, errata (更正) and reading
    issues and periodicals. Each is a bs_command_fn whose argument is the
    service's publication_t.

    Publishing takes the issue's numbers, 第N期 from the counter
    "number:<periodical>[/<series>]:<year>" and 總第N期 from
    "total:<periodical>[/<series>]", in the same transaction that marks it
    published and appends issue.published: the published sequence has no
    gap and no duplicate whatever crashes or races (one writer; a killed
    process leaves the transaction undone as a whole). A draft that is
    never published takes no number.
*/
#ifndef ISSUE_PUBLISH_H_INCLUDED
#define ISSUE_PUBLISH_H_INCLUDED

#include "issue_store.h"

int issue_publish_signoff_ask (bs_request_t *request, void *argument);
int issue_publish_signoff (bs_request_t *request, void *argument);
int issue_publish_publish (bs_request_t *request, void *argument);
int issue_publish_erratum_add (bs_request_t *request, void *argument);
int issue_publish_errata (bs_request_t *request, void *argument);
int issue_publish_get (bs_request_t *request, void *argument);
int issue_publish_list (bs_request_t *request, void *argument);
int issue_publish_periodicals (bs_request_t *request, void *argument);

#endif
