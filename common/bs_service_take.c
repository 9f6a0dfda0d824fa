/*  bs_service_take: a command received, decoded and checked into the
    taking batch, in the loop's thread. What is answered at once (a
    refusal, service.ping, keyring.reload) gets its reply and no handler.
*/
#include "bs_service.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs_keyring.h"
#include "bs_keys.h"
#include "bs_latency.h"
#include "bs_log.h"
#include "bs_proto.h"
#include "bs_stream.h"
#include "bs_service_state.h"

#define S_KEYRING_RELOADERS "admin,service" /* who may send keyring.reload */

static const bs_service_handler_t *
s_handler_find (bs_service_t *self, const bs_schema_t *schema)
{
    for (size_t i = 0; i < self->handler_count; i++)
        if (self->handlers[i].schema == schema)
            return &self->handlers[i];
    return NULL;
}

/* keyring.reload: read the keys folder again. A feed subscriber whose key
   is no longer admitted keeps its session on the PUB socket, which cannot
   refuse single messages, so the feed is bound anew: every subscriber
   connects again through the ZAP handler. */
static void
s_reload_keyring (bs_service_t *self, bs_request_t *request)
{
    const bs_keyring_reload_t *reload = request->message->data;
    char *folder = bs_keys_folder (self->config);
    size_t dropped = 0;
    bs_error_t error;
    int rc = folder ? bs_keyring_load (self->keyring, folder, &dropped, &error)
                    : bs_error_set (&error, BS_E_SYSTEM, "", "out of memory");
    free (folder);
    if (rc != BS_OK) {
        bs_service_request_fail_text (request, rc, error.field, error.text);
        return;
    }
    bs_log_info ("reloaded the keyring (%s): %zu keys admitted, %zu revoked, %zu dropped",
                 reload->reason ? reload->reason : "asked", bs_keyring_admitted (self->keyring),
                 bs_keyring_revoked (self->keyring), dropped);
    if (dropped)
        bs_service_feed_rebind (self);
    bs_keyring_reloaded_t reply = {.admitted = bs_keyring_admitted (self->keyring),
                                   .revoked = bs_keyring_revoked (self->keyring)};
    bs_request_reply (request, &bs_keyring_reloaded_schema, &reply);
}

/* A frame over the limit is not decoded (its sender may mean harm, and
   its bytes would all be scanned), but its client still learns at once
   why, under the command's own id: the type and id are read from the
   frame's first bytes only (bs_codec_envelope_peek). A client of ours
   refuses such a command before sending it, unless its configuration
   allows this service more than the service allows itself. */
static void
s_refuse_oversize (bs_service_t *self, bs_service_pending_t *pending, const void *bytes,
                   size_t size)
{
    bs_message_t *message = &pending->message;
    bs_codec_envelope_peek (bytes, size, message);
    self->oversize_refused++;
    bs_log_warning ("refused a command of %zu bytes unread (%s %s), over the limit of %zu; "
                    "%" PRIu64 " refused so far",
                    size, message->type[0] ? message->type : "type unknown",
                    message->id[0] ? message->id : "id unknown", self->limits.max_frame,
                    self->oversize_refused);
    char text[BS_ERROR_TEXT_MAX];
    snprintf (text, sizeof text,
              "the command has %zu bytes; %s takes at most %zu (max_message_bytes, "
              "%s.message_max_bytes)",
              size, self->name, self->limits.max_frame, self->name);
    bs_service_request_fail_text (&pending->request, BS_E_LIMIT, "", text);
}

/* Decode one request into the batch, at time now: identity (taken over)
   and the bytes of its payload frame, of a message of frames frames. Bad
   ones get their error reply now and no handler; so does one whose
   sender's key is no longer admitted (revoked while connected). key is
   the sender's, from the ZAP handler. */
