/*  server: the state of the HTTP server, private to the gateway's files
    that make it (gateway.c) and read it (http.c, metrics.c, feed.c). Everything
    else uses the accessors of gateway.h.
*/
#ifndef GATEWAY_SERVER_H_INCLUDED
#define GATEWAY_SERVER_H_INCLUDED

#include <pthread.h>
#include <netinet/in.h>
#include <stdatomic.h>

#include "gateway.h"

/* The gateway's counters for GET /metrics (metrics.c): commands per
   service (intake, review, publication, statistics, mail, then any other)
   and answers per status class (index status / 100). Atomics: every
   connection thread adds to them. */
#define GATEWAY_METRIC_SERVICES 5
typedef struct {
    _Atomic uint64_t commands[GATEWAY_METRIC_SERVICES + 1];
    _Atomic uint64_t failures[GATEWAY_METRIC_SERVICES + 1];
    _Atomic uint64_t responses[6];
} gateway_metrics_t;
/* The services of those slots, in order (http.c). */
extern const char *const gateway_metric_services[GATEWAY_METRIC_SERVICES];

struct gateway {
    bs_config_t *config;                          /* not owned */
    unsigned char session_key[GATEWAY_KEY_BYTES]; /* signs sessions */
    uint64_t session_ms;                          /* how long a session lasts */
    size_t max_body;                              /* bytes of a request body */
    int tries;                                    /* tries of a service call */
    int timeout;                                  /* ms per try */
    struct sockaddr_in address;                   /* where we listen */
    struct MHD_Daemon *daemon;                    /* the HTTP server */
    pthread_key_t clients_key;                    /* this thread's clients */
    bool key_made;                                /* clients_key exists */
    uint64_t started_at;                          /* ms since epoch */
    bool behind_tls;                              /* gateway.behind_tls */
    char policy[512];                             /* Content-Security-Policy */
    gateway_login_limit_t *login_limit;           /* wrong logins, password checks */
    gateway_metrics_t metrics;                    /* counted since the start */
    gateway_feed_t *feed;                         /* the live feed's shared reader */
    gateway_console_t *console;                   /* the console's files, NULL: not readable */
};

/* The destructor of clients_key: one thread's service clients go. */
void gateway_clients_destroy (void *clients);

#endif
