/*  attachments: the files that come with a report, kept in intake's
    "attachments" database.

    Key: report id (8 bytes) + version (4) + index (4), big-endian; value:
    the bytes. The report (and its report.received event) keeps only the
    descriptions: name, content type, size and SHA-256 (hex). Limits: one
    file at most BS_ATTACHMENT_MAX bytes (the schema), a report at most
    intake.attachments_max_bytes in all (default 32 MiB) and
    BS_ATTACHMENTS_MAX files. intake.attachment_get {report_id, index,
    version} answers with one attachment and its data.
*/
#ifndef INTAKE_ATTACHMENTS_H_INCLUDED
#define INTAKE_ATTACHMENTS_H_INCLUDED

#include "bs_error.h"
#include "bs_schemas.h"
#include "bs_service.h"

/* Check a submission's attachments (non-empty, within the limits, a
   content type "type/subtype[; parameters]" with no control character).
   Errors name the field "attachments". */
int intake_attachments_check (bs_service_t *service, const bs_list_t *attachments,
                              bs_error_t *error);

/* Store the bytes of attachments under (report_id, version, first + i) and
   write their descriptions (no data; sha256 and size computed) to
   descriptions, an array of attachments->count records whose strings point
   into attachments and the hex buffers of sha256 (65 bytes each). */
int intake_attachments_store (bs_service_t *service, MDB_txn *txn, uint64_t report_id,
                              uint64_t version, size_t first, const bs_list_t *attachments,
                              bs_attachment_t *descriptions, char (*sha256)[65]);

/* Register intake.attachment_get. */
int intake_attachments_setup (bs_service_t *service);

#endif
