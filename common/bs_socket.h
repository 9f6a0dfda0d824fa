/*  bs_socket: the one place where baosong creates ZeroMQ sockets.

    Every socket in every process comes from bs_socket_new, so the options
    that keep a service safe live here once: a bound on message size (a peer
    that sends more is disconnected by libzmq before the bytes reach us),
    ROUTER_MANDATORY so an unroutable reply is an error rather than a silent
    drop, high-water marks above the stream window, and the folder for ipc://
    endpoints. Transport security (CurveZMQ with ZAP) is to be switched on
    here as well, for every socket at once.
*/
#ifndef BS_SOCKET_H_INCLUDED
#define BS_SOCKET_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>

#include "bs_config.h"

typedef enum { BS_SOCKET_CONNECT, BS_SOCKET_BIND } bs_socket_mode_t;

/* A new socket of type (ZMQ_ROUTER, ZMQ_DEALER, ZMQ_PUB, ZMQ_SUB) bound or
   connected to endpoint. NULL with a log line when binding fails (e.g. the
   address is in use). */
zsock_t *bs_socket_new (int type, const char *endpoint, bs_socket_mode_t mode, bs_config_t *config);

/* The same with its own bound on incoming message size instead of
   max_message_bytes (intake's command socket takes batches and
   attachments; a client takes the replies of its own services). */
zsock_t *bs_socket_new_sized (int type, const char *endpoint, bs_socket_mode_t mode,
                              bs_config_t *config, size_t max_message);

/* Send bytes as one frame, to identity first when identity is not NULL
   (ROUTER). Never blocks: returns BS_OK, or BS_E_UNAVAILABLE when the peer
   is gone or its pipe is full (the message is dropped; the sender's retry or
   credit covers it). */
int bs_socket_send (zsock_t *socket, zframe_t *identity, const void *bytes, size_t size);

/* Receive one whole message without waiting: NULL when none is waiting.
   A message of more than 8 frames is read to its end and dropped (NULL,
   with a log line): no peer of ours sends one. */
zmsg_t *bs_socket_receive (zsock_t *socket);

#endif
