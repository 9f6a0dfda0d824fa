/*  bs_publication_steps: the steps the publication system tests take
    against a running bs_system: have a report adopted for a periodical and
    wait until publication holds it, and call publication commands that
    answer with an issue. Each step fails the test (cmocka) when a service
    refuses what must succeed.
*/
#ifndef BS_PUBLICATION_STEPS_H_INCLUDED
#define BS_PUBLICATION_STEPS_H_INCLUDED

#include <stdint.h>

#include "bs_schemas.h"
#include "bs_system.h"

/* Submit a report of unit titled title, adopt it for periodical, and wait
   until publication lists it as waiting. Its report id. */
uint64_t bs_publication_adopt (bs_system_t *system, const char *unit, const char *title,
                               const char *periodical);

/* An editor's adoption of the registered report report_id for periodical
   (claimed, then decided); the decision's code. */
int bs_publication_decide_adopt (bs_system_t *system, uint64_t report_id, const char *periodical,
                                 bs_error_t *error);

/* Call a publication command that answers with an issue (reply, freed by
   the caller when the code is BS_OK); its code. */
int bs_publication_call (bs_system_t *system, const bs_schema_t *schema, const void *request,
                         bs_issue_t *reply, bs_error_t *error);

/* The same, and it must succeed: the issue's id. */
uint64_t bs_publication_must (bs_system_t *system, const bs_schema_t *schema, const void *request);

/* Whether report_id is among the waiting (adopted, not in an issue). */
bool bs_publication_waiting (bs_system_t *system, uint64_t report_id);

#endif
