/*  bs_socket: socket creation and non-blocking sends; see bs_socket.h. */
#include "bs_socket.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "bs_folder.h"
#include "bs_keys.h"
#include "bs_log.h"
#include "bs_text.h"
#include "bs_zap.h"

/* mkdir -p for the folder of an ipc:// endpoint. */
static void
s_make_ipc_folder (const char *endpoint)
{
    if (strncmp (endpoint, "ipc://", 6) != 0)
        return;
    char path[1024];
    snprintf (path, sizeof path, "%s", endpoint + 6);
    char *slash = strrchr (path, '/');
    if (!slash)
        return;
    *slash = 0;
    bs_folder_private (path);
}

/* The certificates a socket of name in mode needs: for a server its own
   (and name must have a ZAP domain), for a client this process's own and
   name's public one. BS_OK, or the code of what is missing (logged). */
static int
s_keys_load (const char *name, bs_socket_mode_t mode, bs_config_t *config, zcert_t **own,
             zcert_t **server)
{
    *own = *server = NULL;
    char *folder = bs_keys_folder (config);
    bs_error_t error;
    int rc = BS_OK;
    if (!folder)
        rc = bs_error_set (&error, BS_E_SYSTEM, "", "out of memory");
    else if (!zmq_has ("curve"))
        rc = bs_error_set (&error, BS_E_SYSTEM, "", "this libzmq was built without CurveZMQ");
    else if (mode == BS_SOCKET_BIND) {
        *own = bs_keys_load (folder, name, true, &error);
        if (!*own)
            rc = error.code;
        else if (!bs_zap_serves (name))
            rc = bs_error_set (&error, BS_E_DENIED, "", "no keyring admits clients to %s", name);
    } else {
        *own = bs_keys_load (folder, bs_keys_own_name (config), true, &error);
        *server = *own ? bs_keys_load (folder, name, false, &error) : NULL;
        if (!*server)
            rc = error.code;
    }
    if (rc != BS_OK) {
        bs_log_error ("no CurveZMQ for %s: %s", name, error.text);
        zcert_destroy (own);
        zcert_destroy (server);
    }
    free (folder);
    return rc;
}

/* CurveZMQ on socket with the certificates of s_keys_load (server NULL: a
   server socket), which it frees. */
static void
s_keys_apply (zsock_t *socket, const char *name, zcert_t **own, zcert_t **server)
{
    zcert_apply (*own, socket);
    if (*server)
        zsock_set_curve_serverkey (socket, zcert_public_txt (*server));
    else {
        zsock_set_curve_server (socket, 1);
        zsock_set_zap_domain (socket, name);
        zsock_set_zap_enforce_domain (socket, 1); /* no handler: no session */
    }
    zcert_destroy (own);
    zcert_destroy (server);
}

int
bs_socket_secure (zsock_t *socket, const char *name, bs_socket_mode_t mode, bs_config_t *config)
{
    zcert_t *own, *server;
    int rc = s_keys_load (name, mode, config, &own, &server);
    if (rc == BS_OK)
        s_keys_apply (socket, name, &own, &server);
    return rc;
}

/* Eventfds this process holds, or -1 when /proc cannot tell; any number
   up to at_least when it holds fewer descriptors than that in all (most
   calls: no link to read). */
static int
s_eventfds (int at_least)
{
    DIR *folder = opendir ("/proc/self/fd");
    if (!folder)
        return -1;
    int count = 0;
    while (readdir (folder))
        count++;
    if (count >= at_least) {
        count = 0;
        rewinddir (folder);
        struct dirent *entry;
        while ((entry = readdir (folder))) {
            char target[64];
            ssize_t length = readlinkat (dirfd (folder), entry->d_name, target, sizeof target - 1);
            if (length > 0) {
                target[length] = 0;
                count += strcmp (target, "anon_inode:[eventfd]") == 0;
            }
        }
    }
    closedir (folder);
    return count;
}

/* Whether libzmq has a slot for one more socket, waiting up to about
   200 ms for its reaper to free one.

   libzmq refuses a socket beyond its context's ZMQ_MAX_SOCKETS (1,024 in
   czmq's context), and czmq's zsock_new then aborts the process instead
   of returning NULL. A closed socket keeps its slot until libzmq's reaper
   thread has shut it, so a process that opens and closes sockets faster
   than the reaper shuts them runs out without leaking any (the LMTP
   fuzzer's mail server, whose every DATA opened and closed one); so does
   one that holds too many. Every libzmq socket, open or waiting for the
   reaper, holds one eventfd (its mailbox) until its slot is free, and
   libzmq's own threads hold a few more: this process's eventfds bound the
   slots in use from above. S_SLOTS_SPARE leaves room for the sockets
   made elsewhere between this count and zsock_new (bs_zap's handler, a
   czmq actor); callers hold s_creating, so two of them never count on
   the same free slot. */
