/*  review_topics: topics (專題) editors group cases under: "cadre
    supervision", "village committee elections". A topic is created, renamed
    and closed (a closed topic keeps its cases but takes no new ones); names
    are unique. A case belongs to at most one topic (topic_id); the topic a
    unit suggested at submission stays in the case's topic field.
    Listing a topic's cases walks the cases in id order.
*/
#include "review.h"

#include <stdio.h>
#include <string.h>

#include "bs_store.h"

static int
s_topic_load (bs_request_t *request, uint64_t topic_id, bs_topic_t *topic)
{
    int rc = bs_store_get_record (request->txn, bs_service_dbi (request->service, "topics"),
                                  topic_id, &bs_topic_schema, topic);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "topic_id", "no topic %llu",
                                (unsigned long long) topic_id);
    return rc;
}

static bool
s_same_name (const void *record, const void *query)
{
    return strcmp (((const bs_topic_t *) record)->name, query) == 0;
}

/* Refuse a name another topic has. */
static int
s_name_free (bs_request_t *request, const char *name, uint64_t topic_id)
{
    bs_list_t found;
    uint64_t next;
    int rc = bs_store_page (request->txn, bs_service_dbi (request->service, "topics"),
                            &bs_topic_schema, 0, 1, s_same_name, name, &found, &next);
    const bs_topic_t *topics = found.items;
    if (rc == BS_OK && found.count && topics[0].topic_id != topic_id)
        rc = bs_request_refuse (request, BS_E_CONFLICT, "name", "taken",
                                "topic %llu is already called '%s'",
                                (unsigned long long) topics[0].topic_id, name);
    bs_topic_page_t page = {.topics = found};
    bs_codec_record_free (&bs_topic_page_schema, &page);
    return rc;
}

static int
s_topic_store (bs_request_t *request, const bs_topic_t *topic)
{
    int rc = bs_store_put_record (request->txn, bs_service_dbi (request->service, "topics"),
                                  topic->topic_id, &bs_topic_schema, topic);
    return rc == BS_OK ? bs_request_reply (request, &bs_topic_schema, topic) : rc;
}

int
review_topic_create (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_topic_create_t *create = request->message->data;
    review_actor_t actor = {create->editor, create->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_DESK, "create a topic");
    if (rc == BS_OK)
        rc = s_name_free (request, create->name, 0);
    bs_topic_t topic = {.name = create->name,
                        .state = "open",
                        .created_by = create->editor,
                        .created_at = request->now};
    if (rc == BS_OK)
        rc = bs_store_next_counter (request->txn, bs_service_dbi (request->service, "counters"),
                                    "topic", &topic.topic_id);
    return rc == BS_OK ? s_topic_store (request, &topic) : rc;
}

int
review_topic_rename (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_topic_rename_t *rename = request->message->data;
    review_actor_t actor = {rename->editor, rename->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_DESK, "rename a topic");
    if (rc == BS_OK)
        rc = s_name_free (request, rename->name, rename->topic_id);
    bs_topic_t topic;
    if (rc == BS_OK)
        rc = s_topic_load (request, rename->topic_id, &topic);
    if (rc != BS_OK)
        return rc;
    rc = review_string_set (&topic.name, rename->name);
    if (rc == BS_OK)
        rc = s_topic_store (request, &topic);
    bs_codec_record_free (&bs_topic_schema, &topic);
    return rc;
}

int
review_topic_close (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_topic_close_t *close = request->message->data;
    review_actor_t actor = {close->editor, close->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_DESK, "close a topic");
    bs_topic_t topic;
    if (rc == BS_OK)
        rc = s_topic_load (request, close->topic_id, &topic);
    if (rc != BS_OK)
        return rc;
    if (strcmp (topic.state, "closed") == 0)
        rc = bs_request_refuse (request, BS_E_CONFLICT, "topic_id", "closed",
                                "topic '%s' is already closed", topic.name);
    else {
        rc = review_string_set (&topic.state, "closed");
        topic.closed_at = request->now;
        if (rc == BS_OK)
            rc = s_topic_store (request, &topic);
    }
    bs_codec_record_free (&bs_topic_schema, &topic);
    return rc;
}

static bool
s_open_topic (const void *record, const void *query)
{
    (void) query;
    return strcmp (((const bs_topic_t *) record)->state, "open") == 0;
}

int
review_topic_list (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_topic_list_t *query = request->message->data;
    bs_topic_page_t page = {0};
    uint64_t next;
    int rc =
        bs_store_page (request->txn, bs_service_dbi (request->service, "topics"), &bs_topic_schema,
                       0, 100000, query->all ? NULL : s_open_topic, NULL, &page.topics, &next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_topic_page_schema, &page);
    bs_codec_record_free (&bs_topic_page_schema, &page);
    return rc;
}

int
review_topic_assign (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_topic_assign_t *assign = request->message->data;
    review_actor_t actor = {assign->editor, assign->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_DESK, "assign a topic");
    bs_topic_t topic = {0};
    if (rc == BS_OK && assign->topic_id)
        rc = s_topic_load (request, assign->topic_id, &topic);
    if (rc != BS_OK)
        return rc;
    char note[BS_NAME_MAX + 32] = "taken out of its topic";
    if (assign->topic_id && strcmp (topic.state, "open") != 0)
        rc = bs_request_refuse (request, BS_E_CONFLICT, "topic_id", "closed",
                                "topic '%s' is closed and takes no new cases", topic.name);
    else if (assign->topic_id)
        snprintf (note, sizeof note, "topic %llu '%s'", (unsigned long long) topic.topic_id,
                  topic.name);
    bs_codec_record_free (&bs_topic_schema, &topic);
    bs_review_case_t review_case;
    if (rc == BS_OK)
        rc = review_case_load (request, assign->report_id, &review_case);
    if (rc != BS_OK)
        return rc;
    review_case.topic_id = assign->topic_id;
    rc = review_case_take (request->service, request->txn, &review_case);
    if (rc == BS_OK)
        rc = review_case_move (request->service, request->txn, &review_case, "assign", &actor, note,
                               request->now);
    if (rc == BS_OK)
        rc = review_case_reply (request, &review_case);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
}

/* The cases of a topic the principal may read (an officer: their own
   unit's; topics themselves are campaigns every unit reports under). */
typedef struct {
    uint64_t topic_id;
    const bs_principal_t *principal;
} s_topic_query_t;

static bool
s_in_topic (const void *record, const void *query)
{
    const bs_review_case_t *review_case = record;
    const s_topic_query_t *asked = query;
    return review_case->topic_id == asked->topic_id
           && bs_principal_sees (asked->principal, review_case->unit, REVIEW_READS_EVERY_UNIT);
}

int
review_topic_cases (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_topic_cases_t *query = request->message->data;
    bs_topic_t topic;
    int rc = s_topic_load (request, query->topic_id, &topic);
    if (rc != BS_OK)
        return rc;
    bs_codec_record_free (&bs_topic_schema, &topic);
    bs_case_page_t page = {0};
    rc = bs_store_page (request->txn, bs_service_dbi (request->service, "cases"),
                        review_case_listed (), query->after, query->limit ? query->limit : 100,
                        s_in_topic, &(s_topic_query_t){query->topic_id, &request->principal},
                        &page.cases, &page.next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_case_page_schema, &page);
    bs_codec_record_free (&bs_case_page_schema, &page);
    return rc;
}
