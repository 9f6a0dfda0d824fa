/*  commands_review: `baosong queue`, `case`, `claim`, `release`, `decide`
    and `revert`, an editor's desk at the review service (review.queue,
    review.get, review.claim, review.release, review.decide, review.revert).

    Every command that changes a case acts as the CLI's certificate
    (`certificate` in the configuration, else admin's): an operator
    certificate acts as its officer, with the roles `baosong cert add`
    gave it; the admin certificate as the administrator. Review checks the
    person and role against that certificate (bs_principal.h), so no option
    names anyone else.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void
cli_case_print (const void *reply, const void *context)
{
    const bs_review_case_t *review = reply;
    (void) context;
    char received[32], decided[32], until[32];
    cli_time_format (review->received_at, received, sizeof received);
    cli_time_format (review->decided_at, decided, sizeof decided);
    printf ("report %llu  %s%s%s\n", (unsigned long long) review->report_id, review->reg_no,
            review->urgent ? "  URGENT" : "", review->escalated ? "  ESCALATED" : "");
    printf ("state:      %s\n", review->state);
    if (review->holder) {
        cli_time_format (review->lease_until, until, sizeof until);
        printf ("claimed by: %s until %s\n", review->holder, until);
    }
    printf ("unit:       %s\n", review->unit);
    printf ("title:      %s\n", review->title);
    if (review->edited_title && strcmp (review->edited_title, review->title) != 0)
        printf ("edited:     %s (by %s; baosong diff %llu)\n", review->edited_title,
                review->edited_by, (unsigned long long) review->report_id);
    printf ("kind:       %s\n", review->kind);
    if (review->version > 1)
        printf ("version:    %llu\n", (unsigned long long) review->version);
    if (review->topic && *review->topic)
        printf ("topic:      %s\n", review->topic);
    if (review->topic_id)
        printf ("topic id:   %llu\n", (unsigned long long) review->topic_id);
    printf ("received:   %s\n", received);
    if (review->deadline && !review->decided_at) {
        cli_time_format (review->deadline, until, sizeof until);
        printf ("deadline:   %s\n", until);
    }
    if (review->periodical && *review->periodical) {
        char periodical[256];
        cli_periodical_format (review->periodical, periodical, sizeof periodical);
        printf ("periodical: %s%s\n", periodical, review->published ? " (published)" : "");
    }
    if (review->editor && *review->editor)
        printf ("editor:     %s\n", review->editor);
    if (review->decided_at)
        printf ("decided:    %s\n", decided);
    if (review->critique && *review->critique)
        printf ("critique:   %s\n", review->critique);
    const bs_score_t *scores = review->scores.items;
    for (size_t i = 0; i < review->scores.count; i++)
        printf ("score:      %s %llu\n", scores[i].criterion, (unsigned long long) scores[i].value);
    if (review->earlier_critique)
        printf ("earlier:    %s\n", review->earlier_critique);
    if (review->revert_reason)
        printf ("reverted:   %s\n", review->revert_reason);
    const bs_source_t *sources = review->sources.items;
    for (size_t i = 0; i < review->sources.count; i++)
        printf ("source:     %llu %s %s\n", (unsigned long long) sources[i].report_id,
                sources[i].reg_no, sources[i].unit);
    if (review->synthesis_id)
        printf ("combined:   into %llu\n", (unsigned long long) review->synthesis_id);
}

static void
s_queue_row (cli_table_t *table, const void *entry, const void *context)
{
    const bs_review_case_t *review = entry;
    (void) context;
    char id[24], received[32], deadline[32];
    snprintf (id, sizeof id, "%llu", (unsigned long long) review->report_id);
    cli_time_format (review->received_at, received, sizeof received);
    cli_time_format (review->decided_at ? 0 : review->deadline, deadline, sizeof deadline);
    const char *cells[] = {id,
                           review->reg_no,
                           review->escalated ? "!!"
                           : review->urgent  ? "!"
                                             : "",
                           review->unit,
                           review->edited_title ? review->edited_title : review->title,
                           review->state,
                           review->holder,
                           received,
                           deadline};
    cli_table_add (table, cells);
}

/* A unit's feedback on one case: its decision, scores and critique. */
static void
s_feedback_print (const bs_review_case_t *review)
{
    if (!review->critique && !review->scores.count)
        return;
    char periodical[256] = "";
    if (review->periodical)
        cli_periodical_format (review->periodical, periodical, sizeof periodical);
    printf ("%s %s%s%s", review->reg_no, review->state, *periodical ? " for " : "", periodical);
    const bs_score_t *scores = review->scores.items;
    for (size_t i = 0; i < review->scores.count; i++)
        printf ("%s%s %llu", i ? ", " : "; scores: ", scores[i].criterion,
                (unsigned long long) scores[i].value);
    printf ("\n  %s\n", review->critique ? review->critique : "(no critique)");
}

