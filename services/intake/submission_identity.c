/*  submission_identity: who vouches for a submission (step 2 of
    submission.h): the officer, the token, the sender's address or the
    unit it names, each mapped to one enabled unit; see
    submission_internal.h. */
#include "submission_internal.h"

#include <stdio.h>
#include <string.h>

#include "bs_text.h"
#include "registry.h"

/* Take unit as the submission's unit, unless another one was named. */
static int
s_claim_unit (submission_identity_t *identity, const char *unit, const char *who, bs_error_t *error)
{
    if (!identity->unit[0]) {
        snprintf (identity->unit, sizeof identity->unit, "%s", unit);
        return BS_OK;
    }
    if (strcmp (identity->unit, unit) == 0)
        return BS_OK;
    return bs_error_set (error, BS_E_DENIED, "unit",
                         "%s belongs to unit '%s' and may not submit for '%s'", who, unit,
                         identity->unit);
}

static int
s_identify_officer (bs_service_t *service, MDB_txn *txn, const char *login,
                    submission_identity_t *identity, bs_error_t *error)
{
    bs_officer_t officer;
    int rc = registry_officer_enabled (service, txn, login, "officer", &officer, error);
    if (rc != BS_OK)
        return rc;
    char who[BS_NAME_MAX + 16];
    snprintf (who, sizeof who, "officer '%s'", officer.login);
    snprintf (identity->officer, sizeof identity->officer, "%s", officer.login);
    snprintf (identity->scope, sizeof identity->scope, "officer:%s", officer.login);
    rc = s_claim_unit (identity, officer.unit, who, error);
    bs_codec_record_free (&bs_officer_schema, &officer);
    return rc;
}

static int
s_identify_token (bs_service_t *service, MDB_txn *txn, const char *secret, uint64_t now,
                  submission_identity_t *identity, bs_error_t *error)
{
    bs_token_t token;
    int rc = registry_token_check (service, txn, secret, now, &token, error);
    if (rc != BS_OK)
        return rc;
    char who[96];
    snprintf (who, sizeof who, "token '%s'", token.name);
    snprintf (identity->scope, sizeof identity->scope, "token:%s", token.name);
    rc = s_claim_unit (identity, token.unit, who, error);
    bs_codec_record_free (&bs_token_schema, &token);
    return rc;
}

/* The sender of an email or a call: the officer who owns the address. */
static int
s_identify_sender (bs_service_t *service, MDB_txn *txn, const char *kind, const char *sender,
                   int flags, submission_identity_t *identity, bs_error_t *error)
{
    if (!identity->scope[0])
        registry_address_key (kind, sender, identity->scope, sizeof identity->scope);
    if (flags & INTAKE_ASSIGNED)
        return BS_OK;
    bs_officer_t officer;
    int rc = registry_officer_by_address (service, txn, kind, sender, &officer);
    if (rc == BS_E_NOT_FOUND) {
        identity->held = !identity->unit[0];
        return BS_OK;
    }
    if (rc != BS_OK)
        return bs_error_set (error, rc, "sender", "cannot look the sender up");
    char who[BS_NAME_MAX + 300];
    snprintf (who, sizeof who, "the sender %s (officer '%s')", sender, officer.login);
    if (officer.disabled || !officer.unit || !*officer.unit)
        rc = bs_error_set (error, BS_E_DENIED, "sender", "%s is %s", who,
                           officer.disabled ? "disabled" : "of no unit");
    else {
        if (!identity->officer[0])
            snprintf (identity->officer, sizeof identity->officer, "%s", officer.login);
        rc = s_claim_unit (identity, officer.unit, who, error);
    }
    bs_codec_record_free (&bs_officer_schema, &officer);
    return rc;
}

int
intake_submission_vouch (bs_service_t *service, MDB_txn *txn, const char *secret,
                         const bs_token_t *token, intake_vouched_t *vouched)
{
    memset (vouched, 0, sizeof *vouched);
    vouched->secret = secret;
    snprintf (vouched->name, sizeof vouched->name, "%s", token->name);
    snprintf (vouched->unit, sizeof vouched->unit, "%s", token->unit);
    bs_error_t error;
    return registry_unit_enabled (service, txn, token->unit, "unit", &error);
}

/* The identity vouched gives submission: true when it carries vouched's
   token and names no officer and no other unit (what submission_identify
   would find, without looking anything up). */
static bool
s_identify_vouched (const bs_submit_t *submission, const intake_vouched_t *vouched,
                    submission_identity_t *identity)
{
    if (!vouched || !submission->token || strcmp (submission->token, vouched->secret) != 0
        || !bs_text_blank (submission->officer)
        || (!bs_text_blank (submission->unit) && strcmp (submission->unit, vouched->unit) != 0))
        return false;
    /* As submission_identify fills it, without printf (a thousand items a
       batch): both fit, vouched's are shorter. */
    _Static_assert (sizeof vouched->unit <= sizeof identity->unit, "a vouched unit fits");
    _Static_assert (sizeof "token:" + sizeof vouched->name <= sizeof identity->scope,
                    "a vouched scope fits");
    memset (identity, 0, sizeof *identity);
    memcpy (identity->unit, vouched->unit, strlen (vouched->unit) + 1);
    memcpy (identity->scope, "token:", 6);
    memcpy (identity->scope + 6, vouched->name, strlen (vouched->name) + 1);
    return true;
}

int
submission_identify (bs_service_t *service, MDB_txn *txn, uint64_t now,
                     const bs_submit_t *submission, const intake_channel_t *channel, int flags,
                     const intake_vouched_t *vouched, submission_identity_t *identity,
                     bs_error_t *error)
{
    if (s_identify_vouched (submission, vouched, identity))
        return BS_OK;
    memset (identity, 0, sizeof *identity);
    if (!bs_text_blank (submission->unit))
        bs_text_copy (identity->unit, sizeof identity->unit, submission->unit);
    int rc = BS_OK;
    if (!bs_text_blank (submission->officer))
        rc = s_identify_officer (service, txn, submission->officer, identity, error);
    if (rc == BS_OK && !bs_text_blank (submission->token))
        rc = s_identify_token (service, txn, submission->token, now, identity, error);
    const char *kind = strcmp (channel->name, "email") == 0   ? "email"
                       : strcmp (channel->name, "phone") == 0 ? "phone"
                                                              : NULL;
    if (rc == BS_OK && kind && !bs_text_blank (submission->sender))
        rc = s_identify_sender (service, txn, kind, submission->sender, flags, identity, error);
    if (rc != BS_OK || identity->held)
        return rc;
    if (!identity->unit[0])
        return bs_error_set (error, BS_E_INVALID, "unit",
                             "unit is empty: name the unit, or submit as an officer, with a "
                             "token or from a registered address");
    if (!identity->scope[0]) { /* "unit:" and the unit, without printf */
        _Static_assert (sizeof identity->scope > sizeof "unit:", "the scope holds its prefix");
        memcpy (identity->scope, "unit:", 5);
        bs_text_copy (identity->scope + 5, sizeof identity->scope - 5, identity->unit);
    }
    return registry_unit_enabled (service, txn, identity->unit, "unit", error);
}
