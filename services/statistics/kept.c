/*  kept: the store of what no log gives back; see kept.h. */
#include "kept.h"

#include <stdio.h>
#include <string.h>

const char *const statistics_kept_databases[] = {"rules", "bulletins", "bulletin_files", "requests",
                                                 NULL};

bs_store_t *
statistics_kept_open (bs_service_t *service, bs_error_t *error)
{
    return bs_service_open_kept (service, "statistics_kept", statistics_kept_databases, error);
}

typedef struct {
    bs_store_t *kept;
    const bs_message_t *request;
    statistics_keep_fn *fn;
    void *argument;
    uint64_t *key;
    bs_error_t *error;
} s_once_t;

static int
s_once (MDB_txn *txn, void *argument)
{
    s_once_t *once = argument;
    MDB_dbi requests = bs_store_dbi (once->kept, "requests");
    char name[BS_TYPE_MAX + BS_ID_MAX + 2];
    snprintf (name, sizeof name, "%s\x1f%s", once->request->type, once->request->id);
    bool filed = once->request->id[0] != 0;
    if (filed) {
        int rc = bs_store_get_u64 (txn, requests, name, once->key);
        if (rc != BS_OK)
            return bs_error_set (once->error, rc, "", "cannot read the kept requests");
        if (*once->key)
            return BS_OK;
    }
    int rc = once->fn (txn, once->argument, once->key, once->error);
    if (rc == BS_OK && filed)
        rc = bs_store_put_u64 (txn, requests, name, *once->key);
    return rc;
}

int
statistics_kept_once (bs_store_t *kept, const bs_message_t *request, statistics_keep_fn *fn,
                      void *argument, uint64_t *key, bs_error_t *error)
{
    s_once_t once = {kept, request, fn, argument, key, error};
    *key = 0;
    memset (error, 0, sizeof *error);
    int rc = bs_store_write (kept, s_once, &once);
    if (rc != BS_OK && !error->text[0])
        bs_error_set (error, rc, "", "cannot keep it: %s", bs_error_name (rc));
    return rc;
}