/* Under the queue: how many cases wait and what the marks mean; under a
   unit's cases (--unit), the critiques and scores it was given. */
static void
s_queue_footer (const void *reply, const void *context)
{
    const bs_case_page_t *page = reply;
    const bs_queue_request_t *request = context;
    if (!request->all && page->queued)
        printf ("%llu undecided (! urgent, !! escalated)\n", (unsigned long long) page->queued);
    if (!request->unit)
        return;
    const bs_review_case_t *cases = page->cases.items;
    for (size_t i = 0; i < page->cases.count; i++)
        s_feedback_print (&cases[i]);
}

static const char *const s_queue_headers[] = {">ID",   "REG NO", "!",        "UNIT",    "TITLE",
                                              "STATE", "HOLDER", "RECEIVED", "DEADLINE"};
static const size_t s_queue_widths[] = {0, 0, 0, 24, 40, 0, 0, 0, 0};

int
cli_cmd_queue (cli_t *cli, int argc, char **argv)
{
    bs_queue_request_t request = {0};
    const char *unit = NULL;
    cli_option_t options[] = {
        CLI_PAGE_OPTIONS (request),
        {"all", CLI_OPTION_FLAG, &request.all},
        {"unit", CLI_OPTION_UNIT, &unit},
        {NULL, 0, NULL},
    };
    size_t count;
    int rc = cli_options_parse (cli, argc, argv, options, NULL, 0, &count);
    if (rc != CLI_EXIT_OK)
        return rc;
    request.unit = (char *) unit;
    if (unit)
        request.all = true; /* a unit's feedback: its cases, decided ones too */
    cli_list_t queue = {.columns = 9,
                        .headers = s_queue_headers,
                        .widths = s_queue_widths,
                        .row = s_queue_row,
                        .empty = request.all ? "no cases" : "the queue is empty",
                        .footer = s_queue_footer};
    return cli_list (cli, "review", &bs_queue_request_schema, &request, &bs_case_page_schema,
                     &queue, &request);
}

/* The one report id a command names, with its options parsed. */
int
cli_case_argument (cli_t *cli, int argc, char **argv, const cli_option_t *options,
                   uint64_t *report_id)
{
    char *words[1];
    int rc = cli_options_words (cli, argc, argv, options, words, 1,
                                "which case? give its report id or registration number");
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_report_id (cli, words[0], report_id);
}

/* A claimed or released case in one line: who holds it, or its state. */
static void
s_lease_print (const void *reply, const void *context)
{
    const bs_review_case_t *review = reply;
    (void) context;
    char until[32];
    cli_time_format (review->lease_until, until, sizeof until);
    printf ("report %llu (%s) ", (unsigned long long) review->report_id, review->reg_no);
    if (review->holder)
        printf ("claimed by %s until %s: %s\n", review->holder, until, review->title);
    else
        printf ("%s, held by no one: %s\n", review->state, review->title);
}

/* Finish a command whose reply is a case, printed by print. */
static int
s_case_command (cli_t *cli, int rc, const bs_schema_t *schema, const void *request,
                cli_print_fn *print)
{
    if (rc != CLI_EXIT_OK)
        return rc;
    return cli_ask (cli, "review", schema, request, &bs_review_case_schema, print, NULL);
}

int
cli_cmd_case (cli_t *cli, int argc, char **argv)
{
    bs_case_get_t request = {0};
    int rc =
        cli_case_argument (cli, argc, argv, (cli_option_t[]){{NULL, 0, NULL}}, &request.report_id);
    return s_case_command (cli, rc, &bs_case_get_schema, &request, cli_case_print);
}

/* A case (REPORT_ID|REG_NO), and who works on it: the certificate's
   holder, in a desk role it holds. */
