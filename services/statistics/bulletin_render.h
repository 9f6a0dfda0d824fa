/*  bulletin_render: an issued bulletin's files, made once when it is
    issued (bulletins.h keeps them).

    pdf   A4 through bs_pdf (cairo, pango, Noto CJK): title, issuing unit
          and date, the basis and rules version, then per tier one line per
          unit in ranking order with every figure of its row, the units
          short of their quota, the corrections to the previous bulletin,
          and last a page with a bar chart of adoptions by unit.
    xlsx  sheet 通报: the scores table (tables.h, Chinese headings) with a
          native bar chart of adoptions by unit; sheet 更正: corrections.
    csv   the scores table, headings as the API's field names.
    html  both tables.
*/
#ifndef STATISTICS_BULLETIN_RENDER_H_INCLUDED
#define STATISTICS_BULLETIN_RENDER_H_INCLUDED

#include "bs_schemas.h"

/* The formats, NULL-terminated. */
extern const char *const statistics_bulletin_formats[];

/* The media type of format; NULL if it is none of the formats. */
const char *statistics_bulletin_content_type (const char *format);

/* Render bulletin as format into out (malloc'd, the caller's). issuing
   unit may be "". Returns BS_OK or BS_E_SYSTEM. */
int statistics_bulletin_render (const bs_bulletin_t *bulletin, const char *issuing_unit,
                                const char *format, bs_bytes_t *out);

#endif