#define S_SLOTS_SPARE 16

static pthread_mutex_t s_creating = PTHREAD_MUTEX_INITIALIZER;

static bool
s_slot_free (void)
{
    int slots = zmq_ctx_get (zsys_init (), ZMQ_MAX_SOCKETS);
    for (int wait = 0; wait < 200; wait++) {
        if (slots < 0)
            return true;
        int used = s_eventfds (slots - S_SLOTS_SPARE);
        if (used < 0 || used + S_SLOTS_SPARE < slots)
            return true;
        zclock_sleep (1);
    }
    return false;
}

zsock_t *
bs_socket_new_plain (int type, const char *name)
{
    pthread_mutex_lock (&s_creating);
    zsock_t *socket = s_slot_free () ? zsock_new (type) : NULL;
    pthread_mutex_unlock (&s_creating);
    if (!socket) {
        bs_log_error ("no socket for %s: this process has as many ZeroMQ sockets as it may "
                      "(ZMQ_MAX_SOCKETS %d), open or still closing",
                      name, zmq_ctx_get (zsys_init (), ZMQ_MAX_SOCKETS));
        errno = EMFILE;
    }
    return socket;
}

zsock_t *
bs_socket_new (int type, const char *name, const char *endpoint, bs_socket_mode_t mode,
               bs_config_t *config)
{
    return bs_socket_new_sized (type, name, endpoint, mode, config,
                                (size_t) bs_config_get_number (config, "max_message_bytes"));
}

zsock_t *
bs_socket_new_sized (int type, const char *name, const char *endpoint, bs_socket_mode_t mode,
                     bs_config_t *config, size_t max_message)
{
    /* The certificates first: a socket that could not be secured is not
       made, so a client retrying without them opens and closes none. */
    zcert_t *own, *server;
    if (s_keys_load (name, mode, config, &own, &server) != BS_OK) {
        errno = ENOENT;
        return NULL;
    }
    zsock_t *socket = bs_socket_new_plain (type, name);
    if (!socket) {
        zcert_destroy (&own);
        zcert_destroy (&server);
        return NULL;
    }
    /* int64_t, as libzmq takes it: czmq's setter takes an int, which a
       limit of 512 MiB times four would overflow. */
    int64_t max_size =
        max_message < (uint64_t) INT64_MAX - 1024 ? (int64_t) max_message + 1024 : INT64_MAX;
    zmq_setsockopt (zsock_resolve (socket), ZMQ_MAXMSGSIZE, &max_size, sizeof max_size);
    int window = (int) bs_config_get_number (config, "stream_window");
    zsock_set_sndhwm (socket, window * 4 + 1000);
    zsock_set_rcvhwm (socket, window * 4 + 1000);
    zsock_set_linger (socket, 0);
    if (type == ZMQ_ROUTER)
        zsock_set_router_mandatory (socket, 1);
    s_keys_apply (socket, name, &own, &server);
    int rc;
    if (mode == BS_SOCKET_BIND) {
        s_make_ipc_folder (endpoint);
        rc = zsock_bind (socket, "%s", endpoint);
    } else
        rc = zsock_connect (socket, "%s", endpoint);
    if (rc == -1) {
        bs_log_error ("cannot %s %s: %s", mode == BS_SOCKET_BIND ? "bind" : "connect", endpoint,
                      zmq_strerror (zmq_errno ()));
        int cause = zmq_errno ();
        zsock_destroy (&socket);
        errno = cause;
        return NULL;
    }
    return socket;
}

int
bs_socket_send (zsock_t *socket, zframe_t *identity, const void *bytes, size_t size)
{
    void *handle = zsock_resolve (socket);
    if (identity
        && zmq_send (handle, zframe_data (identity), zframe_size (identity),
                     ZMQ_SNDMORE | ZMQ_DONTWAIT)
               == -1)
        return BS_E_UNAVAILABLE;
    if (zmq_send (handle, bytes, size, ZMQ_DONTWAIT) == -1)
        return BS_E_UNAVAILABLE;
    return BS_OK;
}

zmsg_t *
bs_socket_receive (zsock_t *socket)
{
    char key[BS_PEER_KEY_SIZE];
    return bs_socket_receive_from (socket, key);
}

