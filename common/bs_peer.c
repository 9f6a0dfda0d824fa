/*  bs_peer: the authenticated peer of a connection; see bs_peer.h. */
#include "bs_peer.h"

#include <string.h>

static const char *s_kind_words[] = {
#define S_KIND_WORD(constant, word) word,
    BS_PEER_KINDS (S_KIND_WORD)
#undef S_KIND_WORD
};

const char *
bs_peer_kind_name (bs_peer_kind_t kind)
{
    return kind < BS_PEER_KIND_COUNT ? s_kind_words[kind] : "unknown";
}

bs_peer_kind_t
bs_peer_kind_parse (const char *word)
{
    for (int kind = 0; kind < BS_PEER_KIND_COUNT; kind++)
        if (strcmp (s_kind_words[kind], word) == 0)
            return (bs_peer_kind_t) kind;
    return BS_PEER_KIND_COUNT;
}

bool
bs_peer_has_role (const bs_peer_t *peer, const char *role)
{
    size_t length = strlen (role);
    if (length == 0)
        return false;
    for (const char *at = peer->roles; *at;) {
        const char *end = strchr (at, ',');
        size_t size = end ? (size_t) (end - at) : strlen (at);
        if (size == length && strncmp (at, role, length) == 0)
            return true;
        if (!end)
            break;
        at = end + 1;
    }
    return false;
}
