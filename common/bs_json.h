/*  bs_json: records as JSON and JSON as records, by walking the schema.

    Neither direction names a message's fields: both walk the schema's
    field table (generated from its definition file), so a field added
    there shows up in the CLI's --json output and is accepted by the
    gateway's HTTP API with no change here. One mapping for everything:

      STR        string; an absent optional string is null
      U64        number; above 2^63-1 (jansson's limit) a string of digits,
                 and such a string is also accepted on input
      BOOL       true / false
      U64_LIST   array of numbers
      LIST       array of objects of the item schema
      BIN        base64 string (RFC 4648, with padding)

    From JSON the limits of the schema are checked (lengths, values,
    counts, required fields) and every error names the field at fault, with
    a path for nested ones ("items[3].title"). Unknown keys are refused, so
    a client's misspelt field is an error rather than silently ignored; null
    is the same as absent.

    Ownership: bs_json_from_record returns a new reference (json_decref);
    bs_json_to_record fills a record that the caller frees with
    bs_codec_record_free (on failure it holds nothing to free).
*/
#ifndef BS_JSON_H_INCLUDED
#define BS_JSON_H_INCLUDED

#include <jansson.h>

#include "bs_error.h"
#include "bs_schema.h"

/* The JSON object of record (a struct of schema); NULL only without memory. */
json_t *bs_json_from_record (const bs_schema_t *schema, const void *record);

/* Fill record (record_size bytes, zeroed first) from object.
   BS_OK, or BS_E_INVALID with error->field naming the field. */
int bs_json_to_record (const json_t *object, const bs_schema_t *schema, void *record,
                       bs_error_t *error);

/* The error body every JSON interface answers with:
   {"error": {"code": "invalid", "field": "title" or null, "message": "...",
   "reason" and "line" when the error has them}}. */
json_t *bs_json_error (const bs_error_t *error);

#endif