static int
s_acting (cli_t *cli, int argc, char **argv, uint64_t *report_id, char **editor, char **role)
{
    cli_option_t options[] = {{NULL, 0, NULL}};
    int rc = cli_case_argument (cli, argc, argv, options, report_id);
    *editor = (char *) cli_person ();
    *role = (char *) cli_role (CLI_ROLES_DESK);
    return rc;
}

int
cli_cmd_claim (cli_t *cli, int argc, char **argv)
{
    bs_claim_t request = {0};
    int rc = s_acting (cli, argc, argv, &request.report_id, &request.editor, &request.role);
    return s_case_command (cli, rc, &bs_claim_schema, &request, s_lease_print);
}

int
cli_cmd_release (cli_t *cli, int argc, char **argv)
{
    bs_release_t request = {0};
    int rc = s_acting (cli, argc, argv, &request.report_id, &request.editor, &request.role);
    return s_case_command (cli, rc, &bs_release_schema, &request, s_lease_print);
}

int
cli_cmd_revert (cli_t *cli, int argc, char **argv)
{
    const char *reason = NULL;
    cli_option_t options[] = {{"reason", CLI_OPTION_TEXT, &reason},
                              {NULL, 0, NULL}};
    bs_revert_t request = {0};
    int rc = cli_case_argument (cli, argc, argv, options, &request.report_id);
    if (rc == CLI_EXIT_OK && !reason)
        return cli_usage_error (cli, "--reason is required: say why the decision is taken back");
    request.editor = (char *) cli_person ();
    request.role = (char *) cli_role (CLI_ROLES_LEAD);
    request.reason = (char *) reason;
    return s_case_command (cli, rc, &bs_revert_schema, &request, cli_case_print);
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
    else if (strcmp (decision, "forward") == 0)
        printf ("marked for forwarding upward");
    else
        printf ("decided: %s", decision);
    printf (", now %s\n", review->state);
}

/* "timeliness=8,accuracy=9" into scores (items malloc'd); exit code. */
static int
s_scores_parse (cli_t *cli, const char *text, bs_list_t *scores, char **copy_p)
{
    *copy_p = NULL;
    if (!text || !*text)
        return CLI_EXIT_OK;
    char *copy = strdup (text);
    bs_score_t *items = calloc (16, sizeof *items);
    *copy_p = copy;
    scores->items = items;
    if (!copy || !items)
        return CLI_EXIT_REFUSED;
    char *save = NULL;
    for (char *pair = strtok_r (copy, ",", &save); pair; pair = strtok_r (NULL, ",", &save)) {
        char *equals = strchr (pair, '=');
        if (!equals || scores->count == 16
            || !cli_parse_number (equals + 1, &items[scores->count].value))
            return cli_usage_error (cli,
                                    "--scores is criterion=number,... e.g. timeliness=8,"
                                    "accuracy=9, not '%s'",
                                    text);
        *equals = 0;
        items[scores->count++].criterion = pair;
    }
    return CLI_EXIT_OK;
}

/* The results of review.decide_many, one line each, and how many were
   refused; CLI_EXIT_REFUSED when any was. */
static int
s_decisions_print (const bs_decide_results_t *page)
{
    static const char *const headers[] = {">REPORT", "REG NO", "STATE", "REFUSED"};
    cli_table_t *table = cli_table_new (4, headers);
    if (!table)
        return CLI_EXIT_REFUSED;
    cli_table_set_max_width (table, 3, 60);
    const bs_decide_result_t *results = page->results.items;
    size_t refused = 0;
    for (size_t i = 0; i < page->results.count; i++) {
        const bs_decide_result_t *result = &results[i];
        char number[24], message[1200] = "";
        snprintf (number, sizeof number, "%llu", (unsigned long long) result->report_id);
        if (result->code && *result->code) {
            refused++;
            snprintf (message, sizeof message, "%s: %s", result->code,
                      result->message ? result->message : "");
        }
        const char *cells[] = {number, result->reg_no, result->state, message};
        cli_table_add (table, cells);
    }
    cli_table_finish (&table, "no results");
    printf ("%zu decided, %zu refused\n", page->results.count - refused, refused);
    return refused ? CLI_EXIT_REFUSED : CLI_EXIT_OK;
}

