/*  review_synthesis: an editor combines several reports into one
    synthesized item (綜合). The synthesis is a case of its own, in the
    queue like any other: id REVIEW_SYNTHESIS_ID_BASE + n (never an intake
    report id), registration number "<year>-Z<n>" (n per year), unit
    REVIEW_SYNTHESIS_UNIT, and the list of its sources. Each source leaves
    the queue (state synthesized, synthesis_id pointing at the new case).
    Sources must be queued, or claimed by the synthesizing editor.

    Every decision event of the synthesis carries its sources, so
    statistics credits each source unit when it is adopted, and publication
    lists it as one item.
*/
#include "review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_store.h"

/* Load and check each source; fill sources (their strings point into the
   loaded cases, which live until the end of the request). */
static int
s_sources_take (bs_request_t *request, const bs_synthesize_t *synthesize, bs_review_case_t *loaded,
                bs_source_t *sources)
{
    const uint64_t *ids = synthesize->report_ids.items;
    for (size_t i = 0; i < synthesize->report_ids.count; i++) {
        for (size_t k = 0; k < i; k++)
            if (ids[k] == ids[i])
                return bs_request_fail (request, BS_E_INVALID, "report_ids",
                                        "report %llu is listed twice", (unsigned long long) ids[i]);
        int rc = review_case_load (request, ids[i], &loaded[i]);
        if (rc != BS_OK)
            return rc;
        bs_review_case_t *source = &loaded[i];
        bool claimed = strcmp (source->state, "claimed") == 0;
        if (!review_state_next (source->state, "synthesize"))
            return bs_request_refuse (request, BS_E_CONFLICT, "report_ids", "closed",
                                      "report %s is %s: only queued or claimed reports can be "
                                      "combined",
                                      source->reg_no, source->state);
        if (claimed && strcmp (source->holder, synthesize->editor) != 0)
            return bs_request_refuse (request, BS_E_CONFLICT, "report_ids", "claimed",
                                      "report %s is claimed by %s, not by %s", source->reg_no,
                                      source->holder, synthesize->editor);
        sources[i] = (bs_source_t){.report_id = source->report_id,
                                   .reg_no = source->reg_no,
                                   .unit = source->unit,
                                   .received_at = source->received_at};
    }
    return BS_OK;
}

int
review_synthesize (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_synthesize_t *synthesize = request->message->data;
    bs_service_t *service = request->service;
    review_actor_t actor = {synthesize->editor, synthesize->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_DESK, "combine reports");
    if (rc != BS_OK)
        return rc;
    size_t count = synthesize->report_ids.count;
    bs_review_case_t *loaded = calloc (count, sizeof *loaded);
    bs_source_t *sources = calloc (count, sizeof *sources);
    if (!loaded || !sources)
        rc = BS_E_SYSTEM;
    if (rc == BS_OK)
        rc = s_sources_take (request, synthesize, loaded, sources);
    uint64_t number = 0, sequence = 0;
    char year_key[32], reg_no[32], note[64];
    unsigned year = bs_clock_year (request->now);
    snprintf (year_key, sizeof year_key, "synthesis:%04u", year);
    MDB_dbi counters = bs_service_dbi (service, "counters");
    if (rc == BS_OK)
        rc = bs_store_next_counter (request->txn, counters, "synthesis", &sequence);
    if (rc == BS_OK)
        rc = bs_store_next_counter (request->txn, counters, year_key, &number);
    snprintf (reg_no, sizeof reg_no, "%04u-Z%04llu", year, (unsigned long long) number);
    bs_review_case_t synthesis = {
        .report_id = REVIEW_SYNTHESIS_ID_BASE + sequence,
        .reg_no = reg_no,
        .unit = REVIEW_SYNTHESIS_UNIT,
        .title = synthesize->title,
        .body = synthesize->body,
        .kind = "synthesis",
        .urgent = synthesize->urgent,
        .received_at = request->now,
        .deadline = synthesize->urgent ? review_deadline (service, request->now) : 0,
        .version = 1,
        .state = "queued",
        .sources = {count, sources},
    };
    snprintf (note, sizeof note, "combined into %s", reg_no);
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        rc = review_case_take (service, request->txn, &loaded[i]);
        loaded[i].synthesis_id = synthesis.report_id;
        loaded[i].lease_until = 0;
        if (rc == BS_OK)
            rc = review_string_set (&loaded[i].holder, NULL);
        if (rc == BS_OK)
            rc = review_case_move (service, request->txn, &loaded[i], "synthesize", &actor, note,
                                   request->now);
    }
    if (rc == BS_OK)
        rc = review_case_insert (service, request->txn, &synthesis);
    if (rc == BS_OK) {
        snprintf (note, sizeof note, "synthesis of %zu reports", count);
        rc = review_audit_add (service, request->txn, synthesis.report_id, "receive", &actor,
                               "received", "queued", note, request->now);
    }
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_review_case_schema, &synthesis);
    for (size_t i = 0; loaded && i < count; i++)
        bs_codec_record_free (&bs_review_case_schema, &loaded[i]);
    free (loaded);
    free (sources);
    return rc == BS_E_SYSTEM ? bs_request_fail (request, rc, "", "out of memory") : rc;
}
