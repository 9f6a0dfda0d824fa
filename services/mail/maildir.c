/*  mail_maildir: Maildir ingestion; see maildir.h. */
#include "maildir.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_folder.h"
#include "bs_log.h"

typedef struct {
    char *name;   /* file in new/ */
    int attempts; /* passing failures so far */
} s_attempt_t;

struct mail_maildir {
    mail_t *mail;          /* not owned */
    char path[1024];       /* the Maildir */
    pthread_t thread;      /* the polling thread */
    bool started;          /* thread runs */
    atomic_bool stopping;  /* destroy was called */
    uint64_t poll_ms;      /* mail.maildir_poll_ms */
    int retries;           /* mail.maildir_retries */
    s_attempt_t *attempts; /* mail that failed for a passing reason */
    size_t attempt_count;
};

static int
s_make_folder (const char *path)
{
    return mkdir (path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

mail_maildir_t *
mail_maildir_new (mail_t *mail, const char *path, bs_error_t *error)
{
    static const char *const folders[] = {
        "", "/new", "/cur", "/tmp", "/.failed", "/.failed/new", "/.failed/cur", "/.failed/tmp"};
    for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
        char folder[1200];
        snprintf (folder, sizeof folder, "%s%s", path, folders[i]);
        if (s_make_folder (folder) != 0)
            return bs_error_set (error, BS_E_SYSTEM, "mail.maildir", "cannot create %s: %s", folder,
                                 strerror (errno)),
                   NULL;
    }
    mail_maildir_t *self = calloc (1, sizeof *self);
    if (!self)
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory"), NULL;
    self->mail = mail;
    snprintf (self->path, sizeof self->path, "%s", path);
    self->poll_ms = bs_config_get_number (mail->config, "mail.maildir_poll_ms");
    if (self->poll_ms < 10)
        self->poll_ms = 10;
    self->retries = (int) bs_config_get_number (mail->config, "mail.maildir_retries");
    return self;
}

/* The count of passing failures of name, after adding one. */
static int
s_attempt (mail_maildir_t *self, const char *name)
{
    for (size_t i = 0; i < self->attempt_count; i++)
        if (strcmp (self->attempts[i].name, name) == 0)
            return ++self->attempts[i].attempts;
    s_attempt_t *grown = realloc (self->attempts, (self->attempt_count + 1) * sizeof *grown);
    if (!grown)
        return self->retries; /* no memory to count: give up on it */
    self->attempts = grown;
    self->attempts[self->attempt_count].name = strdup (name);
    self->attempts[self->attempt_count].attempts = 1;
    if (!self->attempts[self->attempt_count].name)
        return self->retries;
    self->attempt_count++;
    return 1;
}

static void
s_forget (mail_maildir_t *self, const char *name)
{
    for (size_t i = 0; i < self->attempt_count; i++)
        if (strcmp (self->attempts[i].name, name) == 0) {
            free (self->attempts[i].name);
            self->attempts[i] = self->attempts[--self->attempt_count];
            return;
        }
}

/* name without a ":2,..." info part. */
static void
s_base_name (const char *name, char *base, size_t size)
{
    snprintf (base, size, "%s", name);
    char *info = strstr (base, ":2,");
    if (info)
        *info = 0;
}

/* Write the reason, then move the mail into .failed/cur. */
static void
s_fail (mail_maildir_t *self, const char *name, const mail_outcome_t *outcome)
{
    char base[512], source[1800], target[1800], reason[1800], temporary[1800];
    s_base_name (name, base, sizeof base);
    snprintf (source, sizeof source, "%s/new/%s", self->path, name);
    snprintf (target, sizeof target, "%s/.failed/cur/%s:2,", self->path, base);
    snprintf (reason, sizeof reason, "%s/.failed/%s.reason", self->path, base);
    snprintf (temporary, sizeof temporary, "%s/.failed/tmp/%s.reason", self->path, base);
    char line[1024];
    mail_outcome_reply (outcome, "maildir", line, sizeof line);
    FILE *file = fopen (temporary, "w");
    if (file) {
        fprintf (file, "%s\ncode: %s\nfield: %s\nreason: %s\n", line, bs_error_name (outcome->code),
                 outcome->error.field, outcome->error.text);
        if (fflush (file) != 0 || fsync (fileno (file)) != 0)
            bs_log_error ("cannot write %s: %s", temporary, strerror (errno));
        fclose (file);
        if (rename (temporary, reason) != 0)
            bs_log_error ("cannot write %s: %s", reason, strerror (errno));
    } else
        bs_log_error ("cannot write %s: %s", temporary, strerror (errno));
    if (rename (source, target) != 0)
        bs_log_error ("cannot move %s to %s: %s", source, target, strerror (errno));
    else
        bs_log_warning ("Maildir: %s moved to .failed: %s", name, outcome->error.text);
}

/* The names in new/, sorted; caller frees each and the array. */
static char **
s_list (mail_maildir_t *self, size_t *count)
{
    char folder[1200];
    snprintf (folder, sizeof folder, "%s/new", self->path);
    char **names = bs_folder_names (folder, NULL, count);
    if (!names && errno)
        bs_log_error ("cannot read %s: %s", folder, strerror (errno));
    return names;
}

/* Read a whole file of at most max bytes; *too_big when larger. */
static char *
s_read_file (const char *path, size_t max, size_t *size, bool *too_big)
{
    *too_big = false;
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return NULL;
    struct stat status;
    if (fstat (fd, &status) != 0 || !S_ISREG (status.st_mode)) {
        close (fd);
        return NULL;
    }
    if ((size_t) status.st_size > max) {
        *too_big = true;
        close (fd);
        return NULL;
    }
    char *bytes = malloc ((size_t) status.st_size + 1);
    size_t done = 0;
    while (bytes && done < (size_t) status.st_size) {
        ssize_t got = read (fd, bytes + done, (size_t) status.st_size - done);
        if (got <= 0)
            break;
        done += (size_t) got;
    }
    close (fd);
    if (!bytes || done != (size_t) status.st_size) {
        free (bytes);
        return NULL;
    }
    *size = done;
    return bytes;
}

int
mail_maildir_scan (mail_maildir_t *self, bs_client_t *client, size_t *delivered)
{
    *delivered = 0;
    size_t count;
    char **names = s_list (self, &count);
    int rc = BS_OK;
    for (size_t i = 0; i < count; i++) {
        if (rc != BS_OK || atomic_load (&self->stopping)) {
            free (names[i]);
            continue;
        }
        char path[1800];
        snprintf (path, sizeof path, "%s/new/%s", self->path, names[i]);
        size_t size = 0;
        bool too_big;
        char *bytes = s_read_file (path, self->mail->limits.max_message, &size, &too_big);
        mail_outcome_t outcome;
        if (too_big) {
            memset (&outcome, 0, sizeof outcome);
            outcome.code = bs_error_set (&outcome.error, BS_E_LIMIT, "size",
                                         "the mail is larger than the %zu bytes allowed",
                                         self->mail->limits.max_message);
        } else if (!bytes) {
            free (names[i]); /* gone meanwhile, or unreadable: the next pass sees */
            continue;
        } else
            mail_deliver (self->mail, client, bytes, size, &outcome);
        free (bytes);
        if (outcome.code == BS_OK) {
            char base[512], target[1800];
            s_base_name (names[i], base, sizeof base);
            snprintf (target, sizeof target, "%s/cur/%s:2,S", self->path, base);
            if (rename (path, target) != 0)
                bs_log_error ("cannot move %s to cur/: %s", path, strerror (errno));
            else
                (*delivered)++;
            s_forget (self, names[i]);
        } else if (outcome.code == BS_E_UNAVAILABLE || outcome.code == BS_E_TIMEOUT)
            rc = BS_E_UNAVAILABLE; /* intake is away: try again next pass */
        else if (outcome.temporary && s_attempt (self, names[i]) < self->retries)
            ; /* tried again next pass */
        else {
            s_fail (self, names[i], &outcome);
            s_forget (self, names[i]);
            (*delivered)++;
        }
        free (names[i]);
    }
    free (names);
    return rc;
}

static void *
s_poll_thread (void *argument)
{
    mail_maildir_t *self = argument;
    bs_client_t *client = bs_client_new (self->mail->config, "intake", "mail");
    bs_log_info ("Maildir: ingesting %s/new every %llu ms", self->path,
                 (unsigned long long) self->poll_ms);
    while (!atomic_load (&self->stopping)) {
        size_t delivered;
        mail_maildir_scan (self, client, &delivered);
        uint64_t until = bs_clock_monotonic () + self->poll_ms;
        while (!atomic_load (&self->stopping) && bs_clock_monotonic () < until)
            usleep (10 * 1000);
    }
    bs_client_destroy (&client);
    return NULL;
}

int
mail_maildir_start (mail_maildir_t *self)
{
    if (pthread_create (&self->thread, NULL, s_poll_thread, self) != 0)
        return BS_E_SYSTEM;
    self->started = true;
    return BS_OK;
}

void
mail_maildir_destroy (mail_maildir_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mail_maildir_t *self = *self_p;
    atomic_store (&self->stopping, true);
    if (self->started)
        pthread_join (self->thread, NULL);
    for (size_t i = 0; i < self->attempt_count; i++)
        free (self->attempts[i].name);
    free (self->attempts);
    free (self);
    *self_p = NULL;
}
