/*  commands_review: `baosong queue`, `case` and `decide`, the commands that
    talk to the review service (review.queue, review.get, review.decide).
*/
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
s_case_print (const void *reply, const void *context)
{
    const bs_review_case_t *review = reply;
    (void) context;
    char received[32], decided[32];
    cli_time_format (review->received_at, received, sizeof received);
    cli_time_format (review->decided_at, decided, sizeof decided);
    printf ("report %llu  %s%s\n", (unsigned long long) review->report_id, review->reg_no,
            review->urgent ? "  URGENT" : "");
    printf ("state:      %s\n", review->state);
    printf ("unit:       %s\n", review->unit);
    printf ("title:      %s\n", review->title);
    printf ("kind:       %s\n", review->kind);
    if (review->topic && *review->topic)
        printf ("topic:      %s\n", review->topic);
    printf ("received:   %s\n", received);
    if (review->periodical && *review->periodical) {
        char periodical[256];
        cli_periodical_format (review->periodical, periodical, sizeof periodical);
        printf ("periodical: %s\n", periodical);
    }
    if (review->editor && *review->editor)
        printf ("editor:     %s\n", review->editor);
    if (review->decided_at)
        printf ("decided:    %s\n", decided);
    if (review->critique && *review->critique)
        printf ("critique:   %s\n", review->critique);
}

static void
s_queue_print (const void *reply, const void *context)
{
    const bs_case_page_t *page = reply;
    const bs_queue_request_t *request = context;
    static const char *const headers[] = {">ID",   "REG NO", "!",       "UNIT",
                                          "TITLE", "STATE",  "RECEIVED"};
    cli_table_t *table = cli_table_new (7, headers);
    if (!table)
        return;
    cli_table_set_max_width (table, 3, 24);
    cli_table_set_max_width (table, 4, 40);
    const bs_review_case_t *cases = page->cases.items;
    for (size_t i = 0; i < page->cases.count; i++) {
        const bs_review_case_t *review = &cases[i];
        char id[24], received[32];
        snprintf (id, sizeof id, "%llu", (unsigned long long) review->report_id);
        cli_time_format (review->received_at, received, sizeof received);
        const char *cells[] = {id,           review->reg_no, review->urgent ? "!" : "",
                               review->unit, review->title,  review->state,
                               received};
        cli_table_add (table, cells);
    }
    if (cli_table_rows (table) == 0)
        printf (request->all ? "no cases\n" : "the queue is empty\n");
    else
        cli_table_print (table, stdout);
    cli_table_destroy (&table);
    if (!request->all && page->queued)
        printf ("%llu queued\n", (unsigned long long) page->queued);
    if (page->next)
        printf ("more: baosong queue%s --after %llu\n", request->all ? " --all" : "",
                (unsigned long long) page->next);
}

int
cli_cmd_queue (cli_t *cli, int argc, char **argv)
{
    bs_queue_request_t request = {0};
    cli_option_t options[] = {
        {"limit", CLI_OPTION_NUMBER, &request.limit},
        {"after", CLI_OPTION_NUMBER, &request.after},
        {"all", CLI_OPTION_FLAG, &request.all},
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    return cli_ask (cli, "review", &bs_queue_request_schema, &request, &bs_case_page_schema,
                    s_queue_print, &request);
}

int
cli_cmd_case (cli_t *cli, int argc, char **argv)
{
    char *words[1];
    size_t count;
    int rc =
        cli_options_parse (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, words, 1, &count);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (count != 1)
        return cli_usage_error (cli, "which case? give its report id");
    bs_case_get_t request = {0};
    rc = cli_report_id (cli, words[0], &request.report_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_ask (cli, "review", &bs_case_get_schema, &request, &bs_review_case_schema,
                    s_case_print, NULL);
}

/* One line saying what the decision did. */
static void
s_decision_print (const void *reply, const void *context)
{
    const bs_review_case_t *review = reply;
    const char *decision = context;
    printf ("report %llu (%s) ", (unsigned long long) review->report_id, review->reg_no);
    if (strcmp (decision, "adopt") == 0) {
        char periodical[256];
        cli_periodical_format (review->periodical, periodical, sizeof periodical);
        printf ("adopted for %s", periodical);
    } else if (strcmp (decision, "return") == 0)
        printf ("returned for revision");
    else if (strcmp (decision, "decline") == 0)
        printf ("declined");
    else
        printf ("decided: %s", decision);
    printf (", now %s\n", review->state);
}

int
cli_cmd_decide (cli_t *cli, int argc, char **argv)
{
    const char *critique = NULL, *periodical = NULL, *editor = NULL;
    cli_option_t options[] = {
        {"critique", CLI_OPTION_TEXT, &critique},
        {"periodical", CLI_OPTION_TEXT, &periodical},
        {"editor", CLI_OPTION_TEXT, &editor},
        {NULL, 0, NULL},
    };
    char *words[2];
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, words, 2, &count);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (count != 2)
        return cli_usage_error (cli, "give a report id and a decision (adopt, return or decline)");
    bs_decide_t request = {0};
    rc = cli_report_id (cli, words[0], &request.report_id);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!critique)
        return cli_usage_error (cli, "--critique is required: say why");
    /* The decision word goes to the service as typed: review owns the list
       of decisions and says which ones it knows. */
    request.decision = words[1];
    request.critique = (char *) critique;
    request.periodical = (char *) periodical;
    request.editor = (char *) editor;
    return cli_ask (cli, "review", &bs_decide_schema, &request, &bs_review_case_schema,
                    s_decision_print, words[1]);
}
