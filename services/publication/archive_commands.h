/*  archive_commands: the search archive (archive.h) inside publication's
    service: its databases, the publication.search command and the
    catch-up that archives, when the service starts, the published issues
    it does not hold yet (those published before the archive existed).
*/
#ifndef ARCHIVE_COMMANDS_H_INCLUDED
#define ARCHIVE_COMMANDS_H_INCLUDED

#include "archive.h"
#include "bs_service.h"
#include "periodicals.h"

/* The archive's databases in service's store. */
void archive_of (bs_service_t *service, archive_t *archive);

/* publication.search (a bs_command_fn; argument unused). */
int archive_search_command (bs_request_t *request, void *argument);

/* Archive every published issue not archived yet, in one transaction, at
   the level of its stored periodical. */
int archive_catch_up (bs_service_t *service);

#endif