void
bs_service_take_request (bs_service_t *self, bs_service_batch_t *batch, zframe_t *identity,
                         const void *bytes, size_t size, size_t frames, const char *key,
                         uint64_t now)
{
    if (frames < 2) {
        bs_log_warning ("dropped a command with no payload frame");
        zframe_destroy (&identity);
        return;
    }
    bs_service_pending_t *pending = &batch->pending[batch->count++];
    /* The slot is zeroed but for its buffers, kept: bs_service_pending_clear
       ran after its last use (or calloc when it was made). */
    pending->identity = identity;
    bs_request_t *request = &pending->request;
    request->service = self;
    request->message = &pending->message;
    request->peer = &pending->peer;
    request->now = now;
    if (frames != 2) {
        bs_log_info ("refused a command of %zu frames: a client sends exactly one", frames - 1);
        bs_service_request_fail_text (request, BS_E_MALFORMED, "",
                                      "a command is exactly one frame holding one msgpack map");
        return;
    }
    bs_error_t error;
    if (bs_keyring_find (self->keyring, key, &pending->peer) != BS_OK) {
        bs_log_info ("refused a command from key %s: no longer in the keyring", key);
        bs_service_request_fail_text (request, BS_E_DENIED, "",
                                      "this connection's certificate is no longer admitted");
        return;
    }
    if (size > self->limits.max_frame) {
        s_refuse_oversize (self, pending, bytes, size);
        return;
    }
    int rc = bs_message_decode (bytes, size, &self->limits, &pending->message, &error);
    if (rc == BS_OK && pending->message.deadline && pending->message.deadline < now) {
        /* Its client has stopped waiting: acting now would act for nobody
           (and a retry, if any, carries the same id and a new deadline). */
        bs_log_info ("dropped %s %s: its client gave up %" PRIu64 " ms ago", pending->message.type,
                     pending->message.id, now - pending->message.deadline);
        bs_service_pending_clear (pending);
        batch->count--;
        return;
    }
    if (rc == BS_OK)
        rc = bs_principal_acting (request->peer, &pending->message.principal, &request->principal,
                                  &error);
    if (rc == BS_E_UNKNOWN_TYPE)
        bs_error_set (&error, rc, "type", "%s has no command '%s'", self->name,
                      pending->message.type);
    /* A later envelope version may mean something else by the same
       fields: refuse it rather than guess. */
    if ((rc == BS_OK || rc == BS_E_UNKNOWN_TYPE) && pending->message.version != BS_ENVELOPE_VERSION)
        rc = bs_error_set (&error, BS_E_MALFORMED, "v",
                           "envelope version %u is not known here: %s speaks version %d",
                           pending->message.version, self->name, BS_ENVELOPE_VERSION);
    if (rc == BS_OK && pending->message.schema != &bs_ping_schema
        && pending->message.schema != &bs_keyring_reload_schema) {
        pending->handler = s_handler_find (self, pending->message.schema);
        if (!pending->handler)
            rc = bs_error_set (&error, BS_E_UNKNOWN_TYPE, "type", "%s has no command '%s'",
                               self->name, pending->message.type);
        else if (pending->handler->mutates && pending->message.id[0] == 0)
            rc = bs_error_set (&error, BS_E_INVALID, "id",
                               "'%s' changes state, so it needs an id (its idempotency key)",
                               pending->message.type);
        else if (pending->handler->roles
                 && !bs_principal_allowed (&request->principal, pending->handler->roles))
            rc = bs_error_set (&error, BS_E_DENIED, "principal", "%s '%s' may not %s: only %s may",
                               request->principal.kind, request->principal.who,
                               pending->message.type, pending->handler->roles);
    }
    /* Reading the keys folder again is for whoever manages the keys: an
       admin (`baosong cert`) or a service. */
    if (rc == BS_OK && pending->message.schema == &bs_keyring_reload_schema
        && !bs_principal_allowed (&request->principal, S_KEYRING_RELOADERS))
        rc = bs_error_set (&error, BS_E_DENIED, "principal", "%s '%s' may not %s: only %s may",
                           request->principal.kind, request->principal.who, pending->message.type,
                           S_KEYRING_RELOADERS);
    if (rc != BS_OK) {
        bs_log_info ("refused a command: %s (%s)", error.text, bs_error_name (rc));
        pending->handler = NULL;
        bs_service_request_fail_text (request, rc, error.field, error.text);
    } else if (pending->message.schema == &bs_keyring_reload_schema)
        s_reload_keyring (self, request);
    else if (!pending->handler) { /* service.ping */
        uint64_t last = self->producer ? bs_producer_last (self->producer) : 0;
        bs_ping_reply_t pong = {
            .service = self->name,
            .pid = (uint64_t) getpid (),
            .started_at = self->started_at,
            .last_seq = last,
            .oversize_refused = self->oversize_refused,
            .commit_bounds_us = {BS_LATENCY_BOUNDS, (uint64_t *) bs_latency_bounds_us},
            .commit_counts = {BS_LATENCY_BOUNDS + 1, self->commits.counts},
            .commit_sum_us = self->commits.sum_us};
        bs_store_map_use (self->store, &pong.map_size, &pong.map_used);
        if (self->producer)
            pong.consumers = bs_producer_consumers (self->producer);
        bs_request_reply (request, &bs_ping_reply_schema, &pong);
    }
}
