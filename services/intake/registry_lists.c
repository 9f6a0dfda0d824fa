/*  registry_lists: reading the registry's lists: the comma lists of an
    officer record (roles, emails, phones) and the word lists of known
    levels, kinds and roles; see registry_internal.h. */
#include "registry_internal.h"

#include <ctype.h>
#include <string.h>

int
registry_index_of (const char *const *names, const char *name)
{
    for (int i = 0; name && names[i]; i++)
        if (strcmp (names[i], name) == 0)
            return i;
    return -1;
}

int
registry_each_item (const char *list, registry_item_fn *fn, void *argument)
{
    char item[REGISTRY_ADDRESS_KEY_MAX];
    for (const char *at = list; at && *at;) {
        const char *comma = strchr (at, ',');
        size_t length = comma ? (size_t) (comma - at) : strlen (at);
        while (length && isspace ((unsigned char) *at))
            at++, length--;
        while (length && isspace ((unsigned char) at[length - 1]))
            length--;
        if (length >= sizeof item)
            length = sizeof item - 1;
        memcpy (item, at, length);
        item[length] = 0;
        if (length) {
            int rc = fn (item, argument);
            if (rc != BS_OK)
                return rc;
        }
        if (!comma)
            break;
        at = comma + 1;
    }
    return BS_OK;
}

typedef struct {
    const char *role;
    bool found;
} s_role_search_t;

static int
s_role_match (const char *item, void *argument)
{
    s_role_search_t *search = argument;
    search->found |= strcmp (item, search->role) == 0;
    return BS_OK;
}

bool
registry_has_role (const char *roles, const char *role)
{
    s_role_search_t search = {role, false};
    registry_each_item (roles, s_role_match, &search);
    return search.found;
}
