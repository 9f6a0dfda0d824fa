/*  bs_test_service: a service in the test's process; see bs_test_service.h. */
#include "bs_test_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_proto.h"
#include "bs_store.h"
#include "bs_test.h"
#include "bs_test_keys.h"

bs_config_t *
bs_test_service_config (const char *prefix, const char *extra, char **folder)
{
    *folder = bs_test_temp_dir (prefix);
    assert_non_null (*folder);
    char path[1024];
    snprintf (path, sizeof path, "%s/baosong.conf", *folder);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file, "data_dir = %s/data\nlog_level = error\n%s", *folder, extra ? extra : "");
    fclose (file);
    bs_error_t error;
    bs_config_t *config = bs_config_load (path, &error);
    if (!config)
        fail_msg ("bs_config_load: %s", error.text);
    return config;
}

void
bs_test_service_open (const char *name, const char *const *databases, const char *extra,
                      char **folder, bs_config_t **config, bs_service_t **service)
{
    char prefix[64];
    snprintf (prefix, sizeof prefix, "test-%s", name);
    *config = bs_test_service_config (prefix, extra, folder);
    bs_test_keys (*config, NULL);
    bs_error_t error;
    *service = bs_service_new (name, *config, databases, &error);
    if (!*service)
        fail_msg ("bs_service_new (%s): %s", name, error.text);
}

void
bs_test_service_close (char **folder, bs_config_t **config, bs_service_t **service)
{
    bs_service_destroy (service);
    bs_config_destroy (config);
    if (*folder && !getenv ("BAOSONG_TEST_KEEP"))
        bs_folder_remove (*folder);
    free (*folder);
    *folder = NULL;
}

typedef struct {
    bs_command_fn *fn;
    void *argument;
    bs_request_t request;
    bs_message_t message;
} s_call_t;

static int
s_call_write (MDB_txn *txn, void *argument)
{
    s_call_t *call = argument;
    call->request.txn = txn;
    msgpack_sbuffer_destroy (&call->request.reply);
    msgpack_sbuffer_init (&call->request.reply);
    return call->fn (&call->request, call->argument);
}

int
bs_test_service_command (bs_service_t *service, bs_command_fn *fn, void *argument,
                         const bs_schema_t *schema, const void *record, uint64_t now,
                         bs_message_t *reply)
{
    s_call_t call = {.fn = fn,
                     .argument = argument,
                     .message = {.schema = schema, .data = (void *) record, .id = "test"},
                     .request = {.service = service, .now = now}};
    call.request.message = &call.message;
    msgpack_sbuffer_init (&call.request.reply);
    int rc = bs_store_write (bs_service_store (service), s_call_write, &call);
    bs_error_t error;
    assert_int_equal (bs_message_decode (call.request.reply.data, call.request.reply.size,
                                         &bs_codec_default_limits, reply, &error),
                      BS_OK);
    if (reply->schema == &bs_error_reply_schema) {
        const bs_error_reply_t *failure = reply->data;
        assert_int_equal (bs_error_code (failure->code), rc);
        assert_true (strlen (failure->message) > 10); /* a sentence, not a code */
    }
    msgpack_sbuffer_destroy (&call.request.reply);
    free (call.request.left_out.texts);
    return rc;
}
