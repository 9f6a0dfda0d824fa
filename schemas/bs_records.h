/*  bs_records: small lookups on the application's records that more than
    one service needs, so each is written once beside the schemas that
    define the records.
*/
#ifndef BS_RECORDS_H_INCLUDED
#define BS_RECORDS_H_INCLUDED

#include "bs_schemas.h"

/* The entry of unit (by name) among the units a commission asks, or NULL
   when the commission does not ask it. Points into commission. */
bs_commission_unit_t *bs_commission_unit_find (bs_commission_t *commission, const char *unit);

/* Keep only unit's line of the units a commission asks (the others are
   freed): what a unit's officer sees of a commission, not how the other
   units answered. */
void bs_commission_keep_unit (bs_commission_t *commission, const char *unit);

/* Keep only the read receipts of unit's officers on a notice (the others
   are freed). */
void bs_notice_keep_unit (bs_notice_t *notice, const char *unit);

#endif
