/*  bs_test_record: a record's figures checked by name (see bs_test_record.h).
*/
#include "bs_test.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_test_record.h"

void
bs_test_expect_u64 (const bs_schema_t *schema, const void *record, const char *expected)
{
    const char *pair = expected;
    while (*pair) {
        char name[64];
        uint64_t value;
        int used;
        if (sscanf (pair, " %63[^= ]=%" SCNu64 "%n", name, &value, &used) != 2)
            fail_msg ("%s: cannot read '%s' as name=value pairs", schema->type, pair);
        const bs_field_t *field = bs_schema_field (schema, name);
        if (!field || field->type != BS_FIELD_U64)
            fail_msg ("%s has no u64 field '%s'", schema->type, name);
        uint64_t actual = *(const uint64_t *) ((const char *) record + field->offset);
        if (actual != value)
            fail_msg ("%s.%s is %" PRIu64 ", not %" PRIu64, schema->type, name, actual, value);
        pair += used;
        while (*pair == ' ')
            pair++;
    }
}
