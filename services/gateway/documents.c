/*  documents: what the gateway serves of publication's documents; see
    gateway.h. */
#include "gateway.h"

#include <stdlib.h>
#include <string.h>

/* GET /api/v1/issues/{id}/document?format=pdf (pdf when not given). */
enum MHD_Result
gateway_issue_document (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    const char *suffix = "/document";
    size_t digits = strspn (tail, "0123456789");
    if (digits == 0 || digits > 19 || strcmp (tail + digits, suffix) != 0)
        return gateway_reply_error (request, 404, "not_found", "path", "no endpoint %s",
                                    request->path);
    const char *format = gateway_query (request, "format");
    bs_document_request_t query = {.issue_id = strtoull (tail, NULL, 10),
                                   .format = (char *) (format && *format ? format : "pdf")};
    bs_document_t document = {0};
    bs_error_t error;
    int rc = gateway_call (request, "publication", NULL, &bs_document_request_schema, &query,
                           &bs_document_schema, &document, &error);
    if (rc != BS_OK)
        return gateway_reply_failure (request, &error);
    char disposition[2048];
    gateway_disposition (document.filename, disposition, sizeof disposition);
    enum MHD_Result result = gateway_reply_bytes (
        request, document.content_type, document.content.data, document.content.size, disposition);
    bs_codec_record_free (&bs_document_schema, &document);
    return result;
}
