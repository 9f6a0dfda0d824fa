/*  bs_socket: socket creation and non-blocking sends; see bs_socket.h. */
#include "bs_socket.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "bs_folder.h"
#include "bs_keys.h"
#include "bs_log.h"
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

int
bs_socket_secure (zsock_t *socket, const char *name, bs_socket_mode_t mode, bs_config_t *config)
{
    char *folder = bs_keys_folder (config);
    bs_error_t error;
    zcert_t *own = NULL, *server = NULL;
    int rc = BS_OK;
    if (!folder)
        rc = bs_error_set (&error, BS_E_SYSTEM, "", "out of memory");
    else if (!zmq_has ("curve"))
        rc = bs_error_set (&error, BS_E_SYSTEM, "", "this libzmq was built without CurveZMQ");
    else if (mode == BS_SOCKET_BIND) {
        own = bs_keys_load (folder, name, true, &error);
        if (!own)
            rc = error.code;
        else if (!bs_zap_serves (name))
            rc = bs_error_set (&error, BS_E_DENIED, "", "no keyring admits clients to %s", name);
        else {
            zcert_apply (own, socket);
            zsock_set_curve_server (socket, 1);
            zsock_set_zap_domain (socket, name);
            zsock_set_zap_enforce_domain (socket, 1); /* no handler: no session */
        }
    } else {
        own = bs_keys_load (folder, bs_keys_own_name (config), true, &error);
        server = own ? bs_keys_load (folder, name, false, &error) : NULL;
        if (!server)
            rc = error.code;
        else {
            zcert_apply (own, socket);
            zsock_set_curve_serverkey (socket, zcert_public_txt (server));
        }
    }
    if (rc != BS_OK)
        bs_log_error ("no CurveZMQ for %s: %s", name, error.text);
    zcert_destroy (&own);
    zcert_destroy (&server);
    free (folder);
    return rc;
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
    zsock_t *socket = zsock_new (type);
    if (!socket) {
        bs_log_error ("cannot create a socket: %s", zmq_strerror (zmq_errno ()));
        return NULL;
    }
    zsock_set_maxmsgsize (socket, (int) max_message + 1024);
    int window = (int) bs_config_get_number (config, "stream_window");
    zsock_set_sndhwm (socket, window * 4 + 1000);
    zsock_set_rcvhwm (socket, window * 4 + 1000);
    zsock_set_linger (socket, 0);
    if (type == ZMQ_ROUTER)
        zsock_set_router_mandatory (socket, 1);
    if (bs_socket_secure (socket, name, mode, config) != BS_OK) {
        zsock_destroy (&socket);
        return NULL;
    }
    int rc;
    if (mode == BS_SOCKET_BIND) {
        s_make_ipc_folder (endpoint);
        rc = zsock_bind (socket, "%s", endpoint);
    } else
        rc = zsock_connect (socket, "%s", endpoint);
    if (rc == -1) {
        bs_log_error ("cannot %s %s: %s", mode == BS_SOCKET_BIND ? "bind" : "connect", endpoint,
                      zmq_strerror (zmq_errno ()));
        zsock_destroy (&socket);
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
            snprintf (key, BS_PEER_KEY_SIZE, "%s", user_id ? user_id : "");
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
