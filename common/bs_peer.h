/*  bs_peer: who is at the other end of a ZeroMQ connection, as its
    CurveZMQ certificate says.

    Every service socket is CurveZMQ (bs_socket.h): a client proves it holds
    the secret key of a certificate, and the service's ZAP handler
    (bs_zap.h) admits the connection only when the public key is in the
    service's keyring (bs_keyring.h) and not revoked. What the keyring holds
    for that key reaches a command handler as request->peer:

        static int
        s_handle_decide (bs_request_t *request, void *argument)
        {
            const bs_peer_t *peer = request->peer;
            if (peer->kind == BS_PEER_OPERATOR && !bs_peer_has_role (peer, "editor"))
                return bs_request_fail (request, BS_E_DENIED, "", "%s is no editor",
                                        peer->login);
            ...
        }

    kind says what holds the key: a service (the other baosong services),
    the gateway, the mail channel, the CLI of an administrator, or an
    operator: a certificate bound to one officer (login, unit and roles as
    `baosong cert add` wrote them). The gateway acts for many people, so a
    command from the gateway names its person another way (a session the
    gateway verified); the certificate only proves it is the gateway.

    request->peer is never NULL and lives as long as the request. The
    struct's fields are plain copies, safe to keep.
*/
#ifndef BS_PEER_H_INCLUDED
#define BS_PEER_H_INCLUDED

#include <stdbool.h>

/* Z85 text of a CurveZMQ public key: 40 characters and the terminator. */
#define BS_PEER_KEY_SIZE 41
#define BS_PEER_NAME_MAX 64
#define BS_PEER_ROLES_MAX 160

/* The kinds of certificate: enum constant, the word in certificates and
   in `baosong cert add --kind`. */
#define BS_PEER_KINDS(KIND)                                                                    \
    KIND (BS_PEER_NOBODY, "nobody")     /* a zeroed peer: no certificate, no rights */       \
    KIND (BS_PEER_SERVICE, "service")   /* intake, review, publication, statistics */        \
    KIND (BS_PEER_GATEWAY, "gateway")   /* the HTTP gateway, acting for people */            \
    KIND (BS_PEER_MAIL, "mail")         /* the email channel */                              \
    KIND (BS_PEER_ADMIN, "admin")       /* the CLI of whoever runs the installation */       \
    KIND (BS_PEER_OPERATOR, "operator") /* the CLI of one officer: login, unit, roles */

typedef enum {
#define S_KIND_ENUM(constant, word) constant,
    BS_PEER_KINDS (S_KIND_ENUM)
#undef S_KIND_ENUM
        BS_PEER_KIND_COUNT
} bs_peer_kind_t;

typedef struct {
    char key[BS_PEER_KEY_SIZE];    /* the client's public key, Z85 */
    char name[BS_PEER_NAME_MAX];   /* certificate name: "review", "op-wang" */
    bs_peer_kind_t kind;           /* what holds the key */
    char login[BS_PEER_NAME_MAX];  /* operator: the officer's login; else "" */
    char unit[BS_PEER_NAME_MAX];   /* operator: the officer's unit; else "" */
    char roles[BS_PEER_ROLES_MAX]; /* comma-separated: "editor,leader", "stream" */
} bs_peer_t;

/* The word of a kind ("service", ...), never NULL. */
const char *bs_peer_kind_name (bs_peer_kind_t kind);

/* The kind named word; BS_PEER_KIND_COUNT when no kind has that name. */
bs_peer_kind_t bs_peer_kind_parse (const char *word);

/* Whether role is one of peer's comma-separated roles. */
bool bs_peer_has_role (const bs_peer_t *peer, const char *role);

#endif
