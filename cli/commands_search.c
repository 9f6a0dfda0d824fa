/*  commands_search: `baosong search WORDS...`: publication's archive of
    published items, ranked, with the words found marked 【】 in each
    title and snippet.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
s_fragments_print (const bs_list_t *fragments)
{
    const bs_search_fragment_t *pieces = fragments->items;
    for (size_t i = 0; i < fragments->count; i++)
        printf (pieces[i].hit ? "【%s】" : "%s", pieces[i].text);
}

static void
s_results_print (const void *reply, const void *context)
{
    const bs_search_page_t *page = reply;
    const bs_search_request_t *request = context;
    const bs_search_hit_t *hits = page->hits.items;
    printf ("%s%llu found (%.1f ms)\n", page->total_exact ? "" : "at most ",
            (unsigned long long) page->total, page->took_us / 1000.0);
    for (size_t i = 0; i < page->hits.count; i++) {
        char published[32];
        cli_time_format (hits[i].published_at, published, sizeof published);
        printf ("\n%llu. ", (unsigned long long) (request->offset + i + 1));
        s_fragments_print (&hits[i].title_fragments);
        printf ("\n   《%s》%s · %s · %s · %.10s\n   ", hits[i].periodical, hits[i].issue,
                hits[i].unit, hits[i].reg_no, published);
        s_fragments_print (&hits[i].snippet);
        printf ("\n");
    }
    uint64_t shown = request->offset + page->hits.count;
    if (page->hits.count && shown < page->total)
        printf ("\nmore: add --offset %llu\n", (unsigned long long) shown);
}

/* search WORDS... [--periodical P] [--unit U] [--from DATE] [--to DATE]
   [--level L] [--offset N] [--limit N] */
int
cli_cmd_search (cli_t *cli, int argc, char **argv)
{
    bs_search_request_t request = {0};
    const char *periodical = NULL, *unit = NULL, *from = NULL, *to = NULL, *level = NULL;
    cli_option_t options[] = {{"periodical", CLI_OPTION_TEXT, &periodical},
                              {"unit", CLI_OPTION_TEXT, &unit},
                              {"from", CLI_OPTION_TEXT, &from},
                              {"to", CLI_OPTION_TEXT, &to},
                              {"level", CLI_OPTION_TEXT, &level},
                              {"offset", CLI_OPTION_NUMBER, &request.offset},
                              {"limit", CLI_OPTION_NUMBER, &request.limit},
                              {NULL, 0, NULL}};
    char *words[16];
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, words, 16, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (count == 0)
        return cli_usage_error (cli, "search for what? e.g. baosong search 基層黨建");
    char query[BS_TITLE_MAX + 1] = "";
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen (query);
        if (used + strlen (words[i]) + 2 > sizeof query)
            return cli_usage_error (cli, "the words are longer than %d bytes", BS_TITLE_MAX);
        snprintf (query + used, sizeof query - used, "%s%s", used ? " " : "", words[i]);
    }
    request.q = query;
    request.periodical = (char *) periodical;
    request.unit = (char *) unit;
    request.from = (char *) from;
    request.to = (char *) to;
    request.level = (char *) level;
    return cli_ask (cli, "publication", &bs_search_request_schema, &request, &bs_search_page_schema,
                    s_results_print, &request);
}