/* The same decision on each of the reports named by count words, in one
   review.decide_many. */
static int
s_decide_many (cli_t *cli, char **words, size_t count, const bs_decide_t *decide)
{
    bs_decide_item_t *items = calloc (count, sizeof *items);
    int rc = items ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
    for (size_t i = 0; rc == CLI_EXIT_OK && i < count; i++) {
        items[i] = (bs_decide_item_t){.decision = decide->decision,
                                      .periodical = decide->periodical,
                                      .critique = decide->critique,
                                      .scores = decide->scores,
                                      .claim = decide->claim};
        rc = cli_report_id (cli, words[i], &items[i].report_id);
    }
    bs_decide_many_t request = {
        .editor = decide->editor, .role = decide->role, .decisions = {count, items}};
    bs_decide_results_t reply = {0};
    if (rc == CLI_EXIT_OK)
        rc = cli_call (cli, "review", &bs_decide_many_schema, &request, &bs_decide_results_schema,
                       &reply);
    if (rc == CLI_EXIT_OK) {
        if (cli->json)
            cli_json_print (&bs_decide_results_schema, &reply, false);
        rc = cli->json ? CLI_EXIT_OK : s_decisions_print (&reply);
        bs_codec_record_free (&bs_decide_results_schema, &reply);
    }
    free (items);
    return rc;
}

int
cli_cmd_decide (cli_t *cli, int argc, char **argv)
{
    const char *critique = NULL, *periodical = NULL, *scores = NULL;
    bool claim = false;
    cli_option_t options[] = {
        {"critique", CLI_OPTION_TEXT, &critique},
        {"periodical", CLI_OPTION_TEXT, &periodical},
        {"scores", CLI_OPTION_TEXT, &scores},
        {"claim", CLI_OPTION_FLAG, &claim},
        {NULL, 0, NULL},
    };
    /* Every word may be a report id: more than review takes in one
       command is told as such, not as an unexpected argument. */
    char **words = calloc (argc > 0 ? (size_t) argc : 1, sizeof *words);
    if (!words)
        return CLI_EXIT_REFUSED;
    size_t count;
    int rc =
        cli_options_parse (cli, argc, argv, options, words, argc > 0 ? (size_t) argc : 1, &count);
    if (rc == CLI_EXIT_OK && count < 2)
        rc = cli_usage_error (
            cli,
            "give a report id (or several) and a decision (adopt, return, decline or forward)");
    else if (rc == CLI_EXIT_OK && count - 1 > BS_DECIDE_MANY_MAX)
        rc = cli_usage_error (cli,
                              "%zu reports given: one decide takes at most %d, decide them "
                              "in parts",
                              count - 1, BS_DECIDE_MANY_MAX);
    if (rc != CLI_EXIT_OK) {
        free (words);
        return rc;
    }
    const char *decision = words[count - 1];
    bs_decide_t request = {0};
    if (count == 2)
        rc = cli_report_id (cli, words[0], &request.report_id);
    if (rc == CLI_EXIT_OK && !critique)
        rc = cli_usage_error (cli, "--critique is required: say why");
    else if (rc == CLI_EXIT_OK && strcmp (decision, "adopt") == 0 && !periodical)
        rc = cli_usage_error (cli, "adopt needs --periodical NAME: the periodical it goes "
                                   "into (`baosong periodicals` lists them)");
    if (rc != CLI_EXIT_OK) {
        free (words);
        return rc;
    }
    /* The decision word goes to the service as typed: review owns the list
       of decisions and says which ones it knows. */
    request.decision = (char *) decision;
    request.critique = (char *) critique;
    request.periodical = (char *) periodical;
    request.editor = (char *) cli_person ();
    request.role = (char *) cli_role (CLI_ROLES_DESK);
    request.claim = claim;
    char *copy;
    rc = s_scores_parse (cli, scores, &request.scores, &copy);
    if (rc == CLI_EXIT_OK && count > 2)
        rc = s_decide_many (cli, words, count - 1, &request);
    else if (rc == CLI_EXIT_OK)
        rc = cli_ask (cli, "review", &bs_decide_schema, &request, &bs_review_case_schema,
                      s_decision_print, decision);
    free (request.scores.items);
    free (copy);
    free (words);
    return rc;
}
