/*  mail_notify: mail to units from review's log; see mail_notify.h. */
#include "mail_notify.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bs_clock.h"
#include "bs_log.h"
#include "bs_service.h"
#include "bs_stream.h"
#include "mail_receipt.h"
#include "mail_text.h"

struct mail_notify {
    mail_t *mail;            /* the channel's settings, not ours */
    bs_store_t *store;       /* <data_dir>/mail/store: the cursor */
    bs_consumer_t *consumer; /* of review's log */
    bs_client_t *intake;     /* for the officers' addresses */
    uint64_t retry_at;       /* monotonic ms: a failed batch waits until then */
    uint64_t next_tick;      /* monotonic ms of the next heartbeat */
};

static const char *const s_databases[] = {"cursors", NULL};

mail_notify_t *
mail_notify_new (mail_t *mail, bs_error_t *error)
{
    char path[1200];
    snprintf (path, sizeof path, "%s/mail/store", bs_config_get (mail->config, "data_dir"));
    if (mkdir (path, 0755) == -1 && errno != EEXIST) {
        bs_error_set (error, BS_E_SYSTEM, "data_dir", "cannot create %s: %s", path,
                      strerror (errno));
        return NULL;
    }
    mail_notify_t *self = calloc (1, sizeof *self);
    if (!self) {
        bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
        return NULL;
    }
    self->mail = mail;
    bs_store_options_t options = {.map_size = 1 << 20};
    self->store = bs_store_new (path, s_databases, &options, error);
    if (self->store)
        self->consumer = bs_consumer_new (mail->config, "mail", "review",
                                          bs_config_endpoint (mail->config, "review", "stream"),
                                          self->store, bs_store_dbi (self->store, "cursors"));
    if (self->consumer)
        self->intake = bs_client_new (mail->config, "intake", "mail");
    if (!self->intake) {
        if (self->store)
            bs_error_set (error, BS_E_SYSTEM, "review", "cannot follow review's log");
        mail_notify_destroy (&self);
    }
    return self;
}

void
mail_notify_destroy (mail_notify_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mail_notify_t *self = *self_p;
    bs_client_destroy (&self->intake);
    bs_consumer_destroy (&self->consumer);
    bs_store_destroy (&self->store);
    free (self);
    *self_p = NULL;
}

zsock_t *
mail_notify_socket (mail_notify_t *self)
{
    return bs_consumer_socket (self->consumer);
}

/* The email addresses of unit's enabled officers, a comma list (caller
   frees), "" when none. BS_OK or why not (intake down). */
static int
s_addresses (mail_notify_t *self, const char *unit, char **addresses)
{
    *addresses = NULL;
    bs_officer_list_t query = {.unit = (char *) unit, .limit = BS_PAGE_MAX};
    bs_officer_page_t page;
    bs_error_t error;
    int rc = bs_client_call (self->intake, &bs_officer_list_schema, &query, &bs_officer_page_schema,
                             &page, &error);
    if (rc != BS_OK) {
        bs_log_warning ("no addresses for %s: %s", unit, error.text);
        return rc;
    }
    size_t size = 1;
    const bs_officer_t *officers = page.officers.items;
    for (size_t i = 0; i < page.officers.count; i++)
        if (!officers[i].disabled && officers[i].emails)
            size += strlen (officers[i].emails) + 2;
    *addresses = calloc (1, size);
    for (size_t i = 0; *addresses && i < page.officers.count; i++)
        if (!officers[i].disabled && officers[i].emails && *officers[i].emails) {
            if (**addresses)
                strcat (*addresses, ", ");
            strcat (*addresses, officers[i].emails);
        }
    bs_codec_record_free (&bs_officer_page_schema, &page);
    return *addresses ? BS_OK : BS_E_SYSTEM;
}

/* What a mail says: its kind (for the file name), id, subject and text. */
typedef struct {
    const char *kind;
    uint64_t id;
    char subject[BS_TITLE_MAX + 64];
    char *text; /* malloc'd */
} s_content_t;

static bool
s_content (const bs_message_t *event, s_content_t *content)
{
    char deadline[40];
    content->text = NULL;
    if (event->schema == &bs_commission_created_schema) {
        const bs_commission_created_t *created = event->data;
        bs_clock_format (created->deadline, deadline, sizeof deadline);
        content->kind = "commission";
        content->id = created->commission_id;
        snprintf (content->subject, sizeof content->subject, "約稿[約稿%llu]：%s",
                  (unsigned long long) created->commission_id, created->title);
        if (asprintf (&content->text,
                      "%s\n\n%s%s截止時間：%s%s\n\n請在截止時間前報送。用郵件報送時，在主題中寫上"
                      "「[約稿%llu]」；網頁、直報系統、電話和當面報送時註明約稿號 %llu。\n\n"
                      "此郵件由系統自動發出，請勿回覆。\n",
                      created->title, created->brief ? created->brief : "",
                      created->brief ? "\n\n" : "", deadline, created->scored ? "（計分）" : "",
                      (unsigned long long) created->commission_id,
                      (unsigned long long) created->commission_id)
            < 0)
            content->text = NULL;
        return true;
    }
    if (event->schema == &bs_commission_reminded_schema) {
        const bs_commission_reminded_t *reminded = event->data;
        bs_clock_format (reminded->deadline, deadline, sizeof deadline);
        content->kind = "reminder";
        content->id = reminded->commission_id;
        snprintf (content->subject, sizeof content->subject, "約稿提醒[約稿%llu]：%s",
                  (unsigned long long) reminded->commission_id, reminded->title);
        if (asprintf (&content->text,
                      "貴單位尚未答覆約稿「%s」，截止時間：%s。\n\n用郵件報送時，在主題中寫上"
                      "「[約稿%llu]」。\n\n此郵件由系統自動發出，請勿回覆。\n",
                      reminded->title, deadline, (unsigned long long) reminded->commission_id)
            < 0)
            content->text = NULL;
        return true;
    }
    if (event->schema == &bs_notice_sent_schema) {
        const bs_notice_sent_t *notice = event->data;
        content->kind = "notice";
        content->id = notice->notice_id;
        snprintf (content->subject, sizeof content->subject, "%s：%s",
                  strcmp (notice->kind, "guidance") == 0 ? "報送要點" : "通知", notice->title);
        if (asprintf (&content->text, "%s\n\n%s\n\n此郵件由系統自動發出，請勿回覆。\n",
                      notice->title, notice->body ? notice->body : "")
            < 0)
            content->text = NULL;
        return true;
    }
    return false;
}

