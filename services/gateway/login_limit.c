/*  gateway_login_limit: failure buckets per login and address, and turns
    for password checks; see login_limit.h. */
#include "login_limit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_KEY_MAX 200 /* bytes of a key with NUL */

typedef struct {
    char key[S_KEY_MAX]; /* "login:li", "address:127.0.0.1"; "" when free */
    double level;        /* failures not yet forgiven */
    uint64_t updated;    /* monotonic ms when level was last brought up to date */
} s_bucket_t;

struct gateway_login_limit {
    pthread_mutex_t lock;    /* guards everything below */
    pthread_cond_t turn;     /* a check's turn came free */
    s_bucket_t *buckets;     /* GATEWAY_LOGIN_LIMIT_KEYS of them */
    double login_burst;      /* failures a login may have */
    double address_burst;    /* failures an address may have */
    double forgive_ms;       /* one failure forgiven per this */
    unsigned checks_max;     /* checks at once */
    unsigned checks_running; /* checks now */
    uint64_t wait_ms;        /* longest wait for a turn */
    uint64_t refused;        /* 429s answered */
};

gateway_login_limit_t *
gateway_login_limit_new (bs_config_t *config)
{
    gateway_login_limit_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->buckets = calloc (GATEWAY_LOGIN_LIMIT_KEYS, sizeof *self->buckets);
    if (!self->buckets) {
        free (self);
        return NULL;
    }
    self->login_burst = (double) bs_config_get_number (config, "gateway.login_failures_per_login");
    self->address_burst =
        (double) bs_config_get_number (config, "gateway.login_failures_per_address");
    self->forgive_ms = (double) bs_config_get_number (config, "gateway.login_forgive_ms");
    if (self->forgive_ms < 1)
        self->forgive_ms = 1;
    self->checks_max = (unsigned) bs_config_get_number (config, "gateway.login_checks");
    if (self->checks_max == 0)
        self->checks_max = 1;
    self->wait_ms = bs_config_get_number (config, "gateway.login_wait_ms");
    pthread_mutex_init (&self->lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init (&attributes);
    pthread_condattr_setclock (&attributes, CLOCK_MONOTONIC);
    pthread_cond_init (&self->turn, &attributes);
    pthread_condattr_destroy (&attributes);
    return self;
}

void
gateway_login_limit_destroy (gateway_login_limit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gateway_login_limit_t *self = *self_p;
    pthread_cond_destroy (&self->turn);
    pthread_mutex_destroy (&self->lock);
    free (self->buckets);
    free (self);
    *self_p = NULL;
}

/* Bring bucket's level up to now: what has been forgiven since. */
static void
s_drain (gateway_login_limit_t *self, s_bucket_t *bucket, uint64_t now)
{
    if (now > bucket->updated) {
        bucket->level -= (double) (now - bucket->updated) / self->forgive_ms;
        if (bucket->level < 0)
            bucket->level = 0;
    }
    bucket->updated = now;
}

/* The bucket of key, or NULL when it has none and create is false. With
   create, a full table gives up its emptiest bucket. Under the lock. */
static s_bucket_t *
s_bucket (gateway_login_limit_t *self, const char *kind, const char *name, uint64_t now,
          bool create)
{
    char key[S_KEY_MAX];
    snprintf (key, sizeof key, "%s:%s", kind, name ? name : "");
    s_bucket_t *free_slot = NULL, *emptiest = NULL;
    for (size_t i = 0; i < GATEWAY_LOGIN_LIMIT_KEYS; i++) {
        s_bucket_t *bucket = &self->buckets[i];
        if (!bucket->key[0]) {
            if (!free_slot)
                free_slot = bucket;
            continue;
        }
        if (strcmp (bucket->key, key) == 0) {
            s_drain (self, bucket, now);
            return bucket;
        }
        if (create) {
            s_drain (self, bucket, now);
            if (bucket->level == 0 && !free_slot)
                free_slot = bucket;
            if (!emptiest || bucket->level < emptiest->level)
                emptiest = bucket;
        }
    }
    if (!create)
        return NULL;
    s_bucket_t *bucket = free_slot ? free_slot : emptiest;
    snprintf (bucket->key, sizeof bucket->key, "%s", key);
    bucket->level = 0;
    bucket->updated = now;
    return bucket;
}

/* Seconds until bucket may take one more failure under burst; 0 now. */
static unsigned
s_wait (gateway_login_limit_t *self, const s_bucket_t *bucket, double burst)
{
    if (!bucket || bucket->level + 1 <= burst)
        return 0;
    double ms = (bucket->level + 1 - burst) * self->forgive_ms;
    unsigned seconds = (unsigned) (ms / 1000) + 1;
    return seconds;
}

bool
gateway_login_limit_allows (gateway_login_limit_t *self, const char *login, const char *address,
                            uint64_t now, unsigned *retry_after)
{
    pthread_mutex_lock (&self->lock);
    unsigned by_login = s_wait (self, s_bucket (self, "login", login, now, false), self->login_burst);
    unsigned by_address =
        s_wait (self, s_bucket (self, "address", address, now, false), self->address_burst);
    *retry_after = by_login > by_address ? by_login : by_address;
    if (*retry_after)
        self->refused++;
    pthread_mutex_unlock (&self->lock);
    return *retry_after == 0;
}

void
gateway_login_limit_failed (gateway_login_limit_t *self, const char *login, const char *address,
                            uint64_t now)
{
    pthread_mutex_lock (&self->lock);
    s_bucket (self, "login", login, now, true)->level += 1;
    s_bucket (self, "address", address, now, true)->level += 1;
    pthread_mutex_unlock (&self->lock);
}

bool
gateway_login_limit_acquire (gateway_login_limit_t *self)
{
    struct timespec until;
    clock_gettime (CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t) (self->wait_ms / 1000);
    until.tv_nsec += (long) (self->wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock (&self->lock);
    int rc = 0;
    while (self->checks_running >= self->checks_max && rc == 0)
        rc = pthread_cond_timedwait (&self->turn, &self->lock, &until);
    bool got = self->checks_running < self->checks_max;
    if (got)
        self->checks_running++;
    else
        self->refused++;
    pthread_mutex_unlock (&self->lock);
    return got;
}

void
gateway_login_limit_release (gateway_login_limit_t *self)
{
    pthread_mutex_lock (&self->lock);
    if (self->checks_running)
        self->checks_running--;
    pthread_cond_signal (&self->turn);
    pthread_mutex_unlock (&self->lock);
}

uint64_t
gateway_login_limit_refused (gateway_login_limit_t *self)
{
    pthread_mutex_lock (&self->lock);
    uint64_t refused = self->refused;
    pthread_mutex_unlock (&self->lock);
    return refused;
}
