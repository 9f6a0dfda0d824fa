/*  list: the shape every listing command shares.

    A listing asks a service for a page (a reply with one LIST of entries
    and, when more follow, a `next` cursor), prints it as a table, a row an
    entry, and says how to go on: "more: baosong reports --after 40". The
    page is read through its schema, so a command gives only its columns
    and how one entry fills a row.
*/
#include "cli.h"

/* The page's entries: its one LIST field. */
static const bs_field_t *
s_entries_field (const bs_schema_t *page_schema)
{
    for (size_t i = 0; i < page_schema->field_count; i++)
        if (page_schema->fields[i].type == BS_FIELD_LIST)
            return &page_schema->fields[i];
    return NULL;
}

/* "more: baosong ... --after NEXT": the command line that ran, its
   --after (if any) replaced by the page's next cursor. */
static void
s_more_print (const cli_t *cli, const bs_schema_t *page_schema, const void *page)
{
    const bs_field_t *field = bs_schema_field (page_schema, "next");
    if (!field)
        return;
    const char *at = (const char *) page + field->offset;
    char next[BS_NAME_MAX + 24];
    if (field->type == BS_FIELD_U64 && *(const uint64_t *) at)
        snprintf (next, sizeof next, "%llu", (unsigned long long) *(const uint64_t *) at);
    else if (field->type == BS_FIELD_STR && *(char *const *) at)
        snprintf (next, sizeof next, "%s", *(char *const *) at);
    else
        return;
    printf ("more: ");
    cli_command_line_print (cli, stdout, "after", next);
    putchar ('\n');
}

void
cli_list_print (const cli_t *cli, const cli_list_t *list, const bs_schema_t *page_schema,
                const void *page, const void *context)
{
    const bs_field_t *field = s_entries_field (page_schema);
    if (!field)
        return;
    cli_table_t *table = cli_table_new (list->columns, list->headers);
    if (!table)
        return;
    for (size_t column = 0; list->widths && column < list->columns; column++)
        if (list->widths[column])
            cli_table_set_max_width (table, column, list->widths[column]);
    const bs_list_t *entries = (const bs_list_t *) ((const char *) page + field->offset);
    const char *entry = entries->items;
    for (size_t i = 0; i < entries->count; i++, entry += field->item->record_size)
        list->row (table, entry, context);
    cli_table_finish (&table, list->empty);
    if (list->footer)
        list->footer (page, context);
    s_more_print (cli, page_schema, page);
}

/* What cli_ask hands the printer of a listing. */
typedef struct {
    const cli_t *cli;               /* the command line, for "more:" */
    const cli_list_t *list;         /* columns and rows */
    const bs_schema_t *page_schema; /* the reply's schema */
    const void *context;            /* the command's context */
} s_listing_t;

static void
s_listing_print (const void *page, const void *context)
{
    const s_listing_t *listing = context;
    cli_list_print (listing->cli, listing->list, listing->page_schema, page, listing->context);
}

int
cli_list (cli_t *cli, const char *service, const bs_schema_t *request_schema, const void *request,
          const bs_schema_t *page_schema, const cli_list_t *list, const void *context)
{
    s_listing_t listing = {
        .cli = cli, .list = list, .page_schema = page_schema, .context = context};
    return cli_ask (cli, service, request_schema, request, page_schema, s_listing_print, &listing);
}