zmsg_t *
bs_socket_receive_from (zsock_t *socket, char key[BS_PEER_KEY_SIZE])
{
    key[0] = 0;
    void *handle = zsock_resolve (socket);
    zmsg_t *message = NULL;
    int flags = ZMQ_DONTWAIT;
    size_t frames = 0;
    while (true) {
        zmq_msg_t part;
        zmq_msg_init (&part);
        if (zmq_msg_recv (&part, handle, flags) == -1) {
            zmq_msg_close (&part);
            zmsg_destroy (&message);
            return NULL;
        }
        if (!key[0]) { /* the connection's User-Id (bs_zap); a ROUTER's
                          identity frame has none, the frames after it do */
            const char *user_id = zmq_msg_gets (&part, "User-Id");
            bs_text_copy (key, BS_PEER_KEY_SIZE, user_id);
        }
        flags = 0; /* the rest of a message arrives with its first frame */
        bool more = zmq_msg_more (&part);
        if (++frames <= 8) {
            if (!message)
                message = zmsg_new ();
            zmsg_append (message,
                         &(zframe_t *){zframe_new (zmq_msg_data (&part), zmq_msg_size (&part))});
        }
        zmq_msg_close (&part);
        if (!more)
            break;
    }
    /* The first 8 frames are enough to see that a message is malformed and
       to answer it (a service needs the identity and knows a command is
       one frame); the rest were dropped unread. */
    if (frames > 8)
        bs_log_warning ("a message of %zu frames: kept the first 8", frames);
    return message;
}

bool
bs_socket_receive_command (zsock_t *socket, zframe_t **identity, zmq_msg_t *payload,
                           size_t *frames, char key[BS_PEER_KEY_SIZE])
{
    key[0] = 0;
    *identity = NULL;
    *frames = 0;
    zmq_msg_init (payload);
    void *handle = zsock_resolve (socket);
    zmq_msg_t part;
    zmq_msg_init (&part);
    if (zmq_msg_recv (&part, handle, ZMQ_DONTWAIT) == -1) {
        zmq_msg_close (&part);
        return false;
    }
    *frames = 1;
    *identity = zframe_new (zmq_msg_data (&part), zmq_msg_size (&part));
    bool more = zmq_msg_more (&part);
    zmq_msg_close (&part);
    /* The rest of a message arrives with its first frame. The identity
       frame has no User-Id (bs_zap); the frames after it do. */
    if (more && zmq_msg_recv (payload, handle, 0) != -1) {
        ++*frames;
        bs_text_copy (key, BS_PEER_KEY_SIZE, zmq_msg_gets (payload, "User-Id"));
        more = zmq_msg_more (payload);
    }
    while (more) {
        zmq_msg_init (&part);
        if (zmq_msg_recv (&part, handle, 0) == -1)
            more = false;
        else {
            ++*frames;
            more = zmq_msg_more (&part);
        }
        zmq_msg_close (&part);
    }
    return true;
}

#define S_POLL_ITEMS_MAX 16

int
bs_socket_poll (zmq_pollitem_t *items, int count, long timeout_ms)
{
    if (count < 0 || count > S_POLL_ITEMS_MAX) {
        errno = EINVAL;
        return -1;
    }
    struct pollfd fds[S_POLL_ITEMS_MAX];
    int ready = 0;
    for (int i = 0; i < count; i++) {
        items[i].revents = 0;
        fds[i] = (struct pollfd){.fd = items[i].fd, .events = POLLIN};
        if (!items[i].socket)
            continue;
        int events;
        size_t size = sizeof events;
        if (zmq_getsockopt (items[i].socket, ZMQ_EVENTS, &events, &size) == -1)
            return -1;
        size = sizeof fds[i].fd;
        if (zmq_getsockopt (items[i].socket, ZMQ_FD, &fds[i].fd, &size) == -1)
            return -1;
        if (events & ZMQ_POLLIN) {
            items[i].revents = ZMQ_POLLIN;
            ready++;
        }
    }
    if (ready) { /* the descriptors, not looked at, may be readable too */
        for (int i = 0; i < count; i++)
            if (!items[i].socket) {
                items[i].revents = ZMQ_POLLIN;
                ready++;
            }
        return ready;
    }
    if (poll (fds, (nfds_t) count, timeout_ms < 0 ? -1 : (int) timeout_ms) == -1)
        return -1;
    for (int i = 0; i < count; i++)
        if (fds[i].revents) {
            items[i].revents = ZMQ_POLLIN;
            ready++;
        }
    return ready;
}
