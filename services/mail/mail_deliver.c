/*  mail_deliver: parse, submit, receipt; see mail_deliver.h. */
#include "mail_deliver.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs_log.h"
#include "bs_schemas.h"
#include "mail_receipt.h"

int
mail_init (mail_t *mail, bs_config_t *config, bs_error_t *error)
{
    memset (mail, 0, sizeof *mail);
    mail->config = config;
    mail->limits.max_message = (size_t) bs_config_get_number (config, "mail.max_message_bytes");
    /* intake may take larger commands than the common bound */
    mail->intake_max = (size_t) bs_config_get_number (config, "intake.message_max_bytes");
    if (!mail->intake_max)
        mail->intake_max = (size_t) bs_config_get_number (config, "max_message_bytes");
    snprintf (mail->outbox, sizeof mail->outbox, "%s/mail/outbox",
              bs_config_get (config, "data_dir"));
    snprintf (mail->sender, sizeof mail->sender, "%s", bs_config_get (config, "mail.receipt_from"));
    snprintf (mail->sendmail, sizeof mail->sendmail, "%s", bs_config_get (config, "mail.sendmail"));
    const char *hostname = bs_config_get (config, "mail.hostname");
    if (hostname && *hostname)
        snprintf (mail->hostname, sizeof mail->hostname, "%s", hostname);
    else if (gethostname (mail->hostname, sizeof mail->hostname - 1) != 0)
        snprintf (mail->hostname, sizeof mail->hostname, "localhost");
    if (sodium_init () < 0)
        return bs_error_set (error, BS_E_SYSTEM, "", "libsodium cannot start");
    return mail_receipt_prepare (mail, error);
}

void
mail_envelope_id (const void *bytes, size_t size, char *id, size_t id_size)
{
    unsigned char hash[32];
    crypto_generichash (hash, sizeof hash, bytes, size, NULL, 0);
    char hex[2 * sizeof hash + 1];
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    snprintf (id, id_size, "mail-%s", hex);
}

/* Intake's failures that another try may cure. */
static bool
s_temporary (int code)
{
    return code == BS_E_UNAVAILABLE || code == BS_E_TIMEOUT || code == BS_E_STORAGE
           || code == BS_E_DISK_FULL || code == BS_E_MAP_FULL || code == BS_E_SYSTEM;
}

/* The bytes a submission takes on the wire, roughly (for intake's limit). */
static size_t
s_submit_size (const bs_submit_t *submit)
{
    size_t size = 4096 + strlen (submit->title) + strlen (submit->body);
    const bs_attachment_t *attachments = submit->attachments.items;
    for (size_t i = 0; i < submit->attachments.count; i++)
        size += attachments[i].data.size + 512;
    return size;
}

