/*  registry_addresses: which officer an email address or a phone number
    belongs to (the addresses database), and an address's lookup key as
    people write it ("Name <Address>", "+86 372 ..."); see
    registry_internal.h. */
#include "registry_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "bs_store.h"

/* A phone number's digits as dialled inside China: "+86 372 551 1234" and
   "0086-372-5511234" become 03725511234 like "0372-5511234"; a mobile
   "+86 138 0000 0000" becomes 13800000000. */
static void
s_phone_digits (const char *number, char *digits, size_t size)
{
    size_t used = 0;
    for (const char *at = number; at && *at && used + 2 < size; at++)
        if (isdigit ((unsigned char) *at))
            digits[used++] = *at;
    digits[used] = 0;
    char *rest = digits;
    if (strncmp (rest, "0086", 4) == 0)
        rest += 2;
    if (strncmp (rest, "86", 2) == 0 && strlen (rest) >= 12) {
        rest += 2;
        if (*rest != '1')
            *--rest = '0'; /* a landline: its area code takes the 0 again */
    }
    memmove (digits, rest, strlen (rest) + 1);
}

bool
registry_address_key (const char *kind, const char *address, char *key, size_t size)
{
    size_t prefix = (size_t) snprintf (key, size, "%s:", kind);
    if (prefix >= size || !address)
        return false;
    if (strcmp (kind, "phone") == 0) {
        s_phone_digits (address, key + prefix, size - prefix);
        return key[prefix] != 0;
    }
    /* "李信息員 <Li@Example.CN>" is the address li@example.cn */
    const char *open = strrchr (address, '<');
    const char *close = open ? strchr (open, '>') : NULL;
    const char *end = close ? close : address + strlen (address);
    const char *at = close ? open + 1 : address;
    size_t used = prefix;
    for (; at < end && used + 1 < size; at++)
        if (!isspace ((unsigned char) *at))
            key[used++] = (char) tolower ((unsigned char) *at);
    key[used] = 0;
    return used > prefix;
}

typedef struct {
    bs_request_t *request;
    const char *login; /* the officer being put */
    const char *kind;  /* "email" or "phone" */
    const char *field; /* "emails" or "phones" */
    bool remove;       /* remove instead of add */
} s_address_work_t;

static int
s_address_apply (const char *item, void *argument)
{
    s_address_work_t *work = argument;
    bs_request_t *request = work->request;
    MDB_dbi addresses = bs_service_dbi (request->service, "addresses");
    char key[REGISTRY_ADDRESS_KEY_MAX];
    bool email = strcmp (work->kind, "email") == 0;
    if (!registry_address_key (work->kind, item, key, sizeof key) || (email && !strchr (key, '@'))
        || (!email && strlen (key) < 6 + 3))
        return work->remove
                   ? BS_OK
                   : bs_request_refuse (request, BS_E_INVALID, work->field,
                                        email ? "not_email" : "not_phone", "'%s' is not %s", item,
                                        email ? "an email address" : "a phone number");
    if (work->remove) {
        MDB_val mkey = {strlen (key), key};
        int rc = bs_store_del (request->txn, addresses, &mkey);
        return rc == 0 || rc == MDB_NOTFOUND ? BS_OK : bs_store_error (rc, "remove an address");
    }
    const void *owner;
    size_t size;
    int rc = bs_store_get_bytes (request->txn, addresses, key, &owner, &size);
    if (rc == BS_OK && (size != strlen (work->login) || memcmp (owner, work->login, size) != 0))
        return bs_request_refuse (request, BS_E_CONFLICT, work->field, "taken",
                                  "%s belongs to officer '%.*s'", item, (int) size,
                                  (const char *) owner);
    if (rc != BS_OK && rc != BS_E_NOT_FOUND)
        return rc;
    return bs_store_put_bytes (request->txn, addresses, key, work->login, strlen (work->login));
}

int
registry_addresses_update (bs_request_t *request, const bs_officer_t *officer, bool remove)
{
    s_address_work_t emails = {request, officer->login, "email", "emails", remove};
    s_address_work_t phones = {request, officer->login, "phone", "phones", remove};
    int rc = registry_each_item (officer->emails, s_address_apply, &emails);
    if (rc == BS_OK)
        rc = registry_each_item (officer->phones, s_address_apply, &phones);
    return rc;
}

int
registry_address_owner (bs_service_t *service, MDB_txn *txn, const char *kind, const char *address,
                        char login[BS_NAME_MAX + 1])
{
    char key[REGISTRY_ADDRESS_KEY_MAX];
    if (!registry_address_key (kind, address, key, sizeof key))
        return BS_E_NOT_FOUND;
    const void *owner;
    size_t size;
    int rc = bs_store_get_bytes (txn, bs_service_dbi (service, "addresses"), key, &owner, &size);
    if (rc != BS_OK)
        return rc;
    snprintf (login, BS_NAME_MAX + 1, "%.*s", (int) size, (const char *) owner);
    return BS_OK;
}
