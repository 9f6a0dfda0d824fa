/*  intake: report registration; see intake.h. */
#include "intake.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_schemas.h"
#include "bs_store.h"
#include "channel.h"

const char *const intake_databases[] = {"reports", "registry", "counters", NULL};

/* The kinds of report the seed names (情況報道, 專題信息, 緊急重要信息,
   調研性信息, 特色亮點信息). */
static const char *const s_kinds[] = {"situation", "topic",     "urgent",
                                      "research",  "highlight", NULL};

static bool
s_is_kind (const char *kind)
{
    for (size_t i = 0; s_kinds[i]; i++)
        if (strcmp (s_kinds[i], kind) == 0)
            return true;
    return false;
}

static bool
s_is_blank (const char *text)
{
    for (; *text; text++)
        if (!isspace ((unsigned char) *text))
            return false;
    return true;
}

static int
s_submit (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_submit_t *submission = request->message->data;
    bs_service_t *service = request->service;
    if (s_is_blank (submission->unit))
        return bs_request_fail (request, BS_E_INVALID, "unit", "unit is empty");
    if (s_is_blank (submission->title))
        return bs_request_fail (request, BS_E_INVALID, "title", "title is empty");
    if (s_is_blank (submission->body))
        return bs_request_fail (request, BS_E_INVALID, "body", "body is empty");
    const char *kind = submission->kind && *submission->kind ? submission->kind : "situation";
    if (!s_is_kind (kind))
        return bs_request_fail (request, BS_E_INVALID, "kind",
                                "unknown kind '%s'; known: situation, topic, urgent, research, "
                                "highlight",
                                kind);
    const char *channel_name =
        submission->channel && *submission->channel ? submission->channel : "walk_in";
    const intake_channel_t *channel = intake_channel_find (channel_name);
    if (!channel)
        return bs_request_fail (request, BS_E_INVALID, "channel", "unknown channel '%s'; known: %s",
                                channel_name, intake_channel_names ());
    bs_error_t error;
    if (channel->prepare && channel->prepare (submission, &error) != BS_OK)
        return bs_request_fail (request, error.code, error.field, "%s", error.text);

    MDB_txn *txn = request->txn;
    uint64_t report_id, number;
    unsigned year = bs_clock_year (request->now);
    char counter[32], reg_no[32];
    snprintf (counter, sizeof counter, "reg:%04u", year);
    int rc =
        bs_store_next_counter (txn, bs_service_dbi (service, "counters"), "report", &report_id);
    if (rc == BS_OK)
        rc = bs_store_next_counter (txn, bs_service_dbi (service, "counters"), counter, &number);
    if (rc != BS_OK)
        return rc;
    snprintf (reg_no, sizeof reg_no, "%04u-%06llu", year, (unsigned long long) number);

    bs_report_t report = {
        .report_id = report_id,
        .reg_no = reg_no,
        .unit = submission->unit,
        .title = submission->title,
        .body = submission->body,
        .kind = (char *) kind,
        .urgent = submission->urgent || strcmp (kind, "urgent") == 0,
        .topic = submission->topic,
        .channel = (char *) channel->name,
        .received_at = request->now,
        .version = 1,
    };
    rc = bs_store_put_record (txn, bs_service_dbi (service, "reports"), report_id,
                              &bs_report_schema, &report);
    unsigned char key[8];
    bs_store_key (report_id, key);
    if (rc == BS_OK)
        rc = bs_store_put_bytes (txn, bs_service_dbi (service, "registry"), reg_no,
                                 (const char *) key, sizeof key);
    if (rc == BS_OK)
        rc = bs_service_emit (service, txn, &bs_report_schema, &report, request->now);
    if (rc != BS_OK)
        return rc;
    bs_submitted_t reply = {.report_id = report_id, .reg_no = reg_no, .received_at = request->now};
    return bs_request_reply (request, &bs_submitted_schema, &reply);
}

static int
s_get (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_report_get_t *query = request->message->data;
    bs_service_t *service = request->service;
    uint64_t report_id = query->report_id;
    if (report_id == 0) {
        const void *key;
        size_t size;
        if (!query->reg_no || !*query->reg_no)
            return bs_request_fail (request, BS_E_INVALID, "report_id",
                                    "give a report_id or a reg_no");
        int rc = bs_store_get_bytes (request->txn, bs_service_dbi (service, "registry"),
                                     query->reg_no, &key, &size);
        if (rc == BS_E_NOT_FOUND || (rc == BS_OK && size != 8))
            return bs_request_fail (request, BS_E_NOT_FOUND, "reg_no",
                                    "no report is registered as %s", query->reg_no);
        if (rc != BS_OK)
            return rc;
        report_id = bs_store_key_value (key);
    }
    bs_report_t report;
    int rc = bs_store_get_record (request->txn, bs_service_dbi (service, "reports"), report_id,
                                  &bs_report_schema, &report);
    if (rc == BS_E_NOT_FOUND)
        return bs_request_fail (request, BS_E_NOT_FOUND, "report_id", "no report %llu",
                                (unsigned long long) report_id);
    if (rc != BS_OK)
        return rc;
    rc = bs_request_reply (request, &bs_report_schema, &report);
    bs_codec_record_free (&bs_report_schema, &report);
    return rc;
}

static int
s_list (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_report_list_t *query = request->message->data;
    bs_report_page_t page = {0};
    int rc = bs_store_page (request->txn, bs_service_dbi (request->service, "reports"),
                            &bs_report_schema, query->after, query->limit ? query->limit : 100,
                            NULL, NULL, &page.reports, &page.next);
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_report_page_schema, &page);
    bs_codec_record_free (&bs_report_page_schema, &page);
    return rc;
}

int
intake_setup (bs_service_t *service)
{
    int rc = bs_service_produce (service);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_submit_schema, s_submit, NULL, true);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_report_get_schema, s_get, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_report_list_schema, s_list, NULL, false);
    return rc;
}