char *
mail_notify_build (mail_t *mail, const bs_message_t *event, const char *unit, const char *addresses)
{
    s_content_t content;
    if (!s_content (event, &content) || !content.text)
        return NULL;
    GMimeMessage *message = mail_message_new (mail, content.subject);
    InternetAddressList *to = internet_address_list_parse (NULL, addresses);
    if (to) {
        internet_address_list_append (g_mime_message_get_to (message), to);
        g_object_unref (to);
    }
    g_mime_object_set_header (GMIME_OBJECT (message), "Auto-Submitted", "auto-generated", NULL);
    if (mail_text_header_safe (unit))
        g_mime_object_set_header (GMIME_OBJECT (message), "X-Baosong-Unit", unit, "utf-8");
    char number[24];
    snprintf (number, sizeof number, "%llu", (unsigned long long) content.id);
    g_mime_object_set_header (GMIME_OBJECT (message),
                              strcmp (content.kind, "notice") == 0 ? "X-Baosong-Notice"
                                                                   : "X-Baosong-Commission",
                              number, NULL);
    char *built = mail_message_finish (message, content.text);
    free (content.text);
    return built;
}

/* The units an event is for. */
static bs_list_t
s_units (const bs_message_t *event, const char **single)
{
    *single = NULL;
    if (event->schema == &bs_commission_created_schema)
        return ((const bs_commission_created_t *) event->data)->units;
    if (event->schema == &bs_notice_sent_schema)
        return ((const bs_notice_sent_t *) event->data)->units;
    if (event->schema == &bs_commission_reminded_schema)
        *single = ((const bs_commission_reminded_t *) event->data)->unit;
    return (bs_list_t){0};
}

/* Write the mail of event for one unit. BS_OK when written (or nothing to
   write); else try the batch again later. */
static int
s_mail_unit (mail_notify_t *self, const bs_message_t *event, const char *unit)
{
    char *addresses;
    int rc = s_addresses (self, unit, &addresses);
    if (rc != BS_OK)
        return rc;
    if (!*addresses) {
        bs_log_info ("%s: unit %s has no officer with an email address; no mail", event->type,
                     unit);
        free (addresses);
        return BS_OK;
    }
    s_content_t content;
    s_content (event, &content);
    free (content.text);
    unsigned char hash[16];
    crypto_generichash (hash, sizeof hash, (const unsigned char *) unit, strlen (unit), NULL, 0);
    char name[128], hex[33];
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    snprintf (name, sizeof name, "%s-%llu-%s.mail", content.kind, (unsigned long long) content.id,
              hex);
    char *text = mail_notify_build (self->mail, event, unit, addresses);
    free (addresses);
    if (!text)
        return BS_E_SYSTEM;
    bs_error_t error;
    rc = mail_outbox_write (self->mail, name, text, &error);
    if (rc != BS_OK)
        bs_log_error ("%s for %s not written: %s", name, unit, error.text);
    free (text);
    return rc;
}

static int
s_mail_event (mail_notify_t *self, const bs_message_t *event)
{
    const char *single;
    bs_list_t units = s_units (event, &single);
    if (single)
        return s_mail_unit (self, event, single);
    const bs_unit_ref_t *refs = units.items;
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < units.count; i++)
        rc = s_mail_unit (self, event, refs[i].unit);
    return rc;
}

static int
s_store_cursor (MDB_txn *txn, void *argument)
{
    return bs_consumer_store_cursor (argument, txn);
}

void
mail_notify_turn (mail_notify_t *self)
{
    bs_consumer_receive (self->consumer);
    uint64_t monotonic = bs_clock_monotonic ();
    size_t pending = bs_consumer_take (self->consumer); /* their credit: the next come meanwhile */
    if (pending && monotonic >= self->retry_at) {
        int rc = BS_OK;
        for (size_t i = 0; rc == BS_OK && i < pending; i++)
            rc = s_mail_event (self, bs_consumer_event (self->consumer, i));
        if (rc == BS_OK)
            rc = bs_store_write (self->store, s_store_cursor, self->consumer);
        if (rc == BS_OK) {
            bs_consumer_committed (self->consumer);
            self->retry_at = 0;
        } else
            self->retry_at = monotonic + 5000; /* the mails written stay written */
    }
    bs_consumer_grant (self->consumer); /* credit used by duplicates */
    if (monotonic >= self->next_tick) {
        self->next_tick = monotonic + bs_config_get_number (self->mail->config, "heartbeat_ms");
        bs_consumer_tick (self->consumer);
    }
}
