/*  upward_sender: outbox sender and feedback poller; see upward_sender.h. */
#include "upward_sender.h"

#include <curl/curl.h>
#include <czmq.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_client.h"
#include "bs_json.h"
#include "bs_log.h"
#include "bs_schemas.h"

typedef struct {
    bs_config_t *config;  /* the service's configuration (read only) */
    bs_client_t *client;  /* to this installation's publication */
    const char *url;      /* publication.upward_url */
    const char *token;    /* publication.upward_token */
} s_sender_t;

typedef struct {
    char *data; /* the response body, NUL-terminated */
    size_t size;
} s_body_t;

static size_t
s_collect (char *bytes, size_t size, size_t count, void *argument)
{
    s_body_t *body = argument;
    size_t more = size * count;
    if (body->size + more > (16u << 20))
        return 0; /* no answer we expect is this large */
    char *grown = realloc (body->data, body->size + more + 1);
    if (!grown)
        return 0;
    memcpy (grown + body->size, bytes, more);
    body->data = grown;
    body->size += more;
    body->data[body->size] = 0;
    return more;
}

/* One HTTP exchange: POST json (NULL: GET). The status (0: no answer,
   error says why) and the parsed JSON body (or NULL). */
static long
s_http (s_sender_t *self, const char *path, const char *json, const char *key, json_t **reply,
        char *error, size_t error_size)
{
    *reply = NULL;
    CURL *curl = curl_easy_init ();
    if (!curl) {
        snprintf (error, error_size, "cannot start libcurl");
        return 0;
    }
    char url[BS_CONFIG_VALUE_MAX + 256], authorization[BS_CONFIG_VALUE_MAX + 32], idempotency[128];
    snprintf (url, sizeof url, "%s%s", self->url, path);
    snprintf (authorization, sizeof authorization, "Authorization: Bearer %s", self->token);
    struct curl_slist *headers = curl_slist_append (NULL, authorization);
    headers = curl_slist_append (headers, "Content-Type: application/json");
    if (key) {
        snprintf (idempotency, sizeof idempotency, "Idempotency-Key: %s", key);
        headers = curl_slist_append (headers, idempotency);
    }
    s_body_t body = {0};
    char curl_error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, curl_error);
    if (json)
        curl_easy_setopt (curl, CURLOPT_POSTFIELDS, json);
    long status = 0;
    CURLcode code = curl_easy_perform (curl);
    if (code == CURLE_OK)
        curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
    else
        snprintf (error, error_size, "%s: %s", url, *curl_error ? curl_error : curl_easy_strerror (code));
    if (status && body.data) {
        *reply = json_loads (body.data, 0, NULL);
        if (status >= 300)
            snprintf (error, error_size, "%s answered %ld: %.300s", url, status, body.data);
    }
    free (body.data);
    curl_slist_free_all (headers);
    curl_easy_cleanup (curl);
    return status;
}

/* Send one outbox entry and report the answer to the service. */
static void
s_send (s_sender_t *self, const bs_outbox_entry_t *entry)
{
    json_t *report = json_pack ("{s:s, s:s, s:s}", "title", entry->title, "body",
                                entry->body && *entry->body ? entry->body : entry->title, "kind",
                                "situation");
    char *text = json_dumps (report, JSON_COMPACT);
    json_decref (report);
    char error[BS_TEXT_MAX / 4] = "";
    json_t *reply = NULL;
    long status = text ? s_http (self, "/api/v1/reports", text, entry->key, &reply, error,
                                 sizeof error)
                       : 0;
    free (text);
    bs_outbox_ack_t ack = {.outbox_id = entry->outbox_id};
    const char *reg_no = json_string_value (json_object_get (reply, "reg_no"));
    if ((status == 200 || status == 201) && reg_no) {
        ack.upper_reg_no = (char *) reg_no;
        ack.upper_report_id = (uint64_t) json_integer_value (json_object_get (reply, "report_id"));
    } else
        ack.error = *error ? error : "no registration number in the answer";
    bs_outbox_entry_t stored;
    bs_error_t call_error;
    if (bs_client_call (self->client, &bs_outbox_ack_schema, &ack, &bs_outbox_entry_schema,
                        &stored, &call_error)
        == BS_OK)
        bs_codec_record_free (&bs_outbox_entry_schema, &stored);
    else
        bs_log_warning ("outbox %llu: %s", (unsigned long long) entry->outbox_id, call_error.text);
    if (!ack.upper_reg_no)
        bs_log_warning ("outbox %llu (%s) not acknowledged yet: %s",
                        (unsigned long long) entry->outbox_id, entry->reg_no, ack.error);
    json_decref (reply);
}

