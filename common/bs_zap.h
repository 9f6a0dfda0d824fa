/*  bs_zap: the process's ZAP handler: it decides which CurveZMQ clients
    get a session on the sockets this process binds.

    libzmq asks a ZAP handler (RFC 27, on inproc://zeromq.zap.01) about
    every new connection to a socket with a ZAP domain. bs_socket binds a
    server socket only in a domain registered here, and gives it the domain
    of its service; the handler, a thread of its own, admits a connection
    when its mechanism is CURVE and the domain's keyring (bs_keyring.h)
    admits the client's public key. It answers 200 with the key as User-Id
    (so every message of the connection carries it, see
    bs_socket_receive_from), and 400 to anything else: an unknown, revoked
    or missing key, a plain (NULL) client, an unknown domain. A refused
    client gets no session at all: libzmq closes the connection before any
    message passes.

    The thread runs while at least one domain is registered. One process
    may serve several domains (tests run services side by side).
*/
#ifndef BS_ZAP_H_INCLUDED
#define BS_ZAP_H_INCLUDED

#include <stdbool.h>

#include "bs_keyring.h"

/* Admit to domain's sockets the keys keyring admits (the keyring must live
   until bs_zap_forget). Starts the handler with the first domain, once it
   has bound its endpoint (a handler stopped just before may hold it a
   moment). BS_E_CONFLICT when domain is registered already, BS_E_SYSTEM
   when the handler cannot bind within 2 s (nothing would check keys). */
int bs_zap_serve (const char *domain, bs_keyring_t *keyring);

/* Stop admitting anyone to domain; the handler stops with the last one. */
void bs_zap_forget (const char *domain);

/* Whether domain is registered. */
bool bs_zap_serves (const char *domain);

#endif
