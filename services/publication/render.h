/*  render: an issue as a file a person reads, prints or edits.

    Formats (render_find):
      pdf   render_pdf.c   A4, the red masthead of GB/T 9704-2012 official
                           documents, table of contents, page numbers
                           (common/bs_pdf: cairo, pango, Noto CJK fonts);
      docx  render_docx.c  WordprocessingML in a zip (libzip), the same
                           structure, for editing in WPS or Word;
      html  render_html.c  one page with print CSS;
      txt   render_txt.c   plain UTF-8 text.
    A draft is marked 草稿 in every format (a watermark in PDF).

    render_issue is publication's `publication.document_request` command:
    it builds the issue's document (issue_document.h) in the request's
    transaction and hands it to the render thread (render_worker.h), which
    replies with the file (publication.document) while the service's loop
    goes on answering other commands.
*/
#ifndef RENDER_H_INCLUDED
#define RENDER_H_INCLUDED

#include <stddef.h>

#include "bs_service.h"
#include "issue_document.h"

/* Write document as a file: *bytes (malloc'd, the caller's) and *size.
   BS_OK, or BS_E_SYSTEM (out of memory, a library failed: logged). */
typedef int (render_fn) (const issue_document_t *document, unsigned char **bytes, size_t *size);

typedef struct {
    const char *format;       /* "pdf" */
    const char *content_type; /* "application/pdf" */
    render_fn *render;
} render_format_t;

render_fn render_pdf;
render_fn render_docx;
render_fn render_html;
render_fn render_txt;

/* The format called name, or NULL. */
const render_format_t *render_find (const char *name);

/* The formats' names, "pdf, docx, html, txt", for messages. */
const char *render_names (void);

/* Start the render thread (BS_E_SYSTEM when it cannot start); it loads
   the fonts first (render_worker.h), while the service already serves. */
int render_prepare (void);

/* The publication.document_request handler; argument is the service's
   publication_t (issue_store.h). */
int render_issue (bs_request_t *request, void *argument);

#endif