/* Fetch the feedback after cursor and apply it. */
static void
s_poll_feedback (s_sender_t *self, uint64_t cursor)
{
    char path[128], error[512] = "";
    snprintf (path, sizeof path, "/api/v1/publication/feedback?after=%llu&limit=100",
              (unsigned long long) cursor);
    json_t *reply = NULL;
    long status = s_http (self, path, NULL, NULL, &reply, error, sizeof error);
    if (status != 200 || !reply) {
        bs_log_debug ("feedback from above: %s", *error ? error : "no JSON");
        json_decref (reply);
        return;
    }
    bs_feedback_page_t page = {0};
    bs_error_t decode_error;
    if (bs_json_to_record (reply, &bs_feedback_page_schema, &page, &decode_error) != BS_OK)
        bs_log_warning ("feedback from above: %s", decode_error.text);
    else if (page.entries.count) {
        bs_feedback_apply_t apply = {.entries = page.entries};
        bs_outbox_page_t applied;
        bs_error_t call_error;
        if (bs_client_call (self->client, &bs_feedback_apply_schema, &apply,
                            &bs_outbox_page_schema, &applied, &call_error)
            == BS_OK)
            bs_codec_record_free (&bs_outbox_page_schema, &applied);
        else
            bs_log_warning ("applying feedback: %s", call_error.text);
    }
    bs_codec_record_free (&bs_feedback_page_schema, &page);
    json_decref (reply);
}

static void
s_turn (s_sender_t *self)
{
    bs_outbox_request_t query = {.due = true, .limit = 100};
    bs_outbox_page_t page;
    bs_error_t error;
    if (bs_client_call (self->client, &bs_outbox_request_schema, &query, &bs_outbox_page_schema,
                        &page, &error)
        != BS_OK) {
        bs_log_debug ("outbox: %s", error.text);
        return;
    }
    const bs_outbox_entry_t *entries = page.entries.items;
    for (size_t i = 0; i < page.entries.count; i++)
        s_send (self, &entries[i]);
    s_poll_feedback (self, page.feedback_after);
    bs_codec_record_free (&bs_outbox_page_schema, &page);
}

static void *
s_run (void *argument)
{
    s_sender_t *self = argument;
    uint64_t interval = bs_config_get_number (self->config, "publication.upward_poll_ms");
    self->client = bs_client_new (self->config, "publication", "upward");
    if (!self->client) {
        bs_log_error ("the upward sender cannot reach its own service");
        return NULL;
    }
    for (;;) {
        s_turn (self);
        zclock_sleep ((int) (interval ? interval : 500));
    }
    return NULL;
}

int
upward_sender_start (bs_config_t *config)
{
    const char *url = bs_config_get (config, "publication.upward_url");
    const char *token = bs_config_get (config, "publication.upward_token");
    if (!url || !*url)
        return BS_OK;
    if (!token || !*token) {
        bs_log_error ("publication.upward_url is set but publication.upward_token is not");
        return BS_E_INVALID;
    }
    if (curl_global_init (CURL_GLOBAL_DEFAULT) != 0) {
        bs_log_error ("cannot initialise libcurl");
        return BS_E_SYSTEM;
    }
    static s_sender_t sender;
    sender = (s_sender_t){.config = config, .url = url, .token = token};
    pthread_t thread;
    if (pthread_create (&thread, NULL, s_run, &sender) != 0) {
        bs_log_error ("cannot start the upward sender thread");
        return BS_E_SYSTEM;
    }
    pthread_detach (thread);
    bs_log_info ("sending upward to %s every %llu ms", url,
                 (unsigned long long) bs_config_get_number (config, "publication.upward_poll_ms"));
    return BS_OK;
}
