/*  bs_zap: the ZAP handler thread and its registry of domains; see
    bs_zap.h.
*/
#include "bs_zap.h"

#include <czmq.h>
#include <pthread.h>
#include <string.h>

#include "bs_log.h"

#define S_DOMAINS_MAX 16
#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"

typedef struct {
    char name[64];          /* the domain: a service's name */
    bs_keyring_t *keyring;  /* not owned */
} s_domain_t;

/* The registry, read by the handler thread for each connection. */
static pthread_mutex_t s_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static s_domain_t s_domains[S_DOMAINS_MAX];
static size_t s_domain_count;

/* Starting and stopping the handler (callers' threads only). */
static pthread_mutex_t s_life_lock = PTHREAD_MUTEX_INITIALIZER;
static zactor_t *s_handler;
static bool s_handler_bound; /* set by the handler before it signals */

/* How long a new handler tries to bind (S_BIND_TRIES x S_BIND_WAIT_MS). */
#define S_BIND_TRIES 200
#define S_BIND_WAIT_MS 10

/* Decide one request: 200 and the key as User-Id, or 400. */
static void
s_decide (const char *domain, const char *mechanism, zframe_t *credential, char *status,
          char *user_id)
{
    strcpy (status, "400");
    user_id[0] = 0;
    if (strcmp (mechanism, "CURVE") != 0 || !credential || zframe_size (credential) != 32) {
        bs_log_info ("refused a %s connection to %s: a baosong socket takes CurveZMQ only",
                     mechanism, domain);
        return;
    }
    char key[BS_PEER_KEY_SIZE];
    zmq_z85_encode (key, zframe_data (credential), 32);
    bs_peer_t peer;
    int rc = BS_E_DENIED;
    pthread_mutex_lock (&s_registry_lock);
    for (size_t i = 0; i < s_domain_count; i++)
        if (strcmp (s_domains[i].name, domain) == 0)
            rc = bs_keyring_find (s_domains[i].keyring, key, &peer);
    pthread_mutex_unlock (&s_registry_lock);
    if (rc != BS_OK) {
        bs_log_info ("refused a connection to %s: key %s is not in its keyring", domain, key);
        return;
    }
    strcpy (status, "200");
    strcpy (user_id, key);
}

/* Read one ZAP request (RFC 27) from handler and answer it. */
static void
s_answer (zsock_t *handler)
{
    zmsg_t *request = zmsg_recv (handler);
    if (!request)
        return;
    char *version = zmsg_popstr (request);
    char *sequence = zmsg_popstr (request);
    char *domain = zmsg_popstr (request);
    char *address = zmsg_popstr (request);
    char *identity = zmsg_popstr (request);
    char *mechanism = zmsg_popstr (request);
    zframe_t *credential = zmsg_pop (request);
    char status[4], user_id[BS_PEER_KEY_SIZE];
    s_decide (domain ? domain : "", mechanism ? mechanism : "", credential, status, user_id);
    if (strcmp (status, "200") != 0 && address)
        bs_log_info ("(the refused connection came from %s)", *address ? address : "ipc");
    zmsg_t *reply = zmsg_new ();
    zmsg_addstr (reply, "1.0");
    zmsg_addstr (reply, sequence ? sequence : "");
    zmsg_addstr (reply, status);
    zmsg_addstr (reply, strcmp (status, "200") == 0 ? "OK" : "not admitted");
    zmsg_addstr (reply, user_id);
    zmsg_addmem (reply, "", 0); /* no metadata */
    zmsg_send (&reply, handler);
    zframe_destroy (&credential);
    free (version);
    free (sequence);
    free (domain);
    free (address);
    free (identity);
    free (mechanism);
    zmsg_destroy (&request);
}

static void
s_handler_actor (zsock_t *pipe, void *argument)
{
    (void) argument;
    /* A handler stopped just before (its last domain forgotten) keeps the
       endpoint until libzmq's reaper thread has closed its socket, in its
       own time after zmq_close returned; until then a bind fails. Without
       a bound handler libzmq would admit every CurveZMQ client with no
       User-Id at all, so try again for a while, then say so. */
    zsock_t *handler = zsock_new_rep ("@" S_ZAP_ENDPOINT);
    for (int try = 1; !handler && try < S_BIND_TRIES; try++) {
        zclock_sleep (S_BIND_WAIT_MS);
        handler = zsock_new_rep ("@" S_ZAP_ENDPOINT);
    }
    pthread_mutex_lock (&s_registry_lock);
    s_handler_bound = handler != NULL;
    pthread_mutex_unlock (&s_registry_lock);
    zsock_signal (pipe, handler ? 0 : 1);
    if (!handler)
        return;
    zpoller_t *poller = zpoller_new (pipe, handler, NULL);
    zpoller_set_nonstop (poller, true); /* a service stops us, not SIGINT */
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which == handler)
            s_answer (handler);
        else if (which == pipe) {
            char *command = zstr_recv (pipe);
            bool stop = !command || strcmp (command, "$TERM") == 0;
            free (command);
            if (stop)
                break;
        } else if (zpoller_terminated (poller))
            break;
    }
    zpoller_destroy (&poller);
    zsock_destroy (&handler);
}

int
bs_zap_serve (const char *domain, bs_keyring_t *keyring)
{
    pthread_mutex_lock (&s_life_lock);
    int rc = BS_OK;
    pthread_mutex_lock (&s_registry_lock);
    for (size_t i = 0; i < s_domain_count; i++)
        if (strcmp (s_domains[i].name, domain) == 0)
            rc = BS_E_CONFLICT;
    if (rc == BS_OK && s_domain_count == S_DOMAINS_MAX)
        rc = BS_E_LIMIT;
    if (rc == BS_OK) {
        s_domain_t *entry = &s_domains[s_domain_count++];
        snprintf (entry->name, sizeof entry->name, "%s", domain);
        entry->keyring = keyring;
    }
    pthread_mutex_unlock (&s_registry_lock);
    if (rc == BS_OK && !s_handler) {
        s_handler = zactor_new (s_handler_actor, NULL); /* returns once it is bound, or not */
        pthread_mutex_lock (&s_registry_lock);
        bool bound = s_handler_bound;
        pthread_mutex_unlock (&s_registry_lock);
        if (!bound)
            zactor_destroy (&s_handler);
        if (!s_handler) {
            bs_log_error ("cannot start the ZAP handler on %s (its endpoint stayed taken)",
                          S_ZAP_ENDPOINT);
            pthread_mutex_unlock (&s_life_lock);
            bs_zap_forget (domain);
            return BS_E_SYSTEM;
        }
    }
    pthread_mutex_unlock (&s_life_lock);
    return rc;
}

void
bs_zap_forget (const char *domain)
{
    pthread_mutex_lock (&s_life_lock);
    pthread_mutex_lock (&s_registry_lock);
    for (size_t i = 0; i < s_domain_count; i++)
        if (strcmp (s_domains[i].name, domain) == 0) {
            s_domains[i] = s_domains[--s_domain_count];
            break;
        }
    bool last = s_domain_count == 0;
    pthread_mutex_unlock (&s_registry_lock);
    if (last)
        zactor_destroy (&s_handler);
    pthread_mutex_unlock (&s_life_lock);
}

bool
bs_zap_serves (const char *domain)
{
    bool found = false;
    pthread_mutex_lock (&s_registry_lock);
    for (size_t i = 0; i < s_domain_count; i++)
        found |= strcmp (s_domains[i].name, domain) == 0;
    pthread_mutex_unlock (&s_registry_lock);
    return found;
}