void
mail_deliver (mail_t *mail, bs_client_t *client, const void *bytes, size_t size,
              mail_outcome_t *outcome)
{
    memset (outcome, 0, sizeof *outcome);
    mail_envelope_id (bytes, size, outcome->id, sizeof outcome->id);
    mail_report_t report;
    outcome->code = mail_parse (bytes, size, &mail->limits, &report, &outcome->error);
    if (outcome->code == BS_OK && s_submit_size (&report.submit) > mail->intake_max)
        outcome->code = bs_error_set (&outcome->error, BS_E_LIMIT, "size",
                                      "the report with its attachments is larger than intake takes "
                                      "(max_message_bytes %zu)",
                                      mail->intake_max);
    if (outcome->code != BS_OK) {
        bs_log_warning ("refused mail %.16s: %s: %s", outcome->id + 5, outcome->error.field,
                        outcome->error.text);
        mail_report_clear (&report);
        return;
    }
    bs_submitted_t receipt = {0};
    outcome->code = bs_client_call_with_id (client, outcome->id, &bs_submit_schema, &report.submit,
                                            &bs_submitted_schema, &receipt, &outcome->error);
    if (outcome->code != BS_OK) {
        outcome->temporary = s_temporary (outcome->code);
        bs_log_warning ("intake %s mail %.16s from %s: %s",
                        outcome->temporary ? "could not take" : "refused", outcome->id + 5,
                        report.submit.sender ? report.submit.sender : "(no sender)",
                        outcome->error.text);
        mail_report_clear (&report);
        return;
    }
    snprintf (outcome->status, sizeof outcome->status, "%s",
              receipt.status && *receipt.status ? receipt.status : "registered");
    snprintf (outcome->reg_no, sizeof outcome->reg_no, "%s", receipt.reg_no ? receipt.reg_no : "");
    outcome->version = receipt.version;
    outcome->hold_id = receipt.hold_id;
    outcome->received_at = receipt.received_at;
    outcome->commission = receipt.commission;
    if (receipt.message && *receipt.message)
        bs_error_set (&outcome->error, BS_OK, receipt.field ? receipt.field : "", "%s",
                      receipt.message);
    const char *sender = report.submit.sender ? report.submit.sender : "(no sender)";
    if (outcome->hold_id)
        bs_log_info ("mail %.16s from %s: held as %llu", outcome->id + 5, sender,
                     (unsigned long long) outcome->hold_id);
    else
        bs_log_info ("mail %.16s from %s: %s %s", outcome->id + 5, sender, outcome->status,
                     outcome->reg_no);
    if (*outcome->reg_no && !report.auto_submitted && report.reply_to) {
        bs_error_t error;
        if (mail_receipt_send (mail, &report, outcome, &error) != BS_OK)
            bs_log_error ("receipt for %s not written: %s", outcome->reg_no, error.text);
    }
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    mail_report_clear (&report);
}

/* Copy text as printable ASCII (SMTP replies are ASCII). */
static void
s_ascii (const char *text, char *out, size_t size)
{
    size_t at = 0;
    for (; text && *text && at + 1 < size; text++) {
        unsigned char c = (unsigned char) *text;
        if (c >= 0x80) {
            while (((unsigned char) text[1] & 0xc0) == 0x80)
                text++;
            out[at++] = '?';
        } else
            out[at++] = c < 0x20 || c == 0x7f ? ' ' : (char) c;
    }
    out[at] = 0;
}

void
mail_outcome_reply (const mail_outcome_t *outcome, const char *recipient, char *line, size_t size)
{
    char text[BS_ERROR_TEXT_MAX], who[300];
    s_ascii (outcome->error.text, text, sizeof text);
    s_ascii (recipient, who, sizeof who);
    if (outcome->code == BS_OK) {
        if (strcmp (outcome->status, "held") == 0)
            snprintf (line, size, "250 2.0.0 <%s> held for staff to assign (hold %llu)%s%s", who,
                      (unsigned long long) outcome->hold_id, *text ? ": " : "", text);
        else if (strcmp (outcome->status, "duplicate") == 0)
            snprintf (line, size, "250 2.0.0 <%s> duplicate: already registered as %s", who,
                      outcome->reg_no);
        else if (strcmp (outcome->status, "revised") == 0)
            snprintf (line, size, "250 2.0.0 <%s> registered as %s version %llu", who,
                      outcome->reg_no, (unsigned long long) outcome->version);
        else
            snprintf (line, size, "250 2.0.0 <%s> registered as %s", who, outcome->reg_no);
        return;
    }
    const char *status;
    switch (outcome->code) {
    case BS_E_LIMIT:
        status = "552 5.3.4";
        break;
    case BS_E_MALFORMED:
        status = "554 5.6.0 malformed MIME:";
        break;
    case BS_E_NOT_FOUND:
    case BS_E_CONFLICT:
        status = "550 5.7.1 refused:";
        break;
    case BS_E_DISK_FULL:
        status = "452 4.3.1";
        break;
    case BS_E_UNAVAILABLE:
    case BS_E_TIMEOUT:
    case BS_E_STORAGE:
    case BS_E_MAP_FULL:
    case BS_E_SYSTEM:
        status = "451 4.3.0";
        break;
    default:
        status = strcmp (outcome->error.field, "charset") == 0 ? "554 5.6.0 undecodable text:"
                                                               : "554 5.6.0";
    }
    snprintf (line, size, "%s %s", status, text);
}
