/*  review_periodicals: the periodicals an editor may adopt into. They are
    the configured ones (`periodicals`) and every one publication stored
    (publication.periodical on its log: configured there, or added by an
    admin), which review keeps in `periodicals` (name -> periodical) as it
    consumes publication's log, in the transaction of that turn: an added
    periodical is adoptable as soon as review has read the event, with no
    call to publication in a decision (which could block it, or lose it
    when publication is down). */
#include "review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_store.h"

int
review_periodical_learn (bs_service_t *service, MDB_txn *txn, const bs_periodical_t *periodical)
{
    return bs_store_put_record_by_name (txn, bs_service_dbi (service, "periodicals"),
                                        periodical->name, &bs_periodical_schema, periodical);
}

int
review_periodical_known (bs_service_t *service, MDB_txn *txn, const char *name, bool *known)
{
    *known = bs_config_has_periodical (bs_service_config (service), name);
    if (*known || !name || !*name)
        return BS_OK;
    bs_periodical_t periodical;
    int rc = bs_store_get_record_by_name (txn, bs_service_dbi (service, "periodicals"), name,
                                          &bs_periodical_schema, &periodical);
    *known = rc == BS_OK;
    if (rc == BS_OK)
        bs_codec_record_free (&bs_periodical_schema, &periodical);
    return rc == BS_E_NOT_FOUND ? BS_OK : rc;
}

void
review_periodical_names (bs_service_t *service, MDB_txn *txn, char *buffer, size_t size)
{
    snprintf (buffer, size, "%s", bs_config_get (bs_service_config (service), "periodicals"));
    bs_list_t list = {0};
    char *next = NULL;
    int rc =
        bs_store_page_by_name (txn, bs_service_dbi (service, "periodicals"), &bs_periodical_schema,
                               NULL, BS_PERIODICALS_MAX, NULL, NULL, &list, &next);
    const bs_periodical_t *items = list.items;
    for (size_t i = 0; rc == BS_OK && i < list.count; i++) {
        size_t used = strlen (buffer);
        if (!bs_config_has_periodical (bs_service_config (service), items[i].name))
            snprintf (buffer + used, size - used, "%s%s", used ? "," : "", items[i].name);
    }
    bs_periodical_page_t page = {.periodicals = list};
    bs_codec_record_free (&bs_periodical_page_schema, &page);
    free (next);
}
