/*  bs_test_record: checking a decoded record's figures by field name, so
    that a test states what it expects of a row in one line instead of an
    assertion per field:

        bs_test_expect_u64 (&bs_author_row_schema, li,
                            "submitted=1 adopted=1 points=7 rank=1");
*/
#ifndef BS_TEST_RECORD_H_INCLUDED
#define BS_TEST_RECORD_H_INCLUDED

#include "bs_schema.h"

/* Check the unsigned integer fields of record (a record of schema) that
   expected names, as space-separated name=value pairs. Fails the test,
   naming the field, when one differs, or when a name is no U64 field of
   schema (a check that named a misspelt field would prove nothing). */
void bs_test_expect_u64 (const bs_schema_t *schema, const void *record, const char *expected);

#endif
