/*  Fuzz target: the JSON API decoder (common/bs_json.c), as the gateway
    runs it on a request body.

    The first byte picks a schema among every application schema; the rest
    is the body: UTF-8 check, jansson with duplicate keys refused, then
    bs_json_to_record. A record that decodes is turned back into JSON and
    must decode again.
*/
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "bs_codec.h"
#include "bs_json.h"
#include "bs_schemas.h"

int LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size);

static size_t
s_schema_count (void)
{
    size_t count = 0;
    while (bs_schema_all[count])
        count++;
    return count;
}

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
    if (size < 1)
        return 0;
    const bs_schema_t *schema = bs_schema_all[bytes[0] % s_schema_count ()];
    const char *body = (const char *) bytes + 1;
    size--;
    if (!bs_codec_utf8_valid (body, size))
        return 0;
    json_t *object = json_loadb (body, size, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object (object)) {
        json_decref (object);
        return 0;
    }
    void *record = calloc (1, schema->record_size);
    bs_error_t error;
    if (record && bs_json_to_record (object, schema, record, &error) == BS_OK) {
        json_t *back = bs_json_from_record (schema, record);
        void *again = calloc (1, schema->record_size);
        if (!back || !again || bs_json_to_record (back, schema, again, &error) != BS_OK)
            abort (); /* what we write, we must read */
        bs_codec_record_free (schema, again);
        free (again);
        json_decref (back);
        bs_codec_record_free (schema, record);
    }
    free (record);
    json_decref (object);
    return 0;
}
