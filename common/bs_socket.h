/*  bs_socket: the one place where baosong creates ZeroMQ sockets.

    Every socket in every process comes from bs_socket_new, so the options
    that keep a service safe live here once: a bound on message size (a peer
    that sends more is disconnected by libzmq before the bytes reach us),
    ROUTER_MANDATORY so an unroutable reply is an error rather than a silent
    drop, high-water marks above the stream window, and the folder for ipc://
    endpoints, and CurveZMQ on every socket, which is not optional:

      - a bound socket (BS_SOCKET_BIND) is the server socket of the service
        `name`: it presents name's secret certificate from the keys folder
        (bs_keys.h) and admits only the clients the ZAP handler admits to
        the domain `name` (bs_zap.h), which must be registered first;
      - a connecting socket is a client of the service `name`: it expects
        name's public key and presents this process's own certificate
        (bs_keys_own_name: a service's own, "gateway", "mail", "admin" or
        an operator's).

    A socket whose certificates are missing is not made (NULL, with a log
    line that says to run `baosong init`). Nor is a socket beyond what
    libzmq allows a process (ZMQ_MAX_SOCKETS, counting the sockets closed
    but not yet shut by libzmq's reaper thread): NULL, where czmq's
    zsock_new would abort the process.
*/
#ifndef BS_SOCKET_H_INCLUDED
#define BS_SOCKET_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>

#include "bs_config.h"
#include "bs_peer.h"

typedef enum { BS_SOCKET_CONNECT, BS_SOCKET_BIND } bs_socket_mode_t;

/* A new socket of type (ZMQ_ROUTER, ZMQ_DEALER, ZMQ_PUB, ZMQ_SUB) bound or
   connected to endpoint, the server socket of service name or a client of
   it (see above). NULL with a log line and errno set when a certificate
   is missing (ENOENT), the process has as many sockets as libzmq allows
   (EMFILE, after waiting up to about 200 ms for closed ones to be shut)
   or binding fails (e.g. EADDRINUSE). */
zsock_t *bs_socket_new (int type, const char *name, const char *endpoint, bs_socket_mode_t mode,
                        bs_config_t *config);

/* The same with its own bound on incoming message size instead of
   max_message_bytes (intake's command socket takes batches and
   attachments; a client takes the replies of its own services). */
zsock_t *bs_socket_new_sized (int type, const char *name, const char *endpoint,
                              bs_socket_mode_t mode, bs_config_t *config, size_t max_message);

/* A bare socket of type for an inproc:// endpoint inside this process
   (bs_deferred), where no certificate applies; name says what it is for
   in the log line. NULL (errno EMFILE) when the process has as many
   sockets as libzmq allows, as above. */
zsock_t *bs_socket_new_plain (int type, const char *name);

/* CurveZMQ on a socket made elsewhere, before it binds or connects: the
   server of name or a client of it, as above (tests that set options of
   their own first). BS_OK, or the code of what is missing (logged). */
int bs_socket_secure (zsock_t *socket, const char *name, bs_socket_mode_t mode,
                      bs_config_t *config);

/* Send bytes as one frame, to identity first when identity is not NULL
   (ROUTER). Never blocks: returns BS_OK, or BS_E_UNAVAILABLE when the peer
   is gone or its pipe is full (the message is dropped; the sender's retry or
   credit covers it). */
int bs_socket_send (zsock_t *socket, zframe_t *identity, const void *bytes, size_t size);

/* Receive one whole message without waiting: NULL when none is waiting.
   A message of more than 8 frames is read to its end and dropped (NULL,
   with a log line): no peer of ours sends one. */
zmsg_t *bs_socket_receive (zsock_t *socket);

/* The same, and the public key (Z85) of the client that sent it into key,
   as the ZAP handler admitted it ("" on a client socket). */
zmsg_t *bs_socket_receive_from (zsock_t *socket, char key[BS_PEER_KEY_SIZE]);

/* A command on a ROUTER, without waiting and without copying its payload:
   false when none is waiting (nothing is held then). Otherwise *identity is the client's identity
   frame (the caller's), payload holds the message's second frame, received
   in place (the caller closes it; empty when the message had one frame),
   *frames is how many frames the message had (those after the second are
   read and dropped) and key is the client's public key, as
   bs_socket_receive_from gives it. */
bool bs_socket_receive_command (zsock_t *socket, zframe_t **identity, zmq_msg_t *payload,
                                size_t *frames, char key[BS_PEER_KEY_SIZE]);

/* Wait up to timeout_ms (-1: no limit) for input on items, ZeroMQ
   sockets and descriptors as zmq_poll takes them (ZMQ_POLLIN only), with
   fewer system calls than zmq_poll: each socket is asked once whether it
   holds input (ZMQ_EVENTS; that call takes what libzmq's threads told it,
   so its descriptor signals anything new), and only when none does is
   there one poll(2), which blocks. zmq_poll polls every descriptor with no
   wait first, then asks each socket, and asks each again after waking.
   An item's revents is ZMQ_POLLIN when input may be waiting for it (a
   socket that holds a message, or whose descriptor signalled; a
   descriptor that is readable, or that was not looked at because a socket
   held input already), 0 when none was. Returns how many items may have
   input (0: the time ran out), or -1 with errno EINTR (a signal) or ETERM
   (the context ends), or EINVAL (more than 16 items). */
int bs_socket_poll (zmq_pollitem_t *items, int count, long timeout_ms);

#endif
